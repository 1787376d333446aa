//! The load: a driver that runs N jobs with C in flight and times each one, and the jobs — an
//! invoice through the service over HTTP, or one voucher the way peer libraries issue it (ask
//! ARCA for the last number, send last + 1, one per request, under a lock).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use arca_protocol::codes::CbteTipo;
use arca_protocol::wsfe::{Auth, FECAEDetRequest, FECAERequest, FECabRequest, Resultado, WsfeClient};
use arca_test_support::samples;

use super::stats::Run;
use crate::cli::http_client::HttpClient;

/// Runs `count` jobs, at most `concurrency` at a time, and times each. A job gets its index and
/// returns its outcome (`approved`, `http 503`, …).
pub async fn drive<J, F>(mode: &str, count: usize, concurrency: usize, job: J) -> Run
where
    J: Fn(usize) -> F + Send + Sync + 'static,
    F: Future<Output = String> + Send,
{
    let job = Arc::new(job);
    let next = Arc::new(AtomicUsize::new(0));
    let callers = concurrency.clamp(1, count.max(1));
    let started = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|_| {
            let (job, next) = (job.clone(), next.clone());
            tokio::spawn(async move {
                let mut results = Vec::new();
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= count {
                        return results;
                    }
                    let began = Instant::now();
                    let outcome = job(index).await;
                    results.push((began.elapsed(), outcome));
                }
            })
        })
        .collect();
    let mut results = Vec::with_capacity(count);
    for task in tasks {
        match task.await {
            Ok(part) => results.extend(part),
            Err(error) => results.push((Duration::ZERO, format!("caller failed: {error}"))),
        }
    }
    Run::new(mode, callers, started.elapsed(), results)
}

/// `POST /v1/invoices` waiting for the result: the invoice's status (`approved`, …), or
/// `http <status>` / `error: …` when the service did not answer with an invoice.
pub async fn post_invoice(client: &HttpClient, bearer: &str, punto_venta: u32) -> String {
    let headers = [("authorization", bearer)];
    match client
        .post_json("/v1/invoices", &samples::invoice_request(punto_venta), &headers)
        .await
    {
        Ok((status, body)) => match body["status"].as_str() {
            Some(invoice_status) if status == 201 || status == 202 => invoice_status.to_string(),
            _ => format!("http {status} {}", body["code"].as_str().unwrap_or_default()),
        },
        Err(error) => format!("error: {error:#}"),
    }
}

/// `POST /v1/invoices` with `Prefer: respond-async`: the service answers 202 as soon as the
/// invoice is committed (201 if the engine already approved it), so this times the API alone. Returns the outcome (`pending`, or what
/// went wrong) and the invoice's id.
pub async fn post_invoice_async(client: &HttpClient, bearer: &str, punto_venta: u32) -> (String, Option<String>) {
    let headers = [("authorization", bearer), ("prefer", "respond-async")];
    match client
        .post_json("/v1/invoices", &samples::invoice_request(punto_venta), &headers)
        .await
    {
        // 201 when the engine was faster than the handler's own last read.
        Ok((201 | 202, body)) => ("accepted".to_string(), body["id"].as_str().map(str::to_string)),
        Ok((status, body)) => (
            format!("http {status} {}", body["code"].as_str().unwrap_or_default()),
            None,
        ),
        Err(error) => (format!("error: {error:#}"), None),
    }
}

/// One WSFEv1 caller with the account's ticket.
#[derive(Clone)]
pub struct Peer {
    pub client: WsfeClient,
    pub auth: Auth,
}

impl Peer {
    /// One voucher as peer libraries issue it: `FECompUltimoAutorizado`, then `FECAESolicitar`
    /// with one detail numbered last + 1. Without a lock around both calls, concurrent callers
    /// pick the same number and all but one get 10016.
    pub async fn issue_last_plus_one(&self, punto_venta: u32) -> String {
        let last = match self
            .client
            .fe_comp_ultimo_autorizado(&self.auth, punto_venta as i32, CbteTipo::FacturaB.code())
            .await
        {
            Ok(answer) => answer.cbte_nro,
            Err(error) => return format!("error: {error}"),
        };
        let number = u64::try_from(last).unwrap_or(0) + 1;
        // The invoice of `samples::invoice_request` (2 × 1500 + 21 % IVA) as a numbered voucher.
        let detail = match FECAEDetRequest::try_from(&samples::factura_b_of(punto_venta, number, "3000.00", "630.00")) {
            Ok(detail) => detail,
            Err(error) => return format!("error: {error}"),
        };
        let request = FECAERequest {
            fe_cab_req: FECabRequest {
                cant_reg: 1,
                pto_vta: punto_venta as i32,
                cbte_tipo: CbteTipo::FacturaB.code(),
            },
            fe_det_req: vec![detail],
        };
        match self.client.fe_cae_solicitar(&self.auth, request).await {
            Ok(response) => match response.fe_cab_resp.map(|header| header.resultado) {
                Some(Resultado::A) => super::APPROVED.into(),
                _ => {
                    let codes: Vec<String> = response.errors.iter().map(|e| e.code.to_string()).collect();
                    format!("rejected {}", codes.join(","))
                }
            },
            Err(error) => format!("error: {error}"),
        }
    }

    /// The median time of `samples` `FECompUltimoAutorizado` calls in a row: one ARCA round trip
    /// as the bench process sees it.
    pub async fn round_trip(&self, samples: usize) -> anyhow::Result<Duration> {
        let mut times = Vec::with_capacity(samples);
        for _ in 0..samples.max(1) {
            let began = Instant::now();
            self.client
                .fe_comp_ultimo_autorizado(&self.auth, 1, CbteTipo::FacturaB.code())
                .await?;
            times.push(began.elapsed());
        }
        times.sort_unstable();
        Ok(super::stats::percentile(&times, 50.0))
    }
}
