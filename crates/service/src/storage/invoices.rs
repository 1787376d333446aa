//! The `invoices` table: what the API accepted, and each step the issuance engine takes with it.
//!
//! Statuses: `pending` (accepted, not yet authorised), `approved` (has a CAE), `failed` (rejected
//! by ARCA, or inconsistent with what ARCA stored), `pending_retry` (ARCA unavailable; retried
//! automatically after `next_attempt_at`), `cancelled` (its notes brought its balance to zero; it keeps its
//! CAE). `send_state = 'in_flight'` marks an
//! invoice whose number may have reached ARCA (write-ahead, ARCHITECTURE.md invariant 2); only reconciliation
//! clears it. Every engine write below runs inside a transaction opened with
//! [`super::series::fence`], so a worker that lost its lease cannot change anything.
//!
//! A credit or debit note names its original (`original_id`, `note_kind`; migration
//! `0017_invoice_notes`): [`lock_original`] serialises the notes of one original, and the engine's
//! hook reads an original with its notes ([`originals_of_notes_in`]) and cancels it
//! ([`mark_cancelled`]) in the fenced transaction that approves a note.
//!
//! Amounts are exact decimal text bound as strings: PostgreSQL casts them to `NUMERIC` (and
//! reads them back `::text`), SQLite keeps the text as is.

pub mod voucher;

use chrono::{DateTime, NaiveDate, Utc};

use super::issuer_profiles::SNAPSHOT_SUBQUERY;
use super::series::{Fenced, SeriesKey};
use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// Where an invoice is, as the API shows it and the `status` column holds it (its `CHECK`
/// constraint lists the same five). [`InvoiceStatus::as_str`] and [`InvoiceStatus::parse`] are
/// the only places its text is written in Rust; the SQL below names the values in its queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    /// Accepted, not yet authorised (waiting for its series' worker, or in flight).
    Pending,
    /// Has a CAE.
    Approved,
    /// Rejected by ARCA, or inconsistent with what ARCA stored: final until edited.
    Failed,
    /// ARCA unavailable (or slow beyond the request's wait): retried automatically.
    PendingRetry,
    Cancelled,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 5] = [
        InvoiceStatus::Pending,
        InvoiceStatus::PendingRetry,
        InvoiceStatus::Approved,
        InvoiceStatus::Failed,
        InvoiceStatus::Cancelled,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            InvoiceStatus::Pending => "pending",
            InvoiceStatus::Approved => "approved",
            InvoiceStatus::Failed => "failed",
            InvoiceStatus::PendingRetry => "pending_retry",
            InvoiceStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<InvoiceStatus> {
        InvoiceStatus::ALL.into_iter().find(|status| status.as_str() == text)
    }

    /// Approved, or cancelled by its notes after it was: it has a CAE, a QR, a PDF, an email.
    pub fn is_authorised(self) -> bool {
        matches!(self, InvoiceStatus::Approved | InvoiceStatus::Cancelled)
    }

    /// Approved, failed or cancelled: the engine will not touch it again by itself.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            InvoiceStatus::Approved | InvoiceStatus::Failed | InvoiceStatus::Cancelled
        )
    }
}

impl std::fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for InvoiceStatus {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        InvoiceStatus::parse(&text).ok_or_else(|| format!("unknown invoice status {text:?}"))
    }
}

/// What a note does to its original (`note_kind` column; its `CHECK` constraint lists the same
/// three). [`NoteKind::as_str`] and [`NoteKind::parse`] are the only places its text is written
/// in Rust.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    /// Credits the whole remaining balance (`POST /v1/invoices/{id}/cancel`).
    Cancellation,
    /// Credits part of it (`POST /v1/invoices/{id}/credit-notes`).
    Credit,
    /// Raises it (`POST /v1/invoices/{id}/debit-notes`).
    Debit,
}

impl NoteKind {
    pub const ALL: [NoteKind; 3] = [NoteKind::Cancellation, NoteKind::Credit, NoteKind::Debit];

    pub const fn as_str(self) -> &'static str {
        match self {
            NoteKind::Cancellation => "cancellation",
            NoteKind::Credit => "credit",
            NoteKind::Debit => "debit",
        }
    }

    pub fn parse(text: &str) -> Option<NoteKind> {
        NoteKind::ALL.into_iter().find(|kind| kind.as_str() == text)
    }

    /// A cancellation or a partial credit: it lowers the balance.
    pub fn credits(self) -> bool {
        matches!(self, NoteKind::Cancellation | NoteKind::Credit)
    }
}

/// The engine's write-ahead marker (`send_state` column): `InFlight` means a `FECAESolicitar`
/// carrying the invoice's number may have reached ARCA, so it is reconciled before it is sent
/// under any other number (ARCHITECTURE.md invariants 2 and 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SendState {
    None,
    InFlight,
}

impl TryFrom<String> for SendState {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        match text.as_str() {
            "none" => Ok(SendState::None),
            "in_flight" => Ok(SendState::InFlight),
            _ => Err(format!("unknown send state {text:?}")),
        }
    }
}

/// A new invoice, as `pending`.
#[derive(Debug, Clone)]
pub struct NewInvoiceRow {
    pub id: String,
    pub account_id: String,
    pub series: SeriesKey,
    /// [`voucher::to_json`] of the unnumbered detail.
    pub voucher: String,
    /// The API's view of the invoice (JSON), opaque here.
    pub document: Option<String>,
    pub fecha: Option<NaiveDate>,
    pub doc_tipo: i32,
    pub doc_nro: i64,
    pub cliente_nombre: Option<String>,
    pub amounts: Amounts,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    /// Accepted as `pending_retry`, not to be sent before this time (unix ms).
    pub deferred_until_ms: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// For a note: the invoice it adjusts (same account).
    pub original_id: Option<String>,
    /// For a note: what it does to its original.
    pub note_kind: Option<NoteKind>,
}

impl NewInvoiceRow {
    /// `pending`, or `pending_retry` when accepted deferred.
    pub fn initial_status(&self) -> InvoiceStatus {
        match self.deferred_until_ms {
            Some(_) => InvoiceStatus::PendingRetry,
            None => InvoiceStatus::Pending,
        }
    }

    /// The row [`insert`] stores, as [`find`] would read it back right after the commit (the
    /// columns it leaves to their defaults included): what a `respond-async` answer shows
    /// without reading it again.
    pub fn as_accepted(&self) -> InvoiceRow {
        InvoiceRow {
            id: self.id.clone(),
            account_id: self.account_id.clone(),
            status: self.initial_status(),
            cuit: self.series.cuit.clone(),
            punto_venta: self.series.punto_venta,
            cbte_tipo: self.series.cbte_tipo,
            numero: None,
            voucher: self.voucher.clone(),
            document: self.document.clone(),
            fecha: self.fecha,
            doc_tipo: self.doc_tipo,
            doc_nro: self.doc_nro,
            cliente_nombre: self.cliente_nombre.clone(),
            amounts: self.amounts.clone(),
            cae: None,
            cae_vencimiento: None,
            arca_observaciones: None,
            arca_errores: None,
            send_state: SendState::None,
            attempts: 0,
            next_attempt_at: self.deferred_until_ms,
            idempotency_key: self.idempotency_key.clone(),
            request_hash: self.request_hash.clone(),
            created_at: self.created_at,
            updated_at: self.created_at,
            approved_at: None,
            original_id: self.original_id.clone(),
            note_kind_text: self.note_kind.map(|kind| kind.as_str().to_string()),
            authorization: AuthorizationColumns::default(),
        }
    }
}

/// The voucher's header amounts as exact decimal text (`"1210.00"`).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Amounts {
    pub imp_total: String,
    pub imp_tot_conc: String,
    pub imp_neto: String,
    pub imp_op_ex: String,
    pub imp_trib: String,
    pub imp_iva: String,
}

/// One row of `invoices`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct InvoiceRow {
    pub id: String,
    pub account_id: String,
    #[sqlx(try_from = "String")]
    pub status: InvoiceStatus,
    pub cuit: String,
    pub punto_venta: i32,
    pub cbte_tipo: i32,
    pub numero: Option<i64>,
    pub voucher: String,
    pub document: Option<String>,
    pub fecha: Option<NaiveDate>,
    pub doc_tipo: i32,
    pub doc_nro: i64,
    pub cliente_nombre: Option<String>,
    #[sqlx(flatten)]
    pub amounts: Amounts,
    pub cae: Option<String>,
    pub cae_vencimiento: Option<NaiveDate>,
    /// JSON `[{"code": …, "msg": …}]`.
    pub arca_observaciones: Option<String>,
    /// JSON `[{"code": …, "msg": …}]`; code `INCONSISTENT` for a number ARCA holds with other content.
    pub arca_errores: Option<String>,
    #[sqlx(try_from = "String")]
    pub send_state: SendState,
    pub attempts: i32,
    pub next_attempt_at: Option<i64>,
    pub idempotency_key: Option<String>,
    pub request_hash: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub approved_at: Option<DateTime<Utc>>,
    /// For a note: the invoice it adjusts.
    pub original_id: Option<String>,
    /// For a note: `cancellation`, `credit` or `debit` (see [`InvoiceRow::note_kind`]).
    #[sqlx(rename = "note_kind")]
    pub note_kind_text: Option<String>,
    /// How it was authorised, and under CAEA its grant and report state (migration 0020_caea).
    #[sqlx(flatten)]
    pub authorization: AuthorizationColumns,
}

/// How ARCA authorised an invoice (`tipo_autorizacion` column; its `CHECK` constraint lists the
/// same two): a CAE asked for each voucher, or the CAEA of a fortnight (docs/arca.md §G).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, utoipa::ToSchema)]
pub enum TipoAutorizacion {
    #[default]
    #[serde(rename = "CAE")]
    Cae,
    #[serde(rename = "CAEA")]
    Caea,
}

impl TipoAutorizacion {
    pub const fn as_str(self) -> &'static str {
        match self {
            TipoAutorizacion::Cae => "CAE",
            TipoAutorizacion::Caea => "CAEA",
        }
    }
}

impl TryFrom<String> for TipoAutorizacion {
    type Error = String;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        match text.as_str() {
            "CAE" => Ok(TipoAutorizacion::Cae),
            "CAEA" => Ok(TipoAutorizacion::Caea),
            _ => Err(format!("unknown tipo_autorizacion {text:?}")),
        }
    }
}

/// A CAEA voucher's report to ARCA (`informe_estado` column; its `CHECK` constraint lists the
/// same four): see migration 0020_caea.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InformeEstado {
    Pendiente,
    EnCurso,
    Informado,
    Rechazado,
}

impl InformeEstado {
    pub const ALL: [InformeEstado; 4] = [
        InformeEstado::Pendiente,
        InformeEstado::EnCurso,
        InformeEstado::Informado,
        InformeEstado::Rechazado,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            InformeEstado::Pendiente => "pendiente",
            InformeEstado::EnCurso => "en_curso",
            InformeEstado::Informado => "informado",
            InformeEstado::Rechazado => "rechazado",
        }
    }

    pub fn parse(text: &str) -> Option<InformeEstado> {
        InformeEstado::ALL.into_iter().find(|state| state.as_str() == text)
    }
}

/// The authorisation columns of an invoice: all NULL (and `tipo_autorizacion` CAE) for a CAE
/// invoice.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct AuthorizationColumns {
    #[sqlx(try_from = "String")]
    pub tipo_autorizacion: TipoAutorizacion,
    /// The `caea_grants` row whose CAEA it carries.
    pub caea_grant_id: Option<String>,
    /// `CbteFchHsGen`: when it was generated (Argentina, `yyyymmddhhmiss`).
    pub cbte_fch_hs_gen: Option<String>,
    /// See [`InformeEstado`] ([`AuthorizationColumns::informe_estado`]).
    #[sqlx(rename = "informe_estado")]
    pub informe_estado_text: Option<String>,
    /// ARCA's rejection codes, JSON `[{"code", "msg"}]`.
    pub informe_errores: Option<String>,
    /// ARCA's observations on the report, JSON `[{"code", "msg"}]`.
    pub informe_observaciones: Option<String>,
    pub informado_at: Option<DateTime<Utc>>,
    /// The grant's reporting deadline (`FchTopeInf`), read with the row.
    pub caea_fch_tope_inf: Option<NaiveDate>,
}

impl AuthorizationColumns {
    /// The report state of a CAEA voucher; `None` for a CAE invoice.
    pub fn informe_estado(&self) -> Option<InformeEstado> {
        self.informe_estado_text.as_deref().and_then(InformeEstado::parse)
    }
}

impl InvoiceRow {
    /// What the note does to its original; `None` for an invoice that is not a note.
    pub fn note_kind(&self) -> Option<NoteKind> {
        self.note_kind_text.as_deref().and_then(NoteKind::parse)
    }
}

/// An invoice in a series worker's hands: its id, number (if assigned) and stored detail.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedRow {
    pub id: String,
    pub numero: Option<i64>,
    pub voucher: String,
}

/// What [`insert`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inserted {
    Created,
    /// The account already has an invoice under this idempotency key: its id and request hash.
    Existing {
        id: String,
        request_hash: Option<String>,
    },
    /// A cancellation whose original already has a live one (the unique index decided): that
    /// one's id.
    LiveCancellation {
        id: String,
    },
}

fn amount_columns(storage: &Storage) -> &'static str {
    amount_columns_of(matches!(storage, Storage::Postgres(_)))
}

fn amount_columns_of(postgres: bool) -> &'static str {
    match postgres {
        true => {
            "imp_total::text AS imp_total, imp_tot_conc::text AS imp_tot_conc, imp_neto::text AS imp_neto, \
             imp_op_ex::text AS imp_op_ex, imp_trib::text AS imp_trib, imp_iva::text AS imp_iva"
        }
        false => "imp_total, imp_tot_conc, imp_neto, imp_op_ex, imp_trib, imp_iva",
    }
}

fn columns(storage: &Storage) -> String {
    columns_with(storage, "document")
}

/// The columns with `document` (the request as sent, metadata included) read as `document`:
/// the column itself, or `CAST(NULL AS TEXT)` where a list leaves it out.
fn columns_with(storage: &Storage, document: &str) -> String {
    columns_of(amount_columns(storage), document)
}

fn columns_of(amounts: &str, document: &str) -> String {
    format!(
        "id, account_id, status, cuit, punto_venta, cbte_tipo, numero, voucher, {document} AS document, fecha, doc_tipo, doc_nro, \
         cliente_nombre, {}, cae, cae_vencimiento, arca_observaciones, arca_errores, send_state, attempts, \
         next_attempt_at, idempotency_key, request_hash, created_at, updated_at, approved_at, original_id, note_kind, \
         tipo_autorizacion, caea_grant_id, cbte_fch_hs_gen, informe_estado, informe_errores, informe_observaciones, informado_at, \
         (SELECT fch_tope_inf FROM caea_grants WHERE caea_grants.id = invoices.caea_grant_id) AS caea_fch_tope_inf",
        amounts
    )
}

/// The columns [`insert`] and [`insert_many`] write, in the order of [`insert_values`].
const INSERT_COLUMNS: &str = "id, account_id, cuit, punto_venta, cbte_tipo, voucher, document, fecha, \
     doc_tipo, doc_nro, cliente_nombre, imp_total, imp_tot_conc, imp_neto, imp_op_ex, imp_trib, imp_iva, \
     send_state, idempotency_key, request_hash, created_at, updated_at, status, next_attempt_at, retry_announced, \
     original_id, note_kind";

/// The bound parameters of one new invoice row ([`bind_new_row!`]).
const INSERT_WIDTH: usize = 25;

/// One row of `VALUES` for [`INSERT_COLUMNS`], its parameters numbered from `$offset + 1`
/// (amounts cast to `numeric` on PostgreSQL; `created_at` written to `updated_at` too).
fn insert_values(transaction: &Transaction<'_>, offset: usize) -> String {
    let numeric = match transaction {
        Transaction::Postgres(_) => "::numeric",
        Transaction::Sqlite(_) => "",
    };
    let p = |n: usize| format!("${}", offset + n);
    let mut values: Vec<String> = (1..=11).map(p).collect();
    values.extend((12..=17).map(|n| format!("{}{numeric}", p(n))));
    values.push("'none'".into());
    values.extend([p(18), p(19), p(20), p(20)]);
    values.extend((21..=INSERT_WIDTH).map(p));
    format!("({})", values.join(", "))
}

/// Binds a [`NewInvoiceRow`]'s [`INSERT_WIDTH`] parameters, in [`insert_values`]'s order.
macro_rules! bind_new_row {
    ($query:expr, $row:expr) => {{
        let row: &NewInvoiceRow = $row;
        let amounts = &row.amounts;
        $query
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(&row.series.cuit)
            .bind(row.series.punto_venta)
            .bind(row.series.cbte_tipo)
            .bind(&row.voucher)
            .bind(&row.document)
            .bind(row.fecha)
            .bind(row.doc_tipo)
            .bind(row.doc_nro)
            .bind(&row.cliente_nombre)
            .bind(&amounts.imp_total)
            .bind(&amounts.imp_tot_conc)
            .bind(&amounts.imp_neto)
            .bind(&amounts.imp_op_ex)
            .bind(&amounts.imp_trib)
            .bind(&amounts.imp_iva)
            .bind(&row.idempotency_key)
            .bind(&row.request_hash)
            .bind(row.created_at)
            .bind(row.initial_status().as_str())
            .bind(row.deferred_until_ms)
            // Accepted as pending_retry: `invoice.created` says so; no `invoice.pending_retry` follows.
            .bind(row.deferred_until_ms.is_some())
            .bind(&row.original_id)
            .bind(row.note_kind.map(NoteKind::as_str))
    }};
}

/// Inserts `rows` (new invoices, none of them a cancellation) in the caller's transaction, one
/// multi-row statement per [`ROWS_PER_STATEMENT`], and returns the ids it inserted: a row whose
/// idempotency key the account already used is left out (`ON CONFLICT DO NOTHING`), so fewer
/// ids than rows means the caller meets a repeat or a conflict ([`insert`] tells which).
pub async fn insert_many(transaction: &mut Transaction<'_>, rows: &[&NewInvoiceRow]) -> Result<Vec<String>, Error> {
    let mut inserted = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<String> = (0..chunk.len())
            .map(|index| insert_values(transaction, index * INSERT_WIDTH))
            .collect();
        let sql = format!(
            "INSERT INTO invoices ({INSERT_COLUMNS}) VALUES {} ON CONFLICT DO NOTHING RETURNING id",
            values.join(", ")
        );
        let ids = with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query_scalar::<_, String>(&sql);
            for row in chunk {
                query = bind_new_row!(query, row);
            }
            query.fetch_all(connection).await?
        });
        inserted.extend(ids);
    }
    Ok(inserted)
}

/// Inserts a `pending` invoice (`pending_retry` when deferred), in the caller's transaction (which also counts it in the
/// account's usage). With an idempotency key the account already used, inserts nothing and
/// returns the existing invoice's id (the unique constraint decides, so two concurrent requests
/// with one key create one invoice). A cancellation of an original that already has a live one
/// inserts nothing either and returns that one (`invoices_one_live_cancellation` decides).
pub async fn insert(transaction: &mut Transaction<'_>, row: &NewInvoiceRow) -> Result<Inserted, Error> {
    let sql = format!(
        "INSERT INTO invoices ({INSERT_COLUMNS}) VALUES {} ON CONFLICT DO NOTHING",
        insert_values(transaction, 0)
    );
    let inserted = with_transaction!(transaction, connection => {
        bind_new_row!(sqlx::query(&sql), row).execute(connection).await?.rows_affected()
    });
    if inserted == 1 {
        return Ok(Inserted::Created);
    }
    // Either unique constraint may have refused it: the key's first, then the cancellation's.
    if row.idempotency_key.is_some() {
        let existing = with_transaction!(&mut *transaction, connection => {
            sqlx::query_as::<_, (String, Option<String>)>(BY_IDEMPOTENCY_KEY)
                .bind(&row.account_id)
                .bind(&row.idempotency_key)
                .fetch_optional(connection)
                .await?
        });
        if let Some((id, request_hash)) = existing {
            return Ok(Inserted::Existing { id, request_hash });
        }
    }
    if row.note_kind == Some(NoteKind::Cancellation)
        && let Some(original_id) = &row.original_id
        && let Some(id) = live_cancellation_in(transaction, original_id).await?
    {
        return Ok(Inserted::LiveCancellation { id });
    }
    // Nothing inserted and nothing found would mean the conflict row vanished in between.
    Err(Error::NotFound)
}

const LIVE_CANCELLATION: &str = "SELECT id FROM invoices \
     WHERE original_id = $1 AND note_kind = 'cancellation' AND status <> 'failed'";

async fn live_cancellation_in(transaction: &mut Transaction<'_>, original_id: &str) -> Result<Option<String>, Error> {
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_scalar::<_, String>(LIVE_CANCELLATION)
            .bind(original_id)
            .fetch_optional(connection)
            .await?
    }))
}

/// The live (not failed) cancellation of invoice `original_id`, if it has one.
pub async fn live_cancellation(storage: &Storage, original_id: &str) -> Result<Option<String>, Error> {
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, String>(LIVE_CANCELLATION)
            .bind(original_id)
            .fetch_optional(pool)
            .await?
    }))
}

/// The notes of invoice `original_id`, oldest first (every status: the balance and the view
/// decide which count).
pub async fn notes_of(storage: &Storage, original_id: &str) -> Result<Vec<InvoiceRow>, Error> {
    let sql = format!(
        "SELECT {} FROM invoices WHERE original_id = $1 ORDER BY created_at, id",
        columns(storage)
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, InvoiceRow>(&sql).bind(original_id).fetch_all(pool).await?
    }))
}

/// For the notes among `ids`, read in the worker's fenced transaction: each distinct original
/// still `approved`, with all of its notes (every status). What the engine's hook settles.
pub async fn originals_of_notes_in(
    fenced: &mut Fenced<'_>,
    ids: &[String],
) -> Result<Vec<(InvoiceRow, Vec<InvoiceRow>)>, Error> {
    let transaction = fenced.transaction();
    let amounts = match transaction {
        Transaction::Postgres(_) => amount_columns_of(true),
        Transaction::Sqlite(_) => amount_columns_of(false),
    };
    let columns = columns_of(amounts, "CAST(NULL AS TEXT)");
    let mut settled = Vec::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT {columns} FROM invoices WHERE status = 'approved' AND id IN \
             (SELECT original_id FROM invoices WHERE original_id IS NOT NULL AND id IN ({})) ORDER BY id",
            super::placeholders(1, chunk.len())
        );
        let originals = with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query_as::<_, InvoiceRow>(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            query.fetch_all(connection).await?
        });
        for original in originals {
            if settled
                .iter()
                .any(|(seen, _): &(InvoiceRow, Vec<InvoiceRow>)| seen.id == original.id)
            {
                continue;
            }
            let sql = format!("SELECT {columns} FROM invoices WHERE original_id = $1 ORDER BY created_at, id");
            let notes = with_transaction!(&mut *transaction, connection => {
                sqlx::query_as::<_, InvoiceRow>(&sql).bind(&original.id).fetch_all(connection).await?
            });
            settled.push((original, notes));
        }
    }
    Ok(settled)
}

/// Locks invoice `original_id` for the rest of the caller's transaction (a row lock on
/// PostgreSQL, the database's write lock on SQLite) and returns the ids of its notes that are not
/// `failed`, sorted; `None` when it is no longer `approved`.
pub async fn lock_original(transaction: &mut Transaction<'_>, original_id: &str) -> Result<Option<Vec<String>>, Error> {
    const LOCK: &str = "UPDATE invoices SET updated_at = updated_at WHERE id = $1 AND status = 'approved'";
    const LIVE: &str = "SELECT id FROM invoices WHERE original_id = $1 AND status <> 'failed'";
    let locked = with_transaction!(&mut *transaction, connection => {
        sqlx::query(LOCK).bind(original_id).execute(connection).await?.rows_affected()
    });
    if locked != 1 {
        return Ok(None);
    }
    let mut live = with_transaction!(transaction, connection => {
        sqlx::query_scalar::<_, String>(LIVE).bind(original_id).fetch_all(connection).await?
    });
    // Sorted here, not by the database's collation: the caller compares with its own sort.
    live.sort();
    Ok(Some(live))
}

/// Moves the `approved` invoices among `ids` to `cancelled`, in the worker's fenced transaction
/// (the one recording the notes' approval); returns those it moved.
pub async fn mark_cancelled(fenced: &mut Fenced<'_>, ids: &[String], now: DateTime<Utc>) -> Result<Vec<String>, Error> {
    let transaction = fenced.transaction();
    let mut cancelled = Vec::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE invoices SET status = 'cancelled', updated_at = $1 \
             WHERE status = 'approved' AND id IN ({}) RETURNING id",
            super::placeholders(2, chunk.len())
        );
        let rows = with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query_scalar::<_, String>(&sql).bind(now);
            for id in chunk {
                query = query.bind(id);
            }
            query.fetch_all(connection).await?
        });
        cancelled.extend(rows);
    }
    Ok(cancelled)
}

const BY_IDEMPOTENCY_KEY: &str = "SELECT id, request_hash FROM invoices WHERE account_id = $1 AND idempotency_key = $2";

/// The account's invoice under `key`, with its request hash, if there is one: lets a repeat be
/// answered before any work that could fail now (a padrón look-up) is done again.
pub async fn find_by_idempotency_key(
    storage: &Storage,
    account_id: &str,
    key: &str,
) -> Result<Option<(String, Option<String>)>, Error> {
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, (String, Option<String>)>(BY_IDEMPOTENCY_KEY)
            .bind(account_id)
            .bind(key)
            .fetch_optional(pool)
            .await?
    }))
}

/// [`find_by_idempotency_key`] inside `transaction` (after the lock a note's submit takes, so a
/// repeat that raced the first request sees it).
pub async fn find_by_idempotency_key_in(
    transaction: &mut Transaction<'_>,
    account_id: &str,
    key: &str,
) -> Result<Option<(String, Option<String>)>, Error> {
    Ok(with_transaction!(transaction, connection => {
        sqlx::query_as::<_, (String, Option<String>)>(BY_IDEMPOTENCY_KEY)
            .bind(account_id)
            .bind(key)
            .fetch_optional(connection)
            .await?
    }))
}

/// Replaces the content of an invoice ARCA never received (`failed`, or `pending` /
/// `pending_retry` without a number) and queues it again as `pending`. `false` when the invoice
/// is not the account's or is numbered, in flight or final: an invoice carrying a number may be
/// at ARCA, and only the engine may decide its fate (ARCHITECTURE.md invariant 3).
pub async fn replace_unsent(
    transaction: &mut Transaction<'_>,
    account_id: &str,
    id: &str,
    row: &NewInvoiceRow,
) -> Result<bool, Error> {
    let numeric = match transaction {
        Transaction::Postgres(_) => "::numeric",
        Transaction::Sqlite(_) => "",
    };
    let sql = format!(
        "UPDATE invoices SET status = 'pending', punto_venta = $3, cbte_tipo = $4, voucher = $5, document = $6, \
         fecha = $7, doc_tipo = $8, doc_nro = $9, cliente_nombre = $10, imp_total = $11{numeric}, \
         imp_tot_conc = $12{numeric}, imp_neto = $13{numeric}, imp_op_ex = $14{numeric}, imp_trib = $15{numeric}, \
         imp_iva = $16{numeric}, arca_errores = NULL, arca_observaciones = NULL, attempts = 0, \
         next_attempt_at = NULL, updated_at = $17, retry_announced = FALSE \
         WHERE id = $1 AND account_id = $2 AND send_state = 'none' AND numero IS NULL \
         AND status IN ('pending', 'pending_retry', 'failed')"
    );
    let amounts = &row.amounts;
    let affected = with_transaction!(transaction, connection => {
        sqlx::query(&sql)
            .bind(id)
            .bind(account_id)
            .bind(row.series.punto_venta)
            .bind(row.series.cbte_tipo)
            .bind(&row.voucher)
            .bind(&row.document)
            .bind(row.fecha)
            .bind(row.doc_tipo)
            .bind(row.doc_nro)
            .bind(&row.cliente_nombre)
            .bind(&amounts.imp_total)
            .bind(&amounts.imp_tot_conc)
            .bind(&amounts.imp_neto)
            .bind(&amounts.imp_op_ex)
            .bind(&amounts.imp_trib)
            .bind(&amounts.imp_iva)
            .bind(row.created_at)
            .execute(connection)
            .await?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// Filters of the account's invoice list; `None` matches everything.
#[derive(Debug, Clone, Default)]
pub struct InvoiceFilter {
    pub status: Option<InvoiceStatus>,
    pub fecha_desde: Option<NaiveDate>,
    pub fecha_hasta: Option<NaiveDate>,
    /// Part of the customer's name, case-insensitive.
    pub cliente_nombre: Option<String>,
    pub cliente_documento: Option<i64>,
    pub punto_venta: Option<i32>,
    pub tipo_comprobante: Option<i32>,
}

/// One page of an account's invoices, newest first, and how many match in all. Every filter is a
/// bound parameter that, when NULL, disables its condition, so the SQL is one text on both
/// dialects. The rows come without `document` (read as NULL): lists never carry metadata.
pub async fn list_for_account(
    storage: &Storage,
    account_id: &str,
    filter: &InvoiceFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<InvoiceRow>, i64), Error> {
    const WHERE: &str = "account_id = $1 \
         AND ($2 IS NULL OR status = $2) \
         AND ($3 IS NULL OR fecha >= $3) \
         AND ($4 IS NULL OR fecha <= $4) \
         AND ($5 IS NULL OR LOWER(cliente_nombre) LIKE $5) \
         AND ($6 IS NULL OR doc_nro = $6) \
         AND ($7 IS NULL OR punto_venta = $7) \
         AND ($8 IS NULL OR cbte_tipo = $8)";
    let name = filter
        .cliente_nombre
        .as_ref()
        .map(|n| format!("%{}%", n.to_lowercase()));
    // Without `document`: a page stays small whatever the invoices' metadata holds (the
    // single-invoice read shows it).
    let rows_sql = format!(
        "SELECT {} FROM invoices WHERE {WHERE} ORDER BY created_at DESC, id DESC LIMIT $9 OFFSET $10",
        columns_with(storage, "CAST(NULL AS TEXT)")
    );
    let count_sql = format!("SELECT COUNT(*) FROM invoices WHERE {WHERE}");
    macro_rules! bind_filters {
        ($query:expr) => {
            $query
                .bind(account_id)
                .bind(filter.status.map(InvoiceStatus::as_str))
                .bind(filter.fecha_desde)
                .bind(filter.fecha_hasta)
                .bind(&name)
                .bind(filter.cliente_documento)
                .bind(filter.punto_venta)
                .bind(filter.tipo_comprobante)
        };
    }
    Ok(with_pool!(storage, pool => {
        let rows = bind_filters!(sqlx::query_as::<_, InvoiceRow>(&rows_sql)).bind(limit).bind(offset).fetch_all(pool).await?;
        let total = bind_filters!(sqlx::query_scalar::<_, i64>(&count_sql)).fetch_one(pool).await?;
        (rows, total)
    }))
}

/// The invoice with this id (any account: the engine's view; the API filters by account).
pub async fn find(storage: &Storage, id: &str) -> Result<Option<InvoiceRow>, Error> {
    let sql = format!("SELECT {} FROM invoices WHERE id = $1", columns(storage));
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, InvoiceRow>(&sql).bind(id).fetch_optional(pool).await?))
}

/// The account's invoice `id`'s issuer snapshot (`invoices.issuer_snapshot`): the one written
/// with its approval or, for an approved invoice that has none (its account had no profile
/// then), the account's profile as it is now, written once (`WHERE issuer_snapshot IS NULL`)
/// and read back, so two concurrent first readers end with the same snapshot. `None` when the
/// invoice is not the account's or has no CAE (not approved nor cancelled), or when there is still no profile.
pub async fn issuer_snapshot(storage: &Storage, account_id: &str, id: &str) -> Result<Option<String>, Error> {
    let take = format!(
        "UPDATE invoices SET issuer_snapshot = {SNAPSHOT_SUBQUERY} \
         WHERE id = $1 AND account_id = $2 AND status IN ('approved', 'cancelled') AND issuer_snapshot IS NULL"
    );
    const READ: &str = "SELECT issuer_snapshot FROM invoices WHERE id = $1 AND account_id = $2 AND status IN ('approved', 'cancelled')";
    Ok(with_pool!(storage, pool => {
        sqlx::query(&take).bind(id).bind(account_id).execute(pool).await?;
        sqlx::query_scalar::<_, Option<String>>(READ)
            .bind(id)
            .bind(account_id)
            .fetch_optional(pool)
            .await?
            .flatten()
    }))
}

/// Every invoice of a series, by number then creation (for tests, audits and the chaos checker).
pub async fn list_series(storage: &Storage, key: &SeriesKey) -> Result<Vec<InvoiceRow>, Error> {
    let sql = format!(
        "SELECT {} FROM invoices WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 \
         ORDER BY numero, created_at, id",
        columns(storage)
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, InvoiceRow>(&sql)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .fetch_all(pool)
            .await?
    }))
}

/// The series that have invoices not yet final (what a starting engine must resume).
pub async fn series_with_open_invoices(storage: &Storage) -> Result<Vec<SeriesKey>, Error> {
    const SQL: &str = "SELECT DISTINCT cuit, punto_venta, cbte_tipo FROM invoices \
         WHERE status IN ('pending', 'pending_retry') ORDER BY cuit, punto_venta, cbte_tipo";
    Ok(with_pool!(storage, pool => sqlx::query_as::<_, SeriesKey>(SQL).fetch_all(pool).await?))
}

/// The series' invoices that may be at ARCA under their number, by number.
pub async fn in_flight(storage: &Storage, key: &SeriesKey) -> Result<Vec<QueuedRow>, Error> {
    const SQL: &str = "SELECT id, numero, voucher FROM invoices \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND send_state = 'in_flight' \
         ORDER BY numero";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, QueuedRow>(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .fetch_all(pool)
            .await?
    }))
}

/// Up to `limit` invoices waiting for a number, in creation order, leaving out those whose retry
/// time has not come.
pub async fn waiting(storage: &Storage, key: &SeriesKey, now_ms: i64, limit: i64) -> Result<Vec<QueuedRow>, Error> {
    const SQL: &str = "SELECT id, numero, voucher FROM invoices \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND status IN ('pending', 'pending_retry') \
         AND send_state = 'none' AND (next_attempt_at IS NULL OR next_attempt_at <= $4) \
         ORDER BY created_at, id LIMIT $5";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, QueuedRow>(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(pool)
            .await?
    }))
}

/// The earliest retry time among the series' deferred invoices, if any.
pub async fn next_retry_at(storage: &Storage, key: &SeriesKey) -> Result<Option<i64>, Error> {
    const SQL: &str = "SELECT MIN(next_attempt_at) FROM invoices \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND status = 'pending_retry'";
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, Option<i64>>(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .fetch_one(pool)
            .await?
    }))
}

/// At most this many invoices per batched statement, so that its bound parameters stay far below
/// either dialect's limit (SQLite 32,766, PostgreSQL 65,535) whatever `FECompTotXRequest` says.
const ROWS_PER_STATEMENT: usize = 250;

/// Numbers a whole batch in one statement per [`ROWS_PER_STATEMENT`] invoices
/// (write-ahead, ARCHITECTURE.md invariant 2): one round trip instead of one per invoice, which under load is
/// what a worker step spent most of its time on. Returns how many invoices were still waiting
/// and got their number; fewer than `assignments.len()` means one changed under the worker
/// (cancelled, edited), and the caller rolls back and plans again.
pub async fn assign_numbers(
    fenced: &mut Fenced<'_>,
    assignments: &[(String, i64)],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let transaction = fenced.transaction();
    let mut assigned = 0;
    for chunk in assignments.chunks(ROWS_PER_STATEMENT) {
        // VALUES columns are named column1, column2, … on both dialects.
        let sql = format!(
            "UPDATE invoices SET numero = v.column2, send_state = 'in_flight', status = 'pending', updated_at = $1 \
             FROM (VALUES {}) AS v WHERE invoices.id = v.column1 AND invoices.send_state = 'none' \
             AND invoices.status IN ('pending', 'pending_retry')",
            super::values_rows(chunk.len(), 2, 2)
        );
        let affected = with_transaction!(transaction, connection => {
            let mut query = sqlx::query(&sql).bind(now);
            for (id, numero) in chunk {
                query = query.bind(id).bind(*numero);
            }
            query.execute(connection).await?.rows_affected()
        });
        assigned += usize::try_from(affected).unwrap_or(usize::MAX);
    }
    Ok(assigned)
}

/// One approved invoice of a batch, for [`record_approved_batch`].
#[derive(Debug, Clone)]
pub struct Approval<'a> {
    pub id: &'a str,
    pub numero: i64,
    pub cae: &'a str,
    pub cae_vencimiento: NaiveDate,
    pub observaciones: Option<String>,
}

/// [`record_approved`] for every approved invoice of a batch, in one statement per
/// [`ROWS_PER_STATEMENT`] invoices; the same conditions apply to each row. Returns how many rows
/// changed. Each approved row gets its `issuer_snapshot` in the same statement.
pub async fn record_approved_batch(
    fenced: &mut Fenced<'_>,
    approvals: &[Approval<'_>],
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let transaction = fenced.transaction();
    let mut recorded = 0;
    for chunk in approvals.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE invoices SET status = 'approved', send_state = 'none', cae = v.column3, \
             cae_vencimiento = v.column4, arca_observaciones = v.column5, arca_errores = NULL, \
             next_attempt_at = NULL, approved_at = $1, updated_at = $1, issuer_snapshot = {SNAPSHOT_SUBQUERY} \
             FROM (VALUES {}) AS v \
             WHERE invoices.id = v.column1 AND invoices.numero = v.column2 AND invoices.send_state = 'in_flight'",
            super::values_rows(chunk.len(), 5, 2)
        );
        let affected = with_transaction!(transaction, connection => {
            let mut query = sqlx::query(&sql).bind(now);
            for approval in chunk {
                query = query
                    .bind(approval.id)
                    .bind(approval.numero)
                    .bind(approval.cae)
                    .bind(approval.cae_vencimiento)
                    .bind(approval.observaciones.as_deref());
            }
            query.execute(connection).await?.rows_affected()
        });
        recorded += usize::try_from(affected).unwrap_or(usize::MAX);
    }
    Ok(recorded)
}

/// ARCA authorised the in-flight invoice under `numero`: `approved` with its CAE, and the
/// account's issuer profile as it is now kept with it (`issuer_snapshot`, NULL without one).
pub async fn record_approved(
    fenced: &mut Fenced<'_>,
    id: &str,
    numero: i64,
    cae: &str,
    cae_vencimiento: NaiveDate,
    observaciones: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let transaction = fenced.transaction();
    let sql = format!(
        "UPDATE invoices SET status = 'approved', send_state = 'none', cae = $3, cae_vencimiento = $4, \
         arca_observaciones = $5, arca_errores = NULL, next_attempt_at = NULL, approved_at = $6, updated_at = $6, \
         issuer_snapshot = {SNAPSHOT_SUBQUERY} WHERE id = $1 AND numero = $2 AND send_state = 'in_flight'"
    );
    let affected = with_transaction!(transaction, connection => {
        sqlx::query(&sql)
            .bind(id)
            .bind(numero)
            .bind(cae)
            .bind(cae_vencimiento)
            .bind(observaciones)
            .bind(now)
            .execute(connection)
            .await?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// The in-flight invoice failed. `keep_number` is for an inconsistency (ARCA holds the number with
/// other content: the number stays as evidence); a rejection releases it (ARCA consumed nothing).
pub async fn record_failed(
    fenced: &mut Fenced<'_>,
    id: &str,
    keep_number: bool,
    errores: &str,
    observaciones: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let transaction = fenced.transaction();
    const SQL: &str = "UPDATE invoices SET status = 'failed', send_state = 'none', \
         numero = CASE WHEN $2 THEN numero ELSE NULL END, arca_errores = $3, arca_observaciones = $4, \
         next_attempt_at = NULL, updated_at = $5 \
         WHERE id = $1 AND send_state = 'in_flight'";
    let affected = with_transaction!(transaction, connection => {
        sqlx::query(SQL)
            .bind(id)
            .bind(keep_number)
            .bind(errores)
            .bind(observaciones)
            .bind(now)
            .execute(connection)
            .await?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// ARCA certainly did not consume the in-flight invoice's number (not processed after an earlier
/// rejection, or above the last authorised number): release it and queue the invoice again.
pub async fn release_number(fenced: &mut Fenced<'_>, id: &str, now: DateTime<Utc>) -> Result<bool, Error> {
    let transaction = fenced.transaction();
    const SQL: &str = "UPDATE invoices SET status = 'pending', send_state = 'none', numero = NULL, updated_at = $2 \
         WHERE id = $1 AND send_state = 'in_flight'";
    let affected = with_transaction!(transaction, connection => {
        sqlx::query(SQL).bind(id).bind(now).execute(connection).await?.rows_affected()
    });
    Ok(affected == 1)
}

/// ARCA was not reachable or answered without processing: `pending_retry` until `retry_at_ms`.
/// With `keep_in_flight` (the outcome is still unknown) the number and the in-flight mark stay:
/// the invoice will be reconciled, not renumbered. Otherwise the number is released.
pub async fn defer(
    fenced: &mut Fenced<'_>,
    id: &str,
    keep_in_flight: bool,
    retry_at_ms: i64,
    errores: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    let transaction = fenced.transaction();
    const SQL: &str = "UPDATE invoices SET status = 'pending_retry', attempts = attempts + 1, next_attempt_at = $3, \
         send_state = CASE WHEN $2 THEN send_state ELSE 'none' END, \
         numero = CASE WHEN $2 THEN numero ELSE NULL END, arca_errores = $4, updated_at = $5 \
         WHERE id = $1 AND status IN ('pending', 'pending_retry')";
    let affected = with_transaction!(transaction, connection => {
        sqlx::query(SQL)
            .bind(id)
            .bind(keep_in_flight)
            .bind(retry_at_ms)
            .bind(errores)
            .bind(now)
            .execute(connection)
            .await?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// The API stopped waiting for ARCA's answer: a still `pending` invoice is shown as
/// `pending_retry` (ARCA slow or down; the engine finishes it), in the caller's transaction
/// (which also emits `invoice.pending_retry`). Touches nothing the engine relies on: its number,
/// in-flight mark and retry time stay. `false` if it is no longer `pending`.
pub async fn mark_slow(transaction: &mut Transaction<'_>, id: &str) -> Result<bool, Error> {
    const SQL: &str = "UPDATE invoices SET status = 'pending_retry' WHERE id = $1 AND status = 'pending'";
    let affected = with_transaction!(transaction, connection => {
        sqlx::query(SQL).bind(id).execute(connection).await?.rows_affected()
    });
    Ok(affected == 1)
}

/// Of `ids`, those now `pending_retry` whose round was not announced yet, marked announced (in
/// the caller's transaction): the invoices that owe an `invoice.pending_retry` event. A
/// deferral of an invoice already announced returns nothing; an edit starts a new round.
pub async fn announce_retry(transaction: &mut Transaction<'_>, ids: &[String]) -> Result<Vec<String>, Error> {
    let mut announced = Vec::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "UPDATE invoices SET retry_announced = TRUE \
             WHERE id IN ({}) AND status = 'pending_retry' AND NOT retry_announced RETURNING id",
            super::placeholders(1, chunk.len())
        );
        let rows = with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query_scalar::<_, String>(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            query.fetch_all(connection).await?
        });
        announced.extend(rows);
    }
    Ok(announced)
}

/// The invoices with these ids (any account), read in the caller's transaction: what an event
/// about them shows is what that transaction committed.
pub async fn find_many_in(transaction: &mut Transaction<'_>, ids: &[String]) -> Result<Vec<InvoiceRow>, Error> {
    let amounts = match transaction {
        Transaction::Postgres(_) => amount_columns_of(true),
        Transaction::Sqlite(_) => amount_columns_of(false),
    };
    let mut rows = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "SELECT {} FROM invoices WHERE id IN ({}) ORDER BY created_at, id",
            columns_of(amounts, "document"),
            super::placeholders(1, chunk.len())
        );
        let found = with_transaction!(&mut *transaction, connection => {
            let mut query = sqlx::query_as::<_, InvoiceRow>(&sql);
            for id in chunk {
                query = query.bind(id);
            }
            query.fetch_all(connection).await?
        });
        rows.extend(found);
    }
    Ok(rows)
}

/// Makes every deferred invoice due now; returns the series that have some.
pub async fn make_deferred_due(storage: &Storage, now: DateTime<Utc>) -> Result<Vec<SeriesKey>, Error> {
    const SQL: &str = "UPDATE invoices SET next_attempt_at = $1 \
         WHERE status = 'pending_retry' AND next_attempt_at > $1 \
         RETURNING cuit, punto_venta, cbte_tipo";
    let mut series = with_pool!(storage, pool => {
        sqlx::query_as::<_, SeriesKey>(SQL).bind(now.timestamp_millis()).fetch_all(pool).await?
    });
    series.sort();
    series.dedup();
    Ok(series)
}

/// Whether the series has anything for its worker: an in-flight invoice, or a waiting one whose
/// retry time has come. A cheap read that spares idle series a lease write.
pub async fn has_work(storage: &Storage, key: &SeriesKey, now_ms: i64) -> Result<bool, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM (SELECT 1 FROM invoices \
         WHERE cuit = $1 AND punto_venta = $2 AND cbte_tipo = $3 AND status IN ('pending', 'pending_retry') \
         AND (send_state = 'in_flight' OR next_attempt_at IS NULL OR next_attempt_at <= $4) LIMIT 1) AS work";
    let count = with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SQL)
            .bind(&key.cuit)
            .bind(key.punto_venta)
            .bind(key.cbte_tipo)
            .bind(now_ms)
            .fetch_one(pool)
            .await?
    });
    Ok(count > 0)
}

/// How many invoices are in each status (every account), for the queue gauges of `/metrics`.
pub async fn count_by_status(storage: &Storage) -> Result<Vec<(InvoiceStatus, i64)>, Error> {
    const SQL: &str = "SELECT status, COUNT(*) FROM invoices GROUP BY status";
    let counts = with_pool!(storage, pool => {
        sqlx::query_as::<_, (String, i64)>(SQL).fetch_all(pool).await?
    });
    // The column's CHECK constraint admits only the enum's values.
    Ok(counts
        .into_iter()
        .filter_map(|(status, count)| InvoiceStatus::parse(&status).map(|status| (status, count)))
        .collect())
}
