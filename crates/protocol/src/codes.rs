//! ARCA's WSFEv1 code tables (the `FEParamGet*` methods) as typed Rust.
//!
//! Each table is a type whose values are exactly the rows ARCA publishes, with the code ARCA puts
//! on the wire, the description as ARCA returns it (spelling and all), `from_code` and an `ALL`
//! slice in ARCA's order, so the simulator and the API's reference data can list them. Holding a
//! [`CbteTipo`] therefore means the voucher type is one WSFEv1 authorizes.
//!
//! The tables are the homologation capture of July 2021 plus the rows the manual added later
//! (see `docs/arca.md` §E). They never call ARCA: refreshing them from the live
//! `FEParamGet*` methods is the service's job.

mod cbte_tipo;
mod concepto;
mod condicion_iva;
mod doc_tipo;
mod iva;
mod moneda;
mod opcional;
mod tributo;

pub use cbte_tipo::{CbteClass, CbteKind, CbteTipo};
pub use concepto::Concepto;
pub use condicion_iva::CondicionIvaReceptor;
pub use doc_tipo::DocTipo;
pub use iva::IvaRate;
pub use moneda::Moneda;
pub use opcional::Opcional;
pub use tributo::TributoTipo;

/// ARCA's own CUIT (the WSAA certificate DN and the token's `entity`).
pub const ARCA_CUIT: u64 = 33_693_450_239;

/// The `DocNro` ARCA reserves for a "No Categorizado" receiver (with `DocTipo` 80); exempt from
/// the registry check (§D.7).
pub const NO_CATEGORIZADO_DOC_NRO: u64 = 23_000_000_000;

/// `DocNro` of an unidentified consumidor final (with `DocTipo` 99).
pub const CONSUMIDOR_FINAL_DOC_NRO: u64 = 0;

/// `FECompTotXRequest.RegXReq` as homologation returned it (2021); production's value is
/// unverified, so callers should ask ARCA and use this only as the default.
pub const DEFAULT_MAX_RECORDS_PER_REQUEST: u32 = 250;

/// Largest `CantReg` the manual accepts (10001).
pub const MAX_CANT_REG: u32 = 9998;

/// `PtoVta` range (10004).
pub const PTO_VTA_RANGE: std::ops::RangeInclusive<u32> = 1..=99_998;

/// `CbteDesde`/`CbteHasta` range (10008, 10010).
pub const CBTE_NRO_RANGE: std::ops::RangeInclusive<u64> = 1..=99_999_999;

/// RG 5700/2025 consumidor-final identification threshold, in pesos ($10.000.000, in force
/// 29/05/2025). Whether WSFEv1 enforces exactly this value is unverified (§D.7), so it is a
/// default, not a rule: [`crate::validate::ValidationContext`] takes it as configuration.
pub const CONSUMIDOR_FINAL_THRESHOLD_PESOS: i64 = 10_000_000;

/// The `PeriodoAsoc` dates must be after 01/01/2006 (10206).
pub const PERIODO_ASOC_MIN_YEAR: i32 = 2006;
