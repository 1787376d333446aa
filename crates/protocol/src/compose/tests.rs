//! Compose tests: hand-checked amounts, every input error naming its field, the default voucher
//! type per issuer and receiver, and a deterministic generated sweep whose every voucher must pass
//! [`crate::validate::validate`] with no issue.

// Fixtures build amounts from small loop counters.
#![allow(clippy::cast_possible_truncation, clippy::cast_possible_wrap, clippy::cast_sign_loss)]

use std::str::FromStr;

use chrono::{Duration, NaiveDate};
use rust_decimal::Decimal;

use super::*;
use crate::Cuit;
use crate::validate::{ValidationContext, validate};
use crate::voucher::{AlicIva, CaeRequest};

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("test decimal")
}

fn money(text: &str) -> Money {
    Money::parse(text).expect("test amount")
}

fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("test date")
}

const ISSUER_CUIT: &str = "20267565393";

fn item(cantidad: &str, precio: &str, iva: ItemIva) -> Item {
    Item {
        descripcion: "Yerba 1kg".to_owned(),
        cantidad: dec(cantidad),
        precio_unitario: money(precio),
        bonificacion: Decimal::ZERO,
        iva,
    }
}

fn at(percent: &str) -> ItemIva {
    ItemIva::Gravado(IvaRate::from_percent(dec(percent)).expect("a WSFEv1 rate"))
}

fn receiver(condition: CondicionIvaReceptor) -> Receiver {
    match condition {
        CondicionIvaReceptor::ConsumidorFinal => Receiver {
            doc_tipo: DocTipo::OTRO,
            doc_nro: 0,
            condicion_iva: condition,
        },
        _ => Receiver {
            doc_tipo: DocTipo::CUIT,
            doc_nro: 30_000_000_007,
            condicion_iva: condition,
        },
    }
}

/// The product spec's minimal example: a Factura B to an unidentified consumidor final.
fn draft(items: Vec<Item>) -> InvoiceDraft {
    InvoiceDraft {
        cbte_tipo: None,
        punto_venta: 1,
        concepto: Concepto::Productos,
        issuer: IssuerIvaCondition::ResponsableInscripto,
        receiver: receiver(CondicionIvaReceptor::ConsumidorFinal),
        items,
        tributos: vec![],
        servicio_desde: None,
        servicio_hasta: None,
        vencimiento_pago: None,
        moneda: None,
        cotizacion: None,
        cbtes_asoc: vec![],
        periodo_asoc: None,
        opcionales: vec![],
        fecha: date(2025, 7, 1),
    }
}

/// Composes, numbers and pre-validates `draft` (sent on its own date), asserting no issue.
fn valid(draft: &InvoiceDraft) -> Voucher {
    let voucher = numbered(compose(draft).unwrap_or_else(|e| panic!("{e:?} for {draft:#?}")), 1);
    let ctx = ValidationContext::new(Cuit::parse(ISSUER_CUIT).expect("test CUIT"), draft.fecha)
        .with_issuer_iva_condition(draft.issuer);
    let request = CaeRequest::new(vec![voucher.clone()]).expect("one voucher");
    let issues = validate(&request, &ctx);
    assert!(issues.is_empty(), "{issues:#?}\nfor {voucher:#?}");
    voucher
}

/// The fields of the errors `compose` reports for `draft`.
fn error_fields(draft: &InvoiceDraft) -> Vec<String> {
    compose(draft)
        .expect_err("the draft should be refused")
        .iter()
        .map(ComposeError::field)
        .collect()
}

/// (ImpNeto, ImpIVA, ImpTotal) as wire text.
fn totals(voucher: &Voucher) -> (String, String, String) {
    (
        voucher.imp_neto.to_wire(),
        voucher.imp_iva.to_wire(),
        voucher.imp_total.to_wire(),
    )
}

#[test]
fn two_at_1500_and_21_percent() {
    let voucher = valid(&draft(vec![item("2", "1500.00", at("21"))]));
    assert_eq!(voucher.cbte_tipo, CbteTipo::FacturaB);
    assert_eq!(totals(&voucher), ("3000.00".into(), "630.00".into(), "3630.00".into()));
    assert_eq!(
        voucher.iva,
        vec![AlicIva {
            id: IvaRate::Veintiuno,
            base_imp: money("3000"),
            importe: money("630")
        }]
    );
    assert_eq!(voucher.condicion_iva_receptor_id, Some(5));
    assert_eq!(
        (voucher.mon_id.as_str(), voucher.mon_cotiz),
        ("PES", Some(Decimal::ONE))
    );
    assert_eq!(voucher.cbte_fch, Some(date(2025, 7, 1)));
    assert!(voucher.tributos.is_empty());
}

#[test]
fn rounding_edges() {
    // 3 × 33.333 = 99.999 → 100.00; 10.5 % of it is 10.50.
    let voucher = valid(&draft(vec![item("3", "33.333", at("10.5"))]));
    assert_eq!(totals(&voucher), ("100.00".into(), "10.50".into(), "110.50".into()));
    // Three lines of 33.333 each round to 33.33: base 99.99, IVA 10.49895 → 10.50.
    let voucher = valid(&draft(vec![item("1", "33.333", at("10.5")); 3]));
    assert_eq!(totals(&voucher), ("99.99".into(), "10.50".into(), "110.49".into()));
    // Quantities with 3 decimals: 1.255 kg × 19.99 = 25.08745 → 25.09; IVA 5.2689 → 5.27.
    let voucher = valid(&draft(vec![item("1.255", "19.99", at("21"))]));
    assert_eq!(totals(&voucher), ("25.09".into(), "5.27".into(), "30.36".into()));
    // Half a cent rounds away from zero: 0.125 → 0.13.
    let voucher = valid(&draft(vec![item("0.5", "0.25", at("21"))]));
    assert_eq!(voucher.imp_neto.to_wire(), "0.13");
}

#[test]
fn iva_is_rounded_once_per_rate() {
    // Ten lines of 0.05 at 10.5 %: per line 0.00525 would round to 0.01 each (0.10 in all), but
    // the rate's base 0.50 × 0.105 = 0.0525 → 0.05, which is what 10051 checks.
    let voucher = valid(&draft(vec![item("1", "0.05", at("10.5")); 10]));
    assert_eq!(totals(&voucher), ("0.50".into(), "0.05".into(), "0.55".into()));
    assert_eq!(voucher.iva.len(), 1);
}

#[test]
fn discounts_are_percentages_of_the_line() {
    let mut discounted = item("1", "1000", at("21"));
    discounted.bonificacion = dec("10");
    let voucher = valid(&draft(vec![discounted.clone()]));
    assert_eq!(totals(&voucher), ("900.00".into(), "189.00".into(), "1089.00".into()));
    // 3 × 33.33 with 12.5 % off = 87.49125 → 87.49.
    discounted = Item {
        cantidad: dec("3"),
        precio_unitario: money("33.33"),
        bonificacion: dec("12.5"),
        ..discounted
    };
    assert_eq!(valid(&draft(vec![discounted.clone()])).imp_neto.to_wire(), "87.49");
    // A 100 % discount is a free line: no base, so no AlicIva for its rate.
    discounted.bonificacion = Decimal::ONE_HUNDRED;
    let voucher = valid(&draft(vec![discounted, item("1", "10", at("10.5"))]));
    assert_eq!(
        voucher.iva.iter().map(|line| line.id).collect::<Vec<_>>(),
        [IvaRate::DiezComaCinco]
    );
}

#[test]
fn mixed_rates_exento_and_no_gravado_on_a_factura_a() {
    let mut invoice = draft(vec![
        item("1", "100", at("21")),
        item("2", "50", at("21")),
        item("1", "100", at("10.5")),
        item("1", "100", at("27")),
        item("1", "100", at("5")),
        item("1", "100", at("2.5")),
        item("1", "100", at("0")),
        item("1", "40", ItemIva::Exento),
        item("1", "30", ItemIva::NoGravado),
    ]);
    invoice.receiver = receiver(CondicionIvaReceptor::ResponsableInscripto);
    let voucher = valid(&invoice);
    assert_eq!(voucher.cbte_tipo, CbteTipo::FacturaA);
    // One line per rate, in ARCA's Id order; the 0 % rate is gravado with Id 3.
    let lines: Vec<(i32, String, String)> = voucher
        .iva
        .iter()
        .map(|line| (line.id.code(), line.base_imp.to_wire(), line.importe.to_wire()))
        .collect();
    let expected = [
        (3, "100.00", "0.00"),
        (4, "100.00", "10.50"),
        (5, "200.00", "42.00"),
        (6, "100.00", "27.00"),
        (8, "100.00", "5.00"),
        (9, "100.00", "2.50"),
    ];
    assert_eq!(
        lines,
        expected
            .iter()
            .map(|(id, base, iva)| (*id, (*base).to_owned(), (*iva).to_owned()))
            .collect::<Vec<_>>()
    );
    assert_eq!(totals(&voucher), ("700.00".into(), "87.00".into(), "857.00".into()));
    assert_eq!(voucher.imp_op_ex, money("40"));
    assert_eq!(voucher.imp_tot_conc, money("30"));
}

#[test]
fn only_zero_rate_sends_id_3() {
    let voucher = valid(&draft(vec![item("1", "100", at("0"))]));
    assert_eq!(totals(&voucher), ("100.00".into(), "0.00".into(), "100.00".into()));
    assert_eq!(voucher.iva.len(), 1);
    assert_eq!(voucher.iva[0].id, IvaRate::Cero);
}

#[test]
fn only_exempt_items_send_no_iva_array() {
    let voucher = valid(&draft(vec![item("2", "50", ItemIva::Exento)]));
    assert!(voucher.iva.is_empty());
    assert_eq!(
        (voucher.imp_neto, voucher.imp_op_ex, voucher.imp_total),
        (Money::ZERO, money("100"), money("100"))
    );
}

#[test]
fn class_c_shows_no_iva() {
    for issuer in [IssuerIvaCondition::Monotributo, IssuerIvaCondition::Exento] {
        let mut invoice = draft(vec![
            item("2", "1500", at("0")),
            item("1", "99.99", ItemIva::Exento),
            item("1", "0.01", ItemIva::NoGravado),
        ]);
        invoice.issuer = issuer;
        let voucher = valid(&invoice);
        assert_eq!(voucher.cbte_tipo, CbteTipo::FacturaC);
        assert_eq!(totals(&voucher), ("3100.00".into(), "0.00".into(), "3100.00".into()));
        assert!(voucher.iva.is_empty());
        assert_eq!((voucher.imp_op_ex, voucher.imp_tot_conc), (Money::ZERO, Money::ZERO));
        // A positive rate is an input error, not silently dropped.
        invoice.items.push(item("1", "10", at("21")));
        assert_eq!(error_fields(&invoice), ["items[3].iva_porcentaje"]);
    }
}

#[test]
fn used_goods_from_a_monotributista_put_the_subtotal_in_no_gravado() {
    let mut invoice = draft(vec![item("1", "500", at("0"))]);
    invoice.issuer = IssuerIvaCondition::Monotributo;
    invoice.cbte_tipo = Some(CbteTipo::CompraBienesUsados);
    invoice.receiver = Receiver {
        doc_tipo: DocTipo::DNI,
        doc_nro: 30_000_000,
        condicion_iva: CondicionIvaReceptor::ConsumidorFinal,
    };
    let voucher = valid(&invoice);
    assert_eq!(
        (voucher.imp_tot_conc, voucher.imp_neto, voucher.imp_total),
        (money("500"), Money::ZERO, money("500"))
    );
}

#[test]
fn tributos_are_base_times_rate() {
    // The recorded Factura A 4000-1836 (test_autorizar_comprobante.yaml): 100 + 21 + 1 = 122.
    let mut invoice = draft(vec![item("1", "100", at("21"))]);
    invoice.receiver = receiver(CondicionIvaReceptor::ResponsableInscripto);
    invoice.tributos = vec![TributoLine {
        tipo: TributoTipo::Otro,
        descripcion: Some("Impuesto Municipal Matanza".to_owned()),
        base_imponible: money("100"),
        alicuota: dec("1"),
    }];
    let voucher = valid(&invoice);
    assert_eq!((voucher.imp_trib, voucher.imp_total), (money("1"), money("122")));
    assert_eq!(voucher.tributos[0].desc.as_deref(), Some("Impuesto Municipal Matanza"));

    // Several tributos, with rounding: 3.5 % of 1234.56 = 43.2096 → 43.21; 1.75 % of 999.99 =
    // 17.499825 → 17.50.
    invoice.tributos = vec![
        TributoLine {
            tipo: TributoTipo::PercepcionIibb,
            descripcion: None,
            base_imponible: money("1234.56"),
            alicuota: dec("3.5"),
        },
        TributoLine {
            tipo: TributoTipo::ImpuestosInternos,
            descripcion: Some("  Internos  ".to_owned()),
            base_imponible: money("999.99"),
            alicuota: dec("1.75"),
        },
    ];
    let voucher = valid(&invoice);
    let importes: Vec<String> = voucher.tributos.iter().map(|t| t.importe.to_wire()).collect();
    assert_eq!(importes, ["43.21", "17.50"]);
    assert_eq!(voucher.imp_trib, money("60.71"));
    assert_eq!(voucher.tributos[1].desc.as_deref(), Some("Internos"));

    // Tributos that come to 0 are not sent at all (10024).
    invoice.tributos[0].alicuota = Decimal::ZERO;
    invoice.tributos[1].base_imponible = Money::ZERO;
    let voucher = valid(&invoice);
    assert!(voucher.tributos.is_empty());
    assert_eq!(voucher.imp_trib, Money::ZERO);
}

#[test]
fn services_carry_their_dates() {
    let mut invoice = draft(vec![item("1", "1000", at("21"))]);
    invoice.concepto = Concepto::Servicios;
    assert_eq!(
        error_fields(&invoice),
        ["fecha_servicio_desde", "fecha_servicio_hasta", "fecha_vencimiento_pago"]
    );
    invoice.servicio_desde = Some(date(2025, 6, 1));
    invoice.servicio_hasta = Some(date(2025, 6, 30));
    invoice.vencimiento_pago = Some(date(2025, 7, 10));
    let voucher = valid(&invoice);
    assert_eq!(voucher.concepto, Concepto::Servicios);
    assert_eq!(voucher.fch_serv_hasta, Some(date(2025, 6, 30)));
    invoice.concepto = Concepto::ProductosYServicios;
    valid(&invoice);

    invoice.servicio_desde = Some(date(2025, 7, 1));
    invoice.vencimiento_pago = Some(date(2025, 6, 30));
    assert_eq!(
        error_fields(&invoice),
        ["fecha_servicio_hasta", "fecha_vencimiento_pago"]
    );
}

#[test]
fn foreign_currency_needs_its_rate() {
    let mut invoice = draft(vec![item("10", "12.34", at("21"))]);
    invoice.receiver = receiver(CondicionIvaReceptor::ResponsableInscripto);
    invoice.moneda = Some("DOL".to_owned());
    assert_eq!(error_fields(&invoice), ["cotizacion"]);
    invoice.cotizacion = Some(dec("1234.567891"));
    let voucher = valid(&invoice);
    assert_eq!(
        (voucher.mon_id.as_str(), voucher.mon_cotiz),
        ("DOL", Some(dec("1234.567891")))
    );
    // Amounts stay in the invoice's currency.
    assert_eq!(totals(&voucher), ("123.40".into(), "25.91".into(), "149.31".into()));

    for (rate, code) in [("0", "CotizacionNotPositive"), ("10000", "CotizacionPrecision")] {
        invoice.cotizacion = Some(dec(rate));
        let errors = compose(&invoice).expect_err(code);
        assert_eq!(errors.len(), 1);
        assert!(format!("{:?}", errors[0]).starts_with(code), "{errors:?}");
    }
    invoice.cotizacion = Some(dec("1.1234567"));
    assert_eq!(compose(&invoice), Err(vec![ComposeError::CotizacionPrecision]));

    invoice.moneda = Some("USD".to_owned());
    assert_eq!(error_fields(&invoice), ["moneda"]);
    // Pesos: 1 by default, and only 1.
    invoice.moneda = Some("PES".to_owned());
    invoice.cotizacion = Some(dec("1.000"));
    assert_eq!(valid(&invoice).mon_cotiz, Some(Decimal::ONE));
    invoice.cotizacion = Some(dec("2"));
    assert_eq!(compose(&invoice), Err(vec![ComposeError::PesosCotizacionNotOne]));
}

#[test]
fn default_type_follows_the_issuer_and_receiver() {
    use CondicionIvaReceptor as C;
    use IssuerIvaCondition as I;
    for condition in CondicionIvaReceptor::ALL {
        let class_a = matches!(
            condition,
            C::ResponsableInscripto
                | C::Monotributo
                | C::MonotributistaSocial
                | C::MonotributoTrabajadorIndependientePromovido
        );
        let expected = if class_a {
            CbteTipo::FacturaA
        } else {
            CbteTipo::FacturaB
        };
        assert_eq!(
            default_cbte_tipo(I::ResponsableInscripto, condition),
            expected,
            "{condition:?}"
        );
        assert_eq!(default_cbte_tipo(I::Monotributo, condition), CbteTipo::FacturaC);
        assert_eq!(default_cbte_tipo(I::Exento, condition), CbteTipo::FacturaC);
        // And each composes into a voucher ARCA's local rules accept.
        for issuer in [I::ResponsableInscripto, I::Monotributo, I::Exento] {
            let mut invoice = draft(vec![item("1", "100", at("0"))]);
            invoice.issuer = issuer;
            invoice.receiver = receiver(condition);
            assert_eq!(valid(&invoice).condicion_iva_receptor_id, Some(condition.code()));
        }
    }
}

#[test]
fn a_named_type_must_suit_both_parties() {
    let mut invoice = draft(vec![item("1", "100", at("21"))]);
    invoice.cbte_tipo = Some(CbteTipo::FacturaC);
    assert_eq!(error_fields(&invoice), ["tipo_comprobante", "items[0].iva_porcentaje"]);
    invoice.cbte_tipo = Some(CbteTipo::FacturaA);
    assert_eq!(error_fields(&invoice), ["cliente.condicion_iva"]);
    let message = compose(&invoice).expect_err("A to a consumidor final")[0].to_string();
    assert_eq!(
        message,
        "a receiver in condition consumidor_final cannot receive Factura A"
    );
    invoice.cbte_tipo = Some(CbteTipo::FacturaB);
    valid(&invoice);
}

#[test]
fn notes_name_what_they_adjust() {
    let mut invoice = draft(vec![item("1", "100", at("21"))]);
    invoice.cbte_tipo = Some(CbteTipo::NotaCreditoB);
    assert_eq!(error_fields(&invoice), ["comprobantes_asociados"]);
    invoice.cbtes_asoc = vec![CbteAsoc {
        tipo: 6,
        pto_vta: 1,
        nro: 41,
        cuit: None,
        cbte_fch: Some(date(2025, 6, 30)),
    }];
    let voucher = valid(&invoice);
    assert_eq!(voucher.cbtes_asoc, invoice.cbtes_asoc);
    // A period instead of vouchers, but never on an invoice.
    invoice.cbtes_asoc.clear();
    invoice.periodo_asoc = Some(PeriodoAsoc {
        fch_desde: date(2025, 6, 1),
        fch_hasta: date(2025, 6, 30),
    });
    valid(&invoice);
    invoice.cbte_tipo = Some(CbteTipo::FacturaB);
    assert_eq!(error_fields(&invoice), ["periodo_asociado"]);
}

#[test]
fn item_errors_name_the_item_and_field() {
    let mut invoice = draft(vec![]);
    assert_eq!(error_fields(&invoice), ["items"]);

    let mut bad = vec![item("1", "100", at("21")); 6];
    bad[1].descripcion = "  ".to_owned();
    bad[2].cantidad = Decimal::ZERO;
    bad[3].precio_unitario = money("-1");
    bad[4].bonificacion = dec("100.01");
    bad[5].bonificacion = dec("-1");
    invoice.items = bad;
    invoice.punto_venta = 0;
    assert_eq!(
        error_fields(&invoice),
        [
            "punto_venta",
            "items[1].descripcion",
            "items[2].cantidad",
            "items[3].precio_unitario",
            "items[4].bonificacion",
            "items[5].bonificacion",
        ]
    );
    let errors = compose(&invoice).expect_err("bad items");
    assert_eq!(errors[2].to_string(), "the quantity must be greater than 0");
}

#[test]
fn huge_inputs_are_errors_not_panics() {
    let mut invoice = draft(vec![Item {
        cantidad: Decimal::MAX,
        precio_unitario: Money::new(Decimal::MAX),
        ..item("1", "1", at("21"))
    }]);
    assert_eq!(error_fields(&invoice), ["items[0]"]);
    // Each line fits 13 digits, their sum does not.
    invoice.items = vec![item("1", "9999999999999.99", at("0")); 2];
    assert_eq!(compose(&invoice), Err(vec![ComposeError::TotalTooLarge]));
    invoice.items = vec![item("1", "1", at("0"))];
    invoice.tributos = vec![TributoLine {
        tipo: TributoTipo::Iibb,
        descripcion: None,
        base_imponible: Money::new(Decimal::MAX),
        alicuota: dec("1000"),
    }];
    assert_eq!(
        error_fields(&invoice),
        ["tributos[0].base_imponible", "tributos[0].alicuota"]
    );
}

#[test]
fn tributo_errors_name_the_tributo_and_field() {
    let mut invoice = draft(vec![item("1", "100", at("21"))]);
    let line = TributoLine {
        tipo: TributoTipo::Iibb,
        descripcion: None,
        base_imponible: money("100"),
        alicuota: dec("3"),
    };
    invoice.tributos = vec![
        line.clone(),
        TributoLine {
            base_imponible: money("-1"),
            ..line.clone()
        },
        TributoLine {
            base_imponible: money("1.001"),
            alicuota: dec("1.005"),
            ..line.clone()
        },
        TributoLine {
            tipo: TributoTipo::Otro,
            ..line.clone()
        },
        TributoLine {
            descripcion: Some("x".repeat(81)),
            alicuota: dec("-0.01"),
            ..line
        },
    ];
    assert_eq!(
        error_fields(&invoice),
        [
            "tributos[1].base_imponible",
            "tributos[2].base_imponible",
            "tributos[2].alicuota",
            "tributos[3].descripcion",
            "tributos[4].alicuota",
            "tributos[4].descripcion",
        ]
    );
}

/// A small deterministic generator (64-bit LCG, Knuth's constants): no new dependency, the same
/// cases on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }

    fn pick<T: Copy>(&mut self, values: &[T]) -> T {
        values[self.below(values.len() as u64) as usize]
    }

    /// A decimal with up to `scale` decimals below `max_units` units.
    fn decimal(&mut self, max_units: u64, scale: u32) -> Decimal {
        let mantissa = self.below(max_units * 10u64.pow(scale));
        Decimal::new(mantissa as i64, scale)
    }
}

fn generated_draft(rng: &mut Lcg) -> InvoiceDraft {
    let issuer = rng.pick(&[
        IssuerIvaCondition::ResponsableInscripto,
        IssuerIvaCondition::Monotributo,
        IssuerIvaCondition::Exento,
    ]);
    let discriminates = issuer == IssuerIvaCondition::ResponsableInscripto;
    let condition = rng.pick(&CondicionIvaReceptor::ALL);
    let foreign = rng.below(4) == 0;
    let mut receiver = receiver(condition);
    if foreign && receiver.doc_tipo == DocTipo::OTRO {
        // Foreign amounts times their rate may pass the consumidor-final threshold: identify.
        receiver.doc_tipo = DocTipo::DNI;
        receiver.doc_nro = 30_000_000;
    }
    let rates = ["0", "2.5", "5", "10.5", "21", "27"];
    let items = (0..1 + rng.below(6))
        .map(|_| {
            let iva = match rng.below(10) {
                0 => ItemIva::Exento,
                1 => ItemIva::NoGravado,
                _ if !discriminates => at("0"),
                _ => at(rng.pick(&rates)),
            };
            let quantity_scale = rng.pick(&[0, 1, 3]);
            let cantidad = rng.decimal(20, quantity_scale) + Decimal::new(1, 3);
            let price_scale = rng.pick(&[0, 2, 3]);
            Item {
                descripcion: "Artículo".to_owned(),
                cantidad,
                precio_unitario: Money::new(rng.decimal(10_000, price_scale)),
                bonificacion: if rng.below(3) == 0 {
                    rng.decimal(100, 2)
                } else {
                    Decimal::ZERO
                },
                iva,
            }
        })
        .collect();
    let tributos = (0..rng.below(3))
        .map(|_| TributoLine {
            tipo: rng.pick(&[TributoTipo::Iibb, TributoTipo::PercepcionIva, TributoTipo::Otro]),
            descripcion: Some("Percepción".to_owned()),
            base_imponible: Money::new(rng.decimal(10_000, 2)),
            alicuota: rng.decimal(10, 2),
        })
        .collect();
    let fecha = date(2025, 7, 1) + Duration::days(rng.below(365) as i64);
    let concepto = rng.pick(&Concepto::ALL);
    let services = concepto.includes_services();
    InvoiceDraft {
        cbte_tipo: None,
        punto_venta: 1 + rng.below(99_998) as u32,
        concepto,
        issuer,
        receiver,
        items,
        tributos,
        servicio_desde: services.then(|| fecha - Duration::days(30)),
        servicio_hasta: services.then_some(fecha),
        vencimiento_pago: services.then(|| fecha + Duration::days(10)),
        moneda: foreign.then(|| rng.pick(&["DOL", "060", "012"]).to_owned()),
        cotizacion: foreign.then(|| rng.decimal(2_000, 6) + Decimal::ONE),
        cbtes_asoc: vec![],
        periodo_asoc: None,
        opcionales: vec![],
        fecha,
    }
}

#[test]
fn generated_invoices_pass_pre_validation_exactly() {
    let mut rng = Lcg(0x5eed_a7ca);
    let mut seen = std::collections::HashSet::new();
    for _ in 0..1_000 {
        let draft = generated_draft(&mut rng);
        let voucher = valid(&draft);
        seen.insert(format!("{:?}", voucher.cbte_tipo.class()));
        seen.insert(voucher.mon_id.clone());
        seen.insert(format!("{:?}", voucher.concepto));
        seen.extend(voucher.iva.iter().map(|line| format!("{:?}", line.id)));
        for (name, amount) in [
            ("exento", voucher.imp_op_ex),
            ("no gravado", voucher.imp_tot_conc),
            ("tributos", voucher.imp_trib),
        ] {
            if amount.is_positive() {
                seen.insert(name.to_owned());
            }
        }
        // Beyond ARCA's tolerance: the identities hold to the cent.
        let amounts = [
            voucher.imp_total,
            voucher.imp_tot_conc,
            voucher.imp_neto,
            voucher.imp_op_ex,
            voucher.imp_trib,
            voucher.imp_iva,
        ];
        assert!(amounts.iter().all(|a| a.fits_two_decimals() && !a.is_negative()));
        assert_eq!(
            voucher.imp_total,
            voucher.imp_tot_conc + voucher.imp_neto + voucher.imp_op_ex + voucher.imp_trib + voucher.imp_iva
        );
        assert_eq!(voucher.imp_iva, voucher.iva.iter().map(|line| line.importe).sum());
        if !voucher.iva.is_empty() {
            assert_eq!(voucher.imp_neto, voucher.iva.iter().map(|line| line.base_imp).sum());
        }
        for line in &voucher.iva {
            assert_eq!(line.importe, (line.base_imp * line.id.rate()).round());
        }
        assert_eq!(voucher.imp_trib, voucher.tributos.iter().map(|t| t.importe).sum());
        // The subtotal is the sum of the item nets, whatever the class.
        let subtotal: Money = draft
            .items
            .iter()
            .map(|i| {
                Money::new(
                    i.cantidad * i.precio_unitario.amount() * (Decimal::ONE_HUNDRED - i.bonificacion)
                        / Decimal::ONE_HUNDRED,
                )
                .round()
            })
            .sum();
        assert_eq!(subtotal, voucher.imp_tot_conc + voucher.imp_neto + voucher.imp_op_ex);
    }
    // The sweep covers every class, rate, concepto and kind of amount, and foreign currencies.
    let mut seen: Vec<String> = seen.into_iter().collect();
    seen.sort();
    assert_eq!(
        seen.join(","),
        "012,060,A,B,C,Cero,Cinco,DOL,DiezComaCinco,DosComaCinco,PES,Productos,ProductosYServicios,Servicios,\
         Veintisiete,Veintiuno,exento,no gravado,tributos"
    );
}

#[test]
fn lines_and_totals_worth_zero_are_refused_except_where_arca_allows_them() {
    // Rounds to 0.00: a tiny quantity, a sub-cent price, a zero price.
    for (cantidad, precio) in [("0.0000001", "100"), ("1", "0.001"), ("1", "0")] {
        let invoice = draft(vec![item(cantidad, precio, at("21")), item("1", "10", at("21"))]);
        assert_eq!(error_fields(&invoice), ["items[0]"], "{cantidad} × {precio}");
    }
    // A free line on purpose (100 % off) beside a paid one is fine; alone it makes a 0.00 total.
    let mut free = item("1", "10", at("21"));
    free.bonificacion = Decimal::ONE_HUNDRED;
    valid(&draft(vec![free.clone(), item("1", "10", at("21"))]));
    assert_eq!(error_fields(&draft(vec![free.clone()])), ["total"]);
    // A credit note A (3) may carry 0 (10020's exceptions).
    let mut note = draft(vec![item("1", "0", at("21"))]);
    note.cbte_tipo = Some(CbteTipo::NotaCreditoB);
    let fields = compose(&note).err().unwrap_or_default();
    assert!(
        !fields
            .iter()
            .any(|e| matches!(e, ComposeError::ItemAmountZero { .. } | ComposeError::TotalZero { .. })),
        "{fields:?}"
    );
}
