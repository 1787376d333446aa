//! What `GET /v1/contingency/reports` shows: per CAEA grant (fortnight), its deadline, how many
//! of its vouchers are pending, informed and rejected (the rejected ones with ARCA's codes),
//! where reporting is blocked, and the no-movement state of each unused point of sale.
//!
//! It only reads (never writes, never calls ARCA) and always within one account.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::Error;
use crate::storage::Storage;
use crate::storage::contingency::{self as reports, NoMovementState, RejectedVoucher, ReportGrant};

/// Fortnights shown when `limit` is absent.
pub const DEFAULT_LIMIT: i64 = 6;
/// The most fortnights one request shows (a year).
pub const MAX_LIMIT: i64 = 24;
/// The most rejected vouchers listed per fortnight (`rechazados_total` counts them all).
pub const MAX_REJECTED_LISTED: i64 = 100;

/// One fortnight's reporting.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct GrantReport {
    /// yyyymm.
    pub periodo: i32,
    /// 1: days 1–15; 2: day 16 to the month's end.
    pub orden: i32,
    /// The 14-digit CAEA.
    pub caea: String,
    pub vigencia_desde: NaiveDate,
    pub vigencia_hasta: NaiveDate,
    /// ARCA's reporting deadline (`FchTopeInf`).
    pub fecha_tope_informe: NaiveDate,
    /// Argentina's today is after the deadline and something of the fortnight is not informed.
    pub vencido: bool,
    pub comprobantes: Counts,
    /// The first rejected vouchers (at most 100), by point of sale, type and number.
    pub rechazados: Vec<RejectedView>,
    /// Every rejected voucher of the fortnight.
    pub rechazados_total: i64,
    /// The rejected voucher (`numero_completo`) whose series still has vouchers waiting after
    /// it: none of them can be informed until an operator resolves it. Null when not blocked.
    pub bloqueado_en: Option<String>,
    /// The points of sale with no voucher under this CAEA, and their no-movement notice.
    pub sin_movimiento: Vec<NoMovementView>,
}

/// The fortnight's vouchers by report state.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    /// Not yet informed (including those being sent now).
    pub pendientes: i64,
    pub informados: i64,
    pub rechazados: i64,
}

/// A voucher ARCA refused when reported.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct RejectedView {
    pub id: String,
    pub numero_completo: String,
    pub tipo_comprobante: i32,
    pub punto_venta: i32,
    pub errores: Vec<CodeView>,
}

/// ARCA's code (or the service's own, `INCONSISTENT`) and message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct CodeView {
    pub code: String,
    pub message: String,
}

/// A point of sale's no-movement notice.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NoMovementView {
    pub punto_venta: i32,
    /// `pendiente` (not informed yet), `informado` or `rechazado`.
    pub estado: String,
    /// ARCA's processing date, when informed.
    pub fch_proceso: Option<String>,
    pub errores: Vec<CodeView>,
}

/// The account's newest `limit` fortnights with a CAEA, newest first, as of Argentina's `today`.
pub async fn reports(
    storage: &Storage,
    account_id: &str,
    limit: i64,
    today: NaiveDate,
) -> Result<Vec<GrantReport>, Error> {
    let mut out = Vec::new();
    for grant in reports::report_grants(storage, account_id, limit).await? {
        let counts = reports::report_counts(storage, account_id, &grant.id).await?;
        let rejected = reports::rejected_vouchers(storage, account_id, &grant.id, MAX_REJECTED_LISTED).await?;
        let blocked = reports::blocked_at(storage, account_id, &grant.id).await?;
        let points = reports::no_movement_states(storage, account_id, &grant.id).await?;
        out.push(assemble(grant, &counts, rejected, blocked, points, today));
    }
    Ok(out)
}

/// Puts one grant's rows together. Pure.
pub fn assemble(
    grant: ReportGrant,
    counts: &[(String, i64)],
    rejected: Vec<RejectedVoucher>,
    blocked: Option<(i32, i64)>,
    points: Vec<NoMovementState>,
    today: NaiveDate,
) -> GrantReport {
    let mut comprobantes = Counts::default();
    for (estado, count) in counts {
        match estado.as_str() {
            "pendiente" | "en_curso" => comprobantes.pendientes += count,
            "informado" => comprobantes.informados += count,
            "rechazado" => comprobantes.rechazados += count,
            _ => {}
        }
    }
    let sin_movimiento: Vec<NoMovementView> = points
        .into_iter()
        .map(|point| NoMovementView {
            punto_venta: point.punto_venta,
            estado: match point.estado.as_deref() {
                Some("informado") => "informado",
                Some("rechazado") => "rechazado",
                _ => "pendiente",
            }
            .to_string(),
            fch_proceso: point.fch_proceso,
            errores: codes(point.errores.as_deref()),
        })
        .collect();
    let unfinished = comprobantes.pendientes > 0
        || comprobantes.rechazados > 0
        || sin_movimiento.iter().any(|p| p.estado != "informado");
    GrantReport {
        periodo: grant.periodo,
        orden: grant.orden,
        caea: grant.caea,
        vigencia_desde: grant.fch_vig_desde,
        vigencia_hasta: grant.fch_vig_hasta,
        fecha_tope_informe: grant.fch_tope_inf,
        vencido: today > grant.fch_tope_inf && unfinished,
        rechazados_total: comprobantes.rechazados,
        comprobantes,
        rechazados: rejected
            .into_iter()
            .map(|voucher| RejectedView {
                numero_completo: numero_completo(voucher.punto_venta, voucher.numero),
                id: voucher.id,
                tipo_comprobante: voucher.cbte_tipo,
                punto_venta: voucher.punto_venta,
                errores: codes(voucher.informe_errores.as_deref()),
            })
            .collect(),
        bloqueado_en: blocked.map(|(punto_venta, numero)| numero_completo(punto_venta, numero)),
        sin_movimiento,
    }
}

fn numero_completo(punto_venta: i32, numero: i64) -> String {
    format!("{punto_venta:05}-{numero:08}")
}

/// A stored code list (`[{"code", "message"}]`, or `[{"code", "msg"}]`; codes as text or
/// numbers); an unreadable one is shown as one entry saying so, never dropped silently.
pub fn codes(stored: Option<&str>) -> Vec<CodeView> {
    #[derive(Deserialize)]
    struct Stored {
        code: serde_json::Value,
        #[serde(alias = "msg")]
        message: String,
    }
    let Some(text) = stored else {
        return Vec::new();
    };
    match serde_json::from_str::<Vec<Stored>>(text) {
        Ok(list) => list
            .into_iter()
            .map(|entry| CodeView {
                code: match entry.code {
                    serde_json::Value::String(code) => code,
                    other => other.to_string(),
                },
                message: entry.message,
            })
            .collect(),
        Err(_) => vec![CodeView {
            code: "UNREADABLE".into(),
            message: "the stored codes could not be read".into(),
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        text.parse().expect("date")
    }

    fn grant() -> ReportGrant {
        ReportGrant {
            id: "caea_1".into(),
            periodo: 202612,
            orden: 1,
            caea: "32490000000001".into(),
            fch_vig_desde: day("2026-12-01"),
            fch_vig_hasta: day("2026-12-15"),
            fch_tope_inf: day("2026-12-23"),
        }
    }

    #[test]
    fn counts_deadline_and_blocked_series() {
        let counts = vec![
            ("pendiente".to_string(), 2),
            ("en_curso".to_string(), 1),
            ("informado".to_string(), 4),
        ];
        let report = assemble(grant(), &counts, vec![], None, vec![], day("2026-12-23"));
        assert_eq!(
            report.comprobantes,
            Counts {
                pendientes: 3,
                informados: 4,
                rechazados: 0
            }
        );
        assert!(!report.vencido, "the deadline day itself is still in time");
        let report = assemble(grant(), &counts, vec![], Some((3, 7)), vec![], day("2026-12-24"));
        assert!(report.vencido);
        assert_eq!(report.bloqueado_en.as_deref(), Some("00003-00000007"));
        let done = vec![("informado".to_string(), 4)];
        assert!(!assemble(grant(), &done, vec![], None, vec![], day("2026-12-24")).vencido);
    }

    #[test]
    fn points_not_informed_are_pending_and_keep_the_fortnight_open() {
        let points = vec![
            NoMovementState {
                punto_venta: 4,
                estado: None,
                fch_proceso: None,
                errores: None,
            },
            NoMovementState {
                punto_venta: 5,
                estado: Some("en_curso".into()),
                fch_proceso: None,
                errores: None,
            },
            NoMovementState {
                punto_venta: 6,
                estado: Some("rechazado".into()),
                fch_proceso: None,
                errores: Some(r#"[{"code":"1202","message":"usado"}]"#.into()),
            },
        ];
        let report = assemble(grant(), &[], vec![], None, points, day("2026-12-24"));
        let states: Vec<&str> = report.sin_movimiento.iter().map(|p| p.estado.as_str()).collect();
        assert_eq!(states, ["pendiente", "pendiente", "rechazado"]);
        assert_eq!(report.sin_movimiento[2].errores[0].code, "1202");
        assert!(report.vencido);
    }

    #[test]
    fn stored_codes_are_read_in_either_shape() {
        assert_eq!(codes(Some(r#"[{"code":702,"msg":"fecha"}]"#))[0].code, "702");
        assert_eq!(codes(Some(r#"[{"code":"705","message":"cuit"}]"#))[0].message, "cuit");
        assert_eq!(codes(Some("nonsense"))[0].code, "UNREADABLE");
        assert!(codes(None).is_empty());
    }
}
