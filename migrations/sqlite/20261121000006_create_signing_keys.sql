-- ID-token signing keys. The newest key that is not retired signs; every key
-- not retired is published in /jwks.json so older tokens still verify.
CREATE TABLE signing_keys (
    kid             TEXT    PRIMARY KEY,            -- RFC 7638 thumbprint
    alg             TEXT    NOT NULL CHECK (alg IN ('RS256')),
    private_key_pem TEXT    NOT NULL,               -- PKCS#8; keep the database file private
    public_jwk      TEXT    NOT NULL CHECK (json_valid(public_jwk)),
    created_at      INTEGER NOT NULL,
    retired_at      INTEGER
) STRICT;
