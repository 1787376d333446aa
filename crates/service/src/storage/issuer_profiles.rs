//! The `issuer_profiles` and `issuer_logos` tables, and the SQL that copies a profile into an
//! approved invoice's `issuer_snapshot` ([`SNAPSHOT_SUBQUERY`]). Every query filters by
//! `account_id`.
//!
//! A logo is kept by content (its SHA-256) per account and never deleted while the account
//! exists: an invoice's snapshot names its logo by hash, so replacing the profile's logo never
//! changes what an approved invoice prints.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// One row of `issuer_profiles`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct IssuerProfileRow {
    pub account_id: String,
    pub razon_social: String,
    pub domicilio_comercial: String,
    /// `responsable_inscripto`, `monotributo` or `exento` (the column's `CHECK`).
    pub condicion_iva: String,
    /// The number, `exento` or `convenio_multilateral`.
    pub ingresos_brutos: String,
    pub inicio_actividades: NaiveDate,
    pub logo_sha256: Option<String>,
    /// FCE defaults: the CBU (22 digits), its alias, the transfer option (`SCA`/`ADC`, the
    /// column's `CHECK`); NULL when not set.
    pub fce_cbu: Option<String>,
    pub fce_alias: Option<String>,
    pub fce_transferencia: Option<String>,
    /// The profile as JSON, what an approval copies (see [`SNAPSHOT_SUBQUERY`]).
    pub snapshot: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// One row of `issuer_logos`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct LogoRow {
    pub account_id: String,
    pub sha256: String,
    /// `png` or `jpeg` (the column's `CHECK`).
    pub format: String,
    pub content: Vec<u8>,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "account_id, razon_social, domicilio_comercial, condicion_iva, ingresos_brutos, \
     inicio_actividades, logo_sha256, fce_cbu, fce_alias, fce_transferencia, snapshot, created_at, updated_at";

/// The snapshot an approval writes into `invoices.issuer_snapshot`, as a scalar subquery over
/// the row being updated (`invoices.account_id`, `invoices.punto_venta`): the JSON object
/// `{"perfil": <the profile's snapshot>, "domicilio_punto_venta": <the point of sale's domicilio
/// or null>}`, or NULL when the account has no profile.
///
/// Built with `||` and `REPLACE`, which both dialects share. The domicilio becomes a JSON string
/// by escaping `\` and `"` only: the service stores it under the single-line text rule
/// (`crate::text`, no C0 control character), so no other character needs escaping in JSON.
pub const SNAPSHOT_SUBQUERY: &str = r#"(SELECT '{"perfil":' || issuer_profiles.snapshot || ',"domicilio_punto_venta":' || COALESCE('"' || REPLACE(REPLACE(points_of_sale.domicilio, '\', '\\'), '"', '\"') || '"', 'null') || '}' FROM issuer_profiles LEFT JOIN points_of_sale ON points_of_sale.account_id = issuer_profiles.account_id AND points_of_sale.numero = invoices.punto_venta WHERE issuer_profiles.account_id = invoices.account_id)"#;

/// Writes the account's profile (inserted or replaced whole) and, when it has one, its logo
/// (kept once per content), in one transaction.
pub async fn put(storage: &Storage, row: &IssuerProfileRow, logo: Option<&LogoRow>) -> Result<(), Error> {
    const LOGO: &str = "INSERT INTO issuer_logos (account_id, sha256, format, content, created_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (account_id, sha256) DO NOTHING";
    const PROFILE: &str = "INSERT INTO issuer_profiles (account_id, razon_social, domicilio_comercial, \
         condicion_iva, ingresos_brutos, inicio_actividades, logo_sha256, fce_cbu, fce_alias, fce_transferencia, \
         snapshot, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) \
         ON CONFLICT (account_id) DO UPDATE SET razon_social = excluded.razon_social, \
         domicilio_comercial = excluded.domicilio_comercial, condicion_iva = excluded.condicion_iva, \
         ingresos_brutos = excluded.ingresos_brutos, inicio_actividades = excluded.inicio_actividades, \
         logo_sha256 = excluded.logo_sha256, fce_cbu = excluded.fce_cbu, fce_alias = excluded.fce_alias, \
         fce_transferencia = excluded.fce_transferencia, snapshot = excluded.snapshot, updated_at = excluded.updated_at";
    with_pool!(storage, pool => {
        let mut transaction = pool.begin().await?;
        if let Some(logo) = logo {
            sqlx::query(LOGO)
                .bind(&logo.account_id)
                .bind(&logo.sha256)
                .bind(&logo.format)
                .bind(&logo.content)
                .bind(logo.created_at)
                .execute(&mut *transaction)
                .await?;
        }
        sqlx::query(PROFILE)
            .bind(&row.account_id)
            .bind(&row.razon_social)
            .bind(&row.domicilio_comercial)
            .bind(&row.condicion_iva)
            .bind(&row.ingresos_brutos)
            .bind(row.inicio_actividades)
            .bind(&row.logo_sha256)
            .bind(&row.fce_cbu)
            .bind(&row.fce_alias)
            .bind(&row.fce_transferencia)
            .bind(&row.snapshot)
            .bind(row.updated_at)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
    });
    Ok(())
}

/// The account's profile, if it has one.
pub async fn find(storage: &Storage, account_id: &str) -> Result<Option<IssuerProfileRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM issuer_profiles WHERE account_id = $1");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, IssuerProfileRow>(&sql).bind(account_id).fetch_optional(pool).await?
    }))
}

/// The account's logo with this content hash.
pub async fn logo(storage: &Storage, account_id: &str, sha256: &str) -> Result<Option<LogoRow>, Error> {
    const SQL: &str = "SELECT account_id, sha256, format, content, created_at FROM issuer_logos \
         WHERE account_id = $1 AND sha256 = $2";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, LogoRow>(SQL).bind(account_id).bind(sha256).fetch_optional(pool).await?
    }))
}
