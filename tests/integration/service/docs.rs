use arca_service::invoices::request::decimal;
use arca_test_support::samples::today;
use arca_test_support::{CUIT_A, TestApp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

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

/// `/docs` is Swagger UI: the page loads the vendored bundle, its stylesheet and our start
/// script from this origin under hashed names, and nothing inline.
#[tokio::test]
async fn docs_page_is_swagger_ui_served_from_this_origin() {
    let app = TestApp::start().await;
    for path in ["/docs", "/docs/"] {
        let response = app.request("GET", path, &[], None).await;
        assert_eq!(response.status, 200, "{path}");
        assert_eq!(response.header("content-type"), Some("text/html; charset=utf-8"));
        assert_eq!(response.header("content-security-policy"), Some(DOCS_POLICY));
        assert_eq!(response.header("x-content-type-options"), Some("nosniff"));
        assert_eq!(response.header("cache-control"), Some("no-cache"));
    }
    let page = app.request("GET", "/docs", &[], None).await.text();
    assert!(page.contains(r#"<div id="swagger-ui"></div>"#), "{page}");
    assert!(page.contains(r#"href="/openapi.json""#), "the no-script link: {page}");
    // No inline script or style, no handler attribute, nothing from another origin.
    assert_eq!(
        page.matches("<script").count(),
        page.matches("<script src=\"/docs/assets/").count()
    );
    assert!(!page.contains("<style") && !page.contains("style="), "{page}");
    let handler = |token: &str| token.starts_with("on") && token.contains('=');
    assert!(!page.split(char::is_whitespace).any(handler), "{page}");
    assert!(!page.contains("http://") && !page.contains("https://"), "{page}");

    let vendored: [(&str, &str, &[u8]); 3] = [
        (
            "swagger-ui",
            "css",
            include_bytes!("../../../crates/service/assets/docs/swagger-ui.css"),
        ),
        (
            "swagger-ui-bundle",
            "js",
            include_bytes!("../../../crates/service/assets/docs/swagger-ui-bundle.js"),
        ),
        (
            "init",
            "js",
            include_bytes!("../../../crates/service/assets/docs/init.js"),
        ),
    ];
    for (name, extension, body) in vendored {
        let hash: String = Sha256::digest(body)[..8]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect();
        let url = format!("/docs/assets/{name}.{hash}.{extension}");
        assert!(page.contains(&format!("\"{url}\"")), "{url} not on the page: {page}");
        let asset = app.request("GET", &url, &[], None).await;
        assert_eq!(asset.status, 200, "{url}");
        let content_type = if extension == "css" {
            "text/css; charset=utf-8"
        } else {
            "text/javascript; charset=utf-8"
        };
        assert_eq!(asset.header("content-type"), Some(content_type), "{url}");
        assert_eq!(
            asset.header("cache-control"),
            Some("public, max-age=31536000, immutable"),
            "{url}"
        );
        assert_eq!(asset.header("content-security-policy"), Some(DOCS_POLICY), "{url}");
        assert_eq!(&asset.body[..], body, "{url}");
        // A stale or made-up hash is not served.
        let stale = app
            .request(
                "GET",
                &format!("/docs/assets/{name}.0000000000000000.{extension}"),
                &[],
                None,
            )
            .await;
        stale.problem(404, "NOT_FOUND");
    }
    app.request("GET", "/docs/assets/swagger-ui-bundle.js.map", &[], None)
        .await
        .problem(404, "NOT_FOUND");
}

/// The policy: scripts from this origin's files only (never inline, never eval), no inline style
/// either, `data:` images (Swagger UI's icons); "Try it out" calls this origin only; no framing.
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// Swagger UI starts on this service's document with "Try it out" open and the key kept, and the
/// bearer scheme lets "Authorize" take an API key.
#[tokio::test]
async fn swagger_ui_starts_on_the_document_and_authorize_takes_an_api_key() {
    let init = include_str!("../../../crates/service/assets/docs/init.js");
    for setting in [
        r#"url: "/openapi.json""#,
        r##"dom_id: "#swagger-ui""##,
        "tryItOutEnabled: true",
        "persistAuthorization: true",
        "validatorUrl: null",
    ] {
        assert!(init.contains(setting), "{setting} missing from init.js");
    }
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let scheme = &document["components"]["securitySchemes"]["api_key"];
    assert_eq!(scheme["type"], "http");
    assert_eq!(scheme["scheme"], "bearer");
    assert_eq!(
        document["paths"]["/v1/account"]["get"]["security"][0]["api_key"],
        json!([])
    );
    // "Try it out" on GET /v1/account with the key "Authorize" took is this request.
    let (_, key) = app.create_account("Almacén", CUIT_A, json!({})).await;
    let account = app.get("/v1/account", &key).await;
    assert_eq!(account.status, 200, "{}", account.text());
}

/// The vendored files are the ones the notice names (version and SHA-256), with their licence.
#[test]
fn the_vendored_files_are_the_ones_the_notice_names() {
    let notice = include_str!("../../../crates/service/assets/docs/README.md");
    assert!(notice.contains("Apache-2.0"), "{notice}");
    let files: [(&str, &[u8]); 5] = [
        (
            "swagger-ui-bundle.js",
            include_bytes!("../../../crates/service/assets/docs/swagger-ui-bundle.js"),
        ),
        (
            "swagger-ui.css",
            include_bytes!("../../../crates/service/assets/docs/swagger-ui.css"),
        ),
        (
            "swagger-ui-bundle.js.LICENSE.txt",
            include_bytes!("../../../crates/service/assets/docs/swagger-ui-bundle.js.LICENSE.txt"),
        ),
        ("LICENSE", include_bytes!("../../../crates/service/assets/docs/LICENSE")),
        ("NOTICE", include_bytes!("../../../crates/service/assets/docs/NOTICE")),
    ];
    for (name, body) in files {
        let digest: String = Sha256::digest(body).iter().map(|byte| format!("{byte:02x}")).collect();
        let row = format!("| `{name}` | `{digest}` |");
        assert!(notice.contains(&row), "{name}: the notice lacks {row}");
    }
    let license = String::from_utf8_lossy(files[3].1);
    assert!(license.contains("Apache License") && license.contains("Version 2.0"));
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

/// The media type of an operation's JSON request body or answer.
fn json_content(object: &Value) -> Option<&Value> {
    let content = object.get("content")?;
    content.get("application/json")
}

/// The examples of a media type: its `examples` values, or its `example`.
fn examples_of(media: &Value) -> Vec<&Value> {
    match (media.get("examples").and_then(Value::as_object), media.get("example")) {
        (Some(examples), _) => examples.values().filter_map(|example| example.get("value")).collect(),
        (None, Some(example)) => vec![example],
        (None, None) => Vec::new(),
    }
}

/// The success answer of an operation: its lowest 2xx status.
fn success(operation: &Value) -> (String, &Value) {
    let responses = operation["responses"].as_object().unwrap();
    let status = responses.keys().filter(|status| status.starts_with('2')).min().unwrap();
    (status.clone(), &responses[status])
}

/// Every operation shows an example of its request body (when it takes one) and of its success
/// answer (when that answer is JSON), and every example the service keeps names an operation.
#[tokio::test]
async fn every_operation_has_request_and_response_examples() {
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let mut missing = Vec::new();
    let mut operations = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            operations += 1;
            if let Some(body) = operation.get("requestBody") {
                let media = json_content(body).unwrap_or_else(|| panic!("{method} {path}: a body that is not JSON"));
                if examples_of(media).is_empty() {
                    missing.push(format!("{method} {path}: request"));
                }
            }
            let (status, answer) = success(operation);
            match answer.get("content") {
                None => assert_eq!(status, "204", "{method} {path}: {status} without content"),
                Some(content) => match json_content(answer) {
                    Some(media) if examples_of(media).is_empty() => missing.push(format!("{method} {path}: {status}")),
                    Some(_) => {}
                    // A PDF: no example can show it.
                    None => assert!(content.get("application/pdf").is_some(), "{method} {path}: {content}"),
                },
            }
        }
    }
    assert!(
        missing.is_empty(),
        "operations without examples:\n{}",
        missing.join("\n")
    );
    assert!(operations >= 58, "{operations} operations");
    for operation in arca_service::http::examples::OPERATIONS {
        let method = operation.method.to_lowercase();
        assert!(
            document["paths"][operation.path][&method].is_object(),
            "an example for {} {}, which is not an operation",
            operation.method,
            operation.path
        );
    }
}

/// Each example is valid for its schema: the fields it must have, their types, enums, bounds.
#[tokio::test]
async fn every_example_matches_its_schema() {
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let mut checked = 0;
    let mut errors = Vec::new();
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let mut media = Vec::new();
            if let Some(body) = operation.get("requestBody").and_then(json_content) {
                media.push(("request".to_string(), body));
            }
            for (status, answer) in operation["responses"].as_object().unwrap() {
                if let Some(body) = json_content(answer) {
                    media.push((status.clone(), body));
                }
            }
            for (what, media) in media {
                for example in examples_of(media) {
                    checked += 1;
                    let mut found = Vec::new();
                    validate(&document, &media["schema"], example, "$", &mut found);
                    errors.extend(
                        found
                            .into_iter()
                            .map(|error| format!("{method} {path} {what}: {error}")),
                    );
                }
            }
        }
    }
    assert!(
        errors.is_empty(),
        "examples that do not match their schema:\n{}",
        errors.join("\n")
    );
    assert!(checked >= 75, "{checked} examples checked");
}

/// A small JSON Schema check, enough for what utoipa writes: `$ref`, `type` (and type lists),
/// `required`, `properties`, `additionalProperties`, `items`, `enum`, `oneOf`/`anyOf`/`allOf`,
/// numeric bounds, lengths and item counts.
fn validate(document: &Value, schema: &Value, value: &Value, at: &str, errors: &mut Vec<String>) {
    check(document, schema, value, at, false, errors);
}

/// The schema `$ref` names, or `schema` itself.
fn resolve<'a>(document: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str) {
        Some(reference) => {
            let name = reference.trim_start_matches("#/components/schemas/");
            let target = &document["components"]["schemas"][name];
            assert!(target.is_object(), "{reference} does not resolve");
            resolve(document, target)
        }
        None => schema,
    }
}

/// `open`: the schema is one part of an `allOf`, so fields of the other parts are not unknown.
fn check(document: &Value, schema: &Value, value: &Value, at: &str, open: bool, errors: &mut Vec<String>) {
    let schema = resolve(document, schema);
    let fits = |schema: &Value| {
        let mut found = Vec::new();
        check(document, schema, value, at, open, &mut found);
        found
    };
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            check(document, part, value, at, true, errors);
        }
        if let Some(object) = value.as_object()
            && !open
        {
            let known = |name: &String| {
                all.iter()
                    .any(|part| resolve(document, part)["properties"].get(name).is_some())
            };
            for name in object.keys().filter(|name| !known(name)) {
                errors.push(format!("{at}.{name}: not a field of the schema"));
            }
        }
    }
    for keyword in ["oneOf", "anyOf"] {
        if let Some(choices) = schema.get(keyword).and_then(Value::as_array) {
            let failures: Vec<Vec<String>> = choices.iter().map(fits).collect();
            if failures.iter().all(|found| !found.is_empty()) {
                errors.push(format!("{at}: fits no choice of {keyword}: {failures:?}"));
            }
        }
    }
    if let Some(types) = schema.get("type") {
        let types: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let is = |kind: &str| match kind {
            "null" => value.is_null(),
            "boolean" => value.is_boolean(),
            "string" => value.is_string(),
            "integer" => value.is_i64() || value.is_u64(),
            "number" => value.is_number(),
            "array" => value.is_array(),
            "object" => value.is_object(),
            _ => true,
        };
        // Decimal fields are documented as strings and also take a JSON number written the same
        // way (`"cantidad": 2`, as the README's examples do): the service's own rule decides.
        let decimal = value.is_number()
            && types.contains(&"string")
            && schema["pattern"]
                .as_str()
                .is_some_and(|pattern| pattern.contains("[0-9]{1,13}") || pattern.contains("(0|5|21|27)"))
            && decimal::strict(&value.to_string()).is_ok();
        if !decimal && !types.iter().any(|kind| is(kind)) {
            errors.push(format!("{at}: {value} is not {types:?}"));
            return;
        }
    }
    if let Some(allowed) = schema.get("enum").and_then(Value::as_array)
        && !allowed.contains(value)
    {
        errors.push(format!("{at}: {value} is not one of {allowed:?}"));
    }
    if let Some(number) = value.as_f64() {
        if schema
            .get("minimum")
            .and_then(Value::as_f64)
            .is_some_and(|minimum| number < minimum)
        {
            errors.push(format!("{at}: {number} below the minimum"));
        }
        if schema
            .get("maximum")
            .and_then(Value::as_f64)
            .is_some_and(|maximum| number > maximum)
        {
            errors.push(format!("{at}: {number} above the maximum"));
        }
    }
    if let Some(text) = value.as_str() {
        let length = text.chars().count() as u64;
        if schema
            .get("minLength")
            .and_then(Value::as_u64)
            .is_some_and(|minimum| length < minimum)
            || schema
                .get("maxLength")
                .and_then(Value::as_u64)
                .is_some_and(|maximum| length > maximum)
        {
            errors.push(format!("{at}: {text:?} has a length out of bounds"));
        }
    }
    if let Some(items) = value.as_array() {
        let count = items.len() as u64;
        if schema
            .get("minItems")
            .and_then(Value::as_u64)
            .is_some_and(|minimum| count < minimum)
            || schema
                .get("maxItems")
                .and_then(Value::as_u64)
                .is_some_and(|maximum| count > maximum)
        {
            errors.push(format!("{at}: {count} items, out of bounds"));
        }
        if let Some(item) = schema.get("items") {
            for (index, element) in items.iter().enumerate() {
                check(document, item, element, &format!("{at}[{index}]"), false, errors);
            }
        }
    }
    if let Some(object) = value.as_object() {
        for required in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
            let name = required.as_str().unwrap();
            if !object.contains_key(name) {
                errors.push(format!("{at}: lacks the required {name}"));
            }
        }
        let properties = schema.get("properties").and_then(Value::as_object);
        for (name, field) in object {
            let at = format!("{at}.{name}");
            match (
                properties.and_then(|properties| properties.get(name)),
                schema.get("additionalProperties"),
            ) {
                (Some(property), _) => check(document, property, field, &at, false, errors),
                (None, Some(Value::Bool(false))) if !open => errors.push(format!("{at}: not a field of the schema")),
                (None, Some(additional)) if additional.is_object() => {
                    check(document, additional, field, &at, false, errors)
                }
                // Objects without declared properties (free-form `metadata`) take anything; an
                // object schema with properties takes no unknown field (the API refuses them).
                (None, _) if properties.is_some() && !open => errors.push(format!("{at}: not a field of the schema")),
                (None, _) => {}
            }
        }
    }
}

/// The `POST /v1/invoices` bodies of the README's `curl` examples, each once, as written there.
fn readme_invoice_examples() -> Vec<Value> {
    let readme = include_str!("../../../README.md");
    let mut bodies: Vec<Value> = Vec::new();
    let mut rest = readme;
    while let Some(start) = rest.find("/v1/invoices") {
        rest = &rest[start + "/v1/invoices".len()..];
        // Only the creation calls: the URL ends there and the next thing is the `-d` body.
        let Some(after) = rest
            .strip_prefix(" \\\n  -d '")
            .or_else(|| rest.strip_prefix(" -d '\n"))
        else {
            continue;
        };
        let end = after.find('\'').unwrap();
        let body: Value = serde_json::from_str(&after[..end])
            .unwrap_or_else(|error| panic!("a README invoice example is not JSON ({error}): {}", &after[..end]));
        if !bodies.contains(&body) {
            bodies.push(body);
        }
    }
    bodies
}

/// The invoice examples of the document are the README's, no more, no fewer.
#[tokio::test]
async fn the_invoice_examples_are_the_readme_s() {
    let readme = readme_invoice_examples();
    assert!(readme.len() >= 3, "{readme:?}");
    let app = TestApp::start().await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let media = json_content(&document["paths"]["/v1/invoices"]["post"]["requestBody"]).unwrap();
    let documented: Vec<Value> = examples_of(media).into_iter().cloned().collect();
    assert_eq!(documented.len(), readme.len(), "{documented:#?}");
    for example in &readme {
        assert!(
            documented.contains(example),
            "the README's {example} is not in the document"
        );
    }
}

/// What "Try it out" sends with the invoice examples is accepted: each advanced one is approved
/// (201). The `mode: simple` ones need an AI provider: `simple_mode.rs` sends them to its
/// stand-in.
#[tokio::test]
async fn the_invoice_examples_are_approved() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let media = json_content(&document["paths"]["/v1/invoices"]["post"]["requestBody"]).unwrap();
    let examples: Vec<&Value> = examples_of(media)
        .into_iter()
        .filter(|example| example["mode"] != "simple")
        .collect();
    assert!(examples.len() >= 3);
    for example in examples {
        let mut body = example.clone();
        // A payment due date written into an example some day lies in the past: keep it ahead.
        if let Some(due) = body["fecha_vencimiento_pago"].as_str()
            && due < today().to_string().as_str()
        {
            body["fecha_vencimiento_pago"] = json!((today() + chrono::Duration::days(30)).to_string());
        }
        let response = app.post_json("/v1/invoices", &key, &body).await;
        assert_eq!(response.status, 201, "{body}: {}", response.text());
        assert_eq!(response.json()["status"], "approved");
    }
}
