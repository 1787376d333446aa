//! Access tickets kept for their lifetime, with single-flight renewal.
//!
//! WSAA refuses a new ticket while one is valid (`coe.alreadyAuthenticated`, §B.7), so concurrent
//! callers for one certificate and service must trigger exactly one `loginCms`: the first caller
//! logs in while the others wait on the same slot and then read its ticket. This in-process cache
//! is the fast path; the service layers a durable, cross-instance store beneath it.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

use chrono::Duration;

use crate::Error;
use crate::clock::Clock;

use super::{AccessTicket, WsaaFault};

/// One ticket per (environment, certificate, service) (ARCHITECTURE.md invariant 8).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TicketKey {
    pub environment: String,
    /// The certificate's SHA-256 fingerprint.
    pub certificate: String,
    pub service: String,
}

type Slot = Arc<tokio::sync::Mutex<Option<AccessTicket>>>;

/// In-memory tickets with single-flight login and renewal `renew_before` ahead of expiry.
pub struct TicketCache {
    clock: Arc<dyn Clock>,
    renew_before: Duration,
    slots: Mutex<HashMap<TicketKey, Slot>>,
}

impl TicketCache {
    pub fn new(clock: Arc<dyn Clock>, renew_before: Duration) -> TicketCache {
        TicketCache {
            clock,
            renew_before,
            slots: Mutex::new(HashMap::new()),
        }
    }

    /// The cached ticket if it is good for longer than the renewal margin; otherwise runs
    /// `login` — once, however many callers are waiting — and caches its ticket.
    ///
    /// If WSAA answers `coe.alreadyAuthenticated` while renewing early, the ticket still held is
    /// valid and is returned: renewal is retried on a later call, not forced.
    pub async fn get_or_login<F, Fut>(&self, key: &TicketKey, login: F) -> Result<AccessTicket, Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessTicket, Error>>,
    {
        let slot = self.slot(key);
        let mut held = slot.lock().await;
        let now = self.clock.now();
        if let Some(ticket) = held.as_ref().filter(|t| t.is_valid_for(now, self.renew_before)) {
            return Ok(ticket.clone());
        }
        match login().await {
            Ok(ticket) => {
                *held = Some(ticket.clone());
                Ok(ticket)
            }
            Err(Error::Wsaa {
                fault: WsaaFault::AlreadyAuthenticated,
                message,
            }) => held
                .as_ref()
                .filter(|t| t.is_valid_for(now, Duration::zero()))
                .cloned()
                .ok_or(Error::Wsaa {
                    fault: WsaaFault::AlreadyAuthenticated,
                    message,
                }),
            Err(other) => Err(other),
        }
    }

    /// The ticket held for `key`, valid or not, without logging in.
    pub async fn peek(&self, key: &TicketKey) -> Option<AccessTicket> {
        self.slot(key).lock().await.clone()
    }

    /// Stores a ticket obtained elsewhere (a durable store, another instance).
    pub async fn insert(&self, key: &TicketKey, ticket: AccessTicket) {
        *self.slot(key).lock().await = Some(ticket);
    }

    /// Forgets the ticket held for `key` (WSFEv1 refused it), returning it.
    pub async fn remove(&self, key: &TicketKey) -> Option<AccessTicket> {
        self.slot(key).lock().await.take()
    }

    fn slot(&self, key: &TicketKey) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key.clone()).or_default().clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use crate::secret::Secret;
    use chrono::{TimeZone, Utc};
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn ticket(clock: &ManualClock, hours: i64) -> AccessTicket {
        let now = clock.now().fixed_offset();
        AccessTicket {
            token: Secret::new("t"),
            sign: Secret::new("s"),
            generation_time: now,
            expiration_time: now + Duration::hours(hours),
            unique_id: 1,
            source: String::new(),
            destination: String::new(),
        }
    }

    fn key() -> TicketKey {
        TicketKey {
            environment: "test".into(),
            certificate: "abc".into(),
            service: "wsfe".into(),
        }
    }

    #[tokio::test]
    async fn renews_only_inside_the_margin_and_keeps_the_old_ticket_on_already_authenticated() {
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()));
        let cache = TicketCache::new(clock.clone(), Duration::minutes(10));
        let logins = AtomicUsize::new(0);
        let login = || async {
            logins.fetch_add(1, Ordering::SeqCst);
            Ok(ticket(&clock, 12))
        };
        cache.get_or_login(&key(), login).await.unwrap();
        clock.advance(Duration::hours(11));
        cache.get_or_login(&key(), login).await.unwrap();
        assert_eq!(logins.load(Ordering::SeqCst), 1, "still 1 h left: no renewal");

        clock.advance(Duration::minutes(55));
        let refused = || async {
            Err(Error::Wsaa {
                fault: WsaaFault::AlreadyAuthenticated,
                message: String::new(),
            })
        };
        let kept = cache.get_or_login(&key(), refused).await.unwrap();
        assert_eq!(
            kept.expiration_time,
            (clock.now() + Duration::minutes(5)).fixed_offset()
        );

        clock.advance(Duration::minutes(6));
        let err = cache.get_or_login(&key(), refused).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::Wsaa {
                    fault: WsaaFault::AlreadyAuthenticated,
                    ..
                }
            ),
            "expired: nothing to reuse"
        );
        cache.get_or_login(&key(), login).await.unwrap();
        assert_eq!(logins.load(Ordering::SeqCst), 2);
    }
}
