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
