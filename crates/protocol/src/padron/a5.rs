//! [`A5Client`]: the constancia de inscripción (`ws_sr_constancia_inscripcion`), one async method
//! per operation, each envelope → HTTP → [`super::interpret`] → [`Persona`].
//!
//! It never retries and never decides what an answer means for the caller's taxpayer.

use crate::transport::HttpTransport;
use crate::{Cuit, Error};

use super::model::{Persona, PersonaList};
use super::wire::{call, returned};
use super::{A5_NAMESPACE, MAX_PERSONA_LIST, PadronAuth, ServerStatus};

/// An A5 endpoint (`.../sr-padron/webservices/personaServiceA5`, ARCA's or the simulator's).
#[derive(Debug, Clone)]
pub struct A5Client {
    url: String,
    transport: HttpTransport,
}

impl A5Client {
    /// A client for the endpoint at `url`.
    pub fn new(transport: HttpTransport, url: impl Into<String>) -> A5Client {
        A5Client {
            url: url.into(),
            transport,
        }
    }

    /// The endpoint.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `dummy`: health of the application, authentication and database servers (no ticket).
    pub async fn dummy(&self) -> Result<ServerStatus, Error> {
        let response = call(&self.transport, &self.url, A5_NAMESPACE, "dummy", "dummy", None, &[]).await?;
        Ok(server_status(returned(&response, "return")?))
    }

    /// `getPersona_v2`: the constancia of `id`. An unknown CUIT is
    /// [`Error::Padron`] with [`super::PadronFault::PersonNotFound`].
    pub async fn get_persona(&self, auth: &PadronAuth, id: Cuit) -> Result<Persona, Error> {
        self.persona("getPersona_v2", auth, id).await
    }

    /// `getPersona`, the first version (the manual recommends v2: it lists every monotributo
    /// activity and the current caracterizaciones).
    pub async fn get_persona_v1(&self, auth: &PadronAuth, id: Cuit) -> Result<Persona, Error> {
        self.persona("getPersona", auth, id).await
    }

    /// `getPersonaList_v2`: up to [`MAX_PERSONA_LIST`] constancias in one call; an unknown id
    /// comes back as a persona with only `errorConstancia` ([`Persona::is_not_found`]). No id,
    /// or more than the limit, is [`Error::InvalidRequest`] and nothing is sent.
    pub async fn get_persona_list(&self, auth: &PadronAuth, ids: &[Cuit]) -> Result<PersonaList, Error> {
        if ids.is_empty() || ids.len() > MAX_PERSONA_LIST {
            return Err(Error::InvalidRequest(format!(
                "getPersonaList_v2 takes 1 to {MAX_PERSONA_LIST} ids, not {}",
                ids.len()
            )));
        }
        let params: Vec<(&str, String)> = ids.iter().map(|id| ("idPersona", id.to_string())).collect();
        let response = call(
            &self.transport,
            &self.url,
            A5_NAMESPACE,
            "getPersonaList_v2",
            "getPersonaList_v2",
            Some(auth),
            &params,
        )
        .await?;
        PersonaList::from_element(returned(&response, "personaListReturn")?)
    }

    async fn persona(&self, operation: &str, auth: &PadronAuth, id: Cuit) -> Result<Persona, Error> {
        let params = [("idPersona", id.to_string())];
        let response = call(
            &self.transport,
            &self.url,
            A5_NAMESPACE,
            operation,
            operation,
            Some(auth),
            &params,
        )
        .await?;
        Persona::from_element(returned(&response, "personaReturn")?)
    }
}

/// Reads a dummy's `return` (`appserver`, `authserver`, `dbserver`; missing ones are empty).
pub(super) fn server_status(element: &crate::xml::Element) -> ServerStatus {
    let field = |name: &str| element.child_text(name).unwrap_or_default().to_owned();
    ServerStatus {
        appserver: field("appserver"),
        authserver: field("authserver"),
        dbserver: field("dbserver"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::transport::Timeouts;

    #[tokio::test]
    async fn list_bounds_are_checked_before_sending() {
        // An unroutable URL: reaching the network would be NotSent, not InvalidRequest.
        let transport = HttpTransport::new(Timeouts::default(), Vec::new()).unwrap();
        let client = A5Client::new(transport, "http://127.0.0.1:9/none");
        let auth = PadronAuth {
            token: Secret::new("t"),
            sign: Secret::new("s"),
            cuit_representada: Cuit::parse("20267565393").unwrap(),
        };
        let error = client.get_persona_list(&auth, &[]).await.unwrap_err();
        assert!(
            matches!(error, Error::InvalidRequest(_)) && !error.retryable(),
            "{error:?}"
        );
        let many = vec![Cuit::parse("20267565393").unwrap(); MAX_PERSONA_LIST + 1];
        let error = client.get_persona_list(&auth, &many).await.unwrap_err();
        assert!(matches!(error, Error::InvalidRequest(_)), "{error:?}");
        assert!(error.to_string().contains("251"));
    }
}
