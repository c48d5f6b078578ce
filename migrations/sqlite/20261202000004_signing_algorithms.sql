-- Signing keys of three algorithms: RS256 as before, ES256 (P-256) and EdDSA
-- (Ed25519), and clients that choose one for their ID tokens and logout
-- tokens.
--
-- SQLite cannot change a CHECK in place. signing_keys, which nothing
-- references, is rebuilt with its rows (and their rowids, which order keys
-- created in the same second).
CREATE TABLE signing_keys_new (
    kid             TEXT    PRIMARY KEY,            -- RFC 7638 thumbprint
    alg             TEXT    NOT NULL CHECK (alg IN ('RS256', 'ES256', 'EdDSA')),
    private_key_pem TEXT    NOT NULL,               -- PKCS#8; keep the database file private
    public_jwk      TEXT    NOT NULL CHECK (json_valid(public_jwk)),
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER,
    unpublish_at    INTEGER,
    sign_from       INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO signing_keys_new
    (rowid, kid, alg, private_key_pem, public_jwk, created_at, retired_at, unpublish_at, sign_from)
    SELECT rowid, kid, alg, private_key_pem, public_jwk, created_at, retired_at, unpublish_at, sign_from
    FROM signing_keys;
DROP TABLE signing_keys;
ALTER TABLE signing_keys_new RENAME TO signing_keys;

-- clients is referenced by six tables with ON DELETE CASCADE, and a rebuild
-- would have to drop it with foreign keys off, which sqlx's migration
-- transaction does not allow. So the algorithm gets a column of its own,
-- and id_token_signed_response_alg (CHECKed to RS256) is no longer read.
ALTER TABLE clients ADD COLUMN signing_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (signing_alg IN ('RS256', 'ES256', 'EdDSA'));
