-- The series worker reads its in-flight invoices at every step. The queue index leads with the
-- series and then `status`, so that query (by `send_state`) scanned every invoice the series
-- ever had: a cost that grows with the series. In-flight invoices are few at any time; a
-- partial index holds only them.
CREATE INDEX invoices_in_flight ON invoices (cuit, punto_venta, cbte_tipo, numero) WHERE send_state = 'in_flight';
