//! FCE MiPyMEs (Facturas de Crédito Electrónicas, Ley 27.440) on the service's side of ARCA's
//! `wsfecred` (docs/arca.md §M, §M.4):
//!
//! - Deciding the class of an invoice ([`Fce::settle`], called once by `Invoices::create`), for
//!   an account that opted in to FCE by setting its issuer profile's `fce.cbu` (an FCE cannot be
//!   issued without it; other accounts never ask wsfecred and keep their class): a
//!   Factura A, B or C (1, 6, 11) to a CUIT (DocTipo 80) is checked against the buyer's
//!   obligation on the voucher's date ([`Fce::obligation`], `consultarMontoObligadoRecepcion`,
//!   cached per account, CUIT and date for [`OBLIGATION_TTL`] in `fce_obligations`). The rule
//!   itself is [`decide`], a pure function: an obliged buyer and a total in pesos (ImpTotal ×
//!   MonCotiz) at or above ARCA's `montoDesde` make the invoice the matching FCE (201, 206, 211)
//!   when the caller left `tipo_comprobante` out, and refuse it (400 naming `tipo_comprobante`
//!   and the rule) when the caller forced the ordinary class. Anything else is kept as it is and
//!   never asks ARCA. When wsfecred cannot answer (down, slower than [`OBLIGATION_TIMEOUT`], the
//!   certificate not authorized for it, no certificate) or answers "obliged" without a
//!   threshold, issuance is not blocked: the invoice keeps the caller's or the default class
//!   (WSFEv1 still applies ARCA's rules to it), a warning is logged once per account and CUIT
//!   and `arca_fce_undecided_total` counts it. An account wsfecred could not answer for is not
//!   asked again for [`UNDECIDED_BACKOFF`] (in memory, per instance), and nothing is asked while
//!   new invoices are deferred (the breaker open).
//! - The FCEs the account received ([`Fce::received`], `consultarComprobantes` as `Receptor`,
//!   ARCA's pages read up to [`RECEIVED_MAX`] vouchers and shown through the API's own
//!   pagination) and the buyer's verdict on one ([`Fce::accept`], [`Fce::reject`]; accepting
//!   without an amount accepts the FCE account's balance: the invoice plus its debit notes less
//!   its credit notes, as ARCA lists them): ARCA's refusal is [`Error::Refused`] with ARCA's
//!   codes.
//!
//! Every call uses the account's `wsfecred` ticket (`Arca::service_session`); a ticket ARCA
//! refuses is discarded and the call made once more with a new one. Nothing of the received
//! FCEs is stored: ARCA's account is the record (only the obligation answers are cached).
//!
//! It never speaks HTTP (`http/fce.rs` does), never composes or submits an invoice (the caller's
//! closure composes, `invoices.rs` submits) and never talks to wsfecred but through the protocol
//! crate's client.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use arca_protocol::Cuit;
use arca_protocol::clock::Clock;
use arca_protocol::codes::CbteTipo;
use arca_protocol::money::Decimal;
use arca_protocol::voucher::Voucher;
use arca_protocol::wsfe::Auth;
use arca_protocol::wsfecred::{
    Aceptacion, CodigoDescripcion, ComprobanteFce, ComprobantesQuery, EstadoCmp, IdFactura, MotivoRechazo, Operacion,
    Rechazo, ResultadoOperacion, Rol, WsfecredClient,
};
use chrono::{DateTime, NaiveDate, SubsecRound, Utc};

use crate::accounts::{self, Account};
use crate::arca::{Arca, ArcaService, authorization};
use crate::invoices::compose;
use crate::invoices::request::CreateInvoice;
use crate::issuer_profiles::FceProfile;
use crate::storage::fce::ObligationRow;
use crate::storage::{self, Storage};

/// How long an obligation answer is used: a day, as the obligation is asked per date.
pub const OBLIGATION_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// The most received FCEs one list reads from ARCA (its pages of ten); more is a 400 asking for
/// a narrower filter.
pub const RECEIVED_MAX: usize = 500;
/// The most pages of ARCA's (ten vouchers each) one read asks for: enough for
/// [`RECEIVED_MAX`] vouchers and one more page to see there are more.
pub const RECEIVED_PAGES_MAX: usize = RECEIVED_MAX / arca_protocol::wsfecred::PAGE_SIZE + 1;
/// The most pages of ARCA's one search for a single voucher (or one FCE account) reads.
pub const FIND_PAGES_MAX: usize = 100;
/// The longest an invoice waits for the buyer's obligation (`consultarMontoObligadoRecepcion`,
/// with the ticket it may need): past it the invoice is issued undecided.
pub const OBLIGATION_TIMEOUT: Duration = Duration::from_secs(3);
/// How long an account whose obligation query could not be answered (wsfecred down or slow,
/// the certificate not authorized for it, no certificate) is not asked again.
pub const UNDECIDED_BACKOFF: Duration = Duration::from_secs(5 * 60);
/// The most (account, CUIT) pairs remembered as warned about ([`Fce`]'s log once per pair), and
/// the most accounts remembered as backed off.
const WARNED_MAX: usize = 10_000;
/// The largest amount wsfecred takes (`ImporteSimpleType`: 13 integer digits, 2 decimals).
pub const SALDO_MAX: Decimal = Decimal::from_parts(2_764_472_319, 232_830, 0, false, 2); // 9999999999999.99
/// Rejection reasons: 1 to this many.
pub const MOTIVOS_MAX: usize = arca_protocol::wsfecred::MAX_MOTIVOS;
/// A reason's code: 1 to this (ARCA's `codMotivo` is a short).
pub const MOTIVO_CODE_MAX: i64 = 32_767;
/// A reason's texts (`descripcion`, `justificacion`): this many characters at least …
pub const MOTIVO_TEXT_MIN: usize = 3;
/// … and at most (ARCA's limits).
pub const MOTIVO_TEXT_MAX: usize = 250;

/// Accounts backed off: when each failed, and the metric's reason.
type Backoff = HashMap<String, (DateTime<Utc>, &'static str)>;

/// What can keep an FCE operation from succeeding.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Invalid input, the database, no certificate, the certificate not authorized for
    /// wsfecred, ARCA unreachable.
    #[error(transparent)]
    Service(#[from] crate::Error),
    /// ARCA answered and refused (`resultado R`, or `arrayErrores` on a query): its codes.
    #[error("ARCA refused: {}", .errors.iter().map(|e| format!("{} {}", e.codigo, e.descripcion)).collect::<Vec<_>>().join("; "))]
    Refused { errors: Vec<CodigoDescripcion> },
    /// The account's CUIT received no FCE with this id (ARCA's account lists none).
    #[error("no FCE {id} received by this account's CUIT")]
    NotReceived { id: String },
}

impl Error {
    /// A wsfecred call's failure: ARCA's `arrayErrores` (not a ticket or authorization
    /// problem, which the call classified already) are ARCA's refusal.
    fn from_call(error: crate::Error) -> Error {
        match error {
            crate::Error::Arca(arca_protocol::Error::Rejected { errors }) => Error::Refused {
                errors: errors
                    .into_iter()
                    .map(|error| CodigoDescripcion {
                        codigo: error.code,
                        descripcion: error.msg,
                    })
                    .collect(),
            },
            other => Error::Service(other),
        }
    }
}

/// The buyer's obligation on a date, as wsfecred answered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Obligation {
    pub obligado: bool,
    /// The total (in pesos) from which FCE is required; `None` when ARCA named none (then an
    /// obliged buyer is undecided: [`Obligation::decidable`]).
    pub monto_desde: Option<Decimal>,
}

impl Obligation {
    /// Whether [`decide`] can use it: "obliged" needs ARCA's threshold (`montoDesde` is
    /// optional in the WSDL, and no threshold is not "any total").
    pub fn decidable(&self) -> bool {
        !self.obligado || self.monto_desde.is_some()
    }
}

/// What the caller said about the class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassChoice {
    /// `tipo_comprobante` omitted: the service picks it.
    Omitted,
    /// `tipo_comprobante` given.
    Forced,
}

/// [`decide`]'s verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// The voucher stays as composed.
    Keep,
    /// The voucher becomes this FCE class.
    BecomeFce(CbteTipo),
    /// The caller forced an ordinary class that the rule forbids: why, in a sentence.
    Refuse(String),
}

/// The FCE invoice of an ordinary Factura: 1 → 201, 6 → 206, 11 → 211.
pub fn fce_class_of(tipo: CbteTipo) -> Option<CbteTipo> {
    match tipo {
        CbteTipo::FacturaA => Some(CbteTipo::FceFacturaA),
        CbteTipo::FacturaB => Some(CbteTipo::FceFacturaB),
        CbteTipo::FacturaC => Some(CbteTipo::FceFacturaC),
        _ => None,
    }
}

/// The buyer's CUIT and the date to ask about, when the voucher is one the rule applies to: a
/// Factura A, B or C to a CUIT (DocTipo 80) with its date. `None` never asks ARCA.
pub fn lookup_target(voucher: &Voucher) -> Option<(Cuit, NaiveDate)> {
    fce_class_of(voucher.cbte_tipo)?;
    if voucher.doc_tipo != 80 {
        return None;
    }
    let cuit = Cuit::parse(&format!("{:011}", voucher.doc_nro)).ok()?;
    Some((cuit, voucher.cbte_fch?))
}

/// The voucher's total in pesos (ImpTotal × MonCotiz), exact; `None` when the rate is not in
/// the voucher (a foreign currency paid in it, `CanMisMonExt = S`, without `MonCotiz`).
pub fn total_in_pesos(voucher: &Voucher) -> Option<Decimal> {
    let total = voucher.imp_total.amount();
    match voucher.mon_cotiz {
        Some(rate) => total.checked_mul(rate),
        None if voucher.mon_id == "PES" => Some(total),
        None => None,
    }
}

/// The rule of Ley 27.440 as the service applies it: a Factura A/B/C to a CUIT that is obliged
/// to receive FCE on the voucher's date, for a total in pesos at or above ARCA's threshold
/// (none named: undecided, kept), becomes the matching FCE when the caller left the class to the
/// service, and is refused when the caller forced it. Everything else is kept.
pub fn decide(voucher: &Voucher, choice: ClassChoice, obligation: &Obligation) -> Decision {
    let (Some(fce), Some((cuit, fecha))) = (fce_class_of(voucher.cbte_tipo), lookup_target(voucher)) else {
        return Decision::Keep;
    };
    if !obligation.obligado {
        return Decision::Keep;
    }
    let Some(total) = total_in_pesos(voucher) else {
        return Decision::Keep;
    };
    let Some(threshold) = obligation.monto_desde else {
        return Decision::Keep;
    };
    if total < threshold {
        return Decision::Keep;
    }
    match choice {
        ClassChoice::Omitted => Decision::BecomeFce(fce),
        ClassChoice::Forced => Decision::Refuse(format!(
            "CUIT {cuit} is obliged to receive FCE MiPyMEs from {} on {fecha} (Ley 27.440) and this invoice's \
             total is {}: omit tipo_comprobante or use 201/206/211 (here {}, {})",
            pesos(threshold),
            pesos(total),
            fce.code(),
            fce.description(),
        )),
    }
}

/// `$3958316.00`: an amount in pesos with its two decimals.
fn pesos(amount: Decimal) -> String {
    let mut amount = amount.normalize();
    if amount.scale() < 2 {
        amount.rescale(2);
    }
    format!("${amount}")
}

/// Received FCEs' filters (`GET /v1/fce/received`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReceivedFilter {
    pub estado: Option<EstadoCmp>,
    /// Issued on or after (with `hasta`; alone, until today).
    pub desde: Option<NaiveDate>,
    /// Issued on or before (needs `desde`).
    pub hasta: Option<NaiveDate>,
    pub cuit_emisor: Option<Cuit>,
}

/// A received FCE, as ARCA's account shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedFce {
    /// `{cuit_emisor}-{tipo}-{pto_vta:05}-{nro:08}`.
    pub id: String,
    pub comprobante: ComprobanteFce,
}

/// ARCA's verdict on an acceptance or a rejection it did not refuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub id: String,
    pub operacion: Operacion,
    /// The voucher's state after it.
    pub estado: EstadoCmp,
}

/// A rejection reason as the caller gives it (checked by [`Fce::reject`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMotivo {
    pub codigo: i64,
    pub descripcion: String,
    pub justificacion: String,
}

/// The FCE side of ARCA for every account. Cloning is cheap.
#[derive(Clone)]
pub struct Fce {
    storage: Storage,
    arca: Arc<Arca>,
    clock: Arc<dyn Clock>,
    /// (account, CUIT) pairs already warned about an undecided invoice, so the log says it once.
    warned: Arc<Mutex<HashSet<(String, Cuit)>>>,
    /// Accounts wsfecred could not answer for, with when and why: not asked again for
    /// [`UNDECIDED_BACKOFF`].
    backoff: Arc<Mutex<Backoff>>,
}

impl Fce {
    pub fn new(storage: Storage, arca: Arc<Arca>, clock: Arc<dyn Clock>) -> Fce {
        Fce {
            storage,
            arca,
            clock,
            warned: Arc::default(),
            backoff: Arc::default(),
        }
    }

    /// The account's cached answer for `cuit` on `fecha` when younger than [`OBLIGATION_TTL`];
    /// a row that does not read back is an error.
    async fn cached(&self, account_id: &str, cuit: Cuit, fecha: NaiveDate) -> Result<Option<Obligation>, crate::Error> {
        let Some(row) = storage::fce::find(&self.storage, account_id, &cuit.to_string(), fecha).await? else {
            return Ok(None);
        };
        if !is_fresh(row.fetched_at, self.now()) {
            return Ok(None);
        }
        let monto_desde = match row.monto_desde.as_deref() {
            None => None,
            // As other unreadable stored rows: an error naming what (never read as no threshold).
            Some(text) => Some(text.parse::<Decimal>().map_err(|_| {
                crate::Error::Invalid(vec![(
                    "fce_obligation".into(),
                    format!("the stored obligation of CUIT {cuit} on {fecha} is unreadable (monto_desde)"),
                )])
            })?),
        };
        Ok(Some(Obligation {
            obligado: row.obligado,
            monto_desde,
        }))
    }

    /// Whether `cuit` is obliged to receive FCE on `fecha`, and from which total: the account's
    /// cached answer when younger than [`OBLIGATION_TTL`], else wsfecred's (then cached).
    /// An answer [`decide`] cannot use ("obliged" without a threshold) is not cached.
    pub async fn obligation(&self, account_id: &str, cuit: Cuit, fecha: NaiveDate) -> Result<Obligation, crate::Error> {
        if let Some(cached) = self.cached(account_id, cuit, fecha).await? {
            return Ok(cached);
        }
        let now = self.now();
        let key = cuit.to_string();
        let answer = self
            .call(account_id, |client, auth| async move {
                client
                    .consultar_monto_obligado_recepcion(&auth, cuit.as_u64(), fecha)
                    .await
            })
            .await?;
        let obligation = Obligation {
            obligado: answer.obligado,
            monto_desde: answer.monto_desde,
        };
        if !obligation.decidable() {
            return Ok(obligation);
        }
        let row = ObligationRow {
            account_id: account_id.to_string(),
            cuit: key,
            fecha,
            obligado: obligation.obligado,
            monto_desde: obligation.monto_desde.map(|amount| amount.to_string()),
            fetched_at: now,
        };
        storage::fce::upsert(&self.storage, &row).await?;
        Ok(obligation)
    }

    /// The FCE rule applied to an invoice composed as `voucher` from `request`: `None` when it
    /// stays as it is; the FCE request (the class set and, when missing, `fecha_vencimiento_pago`
    /// = the voucher date + [`compose::FCE_DEFAULT_PAYMENT_DAYS`]) and its voucher, composed and
    /// checked by `recompose`, when it becomes an FCE. A forced ordinary class the rule forbids is a 400
    /// naming `tipo_comprobante`; an FCE that lacks what FCE needs is a 400 saying FCE is
    /// required for this buyer, beside what is missing. Only for an account whose issuer
    /// profile's `fce` has a CBU (`profile`); with `deferred` (new invoices wait behind the
    /// breaker) only a cached answer is used.
    pub async fn settle(
        &self,
        account: &Account,
        profile: &FceProfile,
        deferred: bool,
        request: &CreateInvoice,
        voucher: &Voucher,
        recompose: impl FnOnce(&CreateInvoice) -> Result<Voucher, crate::Error>,
    ) -> Result<Option<(CreateInvoice, Voucher)>, crate::Error> {
        if profile.cbu.is_none() {
            return Ok(None);
        }
        let Some((cuit, fecha)) = lookup_target(voucher) else {
            return Ok(None);
        };
        let Some(obligation) = self.settled_obligation(&account.id, cuit, fecha, deferred).await? else {
            return Ok(None);
        };
        if !obligation.decidable() {
            self.undecided(
                &account.id,
                cuit,
                "no_threshold",
                &"wsfecred said obliged without montoDesde",
            );
            return Ok(None);
        }
        let choice = if request.tipo_comprobante.is_some() {
            ClassChoice::Forced
        } else {
            ClassChoice::Omitted
        };
        match decide(voucher, choice, &obligation) {
            Decision::Keep => Ok(None),
            Decision::Refuse(rule) => Err(crate::Error::invalid("tipo_comprobante", rule)),
            Decision::BecomeFce(tipo) => {
                let mut fce = request.clone();
                fce.tipo_comprobante = Some(tipo.code());
                if fce.fecha_vencimiento_pago.is_none() {
                    fce.fecha_vencimiento_pago =
                        fecha.checked_add_signed(chrono::Duration::days(compose::FCE_DEFAULT_PAYMENT_DAYS));
                }
                match recompose(&fce) {
                    Ok(voucher) => Ok(Some((fce, voucher))),
                    Err(crate::Error::Invalid(mut problems)) => {
                        let threshold = obligation.monto_desde.unwrap_or_default();
                        problems.insert(
                            0,
                            (
                                "tipo_comprobante".to_string(),
                                format!(
                                    "FCE MiPyMEs is required for this buyer: CUIT {cuit} is obliged to receive FCE \
                                     from {} on {fecha} (Ley 27.440), so the invoice became {} ({}); give what FCE \
                                     needs (the other problems say what: the seller's CBU as `fce.cbu`, or set it \
                                     once in the issuer profile's `fce`) or keep the total below the threshold",
                                    pesos(threshold),
                                    tipo.code(),
                                    tipo.description(),
                                ),
                            ),
                        );
                        Err(crate::Error::Invalid(problems))
                    }
                    Err(other) => Err(other),
                }
            }
        }
    }

    /// The obligation [`Fce::settle`] uses: cached, or asked within [`OBLIGATION_TIMEOUT`] unless
    /// `deferred` or the account is backed off; `None` (counted, logged once) when undecided.
    async fn settled_obligation(
        &self,
        account_id: &str,
        cuit: Cuit,
        fecha: NaiveDate,
        deferred: bool,
    ) -> Result<Option<Obligation>, crate::Error> {
        if let Some(cached) = self.cached(account_id, cuit, fecha).await? {
            return Ok(Some(cached));
        }
        if deferred {
            self.undecided(
                account_id,
                cuit,
                "unavailable",
                &"new invoices are deferred (breaker open)",
            );
            return Ok(None);
        }
        if let Some(reason) = self.backed_off(account_id) {
            self.undecided(
                account_id,
                cuit,
                reason,
                &"wsfecred failed for this account a moment ago",
            );
            return Ok(None);
        }
        let asked = tokio::time::timeout(OBLIGATION_TIMEOUT, self.obligation(account_id, cuit, fecha)).await;
        match asked {
            Ok(Ok(obligation)) => Ok(Some(obligation)),
            Ok(Err(error @ crate::Error::Database(_))) => Err(error),
            Ok(Err(error)) => {
                let reason = undecided_reason(&error);
                if reason != "refused" {
                    self.back_off(account_id, reason);
                }
                self.undecided(account_id, cuit, reason, &error);
                Ok(None)
            }
            Err(_) => {
                self.back_off(account_id, "unavailable");
                self.undecided(
                    account_id,
                    cuit,
                    "unavailable",
                    &format!("no answer within {} s", OBLIGATION_TIMEOUT.as_secs()),
                );
                Ok(None)
            }
        }
    }

    /// Why the account is not asked now, when it failed less than [`UNDECIDED_BACKOFF`] ago.
    fn backed_off(&self, account_id: &str) -> Option<&'static str> {
        let now = self.now();
        let backoff = self.backoff.lock().unwrap_or_else(PoisonError::into_inner);
        let (since, reason) = backoff.get(account_id)?;
        let age = now - *since;
        (age >= chrono::Duration::zero() && age.to_std().is_ok_and(|age| age < UNDECIDED_BACKOFF)).then_some(*reason)
    }

    /// Remembers that wsfecred could not answer for the account (bounded by [`WARNED_MAX`]).
    fn back_off(&self, account_id: &str, reason: &'static str) {
        let now = self.now();
        let mut backoff = self.backoff.lock().unwrap_or_else(PoisonError::into_inner);
        // Bounded: the stale entries go first, then (still full) all of them.
        if backoff.len() >= WARNED_MAX {
            backoff.retain(|_, (since, _)| (now - *since).to_std().is_ok_and(|age| age < UNDECIDED_BACKOFF));
            if backoff.len() >= WARNED_MAX {
                backoff.clear();
            }
        }
        backoff.insert(account_id.to_string(), (now, reason));
    }

    /// The FCEs the account's CUIT received (ARCA's order), filtered, and how many match in all:
    /// every page ARCA has for the filter, up to [`RECEIVED_MAX`] vouchers.
    pub async fn received(
        &self,
        account_id: &str,
        filter: &ReceivedFilter,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<ReceivedFce>, i64), Error> {
        let (desde, hasta) = self.dates(filter)?;
        let account = accounts::find(&self.storage, account_id).await?;
        let mut query = ComprobantesQuery::new(Rol::Receptor);
        query.cuit_contraparte = filter.cuit_emisor.map(Cuit::as_u64);
        query.estado = filter.estado;
        query.fecha_desde = desde;
        query.fecha_hasta = hasta;
        let (all, more) = self
            .all_received(&account, query, RECEIVED_PAGES_MAX, |_| false)
            .await?;
        if more || all.len() > RECEIVED_MAX {
            return Err(crate::Error::invalid(
                "desde",
                format!(
                    "more than {RECEIVED_MAX} received FCEs match: narrow the list with desde and hasta (or estado, \
                     cuit_emisor)"
                ),
            )
            .into());
        }
        let total = i64::try_from(all.len()).unwrap_or(i64::MAX);
        let skip = usize::try_from(offset).unwrap_or(usize::MAX);
        let take = usize::try_from(limit).unwrap_or(0);
        Ok((all.into_iter().skip(skip).take(take).collect(), total))
    }

    /// Accepts the received FCE invoice `id` (201, 206, 211: its notes are accepted with it) for
    /// `saldo_aceptado` (when `None`, its account's balance: the invoice plus its debit notes
    /// less its credit notes, as ARCA lists them), in its currency and rate.
    pub async fn accept(&self, account_id: &str, id: &str, saldo_aceptado: Option<Decimal>) -> Result<Outcome, Error> {
        let factura = parse_id(id)?;
        if !matches!(factura.cod_tipo_cmp, 201 | 206 | 211) {
            return Err(crate::Error::invalid(
                "id",
                "must be an FCE invoice (201, 206, 211): its debit and credit notes are accepted with it",
            )
            .into());
        }
        if let Some(saldo) = saldo_aceptado
            && (saldo <= Decimal::ZERO || saldo.normalize().scale() > 2 || saldo > SALDO_MAX)
        {
            return Err(crate::Error::invalid(
                "saldo_aceptado",
                format!("must be a positive amount up to {SALDO_MAX} with at most 2 decimals (never rounded)"),
            )
            .into());
        }
        let account = accounts::find(&self.storage, account_id).await?;
        let received = self.find_received(&account, &factura).await?;
        let saldo_aceptado = match saldo_aceptado {
            Some(saldo) => saldo,
            None => self.balance(&account, &received).await?,
        };
        let aceptacion = Aceptacion {
            factura,
            saldo_aceptado,
            cod_moneda: received.cod_moneda.clone(),
            cotizacion_moneda_ult: received.cotizacion,
        };
        let operacion = self
            .call(&account.id, |client, auth| {
                let aceptacion = aceptacion.clone();
                async move { client.aceptar(&auth, &aceptacion).await }
            })
            .await
            .map_err(Error::from_call)?;
        outcome(&id_of(&factura), operacion, EstadoCmp::Aceptado)
    }

    /// Rejects the received FCE `id` with `motivos` (1 to [`MOTIVOS_MAX`], each a code from 1
    /// and two texts of [`MOTIVO_TEXT_MIN`]–[`MOTIVO_TEXT_MAX`] characters). ARCA decides
    /// whether the account may: a voucher not addressed to its CUIT is ARCA's refusal.
    pub async fn reject(&self, account_id: &str, id: &str, motivos: &[NewMotivo]) -> Result<Outcome, Error> {
        let factura = parse_id(id)?;
        let motivos = check_motivos(motivos)?;
        let account = accounts::find(&self.storage, account_id).await?;
        let canonical = id_of(&factura);
        let rechazo = Rechazo { factura, motivos };
        let operacion = self
            .call(&account.id, |client, auth| {
                let rechazo = rechazo.clone();
                async move { client.rechazar(&auth, &rechazo).await }
            })
            .await
            .map_err(Error::from_call)?;
        outcome(&canonical, operacion, EstadoCmp::Rechazado)
    }

    /// The pages of `query` (from page 1) addressed to the account's CUIT, read until ARCA says
    /// there are no more, a page comes empty, a voucher satisfies `enough` or `pages_max` pages
    /// were read; with whether ARCA has more than what was read.
    async fn all_received(
        &self,
        account: &Account,
        mut query: ComprobantesQuery,
        pages_max: usize,
        enough: impl Fn(&ComprobanteFce) -> bool,
    ) -> Result<(Vec<ReceivedFce>, bool), Error> {
        let mut all = Vec::new();
        let mut page = 1;
        loop {
            query.nro_pagina = u32::try_from(page).unwrap_or(u32::MAX);
            let answer = self
                .call(&account.id, |client, auth| {
                    let query = query.clone();
                    async move { client.consultar_comprobantes(&auth, &query).await }
                })
                .await
                .map_err(Error::from_call)?;
            let listed = answer.comprobantes.len();
            let found = answer.comprobantes.iter().any(&enough);
            all.extend(
                answer
                    .comprobantes
                    .into_iter()
                    .filter(|comprobante| comprobante.cuit_receptor == account.cuit.as_u64())
                    .map(|comprobante| ReceivedFce {
                        id: id_of(&comprobante.id),
                        comprobante,
                    }),
            );
            if let Some(more) = stop_after(page, pages_max, listed, answer.hay_mas, found) {
                return Ok((all, more));
            }
            page += 1;
        }
    }

    /// The balance of `invoice`'s FCE account (`codCtaCte`): the signed totals of the vouchers
    /// ARCA lists in it (credit notes 203, 208, 213 subtract); the invoice's total when ARCA names
    /// no account.
    async fn balance(&self, account: &Account, invoice: &ComprobanteFce) -> Result<Decimal, Error> {
        let Some(cta_cte) = invoice.cod_cta_cte else {
            return Ok(invoice.importe_total);
        };
        let mut query = ComprobantesQuery::new(Rol::Receptor);
        query.cuit_contraparte = Some(invoice.id.cuit_emisor);
        let (vouchers, more) = self.all_received(account, query, FIND_PAGES_MAX, |_| false).await?;
        if more {
            return Err(crate::Error::invalid(
                "saldo_aceptado",
                format!(
                    "ARCA lists more than {} FCEs from this issuer: the account's balance cannot be read whole, \
                     give saldo_aceptado",
                    FIND_PAGES_MAX * arca_protocol::wsfecred::PAGE_SIZE
                ),
            )
            .into());
        }
        let mut balance = Decimal::ZERO;
        for voucher in vouchers.iter().filter(|v| v.comprobante.cod_cta_cte == Some(cta_cte)) {
            let total = voucher.comprobante.importe_total;
            balance = if matches!(voucher.comprobante.id.cod_tipo_cmp, 203 | 208 | 213) {
                balance.checked_sub(total)
            } else {
                balance.checked_add(total)
            }
            .ok_or_else(|| crate::Error::invalid("saldo_aceptado", "the account's balance overflows: give it"))?;
        }
        Ok(balance)
    }

    /// The received FCE `factura`, from ARCA's account of the CUIT (by issuer and type).
    async fn find_received(&self, account: &Account, factura: &IdFactura) -> Result<ComprobanteFce, Error> {
        let mut query = ComprobantesQuery::new(Rol::Receptor);
        query.cuit_contraparte = Some(factura.cuit_emisor);
        query.cod_tipo_cmp = Some(factura.cod_tipo_cmp);
        let (vouchers, more) = self
            .all_received(account, query, FIND_PAGES_MAX, |comprobante| comprobante.id == *factura)
            .await?;
        match vouchers
            .into_iter()
            .find(|received| received.comprobante.id == *factura)
        {
            Some(received) => Ok(received.comprobante),
            None if more => Err(crate::Error::invalid(
                "id",
                format!(
                    "not among the first {} FCEs of this type from this issuer that ARCA lists for this CUIT: \
                     accept or reject it in ARCA's portal",
                    FIND_PAGES_MAX * arca_protocol::wsfecred::PAGE_SIZE
                ),
            )
            .into()),
            None => Err(Error::NotReceived { id: id_of(factura) }),
        }
    }

    /// `desde` and `hasta` as ARCA takes them: both or neither; `desde` alone runs to today.
    fn dates(&self, filter: &ReceivedFilter) -> Result<(Option<NaiveDate>, Option<NaiveDate>), Error> {
        match (filter.desde, filter.hasta) {
            (None, None) => Ok((None, None)),
            (None, Some(_)) => Err(crate::Error::invalid("desde", "required with hasta").into()),
            (Some(desde), hasta) => {
                let hasta = hasta.unwrap_or_else(|| compose::argentina_today(self.clock.now()));
                if hasta < desde {
                    return Err(crate::Error::invalid("hasta", "must not be before desde").into());
                }
                Ok((Some(desde), Some(hasta)))
            }
        }
    }

    /// One wsfecred call with the account's ticket; once more with a new ticket when ARCA
    /// refuses the one held. A certificate not authorized for wsfecred (or not for the
    /// account's CUIT) is [`crate::Error::ServiceNotAuthorized`].
    async fn call<T, F, Fut>(&self, account_id: &str, operation: F) -> Result<T, crate::Error>
    where
        F: Fn(WsfecredClient, Auth) -> Fut,
        Fut: Future<Output = Result<T, arca_protocol::Error>>,
    {
        let (url, transport) = self.arca.service_endpoint(ArcaService::Wsfecred)?;
        let client = WsfecredClient::new(transport, url);
        let mut renewed = false;
        loop {
            let session = self.arca.service_session(account_id, ArcaService::Wsfecred).await?;
            match operation(client.clone(), session.auth.clone()).await {
                Ok(answer) => return Ok(answer),
                Err(error) => {
                    if let Some(refusal) =
                        authorization::not_authorized(ArcaService::Wsfecred, &error, Some(session.cuit), None)
                    {
                        return Err(crate::Error::ServiceNotAuthorized(Box::new(refusal)));
                    }
                    if error.needs_new_ticket() && !renewed {
                        renewed = true;
                        tracing::info!("wsfecred refused the ticket: logging in again");
                        self.arca
                            .discard_service_ticket(account_id, ArcaService::Wsfecred)
                            .await?;
                        continue;
                    }
                    return Err(crate::Error::Arca(error));
                }
            }
        }
    }

    /// An invoice whose class could not be decided: logged once per account and CUIT (the
    /// error's text names no secret: ARCA's codes and texts, or the fix-it), always counted.
    fn undecided(&self, account_id: &str, cuit: Cuit, reason: &'static str, error: &dyn std::fmt::Display) {
        crate::metrics::record_fce_undecided(reason);
        let first = {
            let mut warned = self.warned.lock().unwrap_or_else(PoisonError::into_inner);
            // Bounded: past this many pairs the log may say it again rather than memory grow.
            if warned.len() >= WARNED_MAX {
                warned.clear();
            }
            warned.insert((account_id.to_string(), cuit))
        };
        if first {
            tracing::warn!(
                account_id,
                %cuit,
                reason,
                error = %error,
                "wsfecred could not say whether the buyer must receive FCE MiPyMEs: invoices to it keep the \
                 class asked for (WSFEv1 still checks them); said once per account and CUIT"
            );
        }
    }

    /// The service's "now", to the microsecond (what the database keeps).
    fn now(&self) -> DateTime<Utc> {
        self.clock.now().trunc_subsecs(6)
    }
}

/// After ARCA's page `page` (of at most `pages_max` read), which listed `listed` vouchers: stop
/// (`Some(more)`, `more` when ARCA has pages left unread) or read the next one (`None`). An
/// empty page stops whatever `hayMas` says (ARCA's paging gone wrong must not loop on).
fn stop_after(page: usize, pages_max: usize, listed: usize, hay_mas: bool, found: bool) -> Option<bool> {
    if listed == 0 || found || !hay_mas {
        Some(false)
    } else if page >= pages_max {
        Some(true)
    } else {
        None
    }
}

/// The metric's reason for an obligation query that failed.
fn undecided_reason(error: &crate::Error) -> &'static str {
    match error {
        crate::Error::ServiceNotAuthorized(_) => "not_authorized",
        crate::Error::NoCertificate | crate::Error::CertificateUntrusted { .. } => "no_certificate",
        crate::Error::Arca(error) if !error.retryable() && !error.arca_errors().is_empty() => "refused",
        _ => "unavailable",
    }
}

fn is_fresh(fetched_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    let age = now - fetched_at;
    age >= chrono::Duration::zero() && age.to_std().is_ok_and(|age| age < OBLIGATION_TTL)
}

/// ARCA's operation as the caller's outcome: refused (`R`) is [`Error::Refused`].
fn outcome(id: &str, operacion: Operacion, estado: EstadoCmp) -> Result<Outcome, Error> {
    if operacion.resultado == ResultadoOperacion::Rechazado {
        let mut errors = operacion.errores;
        if errors.is_empty() {
            errors = operacion.observaciones;
        }
        return Err(Error::Refused { errors });
    }
    Ok(Outcome {
        id: id.to_string(),
        operacion,
        estado,
    })
}

/// `30712345671-201-00002-00000015` for a voucher.
pub fn id_of(factura: &IdFactura) -> String {
    format!(
        "{}-{}-{:05}-{:08}",
        factura.cuit_emisor, factura.cod_tipo_cmp, factura.pto_vta, factura.nro_cmp
    )
}

/// What an id looks like ([`parse_id`]): the shape the API documents.
pub const ID_PATTERN: &str = "^[1-9][0-9]{10}-(20[1-3]|20[6-8]|21[1-3])-[0-9]{1,5}-[0-9]{1,8}$";

/// An id `{cuit_emisor}-{tipo}-{pto_vta}-{nro}` ([`ID_PATTERN`]: the CUIT, an FCE type 201–213,
/// a point of sale of up to 5 digits and a number of up to 8, zero padding optional) whose CUIT
/// has a valid check digit and whose point of sale and number are not 0; a 400 naming `id`
/// otherwise.
pub fn parse_id(id: &str) -> Result<IdFactura, crate::Error> {
    let bad = |message: String| crate::Error::invalid("id", message);
    let shape = || {
        bad(
            "must be {cuit_emisor}-{tipo}-{punto_de_venta}-{numero}, e.g. 30712345671-201-00002-00000015: an \
             issuer CUIT, an FCE type (201–203, 206–208, 211–213), a point of sale 1–99999 and a number \
             1–99999999"
                .into(),
        )
    };
    let parts: Vec<&str> = id.split('-').collect();
    let [cuit, tipo, pto_vta, nro] = parts.as_slice() else {
        return Err(shape());
    };
    let digits = |text: &str, max_len: usize| {
        (!text.is_empty() && text.len() <= max_len && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().ok())
            .flatten()
    };
    let tipo = digits(tipo, 3)
        .and_then(|code| i32::try_from(code).ok())
        .filter(|code| CbteTipo::from_code(*code).is_some_and(CbteTipo::is_fce));
    let (Some(_), Some(tipo), Some(pto_vta), Some(nro)) = (
        // 11 digits, the first the CUIT's type (20, 23, 27, 30, …): never 0.
        digits(cuit, 11).filter(|number| cuit.len() == 11 && *number >= 10_000_000_000),
        tipo,
        digits(pto_vta, 5),
        digits(nro, 8),
    ) else {
        return Err(shape());
    };
    let cuit = Cuit::parse(cuit).map_err(|error| bad(format!("not a valid CUIT: {error}")))?;
    if pto_vta == 0 || nro == 0 {
        return Err(bad(
            "the point of sale and the number start at 1: a 0 names no voucher".into()
        ));
    }
    let pto_vta = u32::try_from(pto_vta).map_err(|_| shape())?;
    Ok(IdFactura {
        cuit_emisor: cuit.as_u64(),
        cod_tipo_cmp: tipo,
        pto_vta,
        nro_cmp: nro,
    })
}

/// The reasons, checked against their limits (each problem named by its field).
fn check_motivos(motivos: &[NewMotivo]) -> Result<Vec<MotivoRechazo>, crate::Error> {
    if motivos.is_empty() || motivos.len() > MOTIVOS_MAX {
        return Err(crate::Error::invalid(
            "motivos",
            format!("must hold 1 to {MOTIVOS_MAX} reasons"),
        ));
    }
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    for (index, motivo) in motivos.iter().enumerate() {
        let code = i16::try_from(motivo.codigo).ok().filter(|code| *code >= 1);
        if code.is_none() {
            problems.push((
                format!("motivos[{index}].codigo"),
                format!("must be a whole number from 1 to {MOTIVO_CODE_MAX} (ARCA's reason codes)"),
            ));
        }
        for (field, text) in [
            ("descripcion", &motivo.descripcion),
            ("justificacion", &motivo.justificacion),
        ] {
            let length = text.chars().count();
            if !(MOTIVO_TEXT_MIN..=MOTIVO_TEXT_MAX).contains(&length) {
                problems.push((
                    format!("motivos[{index}].{field}"),
                    format!("must have {MOTIVO_TEXT_MIN} to {MOTIVO_TEXT_MAX} characters"),
                ));
            } else if text.trim().is_empty() {
                problems.push((format!("motivos[{index}].{field}"), "must not be blank".into()));
            } else if text.chars().any(char::is_control) {
                problems.push((
                    format!("motivos[{index}].{field}"),
                    "must be a single line without control characters".into(),
                ));
            }
        }
        if let Some(cod_motivo) = code {
            checked.push(MotivoRechazo {
                cod_motivo,
                desc_motivo: motivo.descripcion.clone(),
                justificacion: motivo.justificacion.clone(),
            });
        }
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(crate::Error::Invalid(problems))
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::codes::Concepto;
    use arca_protocol::money::Money;

    use super::*;

    const BUYER: &str = "30500010912";

    fn voucher(tipo: CbteTipo, total: &str) -> Voucher {
        let total = Money::parse(total).unwrap();
        Voucher {
            cbte_tipo: tipo,
            punto_venta: 1,
            concepto: Concepto::Productos,
            doc_tipo: 80,
            doc_nro: BUYER.parse().unwrap(),
            cbte_desde: 1,
            cbte_hasta: 1,
            cbte_fch: Some(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap()),
            imp_total: total,
            imp_tot_conc: Money::default(),
            imp_neto: total,
            imp_op_ex: Money::default(),
            imp_trib: Money::default(),
            imp_iva: Money::default(),
            fch_serv_desde: None,
            fch_serv_hasta: None,
            fch_vto_pago: None,
            mon_id: "PES".into(),
            mon_cotiz: Some(Decimal::ONE),
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: Some(1),
            cbtes_asoc: vec![],
            tributos: vec![],
            iva: vec![],
            opcionales: vec![],
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        }
    }

    fn obliged(from: &str) -> Obligation {
        Obligation {
            obligado: true,
            monto_desde: Some(from.parse().unwrap()),
        }
    }

    #[test]
    fn an_obliged_buyer_at_the_threshold_gets_the_matching_fce_class() {
        for (tipo, fce) in [
            (CbteTipo::FacturaA, CbteTipo::FceFacturaA),
            (CbteTipo::FacturaB, CbteTipo::FceFacturaB),
            (CbteTipo::FacturaC, CbteTipo::FceFacturaC),
        ] {
            let at = voucher(tipo, "3958316.00");
            assert_eq!(
                decide(&at, ClassChoice::Omitted, &obliged("3958316.00")),
                Decision::BecomeFce(fce)
            );
            let below = voucher(tipo, "3958315.99");
            assert_eq!(
                decide(&below, ClassChoice::Omitted, &obliged("3958316.00")),
                Decision::Keep
            );
        }
    }

    #[test]
    fn a_forced_ordinary_class_is_refused_naming_the_rule() {
        let above = voucher(CbteTipo::FacturaA, "5000000");
        let Decision::Refuse(rule) = decide(&above, ClassChoice::Forced, &obliged("3958316")) else {
            panic!("not refused");
        };
        assert!(rule.contains(BUYER), "{rule}");
        assert!(rule.contains("$3958316.00"), "{rule}");
        assert!(rule.contains("Ley 27.440"), "{rule}");
        assert!(rule.contains("201/206/211"), "{rule}");
        assert!(rule.contains("2026-12-06"), "{rule}");
        let below = voucher(CbteTipo::FacturaA, "100");
        assert_eq!(decide(&below, ClassChoice::Forced, &obliged("3958316")), Decision::Keep);
    }

    #[test]
    fn a_buyer_not_obliged_or_another_voucher_is_kept() {
        let not_obliged = Obligation {
            obligado: false,
            monto_desde: None,
        };
        let big = voucher(CbteTipo::FacturaA, "99999999");
        assert_eq!(decide(&big, ClassChoice::Omitted, &not_obliged), Decision::Keep);
        for tipo in [
            CbteTipo::NotaCreditoA,
            CbteTipo::NotaDebitoB,
            CbteTipo::FceFacturaA,
            CbteTipo::RecibosA,
        ] {
            let other = voucher(tipo, "99999999");
            assert_eq!(lookup_target(&other), None, "{tipo:?}");
            assert_eq!(decide(&other, ClassChoice::Omitted, &obliged("1")), Decision::Keep);
        }
        let mut dni = voucher(CbteTipo::FacturaB, "99999999");
        dni.doc_tipo = 96;
        dni.doc_nro = 30_123_456;
        assert_eq!(lookup_target(&dni), None);
        assert_eq!(decide(&dni, ClassChoice::Omitted, &obliged("1")), Decision::Keep);
    }

    #[test]
    fn the_total_is_compared_in_pesos_exactly() {
        let mut dollars = voucher(CbteTipo::FacturaA, "4000.00");
        dollars.mon_id = "DOL".into();
        dollars.mon_cotiz = Some("1000.5".parse().unwrap());
        assert_eq!(total_in_pesos(&dollars), Some("4002000.000".parse().unwrap()));
        assert_eq!(
            decide(&dollars, ClassChoice::Omitted, &obliged("4002000")),
            Decision::BecomeFce(CbteTipo::FceFacturaA)
        );
        assert_eq!(
            decide(&dollars, ClassChoice::Omitted, &obliged("4002000.01")),
            Decision::Keep
        );
        // No rate in the voucher: not decided here (WSFEv1 decides).
        dollars.mon_cotiz = None;
        assert_eq!(total_in_pesos(&dollars), None);
        assert_eq!(decide(&dollars, ClassChoice::Omitted, &obliged("1")), Decision::Keep);
        // Obliged without a threshold: undecided, kept (not "any total").
        let big = voucher(CbteTipo::FacturaB, "99999999");
        let no_threshold = Obligation {
            obligado: true,
            monto_desde: None,
        };
        assert!(!no_threshold.decidable());
        assert_eq!(decide(&big, ClassChoice::Omitted, &no_threshold), Decision::Keep);
        assert_eq!(decide(&big, ClassChoice::Forced, &no_threshold), Decision::Keep);
    }

    #[test]
    fn paging_stops_on_an_empty_page_when_found_and_at_the_bound() {
        // ARCA says there is more but the page is empty: stop, nothing more to read.
        assert_eq!(stop_after(1, RECEIVED_PAGES_MAX, 0, true, false), Some(false));
        assert_eq!(stop_after(3, RECEIVED_PAGES_MAX, 10, true, true), Some(false));
        assert_eq!(stop_after(3, RECEIVED_PAGES_MAX, 4, false, false), Some(false));
        assert_eq!(stop_after(3, RECEIVED_PAGES_MAX, 10, true, false), None);
        assert_eq!(
            stop_after(RECEIVED_PAGES_MAX, RECEIVED_PAGES_MAX, 10, true, false),
            Some(true)
        );
        assert_eq!(RECEIVED_PAGES_MAX, 51);
    }

    #[test]
    fn ids_round_trip_and_bad_ones_name_id() {
        let factura = parse_id("30712345671-201-00002-00000015").unwrap();
        assert_eq!(
            factura,
            IdFactura {
                cuit_emisor: 30_712_345_671,
                cod_tipo_cmp: 201,
                pto_vta: 2,
                nro_cmp: 15,
            }
        );
        assert_eq!(id_of(&factura), "30712345671-201-00002-00000015");
        assert_eq!(parse_id("30712345671-201-2-15").unwrap(), factura);
        for bad in [
            "",
            "30712345671-201-00002",
            "30712345670-201-00002-00000015",
            "30712345671-1-00002-00000015",
            "30712345671-201-00000-00000015",
            "30712345671-201-00002-00000000",
            "30712345671-201-100000-1",
            "30712345671-201-1-123456789",
            "30712345671-201-+2-15",
            "30712345671-201-00002-00000015-1",
            "00000000000-201-1-1",
            "01792888093-201-1-1",
        ] {
            match parse_id(bad) {
                Err(crate::Error::Invalid(problems)) => assert_eq!(problems[0].0, "id", "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
    }

    #[test]
    fn motivos_are_checked_against_their_limits() {
        let good = NewMotivo {
            codigo: 1,
            descripcion: "Mercadería no recibida".into(),
            justificacion: "No llegó al depósito".into(),
        };
        assert_eq!(check_motivos(std::slice::from_ref(&good)).unwrap().len(), 1);
        let fields = |motivos: &[NewMotivo]| match check_motivos(motivos) {
            Err(crate::Error::Invalid(problems)) => problems.into_iter().map(|(field, _)| field).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(fields(&[]), ["motivos"]);
        assert_eq!(fields(&vec![good.clone(); MOTIVOS_MAX + 1]), ["motivos"]);
        let bad = NewMotivo {
            codigo: 0,
            descripcion: "no".into(),
            justificacion: "x".repeat(MOTIVO_TEXT_MAX + 1),
        };
        assert_eq!(
            fields(&[good, bad]),
            [
                "motivos[1].codigo",
                "motivos[1].descripcion",
                "motivos[1].justificacion"
            ]
        );
    }
}
