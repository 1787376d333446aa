-- Credit and debit notes the service issues against its own invoices (docs/arca.md §D.9).
--
-- A note is an invoice like any other (its own series, number, CAE) that also names the invoice
-- it adjusts: `original_id` is that invoice (always a Factura of the same account: notes are
-- never made against notes), `note_kind` says what the note does: `cancellation` credits the
-- whole remaining balance, `credit` part of it, `debit` raises it. Both are NULL on an invoice
-- that is not a note, and both are set on a note. An original has at most one live
-- cancellation: a failed one (ARCA refused it) does not count, so it can be retried. The
-- limits (1–200 items, a `motivo` of at most 200 characters, a credit never above the remaining
-- balance of any component) are the service's (crates/service/src/invoices/notes.rs).
ALTER TABLE invoices ADD COLUMN original_id TEXT REFERENCES invoices (id);
ALTER TABLE invoices ADD COLUMN note_kind TEXT CHECK (note_kind IN ('cancellation', 'credit', 'debit'));
CREATE UNIQUE INDEX invoices_one_live_cancellation ON invoices (original_id)
    WHERE note_kind = 'cancellation' AND status <> 'failed';
-- An invoice's notes, read with the invoice and by the balance.
CREATE INDEX invoices_notes ON invoices (original_id, created_at) WHERE original_id IS NOT NULL;
