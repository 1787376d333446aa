//! Reversible migrations, one set per dialect, embedded in the binary: `NNNN_name.up.sql` and
//! `NNNN_name.down.sql` under `migrations/postgres/` and `migrations/sqlite/`.

use sqlx::migrate::{Migrate, Migrator};

use super::{Storage, with_pool};
use crate::Error;

static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");
static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");

/// One migration and whether the database has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    pub version: i64,
    pub description: String,
    pub applied: bool,
}

impl MigrationStatus {
    /// `0001_accounts`, as the files are named.
    pub fn name(&self) -> String {
        format!("{:04}_{}", self.version, self.description.replace(' ', "_"))
    }
}

fn migrator(storage: &Storage) -> &'static Migrator {
    match storage {
        Storage::Postgres(_) => &POSTGRES,
        Storage::Sqlite(_) => &SQLITE,
    }
}

/// Every known migration, oldest first, with whether it is applied.
pub async fn status(storage: &Storage) -> Result<Vec<MigrationStatus>, Error> {
    let applied = with_pool!(storage, pool => {
        let mut connection = pool.acquire().await?;
        connection.ensure_migrations_table().await?;
        connection.list_applied_migrations().await?
    });
    Ok(migrator(storage)
        .iter()
        .filter(|migration| migration.migration_type.is_up_migration())
        .map(|migration| MigrationStatus {
            version: migration.version,
            description: migration.description.to_string(),
            applied: applied.iter().any(|done| done.version == migration.version),
        })
        .collect())
}

/// Names of the migrations not yet applied.
pub async fn pending(storage: &Storage) -> Result<Vec<String>, Error> {
    Ok(status(storage)
        .await?
        .into_iter()
        .filter(|migration| !migration.applied)
        .map(|migration| migration.name())
        .collect())
}

/// Applies every pending migration, each in its own transaction.
pub async fn up(storage: &Storage) -> Result<(), Error> {
    let migrator = migrator(storage);
    with_pool!(storage, pool => migrator.run(pool).await?);
    Ok(())
}

/// Reverts the `count` most recently applied migrations (all of them when `count` exceeds
/// what is applied); returns how many were reverted.
pub async fn down(storage: &Storage, count: usize) -> Result<usize, Error> {
    let mut applied: Vec<i64> = status(storage)
        .await?
        .into_iter()
        .filter(|migration| migration.applied)
        .map(|migration| migration.version)
        .collect();
    applied.sort_unstable_by(|a, b| b.cmp(a));
    // `undo` reverts every applied migration newer than the target version.
    let target = applied.get(count).copied().unwrap_or(0);
    let migrator = migrator(storage);
    with_pool!(storage, pool => migrator.undo(pool, target).await?);
    Ok(count.min(applied.len()))
}
