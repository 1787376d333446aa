//! Whether a new invoice is issued with a CAE as usual, queued, refused, or issued under the
//! CAEA of today's fortnight on a contingency point of sale (docs/arca.md §G.4; ARCHITECTURE.md
//! "CAEA contingency", invariant 23). [`decide`] is pure: the caller gathers the
//! [`Situation`] (the breaker, the cached FEDummy, the account's contingency points of sale, the
//! grant covering Argentina's today, the primed series) and carries out the [`Decision`].
//!
//! The rules:
//! - Without `"contingencia"` (or with `false`), a closed breaker issues with a CAE; an open one
//!   does what `INVOICE_QUEUE_MODE` says: `queue` queues, `reject` refuses, `caea` issues under
//!   the CAEA when the account can (opted in, a grant for today, an eligible voucher whose date
//!   lies in the grant's validity, a primed series) and queues otherwise. `false` never uses CAEA.
//! - `"contingencia": true` asks for CAEA in any mode. It is accepted only while ARCA's CAE
//!   service fails (breaker open or FEDummy down): otherwise 409 `CONTINGENCY_NOT_ACTIVE`. An
//!   account with no active contingency point of sale gets 422 `CONTINGENCY_NOT_CONFIGURED`; no
//!   grant for today or an unprimed series 503 `CAEA_UNAVAILABLE`; a note, an FCE, a date
//!   outside the grant or after today 400 naming the field. Once the number is held the engine
//!   dates the voucher with [`caea_date`]: never before the series' previous voucher.
//! - Not under CAEA, ever: credit and debit notes (they adjust an invoice that may have a CAE on
//!   another point of sale and are issued with the original, so they wait for ARCA) and FCE
//!   MiPyMEs (201–213: the buyer's acceptance runs through wsfecred on CAE vouchers).
//! - The point of sale: the request's when it is an active contingency point of sale, else the
//!   lowest-numbered active one whose series is primed (else the lowest). A contingency point of
//!   sale is never used for a CAE: such a request that is not issued under CAEA is a 400 naming
//!   `punto_venta`.
//!
//! It never reads the clock, the database or ARCA.

use chrono::NaiveDate;

use crate::config::QueueMode;

/// The grant covering today, as the decision needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantWindow {
    pub id: String,
    pub fch_vig_desde: NaiveDate,
    pub fch_vig_hasta: NaiveDate,
}

/// Everything the decision looks at.
#[derive(Debug, Clone)]
pub struct Situation<'a> {
    pub queue_mode: QueueMode,
    /// The circuit breaker refuses calls now.
    pub breaker_open: bool,
    /// The cached FEDummy says ARCA's application server is down (only asked for an explicit
    /// `"contingencia": true` while the breaker is closed; `false` when not asked).
    pub dummy_down: bool,
    /// The request's `contingencia`.
    pub requested: Option<bool>,
    /// The request's point of sale.
    pub punto_venta: i32,
    pub cbte_tipo: i32,
    /// A credit or debit note.
    pub is_note: bool,
    /// FCE MiPyMEs (201–213).
    pub is_fce: bool,
    /// The voucher's date (`None`: today, inside the grant by construction).
    pub fecha: Option<NaiveDate>,
    /// Argentina's today (the grant covers it): a later `fecha` is not issued under CAEA.
    pub today: NaiveDate,
    /// The account's active contingency points of sale (`contingencia`, not blocked, no
    /// `fecha_baja`), ascending.
    pub contingency_points: &'a [i32],
    /// Those whose series of `cbte_tipo` is primed (a `caea_series` row).
    pub primed_points: &'a [i32],
    /// The grant whose validity holds Argentina's today.
    pub grant: Option<&'a GrantWindow>,
}

/// What to do with the invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Submit it to the CAE engine now.
    Cae,
    /// Accept it as `pending_retry` (the breaker is open).
    Queue,
    /// Refuse it: 503 `ARCA_UNAVAILABLE` (`INVOICE_QUEUE_MODE=reject`).
    Reject,
    /// Issue it at once under the grant, numbered on this contingency point of sale.
    Caea { punto_venta: i32, grant_id: String },
    /// Refuse it with this problem.
    Refused(Refusal),
}

/// Why a request is refused before anything is stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// 409 `CONTINGENCY_NOT_ACTIVE`: `contingencia: true` while ARCA's CAE service answers.
    #[error(
        "contingencia: CAEA is for contingencies only, and ARCA's CAE service is answering: send the invoice without \"contingencia\""
    )]
    NotActive,
    /// 422 `CONTINGENCY_NOT_CONFIGURED`: the account has no active contingency point of sale.
    #[error("contingencia: the account has no active contingency (CAEA) point of sale")]
    NotConfigured,
    /// 503 `CAEA_UNAVAILABLE` (retryable): no grant for today, or the series was never primed.
    #[error("contingencia: no CAEA can be used now: {0}")]
    Unavailable(String),
    /// 409 `CAEA_SERIES_EXHAUSTED` (not retryable): the contingency series is at 99999999.
    #[error("punto_venta: the contingency series cannot be numbered further: {0}")]
    Exhausted(String),
    /// 400 naming `field`.
    #[error("{field}: {message}")]
    Field { field: &'static str, message: String },
}

/// The decision for one new invoice (see the module's rules).
pub fn decide(situation: &Situation<'_>) -> Decision {
    let requested_is_contingency = situation.contingency_points.contains(&situation.punto_venta);
    let decision = match situation.requested {
        Some(true) => explicit(situation),
        Some(false) => usual(situation),
        None if situation.breaker_open && situation.queue_mode == QueueMode::Caea => match caea(situation) {
            Ok(decision) => decision,
            Err(_) => Decision::Queue,
        },
        None => usual(situation),
    };
    match decision {
        Decision::Cae | Decision::Queue | Decision::Reject if requested_is_contingency => {
            Decision::Refused(Refusal::Field {
                field: "punto_venta",
                message: format!(
                    "point of sale {} is a contingency (CAEA) point of sale; it issues only under CAEA",
                    situation.punto_venta
                ),
            })
        }
        other => other,
    }
}

/// Without contingency: the breaker and the queue mode.
fn usual(situation: &Situation<'_>) -> Decision {
    if !situation.breaker_open {
        return Decision::Cae;
    }
    match situation.queue_mode {
        QueueMode::Reject => Decision::Reject,
        QueueMode::Queue | QueueMode::Caea => Decision::Queue,
    }
}

/// `"contingencia": true`.
fn explicit(situation: &Situation<'_>) -> Decision {
    if situation.contingency_points.is_empty() {
        return Decision::Refused(Refusal::NotConfigured);
    }
    if !(situation.breaker_open || situation.dummy_down) {
        return Decision::Refused(Refusal::NotActive);
    }
    caea(situation).unwrap_or_else(Decision::Refused)
}

/// Under CAEA, or why not.
fn caea(situation: &Situation<'_>) -> Result<Decision, Refusal> {
    if situation.contingency_points.is_empty() {
        return Err(Refusal::NotConfigured);
    }
    if situation.is_note {
        return Err(Refusal::Field {
            field: "tipo_comprobante",
            message: format!(
                "{} is a credit or debit note: notes are not issued under CAEA; they wait for ARCA's CAE service",
                situation.cbte_tipo
            ),
        });
    }
    if situation.is_fce {
        return Err(Refusal::Field {
            field: "tipo_comprobante",
            message: format!(
                "{} is an FCE MiPyMEs: FCE is not issued under CAEA; it waits for ARCA's CAE service",
                situation.cbte_tipo
            ),
        });
    }
    let Some(grant) = situation.grant else {
        return Err(Refusal::Unavailable(
            "the account has no CAEA for today's fortnight".into(),
        ));
    };
    if let Some(fecha) = situation.fecha
        && !(grant.fch_vig_desde..=grant.fch_vig_hasta).contains(&fecha)
    {
        return Err(Refusal::Field {
            field: "fecha",
            message: format!(
                "{fecha} is outside the CAEA's validity ({} to {}; ARCA 702)",
                grant.fch_vig_desde, grant.fch_vig_hasta
            ),
        });
    }
    if let Some(fecha) = situation.fecha
        && fecha > situation.today
    {
        return Err(Refusal::Field {
            field: "fecha",
            message: format!(
                "{fecha} is after today ({}): under CAEA a voucher is dated at most today, so the next numbers of its series are never dated before it (ARCA 10016)",
                situation.today
            ),
        });
    }
    let punto_venta = if situation.contingency_points.contains(&situation.punto_venta) {
        situation.punto_venta
    } else {
        situation
            .contingency_points
            .iter()
            .copied()
            .find(|point| situation.primed_points.contains(point))
            .or_else(|| situation.contingency_points.first().copied())
            .ok_or(Refusal::NotConfigured)?
    };
    if !situation.primed_points.contains(&punto_venta) {
        return Err(Refusal::Unavailable(format!(
            "the contingency series of point of sale {punto_venta} and voucher type {} was never primed with ARCA's last number",
            situation.cbte_tipo
        )));
    }
    Ok(Decision::Caea {
        punto_venta,
        grant_id: grant.id.clone(),
    })
}

/// The date of a voucher numbered next on a contingency series, decided once its number is held:
/// `requested` (the request's `fecha`) when it is neither before `previous` (the date of the
/// number before it, when that one is ours) nor after `today` (Argentina's, read after taking
/// the number); without one, `today`, or `previous` when the clock of the instance that issued
/// it was ahead. Dates never go backwards along a series (ARCA 10016): the `Err` says why.
pub fn caea_date(
    requested: Option<NaiveDate>,
    previous: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<NaiveDate, String> {
    let Some(fecha) = requested else {
        return Ok(previous.map_or(today, |previous| previous.max(today)));
    };
    if fecha > today {
        return Err(format!(
            "{fecha} is after today ({today}): under CAEA a voucher is dated at most today"
        ));
    }
    if let Some(previous) = previous.filter(|previous| fecha < *previous) {
        return Err(format!(
            "{fecha} is before {previous}, the date of the previous number of its contingency series: dates never go backwards along a series (ARCA 10016)"
        ));
    }
    Ok(fecha)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").expect("a date")
    }

    fn grant() -> GrantWindow {
        GrantWindow {
            id: "caea_1".into(),
            fch_vig_desde: day("2026-12-01"),
            fch_vig_hasta: day("2026-12-15"),
        }
    }

    const POINTS: &[i32] = &[5, 9];

    fn situation(grant: &GrantWindow) -> Situation<'_> {
        Situation {
            queue_mode: QueueMode::Caea,
            breaker_open: true,
            dummy_down: false,
            requested: None,
            punto_venta: 1,
            cbte_tipo: 6,
            is_note: false,
            is_fce: false,
            fecha: None,
            today: day("2026-12-10"),
            contingency_points: POINTS,
            primed_points: POINTS,
            grant: Some(grant),
        }
    }

    fn caea_on(punto_venta: i32) -> Decision {
        Decision::Caea {
            punto_venta,
            grant_id: "caea_1".into(),
        }
    }

    #[test]
    fn an_open_breaker_in_caea_mode_issues_under_caea_on_the_lowest_contingency_point() {
        let grant = grant();
        assert_eq!(decide(&situation(&grant)), caea_on(5));
    }

    #[test]
    fn a_closed_breaker_issues_with_a_cae() {
        let grant = grant();
        let closed = Situation {
            breaker_open: false,
            ..situation(&grant)
        };
        assert_eq!(decide(&closed), Decision::Cae);
    }

    #[test]
    fn queue_and_reject_modes_keep_their_meaning() {
        let grant = grant();
        for (mode, expected) in [
            (QueueMode::Queue, Decision::Queue),
            (QueueMode::Reject, Decision::Reject),
        ] {
            let open = Situation {
                queue_mode: mode,
                ..situation(&grant)
            };
            assert_eq!(decide(&open), expected, "{mode:?}");
        }
    }

    #[test]
    fn caea_mode_falls_back_to_the_queue() {
        let grant = grant();
        let cases = [
            Situation {
                contingency_points: &[],
                primed_points: &[],
                ..situation(&grant)
            },
            Situation {
                grant: None,
                ..situation(&grant)
            },
            Situation {
                primed_points: &[],
                ..situation(&grant)
            },
            Situation {
                is_note: true,
                cbte_tipo: 8,
                ..situation(&grant)
            },
            Situation {
                is_fce: true,
                cbte_tipo: 206,
                ..situation(&grant)
            },
            Situation {
                fecha: Some(day("2026-11-30")),
                ..situation(&grant)
            },
            Situation {
                requested: Some(false),
                ..situation(&grant)
            },
        ];
        for case in cases {
            assert_eq!(decide(&case), Decision::Queue, "{case:?}");
        }
    }

    #[test]
    fn the_requested_contingency_point_is_used_and_a_primed_one_preferred() {
        let grant = grant();
        let asked = Situation {
            punto_venta: 9,
            ..situation(&grant)
        };
        assert_eq!(decide(&asked), caea_on(9));
        let only_nine_primed = Situation {
            primed_points: &[9],
            ..situation(&grant)
        };
        assert_eq!(decide(&only_nine_primed), caea_on(9));
    }

    #[test]
    fn explicit_contingency_is_accepted_only_while_the_cae_service_fails() {
        let grant = grant();
        for mode in [QueueMode::Queue, QueueMode::Reject, QueueMode::Caea] {
            let fine = Situation {
                queue_mode: mode,
                breaker_open: false,
                requested: Some(true),
                ..situation(&grant)
            };
            assert_eq!(decide(&fine), Decision::Refused(Refusal::NotActive));
            let dummy_down = Situation {
                dummy_down: true,
                ..fine.clone()
            };
            assert_eq!(decide(&dummy_down), caea_on(5));
            let open = Situation {
                breaker_open: true,
                ..fine
            };
            assert_eq!(decide(&open), caea_on(5));
        }
    }

    #[test]
    fn explicit_contingency_problems() {
        let grant = grant();
        let explicit = Situation {
            requested: Some(true),
            ..situation(&grant)
        };
        let not_configured = Situation {
            contingency_points: &[],
            primed_points: &[],
            breaker_open: false,
            ..explicit.clone()
        };
        assert_eq!(decide(&not_configured), Decision::Refused(Refusal::NotConfigured));
        let no_grant = Situation {
            grant: None,
            ..explicit.clone()
        };
        assert!(matches!(decide(&no_grant), Decision::Refused(Refusal::Unavailable(_))));
        let unprimed = Situation {
            primed_points: &[],
            ..explicit.clone()
        };
        assert!(matches!(decide(&unprimed), Decision::Refused(Refusal::Unavailable(_))));
        let outside = Situation {
            fecha: Some(day("2026-12-16")),
            ..explicit.clone()
        };
        assert!(matches!(
            decide(&outside),
            Decision::Refused(Refusal::Field { field: "fecha", .. })
        ));
        let inside = Situation {
            fecha: Some(day("2026-12-01")),
            ..explicit.clone()
        };
        assert_eq!(decide(&inside), caea_on(5));
        let note = Situation {
            is_note: true,
            ..explicit.clone()
        };
        assert!(matches!(
            decide(&note),
            Decision::Refused(Refusal::Field {
                field: "tipo_comprobante",
                ..
            })
        ));
        let fce = Situation {
            is_fce: true,
            ..explicit
        };
        assert!(matches!(
            decide(&fce),
            Decision::Refused(Refusal::Field {
                field: "tipo_comprobante",
                ..
            })
        ));
    }

    #[test]
    fn a_contingency_point_of_sale_never_gets_a_cae() {
        let grant = grant();
        for situation in [
            Situation {
                breaker_open: false,
                punto_venta: 5,
                ..situation(&grant)
            },
            Situation {
                punto_venta: 5,
                queue_mode: QueueMode::Queue,
                ..situation(&grant)
            },
            Situation {
                punto_venta: 5,
                primed_points: &[],
                ..situation(&grant)
            },
            Situation {
                punto_venta: 5,
                requested: Some(false),
                ..situation(&grant)
            },
        ] {
            assert!(
                matches!(
                    decide(&situation),
                    Decision::Refused(Refusal::Field {
                        field: "punto_venta",
                        ..
                    })
                ),
                "{situation:?}"
            );
        }
    }

    #[test]
    fn dates_never_go_backwards_along_a_series() {
        let today = day("2026-12-10");
        assert_eq!(caea_date(None, None, today), Ok(today));
        assert_eq!(caea_date(None, Some(day("2026-12-09")), today), Ok(today));
        // Another instance's clock was ahead: the date follows the previous number's.
        assert_eq!(caea_date(None, Some(day("2026-12-11")), today), Ok(day("2026-12-11")));
        assert_eq!(
            caea_date(Some(day("2026-12-09")), Some(day("2026-12-09")), today),
            Ok(day("2026-12-09"))
        );
        assert!(caea_date(Some(day("2026-12-02")), Some(day("2026-12-09")), today).is_err());
        assert!(caea_date(Some(day("2026-12-11")), None, today).is_err());
    }

    #[test]
    fn a_date_after_today_is_not_issued_under_caea() {
        let grant = grant();
        let later = Situation {
            fecha: Some(day("2026-12-13")),
            ..situation(&grant)
        };
        assert_eq!(decide(&later), Decision::Queue);
        let explicit = Situation {
            requested: Some(true),
            ..later
        };
        assert!(matches!(
            decide(&explicit),
            Decision::Refused(Refusal::Field { field: "fecha", .. })
        ));
    }
}
