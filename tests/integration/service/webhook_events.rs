//! Webhook events, written in the transaction of the change that causes them (ARCHITECTURE.md
//! "Webhook events"): every `invoice.*` event, `certificate.expiring` / `certificate.expired`,
//! `quota.warning` / `quota.exhausted`, `arca.unavailable` / `arca.recovered` — once per
//! subscription that listens (one listing the type, one `*`, and one that does not listen gets
//! nothing), once per alert even when the jobs run twice or on two instances, and never for a
//! change that rolled back.
//!
//! The contract with the delivery side is the outbox: these tests read the `outbox_messages` of
//! kind `webhook` (one per event and subscription) and the `webhook_events` bodies they point at.
//! Subscriptions are written through `storage::webhooks::insert_subscription_row`. The app's own
//! dispatcher is stopped, so nothing consumes the rows under the test.

use std::sync::Arc;
use std::time::Duration;

use arca_protocol::clock::{Clock, ManualClock};
use arca_service::Storage;
use arca_service::storage::invoices::InvoiceStatus;
use arca_service::storage::webhooks::SubscriptionRow;
use arca_service::webhooks::events::{self, Event, EventType};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

/// A subscription of `account_id` to `events` (`["*"]` for all), written straight to the table.
async fn subscribe(app: &TestApp, account_id: &str, events: &[&str]) -> String {
    let id = arca_service::storage::new_id("wh");
    let now = chrono::Utc::now();
    let row = SubscriptionRow {
        id: id.clone(),
        account_id: account_id.to_string(),
        url: "https://example.com/hooks".into(),
        events: serde_json::to_string(events).unwrap(),
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
    id
}

/// One webhook delivery as the outbox holds it: (subscription id, event type, event body).
#[derive(Debug, Clone)]
struct Delivery {
    subscription: String,
    event_type: String,
    body: Value,
}

/// Every webhook delivery in the outbox, oldest first, with its event's body.
async fn deliveries(storage: &Storage) -> Vec<Delivery> {
    const SQL: &str = "SELECT subject_id, payload FROM outbox_messages WHERE kind = 'webhook' ORDER BY created_at, id";
    let rows: Vec<(String, String)> = match storage {
        Storage::Postgres(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
        Storage::Sqlite(pool) => sqlx::query_as(SQL).fetch_all(pool).await.unwrap(),
    };
    let mut found = Vec::new();
    for (subscription, payload) in rows {
        let payload: Value = serde_json::from_str(&payload).unwrap();
        let event_id = payload["event_id"].as_str().unwrap();
        let body = arca_service::storage::webhooks::event_body(storage, event_id)
            .await
            .unwrap()
            .expect("the delivery's event is stored");
        let body: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["id"], event_id);
        assert_eq!(body["type"], payload["type"]);
        found.push(Delivery {
            subscription,
            event_type: payload["type"].as_str().unwrap().to_string(),
            body,
        });
    }
    found
}

/// The deliveries of events of `event_type`.
async fn of_type(storage: &Storage, event_type: &str) -> Vec<Delivery> {
    deliveries(storage)
        .await
        .into_iter()
        .filter(|delivery| delivery.event_type == event_type)
        .collect()
}

async fn count(storage: &Storage, sql: &str) -> i64 {
    match storage {
        Storage::Postgres(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
        Storage::Sqlite(pool) => sqlx::query_scalar(sql).fetch_one(pool).await.unwrap(),
    }
}

async fn execute(storage: &Storage, sql: &str) {
    match storage {
        Storage::Postgres(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap(),
        Storage::Sqlite(pool) => sqlx::query(sql).execute(pool).await.map(|_| ()).unwrap(),
    }
}

/// Asserts the subscriptions that got an event of `event_type` about `subject` (an id in
/// `data.id`), each exactly once.
async fn assert_delivered_once(storage: &Storage, event_type: &str, subject: &str, to: &[&String]) {
    let mut got: Vec<String> = of_type(storage, event_type)
        .await
        .into_iter()
        .filter(|delivery| delivery.body["data"]["id"] == subject)
        .map(|delivery| delivery.subscription)
        .collect();
    got.sort();
    let mut expected: Vec<String> = to.iter().map(|id| (*id).clone()).collect();
    expected.sort();
    assert_eq!(got, expected, "{event_type} about {subject}");
}

fn factura_b() -> Value {
    arca_test_support::samples::invoice_request(1)
}

fn app_builder() -> arca_test_support::TestAppBuilder {
    TestApp::builder().without_dispatcher()
}

#[tokio::test]
async fn invoice_events_reach_each_listening_subscription_once_with_the_invoice_as_the_api_shows_it() {
    let app = app_builder().start().await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let listing = subscribe(
        &app,
        &account,
        &[
            "invoice.created",
            "invoice.approved",
            "invoice.failed",
            "invoice.updated",
        ],
    )
    .await;
    let everything = subscribe(&app, &account, &["*"]).await;
    let deaf = subscribe(&app, &account, &["quota.warning"]).await;
    // Another tenant's subscription never sees this account's events.
    let (other, _) = app.create_account("Otro", CUIT_B, json!({})).await;
    let stranger = subscribe(&app, &other, &["*"]).await;

    let created = app.post_json("/v1/invoices", &key, &factura_b()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    let id = invoice["id"].as_str().unwrap();
    assert_delivered_once(&app.storage, "invoice.created", id, &[&listing, &everything]).await;
    assert_delivered_once(&app.storage, "invoice.approved", id, &[&listing, &everything]).await;

    let approved = of_type(&app.storage, "invoice.approved").await.remove(0).body;
    // The data is the invoice as the API answers it (the public link is signed per answer).
    let mut answered = invoice.clone();
    let mut sent = approved["data"].clone();
    for view in [&mut answered, &mut sent] {
        view.as_object_mut().unwrap().remove("public_pdf_url");
    }
    assert_eq!(sent, answered);
    assert!(approved["data"]["public_pdf_url"].is_string(), "{approved}");
    let created_event = of_type(&app.storage, "invoice.created").await.remove(0).body;
    assert_eq!(created_event["data"]["status"], "pending", "as the insert committed it");

    // Failed: dated before the last authorised voucher, ARCA refuses it (10016).
    let yesterday = (chrono::Utc::now() - chrono::Duration::hours(3)).date_naive() - chrono::Duration::days(1);
    let mut late = factura_b();
    late["fecha"] = json!(yesterday);
    let rejected = app.post_json("/v1/invoices", &key, &late).await;
    assert_eq!(rejected.status, 400, "{}", rejected.text());
    let failed_id = rejected.json()["invoice_id"].as_str().unwrap().to_string();
    assert_delivered_once(&app.storage, "invoice.failed", &failed_id, &[&listing, &everything]).await;
    let failed = of_type(&app.storage, "invoice.failed").await.remove(0).body;
    assert_eq!(failed["data"]["status"], "failed");
    assert_eq!(failed["data"]["errores"][0]["code"], "10016", "{failed}");

    // Updated: the corrected invoice goes again.
    let fixed = app
        .patch_json(&format!("/v1/invoices/{failed_id}"), &key, &factura_b())
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text());
    assert_delivered_once(&app.storage, "invoice.updated", &failed_id, &[&listing, &everything]).await;
    let updated = of_type(&app.storage, "invoice.updated").await.remove(0).body;
    assert_eq!(updated["data"]["status"], "pending");
    assert_eq!(updated["data"]["errores"], json!([]));
    assert_delivered_once(&app.storage, "invoice.approved", &failed_id, &[&listing, &everything]).await;

    let all = deliveries(&app.storage).await;
    assert!(all.iter().all(|d| d.subscription != deaf), "{all:?}");
    assert!(all.iter().all(|d| d.subscription != stranger), "{all:?}");
    // A replayed idempotent request creates nothing, so announces nothing.
    let before = all.len();
    let headers = [("idempotency-key", "same-one")];
    let first = app.post_json_with("/v1/invoices", &key, &factura_b(), &headers).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let after_first = deliveries(&app.storage).await.len();
    assert_eq!(after_first, before + 4, "created and approved, to two subscriptions");
    let replay = app.post_json_with("/v1/invoices", &key, &factura_b(), &headers).await;
    assert_eq!(replay.status, 201, "{}", replay.text());
    assert_eq!(deliveries(&app.storage).await.len(), after_first);
}

#[tokio::test]
async fn an_account_without_subscriptions_stores_no_event() {
    let app = app_builder().start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let created = app.post_json("/v1/invoices", &key, &factura_b()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(count(&app.storage, "SELECT COUNT(*) FROM webhook_events").await, 0);
    assert_eq!(
        count(
            &app.storage,
            "SELECT COUNT(*) FROM outbox_messages WHERE kind = 'webhook'"
        )
        .await,
        0
    );
}

/// ARCA slower than the wait: the API shows the invoice as `pending_retry` and announces it
/// once; the engine's later deferrals of the same round do not announce it again; the approval
/// follows.
#[tokio::test]
async fn pending_retry_is_announced_on_the_transition_into_it_only() {
    let app = app_builder()
        .env("INVOICE_WAIT_TIMEOUT_MS", "300")
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "100")
        .start()
        .await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let listening = subscribe(&app, &account, &["invoice.pending_retry", "invoice.approved"]).await;
    // ARCA answers FECAESolicitar late and with an internal error, twice: the API's wait ends
    // first (the invoice is shown, and announced, as pending_retry), then the engine defers it
    // twice (no new announcement), then ARCA authorises it.
    app.simulator.add_fault(arca_simulator::FaultRule {
        operation: "FECAESolicitar".into(),
        latency_ms: 600,
        jitter_ms: 0,
        action: Some(arca_simulator::FaultAction::ArcaError { code: 500 }),
        probability: 1.0,
        remaining: Some(2),
    });
    let slow = app.post_json("/v1/invoices", &key, &factura_b()).await;
    assert_eq!(slow.status, 202, "{}", slow.text());
    assert_eq!(slow.json()["status"], "pending_retry");
    let id = slow.json()["id"].as_str().unwrap().to_string();
    let row = app.state.engine.wait_final(&id, Duration::from_secs(60)).await.unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved, "{row:?}");
    assert!(row.attempts >= 2, "the engine deferred it twice: {row:?}");
    assert_delivered_once(&app.storage, "invoice.pending_retry", &id, &[&listening]).await;
    assert_delivered_once(&app.storage, "invoice.approved", &id, &[&listening]).await;
}

/// A change that rolls back leaves no event and no delivery: an event emitted into a
/// transaction that is dropped, and the real path — a submit refused by the quota in the
/// engine's transaction, after `invoice.created` was written in it.
#[tokio::test]
async fn a_rolled_back_change_never_produces_a_delivery() {
    let app = app_builder().start().await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    subscribe(&app, &account, &["*"]).await;

    let mut transaction = app.storage.begin().await.unwrap();
    // The change the event is about comes first (on SQLite the transaction then holds the
    // writer's lock, as every caller of `emit` does).
    let now = chrono::Utc::now();
    assert!(
        arca_service::storage::webhooks::mark_once(&mut transaction, "test:rolled-back-change", now)
            .await
            .unwrap()
    );
    let event = Event {
        account_id: account.clone(),
        event_type: EventType::QuotaWarning,
        data: json!({"id": account}),
    };
    let emitted = events::emit(&mut transaction, &event, now).await.unwrap();
    assert!(emitted.is_some(), "written in the transaction");
    drop(transaction);
    let dispatcher = &app.state.dispatcher;
    let _ = dispatcher.run_once().await;
    assert_eq!(count(&app.storage, "SELECT COUNT(*) FROM webhook_events").await, 0);
    assert!(deliveries(&app.storage).await.is_empty());

    // The engine's own transaction: `invoice.created` is written right after the insert, then
    // the usage count passes the quota (a race the HTTP check missed): all of it rolls back.
    let request: arca_service::invoices::CreateInvoice = serde_json::from_value(factura_b()).unwrap();
    let owner = arca_service::accounts::find(&app.storage, &account).await.unwrap();
    let now = chrono::Utc::now();
    let voucher = arca_service::invoices::compose::checked_voucher(&request, &owner, now).unwrap();
    let refused = app
        .state
        .engine
        .submit(arca_service::issuance::NewInvoice {
            account_id: account.clone(),
            cuit: CUIT_A.to_string(),
            voucher,
            document: None,
            cliente_nombre: None,
            idempotency_key: None,
            request_hash: None,
            usage: Some((arca_service::usage::month_of(now), Some(0))),
            deferred_until: None,
            note: None,
        })
        .await;
    assert!(
        matches!(
            refused,
            Err(arca_service::issuance::Error::Storage(
                arca_service::Error::QuotaExceeded { .. }
            ))
        ),
        "{refused:?}"
    );
    let _ = dispatcher.run_once().await;
    assert_eq!(count(&app.storage, "SELECT COUNT(*) FROM invoices").await, 0);
    assert_eq!(count(&app.storage, "SELECT COUNT(*) FROM webhook_events").await, 0);
    assert!(deliveries(&app.storage).await.is_empty());

    // The same path over HTTP commits, and announces.
    let created = app.post_json("/v1/invoices", &key, &factura_b()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(of_type(&app.storage, "invoice.created").await.len(), 1);
}

/// A Factura B for the engine, as `POST /v1/invoices` would submit it for `account` (`cuit`).
async fn new_invoice(
    app: &TestApp,
    account: &str,
    cuit: &str,
    usage: Option<i64>,
    key: Option<(&str, &str)>,
) -> arca_service::issuance::NewInvoice {
    let request: arca_service::invoices::CreateInvoice = serde_json::from_value(factura_b()).unwrap();
    let owner = arca_service::accounts::find(&app.storage, account).await.unwrap();
    let now = chrono::Utc::now();
    let voucher = arca_service::invoices::compose::checked_voucher(&request, &owner, now).unwrap();
    arca_service::issuance::NewInvoice {
        account_id: account.to_string(),
        cuit: cuit.to_string(),
        voucher,
        document: None,
        cliente_nombre: None,
        idempotency_key: key.map(|(key, _)| key.to_string()),
        request_hash: key.map(|(_, hash)| hash.to_string()),
        usage: Some((arca_service::usage::month_of(now), usage)),
        deferred_until: None,
        note: None,
    }
}

/// Group commit (`issuance/engine/acceptor.rs`): the invoices of a group are stored together,
/// each counted and announced exactly as if it had been accepted alone.
#[tokio::test]
async fn a_group_of_acceptances_counts_and_announces_each_invoice_once() {
    let app = app_builder().start().await;
    let (unlimited, _) = app
        .create_account("Grande", CUIT_A, json!({"tier": "enterprise"}))
        .await;
    let (limited, _) = app.create_account("Chico", CUIT_B, json!({"monthly_quota": 10})).await;
    let listening = subscribe(&app, &unlimited, &["invoice.created"]).await;
    let mut group = Vec::new();
    for _ in 0..4 {
        group.push(new_invoice(&app, &unlimited, CUIT_A, None, None).await);
    }
    for n in 0..2 {
        let key = format!("chico-{n}");
        group.push(new_invoice(&app, &limited, CUIT_B, Some(10), Some((&key, "hash"))).await);
    }
    let answers = app.state.engine.submit_group(group).await;
    let ids: Vec<String> = answers
        .into_iter()
        .map(|answer| {
            let submitted = answer.expect("every invoice of the group is accepted");
            assert!(submitted.created);
            submitted.id
        })
        .collect();
    let mut distinct = ids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 6, "one invoice per request: {ids:?}");
    assert_eq!(count(&app.storage, "SELECT COUNT(*) FROM invoices").await, 6);
    let month = arca_service::usage::month_of(chrono::Utc::now());
    for (account, expected) in [(&unlimited, 4), (&limited, 2)] {
        let used = arca_service::usage::usage(&app.storage, account, &month).await.unwrap();
        assert_eq!(used, expected, "usage of {account}");
    }
    for id in &ids[..4] {
        assert_delivered_once(&app.storage, "invoice.created", id, &[&listening]).await;
    }
    let created = of_type(&app.storage, "invoice.created").await;
    assert_eq!(created.len(), 4, "only the listening account's invoices: {created:?}");
    for delivery in &created {
        assert_eq!(delivery.body["data"]["status"], "pending", "{}", delivery.body);
    }
    // Its keys hold as if each invoice had been accepted alone.
    let repeat = app
        .state
        .engine
        .submit(new_invoice(&app, &limited, CUIT_B, Some(10), Some(("chico-1", "hash"))).await)
        .await
        .unwrap();
    assert_eq!((repeat.id.as_str(), repeat.created), (ids[5].as_str(), false));
}

/// A group holding a repeated idempotency key, a key reused with another body and more invoices
/// than the quota leaves is rolled back and decided invoice by invoice: each answer is the one
/// the invoice would have had alone, and the quota's alert fires once.
#[tokio::test]
async fn a_group_meeting_a_used_key_or_the_quota_is_decided_invoice_by_invoice() {
    let app = app_builder().start().await;
    let (account, _) = app.create_account("Chico", CUIT_A, json!({"monthly_quota": 3})).await;
    subscribe(&app, &account, &["quota.exhausted"]).await;
    let engine = &app.state.engine;
    let first = engine
        .submit(new_invoice(&app, &account, CUIT_A, Some(3), Some(("k1", "h1"))).await)
        .await
        .unwrap();
    assert!(first.created);
    let group = vec![
        new_invoice(&app, &account, CUIT_A, Some(3), Some(("k1", "h1"))).await,
        new_invoice(&app, &account, CUIT_A, Some(3), Some(("k1", "another body"))).await,
        new_invoice(&app, &account, CUIT_A, Some(3), Some(("k2", "h2"))).await,
        new_invoice(&app, &account, CUIT_A, Some(3), None).await,
        new_invoice(&app, &account, CUIT_A, Some(3), None).await,
    ];
    let mut answers = engine.submit_group(group).await.into_iter();
    let repeat = answers.next().unwrap().expect("a repeat returns the first invoice");
    assert_eq!((repeat.id.as_str(), repeat.created), (first.id.as_str(), false));
    let conflict = answers.next().unwrap().unwrap_err();
    assert!(
        matches!(&conflict, arca_service::issuance::Error::IdempotencyConflict { id } if *id == first.id),
        "{conflict:?}"
    );
    let (mut created, mut refused) = (0, 0);
    for answer in answers {
        match answer {
            Ok(submitted) if submitted.created => created += 1,
            Err(arca_service::issuance::Error::Storage(arca_service::Error::QuotaExceeded { quota: 3, .. })) => {
                refused += 1
            }
            other => panic!("unexpected answer {other:?}"),
        }
    }
    assert_eq!((created, refused), (2, 1), "two fit in the quota of 3, one is refused");
    assert_eq!(count(&app.storage, "SELECT COUNT(*) FROM invoices").await, 3);
    let month = arca_service::usage::month_of(chrono::Utc::now());
    assert_eq!(
        arca_service::usage::usage(&app.storage, &account, &month)
            .await
            .unwrap(),
        3
    );
    assert_eq!(of_type(&app.storage, "quota.exhausted").await.len(), 1);
}

/// A clock on a whole millisecond, `at`.
fn clock_at(at: chrono::DateTime<chrono::Utc>) -> Arc<ManualClock> {
    Arc::new(ManualClock::new(
        chrono::DateTime::from_timestamp_millis(at.timestamp_millis()).unwrap(),
    ))
}

#[tokio::test]
async fn certificate_expiry_fires_at_30_15_7_and_1_days_and_once_expired_each_once_across_instances() {
    let clock = clock_at(chrono::Utc::now());
    let app = app_builder().clock(clock.clone()).start().await;
    let second = app_builder().instance_of(&app).clock(clock.clone()).start().await;
    let (account, key, certificate) = app.account_with_certificate("Almacén", CUIT_A).await;
    let listening = subscribe(&app, &account, &["certificate.expiring", "certificate.expired"]).await;
    let everything = subscribe(&app, &account, &["*"]).await;
    subscribe(&app, &account, &["invoice.approved"]).await;
    let shown = app.get(&format!("/v1/certificates/{certificate}"), &key).await.json();
    let not_after: chrono::DateTime<chrono::Utc> = shown["not_after"].as_str().unwrap().parse().unwrap();

    let mut expected = 0;
    for (days, event_type) in [
        (Some(30), "certificate.expiring"),
        (Some(15), "certificate.expiring"),
        (Some(7), "certificate.expiring"),
        (Some(1), "certificate.expiring"),
        (None, "certificate.expired"),
    ] {
        // An hour past the threshold: `days` days minus an hour left (or an hour expired).
        let threshold = not_after - chrono::Duration::days(days.unwrap_or(0));
        clock.set(threshold + chrono::Duration::hours(1));
        let now = clock.now();
        // Twice on this instance and once, concurrently, on the other: one alert.
        let (first, other) = tokio::join!(app.state.jobs.run_once(now), second.state.jobs.run_once(now));
        first.unwrap();
        other.unwrap();
        app.state.jobs.run_once(now).await.unwrap();
        expected += 1;
        let total = of_type(&app.storage, "certificate.expiring").await.len()
            + of_type(&app.storage, "certificate.expired").await.len();
        assert_eq!(total, expected * 2, "each alert once, to two subscriptions ({days:?})");
        let latest = of_type(&app.storage, event_type).await.pop().unwrap().body;
        assert_eq!(latest["data"]["id"], certificate.as_str());
        match days {
            Some(days) => {
                assert_eq!(latest["data"]["days_to_expiry"], days - 1, "{latest}");
                assert_eq!(latest["data"]["status"], "active");
            }
            None => assert_eq!(latest["data"]["status"], "expired", "{latest}"),
        }
        let key = match days {
            Some(days) => format!("certificate.expiring:{certificate}:{days}"),
            None => format!("certificate.expired:{certificate}"),
        };
        let marks = count(
            &app.storage,
            &format!("SELECT COUNT(*) FROM alert_marks WHERE key = '{key}'"),
        )
        .await;
        assert_eq!(marks, 1, "{key}");
    }
    let expired = of_type(&app.storage, "certificate.expired").await;
    let mut subscriptions: Vec<String> = expired.iter().map(|d| d.subscription.clone()).collect();
    subscriptions.sort();
    let mut expected_subscriptions = vec![listening, everything];
    expected_subscriptions.sort();
    assert_eq!(subscriptions, expected_subscriptions);
}

/// An invoice sent with `Prefer: respond-async` was accepted: 202 while pending, or 201 when the
/// engine approved it before the answer was read (the preference asks not to wait; it does not
/// forbid answering what is already final).
fn assert_accepted(response: &arca_test_support::TestResponse, n: usize) {
    assert!(
        response.status == 202 || response.status == 201,
        "invoice {n}: {}",
        response.text()
    );
}

#[tokio::test]
async fn the_quota_warns_at_90_percent_and_says_when_it_is_exhausted_once_each() {
    let app = app_builder().start().await;
    let second = app_builder().instance_of(&app).start().await;
    let (account, key) = app.create_account("Chico", CUIT_A, json!({"monthly_quota": 10})).await;
    let (certificate_pem, private_key_pem) = app.issue_certificate(CUIT_A, "chico");
    let uploaded = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"certificate_pem": certificate_pem, "private_key_pem": private_key_pem}),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());
    let listening = subscribe(&app, &account, &["quota.warning", "quota.exhausted"]).await;
    let asynchronous = [("prefer", "respond-async")];
    for n in 1..=8 {
        let accepted = app
            .post_json_with("/v1/invoices", &key, &factura_b(), &asynchronous)
            .await;
        assert_accepted(&accepted, n);
    }
    assert!(
        of_type(&app.storage, "quota.warning").await.is_empty(),
        "8 of 10 is under 90 %"
    );
    let ninth = app
        .post_json_with("/v1/invoices", &key, &factura_b(), &asynchronous)
        .await;
    assert_accepted(&ninth, 9);
    let warnings = of_type(&app.storage, "quota.warning").await;
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert_eq!(warnings[0].subscription, listening);
    let data = &warnings[0].body["data"];
    assert_eq!(data["id"], account.as_str());
    assert_eq!(data["usage"]["invoices"], 9, "{data}");
    assert_eq!(data["usage"]["remaining"], 1, "{data}");
    assert_eq!(data["limits"]["monthly_invoices"], 10, "{data}");

    // The jobs, twice and on both instances, fire nothing more.
    let now = chrono::Utc::now();
    app.state.jobs.run_once(now).await.unwrap();
    second.state.jobs.run_once(now).await.unwrap();
    assert_eq!(of_type(&app.storage, "quota.warning").await.len(), 1);

    let tenth = app
        .post_json_with("/v1/invoices", &key, &factura_b(), &asynchronous)
        .await;
    assert_accepted(&tenth, 10);
    let exhausted = of_type(&app.storage, "quota.exhausted").await;
    assert_eq!(exhausted.len(), 1, "{exhausted:?}");
    assert_eq!(exhausted[0].body["data"]["usage"]["remaining"], 0);
    let refused = app
        .post_json_with("/v1/invoices", &key, &factura_b(), &asynchronous)
        .await;
    assert_eq!(refused.status, 402, "{}", refused.text());
    app.state.jobs.run_once(now).await.unwrap();
    assert_eq!(of_type(&app.storage, "quota.warning").await.len(), 1);
    assert_eq!(of_type(&app.storage, "quota.exhausted").await.len(), 1);
}

/// A quota lowered below the month's usage: the scheduled job fires what no increment did,
/// once, whichever instance runs it.
#[tokio::test]
async fn the_quota_job_catches_a_lowered_quota_once_across_instances() {
    let app = app_builder().start().await;
    let second = app_builder().instance_of(&app).start().await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    subscribe(&app, &account, &["quota.warning", "quota.exhausted"]).await;
    for _ in 0..2 {
        // Accepted is enough: the usage counts it (two engines compete for the series).
        let accepted = app
            .post_json_with("/v1/invoices", &key, &factura_b(), &[("prefer", "respond-async")])
            .await;
        assert_accepted(&accepted, 0);
    }
    let now = chrono::Utc::now();
    app.state.jobs.run_once(now).await.unwrap();
    assert!(deliveries(&app.storage).await.is_empty());

    execute(
        &app.storage,
        &format!("UPDATE accounts SET monthly_quota = 2 WHERE id = '{account}'"),
    )
    .await;
    let (first, other) = tokio::join!(app.state.jobs.run_once(now), second.state.jobs.run_once(now));
    first.unwrap();
    other.unwrap();
    second.state.jobs.run_once(now).await.unwrap();
    assert_eq!(of_type(&app.storage, "quota.warning").await.len(), 1);
    assert_eq!(of_type(&app.storage, "quota.exhausted").await.len(), 1);
}

/// Each instance has its own breaker; the shared availability row makes each transition
/// announced once, whichever instance sees it first, to the accounts with queued invoices only.
#[tokio::test]
async fn arca_unavailable_and_recovered_are_announced_once_per_transition_across_instances() {
    let app = app_builder().without_engine().start().await;
    let second = app_builder().instance_of(&app).without_engine().start().await;
    let (queued_account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let (idle_account, _) = app.create_account("Quieto", CUIT_B, json!({})).await;
    let queued_listener = subscribe(&app, &queued_account, &["arca.unavailable", "arca.recovered"]).await;
    subscribe(&app, &idle_account, &["*"]).await;
    // ARCA never answers this instance (a stopped engine still starts a worker when an invoice
    // wakes its series): the invoices stay queued.
    app.simulator.add_fault(hang());
    for _ in 0..2 {
        let accepted = app
            .post_json_with("/v1/invoices", &key, &factura_b(), &[("prefer", "respond-async")])
            .await;
        assert_eq!(accepted.status, 202, "{}", accepted.text());
    }

    let now = chrono::Utc::now();
    let (first, other) = tokio::join!(
        arca_service::alerts::announce_availability(&app.storage, false, now),
        arca_service::alerts::announce_availability(&second.storage, false, now),
    );
    assert_eq!(first.unwrap() + other.unwrap(), 1, "one instance announces the outage");
    // Still down on another instance: no new transition.
    assert_eq!(
        arca_service::alerts::announce_availability(&second.storage, false, now)
            .await
            .unwrap(),
        0
    );
    let unavailable = of_type(&app.storage, "arca.unavailable").await;
    assert_eq!(unavailable.len(), 1, "{unavailable:?}");
    assert_eq!(unavailable[0].subscription, queued_listener);
    assert_eq!(unavailable[0].body["data"]["available"], false);
    assert_eq!(unavailable[0].body["data"]["queued_invoices"], 2);

    let (first, other) = tokio::join!(
        arca_service::alerts::announce_availability(&second.storage, true, now),
        arca_service::alerts::announce_availability(&app.storage, true, now),
    );
    assert_eq!(
        first.unwrap() + other.unwrap(),
        1,
        "one instance announces the recovery"
    );
    let recovered = of_type(&app.storage, "arca.recovered").await;
    assert_eq!(recovered.len(), 1, "{recovered:?}");
    assert_eq!(recovered[0].body["data"]["available"], true);
}

/// The real path: an outage opens this instance's breaker, whose task flips the shared row and
/// announces `arca.unavailable`; the probe that closes it announces `arca.recovered`.
#[tokio::test]
async fn the_breaker_opening_and_closing_is_announced() {
    let app = app_builder()
        .env("CIRCUIT_BREAKER_FAILURE_THRESHOLD", "2")
        .env("CIRCUIT_BREAKER_OPEN_SECONDS", "1")
        .start()
        .await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    subscribe(&app, &account, &["arca.unavailable", "arca.recovered"]).await;
    // A first invoice: the worker then knows the last number and goes straight to
    // FECAESolicitar with the next one.
    let first = app.post_json("/v1/invoices", &key, &factura_b()).await;
    assert_eq!(first.status, 201, "{}", first.text());
    let mut committed = arca_service::outbox::committed();
    app.simulator.add_fault(arca_simulator::FaultRule {
        operation: "*".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(arca_simulator::FaultAction::Http500),
        probability: 1.0,
        remaining: None,
    });
    let accepted = app
        .post_json_with("/v1/invoices", &key, &factura_b(), &[("prefer", "respond-async")])
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    let id = accepted.json()["id"].as_str().unwrap().to_string();
    let deferred = app.state.engine.wait(&id, Duration::from_secs(20)).await.unwrap();
    assert_eq!(deferred.status, InvoiceStatus::PendingRetry);
    wait_for(&app.storage, &mut committed, "arca.unavailable").await;

    app.simulator.clear_faults();
    let row = app.state.engine.wait_final(&id, Duration::from_secs(60)).await.unwrap();
    assert_eq!(row.status, InvoiceStatus::Approved);
    wait_for(&app.storage, &mut committed, "arca.recovered").await;
    assert_eq!(of_type(&app.storage, "arca.unavailable").await.len(), 1);
    assert_eq!(of_type(&app.storage, "arca.recovered").await.len(), 1);
}

/// Waits, on the outbox's commit signal (no polling by time), until an event of `event_type`
/// has a delivery.
async fn wait_for(storage: &Storage, committed: &mut tokio::sync::watch::Receiver<u64>, event_type: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        if !of_type(storage, event_type).await.is_empty() {
            return;
        }
        if tokio::time::timeout_at(deadline, committed.changed()).await.is_err() {
            panic!("no {event_type} within 30 s");
        }
    }
}

/// Two processes' worth of apps share one clock through `SIMULATOR_CLOCK_FILE` (simulator mode
/// only): moving it moves both, and the expiry alert still fires once.
#[tokio::test]
async fn a_shared_simulator_clock_file_moves_every_instance_and_the_alert_fires_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock_file = dir.path().join("clock");
    let path = clock_file.display().to_string();
    let app = app_builder().env("SIMULATOR_CLOCK_FILE", &path).start().await;
    let second = app_builder()
        .instance_of(&app)
        .env("SIMULATOR_CLOCK_FILE", &path)
        .start()
        .await;
    let (account, key, certificate) = app.account_with_certificate("Almacén", CUIT_A).await;
    subscribe(&app, &account, &["certificate.expiring"]).await;
    let shown = app.get(&format!("/v1/certificates/{certificate}"), &key).await.json();
    let not_after: chrono::DateTime<chrono::Utc> = shown["not_after"].as_str().unwrap().parse().unwrap();

    // Seven days before the end, plus an hour, on both instances' clocks at once.
    let target = not_after - chrono::Duration::days(7) + chrono::Duration::hours(1);
    let offset = (target - chrono::Utc::now()).num_milliseconds();
    arca_service::simulator_clock::SimulatorClock::set_offset(&clock_file, offset).unwrap();
    for instance in [&app, &second] {
        let moved = instance.state.clock.now() - target;
        assert!(moved.num_seconds().abs() < 60, "{moved}");
    }
    let (first, other) = tokio::join!(
        app.state.jobs.run_once(app.state.clock.now()),
        second.state.jobs.run_once(second.state.clock.now()),
    );
    first.unwrap();
    other.unwrap();
    let fired = of_type(&app.storage, "certificate.expiring").await;
    assert_eq!(fired.len(), 1, "{fired:?}");
    assert_eq!(fired[0].body["data"]["days_to_expiry"], 6);
}

/// Every instance restarted during an outage: no breaker will close, so a fresh instance that
/// finds the shared row "unavailable" announces the recovery once ARCA answers it.
#[tokio::test]
async fn an_instance_started_during_a_recorded_outage_announces_the_recovery_once_arca_answers() {
    let app = app_builder().without_engine().start().await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    subscribe(&app, &account, &["arca.unavailable", "arca.recovered"]).await;
    // ARCA never answers this instance: its invoice (point of sale 1) stays queued.
    app.simulator.add_fault(hang());
    let accepted = app
        .post_json_with("/v1/invoices", &key, &factura_b(), &[("prefer", "respond-async")])
        .await;
    assert_eq!(accepted.status, 202, "{}", accepted.text());
    // The outage as the instances that are gone recorded it (the account had a queued invoice).
    let told = arca_service::alerts::announce_availability(&app.storage, false, chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(told, 1);
    let mut committed = arca_service::outbox::committed();

    // A new instance: nothing said "recovered" yet; once ARCA answers it, it says so.
    let second = app_builder().instance_of(&app).start().await;
    assert!(of_type(&app.storage, "arca.recovered").await.is_empty());
    // Another series (point of sale 2): the first one's lease is held by the hung worker.
    let issued = second
        .post_json("/v1/invoices", &key, &arca_test_support::samples::invoice_request(2))
        .await;
    assert!(issued.status == 201 || issued.status == 202, "{}", issued.text());
    wait_for(&app.storage, &mut committed, "arca.recovered").await;
    assert_eq!(of_type(&app.storage, "arca.recovered").await.len(), 1);
    let (available, _) = arca_service::storage::alerts::availability(&app.storage).await.unwrap();
    assert!(available);
}

/// Every ARCA operation of a simulator never answers.
fn hang() -> arca_simulator::FaultRule {
    arca_simulator::FaultRule {
        operation: "*".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(arca_simulator::FaultAction::Timeout),
        probability: 1.0,
        remaining: None,
    }
}
