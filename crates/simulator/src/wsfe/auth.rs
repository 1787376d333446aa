//! The `Auth` check every WSFEv1 operation but `FEDummy` makes (docs/arca.md §B.9), in
//! ARCA's order: `Auth` present → token readable → token dates → signature → service → CUIT
//! among the token's relations.

use chrono::{DateTime, Utc};

use super::envelope::Xml;
use super::request::Fields;
use crate::soap::Document;
use crate::state::State;
use crate::wsaa::verify_token;

pub const MISSING_AUTH: &str = "Campo Auth no fue ingresado o esta mal formado.";

/// The represented CUIT when the ticket is good; otherwise the error code and ARCA's message.
pub fn authenticate(
    state: &State,
    document: &Document,
    operation: usize,
    now: DateTime<Utc>,
) -> Result<i64, (u32, String)> {
    // Elements outside the FEV1 namespace are invisible to ASMX, so a non-namespaced Auth is
    // "not informed" (§A.3).
    let auth = Fields::of(document, operation)
        .nested("Auth")
        .ok_or((500, MISSING_AUTH.to_string()))?;
    let token = auth.text("Token").unwrap_or_default();
    let sign = auth.text("Sign").unwrap_or_default();
    let claims = verify_token(state, &token, &sign, now).map_err(|r| (r.code, r.message))?;
    if claims.service != "wsfe" {
        return Err((
            600,
            format!(
                "ValidacionDeToken: No valido Id Sistema: wsfe(Id Sistema de token es: {})",
                claims.service
            ),
        ));
    }
    let cuit = auth.text("Cuit").unwrap_or_default();
    if !claims.relations.contains(&cuit) {
        return Err((
            600,
            format!("ValidacionDeToken: No apareció CUIT en lista de relaciones: {cuit}"),
        ));
    }
    cuit.parse().map_err(|_| {
        (
            600,
            format!("ValidacionDeToken: No apareció CUIT en lista de relaciones: {cuit}"),
        )
    })
}

/// The result body of a refused call: only `Errors`, except where ARCA writes zeroed values
/// first (`FECompUltimoAutorizado`, §B.9).
pub fn refusal(operation: &str, code: u32, message: &str) -> String {
    let mut xml = Xml::new();
    if operation == "FECompUltimoAutorizado" {
        xml.text("PtoVta", 0).text("CbteTipo", 0).text("CbteNro", 0);
    }
    xml.errors(&[(code, message.to_string())]);
    xml.into_string()
}
