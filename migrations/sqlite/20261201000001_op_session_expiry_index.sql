-- An OP session expires OP_SESSION_LIFETIME after its latest login (auth_time),
-- which a second login by the same user in the same browser renews. The
-- expiry sweep looks for live sessions by auth_time.
CREATE INDEX op_sessions_live_by_auth_time ON op_sessions (auth_time) WHERE ended_at IS NULL;
