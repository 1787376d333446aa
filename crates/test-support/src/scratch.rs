//! [`ScratchDatabase`]: a PostgreSQL database of one's own on a server, for a test, a benchmark
//! or a chaos run — created under a unique name, migrated on request, and dropped at the end
//! (`WITH (FORCE)`, so connections still open do not keep it alive).
//!
//! It never touches any other database on the server.

use sqlx::Connection;

/// A database created on the server at `admin_url`, until [`ScratchDatabase::drop_now`] (or
/// [`ScratchDatabase::drop_blocking`] where no runtime may be blocked).
#[derive(Debug, Clone)]
pub struct ScratchDatabase {
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates `<prefix>_<unique>` on the server at `admin_url` (a `postgres://` URL of any
    /// database there, used for `CREATE DATABASE` and `DROP DATABASE`).
    pub async fn create(admin_url: &str, prefix: &str) -> Result<ScratchDatabase, sqlx::Error> {
        let name = arca_service::storage::new_id(prefix);
        let mut admin = sqlx::PgConnection::connect(admin_url).await?;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await?;
        admin.close().await.ok();
        Ok(ScratchDatabase {
            admin_url: admin_url.to_string(),
            name,
        })
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// The URL of the scratch database: the admin URL with its database name replaced (its
    /// query string kept).
    pub fn url(&self) -> String {
        with_database(&self.admin_url, &self.name)
    }

    /// Drops the database, whoever is still connected.
    pub async fn drop_now(self) -> Result<(), sqlx::Error> {
        let mut admin = sqlx::PgConnection::connect(&self.admin_url).await?;
        sqlx::query(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name))
            .execute(&mut admin)
            .await?;
        admin.close().await
    }

    /// [`ScratchDatabase::drop_now`] from a thread of its own, for `Drop` impls that run inside
    /// a runtime they must not block. A failure is reported on stderr (a `Drop` cannot return it).
    #[allow(clippy::print_stderr)]
    pub fn drop_blocking(self) {
        std::thread::spawn(move || {
            let name = self.name.clone();
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build();
            let dropped = match runtime {
                Ok(runtime) => runtime.block_on(self.drop_now()).map_err(|error| error.to_string()),
                Err(error) => Err(error.to_string()),
            };
            if let Err(error) = dropped {
                eprintln!("could not drop database {name}: {error}");
            }
        })
        .join()
        .ok();
    }
}

/// `postgres://…/db` with another database name (query string kept).
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_part = base[scheme_end..].find('/').map_or(base, |i| &base[..scheme_end + i]);
    let mut out = format!("{host_part}/{database}");
    if let Some(query) = query {
        out.push('?');
        out.push_str(query);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_query_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "x"),
            "postgres://u:p@h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
    }
}
