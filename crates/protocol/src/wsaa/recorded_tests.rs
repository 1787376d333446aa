//! Golden tests against real homologation traffic (`testdata/arca/recorded/`): every recorded
//! WSAA response parses, and the requests we build have the recorded requests' structure.

use super::{LoginTicketRequest, login_envelope, parse_login_cms_response};
use crate::xml::{self, Element};

/// Every (file, request, response) of a `loginCms` call in the recordings.
fn login_interactions() -> Vec<(String, String, String)> {
    let mut found = Vec::new();
    for cassette in crate::recorded::cassettes() {
        for interaction in cassette.interactions {
            if interaction.request.contains("loginCms>") {
                found.push((cassette.file.clone(), interaction.request, interaction.response));
            }
        }
    }
    found
}

fn paths(element: &Element, prefix: &str, out: &mut Vec<String>) {
    let path = format!("{prefix}/{}", element.name);
    out.push(path.clone());
    for child in &element.children {
        paths(child, &path, out);
    }
}

fn structure(document: &str) -> Vec<String> {
    let mut out = Vec::new();
    paths(&xml::parse(document).unwrap(), "", &mut out);
    out
}

#[test]
fn every_recorded_login_response_parses() {
    let interactions = login_interactions();
    assert!(interactions.len() >= 2, "the recordings hold two WSAA logins");
    for (file, _, response) in interactions {
        if file == REFUSED_LOGIN {
            continue;
        }
        let ticket = parse_login_cms_response(&response).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            ticket.expiration_time - ticket.generation_time,
            chrono::Duration::hours(12),
            "{file}"
        );
        assert!(ticket.source.starts_with("CN=wsaahomo"), "{file}");
        assert!(ticket.destination.contains("SERIALNUMBER=CUIT "), "{file}");
        assert!(
            ticket.token.expose().starts_with("PD94bWwg"),
            "{file}: the token is Base64 XML"
        );
    }
}

/// The one recording of a refused login: a second `loginCms` while a ticket was still valid.
const REFUSED_LOGIN: &str = "test_ws_sr_padron__test_server_status.yaml";

#[test]
fn the_recorded_refused_login_reads_as_already_authenticated() {
    let (_, _, response) = login_interactions()
        .into_iter()
        .find(|(file, _, _)| file == REFUSED_LOGIN)
        .expect("the refused login is recorded");
    match parse_login_cms_response(&response) {
        Err(crate::Error::Wsaa {
            fault: super::WsaaFault::AlreadyAuthenticated,
            ..
        }) => {}
        other => panic!("{REFUSED_LOGIN}: expected coe.alreadyAuthenticated, got {other:?}"),
    }
}

#[test]
fn the_real_ticket_of_the_reference_reads_exactly() {
    let (_, _, response) = login_interactions()
        .into_iter()
        .find(|(file, _, _)| file == "test_wsaa__test_login_cms.yaml")
        .unwrap();
    let ticket = parse_login_cms_response(&response).unwrap();
    assert_eq!(ticket.generation_time.to_rfc3339(), "2021-07-26T09:22:00.396-03:00");
    assert_eq!(ticket.expiration_time.to_rfc3339(), "2021-07-26T21:22:00.396-03:00");
    assert_eq!(ticket.unique_id, 2378329039);
    assert_eq!(ticket.destination, "SERIALNUMBER=CUIT 20267565393, CN=reingart2021");
    assert!(ticket.sign.expose().starts_with("Jdnq3wqg"));
}

#[test]
fn our_request_has_the_recorded_structure() {
    let ours = structure(&login_envelope("MIIG"));
    for (file, request, _) in login_interactions() {
        assert_eq!(structure(&request), ours, "{file}");
    }
    assert_eq!(
        ours,
        [
            "/Envelope",
            "/Envelope/Header",
            "/Envelope/Body",
            "/Envelope/Body/loginCms",
            "/Envelope/Body/loginCms/in0"
        ]
    );
}

#[test]
fn our_tra_has_the_structure_of_the_recorded_one() {
    use base64::Engine;
    use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
    let (_, request, _) = login_interactions().into_iter().next().unwrap();
    let in0 = xml::parse(&request).unwrap().find("in0").unwrap().text.clone();
    let compact: String = in0.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD.decode(compact).unwrap();
    let cms = Pkcs7::from_der(&der).unwrap();
    let mut tra = Vec::new();
    let none = openssl::stack::Stack::new().unwrap();
    let store = openssl::x509::store::X509StoreBuilder::new().unwrap().build();
    cms.verify(&none, &store, None, Some(&mut tra), Pkcs7Flags::NOVERIFY)
        .expect("the recorded CMS verifies");
    let recorded = structure(&String::from_utf8(tra).unwrap());
    let ours = structure(&LoginTicketRequest::new("wsfe", chrono::Utc::now()).to_xml());
    assert_eq!(ours, recorded);
}
