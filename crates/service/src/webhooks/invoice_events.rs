//! The `invoice.*` events, emitted in the transaction that changes the invoice (ARCHITECTURE.md
//! "Webhook events"): `invoice.created` with the insert (`Engine::submit`), `invoice.updated`
//! with an edit (`Engine::resubmit`), `invoice.approved` / `invoice.failed` /
//! `invoice.pending_retry` with the series worker's fenced writes (`commit_statuses`),
//! `invoice.cancelled` for an original whose note's approval zeroed its balance (in that same
//! fenced transaction), and `invoice.pending_retry` with the API's "ARCA is slow" mark.
//!
//! Built for batches: one query finds whether any account of a batch listens; only then are the
//! invoices read back (in the same transaction, so `data` is what commits) and the events
//! written, all of them in one multi-row INSERT and their deliveries in another.
//! `invoice.pending_retry` fires on the transition into a round of retries
//! (`storage::invoices::announce_retry`), not on every deferral.
//!
//! It never decides a status (the engine does) and never sends anything (the dispatcher does,
//! after the commit).

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::data::{self, InvoiceLinker};
use super::events::{self, Event, EventType};
use crate::Error;
use crate::storage::invoices::{self, InvoiceStatus};
use crate::storage::{self, Transaction};

/// The event announcing that an invoice reached `status` (none for `pending`, which is no news).
/// `cancelled` is set by the engine's hook when a note's approval brings its original's balance
/// to zero (`invoices::notes::settle`), in the same transaction.
pub fn event_type(status: InvoiceStatus) -> Option<EventType> {
    match status {
        InvoiceStatus::Approved => Some(EventType::InvoiceApproved),
        InvoiceStatus::Failed => Some(EventType::InvoiceFailed),
        InvoiceStatus::PendingRetry => Some(EventType::InvoicePendingRetry),
        InvoiceStatus::Cancelled => Some(EventType::InvoiceCancelled),
        InvoiceStatus::Pending => None,
    }
}

/// Emits, in `transaction`, one event per invoice of `statuses` (each list: the invoices that
/// reached that status in this transaction). `pending_retry` ones first go through
/// [`invoices::announce_retry`], so only the transition into a round is announced. Returns how
/// many events were stored.
pub async fn announce(
    transaction: &mut Transaction<'_>,
    statuses: &[(InvoiceStatus, Vec<String>)],
    linker: &InvoiceLinker,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let mut wanted: Vec<(EventType, String)> = Vec::new();
    for (status, ids) in statuses {
        let Some(event_type) = event_type(*status) else {
            continue;
        };
        if ids.is_empty() {
            continue;
        }
        let ids = if *status == InvoiceStatus::PendingRetry {
            invoices::announce_retry(transaction, ids).await?
        } else {
            ids.clone()
        };
        wanted.extend(ids.into_iter().map(|id| (event_type, id)));
    }
    emit_about(transaction, wanted, linker, now).await
}

/// Emits `invoice.created` for each of `ids`, invoices inserted in `transaction` (a group of
/// acceptances, `issuance::acceptor`). Returns how many events were stored.
pub async fn announce_created(
    transaction: &mut Transaction<'_>,
    ids: &[String],
    linker: &InvoiceLinker,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    let wanted = ids.iter().map(|id| (EventType::InvoiceCreated, id.clone())).collect();
    emit_about(transaction, wanted, linker, now).await
}

/// The events `wanted` (type, invoice id) that the invoices' accounts subscribe to: one query
/// for the subscriptions, and only when there are some one read of the invoices and the writes.
async fn emit_about(
    transaction: &mut Transaction<'_>,
    wanted: Vec<(EventType, String)>,
    linker: &InvoiceLinker,
    now: DateTime<Utc>,
) -> Result<usize, Error> {
    if wanted.is_empty() {
        return Ok(0);
    }
    let ids: Vec<String> = wanted.iter().map(|(_, id)| id.clone()).collect();
    let subscriptions = storage::alerts::subscriptions_for_invoices(transaction, &ids).await?;
    if subscriptions.is_empty() {
        return Ok(0);
    }
    let mut by_account: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for (account_id, id, events) in subscriptions {
        by_account.entry(account_id).or_default().push((id, events));
    }
    let rows: HashMap<String, invoices::InvoiceRow> = invoices::find_many_in(transaction, &ids)
        .await?
        .into_iter()
        .map(|row| (row.id.clone(), row))
        .collect();
    let mut batch: Vec<(&[(String, String)], Event)> = Vec::with_capacity(wanted.len());
    for (event_type, id) in wanted {
        let Some(row) = rows.get(&id) else { continue };
        let Some(subscriptions) = by_account.get(&row.account_id) else {
            continue;
        };
        let event = Event {
            account_id: row.account_id.clone(),
            event_type,
            data: data::invoice(row.clone(), linker)?,
        };
        batch.push((subscriptions.as_slice(), event));
    }
    events::emit_many(transaction, &batch, now).await
}

/// Emits `event_type` (`invoice.created`, `invoice.updated`) about invoice `id` of the account
/// whose enabled `subscriptions` the caller read in `transaction`; nothing (not even a read)
/// when there are none. `true` when an event was stored.
pub async fn emit_one(
    transaction: &mut Transaction<'_>,
    subscriptions: &[(String, String)],
    event_type: EventType,
    id: &str,
    linker: &InvoiceLinker,
    now: DateTime<Utc>,
) -> Result<bool, Error> {
    if !subscriptions
        .iter()
        .any(|(_, events)| events::subscribed(events, event_type))
    {
        return Ok(false);
    }
    let Some(row) = invoices::find_many_in(transaction, &[id.to_string()]).await?.pop() else {
        return Ok(false);
    };
    let event = Event {
        account_id: row.account_id.clone(),
        event_type,
        data: data::invoice(row, linker)?,
    };
    Ok(events::emit_with(transaction, subscriptions, &event, now)
        .await?
        .is_some())
}
