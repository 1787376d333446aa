-- FCE MiPyMEs defaults of the issuer profile (docs/arca.md §M.1): what an FCE invoice's opcionales
-- take when its request leaves them out. `fce_cbu` is the issuer's CBU (opcional 2101: 22 digits,
-- check digits verified by the service), `fce_alias` its alias (opcional 2102: 6 to 20 characters
-- of A-Z a-z 0-9 . -), `fce_transferencia` the transfer option (opcional 27). All NULL when the
-- profile sets no FCE section. Account data, not secrets: read only by the account's own requests.
ALTER TABLE issuer_profiles ADD COLUMN fce_cbu TEXT CHECK (fce_cbu IS NULL OR length(fce_cbu) = 22);
ALTER TABLE issuer_profiles ADD COLUMN fce_alias TEXT CHECK (fce_alias IS NULL OR length(fce_alias) BETWEEN 6 AND 20);
ALTER TABLE issuer_profiles ADD COLUMN fce_transferencia TEXT CHECK (fce_transferencia IS NULL OR fce_transferencia IN ('SCA', 'ADC'));
