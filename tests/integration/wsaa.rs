use std::process::Command;
use std::sync::Arc;

use arca_protocol::Error;
use arca_protocol::clock::SystemClock;
use arca_protocol::wsaa::{
    LoginTicketRequest, TicketCache, TicketKey, WsaaClient, WsaaFault, login_envelope, parse_login_cms_response,
    sign_tra,
};
use arca_simulator::{FaultAction, FaultRule};
use chrono::{Duration, Utc};
use serde_json::json;

use super::support::{CUIT, TestEnv, post_raw, short_timeout_transport, transport};

const SOAP11: [(&str, &str); 2] = [
    ("Content-Type", "text/xml; charset=UTF-8"),
    ("SOAPAction", "urn:LoginCms"),
];

fn fault(operation: &str, action: FaultAction) -> FaultRule {
    FaultRule {
        operation: operation.into(),
        latency_ms: 0,
        jitter_ms: 0,
        action: Some(action),
        probability: 1.0,
        remaining: None,
    }
}

fn expect_fault(result: Result<arca_protocol::wsaa::AccessTicket, Error>, expected: WsaaFault) -> String {
    match result {
        Err(Error::Wsaa { fault, message }) if fault == expected => message,
        other => panic!("expected {expected}, got {other:?}"),
    }
}

#[tokio::test]
async fn login_gets_a_12_hour_ticket_and_the_preventive_window_refuses_a_second() {
    let env = TestEnv::start().await;
    let client = WsaaClient::new(env.simulator.wsaa_url(), transport());
    let ticket = client
        .login(&env.credentials, "wsfe", Utc::now())
        .await
        .expect("ticket");
    assert_eq!(ticket.expiration_time - ticket.generation_time, Duration::hours(12));
    assert_eq!(ticket.generation_time.offset().local_minus_utc(), -3 * 3600);
    assert_eq!(ticket.destination, format!("SERIALNUMBER=CUIT {CUIT}, CN=tests"));
    assert!(ticket.source.starts_with("CN=wsaahomo"));

    let message = expect_fault(
        client.login(&env.credentials, "wsfe", Utc::now()).await,
        WsaaFault::AlreadyAuthenticated,
    );
    assert_eq!(message, "El CEE ya posee un TA valido para el acceso al WSN solicitado");

    // Another service is another ticket; after the window the same service works again.
    client
        .login(&env.credentials, "wsfex", Utc::now())
        .await
        .expect("other service");
    env.simulator.advance_clock(Duration::minutes(11));
    client
        .login(&env.credentials, "wsfe", Utc::now() + Duration::minutes(11))
        .await
        .expect("after the window");
    assert_eq!(env.simulator.calls("loginCms"), 4);
}

#[tokio::test]
async fn the_ticket_is_genuine_and_a_tampered_token_is_refused_with_600() {
    let env = TestEnv::start().await;
    let client = WsaaClient::new(env.simulator.wsaa_url(), transport());
    let ticket = client.login(&env.credentials, "wsfe", Utc::now()).await.unwrap();
    let check = |token: String, sign: String| {
        let url = format!("{}/_sim/tokens/verify", env.simulator.base_url());
        async move {
            let body = json!({"token": token, "sign": sign}).to_string();
            post_raw(&url, &[("Content-Type", "application/json")], body).await
        }
    };
    let (status, body) = check(ticket.token.expose().into(), ticket.sign.expose().into()).await;
    assert_eq!(status, 200, "{body}");
    let claims: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(claims["service"], "wsfe");
    assert_eq!(claims["relations"], json!([CUIT]));

    // Decoding the token gives the sso document of §B.6.
    use base64::Engine;
    let sso = base64::engine::general_purpose::STANDARD
        .decode(ticket.token.expose())
        .unwrap();
    let sso = String::from_utf8(sso).unwrap();
    assert!(
        sso.contains(r#"<sso version="2.0">"#) && sso.contains(&format!(r#"<relation key="{CUIT}" reltype="4"/>"#))
    );

    let forged = base64::engine::general_purpose::STANDARD.encode(sso.replace(CUIT, "20000000001"));
    let (status, body) = check(forged, ticket.sign.expose().into()).await;
    assert_eq!(status, 422);
    assert!(body.contains("Error al verificar hash"), "{body}");

    env.simulator.advance_clock(Duration::hours(13));
    let (_, body) = check(ticket.token.expose().into(), ticket.sign.expose().into()).await;
    assert!(body.contains("No validaron las fechas del token"), "{body}");
}

#[tokio::test]
async fn fifty_concurrent_callers_cause_exactly_one_login() {
    let env = TestEnv::start().await;
    let client = Arc::new(WsaaClient::new(env.simulator.wsaa_url(), transport()));
    let cache = Arc::new(TicketCache::new(Arc::new(SystemClock), Duration::minutes(10)));
    let key = TicketKey {
        environment: "simulator".into(),
        certificate: env.credentials.fingerprint(),
        service: "wsfe".into(),
    };
    let mut callers = Vec::new();
    for _ in 0..50 {
        let (client, cache, key, credentials) = (client.clone(), cache.clone(), key.clone(), env.credentials.clone());
        callers.push(tokio::spawn(async move {
            cache
                .get_or_login(&key, || async { client.login(&credentials, "wsfe", Utc::now()).await })
                .await
        }));
    }
    let mut tokens = std::collections::HashSet::new();
    for caller in callers {
        tokens.insert(caller.await.unwrap().expect("ticket").token.expose().to_string());
    }
    assert_eq!(tokens.len(), 1, "every caller got the same ticket");
    assert_eq!(env.simulator.calls("loginCms"), 1);
}

/// Signs a hand-made TRA with the test certificate and sends it.
async fn login_with_tra(env: &TestEnv, tra_xml: &str) -> Result<arca_protocol::wsaa::AccessTicket, Error> {
    let cms = sign_tra(tra_xml, &env.credentials).unwrap();
    let (_, body) = post_raw(&env.simulator.wsaa_url(), &SOAP11, login_envelope(&cms)).await;
    parse_login_cms_response(&body)
}

#[tokio::test]
async fn every_cms_and_tra_rule_answers_its_fault() {
    let env = TestEnv::start().await;
    let url = env.simulator.wsaa_url();
    let now = Utc::now();
    let tra = |generation: chrono::DateTime<Utc>, expiration: chrono::DateTime<Utc>, service: &str| {
        LoginTicketRequest {
            unique_id: 1,
            generation_time: generation,
            expiration_time: expiration,
            service: service.into(),
        }
        .to_xml()
    };

    // No SOAPAction header: Axis refuses before reading the body.
    let (status, body) = post_raw(&url, &SOAP11[..1], login_envelope("AAAA")).await;
    assert_eq!(status, 500);
    assert!(
        body.contains(r#"<faultcode xmlns:ns1="http://xml.apache.org/axis/">ns1:Client.NoSOAPAction</faultcode>"#),
        "{body}"
    );

    let raw = |cms: &str| {
        let url = url.clone();
        let envelope = login_envelope(cms);
        async move { parse_login_cms_response(&post_raw(&url, &SOAP11, envelope).await.1) }
    };
    expect_fault(raw("%%%not base64%%%").await, WsaaFault::CmsBadBase64);
    expect_fault(raw("aGVsbG8gd29ybGQ=").await, WsaaFault::CmsBad);

    // Flip one byte of the signed TRA inside the DER: the signature no longer verifies.
    use base64::Engine;
    let engine = base64::engine::general_purpose::STANDARD;
    let good = sign_tra(
        &tra(now - Duration::minutes(5), now + Duration::minutes(10), "wsfe"),
        &env.credentials,
    )
    .unwrap();
    let mut der = engine.decode(&good).unwrap();
    let at = der
        .windows(7)
        .position(|w| w == b"service")
        .expect("TRA inside the CMS");
    der[at] = b'S';
    expect_fault(raw(&engine.encode(&der)).await, WsaaFault::CmsSignInvalid);

    let message = expect_fault(
        login_with_tra(
            &env,
            &tra(now + Duration::minutes(30), now + Duration::hours(2), "wsfe"),
        )
        .await,
        WsaaFault::XmlGenerationTimeInvalid,
    );
    assert!(
        message.starts_with("generationTime posee formato o dato inválido"),
        "{message}"
    );
    expect_fault(
        login_with_tra(&env, &tra(now - Duration::hours(30), now + Duration::hours(1), "wsfe")).await,
        WsaaFault::XmlGenerationTimeInvalid,
    );
    expect_fault(
        login_with_tra(&env, &tra(now - Duration::hours(2), now - Duration::hours(1), "wsfe")).await,
        WsaaFault::XmlExpirationTimeExpired,
    );
    expect_fault(
        login_with_tra(&env, &tra(now - Duration::hours(1), now + Duration::hours(24), "wsfe")).await,
        WsaaFault::XmlExpirationTimeInvalid,
    );
    expect_fault(
        login_with_tra(
            &env,
            &tra(now - Duration::minutes(1), now + Duration::minutes(10), "nonexistent"),
        )
        .await,
        WsaaFault::WsnNotFound,
    );
    expect_fault(
        login_with_tra(&env, "<loginTicketRequest><header/></loginTicketRequest>").await,
        WsaaFault::XmlBad,
    );
    let unsupported = tra(now - Duration::minutes(1), now + Duration::minutes(10), "wsfe")
        .replace(r#"version="1.0""#, r#"version="2.0""#);
    expect_fault(
        login_with_tra(&env, &unsupported).await,
        WsaaFault::XmlVersionNotSupported,
    );

    // Certificate dates against the simulator's clock.
    let client = WsaaClient::new(url.clone(), transport());
    env.simulator.advance_clock(Duration::days(365 * 3));
    expect_fault(
        client
            .login(&env.credentials, "wsfe", Utc::now() + Duration::days(365 * 3))
            .await,
        WsaaFault::CmsCertExpired,
    );
    env.simulator
        .advance_clock(-Duration::days(365 * 3) - Duration::days(31));
    expect_fault(
        client
            .login(&env.credentials, "wsfe", Utc::now() - Duration::days(31))
            .await,
        WsaaFault::CmsCertInvalid,
    );
}

#[tokio::test]
async fn faults_are_classified_not_sent_unknown_or_answered() {
    let env = TestEnv::start().await;
    let client = WsaaClient::new(env.simulator.wsaa_url(), transport());

    env.simulator.add_fault(FaultRule {
        remaining: Some(1),
        ..fault("loginCms", FaultAction::WsaaUnavailable)
    });
    let error = client.login(&env.credentials, "wsfe", Utc::now()).await.unwrap_err();
    assert!(
        matches!(
            &error,
            Error::Wsaa {
                fault: WsaaFault::WsaaUnavailable,
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.retryable());

    for action in [FaultAction::Drop, FaultAction::Reset] {
        env.simulator.add_fault(FaultRule {
            remaining: Some(1),
            ..fault("loginCms", action.clone())
        });
        let error = client.login(&env.credentials, "wsfe", Utc::now()).await.unwrap_err();
        assert!(error.is_outcome_unknown(), "{action:?}: {error:?}");
    }

    env.simulator.add_fault(FaultRule {
        remaining: Some(1),
        ..fault("loginCms", FaultAction::Timeout)
    });
    let impatient = WsaaClient::new(env.simulator.wsaa_url(), short_timeout_transport(300));
    let error = impatient.login(&env.credentials, "wsfe", Utc::now()).await.unwrap_err();
    assert!(error.is_outcome_unknown(), "{error:?}");

    env.simulator.add_fault(FaultRule {
        remaining: Some(1),
        ..fault("loginCms", FaultAction::Http503)
    });
    let error = client.login(&env.credentials, "wsfe", Utc::now()).await.unwrap_err();
    assert!(matches!(error, Error::Http { status: 503, .. }), "{error:?}");

    // Faults are spent: the next login succeeds.
    client
        .login(&env.credentials, "wsfe", Utc::now())
        .await
        .expect("ticket after the faults");

    let nowhere = WsaaClient::new("http://127.0.0.1:9/ws/services/LoginCms", transport());
    let error = nowhere.login(&env.credentials, "wsfe", Utc::now()).await.unwrap_err();
    assert!(error.is_not_sent(), "{error:?}");
}

#[tokio::test]
async fn soap12_requests_get_soap12_answers() {
    let env = TestEnv::start().await;
    let now = Utc::now();
    let cms = sign_tra(&LoginTicketRequest::new("wsfe", now).to_xml(), &env.credentials).unwrap();
    let envelope = format!(
        r#"<x:Envelope xmlns:x="http://www.w3.org/2003/05/soap-envelope"><x:Body><w:loginCms xmlns:w="http://wsaa.view.sua.dvadac.desein.afip.gov"><w:in0>{cms}</w:in0></w:loginCms></x:Body></x:Envelope>"#
    );
    let headers = [("Content-Type", "application/soap+xml; charset=utf-8")];
    let (status, body) = post_raw(&env.simulator.wsaa_url(), &headers, envelope.clone()).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("http://www.w3.org/2003/05/soap-envelope"));
    parse_login_cms_response(&body).expect("ticket");
    let (status, body) = post_raw(&env.simulator.wsaa_url(), &headers, envelope).await;
    assert_eq!(status, 500);
    assert!(matches!(
        parse_login_cms_response(&body),
        Err(Error::Wsaa {
            fault: WsaaFault::AlreadyAuthenticated,
            ..
        })
    ));
}

/// The issue's independent check: `openssl cms -sign -nodetach` and `curl` with a hand-written
/// envelope, no code of ours on the client side.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_independent_openssl_and_curl_client_gets_a_ticket() {
    let env = TestEnv::start().await;
    let dir = env.dir.path();
    let now = Utc::now().with_timezone(&chrono::FixedOffset::west_opt(3 * 3600).unwrap());
    let tra = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><loginTicketRequest version="1.0"><header><uniqueId>{}</uniqueId><generationTime>{}</generationTime><expirationTime>{}</expirationTime></header><service>wsfe</service></loginTicketRequest>"#,
        now.timestamp(),
        (now - Duration::minutes(10)).format("%Y-%m-%dT%H:%M:%S%:z"),
        (now + Duration::minutes(10)).format("%Y-%m-%dT%H:%M:%S%:z"),
    );
    std::fs::write(dir.join("tra.xml"), tra).unwrap();

    let sign = |cert: &std::path::Path, key: &std::path::Path, out: &str| {
        let status = Command::new("openssl")
            .args([
                "cms",
                "-sign",
                "-nodetach",
                "-binary",
                "-outform",
                "DER",
                "-md",
                "sha256",
            ])
            .arg("-in")
            .arg(dir.join("tra.xml"))
            .arg("-signer")
            .arg(cert)
            .arg("-inkey")
            .arg(key)
            .arg("-out")
            .arg(dir.join(out))
            .status()
            .expect("openssl runs");
        assert!(status.success());
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(dir.join(out)).unwrap())
    };
    let curl = |cms: String, name: &str| {
        let envelope = format!(
            r#"<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ser="https://wsaahomo.afip.gov.ar/ws/services/LoginCms"><soapenv:Header/><soapenv:Body><ser:loginCms><in0>{cms}</in0></ser:loginCms></soapenv:Body></soapenv:Envelope>"#
        );
        std::fs::write(dir.join(name), envelope).unwrap();
        let output = Command::new("curl")
            .args([
                "-s",
                "-w",
                "\n%{http_code}",
                "-H",
                "Content-Type: text/xml; charset=UTF-8",
                "-H",
                "SOAPAction: \"None\"",
            ])
            .arg("--data-binary")
            .arg(format!("@{}", dir.join(name).display()))
            .arg(env.simulator.wsaa_url())
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&output.stdout).into_owned();
        let (body, status) = text.rsplit_once('\n').unwrap();
        (status.to_string(), body.to_string())
    };
    // curl blocks; the simulator runs on the other worker thread.
    let run = |cms: String, name: &str| tokio::task::block_in_place(|| curl(cms, name));

    let cms = sign(&env.cert_path, &env.key_path, "tra.cms");
    // The CMS verifies with openssl itself against the simulator's CA.
    std::fs::write(dir.join("ca.pem"), env.simulator.ca().certificate().to_pem().unwrap()).unwrap();
    let verify = Command::new("openssl")
        .args(["cms", "-verify", "-inform", "DER", "-binary"])
        .arg("-in")
        .arg(dir.join("tra.cms"))
        .arg("-CAfile")
        .arg(dir.join("ca.pem"))
        .arg("-out")
        .arg(dir.join("verified.xml"))
        .output()
        .unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stderr));

    let (status, body) = run(cms.clone(), "first.xml");
    assert_eq!(status, "200", "{body}");
    assert!(
        body.contains(
            "<loginCmsResponse xmlns=\"https://wsaahomo.afip.gov.ar/ws/services/LoginCms\"><loginCmsReturn>&lt;?xml"
        ),
        "{body}"
    );
    assert!(body.contains("&lt;token&gt;") && body.contains("&lt;sign&gt;"));

    let (status, body) = run(cms, "second.xml");
    assert_eq!(status, "500");
    assert!(body.contains("ns1:coe.alreadyAuthenticated"), "{body}");

    // A self-signed certificate with a valid CUIT is not from the simulator's CA.
    let status = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=rogue/serialNumber=CUIT 20267565393",
        ])
        .arg("-keyout")
        .arg(dir.join("rogue.key"))
        .arg("-out")
        .arg(dir.join("rogue.crt"))
        .stderr(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    let rogue = sign(&dir.join("rogue.crt"), &dir.join("rogue.key"), "rogue.cms");
    let (status, body) = run(rogue, "rogue.xml");
    assert_eq!(status, "500", "{body}");
    assert!(
        body.contains("ns1:cms.cert.untrusted") && body.contains("Certificado no emitido por AC de confianza"),
        "{body}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_login_prints_the_expiry_and_never_the_credentials() {
    let env = TestEnv::start().await;
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_arca-api"))
            .args([
                "wsaa",
                "login",
                "--service",
                "wsfe",
                "--wsaa-url",
                &env.simulator.wsaa_url(),
            ])
            .arg("--cert")
            .arg(&env.cert_path)
            .arg("--key")
            .arg(&env.key_path)
            .output()
            .unwrap()
    };
    let output = tokio::task::block_in_place(run);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("expires:"), "{stdout}");
    assert!(
        !stdout.contains("PD94") && !stdout.to_lowercase().contains("token"),
        "no credentials printed: {stdout}"
    );

    let output = tokio::task::block_in_place(run);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("coe.alreadyAuthenticated"));
}
