-- Which client logged in within which OP session: whom logout must notify.
CREATE TABLE rp_sessions (
    sid            TEXT    NOT NULL REFERENCES op_sessions (sid) ON DELETE CASCADE,
    client_id      TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    first_login_at INTEGER NOT NULL,
    last_login_at  INTEGER NOT NULL,
    ended_at       INTEGER,
    PRIMARY KEY (sid, client_id)
) STRICT;

CREATE INDEX rp_sessions_by_client ON rp_sessions (client_id);
