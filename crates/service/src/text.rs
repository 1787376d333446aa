//! The rules every text the service stores, filters on or keys by obeys, written once.
//!
//! - Single-line text (names, codes, filters, path ids, metadata keys): no control character at
//!   all (C0, DEL, C1 — NUL and ESC, so no ANSI escape, included) and no bidirectional override
//!   or isolate (U+202A–U+202E, U+2066–U+2069), which can make a stored name read differently
//!   from what it is.
//! - Multi-line text (descriptions, messages, metadata values, PEM): the same, except line feed,
//!   carriage return and tab.
//! - `Idempotency-Key`: 1 to [`IDEMPOTENCY_KEY_MAX`] printable ASCII characters.
//! - [`check_json`]: every string (and every object key) of a request body, before it is read
//!   into a request type, so no stored field can skip the rule.
//!
//! The same rule on both dialects: PostgreSQL refuses NUL in text outright (a 500 if it got that
//! far), SQLite would store it. It never touches storage and never trims or rewrites text: a
//! refused text is refused, naming the field and the rule.

use serde_json::Value;

/// The longest `Idempotency-Key` accepted (characters, printable ASCII).
pub const IDEMPOTENCY_KEY_MAX: usize = 255;

/// Which characters a text may hold besides printable ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    /// No control character at all.
    Single,
    /// Line feed, carriage return and tab allowed.
    Multi,
}

/// Why `text` breaks the rule for `lines`, or `None` when it keeps it.
pub fn problem(text: &str, lines: Lines) -> Option<String> {
    let (position, bad) = text.char_indices().find(|(_, c)| forbidden(*c, lines))?;
    let what = if is_bidi_control(bad) {
        "a bidirectional override or isolate"
    } else {
        "a control character"
    };
    let allowed = match lines {
        Lines::Single => "single-line text without control characters",
        Lines::Multi => "text whose only control characters are line breaks and tabs",
    };
    Some(format!(
        "must be {allowed}: found {what} (U+{:04X}) at byte {position}",
        u32::from(bad)
    ))
}

/// `Ok` when `text` keeps the rule for `lines`, else the (field, message) pair to report.
pub fn check(field: &str, text: &str, lines: Lines) -> Result<(), (String, String)> {
    match problem(text, lines) {
        Some(message) => Err((field.to_string(), message)),
        None => Ok(()),
    }
}

/// `Ok` when `text` keeps the single-line rule and holds at most `max` characters (after the
/// caller's trim).
pub fn check_single_line(field: &str, text: &str, max: usize) -> Result<(), (String, String)> {
    check(field, text, Lines::Single)?;
    check_length(field, text, max)
}

/// `Ok` when `text` holds at most `max` characters.
pub fn check_length(field: &str, text: &str, max: usize) -> Result<(), (String, String)> {
    if text.chars().count() > max {
        return Err((field.to_string(), format!("must be at most {max} characters")));
    }
    Ok(())
}

/// The `Idempotency-Key` as given, or why it is refused: 1 to [`IDEMPOTENCY_KEY_MAX`]
/// printable ASCII characters (space to `~`).
pub fn idempotency_key(raw: &[u8]) -> Result<String, String> {
    let rule = format!("must be 1 to {IDEMPOTENCY_KEY_MAX} printable ASCII characters");
    let text = std::str::from_utf8(raw).map_err(|_| rule.clone())?.trim();
    if text.is_empty() || text.len() > IDEMPOTENCY_KEY_MAX || !text.bytes().all(|b| (0x20..=0x7e).contains(&b)) {
        return Err(rule);
    }
    Ok(text.to_string())
}

/// Every string and object key in `value` checked: strings whose path matches one of
/// `multi_line` as multi-line text, all others (keys always) as single-line. A pattern names a
/// path with `[]` for any array index (`items[].descripcion`); a pattern also covers everything
/// below it (`metadata`). Returns every problem, each naming its field by its path.
pub fn check_json(value: &Value, multi_line: &[&str]) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    walk(value, &mut String::new(), &mut String::new(), multi_line, &mut problems);
    problems
}

fn walk(
    value: &Value,
    path: &mut String,
    pattern: &mut String,
    multi_line: &[&str],
    problems: &mut Vec<(String, String)>,
) {
    match value {
        Value::String(text) => {
            let lines = if covered(pattern, multi_line) {
                Lines::Multi
            } else {
                Lines::Single
            };
            if let Some(message) = problem(text, lines) {
                problems.push((field_name(path), message));
            }
        }
        Value::Array(values) => {
            for (index, value) in values.iter().enumerate() {
                let (path_len, pattern_len) = (path.len(), pattern.len());
                path.push_str(&format!("[{index}]"));
                pattern.push_str("[]");
                walk(value, path, pattern, multi_line, problems);
                path.truncate(path_len);
                pattern.truncate(pattern_len);
            }
        }
        Value::Object(fields) => {
            for (key, value) in fields {
                let (path_len, pattern_len) = (path.len(), pattern.len());
                if !path.is_empty() {
                    path.push('.');
                    pattern.push('.');
                }
                if let Some(message) = problem(key, Lines::Single) {
                    // The key itself is unreadable: name where it sits, not the key.
                    problems.push((field_name(path.trim_end_matches('.')), format!("a key {message}")));
                    path.truncate(path_len);
                    pattern.truncate(pattern_len);
                    continue;
                }
                path.push_str(key);
                pattern.push_str(key);
                walk(value, path, pattern, multi_line, problems);
                path.truncate(path_len);
                pattern.truncate(pattern_len);
            }
        }
        Value::Null | Value::Bool(_) | Value::Number(_) => {}
    }
}

fn covered(pattern: &str, multi_line: &[&str]) -> bool {
    multi_line.iter().any(|prefix| {
        pattern == *prefix
            || pattern
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.starts_with('.') || rest.starts_with('['))
    })
}

fn field_name(path: &str) -> String {
    if path.is_empty() {
        "body".into()
    } else {
        path.to_string()
    }
}

fn forbidden(c: char, lines: Lines) -> bool {
    (c.is_control() && !(lines == Lines::Multi && matches!(c, '\n' | '\r' | '\t'))) || is_bidi_control(c)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_and_multi_line() {
        for good in ["ACME SA", "Ñandú «señal» €", "a b"] {
            assert_eq!(problem(good, Lines::Single), None, "{good}");
        }
        for bad in [
            "A\u{0}B",
            "\u{1b}[31mred",
            "tab\there",
            "line\nbreak",
            "\u{7f}",
            "\u{85}",
            "x\u{202E}y",
            "\u{2066}",
        ] {
            assert!(problem(bad, Lines::Single).is_some(), "{bad:?}");
        }
        for good in ["line\nbreak", "a\r\nb", "tab\there"] {
            assert_eq!(problem(good, Lines::Multi), None, "{good:?}");
        }
        for bad in ["A\u{0}B", "\u{1b}[31m", "\u{202D}x"] {
            assert!(problem(bad, Lines::Multi).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn idempotency_keys() {
        assert_eq!(idempotency_key(b" order-42 ").as_deref(), Ok("order-42"));
        assert!(idempotency_key(&[b'k'; IDEMPOTENCY_KEY_MAX]).is_ok());
        for bad in [
            &b""[..],
            b"   ",
            &[b'k'; IDEMPOTENCY_KEY_MAX + 1],
            b"a\x00b",
            "ñ".as_bytes(),
            b"a\x7fb",
        ] {
            assert!(idempotency_key(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn json_bodies_name_the_field() {
        let body = serde_json::json!({
            "name": "ok",
            "items": [{"descripcion": "two\nlines", "code": "a\nb"}],
            "metadata": {"note": "x\ny", "bad\u{0}key": "v", "k": "\u{1b}[0m"},
        });
        let fields: Vec<String> = check_json(&body, &["items[].descripcion", "metadata"])
            .into_iter()
            .map(|(field, _)| field)
            .collect();
        assert_eq!(fields, ["items[0].code", "metadata", "metadata.k"]);
    }
}
