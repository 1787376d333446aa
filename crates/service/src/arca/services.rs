//! [`ArcaService`]: the ARCA web services the product uses, by the name WSAA knows them under
//! (a ticket is per certificate *and* service: ARCHITECTURE.md invariant 8), with what each is
//! for and what a certificate must be authorized for in ARCA's "Administrador de Relaciones de
//! Clave Fiscal" (docs/arca.md §B, §J, §K).
//!
//! It never calls ARCA: it names the services; `arca.rs` and `tickets.rs` use the names.

use serde::Serialize;
use utoipa::ToSchema;

/// One ARCA service, as WSAA names it in the TRA's `<service>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ToSchema)]
pub enum ArcaService {
    /// `wsfe`: WSFEv1, electronic invoices (the CAE).
    #[serde(rename = "wsfe")]
    Wsfe,
    /// `ws_sr_constancia_inscripcion`: the padrón's constancia de inscripción (A5): a
    /// taxpayer's name, address and taxes, from which the IVA condition follows.
    #[serde(rename = "ws_sr_constancia_inscripcion")]
    PadronA5,
    /// `ws_sr_padron_a13`: the padrón A13: the CUITs of a DNI.
    #[serde(rename = "ws_sr_padron_a13")]
    PadronA13,
    /// `wscdc`: constatación de comprobantes: checks a voucher someone else issued.
    #[serde(rename = "wscdc")]
    Wscdc,
    /// `wsfecred`: Factura de Crédito Electrónica MiPyMEs: whether a buyer is obliged to receive
    /// FCE, and the FCEs the account received (accept, reject).
    #[serde(rename = "wsfecred")]
    Wsfecred,
}

impl ArcaService {
    /// Every service the product uses, in the order `GET /v1/certificates/{id}/services` lists them.
    pub const ALL: [ArcaService; 5] = [
        ArcaService::Wsfe,
        ArcaService::PadronA5,
        ArcaService::PadronA13,
        ArcaService::Wscdc,
        ArcaService::Wsfecred,
    ];

    /// The WSAA service name (the TRA's `<service>`).
    pub const fn wsaa_name(self) -> &'static str {
        match self {
            ArcaService::Wsfe => "wsfe",
            ArcaService::PadronA5 => "ws_sr_constancia_inscripcion",
            ArcaService::PadronA13 => "ws_sr_padron_a13",
            ArcaService::Wscdc => "wscdc",
            ArcaService::Wsfecred => "wsfecred",
        }
    }

    /// The service whose WSAA name is `name`.
    pub fn from_wsaa_name(name: &str) -> Option<ArcaService> {
        ArcaService::ALL.into_iter().find(|service| service.wsaa_name() == name)
    }

    /// What the product uses it for, in a phrase.
    pub const fn purpose(self) -> &'static str {
        match self {
            ArcaService::Wsfe => "issuing invoices and notes (CAE)",
            ArcaService::PadronA5 => "looking up taxpayers: name, address, IVA condition",
            ArcaService::PadronA13 => "finding the CUIT of a DNI",
            ArcaService::Wscdc => "verifying vouchers received from others",
            ArcaService::Wsfecred => {
                "deciding when an invoice must be an FCE MiPyMEs, and accepting or rejecting FCEs received"
            }
        }
    }

    /// How ARCA's web page names the service in "Administrador de Relaciones de Clave Fiscal".
    pub const fn arca_label(self) -> &'static str {
        match self {
            ArcaService::Wsfe => "Facturación Electrónica (wsfe)",
            ArcaService::PadronA5 => "Consulta de constancia de inscripción (ws_sr_constancia_inscripcion)",
            ArcaService::PadronA13 => "Consulta a Padrón Alcance 13 (ws_sr_padron_a13)",
            ArcaService::Wscdc => "Constatación de comprobantes (wscdc)",
            ArcaService::Wsfecred => "Factura de Crédito Electrónica MiPyMEs (wsfecred)",
        }
    }
}

impl std::fmt::Display for ArcaService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.wsaa_name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_serialize_as_wsaa_names() {
        for service in ArcaService::ALL {
            assert_eq!(ArcaService::from_wsaa_name(service.wsaa_name()), Some(service));
            assert_eq!(
                serde_json::to_value(service).unwrap(),
                serde_json::json!(service.wsaa_name())
            );
        }
        assert_eq!(ArcaService::from_wsaa_name("ws_sr_padron_a5"), None);
    }
}
