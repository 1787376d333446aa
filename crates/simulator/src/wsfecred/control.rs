//! `/_sim/fce`: the control API of the simulated wsfecred — the FCE threshold, the CUITs obliged
//! to receive FCE, and a view of the FCE accounts. Changes are persisted in the state file.
//! Not part of ARCA: it never speaks SOAP and never changes an account's acceptance state.
//!
//! - `GET /_sim/fce`: `{"threshold": {"monto_desde"}, "obligados": {cuit: {"obligado", "desde"}}, "accounts": {...}}`
//! - `PUT /_sim/fce/threshold` `{"monto_desde": "3958316.00"}` (positive, at most 2 decimals)
//! - `PUT /_sim/fce/obligados/{cuit}` `{"obligado": true, "desde": "2019-01-01"}` (`desde`
//!   defaults to 2019-01-01; `obligado: false` removes the CUIT); `DELETE` removes it.
//! - `PUT /_sim/fce/no-mipyme/{cuit}` marks an issuer as not a MiPyME (WSFEv1 then lets it
//!   invoice an obliged buyer with an ordinary Factura; every issuer is a MiPyME otherwise);
//!   `DELETE` makes it one again. Shown as `no_mipyme` in `GET /_sim/fce`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::state::{State, lock};

type Shared = AxumState<Arc<State>>;

/// The first day of FCE obligations when a `PUT` gives none (the regime's start).
const DEFAULT_DESDE: &str = "2019-01-01";

fn bad_request(message: String) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response()
}

fn view(state: &State) -> Value {
    let wsfe = lock(&state.wsfe);
    let obligados: serde_json::Map<String, Value> = wsfe
        .fce
        .obligados
        .iter()
        .map(|(cuit, desde)| (cuit.to_string(), json!({"obligado": true, "desde": desde})))
        .collect();
    json!({
        "threshold": {"monto_desde": wsfe.fce.threshold.to_string()},
        "obligados": obligados,
        "accounts": wsfe.fce.accounts,
        "no_mipyme": wsfe.fce.no_mipyme.iter().map(ToString::to_string).collect::<Vec<_>>(),
    })
}

/// `GET /_sim/fce`.
pub(crate) async fn show(AxumState(state): Shared) -> Json<Value> {
    Json(view(&state))
}

#[derive(Deserialize)]
pub(crate) struct Threshold {
    monto_desde: String,
}

/// `PUT /_sim/fce/threshold`.
pub(crate) async fn put_threshold(AxumState(state): Shared, Json(body): Json<Threshold>) -> Response {
    let amount = match body.monto_desde.trim().parse::<Decimal>() {
        Ok(amount) if amount > Decimal::ZERO && amount.normalize().scale() <= 2 => amount,
        _ => {
            return bad_request(format!(
                "monto_desde {:?} must be a positive amount with at most 2 decimals",
                body.monto_desde
            ));
        }
    };
    {
        let mut wsfe = lock(&state.wsfe);
        wsfe.fce.threshold = amount;
        state.persist(&wsfe);
    }
    Json(view(&state)).into_response()
}

#[derive(Deserialize)]
pub(crate) struct Obligado {
    obligado: bool,
    desde: Option<String>,
}

/// The registry key of a CUIT in a path; `None` when it is not a valid CUIT.
fn cuit_key(cuit: &str) -> Option<i64> {
    crate::padron::valid_cuit(cuit).then(|| cuit.parse().ok()).flatten()
}

/// `PUT /_sim/fce/obligados/{cuit}`.
pub(crate) async fn put_obligado(
    AxumState(state): Shared,
    Path(cuit): Path<String>,
    Json(body): Json<Obligado>,
) -> Response {
    let Some(key) = cuit_key(&cuit) else {
        return bad_request(format!("{cuit} is not a valid CUIT"));
    };
    let desde = body.desde.unwrap_or_else(|| DEFAULT_DESDE.to_owned());
    if NaiveDate::parse_from_str(&desde, "%Y-%m-%d").is_err() {
        return bad_request(format!("desde {desde:?} is not a date (yyyy-mm-dd)"));
    }
    {
        let mut wsfe = lock(&state.wsfe);
        if body.obligado {
            wsfe.fce.obligados.insert(key, desde);
        } else {
            wsfe.fce.obligados.remove(&key);
        }
        state.persist(&wsfe);
    }
    Json(view(&state)).into_response()
}

/// `DELETE /_sim/fce/obligados/{cuit}`.
pub(crate) async fn delete_obligado(AxumState(state): Shared, Path(cuit): Path<String>) -> Response {
    let Some(key) = cuit_key(&cuit) else {
        return bad_request(format!("{cuit} is not a valid CUIT"));
    };
    let mut wsfe = lock(&state.wsfe);
    let removed = wsfe.fce.obligados.remove(&key).is_some();
    state.persist(&wsfe);
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// `PUT /_sim/fce/no-mipyme/{cuit}`.
pub(crate) async fn put_no_mipyme(AxumState(state): Shared, Path(cuit): Path<String>) -> Response {
    let Some(key) = cuit_key(&cuit) else {
        return bad_request(format!("{cuit} is not a valid CUIT"));
    };
    {
        let mut wsfe = lock(&state.wsfe);
        wsfe.fce.no_mipyme.insert(key);
        state.persist(&wsfe);
    }
    Json(view(&state)).into_response()
}

/// `DELETE /_sim/fce/no-mipyme/{cuit}`.
pub(crate) async fn delete_no_mipyme(AxumState(state): Shared, Path(cuit): Path<String>) -> Response {
    let Some(key) = cuit_key(&cuit) else {
        return bad_request(format!("{cuit} is not a valid CUIT"));
    };
    let mut wsfe = lock(&state.wsfe);
    let removed = wsfe.fce.no_mipyme.remove(&key);
    state.persist(&wsfe);
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}
