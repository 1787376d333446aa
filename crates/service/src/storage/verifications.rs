//! The `verifications` table: WSCDC checks of received vouchers and ARCA's answers. Every
//! query filters by `account_id`. It never decides anything: `verifications.rs` does.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// One row of `verifications`. `importe_total` is the exact decimal's text; `observaciones`,
/// `errors` and `events` are JSON arrays of `{code, message}`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct VerificationRow {
    pub id: String,
    pub account_id: String,
    pub created_at: DateTime<Utc>,
    /// `fields` or `qr`.
    pub source: String,
    /// `CAE`, `CAEA` or `CAI`.
    pub cbte_modo: String,
    pub cuit_emisor: String,
    pub punto_de_venta: i32,
    pub tipo_comprobante: i32,
    pub numero: i64,
    pub fecha: NaiveDate,
    pub importe_total: String,
    pub codigo_autorizacion: String,
    pub doc_tipo_receptor: Option<String>,
    pub doc_nro_receptor: Option<String>,
    /// `A` or `R`.
    pub resultado: String,
    pub observaciones: String,
    pub errors: String,
    pub events: String,
    pub fch_proceso: Option<String>,
}

const COLUMNS: &str = "id, account_id, created_at, source, cbte_modo, cuit_emisor, punto_de_venta, \
     tipo_comprobante, numero, fecha, importe_total, codigo_autorizacion, doc_tipo_receptor, doc_nro_receptor, \
     resultado, observaciones, errors, events, fch_proceso";

pub async fn insert(storage: &Storage, row: &VerificationRow) -> Result<(), Error> {
    let sql = format!(
        "INSERT INTO verifications ({COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)"
    );
    with_pool!(storage, pool => {
        sqlx::query(&sql)
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(row.created_at)
            .bind(&row.source)
            .bind(&row.cbte_modo)
            .bind(&row.cuit_emisor)
            .bind(row.punto_de_venta)
            .bind(row.tipo_comprobante)
            .bind(row.numero)
            .bind(row.fecha)
            .bind(&row.importe_total)
            .bind(&row.codigo_autorizacion)
            .bind(&row.doc_tipo_receptor)
            .bind(&row.doc_nro_receptor)
            .bind(&row.resultado)
            .bind(&row.observaciones)
            .bind(&row.errors)
            .bind(&row.events)
            .bind(&row.fch_proceso)
            .execute(pool)
            .await?;
    });
    Ok(())
}

/// The account's verification `id`.
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<Option<VerificationRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM verifications WHERE account_id = $1 AND id = $2");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, VerificationRow>(&sql).bind(account_id).bind(id).fetch_optional(pool).await?
    }))
}

/// A page of the account's verifications, newest first.
pub async fn list(storage: &Storage, account_id: &str, limit: i64, offset: i64) -> Result<Vec<VerificationRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM verifications WHERE account_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, VerificationRow>(&sql)
            .bind(account_id)
            .bind(limit)
            .bind(offset)
            .fetch_all(pool)
            .await?
    }))
}

/// How many verifications the account has.
pub async fn count(storage: &Storage, account_id: &str) -> Result<i64, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM verifications WHERE account_id = $1";
    Ok(with_pool!(storage, pool => {
        sqlx::query_scalar::<_, i64>(SQL).bind(account_id).fetch_one(pool).await?
    }))
}
