//! The one A4 layout of every voucher class: what goes where, how items wrap and flow over pages,
//! and which blocks and legends a document gets (an FCE MiPyMEs voucher gets its own block: the
//! Ley 27.440 legend, the issuer's CBU and alias, the transfer option, the payment due date and,
//! on notes, whether they annul). [`Plan::new`] decides everything once per
//! document (lines, rows, pages); [`Plan::draw_page`] paints one page of one copy.
//!
//! It never computes a fiscal amount: totals, IVA and subtotals are the document's. The only
//! arithmetic is presentational and exact (a class B unit price shown with its IVA, the class B/C
//! subtotal as total minus other taxes, the sums of the transparency block).

use krilla::color::{luma, rgb};
use krilla::geom::{PathBuilder, Point, Rect, Size};
use krilla::image::Image;
use krilla::paint::{Fill, Stroke};
use krilla::surface::Surface;
use rust_decimal::Decimal;

use crate::RenderError;
use crate::format;
use crate::model::{AuthorizationKind, Copy, InvoiceDocument, Item};
use crate::qr;
use crate::text::{self, BOLD, Face, REGULAR};
use crate::voucher::{self, Letter, VoucherType};

/// A4 in points.
pub const PAGE_WIDTH: f32 = 595.28;
pub const PAGE_HEIGHT: f32 = 841.89;
const MARGIN: f32 = 28.35;
const LEFT: f32 = MARGIN;
const RIGHT: f32 = PAGE_WIDTH - MARGIN;
const WIDTH: f32 = RIGHT - LEFT;
/// Where content ends; the page number sits below.
const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - MARGIN - 14.0;

const COPY_STRIP: f32 = 18.0;
/// The issuer and voucher box is at least this tall (it grows with a logo and long fields).
const HEADER_MIN: f32 = 110.0;
const LETTER_BOX: f32 = 44.0;
const GAP: f32 = 4.0;
const PAD: f32 = 6.0;

const BODY: f32 = 8.0;
const BODY_LEAD: f32 = 11.0;
const TABLE: f32 = 7.0;
const TABLE_LEAD: f32 = 8.8;
const TABLE_HEADER: f32 = 20.0;
const ROW_PAD: f32 = 2.5;

/// The QR with its quiet zone: 28 mm.
const QR_SIZE: f32 = 79.4;
/// What a voucher issued under a CAEA prints beside its authorisation.
pub const CONTINGENCY_LEGEND: &str = "Comprobante emitido en contingencia (CAEA)";
const CAE_BOX: f32 = QR_SIZE + 8.0;

/// Logos are fitted inside this box, keeping their proportions.
const LOGO_MAX_WIDTH: f32 = 150.0;
const LOGO_MAX_HEIGHT: f32 = 42.0;

/// Longest an issuer or receiver field wraps before it is cut with "…".
const HEADER_FIELD_LINES: usize = 3;

#[derive(Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

struct Column {
    title: &'static str,
    width: f32,
    align: Align,
}

/// One item row: each cell's lines, in column order.
struct Row {
    cells: Vec<Vec<String>>,
}

impl Row {
    fn lines(&self) -> usize {
        self.cells.iter().map(Vec::len).max().unwrap_or(1).max(1)
    }
}

/// The part of a row one page shows: its lines `from..to`.
#[derive(Clone, Copy)]
struct RowPart {
    row: usize,
    from: usize,
    to: usize,
}

impl RowPart {
    fn height(&self) -> f32 {
        (self.to - self.from) as f32 * TABLE_LEAD + 2.0 * ROW_PAD
    }
}

/// A label and its value, printed on one line (the value wrapping below when long).
struct Field {
    label: String,
    lines: Vec<String>,
}

/// A line of the totals box.
struct TotalLine {
    label: String,
    value: String,
    strong: bool,
}

/// Everything decided about one document before painting.
pub struct Plan<'d> {
    doc: &'d InvoiceDocument,
    kind: VoucherType,
    number: String,
    issuer_name: Vec<String>,
    issuer_fields: Vec<Field>,
    voucher_name: Vec<String>,
    voucher_fields: Vec<Field>,
    header_height: f32,
    period: Option<String>,
    receiver_left: Vec<Field>,
    receiver_right: Vec<Field>,
    receiver_height: f32,
    associated: Vec<String>,
    /// The FCE block's lines; the first (the Ley 27.440 legend) in bold. Empty on other types.
    fce: Vec<String>,
    currency: Option<String>,
    columns: Vec<Column>,
    rows: Vec<Row>,
    pages: Vec<Vec<RowPart>>,
    totals: Vec<TotalLine>,
    legends: Vec<Legend>,
    summary_height: f32,
}

/// A block on the left of the totals.
enum Legend {
    /// Class M: bold, boxed.
    Retention,
    /// Other taxes, one line each.
    Tributos(Vec<String>),
    /// Ley 27.743: IVA contained and other national indirect taxes.
    Transparency { iva: String, otros: String },
}

impl Legend {
    fn height(&self) -> f32 {
        match self {
            Legend::Retention => 20.0,
            Legend::Tributos(lines) => (lines.len() + 1) as f32 * BODY_LEAD + 4.0,
            Legend::Transparency { .. } => 3.0 * BODY_LEAD + 10.0,
        }
    }
}

const ISSUER_WIDTH: f32 = WIDTH / 2.0 - LETTER_BOX / 2.0 - 2.0 * PAD;
const VOUCHER_X: f32 = LEFT + WIDTH / 2.0 + LETTER_BOX / 2.0 + PAD;
const VOUCHER_WIDTH: f32 = RIGHT - PAD - VOUCHER_X;
const SUMMARY_TOTALS_WIDTH: f32 = 235.0;
const SUMMARY_LEGENDS_WIDTH: f32 = WIDTH - SUMMARY_TOTALS_WIDTH - 3.0 * PAD;

impl<'d> Plan<'d> {
    pub fn new(doc: &'d InvoiceDocument) -> Plan<'d> {
        let kind = voucher::voucher_type(doc.cbte_tipo);
        let symbol = format::currency_symbol(&doc.moneda.codigo).to_owned();
        let number = format::voucher_number(doc.punto_venta, doc.numero);

        let issuer = &doc.emisor;
        let issuer_name = text::wrap_at_most(&BOLD, &issuer.razon_social, 12.0, ISSUER_WIDTH, 2);
        let issuer_fields = vec![
            field("Razón social:", &issuer.razon_social, ISSUER_WIDTH, 1),
            field(
                "Domicilio comercial:",
                &issuer.domicilio_comercial,
                ISSUER_WIDTH,
                HEADER_FIELD_LINES,
            ),
            field("Condición frente al IVA:", &issuer.condicion_iva, ISSUER_WIDTH, 1),
        ];
        let voucher_name = text::wrap_at_most(&BOLD, kind.name, 12.0, VOUCHER_WIDTH, 2);
        let voucher_fields = vec![
            field("Punto de venta y número:", &number, VOUCHER_WIDTH, 1),
            field("Fecha de emisión:", &format::date(doc.fecha_emision), VOUCHER_WIDTH, 1),
            field("CUIT:", &issuer.cuit, VOUCHER_WIDTH, 1),
            field("Ingresos Brutos:", &issuer.ingresos_brutos, VOUCHER_WIDTH, 1),
            field(
                "Fecha de inicio de actividades:",
                &format::date(issuer.inicio_actividades),
                VOUCHER_WIDTH,
                1,
            ),
        ];

        let field_lines = |fields: &[Field]| fields.iter().map(|f| f.lines.len()).sum::<usize>();
        let logo_height = if issuer.logo.is_some() {
            LOGO_MAX_HEIGHT + 4.0
        } else {
            0.0
        };
        let issuer_height =
            logo_height + issuer_name.len() as f32 * 14.0 + 4.0 + field_lines(&issuer_fields) as f32 * BODY_LEAD;
        let voucher_height = voucher_name.len() as f32 * 14.0 + 6.0 + field_lines(&voucher_fields) as f32 * BODY_LEAD;
        let header_height = (issuer_height.max(voucher_height) + 2.0 * PAD + 4.0).max(HEADER_MIN);

        let period = match (doc.concepto, &doc.periodo_servicio) {
            (2 | 3, Some(period)) => Some(format!(
                "Período facturado desde: {}    Hasta: {}    Fecha de vto. para el pago: {}",
                format::date(period.desde),
                format::date(period.hasta),
                format::date(period.vencimiento_pago)
            )),
            _ => None,
        };

        let receiver = &doc.receptor;
        let half = WIDTH / 2.0 - 2.0 * PAD;
        let documento = if receiver.documento_tipo == 99 && receiver.documento_numero.trim_start_matches('0').is_empty()
        {
            "Sin identificar".to_owned()
        } else {
            receiver.documento_numero.clone()
        };
        let receiver_left = vec![
            field(
                &format!("{}:", format::document_type(receiver.documento_tipo)),
                &documento,
                half,
                1,
            ),
            field(
                "Apellido y nombre / Razón social:",
                &receiver.nombre,
                half,
                HEADER_FIELD_LINES,
            ),
            field("Condición de venta:", &receiver.condicion_venta, half, 1),
        ];
        let receiver_right = vec![
            field("Condición frente al IVA:", &receiver.condicion_iva, half, 1),
            field(
                "Domicilio:",
                receiver.domicilio.as_deref().unwrap_or("—"),
                half,
                HEADER_FIELD_LINES,
            ),
        ];
        let receiver_height =
            field_lines(&receiver_left).max(field_lines(&receiver_right)) as f32 * BODY_LEAD + 2.0 * PAD;

        let associated = if doc.comprobantes_asociados.is_empty() {
            Vec::new()
        } else {
            let list = doc
                .comprobantes_asociados
                .iter()
                .map(|assoc| {
                    let kind = voucher::voucher_type(assoc.cbte_tipo);
                    let mut text = format!(
                        "{} {} {}",
                        kind.title,
                        kind.letter.as_str(),
                        format::voucher_number(assoc.punto_venta, assoc.numero)
                    );
                    if let Some(fecha) = assoc.fecha {
                        text.push_str(&format!(" del {}", format::date(fecha)));
                    }
                    text
                })
                .collect::<Vec<_>>()
                .join("; ");
            text::wrap(
                &REGULAR,
                &format!("Comprobantes asociados: {list}"),
                BODY,
                WIDTH - 2.0 * PAD,
            )
        };

        let fce = fce_lines(doc, kind);

        let currency = (doc.moneda.codigo != "PES").then(|| {
            let name = format::currency_name(&doc.moneda.codigo).unwrap_or("");
            format!(
                "Moneda: {name} ({}). Importes expresados en esa moneda. Tipo de cambio: $ {} por unidad",
                doc.moneda.codigo,
                format::rate(doc.moneda.cotizacion)
            )
        });

        let itemises = kind.letter.itemises_iva();
        let columns = columns(itemises);
        let rows = doc
            .items
            .iter()
            .map(|item| row(item, itemises, &columns))
            .collect::<Vec<_>>();

        let totals = totals(doc, kind, &symbol);
        let legends = legends(doc, kind, &symbol);
        let legends_height: f32 = legends.iter().map(Legend::height).sum::<f32>();
        let totals_height = totals.len() as f32 * 13.0 + 2.0 * PAD;
        let summary_height = totals_height.max(legends_height + 2.0 * PAD);

        let mut plan = Plan {
            doc,
            kind,
            number,
            issuer_name,
            issuer_fields,
            voucher_name,
            voucher_fields,
            header_height,
            period,
            receiver_left,
            receiver_right,
            receiver_height,
            associated,
            fce,
            currency,
            columns,
            rows,
            pages: Vec::new(),
            totals,
            legends,
            summary_height,
        };
        plan.paginate();
        plan
    }

    /// Pages per copy.
    pub fn page_count(&self) -> usize {
        self.pages.len()
    }

    /// The document title: "Factura B 00001-00000042".
    pub fn title(&self) -> String {
        match self.kind.letter {
            Letter::None => format!("{} {}", self.kind.title, self.number),
            letter => format!("{} {} {}", self.kind.title, letter.as_str(), self.number),
        }
    }

    /// The y where the items table starts (the same on every page).
    fn items_top(&self) -> f32 {
        let mut y = MARGIN + COPY_STRIP + self.header_height + GAP;
        if self.period.is_some() {
            y += 18.0 + GAP;
        }
        y += self.receiver_height + GAP;
        if !self.associated.is_empty() {
            y += self.associated.len() as f32 * BODY_LEAD + 2.0 * PAD - 3.0 + GAP;
        }
        if !self.fce.is_empty() {
            y += self.fce.len() as f32 * BODY_LEAD + 2.0 * PAD - 3.0 + GAP;
        }
        if self.currency.is_some() {
            y += 18.0 + GAP;
        }
        y
    }

    /// Where the last page's summary (totals, legends) starts.
    fn summary_top(&self) -> f32 {
        CONTENT_BOTTOM - CAE_BOX - GAP - self.summary_height - GAP
    }

    /// Flows the rows over pages: a full page of rows while they last, and the summary, CAE and
    /// QR on the last page (a page of its own when the rows leave no room for them). A row taller
    /// than a whole page is split between lines.
    fn paginate(&mut self) {
        let rows_top = self.items_top() + TABLE_HEADER;
        let full = CONTENT_BOTTOM - rows_top;
        let last = self.summary_top() - rows_top;
        let mut pages: Vec<Vec<RowPart>> = Vec::new();
        let mut page: Vec<RowPart> = Vec::new();
        let mut used = 0.0;
        for (index, row) in self.rows.iter().enumerate() {
            let lines = row.lines();
            let mut from = 0;
            while from < lines {
                let whole = RowPart {
                    row: index,
                    from,
                    to: lines,
                };
                if used + whole.height() <= full {
                    used += whole.height();
                    page.push(whole);
                    from = lines;
                    continue;
                }
                if page.is_empty() || whole.height() > full {
                    // Taller than what is left: as many lines as fit here, the rest further on.
                    let mut fit = 0;
                    while used + (fit + 1) as f32 * TABLE_LEAD + 2.0 * ROW_PAD <= full {
                        fit += 1;
                    }
                    if page.is_empty() {
                        // Never an empty page: a header that leaves no room still moves on.
                        fit = fit.max(1);
                    }
                    if fit > 0 {
                        page.push(RowPart {
                            row: index,
                            from,
                            to: from + fit,
                        });
                        from += fit;
                    }
                }
                pages.push(std::mem::take(&mut page));
                used = 0.0;
            }
        }
        let overflows = used > last;
        pages.push(page);
        if overflows {
            pages.push(Vec::new());
        }
        self.pages = pages;
    }

    /// Paints page `index` (0-based) of `copy`.
    pub fn draw_page(
        &self,
        surface: &mut Surface<'_>,
        copy: Copy,
        index: usize,
        logo: Option<&Image>,
    ) -> Result<(), RenderError> {
        self.draw_header(surface, copy, logo);
        let mut y = MARGIN + COPY_STRIP + self.header_height + GAP;
        if let Some(period) = &self.period {
            stroke_rect(surface, LEFT, y, WIDTH, 18.0);
            draw_text(surface, &REGULAR, BODY, LEFT + PAD, y + 12.0, period);
            y += 18.0 + GAP;
        }
        self.draw_receiver(surface, y);
        y += self.receiver_height + GAP;
        if !self.associated.is_empty() {
            let height = self.associated.len() as f32 * BODY_LEAD + 2.0 * PAD - 3.0;
            stroke_rect(surface, LEFT, y, WIDTH, height);
            for (line_index, line) in self.associated.iter().enumerate() {
                let baseline = y + PAD + 7.0 + line_index as f32 * BODY_LEAD;
                draw_text(surface, &REGULAR, BODY, LEFT + PAD, baseline, line);
            }
            y += height + GAP;
        }
        if !self.fce.is_empty() {
            let height = self.fce.len() as f32 * BODY_LEAD + 2.0 * PAD - 3.0;
            stroke_rect(surface, LEFT, y, WIDTH, height);
            for (line_index, line) in self.fce.iter().enumerate() {
                let baseline = y + PAD + 7.0 + line_index as f32 * BODY_LEAD;
                let face: &Face = if line_index == 0 { &BOLD } else { &REGULAR };
                draw_text(surface, face, BODY, LEFT + PAD, baseline, line);
            }
            y += height + GAP;
        }
        if let Some(currency) = &self.currency {
            stroke_rect(surface, LEFT, y, WIDTH, 18.0);
            draw_text(surface, &BOLD, BODY, LEFT + PAD, y + 12.0, currency);
            y += 18.0 + GAP;
        }
        self.draw_items(surface, y, &self.pages[index]);
        if index + 1 == self.pages.len() {
            self.draw_summary(surface);
            self.draw_authorization(surface)?;
        } else {
            draw_text_right(
                surface,
                &REGULAR,
                TABLE,
                RIGHT,
                CONTENT_BOTTOM - 2.0,
                "Continúa en la página siguiente",
            );
        }
        draw_text_center(
            surface,
            &REGULAR,
            BODY,
            LEFT + WIDTH / 2.0,
            PAGE_HEIGHT - MARGIN - 1.0,
            &format!("Página {} de {}", index + 1, self.pages.len()),
        );
        Ok(())
    }

    fn draw_header(&self, surface: &mut Surface<'_>, copy: Copy, logo: Option<&Image>) {
        let top = MARGIN;
        stroke_rect(surface, LEFT, top, WIDTH, COPY_STRIP);
        draw_text_center(surface, &BOLD, 11.0, LEFT + WIDTH / 2.0, top + 13.0, copy.label());

        let box_top = top + COPY_STRIP;
        stroke_rect(surface, LEFT, box_top, WIDTH, self.header_height);
        let center = LEFT + WIDTH / 2.0;
        // The letter box straddles the middle line, at the top.
        fill_rect(surface, center - LETTER_BOX / 2.0, box_top, LETTER_BOX, LETTER_BOX, 255);
        stroke_rect(surface, center - LETTER_BOX / 2.0, box_top, LETTER_BOX, LETTER_BOX);
        line(
            surface,
            center,
            box_top + LETTER_BOX,
            center,
            box_top + self.header_height,
        );
        draw_text_center(surface, &BOLD, 26.0, center, box_top + 28.0, self.kind.letter.as_str());
        draw_text_center(
            surface,
            &BOLD,
            6.5,
            center,
            box_top + LETTER_BOX - 5.0,
            &format!("COD. {:03}", self.kind.code),
        );

        // Issuer, left.
        let x = LEFT + PAD;
        let mut y = box_top + PAD;
        if let Some(image) = logo {
            let (width, height) = image.size();
            let (width, height) = (width.max(1) as f32, height.max(1) as f32);
            let scale = (LOGO_MAX_WIDTH / width).min(LOGO_MAX_HEIGHT / height);
            if let Some(size) = Size::from_wh(width * scale, height * scale) {
                surface.push_transform(&krilla::geom::Transform::from_translate(x, y));
                surface.draw_image(image.clone(), size);
                surface.pop();
            }
            y += LOGO_MAX_HEIGHT + 4.0;
        }
        for line_text in &self.issuer_name {
            y += 14.0;
            draw_text(surface, &BOLD, 12.0, x, y, line_text);
        }
        y += 4.0;
        for field in &self.issuer_fields {
            y = draw_field(surface, x, y, field);
        }

        // Voucher, right.
        let x = VOUCHER_X;
        let mut y = box_top + PAD;
        for line_text in &self.voucher_name {
            y += 14.0;
            draw_text(surface, &BOLD, 12.0, x, y, line_text);
        }
        y += 6.0;
        for field in &self.voucher_fields {
            y = draw_field(surface, x, y, field);
        }
    }

    fn draw_receiver(&self, surface: &mut Surface<'_>, top: f32) {
        stroke_rect(surface, LEFT, top, WIDTH, self.receiver_height);
        let mut y = top + PAD - 3.0;
        for field in &self.receiver_left {
            y = draw_field(surface, LEFT + PAD, y, field);
        }
        let mut y = top + PAD - 3.0;
        for field in &self.receiver_right {
            y = draw_field(surface, LEFT + WIDTH / 2.0 + PAD, y, field);
        }
    }

    fn draw_items(&self, surface: &mut Surface<'_>, top: f32, parts: &[RowPart]) {
        fill_rect(surface, LEFT, top, WIDTH, TABLE_HEADER, 225);
        stroke_rect(surface, LEFT, top, WIDTH, TABLE_HEADER);
        let mut x = LEFT;
        for column in &self.columns {
            let titles = text::wrap(&BOLD, column.title, TABLE, column.width - 4.0);
            let first = top + if titles.len() > 1 { 8.0 } else { 12.5 };
            for (index, title) in titles.iter().enumerate() {
                draw_text_center(
                    surface,
                    &BOLD,
                    TABLE,
                    x + column.width / 2.0,
                    first + index as f32 * TABLE_LEAD,
                    title,
                );
            }
            x += column.width;
        }
        let mut y = top + TABLE_HEADER;
        for part in parts {
            let row = &self.rows[part.row];
            let mut x = LEFT;
            for (column, cell) in self.columns.iter().zip(&row.cells) {
                let end = part.to.min(cell.len());
                let start = part.from.min(end);
                for (offset, line_text) in cell[start..end].iter().enumerate() {
                    let baseline = y + ROW_PAD + 6.5 + offset as f32 * TABLE_LEAD;
                    match column.align {
                        Align::Left => draw_text(surface, &REGULAR, TABLE, x + 2.5, baseline, line_text),
                        Align::Right => {
                            draw_text_right(surface, &REGULAR, TABLE, x + column.width - 2.5, baseline, line_text)
                        }
                        Align::Center => {
                            draw_text_center(surface, &REGULAR, TABLE, x + column.width / 2.0, baseline, line_text)
                        }
                    }
                }
                x += column.width;
            }
            y += part.height();
            line_gray(surface, LEFT, y, RIGHT, y);
        }
    }

    fn draw_summary(&self, surface: &mut Surface<'_>) {
        let top = self.summary_top();
        stroke_rect(surface, LEFT, top, WIDTH, self.summary_height);
        // Totals, right: labels right-aligned against the widest value.
        let widest = self
            .totals
            .iter()
            .map(|total| text::width(&BOLD, &total.value, 9.5))
            .fold(85.0_f32, f32::max);
        let label_right = RIGHT - PAD - widest - 10.0;
        let mut y = top + PAD;
        for total in &self.totals {
            y += 13.0;
            let face: &Face = if total.strong { &BOLD } else { &REGULAR };
            let size = if total.strong { 9.5 } else { BODY };
            draw_text_right(surface, &BOLD, size, label_right, y - 2.0, &total.label);
            draw_text_right(surface, face, size, RIGHT - PAD, y - 2.0, &total.value);
        }
        // Legends, left.
        let x = LEFT + PAD;
        let mut y = top + PAD;
        for legend in &self.legends {
            match legend {
                Legend::Retention => {
                    stroke_rect(surface, x, y, SUMMARY_LEGENDS_WIDTH, 16.0);
                    draw_text_center(
                        surface,
                        &BOLD,
                        9.0,
                        x + SUMMARY_LEGENDS_WIDTH / 2.0,
                        y + 11.5,
                        "OPERACIÓN SUJETA A RETENCIÓN",
                    );
                }
                Legend::Tributos(lines) => {
                    draw_text(surface, &BOLD, BODY, x, y + 9.0, "Otros tributos:");
                    for (index, line_text) in lines.iter().enumerate() {
                        let baseline = y + 9.0 + (index + 1) as f32 * BODY_LEAD;
                        draw_text(surface, &REGULAR, BODY, x + 6.0, baseline, line_text);
                    }
                }
                Legend::Transparency { iva, otros } => {
                    stroke_rect(surface, x, y, SUMMARY_LEGENDS_WIDTH, legend.height() - 4.0);
                    draw_text(
                        surface,
                        &BOLD,
                        BODY,
                        x + 4.0,
                        y + 11.0,
                        "Régimen de Transparencia Fiscal al Consumidor (Ley 27.743)",
                    );
                    draw_text(
                        surface,
                        &REGULAR,
                        BODY,
                        x + 4.0,
                        y + 11.0 + BODY_LEAD,
                        &format!("IVA Contenido: {iva}"),
                    );
                    draw_text(
                        surface,
                        &REGULAR,
                        BODY,
                        x + 4.0,
                        y + 11.0 + 2.0 * BODY_LEAD,
                        &format!("Otros Impuestos Nacionales Indirectos: {otros}"),
                    );
                }
            }
            y += legend.height();
        }
    }

    fn draw_authorization(&self, surface: &mut Surface<'_>) -> Result<(), RenderError> {
        let top = CONTENT_BOTTOM - CAE_BOX;
        stroke_rect(surface, LEFT, top, WIDTH, CAE_BOX);
        let qr = qr::path(&self.doc.qr_data, LEFT + 4.0, top + 4.0, QR_SIZE)?;
        surface.set_stroke(None);
        surface.set_fill(Some(Fill {
            paint: luma::Color::black().into(),
            ..Fill::default()
        }));
        surface.draw_path(&qr);

        let x = LEFT + QR_SIZE + 14.0;
        draw_text(surface, &BOLD, 13.0, x, top + 30.0, "ARCA");
        draw_text(surface, &BOLD, 9.0, x, top + 46.0, "Comprobante Autorizado");
        draw_text(
            surface,
            &REGULAR,
            6.5,
            x,
            top + 60.0,
            "Consulte su validez escaneando el código QR.",
        );
        if self.doc.autorizacion.kind == AuthorizationKind::Caea {
            // Issued on a contingency point of sale under the fortnight's CAEA (RG 5782/2025).
            draw_text(surface, &BOLD, 7.5, x, top + 74.0, CONTINGENCY_LEGEND);
        }

        let authorization = &self.doc.autorizacion;
        let (code_label, due_label) = match authorization.kind {
            AuthorizationKind::Cae => ("CAE N°:", "Fecha de Vto. de CAE:"),
            AuthorizationKind::Caea => ("CAEA N°:", "Fecha de Vto. de CAEA:"),
        };
        let value_x = RIGHT - PAD;
        let label_right = value_x - 90.0;
        draw_text_right(surface, &BOLD, 9.5, label_right, top + 32.0, code_label);
        draw_text_right(surface, &REGULAR, 9.5, value_x, top + 32.0, &authorization.codigo);
        draw_text_right(surface, &BOLD, 9.5, label_right, top + 48.0, due_label);
        draw_text_right(
            surface,
            &REGULAR,
            9.5,
            value_x,
            top + 48.0,
            &format::date(authorization.vencimiento),
        );
        Ok(())
    }
}

fn field(label: &str, value: &str, width: f32, max_lines: usize) -> Field {
    let label_width = text::width(&BOLD, label, BODY) + 3.0;
    // The first line shares its width with the label; the rest use the whole width, so wrap
    // with the narrower one.
    let lines = text::wrap_at_most(&REGULAR, value, BODY, width - label_width, max_lines);
    Field {
        label: label.to_owned(),
        lines,
    }
}

/// Draws "Label: value" below `y`; returns the new `y`.
fn draw_field(surface: &mut Surface<'_>, x: f32, y: f32, field: &Field) -> f32 {
    let mut y = y + BODY_LEAD;
    draw_text(surface, &BOLD, BODY, x, y, &field.label);
    let value_x = x + text::width(&BOLD, &field.label, BODY) + 3.0;
    for (index, line_text) in field.lines.iter().enumerate() {
        if index > 0 {
            y += BODY_LEAD;
        }
        draw_text(surface, &REGULAR, BODY, value_x, y, line_text);
    }
    y
}

fn columns(itemises: bool) -> Vec<Column> {
    let mut columns = vec![
        Column {
            title: "Código",
            width: 48.0,
            align: Align::Left,
        },
        Column {
            title: "Producto / Servicio",
            width: 0.0,
            align: Align::Left,
        },
        Column {
            title: "Cantidad",
            width: 44.0,
            align: Align::Right,
        },
        Column {
            title: "U. Medida",
            width: 44.0,
            align: Align::Center,
        },
        Column {
            title: "Precio Unit.",
            width: 58.0,
            align: Align::Right,
        },
        Column {
            title: "% Bonif.",
            width: 34.0,
            align: Align::Right,
        },
        Column {
            title: "Subtotal",
            width: 62.0,
            align: Align::Right,
        },
    ];
    if itemises {
        columns.push(Column {
            title: "Alícuota IVA",
            width: 38.0,
            align: Align::Right,
        });
        columns.push(Column {
            title: "Subtotal c/IVA",
            width: 64.0,
            align: Align::Right,
        });
    }
    let fixed: f32 = columns.iter().map(|column| column.width).sum();
    columns[1].width = WIDTH - fixed;
    columns
}

fn row(item: &Item, itemises: bool, columns: &[Column]) -> Row {
    let cell = |index: usize, value: &str| text::wrap(&REGULAR, value, TABLE, columns[index].width - 5.0);
    let mut cells = vec![
        cell(0, item.codigo.as_deref().unwrap_or("")),
        cell(1, &item.descripcion),
        cell(2, &format::quantity(item.cantidad)),
        cell(3, &item.unidad),
    ];
    if itemises {
        cells.push(cell(4, &format::amount(item.precio_unitario)));
        cells.push(cell(5, &format::percent(item.bonificacion)));
        cells.push(cell(6, &format::amount(item.subtotal)));
        let rate = item
            .iva_alicuota
            .map(|rate| format!("{}%", format::percent(rate)))
            .unwrap_or_else(|| "—".to_owned());
        cells.push(cell(7, &rate));
        cells.push(cell(8, &format::amount(item.subtotal_con_iva)));
    } else {
        // Classes B and C show prices as the buyer pays them: with the IVA they contain.
        let price = match item.iva_alicuota {
            Some(rate) => item.precio_unitario * (Decimal::ONE + rate / Decimal::ONE_HUNDRED),
            None => item.precio_unitario,
        };
        cells.push(cell(4, &format::amount(price)));
        cells.push(cell(5, &format::percent(item.bonificacion)));
        cells.push(cell(6, &format::amount(item.subtotal_con_iva)));
    }
    Row { cells }
}

fn totals(doc: &InvoiceDocument, kind: VoucherType, symbol: &str) -> Vec<TotalLine> {
    let totals = &doc.totales;
    let line = |label: &str, value: Decimal| TotalLine {
        label: label.to_owned(),
        value: format::money(symbol, value),
        strong: false,
    };
    let mut lines = Vec::new();
    if kind.letter.itemises_iva() {
        lines.push(line("Importe Neto Gravado:", totals.neto_gravado));
        let mut iva = totals.iva.clone();
        iva.sort_by_key(|entry| std::cmp::Reverse(entry.0));
        for (rate, amount) in iva {
            lines.push(line(&format!("IVA {}%:", format::percent(rate)), amount));
        }
        lines.push(line("Importe No Gravado:", totals.no_gravado));
        lines.push(line("Importe Exento:", totals.exento));
    } else {
        lines.push(line("Subtotal:", totals.total - totals.tributos_total()));
    }
    lines.push(line("Importe Otros Tributos:", totals.tributos_total()));
    lines.push(TotalLine {
        strong: true,
        ..line("Importe Total:", totals.total)
    });
    lines
}

/// ARCA's national indirect taxes among the other taxes (`docs/arca.md §N.3`): the document
/// carries their descriptions only, so they are recognised by ARCA's own names.
fn is_national_indirect(description: &str) -> bool {
    let lower = description.to_lowercase();
    lower.starts_with("impuestos internos")
        || lower.starts_with("impuesto interno")
        || lower.starts_with("impuestos nacionales")
        || lower.starts_with("impuesto nacional")
}

/// The legend every FCE MiPyMEs voucher prints.
pub const FCE_LEGEND: &str = "Factura de Crédito Electrónica MiPyMEs (FCE) — Régimen de la Ley N° 27.440";

/// The FCE block of an FCE voucher (types 201–213): the Ley 27.440 legend, then the CBU and
/// alias, the transfer option, the payment due date, whether a note annuls and the commercial
/// references, each wrapped to the page. Empty for other types.
fn fce_lines(doc: &InvoiceDocument, kind: VoucherType) -> Vec<String> {
    if !voucher::is_fce(kind.code) {
        return Vec::new();
    }
    let fce = doc.fce.clone().unwrap_or_default();
    let mut lines = vec![FCE_LEGEND.to_owned()];
    let mut payment = Vec::new();
    if let Some(cbu) = &fce.cbu {
        payment.push(format!("CBU del emisor: {cbu}"));
    }
    if let Some(alias) = &fce.alias {
        payment.push(format!("Alias: {alias}"));
    }
    if !payment.is_empty() {
        lines.push(payment.join("    "));
    }
    let mut terms = Vec::new();
    if let Some(transferencia) = &fce.transferencia {
        terms.push(format!("Opción de transferencia: {transferencia}"));
    }
    if let Some(vencimiento) = fce.vencimiento_pago {
        terms.push(format!(
            "Fecha de vencimiento para el pago: {}",
            format::date(vencimiento)
        ));
    }
    if !terms.is_empty() {
        lines.push(terms.join("    "));
    }
    if let Some(anulacion) = fce.anulacion {
        lines.push(
            if anulacion {
                "Anulación: Sí (anula el comprobante asociado)"
            } else {
                "Anulación: No"
            }
            .to_owned(),
        );
    }
    if !fce.referencias_comerciales.is_empty() {
        lines.push(format!(
            "Referencias comerciales: {}",
            fce.referencias_comerciales.join("; ")
        ));
    }
    lines
        .iter()
        .enumerate()
        .flat_map(|(index, line)| {
            let face: &Face = if index == 0 { &BOLD } else { &REGULAR };
            text::wrap_at_most(face, line, BODY, WIDTH - 2.0 * PAD, 3)
        })
        .collect()
}

fn legends(doc: &InvoiceDocument, kind: VoucherType, symbol: &str) -> Vec<Legend> {
    let mut legends = Vec::new();
    if kind.letter == Letter::M {
        legends.push(Legend::Retention);
    }
    if kind.letter == Letter::B && doc.receptor.condicion_iva_id == 5 {
        let otros: Decimal = doc
            .totales
            .tributos
            .iter()
            .filter(|(description, _)| is_national_indirect(description))
            .map(|(_, amount)| *amount)
            .sum();
        legends.push(Legend::Transparency {
            iva: format::money(symbol, doc.totales.iva_total()),
            otros: format::money(symbol, otros),
        });
    }
    if !doc.totales.tributos.is_empty() {
        let lines = doc
            .totales
            .tributos
            .iter()
            .flat_map(|(description, amount)| {
                text::wrap_at_most(
                    &REGULAR,
                    &format!("{description}: {}", format::money(symbol, *amount)),
                    BODY,
                    SUMMARY_LEGENDS_WIDTH - 6.0,
                    2,
                )
            })
            .collect();
        legends.push(Legend::Tributos(lines));
    }
    legends
}

fn draw_text(surface: &mut Surface<'_>, face: &Face, size: f32, x: f32, y: f32, value: &str) {
    if value.is_empty() {
        return;
    }
    let shaped = text::shape(face, &text::printable(face, value));
    surface.set_stroke(None);
    surface.set_fill(Some(Fill::default()));
    surface.draw_glyphs(
        Point::from_xy(x, y),
        &shaped.glyphs,
        face.font.clone(),
        &shaped.text,
        size,
        false,
    );
}

fn draw_text_right(surface: &mut Surface<'_>, face: &Face, size: f32, x: f32, y: f32, value: &str) {
    let width = text::width(face, &text::printable(face, value), size);
    draw_text(surface, face, size, x - width, y, value);
}

fn draw_text_center(surface: &mut Surface<'_>, face: &Face, size: f32, x: f32, y: f32, value: &str) {
    let width = text::width(face, &text::printable(face, value), size);
    draw_text(surface, face, size, x - width / 2.0, y, value);
}

fn stroke_rect(surface: &mut Surface<'_>, x: f32, y: f32, width: f32, height: f32) {
    let Some(rect) = Rect::from_xywh(x, y, width, height) else {
        return;
    };
    let mut builder = PathBuilder::new();
    builder.push_rect(rect);
    let Some(path) = builder.finish() else {
        return;
    };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        width: 0.8,
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}

fn fill_rect(surface: &mut Surface<'_>, x: f32, y: f32, width: f32, height: f32, gray: u8) {
    let Some(rect) = Rect::from_xywh(x, y, width, height) else {
        return;
    };
    let mut builder = PathBuilder::new();
    builder.push_rect(rect);
    let Some(path) = builder.finish() else {
        return;
    };
    surface.set_stroke(None);
    surface.set_fill(Some(Fill {
        paint: luma::Color::new(gray).into(),
        ..Fill::default()
    }));
    surface.draw_path(&path);
}

fn line(surface: &mut Surface<'_>, x1: f32, y1: f32, x2: f32, y2: f32) {
    line_with(surface, x1, y1, x2, y2, 0.8, 0);
}

fn line_gray(surface: &mut Surface<'_>, x1: f32, y1: f32, x2: f32, y2: f32) {
    line_with(surface, x1, y1, x2, y2, 0.4, 190);
}

fn line_with(surface: &mut Surface<'_>, x1: f32, y1: f32, x2: f32, y2: f32, width: f32, gray: u8) {
    let mut builder = PathBuilder::new();
    builder.move_to(x1, y1);
    builder.line_to(x2, y2);
    let Some(path) = builder.finish() else {
        return;
    };
    surface.set_fill(None);
    surface.set_stroke(Some(Stroke {
        width,
        paint: rgb::Color::new(gray, gray, gray).into(),
        ..Stroke::default()
    }));
    surface.draw_path(&path);
    surface.set_stroke(None);
}
