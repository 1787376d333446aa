//! `mode: simple` invoices: a free-text description (`"2 kg de yerba a $1.500 para consumidor
//! final"`) becomes a structured draft through the configured AI provider, then takes the
//! advanced path — padrón fill, composition, ARCA's rules (`Invoices::check`), and when issued
//! `Invoices::create_from`, the same engine.
//!
//! One call:
//!
//! 1. The request is checked ([`SimpleInvoice::check`]); without a provider, `NOT_CONFIGURED`.
//! 2. `confirmar: true` with an `Idempotency-Key` already used: that invoice, before the
//!    provider is asked anything.
//! 3. The account's context ([`context`]) and the description go to the provider
//!    ([`provider`]), which answers a draft constrained by [`schema::schema`]; the answer is
//!    read against the schema ([`schema::read`]).
//! 4. The draft becomes an advanced request ([`draft`]), which `Invoices::check` fills and
//!    checks with ARCA's rules; the confidence is computed ([`confidence::assess`]).
//! 5. `confirmar: false` (default): the draft, its confidence and its *dudas*; nothing is
//!    issued or stored. `confirmar: true`: issued when the draft is valid and its confidence is
//!    at least `AI_MIN_CONFIDENCE` — with the description and the model's answer stored with the
//!    invoice (`storage::ai_drafts`), in its transaction — else refused with the draft.
//!
//! A provider error, timeout or unusable answer stores nothing. The description and the answer
//! never reach a log line at info level (nor at any other: only their sizes, at debug).
//!
//! It never speaks HTTP (`http/simple_mode.rs` does).

pub mod confidence;
pub mod context;
pub mod draft;
pub mod provider;
pub mod schema;

use std::sync::Arc;

use arca_protocol::clock::Clock;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub use confidence::{Assessment, Duda};
pub use provider::{Provider, ProviderError};

use crate::config::AiConfig;
use crate::invoices::{self, Checked, CreateInvoice, Invoice, Invoices, Respond, Totals};
use crate::storage::{self, Storage};

/// `descripcion`: at most this many characters.
pub const DESCRIPCION_MAX: usize = 2000;

/// `POST /v1/invoices` body with `mode: simple`.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SimpleInvoice {
    /// `simple`.
    #[schema(value_type = SimpleModeName)]
    pub mode: String,
    /// What was sold, to whom, at what price, in the seller's words: 1 to 2,000 characters, line
    /// breaks allowed ("2 kg de yerba a $1.500 para consumidor final").
    #[schema(
        min_length = 1,
        max_length = 2000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub descripcion: String,
    /// The point of sale to issue from; when omitted, the one the description names if the
    /// account has it, else the account's first active point of sale, else 1.
    #[schema(minimum = 1, maximum = 99998)]
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub punto_venta: Option<u32>,
    /// `false` (default): answer the draft and issue nothing. `true`: issue it when it is valid
    /// and its `confidence` is at least `AI_MIN_CONFIDENCE`; otherwise 422 with the draft.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmar: Option<bool>,
}

/// The value `mode` takes in a simple request (documentation only: the field stays text).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum SimpleModeName {
    Simple,
}

impl SimpleInvoice {
    /// Every field problem at once: `mode`, `descripcion` (1–2,000 characters, not blank) and
    /// `punto_venta` (1–99998). Text content (control characters) was checked on the body.
    pub fn check(&self) -> Result<(), crate::Error> {
        let mut problems = Vec::new();
        if self.mode != "simple" {
            problems.push(("mode".to_string(), "`simple` for a described invoice".to_string()));
        }
        let characters = self.descripcion.chars().count();
        if self.descripcion.trim().is_empty() {
            problems.push(("descripcion".to_string(), "must not be blank".to_string()));
        } else if characters > DESCRIPCION_MAX {
            problems.push((
                "descripcion".to_string(),
                format!("at most {DESCRIPCION_MAX} characters (got {characters})"),
            ));
        }
        if let Some(punto_venta) = self.punto_venta
            && !(1..=invoices::limits::PUNTO_VENTA_MAX).contains(&punto_venta)
        {
            problems.push(("punto_venta".to_string(), "1 to 99998 (ARCA 10004)".to_string()));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(crate::Error::Invalid(problems))
        }
    }
}

/// A draft: the advanced request the description became, what it adds up to, and how sure the
/// service is of it.
#[derive(Debug, Clone)]
pub struct Draft {
    /// The request, filled as `Invoices::check` left it (the receiver from the padrón); a client
    /// may correct it and send it as an advanced invoice.
    pub request: CreateInvoice,
    /// The voucher's type and totals, when it composed.
    pub totals: Option<Totals>,
    pub assessment: Assessment,
    /// `AI_MIN_CONFIDENCE`.
    pub min_confidence: f64,
    /// Why the draft cannot be issued as it is (field, message; ARCA's code in the message).
    pub errors: Vec<(String, String)>,
    /// The model that drafted it.
    pub model: String,
}

/// What a simple request got.
#[derive(Debug)]
pub enum Outcome {
    /// `confirmar: false`: the draft; nothing issued.
    Draft(Box<Draft>),
    /// `confirmar: true`: the invoice, as `Invoices::create` answers it.
    Issued(Box<Invoice>),
}

/// Why a simple request got neither.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No provider: `AI_BASE_URL` and `AI_MODEL` are not set (422 `NOT_CONFIGURED`).
    #[error("simple mode is not configured on this server: set {}", crate::config::AI_REQUIRED_SETTINGS.join(" and "))]
    NotConfigured,
    /// The provider failed, timed out or gave no usable draft (503/504); nothing was stored.
    #[error(transparent)]
    Provider(#[from] ProviderError),
    /// `confirmar: true` and the draft cannot be issued as it is: its errors (400).
    #[error("the draft does not pass the invoice's checks")]
    DraftInvalid(Box<Draft>),
    /// `confirmar: true` and the confidence is under `AI_MIN_CONFIDENCE` (422 with the draft).
    #[error("the draft's confidence {} is under AI_MIN_CONFIDENCE {}", .0.assessment.confidence, .0.min_confidence)]
    NeedsConfirmation(Box<Draft>),
    /// The invoices module refused or failed (the request's fields, the padrón down, the quota,
    /// the engine, the database).
    #[error(transparent)]
    Invoices(#[from] invoices::Error),
}

impl From<crate::Error> for Error {
    fn from(error: crate::Error) -> Error {
        Error::Invoices(error.into())
    }
}

/// Simple mode: the provider (when configured) and the invoices module. Cloning is cheap.
#[derive(Clone)]
pub struct SimpleMode {
    storage: Storage,
    invoices: Invoices,
    provider: Option<Provider>,
    min_confidence: f64,
    clock: Arc<dyn Clock>,
}

impl SimpleMode {
    /// Simple mode over `invoices`, with the provider `config` names (none: every request is
    /// `NOT_CONFIGURED`), on the App's `clock`.
    pub fn new(
        storage: Storage,
        invoices: Invoices,
        config: Option<&AiConfig>,
        clock: Arc<dyn Clock>,
    ) -> Result<SimpleMode, crate::Error> {
        Ok(SimpleMode {
            storage,
            invoices,
            provider: config.map(Provider::new).transpose()?,
            min_confidence: config.map_or(0.8, |config| config.min_confidence),
            clock,
        })
    }

    /// Drafts — and with `confirmar: true` issues — the invoice `request` describes (see the
    /// module's steps).
    pub async fn run(
        &self,
        account_id: &str,
        request: &SimpleInvoice,
        idempotency_key: Option<String>,
        respond: Respond,
    ) -> Result<Outcome, Error> {
        request.check()?;
        let Some(provider) = &self.provider else {
            return Err(Error::NotConfigured);
        };
        let confirmar = request.confirmar.unwrap_or(false);
        let request_hash = hex(&Sha256::digest(serde_json::to_vec(request).unwrap_or_default()));
        if confirmar
            && let Some(invoice) = self
                .invoices
                .repeated(account_id, idempotency_key.as_deref(), &request_hash, respond)
                .await?
        {
            return Ok(Outcome::Issued(Box::new(invoice)));
        }
        // The account exists (a 404 before the provider is asked).
        crate::accounts::find(&self.storage, account_id).await?;
        let today = invoices::compose::argentina_today(self.clock.now());
        let context = context::Context::gather(&self.storage, account_id, today).await?;
        let messages = context::messages(&context, &request.descripcion);
        tracing::debug!(
            descripcion_chars = request.descripcion.chars().count(),
            model = provider.model(),
            "asking the AI provider for a draft"
        );
        let answer = provider
            .complete(&messages, schema::SCHEMA_NAME, &schema::schema())
            .await?;
        tracing::debug!(answer_bytes = answer.len(), "the AI provider answered");
        let read = schema::read(&answer).map_err(ProviderError::Malformed)?;
        let known = match draft::known_customer(&read, &context.customers) {
            Some(customer) => Some(customer.clone()),
            None => self.find_customer(account_id, &read).await?,
        };
        let built = draft::build(&read, &context, request.punto_venta, known.as_ref());
        let mut receiver_not_found = built.receiver_not_found;
        let (checked, errors) = match self.invoices.check(account_id, &built.request).await {
            Ok(checked) => (Some(checked), Vec::new()),
            Err(error) => match draft_errors(error) {
                Ok((errors, not_found)) => {
                    receiver_not_found |= not_found;
                    (None, errors)
                }
                Err(error) => return Err(error.into()),
            },
        };
        let totals = checked.as_ref().map(Checked::totals);
        let signals = signals(&read, &built, receiver_not_found, totals.as_ref(), !errors.is_empty());
        let assessment = confidence::assess(&signals, self.min_confidence);
        let draft = Draft {
            request: checked.map_or_else(|| built.request.clone(), |checked| checked.request),
            totals,
            assessment,
            min_confidence: self.min_confidence,
            errors,
            model: provider.model().to_string(),
        };
        if !confirmar {
            return Ok(Outcome::Draft(Box::new(draft)));
        }
        if !draft.errors.is_empty() {
            return Err(Error::DraftInvalid(Box::new(draft)));
        }
        if draft.assessment.confidence < self.min_confidence {
            return Err(Error::NeedsConfirmation(Box::new(draft)));
        }
        let audit = storage::ai_drafts::Audit {
            descripcion: request.descripcion.clone(),
            modelo: draft.model.clone(),
            respuesta: answer,
            confidence: draft.assessment.confidence,
        };
        let origin = invoices::Origin {
            request_hash: &request_hash,
            audit: &audit,
        };
        let invoice = self
            .invoices
            .create_from(account_id, &built.request, idempotency_key, respond, Some(origin))
            .await?;
        Ok(Outcome::Issued(Box::new(invoice)))
    }

    /// The account's customer a receiver named by DNI or name is, beyond the newest ones the
    /// model saw: one query by document or by name.
    async fn find_customer(
        &self,
        account_id: &str,
        read: &schema::Read,
    ) -> Result<Option<storage::customers::CustomerRow>, crate::Error> {
        use storage::customers::CustomerFilter;
        let cliente = &read.draft.cliente;
        let filter = match cliente.tipo {
            schema::Receptor::Dni => CustomerFilter {
                documento_numero: cliente
                    .dni
                    .as_deref()
                    .map(|dni| dni.chars().filter(char::is_ascii_digit).collect()),
                ..CustomerFilter::default()
            },
            schema::Receptor::Nombre => CustomerFilter {
                name_contains: cliente
                    .nombre
                    .as_deref()
                    .map(|nombre| nombre.trim().to_string())
                    .filter(|nombre| !nombre.is_empty()),
                ..CustomerFilter::default()
            },
            schema::Receptor::ConsumidorFinal | schema::Receptor::Cuit => return Ok(None),
        };
        if filter.documento_numero.is_none() && filter.name_contains.is_none() {
            return Ok(None);
        }
        let found = storage::customers::list(&self.storage, account_id, &filter, 2, 0).await?;
        Ok(draft::known_customer(read, &found).cloned())
    }
}

/// A refusal of the draft's request that the draft shows (its fields, ARCA's rules, a receiver
/// the padrón does not know or does not settle): (field, message) pairs and whether the
/// receiver was not found. Anything else — the padrón or the database failing — is the call's
/// error.
fn draft_errors(error: invoices::Error) -> Result<(Vec<(String, String)>, bool), invoices::Error> {
    use crate::taxpayers::Error as Taxpayers;
    match error {
        invoices::Error::Service(crate::Error::Invalid(problems)) => Ok((problems, false)),
        invoices::Error::Taxpayer(Taxpayers::NotFound { cuit, field }) => Ok((
            vec![(
                field.unwrap_or_else(|| "cliente.cuit".into()),
                format!("ARCA's padrón has no taxpayer with CUIT {cuit}"),
            )],
            true,
        )),
        invoices::Error::Taxpayer(Taxpayers::Unsettled { field, reason }) => Ok((
            vec![(field, format!("required: ARCA's padrón does not settle it ({reason})"))],
            false,
        )),
        invoices::Error::Taxpayer(Taxpayers::Service(crate::Error::Invalid(problems))) => Ok((problems, false)),
        invoices::Error::Contingency(crate::contingency::issue::Refusal::Field { field, message }) => {
            Ok((vec![(field.to_string(), message)], false))
        }
        other => Err(other),
    }
}

/// What the confidence is computed from: the model's certainties (the receiver, the lines and
/// the prices are required; the service dates too when it bills services), and the checks.
fn signals(
    read: &schema::Read,
    built: &draft::Built,
    receiver_not_found: bool,
    totals: Option<&Totals>,
    invalid: bool,
) -> confidence::Signals {
    let services = read.draft.concepto != "productos";
    let fields = read
        .draft
        .certezas
        .each()
        .into_iter()
        .map(|(campo, certeza)| confidence::FieldCertainty {
            campo,
            certeza: certeza.certeza,
            // Dates the service supplied were not stated, whatever the model said.
            explicito: certeza.explicito && !(campo == "fechas" && built.dates_supplied),
            requerido: matches!(campo, "cliente" | "items" | "precios") || (campo == "fechas" && services),
        })
        .collect();
    confidence::Signals {
        fields,
        receiver_not_found,
        stated_total: read.total_indicado,
        computed_total: totals.map(|totals| totals.total),
        invalid,
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
