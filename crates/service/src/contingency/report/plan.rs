//! The reporter's decisions, pure (docs/arca.md §G.5): which vouchers go in the next
//! `FECAEARegInformativo`, what ARCA's answer makes of each, and what a voucher that may have
//! reached ARCA (`en_curso`) is once ARCA has been asked.
//!
//! It never calls ARCA, never reads a clock and never writes (`contingency::report` does).

use std::collections::HashMap;

use arca_protocol::wsfe::{FECAEADetRequest, FECAEAResponse, FECompConsResponse, Resultado};

use crate::issuance::batch::ArcaMessage;
use crate::issuance::reconcile::{self, INCONSISTENT, Resolution};

/// ARCA's numbering refusals of `FECAEARegInformativo` (703) and `FECAESolicitar` (10016): the
/// number is not the next one of the series. Not a verdict on the voucher: it waits and is sent
/// again once the numbers before it are informed.
pub const NUMBERING_ERRORS: [i32; 2] = [703, 10016];

/// Whether `code` is one ARCA gives for a request as a whole (the header, the access ticket, the
/// CUIT's relation, the point of sale's type, the number of records), not a verdict on a voucher:
/// nothing was consumed, the vouchers wait (docs/arca.md §D.10).
pub fn is_request_error(code: i32) -> bool {
    matches!(code, 600..=602 | 700 | 701 | 1300 | 10000..=10007)
}

/// ARCA's codes when it refused the request as a whole (a request-level code and no voucher
/// accepted): every voucher goes back to `pendiente`; `None` otherwise.
pub fn request_refusal(response: &FECAEAResponse) -> Option<Vec<ArcaMessage>> {
    let accepted = response.fe_det_resp.iter().any(|d| d.detail.resultado == Resultado::A);
    let refused = response.errors.iter().any(|e| is_request_error(e.code))
        || (response.fe_det_resp.is_empty() && !response.errors.is_empty());
    (refused && !accepted).then(|| {
        response
            .errors
            .iter()
            .map(|e| ArcaMessage::new(e.code, e.msg.clone()))
            .collect()
    })
}

/// Whether ARCA refused the request only for its numbering (every error 703/10016): the caller
/// asks `FECompUltimoAutorizado` again, and if our first number was the right one the first
/// voucher is rejected instead of being sent again for ever ([`numbering_rejection`]).
pub fn numbering_refusal(response: &FECAEAResponse) -> bool {
    !response.errors.is_empty() && response.errors.iter().all(|e| NUMBERING_ERRORS.contains(&e.code))
}

/// After a [`numbering_refusal`] whose every voucher was `Pending`: when ARCA's last number is
/// (still) the one before our first, the refusal is not about numbering order, so the first
/// voucher is rejected with ARCA's codes and the rest wait behind it.
pub fn numbering_rejection(verdicts: &mut [(u64, Verdict)], last_again: u64, response: &FECAEAResponse) {
    let Some((first, verdict)) = verdicts.first_mut() else {
        return;
    };
    if *verdict != Verdict::Pending || last_again.saturating_add(1) != *first {
        return;
    }
    *verdict = Verdict::Rejected {
        errors: response
            .errors
            .iter()
            .map(|e| ArcaMessage::new(e.code, e.msg.clone()))
            .collect(),
        observations: Vec::new(),
    };
}

/// The next request: the `pendiente` numbers (sorted) that follow ARCA's `last` without a gap,
/// at most `capacity`. Empty when the next number is not waiting (the series is blocked at a
/// rejected voucher, or nothing waits).
pub fn next_batch(last: u64, pending: &[u64], capacity: usize) -> Vec<u64> {
    let mut batch = Vec::new();
    let mut next = last.saturating_add(1);
    for &number in pending {
        if number < next {
            continue;
        }
        if number != next || batch.len() >= capacity.max(1) {
            break;
        }
        batch.push(number);
        next = next.saturating_add(1);
    }
    batch
}

/// What one reported voucher became.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// `A`: informed, with ARCA's observations.
    Informed { observations: Vec<ArcaMessage> },
    /// `R` for a reason of its own: its codes (the request's `Errors` go to the first rejected
    /// voucher, with its observations), and its observations.
    Rejected {
        errors: Vec<ArcaMessage>,
        observations: Vec<ArcaMessage>,
    },
    /// Refused only because of its number (after a rejected voucher, or 703/10016): back to
    /// `pendiente`, sent again when its turn comes.
    Pending,
    /// The answer does not mention it: it stays `en_curso` and is reconciled next pass.
    Unknown,
}

/// Reads ARCA's answer for the numbers sent (in order).
///
/// An answer whose details do not match what was sent (a number not sent, a detail covering
/// more than one number, a number twice) is not interpreted: every voucher is `Unknown` and is
/// reconciled next pass. A request refused as a whole ([`request_refusal`]) makes every voucher
/// `Pending`.
pub fn read_answer(sent: &[u64], response: &FECAEAResponse) -> Vec<(u64, Verdict)> {
    let details: HashMap<i64, _> = response
        .fe_det_resp
        .iter()
        .map(|detail| (detail.detail.cbte_desde, &detail.detail))
        .collect();
    let matches_sent = details.len() == response.fe_det_resp.len()
        && response.fe_det_resp.iter().all(|d| {
            d.detail.cbte_desde == d.detail.cbte_hasta
                && u64::try_from(d.detail.cbte_desde).is_ok_and(|n| sent.contains(&n))
        });
    if !matches_sent {
        return sent.iter().map(|&number| (number, Verdict::Unknown)).collect();
    }
    if request_refusal(response).is_some() {
        return sent.iter().map(|&number| (number, Verdict::Pending)).collect();
    }
    let request_errors: Vec<ArcaMessage> = response
        .errors
        .iter()
        .map(|e| ArcaMessage::new(e.code, e.msg.clone()))
        .collect();
    let numbering_only = numbering_refusal(response);
    let mut rejected_before = false;
    sent.iter()
        .map(|&number| {
            let detail = i64::try_from(number).ok().and_then(|n| details.get(&n));
            let verdict = match detail {
                None => Verdict::Unknown,
                Some(detail) => {
                    let observations = ArcaMessage::from_obs(&detail.observaciones);
                    match detail.resultado {
                        Resultado::A => Verdict::Informed { observations },
                        _ if observations.is_empty() && (rejected_before || numbering_only) => Verdict::Pending,
                        _ => {
                            let mut errors = if rejected_before {
                                Vec::new()
                            } else {
                                request_errors.clone()
                            };
                            errors.extend(observations.iter().cloned());
                            if errors.is_empty() {
                                errors.push(ArcaMessage::new(
                                    "REJECTED",
                                    "ARCA rejected the voucher without a code or observation",
                                ));
                            }
                            rejected_before = true;
                            Verdict::Rejected { errors, observations }
                        }
                    }
                }
            };
            (number, verdict)
        })
        .collect()
}

/// What an `en_curso` voucher is, once ARCA has been asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reconciled {
    /// ARCA holds it under our number with our CAEA and content: `informado`.
    Informed { observations: Vec<ArcaMessage> },
    /// ARCA holds something else under our number: `rechazado` with an `INCONSISTENT` error
    /// for an operator; never sent again.
    Inconsistent(ArcaMessage),
    /// ARCA did not consume the number: `pendiente`, sent again unchanged.
    NotConsumed,
}

/// Decides from `sent` (the detail as reported, numbered), the CAEA it was issued under, ARCA's
/// last number and what `FECompConsultar` answered for ours (only asked when `number <= last`).
///
/// ARCA is not documented to return `FchVto` for a voucher issued under a CAEA (docs/arca.md
/// §G.5 only states `CodAutorizacion` = the CAEA and `EmisionTipo` CAEA), and the reporter does
/// not use it: a missing `FchVto` is not a difference here.
pub fn reconcile(number: u64, last: u64, sent: &FECAEADetRequest, stored: Option<&FECompConsResponse>) -> Reconciled {
    let stored = stored.map(|held| {
        let mut held = held.clone();
        held.fch_vto = held.fch_vto.or(Some(chrono::NaiveDate::MIN));
        held
    });
    let stored = stored.as_ref();
    match reconcile::resolve(number, last, &sent.detail, stored) {
        Resolution::NotConsumed => Reconciled::NotConsumed,
        Resolution::Inconsistent(message) => Reconciled::Inconsistent(message),
        Resolution::Approved { cae, observations, .. } => {
            let emision_tipo = stored.and_then(|s| s.emision_tipo.as_deref()).unwrap_or("CAEA");
            if cae == sent.caea && emision_tipo.eq_ignore_ascii_case("CAEA") {
                Reconciled::Informed { observations }
            } else {
                Reconciled::Inconsistent(ArcaMessage::new(
                    INCONSISTENT,
                    format!(
                        "ARCA holds number {number} authorised by {emision_tipo} {cae}, not by CAEA {}; \
                         not re-sent, an operator must check the series",
                        sent.caea
                    ),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::money::Decimal;
    use arca_protocol::wsfe::{
        AlicIva, ArcaErr, FECAEADetResponse, FECAEDetRequest, FECabResponse, FEDetResponse, Obs,
    };
    use chrono::NaiveDate;

    use super::*;

    #[test]
    fn a_batch_is_the_run_that_follows_the_last_number_capped() {
        assert_eq!(next_batch(4, &[5, 6, 7, 9], 10), vec![5, 6, 7]);
        assert_eq!(next_batch(4, &[5, 6, 7], 2), vec![5, 6]);
        assert_eq!(next_batch(0, &[1], 0), vec![1]);
    }

    #[test]
    fn nothing_goes_when_the_next_number_is_not_waiting() {
        // 5 was rejected: 6 and 7 wait behind it.
        assert!(next_batch(4, &[6, 7], 10).is_empty());
        assert!(next_batch(4, &[], 10).is_empty());
        // Numbers ARCA already consumed are not sent (they are reconciled instead).
        assert_eq!(next_batch(4, &[3, 4, 5], 10), vec![5]);
    }

    fn detail(number: i64, resultado: Resultado, observations: Vec<Obs>) -> FECAEADetResponse {
        FECAEADetResponse {
            detail: FEDetResponse {
                concepto: 1,
                doc_tipo: 99,
                doc_nro: 0,
                cbte_desde: number,
                cbte_hasta: number,
                cbte_fch: None,
                resultado,
                observaciones: observations,
            },
            caea: None,
        }
    }

    fn response(details: Vec<FECAEADetResponse>, errors: Vec<ArcaErr>) -> FECAEAResponse {
        FECAEAResponse {
            fe_cab_resp: Some(FECabResponse {
                cuit: 20267565393,
                pto_vta: 3,
                cbte_tipo: 6,
                fch_proceso: None,
                cant_reg: i32::try_from(details.len()).unwrap_or(0),
                resultado: Resultado::P,
                reproceso: None,
            }),
            fe_det_resp: details,
            events: vec![],
            errors,
        }
    }

    fn obs(code: i32) -> Obs {
        Obs {
            code,
            msg: format!("obs {code}"),
        }
    }

    #[test]
    fn accepted_vouchers_are_informed_with_their_observations() {
        let answer = response(
            vec![
                detail(5, Resultado::A, vec![obs(10217)]),
                detail(6, Resultado::A, vec![]),
            ],
            vec![],
        );
        let verdicts = read_answer(&[5, 6], &answer);
        assert_eq!(
            verdicts[0].1,
            Verdict::Informed {
                observations: vec![ArcaMessage::new(10217, "obs 10217")]
            }
        );
        assert_eq!(verdicts[1].1, Verdict::Informed { observations: vec![] });
    }

    #[test]
    fn the_first_rejection_carries_the_errors_and_the_rest_wait() {
        let answer = response(
            vec![
                detail(5, Resultado::A, vec![]),
                detail(6, Resultado::R, vec![]),
                detail(7, Resultado::R, vec![]),
            ],
            vec![ArcaErr {
                code: 705,
                msg: "El CAEA informado no corresponde a la CUIT emisora.".into(),
            }],
        );
        let verdicts = read_answer(&[5, 6, 7, 8], &answer);
        assert!(matches!(verdicts[0].1, Verdict::Informed { .. }));
        match &verdicts[1].1 {
            Verdict::Rejected { errors, .. } => assert_eq!(errors[0].code, "705"),
            other => panic!("{other:?}"),
        }
        assert_eq!(verdicts[2].1, Verdict::Pending);
        assert_eq!(verdicts[3].1, Verdict::Unknown);
    }

    #[test]
    fn an_observation_rejects_and_a_numbering_error_only_delays() {
        let answer = response(vec![detail(5, Resultado::R, vec![obs(702)])], vec![]);
        match &read_answer(&[5], &answer)[0].1 {
            Verdict::Rejected { errors, observations } => {
                assert_eq!(errors[0].code, "702");
                assert_eq!(observations.len(), 1);
            }
            other => panic!("{other:?}"),
        }
        let answer = response(
            vec![detail(5, Resultado::R, vec![])],
            vec![ArcaErr {
                code: 703,
                msg: "numero".into(),
            }],
        );
        assert_eq!(read_answer(&[5], &answer)[0].1, Verdict::Pending);
    }

    fn sent(number: i64, caea: &str) -> FECAEADetRequest {
        let amount = |text: &str| text.parse::<Decimal>().expect("decimal");
        FECAEADetRequest {
            detail: FECAEDetRequest {
                concepto: 1,
                doc_tipo: 99,
                doc_nro: 0,
                cbte_desde: number,
                cbte_hasta: number,
                cbte_fch: NaiveDate::from_ymd_opt(2026, 12, 3),
                imp_total: amount("1210.00"),
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
            },
            caea: caea.into(),
            cbte_fch_hs_gen: None,
        }
    }

    fn stored(detail: &FECAEADetRequest, code: &str, emision_tipo: &str) -> FECompConsResponse {
        FECompConsResponse {
            detail: detail.detail.clone(),
            resultado: Some(Resultado::A),
            cod_autorizacion: Some(code.into()),
            emision_tipo: Some(emision_tipo.into()),
            fch_vto: NaiveDate::from_ymd_opt(2026, 12, 15),
            fch_proceso: None,
            observaciones: vec![],
            pto_vta: 3,
            cbte_tipo: 6,
        }
    }

    #[test]
    fn a_lost_report_is_informed_when_arca_holds_it_under_our_caea() {
        let ours = sent(5, "32490000000001");
        let held = stored(&ours, "32490000000001", "CAEA");
        assert_eq!(
            reconcile(5, 5, &ours, Some(&held)),
            Reconciled::Informed { observations: vec![] }
        );
        assert_eq!(reconcile(6, 5, &ours, None), Reconciled::NotConsumed);
        let mut without_expiry = held.clone();
        without_expiry.fch_vto = None;
        assert_eq!(
            reconcile(5, 5, &ours, Some(&without_expiry)),
            Reconciled::Informed { observations: vec![] }
        );
    }

    #[test]
    fn a_request_refused_as_a_whole_keeps_every_voucher_waiting() {
        let answer = response(
            vec![detail(5, Resultado::R, vec![]), detail(6, Resultado::R, vec![])],
            vec![ArcaErr {
                code: 701,
                msg: "punto de venta".into(),
            }],
        );
        assert!(request_refusal(&answer).is_some());
        let verdicts = read_answer(&[5, 6], &answer);
        assert!(verdicts.iter().all(|(_, verdict)| *verdict == Verdict::Pending));
        let bare = response(
            vec![],
            vec![ArcaErr {
                code: 10001,
                msg: "cab".into(),
            }],
        );
        assert!(request_refusal(&bare).is_some());
        assert!(read_answer(&[5], &bare).iter().all(|(_, v)| *v == Verdict::Pending));
    }

    #[test]
    fn details_that_do_not_match_what_was_sent_are_not_read() {
        let answer = response(vec![detail(9, Resultado::A, vec![])], vec![]);
        assert_eq!(read_answer(&[5], &answer), vec![(5, Verdict::Unknown)]);
    }

    #[test]
    fn a_numbering_refusal_of_the_right_number_rejects_the_first_voucher() {
        let answer = response(
            vec![detail(5, Resultado::R, vec![]), detail(6, Resultado::R, vec![])],
            vec![ArcaErr {
                code: 703,
                msg: "numero".into(),
            }],
        );
        let mut verdicts = read_answer(&[5, 6], &answer);
        assert!(numbering_refusal(&answer));
        // ARCA's last moved on meanwhile: they only wait.
        let mut moved = verdicts.clone();
        numbering_rejection(&mut moved, 5, &answer);
        assert_eq!(moved[0].1, Verdict::Pending);
        // ARCA's last is still the one before ours: the first voucher is rejected.
        numbering_rejection(&mut verdicts, 4, &answer);
        assert!(matches!(&verdicts[0].1, Verdict::Rejected { errors, .. } if errors[0].code == "703"));
        assert_eq!(verdicts[1].1, Verdict::Pending);
    }

    #[test]
    fn another_authorisation_under_our_number_is_inconsistent() {
        let ours = sent(5, "32490000000001");
        for held in [
            stored(&ours, "71263951827464", "CAE"),
            stored(&ours, "32490000000002", "CAEA"),
            stored(&sent(5, "x"), "32490000000001", "CAE"),
        ] {
            assert!(matches!(
                reconcile(5, 5, &ours, Some(&held)),
                Reconciled::Inconsistent(_)
            ));
        }
        assert!(matches!(reconcile(5, 5, &ours, None), Reconciled::Inconsistent(_)));
    }
}
