//! Writes every sample document as a PDF into the folder given (default `.`), to look at them.

use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| ".".into()));
    for (name, document) in arca_pdf::samples::all() {
        let pdf = arca_pdf::render(&document, arca_pdf::Copy::first(1))?;
        std::fs::write(dir.join(format!("{name}.pdf")), pdf)?;
    }
    Ok(())
}
