//! ARCA's CAEA calendar (docs/arca.md §G): fortnights (`Orden` 1: days 1–15 of `Periodo`
//! yyyymm, 2: day 16 to the month's end), the request window (from five calendar days before a
//! fortnight starts to its last day, outside it ARCA answers 15006), and Argentina's calendar
//! day and time, which ARCA's dates are in.
//!
//! Pure: it reads no clock (the caller passes `now` from the App's clock) and stores nothing.
//! The reporting deadline is never computed here: it is ARCA's `FchTopeInf`, as granted.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc};

/// Days before a fortnight starts from which ARCA grants its CAEA.
pub const REQUEST_DAYS_BEFORE: i64 = 5;

/// One fortnight: `periodo` yyyymm and `orden` 1 or 2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Fortnight {
    periodo: i32,
    orden: i16,
}

impl Fortnight {
    /// The fortnight of `periodo` (yyyymm, years 2000–2999) and `orden` (1, 2); `None` otherwise.
    pub fn new(periodo: i32, orden: i16) -> Option<Fortnight> {
        let (year, month) = (periodo / 100, periodo % 100);
        let valid = (2000..=2999).contains(&year) && (1..=12).contains(&month) && matches!(orden, 1 | 2);
        valid.then_some(Fortnight { periodo, orden })
    }

    /// The fortnight `date` falls in.
    pub fn containing(date: NaiveDate) -> Fortnight {
        let periodo = date.year() * 100 + i32::try_from(date.month()).unwrap_or(1);
        Fortnight {
            periodo,
            orden: if date.day() <= 15 { 1 } else { 2 },
        }
    }

    pub fn periodo(self) -> i32 {
        self.periodo
    }

    pub fn orden(self) -> i16 {
        self.orden
    }

    fn year_month(self) -> (i32, u32) {
        (self.periodo / 100, u32::try_from(self.periodo % 100).unwrap_or(1))
    }

    /// Its first day (the 1st or the 16th).
    pub fn first_day(self) -> NaiveDate {
        let (year, month) = self.year_month();
        let day = if self.orden == 1 { 1 } else { 16 };
        NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
    }

    /// Its last day (the 15th, or the month's last).
    pub fn last_day(self) -> NaiveDate {
        if self.orden == 1 {
            return self.first_day() + Duration::days(14);
        }
        self.next().first_day() - Duration::days(1)
    }

    /// The fortnight after this one.
    pub fn next(self) -> Fortnight {
        if self.orden == 1 {
            return Fortnight { orden: 2, ..self };
        }
        let (year, month) = self.year_month();
        let (year, month) = if month == 12 { (year + 1, 1) } else { (year, month + 1) };
        Fortnight {
            periodo: year * 100 + i32::try_from(month).unwrap_or(1),
            orden: 1,
        }
    }

    /// The fortnight before this one.
    pub fn previous(self) -> Fortnight {
        if self.orden == 2 {
            return Fortnight { orden: 1, ..self };
        }
        Fortnight::containing(self.first_day() - Duration::days(1))
    }

    /// The first day ARCA grants its CAEA.
    pub fn request_opens(self) -> NaiveDate {
        self.first_day() - Duration::days(REQUEST_DAYS_BEFORE)
    }

    /// Whether ARCA grants its CAEA on `today` (Argentina's day): from [`Self::request_opens`]
    /// to its last day, both included.
    pub fn may_request(self, today: NaiveDate) -> bool {
        (self.request_opens()..=self.last_day()).contains(&today)
    }

    /// Whether `date` lies within it.
    pub fn contains(self, date: NaiveDate) -> bool {
        (self.first_day()..=self.last_day()).contains(&date)
    }

    /// The fortnights whose CAEA may be requested on `today`: the current one, and the next one
    /// once its window opened.
    pub fn to_request(today: NaiveDate) -> Vec<Fortnight> {
        let current = Fortnight::containing(today);
        let next = current.next();
        if next.may_request(today) {
            vec![current, next]
        } else {
            vec![current]
        }
    }
}

impl std::fmt::Display for Fortnight {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.periodo, self.orden)
    }
}

/// Argentina's calendar day at `now` (UTC−3 all year).
pub fn argentina_today(now: DateTime<Utc>) -> NaiveDate {
    argentina_time(now).date()
}

/// Argentina's wall-clock time at `now` (what `CbteFchHsGen` is written in).
pub fn argentina_time(now: DateTime<Utc>) -> NaiveDateTime {
    now.with_timezone(&arca_protocol::clock::argentina()).naive_local()
}

/// `CbteFchHsGen`'s text: `yyyymmddhhmiss`.
pub fn generation_stamp(now: DateTime<Utc>) -> String {
    argentina_time(now).format("%Y%m%d%H%M%S").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or(NaiveDate::MIN)
    }

    #[test]
    fn fortnights_split_months_at_the_fifteenth() {
        let first = Fortnight::containing(day("2026-02-15"));
        assert_eq!((first.periodo(), first.orden()), (202602, 1));
        assert_eq!(first.last_day(), day("2026-02-15"));
        let second = Fortnight::containing(day("2026-02-16"));
        assert_eq!((second.periodo(), second.orden()), (202602, 2));
        assert_eq!(second.last_day(), day("2026-02-28"));
        assert_eq!(Fortnight::containing(day("2028-02-29")).last_day(), day("2028-02-29"));
        assert_eq!(
            Fortnight::containing(day("2026-12-31")).next(),
            Fortnight::containing(day("2027-01-01"))
        );
        assert_eq!(
            Fortnight::containing(day("2027-01-01")).previous(),
            Fortnight::containing(day("2026-12-20"))
        );
    }

    #[test]
    fn the_request_window_opens_five_days_before_and_closes_on_the_last_day() {
        let fortnight = Fortnight::containing(day("2026-12-16"));
        assert_eq!(fortnight.request_opens(), day("2026-12-11"));
        assert!(!fortnight.may_request(day("2026-12-10")));
        assert!(fortnight.may_request(day("2026-12-11")));
        assert!(fortnight.may_request(day("2026-12-31")));
        assert!(!fortnight.may_request(day("2027-01-01")));
        assert_eq!(Fortnight::to_request(day("2026-12-10")).len(), 1);
        assert_eq!(
            Fortnight::to_request(day("2026-12-11")),
            vec![Fortnight::containing(day("2026-12-01")), fortnight]
        );
    }

    #[test]
    fn only_valid_periods_and_orders_make_a_fortnight() {
        assert!(Fortnight::new(202612, 2).is_some());
        assert!(Fortnight::new(202613, 1).is_none());
        assert!(Fortnight::new(202600, 1).is_none());
        assert!(Fortnight::new(202612, 3).is_none());
        assert!(Fortnight::new(199912, 1).is_none());
    }

    #[test]
    fn argentina_is_three_hours_behind_utc() {
        let now = DateTime::parse_from_rfc3339("2026-12-16T02:30:05Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default();
        assert_eq!(argentina_today(now), day("2026-12-15"));
        assert_eq!(generation_stamp(now), "20261215233005");
    }
}
