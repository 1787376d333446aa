//! [`ArcaMcp`]: the MCP server's tools and resources, each a call to the API (or, for
//! `explain_arca_error` and the error catalogue, a read of the project's catalogue).
//!
//! It never decides anything the API decides: a refused call is the API's problem, passed on as
//! the tool's error. The one refusal of its own is `create_invoice` with a live key when the
//! server was not started with `--allow-live`.

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{
    CallToolResult, Implementation, ListResourcesResult, PaginatedRequestParams, ReadResourceRequestParams,
    ReadResourceResponse, ReadResourceResult, Resource, ResourceContents, ServerCapabilities, ServerConfig,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData, RoleServer, ServerHandler, schemars, tool, tool_handler, tool_router};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use arca_service::arca::reference_data::Table;

use super::catalogue;
use crate::cli::http_client::HttpClient;

/// The resources' addresses.
const OPENAPI_URI: &str = "arca-api://openapi.json";
const ERRORS_URI: &str = "arca-api://errors/wsfev1";
const TABLE_URI_PREFIX: &str = "arca-api://reference-data/";

/// The MCP server: an API client with its key, and the tools' router.
#[derive(Clone)]
pub struct ArcaMcp {
    client: HttpClient,
    /// `Bearer <key>`: sent to the API, never shown.
    authorization: String,
    live_key: bool,
    allow_live: bool,
    tool_router: ToolRouter<ArcaMcp>,
}

impl std::fmt::Debug for ArcaMcp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ArcaMcp")
            .field("api", &self.client.base_url())
            .field("live_key", &self.live_key)
            .field("allow_live", &self.allow_live)
            .finish_non_exhaustive()
    }
}

/// `validate_invoice` and `create_invoice`'s input.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    /// The invoice as `POST /v1/invoices` takes it (`mode: advanced`): `tipo_comprobante`,
    /// `punto_venta`, `concepto`, `cliente`, `items`… (the `arca-api://openapi.json` resource,
    /// schema `CreateInvoice`).
    pub invoice: Map<String, Value>,
}

/// `create_invoice`'s input.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateInput {
    /// The invoice as `POST /v1/invoices` takes it (`mode: advanced`; see `validate_invoice`).
    pub invoice: Map<String, Value>,
    /// 1 to 255 printable ASCII characters: the same key with the same invoice returns the
    /// invoice already made instead of issuing another (use one per invoice, and again on retry).
    #[schemars(length(min = 1, max = 255))]
    pub idempotency_key: Option<String>,
}

/// `draft_invoice_from_text`'s input.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// What to invoice, in Spanish, as one would say it: "3 horas de consultoría a $20.000 la
    /// hora para Estudio Pérez, CUIT 30-71234567-1".
    #[schemars(length(min = 1, max = 2000))]
    pub descripcion: String,
    /// The point of sale to invoice on (else the account's first).
    #[schemars(range(min = 1, max = 99998))]
    pub punto_venta: Option<i32>,
}

/// `get_invoice`'s input.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceId {
    /// The invoice's id (`inv_…`).
    #[schemars(length(min = 1, max = 64))]
    pub id: String,
}

/// An invoice's status, as the API lists them.
#[derive(Debug, Clone, Copy, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pending,
    PendingRetry,
    Approved,
    Failed,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::PendingRetry => "pending_retry",
            Status::Approved => "approved",
            Status::Failed => "failed",
            Status::Cancelled => "cancelled",
        }
    }
}

/// `list_invoices`'s input: the filters of `GET /v1/invoices`, newest first.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInput {
    pub status: Option<Status>,
    /// Dated this day or later (`YYYY-MM-DD`).
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub fecha_desde: Option<String>,
    /// Dated this day or earlier (`YYYY-MM-DD`).
    #[schemars(regex(pattern = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"))]
    pub fecha_hasta: Option<String>,
    /// Part of the customer's name, case-insensitive.
    #[schemars(length(max = 200))]
    pub cliente_nombre: Option<String>,
    /// The customer's document number, digits only.
    #[schemars(regex(pattern = r"^[0-9]{1,11}$"))]
    pub cliente_documento: Option<String>,
    #[schemars(range(min = 1, max = 99998))]
    pub punto_venta: Option<i32>,
    /// ARCA's voucher type (`CbteTipo`: 1 Factura A, 6 Factura B, 11 Factura C…).
    #[schemars(range(min = 1, max = 999))]
    pub tipo_comprobante: Option<i32>,
    /// 1 to 100 (default 20).
    #[schemars(range(min = 1, max = 100))]
    pub limit: Option<i64>,
    #[schemars(range(min = 0))]
    pub offset: Option<i64>,
}

/// `lookup_taxpayer`'s input.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaxpayerInput {
    /// The CUIT or CUIL, 11 digits (dashes allowed).
    #[schemars(regex(pattern = r"^[0-9]{2}-?[0-9]{8}-?[0-9]$"))]
    pub cuit: String,
}

/// `explain_arca_error`'s input.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeInput {
    /// The code ARCA answered (`Err`/`Obs` `Code`, for example 10016 or 10246).
    pub code: i32,
}

/// A code table, by the name `GET /v1/reference-data/{table}` takes (the service's own list).
#[derive(Debug, Clone, Copy)]
pub struct TableName(Table);

impl<'de> Deserialize<'de> for TableName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<TableName, D::Error> {
        let slug = String::deserialize(deserializer)?;
        Table::from_slug(&slug).map(TableName).ok_or_else(|| {
            let names: Vec<&str> = Table::ALL.iter().map(|table| table.slug()).collect();
            serde::de::Error::custom(format!("unknown table `{slug}`, expected one of {}", names.join(", ")))
        })
    }
}

impl schemars::JsonSchema for TableName {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Table".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let names: Vec<&str> = Table::ALL.iter().map(|table| table.slug()).collect();
        schemars::json_schema!({"type": "string", "enum": names})
    }
}

/// `reference_data`'s input.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TableInput {
    /// Which of ARCA's code tables.
    pub table: TableName,
}

#[tool_router]
impl ArcaMcp {
    pub fn new(client: HttpClient, api_key: &str, allow_live: bool) -> ArcaMcp {
        ArcaMcp {
            client,
            authorization: format!("Bearer {api_key}"),
            live_key: api_key.starts_with("arca_live_"),
            allow_live,
            tool_router: Self::tool_router(),
        }
    }

    #[tool(
        description = "Check an invoice without issuing it: ARCA's padrón fills a receiver given by CUIT, the service \
                       composes the voucher and applies ARCA's rules. Answers the voucher type and totals, or the \
                       API's problem naming each field with ARCA's code. Nothing is stored or sent to ARCA."
    )]
    async fn validate_invoice(&self, Parameters(input): Parameters<InvoiceInput>) -> Result<CallToolResult, ErrorData> {
        self.post("/v1/invoices/validate", &advanced(input.invoice), None).await
    }

    #[tool(
        description = "Turn a Spanish description into a draft invoice with the server's AI provider (simple mode, \
                       confirmar: false): the structured invoice, its totals, a confidence and what to confirm. \
                       Issues nothing; send the draft's `borrador` to create_invoice once it is right."
    )]
    async fn draft_invoice_from_text(
        &self,
        Parameters(input): Parameters<DraftInput>,
    ) -> Result<CallToolResult, ErrorData> {
        let mut body = json!({"mode": "simple", "descripcion": input.descripcion, "confirmar": false});
        if let Some(punto_venta) = input.punto_venta {
            body["punto_venta"] = json!(punto_venta);
        }
        self.post("/v1/invoices", &body, None).await
    }

    #[tool(
        description = "Issue an invoice through ARCA (POST /v1/invoices, mode advanced): answers the invoice with its \
                       CAE when approved, or the API's problem. With a test key (arca_test_…) it is issued in ARCA's \
                       homologation (or the built-in simulator); a live key is refused unless the server was \
                       started with --allow-live. Validate first with validate_invoice."
    )]
    async fn create_invoice(&self, Parameters(input): Parameters<CreateInput>) -> Result<CallToolResult, ErrorData> {
        if self.live_key && !self.allow_live {
            return Ok(CallToolResult::structured_error(live_key_refused()));
        }
        self.post(
            "/v1/invoices",
            &advanced(input.invoice),
            input.idempotency_key.as_deref(),
        )
        .await
    }

    #[tool(description = "One invoice by its id (inv_…): status, number, CAE, totals, ARCA's observations and errors.")]
    async fn get_invoice(&self, Parameters(input): Parameters<InvoiceId>) -> Result<CallToolResult, ErrorData> {
        if !input
            .id
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || byte == b'_')
        {
            return Ok(CallToolResult::structured_error(invalid_field(
                "id",
                "must be an invoice id: letters, digits and `_`",
            )));
        }
        self.get(&format!("/v1/invoices/{}", input.id)).await
    }

    #[tool(
        description = "The account's invoices, newest first, filtered by status, dates, customer, point of sale or \
                       voucher type; limit 1–100 (default 20) and offset page through them."
    )]
    async fn list_invoices(&self, Parameters(input): Parameters<ListInput>) -> Result<CallToolResult, ErrorData> {
        self.get(&list_path(input)).await
    }

    #[tool(
        description = "A taxpayer from ARCA's padrón by CUIT: name, IVA condition, address, activities — what an \
                       invoice's receiver needs."
    )]
    async fn lookup_taxpayer(&self, Parameters(input): Parameters<TaxpayerInput>) -> Result<CallToolResult, ErrorData> {
        let digits: String = input.cuit.chars().filter(char::is_ascii_digit).collect();
        self.get(&format!("/v1/taxpayers/{digits}")).await
    }

    #[tool(
        description = "What an ARCA WSFEv1 error or observation code means and how to fix it, from the project's \
                       catalogue: its family, whether retrying unchanged can help, and the fix."
    )]
    async fn explain_arca_error(&self, Parameters(input): Parameters<CodeInput>) -> Result<CallToolResult, ErrorData> {
        Ok(match catalogue::explain(input.code) {
            Some(explanation) => CallToolResult::structured(explanation),
            None => CallToolResult::structured_error(catalogue::unknown(input.code)),
        })
    }

    #[tool(
        description = "One of ARCA's code tables as the account sees it: invoice-types, iva-rates, document-types, \
                       currencies, iva-conditions, concept-types or tax-types."
    )]
    async fn reference_data(&self, Parameters(input): Parameters<TableInput>) -> Result<CallToolResult, ErrorData> {
        self.get(&format!("/v1/reference-data/{}", input.table.0.slug())).await
    }
}

impl ArcaMcp {
    async fn get(&self, path: &str) -> Result<CallToolResult, ErrorData> {
        let answer = self
            .client
            .get_json(path, &[("authorization", &self.authorization)])
            .await;
        Ok(tool_result(answer))
    }

    async fn post(&self, path: &str, body: &Value, idempotency_key: Option<&str>) -> Result<CallToolResult, ErrorData> {
        let mut headers = vec![("authorization", self.authorization.as_str())];
        if let Some(key) = idempotency_key {
            headers.push(("idempotency-key", key));
        }
        let answer = self.client.post_json(path, body, &headers).await;
        Ok(tool_result(answer))
    }

    /// A resource read through the API: its JSON as text, or the API's problem as an error.
    async fn api_resource(&self, path: &str, uri: &str) -> Result<ReadResourceResponse, ErrorData> {
        let (status, body) = self
            .client
            .get_json(path, &[("authorization", &self.authorization)])
            .await
            .map_err(|error| ErrorData::internal_error(format!("the API did not answer: {error:#}"), None))?;
        if !(200..300).contains(&status) {
            return Err(ErrorData::internal_error(
                format!("the API answered {status}"),
                Some(body),
            ));
        }
        Ok(json_resource(uri, &body))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for ArcaMcp {
    fn get_info(&self) -> ServerConfig {
        ServerConfig::new(ServerCapabilities::builder().enable_tools().enable_resources().build())
            .with_server_info(Implementation::new("arca-api", env!("CARGO_PKG_VERSION")))
            .with_instructions(
                "Argentine electronic invoices through ARCA (ex-AFIP), by a running arca-api. Prepare an invoice \
                 with draft_invoice_from_text or by hand, check it with validate_invoice, then issue it with \
                 create_invoice. ARCA's codes in an answer: explain_arca_error. Amounts are decimal strings.",
            )
    }

    async fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListResourcesResult, ErrorData> {
        let mut resources = vec![
            Resource::new(OPENAPI_URI, "openapi")
                .with_title("The arca-api OpenAPI 3.1 document")
                .with_description("Every operation, its request and answer schemas and examples")
                .with_mime_type("application/json"),
            Resource::new(ERRORS_URI, "arca-error-catalogue")
                .with_title("ARCA's WSFEv1 error codes")
                .with_description("Every code the project knows: family, meaning, whether to retry, the fix")
                .with_mime_type("application/json"),
        ];
        resources.extend(Table::ALL.iter().map(|table| {
            let table = table.slug();
            Resource::new(format!("{TABLE_URI_PREFIX}{table}"), format!("reference-data-{table}"))
                .with_title(format!("ARCA's code table {table}"))
                .with_mime_type("application/json")
        }));
        Ok(ListResourcesResult::with_all_items(resources))
    }

    async fn read_resource(
        &self,
        request: ReadResourceRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let uri = request.uri.as_str();
        if uri == ERRORS_URI {
            return Ok(json_resource(uri, &catalogue::all()));
        }
        if uri == OPENAPI_URI {
            return self.api_resource("/openapi.json", uri).await;
        }
        if let Some(table) = uri.strip_prefix(TABLE_URI_PREFIX)
            && Table::from_slug(table).is_some()
        {
            return self.api_resource(&format!("/v1/reference-data/{table}"), uri).await;
        }
        Err(ErrorData::resource_not_found(
            "no such resource: see resources/list",
            Some(json!({"uri": uri})),
        ))
    }
}

/// `GET /v1/invoices` with `input`'s filters as its query.
fn list_path(input: ListInput) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    let mut add = |name: &str, value: Option<String>| {
        if let Some(value) = value {
            query.append_pair(name, &value);
        }
    };
    add("status", input.status.map(|status| status.as_str().to_string()));
    add("fecha_desde", input.fecha_desde);
    add("fecha_hasta", input.fecha_hasta);
    add("cliente_nombre", input.cliente_nombre);
    add("cliente_documento", input.cliente_documento);
    add("punto_venta", input.punto_venta.map(|n| n.to_string()));
    add("tipo_comprobante", input.tipo_comprobante.map(|n| n.to_string()));
    add("limit", input.limit.map(|n| n.to_string()));
    add("offset", input.offset.map(|n| n.to_string()));
    let query = query.finish();
    if query.is_empty() {
        "/v1/invoices".to_string()
    } else {
        format!("/v1/invoices?{query}")
    }
}

/// The body `POST /v1/invoices` takes from an invoice object: `mode: advanced` unless it says.
fn advanced(mut invoice: Map<String, Value>) -> Value {
    invoice
        .entry("mode")
        .or_insert_with(|| Value::String("advanced".into()));
    Value::Object(invoice)
}

/// An API answer as a tool's result: a 2xx body as the structured result, anything else (a
/// problem) as the tool's error with the problem as it came; no answer at all as a problem of
/// the tool's own (503, retryable).
fn tool_result(answer: anyhow::Result<(u16, Value)>) -> CallToolResult {
    match answer {
        Ok((status, body)) if (200..300).contains(&status) => CallToolResult::structured(as_object(body)),
        Ok((status, body)) => CallToolResult::structured_error(problem_of(status, body)),
        Err(error) => CallToolResult::structured_error(json!({
            "type": "about:blank",
            "title": "The API did not answer",
            "status": 503,
            "code": "API_UNREACHABLE",
            "detail": format!("{error:#}"),
            "retryable": true,
        })),
    }
}

/// Structured content must be an object: a bare value is wrapped.
fn as_object(body: Value) -> Value {
    if body.is_object() { body } else { json!({"value": body}) }
}

/// The API's problem as it came; a non-problem answer (a proxy's page) becomes one naming the
/// status.
fn problem_of(status: u16, body: Value) -> Value {
    if body.get("code").is_some() {
        return body;
    }
    json!({
        "type": "about:blank",
        "title": "The API refused the request",
        "status": status,
        "code": "UNEXPECTED_ANSWER",
        "detail": match body {
            Value::String(text) => text,
            other => other.to_string(),
        },
        "retryable": status >= 500,
    })
}

/// `create_invoice` with a live key on a server started without `--allow-live`.
fn live_key_refused() -> Value {
    json!({
        "type": "about:blank",
        "title": "Live key refused",
        "status": 403,
        "code": "LIVE_KEY_REFUSED",
        "detail": "this MCP server issues invoices only with a test key (arca_test_…): a live key issues real, \
                   legally binding invoices; start it with --allow-live to allow that",
        "retryable": false,
    })
}

/// A tool input the schema allows but the API's path cannot carry.
fn invalid_field(field: &str, message: &str) -> Value {
    json!({
        "type": "about:blank",
        "title": "Validation failed",
        "status": 400,
        "code": "VALIDATION_ERROR",
        "detail": format!("{field}: {message}"),
        "errors": [{"field": field, "message": message}],
        "retryable": false,
    })
}

fn json_resource(uri: &str, body: &Value) -> ReadResourceResponse {
    let text = serde_json::to_string_pretty(body).unwrap_or_default();
    ReadResourceResult::new(vec![
        ResourceContents::text(text, uri).with_mime_type("application/json"),
    ])
    .into()
}
