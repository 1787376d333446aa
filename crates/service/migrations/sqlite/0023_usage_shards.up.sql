-- The month's count of an account without a quota is spread over shards (0 to 15), one picked at
-- random by each accepting transaction, so concurrent acceptances of one account do not all wait
-- for the same row's lock; the count is the sum of its shards. An account with a quota counts on
-- shard 0 only: its transactions take turns there, and the quota stays exact. (SQLite cannot
-- change a primary key: the table is made again.)
CREATE TABLE usage_sharded (
    account_id TEXT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    month TEXT NOT NULL CHECK (length(month) = 7),
    shard INTEGER NOT NULL DEFAULT 0 CHECK (shard >= 0 AND shard < 16),
    invoices INTEGER NOT NULL DEFAULT 0 CHECK (invoices >= 0),
    PRIMARY KEY (account_id, month, shard)
);
INSERT INTO usage_sharded (account_id, month, shard, invoices) SELECT account_id, month, 0, invoices FROM usage;
DROP TABLE usage;
ALTER TABLE usage_sharded RENAME TO usage;
