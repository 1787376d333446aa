-- Series: one row per (CUIT, point of sale, voucher type), ARCA's unit of numbering.
--
-- The lease makes one sender per series across instances (invariant 4): a worker takes it with
-- an UPDATE that succeeds only when the lease is free, expired or already its own, and every
-- state write of that worker runs in a transaction that first re-checks `lease_owner` and
-- `fencing_token` here (and extends the lease). The token grows whenever the owner changes, so a
-- worker that lost its lease, even for a moment, can no longer write. `last_number` is the last
-- number this service knows ARCA authorised (informative: a worker asks ARCA when it takes a
-- lease it did not hold). `lease_expires_at` is unix milliseconds, compared as an integer.
CREATE TABLE series (
    cuit TEXT NOT NULL CHECK (length(cuit) = 11),
    punto_venta INTEGER NOT NULL,
    cbte_tipo INTEGER NOT NULL,
    last_number INTEGER NOT NULL DEFAULT 0,
    lease_owner TEXT,
    lease_expires_at INTEGER,
    fencing_token INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (cuit, punto_venta, cbte_tipo)
);
