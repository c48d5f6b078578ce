-- `signoff keys retire`: a retired key stops signing at once (retired_at) and
-- stays published in /jwks.json until unpublish_at, so tokens it signed still
-- verify for a grace period.
ALTER TABLE signing_keys ADD COLUMN unpublish_at INTEGER;
