//! Taxpayers: who a CUIT (or a DNI) is, from ARCA's padrón, as `/v1/taxpayers` shows it and as
//! invoices and customers are filled from it.
//!
//! - One CUIT ([`Taxpayers::lookup`]): the padrón A5 (`getPersona_v2`) through the account's own
//!   certificate and ticket for `ws_sr_constancia_inscripcion`.
//! - Many ([`Taxpayers::lookup_many`], at most [`MAX_CUITS`]): duplicates collapsed, ONE
//!   `getPersonaList_v2` for every CUIT the cache does not answer.
//! - A DNI ([`Taxpayers::by_dni`]): the padrón A13 (`getIdPersonaListByDocumento`) gives its
//!   CUITs, then their data as above.
//!
//! Answers are cached in the database per (account, CUIT) and (account, DNI) — never shared
//! between accounts: each looks up with its own certificate and authorization — for
//! `TAXPAYER_CACHE_TTL_SECONDS` (24 h by default) of the injected clock, so every instance sees
//! what one fetched. Only found taxpayers are cached: an unknown CUIT is asked again next time.
//!
//! The IVA condition is derived from the A5 blocks by `arca_protocol::padron::iva_condition`
//! every time a cached answer is read; when the blocks do not settle it, it is `null` with the
//! reason — never a guess. The voucher classes shown are those THIS account may issue to the
//! taxpayer: its issuer profile's IVA condition against the taxpayer's.
//!
//! A ticket the padrón refuses is discarded and the call made once more with a new one. It never
//! speaks HTTP (`http/taxpayers.rs` does) and never writes invoices or customers (they call
//! [`Taxpayers::receiver`]).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use arca_protocol::Cuit;
use arca_protocol::clock::Clock;
use arca_protocol::codes::{CbteClass, CondicionIvaReceptor};
use arca_protocol::padron::{self, A5Client, A13Client, IvaFinding, PadronAuth, PadronFault, Persona};
use arca_protocol::validate::IssuerIvaCondition;
use arca_protocol::wsaa::WsaaFault;
use chrono::{DateTime, SubsecRound, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::arca::{Arca, ArcaService, ServiceSession};
use crate::storage::taxpayers::{CachedDniRow, CachedPersonaRow};
use crate::storage::{self, Storage};
use crate::{accounts, issuer_profiles};

/// The most CUITs one `POST /v1/taxpayers/lookup` takes: ARCA's `getPersonaList_v2` limit.
pub const MAX_CUITS: usize = padron::MAX_PERSONA_LIST;

/// The longest text kept from the padrón for a name (as a customer's `razon_social`).
const NAME_MAX: usize = 200;
/// The longest text kept from the padrón for an address (as a customer's `direccion`).
const ADDRESS_MAX: usize = 300;

/// Why a look-up gave no taxpayer.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input, the database, no certificate, a certificate WSAA refuses.
    #[error(transparent)]
    Service(#[from] crate::Error),
    /// The padrón has no taxpayer with this CUIT. `field` names the request field that held it
    /// when the look-up filled a request (an invoice's `cliente.cuit`), `None` for `/v1/taxpayers`.
    #[error("the padrón has no taxpayer with CUIT {cuit}")]
    NotFound { cuit: Cuit, field: Option<String> },
    /// The padrón did not answer usefully now (timeout, 5xx, a server-side fault): retryable.
    #[error("the padrón is unavailable: {cause}")]
    Unavailable { cause: String },
    /// Filling a request: the padrón's answer does not settle `field` and the caller gave none.
    #[error("{field}: {reason}")]
    Unsettled { field: String, reason: String },
}

/// A taxpayer, as `/v1/taxpayers` shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Taxpayer {
    /// The CUIT, 11 digits.
    pub cuit: String,
    /// Razón social, or "apellido nombre" for a person.
    pub nombre: Option<String>,
    /// `FISICA` or `JURIDICA`, as the padrón says.
    pub tipo_persona: Option<String>,
    pub domicilio_fiscal: Option<DomicilioFiscal>,
    /// `ACTIVO`, `INACTIVO`, … as the padrón says.
    pub estado_clave: Option<String>,
    /// The IVA condition the padrón's data shows, or `null` when it does not settle one (see
    /// `condicion_iva_unknown_reason`): never guessed.
    pub condicion_iva: Option<CondicionIvaView>,
    /// Why `condicion_iva` is `null`.
    pub condicion_iva_unknown_reason: Option<String>,
    /// The monotributo category, as the padrón describes it.
    pub monotributo_categoria: Option<String>,
    /// The voucher classes (`A`, `B`, `C`, `M`) this account may issue to the taxpayer: its
    /// issuer profile's IVA condition against the taxpayer's. Empty when either is unknown (see
    /// `clases_comprobante_reason`).
    pub clases_comprobante: Vec<String>,
    /// Why `clases_comprobante` is empty.
    pub clases_comprobante_reason: Option<String>,
    /// When the padrón answered (the answer may come from the cache).
    pub consulted_at: DateTime<Utc>,
}

/// The domicilio fiscal.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct DomicilioFiscal {
    pub direccion: Option<String>,
    pub localidad: Option<String>,
    pub codigo_postal: Option<String>,
    pub provincia: Option<String>,
}

/// A receiver's IVA condition, with what shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CondicionIvaView {
    /// ARCA's `CondicionIVAReceptorId` (1 responsable inscripto, 4 exento, 5 consumidor final, 6
    /// monotributo, …).
    pub id: i32,
    /// The API's name, as invoices' and customers' `condicion_iva` take it.
    #[schema(value_type = crate::customers::CondicionIva)]
    pub name: String,
    /// ARCA's description.
    pub description: String,
    /// What in the padrón's answer shows it (e.g. "impuesto 30 (IVA) activo").
    pub evidence: String,
}

impl Taxpayer {
    /// The domicilio fiscal in one line, as an invoice's receiver is filled with it.
    pub fn domicilio_line(&self) -> Option<String> {
        self.domicilio_fiscal
            .as_ref()
            .and_then(one_line_address)
            .map(|address| single_line(&address, ADDRESS_MAX))
            .filter(|address| !address.is_empty())
    }
}

/// One taxpayer and how fresh the answer is.
#[derive(Debug, Clone, PartialEq)]
pub struct Lookup {
    pub taxpayer: Taxpayer,
    /// Seconds since the padrón answered.
    pub age: u64,
    /// Seconds the answer stays in the cache.
    pub max_age: u64,
}

/// The answer to a batch: the taxpayers found, in the order asked (duplicates once), and the
/// CUITs the padrón does not know.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BatchLookup {
    pub taxpayers: Vec<Taxpayer>,
    /// CUITs (11 digits) the padrón has no taxpayer for.
    pub not_found: Vec<String>,
}

/// What a request is filled with (an invoice's `cliente`, a customer).
#[derive(Debug, Clone, PartialEq)]
pub struct Receiver {
    pub cuit: Cuit,
    pub nombre: Option<String>,
    /// The domicilio fiscal in one line.
    pub domicilio: Option<String>,
    /// The IVA condition, or why the padrón does not settle it.
    pub condicion_iva: Result<CondicionIvaReceptor, String>,
}

/// The padrón through each account's certificate, cached in the database. Cloning is cheap.
#[derive(Clone)]
pub struct Taxpayers {
    storage: Storage,
    arca: Arc<Arca>,
    clock: Arc<dyn Clock>,
    ttl: Duration,
}

/// One padrón call (see [`Taxpayers::call`]).
enum Call<'a> {
    Persona(Cuit),
    PersonaList(&'a [Cuit]),
    Dni(&'a str),
}

enum Answer {
    Persona(Box<Persona>),
    PersonaList(Vec<Persona>),
    Cuits(Vec<Cuit>),
}

impl Taxpayers {
    pub fn new(storage: Storage, arca: Arc<Arca>, clock: Arc<dyn Clock>, ttl: Duration) -> Taxpayers {
        Taxpayers {
            storage,
            arca,
            clock,
            ttl,
        }
    }

    /// The taxpayer with CUIT `cuit` (checked before anything is asked: 400 naming `cuit`).
    pub async fn lookup(&self, account_id: &str, cuit: &str) -> Result<Lookup, Error> {
        let cuit = parse_cuit("cuit", cuit)?;
        let (persona, fetched_at) = self.persona(account_id, cuit, None).await?;
        let issuer = self.issuer_condition(account_id).await?;
        Ok(self.lookup_of(cuit, &persona, fetched_at, issuer))
    }

    /// The taxpayers of `cuits` (1 to [`MAX_CUITS`], each checked: 400 naming `cuits[i]`), with
    /// ONE padrón call for those the cache does not answer.
    pub async fn lookup_many(&self, account_id: &str, cuits: &[String]) -> Result<BatchLookup, Error> {
        if cuits.is_empty() || cuits.len() > MAX_CUITS {
            return Err(crate::Error::invalid("cuits", format!("must hold 1 to {MAX_CUITS} CUITs")).into());
        }
        let mut problems = Vec::new();
        let mut wanted = Vec::new();
        let mut seen = HashSet::new();
        for (index, text) in cuits.iter().enumerate() {
            match cuit_of(text) {
                Ok(cuit) => {
                    if seen.insert(cuit) {
                        wanted.push(cuit);
                    }
                }
                Err(message) => problems.push((format!("cuits[{index}]"), message)),
            }
        }
        if !problems.is_empty() {
            return Err(crate::Error::Invalid(problems).into());
        }
        let found = self.personas(account_id, &wanted).await?;
        let issuer = self.issuer_condition(account_id).await?;
        let mut batch = BatchLookup {
            taxpayers: Vec::new(),
            not_found: Vec::new(),
        };
        for cuit in wanted {
            match found.get(&cuit) {
                Some((persona, fetched_at)) => {
                    batch
                        .taxpayers
                        .push(self.lookup_of(cuit, persona, *fetched_at, issuer).taxpayer);
                }
                None => batch.not_found.push(cuit.to_string()),
            }
        }
        Ok(batch)
    }

    /// The taxpayers (CUITs) of the DNI `dni` (7 or 8 digits, dots allowed: 400 naming `dni`
    /// otherwise): the padrón A13, then A5 as [`Taxpayers::lookup_many`]. None is an empty list.
    pub async fn by_dni(&self, account_id: &str, dni: &str) -> Result<Vec<Taxpayer>, Error> {
        let dni = normalised_dni(dni).map_err(|message| crate::Error::invalid("dni", message))?;
        let now = self.now();
        let cached = storage::taxpayers::find_dni(&self.storage, account_id, &dni)
            .await?
            .filter(|row| self.is_fresh(row.fetched_at, now))
            .and_then(|row| serde_json::from_str::<Vec<String>>(&row.cuits).ok())
            .map(|cuits| {
                cuits
                    .iter()
                    .filter_map(|text| Cuit::parse(text).ok())
                    .collect::<Vec<_>>()
            });
        let cuits = match cached {
            Some(cuits) => cuits,
            None => {
                let cuits = match self.call(account_id, ArcaService::PadronA13, Call::Dni(&dni)).await {
                    Ok(Answer::Cuits(cuits)) => cuits,
                    Ok(_) => Vec::new(),
                    Err(Error::NotFound { .. }) => Vec::new(),
                    Err(other) => return Err(other),
                };
                if !cuits.is_empty() {
                    let texts: Vec<String> = cuits.iter().map(ToString::to_string).collect();
                    let row = CachedDniRow {
                        account_id: account_id.to_string(),
                        dni: dni.clone(),
                        cuits: serde_json::to_string(&texts).unwrap_or_else(|_| "[]".into()),
                        fetched_at: now,
                    };
                    storage::taxpayers::upsert_dni(&self.storage, &row).await?;
                }
                cuits
            }
        };
        let mut unique = Vec::new();
        for cuit in cuits {
            if !unique.contains(&cuit) {
                unique.push(cuit);
            }
        }
        unique.truncate(MAX_CUITS);
        if unique.is_empty() {
            return Ok(Vec::new());
        }
        let found = self.personas(account_id, &unique).await?;
        let issuer = self.issuer_condition(account_id).await?;
        Ok(unique
            .into_iter()
            .filter_map(|cuit| {
                found
                    .get(&cuit)
                    .map(|(persona, fetched_at)| self.lookup_of(cuit, persona, *fetched_at, issuer).taxpayer)
            })
            .collect())
    }

    /// What a request for `cuit` is filled with. `field` names the request's field holding the
    /// CUIT, for the errors (an unknown CUIT is [`Error::NotFound`] naming it).
    pub async fn receiver(&self, account_id: &str, cuit: Cuit, field: &str) -> Result<Receiver, Error> {
        let (persona, _) = self.persona(account_id, cuit, Some(field)).await?;
        let general = persona.datos_generales.as_ref();
        Ok(Receiver {
            cuit,
            nombre: general
                .and_then(|general| general.display_name())
                .map(|name| single_line(&name, NAME_MAX))
                .filter(|name| !name.is_empty()),
            domicilio: general
                .and_then(|general| general.domicilio_fiscal.as_ref())
                .and_then(|domicilio| one_line_address(&domicilio_view(domicilio)))
                .map(|address| single_line(&address, ADDRESS_MAX))
                .filter(|address| !address.is_empty()),
            condicion_iva: match padron::iva_condition(&persona) {
                IvaFinding::Known { condition, .. } => Ok(condition),
                IvaFinding::Unknown { reason } => Err(reason),
            },
        })
    }

    /// The account's answer for `cuit`: from the cache when fresh, else from the padrón (and
    /// then cached), with when the padrón gave it.
    async fn persona(
        &self,
        account_id: &str,
        cuit: Cuit,
        field: Option<&str>,
    ) -> Result<(Persona, DateTime<Utc>), Error> {
        let now = self.now();
        let key = [cuit.to_string()];
        let cached = storage::taxpayers::find_many(&self.storage, account_id, &key).await?;
        if let Some(found) = cached.into_iter().find_map(|row| self.fresh_persona(&row, now)) {
            return Ok(found);
        }
        let not_found = || Error::NotFound {
            cuit,
            field: field.map(str::to_string),
        };
        let persona = match self.call(account_id, ArcaService::PadronA5, Call::Persona(cuit)).await {
            Ok(Answer::Persona(persona)) => *persona,
            Ok(_) => {
                return Err(Error::Unavailable {
                    cause: "the padrón answered another operation".into(),
                });
            }
            Err(Error::NotFound { .. }) => return Err(not_found()),
            Err(other) => return Err(other),
        };
        if persona.is_not_found() {
            return Err(not_found());
        }
        self.store(account_id, cuit, &persona, now).await?;
        Ok((persona, now))
    }

    /// The answers for `cuits` (unique), fresh from the cache or from ONE `getPersonaList_v2`;
    /// those the padrón does not know are absent.
    async fn personas(
        &self,
        account_id: &str,
        cuits: &[Cuit],
    ) -> Result<HashMap<Cuit, (Persona, DateTime<Utc>)>, Error> {
        let now = self.now();
        let keys: Vec<String> = cuits.iter().map(ToString::to_string).collect();
        let mut found = HashMap::new();
        for row in storage::taxpayers::find_many(&self.storage, account_id, &keys).await? {
            if let (Ok(cuit), Some(answer)) = (Cuit::parse(&row.cuit), self.fresh_persona(&row, now)) {
                found.insert(cuit, answer);
            }
        }
        let misses: Vec<Cuit> = cuits.iter().copied().filter(|cuit| !found.contains_key(cuit)).collect();
        if misses.is_empty() {
            return Ok(found);
        }
        let personas = match self
            .call(account_id, ArcaService::PadronA5, Call::PersonaList(&misses))
            .await
        {
            Ok(Answer::PersonaList(personas)) => personas,
            Ok(_) => Vec::new(),
            // The whole list unknown.
            Err(Error::NotFound { .. }) => Vec::new(),
            Err(other) => return Err(other),
        };
        for persona in personas {
            let Some(cuit) = persona.id() else { continue };
            if persona.is_not_found() || !misses.contains(&cuit) {
                continue;
            }
            self.store(account_id, cuit, &persona, now).await?;
            found.insert(cuit, (persona, now));
        }
        Ok(found)
    }

    /// A cached row's answer when it is younger than the TTL and still readable.
    fn fresh_persona(&self, row: &CachedPersonaRow, now: DateTime<Utc>) -> Option<(Persona, DateTime<Utc>)> {
        if !self.is_fresh(row.fetched_at, now) {
            return None;
        }
        serde_json::from_str::<Persona>(&row.persona)
            .ok()
            .map(|persona| (persona, row.fetched_at))
    }

    fn is_fresh(&self, fetched_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let age = now - fetched_at;
        age >= chrono::Duration::zero() && age.to_std().is_ok_and(|age| age < self.ttl)
    }

    async fn store(&self, account_id: &str, cuit: Cuit, persona: &Persona, now: DateTime<Utc>) -> Result<(), Error> {
        let Ok(json) = serde_json::to_string(persona) else {
            return Ok(());
        };
        let row = CachedPersonaRow {
            account_id: account_id.to_string(),
            cuit: cuit.to_string(),
            persona: json,
            fetched_at: now,
        };
        storage::taxpayers::upsert(&self.storage, &row).await?;
        Ok(())
    }

    /// The service's "now", to the microsecond (what the database keeps).
    fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }

    /// The account's IVA condition as an issuer, from its issuer profile (`None` without one).
    async fn issuer_condition(&self, account_id: &str) -> Result<Option<IssuerIvaCondition>, Error> {
        let row = storage::issuer_profiles::find(&self.storage, account_id).await?;
        Ok(row
            .and_then(|row| issuer_profiles::CondicionIva::parse(&row.condicion_iva))
            .map(|condition| match condition {
                issuer_profiles::CondicionIva::ResponsableInscripto => IssuerIvaCondition::ResponsableInscripto,
                issuer_profiles::CondicionIva::Monotributo => IssuerIvaCondition::Monotributo,
                issuer_profiles::CondicionIva::Exento => IssuerIvaCondition::Exento,
            }))
    }

    fn lookup_of(
        &self,
        cuit: Cuit,
        persona: &Persona,
        fetched_at: DateTime<Utc>,
        issuer: Option<IssuerIvaCondition>,
    ) -> Lookup {
        let age = (self.now() - fetched_at).num_seconds().max(0).unsigned_abs();
        Lookup {
            taxpayer: view(cuit, persona, fetched_at, issuer),
            age,
            max_age: self.ttl.as_secs().saturating_sub(age),
        }
    }

    /// One padrón call with the account's ticket for `service`; a refused ticket is discarded
    /// and the call made once more with a new one.
    async fn call(&self, account_id: &str, service: ArcaService, call: Call<'_>) -> Result<Answer, Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        let (url, transport) = self.arca.service_endpoint(service)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let session = match self.arca.service_session(account_id, service).await {
                Ok(session) => session,
                Err(error) => return Err(session_error(error)),
            };
            let auth = padron_auth(&session);
            let result = match &call {
                Call::Persona(cuit) => A5Client::new(transport.clone(), url.clone())
                    .get_persona(&auth, *cuit)
                    .await
                    .map(|persona| Answer::Persona(Box::new(persona))),
                Call::PersonaList(cuits) => A5Client::new(transport.clone(), url.clone())
                    .get_persona_list(&auth, cuits)
                    .await
                    .map(|list| Answer::PersonaList(list.personas)),
                Call::Dni(dni) => A13Client::new(transport.clone(), url.clone())
                    .get_id_persona_list_by_documento(&auth, dni)
                    .await
                    .map(Answer::Cuits),
            };
            match result {
                Err(arca_protocol::Error::Padron { fault, .. }) if fault.needs_new_ticket() && attempt == 1 => {
                    tracing::info!(%service, "the padrón refused the ticket: logging in again");
                    self.arca.discard_service_ticket(account_id, service).await?;
                }
                other => return other.map_err(|error| padron_error(error, service, account.cuit)),
            }
        }
    }
}

fn padron_auth(session: &ServiceSession) -> PadronAuth {
    PadronAuth {
        token: session.auth.token.clone(),
        sign: session.auth.sign.clone(),
        cuit_representada: session.cuit,
    }
}

/// A failure to get the service's ticket: WSAA being down is the padrón being unavailable; the
/// rest is the service's usual answer (`coe.notAuthorized` is already
/// [`crate::Error::ServiceNotAuthorized`], naming the service to enable and the CUIT; no
/// certificate, an untrusted one).
fn session_error(error: crate::Error) -> Error {
    match error {
        crate::Error::Arca(arca_protocol::Error::Wsaa { fault, message })
            if fault != WsaaFault::AlreadyAuthenticated && fault.retry_policy().is_retryable() =>
        {
            Error::Unavailable {
                cause: format!("WSAA {}: {message}", fault.code()),
            }
        }
        crate::Error::Arca(other) if other.retryable() => Error::Unavailable {
            cause: other.to_string(),
        },
        other => Error::Service(other),
    }
}

/// A padrón call's failure, typed. `account_cuit` is the represented CUIT (the account's); a
/// [`Error::NotFound`] carries it only until the caller puts the CUIT it asked for in its place.
fn padron_error(error: arca_protocol::Error, service: ArcaService, account_cuit: Cuit) -> Error {
    use arca_protocol::Error as Arca;
    match error {
        Arca::Padron { fault, message } => match fault {
            PadronFault::PersonNotFound => Error::NotFound {
                cuit: account_cuit,
                field: None,
            },
            // The fix-it problem naming the service and the CUIT.
            PadronFault::NotRepresented => Error::Service(crate::arca::authorization::classify(
                service,
                Arca::Padron { fault, message },
                Some(account_cuit),
                None,
            )),
            // A13's refusal of the DNI itself is the request's, not an outage.
            PadronFault::Other if message.to_lowercase().contains("documento no es valido") => Error::Service(
                crate::Error::invalid("dni", format!("ARCA's padrón refused it: {message}")),
            ),
            PadronFault::TokenRejected | PadronFault::Other => Error::Unavailable {
                cause: format!("{}: {message}", fault.code()),
            },
            // The service's usual answers: 400 `INVALID_CUIT`, 422 `TAXPAYER_INACTIVE`, …
            PadronFault::InvalidId | PadronFault::InactiveKey | PadronFault::MissingCuitRepresentada => {
                Error::Service(crate::Error::Arca(Arca::Padron { fault, message }))
            }
        },
        Arca::InvalidRequest(message) => Error::Service(crate::Error::invalid("cuits", message)),
        other => Error::Unavailable {
            cause: other.to_string(),
        },
    }
}

/// The API's view of `persona`, for an issuer of condition `issuer` (`None`: no issuer profile).
pub fn view(
    cuit: Cuit,
    persona: &Persona,
    consulted_at: DateTime<Utc>,
    issuer: Option<IssuerIvaCondition>,
) -> Taxpayer {
    let general = persona.datos_generales.as_ref();
    let (condicion_iva, condicion_iva_unknown_reason) = match padron::iva_condition(persona) {
        IvaFinding::Known { condition, evidence } => (
            Some(CondicionIvaView {
                id: condition.code(),
                name: condition.api_name().to_string(),
                description: condition.description().to_string(),
                evidence,
            }),
            None,
        ),
        IvaFinding::Unknown { reason } => (None, Some(reason)),
    };
    let receiver = condicion_iva
        .as_ref()
        .and_then(|view| CondicionIvaReceptor::from_code(view.id));
    let (clases_comprobante, clases_comprobante_reason) = match (issuer, receiver) {
        (Some(issuer), Some(receiver)) => (
            padron::voucher_classes(issuer, receiver)
                .into_iter()
                .map(|class| class_name(class).to_string())
                .collect(),
            None,
        ),
        (None, _) => (
            Vec::new(),
            Some(
                "the account has no issuer profile with its IVA condition: PUT /v1/account/issuer-profile".to_string(),
            ),
        ),
        (Some(_), None) => (
            Vec::new(),
            Some("the taxpayer's IVA condition is unknown (see condicion_iva_unknown_reason)".to_string()),
        ),
    };
    Taxpayer {
        cuit: cuit.to_string(),
        nombre: general.and_then(|general| general.display_name()),
        tipo_persona: general.and_then(|general| general.tipo_persona.clone()),
        domicilio_fiscal: general
            .and_then(|general| general.domicilio_fiscal.as_ref())
            .map(domicilio_view),
        estado_clave: general.and_then(|general| general.estado_clave.clone()),
        condicion_iva,
        condicion_iva_unknown_reason,
        monotributo_categoria: persona
            .datos_monotributo
            .as_ref()
            .and_then(|monotributo| monotributo.categoria.as_ref())
            .and_then(|categoria| categoria.descripcion_categoria.clone()),
        clases_comprobante,
        clases_comprobante_reason,
        consulted_at,
    }
}

fn domicilio_view(domicilio: &padron::DomicilioFiscal) -> DomicilioFiscal {
    DomicilioFiscal {
        direccion: domicilio.direccion.clone(),
        localidad: domicilio.localidad.clone(),
        codigo_postal: domicilio.cod_postal.clone(),
        provincia: domicilio.descripcion_provincia.clone(),
    }
}

/// "DIRECCION, LOCALIDAD (CP), PROVINCIA", the parts it has.
fn one_line_address(domicilio: &DomicilioFiscal) -> Option<String> {
    fn present(part: &Option<String>) -> Option<&str> {
        part.as_deref().map(str::trim).filter(|text| !text.is_empty())
    }
    let mut parts: Vec<String> = Vec::new();
    if let Some(direccion) = present(&domicilio.direccion) {
        parts.push(direccion.to_string());
    }
    match (present(&domicilio.localidad), present(&domicilio.codigo_postal)) {
        (Some(localidad), Some(cp)) => parts.push(format!("{localidad} ({cp})")),
        (Some(localidad), None) => parts.push(localidad.to_string()),
        (None, Some(cp)) => parts.push(format!("CP {cp}")),
        (None, None) => {}
    }
    if let Some(provincia) = present(&domicilio.provincia) {
        parts.push(provincia.to_string());
    }
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// `text` as single-line text the service stores: control characters and bidirectional
/// overrides become spaces, runs of spaces one, at most `max` characters.
fn single_line(text: &str, max: usize) -> String {
    let cleaned: String = text
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}') {
                ' '
            } else {
                c
            }
        })
        .collect();
    let joined = cleaned.split_whitespace().collect::<Vec<_>>().join(" ");
    joined.chars().take(max).collect::<String>().trim_end().to_string()
}

/// The class as the API names it.
pub fn class_name(class: CbteClass) -> &'static str {
    match class {
        CbteClass::A => "A",
        CbteClass::B => "B",
        CbteClass::C => "C",
        CbteClass::M => "M",
        CbteClass::BienesUsados => "49",
    }
}

/// The longest CUIT text taken: 11 digits and two dashes.
pub const CUIT_TEXT_MAX: usize = 13;
/// The longest DNI text taken (digits and dots).
pub const DNI_TEXT_MAX: usize = 16;

/// `text` as a CUIT, or a problem naming `field`: exactly what the OpenAPI document states (at
/// most 13 characters, 11 digits and dashes), and a valid check digit.
pub fn parse_cuit(field: &str, text: &str) -> Result<Cuit, Error> {
    cuit_of(text).map_err(|message| crate::Error::invalid(field, message).into())
}

fn cuit_of(text: &str) -> Result<Cuit, String> {
    if text.chars().count() > CUIT_TEXT_MAX || !text.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err(format!(
            "not a valid CUIT: 11 digits, dashes allowed, at most {CUIT_TEXT_MAX} characters"
        ));
    }
    Cuit::parse(text).map_err(|error| format!("not a valid CUIT: {error}"))
}

/// A DNI as the padrón takes it: its 7 or 8 digits (dots allowed, at most 16 characters).
pub fn normalised_dni(text: &str) -> Result<String, String> {
    let digits = text.replace('.', "");
    if text.chars().count() <= DNI_TEXT_MAX
        && (7..=8).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
    {
        if digits.bytes().all(|b| b == b'0') {
            return Err("a DNI is not 0".into());
        }
        Ok(digits)
    } else {
        Err("a DNI is 7 or 8 digits (dots allowed)".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dni_format() {
        assert_eq!(normalised_dni("40.123.456").unwrap(), "40123456");
        assert_eq!(normalised_dni("1234567").unwrap(), "1234567");
        assert_eq!(normalised_dni("01234567").unwrap(), "01234567");
        for bad in [
            "123456",
            "123456789",
            "40-123-456",
            "",
            "4012345a",
            " 1234567",
            "..........40123456",
            "0000000",
            "0.000.000",
        ] {
            assert!(normalised_dni(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn cuit_text_is_what_the_document_states() {
        assert_eq!(cuit_of("20-26756539-3").unwrap().to_string(), "20267565393");
        for bad in [" 20267565393", "2-0-2-6-7-5-6-5-3-9-3", "20267565390", "2026756539"] {
            assert!(cuit_of(bad).is_err(), "{bad}");
        }
        assert!(
            cuit_of("20267565390")
                .unwrap_err()
                .starts_with("not a valid CUIT: the CUIT check digit")
        );
    }

    #[test]
    fn padron_text_becomes_one_clean_line() {
        assert_eq!(single_line(" ACME\u{202E} S.A.\n\tSUR ", 200), "ACME S.A. SUR");
        assert_eq!(single_line("abcdef", 3), "abc");
        let address = DomicilioFiscal {
            direccion: Some("AV SIEMPRE VIVA 742".into()),
            localidad: Some("CAPITAL FEDERAL".into()),
            codigo_postal: Some("1425".into()),
            provincia: Some("CIUDAD AUTONOMA BUENOS AIRES".into()),
        };
        assert_eq!(
            one_line_address(&address).unwrap(),
            "AV SIEMPRE VIVA 742, CAPITAL FEDERAL (1425), CIUDAD AUTONOMA BUENOS AIRES"
        );
        let empty = DomicilioFiscal {
            direccion: Some(" ".into()),
            localidad: None,
            codigo_postal: None,
            provincia: None,
        };
        assert_eq!(one_line_address(&empty), None);
    }
}
