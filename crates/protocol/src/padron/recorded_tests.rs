//! Golden tests of the padrón against real traffic: the A5 calls recorded in homologation
//! (`testdata/arca/recorded/test_ws_sr_padron__*.yaml`, 2021) and the recorded 2017–2019
//! responses kept as fixtures (`testdata/arca/fixtures/`). The envelope we build from a
//! recorded request's values has the recorded element names, namespaces and order; every
//! recorded answer reads into the values it holds, and into the IVA condition it supports.

use crate::Cuit;
use crate::Error;
use crate::codes::CondicionIvaReceptor;
use crate::recorded::{cassettes, fixture, qualified_body_elements};
use crate::secret::Secret;
use crate::xml;

use super::a5::server_status;
use super::*;

/// One recorded A5 call.
struct Recorded {
    origin: String,
    operation: String,
    request: String,
    status: u16,
    response: String,
}

fn recorded_a5() -> Vec<Recorded> {
    let mut all = Vec::new();
    for cassette in cassettes() {
        if !cassette.file.starts_with("test_ws_sr_padron__") {
            continue;
        }
        for (index, interaction) in cassette.interactions.into_iter().enumerate() {
            if interaction.method != "POST" {
                continue;
            }
            let Some(operation) = xml::parse(&interaction.request)
                .ok()
                .and_then(|e| e.child("Body")?.children.first().map(|op| op.name.clone()))
            else {
                continue;
            };
            if operation == "loginCms" {
                continue;
            }
            all.push(Recorded {
                origin: format!("{}#{index}", cassette.file),
                operation,
                request: interaction.request,
                status: interaction.status,
                response: interaction.response,
            });
        }
    }
    all
}

fn cuit(text: &str) -> Cuit {
    Cuit::parse(text).unwrap()
}

#[test]
fn cassettes_hold_the_a5_calls_we_test() {
    let recorded = recorded_a5();
    assert_eq!(recorded.len(), 4, "four getPersona calls in the padrón cassettes");
    assert!(recorded.iter().all(|r| r.operation == "getPersona" && r.status == 200));
}

#[test]
fn envelopes_match_the_recorded_requests() {
    for recorded in recorded_a5() {
        let request = xml::parse(&recorded.request).unwrap();
        let op = request.path(&["Body", &recorded.operation]).unwrap();
        let value = |name: &str| op.child_text(name).unwrap().to_owned();
        let auth = PadronAuth {
            token: Secret::new(value("token")),
            sign: Secret::new(value("sign")),
            cuit_representada: cuit(&value("cuitRepresentada")),
        };
        let params = [("idPersona", value("idPersona"))];
        let ours = envelope(A5_NAMESPACE, &recorded.operation, Some(&auth), &params);
        let expected = qualified_body_elements(&recorded.request);
        assert_eq!(qualified_body_elements(&ours), expected, "{}", recorded.origin);
        // Only the operation element is qualified.
        assert_eq!(expected[0], format!("{A5_NAMESPACE} getPersona"));
        assert!(expected[1..].iter().all(|e| e.starts_with("- ")), "{expected:?}");
        // Same values, byte for byte (the token is base64, the sign too).
        let ours = xml::parse(&ours).unwrap();
        assert_eq!(
            ours.path(&["Body", &recorded.operation]).unwrap().children,
            op.children,
            "{}",
            recorded.origin
        );
    }
}

#[test]
fn v2_and_list_envelopes_have_the_wsdl_shape() {
    let auth = PadronAuth {
        token: Secret::new("t"),
        sign: Secret::new("s"),
        cuit_representada: cuit("20267565393"),
    };
    let ids = [
        ("idPersona", "20201797064".to_owned()),
        ("idPersona", "20000000516".to_owned()),
    ];
    let list = envelope(A5_NAMESPACE, "getPersonaList_v2", Some(&auth), &ids);
    assert_eq!(
        qualified_body_elements(&list),
        [
            format!("{A5_NAMESPACE} getPersonaList_v2"),
            "- getPersonaList_v2/token".into(),
            "- getPersonaList_v2/sign".into(),
            "- getPersonaList_v2/cuitRepresentada".into(),
            "- getPersonaList_v2/idPersona".into(),
            "- getPersonaList_v2/idPersona".into(),
        ]
    );
    let a13 = envelope(
        A13_NAMESPACE,
        "getIdPersonaListByDocumento",
        Some(&auth),
        &[("documento", "40123456".into())],
    );
    assert_eq!(
        qualified_body_elements(&a13).last().unwrap(),
        "- getIdPersonaListByDocumento/documento"
    );
    assert!(qualified_body_elements(&a13)[0].starts_with(A13_NAMESPACE));
}

fn persona_of(status: u16, body: &str) -> Persona {
    let response = interpret(status, body, "getPersona").unwrap();
    Persona::from_element(response.child("personaReturn").unwrap()).unwrap()
}

#[test]
fn recorded_answers_read_into_their_values() {
    let mut seen = Vec::new();
    for recorded in recorded_a5() {
        let persona = persona_of(recorded.status, &recorded.response);
        let id = persona.id().unwrap().to_string();
        let general = persona.datos_generales.as_ref().unwrap();
        assert_eq!(general.estado_clave.as_deref(), Some("ACTIVO"));
        assert_eq!(general.tipo_persona.as_deref(), Some("FISICA"));
        assert_eq!(general.tipo_clave.as_deref(), Some("CUIT"));
        match id.as_str() {
            // Data and error blocks side by side: IVA in the general regime, no monotributo.
            "20201797064" => {
                assert_eq!(general.display_name().as_deref(), Some("VICTORIA CAROLINA DARIO"));
                let domicilio = general.domicilio_fiscal.as_ref().unwrap();
                assert_eq!(domicilio.direccion.as_deref(), Some("LARREA 1"));
                assert_eq!(domicilio.id_provincia, Some(0));
                let rg = persona.datos_regimen_general.as_ref().unwrap();
                let taxes: Vec<i32> = rg.impuestos.iter().map(|t| t.id_impuesto).collect();
                assert_eq!(taxes, [11, 30, 936]);
                assert_eq!(rg.actividades.len(), 2);
                assert_eq!(rg.actividades[1].id_actividad, Some(853_300));
                let error = persona.error_monotributo.as_ref().unwrap();
                assert_eq!(error.errors, ["Datos de monotributo incompletos- no posee categoría"]);
                assert_eq!(
                    error.mensaje.as_deref(),
                    Some("No cumple con las condiciones para enviar datos monotributo")
                );
                assert_eq!(persona.metadata.as_ref().unwrap().servidor.as_deref(), Some("setiwsh2"));
                assert_eq!(
                    iva_condition(&persona),
                    IvaFinding::Known {
                        condition: CondicionIvaReceptor::ResponsableInscripto,
                        evidence: "impuesto 30 (IVA) activo".into()
                    }
                );
            }
            // Only an error block where the tax data should be: never guessed.
            "20000000516" => {
                assert!(persona.datos_regimen_general.is_none() && persona.datos_monotributo.is_none());
                let error = persona.error_regimen_general.as_ref().unwrap();
                assert_eq!(
                    error.errors,
                    ["El contribuyente cuenta con impuestos con baja de oficio por Decreto 1299/98"]
                );
                assert!(matches!(iva_condition(&persona), IvaFinding::Unknown { .. }));
            }
            other => panic!("unexpected persona {other} in {}", recorded.origin),
        }
        assert!(!persona.is_not_found());
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen, ["20000000516", "20201797064"]);
}

#[test]
fn fixture_ri_company() {
    let persona = persona_of(200, &fixture("ws_sr_constancia_inscripcion/get_persona-success.xml"));
    let general = persona.datos_generales.as_ref().unwrap();
    // The fixture's author replaced the CUIT with one whose check digit is wrong: it reads as
    // absent rather than as a wrong CUIT.
    assert_eq!(general.id_persona, None);
    assert_eq!(general.display_name().as_deref(), Some("LA REGALERIA S A"));
    assert_eq!(general.tipo_persona.as_deref(), Some("JURIDICA"));
    assert_eq!(general.mes_cierre, Some(6));
    assert_eq!(
        general.fecha_contrato_social.as_deref(),
        Some("1996-07-31T12:00:00-03:00")
    );
    let domicilio = general.domicilio_fiscal.as_ref().unwrap();
    assert_eq!(
        (
            domicilio.localidad.as_deref(),
            domicilio.id_provincia,
            domicilio.cod_postal.as_deref()
        ),
        (Some("NUEVA YORK"), Some(12), Some("2300"))
    );
    let rg = persona.datos_regimen_general.as_ref().unwrap();
    let taxes: Vec<i32> = rg.impuestos.iter().map(|t| t.id_impuesto).collect();
    assert_eq!(taxes, [10, 30]);
    assert_eq!(rg.actividades[0].id_actividad, Some(477_330));
    assert_eq!(
        iva_condition(&persona).condition(),
        Some(CondicionIvaReceptor::ResponsableInscripto)
    );
}

#[test]
fn fixture_monotributista() {
    let persona = persona_of(200, &fixture("ws_sr_padron_a5-get_persona-success.xml"));
    assert_eq!(persona.id(), Some(cuit("27255820422")));
    assert_eq!(
        persona.datos_generales.as_ref().unwrap().display_name().as_deref(),
        Some("ALEXA HILARY")
    );
    let monotributo = persona.datos_monotributo.as_ref().unwrap();
    assert_eq!(monotributo.impuestos[0].id_impuesto, 20);
    let categoria = monotributo.categoria.as_ref().unwrap();
    assert_eq!(categoria.id_categoria, Some(45));
    assert_eq!(
        categoria.descripcion_categoria.as_deref(),
        Some("C VENTAS DE COSAS MUEBLES")
    );
    assert_eq!(
        monotributo.actividades[0].descripcion_actividad.as_deref(),
        Some("VENTAS")
    );
    let IvaFinding::Known { condition, evidence } = iva_condition(&persona) else {
        panic!()
    };
    assert_eq!(condition, CondicionIvaReceptor::Monotributo);
    assert_eq!(evidence, "monotributo, categoría C VENTAS DE COSAS MUEBLES");
}

#[test]
fn fixture_errors_and_dummy() {
    // Regime-general error block only (the 2019 recording of a person with baja de oficio).
    let persona = persona_of(200, &fixture("ws_sr_constancia_inscripcion/get_persona-failure.xml"));
    assert!(persona.error_regimen_general.is_some() && persona.datos_regimen_general.is_none());
    assert_eq!(
        persona.datos_generales.as_ref().unwrap().display_name().as_deref(),
        Some("ROMA LUIS GARMENDIA")
    );
    assert!(matches!(iva_condition(&persona), IvaFinding::Unknown { .. }));

    // The unknown-CUIT fault (status not recorded: ARCA sends faults with 500).
    let fault = fixture("ws_sr_constancia_inscripcion/get_persona-fault.xml");
    for status in [500, 200] {
        let error = interpret(status, &fault, "getPersona").unwrap_err();
        let Error::Padron { fault, message } = &error else {
            panic!("{error:?}")
        };
        assert_eq!(
            (*fault, message.as_str()),
            (PadronFault::PersonNotFound, "No existe persona con ese Id")
        );
    }

    let dummy = interpret(200, &fixture("ws_sr_constancia_inscripcion/dummy-success.xml"), "dummy").unwrap();
    let status = server_status(dummy.child("return").unwrap());
    assert!(status.all_ok(), "{status:?}");
}
