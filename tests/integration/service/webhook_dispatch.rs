//! The outbox dispatcher's batch machinery on the real database (both dialects): a claim takes a
//! batch bounded per webhook endpoint and leaves busy endpoints out, two instances claiming at
//! once never take the same message, an expired lease is taken over with the dead attempt closed
//! as `abandoned`, a batch settlement is fenced per message, the webhook queue gauge counts what
//! is there, and retention purges only what is over and old.
//!
//! Messages are enqueued through `outbox::enqueue` in a transaction, as the events module does;
//! times come from the test (no clock is read, nothing sleeps). The last tests go through the
//! whole path: pings (`POST /v1/webhooks/{id}/test`) delivered over HTTP to a real receiver that
//! holds each answer a moment, so attempts overlap and the per-endpoint bound shows.

use std::collections::HashSet;

use arca_service::outbox::{self, MessageKind};
use arca_service::storage::Storage;
use arca_service::storage::outbox::{self as store, AttemptOutcome, ClaimRequest, Finish, Settlement};
use chrono::{DateTime, Utc};
use serde_json::json;

use arca_test_support::receiver::{Receiver, Reply};
use arca_test_support::{CUIT_A, TestApp};

fn at(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap()
}

/// A time on a whole millisecond, a day ago (so what is enqueued at it is due now).
fn base() -> i64 {
    (Utc::now() - chrono::Duration::days(1)).timestamp_millis()
}

async fn app_and_account() -> (TestApp, String) {
    let app = TestApp::builder().without_dispatcher().without_engine().start().await;
    let (account, _) = app.create_account("Almacén", CUIT_A, json!({})).await;
    (app, account)
}

/// Enqueues `count` messages of `kind` about `subject` at `now_ms`; their ids.
async fn enqueue(
    storage: &Storage,
    account: &str,
    kind: MessageKind,
    subject: &str,
    count: usize,
    now_ms: i64,
) -> Vec<String> {
    let mut transaction = storage.begin().await.unwrap();
    let mut ids = Vec::new();
    for n in 0..count {
        let payload = json!({"event_id": format!("evt_{subject}_{n}"), "type": "ping"});
        ids.push(
            outbox::enqueue(&mut transaction, account, kind, subject, &payload, at(now_ms))
                .await
                .unwrap(),
        );
    }
    transaction.commit().await.unwrap();
    ids
}

async fn claim(storage: &Storage, owner: &str, now_ms: i64, limit: i64, busy: &[String]) -> Vec<store::MessageRow> {
    let request = ClaimRequest {
        owner,
        now: at(now_ms),
        lease_expires_at: now_ms + 60_000,
        limit,
        per_subject: 4,
        busy_subjects: busy,
    };
    store::claim_batch(storage, &request).await.unwrap().0
}

fn count_subject(claimed: &[store::MessageRow], subject: &str) -> usize {
    claimed.iter().filter(|m| m.subject_id == subject).count()
}

#[tokio::test]
async fn a_claim_takes_a_batch_bounded_per_endpoint_and_leaves_busy_endpoints_out() {
    let (app, account) = app_and_account().await;
    let now = base();
    enqueue(&app.storage, &account, MessageKind::Webhook, "sub_a", 10, now).await;
    enqueue(&app.storage, &account, MessageKind::Webhook, "sub_b", 3, now + 1).await;
    enqueue(&app.storage, &account, MessageKind::Email, "inv_1", 2, now + 2).await;
    // Not due yet.
    enqueue(
        &app.storage,
        &account,
        MessageKind::Webhook,
        "sub_c",
        1,
        now + 3_600_000,
    )
    .await;

    let first = claim(&app.storage, "one", now + 10, 100, &[]).await;
    assert_eq!(count_subject(&first, "sub_a"), 4, "at most the endpoint's bound");
    assert_eq!(count_subject(&first, "sub_b"), 3);
    assert_eq!(count_subject(&first, "inv_1"), 2);
    assert_eq!(first.len(), 9);
    for message in &first {
        assert_eq!(message.status, outbox::MessageStatus::Delivering);
        assert_eq!(message.attempts, 1);
        assert_eq!(message.lease_owner.as_deref(), Some("one"));
    }
    // Each claimed message has its attempt opened.
    let ids: Vec<String> = first.iter().map(|m| m.id.clone()).collect();
    let attempts = store::attempts(&app.storage, &ids).await.unwrap();
    assert_eq!(attempts.len(), 9);
    assert!(attempts.iter().all(|a| a.number == 1 && a.finished_at.is_none()));

    // sub_a is at its bound in this instance: left out.
    let busy = vec!["sub_a".to_string()];
    assert!(claim(&app.storage, "one", now + 20, 100, &busy).await.is_empty());
    // Free again: the next four.
    let next = claim(&app.storage, "one", now + 30, 100, &[]).await;
    assert_eq!(next.len(), 4);
    assert_eq!(count_subject(&next, "sub_a"), 4);
    // The limit holds too.
    assert_eq!(claim(&app.storage, "one", now + 40, 1, &[]).await.len(), 1);
}

#[tokio::test]
async fn two_instances_claiming_at_once_never_take_the_same_message() {
    let (app, account) = app_and_account().await;
    let now = base();
    let mut all = HashSet::new();
    for endpoint in 0..30 {
        let ids = enqueue(
            &app.storage,
            &account,
            MessageKind::Webhook,
            &format!("sub_{endpoint}"),
            10,
            now,
        )
        .await;
        all.extend(ids);
    }
    let mut seen: Vec<String> = Vec::new();
    for round in 0..20 {
        let (one, two) = tokio::join!(
            claim(&app.storage, "one", now + round, 64, &[]),
            claim(&app.storage, "two", now + round, 64, &[])
        );
        if one.is_empty() && two.is_empty() {
            break;
        }
        seen.extend(one.into_iter().map(|m| m.id));
        seen.extend(two.into_iter().map(|m| m.id));
    }
    let unique: HashSet<String> = seen.iter().cloned().collect();
    assert_eq!(unique.len(), seen.len(), "a message was claimed twice");
    assert_eq!(unique, all, "every message claimed once");
}

#[tokio::test]
async fn an_expired_lease_is_taken_over_and_a_batch_settlement_is_fenced() {
    let (app, account) = app_and_account().await;
    let now = base();
    let ids = enqueue(&app.storage, &account, MessageKind::Webhook, "sub_a", 2, now).await;

    let dead = claim(&app.storage, "dead", now, 10, &[]).await;
    assert_eq!(dead.len(), 2);
    // Its lease (60 s) holds.
    assert!(claim(&app.storage, "alive", now + 59_999, 10, &[]).await.is_empty());
    let (taken, abandoned) = store::claim_batch(
        &app.storage,
        &ClaimRequest {
            owner: "alive",
            now: at(now + 60_000),
            lease_expires_at: now + 120_000,
            limit: 10,
            per_subject: 4,
            busy_subjects: &[],
        },
    )
    .await
    .unwrap();
    assert_eq!(taken.len(), 2);
    assert_eq!(abandoned, 2, "the dead instance's attempts are closed");
    assert!(taken.iter().all(|m| m.attempts == 2));

    let finishes = |number: i32| -> Vec<Finish<'static>> {
        ids.iter()
            .map(|id| Finish {
                id: Box::leak(id.clone().into_boxed_str()),
                number,
                attempt: store::AttemptRecord {
                    outcome: AttemptOutcome::Delivered,
                    reply: "200 OK",
                    http_status: Some(200),
                    duration_ms: 3,
                },
                settlement: Settlement::Delivered,
            })
            .collect()
    };
    // The dead instance's late report changes nothing.
    let late = store::finish_batch(&app.storage, "dead", &finishes(1), at(now + 60_001))
        .await
        .unwrap();
    assert_eq!(late, [false, false]);
    let settled = store::finish_batch(&app.storage, "alive", &finishes(2), at(now + 60_002))
        .await
        .unwrap();
    assert_eq!(settled, [true, true]);
    for id in &ids {
        let message = store::find(&app.storage, id).await.unwrap().unwrap();
        assert_eq!(message.status, outbox::MessageStatus::Delivered);
    }
    let attempts = store::attempts(&app.storage, &ids).await.unwrap();
    let outcomes: Vec<(i32, Option<String>, Option<i32>)> = attempts
        .iter()
        .map(|a| (a.number, a.outcome.clone(), a.http_status))
        .collect();
    assert_eq!(
        outcomes[..2],
        [
            (1, Some("abandoned".to_string()), None),
            (2, Some("delivered".to_string()), Some(200))
        ]
    );
    // Settled: not due any more.
    assert!(claim(&app.storage, "alive", now + 500_000, 10, &[]).await.is_empty());
}

#[tokio::test]
async fn the_webhook_queue_gauge_counts_pending_retrying_delivering_and_failed() {
    let (app, account) = app_and_account().await;
    let now = base();
    let ids = enqueue(&app.storage, &account, MessageKind::Webhook, "sub_a", 4, now).await;
    enqueue(&app.storage, &account, MessageKind::Email, "inv_1", 3, now + 1).await;
    let claimed = claim(&app.storage, "one", now + 1, 3, &[]).await;
    let claimed_ids: Vec<&str> = claimed.iter().map(|m| m.id.as_str()).collect();
    assert!(claimed_ids.iter().all(|id| ids.iter().any(|i| i == id)));
    let record = store::AttemptRecord {
        outcome: AttemptOutcome::Transient,
        reply: "503",
        http_status: Some(503),
        duration_ms: 1,
    };
    let finishes = vec![
        Finish {
            id: claimed_ids[0],
            number: 1,
            attempt: record.clone(),
            settlement: Settlement::RetryAt(now + 60_000),
        },
        Finish {
            id: claimed_ids[1],
            number: 1,
            attempt: store::AttemptRecord {
                outcome: AttemptOutcome::Permanent,
                ..record.clone()
            },
            settlement: Settlement::Failed,
        },
    ];
    store::finish_batch(&app.storage, "one", &finishes, at(now + 1))
        .await
        .unwrap();
    let queue = store::webhook_queue(&app.storage).await.unwrap();
    assert_eq!(
        queue,
        store::WebhookQueue {
            pending: 1,
            retrying: 1,
            delivering: 1,
            failed: 1
        },
        "emails are not counted"
    );
    let metrics = app.request("GET", "/metrics", &[], None).await.text();
    for (status, value) in [("pending", 1), ("retrying", 1), ("delivering", 1), ("failed", 1)] {
        assert!(
            metrics.contains(&format!("arca_webhooks_queue{{status=\"{status}\"}} {value}\n")),
            "{status}: {metrics}"
        );
    }
}

#[tokio::test]
async fn retention_purges_final_deliveries_and_events_past_the_period_and_nothing_under_way() {
    let (app, account) = app_and_account().await;
    let day = 86_400_000;
    let now = Utc::now().timestamp_millis();
    let old = now - 40 * day;
    let recent = now - 2 * day;
    let event = |id: &str, created: i64| {
        let storage = app.storage.clone();
        let id = id.to_string();
        let account = account.clone();
        async move {
            let mut transaction = storage.begin().await.unwrap();
            arca_service::storage::webhooks::insert_events(
                &mut transaction,
                &[arca_service::storage::webhooks::NewEvent {
                    id: &id,
                    account_id: &account,
                    event_type: "ping",
                    body: "{}",
                    created_at: at(created),
                }],
            )
            .await
            .unwrap();
            transaction.commit().await.unwrap();
        }
    };
    // Old: two delivered, one failed, one still pending (its event must stay), one email.
    event("evt_old_done", old).await;
    let old_done = enqueue(&app.storage, &account, MessageKind::Webhook, "sub_a", 3, old).await;
    let old_email = enqueue(&app.storage, &account, MessageKind::Email, "inv_1", 1, old).await;
    let claimed = claim(&app.storage, "one", old, 10, &[]).await;
    assert_eq!(claimed.len(), 4);
    let settle = |id: &str, settlement: Settlement| Finish {
        id: Box::leak(id.to_string().into_boxed_str()),
        number: 1,
        attempt: store::AttemptRecord {
            outcome: if settlement == Settlement::Delivered {
                AttemptOutcome::Delivered
            } else {
                AttemptOutcome::Permanent
            },
            reply: "",
            http_status: Some(200),
            duration_ms: 1,
        },
        settlement,
    };
    let finishes = vec![
        settle(&old_done[0], Settlement::Delivered),
        settle(&old_done[1], Settlement::Delivered),
        settle(&old_done[2], Settlement::Failed),
        settle(&old_email[0], Settlement::Delivered),
    ];
    store::finish_batch(&app.storage, "one", &finishes, at(old + 1))
        .await
        .unwrap();
    // Its pending delivery is written first: the service writes an event and its deliveries in one
    // transaction, and a background retention pass between two transactions here would take an
    // old event that has no delivery yet.
    let old_pending = enqueue(&app.storage, &account, MessageKind::Webhook, "sub_b", 1, old + 5).await;
    event("evt_old_pending", old + 5).await;
    // Recent, delivered.
    event("evt_recent", recent).await;
    let recent_ids = enqueue(&app.storage, &account, MessageKind::Webhook, "sub_a", 1, recent).await;

    // The scheduled jobs' retention pass (at start-up, then every ALERTS_CHECK_INTERVAL_MS) may have
    // taken some first: what is left is what counts.
    let purged = outbox::purge(&app.storage, at(now), outbox::retention::days(30))
        .await
        .unwrap();
    assert!(purged.deliveries <= 3 && purged.events <= 1, "{purged:?}");
    for id in &old_done {
        assert!(store::find(&app.storage, id).await.unwrap().is_none(), "{id} purged");
    }
    for id in old_email.iter().chain(&old_pending).chain(&recent_ids) {
        assert!(store::find(&app.storage, id).await.unwrap().is_some(), "{id} kept");
    }
    let body = |id: &'static str| {
        let storage = app.storage.clone();
        async move { arca_service::storage::webhooks::event_body(&storage, id).await.unwrap() }
    };
    assert!(body("evt_old_done").await.is_none());
    assert!(
        body("evt_old_pending").await.is_some(),
        "its delivery is still under way"
    );
    assert!(body("evt_recent").await.is_some());
    // Nothing more to purge.
    assert_eq!(
        outbox::purge(&app.storage, at(now), outbox::retention::days(30))
            .await
            .unwrap(),
        outbox::retention::Purged::default()
    );
}

/// A reply held `millis` before answering 200.
fn slow(millis: u64) -> Reply {
    Reply {
        delay: std::time::Duration::from_millis(millis),
        ..Reply::status(200)
    }
}

async fn subscribe_and_ping(app: &TestApp, key: &str, url: &str, pings: usize) {
    let created = app
        .post_json("/v1/webhooks", key, &json!({"url": url, "events": ["*"]}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().unwrap().to_string();
    for _ in 0..pings {
        let response = app.post_json(&format!("/v1/webhooks/{id}/test"), key, &json!({})).await;
        assert_eq!(response.status, 202, "{}", response.text());
    }
}

fn counter(metrics: &str, series: &str) -> f64 {
    metrics
        .lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' '))
        .map_or(0.0, |value| value.parse().unwrap())
}

#[tokio::test]
async fn one_pass_attempts_every_due_delivery_concurrently_within_each_endpoints_bound() {
    let clock = std::sync::Arc::new(arca_protocol::clock::ManualClock::new(
        DateTime::from_timestamp_millis((Utc::now() + chrono::Duration::hours(1)).timestamp_millis()).unwrap(),
    ));
    let app = TestApp::builder()
        .without_dispatcher()
        .clock(clock.clone())
        .env("WEBHOOK_ENDPOINT_CONCURRENCY", "2")
        .start()
        .await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    receiver.reply_with((0..11).map(|_| slow(150)));
    subscribe_and_ping(&app, &key, &receiver.url("/a"), 8).await;
    subscribe_and_ping(&app, &key, &receiver.url("/b"), 3).await;
    let before = app.request("GET", "/metrics", &[], None).await.text();

    let pass = app.state.dispatcher.run_once().await.unwrap();
    assert_eq!(pass.delivered, 11, "{pass:?}");
    assert_eq!(receiver.received().len(), 11);
    assert_eq!(receiver.max_concurrent("/a"), 2, "two at once to /a, never more");
    assert_eq!(receiver.max_concurrent("/b"), 2);
    assert_eq!(
        app.state.dispatcher.run_once().await.unwrap().attempts(),
        0,
        "each once"
    );

    let after = app.request("GET", "/metrics", &[], None).await.text();
    let delivered = "arca_webhook_deliveries_total{outcome=\"delivered\"}";
    assert!(
        counter(&after, delivered) - counter(&before, delivered) >= 11.0,
        "{after}"
    );
    let timed = "arca_webhook_delivery_duration_seconds_count";
    assert!(counter(&after, timed) - counter(&before, timed) >= 11.0);
    assert!(after.contains("arca_webhooks_queue{status=\"pending\"} 0\n"));
}

#[tokio::test]
async fn the_running_dispatcher_delivers_what_commits_within_the_endpoints_bound() {
    let app = TestApp::builder()
        .env("WEBHOOK_ENDPOINT_CONCURRENCY", "3")
        .start()
        .await;
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    receiver.reply_with((0..15).map(|_| slow(100)));
    subscribe_and_ping(&app, &key, &receiver.url("/a"), 15).await;
    let received = receiver.wait_for(15, std::time::Duration::from_secs(30)).await;
    let ids: HashSet<&str> = received.iter().map(|r| r.header("webhook-id").unwrap()).collect();
    assert_eq!(ids.len(), 15, "each delivery once");
    assert!(receiver.max_concurrent("/a") <= 3, "{}", receiver.max_concurrent("/a"));
    assert!(receiver.max_concurrent("/a") >= 2, "attempts overlap");
}
