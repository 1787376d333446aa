//! The padrón: ARCA's taxpayer registry, read through two services (docs/arca.md §J).
//!
//! - A5, `ws_sr_constancia_inscripcion` ([`A5Client`]): the "constancia de inscripción" of a
//!   CUIT — general data, fiscal address, the taxes and activities of the general regime or of
//!   monotributo, and error blocks explaining any block that is missing ([`Persona`]).
//! - A13, `ws_sr_padron_a13` ([`A13Client`]): identity and addresses ([`A13Persona`]), and every
//!   CUIT/CUIL of a DNI. No tax data.
//! - [`iva_condition`] derives a receiver's IVA condition from A5 blocks when the evidence is
//!   there and says [`IvaFinding::Unknown`] otherwise; [`voucher_classes`] gives the classes an
//!   issuer may address to it.
//! - Faults (HTTP 500 `soap:Fault`) are typed by their text into [`PadronFault`] and surface as
//!   [`crate::Error::Padron`].
//!
//! Both services are Java (CXF) SOAP 1.1 with an empty `SOAPAction` and unqualified children:
//! only the operation element carries the namespace ([`envelope`]). This module never caches,
//! never retries and never guesses an IVA condition from missing data.

mod a13;
mod a5;
pub mod condition;
mod fault;
mod model;
mod wire;

#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod recorded_tests;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::Cuit;
use crate::secret::Secret;
use crate::wsaa::AccessTicket;

pub use a5::A5Client;
pub use a13::{A13Client, A13Domicilio, A13Persona};
pub use condition::{IvaFinding, iva_condition, voucher_classes};
pub use fault::PadronFault;
pub use model::{
    Actividad, Caracterizacion, CategoriaMonotributo, DatosGenerales, DatosMonotributo, DatosRegimenGeneral,
    DomicilioFiscal, ErrorBlock, ErrorConstancia, Impuesto, Metadata, Persona, PersonaList,
};
pub use wire::{envelope, interpret};

/// The namespace of A5's operation elements (and only of them).
pub const A5_NAMESPACE: &str = "http://a5.soap.ws.server.puc.sr/";
/// The namespace of A13's operation elements (and only of them).
pub const A13_NAMESPACE: &str = "http://a13.soap.ws.server.puc.sr/";
/// The most ids one `getPersonaList_v2` may carry (the manual's limit).
pub const MAX_PERSONA_LIST: usize = 250;

/// The credentials of every padrón call but `dummy`: the ticket's token and sign (issued for
/// the padrón's service name) and the CUIT on whose behalf the query is made, which must be
/// among the ticket's relations. `Debug` shows only the CUIT.
#[derive(Clone, PartialEq)]
pub struct PadronAuth {
    pub token: Secret,
    pub sign: Secret,
    pub cuit_representada: Cuit,
}

impl PadronAuth {
    /// Uses a WSAA ticket on behalf of `cuit_representada`.
    pub fn from_ticket(ticket: &AccessTicket, cuit_representada: Cuit) -> PadronAuth {
        PadronAuth {
            token: ticket.token.clone(),
            sign: ticket.sign.clone(),
            cuit_representada,
        }
    }
}

impl fmt::Debug for PadronAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PadronAuth")
            .field("cuit_representada", &self.cuit_representada)
            .finish_non_exhaustive()
    }
}

/// What a `dummy` says about the service's three servers (`OK` when healthy). WSCDC's
/// `ComprobanteDummy` answers the same three.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerStatus {
    pub appserver: String,
    pub authserver: String,
    pub dbserver: String,
}

impl ServerStatus {
    /// Every server says `OK`.
    pub fn all_ok(&self) -> bool {
        [&self.appserver, &self.authserver, &self.dbserver]
            .iter()
            .all(|s| s.trim().eq_ignore_ascii_case("OK"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auth_debug_shows_only_the_cuit() {
        let auth = PadronAuth {
            token: Secret::new("TOKEN-VALUE"),
            sign: Secret::new("SIGN-VALUE"),
            cuit_representada: Cuit::parse("20267565393").unwrap(),
        };
        let shown = format!("{auth:?}");
        assert!(shown.contains("20267565393"), "{shown}");
        assert!(
            !shown.contains("TOKEN-VALUE") && !shown.contains("SIGN-VALUE"),
            "{shown}"
        );
    }

    #[test]
    fn server_status_all_ok() {
        let ok = ServerStatus {
            appserver: "OK".into(),
            authserver: "OK".into(),
            dbserver: "OK".into(),
        };
        assert!(ok.all_ok());
        let down = ServerStatus {
            dbserver: "ERROR".into(),
            ..ok
        };
        assert!(!down.all_ok());
    }
}
