-- Refresh tokens, and what logout and "sign out everywhere" need of them (#14).
-- The same change as migrations/sqlite/20261202000002_refresh_tokens.sql,
-- where each column is explained.
ALTER TABLE clients ADD COLUMN grant_types TEXT NOT NULL
    DEFAULT '["authorization_code"]' CHECK (grant_types::json IS NOT NULL);

ALTER TABLE op_sessions ADD COLUMN browser TEXT;

ALTER TABLE access_tokens ALTER COLUMN sid DROP NOT NULL;
ALTER TABLE access_tokens ADD COLUMN user_id BIGINT REFERENCES users (id) ON DELETE CASCADE;
ALTER TABLE access_tokens ADD COLUMN issued_at BIGINT;
UPDATE access_tokens t SET user_id = s.user_id, issued_at = t.expires_at - 3600
    FROM op_sessions s WHERE s.sid = t.sid;
DELETE FROM access_tokens WHERE user_id IS NULL;
ALTER TABLE access_tokens ALTER COLUMN user_id SET NOT NULL;
ALTER TABLE access_tokens ALTER COLUMN issued_at SET NOT NULL;
CREATE INDEX access_tokens_by_user ON access_tokens (user_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT    PRIMARY KEY,
    grant_id   TEXT    NOT NULL,
    client_id  TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    user_id    BIGINT  NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sid        TEXT    NOT NULL,
    offline    BOOLEAN NOT NULL DEFAULT FALSE,
    scope      TEXT    NOT NULL,
    auth_time  BIGINT  NOT NULL,
    issued_at  BIGINT  NOT NULL,
    expires_at BIGINT  NOT NULL,
    used_at    BIGINT,
    revoked_at BIGINT
);
CREATE INDEX refresh_tokens_by_grant ON refresh_tokens (grant_id);
CREATE INDEX refresh_tokens_by_sid ON refresh_tokens (sid);
CREATE INDEX refresh_tokens_by_user ON refresh_tokens (user_id);
CREATE INDEX refresh_tokens_by_expiry ON refresh_tokens (expires_at);
