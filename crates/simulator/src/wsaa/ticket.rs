//! Issuing tickets (§B.6) and checking them when WSFEv1 receives them (§B.9).
//!
//! The token is Base64 of an `sso` document carrying the CUIT relations; the sign is an RSA
//! signature of the token by the simulator's ticket key, so a forged or altered token fails
//! with code 600 just as on ARCA.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, DurationRound, Utc};
use openssl::hash::MessageDigest;
use openssl::sign::{Signer, Verifier};
use rand::Rng;
use serde::Serialize;

use super::Refusal;
use super::verify::VerifiedLogin;
use crate::soap::Document;
use crate::state::{IssuedTicket, State, lock};

const WSAA_SOURCE: &str = "CN=wsaahomo, O=AFIP, C=AR, SERIALNUMBER=CUIT 33693450239";
/// ARCA's own CUIT, the `entity` of every login.
const ARCA_CUIT: &str = "33693450239";

/// Issues a ticket for a verified login unless the preventive window forbids it (§B.7).
pub fn issue(state: &State, login: &VerifiedLogin) -> Result<String, Refusal> {
    let now = state.clock.now();
    let settings = state.settings();
    let key = (login.fingerprint.clone(), login.service.clone());
    let mut issued = lock(&state.issued);
    if let Some(previous) = issued.get(&key)
        && settings.preventive_window > Duration::zero()
        && previous.expiration_time > now
        && now - previous.generation_time < settings.preventive_window
    {
        return Err(Refusal::new(
            "coe.alreadyAuthenticated",
            "El CEE ya posee un TA valido para el acceso al WSN solicitado",
        ));
    }
    let generation = now.duration_trunc(Duration::milliseconds(1)).unwrap_or(now);
    let expiration = generation + settings.ticket_lifetime;
    let mut relations = vec![login.cuit.clone()];
    relations.extend(lock(&state.relations).get(&login.cuit).cloned().unwrap_or_default());
    let mut rng = rand::thread_rng();
    let token = STANDARD.encode(sso(login, &relations, rng.r#gen(), generation, expiration));
    let sign = sign_token(state, &token)?;
    issued.insert(
        key,
        IssuedTicket {
            generation_time: generation,
            expiration_time: expiration,
        },
    );
    Ok(ticket_document(
        login,
        rng.r#gen(),
        generation,
        expiration,
        &token,
        &sign,
    ))
}

fn sso(
    login: &VerifiedLogin,
    relations: &[String],
    unique_id: u32,
    generation: DateTime<Utc>,
    expiration: DateTime<Utc>,
) -> String {
    let relation_lines: String = relations
        .iter()
        .map(|cuit| format!("                <relation key=\"{cuit}\" reltype=\"4\"/>\n"))
        .collect();
    // gen_time is 60 s before the ticket's generationTime in every capture (§B.6).
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
            "<sso version=\"2.0\">\n",
            "    <id src=\"{src}\" dst=\"CN={service}, O=AFIP, C=AR\" unique_id=\"{unique_id}\" gen_time=\"{gen}\" exp_time=\"{exp}\"/>\n",
            "    <operation type=\"login\" value=\"granted\">\n",
            "        <login entity=\"{entity}\" service=\"{service}\" uid=\"{uid}\" authmethod=\"cms\" regmethod=\"22\">\n",
            "            <relations>\n{relations}            </relations>\n",
            "        </login>\n",
            "    </operation>\n",
            "</sso>\n"
        ),
        src = WSAA_SOURCE,
        service = quick_xml::escape::escape(&login.service),
        unique_id = unique_id,
        gen = (generation - Duration::seconds(60)).timestamp(),
        exp = expiration.timestamp(),
        entity = ARCA_CUIT,
        uid = quick_xml::escape::escape(&login.destination),
        relations = relation_lines
    )
}

fn ticket_document(
    login: &VerifiedLogin,
    unique_id: u32,
    generation: DateTime<Utc>,
    expiration: DateTime<Utc>,
    token: &str,
    sign: &str,
) -> String {
    let argentina = chrono::FixedOffset::west_opt(3 * 3600).expect("UTC-3 is a valid offset");
    let time = |t: DateTime<Utc>| {
        t.with_timezone(&argentina)
            .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string()
    };
    format!(
        concat!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
            "<loginTicketResponse version=\"1.0\">\n",
            "    <header>\n",
            "        <source>{source}</source>\n",
            "        <destination>{destination}</destination>\n",
            "        <uniqueId>{unique_id}</uniqueId>\n",
            "        <generationTime>{generation}</generationTime>\n",
            "        <expirationTime>{expiration}</expirationTime>\n",
            "    </header>\n",
            "    <credentials>\n",
            "        <token>{token}</token>\n",
            "        <sign>{sign}</sign>\n",
            "    </credentials>\n",
            "</loginTicketResponse>\n"
        ),
        source = WSAA_SOURCE,
        destination = quick_xml::escape::escape(&login.destination),
        unique_id = unique_id,
        generation = time(generation),
        expiration = time(expiration),
        token = token,
        sign = sign
    )
}

fn sign_token(state: &State, token: &str) -> Result<String, Refusal> {
    let internal = |_| Refusal::new("wsaa.internalError", "No se ha podido procesar el requerimiento");
    let mut signer = Signer::new(MessageDigest::sha256(), state.ca.ticket_key()).map_err(internal)?;
    signer.update(token.as_bytes()).map_err(internal)?;
    Ok(STANDARD.encode(signer.sign_to_vec().map_err(internal)?))
}

/// What a genuine, current token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenClaims {
    pub service: String,
    /// CUITs the holder may act for.
    pub relations: Vec<String>,
    pub generation: i64,
    pub expiration: i64,
}

/// A token WSFEv1 refuses: code 600 with ARCA's literal message (§B.9).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenRejection {
    pub code: u32,
    pub message: String,
}

fn rejection(message: impl Into<String>) -> TokenRejection {
    TokenRejection {
        code: 600,
        message: message.into(),
    }
}

/// Checks a token and sign at `now` in ARCA's order: present → parses → dates → signature.
/// Service and CUIT relations are the caller's checks (they need the request).
pub fn verify_token(state: &State, token: &str, sign: &str, now: DateTime<Utc>) -> Result<TokenClaims, TokenRejection> {
    if token.trim().is_empty() {
        return Err(rejection("ValidacionDeToken: Parametro nulo o vacio (token)"));
    }
    let unreadable = || {
        rejection(concat!(
            "ValidacionDeToken: No valido token. Excepcion: CargarStringBase64Token: Excepción: CargarNodos: ",
            "Error al cargar token XML. Excepcion: Data at the root level is invalid. Line 1, position 1."
        ))
    };
    let xml = STANDARD.decode(token.trim()).map_err(|_| unreadable())?;
    let document = Document::parse(&String::from_utf8_lossy(&xml)).map_err(|_| unreadable())?;
    let id = document.find("sso/id").ok_or_else(unreadable)?;
    let attribute =
        |node: &crate::soap::Node, name: &str| node.attributes.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    let number = |name: &str| {
        attribute(id, name)
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(unreadable)
    };
    let (generation, expiration) = (number("gen_time")?, number("exp_time")?);
    let now_seconds = now.timestamp();
    if now_seconds < generation || now_seconds > expiration {
        let human = |seconds: i64| {
            DateTime::from_timestamp(seconds, 0)
                .unwrap_or_default()
                .format("%-m/%-d/%Y %-I:%M:%S %p")
                .to_string()
        };
        return Err(rejection(format!(
            "ValidacionDeToken: No validaron las fechas del token GenTime, ExpTime, NowUTC: {generation} ({}), {expiration} ({}), {}",
            human(generation),
            human(expiration),
            human(now_seconds)
        )));
    }
    let signature = STANDARD.decode(sign.trim()).unwrap_or_default();
    let verified = Verifier::new(MessageDigest::sha256(), state.ca.ticket_key())
        .and_then(|mut verifier| {
            verifier.update(token.trim().as_bytes())?;
            verifier.verify(&signature)
        })
        .unwrap_or(false);
    if !verified {
        return Err(rejection("ValidacionDeToken: Error al verificar hash: "));
    }
    let login = document.find("operation/login").ok_or_else(unreadable)?;
    Ok(TokenClaims {
        service: attribute(login, "service").unwrap_or_default(),
        relations: document
            .nodes
            .iter()
            .filter(|n| n.path.ends_with("relations/relation"))
            .filter_map(|n| attribute(n, "key"))
            .collect(),
        generation,
        expiration,
    })
}
