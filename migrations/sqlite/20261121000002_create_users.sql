-- End-users and admins. `subject` is the stable, opaque `sub` of ID tokens;
-- usernames can be renamed without changing it.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    subject       TEXT    NOT NULL UNIQUE,
    username      TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT    NOT NULL,                 -- argon2id PHC string
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    disabled_at   INTEGER,                          -- Unix seconds; NULL = active
    created_at    INTEGER NOT NULL
) STRICT;
