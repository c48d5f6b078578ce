-- See migrations/sqlite/20261202000003: the change counter the operator CLI
-- bumps and every instance polls, and the overview's hourly counts.
CREATE TABLE change_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT  NOT NULL
);
INSERT INTO change_epoch (id, epoch) VALUES (1, 0);
CREATE INDEX audit_events_by_action ON audit_events (action, occurred_at);
-- Front-channel outcomes per client and hour, as browsers reported them.
CREATE TABLE frontchannel_outcomes (
    client_id TEXT   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    hour      BIGINT NOT NULL,
    outcome   TEXT   NOT NULL CHECK (outcome IN ('sent', 'unreachable', 'no_answer')),
    count     BIGINT NOT NULL,
    PRIMARY KEY (client_id, hour, outcome)
);
CREATE INDEX frontchannel_outcomes_by_hour ON frontchannel_outcomes (hour);
