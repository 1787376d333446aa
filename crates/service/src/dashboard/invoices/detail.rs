//! `GET /dashboard/invoices/{id}` and its actions: the invoice's data, items, totals, history,
//! ARCA's errors and observations (code, ARCA's message and the catalogue's hint), notes and
//! emails; its PDF under `/dashboard/invoices/{id}/pdf`; the email form (`POST …/email`, what
//! `POST /v1/invoices/{id}/email` does) and the cancellation (`POST …/cancel`, what
//! `POST /v1/invoices/{id}/cancel` does), offered only when the invoices module says it may be
//! cancelled.
//!
//! It never decides anything about the invoice: the invoices, emails and PDF modules do, for
//! the session's account (another account's id is a 404 on every route).

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde::Deserialize;

use super::{status_class, status_label, voucher_name};
use crate::dashboard::format;
use crate::dashboard::page::{FieldErrors, Layout, Nav, Notice, PageError, redirect, redirect_with, render};
use crate::dashboard::session::{Posted, Session};
use crate::email::SendInvoiceEmail;
use crate::email::request::EmailAddress;
use crate::http::error::ApiError;
use crate::invoices::notes::CancelInvoice;
use crate::invoices::{ArcaMessage, Change, Invoice, InvoiceStatus, Respond};
use crate::state::AppState;
use crate::storage::invoices::NoteKind;
use crate::storage::outbox::MessageStatus;

/// How many of the invoice's emails the page lists (newest first).
const EMAILS_SHOWN: i64 = 10;

/// A label and its value.
pub struct Fact {
    pub label: &'static str,
    pub value: String,
    /// A link the value goes to, if any.
    pub href: Option<String>,
}

pub struct ItemLine {
    pub descripcion: String,
    pub cantidad: String,
    pub precio_unitario: String,
    pub bonificacion: String,
    pub iva: String,
}

pub struct HistoryLine {
    pub at: String,
    pub text: String,
    pub href: Option<String>,
}

pub struct ArcaLine {
    pub code: String,
    pub message: String,
    pub hint: Option<&'static str>,
}

impl ArcaLine {
    fn of(message: &ArcaMessage) -> ArcaLine {
        ArcaLine {
            code: message.code.clone(),
            message: message.message.clone(),
            hint: message.hint(),
        }
    }
}

pub struct NoteLine {
    pub id: String,
    pub name: String,
    pub status: &'static str,
    pub status_class: &'static str,
    pub total: String,
}

pub struct EmailLine {
    pub at: String,
    pub to: String,
    pub status: &'static str,
    pub last_error: String,
}

/// The email form's values (kept when it is shown again with its problems).
#[derive(Debug, Default, Clone, Deserialize)]
pub struct EmailForm {
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub cc: String,
    #[serde(default)]
    pub asunto: String,
    #[serde(default)]
    pub mensaje: String,
}

impl EmailForm {
    /// The body of `POST /v1/invoices/{id}/email`: addresses split on commas, semicolons and
    /// spaces; empty texts left to the email module's defaults.
    fn request(&self) -> SendInvoiceEmail {
        let addresses = |text: &str| -> Vec<EmailAddress> {
            text.split([',', ';', ' ', '\n', '\r', '\t'])
                .filter(|address| !address.is_empty())
                .map(|address| EmailAddress(address.to_string()))
                .collect()
        };
        let text = |value: &str| Some(value.trim().to_string()).filter(|value| !value.is_empty());
        SendInvoiceEmail {
            to: addresses(&self.to),
            cc: addresses(&self.cc),
            asunto: text(&self.asunto),
            mensaje: text(&self.mensaje),
        }
    }
}

#[derive(Template)]
#[template(path = "dashboard/invoices/detail.html")]
struct DetailPage {
    layout: Layout,
    id: String,
    status: &'static str,
    status_class: &'static str,
    facts: Vec<Fact>,
    items: Vec<ItemLine>,
    subtotal: String,
    iva: String,
    tributos: Option<String>,
    total: String,
    saldo: Option<String>,
    history: Vec<HistoryLine>,
    errores: Vec<ArcaLine>,
    observaciones: Vec<ArcaLine>,
    notes: Vec<NoteLine>,
    emails: Vec<EmailLine>,
    has_pdf: bool,
    can_email: bool,
    can_cancel: bool,
    /// What `pending`/`pending_retry` means now.
    waiting: bool,
    email: EmailForm,
    email_errors: FieldErrors,
    /// A refusal of the email that names no field (not configured, not approved, …).
    email_problem: Option<String>,
}

impl DetailPage {
    /// The message for the email form's field `field` (`to`, `cc`, `asunto`, `mensaje`),
    /// including the API's per-address ones (`to[1]`).
    fn email_error(&self, field: &str) -> Option<String> {
        let messages: Vec<String> = self
            .email_errors
            .0
            .iter()
            .filter(|error| error.field == field || error.field.starts_with(&format!("{field}[")))
            .map(|error| match error.field.strip_prefix(field) {
                Some("") | None => error.message.clone(),
                Some(index) => format!("{index}: {}", error.message),
            })
            .collect();
        (!messages.is_empty()).then(|| messages.join("; "))
    }
}

/// A decimal as Argentina writes a quantity: `1.234,5` (no currency, not rounded).
fn quantity(value: &arca_protocol::money::Decimal) -> String {
    let text = value.normalize().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    if fraction.is_empty() {
        format::thousands(whole)
    } else {
        format!("{},{fraction}", format::thousands(whole))
    }
}

fn document(doc_tipo: i32, doc_nro: i64) -> String {
    let name = arca_protocol::codes::DocTipo::from_code(doc_tipo)
        .map_or_else(|| format!("Doc. {doc_tipo}"), |tipo| tipo.description().to_string());
    match doc_tipo {
        99 => name,
        80 | 86 => format!("{name} {}", format::cuit(&doc_nro.to_string())),
        _ => format!("{name} {doc_nro}"),
    }
}

fn note_name(kind: NoteKind, tipo: i32, numero: Option<&str>) -> String {
    let what = match kind {
        NoteKind::Cancellation => " (anulación)",
        NoteKind::Credit | NoteKind::Debit => "",
    };
    format!("{}{what} {}", voucher_name(tipo), numero.unwrap_or("sin número"))
}

fn email_status(status: MessageStatus) -> &'static str {
    match status {
        MessageStatus::Pending => "En cola",
        MessageStatus::Delivering => "Enviando",
        MessageStatus::Delivered => "Entregado",
        MessageStatus::Failed => "Falló",
    }
}

/// The page of `invoice`, with its emails.
async fn detail_page(state: &AppState, session: &Session, invoice: Invoice) -> Result<DetailPage, PageError> {
    let row = &invoice.row;
    let numero = invoice.numero_completo();
    let title = match &numero {
        Some(numero) => format!("{} {numero}", voucher_name(row.cbte_tipo)),
        None => format!("{} (sin número)", voucher_name(row.cbte_tipo)),
    };
    let printed = invoice.printed.clone().unwrap_or_default();
    let mut facts = vec![
        Fact {
            label: "Tipo",
            value: format!("{} ({})", voucher_name(row.cbte_tipo), row.cbte_tipo),
            href: None,
        },
        Fact {
            label: "Punto de venta",
            value: row.punto_venta.to_string(),
            href: None,
        },
        Fact {
            label: "Número",
            value: numero.clone().unwrap_or_else(|| "todavía sin número".into()),
            href: None,
        },
        Fact {
            label: "Fecha",
            value: row.fecha.as_ref().map(format::date).unwrap_or_else(|| "—".into()),
            href: None,
        },
        Fact {
            label: "Receptor",
            value: row.cliente_nombre.clone().unwrap_or_else(|| "—".into()),
            href: None,
        },
        Fact {
            label: "Documento",
            value: document(row.doc_tipo, row.doc_nro),
            href: None,
        },
    ];
    if let Some(domicilio) = &printed.cliente_domicilio {
        facts.push(Fact {
            label: "Domicilio",
            value: domicilio.clone(),
            href: None,
        });
    }
    facts.push(Fact {
        label: "Condición de venta",
        value: printed
            .condicion_venta
            .map_or("Contado", |condicion| condicion.printed())
            .to_string(),
        href: None,
    });
    if let Some(code) = &row.cae {
        let caea = invoice.is_caea();
        facts.push(Fact {
            label: if caea { "CAEA" } else { "CAE" },
            value: code.clone(),
            href: None,
        });
        if let Some(vencimiento) = &row.cae_vencimiento {
            facts.push(Fact {
                label: if caea {
                    "Vencimiento del CAEA"
                } else {
                    "Vencimiento del CAE"
                },
                value: format::date(vencimiento),
                href: None,
            });
        }
    }
    if let Some(original) = &invoice.original {
        facts.push(Fact {
            label: "Comprobante original",
            value: format!(
                "{} {}",
                voucher_name(original.tipo_comprobante),
                original.numero_completo.as_deref().unwrap_or("sin número")
            ),
            href: Some(format!("/dashboard/invoices/{}", original.id)),
        });
    }
    facts.push(Fact {
        label: "Creado",
        value: format::datetime(&row.created_at),
        href: None,
    });
    facts.push(Fact {
        label: "Identificador",
        value: row.id.clone(),
        href: None,
    });
    let items = printed
        .items
        .iter()
        .map(|item| ItemLine {
            descripcion: item.descripcion.clone(),
            cantidad: match &item.unidad {
                Some(unidad) => format!("{} {unidad}", quantity(&item.cantidad)),
                None => quantity(&item.cantidad),
            },
            precio_unitario: format::money(&item.precio_unitario),
            bonificacion: if item.bonificacion.is_zero() {
                String::new()
            } else {
                format!("{} %", quantity(&item.bonificacion))
            },
            iva: match (item.iva_condicion.as_deref(), &item.iva_porcentaje) {
                (Some("exento"), _) => "Exento".into(),
                (Some("no_gravado"), _) => "No gravado".into(),
                (_, Some(rate)) => format!("{} %", quantity(rate)),
                (_, None) => "—".into(),
            },
        })
        .collect();
    let history = invoice
        .history()
        .into_iter()
        .map(|entry| {
            let (text, href) = match entry.change {
                Change::Received => ("Recibido: queda pendiente hasta que ARCA responda".to_string(), None),
                Change::Approved { caea: false } => (
                    format!("Aprobado por ARCA con CAE {}", row.cae.as_deref().unwrap_or("")),
                    None,
                ),
                Change::Approved { caea: true } => (
                    format!("Emitido en contingencia con CAEA {}", row.cae.as_deref().unwrap_or("")),
                    None,
                ),
                Change::Failed => ("Rechazado por ARCA (mirá los errores abajo)".to_string(), None),
                Change::Retrying {
                    attempts,
                    next_attempt_at,
                } => (
                    match next_attempt_at {
                        Some(next) => format!(
                            "ARCA no respondió ({attempts} intentos): se reintenta solo, el próximo el {}",
                            format::datetime(&next)
                        ),
                        None => format!("ARCA no respondió ({attempts} intentos): se reintenta solo"),
                    },
                    None,
                ),
                Change::Note {
                    id,
                    kind,
                    status,
                    numero_completo,
                } => {
                    let tipo = invoice
                        .notes
                        .iter()
                        .flatten()
                        .find(|note| note.id == id)
                        .map_or(0, |note| note.tipo_comprobante);
                    (
                        format!(
                            "{}: {}",
                            note_name(kind, tipo, numero_completo.as_deref()),
                            status_label(status).to_lowercase()
                        ),
                        Some(format!("/dashboard/invoices/{id}")),
                    )
                }
                Change::Cancelled => ("Anulado: su saldo quedó en cero".to_string(), None),
            };
            HistoryLine {
                at: format::datetime(&entry.at),
                text,
                href,
            }
        })
        .collect();
    let notes = invoice
        .notes
        .iter()
        .flatten()
        .map(|note| NoteLine {
            id: note.id.clone(),
            name: note_name(note.kind, note.tipo_comprobante, note.numero_completo.as_deref()),
            status: status_label(note.status),
            status_class: status_class(note.status),
            total: format::money(&note.total),
        })
        .collect();
    let (emails, _) = state
        .emails
        .list_for_invoice(&session.account_id, &row.id, EMAILS_SHOWN, 0)
        .await?;
    let emails = emails
        .into_iter()
        .map(|email| EmailLine {
            at: format::datetime(&email.message.created_at),
            to: email
                .payload
                .as_ref()
                .map(|payload| payload.to.join(", "))
                .unwrap_or_default(),
            status: email_status(email.message.status),
            last_error: email.message.last_error.clone().unwrap_or_default(),
        })
        .collect();
    Ok(DetailPage {
        layout: Layout::new(session, Nav::Invoices, title),
        id: row.id.clone(),
        status: status_label(row.status),
        status_class: status_class(row.status),
        facts,
        items,
        subtotal: format::money(&invoice.subtotal),
        iva: format::money(&invoice.iva_total),
        tributos: (!invoice.tributos_total.is_zero()).then(|| format::money(&invoice.tributos_total)),
        total: format::money(&invoice.total),
        saldo: invoice.saldo.as_ref().map(format::money),
        history,
        errores: invoice.errores.iter().map(ArcaLine::of).collect(),
        observaciones: invoice.observaciones.iter().map(ArcaLine::of).collect(),
        notes,
        emails,
        has_pdf: row.status.is_authorised(),
        can_email: row.status.is_authorised(),
        can_cancel: invoice.cancellable(),
        waiting: matches!(row.status, InvoiceStatus::Pending | InvoiceStatus::PendingRetry),
        email: EmailForm::default(),
        email_errors: FieldErrors::default(),
        email_problem: None,
    })
}

async fn find(state: &AppState, session: &Session, id: &str) -> Result<Invoice, PageError> {
    Ok(state
        .invoices
        .find(&session.account_id, id)
        .await
        .map_err(ApiError::from)?)
}

/// The invoice's page.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let invoice = find(&state, &session, &id).await?;
    render(&detail_page(&state, &session, invoice).await?)
}

/// The PDF `GET /v1/invoices/{id}/pdf` answers (the ORIGINAL), with the session.
pub async fn pdf(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let copies = crate::invoice_pdfs::copies(1).unwrap_or(&[]);
    let pdf = state
        .invoice_pdfs
        .for_account(&session.account_id, &id, copies)
        .await
        .map_err(ApiError::from)?;
    let mut response = crate::http::invoice_pdfs::pdf_response(pdf, HeaderMap::new());
    // Behind a session: never kept by a shared cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// Emails the PDF like `POST /v1/invoices/{id}/email`; the page again with the problems next
/// to the fields when it is refused.
pub async fn email(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<EmailForm>,
) -> Result<Response, PageError> {
    let Posted { session, form } = posted;
    let sent = state
        .emails
        .send_invoice(&session.account_id, &id, &form.request())
        .await;
    let error = match sent {
        Ok(_) => return Ok(redirect_with(&format!("/dashboard/invoices/{id}"), Notice::EmailQueued)),
        Err(error) => PageError::from(error),
    };
    if error.status == StatusCode::NOT_FOUND {
        return Err(error);
    }
    let invoice = find(&state, &session, &id).await?;
    let mut page = detail_page(&state, &session, invoice).await?;
    page.email = form;
    page.email_problem = error.fields.is_empty().then(|| match &error.hint {
        Some(hint) => format!("{} {hint}", error.detail),
        None => error.detail.clone(),
    });
    page.email_errors = error.fields.clone();
    let mut response = render(&page)?;
    *response.status_mut() = if error.status == StatusCode::BAD_REQUEST {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        error.status
    };
    Ok(response)
}

#[derive(Debug, Default, Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    pub motivo: String,
}

/// Cancels like `POST /v1/invoices/{id}/cancel` (a credit note for the whole balance, waiting
/// for ARCA like the API): back to the invoice, cancelled; to the note when ARCA rejected it.
pub async fn cancel(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<CancelForm>,
) -> Result<Response, PageError> {
    let Posted { session, form } = posted;
    let request = CancelInvoice {
        motivo: Some(form.motivo.trim().to_string()).filter(|motivo| !motivo.is_empty()),
        fecha: None,
    };
    let note = state
        .invoices
        .cancel(&session.account_id, &id, &request, None, Respond::Wait)
        .await
        .map_err(ApiError::from)?;
    Ok(match note.status() {
        InvoiceStatus::Approved => redirect_with(&format!("/dashboard/invoices/{id}"), Notice::Cancelled),
        _ => redirect(&format!("/dashboard/invoices/{}", note.row.id)),
    })
}
