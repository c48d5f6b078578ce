-- The back-channel logout outbox: one row per client to notify, written in the
-- same transaction that ends the session, so a crash between the commit and
-- the delivery loses nothing. A worker delivers due rows and retries.
CREATE TABLE backchannel_deliveries (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id       TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    sid             TEXT    NOT NULL,                 -- the ended OP session (kept for the log)
    subject         TEXT    NOT NULL,                 -- the `sub` of that client's ID tokens
    uri             TEXT    NOT NULL,                 -- backchannel_logout_uri when the session ended
    reason          TEXT    NOT NULL,                 -- why the session ended (the termination reason)
    status          TEXT    NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,                 -- Unix ms; a claim moves it ahead (a lease)
    last_status     INTEGER,                          -- the receiver's last HTTP status
    last_error      TEXT,
    last_jti        TEXT,                             -- every attempt sends a new token
    created_at      INTEGER NOT NULL,                 -- Unix ms
    updated_at      INTEGER NOT NULL
) STRICT;

CREATE INDEX backchannel_deliveries_due ON backchannel_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX backchannel_deliveries_by_client ON backchannel_deliveries (client_id, id DESC);
CREATE INDEX backchannel_deliveries_by_sid ON backchannel_deliveries (sid);
