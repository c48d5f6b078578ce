-- End-session requests that arrived by POST (RP-Initiated Logout §2). A
-- cross-site POST carries no SameSite=Lax cookie, and the hint must not be
-- copied into a URL, so the parameters wait here under an opaque id while the
-- browser is sent on to GET /logout?pending=<id>, which does carry the cookie.
CREATE TABLE logout_requests (
    id         TEXT    PRIMARY KEY,
    params     TEXT    NOT NULL,      -- the form body, application/x-www-form-urlencoded
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX logout_requests_by_age ON logout_requests (created_at);
