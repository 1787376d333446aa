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
