//! The invoice QR code payload of RG 4892/2020: a version-1 JSON object, Base64-encoded into
//! `https://www.afip.gob.ar/fe/qr/?p=<base64>`.
//!
//! [`QrData`] builds the JSON by hand, in the field order of ARCA's specification and with
//! numbers as JSON numbers (`"importe":12100`, never a string or `12100.00`), so the output
//! matches ARCA's published example byte for byte. The decoder reads such payloads back (for
//! tests and for checking PDFs); it accepts only the flat object the specification defines.
//! This module never renders the QR image and never uses floating point: amounts stay decimals.

use std::fmt::Write as _;
use std::str::FromStr;

use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Cuit;
use crate::codes::DocTipo;
use crate::money::Money;
use crate::voucher::Voucher;

/// Where the QR points; the payload goes in `p`.
pub const QR_BASE_URL: &str = "https://www.afip.gob.ar/fe/qr/";

/// The payload's `ver`.
pub const QR_VERSION: u32 = 1;

/// How the voucher was authorized (`tipoCodAut`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AuthorizationKind {
    /// `"E"`: a CAE from FECAESolicitar.
    Cae,
    /// `"A"`: a CAEA (contingency).
    Caea,
}

impl AuthorizationKind {
    /// The `tipoCodAut` letter.
    pub fn code(self) -> &'static str {
        match self {
            AuthorizationKind::Cae => "E",
            AuthorizationKind::Caea => "A",
        }
    }

    pub fn from_code(code: &str) -> Option<AuthorizationKind> {
        match code {
            "E" => Some(AuthorizationKind::Cae),
            "A" => Some(AuthorizationKind::Caea),
            _ => None,
        }
    }
}

/// The data of one QR payload, field for field as ARCA's specification names them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QrData {
    /// `fecha`: the voucher date (`CbteFch`).
    pub fecha: NaiveDate,
    /// `cuit`: the issuer.
    pub cuit: u64,
    /// `ptoVta`.
    pub pto_vta: u32,
    /// `tipoCmp` (`CbteTipo`).
    pub tipo_cmp: i32,
    /// `nroCmp`.
    pub nro_cmp: u64,
    /// `importe`: `ImpTotal` in the voucher's currency (13+2).
    pub importe: Decimal,
    /// `moneda`: `MonId`.
    pub moneda: String,
    /// `ctz`: `MonCotiz` (1 for pesos; 13+6).
    pub ctz: Decimal,
    /// `tipoDocRec`, when the receiver is identified.
    pub tipo_doc_rec: Option<i32>,
    /// `nroDocRec`, when the receiver is identified.
    pub nro_doc_rec: Option<u64>,
    /// `tipoCodAut`.
    pub tipo_cod_aut: AuthorizationKind,
    /// `codAut`: the 14-digit CAE or CAEA.
    pub cod_aut: u64,
}

/// Why a QR payload could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("the URL has no `p` parameter")]
    MissingParameter,
    #[error("the payload is not Base64")]
    Base64,
    #[error("the payload is not UTF-8 text")]
    Utf8,
    #[error("the payload is not the flat JSON object of the specification: {0}")]
    Json(String),
    #[error("field `{0}` is missing")]
    MissingField(&'static str),
    #[error("field `{0}` has an invalid value")]
    InvalidField(&'static str),
    #[error("unsupported QR version {0}")]
    Version(String),
}

impl QrData {
    /// The QR data of a voucher ARCA authorized: `number` is its `CbteDesde`, `cbte_fch` the date
    /// ARCA recorded (the response's `CbteFch`, which ARCA fills in when the request omitted it).
    /// The receiver is left out for an unidentified consumidor final (`DocTipo` 99, `DocNro` 0),
    /// where the specification's "if applicable" does not apply. `ctz` is the voucher's
    /// `MonCotiz` (1 when absent): with `CanMisMonExt = S` and no rate sent, set `mon_cotiz` to the
    /// rate ARCA stored (FECompConsultar) before building the QR.
    pub fn for_authorized_voucher(
        issuer: Cuit,
        voucher: &Voucher,
        cbte_fch: NaiveDate,
        tipo_cod_aut: AuthorizationKind,
        cod_aut: u64,
    ) -> QrData {
        let identified = !(voucher.doc_tipo == DocTipo::OTRO.code() && voucher.doc_nro == 0);
        QrData {
            fecha: cbte_fch,
            cuit: issuer.as_u64(),
            pto_vta: voucher.punto_venta,
            tipo_cmp: voucher.cbte_tipo.code(),
            nro_cmp: voucher.cbte_desde,
            importe: voucher.imp_total.round().amount(),
            moneda: voucher.mon_id.clone(),
            ctz: voucher.mon_cotiz.unwrap_or(Decimal::ONE),
            tipo_doc_rec: identified.then_some(voucher.doc_tipo),
            nro_doc_rec: identified.then_some(voucher.doc_nro),
            tipo_cod_aut,
            cod_aut,
        }
    }

    /// The JSON text, fields in the specification's order, no whitespace.
    pub fn to_json(&self) -> String {
        let mut json = String::with_capacity(256);
        // Writing to a String cannot fail.
        let _ = write!(
            json,
            r#"{{"ver":{QR_VERSION},"fecha":"{}","cuit":{},"ptoVta":{},"tipoCmp":{},"nroCmp":{},"importe":{},"moneda":{},"ctz":{}"#,
            self.fecha.format("%Y-%m-%d"),
            self.cuit,
            self.pto_vta,
            self.tipo_cmp,
            self.nro_cmp,
            json_number(Money::new(self.importe).round().amount()),
            json_string(&self.moneda),
            json_number(self.ctz),
        );
        if let Some(tipo) = self.tipo_doc_rec {
            let _ = write!(json, r#","tipoDocRec":{tipo}"#);
        }
        if let Some(nro) = self.nro_doc_rec {
            let _ = write!(json, r#","nroDocRec":{nro}"#);
        }
        let _ = write!(
            json,
            r#","tipoCodAut":"{}","codAut":{}}}"#,
            self.tipo_cod_aut.code(),
            self.cod_aut
        );
        json
    }

    /// The Base64 payload (standard alphabet, `=` padding).
    pub fn to_payload(&self) -> String {
        STANDARD.encode(self.to_json())
    }

    /// `https://www.afip.gob.ar/fe/qr/?p=<payload>`; the payload is not percent-encoded, as in
    /// ARCA's example and the reference clients.
    pub fn to_url(&self) -> String {
        format!("{QR_BASE_URL}?p={}", self.to_payload())
    }

    /// Reads a QR URL (or anything with a `p=` query parameter).
    pub fn from_url(url: &str) -> Result<QrData, QrError> {
        QrData::from_payload(&payload_of_url(url)?)
    }

    /// Reads a Base64 payload.
    pub fn from_payload(payload: &str) -> Result<QrData, QrError> {
        QrData::from_json(&decode_payload(payload)?)
    }

    /// Reads the JSON object.
    pub fn from_json(json: &str) -> Result<QrData, QrError> {
        let fields = parse_flat_object(json)?;
        let get = |name: &'static str| fields.iter().find(|(key, _)| key == name).map(|(_, value)| value);
        let required = |name: &'static str| get(name).ok_or(QrError::MissingField(name));
        let number = |name: &'static str| -> Result<Decimal, QrError> {
            match required(name)? {
                Value::Number(text) => crate::money::parse_plain_decimal(text).ok_or(QrError::InvalidField(name)),
                Value::String(_) => Err(QrError::InvalidField(name)),
            }
        };
        let integer = |name: &'static str| -> Result<u64, QrError> {
            match required(name)? {
                Value::Number(text) => text.parse().map_err(|_| QrError::InvalidField(name)),
                Value::String(_) => Err(QrError::InvalidField(name)),
            }
        };
        let string = |name: &'static str| -> Result<&String, QrError> {
            match required(name)? {
                Value::String(text) => Ok(text),
                Value::Number(_) => Err(QrError::InvalidField(name)),
            }
        };
        let small = |name: &'static str| -> Result<i32, QrError> {
            i32::try_from(integer(name)?).map_err(|_| QrError::InvalidField(name))
        };

        let version = integer("ver")?;
        if version != u64::from(QR_VERSION) {
            return Err(QrError::Version(version.to_string()));
        }
        let fecha =
            NaiveDate::parse_from_str(string("fecha")?, "%Y-%m-%d").map_err(|_| QrError::InvalidField("fecha"))?;
        let tipo_cod_aut =
            AuthorizationKind::from_code(string("tipoCodAut")?).ok_or(QrError::InvalidField("tipoCodAut"))?;
        Ok(QrData {
            fecha,
            cuit: integer("cuit")?,
            pto_vta: u32::try_from(integer("ptoVta")?).map_err(|_| QrError::InvalidField("ptoVta"))?,
            tipo_cmp: small("tipoCmp")?,
            nro_cmp: integer("nroCmp")?,
            importe: number("importe")?,
            moneda: string("moneda")?.clone(),
            ctz: number("ctz")?,
            tipo_doc_rec: get("tipoDocRec").map(|_| small("tipoDocRec")).transpose()?,
            nro_doc_rec: get("nroDocRec").map(|_| integer("nroDocRec")).transpose()?,
            tipo_cod_aut,
            cod_aut: integer("codAut")?,
        })
    }
}

/// Decodes a Base64 payload to its JSON text. Padding is optional and the URL-safe alphabet is
/// accepted too, since QR readers and hand-built URLs vary.
pub fn decode_payload(payload: &str) -> Result<String, QrError> {
    let lenient = GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent);
    let payload = payload.trim();
    let bytes = GeneralPurpose::new(&alphabet::STANDARD, lenient)
        .decode(payload)
        .or_else(|_| GeneralPurpose::new(&alphabet::URL_SAFE, lenient).decode(payload))
        .map_err(|_| QrError::Base64)?;
    String::from_utf8(bytes).map_err(|_| QrError::Utf8)
}

/// The `p` parameter of a QR URL, with the few percent-escapes Base64 can need undone.
fn payload_of_url(url: &str) -> Result<String, QrError> {
    let query = url.split_once('?').map_or(url, |(_, query)| query);
    let value = query
        .split('&')
        .find_map(|pair| pair.strip_prefix("p="))
        .ok_or(QrError::MissingParameter)?;
    Ok(value
        .replace("%2B", "+")
        .replace("%2b", "+")
        .replace("%2F", "/")
        .replace("%2f", "/")
        .replace("%3D", "=")
        .replace("%3d", "="))
}

/// A decimal as a JSON number: no trailing zeros, no exponent (`12100`, `101.202`).
fn json_number(value: Decimal) -> String {
    value.normalize().to_string()
}

/// A JSON string literal (the specification's strings are short codes; escaping is for safety).
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A value of the payload's flat object. Numbers keep their text so no float is ever involved.
#[derive(Debug)]
enum Value {
    String(String),
    Number(String),
}

/// Parses `{"key":value,...}` where values are strings or numbers — all the specification uses.
fn parse_flat_object(json: &str) -> Result<Vec<(String, Value)>, QrError> {
    let mut chars = json.trim().chars().peekable();
    let error = |what: &str| QrError::Json(what.to_owned());
    let skip_ws = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
    };
    let read_string = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| -> Result<String, QrError> {
        if chars.next() != Some('"') {
            return Err(error("expected a string"));
        }
        let mut text = String::new();
        loop {
            match chars.next().ok_or_else(|| error("unterminated string"))? {
                '"' => return Ok(text),
                '\\' => match chars.next().ok_or_else(|| error("unterminated escape"))? {
                    '"' => text.push('"'),
                    '\\' => text.push('\\'),
                    '/' => text.push('/'),
                    'n' => text.push('\n'),
                    't' => text.push('\t'),
                    'r' => text.push('\r'),
                    'u' => {
                        let hex: String = (0..4).filter_map(|_| chars.next()).collect();
                        let code = u32::from_str_radix(&hex, 16).map_err(|_| error("bad \\u escape"))?;
                        text.push(char::from_u32(code).ok_or_else(|| error("bad \\u escape"))?);
                    }
                    _ => return Err(error("unknown escape")),
                },
                c => text.push(c),
            }
        }
    };

    if chars.next() != Some('{') {
        return Err(error("expected an object"));
    }
    let mut fields = Vec::new();
    skip_ws(&mut chars);
    if chars.next_if_eq(&'}').is_some() {
        return Ok(fields);
    }
    loop {
        skip_ws(&mut chars);
        let key = read_string(&mut chars)?;
        skip_ws(&mut chars);
        if chars.next() != Some(':') {
            return Err(error("expected ':'"));
        }
        skip_ws(&mut chars);
        let value = if chars.peek() == Some(&'"') {
            Value::String(read_string(&mut chars)?)
        } else {
            let mut text = String::new();
            while let Some(c) = chars.next_if(|c| c.is_ascii_digit() || matches!(c, '-' | '+' | '.' | 'e' | 'E')) {
                text.push(c);
            }
            if text.is_empty() {
                return Err(error("expected a string or a number"));
            }
            Value::Number(text)
        };
        fields.push((key, value));
        skip_ws(&mut chars);
        match chars.next() {
            Some(',') => continue,
            Some('}') => break,
            _ => return Err(error("expected ',' or '}'")),
        }
    }
    skip_ws(&mut chars);
    if chars.next().is_some() {
        return Err(error("text after the object"));
    }
    Ok(fields)
}

impl FromStr for QrData {
    type Err = QrError;

    /// Parses a QR URL.
    fn from_str(url: &str) -> Result<QrData, QrError> {
        QrData::from_url(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::{CbteTipo, Concepto};

    /// ARCA's example (pyafipws `TEST_QR_DATA`).
    const EXAMPLE_PAYLOAD: &str = "eyJ2ZXIiOjEsImZlY2hhIjoiMjAyMC0xMC0xMyIsImN1aXQiOjMwMDAwMDAwMDA3LCJwdG9WdGEiOjEwLCJ0aXBvQ21wIjoxLCJucm9DbXAiOjk0LCJpbXBvcnRlIjoxMjEwMCwibW9uZWRhIjoiRE9MIiwiY3R6Ijo2NSwidGlwb0RvY1JlYyI6ODAsIm5yb0RvY1JlYyI6MjAwMDAwMDAwMDEsInRpcG9Db2RBdXQiOiJFIiwiY29kQXV0Ijo3MDQxNzA1NDM2NzQ3Nn0=";
    const EXAMPLE_JSON: &str = r#"{"ver":1,"fecha":"2020-10-13","cuit":30000000007,"ptoVta":10,"tipoCmp":1,"nroCmp":94,"importe":12100,"moneda":"DOL","ctz":65,"tipoDocRec":80,"nroDocRec":20000000001,"tipoCodAut":"E","codAut":70417054367476}"#;

    fn example() -> QrData {
        QrData {
            fecha: NaiveDate::from_ymd_opt(2020, 10, 13).unwrap(),
            cuit: 30_000_000_007,
            pto_vta: 10,
            tipo_cmp: 1,
            nro_cmp: 94,
            importe: Decimal::from(12100),
            moneda: "DOL".to_owned(),
            ctz: Decimal::from(65),
            tipo_doc_rec: Some(80),
            nro_doc_rec: Some(20_000_000_001),
            tipo_cod_aut: AuthorizationKind::Cae,
            cod_aut: 70_417_054_367_476,
        }
    }

    #[test]
    fn decoding_the_official_example_gives_its_json() {
        assert_eq!(decode_payload(EXAMPLE_PAYLOAD).unwrap(), EXAMPLE_JSON);
        assert_eq!(QrData::from_payload(EXAMPLE_PAYLOAD).unwrap(), example());
    }

    #[test]
    fn encoding_the_example_reproduces_its_json_and_url() {
        assert_eq!(example().to_json(), EXAMPLE_JSON);
        assert_eq!(
            example().to_url(),
            format!("https://www.afip.gob.ar/fe/qr/?p={EXAMPLE_PAYLOAD}")
        );
        assert_eq!(QrData::from_url(&example().to_url()).unwrap(), example());
    }

    #[test]
    fn from_an_authorized_voucher() {
        let voucher = Voucher {
            cbte_tipo: CbteTipo::FacturaB,
            punto_venta: 1,
            concepto: Concepto::Productos,
            doc_tipo: 99,
            doc_nro: 0,
            cbte_desde: 7,
            cbte_hasta: 7,
            cbte_fch: None,
            imp_total: Money::parse("3630.50").unwrap(),
            imp_tot_conc: Money::ZERO,
            imp_neto: Money::parse("3000.41").unwrap(),
            imp_op_ex: Money::ZERO,
            imp_trib: Money::ZERO,
            imp_iva: Money::parse("630.09").unwrap(),
            fch_serv_desde: None,
            fch_serv_hasta: None,
            fch_vto_pago: None,
            mon_id: "PES".to_owned(),
            mon_cotiz: Some(Decimal::from_str("1.000").unwrap()),
            can_mis_mon_ext: None,
            condicion_iva_receptor_id: Some(5),
            cbtes_asoc: vec![],
            tributos: vec![],
            iva: vec![],
            opcionales: vec![],
            compradores: vec![],
            periodo_asoc: None,
            actividades: vec![],
        };
        let issuer = Cuit::parse("20267565393").unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        let qr = QrData::for_authorized_voucher(issuer, &voucher, date, AuthorizationKind::Caea, 71_263_951_827_464);
        assert_eq!(
            qr.to_json(),
            r#"{"ver":1,"fecha":"2026-03-02","cuit":20267565393,"ptoVta":1,"tipoCmp":6,"nroCmp":7,"importe":3630.5,"moneda":"PES","ctz":1,"tipoCodAut":"A","codAut":71263951827464}"#
        );
        assert_eq!(
            QrData::from_url(&qr.to_url()).unwrap(),
            QrData {
                importe: Decimal::from_str("3630.5").unwrap(),
                ctz: Decimal::ONE,
                ..qr
            }
        );
    }

    #[test]
    fn refuses_what_is_not_a_payload() {
        assert_eq!(
            QrData::from_url("https://www.afip.gob.ar/fe/qr/"),
            Err(QrError::MissingParameter)
        );
        assert_eq!(QrData::from_payload("!!!"), Err(QrError::Base64));
        assert!(matches!(QrData::from_json("[1]"), Err(QrError::Json(_))));
        assert_eq!(QrData::from_json(r#"{"ver":2}"#), Err(QrError::Version("2".to_owned())));
        let without_cod_aut = EXAMPLE_JSON.replace(r#","codAut":70417054367476"#, "");
        assert_eq!(
            QrData::from_json(&without_cod_aut),
            Err(QrError::MissingField("codAut"))
        );
        let string_cuit = EXAMPLE_JSON.replace("30000000007", "\"30000000007\"");
        assert_eq!(QrData::from_json(&string_cuit), Err(QrError::InvalidField("cuit")));
    }
}
