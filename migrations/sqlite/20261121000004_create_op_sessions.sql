-- OP sessions: one per successful login in a browser. `sid` goes into ID tokens.
-- Ended sessions stay for a retention window so expired id_token_hints naming
-- a recent session still validate (RP-Initiated Logout §2).
CREATE TABLE op_sessions (
    sid        TEXT    PRIMARY KEY,                 -- 256 bits from the OS RNG, base64url
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER,
    end_reason TEXT
) STRICT;

CREATE INDEX op_sessions_by_user ON op_sessions (user_id, ended_at);
CREATE INDEX op_sessions_by_end ON op_sessions (ended_at) WHERE ended_at IS NOT NULL;
