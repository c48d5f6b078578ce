-- See migrations/sqlite/20261202000001: a delivery's lease owner (its finish
-- is fenced on it), and when a rotated-in signing key may start signing.
ALTER TABLE backchannel_deliveries ADD COLUMN lease_owner TEXT;
ALTER TABLE signing_keys ADD COLUMN sign_from BIGINT NOT NULL DEFAULT 0;
-- Failed logins per throttle key, shared by every instance (server/throttle.rs).
CREATE TABLE login_throttle (
    key      TEXT   PRIMARY KEY,
    attempts BIGINT NOT NULL,
    last_ms  BIGINT NOT NULL
);
