//! The confidence of a `mode: simple` draft: one pure function, [`assess`], of the model's
//! per-field certainty and the service's own checks. It is what `confirmar: true` compares with
//! `AI_MIN_CONFIDENCE`, and it is documented in the README ("Simple mode").
//!
//! 1. Start from the **lowest** certainty the model gave any field (a draft is as good as its
//!    weakest field); each value is clamped to 0–1.
//! 2. Each **required** field the text did not state but the model inferred — the receiver, the
//!    lines, the prices, and the service dates of services — multiplies it by
//!    [`INFERRED_FACTOR`] (0.7).
//! 3. A receiver named but **not found** (a name none of the account's customers has, a CUIT
//!    ARCA's padrón does not know) multiplies it by [`NOT_FOUND_FACTOR`] (0.5).
//! 4. Amounts that **do not add up** — the total the text states differs from the total the
//!    service computed by more than 0.01 — multiply it by [`MISMATCH_FACTOR`] (0.5).
//! 5. A draft that fails **pre-validation** (ARCA's rules, the composition) has confidence 0.
//!
//! The result is rounded to two decimals. Every field below the threshold, and every check that
//! fired, is a *duda*: what to confirm before issuing.
//!
//! It never calls anything and never reads the clock.

use arca_protocol::money::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

/// What an inferred required field multiplies the confidence by.
pub const INFERRED_FACTOR: f64 = 0.7;
/// What a receiver not found multiplies it by.
pub const NOT_FOUND_FACTOR: f64 = 0.5;
/// What a stated total off the computed one multiplies it by.
pub const MISMATCH_FACTOR: f64 = 0.5;
/// How far the stated total may be from the computed one (rounding of net prices).
pub const TOTAL_TOLERANCE: &str = "0.01";

/// One field's certainty as the model reported it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FieldCertainty {
    /// The API's name for the field (`cliente`, `items`, `precios`, `iva`, `concepto`, `fechas`).
    pub campo: &'static str,
    /// 0–1 (clamped; not a number counts as 0).
    pub certeza: f64,
    /// Whether the text stated it (`false`: the model inferred it).
    pub explicito: bool,
    /// Whether an invoice cannot be issued without it being right (rule 2).
    pub requerido: bool,
}

/// Everything [`assess`] looks at.
#[derive(Debug, Clone, PartialEq)]
pub struct Signals {
    pub fields: Vec<FieldCertainty>,
    /// A receiver the text names that the account's customers or ARCA's padrón do not know.
    pub receiver_not_found: bool,
    /// The total the text states, if it states one.
    pub stated_total: Option<Decimal>,
    /// The total the service computed, when the draft composed.
    pub computed_total: Option<Decimal>,
    /// The draft failed pre-validation.
    pub invalid: bool,
}

/// A field to confirm, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Duda {
    /// `cliente`, `items`, `precios`, `iva`, `concepto`, `fechas` or `total`.
    pub campo: String,
    /// Why it needs confirming, in Spanish.
    pub motivo: String,
}

/// The confidence and what to confirm.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Assessment {
    /// 0–1, two decimals.
    pub confidence: f64,
    pub dudas: Vec<Duda>,
}

/// The confidence of a draft (rules in the module's documentation); `threshold` is the
/// certainty under which a field is a *duda* (`AI_MIN_CONFIDENCE`).
pub fn assess(signals: &Signals, threshold: f64) -> Assessment {
    let clamp = |value: f64| if value.is_nan() { 0.0 } else { value.clamp(0.0, 1.0) };
    let mut dudas = Vec::new();
    let mut confidence = signals
        .fields
        .iter()
        .map(|field| clamp(field.certeza))
        .fold(1.0_f64, f64::min);
    for field in &signals.fields {
        let certeza = clamp(field.certeza);
        if certeza < threshold {
            dudas.push(duda(
                field.campo,
                format!("el modelo no está seguro ({:.2})", round2(certeza)),
            ));
        }
        if field.requerido && !field.explicito {
            confidence *= INFERRED_FACTOR;
            dudas.push(duda(field.campo, "no figura en la descripción: fue inferido".into()));
        }
    }
    if signals.receiver_not_found {
        confidence *= NOT_FOUND_FACTOR;
        dudas.push(duda(
            "cliente",
            "el receptor nombrado no está entre los clientes de la cuenta ni en el padrón".into(),
        ));
    }
    if let (Some(stated), Some(computed)) = (signals.stated_total, signals.computed_total) {
        let tolerance: Decimal = TOTAL_TOLERANCE.parse().unwrap_or_default();
        if (stated - computed).abs() > tolerance {
            confidence *= MISMATCH_FACTOR;
            dudas.push(duda(
                "total",
                format!("la descripción indica un total de {stated} y los ítems suman {computed:.2}"),
            ));
        }
    }
    if signals.invalid {
        confidence = 0.0;
    }
    Assessment {
        confidence: round2(confidence),
        dudas,
    }
}

fn duda(campo: &str, motivo: String) -> Duda {
    Duda {
        campo: campo.to_string(),
        motivo,
    }
}

/// Two decimals, as the API shows the confidence.
fn round2(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(campo: &'static str, certeza: f64, explicito: bool, requerido: bool) -> FieldCertainty {
        FieldCertainty {
            campo,
            certeza,
            explicito,
            requerido,
        }
    }

    fn yerba() -> Signals {
        Signals {
            fields: vec![
                field("cliente", 0.95, true, true),
                field("items", 0.95, true, true),
                field("precios", 0.9, true, true),
                field("iva", 0.85, false, false),
                field("concepto", 0.95, false, false),
                field("fechas", 1.0, false, false),
            ],
            receiver_not_found: false,
            stated_total: None,
            computed_total: Some("3000.00".parse().unwrap()),
            invalid: false,
        }
    }

    #[test]
    fn the_weakest_field_bounds_a_stated_draft() {
        let assessment = assess(&yerba(), 0.8);
        assert_eq!(assessment.confidence, 0.85);
        assert!(assessment.dudas.is_empty(), "{:?}", assessment.dudas);
        // Under the threshold: the field is a duda, the confidence its certainty.
        let mut unsure = yerba();
        unsure.fields[1].certeza = 0.6;
        let assessment = assess(&unsure, 0.8);
        assert_eq!(assessment.confidence, 0.6);
        assert_eq!(assessment.dudas.len(), 1);
        assert_eq!(assessment.dudas[0].campo, "items");
        assert!(assessment.dudas[0].motivo.contains("0.60"));
    }

    #[test]
    fn inferred_required_fields_cost_each() {
        let mut inferred = yerba();
        inferred.fields[0].explicito = false;
        inferred.fields[2].explicito = false;
        // 0.85 × 0.7 × 0.7 = 0.4165.
        let assessment = assess(&inferred, 0.8);
        assert_eq!(assessment.confidence, 0.42);
        let campos: Vec<&str> = assessment.dudas.iter().map(|d| d.campo.as_str()).collect();
        assert_eq!(campos, ["cliente", "precios"]);
        // An optional field inferred costs nothing (iva, concepto, fechas above).
        assert_eq!(assess(&yerba(), 0.8).confidence, 0.85);
    }

    #[test]
    fn a_receiver_not_found_and_totals_that_do_not_add_up() {
        let mut signals = yerba();
        signals.receiver_not_found = true;
        assert_eq!(assess(&signals, 0.8).confidence, 0.43);
        let mut signals = yerba();
        signals.stated_total = Some("3000".parse().unwrap());
        assert_eq!(assess(&signals, 0.8).confidence, 0.85, "equal totals");
        signals.stated_total = Some("3000.01".parse().unwrap());
        assert_eq!(assess(&signals, 0.8).confidence, 0.85, "within the tolerance");
        signals.stated_total = Some("3500".parse().unwrap());
        let assessment = assess(&signals, 0.8);
        assert_eq!(assessment.confidence, 0.43);
        assert_eq!(assessment.dudas[0].campo, "total");
        assert!(assessment.dudas[0].motivo.contains("3500"), "{:?}", assessment.dudas);
        // No computed total (the draft did not compose): nothing to compare.
        signals.computed_total = None;
        assert_eq!(assess(&signals, 0.8).confidence, 0.85);
    }

    #[test]
    fn an_invalid_draft_is_zero_and_values_are_clamped() {
        let mut signals = yerba();
        signals.invalid = true;
        assert_eq!(assess(&signals, 0.8).confidence, 0.0);
        let mut signals = yerba();
        signals.fields[0].certeza = f64::NAN;
        assert_eq!(assess(&signals, 0.8).confidence, 0.0);
        signals.fields[0].certeza = 7.0;
        assert_eq!(assess(&signals, 0.8).confidence, 0.85);
        let empty = Signals {
            fields: Vec::new(),
            ..yerba()
        };
        assert_eq!(assess(&empty, 0.8).confidence, 1.0);
    }
}
