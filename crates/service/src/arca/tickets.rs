//! [`TicketStore`]: WSAA access tickets, durable and shared by every instance, renewed by one.
//!
//! One ticket per (environment, certificate fingerprint, service) lives 12 h, and WSAA refuses a
//! second one while it is valid (`coe.alreadyAuthenticated`): a ticket lost is an outage of our
//! own making. [`TicketStore::get_ticket`] therefore looks, in order:
//!
//! 1. in this process ([`TicketCache`]): no I/O;
//! 2. in the `access_tickets` table: a ticket another instance (or an earlier run) obtained;
//! 3. under a single-flight lock across instances — Redis `SET key NX PX 30000` when
//!    `REDIS_URL` is set, else the database's (PostgreSQL `pg_advisory_xact_lock`, SQLite's
//!    write lock) — it reads the table again (another instance may have just renewed), and
//!    only then logs in and stores the new ticket.
//!
//! A ticket counts as usable while it is valid for longer than `ARCA_TOKEN_RENEW_BEFORE_SECONDS`;
//! inside that window it is renewed. If WSAA answers `coe.alreadyAuthenticated` the stored
//! ticket is used while still valid; without one the error is retryable (WSAA's preventive
//! window must pass). Within one process a per-key mutex keeps concurrent callers from even
//! reaching the database lock. `token` and `sign` are stored encrypted and never logged.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use arca_protocol::certificate::Credentials;
use arca_protocol::clock::{Clock, argentina};
use arca_protocol::wsaa::{AccessTicket, TicketCache, TicketKey, WsaaClient, WsaaFault};
use chrono::Duration;
use rand::RngCore;
use redis::aio::ConnectionManager;
use tracing::instrument;

use super::ArcaService;
use crate::Error;
use crate::crypto::Secrets;
use crate::storage::access_tickets::{self, AccessTicketRow};
use crate::storage::{self, Storage};

/// How long the Redis lock lives if its holder dies without releasing it (a login is bounded by
/// `ARCA_TIMEOUT_MS`, 10 s by default).
const REDIS_LOCK_MILLIS: u64 = 30_000;
/// How often a caller waiting for another instance's Redis lock looks again.
const REDIS_LOCK_POLL: StdDuration = StdDuration::from_millis(50);

/// Durable, cross-instance access tickets. Cheap to share behind an `Arc`.
pub struct TicketStore {
    storage: Storage,
    secrets: Secrets,
    wsaa: WsaaClient,
    environment: String,
    renew_before: Duration,
    clock: Arc<dyn Clock>,
    cache: TicketCache,
    redis: Option<(ConnectionManager, String)>,
    flights: Mutex<HashMap<TicketKey, Arc<tokio::sync::Mutex<()>>>>,
}

impl TicketStore {
    /// `environment` names the ARCA environment (tickets of one never serve another);
    /// `redis` is the connection and key prefix for the cross-instance lock, if configured.
    pub fn new(
        storage: Storage,
        secrets: Secrets,
        wsaa: WsaaClient,
        environment: &str,
        renew_before: StdDuration,
        clock: Arc<dyn Clock>,
        redis: Option<(ConnectionManager, String)>,
    ) -> TicketStore {
        let renew_before = Duration::from_std(renew_before).unwrap_or(Duration::minutes(10));
        TicketStore {
            cache: TicketCache::new(clock.clone(), renew_before),
            storage,
            secrets,
            wsaa,
            environment: environment.to_string(),
            renew_before,
            clock,
            redis,
            flights: Mutex::new(HashMap::new()),
        }
    }

    /// A ticket of `service` for `credentials`, from memory, the database or (once across
    /// instances) a new login.
    #[instrument(skip_all, fields(certificate = %credentials.fingerprint(), %service))]
    pub async fn get_ticket(&self, credentials: &Credentials, service: ArcaService) -> Result<AccessTicket, Error> {
        let key = self.key(credentials, service);
        if let Some(ticket) = self.usable_in_memory(&key).await {
            return Ok(ticket);
        }
        let flight = self.flight(&key);
        let _flight = flight.lock().await;
        // Another caller of this process may have renewed while this one waited.
        if let Some(ticket) = self.usable_in_memory(&key).await {
            return Ok(ticket);
        }
        let stored = access_tickets::find(&self.storage, &key.environment, &key.certificate, &key.service).await?;
        if let Some(ticket) = self.usable(stored)? {
            self.cache.insert(&key, ticket.clone()).await;
            return Ok(ticket);
        }
        let ticket = self.renew(&key, credentials).await?;
        self.cache.insert(&key, ticket.clone()).await;
        Ok(ticket)
    }

    /// `service` refused the ticket this process holds for `credentials` (error 600: expired,
    /// revoked, not ARCA's): forget it here and in the database, so the next call logs in again.
    /// A newer ticket another instance stored meanwhile is kept.
    pub async fn discard(&self, credentials: &Credentials, service: ArcaService) -> Result<(), Error> {
        let key = self.key(credentials, service);
        let Some(refused) = self.cache.remove(&key).await else {
            return Ok(());
        };
        let generation = refused.generation_time.with_timezone(&chrono::Utc);
        access_tickets::delete_generation(
            &self.storage,
            &key.environment,
            &key.certificate,
            &key.service,
            generation,
        )
        .await?;
        tracing::warn!(expires = %refused.expiration_time, %service, "ARCA refused the access ticket; it was discarded");
        Ok(())
    }

    /// Under the cross-instance lock: read again, else log in and store.
    async fn renew(&self, key: &TicketKey, credentials: &Credentials) -> Result<AccessTicket, Error> {
        let lock_name = format!("wsaa:{}:{}:{}", key.environment, key.certificate, key.service);
        if let Some(redis_lock) = self.redis_lock(&lock_name).await {
            let result = async {
                let stored =
                    access_tickets::find(&self.storage, &key.environment, &key.certificate, &key.service).await?;
                self.renew_with(key, credentials, stored).await
            }
            .await;
            let result = match result {
                Ok((ticket, row)) => access_tickets::upsert(&self.storage, &row).await.map(|()| ticket),
                Err(error) => Err(error),
            };
            self.redis_unlock(redis_lock).await;
            return result;
        }
        let mut lock = access_tickets::lock(&self.storage, &lock_name).await?;
        let stored = lock.find(&key.environment, &key.certificate, &key.service).await?;
        let (ticket, row) = self.renew_with(key, credentials, stored).await?;
        lock.upsert(&row).await?;
        lock.release().await?;
        Ok(ticket)
    }

    /// The stored ticket if still usable; otherwise a login. Returns the ticket and the row to
    /// store (the same row when nothing changed).
    async fn renew_with(
        &self,
        key: &TicketKey,
        credentials: &Credentials,
        stored: Option<AccessTicketRow>,
    ) -> Result<(AccessTicket, AccessTicketRow), Error> {
        let stored = match stored {
            Some(row) => Some((self.open(&row)?, row)),
            None => None,
        };
        let now = self.clock.now();
        if let Some((ticket, row)) = &stored
            && ticket.is_valid_for(now, self.renew_before)
        {
            return Ok((ticket.clone(), row.clone()));
        }
        match self.wsaa.login(credentials, &key.service, now).await {
            Ok(ticket) => {
                tracing::info!(expires = %ticket.expiration_time, "WSAA ticket obtained");
                let row = self.seal(key, &ticket)?;
                Ok((ticket, row))
            }
            Err(arca_protocol::Error::Wsaa {
                fault: WsaaFault::AlreadyAuthenticated,
                message,
            }) => match stored {
                // Renewing early was refused: the ticket held is still good; try again later.
                Some((ticket, row)) if ticket.is_valid_for(now, Duration::zero()) => Ok((ticket, row)),
                _ => Err(Error::Arca(arca_protocol::Error::Wsaa {
                    fault: WsaaFault::AlreadyAuthenticated,
                    message,
                })),
            },
            Err(other) => Err(Error::Arca(other)),
        }
    }

    fn key(&self, credentials: &Credentials, service: ArcaService) -> TicketKey {
        TicketKey {
            environment: self.environment.clone(),
            certificate: credentials.fingerprint(),
            service: service.wsaa_name().to_string(),
        }
    }

    async fn usable_in_memory(&self, key: &TicketKey) -> Option<AccessTicket> {
        let now = self.clock.now();
        self.cache
            .peek(key)
            .await
            .filter(|ticket| ticket.is_valid_for(now, self.renew_before))
    }

    fn usable(&self, row: Option<AccessTicketRow>) -> Result<Option<AccessTicket>, Error> {
        let now = self.clock.now();
        Ok(match row {
            Some(row) => Some(self.open(&row)?).filter(|ticket| ticket.is_valid_for(now, self.renew_before)),
            None => None,
        })
    }

    fn flight(&self, key: &TicketKey) -> Arc<tokio::sync::Mutex<()>> {
        let mut flights = self.flights.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        flights.entry(key.clone()).or_default().clone()
    }

    /// The associated data of a ticket's secrets: its key and the column, so neither a token
    /// and a sign nor two tickets' values can be swapped.
    fn associated(key: &TicketKey, column: &str) -> String {
        format!(
            "access_tickets:{}:{}:{}:{column}",
            key.environment, key.certificate, key.service
        )
    }

    fn seal(&self, key: &TicketKey, ticket: &AccessTicket) -> Result<AccessTicketRow, Error> {
        Ok(AccessTicketRow {
            environment: key.environment.clone(),
            certificate_fingerprint: key.certificate.clone(),
            service: key.service.clone(),
            token_encrypted: self
                .secrets
                .seal(ticket.token.expose().as_bytes(), &Self::associated(key, "token"))?,
            sign_encrypted: self
                .secrets
                .seal(ticket.sign.expose().as_bytes(), &Self::associated(key, "sign"))?,
            generation_time: ticket.generation_time.to_utc(),
            expiration_time: ticket.expiration_time.to_utc(),
            unique_id: i64::from(ticket.unique_id),
            source: ticket.source.clone(),
            destination: ticket.destination.clone(),
            updated_at: storage::now(),
        })
    }

    fn open(&self, row: &AccessTicketRow) -> Result<AccessTicket, Error> {
        let key = TicketKey {
            environment: row.environment.clone(),
            certificate: row.certificate_fingerprint.clone(),
            service: row.service.clone(),
        };
        Ok(AccessTicket {
            token: self
                .secrets
                .open(&row.token_encrypted, &Self::associated(&key, "token"))?,
            sign: self
                .secrets
                .open(&row.sign_encrypted, &Self::associated(&key, "sign"))?,
            generation_time: row.generation_time.with_timezone(&argentina()),
            expiration_time: row.expiration_time.with_timezone(&argentina()),
            unique_id: u32::try_from(row.unique_id).unwrap_or_default(),
            source: row.source.clone(),
            destination: row.destination.clone(),
        })
    }

    /// Waits for the Redis lock `name`; `None` without Redis or when Redis fails (the database
    /// lock is used instead: a Redis outage degrades, it does not stop issuance).
    async fn redis_lock(&self, name: &str) -> Option<(String, String)> {
        let (connection, prefix) = self.redis.as_ref()?;
        let key = format!("{prefix}lock:{name}");
        let mut token = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut token);
        let token = storage::hex(&token);
        loop {
            let acquired: Result<Option<String>, redis::RedisError> = redis::cmd("SET")
                .arg(&key)
                .arg(&token)
                .arg("NX")
                .arg("PX")
                .arg(REDIS_LOCK_MILLIS)
                .query_async(&mut connection.clone())
                .await;
            match acquired {
                Ok(Some(_)) => return Some((key, token)),
                Ok(None) => tokio::time::sleep(REDIS_LOCK_POLL).await,
                Err(error) => {
                    tracing::warn!(%error, "ticket lock: Redis unavailable, using the database lock");
                    return None;
                }
            }
        }
    }

    /// Deletes the lock if it is still ours (it may have expired and been taken by another).
    async fn redis_unlock(&self, (key, token): (String, String)) {
        const RELEASE: &str =
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end";
        let Some((connection, _)) = &self.redis else { return };
        let released: Result<i64, redis::RedisError> = redis::cmd("EVAL")
            .arg(RELEASE)
            .arg(1)
            .arg(&key)
            .arg(&token)
            .query_async(&mut connection.clone())
            .await;
        if let Err(error) = released {
            tracing::warn!(%error, "ticket lock: releasing the Redis lock failed; it expires by itself");
        }
    }
}
