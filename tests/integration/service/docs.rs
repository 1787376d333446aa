use arca_test_support::TestApp;

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_the_routes() {
    let app = TestApp::start().await;
    let response = app.request("GET", "/openapi.json", &[], None).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/json"));
    let document = response.json();
    assert!(
        document["openapi"].as_str().unwrap().starts_with("3.1."),
        "{}",
        document["openapi"]
    );
    for path in [
        "/v1/accounts",
        "/v1/account",
        "/v1/api-keys",
        "/v1/api-keys/{id}",
        "/v1/points-of-sale",
        "/v1/points-of-sale/{id}",
        "/v1/customers",
        "/v1/customers/{id}",
    ] {
        assert!(document["paths"][path].is_object(), "{path} missing");
    }
    assert!(document["paths"]["/v1/api-keys"]["get"]["parameters"].is_array());
    for (path, methods) in [
        ("/v1/points-of-sale", &["get", "post"][..]),
        ("/v1/points-of-sale/{id}", &["get", "patch", "delete"][..]),
        ("/v1/customers", &["get", "post"][..]),
        ("/v1/customers/{id}", &["get", "patch", "delete"][..]),
    ] {
        for method in methods {
            assert!(document["paths"][path][method].is_object(), "{method} {path} missing");
        }
    }
    let customer_filters: Vec<&str> = document["paths"]["/v1/customers"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .map(|parameter| parameter["name"].as_str().unwrap())
        .collect();
    assert_eq!(customer_filters, ["q", "documento_numero", "limit", "offset"]);
    assert!(document["components"]["schemas"]["Problem"].is_object());
    assert!(document["components"]["securitySchemes"]["api_key"].is_object());
}

#[tokio::test]
async fn docs_page_renders_the_document() {
    let app = TestApp::start().await;
    let response = app.request("GET", "/docs", &[], None).await;
    assert_eq!(response.status, 200);
    assert!(response.header("content-type").unwrap().starts_with("text/html"));
    assert!(response.text().contains("/openapi.json"));
}

/// Issue 11, class 9: every path parameter is declared, and every operation documents the
/// problem answers it can give (the fuzzer's "undocumented status" and schema errors).
#[tokio::test]
async fn every_operation_declares_its_parameters_and_problem_answers() {
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let ids = |path: &str, method: &str| -> Vec<String> {
        document["paths"][path][method]["parameters"]
            .as_array()
            .unwrap_or(&Vec::new())
            .iter()
            .filter(|parameter| parameter["in"] == "path")
            .map(|parameter| parameter["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids("/v1/invoices/{id}", "get"), ["id"]);
    assert_eq!(ids("/v1/invoices/{id}", "patch"), ["id"]);
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            let responses = &operation["responses"];
            let problem = |status: &str| {
                responses[status]["content"]["application/problem+json"]["schema"]["$ref"]
                    == "#/components/schemas/Problem"
            };
            let declared = path.matches('{').count();
            let parameters = operation["parameters"].as_array().map_or(0, |parameters| {
                parameters.iter().filter(|parameter| parameter["in"] == "path").count()
            });
            assert_eq!(parameters, declared, "{method} {path}: path parameters");
            assert!(problem("500") && problem("503"), "{method} {path}: 500/503");
            if operation.get("requestBody").is_some() {
                for status in ["400", "413", "415"] {
                    assert!(problem(status), "{method} {path}: {status}");
                }
            }
            if operation.get("security").is_some() {
                assert!(problem("401"), "{method} {path}: 401");
            }
            let keyed = operation["security"]
                .as_array()
                .is_some_and(|schemes| schemes.iter().any(|scheme| scheme.get("api_key").is_some()));
            if keyed {
                assert!(problem("429"), "{method} {path}: 429");
            }
        }
    }
    assert!(operations >= 27, "{operations} operations");
    let status = &document["paths"]["/v1/invoices"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|parameter| parameter["name"] == "status")
        .unwrap()["schema"];
    assert_eq!(status["$ref"], "#/components/schemas/InvoiceStatus");
    let statuses = &document["components"]["schemas"]["InvoiceStatus"]["enum"];
    assert!(
        statuses.as_array().unwrap().contains(&"pending_retry".into()),
        "{statuses}"
    );
}
