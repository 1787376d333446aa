//! The `points_of_sale` table. Every query filters by `account_id`.

use chrono::{DateTime, NaiveDate, Utc};

use super::{Storage, conflict_if_duplicate, with_pool};
use crate::Error;

/// One row of `points_of_sale`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PointOfSaleRow {
    pub id: String,
    pub account_id: String,
    pub numero: i32,
    pub descripcion: Option<String>,
    /// Its own address, printed on its invoices instead of the issuer profile's domicilio
    /// comercial (the sync from ARCA never touches it).
    pub domicilio: Option<String>,
    pub tipo_emision: String,
    pub bloqueado: bool,
    pub fecha_baja: Option<NaiveDate>,
    /// `manual` or `arca`.
    pub origin: String,
    /// A CAEA contingency point of sale (docs/arca.md §G): the account opted in with it. The
    /// sync from ARCA never touches it.
    pub contingencia: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A point of sale as ARCA lists it (FEParamGetPtosVenta: `Nro`, `EmisionTipo`, `Bloqueado`,
/// `FchBaja`), the input of [`upsert_points_of_sale_from_arca`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArcaPointOfSale {
    pub numero: i32,
    pub tipo_emision: String,
    pub bloqueado: bool,
    pub fecha_baja: Option<NaiveDate>,
}

impl From<&arca_protocol::wsfe::PtoVenta> for ArcaPointOfSale {
    /// ARCA's row as the upsert takes it: a missing `EmisionTipo` reads as `CAE`, a missing
    /// `Bloqueado` as not blocked.
    fn from(row: &arca_protocol::wsfe::PtoVenta) -> ArcaPointOfSale {
        ArcaPointOfSale {
            numero: row.nro,
            tipo_emision: row.emision_tipo.clone().unwrap_or_else(|| "CAE".to_string()),
            bloqueado: row.bloqueado.unwrap_or(false),
            fecha_baja: row.fch_baja,
        }
    }
}

const COLUMNS: &str = "id, account_id, numero, descripcion, domicilio, tipo_emision, bloqueado, fecha_baja, origin, contingencia, created_at, updated_at";

fn duplicate(numero: i32) -> impl FnOnce() -> String {
    move || format!("the account already has point of sale {numero}")
}

/// Inserts a point of sale; [`Error::Conflict`] when the account already has its number.
pub async fn insert(storage: &Storage, row: &PointOfSaleRow) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO points_of_sale \
         (id, account_id, numero, descripcion, tipo_emision, bloqueado, fecha_baja, origin, created_at, updated_at, domicilio, contingencia) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
    with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.id)
            .bind(&row.account_id)
            .bind(row.numero)
            .bind(&row.descripcion)
            .bind(&row.tipo_emision)
            .bind(row.bloqueado)
            .bind(row.fecha_baja)
            .bind(&row.origin)
            .bind(row.created_at)
            .bind(row.updated_at)
            .bind(&row.domicilio)
            .bind(row.contingencia)
            .execute(pool)
            .await
            .map_err(|error| conflict_if_duplicate(error, duplicate(row.numero)))?;
    });
    Ok(())
}

/// The account's point of sale `id`.
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<Option<PointOfSaleRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM points_of_sale WHERE account_id = $1 AND id = $2");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, PointOfSaleRow>(&sql).bind(account_id).bind(id).fetch_optional(pool).await?
    }))
}

/// The account's point of sale with ARCA number `numero` (what an invoice names).
pub async fn find_by_numero(storage: &Storage, account_id: &str, numero: i32) -> Result<Option<PointOfSaleRow>, Error> {
    let sql = format!("SELECT {COLUMNS} FROM points_of_sale WHERE account_id = $1 AND numero = $2");
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, PointOfSaleRow>(&sql).bind(account_id).bind(numero).fetch_optional(pool).await?
    }))
}

/// A page of the account's points of sale, newest first.
pub async fn list(storage: &Storage, account_id: &str, limit: i64, offset: i64) -> Result<Vec<PointOfSaleRow>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM points_of_sale WHERE account_id = $1 \
         ORDER BY created_at DESC, id DESC LIMIT $2 OFFSET $3"
    );
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, PointOfSaleRow>(&sql).bind(account_id).bind(limit).bind(offset).fetch_all(pool).await?
    }))
}

/// How many points of sale the account has.
pub async fn count(storage: &Storage, account_id: &str) -> Result<i64, Error> {
    const SQL: &str = "SELECT COUNT(*) FROM points_of_sale WHERE account_id = $1";
    Ok(with_pool!(storage, pool => sqlx::query_scalar::<_, i64>(SQL).bind(account_id).fetch_one(pool).await?))
}

/// Writes every editable column of the account's row `row.id` (number, description, domicilio,
/// emission type, blocked, closing date, contingency flag) and `updated_at`; false when the
/// account has no such row.
pub async fn update(storage: &Storage, row: &PointOfSaleRow) -> Result<bool, Error> {
    const SQL: &str = "UPDATE points_of_sale SET numero = $3, descripcion = $4, tipo_emision = $5, \
         bloqueado = $6, fecha_baja = $7, updated_at = $8, domicilio = $9, contingencia = $10 WHERE account_id = $1 AND id = $2";
    let affected = with_pool!(storage, pool => {
        sqlx::query(SQL)
            .bind(&row.account_id)
            .bind(&row.id)
            .bind(row.numero)
            .bind(&row.descripcion)
            .bind(&row.tipo_emision)
            .bind(row.bloqueado)
            .bind(row.fecha_baja)
            .bind(row.updated_at)
            .bind(&row.domicilio)
            .bind(row.contingencia)
            .execute(pool)
            .await
            .map_err(|error| conflict_if_duplicate(error, duplicate(row.numero)))?
            .rows_affected()
    });
    Ok(affected == 1)
}

/// Deletes the account's point of sale `id`; false when the account has no such row.
pub async fn delete(storage: &Storage, account_id: &str, id: &str) -> Result<bool, Error> {
    const SQL: &str = "DELETE FROM points_of_sale WHERE account_id = $1 AND id = $2";
    let affected = with_pool!(storage, pool => {
        sqlx::query(SQL).bind(account_id).bind(id).execute(pool).await?.rows_affected()
    });
    Ok(affected == 1)
}

/// Writes what ARCA lists for the account (`POST /v1/points-of-sale/sync` calls this with the
/// answer of FEParamGetPtosVenta), in one transaction: a number the account lacks is inserted
/// with `origin = 'arca'`; a number it has gets ARCA's emission type, blocked flag and closing
/// date and becomes `origin = 'arca'`, keeping its id, `descripcion`, `domicilio` and
/// `contingencia` (the account's choice, never reset by a sync). Rows ARCA does not list
/// are left alone. Returns how many rows were written.
pub async fn upsert_points_of_sale_from_arca(
    storage: &Storage,
    account_id: &str,
    points: &[ArcaPointOfSale],
    now: DateTime<Utc>,
) -> Result<u64, Error> {
    const SQL: &str = "INSERT INTO points_of_sale \
         (id, account_id, numero, descripcion, tipo_emision, bloqueado, fecha_baja, origin, created_at, updated_at) \
         VALUES ($1, $2, $3, NULL, $4, $5, $6, 'arca', $7, $7) \
         ON CONFLICT (account_id, numero) DO UPDATE SET tipo_emision = excluded.tipo_emision, \
         bloqueado = excluded.bloqueado, fecha_baja = excluded.fecha_baja, origin = 'arca', \
         updated_at = excluded.updated_at";
    let mut written = 0;
    with_pool!(storage, pool => {
        let mut transaction = pool.begin().await?;
        for point in points {
            written += sqlx::query(SQL)
                .bind(super::new_id("pos"))
                .bind(account_id)
                .bind(point.numero)
                .bind(&point.tipo_emision)
                .bind(point.bloqueado)
                .bind(point.fecha_baja)
                .bind(now)
                .execute(&mut *transaction)
                .await?
                .rows_affected();
        }
        transaction.commit().await?;
    });
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arca_rows_convert_with_defaults() {
        let closed = NaiveDate::from_ymd_opt(2025, 12, 31);
        let listed = arca_protocol::wsfe::PtoVenta {
            nro: 4,
            emision_tipo: Some("CAEA".into()),
            bloqueado: Some(true),
            fch_baja: closed,
        };
        let expected = ArcaPointOfSale {
            numero: 4,
            tipo_emision: "CAEA".into(),
            bloqueado: true,
            fecha_baja: closed,
        };
        assert_eq!(ArcaPointOfSale::from(&listed), expected);
        let bare = arca_protocol::wsfe::PtoVenta {
            nro: 5,
            emision_tipo: None,
            bloqueado: None,
            fch_baja: None,
        };
        let converted = ArcaPointOfSale::from(&bare);
        assert_eq!((converted.tipo_emision.as_str(), converted.bloqueado), ("CAE", false));
    }
}
