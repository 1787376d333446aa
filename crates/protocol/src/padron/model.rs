//! A5's answer as typed values ([`Persona`] and its blocks) and the readers that build them from
//! `personaReturn` / `persona` elements.
//!
//! Every field is optional, as in the WSDL; unknown elements (the 2026 manual adds some no
//! stored WSDL has) are ignored. Values are kept as ARCA sends them: this module never
//! interprets a block (that is [`super::condition`]'s job).

use serde::{Deserialize, Serialize};

use crate::Cuit;
use crate::Error;
use crate::wsfe::wire::Fields;
use crate::xml::Element;

/// One A5 answer: data blocks and error blocks side by side (an error block explains why a
/// data block is missing; the call itself succeeded).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Persona {
    pub datos_generales: Option<DatosGenerales>,
    pub datos_regimen_general: Option<DatosRegimenGeneral>,
    pub datos_monotributo: Option<DatosMonotributo>,
    pub error_constancia: Option<ErrorConstancia>,
    pub error_regimen_general: Option<ErrorBlock>,
    pub error_monotributo: Option<ErrorBlock>,
    pub metadata: Option<Metadata>,
}

/// The text of `errorConstancia` for an unknown CUIT (`getPersonaList_v2` answers it per id).
const NOT_FOUND_TEXT: &str = "no existe persona con ese id";

impl Persona {
    /// The CUIT this answer is about, from `datosGenerales` or else `errorConstancia`.
    pub fn id(&self) -> Option<Cuit> {
        self.datos_generales
            .as_ref()
            .and_then(|d| d.id_persona)
            .or_else(|| self.error_constancia.as_ref().and_then(|e| e.id_persona))
    }

    /// `errorConstancia` says "No existe persona con ese Id" and there is no data block.
    pub fn is_not_found(&self) -> bool {
        let says_not_found = self
            .error_constancia
            .as_ref()
            .is_some_and(|e| e.errors.iter().any(|text| text.to_lowercase().contains(NOT_FOUND_TEXT)));
        says_not_found
            && self.datos_generales.is_none()
            && self.datos_regimen_general.is_none()
            && self.datos_monotributo.is_none()
    }

    /// Reads a `personaReturn` (or a `persona` of a list).
    pub fn from_element(element: &Element) -> Result<Persona, Error> {
        let block = |name: &str| element.child(name);
        Ok(Persona {
            datos_generales: block("datosGenerales").map(DatosGenerales::from_element).transpose()?,
            datos_regimen_general: block("datosRegimenGeneral")
                .map(DatosRegimenGeneral::from_element)
                .transpose()?,
            datos_monotributo: block("datosMonotributo")
                .map(DatosMonotributo::from_element)
                .transpose()?,
            error_constancia: block("errorConstancia").map(ErrorConstancia::from_element),
            error_regimen_general: block("errorRegimenGeneral").map(ErrorBlock::from_element),
            error_monotributo: block("errorMonotributo").map(ErrorBlock::from_element),
            metadata: block("metadata").map(Metadata::from_element),
        })
    }
}

/// `getPersonaList_v2`'s answer: one [`Persona`] per id found (unknown ids come back as a
/// persona holding only `errorConstancia`), and the call's metadata.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonaList {
    pub personas: Vec<Persona>,
    pub metadata: Option<Metadata>,
}

impl PersonaList {
    /// Reads a `personaListReturn`.
    pub fn from_element(element: &Element) -> Result<PersonaList, Error> {
        Ok(PersonaList {
            personas: element
                .children_named("persona")
                .map(Persona::from_element)
                .collect::<Result<_, _>>()?,
            metadata: element.child("metadata").map(Metadata::from_element),
        })
    }
}

/// When and where the answer was produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metadata {
    /// `2021-08-10T18:10:22.424-03:00`, as sent.
    pub fecha_hora: Option<String>,
    pub servidor: Option<String>,
}

impl Metadata {
    pub(crate) fn from_element(element: &Element) -> Metadata {
        let f = Fields::of(element);
        Metadata {
            fecha_hora: f.string("fechaHora"),
            servidor: f.string("servidor"),
        }
    }
}

/// `datosGenerales`: identity, key status and fiscal address.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatosGenerales {
    pub id_persona: Option<Cuit>,
    /// `FISICA` or `JURIDICA`.
    pub tipo_persona: Option<String>,
    /// `CUIT`, `CUIL`, ...
    pub tipo_clave: Option<String>,
    /// `ACTIVO` when the key is active.
    pub estado_clave: Option<String>,
    pub nombre: Option<String>,
    pub apellido: Option<String>,
    pub razon_social: Option<String>,
    pub domicilio_fiscal: Option<DomicilioFiscal>,
    pub es_sucesion: Option<String>,
    pub mes_cierre: Option<u32>,
    pub fecha_contrato_social: Option<String>,
    pub caracterizaciones: Vec<Caracterizacion>,
}

impl DatosGenerales {
    /// `razonSocial`, else `apellido` and `nombre` joined by a space; `None` when none is there.
    pub fn display_name(&self) -> Option<String> {
        display_name(&self.razon_social, &self.apellido, &self.nombre)
    }

    fn from_element(element: &Element) -> Result<DatosGenerales, Error> {
        let f = Fields::of(element);
        Ok(DatosGenerales {
            id_persona: cuit(f, "idPersona"),
            tipo_persona: f.string("tipoPersona"),
            tipo_clave: f.string("tipoClave"),
            estado_clave: f.string("estadoClave"),
            nombre: f.string("nombre"),
            apellido: f.string("apellido"),
            razon_social: f.string("razonSocial"),
            domicilio_fiscal: element
                .child("domicilioFiscal")
                .map(DomicilioFiscal::from_element)
                .transpose()?,
            es_sucesion: f.string("esSucesion"),
            mes_cierre: f.number("mesCierre")?,
            fecha_contrato_social: f.string("fechaContratoSocial"),
            caracterizaciones: element
                .children_named("caracterizacion")
                .map(Caracterizacion::from_element)
                .collect::<Result<_, _>>()?,
        })
    }
}

/// `razonSocial`, else "apellido nombre" (either alone when the other is missing).
pub(crate) fn display_name(
    razon_social: &Option<String>,
    apellido: &Option<String>,
    nombre: &Option<String>,
) -> Option<String> {
    if let Some(razon_social) = razon_social.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        return Some(razon_social.to_owned());
    }
    let parts: Vec<&str> = [apellido, nombre]
        .into_iter()
        .filter_map(|p| p.as_deref().map(str::trim).filter(|s| !s.is_empty()))
        .collect();
    (!parts.is_empty()).then(|| parts.join(" "))
}

/// `domicilioFiscal`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DomicilioFiscal {
    pub direccion: Option<String>,
    pub localidad: Option<String>,
    pub cod_postal: Option<String>,
    pub id_provincia: Option<i32>,
    pub descripcion_provincia: Option<String>,
    pub tipo_domicilio: Option<String>,
    pub dato_adicional: Option<String>,
    pub tipo_dato_adicional: Option<String>,
}

impl DomicilioFiscal {
    fn from_element(element: &Element) -> Result<DomicilioFiscal, Error> {
        let f = Fields::of(element);
        Ok(DomicilioFiscal {
            direccion: f.string("direccion"),
            localidad: f.string("localidad"),
            cod_postal: f.string("codPostal"),
            id_provincia: f.number("idProvincia")?,
            descripcion_provincia: f.string("descripcionProvincia"),
            tipo_domicilio: f.string("tipoDomicilio"),
            dato_adicional: f.string("datoAdicional"),
            tipo_dato_adicional: f.string("tipoDatoAdicional"),
        })
    }
}

/// `caracterizacion`: a flag ARCA attaches to the taxpayer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Caracterizacion {
    pub id_caracterizacion: Option<i32>,
    pub descripcion_caracterizacion: Option<String>,
    pub periodo: Option<String>,
}

impl Caracterizacion {
    fn from_element(element: &Element) -> Result<Caracterizacion, Error> {
        let f = Fields::of(element);
        Ok(Caracterizacion {
            id_caracterizacion: f.number("idCaracterizacion")?,
            descripcion_caracterizacion: f.string("descripcionCaracterizacion"),
            periodo: f.string("periodo"),
        })
    }
}

/// `impuesto`: one tax the taxpayer is registered for.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Impuesto {
    /// 30 IVA, 32 IVA exento, 20 monotributo, 11 ganancias personas físicas, ...
    pub id_impuesto: i32,
    pub descripcion_impuesto: Option<String>,
    /// Absent before 2026; `AC` (activo) in the 2026 manual's examples.
    pub estado_impuesto: Option<String>,
    /// `yyyymm`.
    pub periodo: Option<String>,
    pub motivo: Option<String>,
}

impl Impuesto {
    fn from_element(element: &Element) -> Result<Impuesto, Error> {
        let f = Fields::of(element);
        Ok(Impuesto {
            id_impuesto: f.required_number("idImpuesto")?,
            descripcion_impuesto: f.string("descripcionImpuesto"),
            estado_impuesto: f.string("estadoImpuesto"),
            periodo: f.string("periodo"),
            motivo: f.string("motivo"),
        })
    }

    /// Active unless `estadoImpuesto` says otherwise: absent (older answers), `AC` or
    /// `ACTIVO` count as active.
    pub fn is_active(&self) -> bool {
        match self.estado_impuesto.as_deref().map(str::trim) {
            None | Some("") => true,
            Some(state) => state.eq_ignore_ascii_case("AC") || state.eq_ignore_ascii_case("ACTIVO"),
        }
    }
}

/// `actividad` (also `actividadMonotributista`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actividad {
    pub id_actividad: Option<i64>,
    pub descripcion_actividad: Option<String>,
    pub nomenclador: Option<i32>,
    pub orden: Option<i32>,
    pub periodo: Option<String>,
}

impl Actividad {
    fn from_element(element: &Element) -> Result<Actividad, Error> {
        let f = Fields::of(element);
        Ok(Actividad {
            id_actividad: f.number("idActividad")?,
            descripcion_actividad: f.string("descripcionActividad"),
            nomenclador: f.number("nomenclador")?,
            orden: f.number("orden")?,
            periodo: f.string("periodo"),
        })
    }
}

/// `datosRegimenGeneral`: taxes and activities outside monotributo.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatosRegimenGeneral {
    pub impuestos: Vec<Impuesto>,
    pub actividades: Vec<Actividad>,
    pub categoria_autonomo: Option<String>,
}

impl DatosRegimenGeneral {
    fn from_element(element: &Element) -> Result<DatosRegimenGeneral, Error> {
        Ok(DatosRegimenGeneral {
            impuestos: all(element, "impuesto", Impuesto::from_element)?,
            actividades: all(element, "actividad", Actividad::from_element)?,
            categoria_autonomo: Fields::of(element).string("categoriaAutonomo"),
        })
    }
}

/// `categoriaMonotributo`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoriaMonotributo {
    pub id_categoria: Option<i32>,
    /// E.g. `H LOCACIONES DE SERVICIO`: the letter first.
    pub descripcion_categoria: Option<String>,
    pub id_impuesto: Option<i32>,
    pub periodo: Option<String>,
}

/// `datosMonotributo`. Its activities are `actividad` and `actividadMonotributista` together.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DatosMonotributo {
    pub impuestos: Vec<Impuesto>,
    pub actividades: Vec<Actividad>,
    pub categoria: Option<CategoriaMonotributo>,
}

impl DatosMonotributo {
    fn from_element(element: &Element) -> Result<DatosMonotributo, Error> {
        let mut actividades = all(element, "actividadMonotributista", Actividad::from_element)?;
        actividades.extend(all(element, "actividad", Actividad::from_element)?);
        let categoria = element
            .child("categoriaMonotributo")
            .map(|c| {
                let f = Fields::of(c);
                Ok::<_, Error>(CategoriaMonotributo {
                    id_categoria: f.number("idCategoria")?,
                    descripcion_categoria: f.string("descripcionCategoria"),
                    id_impuesto: f.number("idImpuesto")?,
                    periodo: f.string("periodo"),
                })
            })
            .transpose()?;
        Ok(DatosMonotributo {
            impuestos: all(element, "impuesto", Impuesto::from_element)?,
            actividades,
            categoria,
        })
    }
}

/// `errorConstancia`: why no constancia could be produced (or what is wrong with it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorConstancia {
    pub errors: Vec<String>,
    pub id_persona: Option<Cuit>,
    pub nombre: Option<String>,
    pub apellido: Option<String>,
}

impl ErrorConstancia {
    fn from_element(element: &Element) -> ErrorConstancia {
        let f = Fields::of(element);
        ErrorConstancia {
            errors: errors(element),
            id_persona: cuit(f, "idPersona"),
            nombre: f.string("nombre"),
            apellido: f.string("apellido"),
        }
    }
}

/// `errorRegimenGeneral` / `errorMonotributo`: why that data block is missing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBlock {
    pub errors: Vec<String>,
    pub mensaje: Option<String>,
}

impl ErrorBlock {
    fn from_element(element: &Element) -> ErrorBlock {
        ErrorBlock {
            errors: errors(element),
            mensaje: Fields::of(element).string("mensaje"),
        }
    }
}

fn errors(element: &Element) -> Vec<String> {
    element
        .children_named("error")
        .map(|e| e.text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .collect()
}

/// A CUIT field; a value that is not a valid CUIT (ARCA answers about whatever id it was asked)
/// reads as absent rather than failing the whole answer.
pub(crate) fn cuit(fields: Fields<'_>, name: &str) -> Option<Cuit> {
    fields.text(name).and_then(|text| Cuit::parse(text).ok())
}

fn all<T>(element: &Element, name: &str, parse: impl Fn(&Element) -> Result<T, Error>) -> Result<Vec<T>, Error> {
    element.children_named(name).map(parse).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml;

    const PERSONA: &str = concat!(
        "<personaReturn><datosGenerales><apellido>PEREZ</apellido>",
        "<caracterizacion><descripcionCaracterizacion>X</descripcionCaracterizacion><idCaracterizacion>7</idCaracterizacion>",
        "<periodo>202001</periodo><fechaSolicitud>2026-02-01</fechaSolicitud></caracterizacion>",
        "<domicilioFiscal><codPostal>1000</codPostal><idProvincia>0</idProvincia><direccion>A 1</direccion></domicilioFiscal>",
        "<estadoClave>ACTIVO</estadoClave><idPersona>20201797064</idPersona><mesCierre>12</mesCierre>",
        "<nombre>JUAN</nombre><tipoClave>CUIT</tipoClave><tipoPersona>FISICA</tipoPersona></datosGenerales>",
        "<datosRegimenGeneral><actividad><idActividad>853300</idActividad><orden>1</orden></actividad>",
        "<impuesto><descripcionImpuesto>IVA</descripcionImpuesto><estadoImpuesto>AC</estadoImpuesto>",
        "<idImpuesto>30</idImpuesto><periodo>201101</periodo></impuesto></datosRegimenGeneral>",
        "<errorMonotributo><error>no posee categoría</error><mensaje>No cumple</mensaje></errorMonotributo>",
        "<metadata><fechaHora>2021-08-10T18:10:22.424-03:00</fechaHora><servidor>setiwsh2</servidor></metadata>",
        "</personaReturn>"
    );

    #[test]
    fn reads_every_block_and_ignores_unknown_elements() {
        let persona = Persona::from_element(&xml::parse(PERSONA).unwrap()).unwrap();
        let general = persona.datos_generales.as_ref().unwrap();
        assert_eq!(persona.id(), Some(Cuit::parse("20201797064").unwrap()));
        assert_eq!(general.display_name().as_deref(), Some("PEREZ JUAN"));
        assert_eq!(general.mes_cierre, Some(12));
        assert_eq!(general.caracterizaciones[0].id_caracterizacion, Some(7));
        let domicilio = general.domicilio_fiscal.as_ref().unwrap();
        assert_eq!(
            (domicilio.id_provincia, domicilio.localidad.as_deref()),
            (Some(0), None)
        );
        let rg = persona.datos_regimen_general.as_ref().unwrap();
        assert_eq!(rg.impuestos[0].id_impuesto, 30);
        assert!(rg.impuestos[0].is_active());
        assert_eq!(rg.actividades[0].id_actividad, Some(853_300));
        assert_eq!(
            persona.error_monotributo.as_ref().unwrap().errors,
            ["no posee categoría"]
        );
        assert_eq!(persona.metadata.as_ref().unwrap().servidor.as_deref(), Some("setiwsh2"));
        assert!(!persona.is_not_found());

        let json = serde_json::to_string(&persona).unwrap();
        assert_eq!(serde_json::from_str::<Persona>(&json).unwrap(), persona);
    }

    #[test]
    fn not_found_and_invalid_values() {
        let list = xml::parse(concat!(
            "<personaListReturn><metadata><servidor>s</servidor></metadata><persona><errorConstancia>",
            "<error>No existe persona con ese Id</error><idPersona>20111111112</idPersona></errorConstancia></persona>",
            "<persona><errorConstancia><error>La clave ingresada no es una CUIT</error><idPersona>20111111113</idPersona>",
            "</errorConstancia></persona></personaListReturn>"
        ))
        .unwrap();
        let list = PersonaList::from_element(&list).unwrap();
        assert_eq!(list.personas.len(), 2);
        assert!(list.personas[0].is_not_found());
        assert_eq!(list.personas[0].id(), Some(Cuit::parse("20111111112").unwrap()));
        assert!(!list.personas[1].is_not_found());
        assert_eq!(list.personas[1].id(), None, "an invalid CUIT reads as absent");

        let bad = xml::parse(
            "<p><datosRegimenGeneral><impuesto><idImpuesto>x</idImpuesto></impuesto></datosRegimenGeneral></p>",
        )
        .unwrap();
        assert!(matches!(Persona::from_element(&bad), Err(Error::Malformed(_))));
    }

    #[test]
    fn display_names() {
        let name = |r: Option<&str>, a: Option<&str>, n: Option<&str>| {
            display_name(&r.map(String::from), &a.map(String::from), &n.map(String::from))
        };
        assert_eq!(name(Some("ACME SA"), Some("X"), None).as_deref(), Some("ACME SA"));
        assert_eq!(
            name(Some(" "), Some("ROMA"), Some("LUIS")).as_deref(),
            Some("ROMA LUIS")
        );
        assert_eq!(name(None, None, Some("LUIS")).as_deref(), Some("LUIS"));
        assert_eq!(name(None, None, None), None);
    }

    #[test]
    fn estado_impuesto() {
        let tax = |state: Option<&str>| Impuesto {
            id_impuesto: 30,
            estado_impuesto: state.map(String::from),
            ..Impuesto::default()
        };
        assert!(tax(None).is_active() && tax(Some("AC")).is_active() && tax(Some("ACTIVO")).is_active());
        assert!(!tax(Some("BD")).is_active() && !tax(Some("EX")).is_active());
    }
}
