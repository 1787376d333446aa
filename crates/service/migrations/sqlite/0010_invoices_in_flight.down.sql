DROP INDEX invoices_in_flight;
