//! `Auth` (`FEAuthRequest`): the access ticket's token and sign plus the represented CUIT.

use crate::Cuit;
use crate::secret::Secret;
use crate::wsaa::AccessTicket;

use super::wire::XmlWriter;

/// The credentials of every WSFEv1 call but `FEDummy`. `Debug` shows only the CUIT: token and
/// sign are [`Secret`]s.
#[derive(Debug, Clone, PartialEq)]
pub struct Auth {
    pub token: Secret,
    pub sign: Secret,
    /// The CUIT being represented (the issuer); must be among the ticket's relations (600).
    pub cuit: Cuit,
}

impl Auth {
    /// Uses a WSAA ticket on behalf of `cuit`.
    pub fn from_ticket(ticket: &AccessTicket, cuit: Cuit) -> Auth {
        Auth {
            token: ticket.token.clone(),
            sign: ticket.sign.clone(),
            cuit,
        }
    }

    pub(crate) fn write(&self, w: &mut XmlWriter) {
        w.open("Auth");
        w.leaf("Token", self.token.expose());
        w.leaf("Sign", self.sign.expose());
        w.leaf("Cuit", self.cuit);
        w.close("Auth");
    }
}
