//! The certificates page: the account's ARCA certificates with their days to expiry (highlighted
//! from 30 days before, and once expired), the upload form (a PKCS#12 bundle with its
//! passphrase, or a PEM certificate with its PEM key — or alone, completing a pending CSR), the
//! key + CSR generation with the CSR offered as a download, and deletion.
//!
//! Every operation is `crate::certificates`' — the API's calls: an upload is stored only after a
//! WSAA test login with it succeeds, and the passphrase is used once. The upload is multipart,
//! so its CSRF token is checked here from its `_csrf` part ([`Session::check_csrf`]). It never
//! shows a private key or a passphrase, never echoes one back into a form, and never checks a
//! certificate itself.

use arca_protocol::secret::Secret;
use axum::Router;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::format;
use super::lists::{FormFailure, Pager, pagination_of, render_with};
use super::page::{FieldErrors, Layout, Nav, Notice, PageError, redirect_with, render};
use super::session::{Posted, Session, same_origin};
use crate::accounts;
use crate::certificates::{self, Certificate, Status, Upload};
use crate::http::error::FieldError;
use crate::http::pagination::{DEFAULT_LIMIT, Pagination};
use crate::state::AppState;

/// Days before expiry from which a certificate is highlighted.
pub const WARN_DAYS: i64 = 30;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/dashboard/certificates", get(list_page).post(upload))
        .route("/dashboard/certificates/csr", post(create_csr))
        .route("/dashboard/certificates/csr/{id}", get(download_csr))
        .route("/dashboard/certificates/{id}/delete", post(delete))
}

/// How close a certificate is to its end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expiry {
    /// More than [`WARN_DAYS`] left.
    Fine,
    /// [`WARN_DAYS`] or fewer left.
    Soon,
    Expired,
    /// A CSR waiting for its certificate: no dates yet.
    Pending,
}

/// A certificate as the list shows it.
struct Row {
    id: String,
    status: Status,
    cuit: String,
    subject: String,
    valid_until: String,
    expiry: Expiry,
    expiry_text: String,
}

impl Row {
    fn of(certificate: Certificate) -> Row {
        let expiry = match (certificate.status, certificate.days_to_expiry) {
            (Status::Pending, _) | (_, None) => Expiry::Pending,
            (Status::Expired, _) => Expiry::Expired,
            (_, Some(days)) if days < 0 => Expiry::Expired,
            (_, Some(days)) if days <= WARN_DAYS => Expiry::Soon,
            _ => Expiry::Fine,
        };
        Row {
            expiry_text: expiry_text(expiry, certificate.days_to_expiry),
            valid_until: certificate.not_after.as_ref().map(argentine_date).unwrap_or_default(),
            subject: certificate.subject.unwrap_or_default(),
            cuit: format::cuit(&certificate.cuit),
            status: certificate.status,
            expiry,
            id: certificate.id,
        }
    }

    fn status_text(&self) -> &'static str {
        match self.status {
            Status::Active => "Activo",
            Status::Expired => "Vencido",
            Status::Pending => "Pendiente (CSR)",
        }
    }

    fn status_class(&self) -> &'static str {
        match self.status {
            Status::Active => "ok",
            Status::Expired => "bad",
            Status::Pending => "warn",
        }
    }

    /// `warn`, `danger` or nothing: `td.expiry`'s highlight.
    fn expiry_class(&self) -> &'static str {
        match self.expiry {
            Expiry::Soon => "warn",
            Expiry::Expired => "danger",
            Expiry::Fine | Expiry::Pending => "",
        }
    }

    fn is_pending(&self) -> bool {
        self.status == Status::Pending
    }
}

/// "Faltan 45 días", "Falta 1 día", "Vence hoy", "Venció hace 3 días".
fn expiry_text(expiry: Expiry, days: Option<i64>) -> String {
    let plural = |n: i64| if n == 1 { "día" } else { "días" };
    match (expiry, days) {
        (Expiry::Pending, _) | (_, None) => "Sin certificado todavía".to_string(),
        (Expiry::Expired, Some(days)) if days >= 0 => "Venció hoy".to_string(),
        (Expiry::Expired, Some(days)) => format!("Venció hace {} {}", -days, plural(-days)),
        (_, Some(0)) => "Vence hoy".to_string(),
        (_, Some(1)) => "Falta 1 día".to_string(),
        (_, Some(days)) => format!("Faltan {days} {}", plural(days)),
    }
}

/// The day an instant falls on in Argentina, as Argentina writes it.
fn argentine_date(instant: &DateTime<Utc>) -> String {
    format::date(&instant.with_timezone(&arca_protocol::clock::argentina()).date_naive())
}

/// The CSR form's fields.
#[derive(Debug, Clone, Default, Deserialize)]
struct CsrForm {
    #[serde(default)]
    cuit: String,
    #[serde(default)]
    organization: String,
    #[serde(default)]
    common_name: String,
}

const CSR_FIELDS: [&str; 3] = ["cuit", "organization", "common_name"];
const UPLOAD_FIELDS: [&str; 3] = ["archivo", "clave_privada", "passphrase"];
/// The domain's (the API's) field names, as the upload form calls them.
const UPLOAD_RENAMES: [(&str, &str); 3] = [
    ("pkcs12_base64", "archivo"),
    ("certificate_pem", "archivo"),
    ("private_key_pem", "clave_privada"),
];

#[derive(askama::Template)]
#[template(path = "dashboard/certificates.html")]
struct ListPage {
    layout: Layout,
    rows: Vec<Row>,
    pager: Pager,
    upload: FormFailure,
    csr: CsrForm,
    csr_failure: FormFailure,
}

impl ListPage {
    fn upload_error(&self, field: &str) -> Option<&str> {
        self.upload.field(field)
    }

    fn csr_error(&self, field: &str) -> Option<&str> {
        self.csr_failure.field(field)
    }
}

async fn list_page(
    State(state): State<AppState>,
    session: Session,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let pagination = pagination_of(query.as_deref())?;
    let page = list(
        &state,
        &session,
        pagination,
        FormFailure::default(),
        None,
        FormFailure::default(),
    )
    .await?;
    render(&page)
}

/// The page, first showing `pagination`, with the forms' failures (the CSR form keeps what was
/// typed; the upload form never keeps anything).
async fn list(
    state: &AppState,
    session: &Session,
    pagination: Pagination,
    upload: FormFailure,
    csr: Option<CsrForm>,
    csr_failure: FormFailure,
) -> Result<ListPage, PageError> {
    let (certificates, total) =
        certificates::list(&state.storage, &session.account_id, pagination.limit, pagination.offset).await?;
    let pager = Pager::new("/dashboard/certificates", &[], pagination, certificates.len(), total);
    let csr = match csr {
        Some(csr) => csr,
        None => {
            let account = accounts::find(&state.storage, &session.account_id).await?;
            CsrForm {
                cuit: account.cuit.to_string(),
                organization: account.name,
                common_name: "arca-api".to_string(),
            }
        }
    };
    Ok(ListPage {
        layout: Layout::new(session, Nav::Certificates, "Certificados"),
        rows: certificates.into_iter().map(Row::of).collect(),
        pager,
        upload,
        csr,
        csr_failure,
    })
}

const FIRST_PAGE: Pagination = Pagination {
    limit: DEFAULT_LIMIT,
    offset: 0,
};

/// The upload form's parts, as sent.
#[derive(Default)]
struct UploadParts {
    csrf: String,
    archivo: Vec<u8>,
    clave_privada: Vec<u8>,
    passphrase: String,
}

async fn read_parts(mut multipart: Multipart) -> Result<UploadParts, PageError> {
    let unreadable =
        |_| PageError::bad_request("el formulario no se pudo leer (multipart inválido o demasiado grande)");
    let mut parts = UploadParts::default();
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        let bytes = field.bytes().await.map_err(unreadable)?;
        match name.as_str() {
            "_csrf" => parts.csrf = String::from_utf8_lossy(&bytes).into_owned(),
            "archivo" => parts.archivo = bytes.to_vec(),
            "clave_privada" => parts.clave_privada = bytes.to_vec(),
            "passphrase" => parts.passphrase = String::from_utf8_lossy(&bytes).into_owned(),
            _ => {}
        }
    }
    Ok(parts)
}

/// One field's message, as the domain would give it.
fn field_failure(field: &str, message: &str) -> FormFailure {
    FormFailure {
        fields: FieldErrors(vec![FieldError {
            field: field.to_string(),
            message: message.to_string(),
        }]),
        summary: Some("Revisá los campos marcados.".to_string()),
        ..FormFailure::default()
    }
}

/// What the parts ask for: a PEM file is a certificate (with its key, or completing a CSR);
/// anything else is a PKCS#12 bundle.
fn upload_of(parts: UploadParts) -> Result<Upload, FormFailure> {
    if parts.archivo.is_empty() {
        return Err(field_failure(
            "archivo",
            "Elegí el archivo del certificado: un PKCS#12 (.p12, .pfx) o un certificado PEM (.pem, .crt).",
        ));
    }
    let is_pem = parts.archivo.trim_ascii_start().starts_with(b"-----BEGIN");
    if !is_pem {
        if !parts.clave_privada.is_empty() {
            return Err(field_failure(
                "clave_privada",
                "Un PKCS#12 ya trae su clave privada: dejá este campo vacío.",
            ));
        }
        return Ok(Upload::Pkcs12 {
            der: parts.archivo,
            passphrase: Secret::new(parts.passphrase),
        });
    }
    let certificate_pem = String::from_utf8(parts.archivo)
        .map_err(|_| field_failure("archivo", "El archivo PEM no es texto (UTF-8)."))?;
    let private_key_pem = if parts.clave_privada.is_empty() {
        None
    } else {
        let key = String::from_utf8(parts.clave_privada)
            .map_err(|_| field_failure("clave_privada", "La clave privada PEM no es texto (UTF-8)."))?;
        Some(Secret::new(key))
    };
    Ok(Upload::Pem {
        certificate_pem,
        private_key_pem,
    })
}

/// The list again, the upload form showing why.
async fn upload_refused(state: &AppState, session: &Session, status: StatusCode, failure: FormFailure) -> Response {
    match list(state, session, FIRST_PAGE, failure, None, FormFailure::default()).await {
        Ok(page) => render_with(status, &page),
        Err(error) => error.into_response(),
    }
}

/// Multipart: origin checked, the session read, every part read (bounded by the body limit),
/// then `_csrf` checked before anything is done with the files.
async fn upload(State(state): State<AppState>, headers: HeaderMap, session: Session, multipart: Multipart) -> Response {
    if let Err(error) = same_origin(&headers) {
        return error.into_response();
    }
    let parts = match read_parts(multipart).await {
        Ok(parts) => parts,
        Err(error) => return error.into_response(),
    };
    if let Err(error) = session.check_csrf(&parts.csrf) {
        return error.into_response();
    }
    let upload = match upload_of(parts) {
        Ok(upload) => upload,
        Err(failure) => return upload_refused(&state, &session, StatusCode::UNPROCESSABLE_ENTITY, failure).await,
    };
    let stored = certificates::upload(
        &state.storage,
        &state.secrets,
        state.arca.as_ref(),
        &session.account_id,
        upload,
    )
    .await;
    match stored {
        Ok(_) => redirect_with("/dashboard/certificates", Notice::CertificateUploaded),
        Err(error) => match FormFailure::of(PageError::from(error), &UPLOAD_FIELDS, &UPLOAD_RENAMES) {
            Ok((status, failure)) => upload_refused(&state, &session, status, failure).await,
            Err(error) => error.into_response(),
        },
    }
}

#[derive(askama::Template)]
#[template(path = "dashboard/certificates_csr.html")]
struct CsrPage {
    layout: Layout,
    id: String,
    cuit: String,
    csr_pem: String,
}

/// Generates the key (kept here, sealed) and the CSR; the answer shows the CSR and its download.
async fn create_csr(State(state): State<AppState>, posted: Posted<CsrForm>) -> Response {
    let Posted { session, form } = posted;
    let requested = certificates::request_csr(
        &state.storage,
        &state.secrets,
        &session.account_id,
        &form.cuit,
        &form.organization,
        &form.common_name,
    )
    .await;
    match requested {
        Ok(pending) => {
            let page = CsrPage {
                layout: Layout::new(&session, Nav::Certificates, "CSR generado"),
                cuit: format::cuit(&pending.cuit),
                csr_pem: pending.csr_pem.unwrap_or_default(),
                id: pending.id,
            };
            render_with(StatusCode::CREATED, &page)
        }
        Err(error) => {
            let (status, failure) = match FormFailure::of(PageError::from(error), &CSR_FIELDS, &[]) {
                Ok(shown) => shown,
                Err(error) => return error.into_response(),
            };
            match list(
                &state,
                &session,
                FIRST_PAGE,
                FormFailure::default(),
                Some(form),
                failure,
            )
            .await
            {
                Ok(page) => render_with(status, &page),
                Err(error) => error.into_response(),
            }
        }
    }
}

/// The pending certificate's CSR as a file (`.csr`, PEM): only the account's, only while pending.
async fn download_csr(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let certificate = certificates::find(&state.storage, &session.account_id, &id).await?;
    let Some(csr_pem) = certificate.csr_pem.filter(|_| certificate.status == Status::Pending) else {
        return Err(PageError::not_found());
    };
    let name = format!("arca-{}-{}.csr", certificate.cuit, certificate.id);
    let mut response = csr_pem.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/pkcs10"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    posted: Posted<serde::de::IgnoredAny>,
) -> Result<Response, PageError> {
    certificates::delete(&state.storage, &posted.session.account_id, &id).await?;
    Ok(redirect_with("/dashboard/certificates", Notice::Deleted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_to_expiry_are_said_in_spanish() {
        assert_eq!(expiry_text(Expiry::Fine, Some(45)), "Faltan 45 días");
        assert_eq!(expiry_text(Expiry::Soon, Some(1)), "Falta 1 día");
        assert_eq!(expiry_text(Expiry::Soon, Some(0)), "Vence hoy");
        assert_eq!(expiry_text(Expiry::Expired, Some(-3)), "Venció hace 3 días");
        assert_eq!(expiry_text(Expiry::Expired, Some(-1)), "Venció hace 1 día");
        assert_eq!(expiry_text(Expiry::Pending, None), "Sin certificado todavía");
    }

    fn certificate(status: Status, days: Option<i64>) -> Certificate {
        Certificate {
            id: "cert_1".into(),
            status,
            cuit: "20267565393".into(),
            subject: None,
            fingerprint: None,
            not_before: None,
            not_after: days.map(|days| Utc::now() + chrono::Duration::days(days)),
            days_to_expiry: days,
            csr_pem: None,
            created_at: Utc::now(),
        }
    }

    #[test]
    fn the_expiry_is_highlighted_from_thirty_days_and_once_past() {
        let class = |status, days| Row::of(certificate(status, days)).expiry_class();
        assert_eq!(class(Status::Active, Some(31)), "");
        assert_eq!(class(Status::Active, Some(30)), "warn");
        assert_eq!(class(Status::Active, Some(0)), "warn");
        assert_eq!(class(Status::Expired, Some(0)), "danger");
        assert_eq!(class(Status::Expired, Some(-5)), "danger");
        assert_eq!(class(Status::Pending, None), "");
        assert_eq!(
            Row::of(certificate(Status::Expired, Some(-5))).expiry_text,
            "Venció hace 5 días"
        );
    }
}
