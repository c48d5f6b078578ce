-- Several instances share one database (PostgreSQL); SQLite gets the same
-- columns so that one set of queries serves both stores.
--
-- The instance whose attempt holds a back-channel delivery's lease: its
-- finish is recorded only while it still holds it (fencing), so an instance
-- that lost the lease (paused, or presumed dead and taken over) cannot
-- overwrite the outcome of the instance that took the row over.
ALTER TABLE backchannel_deliveries ADD COLUMN lease_owner TEXT;
-- A rotated-in signing key is published at once but signs only from
-- sign_from (Unix seconds), when every instance has reloaded its keys and
-- publishes it too. Existing keys sign already.
ALTER TABLE signing_keys ADD COLUMN sign_from INTEGER NOT NULL DEFAULT 0;
-- Failed logins, counted per throttle key ("addr:…" and "user:…@addr"), so
-- that every instance throttles the same guesses (server/throttle.rs).
-- Rows out of the window are purged with the other expired rows.
CREATE TABLE login_throttle (
    key      TEXT    PRIMARY KEY,
    attempts INTEGER NOT NULL,
    last_ms  INTEGER NOT NULL
) STRICT;
