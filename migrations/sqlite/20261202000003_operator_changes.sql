-- A counter every change made outside the running servers (the operator
-- CLI) bumps in its own transaction. Each server polls it, and on a change
-- drops its cached sessions and clients and wakes its back-channel worker,
-- so what the CLI did is seen at once (server/changes.rs).
CREATE TABLE change_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
) STRICT;
INSERT INTO change_epoch (id, epoch) VALUES (1, 0);
-- The console's overview counts sign-ins and logouts per hour.
CREATE INDEX audit_events_by_action ON audit_events (action, occurred_at);
