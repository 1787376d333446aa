//! From an A5 answer to the receiver's IVA condition (`CondicionIVAReceptorId`), and from the
//! two parties' conditions to the voucher classes the issuer may use.
//!
//! A5 has no IVA-condition field, so [`iva_condition`] derives one from the blocks, only where
//! the evidence is positive (docs/arca.md §J.5):
//!
//! | Evidence (active taxes only) | Condition |
//! |---|---|
//! | key not `ACTIVO` | unknown |
//! | regime general `impuesto` 30 (IVA) | IVA Responsable Inscripto (1) |
//! | `datosMonotributo` with `impuesto` 20 or a `categoriaMonotributo` | Responsable Monotributo (6) |
//! | `impuesto` 32 (IVA exento) | IVA Sujeto Exento (4) |
//! | `errorRegimenGeneral`, or `errorMonotributo` with no `datosRegimenGeneral` | unknown |
//! | persona física, none of the above | Consumidor Final (5) |
//! | anything else: a company without IVA, no `datosGenerales` | unknown |
//!
//! A tax whose `estadoImpuesto` is present and not active (`AC`) is ignored. This module never
//! defaults: when the blocks do not say, the answer is [`IvaFinding::Unknown`] with the reason,
//! and the caller asks the user. Monotributo social (13), trabajador independiente promovido
//! (16), no alcanzado (15) and the other rows of the table cannot be told apart in A5 answers
//! we have seen, so they are never derived.

use crate::codes::{CbteClass, CondicionIvaReceptor};
use crate::validate::IssuerIvaCondition;

use super::model::{Impuesto, Persona};

/// `idImpuesto` of IVA.
pub const IMPUESTO_IVA: i32 = 30;
/// `idImpuesto` of IVA exento.
pub const IMPUESTO_IVA_EXENTO: i32 = 32;
/// `idImpuesto` of monotributo.
pub const IMPUESTO_MONOTRIBUTO: i32 = 20;

/// What the padrón says about a receiver's IVA condition. Computed from a [`Persona`] whenever
/// needed, so it is not serialisable (store the persona instead).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IvaFinding {
    /// Derived from positive evidence, described in `evidence` (e.g. "impuesto 30 (IVA) activo").
    Known {
        condition: CondicionIvaReceptor,
        evidence: String,
    },
    /// The blocks do not say; `reason` tells why (only error blocks, inactive key, ...).
    Unknown { reason: String },
}

impl IvaFinding {
    /// The condition, when known.
    pub fn condition(&self) -> Option<CondicionIvaReceptor> {
        match self {
            IvaFinding::Known { condition, .. } => Some(*condition),
            IvaFinding::Unknown { .. } => None,
        }
    }
}

fn known(condition: CondicionIvaReceptor, evidence: impl Into<String>) -> IvaFinding {
    IvaFinding::Known {
        condition,
        evidence: evidence.into(),
    }
}

fn unknown(reason: impl Into<String>) -> IvaFinding {
    IvaFinding::Unknown { reason: reason.into() }
}

fn has_active(taxes: &[Impuesto], id: i32) -> bool {
    taxes.iter().any(|t| t.id_impuesto == id && t.is_active())
}

/// Derives the receiver's IVA condition from an A5 answer (rules in the module docs).
pub fn iva_condition(persona: &Persona) -> IvaFinding {
    let Some(general) = &persona.datos_generales else {
        return unknown("the padrón returned no datosGenerales (only error blocks)");
    };
    if let Some(state) = general.estado_clave.as_deref().map(str::trim)
        && !state.eq_ignore_ascii_case("ACTIVO")
    {
        return unknown(format!("the key is not active (estadoClave {state})"));
    }
    let rg_taxes: &[Impuesto] = persona
        .datos_regimen_general
        .as_ref()
        .map_or(&[], |d| d.impuestos.as_slice());
    if has_active(rg_taxes, IMPUESTO_IVA) {
        return known(CondicionIvaReceptor::ResponsableInscripto, "impuesto 30 (IVA) activo");
    }
    if let Some(monotributo) = &persona.datos_monotributo {
        let category = monotributo
            .categoria
            .as_ref()
            .and_then(|c| c.descripcion_categoria.as_deref())
            .map(str::trim);
        let active_tax = has_active(&monotributo.impuestos, IMPUESTO_MONOTRIBUTO);
        // A category counts only while impuesto 20 is not shown dropped (`estadoImpuesto` other
        // than active): a former monotributista keeps the category block.
        let dropped = monotributo
            .impuestos
            .iter()
            .any(|tax| tax.id_impuesto == IMPUESTO_MONOTRIBUTO && !tax.is_active());
        if active_tax || (monotributo.categoria.is_some() && !dropped) {
            let evidence = match category {
                Some(category) => format!("monotributo, categoría {category}"),
                None => "impuesto 20 (monotributo) activo".to_owned(),
            };
            return known(CondicionIvaReceptor::Monotributo, evidence);
        }
    }
    let mono_taxes: &[Impuesto] = persona
        .datos_monotributo
        .as_ref()
        .map_or(&[], |d| d.impuestos.as_slice());
    if has_active(rg_taxes, IMPUESTO_IVA_EXENTO) || has_active(mono_taxes, IMPUESTO_IVA_EXENTO) {
        return known(CondicionIvaReceptor::Exento, "impuesto 32 (IVA exento) activo");
    }
    // An `errorRegimenGeneral` means the general-regime data (where IVA would be) are missing.
    // An `errorMonotributo` only says there is no monotributo data (ARCA sends it to IVA-registered
    // people too), so it blocks nothing once the general regime is there.
    if persona.error_regimen_general.is_some() {
        return unknown("the padrón returned errorRegimenGeneral instead of the general-regime tax data");
    }
    if persona.datos_regimen_general.is_none() && persona.error_monotributo.is_some() {
        return unknown("the padrón returned error blocks and no tax data");
    }
    let fisica = general
        .tipo_persona
        .as_deref()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("FISICA"));
    if fisica {
        return known(
            CondicionIvaReceptor::ConsumidorFinal,
            "persona física sin IVA, monotributo ni IVA exento",
        );
    }
    unknown(match general.tipo_persona.as_deref() {
        Some(tipo) => format!(
            "persona {} without IVA, monotributo or IVA exento",
            tipo.trim().to_lowercase()
        ),
        None => "no tipoPersona and no IVA, monotributo or IVA exento".to_owned(),
    })
}

/// The voucher classes an issuer of `issuer`'s condition may address to a receiver of
/// `receiver`'s (§E.6): a responsable inscripto issues A where the receiver may get A,
/// otherwise B; a monotributo or exempt issuer issues C. Class M is left out: only issuers ARCA
/// placed under that regime issue it, and the issuer's condition does not say so.
pub fn voucher_classes(issuer: IssuerIvaCondition, receiver: CondicionIvaReceptor) -> Vec<CbteClass> {
    match issuer {
        IssuerIvaCondition::ResponsableInscripto if receiver.allows(CbteClass::A) => vec![CbteClass::A],
        IssuerIvaCondition::ResponsableInscripto => vec![CbteClass::B],
        IssuerIvaCondition::Monotributo | IssuerIvaCondition::Exento => vec![CbteClass::C],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Cuit;
    use crate::padron::{
        CategoriaMonotributo, DatosGenerales, DatosMonotributo, DatosRegimenGeneral, ErrorBlock, ErrorConstancia,
    };

    fn general(tipo: &str) -> DatosGenerales {
        DatosGenerales {
            id_persona: Cuit::parse("20301112220").ok(),
            tipo_persona: Some(tipo.into()),
            estado_clave: Some("ACTIVO".into()),
            ..DatosGenerales::default()
        }
    }

    fn tax(id: i32, state: Option<&str>) -> Impuesto {
        Impuesto {
            id_impuesto: id,
            estado_impuesto: state.map(String::from),
            ..Impuesto::default()
        }
    }

    fn with_rg(tipo: &str, taxes: Vec<Impuesto>) -> Persona {
        Persona {
            datos_generales: Some(general(tipo)),
            datos_regimen_general: Some(DatosRegimenGeneral {
                impuestos: taxes,
                ..DatosRegimenGeneral::default()
            }),
            ..Persona::default()
        }
    }

    fn condition(persona: &Persona) -> Option<CondicionIvaReceptor> {
        iva_condition(persona).condition()
    }

    #[test]
    fn responsable_inscripto_from_iva() {
        let finding = iva_condition(&with_rg("JURIDICA", vec![tax(10, None), tax(30, None)]));
        assert_eq!(
            finding,
            IvaFinding::Known {
                condition: CondicionIvaReceptor::ResponsableInscripto,
                evidence: "impuesto 30 (IVA) activo".into()
            }
        );
        assert_eq!(
            condition(&with_rg("FISICA", vec![tax(30, Some("AC"))])),
            Some(CondicionIvaReceptor::ResponsableInscripto)
        );
        // With an errorMonotributo beside it (as recorded for 20201797064), still RI.
        let mut persona = with_rg("FISICA", vec![tax(11, None), tax(30, None)]);
        persona.error_monotributo = Some(ErrorBlock::default());
        assert_eq!(condition(&persona), Some(CondicionIvaReceptor::ResponsableInscripto));
    }

    #[test]
    fn monotributo_with_category() {
        let persona = Persona {
            datos_generales: Some(general("FISICA")),
            datos_monotributo: Some(DatosMonotributo {
                impuestos: vec![tax(20, None)],
                categoria: Some(CategoriaMonotributo {
                    descripcion_categoria: Some("H LOCACIONES DE SERVICIO".into()),
                    id_impuesto: Some(20),
                    ..CategoriaMonotributo::default()
                }),
                ..DatosMonotributo::default()
            }),
            ..Persona::default()
        };
        let IvaFinding::Known {
            condition: found,
            evidence,
        } = iva_condition(&persona)
        else {
            panic!()
        };
        assert_eq!(found, CondicionIvaReceptor::Monotributo);
        assert!(evidence.contains("H LOCACIONES"), "{evidence}");

        // Only the tax, no category.
        let only_tax = Persona {
            datos_monotributo: Some(DatosMonotributo {
                impuestos: vec![tax(20, None)],
                ..DatosMonotributo::default()
            }),
            ..persona.clone()
        };
        assert_eq!(condition(&only_tax), Some(CondicionIvaReceptor::Monotributo));
        // A monotributo block whose tax is not active and has no category says nothing.
        let inactive = Persona {
            datos_monotributo: Some(DatosMonotributo {
                impuestos: vec![tax(20, Some("BD"))],
                ..DatosMonotributo::default()
            }),
            ..persona
        };
        assert_eq!(
            condition(&inactive),
            Some(CondicionIvaReceptor::ConsumidorFinal),
            "a persona física without active taxes"
        );
        // Nor does a category beside a dropped impuesto 20: a former monotributista keeps it.
        let dropped_with_category = Persona {
            datos_monotributo: Some(DatosMonotributo {
                impuestos: vec![tax(20, Some("BD"))],
                categoria: Some(CategoriaMonotributo {
                    descripcion_categoria: Some("H".into()),
                    ..CategoriaMonotributo::default()
                }),
                ..DatosMonotributo::default()
            }),
            ..inactive.clone()
        };
        assert_eq!(
            condition(&dropped_with_category),
            Some(CondicionIvaReceptor::ConsumidorFinal)
        );
    }

    #[test]
    fn exento_from_32() {
        assert_eq!(
            condition(&with_rg("JURIDICA", vec![tax(32, None)])),
            Some(CondicionIvaReceptor::Exento)
        );
        assert_eq!(
            iva_condition(&with_rg("JURIDICA", vec![tax(32, Some("AC"))])),
            IvaFinding::Known {
                condition: CondicionIvaReceptor::Exento,
                evidence: "impuesto 32 (IVA exento) activo".into()
            }
        );
    }

    #[test]
    fn consumidor_final_is_a_persona_fisica_without_taxes() {
        let bare = Persona {
            datos_generales: Some(general("FISICA")),
            ..Persona::default()
        };
        assert_eq!(condition(&bare), Some(CondicionIvaReceptor::ConsumidorFinal));
        assert_eq!(
            condition(&with_rg("FISICA", vec![tax(11, None)])),
            Some(CondicionIvaReceptor::ConsumidorFinal)
        );
        // Income tax only, and the errorMonotributo ARCA also sends to IVA-registered people
        // (recorded for 20201797064): no monotributo, no IVA → consumidor final.
        let mut income_tax_only = with_rg("FISICA", vec![tax(11, Some("AC"))]);
        income_tax_only.error_monotributo = Some(ErrorBlock {
            errors: vec!["Datos de monotributo incompletos- no posee categoría".into()],
            mensaje: Some("No cumple con las condiciones para enviar datos monotributo".into()),
        });
        assert_eq!(
            iva_condition(&income_tax_only),
            IvaFinding::Known {
                condition: CondicionIvaReceptor::ConsumidorFinal,
                evidence: "persona física sin IVA, monotributo ni IVA exento".into()
            }
        );
        // The same note without any general-regime data says nothing.
        let note_only = Persona {
            datos_regimen_general: None,
            ..income_tax_only
        };
        assert_eq!(condition(&note_only), None);
    }

    #[test]
    fn never_guesses() {
        // A company without IVA.
        let company = with_rg("JURIDICA", vec![tax(10, None)]);
        let IvaFinding::Unknown { reason } = iva_condition(&company) else {
            panic!()
        };
        assert!(reason.contains("juridica"), "{reason}");

        // An inactive key, even with IVA.
        let mut inactive = with_rg("FISICA", vec![tax(30, None)]);
        if let Some(g) = inactive.datos_generales.as_mut() {
            g.estado_clave = Some("INACTIVO".into());
        }
        let IvaFinding::Unknown { reason } = iva_condition(&inactive) else {
            panic!()
        };
        assert!(reason.contains("INACTIVO"), "{reason}");

        // Only error blocks (as recorded for 20000000516): datosGenerales + errorRegimenGeneral.
        let errors_only = Persona {
            datos_generales: Some(general("FISICA")),
            error_regimen_general: Some(ErrorBlock {
                errors: vec!["El contribuyente cuenta con impuestos con baja de oficio por Decreto 1299/98".into()],
                mensaje: Some("No cumple con las condiciones para enviar datos del regimen general".into()),
            }),
            ..Persona::default()
        };
        assert_eq!(condition(&errors_only), None);

        // No datosGenerales at all.
        let constancia_only = Persona {
            error_constancia: Some(ErrorConstancia {
                errors: vec!["No existe persona con ese Id".into()],
                ..ErrorConstancia::default()
            }),
            ..Persona::default()
        };
        assert_eq!(condition(&constancia_only), None);
        assert_eq!(condition(&Persona::default()), None);

        // A tax that is no longer active is ignored: IVA with estadoImpuesto BD is not RI.
        assert_eq!(
            condition(&with_rg("JURIDICA", vec![tax(30, Some("BD"))])),
            None,
            "company with IVA dado de baja"
        );
        assert_eq!(condition(&with_rg("JURIDICA", vec![tax(32, Some("BD"))])), None);
    }

    #[test]
    fn classes_for_every_pair() {
        use CbteClass as Cl;
        use CondicionIvaReceptor as C;
        for receiver in C::ALL {
            let ri = voucher_classes(IssuerIvaCondition::ResponsableInscripto, receiver);
            let expected = match receiver {
                C::ResponsableInscripto
                | C::Monotributo
                | C::MonotributistaSocial
                | C::MonotributoTrabajadorIndependientePromovido => vec![Cl::A],
                _ => vec![Cl::B],
            };
            assert_eq!(ri, expected, "{receiver:?}");
            for class in &ri {
                assert!(receiver.allows(*class), "{receiver:?} may not receive {class:?}");
            }
            for issuer in [IssuerIvaCondition::Monotributo, IssuerIvaCondition::Exento] {
                assert_eq!(voucher_classes(issuer, receiver), [Cl::C], "{issuer:?} → {receiver:?}");
            }
        }
    }
}
