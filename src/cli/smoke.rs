//! `arca-api smoke --url URL --api-key KEY`: after a deploy, issue one test invoice through the
//! running service and check it came back `approved` with a 14-digit CAE. Prints one line;
//! exits 0 when it did, 1 otherwise.
//!
//! Only sandbox keys (`arca_test_…`, homologation or simulator) are accepted: a smoke test must
//! never issue a real, fiscally valid invoice.

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use arca_service::invoices::InvoiceStatus;
use serde_json::{Value, json};

use super::http_client::HttpClient;

/// Between two looks at an invoice still `pending`.
const POLL_INTERVAL: Duration = Duration::from_millis(500);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The service's base URL, e.g. https://arca-api.example.com
    #[arg(long)]
    url: String,
    /// A sandbox API key (`arca_test_…`); live keys are refused.
    #[arg(long, env = "ARCA_API_KEY", hide_env_values = true)]
    api_key: String,
    /// The point of sale to invoice on.
    #[arg(long, default_value_t = 1)]
    punto_venta: u32,
    /// How long to wait for the invoice to be authorised.
    #[arg(long, default_value_t = 60)]
    timeout_seconds: u64,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if !args.api_key.starts_with("arca_test_") {
        bail!(
            "smoke: refused: only sandbox keys (arca_test_…) may be used; a smoke test must not issue a real invoice"
        );
    }
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.timeout_seconds);
    let client = HttpClient::new(&args.url)?.with_timeout(Duration::from_secs(args.timeout_seconds.clamp(1, 30)));
    let bearer = format!("Bearer {}", args.api_key);
    let body = json!({
        "mode": "advanced", "tipo_comprobante": 6, "punto_venta": args.punto_venta, "concepto": "productos",
        "cliente": {"documento_tipo": 99, "documento_numero": "0", "razon_social": "Consumidor Final",
                    "condicion_iva": "consumidor_final"},
        "items": [{"descripcion": "arca-api smoke test", "cantidad": 1, "precio_unitario": "100.00",
                   "iva_porcentaje": 21}]
    });
    // A fresh idempotency key: a retried POST (lost answer) creates no second invoice.
    let idempotency_key = format!(
        "smoke-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap_or_default()
    );
    let headers = [
        ("authorization", bearer.as_str()),
        ("idempotency-key", idempotency_key.as_str()),
    ];
    let (status, mut invoice) = client
        .post_json("/v1/invoices", &body, &headers)
        .await
        .context("smoke: creating the invoice")?;
    if !matches!(status, 201 | 202) {
        bail!("smoke: POST /v1/invoices answered {status}: {}", describe(&invoice));
    }
    let id = invoice["id"].as_str().unwrap_or_default().to_string();
    while invoice["status"]
        .as_str()
        .and_then(InvoiceStatus::parse)
        .is_some_and(|status| !status.is_final())
    {
        if Instant::now() >= deadline {
            bail!(
                "smoke: invoice {id} still {} after {} s",
                invoice["status"],
                args.timeout_seconds
            );
        }
        tokio::time::sleep(POLL_INTERVAL).await;
        let (status, current) = client
            .get_json(&format!("/v1/invoices/{id}"), &headers[..1])
            .await
            .context("smoke: reading the invoice")?;
        if status != 200 {
            bail!("smoke: GET /v1/invoices/{id} answered {status}: {}", describe(&current));
        }
        invoice = current;
    }
    let cae = invoice["cae"].as_str().unwrap_or_default();
    if invoice["status"].as_str() != Some(InvoiceStatus::Approved.as_str())
        || cae.len() != 14
        || !cae.bytes().all(|b| b.is_ascii_digit())
    {
        bail!(
            "smoke: invoice {id} is {} with CAE {:?}: {}",
            invoice["status"],
            cae,
            describe(&invoice)
        );
    }
    println!(
        "smoke: ok: invoice {id} {} approved, CAE {cae}, in {} ms",
        invoice["numero_completo"].as_str().unwrap_or("?"),
        started.elapsed().as_millis()
    );
    Ok(())
}

/// A problem's code and detail, or the body's ARCA errors, in one line.
fn describe(body: &Value) -> String {
    match (body["code"].as_str(), body["detail"].as_str()) {
        (Some(code), Some(detail)) => format!("{code}: {detail}"),
        _ => body.to_string(),
    }
}
