//! How figures, dates and numbers read on an Argentine invoice: "$ 1.234,56", "05/12/2026",
//! "00001-00000042".
//!
//! It never goes through a float and never rounds: a decimal prints with the digits it has (at
//! least two for money), so what is printed is exactly what was stored and sent to ARCA.

use chrono::NaiveDate;
use rust_decimal::Decimal;

/// An amount with thousands dots and a decimal comma, at least two decimals: `1234.5` →
/// `1.234,50`; `0.125` → `0,125`; `-3` → `-3,00`.
pub fn amount(value: Decimal) -> String {
    let mut value = value.normalize();
    if value.scale() < 2 {
        value.rescale(2);
    }
    group(&value.to_string())
}

/// An amount with its currency sign: `$ 1.234,56`, `US$ 10,00`, `€ 5,00`.
pub fn money(symbol: &str, value: Decimal) -> String {
    format!("{symbol} {}", amount(value))
}

/// A quantity as given: `2` → `2`, `1.500` → `1,500`, `12345` → `12.345`.
pub fn quantity(value: Decimal) -> String {
    group(&value.to_string())
}

/// A percentage without trailing zeros: `21` → `21`, `10.5` → `10,5`, `2.50` → `2,5`.
pub fn percent(value: Decimal) -> String {
    group(&value.normalize().to_string())
}

/// An exchange rate as ARCA holds it (up to six decimals), at least two shown: `1050.5` →
/// `1.050,50`.
pub fn rate(value: Decimal) -> String {
    amount(value)
}

/// `dd/mm/yyyy`.
pub fn date(value: NaiveDate) -> String {
    value.format("%d/%m/%Y").to_string()
}

/// Punto de venta and número as printed: `00001-00000042`.
pub fn voucher_number(punto_venta: u32, numero: u32) -> String {
    format!("{punto_venta:05}-{numero:08}")
}

/// The symbol printed before amounts in `moneda` (ARCA's `MonId`).
pub fn currency_symbol(moneda: &str) -> &str {
    match moneda {
        "PES" => "$",
        "DOL" | "002" => "US$",
        "060" => "€",
        other => other,
    }
}

/// The name of a currency from ARCA's `FEParamGetTiposMonedas` table, when it is there.
pub fn currency_name(moneda: &str) -> Option<&'static str> {
    CURRENCIES
        .iter()
        .find(|(code, _)| *code == moneda)
        .map(|(_, name)| *name)
}

const CURRENCIES: &[(&str, &str)] = &[
    ("PES", "Pesos Argentinos"),
    ("DOL", "Dólar Estadounidense"),
    ("002", "Dólar Libre EEUU"),
    ("007", "Florines Holandeses"),
    ("009", "Franco Suizo"),
    ("010", "Pesos Mejicanos"),
    ("011", "Pesos Uruguayos"),
    ("012", "Real"),
    ("014", "Coronas Danesas"),
    ("015", "Coronas Noruegas"),
    ("016", "Coronas Suecas"),
    ("018", "Dólar Canadiense"),
    ("019", "Yens"),
    ("021", "Libra Esterlina"),
    ("023", "Bolívar Venezolano"),
    ("024", "Corona Checa"),
    ("025", "Dinar Yugoslavo"),
    ("026", "Dólar Australiano"),
    ("027", "Dracma Griego"),
    ("028", "Florín (Antillas Holandesas)"),
    ("029", "Guaraní"),
    ("030", "Shekel (Israel)"),
    ("031", "Peso Boliviano"),
    ("032", "Peso Colombiano"),
    ("033", "Peso Chileno"),
    ("034", "Rand Sudafricano"),
    ("035", "Nuevo Sol Peruano"),
    ("036", "Sucre Ecuatoriano"),
    ("040", "Lei Rumano"),
    ("041", "Derechos Especiales de Giro"),
    ("042", "Peso Dominicano"),
    ("043", "Balboas Panameñas"),
    ("044", "Córdoba Nicaragüense"),
    ("045", "Dirham Marroquí"),
    ("046", "Libra Egipcia"),
    ("047", "Riyal Saudita"),
    ("049", "Gramos de Oro Fino"),
    ("051", "Dólar de Hong Kong"),
    ("052", "Dólar de Singapur"),
    ("053", "Dólar de Jamaica"),
    ("054", "Dólar de Taiwan"),
    ("055", "Quetzal Guatemalteco"),
    ("056", "Forint (Hungría)"),
    ("057", "Baht (Tailandia)"),
    ("059", "Dinar Kuwaiti"),
    ("060", "Euro"),
    ("061", "Zloty Polaco"),
    ("062", "Rupia Hindú"),
    ("063", "Lempira Hondureña"),
    ("064", "Yuan (Rep. Pop. China)"),
];

/// The name of ARCA's `DocTipo` as printed before the number.
pub fn document_type(doc_tipo: i32) -> &'static str {
    match doc_tipo {
        80 => "CUIT",
        86 => "CUIL",
        87 => "CDI",
        89 => "LE",
        90 => "LC",
        91 => "CI Extranjera",
        92 => "en trámite",
        93 => "Acta Nacimiento",
        94 => "Pasaporte",
        95 => "CI Bs. As. RNP",
        96 => "DNI",
        30 => "Certificado de Migración",
        31 => "Fondo Común de Inversiones CNV",
        0..=24 => "CI",
        _ => "Doc. (Otro)",
    }
}

/// Rewrites Rust's `-1234.56` as `-1.234,56`.
fn group(plain: &str) -> String {
    let (sign, digits) = match plain.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", plain),
    };
    let (int, frac) = match digits.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (digits, None),
    };
    let mut out = String::with_capacity(plain.len() + int.len() / 3 + 1);
    out.push_str(sign);
    for (index, ch) in int.chars().enumerate() {
        if index > 0 && (int.len() - index) % 3 == 0 {
            out.push('.');
        }
        out.push(ch);
    }
    if let Some(frac) = frac {
        out.push(',');
        out.push_str(frac);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(text: &str) -> Decimal {
        Decimal::from_str(text).expect("decimal")
    }

    #[test]
    fn amounts_are_argentine_and_exact() {
        assert_eq!(amount(d("1234.56")), "1.234,56");
        assert_eq!(amount(d("1234.5")), "1.234,50");
        assert_eq!(amount(d("1234567.00")), "1.234.567,00");
        assert_eq!(amount(d("0")), "0,00");
        assert_eq!(amount(d("0.125")), "0,125");
        assert_eq!(amount(d("-100")), "-100,00");
        assert_eq!(amount(d("999.999999")), "999,999999");
        assert_eq!(money("$", d("1234.56")), "$ 1.234,56");
    }

    #[test]
    fn quantities_and_percents_keep_their_digits() {
        assert_eq!(quantity(d("2")), "2");
        assert_eq!(quantity(d("1.500")), "1,500");
        assert_eq!(quantity(d("12345")), "12.345");
        assert_eq!(percent(d("10.50")), "10,5");
        assert_eq!(percent(d("21")), "21");
    }

    #[test]
    fn numbers_and_dates() {
        assert_eq!(voucher_number(1, 42), "00001-00000042");
        let day = NaiveDate::from_ymd_opt(2026, 12, 5).expect("date");
        assert_eq!(date(day), "05/12/2026");
    }
}
