//! What WSFEv1 remembers: numbering and stored vouchers per series (CUIT, point of sale, voucher
//! type), CAEAs, the taxpayer registry, points of sale and exchange rates. Optionally written to
//! a JSON file after every change, so a simulator restart keeps its vouchers.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::registry::Taxpayer;
use super::request::Detail;
use crate::padron::registry::PadronRecord;

/// A series key: ARCA numbers vouchers per (CUIT, PtoVta, CbteTipo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SeriesKey {
    pub cuit: i64,
    pub pto_vta: i64,
    pub cbte_tipo: i64,
}

impl SeriesKey {
    /// The text form used as a JSON key: `cuit-ptovta-tipo`.
    pub fn to_key(self) -> String {
        format!("{}-{}-{}", self.cuit, self.pto_vta, self.cbte_tipo)
    }

    /// The inverse of [`SeriesKey::to_key`].
    pub fn from_key(key: &str) -> Option<SeriesKey> {
        let mut parts = key.split('-').map(|p| p.parse::<i64>().ok());
        Some(SeriesKey {
            cuit: parts.next()??,
            pto_vta: parts.next()??,
            cbte_tipo: parts.next()??,
        })
    }
}

/// One authorised voucher, as `FECompConsultar` returns it (§C.4).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredVoucher {
    pub detail: Detail,
    pub resultado: String,
    /// The CAE or CAEA.
    pub cod_autorizacion: String,
    /// `CAE` or `CAEA`.
    pub emision_tipo: String,
    /// CAE expiry (`yyyymmdd`); for CAEA the CAEA's validity end.
    pub fch_vto: String,
    /// `yyyymmddhhmiss`.
    pub fch_proceso: String,
    pub observaciones: Vec<(u32, String)>,
    /// CAEA vouchers: when `FECAEARegInformativo` recorded it (the simulator clock, RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub informed_at: Option<String>,
}

/// Numbering and vouchers of one series.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Series {
    /// Last authorised number (0 when never used).
    pub last: i64,
    /// `CbteFch` of the last authorised voucher.
    pub last_date: Option<String>,
    /// Keyed by `CbteDesde`; a class B batch covers `CbteDesde..=CbteHasta`.
    pub vouchers: BTreeMap<i64, StoredVoucher>,
}

impl Series {
    /// The voucher that carries number `number`, if any.
    pub fn find(&self, number: i64) -> Option<&StoredVoucher> {
        let (_, voucher) = self.vouchers.range(..=number).next_back()?;
        (voucher.detail.cbte_hasta >= number).then_some(voucher)
    }
}

/// A granted CAEA (§G).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaeaGrant {
    pub cuit: i64,
    pub caea: String,
    pub periodo: i64,
    pub orden: i64,
    pub fch_vig_desde: String,
    pub fch_vig_hasta: String,
    pub fch_tope_inf: String,
    pub fch_proceso: String,
    /// The observations given with the grant (15017, 15018), repeated by `FECAEAConsultar`.
    #[serde(default)]
    pub observaciones: Vec<(u32, String)>,
}

/// A "no movement" notice for a CAEA and point of sale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoMovement {
    pub cuit: i64,
    pub caea: String,
    pub pto_vta: i64,
    pub fch_proceso: String,
}

/// A point of sale as `FEParamGetPtosVenta` lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PointOfSale {
    pub nro: i64,
    /// `CAE - Ri Iva`, `CAEA - Ri Iva - Contingencias`, …: a CAEA point of sale is one whose
    /// type starts with `CAEA` (docs/arca.md §G.3).
    #[serde(default = "cae_emission")]
    pub emision_tipo: String,
    #[serde(default)]
    pub bloqueado: bool,
    #[serde(default)]
    pub fch_baja: Option<String>,
    /// The CUIT whose point of sale this is; absent: listed for every CUIT.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuit: Option<i64>,
    /// A domicile is linked to it (Obs 15017 on a CAEA request when a CAEA point is not).
    #[serde(default = "linked")]
    pub domicilio: bool,
}

fn cae_emission() -> String {
    "CAE - Ri Iva".to_string()
}

fn linked() -> bool {
    true
}

impl PointOfSale {
    /// A CAE point of sale with the defaults, listed for every CUIT.
    pub fn cae(nro: i64) -> PointOfSale {
        PointOfSale {
            nro,
            emision_tipo: cae_emission(),
            bloqueado: false,
            fch_baja: None,
            cuit: None,
            domicilio: true,
        }
    }

    /// A CAEA (contingency) point of sale: its `EmisionTipo` starts with `CAEA`.
    pub fn is_caea(&self) -> bool {
        self.emision_tipo.trim_start().to_ascii_uppercase().starts_with("CAEA")
    }

    /// Neither blocked nor given a `FchBaja`.
    pub fn is_active(&self) -> bool {
        !self.bloqueado
            && self
                .fch_baja
                .as_deref()
                .is_none_or(|baja| baja.trim().is_empty() || baja == "NULL")
    }

    /// Registered for `cuit` (or for every CUIT).
    pub fn belongs_to(&self, cuit: i64) -> bool {
        self.cuit.is_none_or(|owner| owner == cuit)
    }
}

/// Everything WSFEv1 keeps.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WsfeState {
    pub series: BTreeMap<String, Series>,
    pub caeas: Vec<CaeaGrant>,
    pub no_movement: Vec<NoMovement>,
    pub taxpayers: BTreeMap<i64, Taxpayer>,
    pub points_of_sale: Vec<PointOfSale>,
    /// Exchange rates per currency id (`FEParamGetCotizacion`).
    pub rates: BTreeMap<String, Decimal>,
    /// Source of CAE numbers: 14 digits, unique.
    pub next_authorization: u64,
    /// The padrón registry (A5 blocks per CUIT), kept here so it is persisted with the rest
    /// and the receiver checks can consult it.
    #[serde(default = "crate::padron::samples::registry")]
    pub padron: BTreeMap<i64, PadronRecord>,
    /// wsfecred's obligation registry, threshold and FCE accounts (a state file written before
    /// wsfecred existed loads with the defaults).
    #[serde(default)]
    pub fce: crate::wsfecred::FceState,
}

impl Default for WsfeState {
    fn default() -> Self {
        let rate = |text: &str| text.parse::<Decimal>().unwrap_or_default();
        WsfeState {
            series: BTreeMap::new(),
            caeas: Vec::new(),
            no_movement: Vec::new(),
            taxpayers: BTreeMap::new(),
            points_of_sale: [1, 2, 3].into_iter().map(PointOfSale::cae).collect(),
            rates: [("DOL", "1050.5"), ("060", "1130.25"), ("012", "190.1")]
                .into_iter()
                .map(|(id, value)| (id.to_string(), rate(value)))
                .collect(),
            // Real CAEs start with 7 (71263951827464); start somewhere random so two simulator
            // runs do not hand out the same codes.
            next_authorization: 70_000_000_000_000 + rand::random::<u64>() % 9_000_000_000_000,
            padron: crate::padron::samples::registry(),
            fce: crate::wsfecred::FceState::default(),
        }
    }
}

impl WsfeState {
    pub fn series(&self, key: SeriesKey) -> Option<&Series> {
        self.series.get(&key.to_key())
    }

    /// Every series with its key.
    pub fn all_series(&self) -> impl Iterator<Item = (SeriesKey, &Series)> {
        self.series
            .iter()
            .filter_map(|(key, series)| Some((SeriesKey::from_key(key)?, series)))
    }

    pub fn series_mut(&mut self, key: SeriesKey) -> &mut Series {
        self.series.entry(key.to_key()).or_default()
    }

    /// The point of sale `nro` as registered for `cuit`, if it is.
    pub fn point_of_sale(&self, cuit: i64, nro: i64) -> Option<&PointOfSale> {
        self.points_of_sale.iter().find(|p| p.nro == nro && p.belongs_to(cuit))
    }

    /// A fresh 14-digit authorisation code.
    pub fn next_code(&mut self) -> String {
        self.next_authorization += 1 + rand::random::<u64>() % 97;
        if self.next_authorization > 79_999_999_999_999 {
            self.next_authorization = 70_000_000_000_000;
        }
        self.next_authorization.to_string()
    }

    /// The receiver as ARCA knows it: a seeded taxpayer, else a padrón registry person, else
    /// an assumed active RI.
    pub fn taxpayer(&self, cuit: i64) -> Taxpayer {
        self.taxpayers
            .get(&cuit)
            .cloned()
            .or_else(|| self.padron.get(&cuit).map(|record| record.taxpayer(cuit)))
            .unwrap_or_else(|| Taxpayer::assumed(cuit))
    }

    pub fn load(path: &Path) -> std::io::Result<Option<WsfeState>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(std::io::Error::other),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Writes the state atomically (temporary file, then rename).
    pub fn save(&self, path: &PathBuf) -> std::io::Result<()> {
        let temporary = path.with_extension("tmp");
        std::fs::write(&temporary, serde_json::to_vec(self).map_err(std::io::Error::other)?)?;
        std::fs::rename(temporary, path)
    }
}
