//! The project's catalogue of ARCA's WSFEv1 codes (`arca_protocol::wsfe::describe_error`) as
//! the MCP server shows it: one code explained, or every known code.
//!
//! It only reads the catalogue; it never adds to or overrides what the catalogue says.

use arca_protocol::wsfe::{ErrorDescription, ErrorKind, describe_error, known_codes};
use serde_json::{Value, json};

/// One code as `explain_arca_error` answers it, or `None` when the catalogue does not know it.
pub fn explain(code: i32) -> Option<Value> {
    let description = describe_error(code);
    (description.kind != ErrorKind::Unknown).then(|| entry(code, description))
}

/// The problem `explain_arca_error` answers for a code the catalogue does not know.
pub fn unknown(code: i32) -> Value {
    json!({
        "type": "about:blank",
        "title": "Unknown ARCA code",
        "status": 404,
        "code": "NOT_FOUND",
        "detail": format!(
            "{code} is not in the project's catalogue of WSFEv1 codes; ARCA's message that came with it, and \
             its WSFEv1 manual, say what it means"
        ),
        "retryable": false,
    })
}

/// Every code the catalogue knows, ascending (the `arca-api://errors/wsfev1` resource).
pub fn all() -> Value {
    let codes: Vec<Value> = known_codes()
        .map(|(code, description)| entry(code, description))
        .collect();
    json!({
        "service": "wsfev1",
        "codes": codes,
    })
}

fn entry(code: i32, description: ErrorDescription) -> Value {
    json!({
        "code": code,
        "family": description.kind.name(),
        "meaning": description.kind.meaning(),
        "retryable": description.retryable,
        "fix": description.hint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_known_code_is_explained_and_an_unknown_one_is_a_problem() {
        let explained = explain(10016).unwrap();
        assert_eq!(explained["family"], "numbering");
        assert_eq!(explained["retryable"], false);
        assert!(explained["fix"].as_str().unwrap().contains("FECompUltimoAutorizado"));
        assert_eq!(explain(501).unwrap()["retryable"], true);
        assert!(explain(4242).is_none());
        assert_eq!(unknown(4242)["status"], 404);
    }

    #[test]
    fn the_whole_catalogue_lists_each_code_once() {
        let all = all();
        let codes: Vec<i64> = all["codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|entry| entry["code"].as_i64().unwrap())
            .collect();
        assert!(codes.len() > 300, "{}", codes.len());
        assert!(codes.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(codes.contains(&10246) && codes.contains(&600));
    }
}
