//! What every dashboard page shares: the [`Layout`] (account, navigation, CSRF token for the
//! sign-out form, the notice a redirect left), [`render`] for askama templates, [`redirect`]
//! (303 See Other, so a form post becomes a page read), and [`PageError`], the error page.
//!
//! It never renders a domain error's internals: a [`PageError`] built from an API error shows
//! the same status, detail, field messages and hint the API would send, and a 500 only says that
//! something failed (the cause is logged once, here).

use askama::Template;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use super::assets;
use super::session::Session;
use crate::http::error::{ApiError, FieldError};

/// The section a page belongs to, highlighted in the navigation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Invoices,
    NewInvoice,
    Customers,
    PointsOfSale,
    Certificates,
    ApiKeys,
    Webhooks,
    Usage,
    Contingency,
}

impl Nav {
    /// Every section, in the navigation's order: (section, path, label).
    pub const ALL: [(Nav, &'static str, &'static str); 9] = [
        (Nav::Invoices, "/dashboard/invoices", "Comprobantes"),
        (Nav::NewInvoice, "/dashboard/invoices/new", "Nuevo comprobante"),
        (Nav::Customers, "/dashboard/customers", "Clientes"),
        (Nav::PointsOfSale, "/dashboard/points-of-sale", "Puntos de venta"),
        (Nav::Certificates, "/dashboard/certificates", "Certificados"),
        (Nav::ApiKeys, "/dashboard/api-keys", "Claves API"),
        (Nav::Webhooks, "/dashboard/webhooks", "Webhooks"),
        (Nav::Usage, "/dashboard/usage", "Uso"),
        (Nav::Contingency, "/dashboard/contingency", "Contingencia"),
    ];
}

/// A message a redirect asks the next page to show (`?aviso=<code>`). Only these codes exist,
/// so a link cannot make a page say anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    SignedOut,
    SessionEnded,
    Saved,
    Deleted,
    KeyRevoked,
    CertificateUploaded,
    Synced,
    EmailQueued,
    Cancelled,
    DeliveryRetried,
    WebhookCreated,
}

impl Notice {
    const ALL: [Notice; 11] = [
        Notice::SignedOut,
        Notice::SessionEnded,
        Notice::Saved,
        Notice::Deleted,
        Notice::KeyRevoked,
        Notice::CertificateUploaded,
        Notice::Synced,
        Notice::EmailQueued,
        Notice::Cancelled,
        Notice::DeliveryRetried,
        Notice::WebhookCreated,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Notice::SignedOut => "sesion-cerrada",
            Notice::SessionEnded => "sesion-vencida",
            Notice::Saved => "guardado",
            Notice::Deleted => "eliminado",
            Notice::KeyRevoked => "clave-revocada",
            Notice::CertificateUploaded => "certificado-cargado",
            Notice::Synced => "sincronizado",
            Notice::EmailQueued => "email-encolado",
            Notice::Cancelled => "anulado",
            Notice::DeliveryRetried => "entrega-reintentada",
            Notice::WebhookCreated => "webhook-creado",
        }
    }

    pub fn text(self) -> &'static str {
        match self {
            Notice::SignedOut => "Cerraste la sesión.",
            Notice::SessionEnded => "La sesión terminó (vencida, cerrada o su clave fue revocada). Volvé a ingresar.",
            Notice::Saved => "Cambios guardados.",
            Notice::Deleted => "Eliminado.",
            Notice::KeyRevoked => "Clave revocada: sus sesiones terminaron.",
            Notice::CertificateUploaded => "Certificado cargado.",
            Notice::Synced => "Puntos de venta sincronizados con ARCA.",
            Notice::EmailQueued => "Email encolado: se envía en segundos.",
            Notice::Cancelled => "Comprobante anulado con una nota de crédito.",
            Notice::DeliveryRetried => "Entrega reintentada.",
            Notice::WebhookCreated => "Webhook creado.",
        }
    }

    pub fn from_code(code: &str) -> Option<Notice> {
        Notice::ALL.into_iter().find(|notice| notice.code() == code)
    }
}

/// The hashed URLs of the stylesheet and the script.
#[derive(Debug, Clone)]
pub struct AssetUrls {
    pub css: &'static str,
    pub js: &'static str,
}

impl AssetUrls {
    pub fn get() -> AssetUrls {
        AssetUrls {
            css: assets::css_url(),
            js: assets::js_url(),
        }
    }
}

/// What the layout template (`templates/dashboard/base.html`) reads from every page: each
/// page's template struct has a `layout: Layout` field.
#[derive(Debug, Clone)]
pub struct Layout {
    pub title: String,
    pub nav: Nav,
    pub account_name: String,
    pub csrf: String,
    pub notice: Option<Notice>,
    pub assets: AssetUrls,
}

impl Layout {
    pub fn new(session: &Session, nav: Nav, title: impl Into<String>) -> Layout {
        Layout {
            title: title.into(),
            nav,
            account_name: session.account_name.clone(),
            csrf: session.csrf.clone(),
            notice: session.notice,
            assets: AssetUrls::get(),
        }
    }

    /// The navigation's entries: (path, label, whether it is this page's section).
    pub fn nav_items(&self) -> Vec<(&'static str, &'static str, bool)> {
        Nav::ALL
            .iter()
            .map(|(nav, path, label)| (*path, *label, *nav == self.nav))
            .collect()
    }
}

/// A template rendered into an HTML answer.
pub fn render(template: &impl Template) -> Result<Response, PageError> {
    let html = template.render().map_err(|error| {
        tracing::error!(%error, "dashboard template failed to render");
        PageError::internal()
    })?;
    Ok(Html(html).into_response())
}

/// 303 See Other to `location` (a path of this origin).
pub fn redirect(location: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// 303 to `path` with a notice for the next page.
pub fn redirect_with(path: &str, notice: Notice) -> Response {
    let separator = if path.contains('?') { '&' } else { '?' };
    redirect(&format!("{path}{separator}aviso={}", notice.code()))
}

/// The messages a form shows next to its fields: the API's field errors, by field name.
#[derive(Debug, Clone, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    /// The message for `field` (exact name, or a nested one such as `items[0].cantidad`), if any.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// Messages whose field starts with `prefix` (e.g. `items[0].`).
    pub fn starting_with(&self, prefix: &str) -> Vec<&FieldError> {
        self.0.iter().filter(|error| error.field.starts_with(prefix)).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// An error page: the status, a title, the detail, and what to do.
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub detail: String,
    pub hint: Option<String>,
    pub fields: FieldErrors,
    /// ARCA's codes and messages, when ARCA refused.
    pub arca: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "dashboard/error.html")]
struct ErrorPage<'a> {
    error: &'a PageError,
    title: &'a str,
    assets: AssetUrls,
}

impl PageError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> PageError {
        PageError {
            status,
            detail: detail.into(),
            hint: None,
            fields: FieldErrors::default(),
            arca: Vec::new(),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> PageError {
        PageError::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found() -> PageError {
        PageError::new(StatusCode::NOT_FOUND, "No existe, o no es de esta cuenta.")
    }

    /// 403: the form's CSRF token is missing or not this session's, or it came from another site.
    pub fn csrf() -> PageError {
        PageError::new(
            StatusCode::FORBIDDEN,
            "El formulario venció o no vino de esta página (falta el token CSRF o no coincide). Recargá la página y volvé a intentar.",
        )
    }

    pub fn internal() -> PageError {
        PageError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Algo falló de nuestro lado. Volvé a intentar en unos segundos.",
        )
    }

    fn title(&self) -> &'static str {
        match self.status.as_u16() {
            400 | 422 => "Datos inválidos",
            401 => "Sin sesión",
            402 => "Cupo agotado",
            403 => "No permitido",
            404 => "No encontrado",
            409 => "Conflicto",
            429 => "Demasiados pedidos",
            503 | 504 => "Servicio no disponible",
            500..=599 => "Error",
            _ => "Error",
        }
    }
}

impl From<ApiError> for PageError {
    fn from(error: ApiError) -> PageError {
        error.log_cause();
        let problem = error.problem();
        if error.status() == StatusCode::NOT_FOUND {
            return PageError::not_found();
        }
        PageError {
            status: error.status(),
            detail: problem.detail,
            hint: problem.hint,
            fields: FieldErrors(problem.errors),
            arca: problem
                .arca_errors
                .into_iter()
                .map(|error| (error.code, error.message))
                .collect(),
        }
    }
}

impl From<crate::Error> for PageError {
    fn from(error: crate::Error) -> PageError {
        PageError::from(ApiError::from(error))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            error: &self,
            title: self.title(),
            assets: AssetUrls::get(),
        };
        let mut response = match page.render() {
            Ok(html) => Html(html).into_response(),
            Err(_) => self.detail.clone().into_response(),
        };
        *response.status_mut() = self.status;
        response
    }
}
