//! Per-invoice notifications: `Engine::wait` subscribes, the series worker publishes each status
//! it commits. Entries live only while someone waits.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

use crate::storage::invoices::InvoiceStatus;

/// The senders of invoices someone is waiting for, by invoice id.
#[derive(Default)]
pub struct Watchers {
    senders: Mutex<HashMap<String, watch::Sender<Option<InvoiceStatus>>>>,
}

impl Watchers {
    /// A receiver that sees every status published for `id` from now on.
    pub fn subscribe(&self, id: &str) -> watch::Receiver<Option<InvoiceStatus>> {
        let mut senders = self.lock();
        senders
            .entry(id.to_string())
            .or_insert_with(|| watch::channel(None).0)
            .subscribe()
    }

    /// Publishes `status` to whoever waits for `id` (nobody: nothing to do).
    pub fn publish(&self, id: &str, status: InvoiceStatus) {
        if let Some(sender) = self.lock().get(id) {
            sender.send_replace(Some(status));
        }
    }

    /// Forgets `id` once its last receiver is gone.
    pub fn unsubscribe(&self, id: &str, receiver: watch::Receiver<Option<InvoiceStatus>>) {
        drop(receiver);
        let mut senders = self.lock();
        if senders.get(id).is_some_and(|sender| sender.receiver_count() == 0) {
            senders.remove(id);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Sender<Option<InvoiceStatus>>>> {
        self.senders.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
