//! The `invoice_ai_drafts` table: the audit of an invoice made in `mode: simple` — the
//! description as sent, the model's answer as received, the model and the confidence. Written in
//! the transaction that stores the invoice (`issuance::Engine::submit_with`); read only by
//! account. It never decides anything: `simple_mode.rs` does.

use chrono::{DateTime, Utc};

use super::transaction::{Transaction, with_transaction};
use super::{Storage, with_pool};
use crate::Error;

/// One row of `invoice_ai_drafts`.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AiDraftRow {
    pub invoice_id: String,
    pub account_id: String,
    /// The description as the client sent it (1–2,000 characters).
    pub descripcion: String,
    /// The model named in the request (`AI_MODEL`).
    pub modelo: String,
    /// The model's answer as the provider gave it (at most 32 KiB).
    pub respuesta: String,
    /// The confidence the service computed (0–1).
    pub confidence: f64,
    pub created_at: DateTime<Utc>,
}

/// What a `mode: simple` invoice keeps besides itself: its row without the ids and the time,
/// which the transaction storing the invoice adds.
#[derive(Debug, Clone, PartialEq)]
pub struct Audit {
    pub descripcion: String,
    pub modelo: String,
    pub respuesta: String,
    pub confidence: f64,
}

impl AiDraftRow {
    pub fn new(audit: &Audit, invoice_id: &str, account_id: &str, created_at: DateTime<Utc>) -> AiDraftRow {
        AiDraftRow {
            invoice_id: invoice_id.to_string(),
            account_id: account_id.to_string(),
            descripcion: audit.descripcion.clone(),
            modelo: audit.modelo.clone(),
            respuesta: audit.respuesta.clone(),
            confidence: audit.confidence,
            created_at,
        }
    }
}

const COLUMNS: &str = "invoice_id, account_id, descripcion, modelo, respuesta, confidence, created_at";

/// Inserts the audit of a new invoice, in the transaction that inserts the invoice.
pub async fn insert(transaction: &mut Transaction<'_>, row: &AiDraftRow) -> Result<(), Error> {
    let sql = format!("INSERT INTO invoice_ai_drafts ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
    with_transaction!(transaction, connection => {
        sqlx::query(&sql)
            .bind(&row.invoice_id)
            .bind(&row.account_id)
            .bind(&row.descripcion)
            .bind(&row.modelo)
            .bind(&row.respuesta)
            .bind(row.confidence)
            .bind(row.created_at)
            .execute(connection)
            .await?;
    });
    Ok(())
}

/// The audit of the account's invoice `invoice_id`, if it was made in `mode: simple`.
pub async fn find(storage: &Storage, account_id: &str, invoice_id: &str) -> Result<Option<AiDraftRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM invoice_ai_drafts WHERE account_id = $1 AND invoice_id = $2");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, AiDraftRow>(&sql)
            .bind(account_id)
            .bind(invoice_id)
            .fetch_optional(pool)
            .await?
    }))
}

/// How many audits the account has (tests: nothing stored after a refusal).
pub async fn count(storage: &Storage, account_id: &str) -> Result<i64, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM invoice_ai_drafts WHERE account_id = $1";
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SQL).bind(account_id).fetch_one(pool).await?
    }))
}
