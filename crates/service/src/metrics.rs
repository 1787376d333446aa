//! Prometheus metrics: a small registry of counters and histograms, written out in the text
//! exposition format (version 0.0.4) by `GET /metrics`.
//!
//! Hand-written rather than `metrics` + `metrics-exporter-prometheus`: a dozen families with
//! fixed labels need a map and a formatter, not a recorder, an exporter and their build time.
//!
//! The registry is one per process, on purpose: the recording points (the HTTP middleware, the
//! ARCA transport's observer, `with_pool!`, the issuance engine's [`record_batch`] and
//! [`record_reconciliation`]) are spread across layers that share no handle, and one process
//! is one scrape target. Gauges that describe shared state (invoice queues, maintenance) are
//! not kept here: the `/metrics` handler reads them when scraped and passes them to [`render`].

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Seconds: from a fast cached lookup (5 ms) to a slow ARCA call near its 30 s bound.
const DURATION_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];
/// Invoices per `FECAESolicitar`: 1 on an idle series, up to RegXReq (250 in homologation).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 5.0, 10.0, 25.0, 50.0, 100.0, 250.0];

/// How a family is exposed.
struct Family {
    name: &'static str,
    help: &'static str,
    kind: Kind,
    /// Whether its samples carry labels; an unlabelled counter is written as 0 before its
    /// first increment (a labelled one has no series until then).
    labelled: bool,
}

#[derive(Clone, Copy)]
enum Kind {
    Counter,
    Histogram(&'static [f64]),
}

/// Every family this registry records, in the order they are written out.
const FAMILIES: &[Family] = &[
    Family {
        name: "http_requests_total",
        help: "HTTP requests answered, by method, path (the matched route template) and status.",
        kind: Kind::Counter,
        labelled: true,
    },
    Family {
        name: "http_requests_failed_total",
        help: "HTTP requests answered with a 5xx status, by method, path and status.",
        kind: Kind::Counter,
        labelled: true,
    },
    Family {
        name: "http_request_duration_seconds",
        help: "Time to answer an HTTP request (until the response headers), by method and path.",
        kind: Kind::Histogram(DURATION_BUCKETS),
        labelled: true,
    },
    Family {
        name: "arca_api_duration_seconds",
        help: "Duration of calls to ARCA (WSAA and WSFEv1), by SOAP operation.",
        kind: Kind::Histogram(DURATION_BUCKETS),
        labelled: true,
    },
    Family {
        name: "arca_api_errors_total",
        help: "ARCA calls that failed: not_sent, outcome_unknown (timeout, reset) or http_5xx.",
        kind: Kind::Counter,
        labelled: true,
    },
    Family {
        name: "database_query_duration_seconds",
        help: "Duration of database operations (one storage function's statements).",
        kind: Kind::Histogram(DURATION_BUCKETS),
        labelled: false,
    },
    Family {
        name: "database_errors_total",
        help: "Database operations that failed (connection, pool timeout, constraint, query).",
        kind: Kind::Counter,
        labelled: false,
    },
    Family {
        name: "arca_issuance_batch_size",
        help: "Invoices sent in one FECAESolicitar.",
        kind: Kind::Histogram(BATCH_BUCKETS),
        labelled: false,
    },
    Family {
        name: "arca_api_key_lookups_total",
        help: "API keys read from the database (cache misses; concurrent misses of one key count once).",
        kind: Kind::Counter,
        labelled: false,
    },
    Family {
        name: "arca_acceptance_group_size",
        help: "Accepted invoices stored in one transaction (group commit; a lone invoice is not counted).",
        kind: Kind::Histogram(BATCH_BUCKETS),
        labelled: false,
    },
    Family {
        name: "arca_reconciliations_total",
        help: "In-flight invoices checked against ARCA (FECompConsultar) after an uncertain outcome.",
        kind: Kind::Counter,
        labelled: false,
    },
    Family {
        name: "arca_caea_reports_total",
        help: "CAEA vouchers and no-movement notices reported to ARCA by this instance, by outcome: informed, rejected, unknown (no answer: reconciled next pass), refused (a request ARCA refused as a whole: the vouchers wait).",
        kind: Kind::Counter,
        labelled: true,
    },
    Family {
        name: "arca_caea_late_reports_total",
        help: "CAEA reports (vouchers or no-movement notices) sent after ARCA's deadline (FchTopeInf).",
        kind: Kind::Counter,
        labelled: false,
    },
    Family {
        name: "arca_fce_undecided_total",
        help: "Invoices to a CUIT whose FCE MiPyMEs obligation wsfecred could not tell (issued with the class asked for), by reason: unavailable (down, slow or deferred), not_authorized, no_certificate, refused, no_threshold (obliged without montoDesde).",
        kind: Kind::Counter,
        labelled: true,
    },
    Family {
        name: "arca_caea_granted_total",
        help: "CAEAs obtained from ARCA and stored, by how: requested (FECAEASolicitar) or recovered (FECAEAConsultar after 15008, a lost answer).",
        kind: Kind::Counter,
        labelled: true,
    },
    Family {
        name: "arca_caea_refused_total",
        help: "CAEA requests ARCA refused with codes other than 15008 (15003, 15016, ...); the codes are logged.",
        kind: Kind::Counter,
        labelled: false,
    },
    Family {
        name: "arca_caea_missing_total",
        help: "contingency.caea_missing alerts: a fortnight near or begun without a CAEA for an opted-in account.",
        kind: Kind::Counter,
        labelled: false,
    },
    Family {
        name: "arca_webhook_deliveries_total",
        help: "Webhook delivery attempts made by this instance, by outcome: delivered, transient (retried), permanent, abandoned (an attempt of an instance that died, closed by this one).",
        kind: Kind::Counter,
        labelled: true,
    },
    Family {
        name: "arca_webhook_delivery_duration_seconds",
        help: "Time of one webhook delivery attempt by this instance, from the request to the endpoint's answer (or the timeout).",
        kind: Kind::Histogram(DURATION_BUCKETS),
        labelled: false,
    },
    Family {
        name: "arca_dashboard_render_seconds",
        help: "Server time of a dashboard page, from the request to the rendered answer (its data loading included), by page (the matched route).",
        kind: Kind::Histogram(DURATION_BUCKETS),
        labelled: true,
    },
    Family {
        name: "arca_caea_invoices_total",
        help: "Invoices this instance issued under a CAEA (contingency: ARCA's CAE service failing).",
        kind: Kind::Counter,
        labelled: false,
    },
];

type Labels = Vec<(&'static str, String)>;

#[derive(Default)]
struct Registry {
    counters: BTreeMap<(&'static str, Labels), u64>,
    histograms: BTreeMap<(&'static str, Labels), Histogram>,
}

#[derive(Default)]
struct Histogram {
    /// Observations per bucket (not cumulative), plus one for `+Inf`.
    buckets: Vec<u64>,
    sum: f64,
    count: u64,
}

static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(Mutex::default);

fn with_registry<T>(change: impl FnOnce(&mut Registry) -> T) -> T {
    let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
    change(&mut registry)
}

fn increment(name: &'static str, labels: Labels) {
    with_registry(|registry| *registry.counters.entry((name, labels)).or_default() += 1);
}

fn observe(name: &'static str, labels: Labels, value: f64) {
    let bounds = match FAMILIES.iter().find(|family| family.name == name).map(|f| f.kind) {
        Some(Kind::Histogram(bounds)) => bounds,
        _ => return,
    };
    with_registry(|registry| {
        let histogram = registry.histograms.entry((name, labels)).or_default();
        if histogram.buckets.is_empty() {
            histogram.buckets = vec![0; bounds.len() + 1];
        }
        let index = bounds.iter().position(|bound| value <= *bound).unwrap_or(bounds.len());
        histogram.buckets[index] += 1;
        histogram.sum += value;
        histogram.count += 1;
    });
}

/// The `method` label of a request: one of the methods HTTP defines, or `OTHER` for any other
/// token a client sends, so made-up methods cannot add series without bound.
pub fn method_label(method: &str) -> &'static str {
    const STANDARD: &[&str] = &[
        "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
    ];
    STANDARD
        .iter()
        .find(|standard| **standard == method)
        .copied()
        .unwrap_or("OTHER")
}

/// An HTTP request answered. `route` is the matched route template (`/v1/invoices/{id}`), never
/// the raw path, so the number of series stays bounded; it is exposed as the `path` label (the
/// name the alert rules in `deploy/prometheus/` use). The method is folded by [`method_label`].
pub fn record_http_request(method: &str, route: &str, status: u16, elapsed: Duration) {
    let method = method_label(method);
    let labels = vec![
        ("method", method.to_string()),
        ("path", route.to_string()),
        ("status", status.to_string()),
    ];
    if status >= 500 {
        increment("http_requests_failed_total", labels.clone());
    }
    increment("http_requests_total", labels);
    observe(
        "http_request_duration_seconds",
        vec![("method", method.to_string()), ("path", route.to_string())],
        elapsed.as_secs_f64(),
    );
}

/// An ARCA call finished (reported by the transport's observer).
pub fn record_arca_call(call: &arca_protocol::transport::CallRecord<'_>) {
    let operation = call.operation.to_string();
    observe(
        "arca_api_duration_seconds",
        vec![("operation", operation.clone())],
        call.elapsed.as_secs_f64(),
    );
    if let Some(kind) = call.failure {
        increment(
            "arca_api_errors_total",
            vec![("operation", operation), ("kind", kind.to_string())],
        );
    }
}

/// A database error (every `sqlx::Error` becomes a crate error in one place, which calls this).
pub fn record_database_error() {
    increment("database_errors_total", Vec::new());
}

/// One `FECAESolicitar` with `size` invoices.
pub fn record_batch(size: usize) {
    observe("arca_issuance_batch_size", Vec::new(), size as f64);
}

/// An API key read from the database.
pub fn record_api_key_lookup() {
    increment("arca_api_key_lookups_total", Vec::new());
}

/// A group of `size` accepted invoices committed in one transaction.
pub fn record_acceptance_group(size: usize) {
    observe("arca_acceptance_group_size", Vec::new(), size as f64);
}

/// One in-flight invoice reconciled with ARCA.
pub fn record_reconciliation() {
    increment("arca_reconciliations_total", Vec::new());
}

/// One invoice issued under a CAEA.
pub fn record_caea_invoice() {
    increment("arca_caea_invoices_total", Vec::new());
}

/// `count` CAEA reports of this instance ended with `outcome` (`informed`, `rejected`, `unknown`, `refused`).
pub fn record_caea_reports(outcome: &'static str, count: usize) {
    for _ in 0..count {
        increment("arca_caea_reports_total", vec![("outcome", outcome.to_string())]);
    }
}

/// A CAEA report sent after its grant's `FchTopeInf`.
pub fn record_caea_late_report() {
    increment("arca_caea_late_reports_total", Vec::new());
}

/// An invoice's FCE class could not be decided (wsfecred did not answer usefully): `reason`.
pub fn record_fce_undecided(reason: &'static str) {
    increment("arca_fce_undecided_total", vec![("reason", reason.to_string())]);
}

/// A CAEA stored: `recovered` when FECAEAConsultar found it after 15008.
pub fn record_caea_granted(recovered: bool) {
    let how = if recovered { "recovered" } else { "requested" };
    increment("arca_caea_granted_total", vec![("how", how.to_string())]);
}

/// ARCA refused a CAEA request.
pub fn record_caea_refused() {
    increment("arca_caea_refused_total", Vec::new());
}

/// A `contingency.caea_missing` alert fired.
pub fn record_caea_missing() {
    increment("arca_caea_missing_total", Vec::new());
}

/// A webhook delivery attempt of this instance ended with `outcome` (`delivered`, `transient`,
/// `permanent`) after `elapsed`.
pub fn record_webhook_attempt(outcome: &'static str, elapsed: Duration) {
    increment("arca_webhook_deliveries_total", vec![("outcome", outcome.to_string())]);
    observe(
        "arca_webhook_delivery_duration_seconds",
        Vec::new(),
        elapsed.as_secs_f64(),
    );
}

/// A dashboard page (`page`, its route template) was answered after `elapsed`.
pub fn record_dashboard_render(page: &str, elapsed: Duration) {
    observe(
        "arca_dashboard_render_seconds",
        vec![("page", page.to_string())],
        elapsed.as_secs_f64(),
    );
}

/// `count` webhook attempts left open by an instance that died were closed by this one.
pub fn record_webhook_abandoned(count: usize) {
    if count == 0 {
        return;
    }
    with_registry(|registry| {
        *registry
            .counters
            .entry((
                "arca_webhook_deliveries_total",
                vec![("outcome", "abandoned".to_string())],
            ))
            .or_default() += count as u64;
    });
}

/// Times a database operation from creation to drop: dropping also happens on an early `?`
/// return, so failed operations are timed too.
pub struct QueryTimer(Instant);

impl QueryTimer {
    pub fn start() -> QueryTimer {
        QueryTimer(Instant::now())
    }
}

impl Drop for QueryTimer {
    fn drop(&mut self) {
        observe(
            "database_query_duration_seconds",
            Vec::new(),
            self.0.elapsed().as_secs_f64(),
        );
    }
}

/// A gauge read at scrape time: name, help, and its labelled values.
pub struct Gauge {
    pub name: &'static str,
    pub help: &'static str,
    pub values: Vec<(Vec<(&'static str, String)>, f64)>,
}

impl Gauge {
    pub fn single(name: &'static str, help: &'static str, value: f64) -> Gauge {
        Gauge {
            name,
            help,
            values: vec![(Vec::new(), value)],
        }
    }
}

/// The exposition: every recorded family (with `# HELP` and `# TYPE` even before its first
/// sample, so dashboards and alerts find the name), then `gauges`.
pub fn render(gauges: &[Gauge]) -> String {
    let mut text = String::new();
    with_registry(|registry| {
        for family in FAMILIES {
            match family.kind {
                Kind::Counter => {
                    header(&mut text, family.name, family.help, "counter");
                    let mut any = false;
                    for ((name, labels), value) in &registry.counters {
                        if *name == family.name {
                            any = true;
                            sample(&mut text, family.name, labels, None, *value as f64);
                        }
                    }
                    if !any && !family.labelled {
                        sample(&mut text, family.name, &[], None, 0.0);
                    }
                }
                Kind::Histogram(bounds) => {
                    header(&mut text, family.name, family.help, "histogram");
                    for ((name, labels), histogram) in &registry.histograms {
                        if *name == family.name {
                            write_histogram(&mut text, family.name, labels, bounds, histogram);
                        }
                    }
                }
            }
        }
    });
    for gauge in gauges {
        header(&mut text, gauge.name, gauge.help, "gauge");
        for (labels, value) in &gauge.values {
            sample(&mut text, gauge.name, labels, None, *value);
        }
    }
    text
}

fn header(text: &mut String, name: &str, help: &str, kind: &str) {
    let _ = writeln!(text, "# HELP {name} {help}");
    let _ = writeln!(text, "# TYPE {name} {kind}");
}

fn write_histogram(text: &mut String, name: &str, labels: &Labels, bounds: &[f64], histogram: &Histogram) {
    let bucket_name = format!("{name}_bucket");
    let mut cumulative = 0;
    for (index, count) in histogram.buckets.iter().enumerate() {
        cumulative += count;
        let le = bounds
            .get(index)
            .map_or_else(|| "+Inf".to_string(), |bound| bound.to_string());
        sample(text, &bucket_name, labels, Some(&le), cumulative as f64);
    }
    sample(text, &format!("{name}_sum"), labels, None, histogram.sum);
    sample(text, &format!("{name}_count"), labels, None, histogram.count as f64);
}

fn sample(text: &mut String, name: &str, labels: &[(&'static str, String)], le: Option<&str>, value: f64) {
    text.push_str(name);
    let mut pairs: Vec<(&str, &str)> = labels.iter().map(|(key, value)| (*key, value.as_str())).collect();
    if let Some(le) = le {
        pairs.push(("le", le));
    }
    if !pairs.is_empty() {
        text.push('{');
        for (index, (key, value)) in pairs.iter().enumerate() {
            if index > 0 {
                text.push(',');
            }
            let _ = write!(text, "{key}=\"{}\"", escape(value));
        }
        text.push('}');
    }
    let _ = writeln!(text, " {value}");
}

/// Label values escape backslash, double quote and newline (exposition format 0.0.4).
fn escape(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative_and_labels_escaped() {
        let mut text = String::new();
        let histogram = Histogram {
            buckets: vec![1, 2, 0],
            sum: 3.5,
            count: 3,
        };
        write_histogram(
            &mut text,
            "x_seconds",
            &vec![("path", "a\"b".to_string())],
            &[0.5, 1.0],
            &histogram,
        );
        assert_eq!(
            text,
            "x_seconds_bucket{path=\"a\\\"b\",le=\"0.5\"} 1\n\
             x_seconds_bucket{path=\"a\\\"b\",le=\"1\"} 3\n\
             x_seconds_bucket{path=\"a\\\"b\",le=\"+Inf\"} 3\n\
             x_seconds_sum{path=\"a\\\"b\"} 3.5\n\
             x_seconds_count{path=\"a\\\"b\"} 3\n"
        );
    }

    #[test]
    fn methods_outside_http_fold_into_one_label() {
        assert_eq!(method_label("GET"), "GET");
        assert_eq!(method_label("PATCH"), "PATCH");
        assert_eq!(method_label("XYZ1"), "OTHER");
        assert_eq!(method_label("get"), "OTHER", "methods are case-sensitive");
        assert_eq!(method_label(&"A".repeat(4096)), "OTHER");
    }

    #[test]
    fn every_family_is_named_before_its_first_sample() {
        let text = render(&[Gauge::single("g", "A gauge.", 2.0)]);
        for family in FAMILIES {
            assert!(text.contains(&format!("# TYPE {} ", family.name)), "{}", family.name);
        }
        assert!(text.ends_with("# TYPE g gauge\ng 2\n"), "{text}");
    }
}
