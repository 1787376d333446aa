ALTER TABLE invoices DROP COLUMN issuer_snapshot;
ALTER TABLE points_of_sale DROP COLUMN domicilio;
DROP TABLE issuer_profiles;
DROP TABLE issuer_logos;
