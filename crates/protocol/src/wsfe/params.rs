//! The `FEParamGet*` operations: ARCA's reference tables (voucher types, currencies, rates,
//! points of sale, ...) and the currency quotation.
//!
//! These only fetch the tables; the code tables the service validates against are kept
//! elsewhere.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Error;

use super::messages::{ArcaErr, Evt, parse_errors, parse_events};
use super::operation::Operation;
use super::outcome::found;
use super::wire::{self, Fields, XmlWriter};

/// The answer of every table getter: `ResultGet` rows, `Errors`, `Events`.
#[derive(Debug, Clone, PartialEq)]
pub struct ParamResponse<T> {
    pub result_get: Vec<T>,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

/// Defines a row type `Id, Desc, FchDesde, FchHasta` (the `FchHasta` of a current row is the
/// text `NULL`, read as `None`).
macro_rules! dated_row {
    ($(#[$doc:meta])* $name:ident, $id:ty) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name {
            pub id: $id,
            pub desc: Option<String>,
            pub fch_desde: Option<NaiveDate>,
            pub fch_hasta: Option<NaiveDate>,
        }

        impl $name {
            fn parse(row: Fields<'_>) -> Result<$name, Error> {
                Ok($name {
                    id: row.required_number("Id")?,
                    desc: row.string("Desc"),
                    fch_desde: row.date("FchDesde")?,
                    fch_hasta: row.date("FchHasta")?,
                })
            }
        }
    };
}

dated_row!(
    /// `CbteTipo`: a voucher type (1 Factura A, ...).
    CbteTipo, i32
);
dated_row!(
    /// `ConceptoTipo`: 1 products, 2 services, 3 both.
    ConceptoTipo, i32
);
dated_row!(
    /// `DocTipo`: a receiver document type (80 CUIT, 96 DNI, 99 unidentified, ...).
    DocTipo, i32
);
dated_row!(
    /// `IvaTipo`: a VAT rate (5 = 21 %); the id is a string in the WSDL.
    IvaTipo, String
);
dated_row!(
    /// `Moneda`: a currency (`PES`, `DOL`, `060`, ...).
    Moneda, String
);
dated_row!(
    /// `OpcionalTipo`: an optional-field type.
    OpcionalTipo, String
);
dated_row!(
    /// `TributoTipo`: another tax type.
    TributoTipo, i16
);

/// `PaisTipo`: a country.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaisTipo {
    pub id: i16,
    pub desc: Option<String>,
}

/// `PtoVenta`: one of the issuer's points of sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PtoVenta {
    pub nro: i32,
    /// e.g. `CAE - Ri Iva`, or a CAEA type.
    pub emision_tipo: Option<String>,
    /// `Bloqueado` `S`/`N`.
    pub bloqueado: Option<bool>,
    pub fch_baja: Option<NaiveDate>,
}

/// `ActividadesTipo`: an activity of the issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActividadesTipo {
    pub id: i64,
    pub orden: i16,
    pub desc: Option<String>,
}

/// `CondicionIvaReceptor`: a receiver VAT condition and the voucher classes it fits. The same
/// id can come in several rows (one per class group).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CondicionIvaReceptor {
    pub id: i32,
    pub desc: Option<String>,
    /// `Cmp_Clase`, e.g. `A/ALEY/C`.
    pub cmp_clase: Option<String>,
}

impl PaisTipo {
    fn parse(row: Fields<'_>) -> Result<PaisTipo, Error> {
        Ok(PaisTipo {
            id: row.required_number("Id")?,
            desc: row.string("Desc"),
        })
    }
}

impl PtoVenta {
    fn parse(row: Fields<'_>) -> Result<PtoVenta, Error> {
        Ok(PtoVenta {
            nro: row.required_number("Nro")?,
            emision_tipo: row.string("EmisionTipo"),
            bloqueado: row.yes_no("Bloqueado")?,
            fch_baja: row.date("FchBaja")?,
        })
    }
}

impl ActividadesTipo {
    fn parse(row: Fields<'_>) -> Result<ActividadesTipo, Error> {
        Ok(ActividadesTipo {
            id: row.required_number("Id")?,
            orden: row.required_number("Orden")?,
            desc: row.string("Desc"),
        })
    }
}

impl CondicionIvaReceptor {
    fn parse(row: Fields<'_>) -> Result<CondicionIvaReceptor, Error> {
        Ok(CondicionIvaReceptor {
            id: row.required_number("Id")?,
            desc: row.string("Desc"),
            cmp_clase: row.string("Cmp_Clase"),
        })
    }
}

fn parse_table<T>(
    result: Fields<'_>,
    row: &str,
    parse: fn(Fields<'_>) -> Result<T, Error>,
) -> Result<ParamResponse<T>, Error> {
    Ok(ParamResponse {
        result_get: result.array("ResultGet", row, parse)?,
        errors: parse_errors(result)?,
        events: parse_events(result)?,
    })
}

/// A table is a list: "Sin Resultados" (602) is an empty one.
fn rows<T>(response: ParamResponse<T>) -> Result<Vec<T>, Error> {
    if !found(&response.errors)? {
        return Ok(Vec::new());
    }
    Ok(response.result_get)
}

/// Defines a table getter: a unit request type and its [`Operation`].
macro_rules! table_getter {
    ($(#[$doc:meta])* $request:ident, $row:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
        pub struct $request;

        impl Operation for $request {
            const NAME: &'static str = stringify!($request);
            type Response = ParamResponse<$row>;
            /// The rows; empty when ARCA has none (602).
            type Output = Vec<$row>;

            fn write_params(&self, _: &mut XmlWriter) {}

            fn parse_result(result: Fields<'_>) -> Result<ParamResponse<$row>, Error> {
                parse_table(result, stringify!($row), $row::parse)
            }

            fn into_output(response: ParamResponse<$row>) -> Result<Vec<$row>, Error> {
                rows(response)
            }
        }
    };
}

table_getter!(
    /// `FEParamGetTiposCbte`: voucher types.
    FEParamGetTiposCbte, CbteTipo
);
table_getter!(
    /// `FEParamGetTiposConcepto`: concepts.
    FEParamGetTiposConcepto, ConceptoTipo
);
table_getter!(
    /// `FEParamGetTiposDoc`: document types.
    FEParamGetTiposDoc, DocTipo
);
table_getter!(
    /// `FEParamGetTiposIva`: VAT rates.
    FEParamGetTiposIva, IvaTipo
);
table_getter!(
    /// `FEParamGetTiposMonedas`: currencies.
    FEParamGetTiposMonedas, Moneda
);
table_getter!(
    /// `FEParamGetTiposOpcional`: optional-field types.
    FEParamGetTiposOpcional, OpcionalTipo
);
table_getter!(
    /// `FEParamGetTiposTributos`: other tax types.
    FEParamGetTiposTributos, TributoTipo
);
table_getter!(
    /// `FEParamGetTiposPaises`: countries.
    FEParamGetTiposPaises, PaisTipo
);
table_getter!(
    /// `FEParamGetPtosVenta`: the issuer's points of sale.
    FEParamGetPtosVenta, PtoVenta
);
table_getter!(
    /// `FEParamGetActividades`: the issuer's activities.
    FEParamGetActividades, ActividadesTipo
);

/// `FEParamGetCondicionIvaReceptor`: receiver VAT conditions, optionally for one voucher class.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FEParamGetCondicionIvaReceptor {
    /// `A`, `B`, `C`, `ALEY` or `49`; `None` for all (a bad class is 10244).
    pub clase_cmp: Option<String>,
}

impl Operation for FEParamGetCondicionIvaReceptor {
    const NAME: &'static str = "FEParamGetCondicionIvaReceptor";
    type Response = ParamResponse<CondicionIvaReceptor>;
    type Output = Vec<CondicionIvaReceptor>;

    fn write_params(&self, w: &mut XmlWriter) {
        w.optional_leaf("ClaseCmp", self.clase_cmp.as_deref());
    }

    fn parse_result(result: Fields<'_>) -> Result<ParamResponse<CondicionIvaReceptor>, Error> {
        parse_table(result, "CondicionIvaReceptor", CondicionIvaReceptor::parse)
    }

    fn into_output(response: ParamResponse<CondicionIvaReceptor>) -> Result<Vec<CondicionIvaReceptor>, Error> {
        rows(response)
    }
}

/// `FEParamGetCotizacion`: ARCA's quotation of a currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FEParamGetCotizacion {
    pub mon_id: String,
    /// Since v4.0; absent → the latest (the previous business day's).
    pub fch_cotiz: Option<NaiveDate>,
}

/// `FECotizacionResponse`.
#[derive(Debug, Clone, PartialEq)]
pub struct FECotizacionResponse {
    pub result_get: Option<Cotizacion>,
    pub errors: Vec<ArcaErr>,
    pub events: Vec<Evt>,
}

/// `Cotizacion`.
#[derive(Debug, Clone, PartialEq)]
pub struct Cotizacion {
    pub mon_id: Option<String>,
    /// Pesos per unit of the currency.
    pub mon_cotiz: Decimal,
    pub fch_cotiz: Option<NaiveDate>,
}

impl Operation for FEParamGetCotizacion {
    const NAME: &'static str = "FEParamGetCotizacion";
    type Response = FECotizacionResponse;
    /// `None` when ARCA has no quotation for it (602, e.g. `PES`).
    type Output = Option<Cotizacion>;

    fn write_params(&self, w: &mut XmlWriter) {
        w.leaf("MonId", &self.mon_id);
        w.optional_leaf("FchCotiz", self.fch_cotiz.map(wire::date));
    }

    fn parse_result(result: Fields<'_>) -> Result<FECotizacionResponse, Error> {
        let result_get = match result.element().child("ResultGet") {
            None => None,
            Some(get) => {
                let g = Fields::of(get);
                Some(Cotizacion {
                    mon_id: g.string("MonId"),
                    mon_cotiz: g.required_decimal("MonCotiz")?,
                    fch_cotiz: g.date("FchCotiz")?,
                })
            }
        };
        Ok(FECotizacionResponse {
            result_get,
            errors: parse_errors(result)?,
            events: parse_events(result)?,
        })
    }

    fn into_output(response: FECotizacionResponse) -> Result<Option<Cotizacion>, Error> {
        if !found(&response.errors)? {
            return Ok(None);
        }
        response
            .result_get
            .map(Some)
            .ok_or_else(|| Error::Malformed("FEParamGetCotizacion answered without ResultGet".into()))
    }
}

impl FEParamGetCotizacion {
    /// Reads a request back from its element.
    pub fn parse(request: Fields<'_>) -> Result<FEParamGetCotizacion, Error> {
        Ok(FEParamGetCotizacion {
            mon_id: request.string("MonId").unwrap_or_default(),
            fch_cotiz: request.date("FchCotiz")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wsfe::{interpret, request_envelope};

    fn answer(operation: &str, result: &str) -> String {
        format!(
            concat!(
                r#"<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>"#,
                r#"<{op}Response xmlns="http://ar.gov.afip.dif.FEV1/"><{op}Result>{result}</{op}Result></{op}Response>"#,
                "</soap:Body></soap:Envelope>"
            ),
            op = operation,
            result = result
        )
    }

    // These three tables have no recorded answer; the shapes follow the WSDL.
    #[test]
    fn unrecorded_tables_read_their_rows() {
        let body = answer(
            "FEParamGetCondicionIvaReceptor",
            "<ResultGet><CondicionIvaReceptor><Id>1</Id><Desc>IVA Responsable Inscripto</Desc><Cmp_Clase>A/ALEY/C</Cmp_Clase></CondicionIvaReceptor></ResultGet>",
        );
        let rows = interpret::<FEParamGetCondicionIvaReceptor>(200, &body).unwrap();
        assert_eq!((rows[0].id, rows[0].cmp_clase.as_deref()), (1, Some("A/ALEY/C")));

        let body = answer(
            "FEParamGetActividades",
            "<ResultGet><ActividadesTipo><Id>620100</Id><Orden>1</Orden><Desc>SERVICIOS</Desc></ActividadesTipo></ResultGet>",
        );
        assert_eq!(interpret::<FEParamGetActividades>(200, &body).unwrap()[0].id, 620100);

        let body = answer(
            "FEParamGetTiposPaises",
            "<ResultGet><PaisTipo><Id>200</Id><Desc>ARGENTINA</Desc></PaisTipo></ResultGet>",
        );
        assert_eq!(interpret::<FEParamGetTiposPaises>(200, &body).unwrap()[0].id, 200);

        let none = answer(
            "FEParamGetPtosVenta",
            "<Errors><Err><Code>602</Code><Msg>Sin Resultados: - Metodo FEParamGetPtosVenta</Msg></Err></Errors>",
        );
        assert!(interpret::<FEParamGetPtosVenta>(200, &none).unwrap().is_empty());

        let bad_class = answer(
            "FEParamGetCondicionIvaReceptor",
            "<Errors><Err><Code>10244</Code><Msg>x</Msg></Err></Errors>",
        );
        assert!(matches!(
            interpret::<FEParamGetCondicionIvaReceptor>(200, &bad_class),
            Err(Error::Rejected { .. })
        ));
    }

    #[test]
    fn optional_request_fields_are_omitted() {
        assert!(!request_envelope(&FEParamGetCondicionIvaReceptor::default(), None).contains("ClaseCmp"));
        let quote = FEParamGetCotizacion {
            mon_id: "DOL".into(),
            fch_cotiz: NaiveDate::from_ymd_opt(2025, 7, 1),
        };
        assert!(request_envelope(&quote, None).contains("<ar:MonId>DOL</ar:MonId><ar:FchCotiz>20250701</ar:FchCotiz>"));
    }
}
