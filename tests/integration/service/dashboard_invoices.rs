//! The dashboard's invoices over real HTTP: the list with the API's filters and pages (es-AR
//! amounts and dates, the CAE), one invoice with its history and ARCA's rejection in words, its
//! PDF, the email and the cancellation doing what the API does, the new-invoice form emitting
//! through the same domain call (field errors next to their inputs, what was typed kept, the
//! padrón fill without JavaScript), CSRF, and another account's invoice answering 404.

use arca_test_support::dashboard::{DashboardClient, encode};
use arca_test_support::{CUIT_A, CUIT_B, TestApp, TestResponse};
use serde_json::{Value, json};

/// The issuer profile a printed invoice needs.
async fn with_profile(app: &TestApp, key: &str) {
    let profile = json!({
        "razon_social": "Almacén Demo S.A.",
        "domicilio_comercial": "Av. Rivadavia 1000, CABA",
        "condicion_iva": "responsable_inscripto",
        "ingresos_brutos": "exento",
        "inicio_actividades": "2019-04-01"
    });
    let response = app.put_json("/v1/account/issuer-profile", key, &profile).await;
    assert_eq!(response.status, 200, "{}", response.text());
}

/// A Factura B through the API: 2 × $ 1.500 + 21 % = $ 3.630,00.
async fn issue(app: &TestApp, key: &str, punto_venta: u32) -> Value {
    let created = app
        .post_json(
            "/v1/invoices",
            key,
            &arca_test_support::samples::invoice_request(punto_venta),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.text());
    created.json()
}

fn id_of(invoice: &Value) -> String {
    invoice["id"].as_str().unwrap().to_string()
}

/// The `<tr data-invoice-id="id">…</tr>` of a page.
fn row_of(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("<tr data-invoice-id=\"{id}\""))?;
    let end = html[start..].find("</tr>")? + start;
    Some(html[start..end].to_string())
}

/// The text inside the first `<td class="{class}"…>` of a row.
fn cell(row: &str, class: &str) -> String {
    let start = row
        .find(&format!("<td class=\"{class}\""))
        .unwrap_or_else(|| panic!("no td.{class} in {row}"));
    let open = row[start..].find('>').unwrap() + start + 1;
    let close = row[open..].find("</td>").unwrap() + open;
    let mut text = String::new();
    let mut in_tag = false;
    for c in row[open..close].chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.trim().to_string()
}

/// The invoice ids of a list page, in order.
fn listed(html: &str) -> Vec<String> {
    html.match_indices("<tr data-invoice-id=\"")
        .map(|(at, prefix)| {
            let rest = &html[at + prefix.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

/// `dd/mm/aaaa` of an ISO date.
fn es_ar(date: &str) -> String {
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
    date.format("%d/%m/%Y").to_string()
}

async fn total_invoices(app: &TestApp, key: &str) -> i64 {
    app.get("/v1/invoices", key).await.json()["pagination"]["total"]
        .as_i64()
        .unwrap()
}

/// The new-invoice form's fields for one item: a Factura B to a consumidor final.
fn form_fields<'a>(idempotency_key: &'a str, item: [(&'a str, &'a str); 4]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("idempotency_key", idempotency_key),
        ("punto_venta", "1"),
        ("tipo_comprobante", "6"),
        ("concepto", "productos"),
        ("condicion_iva_emisor", "responsable_inscripto"),
        ("fecha", ""),
        ("condicion_venta", ""),
        ("cliente-documento_tipo", "99"),
        ("cliente-documento_numero", "0"),
        ("cliente-razon_social", "Consumidor Final"),
        ("cliente-condicion_iva", "consumidor_final"),
        ("cliente-email", ""),
        ("cliente-domicilio", ""),
        ("items-1-descripcion", ""),
        ("items-1-cantidad", ""),
        ("items-1-precio_unitario", ""),
        ("items-1-alicuota_iva", "21"),
        ("accion", "emitir"),
    ];
    fields.extend(item);
    fields
}

fn assert_field_error(page: &TestResponse, input: &str) {
    let html = page.text();
    assert!(
        html.contains(&format!("<p class=\"field-error\" id=\"{input}-error\">")),
        "no error next to #{input}: {html}"
    );
    assert!(
        html.contains(&format!("aria-describedby=\"{input}-error\"")),
        "#{input} does not point at its error"
    );
}

#[tokio::test]
async fn the_list_shows_issued_invoices_with_their_cae_and_argentine_amounts() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let empty = client.get("/dashboard/invoices").await;
    assert_eq!(empty.status, 200, "{}", empty.text());
    assert!(
        empty.text().contains("Todavía no emitiste comprobantes"),
        "{}",
        empty.text()
    );

    let invoice = issue(&app, &key, 1).await;
    let id = id_of(&invoice);
    let page = client.get("/dashboard/invoices").await;
    assert_eq!(page.status, 200);
    let html = page.text();
    let row = row_of(&html, &id).expect("the invoice's row");
    assert_eq!(cell(&row, "status"), "Aprobado");
    assert_eq!(cell(&row, "cae"), invoice["cae"].as_str().unwrap());
    assert_eq!(cell(&row, "num total"), "$ 3.630,00");
    assert!(row.contains("00001-00000001"), "{row}");
    assert!(row.contains(&es_ar(invoice["fecha"].as_str().unwrap())), "{row}");
    assert!(row.contains(&format!("href=\"/dashboard/invoices/{id}\"")), "{row}");
    assert!(html.contains("<th scope=\"col\">"), "table headers have a scope");
}

#[tokio::test]
async fn the_list_filters_and_pages_like_the_api() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let first = id_of(&issue(&app, &key, 1).await);
    let second = id_of(&issue(&app, &key, 1).await);
    let third = id_of(&issue(&app, &key, 2).await);
    let mut client = DashboardClient::signed_in(&app, &key).await;

    // Newest first, as the API.
    let all = client.get("/dashboard/invoices").await.text();
    assert_eq!(listed(&all), [third.clone(), second.clone(), first.clone()]);

    let on_one = client.get("/dashboard/invoices?punto_venta=1").await.text();
    assert_eq!(listed(&on_one), [second.clone(), first.clone()]);
    let api = app.get("/v1/invoices?punto_venta=1", &key).await.json();
    assert_eq!(api["pagination"]["total"], 2);

    // Pages of one, the filters kept in the links.
    let page = client.get("/dashboard/invoices?punto_venta=1&limit=1").await.text();
    assert_eq!(listed(&page), [second.as_str()]);
    assert!(page.contains("1–1 de 2"), "{page}");
    let next = "/dashboard/invoices?punto_venta=1&#38;limit=1&#38;offset=1";
    assert!(page.contains(next), "{page}");
    let page = client.get(&next.replace("&#38;", "&")).await.text();
    assert_eq!(listed(&page), [first.as_str()]);
    assert!(page.contains("rel=\"prev\""), "{page}");
    assert!(!page.contains("rel=\"next\""), "{page}");

    let approved = client
        .get("/dashboard/invoices?status=approved&tipo_comprobante=6&cliente_nombre=consumidor")
        .await
        .text();
    assert_eq!(listed(&approved).len(), 3);
    let failed = client.get("/dashboard/invoices?status=failed").await.text();
    assert!(listed(&failed).is_empty());
    assert!(failed.contains("Ningún comprobante coincide"), "{failed}");
    let today = app.get(&format!("/v1/invoices/{first}"), &key).await.json()["fecha"]
        .as_str()
        .unwrap()
        .to_string();
    let dated = client
        .get(&format!("/dashboard/invoices?fecha_desde={today}&fecha_hasta={today}"))
        .await
        .text();
    assert_eq!(listed(&dated).len(), 3);

    // The API's rule for each filter, next to the filter.
    let refused = client
        .get("/dashboard/invoices?cliente_documento=12ab&punto_venta=0")
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_field_error(&refused, "cliente_documento");
    assert_field_error(&refused, "punto_venta");
    assert!(refused.text().contains("must be 1 to 11 digits"), "{}", refused.text());
    let refused = client.get("/dashboard/invoices?limit=500").await;
    assert_eq!(refused.status, 422);
    assert!(refused.text().contains("must be a whole number from 1 to 100"));
}

#[tokio::test]
async fn an_invoice_shows_its_history_and_arcas_rejection_in_words() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let approved = issue(&app, &key, 1).await;
    // Dated before the last authorised voucher: only ARCA knows, and rejects it (10016).
    let mut late = arca_test_support::samples::invoice_request(1);
    let day_before = chrono::NaiveDate::parse_from_str(approved["fecha"].as_str().unwrap(), "%Y-%m-%d").unwrap()
        - chrono::Duration::days(1);
    late["fecha"] = json!(day_before);
    let rejected = app.post_json("/v1/invoices", &key, &late).await;
    assert_eq!(rejected.status, 400, "{}", rejected.text());
    let failed_id = rejected.json()["invoice_id"].as_str().unwrap().to_string();
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let page = client.get(&format!("/dashboard/invoices/{failed_id}")).await;
    assert_eq!(page.status, 200, "{}", page.text());
    let html = page.text();
    assert!(html.contains("Rechazado"), "{html}");
    assert!(html.contains("<strong>Error 10016</strong>"), "{html}");
    // ARCA's message and the catalogue's hint, as the API's problem carries them.
    let arca_message = rejected.json()["arca_errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|error| error["code"] == "10016")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        html.contains(&askama_escape(&arca_message)),
        "{arca_message} not in {html}"
    );
    assert!(html.contains("not next to the last authorised"), "{html}");
    assert!(html.contains("Recibido"), "{html}");
    assert!(html.contains("Rechazado por ARCA"), "{html}");
    assert!(!html.contains("id=\"anular\""), "a failed invoice cannot be cancelled");
    assert!(!html.contains("Descargar PDF"), "a failed invoice has no PDF");

    let page = client.get(&format!("/dashboard/invoices/{}", id_of(&approved))).await;
    let html = page.text();
    assert!(html.contains("Aprobado por ARCA con CAE"), "{html}");
    assert!(html.contains(approved["cae"].as_str().unwrap()), "{html}");
    assert!(html.contains("$ 3.630,00") && html.contains("$ 630,00"), "{html}");
    assert!(html.contains("Yerba 1kg"), "{html}");
    assert!(html.contains("id=\"anular\""), "an approved Factura can be cancelled");

    assert_eq!(client.get("/dashboard/invoices/inv_unknown").await.status, 404);
}

/// What askama writes for text with `'` or `"` or `&`.
fn askama_escape(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

#[tokio::test]
async fn another_accounts_invoice_is_not_found_on_every_route() {
    let app = TestApp::start().await;
    let (_, key_a, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    with_profile(&app, &key_a).await;
    let invoice = issue(&app, &key_a, 1).await;
    let id = id_of(&invoice);
    let (_, key_b, _) = app.account_with_certificate("Otro", CUIT_B).await;
    let mut client = DashboardClient::signed_in(&app, &key_b).await;

    assert_eq!(client.get(&format!("/dashboard/invoices/{id}")).await.status, 404);
    assert_eq!(client.get(&format!("/dashboard/invoices/{id}/pdf")).await.status, 404);
    let cancel = client
        .post_form(&format!("/dashboard/invoices/{id}/cancel"), &[("motivo", "no")])
        .await;
    assert_eq!(cancel.status, 404, "{}", cancel.text());
    let email = client
        .post_form(&format!("/dashboard/invoices/{id}/email"), &[("to", "x@example.com")])
        .await;
    assert_eq!(email.status, 404, "{}", email.text());
    assert!(listed(&client.get("/dashboard/invoices").await.text()).is_empty());

    let still = app.get(&format!("/v1/invoices/{id}"), &key_a).await.json();
    assert_eq!(still["status"], "approved");
    let emails = app.get(&format!("/v1/invoices/{id}/emails"), &key_a).await.json();
    assert_eq!(emails["pagination"]["total"], 0);
}

#[tokio::test]
async fn the_form_emits_an_invoice_through_the_apis_operation() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;

    let form = client.get("/dashboard/invoices/new").await;
    assert_eq!(form.status, 200, "{}", form.text());
    let html = form.text();
    for id in [
        "id=\"invoice-form\"",
        "id=\"items-0-descripcion\"",
        "id=\"items-0-cantidad\"",
        "id=\"items-0-precio_unitario\"",
        "id=\"items-0-alicuota_iva\"",
        "id=\"items-4-descripcion\"",
        "id=\"total-neto\"",
        "id=\"total-iva\"",
        "id=\"total\"",
        "id=\"emitir\"",
        "id=\"buscar-padron\"",
    ] {
        assert!(html.contains(id), "the form lacks {id}");
    }

    // Argentina's decimal comma: 2 × $ 1.500,50 + 21 %.
    let fields = form_fields(
        "form-test-1",
        [
            ("items-0-descripcion", "Yerba 1kg"),
            ("items-0-cantidad", "2"),
            ("items-0-precio_unitario", "1.500,50"),
            ("items-0-alicuota_iva", "21"),
        ],
    );
    let created = client.post_form("/dashboard/invoices/new", &fields).await;
    assert_eq!(created.status, 303, "{}", created.text());
    let location = created.header("location").unwrap().to_string();
    let id = location.strip_prefix("/dashboard/invoices/").unwrap().to_string();

    let api = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(api["status"], "approved");
    assert_eq!(api["total"], "3631.21");
    let page = client.get(&location).await.text();
    assert!(page.contains("Aprobado"), "{page}");
    assert!(page.contains(api["cae"].as_str().unwrap()), "{page}");
    assert!(page.contains("$ 3.631,21"), "{page}");
    let list = client.get("/dashboard/invoices").await.text();
    let row = row_of(&list, &id).expect("listed");
    assert_eq!(cell(&row, "status"), "Aprobado");
    assert_eq!(cell(&row, "cae"), api["cae"].as_str().unwrap());

    // Sent twice (a double click): the same invoice, as the API's Idempotency-Key.
    let again = client.post_form("/dashboard/invoices/new", &fields).await;
    assert_eq!(again.header("location"), Some(location.as_str()));
    assert_eq!(total_invoices(&app, &key).await, 1);
}

#[tokio::test]
async fn refused_fields_are_shown_next_to_their_inputs_with_what_was_typed() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get("/dashboard/invoices/new").await;

    // Not a number: the API's strict decimal rule, named as the API names it.
    let fields = form_fields(
        "form-test-2",
        [
            ("items-0-descripcion", "Café molido"),
            ("items-0-cantidad", "dos"),
            ("items-0-precio_unitario", "1500"),
            ("items-0-alicuota_iva", "21"),
        ],
    );
    let refused = client.post_form("/dashboard/invoices/new", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_field_error(&refused, "items-0-cantidad");
    let html = refused.text();
    assert!(html.contains("items[0].cantidad"), "the summary names the API's field");
    assert!(html.contains("value=\"dos\""), "what was typed is kept");
    assert!(html.contains("value=\"Café molido\""), "what was typed is kept");
    assert!(html.contains("value=\"Consumidor Final\""), "what was typed is kept");

    // Composition's rules (an IVA rate ARCA does not have), on the second row the user filled.
    let mut fields = form_fields(
        "form-test-3",
        [
            ("items-0-descripcion", ""),
            ("items-0-cantidad", ""),
            ("items-0-precio_unitario", ""),
            ("items-0-alicuota_iva", "21"),
        ],
    );
    fields.retain(|(name, _)| !name.starts_with("items-1-"));
    fields.extend([
        ("items-1-descripcion", "Yerba"),
        ("items-1-cantidad", "1"),
        ("items-1-precio_unitario", "100"),
        ("items-1-alicuota_iva", "19"),
    ]);
    let refused = client.post_form("/dashboard/invoices/new", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_field_error(&refused, "items-1-alicuota_iva");
    assert!(refused.text().contains("items[0].iva_porcentaje"), "{}", refused.text());

    // No items at all.
    let fields = form_fields(
        "form-test-4",
        [
            ("items-0-descripcion", ""),
            ("items-0-cantidad", ""),
            ("items-0-precio_unitario", ""),
            ("items-0-alicuota_iva", "21"),
        ],
    );
    let refused = client.post_form("/dashboard/invoices/new", &fields).await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert!(refused.text().contains("id=\"items-error\""), "{}", refused.text());

    assert_eq!(total_invoices(&app, &key).await, 0, "nothing was created");
}

#[tokio::test]
async fn a_form_without_its_csrf_token_creates_nothing() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    let fields = form_fields(
        "form-test-5",
        [
            ("items-0-descripcion", "Yerba"),
            ("items-0-cantidad", "1"),
            ("items-0-precio_unitario", "100"),
            ("items-0-alicuota_iva", "21"),
        ],
    );
    let refused = client.post_raw("/dashboard/invoices/new", &encode(&fields)).await;
    assert_eq!(refused.status, 403, "{}", refused.text());
    let mut forged = vec![("_csrf", "not-the-token")];
    forged.extend(fields.iter().copied());
    let refused = client.post_raw("/dashboard/invoices/new", &encode(&forged)).await;
    assert_eq!(refused.status, 403);
    assert_eq!(total_invoices(&app, &key).await, 0);

    let invoice = issue(&app, &key, 1).await;
    let id = id_of(&invoice);
    let refused = client
        .post_raw(&format!("/dashboard/invoices/{id}/cancel"), "motivo=x")
        .await;
    assert_eq!(refused.status, 403);
    let refused = client
        .post_raw(&format!("/dashboard/invoices/{id}/email"), "to=x%40example.com")
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(
        app.get(&format!("/v1/invoices/{id}"), &key).await.json()["status"],
        "approved"
    );
}

#[tokio::test]
async fn the_padron_fills_the_receiver_without_javascript_and_as_json() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    with_profile(&app, &key).await;
    let mut client = DashboardClient::signed_in(&app, &key).await;
    client.get("/dashboard/invoices/new").await;
    let cuit = arca_simulator::padron::samples::RI_COMPANY;
    let api = app.get(&format!("/v1/taxpayers/{cuit}"), &key).await.json();

    let mut fields = form_fields(
        "form-test-6",
        [
            ("items-0-descripcion", "Tornillos"),
            ("items-0-cantidad", "10"),
            ("items-0-precio_unitario", "5"),
            ("items-0-alicuota_iva", "21"),
        ],
    );
    for (name, value) in fields.iter_mut() {
        match *name {
            "cliente-documento_tipo" => *value = "80",
            "cliente-documento_numero" => *value = cuit,
            "cliente-razon_social" | "cliente-condicion_iva" => *value = "",
            "accion" => *value = "padron",
            _ => {}
        }
    }
    let filled = client.post_form("/dashboard/invoices/new", &fields).await;
    assert_eq!(filled.status, 200, "{}", filled.text());
    let html = filled.text();
    let nombre = api["nombre"].as_str().unwrap();
    assert!(html.contains(&format!("value=\"{}\"", askama_escape(nombre))), "{html}");
    let select = &html[html.find("<select id=\"cliente-condicion_iva\"").unwrap()..];
    let select = &select[..select.find("</select>").unwrap()];
    assert!(
        select.contains("<option value=\"responsable_inscripto\" selected>"),
        "{select}"
    );
    assert!(html.contains("value=\"Tornillos\""), "the items typed are kept");
    assert_eq!(total_invoices(&app, &key).await, 0, "looking up emits nothing");

    let json = client.get(&format!("/dashboard/taxpayers/{cuit}")).await;
    assert_eq!(json.status, 200, "{}", json.text());
    let taxpayer = json.json();
    assert_eq!(taxpayer["nombre"], api["nombre"]);
    assert_eq!(taxpayer["condicion_iva"]["name"], "responsable_inscripto");
    let unknown = client
        .get(&format!(
            "/dashboard/taxpayers/{}",
            arca_simulator::padron::samples::UNKNOWN
        ))
        .await;
    assert_eq!(unknown.status, 404, "{}", unknown.text());
    assert_eq!(unknown.json()["code"], "TAXPAYER_NOT_FOUND");
    // Without a session: no look-up.
    let anonymous = app
        .request("GET", &format!("/dashboard/taxpayers/{cuit}"), &[], None)
        .await;
    assert_eq!(anonymous.status, 303);
}

#[tokio::test]
async fn the_pdf_email_and_cancellation_do_what_the_api_does() {
    let app = TestApp::start().await;
    let (_, key, _) = app.account_with_certificate("Almacén", CUIT_A).await;
    with_profile(&app, &key).await;
    let invoice = issue(&app, &key, 1).await;
    let id = id_of(&invoice);
    let mut client = DashboardClient::signed_in(&app, &key).await;
    let page = client.get(&format!("/dashboard/invoices/{id}")).await.text();
    assert!(
        page.contains(&format!("href=\"/dashboard/invoices/{id}/pdf\"")),
        "{page}"
    );

    let pdf = client.get(&format!("/dashboard/invoices/{id}/pdf")).await;
    assert_eq!(pdf.status, 200, "{}", pdf.text());
    assert_eq!(pdf.header("content-type"), Some("application/pdf"));
    assert!(pdf.body.starts_with(b"%PDF-"), "not a PDF");
    assert!(
        pdf.header("content-disposition")
            .is_some_and(|value| value.contains("factura-00001-00000001.pdf")),
        "{:?}",
        pdf.header("content-disposition")
    );

    // A bad address: the email module's message next to the field, nothing queued.
    client.get(&format!("/dashboard/invoices/{id}")).await;
    let refused = client
        .post_form(&format!("/dashboard/invoices/{id}/email"), &[("to", "no-arroba")])
        .await;
    assert_eq!(refused.status, 422, "{}", refused.text());
    assert_field_error(&refused, "email-to");
    assert!(refused.text().contains("value=\"no-arroba\""));
    let sent = client
        .post_form(
            &format!("/dashboard/invoices/{id}/email"),
            &[
                ("to", "cliente@example.com, otro@example.com"),
                ("asunto", "Tu factura"),
            ],
        )
        .await;
    assert_eq!(sent.status, 303, "{}", sent.text());
    assert_eq!(
        sent.header("location"),
        Some(format!("/dashboard/invoices/{id}?aviso=email-encolado").as_str())
    );
    let emails = app.get(&format!("/v1/invoices/{id}/emails"), &key).await.json();
    assert_eq!(emails["pagination"]["total"], 1);
    assert_eq!(
        emails["data"][0]["to"],
        json!(["cliente@example.com", "otro@example.com"])
    );
    assert_eq!(emails["data"][0]["asunto"], "Tu factura");
    let page = client.get(sent.header("location").unwrap()).await.text();
    assert!(page.contains("Email encolado"), "{page}");
    assert!(page.contains("cliente@example.com, otro@example.com"), "{page}");

    let cancelled = client
        .post_form(
            &format!("/dashboard/invoices/{id}/cancel"),
            &[("motivo", "Error de carga")],
        )
        .await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.text());
    assert_eq!(
        cancelled.header("location"),
        Some(format!("/dashboard/invoices/{id}?aviso=anulado").as_str())
    );
    let api = app.get(&format!("/v1/invoices/{id}"), &key).await.json();
    assert_eq!(api["status"], "cancelled");
    let note = &api["notas"][0];
    assert_eq!(note["tipo_nota"], "anulacion");
    assert_eq!(note["status"], "approved");
    let page = client.get(cancelled.header("location").unwrap()).await.text();
    assert!(page.contains("Comprobante anulado con una nota de crédito."), "{page}");
    assert!(page.contains("Anulado: su saldo quedó en cero"), "{page}");
    assert!(page.contains(note["id"].as_str().unwrap()), "the note is linked");
    assert!(!page.contains("id=\"anular\""), "no second cancellation is offered");
    let list = client.get("/dashboard/invoices").await.text();
    assert_eq!(cell(&row_of(&list, &id).unwrap(), "status"), "Anulado");
}
