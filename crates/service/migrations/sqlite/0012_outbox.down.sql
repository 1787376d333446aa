ALTER TABLE accounts DROP COLUMN send_email_on_approval;
DROP TABLE outbox_attempts;
DROP TABLE outbox_messages;
