//! The padrón's faults, typed from their text: the services put no code in their faults, only
//! a Spanish sentence (docs/arca.md §J.3).
//!
//! This module only classifies; it never decides what the service answers its own clients.

use serde::{Deserialize, Serialize};

/// A padrón SOAP fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PadronFault {
    /// `No existe persona con ese Id`, `La Clave (CUIT/CUIL) consultada es inexistente`.
    PersonNotFound,
    /// `El Id de la persona no es valido`, `La clave ingresada no es una CUIT`.
    InvalidId,
    /// `La clave (CUIT/CUIL) consultada se encuentra INACTIVA`.
    InactiveKey,
    /// The token or sign was refused: `Token malformado`, `Falta token y/o sign.`, `No se pudo
    /// verificar que <sign> contenga una firma valida de <token>`, `No autorizado, par
    /// token/sign invalido.`, an expired token.
    TokenRejected,
    /// `Este token no le permite actuar en representacion de la CUIT ...`.
    NotRepresented,
    /// `Debe enviar la CUIT representada`.
    MissingCuitRepresentada,
    /// Any other text: taken as a server-side failure.
    Other,
}

/// (fragment of the text, lower-case and without accents; the fault). The first match wins, so
/// the specific sentences come before the generic ones.
const TEXTS: [(&str, PadronFault); 13] = [
    ("no existe persona", PadronFault::PersonNotFound),
    ("consultada es inexistente", PadronFault::PersonNotFound),
    ("id de la persona no es valido", PadronFault::InvalidId),
    ("no es una cuit", PadronFault::InvalidId),
    ("se encuentra inactiva", PadronFault::InactiveKey),
    ("no le permite actuar en representacion", PadronFault::NotRepresented),
    ("debe enviar la cuit representada", PadronFault::MissingCuitRepresentada),
    ("token malformado", PadronFault::TokenRejected),
    ("falta token", PadronFault::TokenRejected),
    ("firma valida", PadronFault::TokenRejected),
    ("par token/sign", PadronFault::TokenRejected),
    ("token ha expirado", PadronFault::TokenRejected),
    ("token expirado", PadronFault::TokenRejected),
];

impl PadronFault {
    /// Types a `faultstring` (case and accents ignored).
    pub fn from_text(text: &str) -> PadronFault {
        let folded = fold(text);
        TEXTS
            .iter()
            .find(|(fragment, _)| folded.contains(fragment))
            .map_or(PadronFault::Other, |(_, fault)| *fault)
    }

    /// Whether trying again later, unchanged, can succeed: only for a server-side failure.
    pub fn retryable(self) -> bool {
        self == PadronFault::Other
    }

    /// Whether a new access ticket is needed before trying again.
    pub fn needs_new_ticket(self) -> bool {
        self == PadronFault::TokenRejected
    }

    /// A stable upper-snake code.
    pub fn code(self) -> &'static str {
        match self {
            PadronFault::PersonNotFound => "PADRON_PERSON_NOT_FOUND",
            PadronFault::InvalidId => "PADRON_INVALID_ID",
            PadronFault::InactiveKey => "PADRON_INACTIVE_KEY",
            PadronFault::TokenRejected => "PADRON_TOKEN_REJECTED",
            PadronFault::NotRepresented => "PADRON_NOT_REPRESENTED",
            PadronFault::MissingCuitRepresentada => "PADRON_MISSING_CUIT_REPRESENTADA",
            PadronFault::Other => "PADRON_FAULT",
        }
    }
}

/// Lower-case, Spanish accents removed, so `válido` and `valido` match alike.
fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' => 'a',
            'é' => 'e',
            'í' => 'i',
            'ó' => 'o',
            'ú' | 'ü' => 'u',
            other => other,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_text_is_typed() {
        use PadronFault as F;
        let cases = [
            ("No existe persona con ese Id", F::PersonNotFound),
            ("La Clave (CUIT/CUIL) consultada es inexistente", F::PersonNotFound),
            ("El Id de la persona no es valido", F::InvalidId),
            ("El Id de la persona no es válido", F::InvalidId),
            ("La clave ingresada no es una CUIT", F::InvalidId),
            ("La clave (CUIT/CUIL) consultada se encuentra INACTIVA", F::InactiveKey),
            ("No autorizado, par token/sign invalido.", F::TokenRejected),
            ("Token malformado", F::TokenRejected),
            ("Falta token y/o sign.", F::TokenRejected),
            (
                "No se pudo verificar que <sign> contenga una firma valida de <token>",
                F::TokenRejected,
            ),
            ("Debe enviar la CUIT representada", F::MissingCuitRepresentada),
            (
                "Este token no le permite actuar en representacion de la CUIT 20111111112",
                F::NotRepresented,
            ),
            ("Error interno", F::Other),
            ("", F::Other),
        ];
        for (text, expected) in cases {
            assert_eq!(PadronFault::from_text(text), expected, "{text}");
        }
    }

    #[test]
    fn policies_and_codes() {
        use PadronFault as F;
        let all = [
            F::PersonNotFound,
            F::InvalidId,
            F::InactiveKey,
            F::TokenRejected,
            F::NotRepresented,
            F::MissingCuitRepresentada,
            F::Other,
        ];
        for fault in all {
            assert_eq!(fault.retryable(), fault == F::Other, "{fault:?}");
            assert_eq!(fault.needs_new_ticket(), fault == F::TokenRejected, "{fault:?}");
            let code = fault.code();
            assert!(code.starts_with("PADRON_") && code.chars().all(|c| c.is_ascii_uppercase() || c == '_'));
            assert_eq!(all.iter().filter(|f| f.code() == code).count(), 1);
        }
        assert_eq!(F::PersonNotFound.code(), "PADRON_PERSON_NOT_FOUND");
    }
}
