use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

const PADRON_A5: &str = "ws_sr_constancia_inscripcion";

fn entry<'a>(body: &'a Value, service: &str) -> &'a Value {
    body["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|entry| entry["service"] == service)
        .unwrap_or_else(|| panic!("no {service} in {body}"))
}

/// The simulator's WSAA refuses `cuit`'s logins for `service` (`coe.notAuthorized`).
async fn unauthorize(app: &TestApp, cuit: &str, service: &str) {
    let url = format!("{}/_sim/authorizations", app.simulator.base_url());
    let (status, body) = app
        .post_json_to(&url, &json!({"cuit": cuit, "service": service, "authorized": false}))
        .await;
    assert!((200..300).contains(&status), "{status} {body}");
}

#[tokio::test]
async fn services_report_each_authorization_from_stored_tickets_and_name_the_fix() {
    let app = TestApp::start().await;
    let (_, key, certificate) = app.account_with_certificate("Demo", CUIT_A).await;
    // The upload's test login stored a wsfe ticket.
    assert_eq!(app.simulator.calls("loginCms"), 1);
    unauthorize(&app, CUIT_A, PADRON_A5).await;

    let path = format!("/v1/certificates/{certificate}/services");
    let first = app.get(&path, &key).await;
    assert_eq!(first.status, 200, "{}", first.text());
    let first = first.json();
    assert_eq!(first["certificate_id"], certificate.as_str());
    let names: Vec<&str> = first["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["service"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["wsfe", PADRON_A5, "ws_sr_padron_a13", "wscdc", "wsfecred"]);

    let wsfe = entry(&first, "wsfe");
    assert_eq!(wsfe["authorized"], true, "{first}");
    assert!(wsfe["ticket_expires_at"].is_string(), "{first}");
    assert!(wsfe["problem"].is_null());
    assert_eq!(wsfe["arca_label"], "Facturación Electrónica (wsfe)");
    assert!(wsfe["purpose"].as_str().unwrap().contains("invoices"));

    let padron = entry(&first, PADRON_A5);
    assert_eq!(padron["authorized"], false, "{first}");
    assert!(padron["ticket_expires_at"].is_null());
    let problem = &padron["problem"];
    assert_eq!(problem["code"], "ARCA_SERVICE_NOT_AUTHORIZED", "{problem}");
    assert_eq!(problem["status"], 422);
    assert_eq!(problem["retryable"], false);
    assert_eq!(problem["service"], PADRON_A5);
    assert_eq!(problem["cuit"], CUIT_A);
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("Consulta de constancia de inscripción (ws_sr_constancia_inscripcion)"),
        "{detail}"
    );
    assert!(
        detail.contains("Administrador de Relaciones de Clave Fiscal"),
        "{detail}"
    );
    assert!(detail.contains(CUIT_A), "{detail}");
    assert!(
        problem["hint"].as_str().unwrap().contains("Nueva Relación"),
        "{problem}"
    );
    assert_eq!(problem["arca_errors"][0]["code"], "coe.notAuthorized");

    for service in ["ws_sr_padron_a13", "wscdc", "wsfecred"] {
        let other = entry(&first, service);
        assert_eq!(other["authorized"], true, "{first}");
        assert!(other["ticket_expires_at"].is_string());
    }
    // One login per service without a ticket: the padrón refused, A13, WSCDC and wsfecred stored
    // theirs.
    assert_eq!(app.simulator.calls("loginCms"), 5);

    // Again: every ticket comes from storage; only the refused service is asked once more.
    let second = app.get(&path, &key).await.json();
    assert_eq!(entry(&second, "wsfe")["ticket_expires_at"], wsfe["ticket_expires_at"]);
    assert_eq!(entry(&second, PADRON_A5)["authorized"], false);
    assert_eq!(
        app.simulator.calls("loginCms"),
        6,
        "no new login for wsfe, A13, WSCDC or wsfecred"
    );

    // A taxpayer lookup needs the padrón: the same fix-it problem, naming the service and CUIT.
    let lookup = app
        .get("/v1/taxpayers/20267565393", &key)
        .await
        .problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
    assert_eq!(lookup["service"], PADRON_A5, "{lookup}");
    assert_eq!(lookup["cuit"], CUIT_A, "{lookup}");
    assert_eq!(lookup["retryable"], false);
    assert!(
        lookup["detail"]
            .as_str()
            .unwrap()
            .contains("Administrador de Relaciones de Clave Fiscal"),
        "{lookup}"
    );

    // Another account's certificate is not found; neither is an unknown one.
    let (_, other_key, _) = app.account_with_certificate("Otra", CUIT_B).await;
    app.get(&path, &other_key).await.problem(404, "NOT_FOUND");
    app.get("/v1/certificates/cert_nope/services", &key)
        .await
        .problem(404, "NOT_FOUND");
}

#[tokio::test]
async fn wsaa_unreachable_leaves_services_without_a_ticket_unknown_and_retryable() {
    let app = TestApp::start().await;
    let (_, key, certificate) = app.account_with_certificate("Demo", CUIT_A).await;
    app.simulator.add_fault(FaultRule {
        operation: "loginCms".into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::WsaaUnavailable),
        probability: 1.0,
        remaining: None,
    });
    let body = app.get(&format!("/v1/certificates/{certificate}/services"), &key).await;
    assert_eq!(body.status, 200, "{}", body.text());
    let body = body.json();
    assert_eq!(entry(&body, "wsfe")["authorized"], true, "the stored ticket answers");
    for service in [PADRON_A5, "ws_sr_padron_a13", "wscdc", "wsfecred"] {
        let unknown = entry(&body, service);
        assert!(unknown["authorized"].is_null(), "{body}");
        assert_eq!(unknown["problem"]["retryable"], true, "{body}");
        assert_eq!(unknown["problem"]["code"], "ARCA_UNAVAILABLE", "{body}");
    }
}

#[tokio::test]
async fn a_certificate_not_authorized_for_wsfe_is_refused_at_upload_with_the_fix() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Demo", CUIT_A, json!({})).await;
    unauthorize(&app, CUIT_A, "wsfe").await;
    let (certificate_pem, private_key_pem) = app.issue_certificate(CUIT_A, "demo");
    let problem = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"certificate_pem": certificate_pem, "private_key_pem": private_key_pem}),
        )
        .await
        .problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
    assert_eq!(problem["service"], "wsfe");
    assert_eq!(problem["cuit"], CUIT_A);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("Facturación Electrónica (wsfe)"),
        "{problem}"
    );
}

/// A certificate of another CUIT (a computador fiscal of CUIT_A) used by CUIT_B's account
/// without a relation: WSFEv1 answers 600 "No apareció CUIT en lista de relaciones", which is the
/// fix-it problem naming wsfe and the account's CUIT — not an outage, and no new ticket helps.
#[tokio::test]
async fn a_cuit_missing_from_the_certificates_relations_gets_the_fix_it_problem() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Cliente", CUIT_B, json!({})).await;
    let (certificate_pem, private_key_pem) = app.issue_certificate(CUIT_A, "estudio");
    let uploaded = app
        .post_json(
            "/v1/certificates",
            &key,
            &json!({"certificate_pem": certificate_pem, "private_key_pem": private_key_pem}),
        )
        .await;
    assert_eq!(uploaded.status, 201, "{}", uploaded.text());

    let problem = app
        .post_json("/v1/points-of-sale/sync", &key, &json!({}))
        .await
        .problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
    assert_eq!(problem["service"], "wsfe", "{problem}");
    assert_eq!(problem["cuit"], CUIT_B, "{problem}");
    assert_eq!(problem["arca_errors"][0]["code"], "600");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains(&format!("not on behalf of CUIT {CUIT_B}")), "{detail}");
    assert!(
        detail.contains(&format!("issued to CUIT {CUIT_A}")) || detail.contains("certificate's CUIT"),
        "{detail}"
    );

    let tables = app
        .get("/v1/reference-data/invoice-types", &key)
        .await
        .problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
    assert_eq!(tables["cuit"], CUIT_B, "read from ARCA's text: {tables}");

    // An invoice waits (pending_retry), and the good ticket is kept: discarding it would
    // make the next login earn coe.alreadyAuthenticated.
    let logins = app.simulator.calls("loginCms");
    let invoice = app
        .post_json("/v1/invoices", &key, &arca_test_support::samples::invoice_request(1))
        .await;
    assert_eq!(invoice.status, 202, "{}", invoice.text());
    let invoice = invoice.json();
    assert_eq!(invoice["status"], "pending_retry", "{invoice}");
    assert_eq!(app.simulator.calls("loginCms"), logins, "the ticket was kept");
}

#[tokio::test]
async fn a_pending_certificate_has_nothing_to_check_with() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("Demo", CUIT_A, json!({})).await;
    let csr = app
        .post_json(
            "/v1/certificates/csr",
            &key,
            &json!({"cuit": CUIT_A, "organization": "Demo SA", "common_name": "demo"}),
        )
        .await;
    assert_eq!(csr.status, 201, "{}", csr.text());
    let id = csr.json()["id"].as_str().unwrap().to_string();
    let problem = app
        .get(&format!("/v1/certificates/{id}/services"), &key)
        .await
        .problem(409, "CONFLICT");
    assert!(problem["detail"].as_str().unwrap().contains("pending"), "{problem}");
    assert_eq!(app.simulator.calls("loginCms"), 0, "nothing to log in with");
}
