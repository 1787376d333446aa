//! An invoice email: what the outbox keeps of it ([`EmailPayload`]: recipients, subject, text,
//! the attachment's name) and the MIME message built from it at send time — multipart/mixed, a
//! plain-text Spanish body and the invoice's PDF as `factura-00001-00000042.pdf`.
//!
//! The defaults are written here: the subject `Factura B 00001-00000042` (the voucher's name in
//! ARCA's table and its number) and a short text naming the issuer, the voucher and its CAE. It
//! never reads storage and never sends.

use arca_protocol::codes::CbteTipo;
use chrono::NaiveDate;
use lettre::Message;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use serde::{Deserialize, Serialize};

/// What started an email.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// `POST /v1/invoices/{id}/email`.
    Api,
    /// The invoice's approval, with `enviar_email_automatico` on and a `cliente.email`.
    Aprobacion,
}

/// An email as the outbox keeps it (the message's `payload`); the PDF is rendered at send time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailPayload {
    pub to: Vec<String>,
    #[serde(default)]
    pub cc: Vec<String>,
    pub asunto: String,
    pub mensaje: String,
    /// The attachment's file name.
    pub adjunto: String,
    pub origen: Origin,
}

/// What the defaults say about the invoice.
#[derive(Debug, Clone)]
pub struct InvoiceFacts {
    pub issuer_name: String,
    pub issuer_cuit: String,
    pub cbte_tipo: i32,
    pub punto_venta: i32,
    pub numero: i64,
    pub cae: Option<String>,
    pub cae_vencimiento: Option<NaiveDate>,
    /// Issued in contingency: `cae` is the CAEA and `cae_vencimiento` the end of its validity,
    /// never worded as a CAE.
    pub caea: bool,
    /// The total as decimal text (`"1210.00"`).
    pub total: String,
}

impl InvoiceFacts {
    /// ARCA's name of the voucher type (`Factura B`), or `Comprobante N` for an unknown one.
    pub fn voucher_name(&self) -> String {
        CbteTipo::from_code(self.cbte_tipo).map_or_else(
            || format!("Comprobante {}", self.cbte_tipo),
            |tipo| tipo.description().to_string(),
        )
    }

    /// `00001-00000042`.
    pub fn numero_completo(&self) -> String {
        format!("{:05}-{:08}", self.punto_venta, self.numero)
    }

    /// `Factura B 00001-00000042`.
    pub fn default_subject(&self) -> String {
        format!("{} {}", self.voucher_name(), self.numero_completo())
    }

    /// A short Spanish text naming the issuer, the voucher, its total and its CAE.
    pub fn default_text(&self) -> String {
        let mut text = format!(
            "Hola:\n\nLe enviamos adjunta la {} emitida por {} (CUIT {}), por un total de $ {}.\n",
            self.default_subject(),
            self.issuer_name,
            self.issuer_cuit,
            self.total
        );
        if let (Some(caea), Some(vencimiento), true) = (&self.cae, self.cae_vencimiento, self.caea) {
            text.push_str(&format!(
                "Fue emitida en contingencia con el CAEA {caea} (vigente hasta el {}).\n",
                vencimiento.format("%d/%m/%Y")
            ));
        } else if let (Some(cae), Some(vencimiento)) = (&self.cae, self.cae_vencimiento) {
            text.push_str(&format!(
                "Fue autorizada por ARCA con el CAE {cae}, que vence el {}.\n",
                vencimiento.format("%d/%m/%Y")
            ));
        }
        text.push_str("\nSaludos cordiales.\n");
        text
    }

    /// `factura-00001-00000042.pdf`: the voucher's kind without its letter, in lower case
    /// ASCII, then its number.
    pub fn attachment_name(&self) -> String {
        let name = self.voucher_name();
        let mut words: Vec<&str> = name.split_whitespace().collect();
        // ARCA's names end with the class letter (`Factura B`, `Nota de Credito A`).
        if words.len() > 1 && words.last().is_some_and(|last| last.len() == 1) {
            words.pop();
        }
        let slug: String = words
            .join("-")
            .chars()
            .map(|c| match c {
                'á' | 'Á' => 'a',
                'é' | 'É' => 'e',
                'í' | 'Í' => 'i',
                'ó' | 'Ó' => 'o',
                'ú' | 'Ú' => 'u',
                'ñ' | 'Ñ' => 'n',
                c if c.is_ascii_alphanumeric() || c == '-' => c.to_ascii_lowercase(),
                _ => '-',
            })
            .collect();
        format!("{slug}-{}.pdf", self.numero_completo())
    }
}

/// Why a stored payload could not become a message (a permanent failure of the attempt).
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error("recipient {0:?} is not an address")]
    Address(String),
    #[error("the message could not be built: {0}")]
    Message(#[from] lettre::error::Error),
}

/// The MIME message: From `from`, To and Cc from the payload, the delivery id as Message-ID (the
/// same on every attempt, so a receiver can drop a duplicate), the text, and `pdf` attached.
pub fn build(payload: &EmailPayload, from: &Mailbox, delivery_id: &str, pdf: Vec<u8>) -> Result<Message, BuildError> {
    let mut builder = Message::builder()
        .from(from.clone())
        .subject(payload.asunto.clone())
        .message_id(Some(format!("<{delivery_id}@arca-api>")));
    for address in &payload.to {
        builder = builder.to(mailbox(address)?);
    }
    for address in &payload.cc {
        builder = builder.cc(mailbox(address)?);
    }
    let body = MultiPart::mixed()
        .singlepart(SinglePart::plain(payload.mensaje.clone()))
        .singlepart(Attachment::new(payload.adjunto.clone()).body(
            pdf,
            ContentType::parse("application/pdf").map_err(|_| BuildError::Address("application/pdf".into()))?,
        ));
    Ok(builder.multipart(body)?)
}

fn mailbox(address: &str) -> Result<Mailbox, BuildError> {
    address
        .parse::<lettre::Address>()
        .map(|address| Mailbox::new(None, address))
        .map_err(|_| BuildError::Address(address.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(cbte_tipo: i32) -> InvoiceFacts {
        InvoiceFacts {
            issuer_name: "Acme SA".into(),
            issuer_cuit: "20267565393".into(),
            cbte_tipo,
            punto_venta: 1,
            numero: 42,
            cae: Some("74123456789012".into()),
            cae_vencimiento: NaiveDate::from_ymd_opt(2026, 12, 15),
            caea: false,
            total: "1210.00".into(),
        }
    }

    #[test]
    fn a_caea_invoice_is_never_worded_as_a_cae() {
        let facts = InvoiceFacts {
            cae: Some("21234567890123".into()),
            caea: true,
            ..facts(6)
        };
        let text = facts.default_text();
        assert!(
            text.contains("emitida en contingencia con el CAEA 21234567890123 (vigente hasta el 15/12/2026)"),
            "{text}"
        );
        assert!(!text.contains("CAE 2"), "{text}");
        assert!(!text.contains("autorizada"), "{text}");
    }

    #[test]
    fn defaults_name_the_voucher() {
        let b = facts(6);
        assert_eq!(b.default_subject(), "Factura B 00001-00000042");
        assert_eq!(b.attachment_name(), "factura-00001-00000042.pdf");
        assert!(b.default_text().contains("CAE 74123456789012, que vence el 15/12/2026"));
        assert!(
            facts(3).attachment_name().starts_with("nota-de-credito-"),
            "{}",
            facts(3).attachment_name()
        );
    }

    #[test]
    fn the_message_is_multipart_with_the_pdf() {
        let payload = EmailPayload {
            to: vec!["a@example.com".into()],
            cc: vec!["b@example.com".into()],
            asunto: "Factura B 00001-00000042".into(),
            mensaje: "Hola".into(),
            adjunto: "factura-00001-00000042.pdf".into(),
            origen: Origin::Api,
        };
        let from: Mailbox = "Acme <facturas@example.com>".parse().unwrap();
        let message = build(&payload, &from, "msg_1", b"%PDF-1.7".to_vec()).unwrap();
        let text = String::from_utf8(message.formatted()).unwrap();
        assert!(text.contains("Message-ID: <msg_1@arca-api>"), "{text}");
        assert!(text.contains("multipart/mixed"));
        assert!(text.contains("filename=\"factura-00001-00000042.pdf\""));
        assert_eq!(message.envelope().to().len(), 2);
    }
}
