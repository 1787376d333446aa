//! Checks a `loginCms` request in the order ARCA was observed to (§B.8): Base64 → CMS structure →
//! signer certificate present → signature → certificate dates → CA trust → TRA schema → TRA
//! times → service → authorisation. The preventive window is checked when issuing.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, FixedOffset, NaiveDateTime, TimeZone, Utc};
use openssl::asn1::Asn1Time;
use openssl::nid::Nid;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509VerifyResult};

use super::Refusal;
use crate::soap::Document;
use crate::state::State;

/// DN of the simulated WSAA, as a TRA may name it in `destination` (§B.2).
const WSAA_DESTINATION: &str = "cn=wsaahomo,o=afip,c=ar,serialnumber=cuit 33693450239";

/// A login that passed every check.
#[derive(Debug, Clone)]
pub struct VerifiedLogin {
    /// SHA-256 of the signer certificate: the preventive window is per certificate.
    pub fingerprint: String,
    /// The signer's DN in Java `X500Principal` order (last RDN first), as WSAA echoes it.
    pub destination: String,
    /// The CUIT in the certificate's `serialNumber`.
    pub cuit: String,
    pub service: String,
}

pub fn verify_login(state: &State, in0: &str) -> Result<VerifiedLogin, Refusal> {
    let compact: String = in0.chars().filter(|c| !c.is_whitespace()).collect();
    let der = STANDARD
        .decode(compact)
        .map_err(|_| Refusal::new("cms.bad.base64", "No se puede decodificar el BASE64"))?;
    let cms = Pkcs7::from_der(&der).map_err(|_| Refusal::new("cms.bad", "El CMS no es valido"))?;
    let no_certs = Stack::<X509>::new().map_err(internal)?;
    let signer = cms
        .signers(&no_certs, Pkcs7Flags::empty())
        .ok()
        .and_then(|signers| signers.iter().next().map(|c| c.to_owned()))
        .ok_or_else(|| Refusal::new("cms.cert.notFound", "No se ha encontrado certificado de firmador"))?;

    // Signature only here (NOVERIFY): trust is checked below against the simulator's CA so the
    // two failures get their distinct codes.
    let empty_store = X509StoreBuilder::new().map_err(internal)?.build();
    let mut tra = Vec::new();
    cms.verify(&no_certs, &empty_store, None, Some(&mut tra), Pkcs7Flags::NOVERIFY)
        .map_err(|_| Refusal::new("cms.sign.invalid", "Firma inválida o algoritmo no soportado"))?;

    let now = state.clock.now();
    let now_asn1 = Asn1Time::from_unix(now.timestamp()).map_err(internal)?;
    if signer.not_before() > now_asn1 {
        return Err(Refusal::new(
            "cms.cert.invalid",
            "Certificado con fecha de generacion posterior a la actual",
        ));
    }
    if signer.not_after() < now_asn1 {
        return Err(Refusal::new("cms.cert.expired", "Certificado expirado"));
    }
    let ca = state.ca.certificate();
    let trusted = ca.issued(&signer) == X509VerifyResult::OK
        && ca.public_key().and_then(|key| signer.verify(&key)).unwrap_or(false);
    if !trusted {
        return Err(Refusal::new(
            "cms.cert.untrusted",
            "Certificado no emitido por AC de confianza",
        ));
    }

    let request = parse_tra(&String::from_utf8_lossy(&tra))?;
    check_times(&request, now)?;
    let destination = java_dn(&signer);
    if let Some(source) = &request.source
        && normalise(source) != normalise(&destination)
    {
        return Err(Refusal::new(
            "xml.source.invalid",
            "El source no corresponde al DN del certificado firmante",
        ));
    }
    if let Some(requested) = &request.destination
        && normalise(requested) != WSAA_DESTINATION
    {
        return Err(Refusal::new(
            "xml.destination.invalid",
            "El destination no corresponde a este WSAA",
        ));
    }
    if !state.settings().services.contains(&request.service) {
        return Err(Refusal::new("wsn.notFound", "Servicio informado inexistente"));
    }
    let cuit = certificate_cuit(&signer).unwrap_or_default();
    let refused_for_service =
        crate::state::lock(&state.unauthorized_services).contains(&(cuit.clone(), request.service.clone()));
    if refused_for_service || crate::state::lock(&state.unauthorized).contains(&cuit) {
        return Err(Refusal::new(
            "coe.notAuthorized",
            "Computador no autorizado a acceder al servicio",
        ));
    }
    Ok(VerifiedLogin {
        fingerprint: openssl_fingerprint(&signer),
        destination,
        cuit,
        service: request.service,
    })
}

/// The TRA fields this WSAA reads.
#[derive(Debug)]
struct Tra {
    generation_time: DateTime<FixedOffset>,
    expiration_time: DateTime<FixedOffset>,
    service: String,
    source: Option<String>,
    destination: Option<String>,
}

fn parse_tra(xml: &str) -> Result<Tra, Refusal> {
    let schema = || Refusal::new("xml.bad", "No se ha podido interpretar el XML contra el SCHEMA");
    let document = Document::parse(xml).map_err(|_| schema())?;
    let root = document.nodes.first().ok_or_else(schema)?;
    if root.name != "loginTicketRequest" || !root.namespace.is_empty() {
        return Err(schema());
    }
    if let Some((_, version)) = root.attributes.iter().find(|(k, _)| k == "version")
        && version != "1.0"
        && version != "1"
    {
        return Err(Refusal::new(
            "xml.version.notSupported",
            "La version del documento no es soportada",
        ));
    }
    let text = |path: &str| document.find(path).map(|n| n.text.trim().to_string());
    let unique_id = text("header/uniqueId").ok_or_else(schema)?;
    unique_id.parse::<u32>().map_err(|_| schema())?;
    let time = |name: &str| -> Result<DateTime<FixedOffset>, Refusal> {
        let value = text(&format!("header/{name}")).ok_or_else(schema)?;
        parse_time(&value).ok_or_else(|| {
            Refusal::new(
                if name == "generationTime" {
                    "xml.generationTime.invalid"
                } else {
                    "xml.bad"
                },
                format!("{name} posee formato o dato inválido ({value})"),
            )
        })
    };
    let service = text("service").ok_or_else(schema)?;
    // xsd pattern of the service name (§B.2): a letter, then letters, digits, `-` or `_`; 3–32.
    let valid_service = (3..=32).contains(&service.len())
        && service.starts_with(|c: char| c.is_ascii_alphabetic())
        && service
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid_service {
        return Err(schema());
    }
    Ok(Tra {
        generation_time: time("generationTime")?,
        expiration_time: time("expirationTime")?,
        service,
        source: text("header/source"),
        destination: text("header/destination"),
    })
}

/// `xsd:dateTime`, with or without offset; without one it is Argentina's local time (UTC−3).
fn parse_time(value: &str) -> Option<DateTime<FixedOffset>> {
    if let Ok(with_offset) = DateTime::parse_from_rfc3339(value) {
        return Some(with_offset);
    }
    let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S%.f").ok()?;
    FixedOffset::west_opt(3 * 3600)?.from_local_datetime(&local).single()
}

/// §B.2 time rules: generation not in the future and not older than 24 h; expiration not past;
/// validity (measured from generation) at most 24 h.
fn check_times(tra: &Tra, now: DateTime<Utc>) -> Result<(), Refusal> {
    let generation = tra.generation_time.with_timezone(&Utc);
    let expiration = tra.expiration_time.with_timezone(&Utc);
    if generation > now || generation < now - Duration::hours(24) {
        return Err(Refusal::new(
            "xml.generationTime.invalid",
            format!(
                "generationTime posee formato o dato inválido ({})",
                tra.generation_time.to_rfc3339()
            ),
        ));
    }
    if expiration < now {
        return Err(Refusal::new("xml.expirationTime.expired", "expirationTime expirado"));
    }
    if expiration - generation > Duration::hours(24) {
        return Err(Refusal::new(
            "xml.expirationTime.invalid",
            "expirationTime supera las 24 horas de validez",
        ));
    }
    Ok(())
}

/// `SERIALNUMBER=CUIT 20267565393, CN=reingart2021`: RDNs last first, `", "` separated, with
/// Java's upper-case attribute names.
pub fn java_dn(certificate: &X509) -> String {
    let mut parts: Vec<String> = certificate
        .subject_name()
        .entries()
        .map(|entry| {
            let key = match entry.object().nid() {
                Nid::SERIALNUMBER => "SERIALNUMBER".to_string(),
                nid => nid.short_name().unwrap_or("OID").to_string(),
            };
            format!("{key}={}", entry.data().to_string().unwrap_or_default())
        })
        .collect();
    parts.reverse();
    parts.join(", ")
}

fn normalise(dn: &str) -> String {
    dn.split(',')
        .map(|part| part.trim().to_ascii_lowercase())
        .collect::<Vec<_>>()
        .join(",")
}

fn certificate_cuit(certificate: &X509) -> Option<String> {
    let entry = certificate.subject_name().entries_by_nid(Nid::SERIALNUMBER).next()?;
    let value = entry.data().to_string().ok()?;
    Some(value.trim().strip_prefix("CUIT")?.trim().to_string())
}

fn openssl_fingerprint(certificate: &X509) -> String {
    certificate
        .digest(openssl::hash::MessageDigest::sha256())
        .map(|d| d.iter().map(|b| format!("{b:02x}")).collect())
        .unwrap_or_default()
}

fn internal(_: openssl::error::ErrorStack) -> Refusal {
    Refusal::new("wsaa.internalError", "No se ha podido procesar el requerimiento")
}
