//! `arca-api bench pdf`: how fast the invoice renderer (`arca-pdf`) turns a document into its
//! PDF, for invoices of 1, 3 and 30 items (the sample documents of `arca_pdf::samples`).
//!
//! Each render is timed alone, one after another on one thread, after one warm-up render (the
//! embedded fonts are parsed once per process). It never touches a database, the network or the
//! simulator: it measures the renderer alone. A tool, not a test: it asserts no timing.

use std::time::{Duration, Instant};

use anyhow::anyhow;

use super::stats::{ms, percentile};

/// The item counts measured: a ticket, a typical invoice, a long one (two pages).
const ITEM_COUNTS: [usize; 3] = [1, 3, 30];

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Invoices rendered per item count.
    #[arg(long, default_value_t = 200)]
    invoices: usize,
    /// Copies per PDF (1 ORIGINAL, 2 adds DUPLICADO, 3 TRIPLICADO).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=3))]
    copies: u8,
}

/// One item count's figures.
struct Figures {
    items: usize,
    pages: usize,
    latencies: Vec<Duration>,
    wall: Duration,
    bytes: usize,
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    if args.invoices == 0 {
        return Err(anyhow!("--invoices must be at least 1"));
    }
    let copies = arca_pdf::Copy::first(usize::from(args.copies));
    let mut all = Vec::new();
    for items in ITEM_COUNTS {
        let document = arca_pdf::samples::factura_items(items);
        // Warm-up: parses the fonts and checks the document renders at all.
        arca_pdf::render(&document, copies)?;
        let pages = arca_pdf::page_count(&document) * copies.len();
        eprintln!("{items} item(s): {} renders ...", args.invoices);
        let mut latencies = Vec::with_capacity(args.invoices);
        let mut bytes = 0;
        let start = Instant::now();
        for _ in 0..args.invoices {
            let began = Instant::now();
            let pdf = arca_pdf::render(&document, copies)?;
            latencies.push(began.elapsed());
            bytes += pdf.len();
        }
        let wall = start.elapsed();
        latencies.sort_unstable();
        all.push(Figures {
            items,
            pages,
            latencies,
            wall,
            bytes: bytes / args.invoices,
        });
    }
    println!("{}", table(&all, args));
    Ok(())
}

fn table(all: &[Figures], args: &Args) -> String {
    let mut text = format!(
        "arca-api bench pdf: {} renders per row, {} cop{} per PDF, one thread\n\n",
        args.invoices,
        args.copies,
        if args.copies == 1 { "y" } else { "ies" }
    );
    text.push_str(&format!(
        "{:>6} {:>6} {:>9} {:>9} {:>9} {:>10} {:>12}\n",
        "items", "pages", "p50 ms", "p99 ms", "max ms", "PDFs/s", "bytes/PDF"
    ));
    for figures in all {
        let seconds = figures.wall.as_secs_f64();
        let per_second = if seconds > 0.0 {
            figures.latencies.len() as f64 / seconds
        } else {
            0.0
        };
        text.push_str(&format!(
            "{:>6} {:>6} {:>9} {:>9} {:>9} {:>10.1} {:>12}\n",
            figures.items,
            figures.pages,
            ms(percentile(&figures.latencies, 50.0)),
            ms(percentile(&figures.latencies, 99.0)),
            ms(percentile(&figures.latencies, 100.0)),
            per_second,
            figures.bytes,
        ));
    }
    text
}
