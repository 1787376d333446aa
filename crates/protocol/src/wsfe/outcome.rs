//! Turning ARCA's `Errors` into the caller's result.
//!
//! The rules, in one place:
//! - `FECAESolicitar` and `FECAEARegInformativo`: a response with `FeCabResp` is a result,
//!   whatever its `Resultado` (`A`, `R` or `P`) and whatever `Errors` it carries (10016 comes
//!   that way); the caller inspects each detail. Only `Errors` without `FeCabResp` is an error.
//! - Every other operation (including `FECAEASinMovimientoInformar`, a single yes/no
//!   declaration): any `Err` makes the call an error, except 602 ("no data") on the look-ups
//!   (`FECompConsultar`, `FECAEAConsultar`, `FECAEASinMovimientoConsultar`, the `FEParamGet*`),
//!   which is an empty answer (`None` or an empty list), not a failure.
//! - The error variant is chosen by code: 600/601 → [`Error::TokenRejected`], 500–502 →
//!   [`Error::ArcaInternal`], anything else → [`Error::Rejected`].

use crate::Error;

use super::messages::ArcaErr;

/// ARCA's "No existen datos en nuestros registros" (also "Sin Resultados").
pub const NOT_FOUND: i32 = 602;

/// Whether `error` is WSFEv1's 600 for a represented CUIT missing from the ticket's relations
/// ("ValidacionDeToken: No apareció CUIT en lista de relaciones: …"). The ticket itself is good:
/// a new one would be refused with `coe.alreadyAuthenticated` while it lasts, and would not help
/// anyway — a relation must be added in ARCA.
pub fn is_missing_relation(error: &ArcaErr) -> bool {
    let message = error.msg.to_lowercase();
    error.code == 600
        && (message.contains("lista de relaciones")
            || message.contains("no aparecio cuit")
            || message.contains("no apareció cuit"))
}

/// The error for a response that carries `Errors` and no result.
pub fn error_from(errors: Vec<ArcaErr>) -> Error {
    if errors.iter().any(|e| matches!(e.code, 600 | 601)) {
        Error::TokenRejected { errors }
    } else if errors.iter().any(|e| matches!(e.code, 500..=502)) {
        Error::ArcaInternal { errors }
    } else {
        Error::Rejected { errors }
    }
}

/// `Ok` when there are no errors.
pub(crate) fn ensure_no_errors(errors: &[ArcaErr]) -> Result<(), Error> {
    if errors.is_empty() {
        Ok(())
    } else {
        Err(error_from(errors.to_vec()))
    }
}

/// Like [`ensure_no_errors`], but a lone 602 means "nothing found": `Ok(false)`.
pub(crate) fn found(errors: &[ArcaErr]) -> Result<bool, Error> {
    if !errors.is_empty() && errors.iter().all(|e| e.code == NOT_FOUND) {
        return Ok(false);
    }
    ensure_no_errors(errors).map(|()| true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(code: i32, msg: &str) -> ArcaErr {
        ArcaErr { code, msg: msg.into() }
    }

    #[test]
    fn a_missing_relation_keeps_the_ticket_a_bad_token_does_not() {
        let relation = error_from(vec![err(
            600,
            "ValidacionDeToken: No apareció CUIT en lista de relaciones: 20111111112",
        )]);
        assert!(matches!(relation, Error::TokenRejected { .. }));
        assert!(!relation.needs_new_ticket() && !relation.retryable());
        let expired = error_from(vec![err(
            600,
            "ValidacionDeToken: Error al verificar hash: token expirado",
        )]);
        assert!(expired.needs_new_ticket());
        assert!(!is_missing_relation(&err(
            601,
            "No apareció CUIT en lista de relaciones"
        )));
    }
}
