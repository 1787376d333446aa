-- Webhook events (ARCHITECTURE.md "Webhook events"): whether the invoice's current round of
-- `pending_retry` was announced (`invoice.pending_retry`), so the event fires on the transition
-- into it and not again on every deferral. An edit (`PATCH`) starts a new round (FALSE again).
ALTER TABLE invoices ADD COLUMN retry_announced BOOLEAN NOT NULL DEFAULT FALSE;
