-- The dispatcher claims the oldest due messages in the order (next_attempt_at, id): with `id` in
-- the index the claim reads them in that order and stops at its window, instead of reading and
-- sorting every due message (the whole backlog) on each claim.
CREATE INDEX outbox_messages_due_order ON outbox_messages (status, next_attempt_at, id);
DROP INDEX outbox_messages_due;
