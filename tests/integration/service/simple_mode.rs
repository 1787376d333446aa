//! `mode: simple` against an OpenAI-compatible stand-in over real HTTP
//! (`arca_test_support::ai_provider`): what the service sends (the model, the bearer key, the
//! JSON schema in `response_format`, the account's context), drafts that issue nothing, the
//! "2 kg de yerba" Factura B issued in one call, low confidence refused with the draft, a draft
//! failing ARCA's rules, the provider's failures (malformed and schema-violating answers, a
//! timeout, 429, 500) storing nothing, `NOT_CONFIGURED`, idempotency, and the description never
//! in the logs at info level.

use serde_json::{Value, json};
use tracing_subscriber::EnvFilter;

use arca_test_support::ai_provider::{AiProvider, Answer};
use arca_test_support::{CUIT_A, TestApp, TestResponse};

use super::secrets_in_logs::Captured;

const MODEL: &str = "modelo-de-prueba";
const AI_KEY: &str = "sk-standin-0123456789abcdef";
const YERBA: &str = "2 kg de yerba a $1.500 para consumidor final";

/// An app whose `AI_*` point at `provider`.
async fn app_with(provider: &AiProvider, timeout_ms: &str) -> TestApp {
    TestApp::builder()
        .env("AI_BASE_URL", &provider.base_url())
        .env("AI_MODEL", MODEL)
        .env("AI_API_KEY", AI_KEY)
        .env("AI_TIMEOUT_MS", timeout_ms)
        .start()
        .await
}

fn certeza(certeza: f64, explicito: bool) -> Value {
    json!({"certeza": certeza, "explicito": explicito})
}

/// The model's draft of [`YERBA`], as a good model answers it.
pub fn yerba_draft() -> Value {
    json!({
        "tipo_comprobante": null,
        "concepto": "productos",
        "punto_venta": null,
        "cliente": {"tipo": "consumidor_final", "cuit": null, "dni": null, "nombre": null,
                    "condicion_iva": "consumidor_final"},
        "items": [{"descripcion": "Yerba mate", "cantidad": "2", "unidad": "kg", "precio_unitario": "1500",
                   "precio_incluye_iva": true, "iva_porcentaje": null}],
        "fecha_servicio_desde": null,
        "fecha_servicio_hasta": null,
        "fecha_vencimiento_pago": null,
        "total_indicado": null,
        "certezas": {
            "cliente": certeza(0.95, true),
            "items": certeza(0.95, true),
            "precios": certeza(0.9, true),
            "iva": certeza(0.85, false),
            "concepto": certeza(0.95, false),
            "fechas": certeza(1.0, false)
        }
    })
}

fn simple(descripcion: &str, confirmar: Option<bool>) -> Value {
    let mut body = json!({"mode": "simple", "descripcion": descripcion});
    if let Some(confirmar) = confirmar {
        body["confirmar"] = json!(confirmar);
    }
    body
}

async fn invoices_total(app: &TestApp, key: &str) -> i64 {
    app.get("/v1/invoices", key).await.json()["pagination"]["total"]
        .as_i64()
        .unwrap()
}

async fn audits(app: &TestApp, account: &str) -> i64 {
    arca_service::storage::ai_drafts::count(&app.storage, account)
        .await
        .unwrap()
}

#[tokio::test]
async fn without_a_provider_it_is_not_configured_naming_the_settings() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let refused = app.post_json("/v1/invoices", &key, &simple(YERBA, Some(true))).await;
    let problem = refused.problem(422, "NOT_CONFIGURED");
    assert_eq!(refused.error_fields(), ["AI_BASE_URL", "AI_MODEL"], "{problem}");
    assert_eq!(problem["retryable"], false);
    // The request's own problems come first, each named.
    for (body, field) in [
        (simple("", None), "descripcion"),
        (simple("   ", None), "descripcion"),
        (simple(&"x".repeat(2001), None), "descripcion"),
        (
            json!({"mode": "simple", "descripcion": "x", "punto_venta": 0}),
            "punto_venta",
        ),
        (json!({"mode": "simple", "descripcion": "x", "otro": 1}), "otro"),
        (json!({"mode": "simple"}), "descripcion"),
        (
            json!({"mode": "simple", "descripcion": "x", "confirmar": "si"}),
            "confirmar",
        ),
        (json!({"mode": "simple", "descripcion": "a\u{0000}b"}), "descripcion"),
    ] {
        let refused = app.post_json("/v1/invoices", &key, &body).await;
        refused.problem(400, "VALIDATION_ERROR");
        assert!(
            refused.error_fields().contains(&field.to_string()),
            "{body}: {}",
            refused.text()
        );
    }
    // A description of several lines is text like any other.
    let lines = app
        .post_json("/v1/invoices", &key, &simple("2 kg de yerba\na $1.500", None))
        .await;
    lines.problem(422, "NOT_CONFIGURED");
    assert_eq!(invoices_total(&app, &key).await, 0);
}

#[tokio::test]
async fn a_draft_issues_nothing_and_the_call_carries_the_schema_the_context_the_model_and_the_key() {
    let provider = AiProvider::start().await;
    let app = app_with(&provider, "30000").await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let profile = json!({"razon_social": "Almacén Don Pepe S.R.L.", "domicilio_comercial": "Av. Rivadavia 1000, CABA",
                         "condicion_iva": "responsable_inscripto", "ingresos_brutos": "901-123456-7",
                         "inicio_actividades": "2019-04-01"});
    assert_eq!(
        app.put_json("/v1/account/issuer-profile", &key, &profile).await.status,
        200
    );
    let point = app.post_json("/v1/points-of-sale", &key, &json!({"numero": 3})).await;
    assert_eq!(point.status, 201, "{}", point.text());
    let customer = json!({"documento_tipo": 96, "documento_numero": "26756539", "razon_social": "Juan Pérez",
                          "condicion_iva": "consumidor_final"});
    assert_eq!(app.post_json("/v1/customers", &key, &customer).await.status, 201);

    provider.answer_with([Answer::draft(&yerba_draft())]);
    let answered = app.post_json("/v1/invoices", &key, &simple(YERBA, None)).await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    let draft = answered.json();
    assert_eq!(draft["mode"], "simple");
    assert_eq!(draft["emitida"], false);
    assert_eq!(draft["confidence"], 0.85);
    assert_eq!(draft["min_confidence"], 0.8);
    assert_eq!(draft["dudas"], json!([]));
    assert_eq!(draft["errores"], json!([]));
    assert_eq!(draft["modelo"], MODEL);
    assert_eq!(
        draft["tipo_comprobante"], 6,
        "a Factura B from a responsable inscripto to a consumidor final"
    );
    assert_eq!(draft["total"], "3000.00", "{draft}");
    let borrador = &draft["borrador"];
    assert_eq!(borrador["mode"], "advanced");
    assert_eq!(borrador["punto_venta"], 3, "the account's point of sale");
    assert_eq!(borrador["condicion_iva_emisor"], "responsable_inscripto");
    assert_eq!(borrador["cliente"]["documento_tipo"], 99);
    assert_eq!(
        borrador["items"][0]["precio_unitario"], "1239.669421",
        "the net of a final price"
    );
    assert_eq!(borrador["items"][0]["iva_porcentaje"], "21");
    assert_eq!(borrador["items"][0]["unidad"], "kg");
    // Nothing issued, nothing stored.
    assert_eq!(invoices_total(&app, &key).await, 0);
    assert_eq!(audits(&app, &account).await, 0);

    // What the service sent.
    let received = provider.received();
    assert_eq!(received.len(), 1);
    let call = &received[0];
    assert_eq!(
        (call.method.as_str(), call.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(call.header("authorization"), Some(format!("Bearer {AI_KEY}").as_str()));
    assert_eq!(call.header("content-type"), Some("application/json"));
    let body = call.json();
    assert_eq!(body["model"], MODEL);
    assert_eq!(body["response_format"]["type"], "json_schema");
    let json_schema = &body["response_format"]["json_schema"];
    assert_eq!(json_schema["name"], "borrador_factura");
    assert_eq!(json_schema["strict"], true);
    assert_eq!(json_schema["schema"], arca_service::simple_mode::schema::schema());
    assert_eq!(json_schema["schema"]["additionalProperties"], false);
    let messages = body["messages"].as_array().unwrap();
    assert_eq!(messages.last().unwrap()["role"], "user");
    assert_eq!(messages.last().unwrap()["content"], YERBA);
    let context = messages
        .iter()
        .filter(|message| message["role"] == "system")
        .map(|message| message["content"].as_str().unwrap())
        .collect::<Vec<_>>()
        .join("\n");
    for expected in [
        "\"condicion_iva_emisor\":\"responsable_inscripto\"",
        "\"puntos_de_venta\":[3]",
        "Juan Pérez",
        "26756539",
        "fecha_hoy",
    ] {
        assert!(context.contains(expected), "{expected} not in the context: {context}");
    }

    // A known customer named in the text is that customer.
    let mut by_name = yerba_draft();
    by_name["cliente"] = json!({"tipo": "nombre", "cuit": null, "dni": null, "nombre": "juan pérez",
                                "condicion_iva": null});
    provider.answer_with([Answer::draft(&by_name)]);
    let answered = app
        .post_json(
            "/v1/invoices",
            &key,
            &simple("2 kg de yerba a $1.500 para Juan Pérez", Some(false)),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    let cliente = &answered.json()["borrador"]["cliente"];
    assert_eq!(cliente["documento_tipo"], 96);
    assert_eq!(cliente["documento_numero"], "26756539");
    assert_eq!(cliente["razon_social"], "Juan Pérez");
    assert_eq!(answered.json()["confidence"], 0.85);
    assert_eq!(invoices_total(&app, &key).await, 0);
}

/// The issue's "Done when": one call, an approved Factura B.
#[tokio::test]
async fn two_kilos_of_yerba_become_an_approved_factura_b_in_one_call() {
    let provider = AiProvider::start().await;
    let app = app_with(&provider, "30000").await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    provider.answer_with([Answer::draft(&yerba_draft())]);
    let body = simple(YERBA, Some(true));
    let issued = app
        .post_json_with("/v1/invoices", &key, &body, &[("idempotency-key", "yerba-1")])
        .await;
    assert_eq!(issued.status, 201, "{}", issued.text());
    let invoice = issued.json();
    assert_eq!(invoice["status"], "approved");
    assert_eq!(invoice["tipo_comprobante"], 6);
    assert_eq!(invoice["cliente_documento_tipo"], 99);
    assert_eq!(invoice["total"], "3000.00");
    assert_eq!(invoice["cae"].as_str().unwrap().len(), 14);
    assert_eq!(invoice["items"][0]["descripcion"], "Yerba mate");
    let id = invoice["id"].as_str().unwrap();

    // The description and the model's answer, stored with it.
    let audit = arca_service::storage::ai_drafts::find(&app.storage, &account, id)
        .await
        .unwrap()
        .expect("the audit");
    assert_eq!(audit.descripcion, YERBA);
    assert_eq!(audit.modelo, MODEL);
    assert_eq!(serde_json::from_str::<Value>(&audit.respuesta).unwrap(), yerba_draft());
    assert!((audit.confidence - 0.85).abs() < 1e-9);

    // The same key and body: the same invoice, without asking the provider again.
    let again = app
        .post_json_with("/v1/invoices", &key, &body, &[("idempotency-key", "yerba-1")])
        .await;
    assert_eq!(again.status, 201, "{}", again.text());
    assert_eq!(again.json()["id"], invoice["id"]);
    assert_eq!(provider.received().len(), 1);
    // Another body under that key: a conflict, still without the provider.
    let other = app
        .post_json_with(
            "/v1/invoices",
            &key,
            &simple("3 kg de yerba", Some(true)),
            &[("idempotency-key", "yerba-1")],
        )
        .await;
    other.problem(409, "CONFLICT");
    assert_eq!(provider.received().len(), 1);
    assert_eq!(invoices_total(&app, &key).await, 1);
    assert_eq!(audits(&app, &account).await, 1);
}

/// The document's `mode: simple` examples (the README's) answer what it says: the draft 200,
/// the confirmed one 201.
#[tokio::test]
async fn the_documented_examples_answer_as_documented() {
    let provider = AiProvider::start().await;
    let app = app_with(&provider, "30000").await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let document = app.request("GET", "/openapi.json", &[], None).await.json();
    let examples = document
        .pointer("/paths/~1v1~1invoices/post/requestBody/content/application~1json/examples")
        .and_then(Value::as_object)
        .unwrap()
        .values()
        .map(|example| example["value"].clone())
        .filter(|example| example["mode"] == "simple")
        .collect::<Vec<_>>();
    assert_eq!(examples.len(), 2, "{examples:?}");
    let operation = &document["paths"]["/v1/invoices"]["post"];
    // The body is either request, told apart by `mode`.
    let body = &operation["requestBody"]["content"]["application/json"]["schema"];
    assert_eq!(body["$ref"], "#/components/schemas/InvoiceRequest", "{body}");
    let choices: Vec<&str> = document["components"]["schemas"]["InvoiceRequest"]["oneOf"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["$ref"].as_str().unwrap())
        .collect();
    assert_eq!(
        choices,
        [
            "#/components/schemas/CreateInvoice",
            "#/components/schemas/SimpleInvoice"
        ]
    );
    let simple = &document["components"]["schemas"]["SimpleInvoice"];
    assert_eq!(simple["properties"]["descripcion"]["maxLength"], 2000);
    for status in ["200", "422", "503", "504"] {
        assert!(operation["responses"][status].is_object(), "{status} is documented");
    }
    for example in examples {
        provider.answer_with([Answer::draft(&yerba_draft())]);
        let answered = app.post_json("/v1/invoices", &key, &example).await;
        let expected = if example["confirmar"] == true { 201 } else { 200 };
        assert_eq!(answered.status, expected, "{example}: {}", answered.text());
        let documented = &operation["responses"][expected.to_string()]["content"]["application/json"]["example"];
        let keys = |value: &Value| {
            value
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect::<std::collections::BTreeSet<_>>()
        };
        assert_eq!(keys(&answered.json()), keys(documented), "{example}");
    }
}

#[tokio::test]
async fn low_confidence_is_422_with_the_draft_and_what_to_confirm() {
    let provider = AiProvider::start().await;
    let app = app_with(&provider, "30000").await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    // A receiver named that the account does not know, prices the model is unsure of.
    let mut unsure = yerba_draft();
    unsure["cliente"] = json!({"tipo": "nombre", "cuit": null, "dni": null, "nombre": "María Gómez",
                               "condicion_iva": null});
    unsure["certezas"]["precios"] = certeza(0.6, false);
    provider.answer_with([Answer::draft(&unsure)]);
    let refused = app
        .post_json("/v1/invoices", &key, &simple("yerba para María Gómez", Some(true)))
        .await;
    let problem = refused.problem(422, "CONFIRMATION_REQUIRED");
    assert_eq!(problem["retryable"], false);
    let borrador = &problem["borrador"];
    // min(0.95, 0.95, 0.6, …) × 0.7 (prices inferred) × 0.5 (receiver not found) = 0.21.
    assert_eq!(borrador["confidence"], 0.21, "{problem}");
    assert_eq!(borrador["borrador"]["cliente"]["razon_social"], "María Gómez");
    assert_eq!(borrador["total"], "3000.00");
    let campos: Vec<&str> = borrador["dudas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|duda| duda["campo"].as_str().unwrap())
        .collect();
    assert!(campos.contains(&"precios") && campos.contains(&"cliente"), "{campos:?}");
    let fields = refused.error_fields();
    assert!(fields.contains(&"precios".to_string()) && fields.contains(&"cliente".to_string()));
    assert_eq!(invoices_total(&app, &key).await, 0);
    assert_eq!(audits(&app, &account).await, 0);

    // A stated total the lines do not reach lowers it too (a draft, confirmar omitted).
    let mut off = yerba_draft();
    off["total_indicado"] = json!("3500");
    provider.answer_with([Answer::draft(&off)]);
    let answered = app.post_json("/v1/invoices", &key, &simple(YERBA, None)).await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    assert_eq!(answered.json()["confidence"], 0.43);
    assert_eq!(answered.json()["dudas"][0]["campo"], "total");
}

#[tokio::test]
async fn a_draft_failing_arca_s_rules_shows_their_codes_and_issues_nothing() {
    let provider = AiProvider::start().await;
    let app = app_with(&provider, "30000").await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    // An unidentified consumidor final at or above ARCA's threshold (10015).
    let mut car = yerba_draft();
    car["items"] = json!([{"descripcion": "Auto usado", "cantidad": "1", "unidad": null,
                           "precio_unitario": "25000000", "precio_incluye_iva": true, "iva_porcentaje": "21"}]);
    provider.answer_with([Answer::draft(&car), Answer::draft(&car)]);
    let description = "un auto usado a $25.000.000 para consumidor final";
    let answered = app.post_json("/v1/invoices", &key, &simple(description, None)).await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    let draft = answered.json();
    assert_eq!(draft["confidence"], 0.0);
    assert_eq!(draft["total"], Value::Null, "it did not compose");
    let errores = draft["errores"].as_array().unwrap();
    assert!(
        errores.iter().any(|error| error["field"] == "FeDetReq[0].DocTipo"
            && error["message"].as_str().unwrap().starts_with("ARCA 10015")),
        "{draft}"
    );
    // Confirmed: 400 with ARCA's code, and the draft.
    let refused = app
        .post_json("/v1/invoices", &key, &simple(description, Some(true)))
        .await;
    let problem = refused.problem(400, "VALIDATION_ERROR");
    assert!(
        refused.error_fields().contains(&"FeDetReq[0].DocTipo".to_string()),
        "{problem}"
    );
    assert!(refused.text().contains("ARCA 10015"));
    assert_eq!(problem["borrador"]["confidence"], 0.0);
    assert_eq!(invoices_total(&app, &key).await, 0);
    assert_eq!(audits(&app, &account).await, 0);

    // A CUIT ARCA's padrón does not know: the receiver not found, in the draft.
    let mut unknown = yerba_draft();
    unknown["cliente"] = json!({"tipo": "cuit", "cuit": "20-11111111-2", "dni": null, "nombre": null,
                                "condicion_iva": "responsable_inscripto"});
    provider.answer_with([Answer::draft(&unknown)]);
    let answered = app
        .post_json("/v1/invoices", &key, &simple("yerba para el CUIT 20-11111111-2", None))
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text());
    let draft = answered.json();
    assert_eq!(draft["confidence"], 0.0, "{draft}");
    assert_eq!(draft["errores"][0]["field"], "cliente.cuit", "{draft}");
    assert!(
        draft["dudas"]
            .as_array()
            .unwrap()
            .iter()
            .any(|duda| duda["campo"] == "cliente")
    );
}

#[tokio::test]
async fn provider_failures_are_503_or_504_and_store_nothing() {
    let provider = AiProvider::start().await;
    let app = app_with(&provider, "1000").await;
    let (account, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut violating = yerba_draft();
    violating["items"][0]["cantidad"] = json!(2);
    let mut extra = yerba_draft();
    extra["nota"] = json!("un campo que el esquema no tiene");
    let cases: Vec<(Answer, u16, &str, bool, Option<&str>)> = vec![
        (
            Answer::Content("{\"tipo_comprobante\": nul".into()),
            503,
            "AI_PROVIDER_UNAVAILABLE",
            true,
            Some("5"),
        ),
        (
            Answer::Content("no es JSON".into()),
            503,
            "AI_PROVIDER_UNAVAILABLE",
            true,
            Some("5"),
        ),
        (
            Answer::draft(&violating),
            503,
            "AI_PROVIDER_UNAVAILABLE",
            true,
            Some("5"),
        ),
        (Answer::draft(&extra), 503, "AI_PROVIDER_UNAVAILABLE", true, Some("5")),
        (
            Answer::Http {
                status: 200,
                headers: Vec::new(),
                body: "<html>not a completion</html>".into(),
            },
            503,
            "AI_PROVIDER_UNAVAILABLE",
            true,
            Some("5"),
        ),
        (
            Answer::Http {
                status: 429,
                headers: vec![("retry-after".into(), "7".into())],
                body: json!({"error": {"message": "rate limited"}}).to_string(),
            },
            503,
            "AI_PROVIDER_UNAVAILABLE",
            true,
            Some("7"),
        ),
        (Answer::status(500), 503, "AI_PROVIDER_UNAVAILABLE", true, Some("5")),
        (Answer::status(401), 503, "AI_PROVIDER_UNAVAILABLE", false, None),
        (Answer::Hang, 504, "AI_PROVIDER_TIMEOUT", true, Some("5")),
    ];
    for (answer, status, code, retryable, retry_after) in cases {
        let what = format!("{answer:?}");
        provider.answer_with([answer]);
        let refused = app.post_json("/v1/invoices", &key, &simple(YERBA, Some(true))).await;
        let problem = refused.problem(status, code);
        assert_eq!(problem["retryable"], retryable, "{what}: {problem}");
        assert_eq!(refused.header("retry-after"), retry_after, "{what}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("nothing was issued"), "{detail}");
        assert!(
            !refused.text().contains("Yerba mate"),
            "the answer is not echoed: {}",
            refused.text()
        );
        provider.release();
        assert_eq!(invoices_total(&app, &key).await, 0, "{what}");
        assert_eq!(audits(&app, &account).await, 0, "{what}");
    }
    // A draft fails the same way (nothing queued: the stand-in's 500).
    let refused = app.post_json("/v1/invoices", &key, &simple(YERBA, None)).await;
    refused.problem(503, "AI_PROVIDER_UNAVAILABLE");
    assert_eq!(
        provider.received().len(),
        10,
        "one call per request, never retried by the service"
    );
    // The provider down: unreachable is the same retryable 503.
    drop(provider);
    let refused = app.post_json("/v1/invoices", &key, &simple(YERBA, Some(true))).await;
    let problem = refused.problem(503, "AI_PROVIDER_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
    assert_eq!(invoices_total(&app, &key).await, 0);
}

#[tokio::test]
async fn the_description_and_the_answer_never_reach_the_logs_at_info_level() {
    // As in secrets_in_logs.rs: a second dispatcher makes every callsite ask this one too, and
    // #[tokio::test] runs the app on this thread, so its lines are captured.
    let _second_dispatcher = tracing::Dispatch::new(tracing_subscriber::registry());
    let captured = Captured::default();
    let sink = captured.clone();
    let subscriber = arca_service::logging::json_subscriber(EnvFilter::new("info"), move || sink.clone());
    let _logging = tracing::subscriber::set_default(subscriber);

    let provider = AiProvider::start().await;
    let app = app_with(&provider, "1000").await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let description = "2 kg de yerba Canarias Serena a $1.500 para el señor Zapiola-Quintanilla";
    let mut draft = yerba_draft();
    draft["items"][0]["descripcion"] = json!("Yerba Canarias Serena");
    draft["cliente"] = json!({"tipo": "nombre", "cuit": null, "dni": null, "nombre": "Zapiola-Quintanilla",
                              "condicion_iva": null});
    let mut confident = yerba_draft();
    confident["items"][0]["descripcion"] = json!("Yerba Canarias Serena");
    let mut answers: Vec<TestResponse> = Vec::new();
    provider.answer_with([
        Answer::draft(&draft),
        Answer::draft(&draft),
        Answer::draft(&confident),
        Answer::Content(format!("{{\"Zapiola-Quintanilla\": \"{description}\"")),
        Answer::status(500),
        Answer::Hang,
    ]);
    for confirmar in [None, Some(true), Some(true), Some(true), Some(true), Some(true)] {
        answers.push(
            app.post_json("/v1/invoices", &key, &simple(description, confirmar))
                .await,
        );
    }
    provider.release();
    let statuses: Vec<u16> = answers.iter().map(|answer| answer.status).collect();
    assert_eq!(statuses, [200, 422, 201, 503, 503, 504]);
    drop(_logging);
    let logs = captured.text();
    assert!(!logs.is_empty(), "info lines were captured");
    for needle in [description, "Canarias Serena", "Zapiola-Quintanilla", AI_KEY] {
        assert!(!logs.contains(needle), "{needle:?} appears in the logs:\n{logs}");
    }
}
