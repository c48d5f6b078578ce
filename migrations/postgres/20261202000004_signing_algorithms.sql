-- See migrations/sqlite/20261202000004: keys of three algorithms, and the
-- algorithm each client chose (a column of its own, as on SQLite, so one set
-- of queries serves both).
ALTER TABLE signing_keys DROP CONSTRAINT signing_keys_alg_check;
ALTER TABLE signing_keys ADD CONSTRAINT signing_keys_alg_check
    CHECK (alg IN ('RS256', 'ES256', 'EdDSA'));
ALTER TABLE clients ADD COLUMN signing_alg TEXT NOT NULL DEFAULT 'RS256'
    CHECK (signing_alg IN ('RS256', 'ES256', 'EdDSA'));
