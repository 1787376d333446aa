//! The issuer profile: the fiscal data a printed invoice must show and ARCA does not return —
//! razón social, domicilio comercial, condición frente al IVA, Ingresos Brutos, fecha de inicio
//! de actividades and an optional logo (docs/arca.md §N.5) — one per account, replaced whole by
//! `PUT /v1/account/issuer-profile`. Its optional `fce` section ([`FceProfile`]: CBU, alias and
//! transfer option) gives the values an FCE MiPyMEs invoice takes when its request leaves them
//! out (docs/arca.md §M.1).
//!
//! [`Snapshot`] is the profile as an approval keeps it with the invoice (with its point of sale's
//! domicilio), so a later change here never reprints an approved invoice differently.
//!
//! Limits (the service's; docs/ARCHITECTURE.md "Input rules and limits"): razón social 1–200
//! characters, domicilio comercial 1–300, both single-line; Ingresos Brutos a number of 1–30
//! digits, `.`, `/` and `-` (starting and ending with a digit) or `exento` /
//! `convenio_multilateral`; a logo PNG or JPEG of at most 256 KiB and 4096 × 4096 pixels, its
//! format checked by its magic bytes and header, never by the type it claims alone, and then
//! by the renderer (`arca_pdf::check_logo`: it decodes and embeds in a PDF/A); the FCE CBU 22
//! digits with valid check digits, its alias 6–20 characters of `A–Z a–z 0–9 . -`
//! ([`check_cbu`], [`check_alias`]).
//!
//! It never renders (`crate::documents` does) and never touches invoices.

use base64::Engine as _;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

use crate::Error;
use crate::storage::issuer_profiles::{IssuerProfileRow, LogoRow};
use crate::storage::{self, Storage};
use crate::text::{self, Lines};

/// `razon_social`, in characters.
pub const RAZON_SOCIAL_MAX: usize = 200;
/// `domicilio_comercial`, in characters.
pub const DOMICILIO_MAX: usize = 300;
/// `ingresos_brutos` as a number, in characters.
pub const INGRESOS_BRUTOS_MAX: usize = 30;
/// What `ingresos_brutos` accepts (the OpenAPI pattern states the same rule).
pub const INGRESOS_BRUTOS_PATTERN: &str = "^(exento|convenio_multilateral|[0-9]([0-9./-]{0,28}[0-9])?)$";
/// A logo's size, in bytes.
pub const LOGO_MAX_BYTES: usize = 256 * 1024;
/// A logo's size as standard base64 with padding: 4 characters per 3 bytes.
pub const LOGO_BASE64_MAX: usize = LOGO_MAX_BYTES.div_ceil(3) * 4;
/// A logo's width and height, in pixels: a small file can declare a huge image, which the
/// renderer would have to decode.
pub const LOGO_MAX_PIXELS: u32 = arca_pdf::LOGO_MAX_PIXELS_PER_SIDE;

/// The issuer's condition frente al IVA. Named `CondicionIvaPerfil` in the OpenAPI document, apart
/// from the receivers' `CondicionIva` (which has more values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = CondicionIvaPerfil)]
pub enum CondicionIva {
    ResponsableInscripto,
    Monotributo,
    Exento,
}

impl CondicionIva {
    pub const ALL: [CondicionIva; 3] = [
        CondicionIva::ResponsableInscripto,
        CondicionIva::Monotributo,
        CondicionIva::Exento,
    ];

    /// The stored and API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            CondicionIva::ResponsableInscripto => "responsable_inscripto",
            CondicionIva::Monotributo => "monotributo",
            CondicionIva::Exento => "exento",
        }
    }

    pub fn parse(text: &str) -> Option<CondicionIva> {
        CondicionIva::ALL
            .into_iter()
            .find(|condicion| condicion.as_str() == text)
    }

    /// As a printed invoice names it.
    pub const fn printed(self) -> &'static str {
        match self {
            CondicionIva::ResponsableInscripto => "IVA Responsable Inscripto",
            CondicionIva::Monotributo => "Responsable Monotributo",
            CondicionIva::Exento => "IVA Exento",
        }
    }
}

/// Ingresos Brutos (the provincial gross-income tax): the issuer's registration number, or
/// that it is exempt, or registered under the Convenio Multilateral.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IngresosBrutos {
    Numero(String),
    Exento,
    ConvenioMultilateral,
}

impl IngresosBrutos {
    /// The API's and the database's text: the number, `exento` or `convenio_multilateral`.
    pub fn as_str(&self) -> &str {
        match self {
            IngresosBrutos::Numero(numero) => numero,
            IngresosBrutos::Exento => "exento",
            IngresosBrutos::ConvenioMultilateral => "convenio_multilateral",
        }
    }

    /// `text` read by [`INGRESOS_BRUTOS_PATTERN`]'s rule, or why not.
    pub fn parse(text: &str) -> Result<IngresosBrutos, String> {
        match text {
            "exento" => return Ok(IngresosBrutos::Exento),
            "convenio_multilateral" => return Ok(IngresosBrutos::ConvenioMultilateral),
            _ => {}
        }
        let bytes = text.as_bytes();
        let digit_ends = bytes.first().is_some_and(u8::is_ascii_digit) && bytes.last().is_some_and(u8::is_ascii_digit);
        let allowed = bytes
            .iter()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'/' | b'-'));
        if digit_ends && allowed && bytes.len() <= INGRESOS_BRUTOS_MAX {
            Ok(IngresosBrutos::Numero(text.to_string()))
        } else {
            Err(format!(
                "must be the Ingresos Brutos number (1 to {INGRESOS_BRUTOS_MAX} digits, `.`, `/` or `-`, starting \
                 and ending with a digit), `exento` or `convenio_multilateral`"
            ))
        }
    }

    /// As a printed invoice shows it.
    pub fn printed(&self) -> String {
        match self {
            IngresosBrutos::Numero(numero) => numero.clone(),
            IngresosBrutos::Exento => "Exento".into(),
            IngresosBrutos::ConvenioMultilateral => "Convenio Multilateral".into(),
        }
    }
}

/// `fce.alias`, in characters: ARCA's (and the banks') CBU alias rule.
pub const FCE_ALIAS_MIN: usize = 6;
/// `fce.alias`, in characters.
pub const FCE_ALIAS_MAX: usize = 20;
/// What `fce.alias` accepts (the OpenAPI pattern states the same rule).
pub const FCE_ALIAS_PATTERN: &str = "^[A-Za-z0-9.-]{6,20}$";
/// What `fce.cbu` accepts before its check digits are checked.
pub const FCE_CBU_PATTERN: &str = "^[0-9]{22}$";

/// An FCE's transfer option (opcional 27, docs/arca.md §M.1): how the credit invoice may
/// circulate once accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Transferencia {
    /// Sistema de Circulación Abierta: the invoice may be transferred (the default).
    #[serde(rename = "SCA")]
    Sca,
    /// Agente de Depósito Colectivo: it is deposited with a collective depository agent.
    #[serde(rename = "ADC")]
    Adc,
}

impl Transferencia {
    /// ARCA's value, the API's and the stored one.
    pub const fn code(self) -> &'static str {
        match self {
            Transferencia::Sca => "SCA",
            Transferencia::Adc => "ADC",
        }
    }

    pub fn parse(text: &str) -> Option<Transferencia> {
        [Transferencia::Sca, Transferencia::Adc]
            .into_iter()
            .find(|option| option.code() == text)
    }

    /// As a printed FCE spells it out.
    pub const fn printed(self) -> &'static str {
        match self {
            Transferencia::Sca => "Sistema de Circulación Abierta (SCA)",
            Transferencia::Adc => "Agente de Depósito Colectivo (ADC)",
        }
    }
}

/// The account's FCE MiPyMEs defaults: what an FCE invoice's opcionales take when its request
/// leaves them out. The CBU is account data, not a secret: shown to the account only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FceProfile {
    /// The issuer's CBU (opcional 2101): 22 digits, valid check digits.
    pub cbu: Option<String>,
    /// The CBU's alias (opcional 2102): 6–20 characters of `A–Z a–z 0–9 . -`.
    pub alias: Option<String>,
    /// The transfer option (opcional 27); SCA when not set.
    pub transferencia: Option<Transferencia>,
}

/// `cbu` as an FCE's opcional 2101 takes it (ARCA 10165), or why not.
pub fn check_cbu(cbu: &str) -> Result<(), String> {
    if arca_protocol::validate::is_valid_cbu(cbu) {
        Ok(())
    } else {
        Err("ARCA 10165: must be a CBU: 22 digits whose two check digits hold (docs/arca.md §M.1)".into())
    }
}

/// `alias` as an FCE's opcional 2102 takes it, or why not.
pub fn check_alias(alias: &str) -> Result<(), String> {
    let length = alias.chars().count();
    let charset = alias
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'));
    if (FCE_ALIAS_MIN..=FCE_ALIAS_MAX).contains(&length) && charset {
        Ok(())
    } else {
        Err(format!(
            "must be a CBU alias: {FCE_ALIAS_MIN} to {FCE_ALIAS_MAX} characters of A-Z, a-z, 0-9, `.` and `-`"
        ))
    }
}

/// A logo's format, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum LogoFormat {
    #[serde(rename = "image/png")]
    Png,
    #[serde(rename = "image/jpeg")]
    Jpeg,
}

impl LogoFormat {
    /// The stored name (`issuer_logos.format`).
    pub const fn as_str(self) -> &'static str {
        match self {
            LogoFormat::Png => "png",
            LogoFormat::Jpeg => "jpeg",
        }
    }

    pub fn parse(text: &str) -> Option<LogoFormat> {
        [LogoFormat::Png, LogoFormat::Jpeg]
            .into_iter()
            .find(|format| format.as_str() == text)
    }

    pub const fn mime(self) -> &'static str {
        match self {
            LogoFormat::Png => "image/png",
            LogoFormat::Jpeg => "image/jpeg",
        }
    }
}

impl From<LogoFormat> for arca_pdf::LogoFormat {
    fn from(format: LogoFormat) -> arca_pdf::LogoFormat {
        match format {
            LogoFormat::Png => arca_pdf::LogoFormat::Png,
            LogoFormat::Jpeg => arca_pdf::LogoFormat::Jpeg,
        }
    }
}

/// A stored logo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Logo {
    pub format: LogoFormat,
    pub bytes: Vec<u8>,
    /// Lower-case hex SHA-256 of `bytes`: how snapshots name it.
    pub sha256: String,
}

/// An account's issuer profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssuerProfile {
    pub razon_social: String,
    pub domicilio_comercial: String,
    pub condicion_iva: CondicionIva,
    pub ingresos_brutos: IngresosBrutos,
    pub inicio_actividades: NaiveDate,
    pub logo: Option<Logo>,
    /// FCE MiPyMEs defaults; `None` when the profile sets none.
    pub fce: Option<FceProfile>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A profile to store, as the caller sent it (checked by [`put`]).
#[derive(Debug, Clone)]
pub struct ProfileInput {
    pub razon_social: String,
    pub domicilio_comercial: String,
    pub condicion_iva: CondicionIva,
    pub ingresos_brutos: String,
    pub inicio_actividades: NaiveDate,
    pub logo: Option<LogoInput>,
    /// FCE defaults as sent; checked by [`put`].
    pub fce: Option<FceProfile>,
}

/// A logo as sent: the format it claims and its content in standard base64.
#[derive(Debug, Clone)]
pub struct LogoInput {
    pub tipo: LogoFormat,
    pub contenido_base64: String,
}

/// What an approved invoice keeps of its issuer (`invoices.issuer_snapshot`): the profile's
/// [`SnapshotProfile`] as it was, and the domicilio of the invoice's point of sale then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snapshot {
    pub perfil: SnapshotProfile,
    pub domicilio_punto_venta: Option<String>,
}

/// The profile as a snapshot holds it (`issuer_profiles.snapshot`), the logo named by hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotProfile {
    pub razon_social: String,
    pub domicilio_comercial: String,
    pub condicion_iva: CondicionIva,
    pub ingresos_brutos: String,
    pub inicio_actividades: NaiveDate,
    pub logo: Option<SnapshotLogo>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SnapshotLogo {
    pub sha256: String,
    pub formato: LogoFormat,
}

impl Snapshot {
    /// Reads a stored snapshot; an error says what is wrong with it.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        serde_json::from_str(text).map_err(|error| format!("issuer snapshot: {error}"))
    }

    /// The domicilio to print: the point of sale's own, or else the profile's.
    pub fn domicilio(&self) -> &str {
        self.domicilio_punto_venta
            .as_deref()
            .unwrap_or(&self.perfil.domicilio_comercial)
    }
}

/// Checks `input` whole (every problem at once, each naming its field) and stores it as the
/// account's profile, replacing any earlier one.
pub async fn put(storage: &Storage, account_id: &str, input: ProfileInput) -> Result<IssuerProfile, Error> {
    let now = storage::now();
    let (profile, logo) = checked(input, now)?;
    let existing = storage::issuer_profiles::find(storage, account_id).await?;
    let created_at = existing.map_or(now, |row| row.created_at);
    let snapshot = SnapshotProfile {
        razon_social: profile.razon_social.clone(),
        domicilio_comercial: profile.domicilio_comercial.clone(),
        condicion_iva: profile.condicion_iva,
        ingresos_brutos: profile.ingresos_brutos.as_str().to_string(),
        inicio_actividades: profile.inicio_actividades,
        logo: logo.as_ref().map(|logo| SnapshotLogo {
            sha256: logo.sha256.clone(),
            formato: logo.format,
        }),
    };
    let row = IssuerProfileRow {
        account_id: account_id.to_string(),
        razon_social: profile.razon_social.clone(),
        domicilio_comercial: profile.domicilio_comercial.clone(),
        condicion_iva: profile.condicion_iva.as_str().to_string(),
        ingresos_brutos: profile.ingresos_brutos.as_str().to_string(),
        inicio_actividades: profile.inicio_actividades,
        logo_sha256: logo.as_ref().map(|logo| logo.sha256.clone()),
        fce_cbu: profile.fce.as_ref().and_then(|fce| fce.cbu.clone()),
        fce_alias: profile.fce.as_ref().and_then(|fce| fce.alias.clone()),
        fce_transferencia: profile
            .fce
            .as_ref()
            .and_then(|fce| fce.transferencia)
            .map(|option| option.code().to_string()),
        // Plain strings, an enum and a date: serializing cannot fail.
        snapshot: serde_json::to_string(&snapshot).unwrap_or_default(),
        created_at,
        updated_at: now,
    };
    let logo_row = logo.as_ref().map(|logo| LogoRow {
        account_id: account_id.to_string(),
        sha256: logo.sha256.clone(),
        format: logo.format.as_str().to_string(),
        content: logo.bytes.clone(),
        created_at: now,
    });
    storage::issuer_profiles::put(storage, &row, logo_row.as_ref()).await?;
    Ok(IssuerProfile {
        created_at,
        logo,
        ..profile
    })
}

/// The account's profile ([`Error::NotFound`] while it has none).
pub async fn find(storage: &Storage, account_id: &str) -> Result<IssuerProfile, Error> {
    let row = storage::issuer_profiles::find(storage, account_id)
        .await?
        .ok_or(Error::NotFound)?;
    let logo = match &row.logo_sha256 {
        Some(sha256) => Some(logo(storage, account_id, sha256).await?),
        None => None,
    };
    let corrupt = |what: &str| Error::Invalid(vec![("issuer_profile".into(), format!("stored {what} is unreadable"))]);
    let fce = fce_of(&row).map_err(|()| corrupt("fce_transferencia"))?;
    Ok(IssuerProfile {
        razon_social: row.razon_social,
        domicilio_comercial: row.domicilio_comercial,
        condicion_iva: CondicionIva::parse(&row.condicion_iva).ok_or_else(|| corrupt("condicion_iva"))?,
        ingresos_brutos: IngresosBrutos::parse(&row.ingresos_brutos).map_err(|_| corrupt("ingresos_brutos"))?,
        inicio_actividades: row.inicio_actividades,
        logo,
        fce,
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// The account's FCE defaults: its profile's `fce` section, or none (no profile, or none set).
pub async fn fce_defaults(storage: &Storage, account_id: &str) -> Result<FceProfile, Error> {
    let row = storage::issuer_profiles::find(storage, account_id).await?;
    Ok(row.and_then(|row| fce_of(&row).ok().flatten()).unwrap_or_default())
}

/// The row's FCE section: `None` when no column is set; `Err` for a transfer option the
/// column's `CHECK` should have refused.
fn fce_of(row: &IssuerProfileRow) -> Result<Option<FceProfile>, ()> {
    if row.fce_cbu.is_none() && row.fce_alias.is_none() && row.fce_transferencia.is_none() {
        return Ok(None);
    }
    let transferencia = match row.fce_transferencia.as_deref() {
        Some(code) => Some(Transferencia::parse(code).ok_or(())?),
        None => None,
    };
    Ok(Some(FceProfile {
        cbu: row.fce_cbu.clone(),
        alias: row.fce_alias.clone(),
        transferencia,
    }))
}

/// The account's logo with content hash `sha256` (any logo its profile ever had).
pub async fn logo(storage: &Storage, account_id: &str, sha256: &str) -> Result<Logo, Error> {
    let row = storage::issuer_profiles::logo(storage, account_id, sha256)
        .await?
        .ok_or(Error::NotFound)?;
    Ok(Logo {
        format: LogoFormat::parse(&row.format).unwrap_or(LogoFormat::Png),
        bytes: row.content,
        sha256: row.sha256,
    })
}

/// The profile `input` describes, trimmed and checked, and its logo decoded; or every problem.
fn checked(input: ProfileInput, now: DateTime<Utc>) -> Result<(IssuerProfile, Option<Logo>), Error> {
    let mut problems: Vec<(String, String)> = Vec::new();
    let razon_social = input.razon_social.trim().to_string();
    required_line("razon_social", &razon_social, RAZON_SOCIAL_MAX, &mut problems);
    let domicilio_comercial = input.domicilio_comercial.trim().to_string();
    required_line(
        "domicilio_comercial",
        &domicilio_comercial,
        DOMICILIO_MAX,
        &mut problems,
    );
    let ingresos_brutos = match IngresosBrutos::parse(&input.ingresos_brutos) {
        Ok(value) => Some(value),
        Err(message) => {
            problems.push(("ingresos_brutos".into(), message));
            None
        }
    };
    let logo = match input.logo {
        Some(logo) => match checked_logo(&logo) {
            Ok(logo) => Some(logo),
            Err(problem) => {
                problems.push(problem);
                None
            }
        },
        None => None,
    };
    let fce = input.fce.map(|fce| checked_fce(fce, &mut problems));
    match ingresos_brutos {
        Some(ingresos_brutos) if problems.is_empty() => Ok((
            IssuerProfile {
                razon_social,
                domicilio_comercial,
                condicion_iva: input.condicion_iva,
                ingresos_brutos,
                inicio_actividades: input.inicio_actividades,
                logo: logo.clone(),
                fce,
                created_at: now,
                updated_at: now,
            },
            logo,
        )),
        _ => Err(Error::Invalid(problems)),
    }
}

/// The FCE section trimmed and checked (problems named `fce.cbu`, `fce.alias`); the transfer
/// option defaults to SCA.
fn checked_fce(fce: FceProfile, problems: &mut Vec<(String, String)>) -> FceProfile {
    let cbu = fce.cbu.map(|cbu| cbu.trim().to_string());
    if let Some(cbu) = &cbu
        && let Err(message) = check_cbu(cbu)
    {
        problems.push(("fce.cbu".into(), message));
    }
    let alias = fce.alias.map(|alias| alias.trim().to_string());
    if let Some(alias) = &alias
        && let Err(message) = check_alias(alias)
    {
        problems.push(("fce.alias".into(), message));
    }
    FceProfile {
        cbu,
        alias,
        transferencia: Some(fce.transferencia.unwrap_or(Transferencia::Sca)),
    }
}

fn required_line(field: &str, text: &str, max: usize, problems: &mut Vec<(String, String)>) {
    if text.is_empty() || text.chars().count() > max {
        problems.push((field.into(), format!("must be 1 to {max} characters")));
    } else if let Err(problem) = text::check(field, text, Lines::Single) {
        problems.push(problem);
    }
}

/// The logo decoded and recognised, or the problem (field `logo.contenido_base64` or
/// `logo.tipo`).
fn checked_logo(input: &LogoInput) -> Result<Logo, (String, String)> {
    const FIELD: &str = "logo.contenido_base64";
    if input.contenido_base64.len() > LOGO_BASE64_MAX {
        return Err((
            FIELD.into(),
            format!("the logo must be at most {LOGO_MAX_BYTES} bytes (256 KiB)"),
        ));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&input.contenido_base64)
        .map_err(|error| (FIELD.to_string(), format!("not standard base64 with padding: {error}")))?;
    if bytes.is_empty() {
        return Err((FIELD.into(), "the logo is empty".into()));
    }
    if bytes.len() > LOGO_MAX_BYTES {
        return Err((
            FIELD.into(),
            format!("the logo must be at most {LOGO_MAX_BYTES} bytes (256 KiB)"),
        ));
    }
    let (format, (width, height)) = sniff(&bytes).map_err(|message| (FIELD.to_string(), message))?;
    if format != input.tipo {
        return Err((
            "logo.tipo".into(),
            format!("the content is {}, not {}", format.mime(), input.tipo.mime()),
        ));
    }
    if width > LOGO_MAX_PIXELS || height > LOGO_MAX_PIXELS {
        return Err((
            FIELD.into(),
            format!("the logo is {width} × {height} pixels; at most {LOGO_MAX_PIXELS} × {LOGO_MAX_PIXELS}"),
        ));
    }
    // What the header promises, the renderer must be able to print (a CMYK JPEG without a
    // colour profile cannot go into a PDF/A, a corrupt body cannot be decoded): refused now,
    // not at the first rendering.
    arca_pdf::check_logo(format.into(), &bytes)
        .map_err(|error| (FIELD.to_string(), format!("the logo cannot be printed: {error}")))?;
    let sha256 = storage::hex(&Sha256::digest(&bytes));
    Ok(Logo { format, bytes, sha256 })
}

/// The format and the declared size (width, height) of an image, read from its magic bytes and
/// header: a PNG's signature, its `IHDR` chunk (valid fields, CRC) and its closing `IEND`; a
/// JPEG's SOI, its segments up to a frame header (SOF) with non-zero dimensions, and its EOI.
pub fn sniff(bytes: &[u8]) -> Result<(LogoFormat, (u32, u32)), String> {
    const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    if bytes.starts_with(&PNG_SIGNATURE) {
        return png_size(bytes).map(|size| (LogoFormat::Png, size));
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return jpeg_size(bytes).map(|size| (LogoFormat::Jpeg, size));
    }
    Err("not a PNG or JPEG image (its first bytes are neither signature)".into())
}

fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    let bad = |what: &str| Err(format!("not a valid PNG: {what}"));
    // Signature (8), IHDR length (4) + type (4) + 13 data bytes + CRC (4).
    if bytes.len() < 33 + 12 {
        return bad("too short");
    }
    let be32 = |at: usize| u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
    if be32(8) != 13 || &bytes[12..16] != b"IHDR" {
        return bad("the first chunk is not a 13-byte IHDR");
    }
    if crc32(&bytes[12..29]) != be32(29) {
        return bad("the IHDR chunk's CRC does not match");
    }
    let (width, height) = (be32(16), be32(20));
    let (depth, color, compression, filter, interlace) = (bytes[24], bytes[25], bytes[26], bytes[27], bytes[28]);
    let depth_ok = match color {
        0 => matches!(depth, 1 | 2 | 4 | 8 | 16),
        3 => matches!(depth, 1 | 2 | 4 | 8),
        2 | 4 | 6 => matches!(depth, 8 | 16),
        _ => false,
    };
    if width == 0 || height == 0 || !depth_ok || compression != 0 || filter != 0 || interlace > 1 {
        return bad("the IHDR fields are out of range");
    }
    const IEND: [u8; 12] = [0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82];
    if !bytes.ends_with(&IEND) {
        return bad("it does not end with an IEND chunk (truncated?)");
    }
    Ok((width, height))
}

fn jpeg_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    let bad = |what: &str| Err(format!("not a valid JPEG: {what}"));
    if !bytes.ends_with(&[0xFF, 0xD9]) {
        return bad("it does not end with an EOI marker (truncated?)");
    }
    let mut at = 2;
    loop {
        if at + 1 >= bytes.len() || bytes[at] != 0xFF {
            return bad("no frame header before the end");
        }
        // Fill bytes: any number of 0xFF before a marker.
        while at + 1 < bytes.len() && bytes[at + 1] == 0xFF {
            at += 1;
        }
        let Some(&marker) = bytes.get(at + 1) else {
            return bad("no frame header before the end");
        };
        at += 2;
        match marker {
            // Standalone markers carry no length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD8..=0xDA => return bad("no frame header before the image data"),
            _ => {}
        }
        let Some(length) = bytes
            .get(at..at + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            return bad("a segment runs past the end");
        };
        if length < 2 || at + length > bytes.len() {
            return bad("a segment runs past the end");
        }
        let is_frame = matches!(marker, 0xC0..=0xCF) && !matches!(marker, 0xC4 | 0xC8 | 0xCC);
        if is_frame {
            if length < 8 {
                return bad("the frame header is too short");
            }
            let height = u32::from(u16::from_be_bytes([bytes[at + 3], bytes[at + 4]]));
            let width = u32::from(u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]));
            let components = bytes[at + 7];
            if width == 0 || height == 0 || components == 0 {
                return bad("the frame header declares no pixels");
            }
            return Ok((width, height));
        }
        at += length;
    }
}

/// CRC-32 (ISO-HDLC, PNG's), bit by bit: it runs over one 17-byte chunk per upload.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in data {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A 1 × 1 PNG (grey, 8-bit), valid down to its CRCs.
    pub(crate) const PNG_1X1: &str =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg==";

    fn decode(text: &str) -> Vec<u8> {
        base64::engine::general_purpose::STANDARD.decode(text).unwrap()
    }

    /// A minimal JPEG's structure: SOI, an APP0 segment, a baseline frame header, EOI.
    fn jpeg(width: u16, height: u16) -> Vec<u8> {
        let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        bytes.extend_from_slice(b"JFIF\0\x01\x01\0\0\x01\0\x01\0\0");
        bytes.extend_from_slice(&[0xFF, 0xC0, 0x00, 0x0B, 0x08]);
        bytes.extend_from_slice(&height.to_be_bytes());
        bytes.extend_from_slice(&width.to_be_bytes());
        bytes.extend_from_slice(&[0x01, 0x01, 0x11, 0x00, 0xFF, 0xD9]);
        bytes
    }

    #[test]
    fn recognises_png_and_jpeg_by_content() {
        assert_eq!(sniff(&decode(PNG_1X1)), Ok((LogoFormat::Png, (1, 1))));
        assert_eq!(sniff(&jpeg(640, 480)), Ok((LogoFormat::Jpeg, (640, 480))));
        assert!(sniff(b"GIF89a....").is_err());
        assert!(sniff(&jpeg(0, 10)).is_err(), "no pixels");
        let png = decode(PNG_1X1);
        assert!(sniff(&png[..png.len() - 12]).is_err(), "truncated");
        let mut bad_crc = png.clone();
        bad_crc[16] = 9;
        assert!(sniff(&bad_crc).unwrap_err().contains("CRC"));
        let mut jpeg_truncated = jpeg(10, 10);
        jpeg_truncated.truncate(8);
        assert!(sniff(&jpeg_truncated).is_err());
    }

    #[test]
    fn ingresos_brutos_is_a_number_or_one_of_two_words() {
        assert_eq!(IngresosBrutos::parse("exento"), Ok(IngresosBrutos::Exento));
        assert_eq!(
            IngresosBrutos::parse("convenio_multilateral").unwrap().printed(),
            "Convenio Multilateral"
        );
        assert_eq!(
            IngresosBrutos::parse("901-123456-7"),
            Ok(IngresosBrutos::Numero("901-123456-7".into()))
        );
        for bad in ["", "-1", "1-", "12a", "Exento", &"1".repeat(31)] {
            assert!(IngresosBrutos::parse(bad).is_err(), "{bad:?}");
        }
        assert!(IngresosBrutos::parse(&"1".repeat(30)).is_ok());
    }

    fn input() -> ProfileInput {
        ProfileInput {
            razon_social: " Almacén SRL ".into(),
            domicilio_comercial: "Av. Siempreviva 742, CABA".into(),
            condicion_iva: CondicionIva::ResponsableInscripto,
            ingresos_brutos: "901-123456-7".into(),
            inicio_actividades: NaiveDate::from_ymd_opt(2020, 3, 1).unwrap(),
            logo: Some(LogoInput {
                tipo: LogoFormat::Png,
                contenido_base64: PNG_1X1.into(),
            }),
            fce: None,
        }
    }

    #[test]
    fn checks_every_field_at_once() {
        let (profile, logo) = checked(input(), storage::now()).unwrap();
        assert_eq!(profile.razon_social, "Almacén SRL");
        assert_eq!(logo.unwrap().sha256.len(), 64);

        let bad = ProfileInput {
            razon_social: "x".repeat(201),
            domicilio_comercial: "Calle\n1".into(),
            ingresos_brutos: "n/a".into(),
            logo: Some(LogoInput {
                tipo: LogoFormat::Jpeg,
                contenido_base64: PNG_1X1.into(),
            }),
            ..input()
        };
        let Err(Error::Invalid(problems)) = checked(bad, storage::now()) else {
            panic!("expected problems");
        };
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(
            fields,
            ["razon_social", "domicilio_comercial", "ingresos_brutos", "logo.tipo"]
        );
    }

    #[test]
    fn refuses_logos_too_big_or_not_images() {
        let big = base64::engine::general_purpose::STANDARD.encode(vec![0u8; LOGO_MAX_BYTES + 1]);
        let problem = checked_logo(&LogoInput {
            tipo: LogoFormat::Png,
            contenido_base64: big,
        })
        .unwrap_err();
        assert_eq!(problem.0, "logo.contenido_base64");
        assert!(problem.1.contains("256 KiB"), "{}", problem.1);
        let not_base64 = checked_logo(&LogoInput {
            tipo: LogoFormat::Png,
            contenido_base64: "***".into(),
        });
        assert_eq!(not_base64.unwrap_err().0, "logo.contenido_base64");
        assert_eq!(LOGO_BASE64_MAX, 349_528);
    }

    #[test]
    fn fce_defaults_are_checked_and_default_to_sca() {
        let with_fce = |cbu: &str, alias: &str| ProfileInput {
            fce: Some(FceProfile {
                cbu: Some(cbu.into()),
                alias: Some(alias.into()),
                transferencia: None,
            }),
            ..input()
        };
        let (profile, _) = checked(with_fce("2850590940090418135201", "mi.alias-1"), storage::now()).unwrap();
        assert_eq!(profile.fce.unwrap().transferencia, Some(Transferencia::Sca));
        let Err(Error::Invalid(problems)) = checked(with_fce("2850590940090418135202", "a b"), storage::now()) else {
            panic!("expected problems");
        };
        let fields: Vec<&str> = problems.iter().map(|(field, _)| field.as_str()).collect();
        assert_eq!(fields, ["fce.cbu", "fce.alias"]);
        assert!(problems[0].1.contains("10165"), "{}", problems[0].1);
        for bad in ["short", "twenty-one-characters", "con_guion_bajo", "ñandú.pago"] {
            assert!(check_alias(bad).is_err(), "{bad}");
        }
        assert!(check_alias("MI.ALIAS-99").is_ok());
    }
}
