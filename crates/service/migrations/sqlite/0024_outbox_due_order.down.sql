CREATE INDEX outbox_messages_due ON outbox_messages (status, next_attempt_at);
DROP INDEX outbox_messages_due_order;
