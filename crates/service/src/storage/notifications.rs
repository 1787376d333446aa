//! Cross-instance notifications of the issuance engine, over PostgreSQL `LISTEN/NOTIFY`.
//!
//! Two kinds of message on one channel, both sent inside the transaction that causes them (a
//! `NOTIFY` is delivered at commit, and never for a rolled-back transaction):
//! - work: an invoice of a series was queued — the workers of every instance wake;
//! - status: invoices reached a status — `wait` on every instance learns it at once.
//!
//! SQLite serves one instance, whose wake-ups stay in process: the functions here do nothing
//! there. A notification missed while a listener reconnects costs latency only: workers still
//! look at the database every `idle_poll` and `wait` re-reads every `wait_recheck`.

use sqlx::postgres::PgListener;

use super::Storage;
use super::invoices::InvoiceStatus;
use super::series::SeriesKey;
use super::transaction::{Transaction, with_transaction};
use crate::Error;

/// The channel every instance listens on.
pub const CHANNEL: &str = "arca_issuance";

/// PostgreSQL's limit on a payload is 8000 bytes; stay under it with room for the header.
const MAX_PAYLOAD: usize = 7_800;

/// A message, as sent by an engine named `from`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// The series has new work.
    Work { from: String, series: SeriesKey },
    /// These invoices reached `status`.
    Status {
        from: String,
        status: InvoiceStatus,
        ids: Vec<String>,
    },
}

impl Message {
    /// The payloads that carry the message (a status message with many ids takes several).
    fn payloads(&self) -> Vec<String> {
        match self {
            Message::Work { from, series } => {
                vec![format!(
                    "w|{from}|{}|{}|{}",
                    series.cuit, series.punto_venta, series.cbte_tipo
                )]
            }
            Message::Status { from, status, ids } => {
                let header = format!("s|{from}|{status}|");
                let mut payloads = Vec::new();
                let mut current = header.clone();
                for id in ids {
                    if current.len() + id.len() + 1 > MAX_PAYLOAD && current.len() > header.len() {
                        payloads.push(std::mem::replace(&mut current, header.clone()));
                    }
                    if current.len() > header.len() {
                        current.push(',');
                    }
                    current.push_str(id);
                }
                if current.len() > header.len() {
                    payloads.push(current);
                }
                payloads
            }
        }
    }

    /// Reads a payload; `None` for anything this version does not understand.
    pub fn parse(payload: &str) -> Option<Message> {
        let mut parts = payload.split('|');
        match (parts.next()?, parts.next()?) {
            ("w", from) => {
                let series = SeriesKey {
                    cuit: parts.next()?.to_string(),
                    punto_venta: parts.next()?.parse().ok()?,
                    cbte_tipo: parts.next()?.parse().ok()?,
                };
                Some(Message::Work {
                    from: from.to_string(),
                    series,
                })
            }
            ("s", from) => {
                let status = InvoiceStatus::parse(parts.next()?)?;
                let ids = parts
                    .next()?
                    .split(',')
                    .filter(|id| !id.is_empty())
                    .map(String::from)
                    .collect();
                Some(Message::Status {
                    from: from.to_string(),
                    status,
                    ids,
                })
            }
            _ => None,
        }
    }
}

/// Sends `message` when the transaction commits (PostgreSQL); nothing on SQLite.
pub async fn send(transaction: &mut Transaction<'_>, message: &Message) -> Result<(), Error> {
    if matches!(transaction, Transaction::Sqlite(_)) {
        return Ok(());
    }
    for payload in message.payloads() {
        with_transaction!(transaction, connection => {
            sqlx::query("SELECT pg_notify($1, $2)")
                .bind(CHANNEL)
                .bind(&payload)
                .execute(connection)
                .await?;
        });
    }
    Ok(())
}

/// A listener on [`CHANNEL`] (PostgreSQL), or `None` (SQLite). It takes one connection of its own
/// and reconnects by itself after a lost connection.
pub async fn listen(storage: &Storage) -> Result<Option<PgListener>, Error> {
    let Storage::Postgres(pool) = storage else {
        return Ok(None);
    };
    let mut listener = PgListener::connect_with(pool).await?;
    listener.listen(CHANNEL).await?;
    Ok(Some(listener))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn series() -> SeriesKey {
        SeriesKey {
            cuit: "20267565393".into(),
            punto_venta: 3,
            cbte_tipo: 6,
        }
    }

    #[test]
    fn work_round_trips() {
        let message = Message::Work {
            from: "engine_1".into(),
            series: series(),
        };
        let payloads = message.payloads();
        assert_eq!(payloads, ["w|engine_1|20267565393|3|6"]);
        assert_eq!(Message::parse(&payloads[0]), Some(message));
    }

    #[test]
    fn many_ids_are_split_under_the_payload_limit_and_none_is_lost() {
        let ids: Vec<String> = (0..1000).map(|i| format!("inv_{i:026}")).collect();
        let message = Message::Status {
            from: "engine_1".into(),
            status: InvoiceStatus::Approved,
            ids: ids.clone(),
        };
        let payloads = message.payloads();
        assert!(payloads.len() > 1);
        let mut seen = Vec::new();
        for payload in &payloads {
            assert!(payload.len() <= MAX_PAYLOAD, "{} bytes", payload.len());
            let Some(Message::Status { status, ids, .. }) = Message::parse(payload) else {
                panic!("unreadable payload {payload}");
            };
            assert_eq!(status, InvoiceStatus::Approved);
            seen.extend(ids);
        }
        assert_eq!(seen, ids);
    }

    #[test]
    fn unknown_payloads_are_ignored() {
        assert_eq!(Message::parse("x|a|b"), None);
        assert_eq!(Message::parse("w|engine|20267565393|notanumber|6"), None);
        assert_eq!(Message::parse(""), None);
    }
}
