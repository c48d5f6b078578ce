-- See migrations/sqlite/20261202000003: the change counter the operator CLI
-- bumps and every instance polls, and the overview's hourly counts.
CREATE TABLE change_epoch (
    id    INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT  NOT NULL
);
INSERT INTO change_epoch (id, epoch) VALUES (1, 0);
CREATE INDEX audit_events_by_action ON audit_events (action, occurred_at);
