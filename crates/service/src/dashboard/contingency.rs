//! The contingency section: the account's CAEA contingency as `GET /v1/contingency` and
//! `GET /v1/contingency/reports` report it — whether it opted in (its contingency points of
//! sale), what issuing does while ARCA's CAE service is down (`INVOICE_QUEUE_MODE`), whether
//! this instance takes that service as available, the CAEA of the current and the next
//! fortnight, the contingency series, ARCA's last refusal, and the reporting of each fortnight
//! (pending, informed, rejected, the deadline) — in plain Spanish.
//!
//! Read-only: it calls the same domain reads as the API (`Grants::overview`,
//! `contingency::report::view::reports`), never writes and never calls ARCA.

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::NaiveDate;

use super::format;
use super::page::{Layout, Nav, PageError, render};
use super::session::Session;
use crate::config::QueueMode;
use crate::contingency::calendar;
use crate::contingency::report::view::{self, CodeView, DEFAULT_LIMIT, GrantReport};
use crate::state::AppState;
use crate::storage::contingency::{CaeaGrantRow, CaeaSeriesRow};

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/contingency", get(contingency_page))
}

/// `202603`, `1` → `1.ª quincena de marzo de 2026`.
pub fn fortnight_label(periodo: i32, orden: i32) -> String {
    let month = super::usage::month_label(&format!("{}-{:02}", periodo / 100, periodo % 100));
    let which = if orden == 1 { "1.ª" } else { "2.ª" };
    format!("{which} quincena de {month}")
}

fn voucher_type(code: i32) -> String {
    arca_protocol::codes::CbteTipo::from_code(code)
        .map(|tipo| format!("{} ({code})", tipo.description()))
        .unwrap_or_else(|| code.to_string())
}

fn queue_mode_text(mode: QueueMode) -> &'static str {
    match mode {
        QueueMode::Queue => {
            "Si ARCA no responde, los comprobantes nuevos quedan en espera y se autorizan solos cuando vuelve."
        }
        QueueMode::Reject => "Si ARCA no responde, los comprobantes nuevos se rechazan hasta que vuelva.",
        QueueMode::Caea => {
            "Si ARCA no responde, los comprobantes se emiten con el CAEA de la quincena en un punto de venta de contingencia y se informan a ARCA cuando vuelve."
        }
    }
}

/// A CAEA as the page shows it.
struct CaeaFacts {
    caea: String,
    fortnight: String,
    valid: String,
    report_by: String,
    obtained: String,
    observations: Vec<String>,
}

impl From<CaeaGrantRow> for CaeaFacts {
    fn from(row: CaeaGrantRow) -> CaeaFacts {
        let stored: Vec<serde_json::Value> = row
            .observaciones
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        CaeaFacts {
            fortnight: fortnight_label(row.periodo, row.orden),
            valid: format!(
                "del {} al {}",
                format::date(&row.fch_vig_desde),
                format::date(&row.fch_vig_hasta)
            ),
            report_by: format::date(&row.fch_tope_inf),
            obtained: format::datetime(&row.obtained_at),
            observations: stored
                .iter()
                .map(|obs| {
                    format!(
                        "{}: {}",
                        obs["code"].as_i64().unwrap_or_default(),
                        obs["msg"].as_str().unwrap_or_default()
                    )
                })
                .collect(),
            caea: row.caea,
        }
    }
}

struct SeriesRow {
    point: i32,
    voucher_type: String,
    last_number: String,
    primed: String,
}

impl From<CaeaSeriesRow> for SeriesRow {
    fn from(row: CaeaSeriesRow) -> SeriesRow {
        SeriesRow {
            point: row.punto_venta,
            voucher_type: voucher_type(row.cbte_tipo),
            last_number: format!("{:05}-{:08}", row.punto_venta, row.last_number),
            primed: format::datetime(&row.primed_at),
        }
    }
}

struct Refusal {
    fortnight: String,
    at: String,
    codes: Vec<String>,
}

struct RejectedRow {
    number: String,
    voucher_type: String,
    codes: String,
}

struct NoMovementRow {
    point: i32,
    state: &'static str,
    state_class: &'static str,
    detail: String,
}

/// One fortnight's reporting.
struct ReportRow {
    fortnight: String,
    caea: String,
    report_by: String,
    pending: i64,
    informed: i64,
    rejected: i64,
    state: String,
    state_class: &'static str,
    rejected_list: Vec<RejectedRow>,
    rejected_more: i64,
    no_movement: Vec<NoMovementRow>,
}

fn codes_text(codes: &[CodeView]) -> String {
    codes
        .iter()
        .map(|code| format!("{}: {}", code.code, code.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl ReportRow {
    fn new(report: GrantReport, today: NaiveDate) -> ReportRow {
        let counts = &report.comprobantes;
        let (state, state_class) = if let Some(blocked) = &report.bloqueado_en {
            (
                format!("Bloqueado: el {blocked} fue rechazado y los siguientes esperan"),
                "bad",
            )
        } else if report.vencido {
            ("Venció el plazo con comprobantes sin informar".to_string(), "bad")
        } else if counts.pendientes > 0 || report.sin_movimiento.iter().any(|point| point.estado == "pendiente") {
            if today <= report.fecha_tope_informe {
                ("Falta informar (en plazo)".to_string(), "warn")
            } else {
                ("Falta informar".to_string(), "warn")
            }
        } else if counts.rechazados > 0 {
            ("Con rechazos".to_string(), "bad")
        } else {
            ("Informado".to_string(), "ok")
        };
        let listed = i64::try_from(report.rechazados.len()).unwrap_or(i64::MAX);
        ReportRow {
            fortnight: fortnight_label(report.periodo, report.orden),
            report_by: format::date(&report.fecha_tope_informe),
            pending: counts.pendientes,
            informed: counts.informados,
            rejected: counts.rechazados,
            state,
            state_class,
            rejected_more: (report.rechazados_total - listed).max(0),
            rejected_list: report
                .rechazados
                .iter()
                .map(|voucher| RejectedRow {
                    number: voucher.numero_completo.clone(),
                    voucher_type: voucher_type(voucher.tipo_comprobante),
                    codes: codes_text(&voucher.errores),
                })
                .collect(),
            no_movement: report
                .sin_movimiento
                .iter()
                .map(|point| {
                    let (state, state_class) = match point.estado.as_str() {
                        "informado" => ("Informado sin movimiento", "ok"),
                        "rechazado" => ("Rechazado por ARCA", "bad"),
                        _ => ("Pendiente de informar", "warn"),
                    };
                    NoMovementRow {
                        point: point.punto_venta,
                        state,
                        state_class,
                        detail: codes_text(&point.errores),
                    }
                })
                .collect(),
            caea: report.caea,
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/contingency.html")]
struct ContingencyPage {
    layout: Layout,
    enabled: bool,
    points: String,
    queue_mode: &'static str,
    cae_available: bool,
    /// Contingency is what issuing does now: ARCA's CAE service down, opted in, CAEA mode.
    active: bool,
    current_fortnight: String,
    current: Option<CaeaFacts>,
    next: Option<CaeaFacts>,
    series: Vec<SeriesRow>,
    refusal: Option<Refusal>,
    pending_total: i64,
    reports: Vec<ReportRow>,
}

async fn contingency_page(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let now = state.clock.now();
    let today = calendar::argentina_today(now);
    let overview = state.caea_grants.overview(&session.account_id, now).await?;
    let reports = view::reports(&state.storage, &session.account_id, DEFAULT_LIMIT, today).await?;
    let queue_mode = state.config.issuance.queue_mode;
    let cae_available = !state.breaker.is_open();
    let enabled = !overview.points.is_empty();
    let current = calendar::Fortnight::containing(today);
    let reports: Vec<ReportRow> = reports
        .into_iter()
        .map(|report| ReportRow::new(report, today))
        .collect();
    render(&ContingencyPage {
        layout: Layout::new(&session, Nav::Contingency, "Contingencia (CAEA)"),
        enabled,
        points: overview
            .points
            .iter()
            .map(i32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        queue_mode: queue_mode_text(queue_mode),
        cae_available,
        active: enabled && !cae_available && queue_mode == QueueMode::Caea,
        current_fortnight: fortnight_label(current.periodo(), i32::from(current.orden())),
        current: overview.current.map(CaeaFacts::from),
        next: overview.next.map(CaeaFacts::from),
        series: overview.series.into_iter().map(SeriesRow::from).collect(),
        refusal: overview.last_refusal.map(|refusal| Refusal {
            fortnight: fortnight_label(refusal.periodo, i32::from(refusal.orden)),
            at: format::datetime(&refusal.at),
            codes: refusal
                .codes
                .iter()
                .map(|(code, message)| format!("{code}: {message}"))
                .collect(),
        }),
        pending_total: reports.iter().map(|report| report.pending).sum(),
        reports,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fortnights_and_types_read_in_spanish() {
        assert_eq!(fortnight_label(202603, 1), "1.ª quincena de marzo de 2026");
        assert_eq!(fortnight_label(202612, 2), "2.ª quincena de diciembre de 2026");
        assert_eq!(voucher_type(6), "Factura B (6)");
        assert_eq!(voucher_type(9999), "9999");
    }
}
