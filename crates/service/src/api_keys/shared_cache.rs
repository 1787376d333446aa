//! The API key look-up cache in Redis, shared by every instance (see the parent module for
//! why revocation writes a tombstone and additions use `SET NX`).

use redis::aio::ConnectionManager;

use super::{Authenticated, CACHE_TTL};

/// What the Redis cache holds for a key's hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Shared {
    Owner(Authenticated),
    Revoked,
}

/// The look-up cache in Redis, shared by every instance.
pub(super) struct SharedCache {
    connection: ConnectionManager,
    key_prefix: String,
}

/// The tombstone value of a revoked key.
const REVOKED: &str = "revoked";

impl SharedCache {
    pub(super) fn new(connection: ConnectionManager, key_prefix: &str) -> SharedCache {
        SharedCache {
            connection,
            key_prefix: key_prefix.to_string(),
        }
    }

    fn key(&self, hash: &str) -> String {
        format!("{}apikey:{hash}", self.key_prefix)
    }

    pub(super) async fn get(&self, hash: &str) -> Result<Option<Shared>, redis::RedisError> {
        let mut connection = self.connection.clone();
        let value: Option<String> = redis::cmd("GET")
            .arg(self.key(hash))
            .query_async(&mut connection)
            .await?;
        Ok(value.and_then(|value| Shared::decode(&value)))
    }

    /// Adds an entry unless one exists: a tombstone written meanwhile wins.
    pub(super) async fn put(&self, hash: &str, authenticated: &Authenticated) -> Result<(), redis::RedisError> {
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(self.key(hash))
            .arg(Shared::Owner(authenticated.clone()).encode())
            .arg("NX")
            .arg("EX")
            .arg(CACHE_TTL.as_secs())
            .exec_async(&mut connection)
            .await
    }

    /// Overwrites the entry with a tombstone, outliving any entry added before it.
    pub(super) async fn mark_revoked(&self, hash: &str) -> Result<(), redis::RedisError> {
        let mut connection = self.connection.clone();
        redis::cmd("SET")
            .arg(self.key(hash))
            .arg(REVOKED)
            .arg("EX")
            .arg(CACHE_TTL.as_secs())
            .exec_async(&mut connection)
            .await
    }
}

impl Shared {
    /// `key_id account_id requests_per_minute` (ids never hold spaces), or the tombstone.
    fn encode(&self) -> String {
        match self {
            Shared::Owner(owner) => format!("{} {} {}", owner.key_id, owner.account_id, owner.requests_per_minute),
            Shared::Revoked => REVOKED.to_string(),
        }
    }

    /// `None` for anything unreadable, which is then a cache miss.
    fn decode(value: &str) -> Option<Shared> {
        if value == REVOKED {
            return Some(Shared::Revoked);
        }
        let mut parts = value.split(' ');
        let owner = Authenticated {
            key_id: parts.next()?.to_string(),
            account_id: parts.next()?.to_string(),
            requests_per_minute: parts.next()?.parse().ok()?,
        };
        parts.next().is_none().then_some(Shared::Owner(owner))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shared_entries_round_trip() {
        let owner = Shared::Owner(Authenticated {
            key_id: "key_1".into(),
            account_id: "acct_1".into(),
            requests_per_minute: 100,
        });
        assert_eq!(Shared::decode(&owner.encode()), Some(owner));
        assert_eq!(Shared::decode(&Shared::Revoked.encode()), Some(Shared::Revoked));
        for garbage in ["", "key_1 acct_1", "key_1 acct_1 x", "a b 1 extra"] {
            assert_eq!(Shared::decode(garbage), None, "{garbage}");
        }
    }
}
