//! The fake taxpayers every simulator starts with, one per case a client must tell apart. They
//! are stored as A5 blocks like any other registry entry (`PUT /_sim/padron/{cuit}` replaces
//! them); nothing here states an IVA condition, only the taxes and blocks ARCA would list.
//! Names and addresses are invented.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::registry::PadronRecord;

/// DEMO COMERCIO S.R.L.: a company registered in IVA (impuesto 30 active); the zero-setup demo
/// company, and the CUIT of the simulator's test certificates.
pub const DEMO: &str = "20267565393";
/// A company registered in IVA.
pub const RI_COMPANY: &str = "30712345671";
/// A persona física registered in IVA (with the usual "no monotributo data" error block).
pub const RI_PERSON: &str = "20301112220";
/// A monotributista, categoría H.
pub const MONOTRIBUTO: &str = "27301112225";
/// An entity exempt from IVA (impuesto 32).
pub const EXENTO: &str = "30700000016";
/// A persona física with neither IVA nor monotributo (only income tax).
pub const CONSUMIDOR_FINAL: &str = "20334445551";
/// A CUIT whose key is INACTIVO.
pub const INACTIVE: &str = "20355556663";
/// A persona física with a DNI, for A13's `getIdPersonaListByDocumento`.
pub const WITH_DNI: &str = "20401234560";
/// The DNI of [`WITH_DNI`].
pub const WITH_DNI_DOCUMENT: &str = "40123456";
/// General data and an error block only: no tax data to decide anything on.
pub const ONLY_ERRORS: &str = "20000000516";
/// Not in the registry: A5 answers "No existe persona con ese Id".
pub const UNKNOWN: &str = "20111111112";

fn address(street: &str, city: &str, postal: &str, province: (i64, &str)) -> Value {
    json!({
        "codPostal": postal, "descripcionProvincia": province.1, "direccion": street,
        "idProvincia": province.0, "localidad": city, "tipoDomicilio": "FISCAL",
    })
}

fn tax(id: i64, description: &str, since: &str) -> Value {
    json!({"descripcionImpuesto": description, "estadoImpuesto": "AC", "idImpuesto": id, "periodo": since})
}

fn activity(id: i64, description: &str, order: i64, since: &str) -> Value {
    json!({"descripcionActividad": description, "idActividad": id, "nomenclador": 883, "orden": order, "periodo": since})
}

fn company(cuit: &str, name: &str, founded: &str, home: Value) -> Value {
    json!({
        "domicilioFiscal": home, "estadoClave": "ACTIVO", "fechaContratoSocial": founded,
        "idPersona": cuit.parse::<i64>().unwrap_or_default(), "mesCierre": 12, "razonSocial": name,
        "tipoClave": "CUIT", "tipoPersona": "JURIDICA",
    })
}

fn person(cuit: &str, first: &str, last: &str, home: Value) -> Value {
    json!({
        "apellido": last, "domicilioFiscal": home, "estadoClave": "ACTIVO",
        "idPersona": cuit.parse::<i64>().unwrap_or_default(), "mesCierre": 12, "nombre": first,
        "tipoClave": "CUIT", "tipoPersona": "FISICA",
    })
}

fn record(value: Value) -> PadronRecord {
    serde_json::from_value(value).unwrap_or_default()
}

const CABA: (i64, &str) = (0, "CIUDAD AUTONOMA BUENOS AIRES");
const CORDOBA: (i64, &str) = (3, "CORDOBA");
const SANTA_FE: (i64, &str) = (12, "SANTA FE");
const BUENOS_AIRES: (i64, &str) = (1, "BUENOS AIRES");

/// The registry a fresh simulator holds.
pub(crate) fn registry() -> BTreeMap<i64, PadronRecord> {
    let no_monotributo = json!({
        "error": ["Datos de monotributo incompletos- no posee categoría"],
        "mensaje": "No cumple con las condiciones para enviar datos monotributo",
    });
    let entries = [
        (
            DEMO,
            json!({
                "datosGenerales": company(DEMO, "DEMO COMERCIO S.R.L.", "2015-03-10T12:00:00-03:00",
                    address("AV CORRIENTES 1234 PISO 5", "CIUDAD AUTONOMA BUENOS AIRES", "1043", CABA)),
                "datosRegimenGeneral": {
                    "actividad": [activity(477190, "VENTA AL POR MENOR DE ARTICULOS N.C.P.", 1, "201311")],
                    "impuesto": [tax(10, "GANANCIAS SOCIEDADES", "201504"), tax(30, "IVA", "201504")],
                },
            }),
        ),
        (
            RI_COMPANY,
            json!({
                "datosGenerales": company(RI_COMPANY, "SERVICIOS INTEGRALES DEL SUR S.A.", "2019-08-01T12:00:00-03:00",
                    address("BV SAN JUAN 850", "CORDOBA", "5000", CORDOBA)),
                "datosRegimenGeneral": {
                    "actividad": [activity(620100, "SERVICIOS DE CONSULTORES EN INFORMATICA", 1, "201908")],
                    "impuesto": [tax(10, "GANANCIAS SOCIEDADES", "201908"), tax(30, "IVA", "201908"),
                        tax(301, "EMPLEADOR-APORTES SEG. SOCIAL", "201910")],
                },
            }),
        ),
        (
            RI_PERSON,
            json!({
                "datosGenerales": person(RI_PERSON, "JUAN CARLOS", "PEREYRA",
                    address("SAN MARTIN 455", "ROSARIO", "2000", SANTA_FE)),
                "datosRegimenGeneral": {
                    "actividad": [activity(692000, "SERVICIOS DE CONTABILIDAD Y AUDITORIA", 1, "201311")],
                    "impuesto": [tax(11, "GANANCIAS PERSONAS FISICAS", "201201"), tax(30, "IVA", "201201")],
                },
                "errorMonotributo": no_monotributo,
            }),
        ),
        (
            MONOTRIBUTO,
            json!({
                "datosGenerales": person(MONOTRIBUTO, "MARIA LAURA", "GIMENEZ",
                    address("BELGRANO 77", "LA PLATA", "1900", BUENOS_AIRES)),
                "datosMonotributo": {
                    "actividadMonotributista": activity(960990, "SERVICIOS PERSONALES N.C.P.", 1, "202001"),
                    "categoriaMonotributo": {"descripcionCategoria": "H LOCACIONES DE SERVICIO",
                        "idCategoria": 83, "idImpuesto": 20, "periodo": "202402"},
                    "impuesto": [tax(20, "MONOTRIBUTO", "202001"), tax(21, "APORTES SEG SOCIAL AUTONOMOS-MONOTRIBUTO", "202001")],
                },
                "errorRegimenGeneral": {
                    "error": ["El contribuyente no posee impuestos en el regimen general"],
                    "mensaje": "No cumple con las condiciones para enviar datos del regimen general",
                },
            }),
        ),
        (
            EXENTO,
            json!({
                "datosGenerales": company(EXENTO, "FUNDACION AYUDA COMUNITARIA", "2001-05-20T12:00:00-03:00",
                    address("RIVADAVIA 3300", "CIUDAD AUTONOMA BUENOS AIRES", "1203", CABA)),
                "datosRegimenGeneral": {
                    "actividad": [activity(949990, "SERVICIOS DE ASOCIACIONES N.C.P.", 1, "201311")],
                    "impuesto": [tax(32, "IVA EXENTO", "200106")],
                },
            }),
        ),
        (
            CONSUMIDOR_FINAL,
            json!({
                "datosGenerales": person(CONSUMIDOR_FINAL, "DIEGO MARTIN", "FERRARI",
                    address("MITRE 1020", "MENDOZA", "5500", (7, "MENDOZA"))),
                "datosRegimenGeneral": {
                    "impuesto": [tax(11, "GANANCIAS PERSONAS FISICAS", "202203")],
                },
                "errorMonotributo": no_monotributo,
            }),
        ),
        (
            INACTIVE,
            json!({
                "datosGenerales": {
                    "apellido": "QUIROGA", "domicilioFiscal": address("ALSINA 12", "SALTA", "4400", (17, "SALTA")),
                    "estadoClave": "INACTIVO", "idPersona": 20_355_556_663_i64, "mesCierre": 12,
                    "nombre": "ROBERTO", "tipoClave": "CUIT", "tipoPersona": "FISICA",
                },
                "datosRegimenGeneral": {"impuesto": [tax(30, "IVA", "200903")]},
            }),
        ),
        (
            WITH_DNI,
            json!({
                "datosGenerales": person(WITH_DNI, "TOMAS AGUSTIN", "RIVERO",
                    address("COLON 540", "CORDOBA", "5000", CORDOBA)),
                "datosRegimenGeneral": {
                    "actividad": [activity(741000, "SERVICIOS DE DISEÑO ESPECIALIZADO", 1, "202105")],
                    "impuesto": [tax(11, "GANANCIAS PERSONAS FISICAS", "202105"), tax(30, "IVA", "202105")],
                },
                "documento": WITH_DNI_DOCUMENT,
            }),
        ),
        (
            ONLY_ERRORS,
            json!({
                "datosGenerales": {
                    "apellido": "SOSA", "domicilioFiscal": {
                        "codPostal": "8371", "datoAdicional": "CASA 2", "descripcionProvincia": "NEUQUEN",
                        "direccion": "LOS ALAMOS 2", "idProvincia": 20, "localidad": "JUNIN DE LOS ANDES",
                        "tipoDatoAdicional": "NO DETERMINADO", "tipoDomicilio": "FISCAL",
                    },
                    "estadoClave": "ACTIVO", "idPersona": 20_000_000_516_i64, "mesCierre": 12,
                    "nombre": "PABLO ANDRES", "tipoClave": "CUIT", "tipoPersona": "FISICA",
                },
                "errorRegimenGeneral": {
                    "error": ["El contribuyente cuenta con impuestos con baja de oficio por Decreto 1299/98"],
                    "mensaje": "No cumple con las condiciones para enviar datos del regimen general",
                },
            }),
        ),
    ];
    entries
        .into_iter()
        .filter_map(|(cuit, value)| Some((cuit.parse::<i64>().ok()?, record(value))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sample_parses_with_a_valid_cuit() {
        let registry = registry();
        assert_eq!(registry.len(), 9);
        for (cuit, record) in &registry {
            assert!(!record.blocks().is_empty(), "{cuit}");
            assert!(super::super::valid_cuit(&cuit.to_string()), "{cuit}");
        }
        assert!(super::super::valid_cuit(UNKNOWN));
        assert!(!registry.contains_key(&UNKNOWN.parse::<i64>().unwrap()));
        assert_eq!(
            registry[&MONOTRIBUTO.parse::<i64>().unwrap()].taxpayer(0).iva_condition,
            6
        );
        assert_eq!(registry[&EXENTO.parse::<i64>().unwrap()].taxpayer(0).iva_condition, 4);
        assert_eq!(
            registry[&CONSUMIDOR_FINAL.parse::<i64>().unwrap()]
                .taxpayer(0)
                .iva_condition,
            5
        );
        assert!(!registry[&INACTIVE.parse::<i64>().unwrap()].taxpayer(0).active);
    }

    #[test]
    fn the_registry_is_kept_in_the_state_file_and_feeds_the_receiver_checks() {
        use crate::wsfe::store::WsfeState;
        let id = |cuit: &str| cuit.parse::<i64>().unwrap();
        let mut state = WsfeState::default();
        state.padron.remove(&id(DEMO));
        let saved = serde_json::to_value(&state).unwrap();
        let restored: WsfeState = serde_json::from_value(saved.clone()).unwrap();
        assert_eq!(restored.padron.len(), 8);
        assert!(!restored.padron.contains_key(&id(DEMO)));
        // A state file written before the registry existed starts with the samples.
        let mut older = saved;
        older.as_object_mut().unwrap().remove("padron");
        let older: WsfeState = serde_json::from_value(older).unwrap();
        assert_eq!(older.padron.len(), 9);
        assert!(older.taxpayer(id(MONOTRIBUTO)).monotributista);
        assert!(!older.taxpayer(id(CONSUMIDOR_FINAL)).active_in_tax);
        assert_eq!(
            older.taxpayer(id(UNKNOWN)),
            crate::wsfe::registry::Taxpayer::assumed(id(UNKNOWN))
        );
    }
}
