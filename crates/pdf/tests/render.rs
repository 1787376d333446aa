//! The printed invoice read back by real tools: poppler's `pdftotext`, `pdfinfo`, `pdffonts`
//! and `pdftoppm`, `zbarimg` for the QR, `qpdf --check` for the file's structure. Every sample
//! class (A, B, C, M, a credit note, dollars, services, 40 items) is rendered and checked for
//! its mandatory fields with the document's values, the legends that apply and the absence of
//! those that do not.
//!
//! A missing tool fails the test naming its Debian package (`.ci/run` installs them); nothing is
//! skipped. veraPDF is not available here: PDF/A is checked by krilla on export plus the XMP
//! declaration and embedded fonts below, not by a full validator.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output};

use arca_pdf::samples;
use arca_pdf::{Copy, InvoiceDocument, Logo, LogoFormat, RenderError, format, render};
use rust_decimal::Decimal;

/// Runs `program` with `args`; a missing program fails naming the Debian `package`.
fn run(program: &str, package: &str, args: &[&str]) -> Output {
    let output = Command::new(program).args(args).output().unwrap_or_else(|error| {
        panic!(
            "`{program}` could not run ({error}): install the Debian package `{package}` \
                 (apt-get install -y {package}); .ci/run's packages stage does"
        )
    });
    assert!(
        output.status.success(),
        "`{program} {}` failed: {}\n{}",
        args.join(" "),
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A rendered PDF in a temporary folder, for the tools to read.
struct Pdf {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl Pdf {
    fn render(document: &InvoiceDocument, copies: &[Copy]) -> Pdf {
        let bytes = render(document, copies).expect("the document renders");
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("invoice.pdf");
        let mut file = std::fs::File::create(&path).expect("the PDF file");
        file.write_all(&bytes).expect("the PDF written");
        Pdf { dir, path }
    }

    fn path(&self) -> &str {
        self.path.to_str().expect("a UTF-8 path")
    }

    /// `pdftotext -layout` of the whole file.
    fn text(&self) -> String {
        stdout(&run("pdftotext", "poppler-utils", &["-layout", self.path(), "-"]))
    }

    /// `pdftotext -layout` of one page (1-based).
    fn page_text(&self, page: usize) -> String {
        let page = page.to_string();
        stdout(&run(
            "pdftotext",
            "poppler-utils",
            &["-layout", "-f", &page, "-l", &page, self.path(), "-"],
        ))
    }

    fn pages(&self) -> usize {
        let info = stdout(&run("pdfinfo", "poppler-utils", &[self.path()]));
        info.lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .and_then(|count| count.trim().parse().ok())
            .expect("pdfinfo reports the pages")
    }

    /// The QR of page `page` (1-based), rendered at 200 dpi and decoded by zbar.
    fn qr(&self, page: usize) -> String {
        let prefix = self.dir.path().join(format!("page-{page}"));
        let prefix = prefix.to_str().expect("a UTF-8 path");
        let page_arg = page.to_string();
        run(
            "pdftoppm",
            "poppler-utils",
            &[
                "-r",
                "200",
                "-png",
                "-singlefile",
                "-f",
                &page_arg,
                "-l",
                &page_arg,
                self.path(),
                prefix,
            ],
        );
        let png = format!("{prefix}.png");
        stdout(&run("zbarimg", "zbar-tools", &["--raw", "-q", &png]))
            .trim_end_matches('\n')
            .to_owned()
    }
}

/// `text` with runs of spaces made one, so a label and its value read as one phrase.
fn squeeze(text: &str) -> String {
    text.lines()
        .map(|line| line.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join("\n")
}

fn assert_has(text: &str, needle: &str, what: &str) {
    assert!(text.contains(needle), "{what}: `{needle}` missing from:\n{text}");
}

fn assert_lacks(text: &str, needle: &str, what: &str) {
    assert!(!text.contains(needle), "{what}: `{needle}` should not be in:\n{text}");
}

fn money(document: &InvoiceDocument, value: Decimal) -> String {
    format::money(format::currency_symbol(&document.moneda.codigo), value)
}

/// The fields every voucher prints, with this document's values.
fn assert_mandatory_fields(name: &str, document: &InvoiceDocument, text: &str) {
    let kind = arca_pdf::voucher::voucher_type(document.cbte_tipo);
    let code = match document.autorizacion.kind {
        arca_pdf::AuthorizationKind::Cae => "CAE",
        arca_pdf::AuthorizationKind::Caea => "CAEA",
    };
    let checks = [
        (kind.name.to_owned(), "voucher name"),
        (kind.letter.as_str().to_owned(), "letter"),
        (format!("COD. {:03}", document.cbte_tipo), "voucher code"),
        (
            format::voucher_number(document.punto_venta, document.numero),
            "punto de venta-número",
        ),
        (
            format!("Fecha de emisión: {}", format::date(document.fecha_emision)),
            "date",
        ),
        (document.emisor.razon_social.clone(), "issuer name"),
        (format!("CUIT: {}", document.emisor.cuit), "issuer CUIT"),
        (
            format!("Condición frente al IVA: {}", document.emisor.condicion_iva),
            "issuer IVA condition",
        ),
        (
            format!("Ingresos Brutos: {}", document.emisor.ingresos_brutos),
            "ingresos brutos",
        ),
        (
            format!(
                "Fecha de inicio de actividades: {}",
                format::date(document.emisor.inicio_actividades)
            ),
            "inicio de actividades",
        ),
        ("Domicilio comercial:".to_owned(), "issuer address label"),
        (document.receptor.nombre.clone(), "receiver name"),
        (
            format!(
                "{}: {}",
                format::document_type(document.receptor.documento_tipo),
                document.receptor.documento_numero
            ),
            "receiver document",
        ),
        (
            format!("Condición frente al IVA: {}", document.receptor.condicion_iva),
            "receiver IVA condition",
        ),
        (
            format!("Condición de venta: {}", document.receptor.condicion_venta),
            "condición de venta",
        ),
        (format!("{code} N°: {}", document.autorizacion.codigo), "CAE"),
        (
            format!(
                "Fecha de Vto. de {code}: {}",
                format::date(document.autorizacion.vencimiento)
            ),
            "CAE due date",
        ),
        (
            format!("Importe Total: {}", money(document, document.totales.total)),
            "total",
        ),
        (
            format!(
                "Importe Otros Tributos: {}",
                money(document, document.totales.tributos_total())
            ),
            "otros tributos",
        ),
        ("ORIGINAL".to_owned(), "copy label"),
    ];
    for (needle, what) in checks {
        assert_has(text, &needle, &format!("{name}: {what}"));
    }
    if let Some(domicilio) = &document.receptor.domicilio {
        assert_has(
            text,
            &format!("Domicilio: {domicilio}"),
            &format!("{name}: receiver address"),
        );
    }
    for item in &document.items {
        let first_word = item.descripcion.split_whitespace().next().unwrap_or_default();
        assert_has(text, first_word, &format!("{name}: item description"));
        if let Some(codigo) = &item.codigo {
            assert_has(text, codigo, &format!("{name}: item code"));
        }
    }
}

fn assert_itemises_iva(name: &str, document: &InvoiceDocument, text: &str) {
    assert_has(text, "Alícuota", &format!("{name}: IVA column"));
    assert_has(text, "Subtotal c/IVA", &format!("{name}: subtotal with IVA column"));
    let totals = &document.totales;
    assert_has(
        text,
        &format!("Importe Neto Gravado: {}", money(document, totals.neto_gravado)),
        name,
    );
    assert_has(
        text,
        &format!("Importe No Gravado: {}", money(document, totals.no_gravado)),
        name,
    );
    assert_has(
        text,
        &format!("Importe Exento: {}", money(document, totals.exento)),
        name,
    );
    for (rate, amount) in &totals.iva {
        assert_has(
            text,
            &format!("IVA {}%: {}", format::percent(*rate), money(document, *amount)),
            &format!("{name}: IVA per rate"),
        );
    }
    for item in &document.items {
        assert_has(text, &format::amount(item.subtotal_con_iva), &format!("{name}: item"));
        assert_has(text, &format::amount(item.subtotal), &format!("{name}: item"));
    }
}

fn assert_no_iva_detail(name: &str, document: &InvoiceDocument, text: &str) {
    assert_lacks(text, "Alícuota", &format!("{name}: no IVA column"));
    assert_lacks(text, "Subtotal c/IVA", &format!("{name}: no IVA column"));
    assert_lacks(text, "Importe Neto Gravado", &format!("{name}: no IVA breakdown"));
    assert_lacks(text, "IVA 21%", &format!("{name}: no IVA breakdown"));
    let subtotal = document.totales.total - document.totales.tributos_total();
    assert_has(text, &format!("Subtotal: {}", money(document, subtotal)), name);
    for item in &document.items {
        assert_has(text, &format::amount(item.subtotal_con_iva), &format!("{name}: item"));
    }
}

const TRANSPARENCY: &str = "Régimen de Transparencia Fiscal al Consumidor (Ley 27.743)";
const RETENTION: &str = "OPERACIÓN SUJETA A RETENCIÓN";

fn rendered(document: &InvoiceDocument) -> (Pdf, String) {
    let pdf = Pdf::render(document, Copy::first(1));
    let text = squeeze(&pdf.text());
    (pdf, text)
}

#[test]
fn factura_a_prints_every_field_and_the_iva_detail() {
    let document = samples::factura_a();
    let (_pdf, text) = rendered(&document);
    assert_mandatory_fields("A", &document, &text);
    assert_itemises_iva("A", &document, &text);
    assert_has(&text, "FACTURA", "A");
    assert_has(&text, "Percepción IIBB Buenos Aires: $ 150,00", "A: other tax detail");
    assert_lacks(&text, TRANSPARENCY, "A: no transparency block");
    assert_lacks(&text, RETENTION, "A: no class M legend");
    assert_lacks(&text, "Moneda:", "A in pesos: no currency legend");
    assert_lacks(&text, "Período facturado", "A of products: no service period");
    assert_lacks(&text, "Comprobantes asociados", "A: no associated vouchers");
}

#[test]
fn factura_b_to_a_consumer_shows_the_iva_it_contains() {
    let document = samples::factura_b();
    let (_pdf, text) = rendered(&document);
    assert_mandatory_fields("B", &document, &text);
    assert_no_iva_detail("B", &document, &text);
    assert_has(&text, TRANSPARENCY, "B to a consumer");
    assert_has(
        &text,
        &format!("IVA Contenido: {}", money(&document, document.totales.iva_total())),
        "B: IVA contained",
    );
    assert_has(&text, "Otros Impuestos Nacionales Indirectos: $ 0,00", "B");
    assert_lacks(&text, RETENTION, "B");
    // Prices with their IVA: 1.250,50 × 1,21.
    assert_has(&text, "1.513,105", "B: unit price with IVA");
}

#[test]
fn factura_c_has_no_iva_anywhere() {
    let document = samples::factura_c();
    let (_pdf, text) = rendered(&document);
    assert_mandatory_fields("C", &document, &text);
    assert_no_iva_detail("C", &document, &text);
    assert_lacks(&text, TRANSPARENCY, "C: the transparency block is for class B");
    assert_lacks(&text, "IVA Contenido", "C");
    assert_has(&text, "COD. 011", "C");
}

#[test]
fn factura_m_carries_the_retention_legend() {
    let document = samples::factura_m();
    let (_pdf, text) = rendered(&document);
    assert_mandatory_fields("M", &document, &text);
    assert_itemises_iva("M", &document, &text);
    assert_has(&text, RETENTION, "M");
    assert_has(&text, "COD. 051", "M");
    assert_lacks(&text, TRANSPARENCY, "M");
}

#[test]
fn a_credit_note_cites_its_invoice() {
    let document = samples::nota_credito_a();
    let (_pdf, text) = rendered(&document);
    assert_mandatory_fields("NC A", &document, &text);
    assert_itemises_iva("NC A", &document, &text);
    assert_has(&text, "NOTA DE CRÉDITO", "NC A");
    assert_has(
        &text,
        "Comprobantes asociados: Factura A 00001-00000041 del 01/12/2026",
        "NC A",
    );
}

#[test]
fn a_dollar_invoice_names_its_currency_and_rate() {
    let document = samples::factura_dolares();
    let (_pdf, text) = rendered(&document);
    assert_mandatory_fields("USD", &document, &text);
    assert_itemises_iva("USD", &document, &text);
    assert_has(&text, "Moneda: Dólar Estadounidense (DOL)", "USD");
    assert_has(&text, "Tipo de cambio: $ 1.050,50", "USD");
    assert_has(&text, "Importe Total: US$ ", "USD amounts");
}

#[test]
fn a_service_invoice_prints_its_period_and_due_date() {
    let document = samples::factura_servicios();
    let (_pdf, text) = rendered(&document);
    assert_mandatory_fields("services", &document, &text);
    assert_has(
        &text,
        "Período facturado desde: 01/11/2026 Hasta: 30/11/2026 Fecha de vto. para el pago: 15/12/2026",
        "services",
    );
    // A class B receiver that is not a consumidor final: no transparency block.
    assert_lacks(&text, TRANSPARENCY, "services to an exempt receiver");
}

#[test]
fn forty_items_flow_over_pages_with_the_header_on_each() {
    let document = samples::factura_items(40);
    let (pdf, text) = rendered(&document);
    assert_mandatory_fields("40 items", &document, &text);
    assert_itemises_iva("40 items", &document, &text);
    let pages = pdf.pages();
    assert!(pages > 1, "40 items fit on {pages} page");
    assert_eq!(arca_pdf::page_count(&document), pages);
    assert_has(&text, &format!("Página 1 de {pages}"), "40 items");
    for page in 1..=pages {
        let page_text = squeeze(&pdf.page_text(page));
        assert_has(&page_text, &format!("Página {page} de {pages}"), "page number");
        assert_has(&page_text, "Panadería La Espiga S.R.L.", "header on every page");
        assert_has(&page_text, "00001-00000042", "number on every page");
        let last = page == pages;
        assert_eq!(
            page_text.contains("Importe Total:"),
            last,
            "totals on the last page only"
        );
        assert_eq!(page_text.contains("CAE N°:"), last, "CAE on the last page only");
    }
    assert_eq!(pdf.qr(pages), document.qr_data, "the QR is on the last page");
    // Every item is there once.
    for index in 5..40 {
        assert_has(&text, &format!("(lote {})", index + 1), "item");
    }
}

#[test]
fn a_caea_voucher_prints_its_caea_and_the_contingency_legend() {
    let document = samples::factura_b_caea();
    let (pdf, text) = rendered(&document);
    assert_mandatory_fields("B CAEA", &document, &text);
    assert_has(&text, "CAEA N°: 36123456789012", "CAEA label and code");
    assert_has(&text, "Fecha de Vto. de CAEA:", "CAEA due label");
    assert_has(
        &text,
        "Comprobante emitido en contingencia (CAEA)",
        "contingency legend",
    );
    assert_lacks(&text, "CAE N°:", "no CAE label");
    assert!(pdf.qr(pdf.pages()).contains("p="), "a QR");
    assert_eq!(pdf.qr(pdf.pages()), document.qr_data);
    let (_pdf, cae_text) = rendered(&samples::factura_b());
    assert_lacks(&cae_text, "contingencia", "a CAE voucher has no contingency legend");
}

#[test]
fn the_qr_decodes_to_exactly_qr_data_for_every_sample() {
    for (name, document) in samples::all() {
        let pdf = Pdf::render(&document, Copy::first(1));
        assert_eq!(pdf.qr(pdf.pages()), document.qr_data, "{name}");
        assert!(document.qr_data.starts_with("https://www.afip.gob.ar/fe/qr/?p="));
    }
}

#[test]
fn qpdf_finds_no_error_in_any_sample() {
    for (name, document) in samples::all() {
        let pdf = Pdf::render(&document, Copy::first(3));
        let output = run("qpdf", "qpdf", &["--check", pdf.path()]);
        let report = stdout(&output);
        assert!(
            report.contains("No syntax or stream encoding errors found"),
            "{name}: {report}"
        );
    }
}

#[test]
fn the_file_declares_pdf_a_2b_embeds_its_fonts_and_has_a_title() {
    let pdf = Pdf::render(&samples::factura_b(), Copy::first(1));
    let meta = stdout(&run("pdfinfo", "poppler-utils", &["-meta", pdf.path()]));
    let declares = |key: &str, value: &str| {
        meta.contains(&format!("<pdfaid:{key}>{value}</pdfaid:{key}>"))
            || meta.contains(&format!("pdfaid:{key}=\"{value}\""))
    };
    assert!(declares("part", "2"), "XMP lacks pdfaid:part 2:\n{meta}");
    assert!(declares("conformance", "B"), "XMP lacks pdfaid:conformance B:\n{meta}");

    let info = stdout(&run("pdfinfo", "poppler-utils", &[pdf.path()]));
    assert!(info.contains("Factura B 00001-00000042"), "title:\n{info}");
    assert!(info.contains("595.28 x 841.89 pts (A4)"), "A4:\n{info}");

    let fonts = stdout(&run("pdffonts", "poppler-utils", &[pdf.path()]));
    let rows: Vec<&str> = fonts.lines().skip(2).collect();
    assert!(rows.len() >= 2, "both faces are used:\n{fonts}");
    for row in rows {
        // name, type (two words), encoding, emb, sub, uni, object, generation
        let columns: Vec<&str> = row.split_whitespace().collect();
        let emb = columns[columns.len() - 5];
        assert_eq!(emb, "yes", "a font is not embedded:\n{fonts}");
        assert!(row.contains("DejaVuSans"), "an unexpected font:\n{fonts}");
    }
}

#[test]
fn three_copies_are_three_page_sets_labelled_in_order() {
    let document = samples::factura_items(40);
    let single = Pdf::render(&document, Copy::first(1)).pages();
    let pdf = Pdf::render(&document, Copy::first(3));
    assert_eq!(pdf.pages(), 3 * single);
    for (set, label) in ["ORIGINAL", "DUPLICADO", "TRIPLICADO"].iter().enumerate() {
        for page in 1..=single {
            let text = squeeze(&pdf.page_text(set * single + page));
            assert_has(&text, label, "copy label");
            assert_has(&text, &format!("Página {page} de {single}"), "numbered per copy");
        }
    }
    assert_eq!(pdf.qr(3 * single), document.qr_data, "each copy has its QR");
}

#[test]
fn rendering_is_deterministic() {
    for (name, document) in samples::all() {
        let first = render(&document, Copy::first(2)).expect("renders");
        let second = render(&document, Copy::first(2)).expect("renders");
        assert!(first == second, "{name}: two renders differ");
    }
    // A changed document changes the bytes (the file ids derive from the content).
    let mut other = samples::factura_a();
    other.numero += 1;
    assert_ne!(
        render(&samples::factura_a(), Copy::first(1)).expect("renders"),
        render(&other, Copy::first(1)).expect("renders")
    );
}

/// Set in the child process of [`rendering_is_the_same_in_another_process`]: where to write.
const CHILD_OUTPUT: &str = "ARCA_PDF_TEST_RENDER_TO";

#[test]
fn rendering_is_the_same_in_another_process() {
    let document = samples::factura_items(30);
    let bytes = render(&document, Copy::first(2)).expect("renders");
    if let Ok(path) = std::env::var(CHILD_OUTPUT) {
        std::fs::write(path, bytes).expect("the child writes its PDF");
        return;
    }
    // This same test, run again in a fresh process (fresh hash seeds, fresh font caches).
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("child.pdf");
    let exe = std::env::current_exe().expect("the test binary");
    let output = Command::new(exe)
        .args([
            "--exact",
            "rendering_is_the_same_in_another_process",
            "--test-threads",
            "1",
        ])
        .env(CHILD_OUTPUT, &path)
        .output()
        .expect("the child runs");
    assert!(
        output.status.success(),
        "the child failed: {}",
        String::from_utf8_lossy(&output.stdout)
    );
    let child = std::fs::read(&path).expect("the child's PDF");
    assert!(child == bytes, "another process rendered different bytes");
}

/// A 120×40 logo: a dark bar on white, so it survives JPEG.
fn logo_pixels() -> (u32, u32, Vec<u8>) {
    let (width, height) = (120u32, 40u32);
    let mut pixels = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let dark = (10..30).contains(&y) && (10..110).contains(&x);
            let value = if dark { 20 } else { 250 };
            pixels.extend_from_slice(&[value, value / 2, 200]);
        }
    }
    (width, height, pixels)
}

fn png_logo() -> Vec<u8> {
    let (width, height, pixels) = logo_pixels();
    let mut bytes = Vec::new();
    let mut encoder = png::Encoder::new(&mut bytes, width, height);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().expect("PNG header");
    writer.write_image_data(&pixels).expect("PNG data");
    writer.finish().expect("PNG end");
    bytes
}

fn jpeg_logo() -> Vec<u8> {
    let (width, height, pixels) = logo_pixels();
    let mut bytes = Vec::new();
    let encoder = jpeg_encoder::Encoder::new(&mut bytes, 90);
    encoder
        .encode(
            &pixels,
            u16::try_from(width).expect("width"),
            u16::try_from(height).expect("height"),
            jpeg_encoder::ColorType::Rgb,
        )
        .expect("JPEG");
    bytes
}

fn with_logo(format: LogoFormat, bytes: Vec<u8>) -> InvoiceDocument {
    let mut document = samples::factura_a();
    document.emisor.logo = Some(Logo { format, bytes });
    document
}

/// The number of images on the first page, by `pdfimages -list`.
fn images(pdf: &Pdf) -> usize {
    let list = stdout(&run("pdfimages", "poppler-utils", &["-list", pdf.path()]));
    list.lines().skip(2).count()
}

#[test]
fn png_and_jpeg_logos_render() {
    for (format, bytes) in [(LogoFormat::Png, png_logo()), (LogoFormat::Jpeg, jpeg_logo())] {
        arca_pdf::check_logo(format, &bytes).expect("a good logo passes the check");
        let document = with_logo(format, bytes);
        let pdf = Pdf::render(&document, Copy::first(1));
        assert_eq!(images(&pdf), 1, "{format:?}: the logo is in the PDF");
        run("qpdf", "qpdf", &["--check", pdf.path()]);
        assert_eq!(pdf.qr(1), document.qr_data, "{format:?}: the logo leaves the QR alone");
        let text = squeeze(&pdf.text());
        assert_mandatory_fields("with a logo", &document, &text);
    }
    let pdf = Pdf::render(&samples::factura_a(), Copy::first(1));
    assert_eq!(images(&pdf), 0, "no logo, no image");
}

fn cmyk_jpeg_logo() -> Vec<u8> {
    let (width, height) = (16u16, 16u16);
    let pixels = vec![30u8; usize::from(width) * usize::from(height) * 4];
    let mut bytes = Vec::new();
    jpeg_encoder::Encoder::new(&mut bytes, 90)
        .encode(&pixels, width, height, jpeg_encoder::ColorType::Cmyk)
        .expect("JPEG");
    bytes
}

#[test]
fn a_cmyk_jpeg_without_a_profile_is_refused() {
    let result = arca_pdf::check_logo(LogoFormat::Jpeg, &cmyk_jpeg_logo());
    match result {
        Err(RenderError::Logo(message)) => assert!(message.contains("CMYK"), "{message}"),
        other => panic!("{other:?}"),
    }
    let rendered = render(&with_logo(LogoFormat::Jpeg, cmyk_jpeg_logo()), Copy::first(1));
    assert!(matches!(rendered, Err(RenderError::Logo(_))), "{rendered:?}");
}

#[test]
fn unreadable_logos_are_refused() {
    let garbage = b"not an image at all".to_vec();
    assert!(matches!(
        arca_pdf::check_logo(LogoFormat::Png, &garbage),
        Err(RenderError::Logo(_))
    ));
    assert!(matches!(
        arca_pdf::check_logo(LogoFormat::Jpeg, &garbage),
        Err(RenderError::Logo(_))
    ));
    // A PNG declared as a JPEG, and a PNG cut in half.
    assert!(arca_pdf::check_logo(LogoFormat::Jpeg, &png_logo()).is_err());
    let png = png_logo();
    let cut = png[..png.len() / 2].to_vec();
    assert!(arca_pdf::check_logo(LogoFormat::Png, &cut).is_err());
    assert!(matches!(
        render(&with_logo(LogoFormat::Png, cut), Copy::first(1)),
        Err(RenderError::Logo(_))
    ));
}

#[test]
fn text_outside_the_font_still_renders() {
    let mut document = samples::factura_b();
    document.receptor.nombre = "Café 🍕 del \u{E000} Centro\tS.A.".into();
    document.items[0].descripcion = "x".repeat(500);
    let (_pdf, text) = rendered(&document);
    assert_has(&text, "Café ? del ? Centro S.A.", "unprintable characters become ?");
}

#[test]
fn every_voucher_type_prints_its_letter_name_and_code() {
    for kind in arca_pdf::voucher::all() {
        let mut document = samples::factura_a();
        document.cbte_tipo = kind.code;
        let (pdf, text) = rendered(&document);
        let what = format!("CbteTipo {}", kind.code);
        assert_has(&text, &format!("COD. {:03}", kind.code), &what);
        // The name may wrap in its column: its first two words are on the first line.
        let start: Vec<&str> = kind.name.split_whitespace().take(2).collect();
        assert_has(&text, &start.join(" "), &what);
        let letter = kind.letter.as_str();
        if !letter.is_empty() {
            let title = squeeze(&stdout(&run("pdfinfo", "poppler-utils", &[pdf.path()])));
            assert_has(
                &title,
                &format!("{} {letter} 00001-00000042", kind.title),
                &format!("{what}: title"),
            );
        }
        assert_eq!(
            text.contains(RETENTION),
            kind.letter == arca_pdf::voucher::Letter::M,
            "{what}: the retention legend is class M's"
        );
    }
}

#[test]
fn national_indirect_taxes_count_in_the_transparency_block() {
    let mut document = samples::factura_b();
    let internos = Decimal::new(12_345, 2);
    let provincial = Decimal::new(5_000, 2);
    document.totales.tributos = vec![
        ("Impuestos Internos".into(), internos),
        ("Percepción IIBB Córdoba".into(), provincial),
    ];
    document.totales.total += internos + provincial;
    let (_pdf, text) = rendered(&document);
    assert_has(&text, "Otros Impuestos Nacionales Indirectos: $ 123,45", "internos");
    assert_has(&text, "Importe Otros Tributos: $ 173,45", "both taxes");
    assert_has(&text, "Impuestos Internos: $ 123,45", "the detail");
}

#[test]
fn a_description_longer_than_a_page_continues_on_the_next() {
    let mut document = samples::factura_a();
    let words: Vec<String> = (1..=1500).map(|n| format!("palabra{n}")).collect();
    document.items[1].descripcion = words.join(" ");
    let (pdf, text) = rendered(&document);
    let pages = pdf.pages();
    assert!(pages >= 3, "{pages} pages");
    assert_eq!(arca_pdf::page_count(&document), pages);
    assert_has(&text, "palabra1 ", "the start");
    assert_has(&text, "palabra1500", "the end");
    assert_has(&text, "TOR-003", "the next item");
    assert_eq!(pdf.qr(pages), document.qr_data);
}

#[test]
fn a_caea_invoice_names_its_code_as_caea() {
    let mut document = samples::factura_b();
    document.autorizacion.kind = arca_pdf::AuthorizationKind::Caea;
    document.autorizacion.codigo = "36491234567890".into();
    document.qr_data = samples::qr_url(&document);
    let (pdf, text) = rendered(&document);
    assert_has(&text, "CAEA N°: 36491234567890", "CAEA");
    assert_has(
        &text,
        &format!(
            "Fecha de Vto. de CAEA: {}",
            format::date(document.autorizacion.vencimiento)
        ),
        "CAEA due date",
    );
    assert_lacks(&text, "CAE N°:", "CAEA");
    assert_eq!(pdf.qr(1), document.qr_data);
}

#[test]
fn an_fce_invoice_prints_its_regime_cbu_transfer_option_and_due_date() {
    let document = samples::factura_fce_a();
    let (_pdf, text) = rendered(&document);
    // The long name wraps in its column: read the page as one line.
    let text = text.replace('\n', " ");
    assert_mandatory_fields("FCE A", &document, &text);
    assert_itemises_iva("FCE A", &document, &text);
    assert_has(&text, "FACTURA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)", "FCE A: title");
    assert_has(&text, "COD. 201", "FCE A");
    assert_has(
        &text,
        "Factura de Crédito Electrónica MiPyMEs (FCE) — Régimen de la Ley N° 27.440",
        "FCE A: legend",
    );
    assert_has(
        &text,
        "CBU del emisor: 2850590940090418135201 Alias: almacen.sur.pagos",
        "FCE A: CBU and alias",
    );
    assert_has(
        &text,
        "Opción de transferencia: Sistema de Circulación Abierta (SCA) Fecha de vencimiento para el pago: 05/01/2027",
        "FCE A: transfer option and due date",
    );
    assert_has(&text, "Referencias comerciales: Orden de compra 4512", "FCE A");
    assert_lacks(&text, "Anulación", "FCE A: invoices do not annul");
}

#[test]
fn an_fce_credit_note_says_it_annuls() {
    let document = samples::nota_credito_fce_a();
    let (_pdf, text) = rendered(&document);
    let text = text.replace('\n', " ");
    assert_mandatory_fields("NC FCE A", &document, &text);
    assert_has(&text, "NOTA DE CRÉDITO ELECTRÓNICA MiPyMEs (FCE)", "NC FCE A");
    assert_has(&text, "Régimen de la Ley N° 27.440", "NC FCE A");
    assert_has(&text, "Anulación: Sí (anula el comprobante asociado)", "NC FCE A");
    assert_lacks(
        &text,
        "Fecha de vencimiento para el pago",
        "NC FCE A: no due date given",
    );
}

#[test]
fn ordinary_vouchers_print_no_fce_block() {
    for (name, document) in samples::all() {
        if arca_pdf::voucher::is_fce(document.cbte_tipo) {
            continue;
        }
        let (_pdf, text) = rendered(&document);
        assert_lacks(&text, "27.440", name);
    }
}
