//! What the simulated wsfecred remembers, persisted with WSFEv1's state: the FCE threshold, the
//! CUITs obliged to receive FCE (and since when), and each FCE account's (cuenta corriente's)
//! id and acceptance state. The vouchers themselves are WSFEv1's: nothing here copies them.
//!
//! It never decides an answer: [`super::account`] and the obligation queries of [`super`] do.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The threshold a fresh simulator starts with, in pesos (docs/arca.md §M.1).
pub const DEFAULT_THRESHOLD: &str = "3958316.00";

/// The first FCE account id handed out.
const FIRST_CTA_CTE: i64 = 1_000_001;

/// wsfecred's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FceState {
    /// `montoDesde`: the total from which an obliged buyer must receive FCE.
    pub threshold: Decimal,
    /// CUITs obliged to receive FCE, with the first day of the obligation (`yyyy-mm-dd`).
    pub obligados: BTreeMap<i64, String>,
    /// Accounts by the key of their invoice (`account_key`).
    pub accounts: BTreeMap<String, Account>,
    /// The next `codCtaCte`.
    pub next_cta_cte: i64,
    /// Issuer CUITs that are not MiPyMEs (every other issuer is): WSFEv1 lets them invoice an
    /// obliged buyer with an ordinary Factura.
    #[serde(default)]
    pub no_mipyme: BTreeSet<i64>,
}

impl Default for FceState {
    fn default() -> Self {
        FceState {
            threshold: DEFAULT_THRESHOLD.parse().unwrap_or_default(),
            obligados: BTreeMap::new(),
            accounts: BTreeMap::new(),
            next_cta_cte: FIRST_CTA_CTE,
            no_mipyme: BTreeSet::new(),
        }
    }
}

/// Where an account stands (`EstadoCmpSimpleType`; the simulator never uses `Recepcionado` or
/// `InformadaAgDpto`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Estado {
    PendienteRecepcion,
    Aceptado,
    Rechazado,
}

impl Estado {
    pub fn as_wire(self) -> &'static str {
        match self {
            Estado::PendienteRecepcion => "PendienteRecepcion",
            Estado::Aceptado => "Aceptado",
            Estado::Rechazado => "Rechazado",
        }
    }

    /// `estadoCtaCte` (`EstadoCtaCteSimpleType`) of an account in this state.
    pub fn cta_cte_wire(self) -> &'static str {
        match self {
            Estado::PendienteRecepcion => "Modificable",
            Estado::Aceptado => "Aceptada",
            Estado::Rechazado => "Rechazada",
        }
    }
}

/// One rejection reason as the buyer sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Motivo {
    pub codigo: i64,
    pub descripcion: String,
    pub justificacion: String,
}

/// One FCE account: an invoice and its notes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Account {
    pub cod_cta_cte: i64,
    pub estado: Estado,
    /// `yyyy-mm-ddThh:mm:ss`, Argentina's time; `None` while pending (the voucher's
    /// authorisation time is shown then).
    pub fecha_hora_estado: Option<String>,
    /// `Expresa` once accepted through `aceptarFECred`.
    pub tipo_acep: Option<String>,
    #[serde(default)]
    pub motivos: Vec<Motivo>,
}

/// The key of an FCE account: its invoice's `cuit-tipo-ptovta-nro`.
pub fn account_key(cuit: i64, tipo: i64, pto_vta: i64, nro: i64) -> String {
    format!("{cuit}-{tipo}-{pto_vta}-{nro}")
}

impl FceState {
    /// The account of `key`, opened (pending, with a new id) on first sight.
    pub fn account(&mut self, key: &str) -> &mut Account {
        let next = &mut self.next_cta_cte;
        self.accounts.entry(key.to_owned()).or_insert_with(|| {
            let cod_cta_cte = *next;
            *next += 1;
            Account {
                cod_cta_cte,
                estado: Estado::PendienteRecepcion,
                fecha_hora_estado: None,
                tipo_acep: None,
                motivos: Vec::new(),
            }
        })
    }

    /// Whether `cuit` must receive FCE for a voucher dated `fecha`.
    pub fn obligado(&self, cuit: i64, fecha: NaiveDate) -> bool {
        self.obligado_desde(cuit).is_some_and(|desde| desde <= fecha)
    }

    /// The first day `cuit` is obliged, when it is.
    pub fn obligado_desde(&self, cuit: i64) -> Option<NaiveDate> {
        self.obligados
            .get(&cuit)
            .and_then(|desde| NaiveDate::parse_from_str(desde, "%Y-%m-%d").ok())
    }
}
