//! Test support: ARCA's recorded homologation traffic (`testdata/arca/recorded/`, YAML cassettes
//! in the repository), read once for every golden test of this crate.

use std::collections::BTreeMap;

use serde::Deserialize;

/// One cassette file.
pub struct Cassette {
    pub file: String,
    pub interactions: Vec<Interaction>,
}

/// One recorded HTTP exchange.
pub struct Interaction {
    pub method: String,
    /// Request headers, names lower-cased.
    pub headers: BTreeMap<String, String>,
    pub request: String,
    pub status: u16,
    pub response: String,
}

impl Interaction {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(&name.to_ascii_lowercase()).map(String::as_str)
    }
}

#[derive(Deserialize)]
struct RawCassette {
    interactions: Vec<RawInteraction>,
}

#[derive(Deserialize)]
struct RawInteraction {
    request: RawRequest,
    response: RawResponse,
}

#[derive(Deserialize)]
struct RawRequest {
    method: String,
    body: Option<String>,
    #[serde(default)]
    headers: BTreeMap<String, Vec<String>>,
}

#[derive(Deserialize)]
struct RawResponse {
    status: RawStatus,
    body: RawBody,
}

#[derive(Deserialize)]
struct RawStatus {
    code: u16,
}

#[derive(Deserialize)]
struct RawBody {
    string: String,
}

/// Every cassette, sorted by file name, interactions in recording order.
pub fn cassettes() -> Vec<Cassette> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../testdata/arca/recorded");
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .expect("the recorded traffic is in the repository, in testdata/arca/recorded")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let raw: RawCassette = serde_yaml_ng::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            Cassette {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                interactions: raw
                    .interactions
                    .into_iter()
                    .map(|i| Interaction {
                        method: i.request.method,
                        headers: i
                            .request
                            .headers
                            .into_iter()
                            .filter_map(|(k, v)| Some((k.to_ascii_lowercase(), v.into_iter().next()?)))
                            .collect(),
                        request: i.request.body.unwrap_or_default(),
                        status: i.response.status.code,
                        response: i.response.body.string,
                    })
                    .collect(),
            }
        })
        .collect()
}

/// Every element inside the SOAP `Body`, in document order, as `namespace path`: the path of
/// local names from the first element in the body, prefixed with the element's resolved
/// namespace (`-` when it has none). Two envelopes with the same list have the same element
/// names, namespaces and order, whatever prefixes they use.
pub fn qualified_body_elements(envelope: &str) -> Vec<String> {
    use quick_xml::events::Event;
    use quick_xml::name::ResolveResult;
    use quick_xml::reader::NsReader;

    let mut reader = NsReader::from_str(envelope);
    let mut stack: Vec<String> = Vec::new();
    let mut body_depth: Option<usize> = None;
    let mut out = Vec::new();
    loop {
        let (resolved, event) = reader.read_resolved_event().expect("well-formed envelope");
        let (start, empty) = match &event {
            Event::Start(start) => (Some(start.clone()), false),
            Event::Empty(start) => (Some(start.clone()), true),
            Event::End(_) => {
                stack.pop();
                if body_depth.is_some_and(|depth| stack.len() < depth) {
                    body_depth = None;
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        let Some(start) = start else { continue };
        let local = String::from_utf8_lossy(start.local_name().as_ref()).into_owned();
        let namespace = match resolved {
            ResolveResult::Bound(ns) => String::from_utf8_lossy(ns.as_ref()).into_owned(),
            _ => "-".to_owned(),
        };
        if let Some(depth) = body_depth {
            let path = stack[depth..]
                .iter()
                .chain([&local])
                .cloned()
                .collect::<Vec<_>>()
                .join("/");
            out.push(format!("{namespace} {path}"));
        }
        if !empty {
            stack.push(local.clone());
            if local == "Body" && body_depth.is_none() {
                body_depth = Some(stack.len());
            }
        }
    }
    out
}

/// The fixture file `name` under `testdata/arca/fixtures/`.
pub fn fixture(name: &str) -> String {
    let path = format!("{}/../../testdata/arca/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}
