-- A signed pending authorization request (/login?request=…) is continued at
-- most once: its digest is kept here until the request would have expired.
CREATE TABLE spent_authorization_requests (
    digest TEXT PRIMARY KEY NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;

CREATE INDEX spent_authorization_requests_by_expiry ON spent_authorization_requests (expires_at);
