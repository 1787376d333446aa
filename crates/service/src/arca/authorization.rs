//! Whether a certificate may use each ARCA service, and what to do when it may not.
//!
//! - [`NotAuthorized`]: the facts of a fix-it problem (`ARCA_SERVICE_NOT_AUTHORIZED`): which
//!   service to enable in ARCA's "Administrador de Relaciones de Clave Fiscal", for which CUIT,
//!   and ARCA's own code and text.
//! - [`not_authorized`]: which of ARCA's answers mean "not authorized": WSAA `coe.notAuthorized`
//!   (the certificate has no relation for the service), WSFEv1 600 "No apareció CUIT en lista de
//!   relaciones" and WSCDC 601 (the relation exists, but not for the represented CUIT), the
//!   padrón's "no le permite actuar en representación" (the same, in the padrón's words), and
//!   wsfecred's (`arca_protocol::wsfecred::is_not_represented`).
//! - [`Arca::check_services`]: `GET /v1/certificates/{id}/services`, one [`ServiceCheck`] per
//!   [`ArcaService::ALL`].
//!
//! It never logs in on its own: every ticket comes from the ticket store (memory, database, or
//! one login whose ticket is stored), so a check never throws a ticket away (a lost ticket
//! locks the service out with `coe.alreadyAuthenticated` until it expires).

use arca_protocol::Cuit;
use arca_protocol::padron::PadronFault;
use arca_protocol::wsaa::WsaaFault;
use chrono::{DateTime, Utc};

use super::{Arca, ArcaService};
use crate::certificates::{self, Status};
use crate::{Error, accounts};

/// How ARCA said no.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// WSAA refused the login for the service (`coe.notAuthorized`): no relation delegates the
    /// service to the certificate.
    NoRelation,
    /// The service took the ticket but refused to act for the represented CUIT (WSFEv1 600 "No
    /// apareció CUIT en lista de relaciones", WSCDC 601, the padrón's "no le permite actuar en
    /// representación"): the relation exists for another CUIT, not this one.
    NotRepresented,
}

/// A certificate not authorized for an ARCA service: what the fix-it problem says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAuthorized {
    pub service: ArcaService,
    pub refusal: Refusal,
    /// The CUIT the calls are made for (the account's), when known where ARCA refused.
    pub cuit: Option<Cuit>,
    /// The CUIT the certificate was issued to.
    pub certificate_cuit: Option<Cuit>,
    /// ARCA's code (`coe.notAuthorized`, `600`, `601`, …) and text.
    pub arca_code: String,
    pub arca_message: String,
}

impl NotAuthorized {
    /// The CUIT whose relations must change: the represented one, else the certificate's.
    pub fn cuit_to_fix(&self) -> Option<Cuit> {
        self.cuit.or(self.certificate_cuit)
    }

    /// The certificate's CUIT when it is not the represented one.
    fn other_certificate_cuit(&self) -> Option<Cuit> {
        self.certificate_cuit
            .filter(|certificate| Some(*certificate) != self.cuit)
    }

    /// What is wrong and what to do, in one paragraph.
    pub fn detail(&self) -> String {
        let label = self.service.arca_label();
        let cuit = self
            .cuit_to_fix()
            .map(|cuit| format!("CUIT {cuit}"))
            .unwrap_or_else(|| "the account's CUIT".into());
        let certificate = match self.other_certificate_cuit() {
            Some(certificate) => format!(" (the certificate was issued to CUIT {certificate})"),
            None => String::new(),
        };
        match self.refusal {
            Refusal::NoRelation => format!(
                "the certificate is not authorized for the ARCA service {label}{certificate}: in ARCA's \
                 \"Administrador de Relaciones de Clave Fiscal\", signed in with the clave fiscal of {cuit}, \
                 add a relation for {label} to the certificate's computador fiscal"
            ),
            Refusal::NotRepresented => format!(
                "the certificate may use {label} but not on behalf of {cuit}{certificate}: in ARCA's \
                 \"Administrador de Relaciones de Clave Fiscal\", signed in with the clave fiscal of {cuit}, \
                 delegate {label} to the certificate's CUIT (or its computador fiscal)"
            ),
        }
    }

    /// The steps, shorter than the detail.
    pub fn hint(&self) -> String {
        let cuit = self
            .cuit_to_fix()
            .map(|cuit| cuit.to_string())
            .unwrap_or_else(|| "the account's CUIT".into());
        format!(
            "ARCA web site → Administrador de Relaciones de Clave Fiscal (as {cuit}) → Nueva Relación → \
             service \"{}\" → representative: the certificate's computador fiscal{}; then try again (a new \
             relation can take a few minutes to reach the web services)",
            self.service.arca_label(),
            self.other_certificate_cuit()
                .map(|certificate| format!(" (CUIT {certificate})"))
                .unwrap_or_default(),
        )
    }
}

/// The [`NotAuthorized`] that `error` means when `service` answered it for `cuit` with a
/// certificate of `certificate_cuit`; `None` when it means something else.
pub fn not_authorized(
    service: ArcaService,
    error: &arca_protocol::Error,
    cuit: Option<Cuit>,
    certificate_cuit: Option<Cuit>,
) -> Option<NotAuthorized> {
    let refusal = |refusal: Refusal, code: String, message: String| NotAuthorized {
        service,
        refusal,
        cuit,
        certificate_cuit,
        arca_code: code,
        arca_message: message,
    };
    if let arca_protocol::Error::Wsaa {
        fault: WsaaFault::NotAuthorized,
        message,
    } = error
    {
        return Some(refusal(
            Refusal::NoRelation,
            "coe.notAuthorized".into(),
            message.clone(),
        ));
    }
    if let Some((code, message)) =
        padron_not_represented(error).filter(|_| matches!(service, ArcaService::PadronA5 | ArcaService::PadronA13))
    {
        return Some(refusal(Refusal::NotRepresented, code, message));
    }
    error
        .arca_errors()
        .iter()
        .find(|err| match service {
            // 600 is also an expired or forged ticket; only this text is the missing relation.
            ArcaService::Wsfe => arca_protocol::wsfe::outcome::is_missing_relation(err),
            // 601: "CUIT representada no incluida en Token".
            ArcaService::Wscdc => err.code == 601,
            // wsfecred: the represented CUIT outside the ticket (601, or ARCA's text saying so).
            ArcaService::Wsfecred => arca_protocol::wsfecred::is_not_represented(err),
            ArcaService::PadronA5 | ArcaService::PadronA13 => false,
        })
        .map(|err| NotAuthorized {
            // WSFEv1 ends its text with the CUIT it looked for ("…relaciones: 30714075345").
            cuit: cuit.or_else(|| cuit_at_end(&err.msg)),
            ..refusal(Refusal::NotRepresented, err.code.to_string(), err.msg.clone())
        })
}

/// The CUIT a message ends with, if it ends with one.
fn cuit_at_end(message: &str) -> Option<Cuit> {
    let tail = message.rsplit([':', ' ']).next()?.trim();
    (tail.len() == 11).then(|| Cuit::parse(tail).ok()).flatten()
}

/// `error` as the service's [`Error`]: [`Error::ServiceNotAuthorized`] when it means the
/// certificate is not authorized (see [`not_authorized`]), else [`Error::Arca`].
pub fn classify(
    service: ArcaService,
    error: arca_protocol::Error,
    cuit: Option<Cuit>,
    certificate_cuit: Option<Cuit>,
) -> Error {
    match not_authorized(service, &error, cuit, certificate_cuit) {
        Some(refusal) => Error::ServiceNotAuthorized(Box::new(refusal)),
        None => Error::Arca(error),
    }
}

/// The padrón's fault for a ticket that may not act for `cuitRepresentada` ("Este token no le
/// permite actuar en representación de …"), when `error` is one.
fn padron_not_represented(error: &arca_protocol::Error) -> Option<(String, String)> {
    match error {
        arca_protocol::Error::Padron {
            fault: PadronFault::NotRepresented,
            message,
        } => Some((PadronFault::NotRepresented.code().to_string(), message.clone())),
        _ => None,
    }
}

/// What `GET /v1/certificates/{id}/services` says of one service.
#[derive(Debug)]
pub struct ServiceCheck {
    pub service: ArcaService,
    pub outcome: CheckOutcome,
}

/// Whether the certificate is authorized for a service, and how that is known.
#[derive(Debug)]
pub enum CheckOutcome {
    /// A ticket proves it: the stored one, or the one a login just obtained (and stored).
    Authorized { ticket_expires_at: DateTime<Utc> },
    /// WSAA answered `coe.alreadyAuthenticated` and no ticket is stored here: WSAA issued a
    /// ticket for this certificate and service (to another system, or to an earlier install),
    /// which it does only for an authorized certificate. The ticket is not ours: calls of this
    /// service fail until it expires (at most 12 h).
    AuthorizedElsewhere,
    /// ARCA refused: [`Error::ServiceNotAuthorized`] with the fix.
    NotAuthorized(Error),
    /// Could not be told: ARCA unreachable (retryable), or WSAA refused the certificate itself.
    Unknown(Error),
}

impl CheckOutcome {
    /// `Some(true)`, `Some(false)` or `None` (unknown).
    pub fn authorized(&self) -> Option<bool> {
        match self {
            CheckOutcome::Authorized { .. } | CheckOutcome::AuthorizedElsewhere => Some(true),
            CheckOutcome::NotAuthorized(_) => Some(false),
            CheckOutcome::Unknown(_) => None,
        }
    }
}

impl Arca {
    /// For each of [`ArcaService::ALL`], whether the account's certificate `certificate_id` is
    /// authorized: from the ticket held (memory, database) or, without one, one login whose
    /// ticket is stored. [`Error::NotFound`] for another account's or an unknown certificate;
    /// [`Error::Conflict`] for a pending or expired one (nothing to log in with).
    pub async fn check_services(&self, account_id: &str, certificate_id: &str) -> Result<Vec<ServiceCheck>, Error> {
        let account = accounts::find(&self.storage, account_id).await?;
        let certificate = certificates::find(&self.storage, account_id, certificate_id).await?;
        match certificate.status {
            Status::Active => {}
            Status::Pending => {
                return Err(Error::Conflict(
                    "the certificate is pending: upload the certificate ARCA issued for its CSR first".into(),
                ));
            }
            Status::Expired => {
                return Err(Error::Conflict(
                    "the certificate has expired: WSAA refuses it for every service; upload a new one".into(),
                ));
            }
        }
        let credentials = certificates::credentials_of(&self.storage, &self.secrets, account_id, certificate_id)
            .await?
            .ok_or(Error::NotFound)?;
        let check = |service: ArcaService| {
            let credentials = &credentials;
            async move {
                let outcome = match self.ticket_with(credentials, service, Some(account.cuit)).await {
                    Ok(ticket) => CheckOutcome::Authorized {
                        ticket_expires_at: ticket.expiration_time.to_utc(),
                    },
                    Err(Error::Arca(arca_protocol::Error::Wsaa {
                        fault: WsaaFault::AlreadyAuthenticated,
                        ..
                    })) => CheckOutcome::AuthorizedElsewhere,
                    Err(error @ Error::ServiceNotAuthorized(_)) => CheckOutcome::NotAuthorized(error),
                    Err(error) => CheckOutcome::Unknown(error),
                };
                ServiceCheck { service, outcome }
            }
        };
        let [wsfe, a5, a13, wscdc, wsfecred] = ArcaService::ALL;
        let (wsfe, a5, a13, wscdc, wsfecred) =
            tokio::join!(check(wsfe), check(a5), check(a13), check(wscdc), check(wsfecred));
        Ok(vec![wsfe, a5, a13, wscdc, wsfecred])
    }
}

#[cfg(test)]
mod tests {
    use arca_protocol::wsfe::ArcaErr;

    use super::*;

    fn cuit(text: &str) -> Cuit {
        Cuit::parse(text).unwrap()
    }

    fn err(code: i32, msg: &str) -> ArcaErr {
        ArcaErr { code, msg: msg.into() }
    }

    #[test]
    fn wsaa_not_authorized_names_the_service_its_arca_label_and_the_cuit() {
        let error = arca_protocol::Error::Wsaa {
            fault: WsaaFault::NotAuthorized,
            message: "Computador no autorizado a acceder al servicio".into(),
        };
        let found = not_authorized(
            ArcaService::PadronA5,
            &error,
            Some(cuit("30714075345")),
            Some(cuit("20267565393")),
        )
        .unwrap();
        assert_eq!(found.refusal, Refusal::NoRelation);
        assert_eq!(found.arca_code, "coe.notAuthorized");
        let detail = found.detail();
        assert!(detail.contains(ArcaService::PadronA5.arca_label()), "{detail}");
        assert!(
            detail.contains("Administrador de Relaciones de Clave Fiscal"),
            "{detail}"
        );
        assert!(
            detail.contains("30714075345") && detail.contains("20267565393"),
            "{detail}"
        );
        assert!(found.hint().contains("Nueva Relación"));
    }

    #[test]
    fn wsfe_600_is_a_missing_relation_only_with_its_text() {
        let relation = arca_protocol::Error::TokenRejected {
            errors: vec![err(
                600,
                "ValidacionDeToken: No apareció CUIT en lista de relaciones: 30714075345",
            )],
        };
        let found = not_authorized(ArcaService::Wsfe, &relation, Some(cuit("30714075345")), None).unwrap();
        assert_eq!(found.refusal, Refusal::NotRepresented);
        let without_cuit = not_authorized(ArcaService::Wsfe, &relation, None, None).unwrap();
        assert_eq!(without_cuit.cuit, Some(cuit("30714075345")), "read from ARCA's text");
        assert_eq!(found.arca_code, "600");
        assert!(found.detail().contains("not on behalf of CUIT 30714075345"));
        let expired = arca_protocol::Error::TokenRejected {
            errors: vec![err(600, "ValidacionDeToken: token expirado")],
        };
        assert!(not_authorized(ArcaService::Wsfe, &expired, None, None).is_none());
        assert!(matches!(
            classify(ArcaService::Wsfe, expired, None, None),
            Error::Arca(arca_protocol::Error::TokenRejected { .. })
        ));
    }

    #[test]
    fn wscdc_601_is_not_represented_and_600_is_not() {
        let represented = arca_protocol::Error::TokenRejected {
            errors: vec![err(601, "CUIT representada no incluida en Token")],
        };
        assert!(not_authorized(ArcaService::Wscdc, &represented, None, None).is_some());
        let token = arca_protocol::Error::TokenRejected {
            errors: vec![err(600, "No se pudo validar el token")],
        };
        assert!(not_authorized(ArcaService::Wscdc, &token, None, None).is_none());
    }

    #[test]
    fn the_certificate_cuit_is_named_only_when_it_differs() {
        let same = NotAuthorized {
            service: ArcaService::Wscdc,
            refusal: Refusal::NoRelation,
            cuit: Some(cuit("20267565393")),
            certificate_cuit: Some(cuit("20267565393")),
            arca_code: "coe.notAuthorized".into(),
            arca_message: String::new(),
        };
        assert!(!same.detail().contains("issued to"), "{}", same.detail());
        let unknown_cuit = NotAuthorized { cuit: None, ..same };
        assert_eq!(unknown_cuit.cuit_to_fix(), Some(cuit("20267565393")));
    }
}
