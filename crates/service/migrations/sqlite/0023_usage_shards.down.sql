-- Every shard's count folded into one row per account and month again.
CREATE TABLE usage_single (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    month TEXT NOT NULL CHECK (length(month) = 7),
    invoices INTEGER NOT NULL DEFAULT 0 CHECK (invoices >= 0),
    PRIMARY KEY (account_id, month)
);
INSERT INTO usage_single (account_id, month, invoices)
  SELECT account_id, month, SUM(invoices) FROM usage GROUP BY account_id, month;
DROP TABLE usage;
ALTER TABLE usage_single RENAME TO usage;
