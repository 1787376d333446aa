DROP TABLE fce_obligations;
