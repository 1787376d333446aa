ALTER TABLE issuer_profiles DROP COLUMN fce_transferencia;
ALTER TABLE issuer_profiles DROP COLUMN fce_alias;
ALTER TABLE issuer_profiles DROP COLUMN fce_cbu;
