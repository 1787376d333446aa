//! The `invoices.voucher` column: a composed `FECAEDetRequest` as JSON text.
//!
//! The wire type is stored, not the domain [`Voucher`](arca_protocol::voucher::Voucher), because
//! it is what is sent, re-sent with the same content after an uncertain outcome, and compared
//! field by field with what `FECompConsultar` answers (ARCHITECTURE.md invariant 3). Decimals are strings holding
//! their exact text (`"1210.00"` stays `"1210.00"`), dates `yyyy-mm-dd`; the JSON shape is this
//! module's own, so changing the protocol crate's types cannot silently change stored data.

use arca_protocol::money::Decimal;
use arca_protocol::wsfe::{Actividad, AlicIva, CbteAsoc, Comprador, FECAEDetRequest, Opcional, Periodo, Tributo};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// Serializes a detail (its `CbteDesde`/`CbteHasta` as given; the engine stores them as 0).
pub fn to_json(detail: &FECAEDetRequest) -> String {
    // Serializing plain strings, numbers and options cannot fail.
    serde_json::to_string(&StoredDetail::from(detail)).unwrap_or_default()
}

/// Reads a detail back; an error names what is wrong with the stored text.
pub fn from_json(text: &str) -> Result<FECAEDetRequest, String> {
    let stored: StoredDetail = serde_json::from_str(text).map_err(|error| error.to_string())?;
    stored.into_detail()
}

#[derive(Serialize, Deserialize)]
struct StoredDetail {
    concepto: i32,
    doc_tipo: i32,
    doc_nro: i64,
    cbte_desde: i64,
    cbte_hasta: i64,
    cbte_fch: Option<NaiveDate>,
    imp_total: String,
    imp_tot_conc: String,
    imp_neto: String,
    imp_op_ex: String,
    imp_trib: String,
    imp_iva: String,
    fch_serv_desde: Option<NaiveDate>,
    fch_serv_hasta: Option<NaiveDate>,
    fch_vto_pago: Option<NaiveDate>,
    mon_id: Option<String>,
    mon_cotiz: Option<String>,
    can_mis_mon_ext: Option<bool>,
    condicion_iva_receptor_id: Option<i32>,
    cbtes_asoc: Vec<StoredCbteAsoc>,
    tributos: Vec<StoredTributo>,
    iva: Vec<StoredAlicIva>,
    opcionales: Vec<StoredOpcional>,
    compradores: Vec<StoredComprador>,
    periodo_asoc: Option<StoredPeriodo>,
    actividades: Vec<i64>,
}

#[derive(Serialize, Deserialize)]
struct StoredCbteAsoc {
    tipo: i32,
    pto_vta: i32,
    nro: i64,
    cuit: Option<String>,
    cbte_fch: Option<NaiveDate>,
}

#[derive(Serialize, Deserialize)]
struct StoredTributo {
    id: i16,
    desc: Option<String>,
    base_imp: Option<String>,
    alic: Option<String>,
    importe: String,
}

#[derive(Serialize, Deserialize)]
struct StoredAlicIva {
    id: i32,
    base_imp: String,
    importe: String,
}

#[derive(Serialize, Deserialize)]
struct StoredOpcional {
    id: String,
    valor: String,
}

#[derive(Serialize, Deserialize)]
struct StoredComprador {
    doc_tipo: i32,
    doc_nro: i64,
    porcentaje: String,
}

#[derive(Serialize, Deserialize)]
struct StoredPeriodo {
    fch_desde: Option<NaiveDate>,
    fch_hasta: Option<NaiveDate>,
}

impl From<&FECAEDetRequest> for StoredDetail {
    fn from(d: &FECAEDetRequest) -> StoredDetail {
        StoredDetail {
            concepto: d.concepto,
            doc_tipo: d.doc_tipo,
            doc_nro: d.doc_nro,
            cbte_desde: d.cbte_desde,
            cbte_hasta: d.cbte_hasta,
            cbte_fch: d.cbte_fch,
            imp_total: d.imp_total.to_string(),
            imp_tot_conc: d.imp_tot_conc.to_string(),
            imp_neto: d.imp_neto.to_string(),
            imp_op_ex: d.imp_op_ex.to_string(),
            imp_trib: d.imp_trib.to_string(),
            imp_iva: d.imp_iva.to_string(),
            fch_serv_desde: d.fch_serv_desde,
            fch_serv_hasta: d.fch_serv_hasta,
            fch_vto_pago: d.fch_vto_pago,
            mon_id: d.mon_id.clone(),
            mon_cotiz: d.mon_cotiz.map(|rate| rate.to_string()),
            can_mis_mon_ext: d.can_mis_mon_ext,
            condicion_iva_receptor_id: d.condicion_iva_receptor_id,
            cbtes_asoc: d
                .cbtes_asoc
                .iter()
                .map(|a| StoredCbteAsoc {
                    tipo: a.tipo,
                    pto_vta: a.pto_vta,
                    nro: a.nro,
                    cuit: a.cuit.clone(),
                    cbte_fch: a.cbte_fch,
                })
                .collect(),
            tributos: d
                .tributos
                .iter()
                .map(|t| StoredTributo {
                    id: t.id,
                    desc: t.desc.clone(),
                    base_imp: t.base_imp.map(|v| v.to_string()),
                    alic: t.alic.map(|v| v.to_string()),
                    importe: t.importe.to_string(),
                })
                .collect(),
            iva: d
                .iva
                .iter()
                .map(|a| StoredAlicIva {
                    id: a.id,
                    base_imp: a.base_imp.to_string(),
                    importe: a.importe.to_string(),
                })
                .collect(),
            opcionales: d
                .opcionales
                .iter()
                .map(|o| StoredOpcional {
                    id: o.id.clone(),
                    valor: o.valor.clone(),
                })
                .collect(),
            compradores: d
                .compradores
                .iter()
                .map(|c| StoredComprador {
                    doc_tipo: c.doc_tipo,
                    doc_nro: c.doc_nro,
                    porcentaje: c.porcentaje.to_string(),
                })
                .collect(),
            periodo_asoc: d.periodo_asoc.as_ref().map(|p| StoredPeriodo {
                fch_desde: p.fch_desde,
                fch_hasta: p.fch_hasta,
            }),
            actividades: d.actividades.iter().map(|a| a.id).collect(),
        }
    }
}

fn decimal(field: &str, text: &str) -> Result<Decimal, String> {
    text.parse()
        .map_err(|_| format!("voucher.{field} is not a decimal: {text:?}"))
}

fn optional_decimal(field: &str, text: Option<&String>) -> Result<Option<Decimal>, String> {
    text.map(|text| decimal(field, text)).transpose()
}

impl StoredDetail {
    fn into_detail(self) -> Result<FECAEDetRequest, String> {
        Ok(FECAEDetRequest {
            concepto: self.concepto,
            doc_tipo: self.doc_tipo,
            doc_nro: self.doc_nro,
            cbte_desde: self.cbte_desde,
            cbte_hasta: self.cbte_hasta,
            cbte_fch: self.cbte_fch,
            imp_total: decimal("imp_total", &self.imp_total)?,
            imp_tot_conc: decimal("imp_tot_conc", &self.imp_tot_conc)?,
            imp_neto: decimal("imp_neto", &self.imp_neto)?,
            imp_op_ex: decimal("imp_op_ex", &self.imp_op_ex)?,
            imp_trib: decimal("imp_trib", &self.imp_trib)?,
            imp_iva: decimal("imp_iva", &self.imp_iva)?,
            fch_serv_desde: self.fch_serv_desde,
            fch_serv_hasta: self.fch_serv_hasta,
            fch_vto_pago: self.fch_vto_pago,
            mon_id: self.mon_id,
            mon_cotiz: optional_decimal("mon_cotiz", self.mon_cotiz.as_ref())?,
            can_mis_mon_ext: self.can_mis_mon_ext,
            condicion_iva_receptor_id: self.condicion_iva_receptor_id,
            cbtes_asoc: self
                .cbtes_asoc
                .into_iter()
                .map(|a| CbteAsoc {
                    tipo: a.tipo,
                    pto_vta: a.pto_vta,
                    nro: a.nro,
                    cuit: a.cuit,
                    cbte_fch: a.cbte_fch,
                })
                .collect(),
            tributos: self
                .tributos
                .into_iter()
                .map(|t| {
                    Ok(Tributo {
                        id: t.id,
                        desc: t.desc,
                        base_imp: optional_decimal("tributos.base_imp", t.base_imp.as_ref())?,
                        alic: optional_decimal("tributos.alic", t.alic.as_ref())?,
                        importe: decimal("tributos.importe", &t.importe)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            iva: self
                .iva
                .into_iter()
                .map(|a| {
                    Ok(AlicIva {
                        id: a.id,
                        base_imp: decimal("iva.base_imp", &a.base_imp)?,
                        importe: decimal("iva.importe", &a.importe)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            opcionales: self
                .opcionales
                .into_iter()
                .map(|o| Opcional {
                    id: o.id,
                    valor: o.valor,
                })
                .collect(),
            compradores: self
                .compradores
                .into_iter()
                .map(|c| {
                    Ok(Comprador {
                        doc_tipo: c.doc_tipo,
                        doc_nro: c.doc_nro,
                        porcentaje: decimal("compradores.porcentaje", &c.porcentaje)?,
                    })
                })
                .collect::<Result<_, String>>()?,
            periodo_asoc: self.periodo_asoc.map(|p| Periodo {
                fch_desde: p.fch_desde,
                fch_hasta: p.fch_hasta,
            }),
            actividades: self.actividades.into_iter().map(|id| Actividad { id }).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(text: &str) -> Decimal {
        text.parse().unwrap()
    }

    #[test]
    fn every_field_round_trips_exactly_including_decimal_scale() {
        let date = NaiveDate::from_ymd_opt(2026, 11, 27);
        let detail = FECAEDetRequest {
            concepto: 3,
            doc_tipo: 80,
            doc_nro: 30000000007,
            cbte_desde: 0,
            cbte_hasta: 0,
            cbte_fch: date,
            imp_total: dec("122.00"),
            imp_tot_conc: dec("0.00"),
            imp_neto: dec("100.00"),
            imp_op_ex: dec("0"),
            imp_trib: dec("1.00"),
            imp_iva: dec("21.00"),
            fch_serv_desde: date,
            fch_serv_hasta: date,
            fch_vto_pago: date,
            mon_id: Some("DOL".into()),
            mon_cotiz: Some(dec("1045.123456")),
            can_mis_mon_ext: Some(false),
            condicion_iva_receptor_id: Some(1),
            cbtes_asoc: vec![CbteAsoc {
                tipo: 1,
                pto_vta: 2,
                nro: 3,
                cuit: Some("20267565393".into()),
                cbte_fch: date,
            }],
            tributos: vec![Tributo {
                id: 99,
                desc: Some("Impuesto Municipal".into()),
                base_imp: Some(dec("100.00")),
                alic: Some(dec("1.00")),
                importe: dec("1.00"),
            }],
            iva: vec![AlicIva {
                id: 5,
                base_imp: dec("100.00"),
                importe: dec("21.00"),
            }],
            opcionales: vec![Opcional {
                id: "2101".into(),
                valor: "0000003100012345678901".into(),
            }],
            compradores: vec![Comprador {
                doc_tipo: 80,
                doc_nro: 30000000007,
                porcentaje: dec("100.00"),
            }],
            periodo_asoc: Some(Periodo {
                fch_desde: date,
                fch_hasta: None,
            }),
            actividades: vec![Actividad { id: 620100 }],
        };
        let text = to_json(&detail);
        assert!(text.contains(r#""imp_total":"122.00""#), "{text}");
        let back = from_json(&text).unwrap();
        assert_eq!(back, detail);
        // Equal decimals may differ in scale; the stored text keeps the scale too.
        assert_eq!(back.imp_total.to_string(), "122.00");
        assert_eq!(to_json(&back), text);
    }

    #[test]
    fn a_corrupt_amount_is_an_error_not_a_panic() {
        let text = to_json(&FECAEDetRequest {
            concepto: 1,
            doc_tipo: 99,
            doc_nro: 0,
            cbte_desde: 0,
            cbte_hasta: 0,
            cbte_fch: None,
            imp_total: dec("1"),
            imp_tot_conc: dec("0"),
            imp_neto: dec("1"),
            imp_op_ex: dec("0"),
            imp_trib: dec("0"),
            imp_iva: dec("0"),
            fch_serv_desde: None,
            fch_serv_hasta: None,
            fch_vto_pago: None,
            mon_id: None,
            mon_cotiz: None,
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: None,
            cbtes_asoc: vec![],
            tributos: vec![],
            iva: vec![],
            opcionales: vec![],
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        })
        .replace(r#""imp_total":"1""#, r#""imp_total":"one""#);
        assert!(from_json(&text).unwrap_err().contains("imp_total"));
    }
}
