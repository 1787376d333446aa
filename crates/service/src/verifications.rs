//! Verifications: an account checks, with ARCA's WSCDC ("constatación de comprobantes"), a
//! voucher someone else issued to it — from its fields or from the URL of its QR code — and
//! keeps ARCA's answer (`A` approved, `R` rejected, with ARCA's observations).
//!
//! The input is checked here, each field against its documented limit, before anything is
//! sent: `cbte_modo` CAE/CAEA/CAI, `cuit_emisor` 11 digits with a valid check digit (dashes
//! allowed), `punto_de_venta` 1–99999, `tipo_comprobante` 1–999, `numero` 1–99999999, `fecha`
//! a date, `importe_total` an exact decimal of at most 13 integer digits and 2 decimals (more
//! decimals are refused, never rounded), `codigo_autorizacion` 14 digits, the receiver's
//! document (`doc_tipo_receptor` 0–99 with `doc_nro_receptor` 1–20 digits) both or neither; or
//! `qr_url` alone (at most 2048 characters), decoded as ARCA's QR.
//!
//! The call uses the account's WSCDC ticket ([`Arca::service_session`]); a ticket WSCDC refuses
//! (600) is discarded and the call made once more with a new one. ARCA's refusals of the
//! certificate become fix-it errors (601 → [`Error::ServiceNotAuthorized`]). A verification is
//! stored only when ARCA answered: an outage or a timeout is the caller's retryable error and
//! stores nothing (a row is a fact ARCA stated, never "we could not ask").
//!
//! It never serves HTTP and never talks to WSCDC but through the protocol crate's client.

use arca_protocol::Cuit;
use arca_protocol::money::Decimal;
use arca_protocol::qr::QrData;
use arca_protocol::wscdc::{CbteModo, CmpDatos, ConstatarResult, WscdcClient, WscdcObs};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Error;
use crate::arca::{Arca, ArcaService, authorization};
use crate::storage::verifications::VerificationRow;
use crate::storage::{self, Storage};

/// The longest `qr_url` accepted.
pub const QR_URL_MAX: usize = 2048;
/// The longest `doc_nro_receptor` (digits).
pub const DOC_NRO_MAX: usize = 20;
/// ARCA's amounts: 13 integer digits, 2 decimals.
const IMPORTE_INTEGER_DIGITS: u32 = 13;

/// What a caller asks to verify: the fields of a voucher, or its QR URL; every field optional
/// here so that each missing one is named.
#[derive(Debug, Clone, Default)]
pub struct NewVerification {
    pub cbte_modo: Option<String>,
    pub cuit_emisor: Option<String>,
    pub punto_de_venta: Option<i64>,
    pub tipo_comprobante: Option<i64>,
    pub numero: Option<i64>,
    pub fecha: Option<NaiveDate>,
    pub importe_total: Option<Decimal>,
    pub codigo_autorizacion: Option<String>,
    pub doc_tipo_receptor: Option<i64>,
    pub doc_nro_receptor: Option<String>,
    pub qr_url: Option<String>,
}

/// Where the checked fields came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The request's fields.
    Fields,
    /// A voucher's QR URL, decoded.
    Qr,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Source::Fields => "fields",
            Source::Qr => "qr",
        }
    }

    fn parse(text: &str) -> Option<Source> {
        match text {
            "fields" => Some(Source::Fields),
            "qr" => Some(Source::Qr),
            _ => None,
        }
    }
}

/// ARCA's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Resultado {
    /// The voucher exists as given: ARCA authorized it with these data.
    A,
    /// ARCA does not know a voucher with these data (the observations say which differ).
    R,
}

impl Resultado {
    pub fn as_str(self) -> &'static str {
        match self {
            Resultado::A => "A",
            Resultado::R => "R",
        }
    }
}

/// One observation, error or event as ARCA sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ArcaMessage {
    pub code: i32,
    pub message: String,
}

/// A stored verification.
#[derive(Debug, Clone, PartialEq)]
pub struct Verification {
    pub id: String,
    pub created_at: DateTime<Utc>,
    pub source: Source,
    pub cbte_modo: CbteModo,
    pub cuit_emisor: String,
    pub punto_de_venta: i32,
    pub tipo_comprobante: i32,
    pub numero: i64,
    pub fecha: NaiveDate,
    pub importe_total: Decimal,
    pub codigo_autorizacion: String,
    pub doc_tipo_receptor: Option<String>,
    pub doc_nro_receptor: Option<String>,
    pub resultado: Resultado,
    pub observaciones: Vec<ArcaMessage>,
    pub errors: Vec<ArcaMessage>,
    pub events: Vec<ArcaMessage>,
    pub fch_proceso: Option<String>,
}

/// Checks `new`, asks WSCDC and stores ARCA's answer.
pub async fn create(
    arca: &Arca,
    storage: &Storage,
    account_id: &str,
    new: NewVerification,
) -> Result<Verification, Error> {
    let (source, cmp) = check(new)?;
    let result = constatar(arca, account_id, &cmp).await?;
    let row = row_of(account_id, source, &cmp, &result)?;
    storage::verifications::insert(storage, &row).await?;
    Verification::from_row(row)
}

/// The account's verification `id`.
pub async fn find(storage: &Storage, account_id: &str, id: &str) -> Result<Verification, Error> {
    let row = storage::verifications::find(storage, account_id, id)
        .await?
        .ok_or(Error::NotFound)?;
    Verification::from_row(row)
}

/// A page of the account's verifications, newest first, and how many there are.
pub async fn list(
    storage: &Storage,
    account_id: &str,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Verification>, i64), Error> {
    let rows = storage::verifications::list(storage, account_id, limit, offset).await?;
    let total = storage::verifications::count(storage, account_id).await?;
    let verifications = rows
        .into_iter()
        .map(Verification::from_row)
        .collect::<Result<Vec<_>, _>>()?;
    Ok((verifications, total))
}

/// `ComprobanteConstatar` with the account's WSCDC ticket; once more with a new ticket when
/// WSCDC refuses the one held.
async fn constatar(arca: &Arca, account_id: &str, cmp: &CmpDatos) -> Result<ConstatarResult, Error> {
    let (url, transport) = arca.service_endpoint(ArcaService::Wscdc)?;
    let client = WscdcClient::new(transport, url);
    let mut renewed = false;
    loop {
        let session = arca.service_session(account_id, ArcaService::Wscdc).await?;
        match client.constatar(&session.auth, cmp).await {
            Ok(result) => return Ok(result),
            Err(error) => {
                if let Some(refusal) =
                    authorization::not_authorized(ArcaService::Wscdc, &error, Some(session.cuit), None)
                {
                    return Err(Error::ServiceNotAuthorized(Box::new(refusal)));
                }
                if error.needs_new_ticket() && !renewed {
                    renewed = true;
                    arca.discard_service_ticket(account_id, ArcaService::Wscdc).await?;
                    continue;
                }
                return Err(Error::Arca(error));
            }
        }
    }
}

/// The voucher to check, from the fields or the QR URL, every problem named by its field.
pub fn check(new: NewVerification) -> Result<(Source, CmpDatos), Error> {
    let any_field = new.cbte_modo.is_some()
        || new.cuit_emisor.is_some()
        || new.punto_de_venta.is_some()
        || new.tipo_comprobante.is_some()
        || new.numero.is_some()
        || new.fecha.is_some()
        || new.importe_total.is_some()
        || new.codigo_autorizacion.is_some()
        || new.doc_tipo_receptor.is_some()
        || new.doc_nro_receptor.is_some();
    if let Some(url) = &new.qr_url {
        if any_field {
            return Err(Error::invalid(
                "qr_url",
                "give either qr_url alone or the voucher's fields, not both",
            ));
        }
        return from_qr_url(url).map(|cmp| (Source::Qr, cmp));
    }
    from_fields(new).map(|cmp| (Source::Fields, cmp))
}

fn from_qr_url(url: &str) -> Result<CmpDatos, Error> {
    if url.chars().count() > QR_URL_MAX {
        return Err(Error::invalid(
            "qr_url",
            format!("must be at most {QR_URL_MAX} characters"),
        ));
    }
    let qr = QrData::from_url(url.trim())
        .map_err(|error| Error::invalid("qr_url", format!("not an ARCA voucher QR URL: {error}")))?;
    CmpDatos::from_qr(&qr).map_err(|message| Error::invalid("qr_url", format!("not an ARCA voucher QR URL: {message}")))
}

fn from_fields(new: NewVerification) -> Result<CmpDatos, Error> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let mut problem = |field: &str, message: String| problems.push((field.to_string(), message));
    let required = "required (or give qr_url alone)".to_string();

    let cbte_modo = match new.cbte_modo.as_deref() {
        None => {
            problem("cbte_modo", required.clone());
            None
        }
        Some(text) => CbteModo::from_code(text).or_else(|| {
            problem("cbte_modo", "must be CAE, CAEA or CAI".into());
            None
        }),
    };
    let cuit_emisor = match new.cuit_emisor.as_deref() {
        None => {
            problem("cuit_emisor", required.clone());
            None
        }
        Some(text) => match Cuit::parse(text) {
            Ok(cuit) => Some(cuit),
            Err(error) => {
                problem("cuit_emisor", format!("not a valid CUIT: {error}"));
                None
            }
        },
    };
    let mut ranged = |field: &str, value: Option<i64>, min: i64, max: i64| match value {
        None => {
            problem(field, required.clone());
            None
        }
        Some(number) if (min..=max).contains(&number) => Some(number),
        Some(_) => {
            problem(field, format!("must be a whole number from {min} to {max}"));
            None
        }
    };
    let punto_de_venta = ranged("punto_de_venta", new.punto_de_venta, 1, 99_999);
    let tipo_comprobante = ranged("tipo_comprobante", new.tipo_comprobante, 1, 999);
    let numero = ranged("numero", new.numero, 1, 99_999_999);
    if new.fecha.is_none() {
        problem("fecha", "required (or give qr_url alone): a date, YYYY-MM-DD".into());
    }
    let importe_total = match new.importe_total {
        None => {
            problem("importe_total", required.clone());
            None
        }
        Some(amount) if amount.normalize().scale() > 2 => {
            problem(
                "importe_total",
                "must have at most 2 decimals: ARCA keeps 2, and a total is never rounded here".into(),
            );
            None
        }
        Some(amount) if amount.trunc() >= Decimal::from(10_i64.pow(IMPORTE_INTEGER_DIGITS)) => {
            problem(
                "importe_total",
                format!("must have at most {IMPORTE_INTEGER_DIGITS} integer digits"),
            );
            None
        }
        Some(amount) => {
            // Trailing zeros only (`121.100`): the same amount, written with ARCA's 2 decimals.
            let mut amount = amount.normalize();
            amount.rescale(2);
            Some(amount)
        }
    };
    let codigo_autorizacion = match new.codigo_autorizacion.as_deref() {
        None => {
            problem("codigo_autorizacion", required.clone());
            None
        }
        Some(text) if text.len() == 14 && text.bytes().all(|b| b.is_ascii_digit()) => Some(text.to_string()),
        Some(_) => {
            problem(
                "codigo_autorizacion",
                "must be the 14 digits of the CAE, CAEA or CAI".into(),
            );
            None
        }
    };
    let receptor = match (new.doc_tipo_receptor, new.doc_nro_receptor.as_deref()) {
        (None, None) => Some((None, None)),
        (Some(tipo), Some(nro)) => {
            let tipo_ok = (0..=99).contains(&tipo);
            let nro_ok = !nro.is_empty() && nro.len() <= DOC_NRO_MAX && nro.bytes().all(|b| b.is_ascii_digit());
            if !tipo_ok {
                problem("doc_tipo_receptor", "must be a whole number from 0 to 99".into());
            }
            if !nro_ok {
                problem("doc_nro_receptor", format!("must be 1 to {DOC_NRO_MAX} digits"));
            }
            (tipo_ok && nro_ok).then(|| (Some(tipo.to_string()), Some(nro.to_string())))
        }
        (Some(_), None) => {
            problem("doc_nro_receptor", "required with doc_tipo_receptor".into());
            None
        }
        (None, Some(_)) => {
            problem("doc_tipo_receptor", "required with doc_nro_receptor".into());
            None
        }
    };
    match (
        cbte_modo,
        cuit_emisor,
        punto_de_venta,
        tipo_comprobante,
        numero,
        new.fecha,
        importe_total,
        codigo_autorizacion,
        receptor,
    ) {
        (
            Some(cbte_modo),
            Some(cuit_emisor),
            Some(pto_vta),
            Some(cbte_tipo),
            Some(cbte_nro),
            Some(cbte_fch),
            Some(imp_total),
            Some(cod_autorizacion),
            Some((doc_tipo_receptor, doc_nro_receptor)),
        ) if problems.is_empty() => Ok(CmpDatos {
            cbte_modo,
            cuit_emisor,
            // The ranges above fit these types.
            pto_vta: u32::try_from(pto_vta).unwrap_or_default(),
            cbte_tipo: i32::try_from(cbte_tipo).unwrap_or_default(),
            cbte_nro: u64::try_from(cbte_nro).unwrap_or_default(),
            cbte_fch,
            imp_total,
            cod_autorizacion,
            doc_tipo_receptor,
            doc_nro_receptor,
            opcionales: Vec::new(),
        }),
        _ => Err(Error::Invalid(problems)),
    }
}

fn messages(list: &[WscdcObs]) -> Vec<ArcaMessage> {
    list.iter()
        .map(|obs| ArcaMessage {
            code: obs.code,
            message: obs.msg.clone(),
        })
        .collect()
}

/// ARCA's `A` approves; anything else is a rejection.
fn resultado_of(result: &ConstatarResult) -> Resultado {
    match result.resultado {
        arca_protocol::wsfe::Resultado::A => Resultado::A,
        _ => Resultado::R,
    }
}

fn row_of(
    account_id: &str,
    source: Source,
    cmp: &CmpDatos,
    result: &ConstatarResult,
) -> Result<VerificationRow, Error> {
    // A list of plain structs always serialises.
    let json = |list: &[WscdcObs]| -> Result<String, Error> {
        Ok(serde_json::to_string(&messages(list)).unwrap_or_else(|_| "[]".into()))
    };
    Ok(VerificationRow {
        id: storage::new_id("ver"),
        account_id: account_id.to_string(),
        created_at: storage::now(),
        source: source.as_str().to_string(),
        cbte_modo: cmp.cbte_modo.code().to_string(),
        cuit_emisor: cmp.cuit_emisor.to_string(),
        punto_de_venta: i32::try_from(cmp.pto_vta).map_err(|_| Error::invalid("punto_de_venta", "out of range"))?,
        tipo_comprobante: cmp.cbte_tipo,
        numero: i64::try_from(cmp.cbte_nro).map_err(|_| Error::invalid("numero", "out of range"))?,
        fecha: cmp.cbte_fch,
        importe_total: cmp.imp_total.to_string(),
        codigo_autorizacion: cmp.cod_autorizacion.clone(),
        doc_tipo_receptor: cmp.doc_tipo_receptor.clone(),
        doc_nro_receptor: cmp.doc_nro_receptor.clone(),
        resultado: resultado_of(result).as_str().to_string(),
        observaciones: json(&result.observaciones)?,
        errors: json(&result.errors)?,
        events: json(&result.events)?,
        fch_proceso: result.fch_proceso.clone(),
    })
}

impl Verification {
    fn from_row(row: VerificationRow) -> Result<Verification, Error> {
        let corrupt = |what: &str| {
            Error::Database(sqlx::Error::Decode(
                format!("verification {}: unreadable {what}", row.id).into(),
            ))
        };
        let list = |text: &str, what: &str| serde_json::from_str::<Vec<ArcaMessage>>(text).map_err(|_| corrupt(what));
        Ok(Verification {
            source: Source::parse(&row.source).ok_or_else(|| corrupt("source"))?,
            cbte_modo: CbteModo::from_code(&row.cbte_modo).ok_or_else(|| corrupt("cbte_modo"))?,
            importe_total: row.importe_total.parse().map_err(|_| corrupt("importe_total"))?,
            resultado: match row.resultado.as_str() {
                "A" => Resultado::A,
                "R" => Resultado::R,
                _ => return Err(corrupt("resultado")),
            },
            observaciones: list(&row.observaciones, "observaciones")?,
            errors: list(&row.errors, "errors")?,
            events: list(&row.events, "events")?,
            id: row.id,
            created_at: row.created_at,
            cuit_emisor: row.cuit_emisor,
            punto_de_venta: row.punto_de_venta,
            tipo_comprobante: row.tipo_comprobante,
            numero: row.numero,
            fecha: row.fecha,
            codigo_autorizacion: row.codigo_autorizacion,
            doc_tipo_receptor: row.doc_tipo_receptor,
            doc_nro_receptor: row.doc_nro_receptor,
            fch_proceso: row.fch_proceso,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields() -> NewVerification {
        NewVerification {
            cbte_modo: Some("CAE".into()),
            cuit_emisor: Some("20-26756539-3".into()),
            punto_de_venta: Some(1),
            tipo_comprobante: Some(6),
            numero: Some(42),
            fecha: NaiveDate::from_ymd_opt(2026, 12, 1),
            importe_total: Some("121.00".parse().unwrap()),
            codigo_autorizacion: Some("76123456789012".into()),
            ..NewVerification::default()
        }
    }

    fn fields_of(error: Error) -> Vec<String> {
        match error {
            Error::Invalid(problems) => problems.into_iter().map(|(field, _)| field).collect(),
            other => panic!("not a validation error: {other}"),
        }
    }

    #[test]
    fn valid_fields_become_the_voucher_to_check() {
        let (source, cmp) = check(fields()).unwrap();
        assert_eq!(source, Source::Fields);
        assert_eq!(cmp.cuit_emisor.to_string(), "20267565393");
        assert_eq!(cmp.cbte_modo, CbteModo::Cae);
        assert_eq!((cmp.pto_vta, cmp.cbte_tipo, cmp.cbte_nro), (1, 6, 42));
        assert_eq!(cmp.imp_total.to_string(), "121.00");
        assert_eq!(cmp.doc_tipo_receptor, None);
    }

    #[test]
    fn every_bad_or_missing_field_is_named() {
        let error = check(NewVerification {
            cbte_modo: Some("CAX".into()),
            cuit_emisor: Some("20267565390".into()),
            punto_de_venta: Some(0),
            tipo_comprobante: Some(1000),
            numero: Some(100_000_000),
            fecha: None,
            importe_total: Some("1.001".parse().unwrap()),
            codigo_autorizacion: Some("123".into()),
            doc_tipo_receptor: Some(80),
            doc_nro_receptor: None,
            qr_url: None,
        })
        .unwrap_err();
        assert_eq!(
            fields_of(error),
            [
                "cbte_modo",
                "cuit_emisor",
                "punto_de_venta",
                "tipo_comprobante",
                "numero",
                "fecha",
                "importe_total",
                "codigo_autorizacion",
                "doc_nro_receptor"
            ]
        );
        assert_eq!(fields_of(check(NewVerification::default()).unwrap_err()).len(), 8);
    }

    #[test]
    fn totals_keep_two_decimals_and_trailing_zeros_are_not_more_decimals() {
        let mut new = fields();
        new.importe_total = Some("121.100".parse().unwrap());
        assert_eq!(check(new).unwrap().1.imp_total.to_string(), "121.10");
        let mut new = fields();
        new.importe_total = Some("121.105".parse().unwrap());
        assert_eq!(fields_of(check(new).unwrap_err()), ["importe_total"]);
        let mut new = fields();
        new.importe_total = Some("10000000000000".parse().unwrap());
        assert_eq!(fields_of(check(new).unwrap_err()), ["importe_total"]);
    }

    #[test]
    fn qr_url_alone_or_not_at_all() {
        let mut both = fields();
        both.qr_url = Some("https://www.arca.gob.ar/fe/qr/?p=e30=".into());
        assert_eq!(fields_of(check(both).unwrap_err()), ["qr_url"]);
        let garbage = NewVerification {
            qr_url: Some("https://www.arca.gob.ar/fe/qr/?p=not-base64!".into()),
            ..NewVerification::default()
        };
        assert_eq!(fields_of(check(garbage).unwrap_err()), ["qr_url"]);
        let long = NewVerification {
            qr_url: Some("x".repeat(QR_URL_MAX + 1)),
            ..NewVerification::default()
        };
        assert_eq!(fields_of(check(long).unwrap_err()), ["qr_url"]);
    }
}
