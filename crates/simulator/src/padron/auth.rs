//! The ticket check of the padrón operations (§J.1, §J.3), in this order: token and sign present
//! → token readable → signature → dates → service → `cuitRepresentada` among the token's
//! relations. Refusals carry ARCA's texts; the token and sign themselves never appear in them.

use chrono::{DateTime, Utc};

use super::{Fault, Fields, Service};
use crate::state::State;
use crate::wsaa::verify_token;

pub const MISSING: &str = "Falta token y/o sign.";
pub const MALFORMED: &str = "Token malformado";
pub const BAD_SIGNATURE: &str = "No se pudo verificar que <sign> contenga una firma valida de <token>";
pub const INVALID_PAIR: &str = "No autorizado, par token/sign invalido.";
pub const MISSING_REPRESENTED: &str = "Debe enviar la CUIT representada";

/// `Ok` when the request's ticket lets it read the padrón for its `cuitRepresentada`.
pub fn check(state: &State, service: Service, fields: &Fields<'_>, now: DateTime<Utc>) -> Result<(), Fault> {
    let (Some(token), Some(sign)) = (fields.text("token"), fields.text("sign")) else {
        return Err(Fault::validation(MISSING));
    };
    let claims = verify_token(state, token, sign, now).map_err(|rejection| {
        let message = &rejection.message;
        if message.contains("verificar hash") {
            Fault::validation(BAD_SIGNATURE)
        } else if message.contains("No validaron las fechas") {
            Fault::validation(INVALID_PAIR)
        } else {
            Fault::validation(MALFORMED)
        }
    })?;
    if !service.ticket_services().contains(&claims.service.as_str()) {
        return Err(Fault::validation(INVALID_PAIR));
    }
    let Some(represented) = fields.text("cuitRepresentada") else {
        return Err(Fault::validation(MISSING_REPRESENTED));
    };
    if !claims.relations.iter().any(|cuit| cuit == represented) {
        return Err(Fault::validation(format!(
            "Este token no le permite actuar en representacion de la CUIT {represented}"
        )));
    }
    Ok(())
}
