//! The control API under `/_sim/`: what tests and operators use to steer the simulator. It is
//! not part of ARCA; nothing in it is reachable under ARCA's paths.

use std::sync::Arc;

use std::collections::BTreeMap;

use axum::extract::{Path, Query, State as AxumState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use chrono::Duration;
use openssl::x509::X509Req;
use serde::Deserialize;
use serde_json::json;

use rust_decimal::Decimal;

use crate::faults::FaultRule;
use crate::padron::registry::PadronRecord;
use crate::state::{State, lock};
use crate::wsfe::registry::Taxpayer;
use crate::wsfe::request::Detail;
use crate::wsfe::store::{PointOfSale, SeriesKey, StoredVoucher};
use crate::wsfecred::control as wsfecred;

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
        .route("/series", post(seed_series))
        .route("/vouchers", get(list_vouchers).post(seed_voucher))
        .route("/taxpayers", post(put_taxpayer))
        .route("/points-of-sale", put(put_points_of_sale))
        .route("/rates", put(put_rates))
        .route("/wsfe", get(wsfe_settings).post(set_wsfe_settings))
        .route("/outage", get(outage).post(set_outage))
        .route("/caea", get(list_caea))
        .route("/padron", get(list_padron))
        .route("/padron/{cuit}", get(get_padron).put(put_padron).delete(delete_padron))
        .route("/fce", get(wsfecred::show))
        .route("/fce/threshold", put(wsfecred::put_threshold))
        .route(
            "/fce/obligados/{cuit}",
            put(wsfecred::put_obligado).delete(wsfecred::delete_obligado),
        )
        .route(
            "/fce/no-mipyme/{cuit}",
            put(wsfecred::put_no_mipyme).delete(wsfecred::delete_no_mipyme),
        )
}

/// Every registry entry, keyed by CUIT, as the A5 blocks it holds.
async fn list_padron(AxumState(state): Shared) -> Json<BTreeMap<String, PadronRecord>> {
    let wsfe = lock(&state.wsfe);
    Json(
        wsfe.padron
            .iter()
            .map(|(cuit, record)| (cuit.to_string(), record.clone()))
            .collect(),
    )
}

/// The registry key of a CUIT in a path; `None` when it is not a valid CUIT.
fn registry_key(cuit: &str) -> Option<i64> {
    crate::padron::valid_cuit(cuit).then(|| cuit.parse().ok()).flatten()
}

fn invalid_cuit(cuit: &str) -> Response {
    let body = json!({"error": format!("{cuit} is not a valid CUIT")});
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

async fn get_padron(AxumState(state): Shared, Path(cuit): Path<String>) -> Response {
    let Some(key) = registry_key(&cuit) else {
        return invalid_cuit(&cuit);
    };
    match lock(&state.wsfe).padron.get(&key) {
        Some(record) => Json(record.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, Json(json!({"error": crate::padron::NOT_FOUND}))).into_response(),
    }
}

/// Adds or replaces a person: the body is the A5 blocks, camelCase as in the XML.
async fn put_padron(AxumState(state): Shared, Path(cuit): Path<String>, body: String) -> Response {
    let Some(key) = registry_key(&cuit) else {
        return invalid_cuit(&cuit);
    };
    let record = serde_json::from_str::<PadronRecord>(&body)
        .map_err(|e| e.to_string())
        .and_then(|record| record.normalised(&cuit));
    match record {
        Ok(record) => {
            let mut wsfe = lock(&state.wsfe);
            wsfe.padron.insert(key, record.clone());
            state.persist(&wsfe);
            Json(record).into_response()
        }
        Err(message) => (StatusCode::BAD_REQUEST, Json(json!({"error": message}))).into_response(),
    }
}

async fn delete_padron(AxumState(state): Shared, Path(cuit): Path<String>) -> Response {
    let Some(key) = registry_key(&cuit) else {
        return invalid_cuit(&cuit);
    };
    let mut wsfe = lock(&state.wsfe);
    let removed = wsfe.padron.remove(&key).is_some();
    state.persist(&wsfe);
    if removed {
        StatusCode::NO_CONTENT.into_response()
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
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
    /// One WSAA service (`wsfe`, `ws_sr_constancia_inscripcion`, …); absent: every service.
    service: Option<String>,
    authorized: bool,
}

/// Authorises or refuses a certificate CUIT for one service or for all of them. Authorising
/// without a service also lifts every per-service refusal of that CUIT.
async fn set_authorization(AxumState(state): Shared, Json(change): Json<Authorization>) -> StatusCode {
    let mut per_service = lock(&state.unauthorized_services);
    match (change.service, change.authorized) {
        (Some(service), true) => {
            per_service.remove(&(change.cuit, service));
        }
        (Some(service), false) => {
            per_service.insert((change.cuit, service));
        }
        (None, true) => {
            per_service.retain(|(cuit, _)| *cuit != change.cuit);
            lock(&state.unauthorized).remove(&change.cuit);
        }
        (None, false) => {
            lock(&state.unauthorized).insert(change.cuit);
        }
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

#[derive(Deserialize)]
struct SeriesSeed {
    cuit: i64,
    pto_vta: i64,
    cbte_tipo: i64,
    /// The last authorised number the series should report.
    last: i64,
    /// `yyyymmdd` of that voucher (later vouchers may not be dated before it).
    last_date: Option<String>,
}

/// Seeds a series as if `last` vouchers had been authorised (replays of recorded traffic).
async fn seed_series(AxumState(state): Shared, Json(seed): Json<SeriesSeed>) -> StatusCode {
    let mut wsfe = lock(&state.wsfe);
    let series = wsfe.series_mut(SeriesKey {
        cuit: seed.cuit,
        pto_vta: seed.pto_vta,
        cbte_tipo: seed.cbte_tipo,
    });
    series.last = seed.last;
    series.last_date = seed.last_date;
    state.persist(&wsfe);
    StatusCode::NO_CONTENT
}

#[derive(Deserialize)]
struct VoucherFilter {
    cuit: Option<i64>,
    pto_vta: Option<i64>,
    cbte_tipo: Option<i64>,
}

/// Every stored voucher, per series: what ARCA holds, for tests and the chaos checker.
async fn list_vouchers(AxumState(state): Shared, Query(filter): Query<VoucherFilter>) -> Json<serde_json::Value> {
    let wsfe = lock(&state.wsfe);
    let mut series = Vec::new();
    for (key, entry) in wsfe.all_series() {
        let SeriesKey {
            cuit,
            pto_vta,
            cbte_tipo,
        } = key;
        let wanted = |filter: Option<i64>, value: i64| filter.is_none_or(|f| f == value);
        if !wanted(filter.cuit, cuit) || !wanted(filter.pto_vta, pto_vta) || !wanted(filter.cbte_tipo, cbte_tipo) {
            continue;
        }
        let vouchers: Vec<serde_json::Value> = entry
            .vouchers
            .values()
            .map(|v| {
                json!({
                    "cbte_desde": v.detail.cbte_desde,
                    "cbte_hasta": v.detail.cbte_hasta,
                    "cbte_fch": v.detail.cbte_fch,
                    "imp_total": v.detail.imp_total.to_string(),
                    "doc_tipo": v.detail.doc_tipo,
                    "doc_nro": v.detail.doc_nro,
                    "cod_autorizacion": v.cod_autorizacion,
                    "emision_tipo": v.emision_tipo,
                    "fch_vto": v.fch_vto,
                })
            })
            .collect();
        series.push(json!({
            "cuit": cuit, "pto_vta": pto_vta, "cbte_tipo": cbte_tipo,
            "last": entry.last, "last_date": entry.last_date, "vouchers": vouchers,
        }));
    }
    Json(json!({ "series": series }))
}

/// Adds or replaces a taxpayer in the registry the receiver checks consult.
async fn put_taxpayer(AxumState(state): Shared, Json(taxpayer): Json<Taxpayer>) -> StatusCode {
    let mut wsfe = lock(&state.wsfe);
    wsfe.taxpayers.insert(taxpayer.cuit, taxpayer);
    state.persist(&wsfe);
    StatusCode::NO_CONTENT
}

/// Replaces the points of sale `FEParamGetPtosVenta` lists.
async fn put_points_of_sale(AxumState(state): Shared, Json(points): Json<Vec<PointOfSale>>) -> StatusCode {
    let mut wsfe = lock(&state.wsfe);
    wsfe.points_of_sale = points;
    state.persist(&wsfe);
    StatusCode::NO_CONTENT
}

/// Sets exchange rates (`{"DOL": "1050.5"}`) for `FEParamGetCotizacion` and rule 10119.
async fn put_rates(AxumState(state): Shared, Json(rates): Json<BTreeMap<String, String>>) -> Response {
    let mut parsed = BTreeMap::new();
    for (currency, rate) in rates {
        match rate.parse::<Decimal>() {
            Ok(value) => parsed.insert(currency, value),
            Err(_) => {
                let body = json!({"error": format!("rate of {currency} is not a decimal")});
                return (StatusCode::BAD_REQUEST, Json(body)).into_response();
            }
        };
    }
    let mut wsfe = lock(&state.wsfe);
    wsfe.rates.extend(parsed);
    state.persist(&wsfe);
    StatusCode::NO_CONTENT.into_response()
}

async fn wsfe_settings(AxumState(state): Shared) -> Json<serde_json::Value> {
    let settings = state.settings();
    Json(json!({
        "reg_x_req": settings.reg_x_req,
        "cae_validity_days": settings.cae_validity_days,
        "consumidor_final_threshold": settings.consumidor_final_threshold.to_string(),
        "caea_report_days": settings.caea_report_days,
    }))
}

#[derive(Deserialize)]
struct WsfeSettings {
    reg_x_req: Option<i64>,
    cae_validity_days: Option<i64>,
    consumidor_final_threshold: Option<String>,
    /// `FchTopeInf` of the CAEAs granted from now on = the fortnight's end + this many days.
    caea_report_days: Option<i64>,
}

async fn set_wsfe_settings(state: Shared, Json(change): Json<WsfeSettings>) -> Response {
    let threshold = match change
        .consumidor_final_threshold
        .map(|t| t.parse::<Decimal>())
        .transpose()
    {
        Ok(threshold) => threshold,
        Err(_) => {
            let body = json!({"error": "consumidor_final_threshold is not a decimal"});
            return (StatusCode::BAD_REQUEST, Json(body)).into_response();
        }
    };
    {
        let mut settings = lock(&state.settings);
        if let Some(reg_x_req) = change.reg_x_req {
            settings.reg_x_req = reg_x_req.max(1);
        }
        if let Some(days) = change.cae_validity_days {
            settings.cae_validity_days = days;
        }
        if let Some(threshold) = threshold {
            settings.consumidor_final_threshold = threshold;
        }
        if let Some(days) = change.caea_report_days {
            settings.caea_report_days = days;
        }
    }
    wsfe_settings(state).await.into_response()
}

#[derive(Deserialize)]
struct OutageChange {
    /// `FECAESolicitar` down (HTTP 503; `FEDummy`'s `AppServer` not OK).
    cae: Option<bool>,
    /// The five CAEA operations down (HTTP 503).
    caea: Option<bool>,
}

/// `{"cae": bool, "caea": bool}`: which WSFEv1 fronts are down (`true`).
async fn outage(AxumState(state): Shared) -> Json<crate::faults::OutageState> {
    Json(state.outage.state())
}

/// Takes the CAE front and/or the CAEA operations down or up; an absent switch is unchanged.
async fn set_outage(state: Shared, Json(change): Json<OutageChange>) -> Json<crate::faults::OutageState> {
    state.outage.set(change.cae, change.caea);
    outage(state).await
}

#[derive(Deserialize)]
struct CaeaFilter {
    cuit: Option<i64>,
}

/// What the simulated ARCA holds under CAEA (of one CUIT with `?cuit=`): the grants, the no-movement notices and every
/// reported voucher with when it was informed (the simulator's clock), for the chaos checker.
async fn list_caea(AxumState(state): Shared, Query(filter): Query<CaeaFilter>) -> Json<serde_json::Value> {
    let wanted = |cuit: i64| filter.cuit.is_none_or(|f| f == cuit);
    let wsfe = lock(&state.wsfe);
    let grants: Vec<serde_json::Value> = wsfe
        .caeas
        .iter()
        .filter(|g| wanted(g.cuit))
        .map(|g| {
            json!({
                "cuit": g.cuit, "caea": g.caea, "periodo": g.periodo, "orden": g.orden,
                "fch_vig_desde": g.fch_vig_desde, "fch_vig_hasta": g.fch_vig_hasta,
                "fch_tope_inf": g.fch_tope_inf, "fch_proceso": g.fch_proceso,
            })
        })
        .collect();
    let no_movement: Vec<serde_json::Value> = wsfe
        .no_movement
        .iter()
        .filter(|n| wanted(n.cuit))
        .map(|n| json!({"cuit": n.cuit, "caea": n.caea, "pto_vta": n.pto_vta, "fch_proceso": n.fch_proceso}))
        .collect();
    let mut vouchers = Vec::new();
    for (key, series) in wsfe.all_series().filter(|(key, _)| wanted(key.cuit)) {
        for voucher in series.vouchers.values().filter(|v| v.emision_tipo == "CAEA") {
            vouchers.push(json!({
                "cuit": key.cuit, "pto_vta": key.pto_vta, "cbte_tipo": key.cbte_tipo,
                "numero": voucher.detail.cbte_desde,
                "caea": voucher.cod_autorizacion,
                "cbte_fch": voucher.detail.cbte_fch,
                "cbte_fch_hs_gen": voucher.detail.cbte_fch_hs_gen,
                "imp_total": voucher.detail.imp_total.to_string(),
                "informed_at": voucher.informed_at,
            }));
        }
    }
    Json(json!({"grants": grants, "no_movement": no_movement, "vouchers": vouchers}))
}

#[derive(Deserialize)]
struct VoucherSeed {
    cuit: i64,
    pto_vta: i64,
    cbte_tipo: i64,
    numero: i64,
    /// `yyyymmdd`.
    cbte_fch: String,
    imp_total: Option<String>,
    /// The CAE it was given (a fresh one when absent), e.g. a code from recorded traffic.
    cod_autorizacion: Option<String>,
    #[serde(default)]
    doc_tipo: i64,
    #[serde(default)]
    doc_nro: i64,
}

/// Stores an authorised voucher as if ARCA had approved it earlier (for example one that a
/// credit note in a replayed request refers to); the series' last number follows it.
async fn seed_voucher(AxumState(state): Shared, Json(seed): Json<VoucherSeed>) -> Response {
    let Ok(imp_total) = seed.imp_total.as_deref().unwrap_or("0").parse::<Decimal>() else {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "imp_total is not a decimal"})),
        )
            .into_response();
    };
    let mut wsfe = lock(&state.wsfe);
    let code = match seed.cod_autorizacion {
        Some(code) => code,
        None => wsfe.next_code(),
    };
    let detail = Detail {
        concepto: 1,
        doc_tipo: seed.doc_tipo,
        doc_nro: seed.doc_nro,
        cbte_desde: seed.numero,
        cbte_hasta: seed.numero,
        cbte_fch: Some(seed.cbte_fch.clone()),
        imp_total,
        ..Detail::default()
    };
    let series = wsfe.series_mut(SeriesKey {
        cuit: seed.cuit,
        pto_vta: seed.pto_vta,
        cbte_tipo: seed.cbte_tipo,
    });
    if series.last < seed.numero {
        series.last = seed.numero;
        series.last_date = Some(seed.cbte_fch.clone());
    }
    series.vouchers.insert(
        seed.numero,
        StoredVoucher {
            detail,
            resultado: "A".into(),
            cod_autorizacion: code.clone(),
            emision_tipo: "CAE".into(),
            fch_vto: seed.cbte_fch,
            fch_proceso: String::new(),
            observaciones: Vec::new(),
            informed_at: None,
        },
    );
    state.persist(&wsfe);
    (StatusCode::CREATED, Json(json!({"cod_autorizacion": code}))).into_response()
}
