//! The printed representation of an Argentine electronic voucher ("representación impresa"):
//! an A4 PDF/A-2b, fonts embedded, with ARCA's QR, rendered in process from an
//! [`InvoiceDocument`].
//!
//! It never reads a database, calls ARCA or looks at the clock: the same document gives the same
//! bytes. What to print comes whole in the [`InvoiceDocument`]; which legends apply (class M,
//! foreign currency, Ley 27.743's transparency block) is decided here from its fields
//! (`docs/arca.md §N`).
//!
//! `layout` places everything (one A4 layout for every class; items flow over pages, the
//! header repeats, totals, CAE and QR close the last page of each copy); [`voucher`] is the
//! `CbteTipo` table (letter, name); [`format`](mod@format) prints figures the Argentine way without floats;
//! `text` shapes and wraps with the embedded DejaVu fonts; `qr` draws ARCA's QR as vector squares;
//! [`samples`] holds documents for the tests and `arca-api bench pdf`.
//!
//! The PDF is written by krilla with its PDF/A-2b validator on: an export that would break a rule
//! krilla checks fails instead of producing a non-conforming file. The file's date is the date of
//! issue and krilla derives its ids from the content, so output is byte-for-byte reproducible.
//! No full PDF/A validator (veraPDF) runs in our tests; see `crates/pdf/tests/render.rs`.

pub mod format;
mod layout;
pub mod model;
mod qr;
pub mod samples;
mod text;
pub mod voucher;

use krilla::configure::{Archival, ConfigurationBuilder, ValidationError};
use krilla::error::KrillaError;
use krilla::geom::Size;
use krilla::image::Image;
use krilla::metadata::{DateTime, Metadata};
use krilla::page::PageSettings;
use krilla::{Document, SerializeSettings};

use chrono::Datelike;

pub use model::*;

/// Why a document could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// The logo is not a PNG or JPEG this renderer can read.
    #[error("the logo could not be read: {0}")]
    Logo(String),
    /// The QR payload does not fit a QR code.
    #[error("the QR payload could not be encoded: {0}")]
    Qr(String),
    #[error("the PDF could not be written: {0}")]
    Pdf(String),
}

/// The largest logo accepted, in pixels per side: a small file can declare a huge image, and the
/// logo is decoded whole on every render.
pub const LOGO_MAX_PIXELS_PER_SIDE: u32 = 4096;

/// Renders `document` as one PDF holding one copy per entry of `copies` (ORIGINAL first); no
/// copies means the ORIGINAL alone.
pub fn render(document: &InvoiceDocument, copies: &[Copy]) -> Result<Vec<u8>, RenderError> {
    let copies = if copies.is_empty() { Copy::first(1) } else { copies };
    let plan = layout::Plan::new(document);
    let logo = document
        .emisor
        .logo
        .as_ref()
        .map(|logo| load_logo(logo.format, &logo.bytes))
        .transpose()?;
    let mut pdf = Document::new_with(settings()?);
    pdf.set_metadata(metadata(document, &plan.title()));
    for &copy in copies {
        for index in 0..plan.page_count() {
            let mut page = pdf.start_page_with(page_settings()?);
            let mut surface = page.surface();
            plan.draw_page(&mut surface, copy, index, logo.as_ref())?;
            surface.finish();
            page.finish();
        }
    }
    pdf.finish().map_err(|error| match &error {
        KrillaError::Image(..) => RenderError::Logo(describe(&error)),
        KrillaError::Validation(errors)
            if errors
                .iter()
                .all(|(error, _)| matches!(error, ValidationError::MissingCMYKProfile)) =>
        {
            RenderError::Logo(describe(&error))
        }
        _ => RenderError::Pdf(describe(&error)),
    })
}

/// What went wrong, in a line: the PDF/A rules broken by name (never a font's or image's dump).
fn describe(error: &KrillaError) -> String {
    match error {
        KrillaError::Validation(errors) => {
            let rules: Vec<String> = errors
                .iter()
                .map(|(error, _)| match error {
                    ValidationError::MissingCMYKProfile => {
                        "a CMYK image needs an ICC colour profile in PDF/A".to_owned()
                    }
                    other => {
                        let debug = format!("{other:?}");
                        debug.split(['(', ' ', '{']).next().unwrap_or_default().to_owned()
                    }
                })
                .collect();
            format!("not PDF/A-2b: {}", rules.join(", "))
        }
        other => other.to_string(),
    }
}

/// The pages one copy of `document` takes (the PDF holds this many per copy).
pub fn page_count(document: &InvoiceDocument) -> usize {
    layout::Plan::new(document).page_count()
}

/// Checks that `bytes` is a logo [`render`] can print: a readable PNG or JPEG of the given
/// format, at most [`LOGO_MAX_PIXELS_PER_SIDE`] pixels per side, that embeds in a PDF/A-2b (a
/// CMYK JPEG without a colour profile does not). For the service to refuse a logo at upload.
pub fn check_logo(format: LogoFormat, bytes: &[u8]) -> Result<(), RenderError> {
    let image = load_logo(format, bytes)?;
    let mut pdf = Document::new_with(settings()?);
    pdf.set_metadata(Metadata::new().title("logo".into()).creation_date(DateTime::new(2000)));
    let mut page = pdf.start_page_with(page_settings()?);
    let mut surface = page.surface();
    let (width, height) = image.size();
    if let Some(size) = Size::from_wh(width as f32, height as f32) {
        surface.draw_image(image, size);
    }
    surface.finish();
    page.finish();
    pdf.finish()
        .map(|_| ())
        .map_err(|error| RenderError::Logo(describe(&error)))
}

fn load_logo(format: LogoFormat, bytes: &[u8]) -> Result<Image, RenderError> {
    let data = bytes.to_vec().into();
    let image = match format {
        LogoFormat::Png => Image::from_png(data, false),
        LogoFormat::Jpeg => Image::from_jpeg(data, false),
    }
    .map_err(RenderError::Logo)?;
    let (width, height) = image.size();
    if width == 0 || height == 0 {
        return Err(RenderError::Logo("the image is empty".into()));
    }
    if width > LOGO_MAX_PIXELS_PER_SIDE || height > LOGO_MAX_PIXELS_PER_SIDE {
        return Err(RenderError::Logo(format!(
            "the image is {width}×{height} pixels; at most {LOGO_MAX_PIXELS_PER_SIDE} per side"
        )));
    }
    Ok(image)
}

/// PDF/A-2b, checked by krilla on export; no tagging (2b does not ask for it).
fn settings() -> Result<SerializeSettings, RenderError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(Archival::A2_B)
        .finish()
        .map_err(|error| RenderError::Pdf(format!("{error:?}")))?;
    Ok(SerializeSettings {
        configuration,
        enable_tagging: false,
        ..SerializeSettings::default()
    })
}

fn page_settings() -> Result<PageSettings, RenderError> {
    PageSettings::from_wh(layout::PAGE_WIDTH, layout::PAGE_HEIGHT)
        .ok_or_else(|| RenderError::Pdf("the A4 page size".into()))
}

/// Title, language and a date taken from the document (the date of issue, Argentine time), so
/// the same document gives the same bytes: krilla derives the file's ids from the content.
fn metadata(document: &InvoiceDocument, title: &str) -> Metadata {
    let date = document.fecha_emision;
    let year = u16::try_from(date.year()).unwrap_or(2000);
    let month = u8::try_from(date.month()).unwrap_or(1);
    let day = u8::try_from(date.day()).unwrap_or(1);
    Metadata::new()
        .title(title.to_owned())
        .language("es-AR".into())
        .creator("arca-api".into())
        .producer("arca-api".into())
        .creation_date(
            DateTime::new(year)
                .month(month)
                .day(day)
                .hour(0)
                .minute(0)
                .second(0)
                .utc_offset_hour(-3)
                .utc_offset_minute(0),
        )
}
