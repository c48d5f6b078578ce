-- Who did what, when: logout decisions, admin changes, process lifecycle.
-- Rows are only ever inserted; the admin console reads them newest first.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    occurred_at INTEGER NOT NULL,              -- Unix time, seconds
    actor       TEXT,                          -- username, "system", or NULL for anonymous
    action      TEXT    NOT NULL,              -- dotted verb, e.g. "server.started"
    subject     TEXT,                          -- what was acted on (client_id, sid, ...)
    detail      TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(detail))
) STRICT;

CREATE INDEX audit_events_newest_first ON audit_events (occurred_at DESC, id DESC);
