//! Golden tests of WSCDC against the calls recorded in homologation
//! (`testdata/arca/recorded/test_wscdc__*.yaml`, 2021): the envelope we build from a recorded
//! request's values has its element names, namespaces and order; every recorded answer reads
//! into the verdict or the table it holds.

use std::str::FromStr;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::Cuit;
use crate::recorded::{cassettes, qualified_body_elements};
use crate::secret::Secret;
use crate::wsfe::{Auth, Resultado};
use crate::xml;

use super::NAMESPACE;
use super::types::{CbteModo, WscdcObs};
use super::wire::{self, CONSTATAR, DUMMY};

/// One recorded WSCDC call.
struct Recorded {
    origin: String,
    operation: String,
    request: String,
    status: u16,
    response: String,
}

fn recorded() -> Vec<Recorded> {
    let mut all = Vec::new();
    for cassette in cassettes() {
        if !cassette.file.starts_with("test_wscdc__") {
            continue;
        }
        for (index, interaction) in cassette.interactions.into_iter().enumerate() {
            let Some(operation) = interaction
                .header("soapaction")
                .map(|a| a.trim_matches('"'))
                .and_then(|a| a.strip_prefix(NAMESPACE))
                .map(str::to_owned)
            else {
                continue; // WSAA logins and WSDL downloads
            };
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

fn auth_of(request: &str, operation: &str) -> Auth {
    let root = xml::parse(request).unwrap();
    let auth = root.path(&["Body", operation, "Auth"]).unwrap();
    let text = |name: &str| auth.child_text(name).unwrap().to_owned();
    Auth {
        token: Secret::new(text("Token")),
        sign: Secret::new(text("Sign")),
        cuit: Cuit::parse(&text("Cuit")).unwrap(),
    }
}

#[test]
fn envelopes_match_the_recorded_requests() {
    let mut operations: Vec<String> = Vec::new();
    for recorded in recorded() {
        let ours = match recorded.operation.as_str() {
            // The recorded dummy had an empty Body (ASMX routes by SOAPAction); ours names the
            // operation, as the WSDL describes it.
            DUMMY => {
                assert!(
                    qualified_body_elements(&recorded.request).is_empty(),
                    "{}",
                    recorded.origin
                );
                assert_eq!(
                    qualified_body_elements(&wire::dummy_envelope()),
                    [format!("{NAMESPACE} {DUMMY}")]
                );
                operations.push(recorded.operation);
                continue;
            }
            CONSTATAR => {
                let root = xml::parse(&recorded.request).unwrap();
                let request = root.path(&["Body", CONSTATAR, "CmpReq"]).unwrap();
                let cmp = wire::cmp_datos(request).unwrap();
                let ours = wire::constatar_envelope(&auth_of(&recorded.request, CONSTATAR), &cmp);
                // The same values, byte for byte (ImpTotal included: 1754.5, 1.21).
                let ours_root = xml::parse(&ours).unwrap();
                assert_eq!(
                    ours_root.path(&["Body", CONSTATAR]).unwrap().children,
                    root.path(&["Body", CONSTATAR]).unwrap().children,
                    "{}",
                    recorded.origin
                );
                ours
            }
            operation => wire::parameter_envelope(operation, &auth_of(&recorded.request, operation)),
        };
        let expected = qualified_body_elements(&recorded.request);
        assert!(expected.iter().all(|e| e.starts_with(NAMESPACE)), "{expected:?}");
        assert_eq!(qualified_body_elements(&ours), expected, "{}", recorded.origin);
        operations.push(recorded.operation);
    }
    operations.sort();
    operations.dedup();
    assert_eq!(
        operations,
        [
            "ComprobanteConstatar",
            "ComprobanteDummy",
            "ComprobantesModalidadConsultar",
            "ComprobantesTipoConsultar",
            "DocumentosTipoConsultar",
            "OpcionalesTipoConsultar"
        ]
    );
}

#[test]
fn recorded_answers_read_into_their_values() {
    let mut verdicts = Vec::new();
    for recorded in recorded() {
        let (status, body, origin) = (recorded.status, recorded.response.as_str(), &recorded.origin);
        let event = WscdcObs {
            code: 0,
            msg: String::new(),
        };
        match recorded.operation.as_str() {
            DUMMY => assert!(wire::interpret_dummy(status, body).unwrap().all_ok(), "{origin}"),
            CONSTATAR => {
                let result = wire::interpret_constatar(status, body).unwrap();
                assert_eq!(result.events, [event], "{origin}");
                let echo = result.cmp_resp.clone().unwrap();
                assert_eq!(echo.cbte_modo, CbteModo::Cae);
                assert_eq!(echo.cuit_emisor.to_string(), "20267565393");
                match echo.cod_autorizacion.as_str() {
                    "69333775104382" => {
                        assert_eq!(result.resultado, Resultado::A);
                        assert!(result.observaciones.is_empty() && result.errors.is_empty());
                        assert_eq!((echo.pto_vta, echo.cbte_tipo, echo.cbte_nro), (5, 1, 2424));
                        assert_eq!(echo.cbte_fch, NaiveDate::from_ymd_opt(2019, 8, 13).unwrap());
                        assert_eq!(echo.imp_total, Decimal::from_str("1754.5").unwrap());
                        assert_eq!(echo.doc_tipo_receptor.as_deref(), Some("80"));
                        assert_eq!(result.fch_proceso.as_deref(), Some("20210620152855"));
                    }
                    "63533727749637" => {
                        assert_eq!(result.resultado, Resultado::R);
                        assert_eq!(result.observaciones.len(), 1);
                        assert_eq!(result.observaciones[0].code, 100);
                        assert!(
                            result.observaciones[0].msg.contains("no existe"),
                            "{:?}",
                            result.observaciones
                        );
                        assert_eq!((echo.pto_vta, echo.cbte_tipo, echo.cbte_nro), (3, 6, 1));
                        assert_eq!(echo.imp_total, Decimal::from_str("1.21").unwrap());
                        assert_eq!(echo.doc_nro_receptor.as_deref(), Some("0"));
                    }
                    other => panic!("unexpected CAE {other} in {origin}"),
                }
                verdicts.push(result.resultado);
            }
            operation => {
                let rows = wire::interpret_parameters(status, body, operation).unwrap();
                let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
                match operation {
                    "ComprobantesModalidadConsultar" => {
                        assert_eq!(ids, ["CAE", "CAEA", "CAI"], "{origin}");
                        assert_eq!(rows[0].desc, "Comprobantes - CAE");
                    }
                    "ComprobantesTipoConsultar" => {
                        assert_eq!(rows.len(), 58, "{origin}");
                        assert_eq!((ids[0], rows[0].desc.as_str()), ("1", "Factura A"));
                        for id in ["19", "20", "21", "201", "213"] {
                            assert!(ids.contains(&id), "{id} in {origin}");
                        }
                    }
                    "DocumentosTipoConsultar" => {
                        assert_eq!(rows.len(), 36, "{origin}");
                        assert_eq!((ids[0], rows[0].desc.as_str()), ("80", "CUIT"));
                        // Provincial ids keep their leading zero.
                        assert!(ids.contains(&"00") && ids.contains(&"02") && ids.contains(&"99"));
                    }
                    // 503 "Sin Resultados".
                    "OpcionalesTipoConsultar" => assert!(rows.is_empty(), "{origin}"),
                    other => panic!("unexpected operation {other}"),
                }
            }
        }
    }
    verdicts.sort_by_key(|r| r.as_str());
    assert_eq!(verdicts, [Resultado::A, Resultado::R]);
}
