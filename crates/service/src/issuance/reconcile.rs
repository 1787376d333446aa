//! The reconcile decision after an uncertain outcome (ARCHITECTURE.md invariant 3, docs/arca.md §H.2): given the
//! last number ARCA authorised and what `FECompConsultar` stored under ours, what the in-flight
//! invoice becomes. Pure; the worker does the asking.

use arca_protocol::reconcile::{Verdict, compare};
use arca_protocol::wsfe::{FECAEDetRequest, FECompConsResponse};
use chrono::NaiveDate;

use super::batch::ArcaMessage;

/// The engine's code for a number ARCA holds with content other than ours.
pub const INCONSISTENT: &str = "INCONSISTENT";

/// What an in-flight invoice becomes once ARCA has been asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// ARCA stored our voucher: record its CAE, never send it again.
    Approved {
        cae: String,
        cae_vencimiento: NaiveDate,
        observations: Vec<ArcaMessage>,
    },
    /// ARCA holds something else under our number (or claims the number used and shows nothing):
    /// `failed` with an `INCONSISTENT` error for an operator. Never overwritten, never re-sent.
    Inconsistent(ArcaMessage),
    /// The number is above the last authorised one: ARCA did not consume it. Send the same
    /// content under the same number.
    NotConsumed,
}

/// Whether the number must be looked up: only numbers ARCA has consumed can hold a voucher.
pub fn needs_consult(number: u64, last: u64) -> bool {
    number <= last
}

/// Decides from `sent` (the detail as sent, numbered) and what ARCA stored under its number.
/// `stored` is only meaningful when [`needs_consult`] said so.
pub fn resolve(number: u64, last: u64, sent: &FECAEDetRequest, stored: Option<&FECompConsResponse>) -> Resolution {
    if !needs_consult(number, last) {
        return Resolution::NotConsumed;
    }
    let Some(stored) = stored else {
        return Resolution::Inconsistent(ArcaMessage::new(
            INCONSISTENT,
            format!(
                "FECompUltimoAutorizado reports {last} as the last number, but FECompConsultar finds no voucher \
                 under {number}; not re-sent, an operator must check the series"
            ),
        ));
    };
    match compare(sent, stored) {
        Verdict::Same { cae, cae_fch_vto } => Resolution::Approved {
            cae,
            cae_vencimiento: cae_fch_vto,
            observations: ArcaMessage::from_obs(&stored.observaciones),
        },
        Verdict::Different(differences) => {
            let listed: Vec<String> = differences
                .iter()
                .map(|d| format!("{} sent {} stored {}", d.field, d.sent, d.stored))
                .collect();
            Resolution::Inconsistent(ArcaMessage::new(
                INCONSISTENT,
                format!(
                    "ARCA holds number {number} with other content ({}); not overwritten, an operator must check it",
                    listed.join("; ")
                ),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::money::Decimal;
    use arca_protocol::wsfe::{AlicIva, Obs, Resultado};

    use super::*;

    fn detail(number: i64, total: &str) -> FECAEDetRequest {
        let amount = |text: &str| text.parse::<Decimal>().unwrap();
        FECAEDetRequest {
            concepto: 1,
            doc_tipo: 99,
            doc_nro: 0,
            cbte_desde: number,
            cbte_hasta: number,
            cbte_fch: NaiveDate::from_ymd_opt(2026, 11, 27),
            imp_total: amount(total),
            imp_tot_conc: Decimal::ZERO,
            imp_neto: amount("1000.00"),
            imp_op_ex: Decimal::ZERO,
            imp_trib: Decimal::ZERO,
            imp_iva: amount("210.00"),
            fch_serv_desde: None,
            fch_serv_hasta: None,
            fch_vto_pago: None,
            mon_id: Some("PES".into()),
            mon_cotiz: Some(Decimal::ONE),
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: Some(5),
            cbtes_asoc: vec![],
            tributos: vec![],
            iva: vec![AlicIva {
                id: 5,
                base_imp: amount("1000.00"),
                importe: amount("210.00"),
            }],
            opcionales: vec![],
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        }
    }

    fn stored(detail: FECAEDetRequest) -> FECompConsResponse {
        FECompConsResponse {
            detail,
            resultado: Some(Resultado::A),
            cod_autorizacion: Some("71263951827464".into()),
            emision_tipo: Some("CAE".into()),
            fch_vto: NaiveDate::from_ymd_opt(2026, 12, 7),
            fch_proceso: None,
            observaciones: vec![Obs {
                code: 10217,
                msg: "remark".into(),
            }],
            pto_vta: 1,
            cbte_tipo: 6,
        }
    }

    #[test]
    fn a_number_above_the_last_was_not_consumed() {
        assert_eq!(resolve(8, 7, &detail(8, "1210.00"), None), Resolution::NotConsumed);
        assert!(!needs_consult(8, 7) && needs_consult(7, 7));
    }

    #[test]
    fn the_same_voucher_gives_its_cae() {
        let sent = detail(7, "1210.00");
        assert_eq!(
            resolve(7, 7, &sent, Some(&stored(detail(7, "1210")))),
            Resolution::Approved {
                cae: "71263951827464".into(),
                cae_vencimiento: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
                observations: vec![ArcaMessage::new(10217, "remark")],
            }
        );
    }

    #[test]
    fn another_voucher_under_our_number_is_inconsistent_and_says_why() {
        let Resolution::Inconsistent(message) = resolve(7, 9, &detail(7, "1210.00"), Some(&stored(detail(7, "99.00"))))
        else {
            panic!("expected an inconsistency");
        };
        assert_eq!(message.code, INCONSISTENT);
        assert!(message.message.contains("ImpTotal"), "{}", message.message);
    }

    #[test]
    fn a_consumed_number_with_nothing_stored_is_inconsistent() {
        assert!(matches!(
            resolve(7, 9, &detail(7, "1210.00"), None),
            Resolution::Inconsistent(_)
        ));
    }
}
