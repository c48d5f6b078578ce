-- Secrets the server keeps for itself, created at first start: the key that
-- signs values round-tripped through the browser (the login form's CSRF token,
-- an authorization request waiting for a sign-in), so that rendering the
-- sign-in page stores nothing per request.
CREATE TABLE server_secrets (
    name       TEXT    PRIMARY KEY,
    secret     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
