//! One case per ARCA rule: the client's pre-validation catches the input before any call, and
//! the simulator, sent the same voucher, rejects it with the same code in the same place
//! (`Errors` or the detail's `Observaciones`). The two implementations share no code, so an
//! agreement here is evidence, not an echo.

use std::collections::BTreeSet;

use arca_protocol::Cuit;
use arca_protocol::codes::{CbteTipo, Concepto, IvaRate, TributoTipo};
use arca_protocol::validate::{IssueKind, ValidationContext, validate};
use arca_protocol::voucher::{AlicIva, CaeRequest, CbteAsoc, PeriodoAsoc, Tributo, Voucher};
use arca_protocol::wsfe::FECAERequest;
use chrono::Duration;

use super::support::{CUIT, TestEnv, money, today, wsfe_client};

/// Factura B, products, to an unidentified consumidor final: 1000 + 210 IVA, number 1.
fn factura_b() -> Voucher {
    super::support::factura_b(1)
}

/// Factura A to a Responsable Inscripto: 100 + 21 IVA.
fn factura_a() -> Voucher {
    Voucher {
        cbte_tipo: CbteTipo::FacturaA,
        doc_tipo: 80,
        doc_nro: 30_000_000_007,
        imp_total: money("121.00"),
        imp_neto: money("100.00"),
        imp_iva: money("21.00"),
        condicion_iva_receptor_id: Some(1),
        iva: vec![AlicIva {
            id: IvaRate::Veintiuno,
            base_imp: money("100.00"),
            importe: money("21.00"),
        }],
        ..factura_b()
    }
}

fn services(mut voucher: Voucher) -> Voucher {
    voucher.concepto = Concepto::Servicios;
    voucher.fch_serv_desde = Some(today());
    voucher.fch_serv_hasta = Some(today());
    voucher.fch_vto_pago = Some(today());
    voucher
}

struct Case {
    code: u32,
    vouchers: Vec<Voucher>,
    cant_reg: Option<u32>,
}

fn case(code: u32, voucher: Voucher) -> Case {
    Case {
        code,
        vouchers: vec![voucher],
        cant_reg: None,
    }
}

fn cases() -> Vec<Case> {
    let mut cases = vec![
        // Amounts (§D.5).
        case(
            10048,
            Voucher {
                imp_total: money("1300.00"),
                ..factura_b()
            },
        ),
        case(
            10023,
            Voucher {
                imp_iva: money("200.00"),
                imp_total: money("1200.00"),
                ..factura_b()
            },
        ),
        case(10061, {
            let mut v = factura_b();
            v.iva[0] = AlicIva {
                id: IvaRate::Veintiuno,
                base_imp: money("900.00"),
                importe: money("189.00"),
            };
            v.imp_iva = money("189.00");
            v.imp_total = money("1189.00");
            v
        }),
        case(10051, {
            let mut v = factura_b();
            v.iva[0].importe = money("200.00");
            v.imp_iva = money("200.00");
            v.imp_total = money("1200.00");
            v
        }),
        case(10029, {
            let mut v = factura_a();
            v.tributos = vec![Tributo {
                id: TributoTipo::Otro,
                desc: Some("Impuesto municipal".into()),
                base_imp: money("100.00"),
                alic: 1.into(),
                importe: money("1.00"),
            }];
            v.imp_trib = money("5.00");
            v.imp_total = money("126.00");
            v
        }),
        // Class and document (§D.4, §D.7).
        case(
            10012,
            Voucher {
                cbte_hasta: 2,
                ..factura_a()
            },
        ),
        case(
            10013,
            Voucher {
                doc_tipo: 96,
                doc_nro: 12_345_678,
                ..factura_a()
            },
        ),
        case(
            10015,
            Voucher {
                doc_nro: 123,
                ..factura_b()
            },
        ),
        case(
            10014,
            Voucher {
                cbte_hasta: 2,
                doc_tipo: 96,
                doc_nro: 12_345_678,
                ..factura_b()
            },
        ),
        // Dates (§D.4).
        case(
            10016,
            Voucher {
                cbte_fch: Some(today() - Duration::days(6)),
                ..factura_b()
            },
        ),
        case(
            10032,
            Voucher {
                fch_serv_desde: Some(today() + Duration::days(1)),
                ..services(factura_b())
            },
        ),
        case(
            10036,
            Voucher {
                fch_vto_pago: Some(today() - Duration::days(1)),
                ..services(factura_b())
            },
        ),
        case(
            10049,
            Voucher {
                fch_serv_desde: None,
                fch_serv_hasta: None,
                fch_vto_pago: None,
                ..services(factura_b())
            },
        ),
        case(
            10031,
            Voucher {
                fch_serv_hasta: Some(today()),
                fch_vto_pago: Some(today()),
                ..factura_b()
            },
        ),
        // Currency and receiver's IVA condition (§D.8).
        case(
            10037,
            Voucher {
                mon_id: "XXX".into(),
                ..factura_b()
            },
        ),
        case(
            10038,
            Voucher {
                mon_id: "DOL".into(),
                mon_cotiz: None,
                ..factura_b()
            },
        ),
        case(
            10039,
            Voucher {
                mon_cotiz: Some(2.into()),
                ..factura_b()
            },
        ),
        case(
            10241,
            Voucher {
                can_mis_mon_ext: Some(true),
                ..factura_b()
            },
        ),
        case(
            10242,
            Voucher {
                condicion_iva_receptor_id: Some(2),
                ..factura_b()
            },
        ),
        case(
            10243,
            Voucher {
                condicion_iva_receptor_id: Some(5),
                ..factura_a()
            },
        ),
        case(
            10246,
            Voucher {
                condicion_iva_receptor_id: None,
                ..factura_b()
            },
        ),
        // Associated vouchers and periods (§D.9).
        case(
            10040,
            Voucher {
                cbtes_asoc: vec![CbteAsoc {
                    tipo: 1,
                    pto_vta: 1,
                    nro: 1,
                    cuit: None,
                    cbte_fch: None,
                }],
                ..factura_b()
            },
        ),
        case(
            10197,
            Voucher {
                cbte_tipo: CbteTipo::NotaCreditoB,
                ..factura_b()
            },
        ),
        case(
            10198,
            Voucher {
                periodo_asoc: Some(PeriodoAsoc {
                    fch_desde: today() - Duration::days(30),
                    fch_hasta: today(),
                }),
                ..factura_b()
            },
        ),
    ];
    // Header (§D.3): CantReg out of range, not matching, and more details than RegXReq.
    cases.push(Case {
        code: 10001,
        vouchers: vec![factura_b()],
        cant_reg: Some(0),
    });
    cases.push(Case {
        code: 10002,
        vouchers: vec![factura_b()],
        cant_reg: Some(2),
    });
    let many = (1..=251)
        .map(|n| Voucher {
            cbte_desde: n,
            cbte_hasta: n,
            ..factura_b()
        })
        .collect();
    cases.push(Case {
        code: 10003,
        vouchers: many,
        cant_reg: None,
    });
    cases
}

/// Observations only ARCA can make: they need its registry or its stored vouchers.
const NEEDS_ARCA_DATA: [u32; 6] = [10017, 10041, 10063, 10217, 10237, 10238];

#[tokio::test]
async fn pre_validation_and_the_simulator_agree_on_every_rule() {
    let env = TestEnv::start().await;
    let (client, auth) = wsfe_client(&env).await;
    let context = ValidationContext::new(Cuit::parse(CUIT).unwrap(), today());
    let mut disagreements = Vec::new();
    for (index, case) in cases().into_iter().enumerate() {
        // Each case on its own point of sale, so numbering never interferes.
        let punto_venta = 100 + index as u32;
        let vouchers: Vec<Voucher> = case
            .vouchers
            .into_iter()
            .map(|v| Voucher { punto_venta, ..v })
            .collect();
        let mut request = CaeRequest::new(vouchers).unwrap();
        if let Some(cant_reg) = case.cant_reg {
            request = request.with_cant_reg(cant_reg);
        }
        let local: BTreeSet<(u32, bool)> = validate(&request, &context)
            .iter()
            .map(|issue| (issue.code, issue.kind == IssueKind::Err))
            .collect();

        let answer = client
            .fe_cae_solicitar(&auth, FECAERequest::try_from(&request).unwrap())
            .await;
        let remote: BTreeSet<(u32, bool)> = match answer {
            Ok(response) => response
                .errors
                .iter()
                .map(|e| (e.code as u32, true))
                .chain(
                    response
                        .fe_det_resp
                        .iter()
                        .flat_map(|d| d.detail.observaciones.iter().map(|o| (o.code as u32, false))),
                )
                .filter(|(code, _)| !NEEDS_ARCA_DATA.contains(code))
                .collect(),
            Err(error) => error.arca_errors().iter().map(|e| (e.code as u32, true)).collect(),
        };
        let caught_locally = local.iter().any(|(code, _)| *code == case.code);
        let rejected_remotely = remote.iter().any(|(code, _)| *code == case.code);
        if !caught_locally || !rejected_remotely || local != remote {
            disagreements.push(format!(
                "rule {}: pre-validation {local:?}, simulator {remote:?}",
                case.code
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "(code, in Errors)\n{}",
        disagreements.join("\n")
    );
}
