//! Credit and debit notes, and cancellation, over HTTP against the in-process simulator and a
//! real database (SQLite, or PostgreSQL with `TEST_DATABASE=postgres`): the note of the right
//! class with its `CbtesAsoc` as ARCA stored it (read back with `FECompConsultar`), the original
//! `cancelled` with `invoice.cancelled` in the transaction of the note's CAE, one cancellation
//! per invoice whatever the retries, races and crashes, and the balance partial notes never
//! exceed. Tests await the engine (`Engine::wait`); none sleeps.

use std::time::Duration;

use arca_service::Storage;
use arca_service::issuance::{self, NewInvoice, NoteOf};
use arca_service::storage::invoices::{InvoiceStatus, NoteKind};
use arca_simulator::padron::samples::RI_COMPANY;
use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, TestApp, TestResponse};

const WAIT: Duration = Duration::from_secs(30);

/// A Factura of `tipo` (1 A to a responsable inscripto, 6 B to a consumidor final, 11 C from a
/// monotributista), two items of 1500.00 (+ 21 % IVA on A and B).
fn factura(tipo: i32) -> Value {
    let mut body = arca_test_support::samples::invoice_request(1);
    body["tipo_comprobante"] = json!(tipo);
    match tipo {
        1 => {
            body["cliente"] = json!({"documento_tipo": 80, "documento_numero": RI_COMPANY,
                                     "razon_social": "Distribuidora S.A.", "condicion_iva": "responsable_inscripto"});
        }
        11 => {
            body["condicion_iva_emisor"] = json!("monotributo");
            body["items"][0].as_object_mut().unwrap().remove("iva_porcentaje");
        }
        _ => {}
    }
    body
}

async fn account(app: &TestApp) -> (String, String) {
    let (account_id, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    (account_id, key)
}

async fn approved(app: &TestApp, key: &str, body: &Value) -> Value {
    let created = app.post_json("/v1/invoices", key, body).await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

fn id_of(value: &Value) -> String {
    value["id"].as_str().expect("an id").to_string()
}

async fn post(app: &TestApp, key: &str, path: &str, body: &Value, extra: &[(&str, &str)]) -> TestResponse {
    app.post_json_with(path, key, body, extra).await
}

async fn cancel(app: &TestApp, key: &str, id: &str, idempotency_key: Option<&str>) -> TestResponse {
    let extra: Vec<(&str, &str)> = idempotency_key.map(|k| ("idempotency-key", k)).into_iter().collect();
    post(app, key, &format!("/v1/invoices/{id}/cancel"), &json!({}), &extra).await
}

async fn credit(app: &TestApp, key: &str, id: &str, body: &Value) -> TestResponse {
    post(app, key, &format!("/v1/invoices/{id}/credit-notes"), body, &[]).await
}

async fn debit(app: &TestApp, key: &str, id: &str, body: &Value) -> TestResponse {
    post(app, key, &format!("/v1/invoices/{id}/debit-notes"), body, &[]).await
}

async fn read(app: &TestApp, key: &str, id: &str) -> Value {
    let found = app.get(&format!("/v1/invoices/{id}"), key).await;
    assert_eq!(found.status, 200, "{}", found.text());
    found.json()
}

/// What ARCA stored under a voucher, read with `FECompConsultar` through the account's session.
async fn consult(app: &TestApp, account_id: &str, note: &Value) -> arca_protocol::wsfe::FECompConsResponse {
    let session = app.state.arca.session(account_id).await.expect("a session");
    session
        .client
        .fe_comp_consultar(
            &session.auth,
            i32::try_from(note["tipo_comprobante"].as_i64().unwrap()).unwrap(),
            i32::try_from(note["punto_venta"].as_i64().unwrap()).unwrap(),
            note["numero"].as_i64().expect("numbered"),
        )
        .await
        .expect("FECompConsultar")
        .expect("ARCA holds the voucher")
}

/// (type, original invoice id) of every stored event of `event_type`.
async fn events(storage: &Storage, event_type: &str) -> Vec<String> {
    const SQL: &str = "SELECT body FROM webhook_events WHERE type = $1 ORDER BY created_at, id";
    let bodies: Vec<String> = match storage {
        Storage::Postgres(pool) => sqlx::query_scalar(SQL).bind(event_type).fetch_all(pool).await.unwrap(),
        Storage::Sqlite(pool) => sqlx::query_scalar(SQL).bind(event_type).fetch_all(pool).await.unwrap(),
    };
    bodies
        .iter()
        .map(|body| {
            let body: Value = serde_json::from_str(body).unwrap();
            body["data"]["id"].as_str().expect("the invoice's id").to_string()
        })
        .collect()
}

/// A subscription of the account to every event, written straight to the table.
async fn subscribe(app: &TestApp, account_id: &str) {
    let now = chrono::Utc::now();
    let row = arca_service::storage::webhooks::SubscriptionRow {
        id: arca_service::storage::new_id("wh"),
        account_id: account_id.to_string(),
        url: "https://example.com/hooks".into(),
        events: "[\"*\"]".into(),
        description: None,
        enabled: true,
        secret: b"sealed elsewhere".to_vec(),
        previous_secret: None,
        previous_secret_expires_at: None,
        failing_since: None,
        disabled_reason: None,
        disabled_at: None,
        created_at: now,
        updated_at: now,
    };
    arca_service::storage::webhooks::insert_subscription_row(&app.storage, &row)
        .await
        .expect("insert a subscription");
}

/// A fault on every call of `operation` (`remaining` of them; `None`: until cleared).
fn fault(operation: &str, action: FaultAction, remaining: Option<u32>) -> FaultRule {
    FaultRule {
        operation: operation.into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(action),
        probability: 1.0,
        remaining,
    }
}

async fn notes_of_type(app: &TestApp, key: &str, tipo: i32) -> i64 {
    app.get(&format!("/v1/invoices?tipo_comprobante={tipo}"), key)
        .await
        .json()["pagination"]["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn cancelling_an_a_a_b_and_a_c_invoice_issues_its_credit_note_once() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    subscribe(&app, &account_id).await;
    for (tipo, nc) in [(1, 3), (6, 8), (11, 13)] {
        let original = approved(&app, &key, &factura(tipo)).await;
        let id = id_of(&original);
        let answered = cancel(&app, &key, &id, Some(&format!("cancel-{tipo}"))).await;
        assert_eq!(answered.status, 201, "{}", answered.text());
        let note = answered.json();
        assert_eq!(note["status"], "approved", "{note}");
        assert_eq!(note["tipo_comprobante"], nc);
        assert_eq!(note["tipo_nota"], "anulacion");
        assert_eq!(note["comprobante_original"]["id"], id.as_str());
        assert_eq!(
            note["comprobante_original"]["numero_completo"],
            original["numero_completo"]
        );
        assert_eq!(note["total"], original["total"], "the whole balance");
        assert_eq!(note["cae"].as_str().map(str::len), Some(14));
        assert_eq!(note["cliente_documento_numero"], original["cliente_documento_numero"]);
        assert_eq!(note["items"], original["items"], "printed with the invoice's own lines");

        // What ARCA holds: the original, with its issuer and date.
        let stored = consult(&app, &account_id, &note).await;
        assert_eq!(stored.detail.cbtes_asoc.len(), 1, "{:?}", stored.detail.cbtes_asoc);
        let asociado = &stored.detail.cbtes_asoc[0];
        assert_eq!(asociado.tipo, tipo);
        assert_eq!(asociado.pto_vta, 1);
        assert_eq!(Some(asociado.nro), original["numero"].as_i64());
        assert_eq!(asociado.cuit.as_deref(), Some(CUIT_A));
        assert_eq!(
            asociado.cbte_fch.map(|d| d.to_string()).as_deref(),
            original["fecha"].as_str()
        );

        let now = read(&app, &key, &id).await;
        assert_eq!(now["status"], "cancelled", "{now}");
        assert_eq!(now["saldo"], "0.00");
        assert_eq!(now["notas"][0]["id"], note["id"]);
        assert_eq!(now["notas"][0]["tipo_nota"], "anulacion");
        assert_eq!(now["notas"][0]["status"], "approved");
        assert!(events(&app.storage, "invoice.cancelled").await.contains(&id));

        // Retried: with the same key, another key, no key, no body: the same note.
        for retry_key in [Some(format!("cancel-{tipo}")), Some(format!("again-{tipo}")), None] {
            let again = cancel(&app, &key, &id, retry_key.as_deref()).await;
            assert_eq!(again.status, 201, "{}", again.text());
            assert_eq!(again.json()["id"], note["id"]);
        }
        let bearer = format!("Bearer {key}");
        let bare = app
            .request(
                "POST",
                &format!("/v1/invoices/{id}/cancel"),
                &[("authorization", bearer.as_str())],
                None,
            )
            .await;
        assert_eq!(bare.status, 201, "{}", bare.text());
        assert_eq!(bare.json()["id"], note["id"]);
        assert_eq!(notes_of_type(&app, &key, nc).await, 1, "one note for type {nc}");
    }
    assert_eq!(events(&app.storage, "invoice.cancelled").await.len(), 3, "once each");
}

/// ARCA authorised the note but the answer was lost, and the engine could not ask ARCA before it
/// "crashed": the note stays in flight. Restarted, the engine reconciles it (FECompConsultar)
/// and records the CAE and the original's cancellation together; ARCA holds one note.
#[tokio::test]
async fn a_cancel_whose_cae_was_lost_in_a_crash_ends_with_one_note() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    subscribe(&app, &account_id).await;
    let original = approved(&app, &key, &factura(6)).await;
    let id = id_of(&original);
    app.simulator
        .add_fault(fault("FECAESolicitar", FaultAction::CommitThenDrop, Some(1)));
    app.simulator
        .add_fault(fault("FECompConsultar", FaultAction::Http503, None));
    let accepted = post(
        &app,
        &key,
        &format!("/v1/invoices/{id}/cancel"),
        &json!({"motivo": "devolución"}),
        &[("prefer", "respond-async")],
    )
    .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    let note_id = id_of(&accepted.json());
    let stuck = app.state.engine.wait(&note_id, WAIT).await.unwrap();
    assert_eq!(stuck.status, InvoiceStatus::PendingRetry, "{stuck:?}");
    assert!(stuck.numero.is_some(), "kept its number, in flight");
    // The crash.
    app.state.engine.stop();
    app.simulator.clear_faults();
    assert_eq!(
        read(&app, &key, &id).await["status"],
        "approved",
        "not before the note's CAE"
    );
    let waiting = cancel(&app, &key, &id, None).await;
    assert_eq!(waiting.status, 202, "{}", waiting.text());
    assert_eq!(
        waiting.json()["id"],
        note_id.as_str(),
        "the note in flight, not a second one"
    );
    assert_eq!(waiting.json()["status"], "pending_retry");

    // The restart: the series' worker starts afresh and reconciles first.
    app.state.engine.retry_deferred_now().await.unwrap();
    let done = app.state.engine.wait_final(&note_id, WAIT).await.unwrap();
    assert_eq!(done.status, InvoiceStatus::Approved, "{done:?}");
    assert_eq!(done.numero, Some(1));
    assert_eq!(read(&app, &key, &id).await["status"], "cancelled");
    assert_eq!(events(&app.storage, "invoice.cancelled").await, vec![id.clone()]);
    assert_eq!(
        app.simulator.calls("FECAESolicitar"),
        2,
        "the invoice, then the note once"
    );
    let session = app.state.arca.session(&account_id).await.unwrap();
    let last = session
        .client
        .fe_comp_ultimo_autorizado(&session.auth, 1, 8)
        .await
        .unwrap();
    assert_eq!(last.cbte_nro, 1, "ARCA holds one credit note");
    assert_eq!(notes_of_type(&app, &key, 8).await, 1);
}

#[tokio::test]
async fn partial_credit_notes_reach_the_balance_and_never_go_beyond_it() {
    let app = TestApp::start().await;
    let (_, key) = account(&app).await;
    // 3000.00 + 21 % = 3630.00.
    let original = approved(&app, &key, &factura(6)).await;
    let id = id_of(&original);
    let line = |precio: &str, iva: f64| json!({"descripcion": "Devolución", "cantidad": 1, "precio_unitario": precio, "iva_porcentaje": iva});
    let first = credit(
        &app,
        &key,
        &id,
        &json!({"items": [line("1000.00", 21.0)], "motivo": "devolución parcial"}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.text());
    let first = first.json();
    assert_eq!(first["tipo_comprobante"], 8);
    assert_eq!(first["tipo_nota"], "credito");
    assert_eq!(first["total"], "1210.00");
    let now = read(&app, &key, &id).await;
    assert_eq!(now["status"], "approved");
    assert_eq!(now["saldo"], "2420.00");

    // Beyond the balance: refused naming the component, nothing stored.
    let beyond = credit(&app, &key, &id, &json!({"items": [line("3000.00", 21.0)]})).await;
    assert_eq!(beyond.status, 400, "{}", beyond.text());
    assert_eq!(beyond.error_fields(), ["items", "items"], "{}", beyond.text());
    assert!(
        beyond
            .text()
            .contains("IVA 21 % base 3000.00 exceeds the remaining 2000.00"),
        "{}",
        beyond.text()
    );
    let other_rate = credit(&app, &key, &id, &json!({"items": [line("10.00", 10.5)]})).await;
    assert_eq!(other_rate.status, 400, "{}", other_rate.text());
    assert!(
        other_rate
            .text()
            .contains("IVA 10.5 %: the invoice has no items at this rate"),
        "{}",
        other_rate.text()
    );
    let both = credit(
        &app,
        &key,
        &id,
        &json!({"items": [line("1.00", 21.0)], "importe": "1.21"}),
    )
    .await;
    assert_eq!(both.status, 400, "{}", both.text());
    let neither = credit(&app, &key, &id, &json!({})).await;
    assert_eq!(neither.status, 400, "{}", neither.text());
    assert_eq!(notes_of_type(&app, &key, 8).await, 1);

    // The rest, by amount: the balance is exactly zero and the invoice cancelled.
    let rest = credit(&app, &key, &id, &json!({"importe": "2420.00"})).await;
    assert_eq!(rest.status, 201, "{}", rest.text());
    assert_eq!(rest.json()["subtotal"], "2000.00");
    let now = read(&app, &key, &id).await;
    assert_eq!(now["status"], "cancelled", "{now}");
    assert_eq!(now["saldo"], "0.00");
    assert_eq!(now["notas"].as_array().unwrap().len(), 2);
    let more = credit(&app, &key, &id, &json!({"importe": "1.21"})).await;
    assert_eq!(more.status, 409, "{}", more.text());
    let cancelled_again = cancel(&app, &key, &id, None).await;
    assert_eq!(cancelled_again.status, 409, "{}", cancelled_again.text());
}

/// The text of a PDF, read by poppler's `pdftotext`.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("note.pdf");
    std::fs::write(&path, pdf).unwrap();
    let output = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .expect("pdftotext (apt-get install poppler-utils)");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn a_debit_note_raises_the_balance_and_the_cancellation_credits_both() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    let profile = json!({"razon_social": "Almacén Don Pepe S.R.L.", "domicilio_comercial": "Av. Rivadavia 1000, CABA",
                         "condicion_iva": "responsable_inscripto", "ingresos_brutos": "901-123456-7",
                         "inicio_actividades": "2019-04-01"});
    let put = app.put_json("/v1/account/issuer-profile", &key, &profile).await;
    assert_eq!(put.status, 200, "{}", put.text());
    let original = approved(&app, &key, &factura(6)).await;
    let id = id_of(&original);
    let debited = debit(
        &app,
        &key,
        &id,
        &json!({"importe": "121.00", "descripcion": "Intereses por mora"}),
    )
    .await;
    assert_eq!(debited.status, 201, "{}", debited.text());
    let debit_note = debited.json();
    assert_eq!(debit_note["tipo_comprobante"], 7);
    assert_eq!(debit_note["tipo_nota"], "debito");
    assert_eq!(debit_note["subtotal"], "100.00");
    assert_eq!(read(&app, &key, &id).await["saldo"], "3751.00");
    // A note of a note is refused: notes go against the original.
    let of_note = cancel(&app, &key, &id_of(&debit_note), None).await;
    assert_eq!(of_note.status, 409, "{}", of_note.text());
    assert!(of_note.text().contains("is a note itself"), "{}", of_note.text());

    let answered = cancel(&app, &key, &id, Some("anular")).await;
    assert_eq!(answered.status, 201, "{}", answered.text());
    let note = answered.json();
    assert_eq!(note["total"], "3751.00");
    let stored = consult(&app, &account_id, &note).await;
    let listed: Vec<(i32, Option<i64>)> = stored.detail.cbtes_asoc.iter().map(|a| (a.tipo, Some(a.nro))).collect();
    assert_eq!(
        listed,
        vec![(6, original["numero"].as_i64()), (7, debit_note["numero"].as_i64())],
        "the invoice and its debit note"
    );
    let lines = note["items"].as_array().expect("printed lines");
    assert_eq!(lines.len(), 1, "{note}");
    assert!(
        lines[0]["descripcion"].as_str().unwrap().contains("Anulación saldo"),
        "{note}"
    );
    let now = read(&app, &key, &id).await;
    assert_eq!(now["status"], "cancelled");
    assert_eq!(now["saldo"], "0.00");

    // Printed like any invoice, naming what it adjusts.
    let pdf = app.get(&format!("/v1/invoices/{}/pdf", id_of(&note)), &key).await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    let text = pdf_text(&pdf.body);
    assert!(text.contains("NOTA DE CRÉDITO"), "{text}");
    let numero = original["numero_completo"].as_str().unwrap();
    assert!(text.contains(&format!("Factura B {numero}")), "{text}");
    assert!(text.contains("Comprobantes asociados"), "{text}");
    // The cancelled invoice keeps its CAE: still printed, with its QR.
    assert_eq!(now["qr_data"], original["qr_data"]);
    let printed = app.get(&format!("/v1/invoices/{id}/pdf"), &key).await;
    assert_eq!(printed.status, 200, "{}", printed.text());
    // A note is never rewritten (its balance was checked against its original).
    let bearer = format!("Bearer {key}");
    let rewrite = app
        .request(
            "PATCH",
            &format!("/v1/invoices/{}", id_of(&note)),
            &[("authorization", bearer.as_str()), ("content-type", "application/json")],
            Some(serde_json::to_vec(&factura(6)).unwrap()),
        )
        .await;
    assert_eq!(rewrite.status, 409, "{}", rewrite.text());
}

#[tokio::test]
async fn an_importe_is_credited_exactly_or_refused_naming_the_nearest_totals() {
    let app = TestApp::start().await;
    let (_, key) = account(&app).await;
    let id = id_of(&approved(&app, &key, &factura(6)).await);
    // No net at 21 % makes 1.24: 1.02 makes 1.23, 1.03 makes 1.25.
    let unreachable = credit(&app, &key, &id, &json!({"importe": "1.24"})).await;
    assert_eq!(unreachable.status, 400, "{}", unreachable.text());
    assert_eq!(unreachable.error_fields(), ["importe"]);
    assert!(unreachable.text().contains("1.23 and 1.25"), "{}", unreachable.text());
    let exact = credit(&app, &key, &id, &json!({"importe": "1.25"})).await;
    assert_eq!(exact.status, 201, "{}", exact.text());
    let exact = exact.json();
    assert_eq!(
        (exact["subtotal"].as_str(), exact["iva_total"].as_str()),
        (Some("1.03"), Some("0.22"))
    );
    assert_eq!(exact["total"], "1.25");

    // Two IVA rates: an amount cannot say how it splits.
    let mut mixed = factura(6);
    mixed["items"]
        .as_array_mut()
        .unwrap()
        .push(json!({"descripcion": "Libro", "cantidad": 1, "precio_unitario": "100.00", "iva_porcentaje": 10.5}));
    let mixed = id_of(&approved(&app, &key, &mixed).await);
    let refused = credit(&app, &key, &mixed, &json!({"importe": "100.00"})).await;
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert!(refused.text().contains("give items instead"), "{}", refused.text());
}

#[tokio::test]
async fn failed_pending_and_note_invoices_get_no_notes() {
    let app = TestApp::start().await;
    let (_, key) = account(&app).await;
    let first = approved(&app, &key, &factura(6)).await;
    // Dated before the last authorised voucher: ARCA rejects it (10016).
    let yesterday = arca_test_support::samples::today() - chrono::Duration::days(1);
    let mut late = factura(6);
    late["fecha"] = json!(yesterday);
    let rejected = app.post_json("/v1/invoices", &key, &late).await;
    assert_eq!(rejected.status, 400, "{}", rejected.text());
    let failed = rejected.json()["invoice_id"].as_str().unwrap().to_string();
    let refused = cancel(&app, &key, &failed, None).await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(refused.text().contains("is failed"), "{}", refused.text());

    // Before the invoice's date.
    let early = credit(
        &app,
        &key,
        &id_of(&first),
        &json!({"importe": "1.21", "fecha": yesterday - chrono::Duration::days(1)}),
    )
    .await;
    assert_eq!(early.status, 400, "{}", early.text());
    assert_eq!(early.error_fields(), ["fecha"]);

    // A credit note: never a note of a note.
    let note = credit(&app, &key, &id_of(&first), &json!({"importe": "1.21"}))
        .await
        .json();
    let of_note = debit(&app, &key, &id_of(&note), &json!({"importe": "1.21"})).await;
    assert_eq!(of_note.status, 409, "{}", of_note.text());

    // Still waiting for ARCA (which does not answer).
    app.simulator
        .add_fault(fault("FECAESolicitar", FaultAction::Timeout, Some(1)));
    let waiting = app
        .post_json_with("/v1/invoices", &key, &factura(6), &[("prefer", "respond-async")])
        .await;
    assert_eq!(waiting.status, 202, "{}", waiting.text());
    let refused = cancel(&app, &key, &id_of(&waiting.json()), None).await;
    assert_eq!(refused.status, 409, "{}", refused.text());
    assert!(
        refused.text().contains("only approved invoices get notes"),
        "{}",
        refused.text()
    );
    assert_eq!(notes_of_type(&app, &key, 7).await, 0);
    assert_eq!(notes_of_type(&app, &key, 8).await, 1);
    let unknown = cancel(&app, &key, "inv_nope", None).await;
    assert_eq!(unknown.status, 404, "{}", unknown.text());
}

/// A note as another request composed it: `seen` are the notes it read, `kind` what it does.
fn note_as_composed(
    account_id: &str,
    original_id: &str,
    kind: NoteKind,
    seen: Vec<String>,
    key: Option<&str>,
    hash: Option<String>,
) -> NewInvoice {
    let mut voucher = arca_test_support::samples::factura_b_of(1, 0, "100.00", "21.00");
    voucher.cbte_tipo = arca_protocol::codes::CbteTipo::NotaCreditoB;
    NewInvoice {
        account_id: account_id.into(),
        cuit: CUIT_A.into(),
        voucher,
        document: None,
        cliente_nombre: None,
        idempotency_key: key.map(str::to_string),
        request_hash: hash,
        usage: None,
        deferred_until: None,
        note: Some(NoteOf {
            original_id: original_id.into(),
            kind,
            seen,
        }),
    }
}

/// Two cancels racing, driven step by step: the one composed before the other was accepted is
/// sent back to compose again (`NotesChanged`), and composed after it, it is the first one
/// (the unique index), whatever its key.
#[tokio::test]
async fn two_concurrent_cancels_make_one_note() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    let id = id_of(&approved(&app, &key, &factura(6)).await);
    let first = cancel(&app, &key, &id, Some("left")).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let note_id = id_of(&first.json());
    // The second, composed before the first was accepted: the notes it saw changed.
    let stale = app
        .state
        .engine
        .submit(note_as_composed(
            &account_id,
            &id,
            NoteKind::Cancellation,
            vec![],
            Some("right"),
            None,
        ))
        .await;
    assert!(matches!(stale, Err(issuance::Error::NotesChanged { .. })), "{stale:?}");
    // Through the API it composes again and answers the first.
    let second = cancel(&app, &key, &id, Some("right")).await;
    assert_eq!(second.status, 201, "{}", second.text());
    assert_eq!(second.json()["id"], note_id.as_str(), "one cancellation");
    assert_eq!(notes_of_type(&app, &key, 8).await, 1);
    assert_eq!(read(&app, &key, &id).await["status"], "cancelled");
}

/// Two partial credits racing, driven step by step: the second was composed against the
/// balance before the first; the engine sends it back, and composed again it is refused.
#[tokio::test]
async fn two_concurrent_partial_credits_never_exceed_the_balance() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    // 3000.00 + 21 %.
    let id = id_of(&approved(&app, &key, &factura(6)).await);
    let body = json!({"importe": "2420.00"});
    let first = credit(&app, &key, &id, &body).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let stale = app
        .state
        .engine
        .submit(note_as_composed(&account_id, &id, NoteKind::Credit, vec![], None, None))
        .await;
    assert!(matches!(stale, Err(issuance::Error::NotesChanged { .. })), "{stale:?}");
    let second = credit(&app, &key, &id, &body).await;
    assert_eq!(second.status, 400, "{}", second.text());
    assert!(
        second.text().contains("exceeds the remaining 1000.00"),
        "{}",
        second.text()
    );
    assert_eq!(notes_of_type(&app, &key, 8).await, 1);
    assert_eq!(read(&app, &key, &id).await["saldo"], "1210.00");
}

/// A retry of a note racing its first request, driven step by step: composed before the first
/// was accepted, it reaches the engine after it, and is answered with it — not refused.
#[tokio::test]
async fn an_idempotent_retry_that_raced_its_first_request_gets_the_note() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    let id = id_of(&approved(&app, &key, &factura(6)).await);
    let body = json!({"importe": "121.00"});
    let path = format!("/v1/invoices/{id}/credit-notes");
    let first = post(&app, &key, &path, &body, &[("idempotency-key", "nc-1")]).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let note_id = id_of(&first.json());
    let stored = arca_service::storage::invoices::find(&app.storage, &note_id)
        .await
        .expect("read")
        .expect("the note");
    let retried = app
        .state
        .engine
        .submit(note_as_composed(
            &account_id,
            &id,
            NoteKind::Credit,
            vec![],
            Some("nc-1"),
            stored.request_hash.clone(),
        ))
        .await
        .expect("the first request's note");
    assert_eq!((retried.id.as_str(), retried.created), (note_id.as_str(), false));
    let again = post(&app, &key, &path, &body, &[("idempotency-key", "nc-1")]).await;
    assert_eq!(again.json()["id"], note_id.as_str(), "{}", again.text());
    assert_eq!(notes_of_type(&app, &key, 8).await, 1);
}

/// While a note of an invoice waits for ARCA, no other note is accepted (409 naming it): a
/// cancellation approved before a debit note accepted earlier would leave that debit on a
/// cancelled invoice.
#[tokio::test]
async fn no_note_is_accepted_while_another_note_of_the_invoice_waits_for_arca() {
    let app = TestApp::start().await;
    let (_, key) = account(&app).await;
    let id = id_of(&approved(&app, &key, &factura(6)).await);
    app.simulator
        .add_fault(fault("FECAESolicitar", FaultAction::Http503, None));
    let waiting = post(
        &app,
        &key,
        &format!("/v1/invoices/{id}/credit-notes"),
        &json!({"importe": "121.00"}),
        &[("prefer", "respond-async")],
    )
    .await;
    assert_eq!(waiting.status, 202, "{}", waiting.text());
    let waiting_id = id_of(&waiting.json());
    for refused in [
        debit(&app, &key, &id, &json!({"importe": "121.00"})).await,
        credit(&app, &key, &id, &json!({"importe": "121.00"})).await,
        cancel(&app, &key, &id, None).await,
    ] {
        assert_eq!(refused.status, 409, "{}", refused.text());
        assert!(refused.text().contains(&waiting_id), "{}", refused.text());
    }
    app.simulator.clear_faults();
    app.state.engine.retry_deferred_now().await.unwrap();
    let done = app.state.engine.wait_final(&waiting_id, WAIT).await.unwrap();
    assert_eq!(done.status, InvoiceStatus::Approved, "{done:?}");
    let debited = debit(&app, &key, &id, &json!({"importe": "121.00"})).await;
    assert_eq!(debited.status, 201, "{}", debited.text());
    let cancelled = cancel(&app, &key, &id, None).await;
    assert_eq!(cancelled.status, 201, "{}", cancelled.text());
    assert_eq!(cancelled.json()["total"], "3630.00");
    let now = read(&app, &key, &id).await;
    assert_eq!(
        (now["status"].as_str(), now["saldo"].as_str()),
        (Some("cancelled"), Some("0.00"))
    );
}

/// A partial credit that would leave, at a rate, a base with no IVA is refused naming what
/// works; the amount it names is accepted and the rest is cancelled by ARCA's rules.
#[tokio::test]
async fn a_partial_credit_leaving_a_remainder_no_note_can_credit_is_refused() {
    let app = TestApp::start().await;
    let (_, key) = account(&app).await;
    let mut small = factura(6);
    small["items"] =
        json!([{"descripcion": "Tornillo", "cantidad": 1, "precio_unitario": "1.00", "iva_porcentaje": 21}]);
    let id = id_of(&approved(&app, &key, &small).await);
    let line = |precio: &str| json!({"items": [{"descripcion": "Devolución", "cantidad": 1, "precio_unitario": precio, "iva_porcentaje": 21}]});
    let refused = credit(&app, &key, &id, &line("0.98")).await;
    assert_eq!(refused.status, 400, "{}", refused.text());
    assert_eq!(refused.error_fields(), ["items"], "{}", refused.text());
    let text = refused.text();
    assert!(text.contains("would leave base 0.02 with IVA 0.00"), "{text}");
    assert!(text.contains("whole remaining base 1.00 (IVA 0.21)"), "{text}");
    assert!(text.contains("such as 0.97"), "{text}");
    let fits = credit(&app, &key, &id, &line("0.97")).await;
    assert_eq!(fits.status, 201, "{}", fits.text());
    let rest = cancel(&app, &key, &id, None).await;
    assert_eq!(rest.status, 201, "{}", rest.text());
    assert_eq!(rest.json()["total"], "0.04");
    assert_eq!(read(&app, &key, &id).await["status"], "cancelled");
}

/// A cancellation lists the approved debit notes: dated before one of them, it is refused.
/// A tributo only a debit note introduced keeps that note's `Desc` (10042 for Id 99).
#[tokio::test]
async fn a_cancellation_is_dated_after_its_debit_notes_and_keeps_their_tributos_desc() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    let today = arca_test_support::samples::today();
    let mut earlier = factura(6);
    earlier["fecha"] = json!(today - chrono::Duration::days(2));
    let id = id_of(&approved(&app, &key, &earlier).await);
    let debited = debit(
        &app,
        &key,
        &id,
        &json!({"items": [{"descripcion": "Flete", "cantidad": 1, "precio_unitario": "100.00", "iva_porcentaje": 21}],
                "tributos": [{"id": 99, "descripcion": "Tasa municipal", "base_imponible": "100.00", "alicuota": "1.00"}]}),
    )
    .await;
    assert_eq!(debited.status, 201, "{}", debited.text());
    let debit_id = id_of(&debited.json());
    let early = post(
        &app,
        &key,
        &format!("/v1/invoices/{id}/cancel"),
        &json!({"fecha": today - chrono::Duration::days(1)}),
        &[],
    )
    .await;
    assert_eq!(early.status, 400, "{}", early.text());
    assert_eq!(early.error_fields(), ["fecha"], "{}", early.text());
    assert!(early.text().contains(&debit_id), "{}", early.text());
    let cancelled = cancel(&app, &key, &id, None).await;
    assert_eq!(cancelled.status, 201, "{}", cancelled.text());
    let stored = consult(&app, &account_id, &cancelled.json()).await;
    let tributo = stored
        .detail
        .tributos
        .iter()
        .find(|t| t.id == 99)
        .expect("the debit's tributo");
    assert_eq!(tributo.desc.as_deref(), Some("Tasa municipal"));
    assert_eq!(read(&app, &key, &id).await["status"], "cancelled");
}

/// Another account's invoice does not exist for this one: no note of it (404).
#[tokio::test]
async fn another_accounts_invoice_gets_no_note_from_this_one() {
    let app = TestApp::start().await;
    let (_, key) = account(&app).await;
    let id = id_of(&approved(&app, &key, &factura(6)).await);
    let (_, other) = app.create_account("Otro", arca_test_support::CUIT_B, json!({})).await;
    for refused in [
        cancel(&app, &other, &id, None).await,
        credit(&app, &other, &id, &json!({"importe": "1.21"})).await,
        debit(&app, &other, &id, &json!({"importe": "1.21"})).await,
    ] {
        assert_eq!(refused.status, 404, "{}", refused.text());
        assert!(!refused.text().contains("Almacén"), "{}", refused.text());
    }
    assert_eq!(read(&app, &key, &id).await["status"], "approved");
    assert_eq!(notes_of_type(&app, &key, 8).await, 0);
}

#[tokio::test]
async fn the_openapi_document_describes_the_three_routes() {
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    for path in ["cancel", "credit-notes", "debit-notes"] {
        let operation = &document["paths"][format!("/v1/invoices/{{id}}/{path}")]["post"];
        assert!(operation.is_object(), "{path}: {operation}");
        for status in ["201", "202", "400", "404", "409"] {
            assert!(operation["responses"][status].is_object(), "{path} {status}");
        }
    }
    let cancel = &document["paths"]["/v1/invoices/{id}/cancel"]["post"]["requestBody"];
    assert_ne!(cancel["required"], true, "the cancel body is optional: {cancel}");
    let schemas = &document["components"]["schemas"];
    assert!(
        schemas["CreateNote"]["properties"]["importe"].is_object(),
        "{}",
        schemas["CreateNote"]
    );
    assert!(schemas["InvoiceView"]["properties"]["notas"].is_object());
}

/// An FCE A (201) to a large company, as the FCE issuance tests make one: its notes are FCE's
/// own (203), carry the annulment flag (22: `N` partial, `S` cancelling) and an associated
/// voucher with the issuer's CUIT and date, and the simulator applies FCE's rules to them.
#[tokio::test]
async fn an_fce_invoice_gets_fce_notes_with_the_annulment_flag() {
    let app = TestApp::start().await;
    let (account_id, key) = account(&app).await;
    let today = arca_test_support::samples::today();
    let request = json!({"mode": "advanced", "tipo_comprobante": 201, "punto_venta": 1, "concepto": "productos",
           "fecha_vencimiento_pago": today + chrono::Duration::days(30),
           "cliente": {"documento_tipo": 80, "documento_numero": arca_test_support::CUIT_B,
                       "razon_social": "Gran Empresa S.A.", "condicion_iva": "responsable_inscripto"},
           "fce": {"cbu": "2850590940090418135201", "transferencia": "SCA"},
           "items": [{"descripcion": "Chapa laminada", "cantidad": 10, "precio_unitario": "150000.00",
                      "iva_porcentaje": 21}]});
    let original = approved(&app, &key, &request).await;
    let id = id_of(&original);
    let flag = |stored: &arca_protocol::wsfe::FECompConsResponse| {
        stored
            .detail
            .opcionales
            .iter()
            .find(|o| o.id == "22")
            .map(|o| o.valor.clone())
    };

    let partial = credit(&app, &key, &id, &json!({"importe": "121000.00"})).await;
    assert_eq!(partial.status, 201, "{}", partial.text());
    let partial = partial.json();
    assert_eq!(partial["tipo_comprobante"], 203);
    let stored = consult(&app, &account_id, &partial).await;
    assert_eq!(flag(&stored).as_deref(), Some("N"));
    assert_eq!(stored.detail.fch_vto_pago, None, "10175");
    assert_eq!(stored.detail.cbtes_asoc[0].tipo, 201);
    assert_eq!(stored.detail.cbtes_asoc[0].cuit.as_deref(), Some(CUIT_A));
    assert!(stored.detail.cbtes_asoc[0].cbte_fch.is_some(), "10158");

    let cancelled = cancel(&app, &key, &id, None).await;
    assert_eq!(cancelled.status, 201, "{}", cancelled.text());
    let note = cancelled.json();
    assert_eq!(note["tipo_comprobante"], 203);
    assert_eq!(note["total"], "1694000.00", "what the partial note left");
    assert_eq!(flag(&consult(&app, &account_id, &note).await).as_deref(), Some("S"));
    assert_eq!(read(&app, &key, &id).await["status"], "cancelled");
}
