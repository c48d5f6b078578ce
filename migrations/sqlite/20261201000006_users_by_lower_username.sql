-- Usernames are looked up as lower(username) = lower(?) on both stores (the
-- same query text runs on PostgreSQL), so that lookup has an index here too.
CREATE INDEX users_by_lower_username ON users (lower(username));
