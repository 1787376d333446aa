//! `GET /v1/contingency`: the caller's CAEA contingency at a glance — whether it opted in (its
//! active contingency points of sale), the queue mode, whether ARCA's CAE service is taken as
//! available (this instance's breaker), the CAEA of the current and next fortnight, its
//! contingency series and ARCA's last refusal.
//!
//! Thin: `crate::contingency::grants` reads and decides; this module only shapes the answer. It
//! never shows another account's rows and never calls ARCA.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::Tenant;
use super::error::{ApiError, Problem};
use crate::config::QueueMode;
use crate::contingency::grants::Refusal;
use crate::state::AppState;
use crate::storage::contingency::{CaeaGrantRow, CaeaSeriesRow};

/// The caller's CAEA contingency.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContingencyView {
    /// Opted in: at least one active contingency point of sale (marked `contingencia`, not
    /// blocked, not closed).
    pub habilitada: bool,
    /// `INVOICE_QUEUE_MODE`: what `POST /v1/invoices` does while ARCA's CAE service is down.
    pub modo_cola: ModoCola,
    /// Whether this instance takes ARCA's CAE service as available (its circuit breaker is
    /// closed).
    pub arca_cae_disponible: bool,
    /// The active contingency points of sale, ascending.
    pub puntos_de_venta: Vec<i32>,
    /// The CAEA of the fortnight today falls in (Argentina's calendar), if obtained.
    pub caea_actual: Option<CaeaView>,
    /// The CAEA of the next fortnight, if obtained (ARCA grants it from five days before).
    pub caea_siguiente: Option<CaeaView>,
    /// The contingency series: numbering under CAEA, primed from ARCA's last numbers.
    pub series: Vec<CaeaSeriesView>,
    /// ARCA's last refusal of a CAEA request for the account (as the instance answering saw it;
    /// cleared when a CAEA is obtained), or null.
    pub ultimo_error: Option<CaeaErrorView>,
}

/// `INVOICE_QUEUE_MODE`.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModoCola {
    Queue,
    Reject,
    Caea,
}

/// A CAEA as ARCA granted it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaeaView {
    /// The 14-digit code.
    pub caea: String,
    /// yyyymm.
    pub periodo: i32,
    /// 1 (days 1–15) or 2 (16 to the month's end).
    pub orden: i32,
    pub vigencia_desde: NaiveDate,
    pub vigencia_hasta: NaiveDate,
    /// ARCA's deadline (`FchTopeInf`) to report what was issued under it.
    pub fecha_tope_informe: NaiveDate,
    pub obtenido_at: DateTime<Utc>,
    /// ARCA's observations with the grant (at most 50).
    pub observaciones: Vec<CodeMessage>,
}

/// An ARCA code and its message.
#[derive(Debug, Serialize, ToSchema)]
pub struct CodeMessage {
    pub code: i64,
    pub message: String,
}

/// One contingency series.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaeaSeriesView {
    pub punto_venta: i32,
    pub tipo_comprobante: i32,
    /// The last number used: issued under a CAEA here, or ARCA's last when primed.
    pub ultimo_numero: i64,
    /// When it was last primed from ARCA.
    pub preparada_at: DateTime<Utc>,
}

/// ARCA's refusal of a CAEA request.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaeaErrorView {
    pub periodo: i32,
    pub orden: i16,
    pub errores: Vec<CodeMessage>,
    pub at: DateTime<Utc>,
}

/// The caller's CAEA contingency.
#[utoipa::path(
    get,
    path = "/v1/contingency",
    tag = "contingency",
    security(("api_key" = []), ("x_api_key" = [])),
    responses(
        (status = 200, body = ContingencyView),
        (status = 401, body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get_contingency(State(state): State<AppState>, tenant: Tenant) -> Result<Json<ContingencyView>, ApiError> {
    let overview = state
        .caea_grants
        .overview(tenant.account_id(), state.clock.now())
        .await?;
    Ok(Json(ContingencyView {
        habilitada: !overview.points.is_empty(),
        modo_cola: match state.config.issuance.queue_mode {
            QueueMode::Queue => ModoCola::Queue,
            QueueMode::Reject => ModoCola::Reject,
            QueueMode::Caea => ModoCola::Caea,
        },
        arca_cae_disponible: !state.breaker.is_open(),
        puntos_de_venta: overview.points,
        caea_actual: overview.current.map(CaeaView::from),
        caea_siguiente: overview.next.map(CaeaView::from),
        series: overview.series.into_iter().map(CaeaSeriesView::from).collect(),
        ultimo_error: overview.last_refusal.map(CaeaErrorView::from),
    }))
}

impl From<CaeaGrantRow> for CaeaView {
    fn from(row: CaeaGrantRow) -> CaeaView {
        let stored: Vec<serde_json::Value> = row
            .observaciones
            .as_deref()
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        CaeaView {
            caea: row.caea,
            periodo: row.periodo,
            orden: row.orden,
            vigencia_desde: row.fch_vig_desde,
            vigencia_hasta: row.fch_vig_hasta,
            fecha_tope_informe: row.fch_tope_inf,
            obtenido_at: row.obtained_at,
            observaciones: stored
                .iter()
                .map(|obs| CodeMessage {
                    code: obs["code"].as_i64().unwrap_or_default(),
                    message: obs["msg"].as_str().unwrap_or_default().to_string(),
                })
                .collect(),
        }
    }
}

impl From<CaeaSeriesRow> for CaeaSeriesView {
    fn from(row: CaeaSeriesRow) -> CaeaSeriesView {
        CaeaSeriesView {
            punto_venta: row.punto_venta,
            tipo_comprobante: row.cbte_tipo,
            ultimo_numero: row.last_number,
            preparada_at: row.primed_at,
        }
    }
}

impl From<Refusal> for CaeaErrorView {
    fn from(refusal: Refusal) -> CaeaErrorView {
        CaeaErrorView {
            periodo: refusal.periodo,
            orden: refusal.orden,
            errores: refusal
                .codes
                .into_iter()
                .map(|(code, message)| CodeMessage {
                    code: i64::from(code),
                    message,
                })
                .collect(),
            at: refusal.at,
        }
    }
}
