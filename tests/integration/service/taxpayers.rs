use std::sync::Arc;

use arca_protocol::Cuit;
use arca_protocol::clock::ManualClock;
use arca_simulator::padron::samples;
use arca_simulator::{FaultAction, FaultRule};
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};

/// The account's issuer profile, with the issuer's IVA condition the voucher classes depend on.
async fn with_profile(app: &TestApp, key: &str, condicion_iva: &str) {
    let profile = json!({
        "razon_social": "Almacén Demo S.A.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": condicion_iva,
        "ingresos_brutos": "exento",
        "inicio_actividades": "2019-04-01"
    });
    let response = app.put_json("/v1/account/issuer-profile", key, &profile).await;
    assert_eq!(response.status, 200, "{}", response.text());
}

/// A responsable inscripto account with a certificate and a profile: its key.
async fn ri_account(app: &TestApp, cuit: &str) -> String {
    let (_, key, _) = app.account_with_certificate("Almacén", cuit).await;
    with_profile(app, &key, "responsable_inscripto").await;
    key
}

async fn taxpayer(app: &TestApp, key: &str, cuit: &str) -> TestResponse {
    app.get(&format!("/v1/taxpayers/{cuit}"), key).await
}

fn classes(taxpayer: &Value) -> Vec<String> {
    taxpayer["clases_comprobante"]
        .as_array()
        .unwrap_or_else(|| panic!("no clases_comprobante: {taxpayer}"))
        .iter()
        .map(|class| class.as_str().unwrap().to_string())
        .collect()
}

/// `/_sim/stats`'s count for `operation`.
fn calls(app: &TestApp, operation: &str) -> u64 {
    app.simulator.calls(operation)
}

/// Every later call of the padrón's `operation` gets HTTP 503.
fn unavailable(app: &TestApp, operation: &str) {
    app.simulator.add_fault(FaultRule {
        operation: operation.into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(FaultAction::Http503),
        probability: 1.0,
        remaining: None,
    });
}

/// An invoice for `cliente` with the type left to the service: one item, 21 % IVA.
fn invoice_for(cliente: Value) -> Value {
    json!({"mode": "advanced", "punto_venta": 1, "concepto": "productos", "cliente": cliente,
           "items": [{"descripcion": "Yerba 1kg", "cantidad": 2, "precio_unitario": "1500.00", "iva_porcentaje": 21}]})
}

/// The `CondicionIVAReceptorId` the service sent for invoice `id` (the stored voucher).
async fn sent_condicion(app: &TestApp, id: &str) -> i64 {
    let row = arca_service::storage::invoices::find(&app.storage, id)
        .await
        .unwrap()
        .expect("the invoice is stored");
    let voucher: Value = serde_json::from_str(&row.voucher).unwrap();
    voucher["condicion_iva_receptor_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no condicion_iva_receptor_id in {voucher}"))
}

/// The voucher the simulator authorised for the issuer `cuit` with type `cbte_tipo`.
async fn simulator_voucher(app: &TestApp, cuit: &str, cbte_tipo: i64) -> Value {
    let url = format!(
        "{}/_sim/vouchers?cuit={cuit}&cbte_tipo={cbte_tipo}",
        app.simulator.base_url()
    );
    let body: Value = get_json(&url).await;
    let series = body["series"].as_array().expect("series");
    assert_eq!(series.len(), 1, "{body}");
    series[0]["vouchers"][0].clone()
}

async fn get_json(url: &str) -> Value {
    use http_body_util::BodyExt;
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let response = client.get(url.parse().unwrap()).await.expect("the simulator answers");
    let body = response.into_body().collect().await.unwrap().to_bytes();
    serde_json::from_slice(&body).expect("JSON")
}

async fn put_to(url: &str, body: &Value) -> u16 {
    let client = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<http_body_util::Full<bytes::Bytes>>();
    let request = hyper::Request::put(url)
        .header("content-type", "application/json")
        .body(http_body_util::Full::new(bytes::Bytes::from(
            serde_json::to_vec(body).unwrap(),
        )))
        .unwrap();
    client
        .request(request)
        .await
        .expect("the simulator answers")
        .status()
        .as_u16()
}

#[tokio::test]
async fn every_registry_case_through_rest() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_B).await;

    // (CUIT, condition name, CondicionIVAReceptorId, classes an RI issuer may address to it)
    let cases: [(&str, &str, i64, &[&str]); 6] = [
        (samples::DEMO, "responsable_inscripto", 1, &["A"]),
        (samples::RI_COMPANY, "responsable_inscripto", 1, &["A"]),
        (samples::RI_PERSON, "responsable_inscripto", 1, &["A"]),
        (samples::MONOTRIBUTO, "monotributo", 6, &["A"]),
        (samples::EXENTO, "exento", 4, &["B"]),
        (samples::CONSUMIDOR_FINAL, "consumidor_final", 5, &["B"]),
    ];
    for (cuit, name, id, expected_classes) in cases {
        let response = taxpayer(&app, &key, cuit).await;
        assert_eq!(response.status, 200, "{cuit}: {}", response.text());
        let body = response.json();
        assert_eq!(body["cuit"], cuit);
        assert!(body["nombre"].as_str().is_some_and(|name| !name.is_empty()), "{body}");
        assert_eq!(body["estado_clave"], "ACTIVO", "{body}");
        assert_eq!(body["condicion_iva"]["name"], name, "{cuit}: {body}");
        assert_eq!(body["condicion_iva"]["id"], id, "{cuit}: {body}");
        assert!(
            body["condicion_iva"]["evidence"]
                .as_str()
                .is_some_and(|e| !e.is_empty())
        );
        assert!(body["condicion_iva_unknown_reason"].is_null());
        assert_eq!(classes(&body), expected_classes, "{cuit}: {body}");
        assert!(body["consulted_at"].is_string());
    }
    let demo = taxpayer(&app, &key, samples::DEMO).await.json();
    assert_eq!(demo["tipo_persona"], "JURIDICA");
    assert!(demo["domicilio_fiscal"]["direccion"].is_string(), "{demo}");
    let person = taxpayer(&app, &key, samples::RI_PERSON).await.json();
    assert_eq!(person["tipo_persona"], "FISICA");
    let monotributo = taxpayer(&app, &key, samples::MONOTRIBUTO).await.json();
    assert!(
        monotributo["monotributo_categoria"]
            .as_str()
            .is_some_and(|categoria| categoria.contains('H')),
        "{monotributo}"
    );

    // Inactive and only-error answers: found, with no condition and the reason; no classes.
    for cuit in [samples::INACTIVE, samples::ONLY_ERRORS] {
        let body = taxpayer(&app, &key, cuit).await.json();
        assert!(body["condicion_iva"].is_null(), "{cuit}: {body}");
        assert!(
            body["condicion_iva_unknown_reason"]
                .as_str()
                .is_some_and(|reason| !reason.is_empty()),
            "{body}"
        );
        assert_eq!(classes(&body), Vec::<String>::new());
        assert!(body["clases_comprobante_reason"].is_string());
    }
    let inactive = taxpayer(&app, &key, samples::INACTIVE).await.json();
    assert_eq!(inactive["estado_clave"], "INACTIVO");

    // The DNI's taxpayer is found by CUIT too.
    assert_eq!(taxpayer(&app, &key, samples::WITH_DNI).await.status, 200);

    // Unknown: 404.
    taxpayer(&app, &key, samples::UNKNOWN)
        .await
        .problem(404, "TAXPAYER_NOT_FOUND");

    // A bad check digit is refused before ARCA is asked.
    let before = calls(&app, "getPersona_v2");
    let refused = taxpayer(&app, &key, "20267565390").await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["cuit"]);
    assert_eq!(calls(&app, "getPersona_v2"), before, "no ARCA call for an invalid CUIT");
}

#[tokio::test]
async fn the_classes_are_this_accounts() {
    let app = TestApp::start().await;
    // A monotributista issuer may only issue C, whoever the receiver is.
    let (_, monotributo, _) = app.account_with_certificate("Kiosco", CUIT_B).await;
    with_profile(&app, &monotributo, "monotributo").await;
    let body = taxpayer(&app, &monotributo, samples::RI_COMPANY).await.json();
    assert_eq!(classes(&body), ["C"], "{body}");

    // Without an issuer profile: no classes, and why.
    let (_, bare, _) = app.account_with_certificate("Sin perfil", CUIT_A).await;
    let body = taxpayer(&app, &bare, samples::RI_COMPANY).await.json();
    assert_eq!(body["condicion_iva"]["name"], "responsable_inscripto");
    assert_eq!(classes(&body), Vec::<String>::new());
    assert!(
        body["clases_comprobante_reason"]
            .as_str()
            .is_some_and(|reason| reason.contains("issuer-profile")),
        "{body}"
    );
}

#[tokio::test]
async fn a_dni_lists_its_taxpayers() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_B).await;
    let response = app
        .get(&format!("/v1/taxpayers?dni={}", samples::WITH_DNI_DOCUMENT), &key)
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    let body = response.json();
    let cuits: Vec<&str> = body["taxpayers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["cuit"].as_str().unwrap())
        .collect();
    assert!(cuits.contains(&samples::WITH_DNI), "{body}");
    assert_eq!(calls(&app, "a13.getIdPersonaListByDocumento"), 1);
    // Cached: a second question asks the A13 nothing.
    let again = app
        .get(&format!("/v1/taxpayers?dni={}", samples::WITH_DNI_DOCUMENT), &key)
        .await;
    assert_eq!(again.json()["taxpayers"], body["taxpayers"]);
    assert_eq!(calls(&app, "a13.getIdPersonaListByDocumento"), 1);

    let none = app.get("/v1/taxpayers?dni=11222333", &key).await;
    assert_eq!(none.status, 200, "{}", none.text());
    assert_eq!(none.json()["taxpayers"], json!([]));

    for bad in [
        "/v1/taxpayers?dni=12",
        "/v1/taxpayers?dni=abcdefgh",
        "/v1/taxpayers?dni=0000000",
        "/v1/taxpayers",
    ] {
        let refused = app.get(bad, &key).await;
        refused.problem(400, "VALIDATION_ERROR");
        assert_eq!(refused.error_fields(), ["dni"], "{bad}");
    }
}

/// 250 valid CUITs: the ten samples, some registered through the control API, the rest unknown.
#[tokio::test]
async fn a_batch_of_250_is_one_arca_call() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_B).await;
    let mut cuits: Vec<String> = [
        samples::DEMO,
        samples::RI_COMPANY,
        samples::RI_PERSON,
        samples::MONOTRIBUTO,
        samples::EXENTO,
        samples::CONSUMIDOR_FINAL,
        samples::INACTIVE,
        samples::WITH_DNI,
        samples::ONLY_ERRORS,
        samples::UNKNOWN,
    ]
    .iter()
    .map(|cuit| cuit.to_string())
    .collect();
    let mut prefix = 2_041_000_000u64;
    while cuits.len() < 250 {
        prefix += 1;
        if let Some(cuit) = Cuit::from_prefix(prefix) {
            cuits.push(cuit.to_string());
        }
    }
    // Five of the generated ones registered, as persons without taxes.
    let registered: Vec<String> = cuits[10..15].to_vec();
    for cuit in &registered {
        let blocks = json!({"datosGenerales": {
            "idPersona": cuit.parse::<i64>().unwrap(), "tipoPersona": "FISICA", "tipoClave": "CUIT",
            "estadoClave": "ACTIVO", "nombre": "JUAN", "apellido": format!("PEREZ {cuit}"),
            "domicilioFiscal": {"direccion": "CALLE 1", "localidad": "LA PLATA", "codPostal": "1900",
                                "idProvincia": 1, "descripcionProvincia": "BUENOS AIRES", "tipoDomicilio": "FISCAL"}
        }});
        let status = put_to(&format!("{}/_sim/padron/{cuit}", app.simulator.base_url()), &blocks).await;
        assert!((200..300).contains(&status), "PUT /_sim/padron/{cuit}: {status}");
    }

    let before = calls(&app, "getPersonaList_v2");
    let response = app
        .post_json("/v1/taxpayers/lookup", &key, &json!({"cuits": cuits}))
        .await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(
        calls(&app, "getPersonaList_v2"),
        before + 1,
        "one ARCA call for 250 CUITs"
    );
    let body = response.json();
    let found: Vec<&str> = body["taxpayers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["cuit"].as_str().unwrap())
        .collect();
    let not_found: Vec<&str> = body["not_found"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(found.len() + not_found.len(), 250);
    assert_eq!(found.len(), 9 + registered.len(), "{not_found:?}");
    assert!(not_found.contains(&samples::UNKNOWN));
    for cuit in &registered {
        assert!(
            found.contains(&cuit.as_str()),
            "{cuit} registered through the control API"
        );
    }
    assert_eq!(found[0], samples::DEMO, "in the order asked");
    let registered_view = body["taxpayers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["cuit"] == registered[0].as_str())
        .unwrap();
    assert_eq!(registered_view["condicion_iva"]["name"], "consumidor_final");

    // The found ones are cached: asking for them again asks ARCA nothing.
    let found_cuits: Vec<&str> = found.clone();
    let again = app
        .post_json("/v1/taxpayers/lookup", &key, &json!({"cuits": found_cuits}))
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(calls(&app, "getPersonaList_v2"), before + 1, "all cached");

    // Duplicates are looked up once; 251 are refused naming `cuits`; a bad one by its index.
    let twice = app
        .post_json(
            "/v1/taxpayers/lookup",
            &key,
            &json!({"cuits": [samples::DEMO, "20-26756539-3", samples::DEMO]}),
        )
        .await
        .json();
    assert_eq!(twice["taxpayers"].as_array().unwrap().len(), 1, "{twice}");
    let mut too_many = cuits.clone();
    too_many.push(samples::DEMO.to_string());
    let refused = app
        .post_json("/v1/taxpayers/lookup", &key, &json!({"cuits": too_many}))
        .await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["cuits"]);
    let refused = app
        .post_json(
            "/v1/taxpayers/lookup",
            &key,
            &json!({"cuits": [samples::DEMO, "20267565390"]}),
        )
        .await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["cuits[1]"]);
    let empty = app.post_json("/v1/taxpayers/lookup", &key, &json!({"cuits": []})).await;
    assert_eq!(empty.error_fields(), ["cuits"]);
    assert_eq!(
        calls(&app, "getPersonaList_v2"),
        before + 1,
        "refusals ask ARCA nothing"
    );
}

#[tokio::test]
async fn answers_are_cached_per_account_until_the_ttl() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = TestApp::builder().clock(clock.clone()).start().await;
    let key = ri_account(&app, CUIT_B).await;

    let first = taxpayer(&app, &key, samples::RI_COMPANY).await;
    assert_eq!(first.status, 200, "{}", first.text());
    assert_eq!(calls(&app, "getPersona_v2"), 1);
    assert_eq!(first.header("cache-control"), Some("private, max-age=86400"));
    assert_eq!(first.header("age"), Some("0"));

    clock.advance(chrono::Duration::seconds(90));
    let second = taxpayer(&app, &key, samples::RI_COMPANY).await;
    assert_eq!(second.status, 200);
    assert_eq!(calls(&app, "getPersona_v2"), 1, "a cache hit asks ARCA nothing");
    assert_eq!(second.header("age"), Some("90"));
    assert_eq!(second.header("cache-control"), Some("private, max-age=86310"));
    assert_eq!(second.json()["consulted_at"], first.json()["consulted_at"]);

    // Another account (its own certificate and authorization) never reads this one's answers.
    let other = ri_account(&app, CUIT_A).await;
    assert_eq!(taxpayer(&app, &other, samples::RI_COMPANY).await.status, 200);
    assert_eq!(calls(&app, "getPersona_v2"), 2, "the cache is per account");

    // Past the TTL (24 h by default) the padrón is asked again.
    clock.advance(chrono::Duration::hours(24));
    let expired = taxpayer(&app, &key, samples::RI_COMPANY).await;
    assert_eq!(expired.status, 200);
    assert_eq!(calls(&app, "getPersona_v2"), 3, "an expired answer is fetched again");
    assert_eq!(expired.header("age"), Some("0"));
}

#[tokio::test]
async fn a_configured_ttl_is_honoured() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = TestApp::builder()
        .env("TAXPAYER_CACHE_TTL_SECONDS", "60")
        .clock(clock.clone())
        .start()
        .await;
    let key = ri_account(&app, CUIT_B).await;
    let first = taxpayer(&app, &key, samples::DEMO).await;
    assert_eq!(first.header("cache-control"), Some("private, max-age=60"));
    clock.advance(chrono::Duration::seconds(59));
    taxpayer(&app, &key, samples::DEMO).await;
    assert_eq!(calls(&app, "getPersona_v2"), 1);
    clock.advance(chrono::Duration::seconds(1));
    taxpayer(&app, &key, samples::DEMO).await;
    assert_eq!(calls(&app, "getPersona_v2"), 2);
}

#[tokio::test]
async fn an_invoice_to_a_cuit_is_filled_from_the_padron() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_A).await;

    // RI receiver from an RI issuer: Factura A, CondicionIVAReceptorId 1.
    let created = app
        .post_json("/v1/invoices", &key, &invoice_for(json!({"cuit": samples::RI_COMPANY})))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["status"], "approved", "{invoice}");
    assert_eq!(invoice["tipo_comprobante"], 1, "{invoice}");
    let id = invoice["id"].as_str().unwrap();
    assert_eq!(sent_condicion(&app, id).await, 1);
    let stored = simulator_voucher(&app, CUIT_A, 1).await;
    assert_eq!(stored["doc_tipo"], 80);
    assert_eq!(stored["doc_nro"].to_string(), samples::RI_COMPANY);
    if let Some(condition) = stored.get("condicion_iva_receptor_id") {
        assert_eq!(condition, &json!(1));
    }
    let company = taxpayer(&app, &key, samples::RI_COMPANY).await.json();
    let shown = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(shown["cliente_nombre"], company["nombre"], "{shown}");

    // Monotributo receiver: A too (ARCA allows it), condition 6.
    let created = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"cuit": samples::MONOTRIBUTO})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["tipo_comprobante"], 1, "{invoice}");
    assert_eq!(sent_condicion(&app, invoice["id"].as_str().unwrap()).await, 6);

    // Consumidor final (a person without IVA taxes): Factura B, condition 5.
    let created = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"documento_tipo": 80, "documento_numero": samples::CONSUMIDOR_FINAL})),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["tipo_comprobante"], 6, "{invoice}");
    assert_eq!(sent_condicion(&app, invoice["id"].as_str().unwrap()).await, 5);
    let stored = simulator_voucher(&app, CUIT_A, 6).await;
    assert_eq!(stored["doc_nro"].to_string(), samples::CONSUMIDOR_FINAL);
}

#[tokio::test]
async fn a_receiver_the_padron_does_not_settle_is_refused() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_A).await;

    let refused = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"cuit": samples::ONLY_ERRORS})),
        )
        .await;
    refused.problem(422, "TAXPAYER_DATA_INCOMPLETE");
    assert_eq!(refused.error_fields(), ["cliente.condicion_iva"]);

    let unknown = app
        .post_json("/v1/invoices", &key, &invoice_for(json!({"cuit": samples::UNKNOWN})))
        .await;
    unknown.problem(422, "TAXPAYER_NOT_FOUND");
    assert_eq!(unknown.error_fields(), ["cliente.cuit"]);

    let bad = app
        .post_json("/v1/invoices", &key, &invoice_for(json!({"cuit": "20267565390"})))
        .await;
    bad.problem(400, "VALIDATION_ERROR");
    assert_eq!(bad.error_fields(), ["cliente.cuit"]);

    let conflicting = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"cuit": samples::RI_COMPANY, "documento_tipo": 96})),
        )
        .await;
    conflicting.problem(400, "VALIDATION_ERROR");
    assert_eq!(conflicting.error_fields(), ["cliente.documento_tipo"]);

    // With the condition given, the padrón is not needed for it: the invoice goes ahead.
    let given = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"cuit": samples::ONLY_ERRORS, "condicion_iva": "responsable_inscripto"})),
        )
        .await;
    assert_eq!(given.status, 201, "{}", given.text());
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 1);
}

#[tokio::test]
async fn a_padron_outage_is_503_unless_the_caller_gave_enough() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_A).await;
    for operation in ["getPersona_v2", "getPersonaList_v2"] {
        unavailable(&app, operation);
    }

    let refused = app
        .post_json("/v1/invoices", &key, &invoice_for(json!({"cuit": samples::RI_COMPANY})))
        .await;
    let problem = refused.problem(503, "TAXPAYER_LOOKUP_UNAVAILABLE");
    assert_eq!(problem["retryable"], true);
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 0);
    taxpayer(&app, &key, samples::RI_COMPANY)
        .await
        .problem(503, "TAXPAYER_LOOKUP_UNAVAILABLE");
    app.post_json("/v1/taxpayers/lookup", &key, &json!({"cuits": [samples::RI_COMPANY]}))
        .await
        .problem(503, "TAXPAYER_LOOKUP_UNAVAILABLE");

    // Name and condition given: no look-up is needed, the invoice is approved with the class
    // they imply.
    let given = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"cuit": samples::RI_COMPANY, "razon_social": "Cliente SA",
                                "condicion_iva": "responsable_inscripto"})),
        )
        .await;
    assert_eq!(given.status, 201, "{}", given.text());
    assert_eq!(given.json()["tipo_comprobante"], 1);
    // Only the (optional) name missing: the invoice goes ahead without it.
    let nameless = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"cuit": samples::RI_COMPANY, "condicion_iva": "responsable_inscripto"})),
        )
        .await;
    assert_eq!(nameless.status, 201, "{}", nameless.text());
}

#[tokio::test]
async fn a_certificate_without_the_padron_gets_the_fix_it_problem() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_A).await;
    let (status, body) = app
        .post_json_to(
            &format!("{}/_sim/authorizations", app.simulator.base_url()),
            &json!({"cuit": CUIT_A, "service": "ws_sr_constancia_inscripcion", "authorized": false}),
        )
        .await;
    assert!((200..300).contains(&status), "{status} {body}");

    let refused = taxpayer(&app, &key, samples::RI_COMPANY).await;
    let problem = refused.problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("ws_sr_constancia_inscripcion"), "{detail}");
    assert!(detail.contains(CUIT_A), "{detail}");
    assert!(detail.contains("Administrador de Relaciones"), "{detail}");
    assert_eq!(problem["arca_errors"][0]["code"], "coe.notAuthorized", "{problem}");

    // Invoicing itself (wsfe) is unaffected when the caller gives the receiver's data.
    let given = app
        .post_json(
            "/v1/invoices",
            &key,
            &invoice_for(json!({"cuit": samples::RI_COMPANY, "razon_social": "Cliente SA",
                                "condicion_iva": "responsable_inscripto"})),
        )
        .await;
    assert_eq!(given.status, 201, "{}", given.text());
    app.post_json("/v1/invoices", &key, &invoice_for(json!({"cuit": samples::RI_COMPANY})))
        .await
        .problem(422, "ARCA_SERVICE_NOT_AUTHORIZED");
}

#[tokio::test]
async fn a_customer_is_created_from_a_cuit() {
    let app = TestApp::start().await;
    let key = ri_account(&app, CUIT_A).await;
    let created = app
        .post_json("/v1/customers", &key, &json!({"cuit": samples::RI_COMPANY}))
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    let customer = created.json();
    let company = taxpayer(&app, &key, samples::RI_COMPANY).await.json();
    assert_eq!(customer["documento_tipo"], 80);
    assert_eq!(customer["documento_numero"], samples::RI_COMPANY);
    assert_eq!(customer["razon_social"], company["nombre"]);
    assert_eq!(customer["condicion_iva"], "responsable_inscripto");
    assert!(customer["direccion"].is_string(), "{customer}");

    // What the caller gives wins over the padrón.
    let created = app
        .post_json(
            "/v1/customers",
            &key,
            &json!({"documento_tipo": 80, "documento_numero": samples::MONOTRIBUTO, "razon_social": "Mi cliente"}),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["razon_social"], "Mi cliente");
    assert_eq!(created.json()["condicion_iva"], "monotributo");

    let refused = app
        .post_json("/v1/customers", &key, &json!({"cuit": samples::ONLY_ERRORS}))
        .await;
    refused.problem(422, "TAXPAYER_DATA_INCOMPLETE");
    assert_eq!(refused.error_fields(), ["condicion_iva"]);
    // Not a CUIT: nothing to look up, the usual rules.
    let refused = app
        .post_json(
            "/v1/customers",
            &key,
            &json!({"documento_tipo": 96, "documento_numero": "30123456"}),
        )
        .await;
    refused.problem(400, "VALIDATION_ERROR");
    assert_eq!(refused.error_fields(), ["razon_social", "condicion_iva"]);
}

/// The padrón refuses the stored ticket (the simulator's clock has moved past its expiry while
/// the service's, 2 minutes behind, has not): the service discards it, logs in again for the
/// padrón, and the look-up succeeds.
#[tokio::test]
async fn a_ticket_the_padron_refuses_is_replaced_once() {
    let app = TestApp::builder()
        .env("ARCA_TOKEN_RENEW_BEFORE_SECONDS", "1")
        .start()
        .await;
    app.simulator.set_ticket_lifetime(chrono::Duration::seconds(60));
    let key = ri_account(&app, CUIT_B).await;
    assert_eq!(taxpayer(&app, &key, samples::DEMO).await.status, 200);
    let logins = calls(&app, "loginCms");
    assert_eq!(calls(&app, "getPersona_v2"), 1);

    app.simulator.advance_clock(chrono::Duration::seconds(120));
    let response = taxpayer(&app, &key, samples::RI_COMPANY).await;
    assert_eq!(response.status, 200, "{}", response.text());
    assert_eq!(calls(&app, "loginCms"), logins + 1, "one new ticket");
    assert_eq!(
        calls(&app, "getPersona_v2"),
        3,
        "the refused call, and one more with the new ticket"
    );
}

/// A repeat under the same Idempotency-Key is answered with the stored invoice before the padrón
/// is asked again: down by then (and its cache past the TTL), it changes nothing.
#[tokio::test]
async fn a_repeat_under_its_idempotency_key_needs_no_padron() {
    let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
    let app = TestApp::builder().clock(clock.clone()).start().await;
    let key = ri_account(&app, CUIT_A).await;
    let body = invoice_for(json!({"cuit": samples::RI_COMPANY}));
    let headers = [("idempotency-key", "order-4711")];
    let first = app.post_json_with("/v1/invoices", &key, &body, &headers).await;
    assert_eq!(first.status, 201, "{}", first.text());
    assert_eq!(calls(&app, "getPersona_v2"), 1);

    clock.advance(chrono::Duration::hours(25));
    unavailable(&app, "getPersona_v2");
    let repeat = app.post_json_with("/v1/invoices", &key, &body, &headers).await;
    assert!(repeat.status < 300, "{}", repeat.text());
    assert_eq!(repeat.json()["id"], first.json()["id"]);
    assert_eq!(calls(&app, "getPersona_v2"), 1, "the repeat asked the padrón nothing");
    // Another body under the same key is still a conflict, also without the padrón.
    let other = invoice_for(json!({"cuit": samples::RI_PERSON}));
    let conflict = app.post_json_with("/v1/invoices", &key, &other, &headers).await;
    assert_eq!(conflict.status, 409, "{}", conflict.text());
    assert_eq!(calls(&app, "getPersona_v2"), 1);
}

/// The scheduled job's purge drops cached answers too old for any TTL, of every account, and
/// keeps the others.
#[tokio::test]
async fn cached_answers_older_than_any_ttl_are_purged() {
    use arca_service::storage::taxpayers::{self, CachedPersonaRow};
    let app = TestApp::start().await;
    // The app's own jobs run at start-up and would race this test's purge for the old row.
    app.state.jobs.stop();
    let (account, _, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let now = chrono::Utc::now();
    for (cuit, age_days) in [(samples::RI_COMPANY, 31), (samples::RI_PERSON, 29)] {
        let row = CachedPersonaRow {
            account_id: account.clone(),
            cuit: cuit.to_string(),
            persona: "{}".into(),
            fetched_at: now - chrono::Duration::days(age_days),
        };
        taxpayers::upsert(&app.storage, &row).await.unwrap();
    }
    let before = now - chrono::Duration::from_std(arca_service::config::TAXPAYER_CACHE_TTL_MAX).unwrap();
    assert_eq!(taxpayers::purge_before(&app.storage, before).await.unwrap(), 1);
    let left = taxpayers::find_many(
        &app.storage,
        &account,
        &[samples::RI_COMPANY.to_string(), samples::RI_PERSON.to_string()],
    )
    .await
    .unwrap();
    assert_eq!(
        left.iter().map(|row| row.cuit.as_str()).collect::<Vec<_>>(),
        [samples::RI_PERSON]
    );
}
