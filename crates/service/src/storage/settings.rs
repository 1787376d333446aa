//! The `settings` table: named values shared by every instance (the maintenance flag).

use chrono::{DateTime, Utc};

use super::{Storage, with_pool};
use crate::Error;

/// A setting's value and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct SettingRow {
    pub value: String,
    pub updated_at: DateTime<Utc>,
}

/// The setting `name`, if it was ever set.
pub async fn find(storage: &Storage, name: &str) -> Result<Option<SettingRow>, Error> {
    const SQL: &str = "SELECT value, updated_at FROM settings WHERE name = $1";
    Ok(with_pool!(storage, pool => {
        sqlx::query_as::<_, SettingRow>(SQL).bind(name).fetch_optional(pool).await?
    }))
}

/// Sets `name` to `value`, creating it if needed.
pub async fn upsert(storage: &Storage, name: &str, value: &str, at: DateTime<Utc>) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO settings (name, value, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at";
    with_pool!(storage, pool => {
        sqlx::query(SQL).bind(name).bind(value).bind(at).execute(pool).await?;
    });
    Ok(())
}
