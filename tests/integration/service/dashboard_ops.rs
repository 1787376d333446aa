//! The dashboard's operations pages over HTTP: webhooks (the create form and its secret shown
//! once, refusals next to the field, enabling, deleting, the delivery log with a failed delivery
//! to a real receiver retried from the page and then delivered, pagination), usage (the
//! month's count against the quota and the chart's bars per Argentina's day) and contingency
//! (with and without a CAEA) — every operation checked through the API or storage, CSRF
//! refused, another account's objects a 404.
//!
//! The app's outbox dispatcher is stopped: the tests drive passes (`run_once`), so nothing
//! waits on time.

use std::time::Duration;

use arca_service::outbox::dispatcher::Pass;
use arca_test_support::dashboard::DashboardClient;
use arca_test_support::receiver::{Receiver, Reply};
use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};
use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use serde_json::{Value, json};

async fn pass(app: &TestApp) -> Pass {
    app.state.dispatcher.run_once().await.expect("a dispatcher pass")
}

async fn ping(app: &TestApp, key: &str, id: &str) -> String {
    let response = app.post_json(&format!("/v1/webhooks/{id}/test"), key, &json!({})).await;
    assert_eq!(response.status, 202, "{}", response.text());
    response.json()["delivery_id"].as_str().unwrap().to_string()
}

async fn delivery(app: &TestApp, key: &str, id: &str, delivery_id: &str) -> Value {
    let log = app
        .get(&format!("/v1/webhooks/{id}/deliveries?limit=100"), key)
        .await
        .json();
    log["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|delivery| delivery["id"] == delivery_id)
        .cloned()
        .unwrap_or_else(|| panic!("no delivery {delivery_id} in {log}"))
}

/// The `<tr …>` element whose opening tag carries `attribute`, up to its `</tr>`.
fn row<'a>(html: &'a str, attribute: &str) -> &'a str {
    let start = html
        .find(attribute)
        .unwrap_or_else(|| panic!("no row with {attribute}"));
    let start = html[..start].rfind("<tr").unwrap();
    let end = html[start..].find("</tr>").unwrap();
    &html[start..start + end]
}

fn location(response: &TestResponse) -> String {
    response.header("location").unwrap_or_default().to_string()
}

#[tokio::test]
async fn webhooks_are_created_with_the_secret_shown_once_and_a_failed_delivery_is_retried_from_the_page() {
    let app = TestApp::builder().without_dispatcher().start().await;
    let (_, key) = app.create_account("Operaciones", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let url = receiver.url("/hooks");
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let empty = client.get("/dashboard/webhooks").await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    assert!(empty.text().contains("Todavía no hay webhooks"));

    // Refused by the domain's rules: the messages next to each field, nothing stored.
    let refused = client
        .post_form(
            "/dashboard/webhooks",
            &[("url", "ftp://example.com/x"), ("description", "ERP")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    let html = refused.text();
    assert!(html.contains("id=\"events-error\""), "{html}");
    assert!(html.contains("aria-describedby=\"events-error\""), "{html}");
    assert!(
        html.contains("value=\"ftp://example.com/x\""),
        "the form keeps what was typed"
    );
    let listed = app.get("/v1/webhooks", &key).await.json();
    assert_eq!(listed["pagination"]["total"], 0, "{listed}");
    let refused = client
        .post_form(
            "/dashboard/webhooks",
            &[("url", "ftp://example.com/x"), ("events", "invoice.approved")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("id=\"url-error\""), "{}", refused.text());
    assert!(refused.text().contains("aria-invalid=\"true\""));

    // Created: the answer shows the secret once; the list never does.
    let created = client
        .post_form(
            "/dashboard/webhooks",
            &[
                ("url", url.as_str()),
                ("events", "invoice.approved"),
                ("events", "invoice.failed"),
                ("description", "ERP"),
                ("enabled", "true"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text());
    let html = created.text();
    let at = html.find("id=\"new-secret\"").expect("the secret is shown");
    let secret: String = html[at..]
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert!(html.contains("Webhook creado."));
    let listed = app.get("/v1/webhooks", &key).await.json();
    assert_eq!(listed["pagination"]["total"], 1);
    let subscription = &listed["data"][0];
    assert_eq!(subscription["url"], url.as_str());
    assert_eq!(subscription["events"], json!(["invoice.approved", "invoice.failed"]));
    assert_eq!(subscription["description"], "ERP");
    assert_eq!(subscription["enabled"], true);
    let id = subscription["id"].as_str().unwrap().to_string();
    let list = client.get("/dashboard/webhooks").await.text();
    assert!(!list.contains(&secret), "the secret is never shown again");
    assert!(!list.contains("new-secret"));
    assert!(list.contains(&format!("data-webhook-id=\"{id}\"")));
    assert!(list.contains("invoice.approved, invoice.failed"));
    let page = client.get(&format!("/dashboard/webhooks/{id}")).await.text();
    assert!(!page.contains(&secret));

    // A delivery the endpoint refuses for good (410), and one it accepts.
    receiver.reply_with([Reply::status(410)]);
    let failed = ping(&app, &key, &id).await;
    assert_eq!(pass(&app).await.permanent, 1);
    let delivered = ping(&app, &key, &id).await;
    assert_eq!(pass(&app).await.delivered, 1);
    receiver.wait_for(2, Duration::from_secs(5)).await;

    let page = client.get(&format!("/dashboard/webhooks/{id}")).await;
    assert_eq!(page.status, 200);
    let html = page.text();
    let failed_row = row(&html, &format!("data-delivery-id=\"{failed}\""));
    assert!(failed_row.contains("Fallida"), "{failed_row}");
    assert!(failed_row.contains("HTTP 410"), "{failed_row}");
    assert!(failed_row.contains("<code>ping</code>"), "{failed_row}");
    assert!(failed_row.contains("class=\"retry\""), "{failed_row}");
    let delivered_row = row(&html, &format!("data-delivery-id=\"{delivered}\""));
    assert!(delivered_row.contains("Entregada"), "{delivered_row}");
    assert!(
        !delivered_row.contains("class=\"retry\""),
        "a delivered one cannot be retried"
    );
    let retry_path = format!("/dashboard/webhooks/{id}/deliveries/{failed}/retry");

    // Without the form's token: 403, nothing retried.
    let forged = client.post_raw(&retry_path, "").await;
    assert_eq!(forged.status, 403);
    let forged = client.post_raw(&retry_path, "_csrf=not-the-token").await;
    assert_eq!(forged.status, 403);
    assert_eq!(delivery(&app, &key, &id, &failed).await["status"], "failed");
    assert_eq!(pass(&app).await.attempts(), 0);

    // Retried from the page: the same delivery id, delivered on the next pass.
    let retried = client.post_form(&retry_path, &[]).await;
    assert_eq!(retried.status, 303, "{}", retried.text());
    assert_eq!(
        location(&retried),
        format!("/dashboard/webhooks/{id}?aviso=entrega-reintentada")
    );
    assert_eq!(delivery(&app, &key, &id, &failed).await["status"], "pending");
    assert_eq!(pass(&app).await.delivered, 1);
    let received = receiver.wait_for(3, Duration::from_secs(5)).await;
    assert_eq!(received[2].header("webhook-id"), Some(failed.as_str()));
    let page = client.get(&location(&retried)).await.text();
    assert!(page.contains("Entrega reintentada."));
    let retried_row = row(&page, &format!("data-delivery-id=\"{failed}\""));
    assert!(retried_row.contains("Entregada"), "{retried_row}");
    assert!(!retried_row.contains("class=\"retry\""));
    // Once delivered, retrying is the API's conflict.
    let again = client.post_form(&retry_path, &[]).await;
    assert_eq!(again.status, 409, "{}", again.text());

    // Disabled and enabled again from its page (the API sees it), then deleted.
    let disabled = client
        .post_form(&format!("/dashboard/webhooks/{id}/enabled"), &[("enabled", "false")])
        .await;
    assert_eq!(disabled.status, 303);
    let read = app.get(&format!("/v1/webhooks/{id}"), &key).await.json();
    assert_eq!(read["enabled"], false);
    assert_eq!(read["disabled_reason"], "user");
    assert!(
        client
            .get(&format!("/dashboard/webhooks/{id}"))
            .await
            .text()
            .contains("Desactivado")
    );
    client
        .post_form(&format!("/dashboard/webhooks/{id}/enabled"), &[("enabled", "true")])
        .await;
    assert_eq!(
        app.get(&format!("/v1/webhooks/{id}"), &key).await.json()["enabled"],
        true
    );
    let forged = client.post_raw(&format!("/dashboard/webhooks/{id}/delete"), "").await;
    assert_eq!(forged.status, 403);
    assert_eq!(app.get(&format!("/v1/webhooks/{id}"), &key).await.status, 200);
    let deleted = client.post_form(&format!("/dashboard/webhooks/{id}/delete"), &[]).await;
    assert_eq!(deleted.status, 303);
    assert_eq!(location(&deleted), "/dashboard/webhooks?aviso=eliminado");
    assert_eq!(app.get(&format!("/v1/webhooks/{id}"), &key).await.status, 404);
    assert_eq!(client.get(&format!("/dashboard/webhooks/{id}")).await.status, 404);
}

#[tokio::test]
async fn the_delivery_log_is_paginated_and_the_test_button_sends_a_ping() {
    let app = TestApp::builder().without_dispatcher().start().await;
    let (_, key) = app.create_account("Operaciones", CUIT_A, json!({})).await;
    let receiver = Receiver::start().await;
    let created = app
        .post_json(
            "/v1/webhooks",
            &key,
            &json!({"url": receiver.url("/h"), "events": ["*"]}),
        )
        .await;
    assert_eq!(created.status, 201);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get(&format!("/dashboard/webhooks/{id}")).await;
    for _ in 0..20 {
        ping(&app, &key, &id).await;
    }
    // The page's own test button: the 21st delivery, the newest.
    let sent = client.post_form(&format!("/dashboard/webhooks/{id}/test"), &[]).await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    let log = app
        .get(&format!("/v1/webhooks/{id}/deliveries?limit=100"), &key)
        .await
        .json();
    assert_eq!(log["pagination"]["total"], 21);
    let newest = log["data"][0]["id"].as_str().unwrap().to_string();
    let oldest = log["data"][20]["id"].as_str().unwrap().to_string();

    let first = client.get(&format!("/dashboard/webhooks/{id}")).await.text();
    assert_eq!(first.matches("data-delivery-id=").count(), 20);
    assert!(first.contains(&format!("data-delivery-id=\"{newest}\"")));
    assert!(!first.contains(&format!("data-delivery-id=\"{oldest}\"")));
    assert!(first.contains("21 en total; página 1 de 2"));
    assert!(first.contains(&format!("/dashboard/webhooks/{id}?pagina=2")));
    let row_html = row(&first, &format!("data-delivery-id=\"{newest}\""));
    assert!(row_html.contains("Pendiente"), "{row_html}");
    assert!(
        row_html.contains("class=\"retry\""),
        "a pending delivery may be hurried"
    );
    let second = client.get(&format!("/dashboard/webhooks/{id}?pagina=2")).await.text();
    assert_eq!(second.matches("data-delivery-id=").count(), 1);
    assert!(second.contains(&format!("data-delivery-id=\"{oldest}\"")));
    assert!(second.contains("rel=\"prev\""));
    let beyond = client.get(&format!("/dashboard/webhooks/{id}?pagina=9")).await;
    assert_eq!(beyond.status, 200);
    assert_eq!(beyond.text().matches("data-delivery-id=").count(), 0);
    let nonsense = client.get(&format!("/dashboard/webhooks/{id}?pagina=abc")).await;
    assert_eq!(nonsense.text().matches("data-delivery-id=").count(), 20);

    assert_eq!(pass(&app).await.delivered, 21);
    receiver.wait_for(21, Duration::from_secs(5)).await;
    let delivered = client.get(&format!("/dashboard/webhooks/{id}")).await.text();
    assert_eq!(delivered.matches("class=\"retry\"").count(), 0);
}

#[tokio::test]
async fn another_accounts_webhook_and_deliveries_are_not_found_from_the_dashboard() {
    let app = TestApp::builder().without_dispatcher().start().await;
    let (_, key_a) = app.create_account("A", CUIT_A, json!({})).await;
    let (_, key_b) = app.create_account("B", CUIT_B, json!({})).await;
    let receiver = Receiver::start().await;
    receiver.reply_with([Reply::status(404), Reply::status(404)]);
    let mut subscriptions = Vec::new();
    for key in [&key_a, &key_b] {
        let created = app
            .post_json(
                "/v1/webhooks",
                key,
                &json!({"url": receiver.url("/h"), "events": ["*"]}),
            )
            .await;
        assert_eq!(created.status, 201);
        subscriptions.push(created.json()["id"].as_str().unwrap().to_string());
    }
    let (own, theirs) = (subscriptions[0].clone(), subscriptions[1].clone());
    let own_delivery = ping(&app, &key_a, &own).await;
    let their_delivery = ping(&app, &key_b, &theirs).await;
    assert_eq!(pass(&app).await.permanent, 2);

    let mut client = DashboardClient::signed_in(&app, &key_a).await;
    let list = client.get("/dashboard/webhooks").await.text();
    assert!(list.contains(&own) && !list.contains(&theirs));
    assert_eq!(client.get(&format!("/dashboard/webhooks/{theirs}")).await.status, 404);
    let paths = [
        format!("/dashboard/webhooks/{theirs}/deliveries/{their_delivery}/retry"),
        // Its own subscription with the other account's delivery.
        format!("/dashboard/webhooks/{own}/deliveries/{their_delivery}/retry"),
        format!("/dashboard/webhooks/{theirs}/test"),
        format!("/dashboard/webhooks/{theirs}/delete"),
    ];
    for path in &paths {
        let answer = client.post_form(path, &[]).await;
        assert_eq!(answer.status, 404, "{path}: {}", answer.text());
    }
    let answer = client
        .post_form(
            &format!("/dashboard/webhooks/{theirs}/enabled"),
            &[("enabled", "false")],
        )
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        delivery(&app, &key_b, &theirs, &their_delivery).await["status"],
        "failed"
    );
    let log = app
        .get(&format!("/v1/webhooks/{theirs}/deliveries"), &key_b)
        .await
        .json();
    assert_eq!(log["pagination"]["total"], 1, "no ping was sent to B's endpoint: {log}");
    let read = app.get(&format!("/v1/webhooks/{theirs}"), &key_b).await.json();
    assert_eq!(read["enabled"], true);
    // A's own failed delivery is retried as usual.
    let page = client.get(&format!("/dashboard/webhooks/{own}")).await.text();
    assert!(page.contains(&format!("data-delivery-id=\"{own_delivery}\"")));
    assert!(!page.contains(&their_delivery));
}

/// Argentina's midnight starting `day`.
fn argentina_midnight(day: NaiveDate) -> DateTime<Utc> {
    arca_protocol::clock::argentina()
        .from_local_datetime(&day.and_hms_opt(0, 0, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

async fn set_created_at(app: &TestApp, id: &str, at: DateTime<Utc>) {
    const SQL: &str = "UPDATE invoices SET created_at = $1 WHERE id = $2";
    let changed = match &app.storage {
        arca_service::Storage::Sqlite(pool) => sqlx::query(SQL)
            .bind(at)
            .bind(id)
            .execute(pool)
            .await
            .unwrap()
            .rows_affected(),
        arca_service::Storage::Postgres(pool) => sqlx::query(SQL)
            .bind(at)
            .bind(id)
            .execute(pool)
            .await
            .unwrap()
            .rows_affected(),
    };
    assert_eq!(changed, 1);
}

async fn issue(app: &TestApp, key: &str) -> String {
    let response = app
        .post_json("/v1/invoices", key, &arca_test_support::samples::invoice_request(1))
        .await;
    assert_eq!(response.status, 201, "{}", response.text());
    response.json()["id"].as_str().unwrap().to_string()
}

/// The `data-count` of the bar of day `day`, if there is one.
fn bar(html: &str, day: u32) -> Option<i64> {
    let at = html.find(&format!("data-day=\"{day}\""))?;
    let rest = &html[at..];
    let start = rest.find("data-count=\"")? + "data-count=\"".len();
    let end = rest[start..].find('"')?;
    rest[start..start + end].parse().ok()
}

#[tokio::test]
async fn the_usage_page_shows_the_months_count_against_the_quota_and_a_bar_per_day_with_invoices() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let (_, other, _) = app.account_with_certificate("Otro", CUIT_B).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let empty = client.get("/dashboard/usage").await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    let html = empty.text();
    assert!(html.contains("id=\"used\">0<"), "{html}");
    assert!(html.contains("id=\"quota\">500<"));
    assert!(html.contains("ninguno todavía"));
    assert!(!html.contains("class=\"bar\""));

    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(issue(&app, &key).await);
    }
    issue(&app, &other).await;
    // Two of A's invoices moved by Argentina's calendar: one to the first instant of the
    // month's first day, one to the second before it (the previous month in Argentina, though
    // still this month's first day in UTC).
    let now = Utc::now();
    let today = arca_service::contingency::calendar::argentina_today(now);
    let first = today.with_day(1).unwrap();
    set_created_at(&app, &ids[0], argentina_midnight(first)).await;
    set_created_at(&app, &ids[1], argentina_midnight(first) - chrono::Duration::seconds(1)).await;

    let account = app.get("/v1/account", &key).await.json();
    assert_eq!(account["usage"]["invoices"], 4, "{account}");
    assert_eq!(account["usage"]["remaining"], 496);
    let page = client.get("/dashboard/usage").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    // The counter the quota is checked against, as the API reports it.
    assert!(html.contains("id=\"used\">4<"), "{html}");
    assert!(html.contains("id=\"remaining\">496<"));
    assert!(html.contains("id=\"percent\">0,8 %<"));
    assert!(html.contains("id=\"tier\">Gratuito<"));
    let month = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ][today.month0() as usize];
    assert!(html.contains(&format!("{month} de {}", today.year())));
    // The chart: the day's bars by Argentina's calendar; the invoice moved to the previous
    // month is not drawn, the other account's is never counted.
    assert!(html.contains("<svg class=\"chart\" role=\"img\" aria-label=\"Comprobantes por día"));
    assert!(html.contains("<title>Comprobantes por día"));
    assert!(!html.contains("style="), "no inline style (CSP)");
    if today.day() == 1 {
        assert_eq!(bar(&html, 1), Some(3));
        assert_eq!(html.matches("class=\"bar\"").count(), 1);
    } else {
        assert_eq!(bar(&html, 1), Some(1));
        assert_eq!(bar(&html, today.day()), Some(2));
        assert_eq!(html.matches("class=\"bar\"").count(), 2);
    }
    for day in 2..today.day() {
        assert_eq!(bar(&html, day), None, "no bar on day {day}");
    }
    // The same numbers in a table for screen readers.
    assert!(html.contains("<table id=\"usage-days\">"));
    let table = &html[html.find("usage-days").unwrap()..];
    let first_row = format!("<td>{}</td><td class=\"num\">", first.format("%d/%m/%Y"));
    assert!(table.contains(&first_row), "{table}");
    assert!(!table.contains(&format!(
        "<td>{}</td>",
        (today + chrono::Duration::days(1)).format("%d/%m/%Y")
    )));
}

/// The simulator's CAE and CAEA points of sale.
const CAEA_POINT: i64 = 5;

#[tokio::test]
async fn the_contingency_page_shows_the_state_with_and_without_a_caea() {
    let app = TestApp::builder()
        .without_dispatcher()
        .env("CAEA_CHECK_INTERVAL_MS", "3600000")
        .start()
        .await;
    app.state.caea_grants.stop().await;
    let points = json!([
        {"nro": 1, "emision_tipo": "CAE - Ri Iva"},
        {"nro": CAEA_POINT, "emision_tipo": "CAEA - Ri Iva - Contingencias"},
    ]);
    let url = format!("{}/_sim/points-of-sale", app.simulator.base_url());
    assert_eq!(app.send_json_to("PUT", &url, &points).await.0, 204);
    let (_, key, _) = app.account_with_certificate("Contingente", CUIT_A).await;
    let (_, other) = app.create_account("Sin contingencia", CUIT_B, json!({})).await;

    // Not opted in, no CAEA.
    let mut client = DashboardClient::signed_in(&app, &key).await;
    let page = client.get("/dashboard/contingency").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("No habilitada"), "{html}");
    assert!(html.contains("id=\"caea-current-missing\""));
    assert!(html.contains("No hay quincenas con CAEA para informar."));
    assert!(html.contains("id=\"cae-service\"><span class=\"badge ok\">Responde"));

    // Opted in on the CAEA point of sale; the keeper's pass obtains the fortnight's CAEA.
    let synced = app.post_json("/v1/points-of-sale/sync", &key, &json!({})).await;
    assert_eq!(synced.status, 200, "{}", synced.text());
    let list = app.get("/v1/points-of-sale", &key).await.json();
    let point = list["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|point| point["numero"] == CAEA_POINT)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let marked = app
        .patch_json(
            &format!("/v1/points-of-sale/{point}"),
            &key,
            &json!({"contingencia": true}),
        )
        .await;
    assert_eq!(marked.status, 200, "{}", marked.text());
    app.state
        .caea_grants
        .pass(Utc::now())
        .await
        .expect("the pass runs")
        .expect("no other instance holds the lease");
    let api = app.get("/v1/contingency", &key).await.json();
    let caea = api["caea_actual"]["caea"]
        .as_str()
        .unwrap_or_else(|| panic!("no CAEA: {api}"));

    let html = client.get("/dashboard/contingency").await.text();
    assert!(html.contains("Habilitada</span> en el punto de venta 5"), "{html}");
    assert!(html.contains("id=\"caea-current\""));
    assert!(html.contains(&format!("<code>{caea}</code>")));
    let periodo = api["caea_actual"]["periodo"].as_i64().unwrap();
    let tope: NaiveDate = api["caea_actual"]["fecha_tope_informe"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        html.contains(&tope.format("%d/%m/%Y").to_string()),
        "the deadline, es-AR"
    );
    let quincena = if api["caea_actual"]["orden"] == 1 {
        "1.ª quincena"
    } else {
        "2.ª quincena"
    };
    assert!(html.contains(quincena), "{html}");
    assert!(html.contains(&(periodo / 100).to_string()));
    // The fortnight's reporting: nothing issued under it, so nothing pending.
    assert!(html.contains(&format!("data-caea=\"{caea}\"")), "{html}");
    assert!(html.contains("id=\"pending-total\">0<"));

    // Another account sees none of it.
    let mut theirs = DashboardClient::signed_in(&app, &other).await;
    let html = theirs.get("/dashboard/contingency").await.text();
    assert!(!html.contains(caea));
    assert!(html.contains("No habilitada"));
}
