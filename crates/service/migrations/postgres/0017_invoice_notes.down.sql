DROP INDEX invoices_notes;
DROP INDEX invoices_one_live_cancellation;
ALTER TABLE invoices DROP COLUMN note_kind;
ALTER TABLE invoices DROP COLUMN original_id;
