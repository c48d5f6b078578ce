-- Authorization codes: stored as SHA-256 hashes, single use, short-lived.
CREATE TABLE authorization_codes (
    code_hash      TEXT    PRIMARY KEY,
    client_id      TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    sid            TEXT    NOT NULL REFERENCES op_sessions (sid) ON DELETE CASCADE,
    redirect_uri   TEXT    NOT NULL,
    scope          TEXT    NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    expires_at     INTEGER NOT NULL,
    used_at        INTEGER
) STRICT;

CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);
