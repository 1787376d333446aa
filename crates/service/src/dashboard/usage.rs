//! The usage section: this month's invoices against the account's quota — the numbers
//! `GET /v1/account` reports (`crate::usage::summary`) — and a chart of the invoices stored on
//! each of the month's days (Argentina's calendar, `crate::usage::per_day`), drawn on the
//! server as an inline SVG of bars with a table of the same numbers for screen readers.
//!
//! It never counts anything itself (the usage module does) and draws with SVG attributes and
//! the stylesheet's classes only: no inline style, no script (the Content-Security-Policy).

use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use chrono::{Datelike, NaiveDate};

use super::format;
use super::page::{Layout, Nav, PageError, render};
use super::session::Session;
use crate::accounts::{self, Tier};
use crate::state::AppState;
use crate::usage::{self, Summary};

pub fn routes() -> Router<AppState> {
    Router::new().route("/dashboard/usage", get(usage_page))
}

const MONTHS: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

/// `2026-03` → `marzo de 2026` (other text as is).
pub fn month_label(period: &str) -> String {
    period
        .split_once('-')
        .and_then(|(year, month)| {
            let month = month.parse::<usize>().ok()?;
            Some(format!("{} de {year}", MONTHS.get(month.checked_sub(1)?)?))
        })
        .unwrap_or_else(|| period.to_string())
}

fn tier_label(tier: Tier) -> &'static str {
    match tier {
        Tier::Free => "Gratuito",
        Tier::Pro => "Pro",
        Tier::Enterprise => "Empresa",
    }
}

/// Chart geometry, in SVG user units.
const BAR_STEP: u32 = 20;
const BAR_WIDTH: u32 = 14;
const LEFT: u32 = 44;
const TOP: u32 = 16;
const PLOT_HEIGHT: u32 = 150;
const BOTTOM_LABELS: u32 = 30;

/// One bar: a day with invoices.
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub day: u32,
    pub count: i64,
    pub title: String,
}

/// A label under the axis (a day number) or beside it (a count).
pub struct Tick {
    pub x: u32,
    pub y: u32,
    pub text: String,
}

/// The bar chart of invoices per day.
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub label: String,
    pub bars: Vec<Bar>,
    pub day_ticks: Vec<Tick>,
    pub value_ticks: Vec<Tick>,
    /// The axis line and the top gridline (y coordinates).
    pub baseline: u32,
    pub top_line: u32,
    pub left: u32,
    pub right: u32,
}

/// Draws `days` (every day of the month, with its count): one bar per day with invoices,
/// scaled to the busiest day; day numbers 1, 5, 10, … under the axis.
pub fn chart(days: &[(NaiveDate, i64)], month: &str) -> Chart {
    let count = u32::try_from(days.len()).unwrap_or(31);
    let width = LEFT + count * BAR_STEP + 8;
    let baseline = TOP + PLOT_HEIGHT;
    let max = days.iter().map(|(_, count)| *count).max().unwrap_or(0);
    let total: i64 = days.iter().map(|(_, count)| *count).sum();
    let bars = days
        .iter()
        .zip(0u32..)
        .filter(|((_, count), _)| *count > 0)
        .map(|((day, count), index)| {
            let scaled = (i128::from(*count) * i128::from(PLOT_HEIGHT)) / i128::from(max.max(1));
            let height = u32::try_from(scaled).unwrap_or(PLOT_HEIGHT).clamp(2, PLOT_HEIGHT);
            Bar {
                x: LEFT + index * BAR_STEP + (BAR_STEP - BAR_WIDTH) / 2,
                y: baseline - height,
                width: BAR_WIDTH,
                height,
                day: day.day(),
                count: *count,
                title: format!("{}: {}", format::date(day), plural(*count)),
            }
        })
        .collect();
    let day_ticks = days
        .iter()
        .zip(0u32..)
        .filter(|((day, _), _)| day.day() == 1 || day.day().is_multiple_of(5))
        .map(|((day, _), index)| Tick {
            x: LEFT + index * BAR_STEP + BAR_STEP / 2,
            y: baseline + 18,
            text: day.day().to_string(),
        })
        .collect();
    let value_ticks = vec![
        Tick {
            x: LEFT - 6,
            y: baseline,
            text: "0".into(),
        },
        Tick {
            x: LEFT - 6,
            y: TOP + 4,
            text: format::thousands(&max.to_string()),
        },
    ];
    let busiest = days
        .iter()
        .filter(|(_, count)| *count == max && max > 0)
        .map(|(day, _)| format::date(day))
        .next();
    let label = match busiest {
        Some(day) => format!(
            "Comprobantes por día de {month}: {} en total; el día con más fue el {day}, con {}.",
            format::thousands(&total.to_string()),
            format::thousands(&max.to_string())
        ),
        None => format!("Comprobantes por día de {month}: ninguno todavía."),
    };
    Chart {
        width,
        height: baseline + BOTTOM_LABELS,
        label,
        bars,
        day_ticks,
        value_ticks,
        baseline,
        top_line: TOP,
        left: LEFT,
        right: width - 8,
    }
}

fn plural(count: i64) -> String {
    let number = format::thousands(&count.to_string());
    if count == 1 {
        format!("{number} comprobante")
    } else {
        format!("{number} comprobantes")
    }
}

/// A row of the table under the chart.
pub struct DayRow {
    pub date: String,
    pub count: String,
}

#[derive(Template)]
#[template(path = "dashboard/usage.html")]
struct UsagePage {
    layout: Layout,
    month: String,
    tier: &'static str,
    invoices: String,
    quota: Option<String>,
    remaining: Option<String>,
    percent: Option<String>,
    near_quota: bool,
    exhausted: bool,
    chart: Chart,
    days: Vec<DayRow>,
}

/// `used` of `quota` as a percentage with one decimal, es-AR (`92,4 %`).
pub fn percent(used: i64, quota: i64) -> Option<String> {
    if quota <= 0 {
        return None;
    }
    let tenths = (i128::from(used) * 1000 + i128::from(quota) / 2) / i128::from(quota);
    Some(format!("{},{} %", tenths / 10, tenths % 10))
}

async fn usage_page(State(state): State<AppState>, session: Session) -> Result<Response, PageError> {
    let now = state.clock.now();
    let account = accounts::find(&state.storage, &session.account_id).await?;
    let summary: Summary = usage::summary(&state.storage, &account, now).await?;
    let per_day = usage::per_day(&state.storage, &account.id, now).await?;
    let month = month_label(&summary.period);
    let today = crate::contingency::calendar::argentina_today(now);
    let days = per_day
        .iter()
        .filter(|(day, _)| *day <= today)
        .map(|(day, count)| DayRow {
            date: format::date(day),
            count: format::thousands(&count.to_string()),
        })
        .collect();
    let number = |value: i64| format::thousands(&value.to_string());
    render(&UsagePage {
        layout: Layout::new(&session, Nav::Usage, "Uso del mes"),
        tier: tier_label(account.tier),
        invoices: number(summary.invoices),
        quota: summary.quota.map(number),
        remaining: summary.remaining.map(number),
        percent: summary.quota.and_then(|quota| percent(summary.invoices, quota)),
        near_quota: summary.near_quota(),
        exhausted: summary.exhausted(),
        chart: chart(&per_day, &month),
        month,
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_percentages_are_spanish() {
        assert_eq!(month_label("2026-03"), "marzo de 2026");
        assert_eq!(month_label("2026-12"), "diciembre de 2026");
        assert_eq!(month_label("nonsense"), "nonsense");
        assert_eq!(percent(462, 500).as_deref(), Some("92,4 %"));
        assert_eq!(percent(0, 500).as_deref(), Some("0,0 %"));
        assert_eq!(percent(1, 0), None);
    }

    #[test]
    fn bars_are_drawn_only_for_days_with_invoices_scaled_to_the_busiest() {
        let first = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let days: Vec<(NaiveDate, i64)> = first
            .iter_days()
            .take(31)
            .map(|day| {
                (
                    day,
                    if day.day() == 4 {
                        4
                    } else if day.day() == 10 {
                        1
                    } else {
                        0
                    },
                )
            })
            .collect();
        let chart = chart(&days, "marzo de 2026");
        assert_eq!(chart.bars.len(), 2);
        assert_eq!(chart.bars[0].day, 4);
        assert_eq!(chart.bars[0].height, PLOT_HEIGHT);
        assert_eq!(chart.bars[1].height, PLOT_HEIGHT / 4);
        assert_eq!(chart.bars[0].y + chart.bars[0].height, chart.baseline);
        assert!(chart.bars[1].x > chart.bars[0].x);
        assert!(chart.label.contains("5 en total"), "{}", chart.label);
        assert!(chart.label.contains("04/03/2026"), "{}", chart.label);
        assert_eq!(chart.bars[0].title, "04/03/2026: 4 comprobantes");
        let empty = super::chart(&days.iter().map(|(day, _)| (*day, 0)).collect::<Vec<_>>(), "marzo");
        assert!(empty.bars.is_empty());
        assert!(empty.label.contains("ninguno"));
    }
}
