//! ARCA's reference tables (`FEParamGet*`) and exchange rates, through the account's session.
//!
//! The tables are the same for every account of an environment and change rarely, so they are
//! cached for [`TABLE_TTL`] per (environment, operation): in Redis when configured (shared by
//! every instance), else in process. A Redis failure falls back to asking ARCA. Exchange rates
//! change daily and are not cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use arca_protocol::wsfe::{CbteTipo, ConceptoTipo, DocTipo, IvaTipo, Moneda, TributoTipo};
use chrono::NaiveDate;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};

use crate::Error;
use crate::arca::Arca;

/// How long a table is served from the cache.
pub const TABLE_TTL: Duration = Duration::from_secs(3600);

/// The tables, by their path segment under `/v1/reference-data/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    InvoiceTypes,
    IvaRates,
    DocumentTypes,
    Currencies,
    IvaConditions,
    ConceptTypes,
    TaxTypes,
}

impl Table {
    pub const ALL: [Table; 7] = [
        Table::InvoiceTypes,
        Table::IvaRates,
        Table::DocumentTypes,
        Table::Currencies,
        Table::IvaConditions,
        Table::ConceptTypes,
        Table::TaxTypes,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Table::InvoiceTypes => "invoice-types",
            Table::IvaRates => "iva-rates",
            Table::DocumentTypes => "document-types",
            Table::Currencies => "currencies",
            Table::IvaConditions => "iva-conditions",
            Table::ConceptTypes => "concept-types",
            Table::TaxTypes => "tax-types",
        }
    }

    pub fn from_slug(slug: &str) -> Option<Table> {
        Table::ALL.into_iter().find(|table| table.slug() == slug)
    }

    /// The WSFEv1 operation that serves it.
    pub fn operation(self) -> &'static str {
        match self {
            Table::InvoiceTypes => "FEParamGetTiposCbte",
            Table::IvaRates => "FEParamGetTiposIva",
            Table::DocumentTypes => "FEParamGetTiposDoc",
            Table::Currencies => "FEParamGetTiposMonedas",
            Table::IvaConditions => "FEParamGetCondicionIvaReceptor",
            Table::ConceptTypes => "FEParamGetTiposConcepto",
            Table::TaxTypes => "FEParamGetTiposTributos",
        }
    }
}

/// A row's id: a number, or text for the tables ARCA keys by text (currencies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum RowId {
    Number(i64),
    Text(String),
}

impl RowId {
    /// A number when the text is one (IVA rate ids are numbers sent as text).
    fn from_text(text: &str) -> RowId {
        text.trim()
            .parse()
            .map_or_else(|_| RowId::Text(text.trim().to_string()), RowId::Number)
    }
}

/// One row of a table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub id: RowId,
    pub description: String,
    pub valid_from: Option<NaiveDate>,
    /// `None` while current.
    pub valid_to: Option<NaiveDate>,
    /// IVA conditions only: the voucher classes it applies to (`A/M/C`).
    pub voucher_classes: Option<String>,
}

/// ARCA's quotation of a currency.
#[derive(Debug, Clone)]
pub struct ExchangeRate {
    pub currency: String,
    /// Pesos per unit, as ARCA wrote it.
    pub rate: String,
    pub date: Option<NaiveDate>,
}

/// The table cache (Redis or in process).
pub struct ReferenceData {
    redis: Option<(ConnectionManager, String)>,
    local: Mutex<HashMap<String, Cached>>,
}

/// A table and when it was fetched.
type Cached = (Instant, Arc<Vec<Row>>);

impl ReferenceData {
    pub fn new(redis: Option<(ConnectionManager, String)>) -> ReferenceData {
        ReferenceData {
            redis,
            local: Mutex::new(HashMap::new()),
        }
    }

    /// The table, from the cache or from ARCA through the account's session.
    pub async fn table(&self, arca: &Arca, account_id: &str, table: Table) -> Result<Arc<Vec<Row>>, Error> {
        let key = format!("reference:{}:{}", arca.environment().as_str(), table.operation());
        if let Some(rows) = self.cached(&key).await {
            return Ok(rows);
        }
        let rows = Arc::new(fetch(arca, account_id, table).await?);
        self.store(&key, &rows).await;
        Ok(rows)
    }

    /// ARCA's latest quotation of `currency`; [`Error::NotFound`] for a currency ARCA does not
    /// know or does not quote.
    pub async fn exchange_rate(&self, arca: &Arca, account_id: &str, currency: &str) -> Result<ExchangeRate, Error> {
        let currency = currency.trim().to_ascii_uppercase();
        if currency.is_empty() || currency.len() > 3 || !currency.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(Error::NotFound);
        }
        let session = arca.session(account_id).await?;
        let quotation = match session
            .client
            .fe_param_get_cotizacion(&session.auth, &currency, None)
            .await
        {
            Ok(quotation) => quotation,
            // 12000: a currency id not in FEParamGetTiposMonedas.
            Err(arca_protocol::Error::Rejected { errors }) if errors.iter().any(|e| e.code == 12000) => None,
            Err(other) => return Err(session.explain(other)),
        };
        let quotation = quotation.ok_or(Error::NotFound)?;
        Ok(ExchangeRate {
            currency: quotation.mon_id.unwrap_or(currency),
            rate: quotation.mon_cotiz.normalize().to_string(),
            date: quotation.fch_cotiz,
        })
    }

    async fn cached(&self, key: &str) -> Option<Arc<Vec<Row>>> {
        if let Some((connection, prefix)) = &self.redis {
            let found: Result<Option<String>, redis::RedisError> = redis::cmd("GET")
                .arg(format!("{prefix}{key}"))
                .query_async(&mut connection.clone())
                .await;
            return match found {
                Ok(Some(json)) => serde_json::from_str(&json).ok().map(Arc::new),
                Ok(None) => None,
                Err(error) => {
                    tracing::warn!(%error, "reference data: Redis unavailable, asking ARCA");
                    None
                }
            };
        }
        let local = self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        local
            .get(key)
            .filter(|(stored_at, _)| stored_at.elapsed() < TABLE_TTL)
            .map(|(_, rows)| rows.clone())
    }

    async fn store(&self, key: &str, rows: &Arc<Vec<Row>>) {
        if let Some((connection, prefix)) = &self.redis {
            let Ok(json) = serde_json::to_string(rows.as_ref()) else {
                return;
            };
            let stored: Result<(), redis::RedisError> = redis::cmd("SET")
                .arg(format!("{prefix}{key}"))
                .arg(json)
                .arg("EX")
                .arg(TABLE_TTL.as_secs())
                .query_async(&mut connection.clone())
                .await;
            if let Err(error) = stored {
                tracing::warn!(%error, "reference data: caching in Redis failed");
            }
            return;
        }
        let mut local = self.local.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        local.insert(key.to_string(), (Instant::now(), rows.clone()));
    }
}

async fn fetch(arca: &Arca, account_id: &str, table: Table) -> Result<Vec<Row>, Error> {
    let session = arca.session(account_id).await?;
    let (client, auth) = (&session.client, &session.auth);
    let rows = match table {
        Table::InvoiceTypes => dated(client.fe_param_get_tipos_cbte(auth).await?, |r: CbteTipo| {
            (RowId::Number(r.id.into()), r.desc, r.fch_desde, r.fch_hasta)
        }),
        Table::IvaRates => dated(client.fe_param_get_tipos_iva(auth).await?, |r: IvaTipo| {
            (RowId::from_text(&r.id), r.desc, r.fch_desde, r.fch_hasta)
        }),
        Table::DocumentTypes => dated(client.fe_param_get_tipos_doc(auth).await?, |r: DocTipo| {
            (RowId::Number(r.id.into()), r.desc, r.fch_desde, r.fch_hasta)
        }),
        Table::Currencies => dated(client.fe_param_get_tipos_monedas(auth).await?, |r: Moneda| {
            (RowId::Text(r.id), r.desc, r.fch_desde, r.fch_hasta)
        }),
        Table::ConceptTypes => dated(client.fe_param_get_tipos_concepto(auth).await?, |r: ConceptoTipo| {
            (RowId::Number(r.id.into()), r.desc, r.fch_desde, r.fch_hasta)
        }),
        Table::TaxTypes => dated(client.fe_param_get_tipos_tributos(auth).await?, |r: TributoTipo| {
            (RowId::Number(r.id.into()), r.desc, r.fch_desde, r.fch_hasta)
        }),
        Table::IvaConditions => client
            .fe_param_get_condicion_iva_receptor(auth, None)
            .await?
            .into_iter()
            .map(|r| Row {
                id: RowId::Number(r.id.into()),
                description: r.desc.unwrap_or_default(),
                valid_from: None,
                valid_to: None,
                voucher_classes: r.cmp_clase,
            })
            .collect(),
    };
    Ok(rows)
}

type DatedFields = (RowId, Option<String>, Option<NaiveDate>, Option<NaiveDate>);

fn dated<T>(rows: Vec<T>, fields: impl Fn(T) -> DatedFields) -> Vec<Row> {
    rows.into_iter()
        .map(|row| {
            let (id, description, valid_from, valid_to) = fields(row);
            Row {
                id,
                description: description.unwrap_or_default(),
                valid_from,
                valid_to,
                voucher_classes: None,
            }
        })
        .collect()
}
