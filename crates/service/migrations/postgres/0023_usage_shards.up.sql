-- The month's count of an account without a quota is spread over shards (0 to 15), one picked at
-- random by each accepting transaction, so concurrent acceptances of one account do not all wait
-- for the same row's lock; the count is the sum of its shards. An account with a quota counts on
-- shard 0 only: its transactions take turns there, and the quota stays exact.
ALTER TABLE usage ADD COLUMN shard SMALLINT NOT NULL DEFAULT 0 CHECK (shard >= 0 AND shard < 16);
ALTER TABLE usage DROP CONSTRAINT usage_pkey;
ALTER TABLE usage ADD PRIMARY KEY (account_id, month, shard);
