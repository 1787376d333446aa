//! The receiver filled from ARCA's padrón before an invoice is composed.
//!
//! - `cliente.cuit` is the short form of `documento_tipo` 80 + `documento_numero`: it is resolved
//!   into them here (a conflicting pair is a 400 naming the field).
//! - A CUIT receiver without `condicion_iva` is looked up (through the account's cached padrón
//!   answers): the IVA condition, and the name and domicilio when missing, come from it. The
//!   padrón not settling the condition is a 422 naming `cliente.condicion_iva`; the padrón not
//!   answering is a 503 `TAXPAYER_LOOKUP_UNAVAILABLE` — never a guessed condition, so never a
//!   guessed voucher class (composition picks the class from the conditions when
//!   `tipo_comprobante` is omitted).
//! - A receiver given as `cuit` with its `condicion_iva` but no name gets the name and domicilio
//!   if the padrón answers, and goes on without them if it does not: the caller gave enough.
//! - Everything else is left exactly as sent (no look-up).
//!
//! It never composes or checks the rest of the invoice and never stores anything.

use arca_protocol::Cuit;

use super::request::CreateInvoice;
use crate::taxpayers::{self, Taxpayers};

/// `request` with its receiver completed, or `None` when nothing changes.
pub async fn fill(
    taxpayers: &Taxpayers,
    account_id: &str,
    request: &CreateInvoice,
) -> Result<Option<CreateInvoice>, taxpayers::Error> {
    let cliente = &request.cliente;
    let mut filled = request.clone();
    let mut changed = false;
    // The CUIT the receiver is identified by, and the field that holds it.
    let mut identified: Option<(Cuit, &str)> = None;
    if let Some(text) = &cliente.cuit {
        let cuit = taxpayers::parse_cuit("cliente.cuit", text)?;
        let mut problems = Vec::new();
        if cliente.documento_tipo.is_some_and(|tipo| tipo != 80) {
            problems.push((
                "cliente.documento_tipo".to_string(),
                "must be 80 (CUIT) or omitted when cliente.cuit is given".to_string(),
            ));
        }
        if let Some(numero) = &cliente.documento_numero
            && Cuit::parse(numero.trim()).ok() != Some(cuit)
        {
            problems.push((
                "cliente.documento_numero".to_string(),
                "differs from cliente.cuit: give one of them".to_string(),
            ));
        }
        if !problems.is_empty() {
            return Err(crate::Error::Invalid(problems).into());
        }
        filled.cliente.documento_tipo = Some(80);
        filled.cliente.documento_numero = Some(cuit.to_string());
        changed = cliente.documento_tipo.is_none() || cliente.documento_numero.is_none();
        identified = Some((cuit, "cliente.cuit"));
    } else if cliente.documento_tipo == Some(80)
        && let Some(cuit) = cliente
            .documento_numero
            .as_deref()
            .and_then(|numero| Cuit::parse(numero.trim()).ok())
    {
        identified = Some((cuit, "cliente.documento_numero"));
    }
    let Some((cuit, field)) = identified else {
        return Ok(changed.then_some(filled));
    };
    let needs_condition = cliente.condicion_iva.is_none();
    let wants_name = cliente.cuit.is_some() && cliente.razon_social.is_none();
    if !needs_condition && !wants_name {
        return Ok(changed.then_some(filled));
    }
    let receiver = match taxpayers.receiver(account_id, cuit, field).await {
        Ok(receiver) => receiver,
        Err(error) if !needs_condition => {
            // Only the name was missing, and it is optional: go on as sent.
            tracing::info!(error = %error, "padrón look-up for an invoice's receiver name failed; going on without it");
            return Ok(changed.then_some(filled));
        }
        Err(error) => return Err(error),
    };
    if needs_condition {
        match receiver.condicion_iva {
            Ok(condition) => filled.cliente.condicion_iva = Some(condition.api_name().to_string()),
            Err(reason) => {
                return Err(taxpayers::Error::Unsettled {
                    field: "cliente.condicion_iva".into(),
                    reason,
                });
            }
        }
    }
    if filled.cliente.razon_social.is_none() {
        filled.cliente.razon_social = receiver.nombre;
    }
    if filled.cliente.domicilio.is_none() {
        filled.cliente.domicilio = receiver.domicilio;
    }
    Ok(Some(filled))
}
