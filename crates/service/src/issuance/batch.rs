//! Batch composition and the reading of a `FECAESolicitar` answer: pure functions of their
//! inputs (ARCHITECTURE.md invariants 2, 6 and 7; docs/arca.md §D.1 and §H.2b).
//!
//! - [`plan`]: which invoices go in the next request. In-flight invoices whose number ARCA has
//!   not consumed go first, with their number unchanged; then waiting invoices in creation order
//!   get `last + 1, last + 2, …`, up to [`capacity`].
//! - [`apply_response`]: what each sent invoice becomes when ARCA answered with a result.
//! - [`classify_failure`]: what a failed call means for the batch (no result came back).

use arca_protocol::Error;
use arca_protocol::codes::CbteTipo;
use arca_protocol::wsfe::{FECAEResponse, Obs, Resultado};
use chrono::NaiveDate;
use serde::Serialize;

/// ARCA's 10016 in `Errors`: "El numero o fecha del comprobante no se corresponde con el proximo
/// a autorizar".
pub const NUMBERING_ERROR: i32 = 10016;

/// A code and message as stored in `arca_errores` / `arca_observaciones` and shown by the API.
/// `code` is text because besides ARCA's numeric codes the engine has its own (`INCONSISTENT`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArcaMessage {
    pub code: String,
    pub message: String,
}

impl ArcaMessage {
    pub fn new(code: impl ToString, message: impl Into<String>) -> ArcaMessage {
        ArcaMessage {
            code: code.to_string(),
            message: message.into(),
        }
    }

    pub(crate) fn from_obs(observations: &[Obs]) -> Vec<ArcaMessage> {
        observations
            .iter()
            .map(|o| ArcaMessage::new(o.code, o.msg.clone()))
            .collect()
    }

    /// The JSON array stored in the database, or `None` for no messages.
    pub fn to_json(messages: &[ArcaMessage]) -> Option<String> {
        (!messages.is_empty()).then(|| serde_json::to_string(messages).unwrap_or_default())
    }
}

/// How many details fit in one request: `FECompTotXRequest`'s answer, but one for FCE (MiPyMEs
/// credit invoices 201–213 are authorised one per request, §H.2b), and at least one.
pub fn capacity(cbte_tipo: i32, records_per_request: u32) -> usize {
    if CbteTipo::from_code(cbte_tipo).is_some_and(CbteTipo::is_fce) {
        return 1;
    }
    usize::try_from(records_per_request).unwrap_or(usize::MAX).max(1)
}

/// The next request of a series, and the numbers released on the way.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    /// In-flight invoices re-sent with their number and content unchanged (ids and numbers).
    pub resend: Vec<(String, u64)>,
    /// In-flight invoices whose number cannot be sent next (beyond a gap after `last`): ARCA has
    /// not consumed it (it is above `last`), so it is released and the invoice waits again.
    pub release: Vec<String>,
    /// Waiting invoices and the numbers they get now (write-ahead, before sending).
    pub assign: Vec<(String, u64)>,
}

impl Plan {
    /// Whether there is anything to send.
    pub fn is_empty(&self) -> bool {
        self.resend.is_empty() && self.assign.is_empty()
    }

    /// Every (id, number) of the request, in number order.
    pub fn request(&self) -> Vec<(String, u64)> {
        self.resend.iter().chain(&self.assign).cloned().collect()
    }
}

/// Plans the next request. `unconsumed` are in-flight invoices with numbers above `last` (those
/// at or below it were reconciled first), sorted by number; `waiting` are ids in creation order.
pub fn plan(last: u64, unconsumed: &[(String, u64)], waiting: &[String], capacity: usize) -> Plan {
    let mut plan = Plan::default();
    let mut next = last + 1;
    let mut run_fits = true;
    for (id, number) in unconsumed {
        if *number == next && plan.resend.len() < capacity {
            plan.resend.push((id.clone(), *number));
            next += 1;
        } else if *number == next {
            // The run goes on beyond this request: it stays in flight for the next one, and no
            // new number may be handed out before it.
            run_fits = false;
            next += 1;
        } else {
            plan.release.push(id.clone());
        }
    }
    if run_fits {
        let room = capacity.saturating_sub(plan.resend.len());
        for id in waiting.iter().take(room) {
            plan.assign.push((id.clone(), next));
            next += 1;
        }
    }
    plan
}

/// What became of one sent invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// `A`: record the CAE (observations are the non-excluding ones, e.g. 10217).
    Approved {
        cae: String,
        cae_vencimiento: NaiveDate,
        observations: Vec<ArcaMessage>,
    },
    /// `R`, the first rejected detail (or every one for a header error): `failed`, never retried.
    Rejected {
        errors: Vec<ArcaMessage>,
        observations: Vec<ArcaMessage>,
    },
    /// After the first rejection ARCA processes nothing (§D.1): the number is not consumed; the
    /// invoice waits again and goes in the next request under a new number.
    NotProcessed,
    /// The answer does not say (an `A` without CAE, details that do not match what was sent):
    /// stays in flight and is reconciled.
    Unknown,
}

/// A request's answer, per invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    /// (id, number, outcome) in request order.
    pub outcomes: Vec<(String, u64, Outcome)>,
    /// The invoice ARCA refused with 10016 in `Errors` and no observation of its own: our idea of
    /// the next number (or the date order) was wrong. It is [`Outcome::NotProcessed`] here; the
    /// engine asks `FECompUltimoAutorizado` and, if the number was right after all, fails it (the
    /// date is before the last voucher's).
    pub numbering_mismatch: Option<String>,
}

/// Reads ARCA's answer to a request made of `sent` (id, number) in that order.
pub fn apply_response(sent: &[(String, u64)], response: &FECAEResponse) -> Applied {
    let details = &response.fe_det_resp;
    let matches = details.len() == sent.len()
        && details
            .iter()
            .zip(sent)
            .all(|(detail, (_, number))| u64::try_from(detail.detail.cbte_desde).ok() == Some(*number));
    if !matches {
        return Applied {
            outcomes: sent.iter().map(|(id, n)| (id.clone(), *n, Outcome::Unknown)).collect(),
            numbering_mismatch: None,
        };
    }
    let errors: Vec<ArcaMessage> = response
        .errors
        .iter()
        .map(|e| ArcaMessage::new(e.code, e.msg.clone()))
        .collect();
    let numbering_error = response.errors.iter().any(|e| e.code == NUMBERING_ERROR);
    let mut outcomes = Vec::with_capacity(sent.len());
    let mut numbering_mismatch = None;
    let mut rejected_all = false;
    let mut stopped = false;
    for (index, ((id, number), detail)) in sent.iter().zip(details).enumerate() {
        let observations = ArcaMessage::from_obs(&detail.detail.observaciones);
        let outcome = if rejected_all {
            Outcome::Rejected {
                errors: errors.clone(),
                observations,
            }
        } else if stopped {
            Outcome::NotProcessed
        } else {
            match (detail.detail.resultado, &detail.cae, detail.cae_fch_vto) {
                (Resultado::A, Some(cae), Some(cae_vencimiento)) if !cae.trim().is_empty() => Outcome::Approved {
                    cae: cae.trim().to_string(),
                    cae_vencimiento,
                    observations,
                },
                (Resultado::R, _, _) => {
                    stopped = true;
                    if observations.is_empty() && numbering_error {
                        numbering_mismatch = Some(id.clone());
                        Outcome::NotProcessed
                    } else {
                        // Errors without observations on the very first detail are about the
                        // request (issuer, header: 10000–10007): they apply to every detail.
                        rejected_all = index == 0 && observations.is_empty() && !errors.is_empty();
                        Outcome::Rejected {
                            errors: errors.clone(),
                            observations,
                        }
                    }
                }
                _ => Outcome::Unknown,
            }
        };
        outcomes.push((id.clone(), *number, outcome));
    }
    Applied {
        outcomes,
        numbering_mismatch,
    }
}

/// What a `FECAESolicitar` that brought no result means for its batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure {
    /// ARCA certainly processed nothing (not sent; ARCA answered 500–502 or refused the request
    /// before running it): release the numbers, retry later.
    NotProcessed,
    /// Like `NotProcessed`, and the access ticket must be renewed first (600/601).
    TicketRejected,
    /// The request may have been acted upon (timeout, reset, 5xx, malformed answer): keep the
    /// numbers in flight and reconcile before anything else (ARCHITECTURE.md invariant 3).
    Unknown,
    /// ARCA answered business errors without a result: every invoice of the batch fails with them.
    Rejected(Vec<ArcaMessage>),
}

/// Classifies a failed `FECAESolicitar`.
///
/// Reading of `ArcaInternal`: the protocol crate returns it only when ARCA's answer carried
/// `Errors` 500–502 and no `FeCabResp` — ARCA answered and authorised nothing, so the numbers are
/// free. (An answer *with* `FeCabResp` is a result, read by [`apply_response`].)
pub fn classify_failure(error: &Error) -> Failure {
    if error.is_outcome_unknown() {
        Failure::Unknown
    } else if error.needs_new_ticket() {
        Failure::TicketRejected
    } else if let Error::Rejected { errors } = error {
        Failure::Rejected(errors.iter().map(|e| ArcaMessage::new(e.code, e.msg.clone())).collect())
    } else {
        Failure::NotProcessed
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::wsfe::{ArcaErr, FECAEDetResponse, FECabResponse, FEDetResponse};

    use super::*;

    fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<String> {
        range.map(|i| format!("inv_{i}")).collect()
    }

    #[test]
    fn waiting_invoices_get_consecutive_numbers_up_to_the_capacity() {
        let plan = plan(41, &[], &ids(1..=5), 3);
        assert_eq!(
            plan.assign,
            vec![("inv_1".into(), 42), ("inv_2".into(), 43), ("inv_3".into(), 44)]
        );
        assert!(plan.resend.is_empty() && plan.release.is_empty());
    }

    #[test]
    fn unconsumed_in_flight_numbers_go_first_unchanged_then_new_ones_follow() {
        let in_flight = vec![("old_1".to_string(), 8), ("old_2".to_string(), 9)];
        let plan = plan(7, &in_flight, &ids(1..=2), 250);
        assert_eq!(plan.resend, in_flight);
        assert_eq!(plan.assign, vec![("inv_1".into(), 10), ("inv_2".into(), 11)]);
        assert_eq!(
            plan.request().iter().map(|(_, n)| *n).collect::<Vec<_>>(),
            vec![8, 9, 10, 11]
        );
    }

    #[test]
    fn an_in_flight_number_beyond_a_gap_is_released_not_sent() {
        let in_flight = vec![("a".to_string(), 8), ("b".to_string(), 10)];
        let plan = plan(7, &in_flight, &[], 250);
        assert_eq!(plan.resend, vec![("a".into(), 8)]);
        assert_eq!(plan.release, vec!["b".to_string()]);
    }

    #[test]
    fn a_run_longer_than_the_capacity_blocks_new_numbers() {
        let in_flight = vec![("a".to_string(), 1), ("b".to_string(), 2)];
        let plan = plan(0, &in_flight, &ids(1..=1), 1);
        assert_eq!(plan.resend, vec![("a".into(), 1)]);
        assert!(plan.assign.is_empty() && plan.release.is_empty());
    }

    #[test]
    fn fce_goes_one_per_request() {
        assert_eq!(capacity(201, 250), 1);
        assert_eq!(capacity(6, 250), 250);
        assert_eq!(capacity(6, 0), 1);
    }

    fn detail(number: i64, resultado: Resultado, cae: Option<&str>, obs: &[(i32, &str)]) -> FECAEDetResponse {
        FECAEDetResponse {
            detail: FEDetResponse {
                concepto: 1,
                doc_tipo: 99,
                doc_nro: 0,
                cbte_desde: number,
                cbte_hasta: number,
                cbte_fch: NaiveDate::from_ymd_opt(2026, 11, 27),
                resultado,
                observaciones: obs
                    .iter()
                    .map(|(code, msg)| Obs {
                        code: *code,
                        msg: (*msg).into(),
                    })
                    .collect(),
            },
            cae: cae.map(Into::into),
            cae_fch_vto: cae.and(NaiveDate::from_ymd_opt(2026, 12, 7)),
        }
    }

    fn response(resultado: Resultado, details: Vec<FECAEDetResponse>, errors: &[(i32, &str)]) -> FECAEResponse {
        FECAEResponse {
            fe_cab_resp: Some(FECabResponse {
                cuit: 20267565393,
                pto_vta: 1,
                cbte_tipo: 6,
                fch_proceso: None,
                cant_reg: i32::try_from(details.len()).unwrap(),
                resultado,
                reproceso: Some("N".into()),
            }),
            fe_det_resp: details,
            events: vec![],
            errors: errors
                .iter()
                .map(|(code, msg)| ArcaErr {
                    code: *code,
                    msg: (*msg).into(),
                })
                .collect(),
        }
    }

    fn sent(numbers: std::ops::RangeInclusive<u64>) -> Vec<(String, u64)> {
        numbers.map(|n| (format!("inv_{n}"), n)).collect()
    }

    #[test]
    fn a_partial_answer_keeps_the_approved_fails_the_first_rejected_and_requeues_the_rest() {
        let answer = response(
            Resultado::P,
            vec![
                detail(1, Resultado::A, Some("71263951827464"), &[(10217, "remark")]),
                detail(2, Resultado::R, None, &[(10048, "ImpTotal")]),
                detail(3, Resultado::R, None, &[]),
            ],
            &[],
        );
        let applied = apply_response(&sent(1..=3), &answer);
        assert_eq!(applied.numbering_mismatch, None);
        assert_eq!(
            applied.outcomes[0].2,
            Outcome::Approved {
                cae: "71263951827464".into(),
                cae_vencimiento: NaiveDate::from_ymd_opt(2026, 12, 7).unwrap(),
                observations: vec![ArcaMessage::new(10217, "remark")],
            }
        );
        assert_eq!(
            applied.outcomes[1].2,
            Outcome::Rejected {
                errors: vec![],
                observations: vec![ArcaMessage::new(10048, "ImpTotal")],
            }
        );
        assert_eq!(applied.outcomes[2].2, Outcome::NotProcessed);
    }

    #[test]
    fn a_header_error_rejects_every_detail() {
        let answer = response(
            Resultado::R,
            vec![detail(1, Resultado::R, None, &[]), detail(2, Resultado::R, None, &[])],
            &[(10004, "punto de venta no habilitado")],
        );
        let applied = apply_response(&sent(1..=2), &answer);
        assert!(
            applied
                .outcomes
                .iter()
                .all(|(_, _, o)| matches!(o, Outcome::Rejected { errors, .. } if errors[0].code == "10004"))
        );
    }

    #[test]
    fn a_numbering_error_is_not_a_rejection_of_the_invoice() {
        let answer = response(
            Resultado::R,
            vec![detail(5, Resultado::R, None, &[]), detail(6, Resultado::R, None, &[])],
            &[(10016, "El numero o fecha del comprobante no se corresponde")],
        );
        let applied = apply_response(&sent(5..=6), &answer);
        assert_eq!(applied.numbering_mismatch.as_deref(), Some("inv_5"));
        assert!(applied.outcomes.iter().all(|(_, _, o)| *o == Outcome::NotProcessed));
    }

    #[test]
    fn an_answer_that_does_not_match_the_request_leaves_everything_to_reconciliation() {
        let answer = response(Resultado::A, vec![detail(9, Resultado::A, Some("1"), &[])], &[]);
        let applied = apply_response(&sent(1..=1), &answer);
        assert_eq!(applied.outcomes[0].2, Outcome::Unknown);
        let approved_without_cae = response(Resultado::A, vec![detail(1, Resultado::A, None, &[])], &[]);
        assert_eq!(
            apply_response(&sent(1..=1), &approved_without_cae).outcomes[0].2,
            Outcome::Unknown
        );
    }

    #[test]
    fn failures_are_classified_by_what_arca_may_have_done() {
        let err = |code| ArcaErr { code, msg: "x".into() };
        assert_eq!(
            classify_failure(&Error::OutcomeUnknown("timeout".into())),
            Failure::Unknown
        );
        assert_eq!(
            classify_failure(&Error::Http {
                status: 503,
                body_excerpt: String::new(),
                fault: None
            }),
            Failure::Unknown
        );
        assert_eq!(
            classify_failure(&Error::NotSent("refused".into())),
            Failure::NotProcessed
        );
        assert_eq!(
            classify_failure(&Error::ArcaInternal { errors: vec![err(501)] }),
            Failure::NotProcessed
        );
        assert_eq!(
            classify_failure(&Error::TokenRejected { errors: vec![err(600)] }),
            Failure::TicketRejected
        );
        // The represented CUIT is not among the ticket's relations: the ticket is good, so it
        // is kept (a new login would earn coe.alreadyAuthenticated) and the invoices wait.
        assert_eq!(
            classify_failure(&Error::TokenRejected {
                errors: vec![ArcaErr {
                    code: 600,
                    msg: "ValidacionDeToken: No apareció CUIT en lista de relaciones: 20111111112".into(),
                }]
            }),
            Failure::NotProcessed
        );
        assert_eq!(
            classify_failure(&Error::Rejected {
                errors: vec![err(10001)]
            }),
            Failure::Rejected(vec![ArcaMessage::new(10001, "x")])
        );
    }
}
