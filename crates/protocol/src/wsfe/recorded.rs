//! Golden tests against real homologation traffic (`testdata/arca/recorded/test_wsfev1*.yaml`,
//! pyafipws cassettes, 2021): every recorded response parses, and every request we build from
//! a recorded request's values has the recorded element structure.
//!
//! The cassettes also hold WSAA logins and a WSDL download; those are skipped.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::xml::{self, Element};
use crate::{Cuit, Error};

use super::wire::Fields;
use super::*;

/// One recorded WSFEv1 exchange.
struct Interaction {
    /// Cassette file and position, for messages.
    origin: String,
    operation: String,
    request: String,
    status: u16,
    response: String,
}

fn interactions() -> Vec<Interaction> {
    let mut all = Vec::new();
    for cassette in crate::recorded::cassettes() {
        if !(cassette.file.starts_with("test_wsfev1__") || cassette.file.starts_with("test_wsfev1_rece1__")) {
            continue;
        }
        for (index, interaction) in cassette.interactions.into_iter().enumerate() {
            if interaction.method != "POST" {
                continue; // the WSDL download
            }
            let Some(operation) = operation_of(interaction.header("soapaction"), &interaction.request) else {
                continue;
            };
            all.push(Interaction {
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

/// The operation from the SOAPAction header, else from the body element; `None` for WSAA.
fn operation_of(action: Option<&str>, body: &str) -> Option<String> {
    if let Some(operation) = action
        .map(|a| a.trim_matches('"'))
        .and_then(|a| a.strip_prefix(NAMESPACE))
    {
        return Some(operation.to_owned());
    }
    let element = operation_element(body)?.name;
    (element != "loginCms").then_some(element)
}

/// The first element inside `Body`, if any.
fn operation_element(envelope: &str) -> Option<Element> {
    xml::parse(envelope).ok()?.child("Body")?.children.first().cloned()
}

/// The local-name paths of every element inside `Body`, in document order.
fn element_paths(envelope: &str) -> Vec<String> {
    fn walk(element: &Element, prefix: &str, out: &mut Vec<String>) {
        let path = if prefix.is_empty() {
            element.name.clone()
        } else {
            format!("{prefix}/{}", element.name)
        };
        out.push(path.clone());
        for child in &element.children {
            walk(child, &path, out);
        }
    }
    let root = xml::parse(envelope).unwrap();
    let mut out = Vec::new();
    for child in &root.child("Body").unwrap().children {
        walk(child, "", &mut out);
    }
    out
}

/// Parses a response with the parser of its operation and returns a short debug rendering.
fn parse_any(operation: &str, body: &str) -> Result<String, Error> {
    fn show<T: std::fmt::Debug>(value: T) -> String {
        format!("{value:?}")
    }
    Ok(match operation {
        "FEDummy" => show(parse_response::<FEDummy>(body)?),
        "FECompUltimoAutorizado" => show(parse_response::<FECompUltimoAutorizado>(body)?),
        "FECompTotXRequest" => show(parse_response::<FECompTotXRequest>(body)?),
        "FECAESolicitar" => show(parse_response::<FECAESolicitar>(body)?),
        "FECompConsultar" => show(parse_response::<FECompConsultar>(body)?),
        "FECAEASolicitar" => show(parse_response::<FECAEASolicitar>(body)?),
        "FECAEAConsultar" => show(parse_response::<FECAEAConsultar>(body)?),
        "FECAEARegInformativo" => show(parse_response::<FECAEARegInformativo>(body)?),
        "FECAEASinMovimientoInformar" => show(parse_response::<FECAEASinMovimientoInformar>(body)?),
        "FECAEASinMovimientoConsultar" => show(parse_response::<FECAEASinMovimientoConsultar>(body)?),
        "FEParamGetCotizacion" => show(parse_response::<FEParamGetCotizacion>(body)?),
        "FEParamGetTiposTributos" => show(parse_response::<FEParamGetTiposTributos>(body)?),
        "FEParamGetTiposMonedas" => show(parse_response::<FEParamGetTiposMonedas>(body)?),
        "FEParamGetTiposIva" => show(parse_response::<FEParamGetTiposIva>(body)?),
        "FEParamGetTiposOpcional" => show(parse_response::<FEParamGetTiposOpcional>(body)?),
        "FEParamGetTiposConcepto" => show(parse_response::<FEParamGetTiposConcepto>(body)?),
        "FEParamGetPtosVenta" => show(parse_response::<FEParamGetPtosVenta>(body)?),
        "FEParamGetTiposCbte" => show(parse_response::<FEParamGetTiposCbte>(body)?),
        "FEParamGetCondicionIvaReceptor" => show(parse_response::<FEParamGetCondicionIvaReceptor>(body)?),
        "FEParamGetTiposDoc" => show(parse_response::<FEParamGetTiposDoc>(body)?),
        "FEParamGetTiposPaises" => show(parse_response::<FEParamGetTiposPaises>(body)?),
        "FEParamGetActividades" => show(parse_response::<FEParamGetActividades>(body)?),
        other => panic!("unknown operation {other}"),
    })
}

/// Builds our envelope from the values of a recorded request.
fn rebuild(operation: &str, recorded: &str) -> Result<String, Error> {
    // pyafipws sent the placeholder "yyyymmddhhmiss" as CbteFchHsGen; any valid time has the
    // same shape.
    let recorded = recorded.replace(">yyyymmddhhmiss<", ">20210701120000<");
    let request = operation_element(&recorded).ok_or_else(|| Error::Malformed("empty body".into()))?;
    let fields = Fields::of(&request);
    let auth = request.child("Auth").map(|a| {
        let a = Fields::of(a);
        Auth {
            token: crate::secret::Secret::new(a.string("Token").unwrap_or_default()),
            sign: crate::secret::Secret::new(a.string("Sign").unwrap_or_default()),
            cuit: Cuit::parse(a.text("Cuit").unwrap_or_default()).unwrap(),
        }
    });
    let auth = auth.as_ref();
    Ok(match operation {
        "FECompUltimoAutorizado" => request_envelope(&FECompUltimoAutorizado::parse(fields)?, auth),
        "FECompTotXRequest" => request_envelope(&FECompTotXRequest, auth),
        "FECAESolicitar" => request_envelope(&FECAESolicitar::parse(fields)?, auth),
        "FECompConsultar" => request_envelope(&FECompConsultar::parse(fields)?, auth),
        "FECAEASolicitar" => request_envelope(&FECAEASolicitar::parse(fields)?, auth),
        "FECAEAConsultar" => request_envelope(&FECAEAConsultar::parse(fields)?, auth),
        "FECAEARegInformativo" => request_envelope(&FECAEARegInformativo::parse(fields)?, auth),
        "FECAEASinMovimientoInformar" => request_envelope(&FECAEASinMovimientoInformar::parse(fields)?, auth),
        "FEParamGetCotizacion" => request_envelope(&FEParamGetCotizacion::parse(fields)?, auth),
        "FEParamGetTiposTributos" => request_envelope(&FEParamGetTiposTributos, auth),
        "FEParamGetTiposMonedas" => request_envelope(&FEParamGetTiposMonedas, auth),
        "FEParamGetTiposIva" => request_envelope(&FEParamGetTiposIva, auth),
        "FEParamGetTiposOpcional" => request_envelope(&FEParamGetTiposOpcional, auth),
        "FEParamGetTiposConcepto" => request_envelope(&FEParamGetTiposConcepto, auth),
        "FEParamGetPtosVenta" => request_envelope(&FEParamGetPtosVenta, auth),
        "FEParamGetTiposCbte" => request_envelope(&FEParamGetTiposCbte, auth),
        "FEParamGetTiposDoc" => request_envelope(&FEParamGetTiposDoc, auth),
        other => panic!("no recorded request builder for {other}"),
    })
}

fn find<'a>(all: &'a [Interaction], origin_prefix: &str, operation: &str) -> &'a Interaction {
    all.iter()
        .find(|i| i.origin.starts_with(origin_prefix) && i.operation == operation)
        .unwrap_or_else(|| panic!("no {operation} in {origin_prefix}"))
}

fn date(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d)
}

#[test]
fn every_recorded_response_parses() {
    let all = interactions();
    let mut per_operation: BTreeMap<&str, usize> = BTreeMap::new();
    for interaction in &all {
        assert_eq!(interaction.status, 200, "{}", interaction.origin);
        if let Err(e) = parse_any(&interaction.operation, &interaction.response) {
            panic!("{} ({}): {e}", interaction.origin, interaction.operation);
        }
        *per_operation.entry(&interaction.operation).or_default() += 1;
    }
    assert!(all.len() >= 75, "only {} WSFEv1 interactions found", all.len());
    assert_eq!(per_operation.len(), 18, "{per_operation:?}");
}

#[test]
fn recorded_cae_approval_reads_the_cae() {
    let all = interactions();
    let answer = find(&all, "test_wsfev1__test_autorizar_comprobante", "FECAESolicitar");
    let response = interpret::<FECAESolicitar>(answer.status, &answer.response).unwrap();
    let header = response.fe_cab_resp.as_ref().unwrap();
    assert_eq!(
        (header.resultado, header.pto_vta, header.cbte_tipo, header.cant_reg),
        (Resultado::A, 4000, 1, 1)
    );
    let detail = &response.fe_det_resp[0];
    let cae = detail.cae.as_deref().unwrap();
    assert_eq!(cae, "71263951827464");
    assert!(cae.len() == 14 && cae.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(detail.cae_fch_vto, date(2021, 7, 11));
    assert_eq!(
        (detail.detail.cbte_desde, detail.detail.resultado),
        (1836, Resultado::A)
    );
    assert_eq!(detail.detail.observaciones[0].code, 10217);
    assert!(response.errors.is_empty());
}

#[test]
fn recorded_rejections_are_results_with_details() {
    let all = interactions();
    // Date outside the window: rejected through an Obs, no Errors.
    let usados = find(&all, "test_wsfev1__test_main_prueba_usados", "FECAESolicitar");
    let response = interpret::<FECAESolicitar>(usados.status, &usados.response).unwrap();
    let detail = &response.fe_det_resp[0];
    assert_eq!(
        (detail.detail.resultado, detail.cae.as_deref(), detail.cae_fch_vto),
        (Resultado::R, None, None)
    );
    assert_eq!(detail.detail.observaciones[0].code, 10016);

    // The duplicate of an approved voucher: R with Err 10016 beside FeCabResp.
    let duplicate = all
        .iter()
        .filter(|i| i.origin.starts_with("test_wsfev1__test_reproceso_productos") && i.operation == "FECAESolicitar")
        .nth(1)
        .unwrap();
    let response = interpret::<FECAESolicitar>(duplicate.status, &duplicate.response).unwrap();
    assert_eq!(response.fe_cab_resp.unwrap().resultado, Resultado::R);
    assert_eq!(response.errors[0].code, 10016);

    // A 250-detail batch keeps every detail, in order.
    let batch = find(&all, "test_wsfev1__test_main_prueba_multiple", "FECAESolicitar");
    let response = interpret::<FECAESolicitar>(batch.status, &batch.response).unwrap();
    assert_eq!(
        response.fe_det_resp.len(),
        usize::try_from(response.fe_cab_resp.unwrap().cant_reg).unwrap()
    );
    assert!(
        response
            .fe_det_resp
            .windows(2)
            .all(|w| w[0].detail.cbte_desde < w[1].detail.cbte_desde)
    );
}

#[test]
fn recorded_errors_without_result_are_classified() {
    let all = interactions();
    let expired = find(&all, "test_wsfev1_rece1__test_main_dummy", "FECAESolicitar");
    let error = interpret::<FECAESolicitar>(expired.status, &expired.response).unwrap_err();
    assert!(
        error.needs_new_ticket() && error.is_arca_answer() && !error.retryable(),
        "{error}"
    );
    assert_eq!(error.arca_errors()[0].code, 600);

    let last = find(&all, "test_wsfev1_rece1__test_main_get", "FECompUltimoAutorizado");
    assert!(
        interpret::<FECompUltimoAutorizado>(last.status, &last.response)
            .unwrap_err()
            .needs_new_ticket()
    );

    let window = find(&all, "test_wsfev1__test_main_solicitar_caea", "FECAEASolicitar");
    let error = interpret::<FECAEASolicitar>(window.status, &window.response).unwrap_err();
    assert!(
        matches!(&error, Error::Rejected { errors } if errors[0].code == 15006),
        "{error}"
    );
    assert!(!error.retryable() && !error.is_outcome_unknown());

    let bad_period = find(&all, "test_wsfev1__test_main_prueba_caea", "FECAEAConsultar");
    let error = interpret::<FECAEAConsultar>(bad_period.status, &bad_period.response).unwrap_err();
    assert_eq!(error.arca_errors()[0].code, 15004);

    let not_caea = find(
        &all,
        "test_wsfev1__test_main_sinmovimiento_caea",
        "FECAEASinMovimientoInformar",
    );
    let error = interpret::<FECAEASinMovimientoInformar>(not_caea.status, &not_caea.response).unwrap_err();
    assert_eq!(error.arca_errors()[0].code, 1200);
    let response = parse_response::<FECAEASinMovimientoInformar>(&not_caea.response).unwrap();
    assert_eq!((response.resultado, response.pto_vta), (Some(Resultado::R), 4000));

    // A rejected CAEA report still has its header: a result, like FECAESolicitar.
    let report = find(&all, "test_wsfev1__test_main_prueba_caea", "FECAEARegInformativo");
    let response = interpret::<FECAEARegInformativo>(report.status, &report.response).unwrap();
    assert_eq!(
        (
            response.fe_det_resp[0].detail.resultado,
            response.fe_det_resp[0].caea.as_deref()
        ),
        (Resultado::R, None)
    );
    assert_eq!(response.errors[0].code, 782);
}

#[test]
fn recorded_lookups_treat_602_as_nothing_found() {
    let all = interactions();
    let missing = find(&all, "test_wsfev1__test_main_prueba_", "FECompConsultar");
    assert_eq!(
        interpret::<FECompConsultar>(missing.status, &missing.response).unwrap(),
        None
    );

    let no_caea = find(&all, "test_wsfev1__test_main_solicitar_caea", "FECAEAConsultar");
    assert_eq!(
        interpret::<FECAEAConsultar>(no_caea.status, &no_caea.response).unwrap(),
        None
    );

    let stored = find(&all, "test_wsfev1__test_consulta", "FECompConsultar");
    let voucher = interpret::<FECompConsultar>(stored.status, &stored.response)
        .unwrap()
        .unwrap();
    assert_eq!(voucher.cod_autorizacion.as_deref(), Some("71263951827477"));
    assert_eq!(
        (voucher.emision_tipo.as_deref(), voucher.fch_vto),
        (Some("CAE"), date(2021, 7, 11))
    );
    assert_eq!(
        (voucher.detail.imp_total, voucher.detail.mon_cotiz),
        (Decimal::from(122), Some(Decimal::ONE))
    );
    assert_eq!(voucher.detail.tributos[0].alic, Some(Decimal::ONE));
    assert_eq!(
        (voucher.pto_vta, voucher.cbte_tipo, voucher.resultado),
        (4000, 1, Some(Resultado::A))
    );

    // Unset service dates come back as empty elements.
    let reprocessed = find(&all, "test_wsfev1__test_main_reprocesar", "FECompConsultar");
    let voucher = interpret::<FECompConsultar>(reprocessed.status, &reprocessed.response)
        .unwrap()
        .unwrap();
    assert_eq!(voucher.detail.fch_serv_desde, None);
    assert_eq!(voucher.detail.cbtes_asoc[0].nro, 1234);
}

#[test]
fn recorded_parameter_tables_read_their_rows() {
    let all = interactions();
    let types = find(&all, "test_wsfev1__test_main_parametros", "FEParamGetTiposCbte");
    let types = interpret::<FEParamGetTiposCbte>(types.status, &types.response).unwrap();
    let factura_a = types.iter().find(|t| t.id == 1).unwrap();
    assert_eq!(factura_a.desc.as_deref(), Some("Factura A"));
    assert_eq!((factura_a.fch_desde, factura_a.fch_hasta), (date(2010, 9, 17), None));
    assert_eq!(types.len(), 36);

    let iva = find(&all, "test_wsfev1__test_main_parametros", "FEParamGetTiposIva");
    let iva = interpret::<FEParamGetTiposIva>(iva.status, &iva.response).unwrap();
    assert!(iva.iter().any(|t| t.id == "5" && t.desc.as_deref() == Some("21%")));

    let points = find(&all, "test_wsfev1__test_main_ptos_venta", "FEParamGetPtosVenta");
    let points = interpret::<FEParamGetPtosVenta>(points.status, &points.response).unwrap();
    assert_eq!(points.iter().map(|p| p.nro).collect::<Vec<_>>(), [3, 4, 6]);
    assert!(
        points
            .iter()
            .all(|p| p.bloqueado == Some(false) && p.fch_baja.is_none())
    );

    let quote = find(&all, "test_wsfev1__test_main_cotizacion", "FEParamGetCotizacion");
    let quote = interpret::<FEParamGetCotizacion>(quote.status, &quote.response)
        .unwrap()
        .unwrap();
    assert_eq!(quote.mon_cotiz, "101.202".parse::<Decimal>().unwrap());
    assert_eq!(quote.fch_cotiz, date(2021, 7, 21));

    let limit = find(&all, "test_wsfev1__test_main_comptox", "FECompTotXRequest");
    assert_eq!(
        interpret::<FECompTotXRequest>(limit.status, &limit.response)
            .unwrap()
            .reg_x_req,
        250
    );

    let dummy = find(&all, "test_wsfev1__test_main.yaml", "FEDummy");
    assert!(
        interpret::<FEDummy>(dummy.status, &dummy.response)
            .unwrap()
            .is_healthy()
    );
}

#[test]
fn built_requests_have_the_recorded_structure() {
    let mut checked = 0;
    for interaction in interactions() {
        if interaction.operation == "FEDummy" {
            // pyafipws sent FEDummy with an empty Body (ARCA routed it by SOAPAction); we send
            // the operation element, which the WSDL asks for.
            assert!(operation_element(&interaction.request).is_none());
            assert_eq!(element_paths(&request_envelope(&FEDummy, None)), ["FEDummy"]);
            continue;
        }
        let built = rebuild(&interaction.operation, &interaction.request)
            .unwrap_or_else(|e| panic!("{} ({}): {e}", interaction.origin, interaction.operation));
        assert_eq!(
            element_paths(&built),
            element_paths(&interaction.request),
            "{}",
            interaction.origin
        );
        checked += 1;
    }
    assert!(checked >= 70, "only {checked} requests compared");
}
