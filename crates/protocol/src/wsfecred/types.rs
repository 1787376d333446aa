//! wsfecred's values: the obligation answers, the query and page of FCE vouchers, and the
//! acceptance, rejection and ARCA's verdict on them. Names follow the WSDL's.
//!
//! Plain data: nothing here talks to ARCA or judges a verdict.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// `consultarMontoObligadoRecepcion`: whether the CUIT must receive FCE on the date, and from
/// which total (`montoDesde`, absent when not obliged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MontoObligado {
    pub obligado: bool,
    pub monto_desde: Option<Decimal>,
    /// `arrayObservacion`, when ARCA adds remarks.
    #[serde(default)]
    pub observaciones: Vec<CodigoDescripcion>,
}

/// `consultarObligadoRecepcion`: whether the CUIT must receive FCE, and since when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligadoRecepcion {
    pub obligado: bool,
    pub desde: Option<NaiveDate>,
    #[serde(default)]
    pub observaciones: Vec<CodigoDescripcion>,
}

/// `rolCUITRepresentada`: the account seen as the seller or as the buyer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Rol {
    Emisor,
    Receptor,
}

impl Rol {
    /// `Emisor` or `Receptor`.
    pub fn as_wire(self) -> &'static str {
        match self {
            Rol::Emisor => "Emisor",
            Rol::Receptor => "Receptor",
        }
    }

    pub fn from_wire(text: &str) -> Option<Rol> {
        match text.trim() {
            "Emisor" => Some(Rol::Emisor),
            "Receptor" => Some(Rol::Receptor),
            _ => None,
        }
    }
}

/// `EstadoCmpSimpleType`: where an FCE voucher stands in the buyer's acceptance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EstadoCmp {
    /// Authorised, not yet taken by the buyer.
    PendienteRecepcion,
    Recepcionado,
    Aceptado,
    Rechazado,
    /// Transferred to a collective-deposit agent.
    InformadaAgDpto,
}

impl EstadoCmp {
    /// Every state, in the WSDL's order.
    pub const ALL: [EstadoCmp; 5] = [
        EstadoCmp::PendienteRecepcion,
        EstadoCmp::Recepcionado,
        EstadoCmp::Aceptado,
        EstadoCmp::Rechazado,
        EstadoCmp::InformadaAgDpto,
    ];

    /// The WSDL's spelling (`PendienteRecepcion`, ...).
    pub fn as_wire(self) -> &'static str {
        match self {
            EstadoCmp::PendienteRecepcion => "PendienteRecepcion",
            EstadoCmp::Recepcionado => "Recepcionado",
            EstadoCmp::Aceptado => "Aceptado",
            EstadoCmp::Rechazado => "Rechazado",
            EstadoCmp::InformadaAgDpto => "InformadaAgDpto",
        }
    }

    pub fn from_wire(text: &str) -> Option<EstadoCmp> {
        EstadoCmp::ALL.into_iter().find(|e| e.as_wire() == text.trim())
    }
}

/// `consultarComprobantes`' filters. The dates filter on the issue date (`fecha{tipo=Emision}`)
/// and go together: both or neither.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComprobantesQuery {
    pub rol: Rol,
    pub cuit_contraparte: Option<u64>,
    pub cod_tipo_cmp: Option<i32>,
    pub estado: Option<EstadoCmp>,
    pub fecha_desde: Option<NaiveDate>,
    pub fecha_hasta: Option<NaiveDate>,
    /// From 1.
    pub nro_pagina: u32,
}

impl ComprobantesQuery {
    /// Page 1 of everything in `rol`.
    pub fn new(rol: Rol) -> ComprobantesQuery {
        ComprobantesQuery {
            rol,
            cuit_contraparte: None,
            cod_tipo_cmp: None,
            estado: None,
            fecha_desde: None,
            fecha_hasta: None,
            nro_pagina: 1,
        }
    }
}

/// `IdComprobanteType`: an FCE voucher by issuer, type, point of sale and number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdFactura {
    pub cuit_emisor: u64,
    pub cod_tipo_cmp: i32,
    pub pto_vta: u32,
    pub nro_cmp: u64,
}

/// One `comprobante` of `consultarComprobantes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComprobanteFce {
    pub id: IdFactura,
    pub razon_social_emisor: String,
    pub cuit_receptor: u64,
    pub razon_social_receptor: Option<String>,
    /// `E` (CAE) or `A` (CAEA).
    pub tipo_cod_auto: String,
    pub cod_autorizacion: String,
    pub fecha_emision: NaiveDate,
    pub fecha_puesta_dispo: Option<NaiveDate>,
    pub fecha_vencimiento_pago: Option<NaiveDate>,
    pub fecha_vencimiento_aceptacion: Option<NaiveDate>,
    pub importe_total: Decimal,
    pub cod_moneda: String,
    pub cotizacion: Decimal,
    pub cbu_emisor: Option<String>,
    pub alias_emisor: Option<String>,
    /// `esAnulacion` (absent = `N`).
    pub es_anulacion: bool,
    /// `idComprobanteAsociado` on a note.
    pub comprobante_asociado: Option<IdFactura>,
    pub cod_cta_cte: Option<i64>,
    pub estado: Option<EstadoCmp>,
    /// `estado/fechaHoraEstado`.
    pub fecha_hora_estado: Option<NaiveDateTime>,
    /// `Tacita` or `Expresa`.
    pub tipo_aceptacion: Option<String>,
    pub fecha_hora_aceptacion: Option<NaiveDateTime>,
    /// `SCA` or `ADC`.
    pub opcion_transferencia: Option<String>,
}

/// One page of `consultarComprobantes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComprobantesPage {
    pub comprobantes: Vec<ComprobanteFce>,
    pub nro_pagina: u32,
    pub hay_mas: bool,
    #[serde(default)]
    pub observaciones: Vec<CodigoDescripcion>,
}

/// `aceptarFECred`: the buyer accepts the current balance (`saldoAceptado`, decimal(15,2)).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Aceptacion {
    pub factura: IdFactura,
    pub saldo_aceptado: Decimal,
    pub cod_moneda: String,
    pub cotizacion_moneda_ult: Decimal,
}

/// One `motivoRechazo`: a code of `consultarTiposMotivosRechazo`, and two texts of 3–250
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MotivoRechazo {
    pub cod_motivo: i16,
    pub desc_motivo: String,
    pub justificacion: String,
}

/// `rechazarFECred`: the buyer rejects the voucher, with 1 to [`super::MAX_MOTIVOS`] reasons.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rechazo {
    pub factura: IdFactura,
    pub motivos: Vec<MotivoRechazo>,
}

/// `resultado` of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ResultadoOperacion {
    /// `A`.
    Aceptado,
    /// `O`: done, with observations.
    ConObservaciones,
    /// `R`: refused; `errores` says why.
    Rechazado,
}

impl ResultadoOperacion {
    /// `A`, `O` or `R`.
    pub fn as_wire(self) -> &'static str {
        match self {
            ResultadoOperacion::Aceptado => "A",
            ResultadoOperacion::ConObservaciones => "O",
            ResultadoOperacion::Rechazado => "R",
        }
    }

    pub fn from_wire(text: &str) -> Option<ResultadoOperacion> {
        match text.trim() {
            "A" => Some(ResultadoOperacion::Aceptado),
            "O" => Some(ResultadoOperacion::ConObservaciones),
            "R" => Some(ResultadoOperacion::Rechazado),
            _ => None,
        }
    }
}

/// `codigoDescripcion`. Format errors (`arrayErroresFormato`, string codes) are read into it
/// with the code 0 and the original code leading the text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodigoDescripcion {
    pub codigo: i32,
    pub descripcion: String,
}

/// `operacionFECredReturn`: ARCA's verdict on an acceptance or a rejection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Operacion {
    pub resultado: ResultadoOperacion,
    pub cod_cta_cte: Option<i64>,
    pub evento: Option<CodigoDescripcion>,
    pub observaciones: Vec<CodigoDescripcion>,
    pub errores: Vec<CodigoDescripcion>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_round_trip() {
        for estado in EstadoCmp::ALL {
            assert_eq!(EstadoCmp::from_wire(estado.as_wire()), Some(estado));
        }
        assert_eq!(EstadoCmp::from_wire("aceptado"), None);
        for rol in [Rol::Emisor, Rol::Receptor] {
            assert_eq!(Rol::from_wire(rol.as_wire()), Some(rol));
        }
        for resultado in [
            ResultadoOperacion::Aceptado,
            ResultadoOperacion::ConObservaciones,
            ResultadoOperacion::Rechazado,
        ] {
            assert_eq!(ResultadoOperacion::from_wire(resultado.as_wire()), Some(resultado));
        }
        assert_eq!(ResultadoOperacion::from_wire("P"), None);
    }
}
