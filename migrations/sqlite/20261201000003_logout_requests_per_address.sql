-- Parked end-session POSTs are bounded per client address: an anonymous flood
-- from one address keeps only its newest few, whatever the rate limit says.
ALTER TABLE logout_requests ADD COLUMN client_key TEXT;
CREATE INDEX logout_requests_by_client ON logout_requests (client_key, created_at);
