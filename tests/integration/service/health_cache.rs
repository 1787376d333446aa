//! `GET /health/arca` never calls ARCA at a client's pace: one `FEDummy` answers every probe for
//! `ARCA_HEALTH_CACHE_MS`, concurrent probes share one call, and the cache ends when the app's
//! clock (a `ManualClock` here) says so. Counted at the simulator.

use std::sync::Arc;

use arca_protocol::clock::ManualClock;
use arca_simulator::{FaultAction, FaultRule};
use chrono::Utc;
use tokio::task::JoinSet;

use arca_test_support::TestApp;

fn fedummy_fault(latency_ms: u64, action: Option<FaultAction>) -> FaultRule {
    FaultRule {
        operation: "FEDummy".into(),
        latency_ms,
        jitter_ms: 0,
        action,
        probability: 1.0,
        remaining: None,
    }
}

async fn probe(app: &TestApp) -> u16 {
    app.request("GET", "/health/arca", &[], None).await.status
}

#[tokio::test]
async fn twenty_concurrent_probes_make_one_fedummy_until_the_cache_expires() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::builder()
        .clock(clock.clone())
        .env("ARCA_HEALTH_CACHE_MS", "5000")
        .start()
        .await;
    // A slow FEDummy: the probes arrive while the first call is still out.
    app.simulator.add_fault(fedummy_fault(300, None));
    let app = Arc::new(app);
    let mut probes = JoinSet::new();
    for _ in 0..20 {
        let app = app.clone();
        probes.spawn(async move { probe(&app).await });
    }
    while let Some(status) = probes.join_next().await {
        assert_eq!(status.unwrap(), 200);
    }
    assert_eq!(app.simulator.calls("FEDummy"), 1, "20 probes, one FEDummy");

    clock.advance(chrono::Duration::milliseconds(4_900));
    assert_eq!(probe(&app).await, 200);
    assert_eq!(app.simulator.calls("FEDummy"), 1, "still within the 5 s");

    clock.advance(chrono::Duration::milliseconds(200));
    assert_eq!(probe(&app).await, 200);
    assert_eq!(app.simulator.calls("FEDummy"), 2, "past the 5 s: asked again, once");
    assert_eq!(probe(&app).await, 200);
    assert_eq!(app.simulator.calls("FEDummy"), 2);
}

#[tokio::test]
async fn an_outage_is_cached_too_so_probes_do_not_hammer_a_failing_arca() {
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let app = TestApp::builder().clock(clock.clone()).start().await;
    app.simulator.add_fault(fedummy_fault(0, Some(FaultAction::Http503)));
    for _ in 0..10 {
        assert_eq!(probe(&app).await, 503);
    }
    assert_eq!(app.simulator.calls("FEDummy"), 1);

    // ARCA is back: the probe says so once the cached outage is older than the default 5 s.
    app.simulator.clear_faults();
    assert_eq!(probe(&app).await, 503);
    clock.advance(chrono::Duration::seconds(6));
    assert_eq!(probe(&app).await, 200);
    assert_eq!(app.simulator.calls("FEDummy"), 2);
}
