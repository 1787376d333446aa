//! Sample documents, one per case the layout distinguishes: classes A, B, C and M, a credit note
//! A with its associated voucher, an invoice in dollars, a service invoice, and invoices of any
//! number of items. The renderer's tests and `arca-api bench pdf` print these.
//!
//! They are fiction with consistent figures (each total is the sum of its parts, computed
//! exactly and rounded to cents as ARCA's amounts are); they never reach ARCA.

use base64::Engine;
use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::model::*;

/// The issuer's CUIT in every sample.
pub const ISSUER_CUIT: &str = "30712345674";
/// The receiver's CUIT in the samples to a business.
pub const RECEIVER_CUIT: &str = "20111111112";
/// The CAE of every sample.
pub const CAE: &str = "76123456789012";

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or_default()
}

fn cents(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// The date of issue of every sample.
pub fn fecha() -> NaiveDate {
    date(2026, 12, 5)
}

fn issuer() -> Issuer {
    Issuer {
        razon_social: "Panadería La Espiga S.R.L.".into(),
        cuit: ISSUER_CUIT.into(),
        domicilio_comercial: "Av. Corrientes 1234, Piso 3, C1043AAZ Ciudad Autónoma de Buenos Aires".into(),
        condicion_iva: "IVA Responsable Inscripto".into(),
        ingresos_brutos: "901-123456-7".into(),
        inicio_actividades: date(2015, 3, 1),
        logo: None,
    }
}

fn business() -> Receiver {
    Receiver {
        nombre: "Distribuidora del Sur S.A.".into(),
        documento_tipo: 80,
        documento_numero: RECEIVER_CUIT.into(),
        condicion_iva_id: 1,
        condicion_iva: "IVA Responsable Inscripto".into(),
        domicilio: Some("Calle 7 N° 456, La Plata, Buenos Aires".into()),
        condicion_venta: "Cuenta corriente".into(),
    }
}

fn consumer() -> Receiver {
    Receiver {
        nombre: "María José Fernández".into(),
        documento_tipo: 96,
        documento_numero: "30111222".into(),
        condicion_iva_id: 5,
        condicion_iva: "Consumidor Final".into(),
        domicilio: None,
        condicion_venta: "Contado".into(),
    }
}

const PRODUCTS: &[(&str, &str, &str)] = &[
    ("PAN-001", "Pan francés", "kg"),
    ("FAC-002", "Facturas surtidas (docena)", "docenas"),
    (
        "TOR-003",
        "Torta de chocolate con dulce de leche y merengue italiano, decorada",
        "unidades",
    ),
    ("HAR-004", "Harina 000 en bolsa de 25 kg", "bolsas"),
    (
        "SER-005",
        "Servicio de catering para eventos corporativos, incluye vajilla y personal",
        "horas",
    ),
];

/// An item `index` (0-based) with IVA `rate` (percent) or none (`None`: exempt).
fn item(index: usize, rate: Option<Decimal>) -> Item {
    let (codigo, descripcion, unidad) = PRODUCTS[index % PRODUCTS.len()];
    let step = Decimal::from(u32::try_from(index).unwrap_or(0));
    let precio_unitario = Decimal::new(125_050, 2) + step * Decimal::new(1_075, 2);
    let cantidad = Decimal::from(u32::try_from(index % 3 + 1).unwrap_or(1));
    let bonificacion = if index % 4 == 3 { Decimal::TEN } else { Decimal::ZERO };
    let subtotal = cents(precio_unitario * cantidad * (Decimal::ONE_HUNDRED - bonificacion) / Decimal::ONE_HUNDRED);
    let iva = rate.map_or(Decimal::ZERO, |rate| cents(subtotal * rate / Decimal::ONE_HUNDRED));
    Item {
        codigo: Some(codigo.into()),
        descripcion: if index < PRODUCTS.len() {
            descripcion.into()
        } else {
            format!("{descripcion} (lote {})", index + 1)
        },
        cantidad,
        unidad: unidad.into(),
        precio_unitario,
        bonificacion,
        subtotal,
        iva_alicuota: rate,
        subtotal_con_iva: subtotal + iva,
    }
}

/// Totals of `items` plus `tributos`, IVA grouped per rate as ARCA wants it.
fn totals(items: &[Item], tributos: Vec<(String, Decimal)>) -> Totals {
    let mut neto_gravado = Decimal::ZERO;
    let mut exento = Decimal::ZERO;
    let mut iva: Vec<(Decimal, Decimal)> = Vec::new();
    for item in items {
        match item.iva_alicuota {
            Some(rate) => {
                neto_gravado += item.subtotal;
                let amount = item.subtotal_con_iva - item.subtotal;
                match iva.iter_mut().find(|(existing, _)| *existing == rate) {
                    Some(entry) => entry.1 += amount,
                    None => iva.push((rate, amount)),
                }
            }
            None => exento += item.subtotal,
        }
    }
    let tributos_total: Decimal = tributos.iter().map(|(_, amount)| *amount).sum();
    let iva_total: Decimal = iva.iter().map(|(_, amount)| *amount).sum();
    Totals {
        neto_gravado,
        no_gravado: Decimal::ZERO,
        exento,
        iva,
        tributos,
        total: neto_gravado + exento + iva_total + tributos_total,
    }
}

/// Totals of a class C voucher: no IVA, everything in the net.
fn totals_c(items: &[Item]) -> Totals {
    let neto_gravado: Decimal = items.iter().map(|item| item.subtotal).sum();
    Totals {
        neto_gravado,
        no_gravado: Decimal::ZERO,
        exento: Decimal::ZERO,
        iva: Vec::new(),
        tributos: Vec::new(),
        total: neto_gravado,
    }
}

/// ARCA's QR URL for a document (`docs/arca.md §F`).
pub fn qr_url(document: &InvoiceDocument) -> String {
    let (tipo_cod_aut, receiver) = (
        match document.autorizacion.kind {
            AuthorizationKind::Cae => "E",
            AuthorizationKind::Caea => "A",
        },
        &document.receptor,
    );
    let json = format!(
        concat!(
            r#"{{"ver":1,"fecha":"{}","cuit":{},"ptoVta":{},"tipoCmp":{},"nroCmp":{},"#,
            r#""importe":{},"moneda":"{}","ctz":{},"tipoDocRec":{},"nroDocRec":{},"#,
            r#""tipoCodAut":"{}","codAut":{}}}"#
        ),
        document.fecha_emision.format("%Y-%m-%d"),
        document.emisor.cuit,
        document.punto_venta,
        document.cbte_tipo,
        document.numero,
        document.totales.total,
        document.moneda.codigo,
        document.moneda.cotizacion,
        receiver.documento_tipo,
        receiver.documento_numero,
        tipo_cod_aut,
        document.autorizacion.codigo,
    );
    format!(
        "https://www.afip.gob.ar/fe/qr/?p={}",
        base64::engine::general_purpose::STANDARD.encode(json)
    )
}

fn document(cbte_tipo: i32, receptor: Receiver, items: Vec<Item>, totales: Totals) -> InvoiceDocument {
    let mut document = InvoiceDocument {
        cbte_tipo,
        punto_venta: 1,
        numero: 42,
        fecha_emision: fecha(),
        emisor: issuer(),
        receptor,
        concepto: 1,
        periodo_servicio: None,
        items,
        totales,
        moneda: Currency {
            codigo: "PES".into(),
            cotizacion: Decimal::ONE,
        },
        comprobantes_asociados: Vec::new(),
        fce: None,
        autorizacion: Authorization {
            kind: AuthorizationKind::Cae,
            codigo: CAE.into(),
            vencimiento: fecha().checked_add_days(Days::new(10)).unwrap_or_default(),
        },
        qr_data: String::new(),
    };
    document.qr_data = qr_url(&document);
    document
}

fn rates(count: usize) -> Vec<Item> {
    let rate_21 = Decimal::new(21, 0);
    let rate_105 = Decimal::new(105, 1);
    (0..count)
        .map(|index| {
            let rate = if index % 5 == 2 { rate_105 } else { rate_21 };
            item(index, Some(rate))
        })
        .collect()
}

/// Factura A (1) to a registered business: three items at 21 % and 10.5 %, a provincial tax.
pub fn factura_a() -> InvoiceDocument {
    let items = rates(3);
    let totales = totals(
        &items,
        vec![("Percepción IIBB Buenos Aires".into(), Decimal::new(15_000, 2))],
    );
    document(1, business(), items, totales)
}

/// Factura B (6) to a consumidor final: Ley 27.743's transparency block applies.
pub fn factura_b() -> InvoiceDocument {
    let items = rates(3);
    let totales = totals(&items, Vec::new());
    document(6, consumer(), items, totales)
}

/// Factura B (6) issued in contingency under a CAEA (docs/arca.md §G.4): "CAEA N°", its
/// validity's end, the contingency legend, and a QR whose `tipoCodAut` is `A`.
pub fn factura_b_caea() -> InvoiceDocument {
    let mut document = factura_b();
    document.punto_venta = 5;
    document.autorizacion.kind = AuthorizationKind::Caea;
    document.autorizacion.codigo = "36123456789012".into();
    document.qr_data = qr_url(&document);
    document
}

/// Factura C (11) from a monotributista: no IVA anywhere.
pub fn factura_c() -> InvoiceDocument {
    let items: Vec<Item> = (0..3).map(|index| item(index, None)).collect();
    let totales = totals_c(&items);
    let mut document = document(11, consumer(), items, totales);
    document.emisor.condicion_iva = "Responsable Monotributo".into();
    document.emisor.ingresos_brutos = "Exento".into();
    document.qr_data = qr_url(&document);
    document
}

/// Factura M (51): class A "sujeta a retención".
pub fn factura_m() -> InvoiceDocument {
    let items = rates(2);
    let totales = totals(&items, Vec::new());
    document(51, business(), items, totales)
}

/// Nota de crédito A (3) for part of Factura A 00001-00000041.
pub fn nota_credito_a() -> InvoiceDocument {
    let items = vec![item(1, Some(Decimal::new(21, 0)))];
    let totales = totals(&items, Vec::new());
    let mut document = document(3, business(), items, totales);
    document.numero = 7;
    document.comprobantes_asociados = vec![AssociatedVoucher {
        cbte_tipo: 1,
        punto_venta: 1,
        numero: 41,
        fecha: Some(date(2026, 12, 1)),
    }];
    document.qr_data = qr_url(&document);
    document
}

/// Factura A (1) in US dollars at ARCA's rate.
pub fn factura_dolares() -> InvoiceDocument {
    let items = rates(2);
    let totales = totals(&items, Vec::new());
    let mut document = document(1, business(), items, totales);
    document.moneda = Currency {
        codigo: "DOL".into(),
        cotizacion: Decimal::new(1_050_500_000, 6),
    };
    document.qr_data = qr_url(&document);
    document
}

/// Factura B (6) for services (concepto 2): the period and the payment due date print.
pub fn factura_servicios() -> InvoiceDocument {
    let items = vec![item(4, Some(Decimal::new(21, 0)))];
    let totales = totals(&items, Vec::new());
    let mut document = document(6, business_b(), items, totales);
    document.concepto = 2;
    document.periodo_servicio = Some(ServicePeriod {
        desde: date(2026, 11, 1),
        hasta: date(2026, 11, 30),
        vencimiento_pago: date(2026, 12, 15),
    });
    document.qr_data = qr_url(&document);
    document
}

/// Factura de Crédito Electrónica MiPyMEs A (201): the FCE block with the CBU, its alias, the
/// transfer option and the payment due date.
pub fn factura_fce_a() -> InvoiceDocument {
    let items = rates(2);
    let totales = totals(&items, Vec::new());
    let mut document = document(201, business(), items, totales);
    document.fce = Some(Fce {
        cbu: Some("2850590940090418135201".into()),
        alias: Some("almacen.sur.pagos".into()),
        transferencia: Some("Sistema de Circulación Abierta (SCA)".into()),
        vencimiento_pago: Some(date(2027, 1, 5)),
        anulacion: None,
        referencias_comerciales: vec!["Orden de compra 4512".into()],
    });
    document.qr_data = qr_url(&document);
    document
}

/// Nota de crédito FCE A (203) annulling Factura FCE A 00001-00000041.
pub fn nota_credito_fce_a() -> InvoiceDocument {
    let items = vec![item(1, Some(Decimal::new(21, 0)))];
    let totales = totals(&items, Vec::new());
    let mut document = document(203, business(), items, totales);
    document.numero = 8;
    document.comprobantes_asociados = vec![AssociatedVoucher {
        cbte_tipo: 201,
        punto_venta: 1,
        numero: 41,
        fecha: Some(date(2026, 12, 1)),
    }];
    document.fce = Some(Fce {
        cbu: Some("2850590940090418135201".into()),
        anulacion: Some(true),
        ..Fce::default()
    });
    document.qr_data = qr_url(&document);
    document
}

/// A B receiver that is not a consumidor final (exempt), so no transparency block.
fn business_b() -> Receiver {
    Receiver {
        nombre: "Fundación Horizonte".into(),
        documento_tipo: 80,
        documento_numero: "30546789013".into(),
        condicion_iva_id: 4,
        condicion_iva: "IVA Sujeto Exento".into(),
        domicilio: Some("Belgrano 890, Córdoba".into()),
        condicion_venta: "Transferencia bancaria".into(),
    }
}

/// Factura A (1) of `count` items (at least one): for the multi-page tests and the bench.
pub fn factura_items(count: usize) -> InvoiceDocument {
    let items = rates(count.max(1));
    let totales = totals(&items, Vec::new());
    document(1, business(), items, totales)
}

/// Every named sample, for tests that go over all of them.
pub fn all() -> Vec<(&'static str, InvoiceDocument)> {
    vec![
        ("factura_a", factura_a()),
        ("factura_b", factura_b()),
        ("factura_c", factura_c()),
        ("factura_m", factura_m()),
        ("nota_credito_a", nota_credito_a()),
        ("factura_dolares", factura_dolares()),
        ("factura_servicios", factura_servicios()),
        ("factura_fce_a", factura_fce_a()),
        ("nota_credito_fce_a", nota_credito_fce_a()),
        ("factura_40_items", factura_items(40)),
        ("factura_b_caea", factura_b_caea()),
    ]
}
