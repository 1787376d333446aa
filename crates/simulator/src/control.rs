//! The control API under `/_sim/`: what tests and operators use to steer the simulator. It is
//! not part of ARCA; nothing in it is reachable under ARCA's paths.

use std::sync::Arc;

use axum::extract::State as AxumState;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::Duration;
use openssl::x509::X509Req;
use serde::Deserialize;
use serde_json::json;

use crate::faults::FaultRule;
use crate::state::{State, lock};

type Shared = AxumState<Arc<State>>;

pub fn router() -> Router<Arc<State>> {
    Router::new()
        .route("/health", get(|| async { Json(json!({"status": "ok"})) }))
        .route("/clock", get(clock).post(set_clock))
        .route("/faults", get(list_faults).post(add_fault).delete(clear_faults))
        .route("/stats", get(stats).delete(reset_stats))
        .route("/certificates", post(sign_certificate))
        .route("/wsaa", get(wsaa_settings).post(set_wsaa_settings))
        .route("/relations", post(add_relation))
        .route("/authorizations", post(set_authorization))
        .route("/tokens/verify", post(verify_ticket))
}

async fn clock(AxumState(state): Shared) -> Json<serde_json::Value> {
    Json(json!({"now": state.clock.now().to_rfc3339(), "offset_seconds": state.clock.offset().num_seconds()}))
}

#[derive(Deserialize)]
struct ClockChange {
    /// Sets the offset from the machine's clock.
    offset_seconds: Option<i64>,
    /// Moves the clock forward (or back, if negative).
    advance_seconds: Option<i64>,
}

async fn set_clock(state: Shared, Json(change): Json<ClockChange>) -> Json<serde_json::Value> {
    if let Some(offset) = change.offset_seconds {
        state.clock.set_offset(Duration::seconds(offset));
    }
    if let Some(advance) = change.advance_seconds {
        state.clock.advance(Duration::seconds(advance));
    }
    clock(state).await
}

async fn list_faults(AxumState(state): Shared) -> Json<Vec<FaultRule>> {
    Json(state.faults.list())
}

async fn add_fault(AxumState(state): Shared, Json(rule): Json<FaultRule>) -> StatusCode {
    state.faults.add(rule);
    StatusCode::CREATED
}

async fn clear_faults(AxumState(state): Shared) -> StatusCode {
    state.faults.clear();
    StatusCode::NO_CONTENT
}

async fn stats(AxumState(state): Shared) -> Json<serde_json::Value> {
    Json(json!({"calls": *lock(&state.calls)}))
}

async fn reset_stats(AxumState(state): Shared) -> StatusCode {
    lock(&state.calls).clear();
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct CertificateSigning {
    csr_pem: String,
}

/// Signs a CSR into a client certificate, as ARCA's certificate self-service (WSASS) does.
async fn sign_certificate(AxumState(state): Shared, Json(request): Json<CertificateSigning>) -> Response {
    let signed = X509Req::from_pem(request.csr_pem.as_bytes())
        .map_err(|_| "csr_pem is not a PEM certificate request".to_string())
        .and_then(|csr| state.ca.sign_csr(&csr, state.clock.now()).map_err(|e| e.to_string()))
        .and_then(|cert| cert.to_pem().map_err(|e| e.to_string()));
    match signed {
        Ok(pem) => (
            StatusCode::CREATED,
            Json(json!({"certificate_pem": String::from_utf8_lossy(&pem)})),
        )
            .into_response(),
        Err(message) => (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response(),
    }
}

async fn wsaa_settings(AxumState(state): Shared) -> Json<serde_json::Value> {
    let settings = state.settings();
    Json(json!({
        "preventive_window_seconds": settings.preventive_window.num_seconds(),
        "ticket_lifetime_seconds": settings.ticket_lifetime.num_seconds(),
    }))
}

#[derive(Deserialize)]
struct WsaaSettings {
    preventive_window_seconds: Option<i64>,
    ticket_lifetime_seconds: Option<i64>,
}

async fn set_wsaa_settings(state: Shared, Json(change): Json<WsaaSettings>) -> Json<serde_json::Value> {
    {
        let mut settings = lock(&state.settings);
        if let Some(window) = change.preventive_window_seconds {
            settings.preventive_window = Duration::seconds(window.max(0));
        }
        if let Some(lifetime) = change.ticket_lifetime_seconds {
            settings.ticket_lifetime = Duration::seconds(lifetime.max(1));
        }
    }
    wsaa_settings(state).await
}

#[derive(Deserialize)]
struct Relation {
    /// The certificate owner's CUIT.
    certificate_cuit: String,
    /// A CUIT it may represent from the next ticket on.
    represented_cuit: String,
}

async fn add_relation(AxumState(state): Shared, Json(relation): Json<Relation>) -> StatusCode {
    lock(&state.relations)
        .entry(relation.certificate_cuit)
        .or_default()
        .push(relation.represented_cuit);
    StatusCode::CREATED
}

#[derive(Deserialize)]
struct Authorization {
    cuit: String,
    authorized: bool,
}

async fn set_authorization(AxumState(state): Shared, Json(change): Json<Authorization>) -> StatusCode {
    let mut unauthorized = lock(&state.unauthorized);
    if change.authorized {
        unauthorized.remove(&change.cuit);
    } else {
        unauthorized.insert(change.cuit);
    }
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct TokenCheck {
    token: String,
    sign: String,
}

/// Checks a ticket's token and sign the way WSFEv1 will (code 600 on failure).
async fn verify_ticket(AxumState(state): Shared, Json(check): Json<TokenCheck>) -> Response {
    match crate::wsaa::verify_token(&state, &check.token, &check.sign, state.clock.now()) {
        Ok(claims) => Json(claims).into_response(),
        Err(rejection) => (StatusCode::UNPROCESSABLE_ENTITY, Json(rejection)).into_response(),
    }
}
