//! Writes every sample document as a PDF into the folder given (default `.`), to look at them;
//! a second argument, a PNG or JPEG file, is used as the issuer's logo.

use std::path::PathBuf;

use arca_pdf::{Logo, LogoFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| ".".into()));
    let logo = match args.next() {
        Some(path) => {
            let format = if path.ends_with(".png") {
                LogoFormat::Png
            } else {
                LogoFormat::Jpeg
            };
            Some(Logo {
                format,
                bytes: std::fs::read(path)?,
            })
        }
        None => None,
    };
    for (name, mut document) in arca_pdf::samples::all() {
        document.emisor.logo.clone_from(&logo);
        let pdf = arca_pdf::render(&document, arca_pdf::Copy::first(1))?;
        std::fs::write(dir.join(format!("{name}.pdf")), pdf)?;
    }
    Ok(())
}
