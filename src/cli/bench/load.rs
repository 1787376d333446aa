//! The load: a driver that runs N jobs with C in flight and times each one, and the jobs — an
//! invoice through the service over HTTP, or one voucher the way peer libraries issue it (ask
//! ARCA for the last number, send last + 1, one per request, under a lock).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use arca_protocol::codes::{CbteTipo, Concepto, IvaRate};
use arca_protocol::money::Money;
use arca_protocol::voucher::{AlicIva, Voucher};
use arca_protocol::wsfe::{Auth, FECAEDetRequest, FECAERequest, FECabRequest, Resultado, WsfeClient};
use serde_json::{Value, json};

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

/// The minimal request (ARCHITECTURE.md "The API contract"): a Factura B to an unidentified
/// consumidor final.
pub fn invoice_body(punto_venta: u32) -> Value {
    json!({"mode": "advanced", "tipo_comprobante": 6, "punto_venta": punto_venta, "concepto": "productos",
           "cliente": {"documento_tipo": 99, "documento_numero": "0", "razon_social": "Consumidor Final",
                       "condicion_iva": "consumidor_final"},
           "items": [{"descripcion": "Yerba 1kg", "cantidad": 2, "precio_unitario": "1500.00", "iva_porcentaje": 21}]})
}

/// `POST /v1/invoices` waiting for the result: the invoice's status (`approved`, …), or
/// `http <status>` / `error: …` when the service did not answer with an invoice.
pub async fn post_invoice(client: &HttpClient, bearer: &str, punto_venta: u32) -> String {
    let headers = [("authorization", bearer)];
    match client
        .post_json("/v1/invoices", &invoice_body(punto_venta), &headers)
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
        .post_json("/v1/invoices", &invoice_body(punto_venta), &headers)
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
        let detail = FECAEDetRequest::from(&factura_b(punto_venta, number));
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

/// The same invoice as [`invoice_body`], as a voucher numbered `number`: 2 × 1500 + 21 % IVA.
fn factura_b(punto_venta: u32, number: u64) -> Voucher {
    let money = |text: &str| text.parse::<Money>().unwrap_or(Money::ZERO);
    // Argentina's calendar day (UTC−3, no daylight saving time).
    let today = (chrono::Utc::now() - chrono::Duration::hours(3)).date_naive();
    Voucher {
        cbte_tipo: CbteTipo::FacturaB,
        punto_venta,
        concepto: Concepto::Productos,
        doc_tipo: 99,
        doc_nro: 0,
        cbte_desde: number,
        cbte_hasta: number,
        cbte_fch: Some(today),
        imp_total: money("3630.00"),
        imp_tot_conc: Money::ZERO,
        imp_neto: money("3000.00"),
        imp_op_ex: Money::ZERO,
        imp_trib: Money::ZERO,
        imp_iva: money("630.00"),
        fch_serv_desde: None,
        fch_serv_hasta: None,
        fch_vto_pago: None,
        mon_id: "PES".into(),
        mon_cotiz: Some(1.into()),
        can_mis_mon_ext: None,
        condicion_iva_receptor_id: Some(5),
        cbtes_asoc: vec![],
        tributos: vec![],
        iva: vec![AlicIva {
            id: IvaRate::Veintiuno,
            base_imp: money("3000.00"),
            importe: money("630.00"),
        }],
        opcionales: vec![],
        compradores: vec![],
        periodo_asoc: None,
        actividades: vec![],
    }
}
