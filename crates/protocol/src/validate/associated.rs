//! Associated vouchers and periods: 10040 (which types may carry `CbtesAsoc`, and which types they
//! may reference), 10197 (debit/credit notes carry `CbtesAsoc` or `PeriodoAsoc`), 10198 (invoices
//! carry no `PeriodoAsoc`), 10207 (`PeriodoAsoc` runs forwards), 10208 (`PeriodoAsoc` ends by
//! `CbteFch`).
//!
//! Whether the referenced voucher exists (10041) or matches amounts (10237) needs ARCA's records.

use super::{Detail, ValidationIssue};
use crate::codes::CbteTipo;

/// The associated voucher types each voucher type may reference (§D.9); `None` = may not carry
/// `CbtesAsoc` at all.
fn allowed_associations(tipo: CbteTipo) -> Option<&'static [i32]> {
    Some(match tipo.code() {
        2 | 3 => &[1, 2, 3, 4, 5, 34, 39, 60, 63, 88, 991],
        7 | 8 => &[6, 7, 8, 9, 10, 35, 40, 61, 64, 88, 991],
        12 | 13 => &[11, 12, 13, 15],
        52 | 53 => &[51, 52, 53, 54, 88, 991],
        1 | 6 | 51 => &[88, 991],
        201 | 206 | 211 => &[91, 990, 991, 993, 994, 995],
        202 | 203 => &[201, 202, 203],
        207 | 208 => &[206, 207, 208],
        212 | 213 => &[211, 212, 213],
        _ => return None,
    })
}

pub(super) fn check(detail: &Detail<'_>, issues: &mut Vec<ValidationIssue>) {
    let voucher = detail.voucher;
    let tipo = voucher.cbte_tipo;

    // 10040: associations only where the manual lists them.
    if !voucher.cbtes_asoc.is_empty() {
        match allowed_associations(tipo) {
            None => issues.push(detail.obs(
                "CbtesAsoc",
                10040,
                format!(
                    "Para comprobantes tipo {} no puede informarse el array CbtesAsoc.",
                    tipo.code()
                ),
            )),
            Some(allowed) => {
                for (index, asociado) in voucher.cbtes_asoc.iter().enumerate() {
                    if !allowed.contains(&asociado.tipo) {
                        issues.push(detail.obs(
                            &format!("CbtesAsoc[{index}].Tipo"),
                            10040,
                            format!(
                                "Comprobante tipo {} no puede asociarse a comprobantes tipo {}.",
                                tipo.code(),
                                asociado.tipo
                            ),
                        ));
                    }
                }
            }
        }
    }

    // 10197: a note says what it adjusts.
    if tipo.is_note() && voucher.cbtes_asoc.is_empty() && voucher.periodo_asoc.is_none() {
        issues.push(detail.obs(
            "CbtesAsoc",
            10197,
            "Para Notas de Debito y Credito es obligatorio informar CbtesAsoc o PeriodoAsoc.",
        ));
    }

    let Some(periodo) = &voucher.periodo_asoc else {
        return;
    };
    // 10198: invoices do not adjust periods.
    if tipo.is_invoice() {
        issues.push(detail.obs("PeriodoAsoc", 10198, "Para Facturas no puede informarse PeriodoAsoc."));
    }
    // 10207 / 10208.
    if periodo.fch_hasta < periodo.fch_desde {
        issues.push(detail.obs(
            "PeriodoAsoc.FchHasta",
            10207,
            "Campo FchHasta de PeriodoAsoc debe ser mayor o igual a FchDesde.",
        ));
    }
    if periodo.fch_hasta > detail.cbte_fch() {
        issues.push(detail.obs(
            "PeriodoAsoc.FchHasta",
            10208,
            "Campo FchHasta de PeriodoAsoc debe ser menor o igual a CbteFch.",
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{check, date, factura_a, factura_b};
    use crate::codes::CbteTipo;
    use crate::voucher::{CbteAsoc, PeriodoAsoc, Voucher};

    fn asociado(tipo: i32) -> CbteAsoc {
        CbteAsoc {
            tipo,
            pto_vta: 4000,
            nro: 1835,
            cuit: Some(20_267_565_393),
            cbte_fch: Some(date(2021, 6, 30)),
        }
    }

    fn nota_credito_a(v: &mut Voucher) {
        v.cbte_tipo = CbteTipo::NotaCreditoA;
        v.cbtes_asoc = vec![asociado(1)];
    }

    fn june() -> PeriodoAsoc {
        PeriodoAsoc {
            fch_desde: date(2021, 6, 1),
            fch_hasta: date(2021, 6, 30),
        }
    }

    #[test]
    fn associations_follow_the_manual_10040() {
        check(factura_a(), |v, _| nota_credito_a(v), &[]);
        // A credit note A cannot reference a Factura B…
        check(
            factura_a(),
            |v, _| {
                nota_credito_a(v);
                v.cbtes_asoc = vec![asociado(6)];
            },
            &[10040],
        );
        // …and a Factura C carries no associations at all.
        check(
            factura_b(),
            |v, ctx| {
                v.cbte_tipo = CbteTipo::FacturaC;
                v.imp_iva = crate::money::Money::ZERO;
                v.imp_total = v.imp_neto;
                v.iva = vec![];
                v.cbtes_asoc = vec![asociado(11)];
                ctx.issuer_iva_condition = None;
            },
            &[10040],
        );
        // A Factura A may reference a remito (991).
        check(factura_a(), |v, _| v.cbtes_asoc = vec![asociado(991)], &[]);
    }

    #[test]
    fn notes_say_what_they_adjust_10197() {
        check(
            factura_a(),
            |v, _| {
                nota_credito_a(v);
                v.cbtes_asoc = vec![];
            },
            &[10197],
        );
        check(
            factura_a(),
            |v, _| {
                nota_credito_a(v);
                v.cbtes_asoc = vec![];
                v.periodo_asoc = Some(june());
            },
            &[],
        );
    }

    #[test]
    fn invoices_carry_no_period_10198() {
        check(factura_a(), |v, _| v.periodo_asoc = Some(june()), &[10198]);
    }

    #[test]
    fn period_runs_forwards_and_ends_by_the_voucher_date_10207_10208() {
        check(
            factura_a(),
            |v, _| {
                nota_credito_a(v);
                v.periodo_asoc = Some(PeriodoAsoc {
                    fch_desde: date(2021, 6, 30),
                    fch_hasta: date(2021, 6, 1),
                });
            },
            &[10207],
        );
        check(
            factura_a(),
            |v, _| {
                nota_credito_a(v);
                v.periodo_asoc = Some(PeriodoAsoc {
                    fch_desde: date(2021, 6, 1),
                    fch_hasta: date(2021, 7, 2),
                });
            },
            &[10208],
        );
    }
}
