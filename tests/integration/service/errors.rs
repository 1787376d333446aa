use serde_json::json;

use arca_test_support::{CUIT_A, TestApp};

#[tokio::test]
async fn missing_or_unknown_keys_get_401() {
    let app = TestApp::start().await;
    let anonymous = app.request("GET", "/v1/account", &[], None).await;
    let problem = anonymous.problem(401, "UNAUTHORIZED");
    assert_eq!(problem["retryable"], false);
    app.get("/v1/account", "arca_test_not-a-real-key")
        .await
        .problem(401, "UNAUTHORIZED");
    let well_formed_but_unknown = format!("arca_test_{}", "A".repeat(43));
    app.get("/v1/account", &well_formed_but_unknown)
        .await
        .problem(401, "UNAUTHORIZED");
    app.request("GET", "/v1/account", &[("authorization", "Basic abc")], None)
        .await
        .problem(401, "UNAUTHORIZED");
}

#[tokio::test]
async fn unknown_paths_get_404_and_wrong_methods_405() {
    let app = TestApp::start().await;
    app.request("GET", "/v1/nothing-here", &[], None)
        .await
        .problem(404, "NOT_FOUND");
    app.request("GET", "/", &[], None).await.problem(404, "NOT_FOUND");
    app.request("POST", "/openapi.json", &[], None)
        .await
        .problem(405, "METHOD_NOT_ALLOWED");
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let bearer = format!("Bearer {key}");
    app.request("PUT", "/v1/api-keys", &[("authorization", &bearer)], None)
        .await
        .problem(405, "METHOD_NOT_ALLOWED");
}

#[tokio::test]
async fn bad_bodies_are_problems_that_name_the_field() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let bearer = format!("Bearer {key}");
    let auth = ("authorization", bearer.as_str());
    let json_type = ("content-type", "application/json");

    let malformed = app
        .request(
            "POST",
            "/v1/api-keys",
            &[auth, json_type],
            Some(b"{\"name\": ".to_vec()),
        )
        .await;
    malformed.problem(400, "VALIDATION_ERROR");
    assert_eq!(malformed.error_fields(), ["body"]);
    assert!(
        malformed.json()["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("line 1")
    );

    let wrong_type = app
        .request(
            "POST",
            "/v1/api-keys",
            &[auth, json_type],
            Some(br#"{"name": 7}"#.to_vec()),
        )
        .await;
    wrong_type.problem(400, "VALIDATION_ERROR");
    assert_eq!(wrong_type.error_fields(), ["name"]);

    let unknown_field = app
        .request(
            "POST",
            "/v1/api-keys",
            &[auth, json_type],
            Some(br#"{"name": "x", "nmae": 1}"#.to_vec()),
        )
        .await;
    unknown_field.problem(400, "VALIDATION_ERROR");
    assert!(unknown_field.text().contains("nmae"));

    let not_json = app
        .request(
            "POST",
            "/v1/api-keys",
            &[auth, ("content-type", "text/plain")],
            Some(b"name=x".to_vec()),
        )
        .await;
    not_json.problem(415, "VALIDATION_ERROR");
    assert_eq!(not_json.error_fields(), ["Content-Type"]);
    let no_type = app
        .request("POST", "/v1/api-keys", &[auth], Some(br#"{"name": "x"}"#.to_vec()))
        .await;
    no_type.problem(415, "VALIDATION_ERROR");

    let mut oversize = br#"{"name": ""#.to_vec();
    oversize.resize(1024 * 1024 + 16, b'a');
    oversize.extend_from_slice(br#""}"#);
    let too_large = app
        .request("POST", "/v1/api-keys", &[auth, json_type], Some(oversize))
        .await;
    too_large.problem(413, "VALIDATION_ERROR");
    assert_eq!(too_large.error_fields(), ["body"]);
}

#[tokio::test]
async fn request_ids_are_issued_or_echoed() {
    let app = TestApp::start().await;
    let issued = app.request("GET", "/v1/account", &[], None).await;
    assert!(issued.header("x-request-id").is_some_and(|id| id.len() >= 16));
    let echoed = app
        .request("GET", "/openapi.json", &[("x-request-id", "trace-me-123")], None)
        .await;
    assert_eq!(echoed.header("x-request-id"), Some("trace-me-123"));
}

#[tokio::test]
async fn maintenance_mode_refuses_v1_with_retry_after() {
    let app = TestApp::builder()
        .env("MAINTENANCE_MODE", "true")
        .env("MAINTENANCE_RETRY_AFTER", "90")
        .start()
        .await;
    let refused = app.request("GET", "/v1/account", &[], None).await;
    let problem = refused.problem(503, "MAINTENANCE");
    assert_eq!(problem["retryable"], true);
    assert_eq!(refused.header("retry-after"), Some("90"));
    app.request("POST", "/v1/accounts", &[], None)
        .await
        .problem(503, "MAINTENANCE");
    app.request("GET", "/v1/no-such-thing", &[], None)
        .await
        .problem(503, "MAINTENANCE");
    assert_eq!(app.request("GET", "/openapi.json", &[], None).await.status, 200);
}

/// Issue 11, class 9: a query string or path value that does not fit is a problem+json 400
/// naming the parameter (axum's own rejections are text/plain), and so is a parameter the
/// operation does not take.
#[tokio::test]
async fn bad_query_and_path_values_are_problems_that_name_the_parameter() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    for (path, field) in [
        ("/v1/invoices?punto_venta=x", "punto_venta"),
        ("/v1/invoices?punto_venta=99999999999", "punto_venta"),
        ("/v1/invoices?punto_venta=0", "punto_venta"),
        ("/v1/invoices?status=bogus", "status"),
        ("/v1/invoices?fecha_desde=2024-13-01", "fecha_desde"),
        ("/v1/invoices?cliente_documento=12-3", "cliente_documento"),
        ("/v1/invoices?limit=0", "limit"),
        ("/v1/invoices?limt=5", "limt"),
        ("/v1/customers?nombre=x", "nombre"),
        ("/v1/customers?limit=101", "limit"),
        (format!("/v1/customers?q={}", "a".repeat(201)).as_str(), "q"),
        ("/v1/api-keys?x=y", "x"),
        ("/v1/points-of-sale?offset=-1", "offset"),
    ] {
        let response = app.get(path, &key).await;
        response.problem(400, "VALIDATION_ERROR");
        assert_eq!(response.error_fields(), [field], "{path}");
    }
    let filtered = app
        .get(
            "/v1/invoices?status=approved&punto_venta=1&fecha_desde=2024-01-01&limit=5",
            &key,
        )
        .await;
    assert_eq!(filtered.status, 200);
    // A path id that is not UTF-8 text.
    let response = app.get("/v1/invoices/inv_%FF", &key).await;
    response.problem(400, "VALIDATION_ERROR");
    assert_eq!(response.error_fields(), ["id"]);
}

/// Issue 11, class 9: JSON Schema's `integer` admits `7.0`; the service reads it as 7, and
/// still refuses a fraction.
#[tokio::test]
async fn whole_numbers_written_with_a_fraction_are_integers() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let created = app.post_json("/v1/points-of-sale", &key, &json!({"numero": 7.0})).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["numero"], 7);
    let fraction = app.post_json("/v1/points-of-sale", &key, &json!({"numero": 8.5})).await;
    fraction.problem(400, "VALIDATION_ERROR");
    assert_eq!(fraction.error_fields(), ["numero"]);
}

/// Issue 11, class 9 (a fuzzer's 500): a CUIT with leading zeros keeps its 11 digits when
/// stored (the database checks the length), instead of failing the insert.
#[tokio::test]
async fn a_cuit_with_leading_zeros_is_stored_with_its_eleven_digits() {
    let app = TestApp::start().await;
    let (_, key) = app.create_account("A", CUIT_A, json!({})).await;
    let csr = app
        .post_json(
            "/v1/certificates/csr",
            &key,
            &json!({"cuit": "00000000000", "organization": "O", "common_name": "c"}),
        )
        .await;
    assert_eq!(csr.status, 201, "{}", csr.text());
    assert_eq!(csr.json()["cuit"], "00000000000");
}
