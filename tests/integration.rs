//! The one integration-test binary: arca-api's parts talking over real HTTP.

// A test fails by panicking, and its fixtures are small numbers.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss
)]

mod integration {
    /// The dashboard and `/docs` in headless Chromium through chromedriver (skipped, saying so,
    /// when not installed, unless `ARCA_BROWSER_TESTS=1`).
    mod browser;
    /// CAEA in the simulator: the request window, the registry rules, reports with their
    /// generation time, no-movement notices, the outage switch and `GET /_sim/caea`.
    mod caea;
    /// The simulator replays ARCA's recorded homologation traffic with the same answers' shape.
    mod fidelity;
    /// `arca-api mcp` driven by the official MCP Python SDK's stdio client against a running
    /// service: tools, resources, coded errors, an invoice issued and read back, live keys.
    mod mcp;
    /// Padrón A5/A13 and WSCDC in the simulator: registry cases, SOAP variants, tickets, WSCDC
    /// against WSFEv1's vouchers.
    mod padron_wscdc;
    /// Each ARCA rule: the client's pre-validation and the simulator reject alike.
    mod rules;
    /// The REST service over HTTP: SQLite by default, PostgreSQL + Redis with
    /// `TEST_DATABASE=postgres`.
    pub mod service;
    /// A real SMTP server (aiosmtpd) for the email tests.
    pub mod smtp_server;
    pub mod support;
    /// The lowered TLS security level, scoped to the hosts listed as legacy.
    mod tls;
    /// WSAA end to end: our client, an independent client (openssl + curl), faults, the CLI.
    mod wsaa;
    /// WSFEv1 end to end: our client against the simulator's numbering, batches, faults, tokens.
    mod wsfe;
    /// wsfecred end to end: FCE obligation, and the buyer's received FCE accepted and rejected.
    mod wsfecred;
}
