//! From the domain [`Voucher`](crate::voucher::Voucher) that pre-validation checks to the wire
//! `FECAESolicitar` request: the one place where typed codes become ARCA's numbers.

use crate::voucher::{CaeRequest, Voucher};

use super::{
    Actividad, AlicIva, CbteAsoc, Comprador, FECAEDetRequest, FECAERequest, FECabRequest, Opcional, Periodo, Tributo,
};

impl From<&CaeRequest> for FECAERequest {
    fn from(request: &CaeRequest) -> FECAERequest {
        FECAERequest {
            fe_cab_req: FECabRequest {
                cant_reg: i32::try_from(request.cant_reg()).unwrap_or(i32::MAX),
                pto_vta: i32::try_from(request.punto_venta()).unwrap_or(i32::MAX),
                cbte_tipo: request.cbte_tipo().code(),
            },
            fe_det_req: request.vouchers().iter().map(FECAEDetRequest::from).collect(),
        }
    }
}

impl From<&Voucher> for FECAEDetRequest {
    fn from(v: &Voucher) -> FECAEDetRequest {
        // Numbers beyond i64 cannot pass pre-validation (8 and 11 digits); saturate rather than wrap.
        let long = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
        FECAEDetRequest {
            concepto: v.concepto.code(),
            doc_tipo: v.doc_tipo,
            doc_nro: long(v.doc_nro),
            cbte_desde: long(v.cbte_desde),
            cbte_hasta: long(v.cbte_hasta),
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
                .map(|a| CbteAsoc {
                    tipo: a.tipo,
                    pto_vta: i32::try_from(a.pto_vta).unwrap_or(i32::MAX),
                    nro: long(a.nro),
                    cuit: a.cuit.map(|c| format!("{c:011}")),
                    cbte_fch: a.cbte_fch,
                })
                .collect(),
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
                .map(|c| Comprador {
                    doc_tipo: c.doc_tipo,
                    doc_nro: long(c.doc_nro),
                    porcentaje: c.porcentaje,
                })
                .collect(),
            periodo_asoc: v.periodo_asoc.as_ref().map(|p| Periodo {
                fch_desde: Some(p.fch_desde),
                fch_hasta: Some(p.fch_hasta),
            }),
            actividades: v.actividades.iter().map(|a| Actividad { id: a.id }).collect(),
        }
    }
}
