DROP INDEX invoice_ai_drafts_account;
DROP TABLE invoice_ai_drafts;
