//! The simulator's own reading of an `FECAEDetRequest` (docs/arca.md §C.3), as ASMX's
//! deserializer sees it: elements matched by local name in the FEV1 namespace, numbers read
//! leniently (`121`, `121.0`, `121.00`), optional elements absent or empty.
//!
//! A value that is not a number where the schema wants one makes ASMX fail the whole request
//! (HTTP 500 "Server was unable to read request"), which [`ParseError`] reports.

use rust_decimal::Decimal;

use crate::soap::Document;

/// Namespace of every WSFEv1 element; elements outside it are ignored, as ASMX does.
pub const FEV1: &str = "http://ar.gov.afip.dif.FEV1/";

/// The request could not be deserialised (ASMX answers HTTP 500 with this text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError(pub String);

/// `FeCabReq`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Header {
    pub cant_reg: i64,
    pub pto_vta: i64,
    pub cbte_tipo: i64,
}

/// One `FECAEDetRequest`, or the `FECAEADetRequest` of a CAEA report (with `caea` and
/// `cbte_fch_hs_gen`). Dates stay as the `yyyymmdd` text that was sent: rules decide validity.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Detail {
    pub concepto: i64,
    pub doc_tipo: i64,
    pub doc_nro: i64,
    pub cbte_desde: i64,
    pub cbte_hasta: i64,
    pub cbte_fch: Option<String>,
    pub imp_total: Decimal,
    pub imp_tot_conc: Decimal,
    pub imp_neto: Decimal,
    pub imp_op_ex: Decimal,
    pub imp_trib: Decimal,
    pub imp_iva: Decimal,
    pub fch_serv_desde: Option<String>,
    pub fch_serv_hasta: Option<String>,
    pub fch_vto_pago: Option<String>,
    pub mon_id: Option<String>,
    pub mon_cotiz: Option<Decimal>,
    pub can_mis_mon_ext: Option<String>,
    pub condicion_iva_receptor_id: Option<i64>,
    /// `None` when the element is absent; `Some(vec![])` when sent empty.
    pub cbtes_asoc: Option<Vec<CbteAsoc>>,
    pub tributos: Option<Vec<Tributo>>,
    pub iva: Option<Vec<AlicIva>>,
    pub opcionales: Option<Vec<Opcional>>,
    pub compradores: Option<Vec<Comprador>>,
    pub periodo_asoc: Option<PeriodoAsoc>,
    pub actividades: Option<Vec<i64>>,
    /// CAEA reports only.
    pub caea: Option<String>,
    /// CAEA reports only: generation date-time `yyyymmddhhmiss`.
    pub cbte_fch_hs_gen: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CbteAsoc {
    pub tipo: i64,
    pub pto_vta: i64,
    pub nro: i64,
    pub cuit: Option<String>,
    pub cbte_fch: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Tributo {
    pub id: i64,
    pub desc: Option<String>,
    pub base_imp: Decimal,
    pub alic: Decimal,
    pub importe: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct AlicIva {
    pub id: i64,
    pub base_imp: Decimal,
    pub importe: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Opcional {
    pub id: String,
    pub valor: String,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Comprador {
    pub doc_tipo: i64,
    pub doc_nro: i64,
    pub porcentaje: Decimal,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PeriodoAsoc {
    pub fch_desde: Option<String>,
    pub fch_hasta: Option<String>,
}

/// Reads the direct FEV1 children of one element.
pub struct Fields<'a> {
    document: &'a Document,
    children: Vec<usize>,
}

impl<'a> Fields<'a> {
    pub fn of(document: &'a Document, index: usize) -> Fields<'a> {
        let children = document
            .children(index)
            .into_iter()
            .filter(|i| document.nodes[*i].namespace == FEV1)
            .collect();
        Fields { document, children }
    }

    /// Index of the first child named `name`.
    pub fn index(&self, name: &str) -> Option<usize> {
        self.children
            .iter()
            .copied()
            .find(|i| self.document.nodes[*i].name == name)
    }

    /// Indexes of every child named `name`.
    pub fn all(&self, name: &str) -> Vec<usize> {
        self.children
            .iter()
            .copied()
            .filter(|i| self.document.nodes[*i].name == name)
            .collect()
    }

    /// Trimmed text; an empty element reads as absent (.NET leaves the value null).
    pub fn text(&self, name: &str) -> Option<String> {
        let text = self.document.nodes[self.index(name)?].text.trim();
        (!text.is_empty()).then(|| text.to_string())
    }

    /// An `int`/`long`; absent reads as 0, as .NET's value types do.
    pub fn int(&self, name: &str) -> Result<i64, ParseError> {
        Ok(self.optional_int(name)?.unwrap_or(0))
    }

    pub fn optional_int(&self, name: &str) -> Result<Option<i64>, ParseError> {
        self.text(name)
            .map(|t| t.parse::<i64>().map_err(|_| unreadable(name, &t)))
            .transpose()
    }

    /// A `double`; absent reads as 0.
    pub fn decimal(&self, name: &str) -> Result<Decimal, ParseError> {
        Ok(self.optional_decimal(name)?.unwrap_or_default())
    }

    pub fn optional_decimal(&self, name: &str) -> Result<Option<Decimal>, ParseError> {
        self.text(name)
            .map(|t| {
                t.parse::<Decimal>()
                    .or_else(|_| Decimal::from_scientific(&t))
                    .map_err(|_| unreadable(name, &t))
            })
            .transpose()
    }

    /// The items of an array element (`<Iva><AlicIva>…</AlicIva></Iva>`): `None` when the array
    /// element is absent.
    pub fn array(&self, name: &str, item: &str) -> Option<Vec<Fields<'a>>> {
        let array = self.index(name)?;
        let items = Fields::of(self.document, array).all(item);
        Some(items.into_iter().map(|i| Fields::of(self.document, i)).collect())
    }

    pub fn nested(&self, name: &str) -> Option<Fields<'a>> {
        self.index(name).map(|i| Fields::of(self.document, i))
    }
}

fn unreadable(name: &str, value: &str) -> ParseError {
    ParseError(format!(
        "Server was unable to read request. ---> There is an error in XML document. ---> Input string was not in a correct format. ({name}: {value})"
    ))
}

/// Reads `FeCabReq` and every `FECAEDetRequest` (or `FECAEADetRequest`) under `request`
/// (the `FeCAEReq`/`FeCAEARegInfReq` element).
pub fn parse_cae_request(
    document: &Document,
    request: usize,
    detail_name: &str,
) -> Result<(Header, Vec<Detail>), ParseError> {
    let request = Fields::of(document, request);
    let header = match request.nested("FeCabReq") {
        Some(cab) => Header {
            cant_reg: cab.int("CantReg")?,
            pto_vta: cab.int("PtoVta")?,
            cbte_tipo: cab.int("CbteTipo")?,
        },
        None => Header::default(),
    };
    let details = request
        .array("FeDetReq", detail_name)
        .unwrap_or_default()
        .iter()
        .map(parse_detail)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((header, details))
}

fn parse_detail(d: &Fields<'_>) -> Result<Detail, ParseError> {
    Ok(Detail {
        concepto: d.int("Concepto")?,
        doc_tipo: d.int("DocTipo")?,
        doc_nro: d.int("DocNro")?,
        cbte_desde: d.int("CbteDesde")?,
        cbte_hasta: d.int("CbteHasta")?,
        cbte_fch: d.text("CbteFch"),
        imp_total: d.decimal("ImpTotal")?,
        imp_tot_conc: d.decimal("ImpTotConc")?,
        imp_neto: d.decimal("ImpNeto")?,
        imp_op_ex: d.decimal("ImpOpEx")?,
        imp_trib: d.decimal("ImpTrib")?,
        imp_iva: d.decimal("ImpIVA")?,
        fch_serv_desde: d.text("FchServDesde"),
        fch_serv_hasta: d.text("FchServHasta"),
        fch_vto_pago: d.text("FchVtoPago"),
        mon_id: d.text("MonId"),
        mon_cotiz: d.optional_decimal("MonCotiz")?,
        can_mis_mon_ext: d.text("CanMisMonExt"),
        condicion_iva_receptor_id: d.optional_int("CondicionIVAReceptorId")?,
        cbtes_asoc: d
            .array("CbtesAsoc", "CbteAsoc")
            .map(|items| {
                items
                    .iter()
                    .map(|a| {
                        Ok(CbteAsoc {
                            tipo: a.int("Tipo")?,
                            pto_vta: a.int("PtoVta")?,
                            nro: a.int("Nro")?,
                            cuit: a.text("Cuit"),
                            cbte_fch: a.text("CbteFch"),
                        })
                    })
                    .collect::<Result<Vec<_>, ParseError>>()
            })
            .transpose()?,
        tributos: d
            .array("Tributos", "Tributo")
            .map(|items| {
                items
                    .iter()
                    .map(|t| {
                        Ok(Tributo {
                            id: t.int("Id")?,
                            desc: t.text("Desc"),
                            base_imp: t.decimal("BaseImp")?,
                            alic: t.decimal("Alic")?,
                            importe: t.decimal("Importe")?,
                        })
                    })
                    .collect::<Result<Vec<_>, ParseError>>()
            })
            .transpose()?,
        iva: d
            .array("Iva", "AlicIva")
            .map(|items| {
                items
                    .iter()
                    .map(|a| {
                        Ok(AlicIva {
                            id: a.int("Id")?,
                            base_imp: a.decimal("BaseImp")?,
                            importe: a.decimal("Importe")?,
                        })
                    })
                    .collect::<Result<Vec<_>, ParseError>>()
            })
            .transpose()?,
        opcionales: d.array("Opcionales", "Opcional").map(|items| {
            items
                .iter()
                .map(|o| Opcional {
                    id: o.text("Id").unwrap_or_default(),
                    valor: o.text("Valor").unwrap_or_default(),
                })
                .collect()
        }),
        compradores: d
            .array("Compradores", "Comprador")
            .map(|items| {
                items
                    .iter()
                    .map(|c| {
                        Ok(Comprador {
                            doc_tipo: c.int("DocTipo")?,
                            doc_nro: c.int("DocNro")?,
                            porcentaje: c.decimal("Porcentaje")?,
                        })
                    })
                    .collect::<Result<Vec<_>, ParseError>>()
            })
            .transpose()?,
        periodo_asoc: d.nested("PeriodoAsoc").map(|p| PeriodoAsoc {
            fch_desde: p.text("FchDesde"),
            fch_hasta: p.text("FchHasta"),
        }),
        actividades: d
            .array("Actividades", "Actividad")
            .map(|items| {
                items
                    .iter()
                    .map(|a| a.int("Id"))
                    .collect::<Result<Vec<_>, ParseError>>()
            })
            .transpose()?,
        caea: d.text("CAEA"),
        cbte_fch_hs_gen: d.text("CbteFchHsGen"),
    })
}
