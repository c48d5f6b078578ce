-- Opaque bearer tokens for /userinfo, stored as SHA-256 hashes and bound to the
-- OP session, so ending the session can revoke them.
CREATE TABLE access_tokens (
    token_hash TEXT    PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    sid        TEXT    NOT NULL REFERENCES op_sessions (sid) ON DELETE CASCADE,
    scope      TEXT    NOT NULL,
    code_hash  TEXT    NOT NULL,                   -- the code it was issued for (replay revocation)
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;

CREATE INDEX access_tokens_by_sid ON access_tokens (sid);
CREATE INDEX access_tokens_by_code ON access_tokens (code_hash);
