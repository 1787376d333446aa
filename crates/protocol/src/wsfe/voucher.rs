//! The voucher as WSFEv1 carries it: `FECabRequest` (the batch header) and `FECAEDetRequest`
//! (one voucher or a range of class-B vouchers) with its arrays, in the WSDL's schema order
//! (§C.3). The same detail is echoed back by `FECompConsultar`, so it is read as well as written.
//!
//! These are wire types: they hold what is sent, unchecked. Validation lives elsewhere.

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;

use crate::Error;

use super::wire::{self, Fields, XmlWriter};

/// `FeCabReq`: shared by every detail of one request (all 1..1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FECabRequest {
    /// Number of details; must equal the `FeDetReq` length (10002).
    pub cant_reg: i32,
    pub pto_vta: i32,
    pub cbte_tipo: i32,
}

/// `FECAEDetRequest` (= `FEDetRequest`): one voucher, fields in schema order.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEDetRequest {
    /// 1 products, 2 services, 3 both.
    pub concepto: i32,
    pub doc_tipo: i32,
    pub doc_nro: i64,
    pub cbte_desde: i64,
    pub cbte_hasta: i64,
    /// Absent: ARCA assigns the processing date.
    pub cbte_fch: Option<NaiveDate>,
    pub imp_total: Decimal,
    pub imp_tot_conc: Decimal,
    pub imp_neto: Decimal,
    pub imp_op_ex: Decimal,
    /// Comes before `ImpIVA` on the wire.
    pub imp_trib: Decimal,
    pub imp_iva: Decimal,
    pub fch_serv_desde: Option<NaiveDate>,
    pub fch_serv_hasta: Option<NaiveDate>,
    pub fch_vto_pago: Option<NaiveDate>,
    pub mon_id: Option<String>,
    pub mon_cotiz: Option<Decimal>,
    /// `CanMisMonExt` `S`/`N`: paid in the same foreign currency.
    pub can_mis_mon_ext: Option<bool>,
    /// RG 5616; mandatory in practice since 2025.
    pub condicion_iva_receptor_id: Option<i32>,
    pub cbtes_asoc: Vec<CbteAsoc>,
    /// Empty when `ImpTrib` is 0: ARCA wants no `Tributos` element then (10024).
    pub tributos: Vec<Tributo>,
    pub iva: Vec<AlicIva>,
    pub opcionales: Vec<Opcional>,
    pub compradores: Vec<Comprador>,
    pub periodo_asoc: Option<Periodo>,
    pub actividades: Vec<Actividad>,
}

/// `CbteAsoc`: a voucher this one refers to (credit/debit notes, FCE).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CbteAsoc {
    pub tipo: i32,
    pub pto_vta: i32,
    pub nro: i64,
    /// Issuer CUIT of the associated voucher (a string in the WSDL).
    pub cuit: Option<String>,
    pub cbte_fch: Option<NaiveDate>,
}

/// `Tributo`: one other tax.
#[derive(Debug, Clone, PartialEq)]
pub struct Tributo {
    pub id: i16,
    pub desc: Option<String>,
    /// 1..1 in the WSDL, but optional here: .NET reads an absent double as 0, real clients omit
    /// it and ARCA accepts that (recorded traffic), so we can express what they sent.
    pub base_imp: Option<Decimal>,
    /// Same as `base_imp`.
    pub alic: Option<Decimal>,
    pub importe: Decimal,
}

/// `AlicIva`: the VAT of one rate.
#[derive(Debug, Clone, PartialEq)]
pub struct AlicIva {
    /// Rate id from `FEParamGetTiposIva` (5 = 21 %).
    pub id: i32,
    pub base_imp: Decimal,
    pub importe: Decimal,
}

/// `Opcional`: a regime-specific extra field (FCE CBU, RG 3668 signer, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opcional {
    pub id: String,
    pub valor: String,
}

/// `Comprador`: one of several buyers (RG 4109).
#[derive(Debug, Clone, PartialEq)]
pub struct Comprador {
    pub doc_tipo: i32,
    pub doc_nro: i64,
    pub porcentaje: Decimal,
}

/// `Periodo` (`PeriodoAsoc`): the period a debit/credit note refers to (RG 4540).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Periodo {
    pub fch_desde: Option<NaiveDate>,
    pub fch_hasta: Option<NaiveDate>,
}

/// `Actividad`: an activity id from `FEParamGetActividades`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actividad {
    pub id: i64,
}

/// `FECAEADetRequest`: a voucher issued under a CAEA, reported afterwards.
#[derive(Debug, Clone, PartialEq)]
pub struct FECAEADetRequest {
    pub detail: FECAEDetRequest,
    /// The 14-digit CAEA the voucher was issued under.
    pub caea: String,
    /// `CbteFchHsGen`: when the voucher was generated (mandatory for contingency points of sale).
    pub cbte_fch_hs_gen: Option<NaiveDateTime>,
}

impl FECabRequest {
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("FeCabReq");
        w.leaf("CantReg", self.cant_reg);
        w.leaf("PtoVta", self.pto_vta);
        w.leaf("CbteTipo", self.cbte_tipo);
        w.close("FeCabReq");
    }

    pub(crate) fn parse(f: Fields<'_>) -> Result<FECabRequest, Error> {
        Ok(FECabRequest {
            cant_reg: f.required_number("CantReg")?,
            pto_vta: f.required_number("PtoVta")?,
            cbte_tipo: f.required_number("CbteTipo")?,
        })
    }
}

impl FECAEDetRequest {
    /// Writes the fields (not the enclosing element), so `FECAEADetRequest` can extend them.
    pub(crate) fn write_fields(&self, w: &mut XmlWriter) {
        w.leaf("Concepto", self.concepto);
        w.leaf("DocTipo", self.doc_tipo);
        w.leaf("DocNro", self.doc_nro);
        w.leaf("CbteDesde", self.cbte_desde);
        w.leaf("CbteHasta", self.cbte_hasta);
        w.optional_leaf("CbteFch", self.cbte_fch.map(wire::date));
        w.leaf("ImpTotal", wire::amount(self.imp_total));
        w.leaf("ImpTotConc", wire::amount(self.imp_tot_conc));
        w.leaf("ImpNeto", wire::amount(self.imp_neto));
        w.leaf("ImpOpEx", wire::amount(self.imp_op_ex));
        w.leaf("ImpTrib", wire::amount(self.imp_trib));
        w.leaf("ImpIVA", wire::amount(self.imp_iva));
        w.optional_leaf("FchServDesde", self.fch_serv_desde.map(wire::date));
        w.optional_leaf("FchServHasta", self.fch_serv_hasta.map(wire::date));
        w.optional_leaf("FchVtoPago", self.fch_vto_pago.map(wire::date));
        w.optional_leaf("MonId", self.mon_id.as_deref());
        w.optional_leaf("MonCotiz", self.mon_cotiz.map(wire::rate));
        w.optional_leaf("CanMisMonExt", self.can_mis_mon_ext.map(wire::yes_no));
        w.optional_leaf("CondicionIVAReceptorId", self.condicion_iva_receptor_id);
        write_array(w, "CbtesAsoc", "CbteAsoc", &self.cbtes_asoc, |w, a| {
            w.leaf("Tipo", a.tipo);
            w.leaf("PtoVta", a.pto_vta);
            w.leaf("Nro", a.nro);
            w.optional_leaf("Cuit", a.cuit.as_deref());
            w.optional_leaf("CbteFch", a.cbte_fch.map(wire::date));
        });
        write_array(w, "Tributos", "Tributo", &self.tributos, |w, t| {
            w.leaf("Id", t.id);
            w.optional_leaf("Desc", t.desc.as_deref());
            w.optional_leaf("BaseImp", t.base_imp.map(wire::amount));
            w.optional_leaf("Alic", t.alic.map(wire::amount));
            w.leaf("Importe", wire::amount(t.importe));
        });
        write_array(w, "Iva", "AlicIva", &self.iva, |w, a| {
            w.leaf("Id", a.id);
            w.leaf("BaseImp", wire::amount(a.base_imp));
            w.leaf("Importe", wire::amount(a.importe));
        });
        write_array(w, "Opcionales", "Opcional", &self.opcionales, |w, o| {
            w.leaf("Id", &o.id);
            w.leaf("Valor", &o.valor);
        });
        write_array(w, "Compradores", "Comprador", &self.compradores, |w, c| {
            w.leaf("DocTipo", c.doc_tipo);
            w.leaf("DocNro", c.doc_nro);
            w.leaf("Porcentaje", wire::amount(c.porcentaje));
        });
        if let Some(periodo) = &self.periodo_asoc {
            w.open("PeriodoAsoc");
            w.optional_leaf("FchDesde", periodo.fch_desde.map(wire::date));
            w.optional_leaf("FchHasta", periodo.fch_hasta.map(wire::date));
            w.close("PeriodoAsoc");
        }
        write_array(w, "Actividades", "Actividad", &self.actividades, |w, a| {
            w.leaf("Id", a.id)
        });
    }

    /// Reads the fields of a `FECAEDetRequest`, or of anything extending it (`FECAEADetRequest`,
    /// `FECompConsultar`'s `ResultGet`).
    pub(crate) fn parse(f: Fields<'_>) -> Result<FECAEDetRequest, Error> {
        Ok(FECAEDetRequest {
            concepto: f.required_number("Concepto")?,
            doc_tipo: f.required_number("DocTipo")?,
            doc_nro: f.required_number("DocNro")?,
            cbte_desde: f.required_number("CbteDesde")?,
            cbte_hasta: f.required_number("CbteHasta")?,
            cbte_fch: f.date("CbteFch")?,
            imp_total: f.required_decimal("ImpTotal")?,
            imp_tot_conc: f.required_decimal("ImpTotConc")?,
            imp_neto: f.required_decimal("ImpNeto")?,
            imp_op_ex: f.required_decimal("ImpOpEx")?,
            imp_trib: f.required_decimal("ImpTrib")?,
            imp_iva: f.required_decimal("ImpIVA")?,
            fch_serv_desde: f.date("FchServDesde")?,
            fch_serv_hasta: f.date("FchServHasta")?,
            fch_vto_pago: f.date("FchVtoPago")?,
            mon_id: f.string("MonId"),
            mon_cotiz: f.decimal("MonCotiz")?,
            can_mis_mon_ext: f.yes_no("CanMisMonExt")?,
            condicion_iva_receptor_id: f.number("CondicionIVAReceptorId")?,
            cbtes_asoc: f.array("CbtesAsoc", "CbteAsoc", |a| {
                Ok(CbteAsoc {
                    tipo: a.required_number("Tipo")?,
                    pto_vta: a.required_number("PtoVta")?,
                    nro: a.required_number("Nro")?,
                    cuit: a.string("Cuit"),
                    cbte_fch: a.date("CbteFch")?,
                })
            })?,
            tributos: f.array("Tributos", "Tributo", |t| {
                Ok(Tributo {
                    id: t.required_number("Id")?,
                    desc: t.string("Desc"),
                    base_imp: t.decimal("BaseImp")?,
                    alic: t.decimal("Alic")?,
                    importe: t.required_decimal("Importe")?,
                })
            })?,
            iva: f.array("Iva", "AlicIva", |a| {
                Ok(AlicIva {
                    id: a.required_number("Id")?,
                    base_imp: a.required_decimal("BaseImp")?,
                    importe: a.required_decimal("Importe")?,
                })
            })?,
            opcionales: f.array("Opcionales", "Opcional", |o| {
                Ok(Opcional {
                    id: o.required_string("Id")?,
                    valor: o.string("Valor").unwrap_or_default(),
                })
            })?,
            compradores: f.array("Compradores", "Comprador", |c| {
                Ok(Comprador {
                    doc_tipo: c.required_number("DocTipo")?,
                    doc_nro: c.required_number("DocNro")?,
                    porcentaje: c.required_decimal("Porcentaje")?,
                })
            })?,
            periodo_asoc: match f.element().child("PeriodoAsoc") {
                None => None,
                Some(periodo) => {
                    let p = Fields::of(periodo);
                    Some(Periodo {
                        fch_desde: p.date("FchDesde")?,
                        fch_hasta: p.date("FchHasta")?,
                    })
                }
            },
            actividades: f.array("Actividades", "Actividad", |a| {
                Ok(Actividad {
                    id: a.required_number("Id")?,
                })
            })?,
        })
    }
}

impl FECAEADetRequest {
    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("FECAEADetRequest");
        self.detail.write_fields(w);
        // Written even when empty: the CAEA is what the report is about, and an empty one gets
        // ARCA's explicit 782 instead of a vaguer error.
        w.leaf("CAEA", &self.caea);
        w.optional_leaf("CbteFchHsGen", self.cbte_fch_hs_gen.map(wire::timestamp));
        w.close("FECAEADetRequest");
    }
}

/// Writes `<array><item>..</item>...</array>`, or nothing for an empty list: ARCA rejects some
/// empty arrays (an empty `Tributos` or `Iva` is an error, 10024/10018).
fn write_array<T>(w: &mut XmlWriter, array: &str, item: &str, values: &[T], write_item: impl Fn(&mut XmlWriter, &T)) {
    if values.is_empty() {
        return;
    }
    w.open(array);
    for value in values {
        w.open(item);
        write_item(w, value);
        w.close(item);
    }
    w.close(array);
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;
    use crate::xml::{self, Element};

    const WSDL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/arca/wsdl/wsfe.wsdl");

    /// The element names of a WSDL complex type's sequence (including an extension's own).
    fn schema_sequence(wsdl: &Element, type_name: &str) -> Vec<String> {
        fn sequences<'a>(element: &'a Element, out: &mut Vec<&'a Element>) {
            for child in &element.children {
                if child.name == "sequence" {
                    out.push(child);
                } else if child.name != "element" {
                    sequences(child, out);
                }
            }
        }
        fn find_type<'a>(element: &'a Element, name: &str) -> Option<&'a Element> {
            if element.name == "complexType" && element.attribute("name") == Some(name) {
                return Some(element);
            }
            element.children.iter().find_map(|c| find_type(c, name))
        }
        let complex_type = find_type(wsdl, type_name).unwrap_or_else(|| panic!("no {type_name} in the WSDL"));
        let mut found = Vec::new();
        sequences(complex_type, &mut found);
        found
            .iter()
            .flat_map(|s| s.children_named("element"))
            .filter_map(|e| e.attribute("name").map(str::to_owned))
            .collect()
    }

    fn names(element: &Element) -> Vec<String> {
        element.children.iter().map(|c| c.name.clone()).collect()
    }

    fn dec(text: &str) -> Decimal {
        Decimal::from_str(text).unwrap()
    }

    /// A detail with every optional field and array filled in.
    fn full_detail() -> FECAEDetRequest {
        let day = NaiveDate::from_ymd_opt(2025, 7, 1);
        FECAEDetRequest {
            concepto: 3,
            doc_tipo: 80,
            doc_nro: 30000000007,
            cbte_desde: 12,
            cbte_hasta: 12,
            cbte_fch: day,
            imp_total: dec("122.00"),
            imp_tot_conc: Decimal::ZERO,
            imp_neto: dec("100"),
            imp_op_ex: Decimal::ZERO,
            imp_trib: dec("1"),
            imp_iva: dec("21"),
            fch_serv_desde: day,
            fch_serv_hasta: day,
            fch_vto_pago: day,
            mon_id: Some("DOL".into()),
            mon_cotiz: Some(dec("1234.567891")),
            can_mis_mon_ext: Some(false),
            condicion_iva_receptor_id: Some(1),
            cbtes_asoc: vec![CbteAsoc {
                tipo: 1,
                pto_vta: 2,
                nro: 3,
                cuit: Some("20267565393".into()),
                cbte_fch: day,
            }],
            tributos: vec![Tributo {
                id: 99,
                desc: Some("Municipal".into()),
                base_imp: Some(dec("100")),
                alic: Some(dec("1")),
                importe: dec("1"),
            }],
            iva: vec![AlicIva {
                id: 5,
                base_imp: dec("100"),
                importe: dec("21"),
            }],
            opcionales: vec![Opcional {
                id: "2101".into(),
                valor: "0000000000000000000001".into(),
            }],
            compradores: vec![Comprador {
                doc_tipo: 80,
                doc_nro: 30000000007,
                porcentaje: dec("100"),
            }],
            periodo_asoc: Some(Periodo {
                fch_desde: day,
                fch_hasta: day,
            }),
            actividades: vec![Actividad { id: 620100 }],
        }
    }

    fn written(detail: &FECAEADetRequest) -> Element {
        let mut w = XmlWriter::new();
        detail.write(&mut w);
        // The writer's prefix needs a binding to parse; local names are what we compare.
        let text = w
            .into_string()
            .replacen("<ar:FECAEADetRequest>", r#"<ar:FECAEADetRequest xmlns:ar="urn:x">"#, 1);
        xml::parse(&text).unwrap()
    }

    #[test]
    fn details_follow_the_wsdl_schema_order() {
        let wsdl = xml::parse(&std::fs::read_to_string(WSDL).unwrap()).unwrap();
        let detail = FECAEADetRequest {
            detail: full_detail(),
            caea: "71293955911805".into(),
            cbte_fch_hs_gen: NaiveDate::from_ymd_opt(2025, 7, 1).and_then(|d| d.and_hms_opt(10, 30, 0)),
        };
        let element = written(&detail);
        let mut expected = schema_sequence(&wsdl, "FEDetRequest");
        assert_eq!(expected.len(), 26);
        expected.extend(schema_sequence(&wsdl, "FECAEADetRequest"));
        assert_eq!(names(&element), expected);
        for (array, item, type_name) in [
            ("CbtesAsoc", "CbteAsoc", "CbteAsoc"),
            ("Tributos", "Tributo", "Tributo"),
            ("Iva", "AlicIva", "AlicIva"),
            ("Opcionales", "Opcional", "Opcional"),
            ("Compradores", "Comprador", "Comprador"),
            ("Actividades", "Actividad", "Actividad"),
        ] {
            let item = element.path(&[array, item]).unwrap();
            assert_eq!(names(item), schema_sequence(&wsdl, type_name), "{type_name}");
        }
        assert_eq!(
            names(element.child("PeriodoAsoc").unwrap()),
            schema_sequence(&wsdl, "Periodo")
        );
    }

    #[test]
    fn details_read_back_what_was_written() {
        let detail = FECAEADetRequest {
            detail: full_detail(),
            caea: String::new(),
            cbte_fch_hs_gen: None,
        };
        let element = written(&detail);
        assert_eq!(element.child_text("MonCotiz"), Some("1234.567891"));
        assert_eq!(element.child_text("ImpTotal"), Some("122"));
        assert_eq!(element.child_text("CanMisMonExt"), Some("N"));
        assert_eq!(element.child_text("CbteFch"), Some("20250701"));
        assert_eq!(FECAEDetRequest::parse(Fields::of(&element)).unwrap(), full_detail());
    }
}
