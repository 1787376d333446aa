//! `arca-api mcp` driven by a real MCP client: the official Python SDK's stdio client
//! (`tests/mcp/client.py`, in the virtual environment `scripts/python-venv.sh mcp` creates),
//! which starts the binary and talks JSON-RPC to it over its stdin and stdout, while the server
//! calls a running service (a [`TestApp`] over real HTTP). Initialize, the tools and resources
//! listed and read, a bad invoice's coded errors, an invoice created with a test key and read
//! back, strict inputs, a draft from a sentence, and a live key refused.
//!
//! When pip cannot reach its package index the tests print why and skip.

use std::process::Stdio;

use serde_json::{Value, json};
use tokio::io::AsyncWriteExt;

use arca_test_support::ai_provider::{AiProvider, Answer};
use arca_test_support::{CUIT_A, TestApp};

const TOOLS: [&str; 8] = [
    "create_invoice",
    "draft_invoice_from_text",
    "explain_arca_error",
    "get_invoice",
    "list_invoices",
    "lookup_taxpayer",
    "reference_data",
    "validate_invoice",
];

/// One MCP session: the Python client starts `arca-api mcp <args>` with `ARCA_API_URL` and
/// `ARCA_API_KEY`, initializes, runs `steps`, and this returns what it printed
/// (`{initialize, steps: [{result} | {protocol_error}]}`); `None` (after saying why) when the
/// client cannot be installed.
#[allow(clippy::print_stderr)]
async fn session(app: &TestApp, key: &str, args: &[&str], steps: Value) -> Option<Value> {
    let venv = match crate::integration::support::python_venv("mcp", "MCP_TEST_VENV") {
        Ok(venv) => venv,
        Err(why) => {
            eprintln!("SKIPPED: the MCP Python SDK cannot be installed, pip is unreachable:\n{why}");
            return None;
        }
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut child = tokio::process::Command::new(venv.join("bin/python"))
        .arg(root.join("tests/mcp/client.py"))
        .arg(env!("CARGO_BIN_EXE_arca-api"))
        .args(args)
        .env("ARCA_API_URL", &app.base_url)
        .env("ARCA_API_KEY", key)
        .env("LOG_LEVEL", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("python starts");
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(steps.to_string().as_bytes()).await.unwrap();
    drop(stdin);
    let output = child.wait_with_output().await.unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "the MCP client failed:\n{stderr}");
    assert!(!stderr.contains(key), "the API key reached the server's log:\n{stderr}");
    Some(serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "the client printed no JSON ({error}):\n{}\n{stderr}",
            String::from_utf8_lossy(&output.stdout)
        )
    }))
}

fn call(name: &str, arguments: Value) -> Value {
    json!({"op": "call_tool", "name": name, "arguments": arguments})
}

/// A tool call's result: (is it an error, its structured content).
fn outcome(step: &Value) -> (bool, &Value) {
    let result = step
        .get("result")
        .unwrap_or_else(|| panic!("a protocol error, not a result: {step}"));
    (result["isError"] == true, &result["structuredContent"])
}

fn factura_b() -> Value {
    arca_test_support::samples::invoice_request(1)
}

#[tokio::test]
async fn an_assistant_initializes_lists_the_tools_and_resources_and_reads_them() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let steps = json!([
        {"op": "list_tools"},
        {"op": "list_resources"},
        {"op": "read_resource", "uri": "arca-api://errors/wsfev1"},
        {"op": "read_resource", "uri": "arca-api://openapi.json"},
        {"op": "read_resource", "uri": "arca-api://reference-data/invoice-types"},
        {"op": "read_resource", "uri": "arca-api://nothing"},
    ]);
    let Some(report) = session(&app, &key, &[], steps).await else {
        return;
    };
    let initialize = &report["initialize"];
    assert_eq!(initialize["serverInfo"]["name"], "arca-api", "{initialize}");
    assert!(initialize["capabilities"]["tools"].is_object(), "{initialize}");
    assert!(initialize["capabilities"]["resources"].is_object(), "{initialize}");
    assert!(
        initialize["instructions"]
            .as_str()
            .unwrap()
            .contains("validate_invoice")
    );

    let steps = report["steps"].as_array().unwrap();
    let tools = steps[0]["result"]["tools"].as_array().unwrap();
    let mut names: Vec<&str> = tools.iter().map(|tool| tool["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    assert_eq!(names, TOOLS);
    for tool in tools {
        let schema = &tool["inputSchema"];
        assert_eq!(schema["type"], "object", "{tool}");
        assert_eq!(schema["additionalProperties"], false, "strict: {tool}");
        assert!(tool["description"].as_str().unwrap().len() > 40, "{tool}");
    }
    let create = tools.iter().find(|tool| tool["name"] == "create_invoice").unwrap();
    assert_eq!(create["inputSchema"]["required"], json!(["invoice"]));

    let uris: Vec<&str> = steps[1]["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|resource| resource["uri"].as_str().unwrap())
        .collect();
    assert!(uris.contains(&"arca-api://openapi.json") && uris.contains(&"arca-api://errors/wsfev1"));
    assert_eq!(uris.iter().filter(|uri| uri.contains("reference-data/")).count(), 7);

    let text = |step: &Value| -> Value {
        let contents = &step["result"]["contents"][0];
        assert_eq!(contents["mimeType"], "application/json", "{step}");
        serde_json::from_str(contents["text"].as_str().unwrap()).unwrap()
    };
    let catalogue = text(&steps[2]);
    let numbering = catalogue["codes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|entry| entry["code"] == 10016)
        .unwrap();
    assert_eq!(numbering["family"], "numbering");
    let openapi = text(&steps[3]);
    assert!(openapi["paths"]["/v1/invoices/validate"]["post"].is_object());
    let types = text(&steps[4]);
    assert!(types.to_string().contains("Factura B"), "{types}");
    assert_eq!(steps[5]["protocol_error"]["code"], -32002, "{}", steps[5]);
}

#[tokio::test]
async fn a_bad_invoice_gets_the_api_s_coded_errors_and_a_good_one_is_issued_and_read_back() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut bad = factura_b();
    bad["cliente"]["documento_numero"] = json!("123");
    bad["items"][0]["iva_porcentaje"] = json!(19);
    let steps = json!([
        call("validate_invoice", json!({"invoice": bad})),
        call("validate_invoice", json!({"invoice": factura_b()})),
        call(
            "create_invoice",
            json!({"invoice": factura_b(), "idempotency_key": "mcp-1"})
        ),
        call(
            "create_invoice",
            json!({"invoice": factura_b(), "idempotency_key": "mcp-1"})
        ),
        call("list_invoices", json!({"status": "approved", "limit": 5})),
        call("explain_arca_error", json!({"code": 10016})),
        call("explain_arca_error", json!({"code": 4242})),
        call("lookup_taxpayer", json!({"cuit": "30-71234567-1"})),
        call("reference_data", json!({"table": "iva-rates"})),
    ]);
    let Some(report) = session(&app, &key, &[], steps).await else {
        return;
    };
    let steps = report["steps"].as_array().unwrap();

    // The API's problem, as the API answers it.
    let (error, problem) = outcome(&steps[0]);
    assert!(error, "{}", steps[0]);
    let direct = app.post_json("/v1/invoices/validate", &key, &bad).await.json();
    assert_eq!(problem, &direct);
    assert_eq!(problem["code"], "VALIDATION_ERROR");
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"cliente.documento_numero") && fields.contains(&"items[0].iva_porcentaje"),
        "{problem}"
    );

    let (error, valid) = outcome(&steps[1]);
    assert!(!error, "{}", steps[1]);
    assert_eq!(
        (valid["valida"].clone(), valid["total"].clone()),
        (json!(true), json!("3630.00"))
    );

    let (error, created) = outcome(&steps[2]);
    assert!(!error, "{}", steps[2]);
    assert_eq!(created["status"], "approved");
    assert_eq!(created["cae"].as_str().map(str::len), Some(14));
    let (_, again) = outcome(&steps[3]);
    assert_eq!(again["id"], created["id"], "the same idempotency key, the same invoice");
    let (_, list) = outcome(&steps[4]);
    assert_eq!(list["pagination"]["total"], 1);
    assert_eq!(list["data"][0]["id"], created["id"]);

    let (error, explained) = outcome(&steps[5]);
    assert!(!error);
    assert_eq!(explained["family"], "numbering");
    assert!(explained["fix"].as_str().unwrap().contains("FECompUltimoAutorizado"));
    let (error, unknown) = outcome(&steps[6]);
    assert!(error && unknown["status"] == 404, "{unknown}");

    let (error, taxpayer) = outcome(&steps[7]);
    assert!(!error, "{}", steps[7]);
    assert_eq!(taxpayer["condicion_iva"]["name"], "responsable_inscripto", "{taxpayer}");
    let (error, rates) = outcome(&steps[8]);
    assert!(!error && rates.to_string().contains("21%"), "{rates}");

    // Read back in a new session, by the id the first one returned.
    let id = created["id"].as_str().unwrap();
    let steps = json!([call("get_invoice", json!({"id": id}))]);
    let report = session(&app, &key, &[], steps).await.unwrap();
    let (error, found) = outcome(&report["steps"][0]);
    assert!(!error);
    assert_eq!((&found["id"], &found["cae"]), (&created["id"], &created["cae"]));
}

#[tokio::test]
async fn inputs_are_strict_and_a_draft_from_a_sentence_issues_nothing() {
    let provider = AiProvider::start().await;
    let app = TestApp::builder()
        .env("AI_BASE_URL", &provider.base_url())
        .env("AI_MODEL", "modelo-de-prueba")
        .start()
        .await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    provider.answer_with([Answer::draft(&crate::integration::service::simple_mode::yerba_draft())]);
    let steps = json!([
        call("validate_invoice", json!({"invoice": factura_b(), "urgente": true})),
        call("explain_arca_error", json!({"code": "diez mil"})),
        call("get_invoice", json!({"id": "../account"})),
        call(
            "draft_invoice_from_text",
            json!({"descripcion": "2 kg de yerba a $1.500 para consumidor final"})
        ),
    ]);
    let Some(report) = session(&app, &key, &[], steps).await else {
        return;
    };
    let steps = report["steps"].as_array().unwrap();
    // Refused by the schema before any request: the tool's error names the field.
    for (step, said) in steps[..2].iter().zip(["unknown field `urgente`", "invalid type"]) {
        assert_eq!(step["result"]["isError"], true, "{step}");
        let text = step["result"]["content"][0]["text"].as_str().unwrap();
        assert!(text.contains(said), "{text}");
    }
    let (error, problem) = outcome(&steps[2]);
    assert!(error && problem["errors"][0]["field"] == "id", "{problem}");

    let (error, draft) = outcome(&steps[3]);
    assert!(!error, "{}", steps[3]);
    assert_eq!((&draft["mode"], &draft["emitida"]), (&json!("simple"), &json!(false)));
    assert_eq!(draft["tipo_comprobante"], 6);
    assert_eq!(draft["total"], "3000.00");
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 0);
}

#[tokio::test]
async fn a_live_key_issues_nothing_unless_the_server_allows_it() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    // A key of the live form that this (sandbox) service does not know: the refusal must come
    // from the MCP server before any request, and with --allow-live the request reaches the API.
    let live = "arca_live_0123456789abcdef0123456789abcdef";
    let steps = json!([call("create_invoice", json!({"invoice": factura_b()}))]);
    let Some(refused) = session(&app, live, &[], steps.clone()).await else {
        return;
    };
    let (error, problem) = outcome(&refused["steps"][0]);
    assert!(error);
    assert_eq!(
        (&problem["status"], &problem["code"]),
        (&json!(403), &json!("LIVE_KEY_REFUSED"))
    );
    assert!(problem["detail"].as_str().unwrap().contains("--allow-live"));

    let allowed = session(&app, live, &["--allow-live"], steps).await.unwrap();
    let (error, problem) = outcome(&allowed["steps"][0]);
    assert!(error);
    assert_eq!(problem["status"], 401, "the API's own answer: {problem}");
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 0);
}
