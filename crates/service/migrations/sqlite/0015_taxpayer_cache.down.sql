DROP TABLE taxpayer_dni_cache;
DROP TABLE taxpayer_cache;
