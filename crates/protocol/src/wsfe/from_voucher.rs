//! From the domain [`Voucher`](crate::voucher::Voucher) that pre-validation checks to the wire
//! `FECAESolicitar` request: the one place where typed codes become ARCA's numbers.
//!
//! Every conversion is checked: a number that does not fit ARCA's field exactly is an
//! [`OutOfRange`] naming the field, never saturated or truncated (a changed `DocNro` or
//! associated voucher number on a fiscal document is worse than a refusal).

use crate::voucher::{CaeRequest, Voucher};

use super::{
    Actividad, AlicIva, CbteAsoc, Comprador, FECAEDetRequest, FECAERequest, FECabRequest, Opcional, Periodo, Tributo,
};

/// A value that ARCA's field cannot carry exactly (`field` is the WSFEv1 element's path).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field} = {value} does not fit ARCA's field (at most {max})")]
pub struct OutOfRange {
    pub field: String,
    pub value: u64,
    pub max: u64,
}

/// Largest `DocNro` ARCA takes: 11 digits (a CUIT).
pub const MAX_DOC_NRO: u64 = 99_999_999_999;
/// Largest voucher number (`CbteDesde`, `CbteHasta`, `CbtesAsoc.Nro`): 8 digits.
pub const MAX_CBTE_NRO: u64 = 99_999_999;
/// Largest point of sale (`PtoVta`): 5 digits.
pub const MAX_PTO_VTA: u64 = 99_999;

fn checked<T: TryFrom<u64>>(field: impl Into<String>, value: u64, max: u64) -> Result<T, OutOfRange> {
    let field = field.into();
    if value > max {
        return Err(OutOfRange { field, value, max });
    }
    T::try_from(value).map_err(|_| OutOfRange { field, value, max })
}

impl TryFrom<&CaeRequest> for FECAERequest {
    type Error = OutOfRange;

    fn try_from(request: &CaeRequest) -> Result<FECAERequest, OutOfRange> {
        Ok(FECAERequest {
            fe_cab_req: FECabRequest {
                cant_reg: checked(
                    "FeCabReq.CantReg",
                    u64::from(request.cant_reg()),
                    u64::from(i32::MAX.unsigned_abs()),
                )?,
                pto_vta: checked("FeCabReq.PtoVta", u64::from(request.punto_venta()), MAX_PTO_VTA)?,
                cbte_tipo: request.cbte_tipo().code(),
            },
            fe_det_req: request
                .vouchers()
                .iter()
                .map(FECAEDetRequest::try_from)
                .collect::<Result<_, _>>()?,
        })
    }
}

impl TryFrom<&Voucher> for FECAEDetRequest {
    type Error = OutOfRange;

    fn try_from(v: &Voucher) -> Result<FECAEDetRequest, OutOfRange> {
        Ok(FECAEDetRequest {
            concepto: v.concepto.code(),
            doc_tipo: v.doc_tipo,
            doc_nro: checked("DocNro", v.doc_nro, MAX_DOC_NRO)?,
            cbte_desde: checked("CbteDesde", v.cbte_desde, MAX_CBTE_NRO)?,
            cbte_hasta: checked("CbteHasta", v.cbte_hasta, MAX_CBTE_NRO)?,
            cbte_fch: v.cbte_fch,
            imp_total: v.imp_total.amount(),
            imp_tot_conc: v.imp_tot_conc.amount(),
            imp_neto: v.imp_neto.amount(),
            imp_op_ex: v.imp_op_ex.amount(),
            imp_trib: v.imp_trib.amount(),
            imp_iva: v.imp_iva.amount(),
            fch_serv_desde: v.fch_serv_desde,
            fch_serv_hasta: v.fch_serv_hasta,
            fch_vto_pago: v.fch_vto_pago,
            mon_id: Some(v.mon_id.clone()),
            mon_cotiz: v.mon_cotiz,
            can_mis_mon_ext: v.can_mis_mon_ext,
            condicion_iva_receptor_id: v.condicion_iva_receptor_id,
            cbtes_asoc: v
                .cbtes_asoc
                .iter()
                .enumerate()
                .map(|(index, a)| {
                    Ok(CbteAsoc {
                        tipo: a.tipo,
                        pto_vta: checked(format!("CbtesAsoc[{index}].PtoVta"), u64::from(a.pto_vta), MAX_PTO_VTA)?,
                        nro: checked(format!("CbtesAsoc[{index}].Nro"), a.nro, MAX_CBTE_NRO)?,
                        cuit: a.cuit.map(|c| format!("{c:011}")),
                        cbte_fch: a.cbte_fch,
                    })
                })
                .collect::<Result<_, OutOfRange>>()?,
            tributos: v
                .tributos
                .iter()
                .map(|t| Tributo {
                    id: t.id.code(),
                    desc: t.desc.clone(),
                    base_imp: Some(t.base_imp.amount()),
                    alic: Some(t.alic),
                    importe: t.importe.amount(),
                })
                .collect(),
            iva: v
                .iva
                .iter()
                .map(|a| AlicIva {
                    id: a.id.code(),
                    base_imp: a.base_imp.amount(),
                    importe: a.importe.amount(),
                })
                .collect(),
            opcionales: v
                .opcionales
                .iter()
                .map(|o| Opcional {
                    id: o.id.clone(),
                    valor: o.valor.clone(),
                })
                .collect(),
            compradores: v
                .compradores
                .iter()
                .enumerate()
                .map(|(index, c)| {
                    Ok(Comprador {
                        doc_tipo: c.doc_tipo,
                        doc_nro: checked(format!("Compradores[{index}].DocNro"), c.doc_nro, MAX_DOC_NRO)?,
                        porcentaje: c.porcentaje,
                    })
                })
                .collect::<Result<_, OutOfRange>>()?,
            periodo_asoc: v.periodo_asoc.as_ref().map(|p| Periodo {
                fch_desde: Some(p.fch_desde),
                fch_hasta: Some(p.fch_hasta),
            }),
            actividades: v.actividades.iter().map(|a| Actividad { id: a.id }).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::testing::factura_b;
    use crate::voucher::CbteAsoc as DomainAsoc;

    fn refused(voucher: &Voucher) -> String {
        FECAEDetRequest::try_from(voucher).expect_err("out of range").field
    }

    #[test]
    fn values_arca_cannot_carry_are_refused_never_clamped() {
        let sent = FECAEDetRequest::try_from(&Voucher {
            doc_tipo: 80,
            doc_nro: MAX_DOC_NRO,
            ..factura_b()
        })
        .expect("11 digits fit");
        assert_eq!(sent.doc_nro, 99_999_999_999);

        assert_eq!(
            refused(&Voucher {
                doc_nro: u64::MAX,
                ..factura_b()
            }),
            "DocNro"
        );
        assert_eq!(
            refused(&Voucher {
                doc_nro: MAX_DOC_NRO + 1,
                ..factura_b()
            }),
            "DocNro"
        );
        assert_eq!(
            refused(&Voucher {
                cbte_desde: MAX_CBTE_NRO + 1,
                ..factura_b()
            }),
            "CbteDesde"
        );
        let asoc = |pto_vta, nro| DomainAsoc {
            tipo: 6,
            pto_vta,
            nro,
            cuit: None,
            cbte_fch: None,
        };
        assert_eq!(
            refused(&Voucher {
                cbtes_asoc: vec![asoc(1, 1), asoc(u32::MAX, 1)],
                ..factura_b()
            }),
            "CbtesAsoc[1].PtoVta"
        );
        assert_eq!(
            refused(&Voucher {
                cbtes_asoc: vec![asoc(1, u64::MAX)],
                ..factura_b()
            }),
            "CbtesAsoc[0].Nro"
        );
        let request = CaeRequest::new(vec![Voucher {
            punto_venta: u32::MAX,
            ..factura_b()
        }])
        .expect("one voucher");
        assert_eq!(
            FECAERequest::try_from(&request).expect_err("out of range").field,
            "FeCabReq.PtoVta"
        );
    }
}
