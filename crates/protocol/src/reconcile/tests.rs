//! Reconciliation tests: identical vouchers, every compared field changed on its own, the
//! tolerated normalisations, missing authorizations, and the recorded homologation pair
//! (`test_wsfev1__test_consulta.yaml`: a `FECAESolicitar` and the `FECompConsultar` of its
//! number), compared both as recorded and as [`crate::compose`] would have built the request.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::*;
use crate::wsfe::wire::Fields;
use crate::wsfe::{AlicIva, CbteAsoc, FECAESolicitar, FECompConsultar, Periodo, Tributo, parse_response};
use crate::xml;

fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("test decimal")
}

fn day(year: i32, month: u32, day: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, day)
}

/// A detail with every compared field filled in, amounts written as we send them (`122.00`).
fn sent() -> FECAEDetRequest {
    FECAEDetRequest {
        concepto: 3,
        doc_tipo: 80,
        doc_nro: 30_000_000_007,
        cbte_desde: 1837,
        cbte_hasta: 1837,
        cbte_fch: day(2025, 7, 1),
        imp_total: dec("133.00"),
        imp_tot_conc: dec("5.00"),
        imp_neto: dec("100.00"),
        imp_op_ex: dec("6.00"),
        imp_trib: dec("1.00"),
        imp_iva: dec("21.00"),
        fch_serv_desde: day(2025, 6, 1),
        fch_serv_hasta: day(2025, 6, 30),
        fch_vto_pago: day(2025, 7, 10),
        mon_id: Some("DOL".into()),
        mon_cotiz: Some(dec("1234.500000")),
        can_mis_mon_ext: Some(false),
        condicion_iva_receptor_id: Some(1),
        cbtes_asoc: vec![CbteAsoc {
            tipo: 1,
            pto_vta: 2,
            nro: 3,
            cuit: Some("20267565393".into()),
            cbte_fch: day(2025, 6, 30),
        }],
        tributos: vec![Tributo {
            id: 99,
            desc: Some("Impuesto Municipal Matanza".into()),
            base_imp: Some(dec("100.00")),
            alic: Some(dec("1.00")),
            importe: dec("1.00"),
        }],
        iva: vec![
            AlicIva {
                id: 5,
                base_imp: dec("50.00"),
                importe: dec("10.50"),
            },
            AlicIva {
                id: 4,
                base_imp: dec("50.00"),
                importe: dec("5.25"),
            },
        ],
        opcionales: vec![],
        compradores: vec![],
        periodo_asoc: Some(Periodo {
            fch_desde: day(2025, 6, 1),
            fch_hasta: day(2025, 6, 30),
        }),
        actividades: vec![],
    }
}

/// ARCA's answer for `detail`: the same values, authorized.
fn stored(detail: FECAEDetRequest) -> FECompConsResponse {
    FECompConsResponse {
        detail,
        resultado: Some(Resultado::A),
        cod_autorizacion: Some("75123456789012".into()),
        emision_tipo: Some("CAE".into()),
        fch_vto: day(2025, 7, 11),
        fch_proceso: None,
        observaciones: vec![],
        pto_vta: 4000,
        cbte_tipo: 1,
    }
}

fn same() -> Verdict {
    Verdict::Same {
        cae: "75123456789012".into(),
        cae_fch_vto: day(2025, 7, 11).expect("date"),
    }
}

/// The fields `compare` reports as different.
fn fields(verdict: Verdict) -> Vec<String> {
    match verdict {
        Verdict::Same { .. } => vec![],
        Verdict::Different(differences) => differences.into_iter().map(|d| d.field).collect(),
    }
}

/// Changes the stored echo and asserts exactly `expected` fields differ.
fn check(change: impl FnOnce(&mut FECompConsResponse), expected: &[&str]) {
    let mut answer = stored(sent());
    change(&mut answer);
    assert_eq!(fields(compare(&sent(), &answer)), expected);
}

#[test]
fn identical_is_same_and_carries_the_cae() {
    assert_eq!(compare(&sent(), &stored(sent())), same());
}

#[test]
fn every_compared_field_is_named_when_changed() {
    type Change = fn(&mut FECAEDetRequest);
    let cases: [(&str, Change); 27] = [
        ("Concepto", |d| d.concepto = 1),
        ("DocTipo", |d| d.doc_tipo = 86),
        ("DocNro", |d| d.doc_nro = 20_111_111_112),
        ("CbteDesde", |d| d.cbte_desde = 1838),
        ("CbteHasta", |d| d.cbte_hasta = 1838),
        ("CbteFch", |d| d.cbte_fch = day(2025, 7, 2)),
        ("ImpTotal", |d| d.imp_total = dec("133.01")),
        ("ImpTotConc", |d| d.imp_tot_conc = dec("0")),
        ("ImpNeto", |d| d.imp_neto = dec("100.1")),
        ("ImpOpEx", |d| d.imp_op_ex = dec("6.5")),
        ("ImpTrib", |d| d.imp_trib = dec("0")),
        ("ImpIVA", |d| d.imp_iva = dec("21.01")),
        ("FchServDesde", |d| d.fch_serv_desde = None),
        ("FchServHasta", |d| d.fch_serv_hasta = day(2025, 6, 29)),
        ("FchVtoPago", |d| d.fch_vto_pago = day(2025, 7, 11)),
        ("MonId", |d| d.mon_id = Some("PES".into())),
        ("MonCotiz", |d| d.mon_cotiz = Some(dec("1234.51"))),
        ("CanMisMonExt", |d| d.can_mis_mon_ext = Some(true)),
        ("CondicionIVAReceptorId", |d| d.condicion_iva_receptor_id = Some(6)),
        ("CbtesAsoc[Tipo=1,PtoVta=2,Nro=3].Cuit", |d| {
            d.cbtes_asoc[0].cuit = Some("20111111112".into())
        }),
        ("CbtesAsoc[Tipo=1,PtoVta=2,Nro=3].CbteFch", |d| {
            d.cbtes_asoc[0].cbte_fch = day(2025, 6, 29)
        }),
        ("Tributos[Id=99].Importe", |d| d.tributos[0].importe = dec("2")),
        ("Tributos[Id=99].BaseImp", |d| d.tributos[0].base_imp = Some(dec("200"))),
        ("Tributos[Id=99].Alic", |d| d.tributos[0].alic = Some(dec("2"))),
        ("Iva[Id=5].BaseImp", |d| d.iva[0].base_imp = dec("50.01")),
        ("Iva[Id=4].Importe", |d| d.iva[1].importe = dec("5.26")),
        ("PeriodoAsoc.FchHasta", |d| {
            d.periodo_asoc = Some(Periodo {
                fch_desde: day(2025, 6, 1),
                fch_hasta: day(2025, 6, 29),
            })
        }),
    ];
    for (field, change) in cases {
        check(|answer| change(&mut answer.detail), &[field]);
    }
}

#[test]
fn differences_say_what_was_sent_and_stored() {
    let mut answer = stored(sent());
    answer.detail.imp_total = dec("133.5");
    answer.detail.cbte_fch = None;
    assert_eq!(
        compare(&sent(), &answer),
        Verdict::Different(vec![
            Difference {
                field: "CbteFch".into(),
                sent: "20250701".into(),
                stored: "(absent)".into(),
            },
            Difference {
                field: "ImpTotal".into(),
                sent: "133".into(),
                stored: "133.5".into(),
            },
        ])
    );
}

#[test]
fn lines_missing_or_added_name_their_key() {
    check(|a| a.detail.iva.truncate(1), &["Iva[Id=4]"]);
    check(|a| a.detail.tributos.clear(), &["Tributos[Id=99]"]);
    check(|a| a.detail.tributos[0].id = 5, &["Tributos[Id=5]", "Tributos[Id=99]"]);
    check(
        |a| a.detail.cbtes_asoc[0].nro = 4,
        &["CbtesAsoc[Tipo=1,PtoVta=2,Nro=3]", "CbtesAsoc[Tipo=1,PtoVta=2,Nro=4]"],
    );
    check(|a| a.detail.cbtes_asoc.clear(), &["CbtesAsoc[Tipo=1,PtoVta=2,Nro=3]"]);
    let mut answer = stored(sent());
    answer.detail.iva.pop();
    let Verdict::Different(differences) = compare(&sent(), &answer) else {
        panic!("an IVA line is missing");
    };
    assert_eq!(differences[0].sent, "BaseImp 50.00 Importe 5.25");
    assert_eq!(differences[0].stored, "(absent)");
}

#[test]
fn what_arca_normalises_is_tolerated() {
    // ARCA's doubles: 133 for 133.00, 1234.5 for 1234.500000; lines in another order.
    check(
        |a| {
            a.detail.imp_total = dec("133");
            a.detail.imp_iva = dec("21");
            a.detail.mon_cotiz = Some(dec("1234.5"));
            a.detail.iva.reverse();
            a.detail.iva[0].importe = dec("5.250");
            a.detail.tributos[0].alic = Some(dec("1"));
        },
        &[],
    );
    // Echoes without the optional parts.
    check(
        |a| {
            a.detail.condicion_iva_receptor_id = None;
            a.detail.can_mis_mon_ext = None;
            a.detail.cbtes_asoc[0].cuit = None;
            a.detail.cbtes_asoc[0].cbte_fch = None;
            a.detail.tributos[0].base_imp = None;
            a.detail.tributos[0].alic = None;
            a.detail.tributos[0].desc = Some("IMPUESTO MUNICIPAL".into());
            a.detail.periodo_asoc = None;
            a.resultado = None;
        },
        &[],
    );
    // A CUIT with leading zeros is the same CUIT.
    check(|a| a.detail.cbtes_asoc[0].cuit = Some("020267565393".into()), &[]);

    // Not sent: ARCA fills in the date and the rate.
    let mut ours = sent();
    ours.cbte_fch = None;
    ours.mon_cotiz = None;
    let mut answer = stored(sent());
    answer.detail.cbte_fch = day(2025, 7, 3);
    answer.detail.mon_cotiz = Some(dec("1300"));
    assert_eq!(compare(&ours, &answer), same());

    // What went on the wire is what counts: 133.004 was written as 133.
    ours = sent();
    ours.imp_total = dec("133.004");
    assert_eq!(compare(&ours, &stored(sent())), same());
}

#[test]
fn an_unauthorized_echo_is_not_recorded() {
    check(|a| a.cod_autorizacion = None, &["CodAutorizacion"]);
    check(|a| a.cod_autorizacion = Some(" ".into()), &["CodAutorizacion"]);
    check(|a| a.fch_vto = None, &["FchVto"]);
    check(|a| a.resultado = Some(Resultado::R), &["Resultado"]);
}

/// The recorded `FECAESolicitar` detail and `FECompConsultar` answer of
/// `test_wsfev1__test_consulta.yaml` (homologation, 2021-07-01, Factura A 4000-1837).
fn recorded_pair() -> (FECAEDetRequest, FECompConsResponse) {
    let cassette = crate::recorded::cassettes()
        .into_iter()
        .find(|c| c.file == "test_wsfev1__test_consulta.yaml")
        .expect("the test_consulta cassette");
    let body_of = |operation: &str| {
        cassette
            .interactions
            .iter()
            .find(|i| i.request.contains(&format!("<{operation} ")))
            .unwrap_or_else(|| panic!("a recorded {operation}"))
    };
    let request = xml::parse(&body_of("FECAESolicitar").request).expect("recorded XML");
    let operation = request
        .path(&["Body", "FECAESolicitar"])
        .expect("FECAESolicitar in the body");
    let mut details = FECAESolicitar::parse(Fields::of(operation))
        .expect("recorded request")
        .fe_cae_req
        .fe_det_req;
    let answer = parse_response::<FECompConsultar>(&body_of("FECompConsultar").response)
        .expect("recorded answer")
        .result_get
        .expect("the voucher was found");
    (details.remove(0), answer)
}

#[test]
fn the_recorded_consultation_is_the_same_voucher() {
    let (sent, stored) = recorded_pair();
    // The recording shows the normalisation this module tolerates: 122.00 sent, 122 stored.
    assert_eq!(sent.imp_total.to_string(), "122.00");
    assert_eq!(stored.detail.imp_total.to_string(), "122");
    assert_eq!(
        compare(&sent, &stored),
        Verdict::Same {
            cae: "71263951827477".into(),
            cae_fch_vto: day(2021, 7, 11).expect("date"),
        }
    );
    // One cent off anywhere and it is another voucher.
    let mut other = sent.clone();
    other.iva[0].importe = dec("21.01");
    assert_eq!(fields(compare(&other, &stored)), ["Iva[Id=5].Importe"]);
}

#[test]
fn the_recorded_invoice_composed_by_us_reconciles_with_arcas_record() {
    use crate::codes::{CbteTipo, Concepto, CondicionIvaReceptor, DocTipo, IvaRate, TributoTipo};
    use crate::compose::{InvoiceDraft, Item, ItemIva, Receiver, TributoLine, compose, numbered};
    use crate::money::Money;
    use crate::validate::IssuerIvaCondition;

    let (_, stored) = recorded_pair();
    let date = day(2021, 7, 1);
    let draft = InvoiceDraft {
        cbte_tipo: None,
        punto_venta: 4000,
        concepto: Concepto::ProductosYServicios,
        issuer: IssuerIvaCondition::ResponsableInscripto,
        receiver: Receiver {
            doc_tipo: DocTipo::CUIT,
            doc_nro: 30_000_000_007,
            condicion_iva: CondicionIvaReceptor::ResponsableInscripto,
        },
        items: vec![Item {
            descripcion: "Servicio".into(),
            cantidad: Decimal::ONE,
            precio_unitario: Money::from_units(100),
            bonificacion: Decimal::ZERO,
            iva: ItemIva::Gravado(IvaRate::Veintiuno),
        }],
        tributos: vec![TributoLine {
            tipo: TributoTipo::Otro,
            descripcion: Some("Impuesto Municipal Matanza".into()),
            base_imponible: Money::from_units(100),
            alicuota: Decimal::ONE,
        }],
        servicio_desde: date,
        servicio_hasta: date,
        vencimiento_pago: date,
        moneda: None,
        cotizacion: None,
        cbtes_asoc: vec![],
        periodo_asoc: None,
        opcionales: vec![],
        fecha: date.expect("date"),
    };
    let voucher = numbered(compose(&draft).expect("the recorded invoice composes"), 1837);
    assert_eq!(voucher.cbte_tipo, CbteTipo::FacturaA);
    let sent = FECAEDetRequest::try_from(&voucher).expect("in range");
    // We send CondicionIVAReceptorId (RG 5616); the 2021 record predates it.
    assert_eq!(sent.condicion_iva_receptor_id, Some(1));
    assert_eq!(stored.detail.condicion_iva_receptor_id, None);
    assert_eq!(
        compare(&sent, &stored),
        Verdict::Same {
            cae: "71263951827477".into(),
            cae_fch_vto: day(2021, 7, 11).expect("date"),
        }
    );
}
