//! ARCA's QR (`docs/arca.md §F`) as vector squares: the modules of a QR code of exactly the
//! document's `qr_data`, with a four-module quiet zone.
//!
//! It never builds the payload (the service does, from the approved invoice) and never rasterises.

use krilla::geom::{Path, PathBuilder};
use qrcode::{Color, EcLevel, QrCode};

use crate::RenderError;

/// The quiet zone the QR specification asks for, in modules, on each side.
pub const QUIET_ZONE: usize = 4;

/// A QR code as a path of dark squares inside a `size`×`size` square at (`x`, `y`), quiet zone
/// included.
pub fn path(data: &str, x: f32, y: f32, size: f32) -> Result<Path, RenderError> {
    // Level M: ARCA's URL (about 250 characters) stays near version 10, large enough modules at
    // 28 mm for phone cameras and scanners.
    let code = QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M)
        .map_err(|error| RenderError::Qr(error.to_string()))?;
    let width = code.width();
    let colors = code.to_colors();
    let modules = width + 2 * QUIET_ZONE;
    let module = size / modules as f32;
    let mut builder = PathBuilder::new();
    for row in 0..width {
        let mut column = 0;
        while column < width {
            if colors[row * width + column] != Color::Dark {
                column += 1;
                continue;
            }
            // One rectangle per horizontal run of dark modules keeps the path short.
            let start = column;
            while column < width && colors[row * width + column] == Color::Dark {
                column += 1;
            }
            let left = x + (start + QUIET_ZONE) as f32 * module;
            let top = y + (row + QUIET_ZONE) as f32 * module;
            builder.move_to(left, top);
            builder.line_to(left + (column - start) as f32 * module, top);
            builder.line_to(left + (column - start) as f32 * module, top + module);
            builder.line_to(left, top + module);
            builder.close();
        }
    }
    builder
        .finish()
        .ok_or_else(|| RenderError::Qr("the QR code has no dark module".into()))
}
