//! Points of sale without movement (docs/arca.md §G.6): once a CAEA's fortnight is over
//! (Argentina's today after `FchVigHasta`), every active contingency point of sale of its account
//! on which no voucher was issued under that CAEA is declared with
//! `FECAEASinMovimientoInformar(PtoVta, CAEA)`, once.
//!
//! The `caea_no_movement` row is written `en_curso` before the call (write-ahead). An `en_curso`
//! row found at the start of a pass (a call may have reached ARCA) is checked with
//! `FECAEASinMovimientoConsultar` first: found → `informado`; not found → sent. ARCA's 1209
//! (already informed) is `informado` too, so two instances racing on a row end the same way.
//! Other refusals → `rechazado` with ARCA's codes and the `contingency.report_rejected` alert.
//! No answer → stays `en_curso`, retried next pass.
//!
//! It never declares a point of sale that has a voucher of the grant, never one before the
//! fortnight ended, and never decides anything about vouchers (`super::report` does).

use arca_protocol::wsfe::FECAEASinMov;
use chrono::{DateTime, Utc};
use serde_json::json;

use super::calendar;
use super::report::Pass;
use crate::arca::Arca;
use crate::issuance::batch::ArcaMessage;
use crate::storage::Storage;
use crate::storage::contingency::{self as reports, NoMovementDue};
use crate::webhooks::events::{Event, EventType};
use crate::{Error, metrics};

/// ARCA's "already informed without movement for the point of sale".
pub const ALREADY_INFORMED: i32 = 1209;

/// What one notice came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// ARCA took it (or already had it): `fch_proceso` as `yyyy-mm-dd` when ARCA said.
    Informed { fch_proceso: Option<String> },
    /// ARCA refused it, with its codes.
    Rejected(Vec<ArcaMessage>),
    /// No verdict: stays `en_curso`.
    Unknown,
}

/// Reads ARCA's answer to `FECAEASinMovimientoInformar`. Pure.
pub fn read_answer(answer: &Result<arca_protocol::wsfe::FECAEASinMovResponse, arca_protocol::Error>) -> Outcome {
    match answer {
        Ok(response) => Outcome::Informed {
            fch_proceso: response.fch_proceso.map(|at| at.date().to_string()),
        },
        Err(arca_protocol::Error::Rejected { errors }) if errors.iter().any(|e| e.code == ALREADY_INFORMED) => {
            Outcome::Informed { fch_proceso: None }
        }
        Err(arca_protocol::Error::Rejected { errors }) => {
            Outcome::Rejected(errors.iter().map(|e| ArcaMessage::new(e.code, e.msg.clone())).collect())
        }
        Err(_) => Outcome::Unknown,
    }
}

/// Whether `FECAEASinMovimientoConsultar`'s answer holds the notice of `punto_venta`.
pub fn find_notice<'a>(notices: &'a [FECAEASinMov], punto_venta: i32, caea: &str) -> Option<&'a FECAEASinMov> {
    notices
        .iter()
        .find(|n| n.pto_vta == punto_venta && n.caea.as_deref().is_none_or(|c| c == caea))
}

/// Informs every point of sale due at `now`, counting into `pass`. A failure on one point of
/// sale is counted and logged; the others go on.
pub async fn inform_due(storage: &Storage, arca: &Arca, now: DateTime<Utc>, pass: &mut Pass) -> Result<(), Error> {
    let today = calendar::argentina_today(now);
    for due in reports::no_movement_due(storage, today).await? {
        match inform(storage, arca, &due, now).await {
            Ok(Outcome::Informed { .. }) => pass.no_movement_informed += 1,
            Ok(Outcome::Rejected(_)) => pass.no_movement_rejected += 1,
            Ok(Outcome::Unknown) => pass.no_movement_failed += 1,
            Err(error) => {
                pass.no_movement_failed += 1;
                tracing::warn!(error = %error, punto_venta = due.punto_venta, periodo = due.periodo, orden = due.orden,
                    "could not inform a point of sale without movement; retrying next pass");
            }
        }
    }
    Ok(())
}

async fn inform(storage: &Storage, arca: &Arca, due: &NoMovementDue, now: DateTime<Utc>) -> Result<Outcome, Error> {
    let session = arca.session(&due.account_id).await?;
    if due.estado.as_deref() == Some("en_curso") {
        let notices = session
            .client
            .fe_caea_sin_movimiento_consultar(&session.auth, Some(&due.caea), due.punto_venta)
            .await
            .map_err(|error| session.explain(error))?;
        if let Some(notice) = find_notice(&notices, due.punto_venta, &due.caea) {
            let outcome = Outcome::Informed {
                fch_proceso: notice.fch_proceso.map(|at| at.date().to_string()),
            };
            record(storage, due, &outcome, now).await?;
            return Ok(outcome);
        }
    } else if !reports::claim_no_movement(storage, &due.grant_id, due.punto_venta, now).await? {
        // Another instance claimed it just now: the next pass looks at it.
        return Ok(Outcome::Unknown);
    }
    if calendar::argentina_today(now) > due.fch_tope_inf {
        metrics::record_caea_late_report();
        tracing::error!(punto_venta = due.punto_venta, periodo = due.periodo, orden = due.orden,
            fch_tope_inf = %due.fch_tope_inf, "informing a point of sale without movement after ARCA's deadline");
    }
    let answer = session
        .client
        .fe_caea_sin_movimiento_informar(&session.auth, due.punto_venta, &due.caea)
        .await;
    let outcome = read_answer(&answer);
    if let Err(error) = &answer {
        match outcome {
            Outcome::Unknown => {
                if error.needs_new_ticket() {
                    arca.discard_ticket(&due.account_id).await.ok();
                }
                tracing::warn!(error = %error, punto_venta = due.punto_venta,
                    "no verdict on a no-movement notice; checking next pass");
            }
            Outcome::Rejected(_) | Outcome::Informed { .. } => {}
        }
    }
    record(storage, due, &outcome, now).await?;
    Ok(outcome)
}

async fn record(storage: &Storage, due: &NoMovementDue, outcome: &Outcome, now: DateTime<Utc>) -> Result<(), Error> {
    match outcome {
        Outcome::Unknown => {
            metrics::record_caea_reports("unknown", 1);
            Ok(())
        }
        Outcome::Informed { fch_proceso } => {
            metrics::record_caea_reports("informed", 1);
            reports::record_no_movement(
                storage,
                &due.grant_id,
                due.punto_venta,
                true,
                fch_proceso.as_deref(),
                None,
                None,
                now,
            )
            .await
        }
        Outcome::Rejected(errors) => {
            let event = Event {
                account_id: due.account_id.clone(),
                event_type: EventType::ContingencyReportRejected,
                data: json!({
                    "sin_movimiento": true,
                    "punto_venta": due.punto_venta,
                    "caea": due.caea,
                    "periodo": due.periodo,
                    "orden": due.orden,
                    "errores": errors,
                }),
            };
            let codes: Vec<&str> = errors.iter().map(|e| e.code.as_str()).collect();
            tracing::error!(punto_venta = due.punto_venta, periodo = due.periodo, orden = due.orden, codes = ?codes,
                "ARCA rejected a point of sale's no-movement notice");
            metrics::record_caea_reports("rejected", 1);
            reports::record_no_movement(
                storage,
                &due.grant_id,
                due.punto_venta,
                false,
                None,
                ArcaMessage::to_json(errors).as_deref(),
                Some(&event),
                now,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::wsfe::ArcaErr;

    use super::*;

    fn rejected(code: i32) -> Result<arca_protocol::wsfe::FECAEASinMovResponse, arca_protocol::Error> {
        Err(arca_protocol::Error::Rejected {
            errors: vec![ArcaErr {
                code,
                msg: format!("error {code}"),
            }],
        })
    }

    #[test]
    fn already_informed_is_informed_and_other_refusals_are_rejections() {
        assert_eq!(read_answer(&rejected(1209)), Outcome::Informed { fch_proceso: None });
        assert_eq!(
            read_answer(&rejected(1202)),
            Outcome::Rejected(vec![ArcaMessage::new(1202, "error 1202")])
        );
        assert_eq!(
            read_answer(&Err(arca_protocol::Error::OutcomeUnknown("reset".into()))),
            Outcome::Unknown
        );
    }

    #[test]
    fn a_notice_is_found_by_point_of_sale_and_caea() {
        let notices = vec![FECAEASinMov {
            caea: Some("32490000000001".into()),
            fch_proceso: None,
            pto_vta: 3,
        }];
        assert!(find_notice(&notices, 3, "32490000000001").is_some());
        assert!(find_notice(&notices, 4, "32490000000001").is_none());
        assert!(find_notice(&notices, 3, "32490000000002").is_none());
    }
}
