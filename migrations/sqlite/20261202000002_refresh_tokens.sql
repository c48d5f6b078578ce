-- Refresh tokens, and what logout and "sign out everywhere" need of them (#14).
--
-- The grants a client may use (RFC 7591 §2 grant_types), as a JSON array.
ALTER TABLE clients ADD COLUMN grant_types TEXT NOT NULL
    DEFAULT '["authorization_code"]' CHECK (json_valid(grant_types));

-- What /account shows of the browser that signed in: a summary of its
-- User-Agent ("Firefox on Linux"), never the raw string.
ALTER TABLE op_sessions ADD COLUMN browser TEXT;

-- Access tokens name their user, and may outlive an OP session: one minted by
-- an offline_access refresh token after the session ended has no sid. SQLite
-- cannot drop NOT NULL in place, so the table is rebuilt (nothing references it).
CREATE TABLE access_tokens_new (
    token_hash TEXT    PRIMARY KEY,
    client_id  TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid        TEXT    REFERENCES op_sessions (sid) ON DELETE CASCADE, -- NULL: not bound to a session
    scope      TEXT    NOT NULL,
    code_hash  TEXT    NOT NULL,                   -- the grant: the code it descends from
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
) STRICT;
INSERT INTO access_tokens_new
    (token_hash, client_id, user_id, sid, scope, code_hash, issued_at, expires_at, revoked_at)
    SELECT t.token_hash, t.client_id, s.user_id, t.sid, t.scope, t.code_hash,
           t.expires_at - 3600, t.expires_at, t.revoked_at
    FROM access_tokens t JOIN op_sessions s ON s.sid = t.sid;
DROP TABLE access_tokens;
ALTER TABLE access_tokens_new RENAME TO access_tokens;
CREATE INDEX access_tokens_by_sid ON access_tokens (sid);
CREATE INDEX access_tokens_by_code ON access_tokens (code_hash);
CREATE INDEX access_tokens_by_user ON access_tokens (user_id);

-- Refresh tokens (RFC 6749 §6), stored as SHA-256 hashes and rotated on every
-- use. A grant (the tokens descending from one authorization code) is one
-- family: a rotated-out token presented again revokes the family.
-- Bound to the OP session `sid` unless `offline` (the offline_access scope,
-- consented to): a bound token dies when the session ends.
CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,
    grant_id   TEXT    NOT NULL,                   -- hash of the code the grant began with
    client_id  TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid        TEXT    NOT NULL,                   -- the session it was issued in (no FK: offline tokens outlive it)
    offline    INTEGER NOT NULL DEFAULT 0 CHECK (offline IN (0, 1)),
    scope      TEXT    NOT NULL,
    auth_time  INTEGER NOT NULL,                   -- of the sign-in the grant began with (Core §12.2)
    issued_at  INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,                            -- rotated: presented once, and replaced
    revoked_at INTEGER
) STRICT;
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_by_sid ON refresh_tokens (sid);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
