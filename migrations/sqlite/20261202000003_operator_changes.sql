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
-- What browsers saw of front-channel logouts, per client and hour (the
-- overview shows "could not reach" and "no answer"). A page reports once per
-- logout, with a sealed ticket, so only real logouts count; rows past the
-- delivery retention are purged.
CREATE TABLE frontchannel_outcomes (
    client_id TEXT    NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    hour      INTEGER NOT NULL,                 -- Unix time / 3600
    outcome   TEXT    NOT NULL CHECK (outcome IN ('sent', 'unreachable', 'no_answer')),
    count     INTEGER NOT NULL,
    PRIMARY KEY (client_id, hour, outcome)
) STRICT;
CREATE INDEX frontchannel_outcomes_by_hour ON frontchannel_outcomes (hour);
