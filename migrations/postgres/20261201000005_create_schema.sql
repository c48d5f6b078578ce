-- The whole schema on PostgreSQL, as the SQLite migrations up to
-- 20261201000005 leave it (migrations/sqlite/). Times are Unix seconds, or Unix
-- milliseconds where a column says so; JSON is kept as text, checked on write.
-- A later schema change adds one migration to each directory.
--
-- `rowid` columns stand for SQLite's implicit rowid: the insertion order, used
-- as the last tie-breaker when two rows share a timestamp.

CREATE TABLE audit_events (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    occurred_at BIGINT NOT NULL,
    actor       TEXT,
    action      TEXT   NOT NULL,
    subject     TEXT,
    detail      TEXT   NOT NULL DEFAULT '{}' CHECK (detail::json IS NOT NULL)
);
CREATE INDEX audit_events_newest_first ON audit_events (occurred_at DESC, id DESC);

CREATE TABLE users (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject       TEXT    NOT NULL UNIQUE,
    username      TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    is_admin      BOOLEAN NOT NULL DEFAULT FALSE,
    disabled_at   BIGINT,
    created_at    BIGINT  NOT NULL
);
-- Usernames are unique and looked up without regard to case, as SQLite's
-- COLLATE NOCASE does.
CREATE UNIQUE INDEX users_by_lower_username ON users (lower(username));

CREATE TABLE clients (
    client_id                            TEXT    PRIMARY KEY,
    name                                 TEXT    NOT NULL,
    secret_hash                          TEXT,
    token_endpoint_auth_method           TEXT    NOT NULL DEFAULT 'client_secret_basic'
        CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'none')),
    redirect_uris                        TEXT    NOT NULL DEFAULT '[]' CHECK (redirect_uris::json IS NOT NULL),
    post_logout_redirect_uris            TEXT    NOT NULL DEFAULT '[]' CHECK (post_logout_redirect_uris::json IS NOT NULL),
    id_token_signed_response_alg         TEXT    NOT NULL DEFAULT 'RS256' CHECK (id_token_signed_response_alg IN ('RS256')),
    frontchannel_logout_uri              TEXT,
    frontchannel_logout_session_required BOOLEAN NOT NULL DEFAULT TRUE,
    backchannel_logout_uri               TEXT,
    backchannel_logout_session_required  BOOLEAN NOT NULL DEFAULT TRUE,
    logout_confirmation                  TEXT    NOT NULL DEFAULT 'always'
        CHECK (logout_confirmation IN ('always', 'when_required')),
    created_at                           BIGINT  NOT NULL,
    CHECK ((secret_hash IS NULL) = (token_endpoint_auth_method = 'none'))
);

CREATE TABLE op_sessions (
    sid        TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    auth_time  BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    ended_at   BIGINT,
    end_reason TEXT
);
CREATE INDEX op_sessions_by_user ON op_sessions (user_id, ended_at);
CREATE INDEX op_sessions_by_end ON op_sessions (ended_at) WHERE ended_at IS NOT NULL;
CREATE INDEX op_sessions_live_by_auth_time ON op_sessions (auth_time) WHERE ended_at IS NULL;

CREATE TABLE rp_sessions (
    sid            TEXT   NOT NULL REFERENCES op_sessions (sid) ON DELETE CASCADE,
    client_id      TEXT   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    first_login_at BIGINT NOT NULL,
    last_login_at  BIGINT NOT NULL,
    ended_at       BIGINT,
    PRIMARY KEY (sid, client_id)
);
CREATE INDEX rp_sessions_by_client ON rp_sessions (client_id);

CREATE TABLE signing_keys (
    kid             TEXT   PRIMARY KEY,
    alg             TEXT   NOT NULL CHECK (alg IN ('RS256')),
    private_key_pem TEXT   NOT NULL,
    public_jwk      TEXT   NOT NULL CHECK (public_jwk::json IS NOT NULL),
    created_at      BIGINT NOT NULL,
    retired_at      BIGINT,
    unpublish_at    BIGINT,
    rowid           BIGINT GENERATED ALWAYS AS IDENTITY
);

CREATE TABLE authorization_codes (
    code_hash      TEXT   PRIMARY KEY,
    client_id      TEXT   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    sid            TEXT   NOT NULL REFERENCES op_sessions (sid) ON DELETE CASCADE,
    redirect_uri   TEXT   NOT NULL,
    scope          TEXT   NOT NULL,
    nonce          TEXT,
    code_challenge TEXT,
    expires_at     BIGINT NOT NULL,
    used_at        BIGINT
);
CREATE INDEX authorization_codes_by_expiry ON authorization_codes (expires_at);

CREATE TABLE access_tokens (
    token_hash TEXT   PRIMARY KEY,
    client_id  TEXT   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    sid        TEXT   NOT NULL REFERENCES op_sessions (sid) ON DELETE CASCADE,
    scope      TEXT   NOT NULL,
    code_hash  TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT
);
CREATE INDEX access_tokens_by_sid ON access_tokens (sid);
CREATE INDEX access_tokens_by_code ON access_tokens (code_hash);

CREATE TABLE logout_requests (
    id         TEXT   PRIMARY KEY,
    params     TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    client_key TEXT,
    rowid      BIGINT GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX logout_requests_by_age ON logout_requests (created_at);
CREATE INDEX logout_requests_by_client ON logout_requests (client_key, created_at);

CREATE TABLE backchannel_deliveries (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    client_id       TEXT   NOT NULL REFERENCES clients (client_id) ON DELETE CASCADE,
    sid             TEXT   NOT NULL,
    subject         TEXT   NOT NULL,
    uri             TEXT   NOT NULL,
    reason          TEXT   NOT NULL,
    status          TEXT   NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_status     BIGINT,
    last_error      TEXT,
    last_jti        TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX backchannel_deliveries_due ON backchannel_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX backchannel_deliveries_by_client ON backchannel_deliveries (client_id, id DESC);
CREATE INDEX backchannel_deliveries_by_sid ON backchannel_deliveries (sid);

CREATE TABLE frontchannel_pages (
    id         TEXT   PRIMARY KEY,
    plan       TEXT   NOT NULL CHECK (plan::json IS NOT NULL),
    created_at BIGINT NOT NULL
);
CREATE INDEX frontchannel_pages_by_age ON frontchannel_pages (created_at);

CREATE TABLE server_secrets (
    name       TEXT   PRIMARY KEY,
    secret     BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE spent_authorization_requests (
    digest     TEXT   PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX spent_authorization_requests_by_expiry ON spent_authorization_requests (expires_at);

-- The browser sessions (tower-sessions' PostgresStore, its schema and table
-- name set by signoff): created here, under sqlx's migration lock, rather than
-- by the store's own `migrate`, which instances starting together would race.
CREATE TABLE browser_sessions (
    id          TEXT        PRIMARY KEY NOT NULL,
    data        BYTEA       NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL
);
CREATE INDEX browser_sessions_by_expiry ON browser_sessions (expiry_date);
