//! CAEA contingency (docs/arca.md §G): keep issuing legally while ARCA's CAE service is down,
//! then report everything before the deadline.
//!
//! An account opts in by marking at least one of its points of sale `contingencia` (ARCA must
//! have registered it as a CAEA point of sale). For such an account the service:
//!
//! - obtains the CAEA of every fortnight ahead of time, inside ARCA's window, and recovers one
//!   granted but lost with `FECAEAConsultar` ([`grants`]); primes each contingency series with
//!   ARCA's last number while ARCA answers; alerts when a fortnight is about to start without one;
//! - issues under it when ARCA's CAE service fails ([`issue`]: the decision; the engine's
//!   `issue_caea` numbers and records in one transaction, ARCHITECTURE.md invariant 23);
//! - reports every voucher issued under it with `FECAEARegInformativo`, and every unused
//!   contingency point of sale with `FECAEASinMovimientoInformar`, reconciling a lost answer
//!   before sending again ([`report`], [`no_movement`]).
//!
//! [`calendar`] is the pure fortnight arithmetic all of them share. It never decides an
//! invoice's content (the invoices module composes it) and never speaks HTTP
//! (`http/contingency.rs` does).

pub mod calendar;
pub mod grants;
pub mod issue;
pub mod no_movement;
pub mod report;
