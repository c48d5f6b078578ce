-- Relying parties. URI lists are JSON arrays of exact strings (matching is exact).
CREATE TABLE clients (
    client_id                           TEXT    PRIMARY KEY,
    name                                TEXT    NOT NULL,
    secret_hash                         TEXT,   -- SHA-256 of a high-entropy secret; NULL for public clients
    token_endpoint_auth_method          TEXT    NOT NULL DEFAULT 'client_secret_basic'
        CHECK (token_endpoint_auth_method IN ('client_secret_basic', 'client_secret_post', 'none')),
    redirect_uris                       TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(redirect_uris)),
    post_logout_redirect_uris           TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(post_logout_redirect_uris)),
    id_token_signed_response_alg        TEXT    NOT NULL DEFAULT 'RS256' CHECK (id_token_signed_response_alg IN ('RS256')),
    frontchannel_logout_uri             TEXT,
    frontchannel_logout_session_required INTEGER NOT NULL DEFAULT 1 CHECK (frontchannel_logout_session_required IN (0, 1)),
    backchannel_logout_uri              TEXT,
    backchannel_logout_session_required INTEGER NOT NULL DEFAULT 1 CHECK (backchannel_logout_session_required IN (0, 1)),
    logout_confirmation                 TEXT    NOT NULL DEFAULT 'always'
        CHECK (logout_confirmation IN ('always', 'when_required')),
    created_at                          INTEGER NOT NULL,
    CHECK ((secret_hash IS NULL) = (token_endpoint_auth_method = 'none'))
) STRICT;
