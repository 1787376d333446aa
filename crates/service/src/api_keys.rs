//! API keys: `arca_test_…` / `arca_live_…` followed by 32 bytes of OS randomness (base64url).
//!
//! Only HMAC-SHA256(API_KEY_SALT, key) is stored, in hex: keys are high-entropy, so a slow
//! password hash per request would be wasted time; the salt (a server-side pepper) makes a
//! stolen table useless on its own. A key is looked up by its hash and the stored hash is then
//! compared in constant time.
//!
//! A key has a mode, written in its prefix: `arca_test_…` keys belong to instances talking to
//! the simulator or to ARCA's homologation, `arca_live_…` keys to instances talking to ARCA's
//! production ([`KeyMode::for_environment`]). An instance accepts only keys of its own mode and
//! creates only keys of its own mode, so a sandbox key never reaches production ARCA, and a live
//! key never spends itself on a sandbox; the refusal of a key of the other mode happens before any
//! look-up, so it tells nothing about whether the key exists.
//!
//! Revocation is effective on the very next request, on every instance:
//! - with Redis (`REDIS_URL`), successful look-ups are cached in Redis, shared by every
//!   instance, under `{REDIS_KEY_PREFIX}apikey:{hash}` for [`CACHE_TTL`]; revoking overwrites
//!   that entry with a tombstone (`revoked`, same TTL) and entries are only ever added with
//!   `SET NX`, so an instance that read the database just before the revocation cannot put the
//!   key back. A Redis error costs speed, not correctness: that request reads the database.
//! - without Redis (one instance), look-ups are cached in process and revoking removes the
//!   entry from this process's cache at once; a look-up that was reading the database while a
//!   key was revoked does not fill the cache.
//!
//! Requests that miss the cache together for one key share one database look-up (and one
//! `last_used_at` write): a burst of a thousand requests on a key whose cache entry just expired
//! reads it once, not a thousand times queued on its row. This module never logs a key or its
//! hash.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arca_protocol::secret::Secret;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use redis::aio::ConnectionManager;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use tokio::sync::OnceCell;

use crate::Error;
use crate::config::ArcaEnvironment;
use crate::storage::api_keys::ApiKeyRow;
use crate::storage::{self, Storage};
use crate::text::{self, Lines};
use crate::tier::Tier;
use shared_cache::{Shared, SharedCache};

mod shared_cache;

/// How long a successful look-up is trusted without asking the database again.
pub const CACHE_TTL: Duration = Duration::from_secs(30);
/// Random bytes in a key (256 bits).
const KEY_RANDOM_BYTES: usize = 32;
/// Characters of the random part shown in the prefix (`arca_test_AbCd1234`).
const PREFIX_RANDOM_CHARS: usize = 8;
/// Entries kept at most; past it expired entries are dropped (and, if still full, all).
const CACHE_CAPACITY: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    /// Simulator or homologation (`arca_test_…`).
    Test,
    /// Production (`arca_live_…`).
    Live,
}

impl KeyMode {
    /// The mode of the keys an instance talking to `environment` accepts and creates: test for
    /// the simulator and homologation, live for production.
    pub fn for_environment(environment: ArcaEnvironment) -> KeyMode {
        match environment {
            ArcaEnvironment::Simulator | ArcaEnvironment::Homologacion => KeyMode::Test,
            ArcaEnvironment::Production => KeyMode::Live,
        }
    }

    /// The mode a presented key claims by its prefix; `None` when it has neither prefix.
    pub fn of_key(presented: &str) -> Option<KeyMode> {
        [KeyMode::Test, KeyMode::Live]
            .into_iter()
            .find(|mode| presented.starts_with(mode.marker()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            KeyMode::Test => "test",
            KeyMode::Live => "live",
        }
    }

    fn marker(self) -> &'static str {
        match self {
            KeyMode::Test => "arca_test_",
            KeyMode::Live => "arca_live_",
        }
    }
}

/// A key just created: the only time the full key exists outside its owner's hands.
#[derive(Debug, Clone)]
pub struct CreatedKey {
    pub id: String,
    pub key: Secret,
    pub prefix: String,
    pub mode: KeyMode,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// A stored key as listed: no secret.
#[derive(Debug, Clone)]
pub struct ApiKey {
    pub id: String,
    pub prefix: String,
    pub mode: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
}

/// Who a valid key belongs to, and the limit that applies to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authenticated {
    pub key_id: String,
    pub account_id: String,
    pub requests_per_minute: i64,
}

/// Builds a new key for `account_id`: its row (hash only) and the one-time answer.
pub fn new_key(salt: &Secret, account_id: &str, name: &str, mode: KeyMode) -> (ApiKeyRow, CreatedKey) {
    let mut random = [0u8; KEY_RANDOM_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut random);
    let random = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(random);
    let key = format!("{}{random}", mode.marker());
    let prefix = format!("{}{}", mode.marker(), &random[..PREFIX_RANDOM_CHARS]);
    let now = storage::now();
    let row = ApiKeyRow {
        id: storage::new_id("key"),
        account_id: account_id.to_string(),
        prefix: prefix.clone(),
        hash: hash(salt, &key),
        mode: mode.as_str().to_string(),
        name: name.to_string(),
        created_at: now,
        last_used_at: None,
        revoked_at: None,
    };
    let created = CreatedKey {
        id: row.id.clone(),
        key: Secret::new(key),
        prefix,
        mode,
        name: row.name.clone(),
        created_at: now,
    };
    (row, created)
}

/// HMAC-SHA256(salt, key), hex.
pub fn hash(salt: &Secret, key: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(salt.expose().as_bytes()).expect("HMAC takes keys of any length");
    mac.update(key.as_bytes());
    storage::hex(&mac.finalize().into_bytes())
}

/// Whether `text` has the shape of a key, so garbage is refused without a database query.
fn well_formed(text: &str) -> bool {
    let encoded_len = KEY_RANDOM_BYTES.div_ceil(3) * 4 - (3 - KEY_RANDOM_BYTES % 3) % 3;
    let random = text
        .strip_prefix(KeyMode::Test.marker())
        .or_else(|| text.strip_prefix(KeyMode::Live.marker()));
    random.is_some_and(|random| {
        random.len() == encoded_len
            && random
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_')
    })
}

struct CacheEntry {
    authenticated: Authenticated,
    expires_at: Instant,
}

/// API keys of every account: authentication (with the cache), creation, listing, revocation.
pub struct Keys {
    storage: Storage,
    salt: Secret,
    mode: KeyMode,
    cache: Mutex<HashMap<String, CacheEntry>>,
    shared: Option<SharedCache>,
    /// Database look-ups under way, by hash ([`Keys::look_up_once`]): an entry lives as long as
    /// a request waits on it, so the map holds at most one entry per request in progress.
    in_flight: InFlight,
    /// Revocations by this instance so far: a look-up that saw this number change while it
    /// read the database does not fill the in-process cache.
    revocations: AtomicU64,
    /// Database look-ups by this instance ([`Keys::database_lookups`]).
    lookups: AtomicU64,
}

/// What a cache says about a key's hash.
enum Cached {
    Owner(Authenticated),
    /// Revoked (a Redis tombstone): refused without reading the database.
    Revoked,
    Unknown,
    /// Redis did not answer.
    Unreachable,
}

/// Database look-ups under way, by hash: each one's answer, once it has one.
type InFlight = Mutex<HashMap<String, Arc<OnceCell<Option<Authenticated>>>>>;

/// A request's share in a look-up under way; dropping the last one (answered or cancelled)
/// takes the look-up out of the map.
struct Flight<'a> {
    in_flight: &'a InFlight,
    hash: &'a str,
    answer: Arc<OnceCell<Option<Authenticated>>>,
}

impl<'a> Flight<'a> {
    fn join(in_flight: &'a InFlight, hash: &'a str) -> Flight<'a> {
        let answer = lock(in_flight).entry(hash.to_string()).or_default().clone();
        Flight {
            in_flight,
            hash,
            answer,
        }
    }
}

impl Drop for Flight<'_> {
    fn drop(&mut self) {
        let mut in_flight = lock(self.in_flight);
        // The map's reference and this one: no other request is waiting on this look-up.
        if in_flight
            .get(self.hash)
            .is_some_and(|answer| Arc::ptr_eq(answer, &self.answer) && Arc::strong_count(answer) == 2)
        {
            in_flight.remove(self.hash);
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep using it.
    mutex.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Keys {
    /// `mode` is the only kind of key this instance accepts and issues
    /// ([`KeyMode::for_environment`] of its ARCA environment).
    pub fn new(storage: Storage, salt: Secret, mode: KeyMode) -> Keys {
        Keys {
            storage,
            salt,
            mode,
            cache: Mutex::new(HashMap::new()),
            shared: None,
            in_flight: Mutex::default(),
            revocations: AtomicU64::new(0),
            lookups: AtomicU64::new(0),
        }
    }

    /// Caches look-ups in Redis (shared by every instance) instead of in process.
    pub fn with_shared_cache(self, connection: ConnectionManager, key_prefix: &str) -> Keys {
        Keys {
            shared: Some(SharedCache::new(connection, key_prefix)),
            ..self
        }
    }

    pub fn mode(&self) -> KeyMode {
        self.mode
    }

    pub fn salt(&self) -> &Secret {
        &self.salt
    }

    /// The owner of `presented`, or `None` when it is not an active key of this instance's mode
    /// (the HTTP layer checks the mode first, to say why: [`KeyMode::of_key`]).
    pub async fn authenticate(&self, presented: &str) -> Result<Option<Authenticated>, Error> {
        if !well_formed(presented) || KeyMode::of_key(presented) != Some(self.mode) {
            return Ok(None);
        }
        let hash = hash(&self.salt, presented);
        match self.cached(&hash).await {
            Cached::Owner(authenticated) => Ok(Some(authenticated)),
            Cached::Revoked => Ok(None),
            Cached::Unknown => self.look_up_once(&hash).await,
            // Redis is down: every request reads the database until it is back.
            Cached::Unreachable => self.look_up(&hash).await,
        }
    }

    /// What the cache (Redis when configured, else this process's) knows of `hash`.
    async fn cached(&self, hash: &str) -> Cached {
        let Some(shared) = &self.shared else {
            return match self.cache().get(hash) {
                Some(entry) if entry.expires_at > Instant::now() => Cached::Owner(entry.authenticated.clone()),
                _ => Cached::Unknown,
            };
        };
        match shared.get(hash).await {
            Ok(Some(Shared::Owner(authenticated))) => Cached::Owner(authenticated),
            Ok(Some(Shared::Revoked)) => Cached::Revoked,
            Ok(None) => Cached::Unknown,
            Err(error) => {
                tracing::warn!(%error, "API key cache: Redis unavailable, reading the database");
                Cached::Unreachable
            }
        }
    }

    /// Remembers a look-up that began when [`Keys::revocations`] was `revocations`.
    async fn fill_cache(&self, hash: &str, authenticated: &Authenticated, revocations: u64) {
        if let Some(shared) = &self.shared {
            // `SET NX`: a tombstone written since the look-up keeps the key out.
            if let Err(error) = shared.put(hash, authenticated).await {
                tracing::warn!(%error, "API key cache: could not store a look-up in Redis");
            }
            return;
        }
        let mut cache = self.cache();
        // A key revoked since the look-up began may be this one: its answer is not kept.
        if self.revocations.load(Ordering::Acquire) != revocations {
            return;
        }
        if cache.len() >= CACHE_CAPACITY {
            let now = Instant::now();
            cache.retain(|_, entry| entry.expires_at > now);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(
            hash.to_string(),
            CacheEntry {
                authenticated: authenticated.clone(),
                expires_at: Instant::now() + CACHE_TTL,
            },
        );
    }

    /// The database look-up of `hash`, once for all the requests that ask for it meanwhile:
    /// they wait for the first one's answer, and it fills the cache before the next can start.
    async fn look_up_once(&self, hash: &str) -> Result<Option<Authenticated>, Error> {
        let flight = Flight::join(&self.in_flight, hash);
        flight
            .answer
            .get_or_try_init(|| async {
                // A look-up that ended between this request's miss and its joining filled the cache.
                match self.cached(hash).await {
                    Cached::Owner(authenticated) => return Ok(Some(authenticated)),
                    Cached::Revoked => return Ok(None),
                    Cached::Unknown | Cached::Unreachable => {}
                }
                let revocations = self.revocations.load(Ordering::Acquire);
                let found = self.look_up(hash).await?;
                if let Some(authenticated) = &found {
                    self.fill_cache(hash, authenticated, revocations).await;
                }
                Ok(found)
            })
            .await
            .cloned()
    }

    /// The owner of the active key with this hash, from the database (and records its use).
    async fn look_up(&self, hash: &str) -> Result<Option<Authenticated>, Error> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        crate::metrics::record_api_key_lookup();
        let Some(owner) = storage::api_keys::find_active_by_hash(&self.storage, hash).await? else {
            return Ok(None);
        };
        if !bool::from(owner.hash.as_bytes().ct_eq(hash.as_bytes())) {
            return Ok(None);
        }
        storage::api_keys::touch(&self.storage, &owner.key_id, storage::now()).await?;
        let tier = Tier::parse(&owner.tier).unwrap_or(Tier::Free);
        Ok(Some(Authenticated {
            key_id: owner.key_id,
            account_id: owner.account_id,
            requests_per_minute: owner.requests_per_minute.unwrap_or(tier.requests_per_minute()),
        }))
    }

    /// How many times this instance read the database to authenticate a key.
    pub fn database_lookups(&self) -> u64 {
        self.lookups.load(Ordering::Relaxed)
    }

    /// Creates a key for the account, of this instance's mode: the only mode its callers'
    /// keys can have, since [`Keys::authenticate`] accepts no other.
    pub async fn create(&self, account_id: &str, name: &str) -> Result<CreatedKey, Error> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::invalid("name", "must be 1 to 100 characters"));
        }
        text::check("name", name, Lines::Single).map_err(|problem| Error::Invalid(vec![problem]))?;
        let (row, created) = new_key(&self.salt, account_id, name, self.mode);
        storage::api_keys::insert(&self.storage, &row).await?;
        Ok(created)
    }

    /// A page of the account's active keys, newest first, and how many there are.
    pub async fn list(&self, account_id: &str, limit: i64, offset: i64) -> Result<(Vec<ApiKey>, i64), Error> {
        let rows = storage::api_keys::list_active(&self.storage, account_id, limit, offset).await?;
        let total = storage::api_keys::count_active(&self.storage, account_id).await?;
        let keys = rows
            .into_iter()
            .map(|row| ApiKey {
                id: row.id,
                prefix: row.prefix,
                mode: row.mode,
                name: row.name,
                created_at: row.created_at,
                last_used_at: row.last_used_at,
            })
            .collect();
        Ok((keys, total))
    }

    /// Revokes the account's key `id` ([`Error::NotFound`] if the account has no such active
    /// key) and replaces its cache entry: with Redis by a tombstone every instance reads, so
    /// all of them refuse it from the next request on; without, in this process's cache.
    pub async fn revoke(&self, account_id: &str, id: &str) -> Result<(), Error> {
        let Some(hash) = storage::api_keys::revoke(&self.storage, account_id, id, storage::now()).await? else {
            return Err(Error::NotFound);
        };
        // A look-up under way may have read the key before the revocation: it keeps nothing
        // in this process's cache, and later requests start a look-up of their own.
        self.revocations.fetch_add(1, Ordering::AcqRel);
        self.cache().retain(|_, entry| entry.authenticated.key_id != id);
        lock(&self.in_flight).remove(&hash);
        if let Some(shared) = &self.shared
            && let Err(error) = shared.mark_revoked(&hash).await
        {
            // The database has the revocation; only instances holding a cached entry can still
            // accept the key, for at most CACHE_TTL. Nothing better to do than say so.
            tracing::error!(%error, key.id = id, "API key cache: could not mark a revoked key in Redis");
        }
        Ok(())
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, CacheEntry>> {
        lock(&self.cache)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_well_formed_and_hashed_with_the_salt() {
        let salt = Secret::new("0123456789abcdef");
        let (row, created) = new_key(&salt, "acct_1", "ci", KeyMode::Test);
        let key = created.key.expose();
        assert!(key.starts_with("arca_test_"));
        assert!(well_formed(key), "{key}");
        assert!(key.starts_with(&created.prefix));
        assert_eq!(row.hash, hash(&salt, key));
        assert_ne!(row.hash, hash(&Secret::new("another salt value"), key));
        assert_eq!(row.hash.len(), 64);
        assert!(!well_formed("arca_test_short"));
        assert!(!well_formed(&key.replace("arca_test_", "arca_prod_")));
        let (_, live) = new_key(&salt, "acct_1", "ci", KeyMode::Live);
        assert!(live.key.expose().starts_with("arca_live_"));
        assert_eq!(KeyMode::of_key(key), Some(KeyMode::Test));
        assert_eq!(KeyMode::of_key(live.key.expose()), Some(KeyMode::Live));
        assert_eq!(KeyMode::of_key("arca_prod_x"), None);
    }

    #[test]
    fn the_mode_follows_the_arca_environment() {
        assert_eq!(KeyMode::for_environment(ArcaEnvironment::Simulator), KeyMode::Test);
        assert_eq!(KeyMode::for_environment(ArcaEnvironment::Homologacion), KeyMode::Test);
        assert_eq!(KeyMode::for_environment(ArcaEnvironment::Production), KeyMode::Live);
    }
}
