-- Every shard's count folded into shard 0, then one row per account and month again.
UPDATE usage u SET invoices = t.total
  FROM (SELECT account_id, month, SUM(invoices) AS total FROM usage GROUP BY account_id, month) t
  WHERE u.account_id = t.account_id AND u.month = t.month AND u.shard = 0;
INSERT INTO usage (account_id, month, invoices, shard)
  SELECT account_id, month, SUM(invoices), 0 FROM usage
  GROUP BY account_id, month HAVING MIN(shard) > 0;
DELETE FROM usage WHERE shard > 0;
ALTER TABLE usage DROP CONSTRAINT usage_pkey;
ALTER TABLE usage ADD PRIMARY KEY (account_id, month);
ALTER TABLE usage DROP COLUMN shard;
