//! Amounts and dates as Argentina writes them (es-AR): `$ 1.234,56`, `05/12/2026`, and times in
//! Argentina's time zone (UTC−3, no daylight saving).
//!
//! It never rounds: an amount is shown with exactly the decimals it has (at least two).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

/// `1234.5` → `$ 1.234,50`; `-3` → `-$ 3,00`.
pub fn money(amount: &Decimal) -> String {
    let negative = amount.is_sign_negative() && !amount.is_zero();
    let text = amount.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let mut fraction = fraction.to_string();
    while fraction.len() < 2 {
        fraction.push('0');
    }
    format!("{}$ {},{fraction}", if negative { "-" } else { "" }, thousands(whole))
}

/// A decimal string as the API sends it (`"1234.50"`); text that is not a number is shown as is.
pub fn money_text(amount: &str) -> String {
    amount
        .parse::<Decimal>()
        .map(|amount| money(&amount))
        .unwrap_or_else(|_| amount.to_string())
}

/// `1234567` → `1.234.567`.
pub fn thousands(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('.');
        }
        out.push(digit);
    }
    out
}

/// `2026-12-05` → `05/12/2026`.
pub fn date(date: &NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// An instant in Argentina's time: `05/12/2026 14:03`.
pub fn datetime(instant: &DateTime<Utc>) -> String {
    instant
        .with_timezone(&arca_protocol::clock::argentina())
        .format("%d/%m/%Y %H:%M")
        .to_string()
}

/// A CUIT as printed: `20-12345678-9` (other text as is).
pub fn cuit(cuit: &str) -> String {
    if cuit.len() == 11 && cuit.bytes().all(|byte| byte.is_ascii_digit()) {
        format!("{}-{}-{}", &cuit[..2], &cuit[2..10], &cuit[10..])
    } else {
        cuit.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_written_as_in_argentina() {
        let parse = |text: &str| text.parse::<Decimal>().unwrap();
        assert_eq!(money(&parse("1234.5")), "$ 1.234,50");
        assert_eq!(money(&parse("1234567.891")), "$ 1.234.567,891");
        assert_eq!(money(&parse("0")), "$ 0,00");
        assert_eq!(money(&parse("-3")), "-$ 3,00");
        assert_eq!(money(&parse("100")), "$ 100,00");
        assert_eq!(money_text("1500.00"), "$ 1.500,00");
    }

    #[test]
    fn dates_and_times_are_argentine() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(date(&day), "05/12/2026");
        let instant = DateTime::parse_from_rfc3339("2026-12-05T02:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(datetime(&instant), "04/12/2026 23:30");
        assert_eq!(cuit("20123456789"), "20-12345678-9");
    }
}
