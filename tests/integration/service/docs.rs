use super::support::TestApp;

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
    for path in ["/v1/accounts", "/v1/account", "/v1/api-keys", "/v1/api-keys/{id}"] {
        assert!(document["paths"][path].is_object(), "{path} missing");
    }
    assert!(document["paths"]["/v1/api-keys"]["get"]["parameters"].is_array());
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
