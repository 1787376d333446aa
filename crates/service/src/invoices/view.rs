//! [`Invoice`]: a stored invoice with what the API shows besides its columns — the totals as
//! decimals, ARCA's messages read back, the client's metadata, and the QR URL of an approved one
//! (docs/arca.md §F).
//!
//! It never writes: it reads one row and the issuer's CUIT.

use arca_protocol::Cuit;
use arca_protocol::money::Decimal;
use arca_protocol::qr::{AuthorizationKind, QrData};

use super::request::{CondicionVenta, ItemRequest};
use crate::storage::invoices::{self, InformeEstado, InvoiceRow, InvoiceStatus, NoteKind, TipoAutorizacion};

/// An ARCA code and message kept with an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArcaMessage {
    pub code: String,
    pub message: String,
}

impl ArcaMessage {
    /// What the catalogue of WSFEv1 codes says to do about this one (docs/arca.md §D), when it
    /// knows the code.
    pub fn hint(&self) -> Option<&'static str> {
        use arca_protocol::wsfe::{ErrorKind, describe_error};
        let described = describe_error(self.code.trim().parse().ok()?);
        (described.kind != ErrorKind::Unknown).then_some(described.hint)
    }
}

/// One step of an invoice's way, as its row and its notes record it (there is no separate
/// event log: webhook events are stored only for subscribed accounts).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub change: Change,
}

/// What happened at a [`HistoryEntry`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Accepted and stored (`pending`, or deferred behind an open breaker).
    Received,
    /// ARCA authorised it (a CAE, or issued under the fortnight's CAEA).
    Approved { caea: bool },
    /// ARCA rejected it (its codes are the invoice's `errores`).
    Failed,
    /// ARCA did not answer (or slowly): retried automatically; `attempts` so far and when the
    /// next one goes.
    Retrying {
        attempts: i32,
        next_attempt_at: Option<chrono::DateTime<chrono::Utc>>,
    },
    /// A note against it was made (its status now).
    Note {
        id: String,
        kind: NoteKind,
        status: InvoiceStatus,
        numero_completo: Option<String>,
    },
    /// Its balance reached zero with a credit note's approval.
    Cancelled,
}

/// An invoice as the API shows it (the HTTP layer only formats it).
#[derive(Debug, Clone)]
pub struct Invoice {
    pub row: InvoiceRow,
    /// Net taxed, untaxed and exempt amounts together.
    pub subtotal: Decimal,
    pub iva_total: Decimal,
    pub tributos_total: Decimal,
    pub total: Decimal,
    /// ARCA's QR URL (RG 4892) once approved.
    pub qr_data: Option<String>,
    pub observaciones: Vec<ArcaMessage>,
    pub errores: Vec<ArcaMessage>,
    /// The `metadata` the client sent with the request, if any.
    pub metadata: Option<serde_json::Value>,
    /// What the request said for the printed invoice (read from the stored request; none in
    /// lists, which leave it out).
    pub printed: Option<PrintedFields>,
    /// A note's original (single reads only: `invoices::notes::link`).
    pub original: Option<OriginalLink>,
    /// A Factura's notes, oldest first (single reads only).
    pub notes: Option<Vec<NoteLink>>,
    /// What an approved Factura still has to credit (its remaining balance, total), single reads
    /// only.
    pub saldo: Option<Decimal>,
    /// A CAEA invoice's report to ARCA; `None` for a CAE invoice.
    pub informe_caea: Option<InformeCaea>,
}

/// Where a CAEA invoice's report to ARCA stands (docs/arca.md §G.5).
#[derive(Debug, Clone)]
pub struct InformeCaea {
    /// As stored; the API (`http/invoices.rs`, the one place that maps it) shows a report that
    /// may have reached ARCA and is being reconciled (`en_curso`) as `pendiente`.
    pub estado: InformeEstado,
    /// ARCA's codes when it refused the report.
    pub errores: Vec<ArcaMessage>,
    /// ARCA's observations on the report.
    pub observaciones: Vec<ArcaMessage>,
    pub informado_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The grant's reporting deadline (`FchTopeInf`).
    pub fecha_tope: Option<chrono::NaiveDate>,
}

impl InformeCaea {
    fn of(row: &InvoiceRow) -> Option<InformeCaea> {
        let columns = &row.authorization;
        if columns.tipo_autorizacion != TipoAutorizacion::Caea {
            return None;
        }
        Some(InformeCaea {
            // A CAEA invoice always has one; the API shows `en_curso` as `pendiente` (http/invoices.rs).
            estado: columns.informe_estado().unwrap_or(InformeEstado::Pendiente),
            errores: messages(columns.informe_errores.as_deref()),
            observaciones: messages(columns.informe_observaciones.as_deref()),
            informado_at: columns.informado_at,
            fecha_tope: columns.caea_fch_tope_inf,
        })
    }
}

/// The invoice a note adjusts, as the note shows it.
#[derive(Debug, Clone)]
pub struct OriginalLink {
    pub id: String,
    pub tipo_comprobante: i32,
    pub numero_completo: Option<String>,
}

/// A note, as its original shows it.
#[derive(Debug, Clone)]
pub struct NoteLink {
    pub id: String,
    pub tipo_comprobante: i32,
    pub kind: NoteKind,
    pub status: InvoiceStatus,
    pub numero_completo: Option<String>,
    pub total: Decimal,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub approved_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// The request's fields that only the printed invoice uses.
#[derive(Debug, Clone, Default)]
pub struct PrintedFields {
    pub cliente_domicilio: Option<String>,
    pub condicion_venta: Option<CondicionVenta>,
    pub items: Vec<ItemRequest>,
}

impl PrintedFields {
    /// Read from the stored request (`invoices.document`); `None` when it is absent or
    /// unreadable.
    pub fn from_document(document: &serde_json::Value) -> Option<PrintedFields> {
        let read = |pointer: &str| document.pointer(pointer).cloned().filter(|v| !v.is_null());
        Some(PrintedFields {
            cliente_domicilio: read("/cliente/domicilio").and_then(|v| v.as_str().map(str::to_string)),
            condicion_venta: read("/condicion_venta").and_then(|v| serde_json::from_value(v).ok()),
            items: serde_json::from_value(read("/items")?).ok()?,
        })
    }
}

impl Invoice {
    pub fn new(row: InvoiceRow, issuer: Cuit) -> Invoice {
        let decimal = |text: &str| text.parse::<Decimal>().unwrap_or_default();
        let amounts = &row.amounts;
        let subtotal = decimal(&amounts.imp_neto) + decimal(&amounts.imp_tot_conc) + decimal(&amounts.imp_op_ex);
        let total = decimal(&amounts.imp_total);
        let document = row
            .document
            .as_deref()
            .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok());
        let metadata = document
            .as_ref()
            .and_then(|d| d.get("metadata").cloned())
            .filter(|m| !m.is_null());
        let printed = document.as_ref().and_then(PrintedFields::from_document);
        Invoice {
            subtotal,
            iva_total: decimal(&amounts.imp_iva),
            tributos_total: decimal(&amounts.imp_trib),
            total,
            qr_data: qr_url(&row, issuer, total),
            observaciones: messages(row.arca_observaciones.as_deref()),
            errores: messages(row.arca_errores.as_deref()),
            metadata,
            printed,
            original: None,
            notes: None,
            saldo: None,
            informe_caea: InformeCaea::of(&row),
            row,
        }
    }

    pub fn status(&self) -> InvoiceStatus {
        self.row.status
    }

    /// Issued under a CAEA (in contingency).
    pub fn is_caea(&self) -> bool {
        self.row.authorization.tipo_autorizacion == TipoAutorizacion::Caea
    }

    /// `PPPPP-NNNNNNNN` once numbered.
    pub fn numero_completo(&self) -> Option<String> {
        self.row.numero.map(|n| format!("{:05}-{:08}", self.row.punto_venta, n))
    }

    /// Its way so far, oldest first, from what its row and (single reads) its notes record:
    /// received, approved, failed or retrying now, each note, cancelled. An edited invoice
    /// shows its latest round.
    pub fn history(&self) -> Vec<HistoryEntry> {
        let row = &self.row;
        let mut entries = vec![HistoryEntry {
            at: row.created_at,
            change: Change::Received,
        }];
        if let Some(at) = row.approved_at {
            entries.push(HistoryEntry {
                at,
                change: Change::Approved { caea: self.is_caea() },
            });
        }
        match row.status {
            InvoiceStatus::Failed => entries.push(HistoryEntry {
                at: row.updated_at,
                change: Change::Failed,
            }),
            InvoiceStatus::PendingRetry => entries.push(HistoryEntry {
                at: row.updated_at,
                change: Change::Retrying {
                    attempts: row.attempts,
                    next_attempt_at: row
                        .next_attempt_at
                        .and_then(chrono::DateTime::<chrono::Utc>::from_timestamp_millis),
                },
            }),
            InvoiceStatus::Pending | InvoiceStatus::Approved | InvoiceStatus::Cancelled => {}
        }
        for note in self.notes.iter().flatten() {
            entries.push(HistoryEntry {
                at: note.created_at,
                change: Change::Note {
                    id: note.id.clone(),
                    kind: note.kind,
                    status: note.status,
                    numero_completo: note.numero_completo.clone(),
                },
            });
        }
        if row.status == InvoiceStatus::Cancelled {
            // Cancelled in the transaction that approved the zeroing note.
            let at = self
                .notes
                .iter()
                .flatten()
                .filter_map(|note| note.approved_at)
                .max()
                .unwrap_or(row.updated_at);
            entries.push(HistoryEntry {
                at,
                change: Change::Cancelled,
            });
        }
        entries.sort_by_key(|entry| entry.at);
        entries
    }
}

/// The QR of an approved invoice: what ARCA's RG 4892 asks to print, as its URL.
pub(crate) fn qr_url(row: &InvoiceRow, issuer: Cuit, total: Decimal) -> Option<String> {
    let (Some(cae), Some(numero), Some(fecha)) = (&row.cae, row.numero, row.fecha) else {
        return None;
    };
    if !row.status.is_authorised() {
        return None;
    }
    let detail = invoices::voucher::from_json(&row.voucher).ok();
    let identified = !(row.doc_tipo == 99 && row.doc_nro == 0);
    Some(
        QrData {
            fecha,
            cuit: issuer.as_u64(),
            pto_vta: u32::try_from(row.punto_venta).ok()?,
            tipo_cmp: row.cbte_tipo,
            nro_cmp: u64::try_from(numero).ok()?,
            importe: total,
            moneda: detail
                .as_ref()
                .and_then(|d| d.mon_id.clone())
                .unwrap_or_else(|| "PES".into()),
            ctz: detail.as_ref().and_then(|d| d.mon_cotiz).unwrap_or(Decimal::ONE),
            tipo_doc_rec: identified.then_some(row.doc_tipo),
            nro_doc_rec: identified.then(|| u64::try_from(row.doc_nro).ok()).flatten(),
            // A CAEA invoice's code is its fortnight's CAEA: `tipoCodAut` "A" (§F, §G.4).
            tipo_cod_aut: match row.authorization.tipo_autorizacion {
                TipoAutorizacion::Cae => AuthorizationKind::Cae,
                TipoAutorizacion::Caea => AuthorizationKind::Caea,
            },
            cod_aut: cae.parse().unwrap_or_default(),
        }
        .to_url(),
    )
}

/// ARCA's messages as stored (`[{"code": …, "msg": …}]`).
fn messages(json: Option<&str>) -> Vec<ArcaMessage> {
    json.and_then(|text| serde_json::from_str::<Vec<serde_json::Value>>(text).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|m| ArcaMessage {
            code: match m.get("code") {
                Some(serde_json::Value::String(code)) => code.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            },
            message: m
                .get("msg")
                .or_else(|| m.get("message"))
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string(),
        })
        .collect()
}
