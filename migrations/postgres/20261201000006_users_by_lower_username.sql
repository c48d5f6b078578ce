-- See migrations/sqlite/20261201000006: on PostgreSQL the unique index
-- users_by_lower_username already serves it.
SELECT 1;
