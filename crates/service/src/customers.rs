//! Customers: the receivers an account invoices, identified as ARCA identifies them (`DocTipo`
//! and `DocNro`), with their IVA condition (`CondicionIVAReceptorId`).
//!
//! Document numbers are checked by type: CUIT (80) and CUIL (86) by their mod-11 check digit,
//! DNI (96) as 7 or 8 digits (dots allowed), 99 "Doc. (Otro)" only as `0` (the unidentified
//! consumidor final), every other type as 1 to 11 digits (ARCA's `DocNro` is a number). They
//! are stored normalised (digits only), so `20-26756539-3` and `20267565393` are one customer.
//!
//! A customer given by its CUIT without a name or IVA condition ([`create_filled`]) is completed
//! from ARCA's padrón (`crate::taxpayers`) before these checks; nothing is guessed: a condition
//! the padrón does not settle is a problem naming `condicion_iva`.

use arca_protocol::Cuit;
use arca_protocol::codes::{CondicionIvaReceptor, DocTipo};
use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;
pub use crate::storage::customers::CustomerFilter;
use crate::storage::customers::CustomerRow;
use crate::storage::{self, Storage};
use crate::taxpayers::{self, Taxpayers};
use crate::text::{self, Lines};

/// The fields of a customer, as a POST carries them.
#[derive(Debug, Clone, Default)]
pub struct NewCustomer {
    pub documento_tipo: i64,
    pub documento_numero: String,
    pub razon_social: String,
    pub condicion_iva: String,
    pub email: Option<String>,
    pub direccion: Option<String>,
}

/// A customer as a POST may carry it: [`create_filled`] completes it from the padrón.
#[derive(Debug, Clone, Default)]
pub struct CustomerDraft {
    /// Short for `documento_tipo` 80 with this number.
    pub cuit: Option<String>,
    pub documento_tipo: Option<i64>,
    pub documento_numero: Option<String>,
    pub razon_social: Option<String>,
    pub condicion_iva: Option<String>,
    pub email: Option<String>,
    pub direccion: Option<String>,
}

/// Creates a customer from `draft`: a CUIT customer (`cuit`, or `documento_tipo` 80) without
/// `condicion_iva` — or given only as `cuit`, without `razon_social` — is completed from the
/// account's padrón look-up first (name, IVA condition, and `direccion` when missing); a padrón
/// that does not answer is [`taxpayers::Error::Unavailable`]. Otherwise exactly [`create`].
pub async fn create_filled(
    storage: &Storage,
    taxpayers: &Taxpayers,
    account_id: &str,
    draft: CustomerDraft,
) -> Result<CustomerRow, taxpayers::Error> {
    let mut problems = Vec::new();
    let mut documento_tipo = draft.documento_tipo;
    let mut documento_numero = draft.documento_numero;
    let mut identified: Option<(Cuit, &str)> = None;
    if let Some(text) = &draft.cuit {
        let cuit = taxpayers::parse_cuit("cuit", text)?;
        if documento_tipo.is_some_and(|tipo| tipo != 80) {
            problems.push((
                "documento_tipo".to_string(),
                "must be 80 (CUIT) or omitted when cuit is given".to_string(),
            ));
        }
        if documento_numero
            .as_deref()
            .is_some_and(|numero| Cuit::parse(numero.trim()).ok() != Some(cuit))
        {
            problems.push((
                "documento_numero".to_string(),
                "differs from cuit: give one of them".to_string(),
            ));
        }
        documento_tipo = Some(80);
        documento_numero = Some(cuit.to_string());
        identified = Some((cuit, "cuit"));
    } else if documento_tipo == Some(80)
        && let Some(cuit) = documento_numero
            .as_deref()
            .and_then(|numero| Cuit::parse(numero.trim()).ok())
    {
        identified = Some((cuit, "documento_numero"));
    }
    if documento_tipo.is_none() {
        problems.push((
            "documento_tipo".to_string(),
            "required (or give cuit): 80 CUIT, 86 CUIL, 96 DNI, 99 other".to_string(),
        ));
    }
    if documento_numero.is_none() {
        problems.push(("documento_numero".to_string(), "required (or give cuit)".to_string()));
    }
    if !problems.is_empty() {
        return Err(Error::Invalid(problems).into());
    }
    let mut razon_social = draft.razon_social;
    let mut condicion_iva = draft.condicion_iva;
    let mut direccion = draft.direccion;
    // The padrón is asked when the condition is missing, or when only `cuit` was given (for the
    // name too); a `documento_tipo` 80 customer with its condition is checked as sent.
    let needs_padron = condicion_iva.is_none() || (draft.cuit.is_some() && razon_social.is_none());
    if let Some((cuit, field)) = identified
        && needs_padron
    {
        let receiver = taxpayers.receiver(account_id, cuit, field).await?;
        if condicion_iva.is_none() {
            match receiver.condicion_iva {
                Ok(condition) => condicion_iva = Some(condition.api_name().to_string()),
                Err(reason) => {
                    return Err(taxpayers::Error::Unsettled {
                        field: "condicion_iva".into(),
                        reason,
                    });
                }
            }
        }
        razon_social = razon_social.or(receiver.nombre);
        direccion = direccion.or(receiver.domicilio);
    }
    // Still missing (not a CUIT, or the caller gave part of it): required, reported with every
    // other problem at once.
    let mut missing = Vec::new();
    if razon_social.is_none() {
        missing.push((
            "razon_social".to_string(),
            "required (taken from ARCA's padrón only for a customer given by its cuit)".to_string(),
        ));
    }
    if condicion_iva.is_none() {
        missing.push((
            "condicion_iva".to_string(),
            "required (taken from ARCA's padrón only for a customer with a CUIT)".to_string(),
        ));
    }
    let new = NewCustomer {
        documento_tipo: documento_tipo.unwrap_or_default(),
        documento_numero: documento_numero.unwrap_or_default(),
        // Stand-ins only while checking the other fields; a missing one is refused above.
        razon_social: razon_social.unwrap_or_else(|| "-".into()),
        condicion_iva: condicion_iva.unwrap_or_else(|| CondicionIvaReceptor::ConsumidorFinal.api_name().into()),
        email: draft.email,
        direccion,
    };
    if !missing.is_empty() {
        if let Err(Error::Invalid(more)) = check(new) {
            missing.extend(more);
        }
        return Err(Error::Invalid(missing).into());
    }
    Ok(create(storage, account_id, new).await?)
}

/// A partial update: `None` leaves a field as it is; `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct CustomerChanges {
    pub documento_tipo: Option<i64>,
    pub documento_numero: Option<String>,
    pub razon_social: Option<String>,
    pub condicion_iva: Option<String>,
    pub email: Option<Option<String>>,
    pub direccion: Option<Option<String>>,
}

/// Creates a customer ([`Error::Conflict`] if the account has one with this document).
pub async fn create(storage: &Storage, account_id: &str, new: NewCustomer) -> Result<CustomerRow, Error> {
    let checked = check(new)?;
    let now = storage::now();
    let row = CustomerRow {
        id: storage::new_id("cus"),
        account_id: account_id.to_string(),
        documento_tipo: checked.documento_tipo,
        documento_numero: checked.documento_numero,
        razon_social: checked.razon_social,
        condicion_iva: checked.condicion_iva,
        email: checked.email,
        direccion: checked.direccion,
        created_at: now,
        updated_at: now,
    };
    storage::customers::insert(storage, &row).await?;
    Ok(row)
}

/// The account's customer `id` ([`Error::NotFound`] for another account's).
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<CustomerRow, Error> {
    storage::customers::find(storage, account_id, id)
        .await?
        .ok_or(Error::NotFound)
}

/// A page of the account's customers matching `filter`, newest first, and how many match. A
/// `documento_numero` filter is normalised as stored numbers are (`20-26756539-3` finds
/// `20267565393`).
pub async fn list(
    storage: &Storage,
    account_id: &str,
    mut filter: CustomerFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<CustomerRow>, i64), Error> {
    filter.name_contains = filter.name_contains.filter(|text| !text.trim().is_empty());
    filter.documento_numero = filter
        .documento_numero
        .map(|number| number.trim().replace(['-', '.', ' '], ""))
        .filter(|number| !number.is_empty());
    let rows = storage::customers::list(storage, account_id, &filter, limit, offset).await?;
    let total = storage::customers::count(storage, account_id, &filter).await?;
    Ok((rows, total))
}

/// Applies `changes` to the account's customer `id`, checking the result as a whole (a new
/// `documento_tipo` re-checks the stored number against it).
pub async fn update(
    storage: &Storage,
    account_id: &str,
    id: &str,
    changes: CustomerChanges,
) -> Result<CustomerRow, Error> {
    let current = find(storage, account_id, id).await?;
    let merged = NewCustomer {
        documento_tipo: changes.documento_tipo.unwrap_or(i64::from(current.documento_tipo)),
        documento_numero: changes.documento_numero.unwrap_or(current.documento_numero),
        razon_social: changes.razon_social.unwrap_or(current.razon_social),
        condicion_iva: changes.condicion_iva.unwrap_or(current.condicion_iva),
        email: changes.email.unwrap_or(current.email),
        direccion: changes.direccion.unwrap_or(current.direccion),
    };
    let checked = check(merged)?;
    let row = CustomerRow {
        id: current.id,
        account_id: current.account_id,
        documento_tipo: checked.documento_tipo,
        documento_numero: checked.documento_numero,
        razon_social: checked.razon_social,
        condicion_iva: checked.condicion_iva,
        email: checked.email,
        direccion: checked.direccion,
        created_at: current.created_at,
        updated_at: storage::now(),
    };
    if !storage::customers::update(storage, &row).await? {
        return Err(Error::NotFound);
    }
    Ok(row)
}

/// Deletes the account's customer `id`.
pub async fn delete(storage: &Storage, account_id: &str, id: &str) -> Result<(), Error> {
    if storage::customers::delete(storage, account_id, id).await? {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// A customer whose every field passed [`check`], normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
struct CheckedCustomer {
    documento_tipo: i32,
    documento_numero: String,
    razon_social: String,
    condicion_iva: String,
    email: Option<String>,
    direccion: Option<String>,
}

/// Checks every field, reporting every problem at once, each naming its field and the rule.
fn check(customer: NewCustomer) -> Result<CheckedCustomer, Error> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let documento_tipo = i32::try_from(customer.documento_tipo).ok().and_then(DocTipo::from_code);
    if documento_tipo.is_none() {
        problems.push((
            "documento_tipo".into(),
            format!(
                "{} is not an ARCA document type (DocTipo: 80 CUIT, 86 CUIL, 96 DNI, 99 other, …)",
                customer.documento_tipo
            ),
        ));
    }
    let documento_numero = match documento_tipo {
        Some(tipo) => normalised_number(tipo, &customer.documento_numero)
            .map_err(|message| problems.push(("documento_numero".into(), message)))
            .unwrap_or_default(),
        None => customer.documento_numero.trim().to_string(),
    };
    let razon_social = customer.razon_social.trim().to_string();
    if razon_social.is_empty() || razon_social.chars().count() > 200 {
        problems.push(("razon_social".into(), "must be 1 to 200 characters".into()));
    } else if let Err(problem) = text::check("razon_social", &razon_social, Lines::Single) {
        problems.push(problem);
    }
    let condicion_iva = CondicionIvaReceptor::from_api_name(customer.condicion_iva.trim());
    if condicion_iva.is_none() {
        let names: Vec<&str> = CondicionIvaReceptor::ALL.iter().map(|c| c.api_name()).collect();
        problems.push(("condicion_iva".into(), format!("must be one of {}", names.join(", "))));
    }
    let email = customer
        .email
        .map(|email| email.trim().to_string())
        .filter(|email| !email.is_empty());
    if email.as_deref().is_some_and(|email| !looks_like_email(email)) {
        problems.push(("email".into(), "must be an e-mail address (name@domain)".into()));
    }
    let direccion = customer
        .direccion
        .map(|text| text.trim().to_string())
        .filter(|text| !text.is_empty());
    if direccion.as_ref().is_some_and(|text| text.chars().count() > 300) {
        problems.push(("direccion".into(), "must be at most 300 characters".into()));
    } else if let Some(text) = &direccion
        && let Err(problem) = text::check("direccion", text, Lines::Single)
    {
        problems.push(problem);
    }
    match (documento_tipo, condicion_iva) {
        (Some(tipo), Some(condicion)) if problems.is_empty() => Ok(CheckedCustomer {
            documento_tipo: tipo.code(),
            documento_numero,
            razon_social,
            condicion_iva: condicion.api_name().to_string(),
            email,
            direccion,
        }),
        _ => Err(Error::Invalid(problems)),
    }
}

/// The number as stored, or why it does not fit the document type. Invoices use the same rule
/// for their `cliente` (`invoices/compose.rs`), so a number a customer could not have is not
/// sent to ARCA either.
pub fn normalised_number(tipo: DocTipo, text: &str) -> Result<String, String> {
    let text = text.trim();
    match tipo.code() {
        80 | 86 => Cuit::parse(text)
            .map(|cuit| cuit.to_string())
            .map_err(|error| format!("not a valid {}: {error}", tipo.description())),
        96 => {
            let digits = text.replace('.', "");
            if (7..=8).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit()) {
                // As ARCA reads it (`DocNro` is a number): leading zeros do not count.
                Ok(digits.parse::<u64>().unwrap_or_default().to_string())
            } else {
                Err("a DNI is 7 or 8 digits (dots allowed)".into())
            }
        }
        99 if text == "0" => Ok("0".into()),
        99 => Err("must be 0 with documento_tipo 99 (the unidentified consumidor final)".into()),
        _ if (1..=11).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) => Ok(text.to_string()),
        _ => Err(format!("a {} number is 1 to 11 digits", tipo.description())),
    }
}

/// One `@` with text on both sides and a dot in the domain; no spaces; at most 254 characters.
fn looks_like_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    text.len() <= 254
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
        && text::problem(text, Lines::Single).is_none()
}

/// A receiver's IVA condition, as the API names it (ARCA's `CondicionIVAReceptorId`): the
/// document's list of the values customers and invoices take (the field itself stays text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CondicionIva {
    ResponsableInscripto,
    Monotributo,
    MonotributistaSocial,
    MonotributoTrabajadorIndependientePromovido,
    Exento,
    SujetoNoCategorizado,
    ProveedorDelExterior,
    ClienteDelExterior,
    IvaLiberado,
    IvaNoAlcanzado,
    ConsumidorFinal,
}

impl CondicionIva {
    /// Every value, in the documented order.
    pub const ALL: [CondicionIva; 11] = [
        CondicionIva::ResponsableInscripto,
        CondicionIva::Monotributo,
        CondicionIva::MonotributistaSocial,
        CondicionIva::MonotributoTrabajadorIndependientePromovido,
        CondicionIva::Exento,
        CondicionIva::SujetoNoCategorizado,
        CondicionIva::ProveedorDelExterior,
        CondicionIva::ClienteDelExterior,
        CondicionIva::IvaLiberado,
        CondicionIva::IvaNoAlcanzado,
        CondicionIva::ConsumidorFinal,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn customer(tipo: i64, numero: &str) -> NewCustomer {
        NewCustomer {
            documento_tipo: tipo,
            documento_numero: numero.into(),
            razon_social: " ACME SA ".into(),
            condicion_iva: "responsable_inscripto".into(),
            email: Some(" ventas@acme.com.ar ".into()),
            direccion: Some("".into()),
        }
    }

    fn fields(result: Result<CheckedCustomer, Error>) -> Vec<String> {
        match result {
            Err(Error::Invalid(problems)) => problems.into_iter().map(|(field, _)| field).collect(),
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn numbers_are_checked_and_normalised_by_type() {
        let checked = check(customer(80, "20-26756539-3")).unwrap();
        assert_eq!(checked.documento_numero, "20267565393");
        assert_eq!(checked.razon_social, "ACME SA");
        assert_eq!(checked.email.as_deref(), Some("ventas@acme.com.ar"));
        assert_eq!(checked.direccion, None, "blank is no address");
        assert_eq!(
            check(customer(86, "20267565393")).unwrap().documento_numero,
            "20267565393"
        );
        assert_eq!(check(customer(96, "26.756.539")).unwrap().documento_numero, "26756539");
        assert_eq!(check(customer(99, "0")).unwrap().documento_numero, "0");
        assert_eq!(check(customer(94, "12345678")).unwrap().documento_numero, "12345678");

        assert_eq!(fields(check(customer(80, "20267565390"))), ["documento_numero"]);
        assert_eq!(fields(check(customer(96, "12A45678"))), ["documento_numero"]);
        assert_eq!(fields(check(customer(99, "123"))), ["documento_numero"]);
        assert_eq!(fields(check(customer(15, "123"))), ["documento_tipo"]);
    }

    #[test]
    fn every_problem_is_listed() {
        let bad = NewCustomer {
            razon_social: " ".into(),
            condicion_iva: "inscripto".into(),
            email: Some("no-at-sign".into()),
            direccion: Some("x".repeat(301)),
            ..customer(80, "1")
        };
        assert_eq!(
            fields(check(bad)),
            [
                "documento_numero",
                "razon_social",
                "condicion_iva",
                "email",
                "direccion"
            ]
        );
    }

    #[test]
    fn email_shape() {
        assert!(looks_like_email("a@b.co"));
        for bad in ["a@b", "@b.co", "a@@b.co", "a b@c.co", "a@.co", "a@b."] {
            assert!(!looks_like_email(bad), "{bad}");
        }
    }
}
