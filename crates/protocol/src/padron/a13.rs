//! A13 (`ws_sr_padron_a13`): identity and addresses of a CUIT ([`A13Persona`]) and every
//! CUIT/CUIL registered for a DNI, through [`A13Client`].
//!
//! A13 carries no tax data: it never tells an IVA condition (use A5 for that).

use serde::{Deserialize, Serialize};

use crate::transport::HttpTransport;
use crate::wsfe::wire::Fields;
use crate::xml::Element;
use crate::{Cuit, Error};

use super::a5::server_status;
use super::model::{cuit, display_name};
use super::wire::{call, returned};
use super::{A13_NAMESPACE, PadronAuth, ServerStatus};

/// An A13 endpoint (`.../sr-padron/webservices/personaServiceA13`).
#[derive(Debug, Clone)]
pub struct A13Client {
    url: String,
    transport: HttpTransport,
}

/// A13's `persona`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct A13Persona {
    pub id_persona: Option<Cuit>,
    /// `FISICA` or `JURIDICA`.
    pub tipo_persona: Option<String>,
    pub tipo_clave: Option<String>,
    pub estado_clave: Option<String>,
    pub nombre: Option<String>,
    pub apellido: Option<String>,
    pub razon_social: Option<String>,
    /// `DNI`, ...
    pub tipo_documento: Option<String>,
    pub numero_documento: Option<String>,
    pub domicilios: Vec<A13Domicilio>,
    pub descripcion_actividad_principal: Option<String>,
}

impl A13Persona {
    /// `razonSocial`, else `apellido` and `nombre` joined by a space.
    pub fn display_name(&self) -> Option<String> {
        display_name(&self.razon_social, &self.apellido, &self.nombre)
    }

    /// Reads a `persona` element.
    pub fn from_element(element: &Element) -> Result<A13Persona, Error> {
        let f = Fields::of(element);
        Ok(A13Persona {
            id_persona: cuit(f, "idPersona"),
            tipo_persona: f.string("tipoPersona"),
            tipo_clave: f.string("tipoClave"),
            estado_clave: f.string("estadoClave"),
            nombre: f.string("nombre"),
            apellido: f.string("apellido"),
            razon_social: f.string("razonSocial"),
            tipo_documento: f.string("tipoDocumento"),
            numero_documento: f.string("numeroDocumento"),
            domicilios: element
                .children_named("domicilio")
                .map(A13Domicilio::from_element)
                .collect::<Result<_, _>>()?,
            descripcion_actividad_principal: f.string("descripcionActividadPrincipal"),
        })
    }
}

/// One of A13's `domicilio` entries (fiscal, legal, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct A13Domicilio {
    pub direccion: Option<String>,
    pub localidad: Option<String>,
    pub codigo_postal: Option<String>,
    pub id_provincia: Option<i32>,
    pub descripcion_provincia: Option<String>,
    pub tipo_domicilio: Option<String>,
}

impl A13Domicilio {
    fn from_element(element: &Element) -> Result<A13Domicilio, Error> {
        let f = Fields::of(element);
        Ok(A13Domicilio {
            direccion: f.string("direccion"),
            localidad: f.string("localidad"),
            codigo_postal: f.string("codigoPostal"),
            id_provincia: f.number("idProvincia")?,
            descripcion_provincia: f.string("descripcionProvincia"),
            tipo_domicilio: f.string("tipoDomicilio"),
        })
    }
}

impl A13Client {
    /// A client for the endpoint at `url`.
    pub fn new(transport: HttpTransport, url: impl Into<String>) -> A13Client {
        A13Client {
            url: url.into(),
            transport,
        }
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `dummy`: health of the three servers (no ticket).
    pub async fn dummy(&self) -> Result<ServerStatus, Error> {
        let response = call(
            &self.transport,
            &self.url,
            A13_NAMESPACE,
            "dummy",
            "a13.dummy",
            None,
            &[],
        )
        .await?;
        Ok(server_status(returned(&response, "return")?))
    }

    /// `getPersona`: identity and addresses of `id`.
    pub async fn get_persona(&self, auth: &PadronAuth, id: Cuit) -> Result<A13Persona, Error> {
        let params = [("idPersona", id.to_string())];
        let response = call(
            &self.transport,
            &self.url,
            A13_NAMESPACE,
            "getPersona",
            "a13.getPersona",
            Some(auth),
            &params,
        )
        .await?;
        let persona = returned(&response, "personaReturn")?;
        A13Persona::from_element(returned(persona, "persona")?)
    }

    /// `getIdPersonaListByDocumento`: every CUIT/CUIL registered for a document number (a DNI),
    /// in ARCA's order; ids that are not valid CUITs are skipped.
    pub async fn get_id_persona_list_by_documento(
        &self,
        auth: &PadronAuth,
        documento: &str,
    ) -> Result<Vec<Cuit>, Error> {
        let params = [("documento", documento.trim().to_owned())];
        let response = call(
            &self.transport,
            &self.url,
            A13_NAMESPACE,
            "getIdPersonaListByDocumento",
            "a13.getIdPersonaListByDocumento",
            Some(auth),
            &params,
        )
        .await?;
        Ok(id_list(returned(&response, "idPersonaListReturn")?))
    }
}

fn id_list(element: &Element) -> Vec<Cuit> {
    element
        .children_named("idPersona")
        .filter_map(|e| Cuit::parse(e.text.trim()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml;

    #[test]
    fn reads_persona_and_id_lists() {
        let answer = xml::parse(concat!(
            "<personaReturn><metadata><servidor>s</servidor></metadata><persona><apellido>GOMEZ</apellido>",
            "<descripcionActividadPrincipal>VENTA</descripcionActividadPrincipal>",
            "<domicilio><codigoPostal>1414</codigoPostal><descripcionProvincia>CABA</descripcionProvincia>",
            "<direccion>CORRIENTES 1</direccion><idProvincia>0</idProvincia><tipoDomicilio>FISCAL</tipoDomicilio></domicilio>",
            "<domicilio><direccion>OTRA 2</direccion><tipoDomicilio>LEGAL/REAL</tipoDomicilio></domicilio>",
            "<estadoClave>ACTIVO</estadoClave><idPersona>20401234560</idPersona><nombre>ANA</nombre>",
            "<numeroDocumento>40123456</numeroDocumento><tipoClave>CUIL</tipoClave><tipoDocumento>DNI</tipoDocumento>",
            "<tipoPersona>FISICA</tipoPersona></persona></personaReturn>"
        ))
        .unwrap();
        let persona = A13Persona::from_element(answer.child("persona").unwrap()).unwrap();
        assert_eq!(persona.id_persona, Some(Cuit::parse("20401234560").unwrap()));
        assert_eq!(persona.display_name().as_deref(), Some("GOMEZ ANA"));
        assert_eq!(persona.numero_documento.as_deref(), Some("40123456"));
        assert_eq!(persona.domicilios.len(), 2);
        assert_eq!(persona.domicilios[0].codigo_postal.as_deref(), Some("1414"));
        assert_eq!(persona.domicilios[0].id_provincia, Some(0));
        assert_eq!(persona.descripcion_actividad_principal.as_deref(), Some("VENTA"));

        let ids = xml::parse(concat!(
            "<idPersonaListReturn><idPersona>20401234560</idPersona><idPersona>27401234561</idPersona>",
            "<idPersona>1</idPersona><metadata/></idPersonaListReturn>"
        ))
        .unwrap();
        let ids: Vec<String> = id_list(&ids).iter().map(ToString::to_string).collect();
        assert_eq!(
            ids,
            ["20401234560"],
            "27401234561 has a wrong check digit; 1 is not a CUIT"
        );
    }
}
