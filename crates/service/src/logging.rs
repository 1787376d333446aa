//! `LOG_FORMAT=json`: one JSON object per line with `timestamp`, `level`, `service`,
//! `trace_id` (the request's `X-Request-Id`), `message`, then the context — the fields of the
//! enclosing spans and of the event, flat.
//!
//! A formatter of our own rather than tracing-subscriber's `json()`, whose shape (`fields`,
//! `span`, `spans` nesting, no `service`, no `trace_id`) is not the one log pipelines expect
//! from this service. Span fields come from the `JsonFields` formatter, which stores each
//! span's fields as a JSON object; the HTTP layer's `request` span carries `request_id`.
//!
//! What is logged never holds a secret: credentials are [`Secret`](arca_protocol::secret::Secret)s
//! and functions that take them are instrumented with `skip_all`; this formatter adds nothing.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormattedFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

/// The `service` of every line.
const SERVICE: &str = "arca-api";
/// The span field that becomes `trace_id`.
const TRACE_FIELD: &str = "request_id";

/// The line format.
#[derive(Debug, Clone, Copy, Default)]
pub struct JsonLines;

/// A subscriber writing JSON lines to `writer`, filtered by `filter` (`LOG_LEVEL`).
pub fn json_subscriber<W>(filter: EnvFilter, writer: W) -> impl Subscriber + Send + Sync + 'static
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .fmt_fields(JsonFields::new())
        .event_format(JsonLines)
        .finish()
}

impl<S> FormatEvent<S, JsonFields> for JsonLines
where
    S: Subscriber + for<'lookup> LookupSpan<'lookup>,
{
    fn format_event(
        &self,
        context: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Map::new();
        if let Some(scope) = context.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                let Some(formatted) = extensions.get::<FormattedFields<JsonFields>>() else {
                    continue;
                };
                if let Ok(Value::Object(span_fields)) = serde_json::from_str::<Value>(&formatted.fields) {
                    fields.extend(span_fields);
                }
            }
        }
        let mut visitor = FieldVisitor(Map::new());
        event.record(&mut visitor);
        fields.extend(visitor.0);

        let metadata = event.metadata();
        let trace_id = fields
            .remove(TRACE_FIELD)
            .filter(|id| id.as_str().is_some_and(|id| id != "-"))
            .unwrap_or(Value::Null);
        // The fixed keys first, in this order, for people reading the raw stream; then the
        // context (serde_json's map would sort them all).
        let fixed: [(&str, Value); 6] = [
            (
                "timestamp",
                chrono::Utc::now()
                    .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
                    .into(),
            ),
            ("level", metadata.level().as_str().to_ascii_lowercase().into()),
            ("service", SERVICE.into()),
            ("trace_id", trace_id),
            ("message", fields.remove("message").unwrap_or_default()),
            ("target", metadata.target().into()),
        ];
        let mut line = String::from("{");
        for (index, (name, value)) in fixed.iter().enumerate() {
            if index > 0 {
                line.push(',');
            }
            push_pair(&mut line, name, value);
        }
        for (name, value) in &fields {
            if fixed.iter().all(|(fixed_name, _)| fixed_name != name) {
                line.push(',');
                push_pair(&mut line, name, value);
            }
        }
        line.push('}');
        writeln!(writer, "{line}")
    }
}

fn push_pair(line: &mut String, name: &str, value: &Value) {
    line.push_str(&Value::from(name).to_string());
    line.push(':');
    line.push_str(&value.to_string());
}

/// An event's fields as JSON values.
struct FieldVisitor(Map<String, Value>);

impl Visit for FieldVisitor {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().into(), format!("{value:?}").into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.0.insert(field.name().into(), value.to_string().into());
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Capture {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn lines_carry_the_service_the_trace_id_and_the_context() {
        let capture = Capture::default();
        let sink = capture.clone();
        let subscriber = json_subscriber(EnvFilter::new("info"), move || sink.clone());
        tracing::subscriber::with_default(subscriber, || {
            let span = tracing::info_span!("request", method = "GET", request_id = "req-42");
            let _entered = span.enter();
            tracing::info!(invoice.id = "inv_1", count = 3, "invoice approved");
            tracing::debug!("filtered out");
        });
        let text = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        let lines: Vec<Value> = text.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line = &lines[0];
        assert_eq!(line["level"], "info");
        assert_eq!(line["service"], "arca-api");
        assert_eq!(line["trace_id"], "req-42");
        assert_eq!(line["message"], "invoice approved");
        assert_eq!(line["invoice.id"], "inv_1");
        assert_eq!(line["count"], 3);
        assert_eq!(line["method"], "GET");
        assert!(line["timestamp"].as_str().unwrap().ends_with('Z'));
        assert!(text.starts_with("{\"timestamp\":"), "{text}");
    }
}
