//! One `FECAEDetRequest` as the protocol sees it, and a `FECAESolicitar` request made of them.
//!
//! [`Voucher`] is a plain data carrier in ARCA's schema terms (field names follow the WSDL
//! elements in snake_case; amounts are exact [`Money`], dates are calendar dates). It is what
//! [`crate::validate`] checks and what the WSFEv1 client serializes; it holds no business logic
//! and never computes amounts. Fields whose code tables are closed (voucher type, concepto, IVA
//! rate, tributo) are typed; fields ARCA validates against tables that grow or that the rules
//! must see raw (`DocTipo`, `MonId`, `CondicionIVAReceptorId`, `Opcional/Id`) keep the wire value.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::codes::{CbteTipo, Concepto, IvaRate, TributoTipo};
use crate::money::Money;

/// One voucher detail (`FECAEDetRequest`) plus the series it belongs to (`PtoVta`, `CbteTipo`,
/// which travel in `FeCabReq`).
#[derive(Clone, Debug, PartialEq)]
pub struct Voucher {
    /// `FeCabReq/CbteTipo`.
    pub cbte_tipo: CbteTipo,
    /// `FeCabReq/PtoVta` (1..99998).
    pub punto_venta: u32,
    pub concepto: Concepto,
    /// `DocTipo` as sent (see [`crate::codes::DocTipo`]).
    pub doc_tipo: i32,
    /// `DocNro`; 0 with `DocTipo` 99 for an unidentified consumidor final.
    pub doc_nro: u64,
    pub cbte_desde: u64,
    pub cbte_hasta: u64,
    /// `CbteFch`; `None` lets ARCA assign the processing date.
    pub cbte_fch: Option<NaiveDate>,
    pub imp_total: Money,
    /// Neto no gravado.
    pub imp_tot_conc: Money,
    /// Neto gravado.
    pub imp_neto: Money,
    /// Exento.
    pub imp_op_ex: Money,
    pub imp_trib: Money,
    pub imp_iva: Money,
    pub fch_serv_desde: Option<NaiveDate>,
    pub fch_serv_hasta: Option<NaiveDate>,
    pub fch_vto_pago: Option<NaiveDate>,
    /// `MonId` as sent (`PES`, `DOL`, `060`, …).
    pub mon_id: String,
    /// `MonCotiz` (4 integer digits + 6 decimals); `None` only with `CanMisMonExt = S`.
    pub mon_cotiz: Option<Decimal>,
    /// `CanMisMonExt`: `Some(true)` = `S`, `Some(false)` = `N`, `None` = omitted.
    pub can_mis_mon_ext: Option<bool>,
    /// `CondicionIVAReceptorId` as sent (see [`crate::codes::CondicionIvaReceptor`]).
    pub condicion_iva_receptor_id: Option<i32>,
    pub cbtes_asoc: Vec<CbteAsoc>,
    pub tributos: Vec<Tributo>,
    pub iva: Vec<AlicIva>,
    pub opcionales: Vec<Opcional>,
    pub compradores: Vec<Comprador>,
    pub periodo_asoc: Option<PeriodoAsoc>,
    pub actividades: Vec<Actividad>,
}

/// `AlicIva`: the IVA of one rate.
#[derive(Clone, Debug, PartialEq)]
pub struct AlicIva {
    pub id: IvaRate,
    pub base_imp: Money,
    pub importe: Money,
}

/// `Tributo`: one other tax or perception.
#[derive(Clone, Debug, PartialEq)]
pub struct Tributo {
    pub id: TributoTipo,
    /// `Desc` (up to 80 characters; mandatory for Id 99 and on FCE, 10042).
    pub desc: Option<String>,
    pub base_imp: Money,
    /// `Alic`, a percentage with 3+2 digits.
    pub alic: Decimal,
    pub importe: Money,
}

/// `CbteAsoc`: a voucher this one adjusts or refers to. `tipo` is a plain code because remitos
/// (88, 91, 990, …) are valid here but not authorizable.
#[derive(Clone, Debug, PartialEq)]
pub struct CbteAsoc {
    pub tipo: i32,
    pub pto_vta: u32,
    pub nro: u64,
    /// Issuer CUIT of the associated voucher (mandatory for FCE notes, 10151).
    pub cuit: Option<u64>,
    pub cbte_fch: Option<NaiveDate>,
}

/// `PeriodoAsoc` (RG 4540): the period a note adjusts, instead of listing vouchers.
#[derive(Clone, Debug, PartialEq)]
pub struct PeriodoAsoc {
    pub fch_desde: NaiveDate,
    pub fch_hasta: NaiveDate,
}

/// `Opcional`.
#[derive(Clone, Debug, PartialEq)]
pub struct Opcional {
    /// `Id` as sent (see [`crate::codes::Opcional`]).
    pub id: String,
    pub valor: String,
}

/// `Comprador` (RG 4109): one of several buyers sharing the voucher.
#[derive(Clone, Debug, PartialEq)]
pub struct Comprador {
    pub doc_tipo: i32,
    pub doc_nro: u64,
    /// Share in percent (2+2 digits).
    pub porcentaje: Decimal,
}

/// `Actividad`: an issuer activity from FEParamGetActividades.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Actividad {
    pub id: i64,
}

/// A `FECAESolicitar` request: a header (`FeCabReq`) and its details, all of one series. The
/// series is taken from the vouchers, so a request mixing series cannot be built.
#[derive(Clone, Debug, PartialEq)]
pub struct CaeRequest {
    cant_reg: u32,
    vouchers: Vec<Voucher>,
}

/// Why vouchers cannot form one request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaeRequestError {
    #[error("a FECAESolicitar request needs at least one voucher")]
    Empty,
    /// `FeCabReq` carries one `PtoVta` and one `CbteTipo` for every detail.
    #[error("voucher {index} is of another series (PtoVta/CbteTipo) than the first")]
    MixedSeries { index: usize },
    #[error("more vouchers than CantReg can count")]
    TooMany,
}

impl CaeRequest {
    /// A request for these vouchers, with `CantReg` = their number.
    pub fn new(vouchers: Vec<Voucher>) -> Result<CaeRequest, CaeRequestError> {
        let first = vouchers.first().ok_or(CaeRequestError::Empty)?;
        let series = (first.punto_venta, first.cbte_tipo);
        if let Some(index) = vouchers.iter().position(|v| (v.punto_venta, v.cbte_tipo) != series) {
            return Err(CaeRequestError::MixedSeries { index });
        }
        let cant_reg = u32::try_from(vouchers.len()).map_err(|_| CaeRequestError::TooMany)?;
        Ok(CaeRequest { cant_reg, vouchers })
    }

    /// Overrides `CantReg` as it would go on the wire (for replaying or simulating requests whose
    /// header disagrees with their details, 10002).
    pub fn with_cant_reg(mut self, cant_reg: u32) -> CaeRequest {
        self.cant_reg = cant_reg;
        self
    }

    /// `FeCabReq/CantReg`.
    pub fn cant_reg(&self) -> u32 {
        self.cant_reg
    }

    /// `FeCabReq/PtoVta`.
    pub fn punto_venta(&self) -> u32 {
        self.first().punto_venta
    }

    /// `FeCabReq/CbteTipo`.
    pub fn cbte_tipo(&self) -> CbteTipo {
        self.first().cbte_tipo
    }

    /// The details, in order.
    pub fn vouchers(&self) -> &[Voucher] {
        &self.vouchers
    }

    fn first(&self) -> &Voucher {
        // `new` refuses an empty list and nothing removes vouchers afterwards.
        &self.vouchers[0]
    }
}
