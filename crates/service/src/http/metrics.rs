//! `GET /metrics` (Prometheus text) and the middleware that counts and times every request.
//!
//! Label values stay bounded whatever clients send: the route template (`unmatched` for unknown
//! paths) rather than the path, and a method outside HTTP's as `OTHER`. `/metrics` never names
//! a tenant to an anonymous caller: without `METRICS_TOKEN` it is open and publishes certificate
//! expiry as aggregates only; with it, a scrape without the token gets 401, and one with it also
//! gets the per-CUIT series.

use std::collections::BTreeMap;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::{bearer, same_secret};
use super::error::ApiError;
use crate::arca::breaker::BreakerState;
use crate::health;
use crate::metrics::{self, Gauge};
use crate::state::AppState;
use crate::storage::certificates;
use crate::storage::invoices::{self, InvoiceStatus};

/// Records method (folded by `metrics::method_label`), matched route (`unmatched` for unknown
/// paths, so a scan of random URLs cannot create unbounded series), status and duration of
/// every request.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |path| path.as_str().to_string());
    let response = next.run(request).await;
    metrics::record_http_request(&method, &route, response.status().as_u16(), started.elapsed());
    response
}

/// The registry's families, then gauges read now: invoice queues by status, maintenance,
/// the circuit breaker, certificates' days to expiry, webhook queues. With `METRICS_TOKEN`
/// set, only a scrape presenting it as a bearer token is answered.
pub async fn metrics_text(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let authorised = match &state.config.security.metrics_token {
        None => false,
        Some(expected) => {
            if !same_secret(&bearer(&headers).unwrap_or_default(), expected) {
                return ApiError::unauthorized("send METRICS_TOKEN as `Authorization: Bearer <token>`").into_response();
            }
            true
        }
    };
    let mut queue = Gauge {
        name: "arca_invoices_queue",
        help: "Invoices by status (pending and pending_retry are the issuance queue).",
        values: Vec::new(),
    };
    // A database that cannot answer leaves the queue gauge out rather than failing the scrape:
    // the other metrics (and database_errors_total) say what is wrong.
    if let Ok(counts) = invoices::count_by_status(&state.storage).await {
        // Every status, so each queue gauge exists even at zero.
        for status in InvoiceStatus::ALL {
            let count = counts
                .iter()
                .find(|(counted, _)| *counted == status)
                .map_or(0, |(_, n)| *n);
            queue.values.push((vec![("status", status.to_string())], count as f64));
        }
    }
    let mut outbox = Gauge {
        name: "arca_outbox_messages",
        help: "Outbound messages (invoice emails and webhook deliveries) by status: pending and delivering are the outbox's queue.",
        values: Vec::new(),
    };
    if let Ok(counts) = crate::storage::outbox::count_by_status(&state.storage).await {
        for status in crate::outbox::MessageStatus::ALL {
            let count = counts
                .iter()
                .find(|(counted, _)| *counted == status)
                .map_or(0, |(_, n)| *n);
            outbox
                .values
                .push((vec![("status", status.as_str().to_string())], count as f64));
        }
    }
    // Webhook deliveries of every account: pending (first attempt), retrying (pending again
    // after a failure), delivering, failed (for good, until the retention purge).
    let mut webhooks = Gauge {
        name: "arca_webhooks_queue",
        help: "Webhook deliveries by status: pending (waiting for the first attempt), retrying, delivering, failed (for good).",
        values: Vec::new(),
    };
    if let Ok(queue) = crate::storage::outbox::webhook_queue(&state.storage).await {
        for (status, count) in [
            ("pending", queue.pending),
            ("retrying", queue.retrying),
            ("delivering", queue.delivering),
            ("failed", queue.failed),
        ] {
            webhooks
                .values
                .push((vec![("status", status.to_string())], count as f64));
        }
    }
    let maintenance = state.maintenance.is_active().await;
    let breaker = match state.breaker.state() {
        BreakerState::Closed => 0.0,
        BreakerState::HalfOpen => 1.0,
        BreakerState::Open => 2.0,
    };
    // Read once per scrape, for the aggregates and (with the token) the per-CUIT series.
    let expiries = certificates::active_expiries(&state.storage).await.unwrap_or_default();
    let mut gauges = vec![
        queue,
        outbox,
        Gauge::single(
            "arca_maintenance_mode",
            "1 while /v1 answers 503 MAINTENANCE (MAINTENANCE_MODE or arca-api maintenance on).",
            f64::from(u8::from(maintenance)),
        ),
        Gauge::single(
            "arca_circuit_breaker_state",
            "The ARCA circuit breaker: 0 closed, 1 half-open, 2 open.",
            breaker,
        ),
        webhooks,
        Gauge::single(
            "arca_uptime_seconds",
            "Seconds since this instance started.",
            state.started_at.elapsed().as_secs_f64().floor(),
        ),
    ];
    gauges.extend(certificate_aggregates(&expiries));
    if authorised {
        gauges.push(certificate_expiry_by_cuit(&expiries));
    }
    let mut response = metrics::render(&gauges).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    response
}

/// Every tenant's active certificates together, naming none: the days left on the one that
/// expires first (negative once expired; no sample without certificates), and how many expire
/// within 30 days or have expired. What the certificate alerts compare.
fn certificate_aggregates(expiries: &[(String, chrono::DateTime<chrono::Utc>)]) -> [Gauge; 3] {
    let now = chrono::Utc::now();
    let dates: Vec<_> = expiries.iter().map(|(_, expiry)| *expiry).collect();
    let summary = health::summarise(&dates, now);
    let soonest = dates.iter().map(|expiry| (*expiry - now).num_days()).min();
    [
        Gauge {
            name: "arca_certificate_min_expiry_days",
            help: "Days until the first of all active ARCA certificates expires (negative once expired).",
            values: soonest.map(|days| (Vec::new(), days as f64)).into_iter().collect(),
        },
        Gauge::single(
            "arca_certificates_expiring_soon",
            "Active ARCA certificates that expire within 30 days.",
            summary.expiring_soon as f64,
        ),
        Gauge::single(
            "arca_certificates_expired",
            "ARCA certificates still active past their expiry (unusable until replaced).",
            summary.expired as f64,
        ),
    ]
}

/// Days until the first of each CUIT's active certificates expires (negative once expired):
/// which tenant a certificate alert is about. Only for a scrape presenting `METRICS_TOKEN`.
fn certificate_expiry_by_cuit(expiries: &[(String, chrono::DateTime<chrono::Utc>)]) -> Gauge {
    let now = chrono::Utc::now();
    let mut soonest: BTreeMap<String, i64> = BTreeMap::new();
    for (cuit, expiry) in expiries {
        let days = (*expiry - now).num_days();
        soonest
            .entry(cuit.clone())
            .and_modify(|current| *current = (*current).min(days))
            .or_insert(days);
    }
    Gauge {
        name: "arca_certificate_expiry_days",
        help: "Days until the ARCA certificate of each CUIT that expires first does (negative once expired).",
        values: soonest
            .into_iter()
            .map(|(cuit, days)| (vec![("cuit", cuit)], days as f64))
            .collect(),
    }
}
