//! FCE MiPyMEs issuance (docs/arca.md §M.1): an FCE A invoice with its CBU, transfer option and
//! due date approved by the simulator; the issuer profile's FCE defaults; each FCE rule broken
//! through the API refused with a 400 naming the field and ARCA's code before any number is
//! used; and the same vouchers sent straight to the simulator with the protocol's WSFEv1 client
//! (no pre-validation), which rejects them with the same codes.

use std::collections::BTreeSet;

use arca_protocol::Cuit;
use arca_protocol::codes::{CbteTipo, IvaRate};
use arca_protocol::validate::{ValidationContext, validate};
use arca_protocol::voucher::{AlicIva, CaeRequest, CbteAsoc, Opcional, Voucher};
use arca_protocol::wsfe::FECAERequest;
use chrono::Duration;
use serde_json::{Value, json};

use arca_test_support::{CUIT_A, CUIT_B, TestApp};

use crate::integration::support::{CUIT, TestEnv, money, today, wsfe_client};

/// A CBU whose two check digits hold (ARCA's recorded FCE note, §M.1).
const CBU: &str = "2850590940090418135201";

/// The issuer profile, with or without an FCE section.
fn profile(fce: Value) -> Value {
    json!({
        "razon_social": "Metalúrgica del Sur S.A.",
        "domicilio_comercial": "Av. Mitre 1200, Avellaneda",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "901-123456-7",
        "inicio_actividades": "2015-03-01",
        "fce": fce
    })
}

/// An FCE A invoice (201) to a Responsable Inscripto, products, due in 30 days.
fn fce_request() -> Value {
    json!({"mode": "advanced", "tipo_comprobante": 201, "punto_venta": 1, "concepto": "productos",
           "fecha_vencimiento_pago": today() + Duration::days(30),
           "cliente": {"documento_tipo": 80, "documento_numero": CUIT_B, "razon_social": "Gran Empresa S.A.",
                       "condicion_iva": "responsable_inscripto"},
           "fce": {"cbu": CBU, "transferencia": "SCA"},
           "items": [{"descripcion": "Chapa laminada", "cantidad": 10, "precio_unitario": "150000.00",
                      "iva_porcentaje": 21}]})
}

/// `pdftotext -layout` of `pdf`, with runs of spaces made one.
fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("fce.pdf");
    std::fs::write(&path, pdf).expect("write the PDF");
    let output = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .unwrap_or_else(|error| panic!("pdftotext (apt-get install poppler-utils): {error}"));
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The `(field, message)` pairs of a 400.
fn errors(response: &arca_test_support::TestResponse) -> Vec<(String, String)> {
    let problem = response.problem(400, "VALIDATION_ERROR");
    problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|error| {
            (
                error["field"].as_str().unwrap_or_default().to_string(),
                error["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_fce_invoice_is_approved_with_its_opcionales_and_the_profile_fills_the_gaps() {
    let app = TestApp::start().await;
    let (account_id, key, _) = app.account_with_certificate("Metalúrgica", CUIT_A).await;

    let created = app.post_json("/v1/invoices", &key, &fce_request()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let invoice = created.json();
    assert_eq!(invoice["status"], "approved", "{invoice}");
    assert_eq!(invoice["tipo_comprobante"], 201);
    assert_eq!(invoice["numero"], 1);
    assert_eq!(invoice["cae"].as_str().map(str::len), Some(14));
    // One FCE per FECAESolicitar.
    assert_eq!(app.simulator.calls("FECAESolicitar"), 1);

    // No CBU in the request and none in the profile: refused, naming the field and 10168.
    let mut without_cbu = fce_request();
    without_cbu["fce"] = json!({"transferencia": "ADC"});
    let refused = app.post_json("/v1/invoices", &key, &without_cbu).await;
    let problems = errors(&refused);
    assert!(
        problems
            .iter()
            .any(|(field, message)| field == "fce.cbu" && message.contains("10168")),
        "{problems:?}"
    );

    // `fce` is an object, never an array read by position.
    let as_array = app
        .put_json("/v1/account/issuer-profile", &key, &profile(json!([null, null])))
        .await;
    assert_eq!(as_array.status, 400, "{}", as_array.text());
    let mut fce_array = fce_request();
    fce_array["fce"] = json!([CBU]);
    let refused = app.post_json("/v1/invoices", &key, &fce_array).await;
    assert_eq!(refused.status, 400, "{}", refused.text());

    // The profile's FCE defaults: its CBU and alias; the transfer option defaults to SCA.
    let put = app
        .put_json(
            "/v1/account/issuer-profile",
            &key,
            &profile(json!({"cbu": CBU, "alias": "metalurgica.sur"})),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text());
    assert_eq!(
        put.json()["fce"],
        json!({"cbu": CBU, "alias": "metalurgica.sur", "transferencia": "SCA"})
    );
    let shown = app.get("/v1/account/issuer-profile", &key).await.json();
    assert_eq!(shown["fce"]["cbu"], CBU);
    let mut defaulted = fce_request();
    defaulted.as_object_mut().expect("object").remove("fce");
    let created = app.post_json("/v1/invoices", &key, &defaulted).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["numero"], 2, "the refused one used no number");
    // An explicit value beats the profile's.
    let mut adc = fce_request();
    adc["fce"] = json!({"transferencia": "ADC", "referencias_comerciales": ["OC 4512", "Contrato 9"]});
    let created = app.post_json("/v1/invoices", &key, &adc).await;
    assert_eq!(created.status, 201, "{}", created.text());
    let id = created.json()["id"].as_str().expect("id").to_string();

    // The printed FCE carries the legend, the CBU, the transfer option and the due date.
    let document = app
        .state
        .documents
        .invoice_document(&account_id, &id)
        .await
        .expect("the approved FCE's document");
    let fce = document.fce.expect("the FCE block");
    assert_eq!(fce.cbu.as_deref(), Some(CBU));
    assert_eq!(fce.alias.as_deref(), Some("metalurgica.sur"));
    assert_eq!(fce.transferencia.as_deref(), Some("Agente de Depósito Colectivo (ADC)"));
    assert_eq!(fce.vencimiento_pago, Some(today() + Duration::days(30)));
    assert_eq!(fce.referencias_comerciales, ["OC 4512", "Contrato 9"]);
    // And the PDF the API serves says so, read back with poppler's pdftotext.
    let pdf = app.get(&format!("/v1/invoices/{id}/pdf"), &key).await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    let text = pdf_text(&pdf.body);
    for expected in [
        "Factura de Crédito Electrónica MiPyMEs (FCE) — Régimen de la Ley N° 27.440",
        &format!("CBU del emisor: {CBU} Alias: metalurgica.sur"),
        "Opción de transferencia: Agente de Depósito Colectivo (ADC)",
        &format!(
            "Fecha de vencimiento para el pago: {}",
            (today() + Duration::days(30)).format("%d/%m/%Y")
        ),
    ] {
        assert!(text.contains(expected), "`{expected}` missing from:\n{text}");
    }

    // An FCE credit note through `POST /v1/invoices` (advanced mode): the annulment flag (22) is
    // the request's `fce.anulacion`; without it ARCA's 10173 refuses it before a number is used.
    let invoice = created.json();
    let mut note = fce_request();
    note["tipo_comprobante"] = json!(203);
    note.as_object_mut().expect("object").remove("fecha_vencimiento_pago");
    note["fce"] = json!({});
    note["items"] = json!([{"descripcion": "Devolución", "cantidad": 1, "precio_unitario": "150000.00",
                            "iva_porcentaje": 21}]);
    note["comprobantes_asociados"] = json!([{"tipo_comprobante": 201, "punto_venta": 1,
        "numero": invoice["numero"], "cuit": CUIT_A, "fecha": invoice["fecha"]}]);
    let refused = app.post_json("/v1/invoices", &key, &note).await;
    assert!(
        errors(&refused).iter().any(|(_, message)| message.contains("10173")),
        "{}",
        refused.text()
    );
    note["fce"] = json!({"anulacion": false});
    let created_note = app.post_json("/v1/invoices", &key, &note).await;
    assert_eq!(created_note.status, 201, "{}", created_note.text());
    assert_eq!(created_note.json()["tipo_comprobante"], 203);
    assert_eq!(created_note.json()["numero"], 1);
    // On an invoice the flag is refused (10171).
    let mut flagged = fce_request();
    flagged["fce"] = json!({"cbu": CBU, "anulacion": true});
    let refused = app.post_json("/v1/invoices", &key, &flagged).await;
    assert!(
        errors(&refused)
            .iter()
            .any(|(field, message)| field == "fce.anulacion" && message.contains("10171")),
        "{}",
        refused.text()
    );

    // The profile's FCE data is the account's own.
    let (_, other, _) = app.account_with_certificate("Otra", CUIT_B).await;
    let theirs = app.get("/v1/account/issuer-profile", &other).await;
    assert_eq!(theirs.status, 404, "{}", theirs.text());
    let mut to_a = fce_request();
    to_a["cliente"]["documento_numero"] = json!(CUIT_A);
    to_a.as_object_mut().expect("object").remove("fce");
    let refused = app.post_json("/v1/invoices", &other, &to_a).await;
    assert!(
        errors(&refused).iter().any(|(field, _)| field == "fce.cbu"),
        "another account's profile is not this one's"
    );
}

#[tokio::test]
async fn each_fce_rule_broken_through_the_api_is_a_400_with_arca_code_and_uses_no_number() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Metalúrgica", CUIT_A).await;
    let edit = |change: &dyn Fn(&mut Value)| {
        let mut body = fce_request();
        change(&mut body);
        body
    };
    let cases: Vec<(&str, &str, Value)> = vec![
        (
            "fce",
            "10169",
            edit(&|b: &mut Value| {
                b["tipo_comprobante"] = json!(1);
            }),
        ),
        (
            "fecha_vencimiento_pago",
            "10163",
            edit(&|b: &mut Value| {
                b.as_object_mut().expect("object").remove("fecha_vencimiento_pago");
            }),
        ),
        (
            "fecha_vencimiento_pago",
            "10164",
            edit(&|b: &mut Value| b["fecha_vencimiento_pago"] = json!(today() - Duration::days(1))),
        ),
        (
            "fce.cbu",
            "10165",
            edit(&|b: &mut Value| b["fce"]["cbu"] = json!("2850590940090418135202")),
        ),
        (
            "fce.cbu",
            "10165",
            edit(&|b: &mut Value| b["fce"]["cbu"] = json!("285059094")),
        ),
        ("fce.cbu", "10168", edit(&|b: &mut Value| b["fce"] = json!({}))),
        (
            "fce.transferencia",
            "10215",
            edit(&|b: &mut Value| b["fce"]["transferencia"] = json!("XYZ")),
        ),
        (
            "FeDetReq[0].DocTipo",
            "10015",
            edit(&|b: &mut Value| {
                b["tipo_comprobante"] = json!(206);
                b["cliente"] = json!({"documento_tipo": 96, "documento_numero": "30123456",
                                      "razon_social": "Juan Pérez", "condicion_iva": "consumidor_final"});
            }),
        ),
        (
            "FeDetReq[0].CbtesAsoc[0].Cuit",
            "10151",
            edit(&|b: &mut Value| {
                b["tipo_comprobante"] = json!(203);
                b.as_object_mut().expect("object").remove("fecha_vencimiento_pago");
                b["comprobantes_asociados"] = json!([{"tipo_comprobante": 201, "punto_venta": 1, "numero": 1,
                                                       "fecha": today()}]);
            }),
        ),
        (
            "FeDetReq[0].CbtesAsoc[0].CbteFch",
            "10158",
            edit(&|b: &mut Value| {
                b["tipo_comprobante"] = json!(203);
                b.as_object_mut().expect("object").remove("fecha_vencimiento_pago");
                b["comprobantes_asociados"] = json!([{"tipo_comprobante": 201, "punto_venta": 1, "numero": 1,
                                                       "cuit": CUIT_A}]);
            }),
        ),
        (
            "FeDetReq[0].Opcionales",
            "10173",
            edit(&|b: &mut Value| {
                b["tipo_comprobante"] = json!(203);
                b.as_object_mut().expect("object").remove("fecha_vencimiento_pago");
                b["comprobantes_asociados"] = json!([{"tipo_comprobante": 201, "punto_venta": 1, "numero": 1,
                                                       "cuit": CUIT_A, "fecha": today()}]);
            }),
        ),
    ];
    for (field, code, body) in &cases {
        let refused = app.post_json("/v1/invoices", &key, body).await;
        let problems = errors(&refused);
        assert!(
            problems
                .iter()
                .any(|(f, message)| f == field && message.contains(&format!("ARCA {code}"))),
            "{field} {code}: {problems:?}"
        );
    }
    // A bad alias is the service's rule (no ARCA code), named all the same.
    let refused = app
        .post_json(
            "/v1/invoices",
            &key,
            &edit(&|b: &mut Value| b["fce"]["alias"] = json!("alias con espacios")),
        )
        .await;
    assert!(errors(&refused).iter().any(|(field, _)| field == "fce.alias"));

    // Nothing stored, nothing sent, no number used.
    assert_eq!(app.get("/v1/invoices", &key).await.json()["pagination"]["total"], 0);
    assert_eq!(app.simulator.calls("FECAESolicitar"), 0);
    let created = app.post_json("/v1/invoices", &key, &fce_request()).await;
    assert_eq!(created.status, 201, "{}", created.text());
    assert_eq!(created.json()["numero"], 1);
}

/// An FCE A invoice the simulator approves: 1000 + 21 % to a Responsable Inscripto, due in 30
/// days, with a CBU and the transfer option.
fn fce_invoice(punto_venta: u32) -> Voucher {
    let factura_b = crate::integration::support::factura_b(1);
    Voucher {
        cbte_tipo: CbteTipo::FceFacturaA,
        punto_venta,
        doc_tipo: 80,
        doc_nro: 30_000_000_007,
        condicion_iva_receptor_id: Some(1),
        fch_vto_pago: Some(today() + Duration::days(30)),
        iva: vec![AlicIva {
            id: IvaRate::Veintiuno,
            base_imp: money("1000.00"),
            importe: money("210.00"),
        }],
        opcionales: vec![opcional("2101", CBU), opcional("27", "SCA")],
        ..factura_b
    }
}

/// An FCE A credit note (203) for the FCE invoice number 1 of `invoice_pv`, not annulling.
fn fce_note(punto_venta: u32, invoice_pv: u32) -> Voucher {
    Voucher {
        cbte_tipo: CbteTipo::FceNotaCreditoA,
        fch_vto_pago: None,
        opcionales: vec![opcional("22", "N")],
        cbtes_asoc: vec![CbteAsoc {
            tipo: 201,
            pto_vta: invoice_pv,
            nro: 1,
            cuit: Some(Cuit::parse(CUIT).expect("CUIT").as_u64()),
            cbte_fch: Some(today()),
        }],
        ..fce_invoice(punto_venta)
    }
}

fn opcional(id: &str, valor: &str) -> Opcional {
    Opcional {
        id: id.into(),
        valor: valor.into(),
    }
}

/// The codes the simulator answers `voucher` with (`Errors` and the detail's observations).
async fn simulator_codes(
    client: &arca_protocol::wsfe::WsfeClient,
    auth: &arca_protocol::wsfe::Auth,
    voucher: Voucher,
) -> BTreeSet<u32> {
    let request = CaeRequest::new(vec![voucher]).expect("one voucher");
    match client
        .fe_cae_solicitar(auth, FECAERequest::try_from(&request).expect("wire request"))
        .await
    {
        Ok(response) => response
            .errors
            .iter()
            .map(|e| e.code as u32)
            .chain(
                response
                    .fe_det_resp
                    .iter()
                    .flat_map(|d| d.detail.observaciones.iter().map(|o| o.code as u32)),
            )
            .collect(),
        Err(error) => error.arca_errors().iter().map(|e| e.code as u32).collect(),
    }
}

#[tokio::test]
async fn the_simulator_enforces_what_the_service_pre_validates() {
    let env = TestEnv::start().await;
    let (client, auth) = wsfe_client(&env).await;
    let context = ValidationContext::new(Cuit::parse(CUIT).expect("CUIT"), today());

    // The correct ones pass both: an invoice, then a note for it.
    let invoice = fce_invoice(90);
    let local: Vec<u32> = validate(&CaeRequest::new(vec![invoice.clone()]).expect("one"), &context)
        .iter()
        .map(|issue| issue.code)
        .collect();
    assert!(local.is_empty(), "{local:?}");
    assert_eq!(simulator_codes(&client, &auth, invoice).await, BTreeSet::new());
    assert_eq!(simulator_codes(&client, &auth, fce_note(91, 90)).await, BTreeSet::new());

    let with = |mut voucher: Voucher, change: &dyn Fn(&mut Voucher)| {
        change(&mut voucher);
        voucher
    };
    let cases: Vec<(u32, Voucher)> = vec![
        (10162, with(fce_invoice(1), &|v: &mut Voucher| v.opcionales.clear())),
        (
            10165,
            with(fce_invoice(1), &|v: &mut Voucher| {
                v.opcionales[0].valor = "0110012345678901234567".into()
            }),
        ),
        (
            10168,
            with(fce_invoice(1), &|v: &mut Voucher| {
                v.opcionales.remove(0);
            }),
        ),
        (
            10216,
            with(fce_invoice(1), &|v: &mut Voucher| {
                v.opcionales.pop();
            }),
        ),
        (
            10215,
            with(fce_invoice(1), &|v: &mut Voucher| v.opcionales[1].valor = "XYZ".into()),
        ),
        (
            10171,
            with(fce_invoice(1), &|v: &mut Voucher| {
                v.opcionales.push(opcional("22", "N"))
            }),
        ),
        (10163, with(fce_invoice(1), &|v: &mut Voucher| v.fch_vto_pago = None)),
        (
            10164,
            with(fce_invoice(1), &|v: &mut Voucher| {
                v.fch_vto_pago = Some(today() - Duration::days(1))
            }),
        ),
        (10169, {
            let mut v = crate::integration::support::factura_b(1);
            v.opcionales = vec![opcional("2101", CBU)];
            v
        }),
        (
            10015,
            with(fce_invoice(1), &|v: &mut Voucher| {
                v.doc_tipo = 96;
                v.doc_nro = 30_123_456;
            }),
        ),
        (
            10173,
            with(fce_note(1, 90), &|v: &mut Voucher| {
                v.opcionales = vec![opcional("2101", CBU)]
            }),
        ),
        (
            10151,
            with(fce_note(1, 90), &|v: &mut Voucher| v.cbtes_asoc[0].cuit = None),
        ),
        (
            10158,
            with(fce_note(1, 90), &|v: &mut Voucher| v.cbtes_asoc[0].cbte_fch = None),
        ),
        (
            10175,
            with(fce_note(1, 90), &|v: &mut Voucher| {
                v.fch_vto_pago = Some(today() + Duration::days(1))
            }),
        ),
    ];
    let mut disagreements = Vec::new();
    for (index, (code, voucher)) in cases.into_iter().enumerate() {
        // A series of its own for each case, so numbering never interferes.
        let voucher = Voucher {
            punto_venta: 100 + index as u32,
            ..voucher
        };
        let local: BTreeSet<u32> = validate(&CaeRequest::new(vec![voucher.clone()]).expect("one"), &context)
            .iter()
            .map(|issue| issue.code)
            .collect();
        let remote = simulator_codes(&client, &auth, voucher).await;
        if !local.contains(&code) || !remote.contains(&code) || local != remote {
            disagreements.push(format!("rule {code}: pre-validation {local:?}, simulator {remote:?}"));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));

    // What only ARCA's records can say: a note for an FCE invoice it never authorised (10160),
    // and a note dated before its invoice as ARCA recorded it (10159).
    let unknown = with(fce_note(120, 90), &|v: &mut Voucher| v.cbtes_asoc[0].nro = 7);
    assert!(simulator_codes(&client, &auth, unknown).await.contains(&10160));
    let yesterday = today() - Duration::days(1);
    let backdated = with(fce_note(121, 90), &|v: &mut Voucher| {
        v.cbte_fch = Some(yesterday);
        v.cbtes_asoc[0].cbte_fch = Some(yesterday);
    });
    let request = CaeRequest::new(vec![backdated.clone()]).expect("one");
    assert!(validate(&request, &context).is_empty(), "the dates sent agree");
    assert!(simulator_codes(&client, &auth, backdated).await.contains(&10159));
}
