//! `POST /v1/invoices/{id}/email`'s body and its rules, and the one address rule every email
//! field obeys (`cliente.email` of an invoice too).
//!
//! It only checks: it never stores or sends anything.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::text::{self, Lines};

/// Recipients in `to`: at least one, at most this many.
pub const TO_MAX: usize = 10;
/// Recipients in `cc`.
pub const CC_MAX: usize = 10;
/// Characters of one address (RFC 5321's path limit).
pub const ADDRESS_MAX: usize = 254;
/// Characters of `asunto`, one line.
pub const ASUNTO_MAX: usize = 200;
/// Characters of `mensaje`; line breaks allowed.
pub const MENSAJE_MAX: usize = 5000;

/// Send an approved invoice's PDF by email.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SendInvoiceEmail {
    /// 1 to 10 addresses (`name@example.com`, at most 254 characters each).
    #[schema(min_items = 1, max_items = 10)]
    pub to: Vec<EmailAddress>,
    /// 0 to 10 addresses.
    #[serde(default)]
    #[schema(max_items = 10)]
    pub cc: Vec<EmailAddress>,
    /// The subject, one line of 1 to 200 characters; by default the voucher's name and number
    /// (`Factura B 00001-00000042`).
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = "^[^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub asunto: Option<String>,
    /// The text of the message, 1 to 5000 characters, line breaks allowed; by default a short
    /// Spanish text naming the voucher and its CAE.
    #[schema(
        min_length = 1,
        max_length = 5000,
        pattern = "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*[^\\s\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069][^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F\\u202A-\\u202E\\u2066-\\u2069]*$"
    )]
    pub mensaje: Option<String>,
}

/// An email address: a dot-atom local part, `@`, and a domain of two or more labels of letters,
/// digits and inner hyphens; at most 254 characters ([`ADDRESS_PATTERN`], [`address_problem`]).
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(pub String);

/// The shape of an address, as the OpenAPI document states it.
/// Each domain label is at most 63 characters, as the SMTP client requires. The local part's bound
/// (64) is checked by [`address_problem`] and not stated here: a look-ahead makes generators give up.
pub const ADDRESS_PATTERN: &str = "^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$";

impl utoipa::PartialSchema for EmailAddress {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, SchemaType, Type};
        ObjectBuilder::new()
            .schema_type(SchemaType::new(Type::String))
            .max_length(Some(ADDRESS_MAX))
            .pattern(Some(ADDRESS_PATTERN))
            .description(Some("An email address (`name@example.com`), at most 254 characters."))
            .into()
    }
}

impl utoipa::ToSchema for EmailAddress {}

/// The checked request: trimmed text, addresses as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedEmail {
    pub to: Vec<String>,
    pub cc: Vec<String>,
    pub asunto: Option<String>,
    pub mensaje: Option<String>,
}

impl SendInvoiceEmail {
    /// Checks every field and reports every problem at once, each with its field and rule.
    pub fn check(&self) -> Result<CheckedEmail, Vec<(String, String)>> {
        let mut problems = Vec::new();
        if self.to.is_empty() || self.to.len() > TO_MAX {
            problems.push(("to".into(), format!("must hold 1 to {TO_MAX} addresses")));
        }
        if self.cc.len() > CC_MAX {
            problems.push(("cc".into(), format!("must hold at most {CC_MAX} addresses")));
        }
        for (field, list, max) in [("to", &self.to, TO_MAX), ("cc", &self.cc, CC_MAX)] {
            for (index, address) in list.iter().enumerate().take(max) {
                if let Err(message) = address_problem(&address.0) {
                    problems.push((format!("{field}[{index}]"), message));
                }
            }
        }
        let asunto = self.asunto.as_ref().map(|text| text.trim().to_string());
        if let Some(text) = &asunto {
            if text.is_empty() {
                problems.push((
                    "asunto".into(),
                    format!("must be 1 to {ASUNTO_MAX} characters (leave it out for the default)"),
                ));
            } else if let Err(problem) = text::check_single_line("asunto", text, ASUNTO_MAX) {
                problems.push(problem);
            }
        }
        let mensaje = self.mensaje.as_ref().map(|text| text.trim().to_string());
        if let Some(text) = &mensaje {
            if text.is_empty() {
                problems.push((
                    "mensaje".into(),
                    format!("must be 1 to {MENSAJE_MAX} characters (leave it out for the default)"),
                ));
            } else if let Err(problem) = text::check("mensaje", text, Lines::Multi)
                .and_then(|()| text::check_length("mensaje", text, MENSAJE_MAX))
            {
                problems.push(problem);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        Ok(CheckedEmail {
            to: self.to.iter().map(|a| a.0.clone()).collect(),
            cc: self.cc.iter().map(|a| a.0.clone()).collect(),
            asunto,
            mensaje,
        })
    }
}

/// Why `address` is not one the service sends to, or `Ok`: the shape of [`EmailAddress`]'s
/// pattern, at most [`ADDRESS_MAX`] characters, and an address the SMTP client accepts (local
/// part at most 64 characters, labels at most 63).
pub fn address_problem(address: &str) -> Result<(), String> {
    let rule = || format!("must be an email address (name@example.com) of at most {ADDRESS_MAX} characters");
    if address.chars().count() > ADDRESS_MAX {
        return Err(rule());
    }
    let Some((local, domain)) = address.split_once('@') else {
        return Err(rule());
    };
    let atom = |part: &str| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+/=?^_`{|}~-".contains(&b))
    };
    let label = |part: &str| {
        !part.is_empty()
            && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            && !part.starts_with('-')
            && !part.ends_with('-')
    };
    let shaped = local.split('.').all(atom) && domain.split('.').count() >= 2 && domain.split('.').all(label);
    if !shaped || address.parse::<lettre::Address>().is_err() {
        return Err(rule());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(to: &[&str], cc: &[&str]) -> SendInvoiceEmail {
        SendInvoiceEmail {
            to: to.iter().map(|a| EmailAddress((*a).into())).collect(),
            cc: cc.iter().map(|a| EmailAddress((*a).into())).collect(),
            asunto: None,
            mensaje: None,
        }
    }

    #[test]
    fn addresses_follow_the_pattern() {
        for good in ["a@b.co", "ventas+facturas@acme.com.ar", "o'brien@x-y.example"] {
            assert_eq!(address_problem(good), Ok(()), "{good}");
        }
        for bad in [
            "",
            "a",
            "a@b",
            "a@@b.co",
            "a..b@c.co",
            ".a@b.co",
            "a@-b.co",
            "a b@c.co",
            "ñ@b.co",
            "a@b.co\n",
        ] {
            assert!(address_problem(bad).is_err(), "{bad:?}");
        }
        let long = format!("{}@example.com", "a".repeat(250));
        assert!(address_problem(&long).is_err());
    }

    #[test]
    fn every_problem_is_named_at_once() {
        let mut body = request(&[], &["x"; 11]);
        body.asunto = Some("two\nlines".into());
        body.mensaje = Some("m".repeat(MENSAJE_MAX + 1));
        let problems = body.check().unwrap_err();
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(fields[..2], ["to", "cc"]);
        assert!(fields.contains(&"cc[0]") && fields.contains(&"cc[9]") && !fields.contains(&"cc[10]"));
        assert!(fields.contains(&"asunto") && fields.contains(&"mensaje"));
    }

    #[test]
    fn text_is_trimmed() {
        let mut body = request(&["a@b.co"], &[]);
        body.asunto = Some("  Su factura  ".into());
        body.mensaje = Some("Hola\nGracias\n".into());
        let checked = body.check().unwrap();
        assert_eq!(checked.asunto.as_deref(), Some("Su factura"));
        assert_eq!(checked.mensaje.as_deref(), Some("Hola\nGracias"));
    }
}
