ALTER TABLE invoices DROP COLUMN retry_announced;
