//! The REST service, black-box over real HTTP: a fresh database per test (SQLite in a temp dir,
//! or a uniquely named PostgreSQL database plus Redis with `TEST_DATABASE=postgres`).

/// Account creation with the admin token, `GET /v1/account`.
mod accounts;
/// API keys: create, list, revoke, pagination, tenant isolation.
mod api_keys;
/// Certificates: PEM and PKCS#12 upload with a WSAA test login, CSR flow, keys never shown.
mod certificates;
/// `/openapi.json` and `/docs`.
mod docs;
/// problem+json for every failure: 401, 404, 405, bad bodies, maintenance.
mod errors;
/// Reversible migrations on the test database, through the library and the CLI.
mod migrations;
/// Requests per minute per key: headers, 429 with Retry-After.
mod rate_limit;
/// ARCA's code tables and exchange rates through the account's session, cached.
mod reference_data;
/// The binary's zero-setup `serve`: demo account, printed key, in-process simulator.
mod serve;
pub mod support;
/// The durable ticket store: one login across instances, restarts, renewal in the window.
mod tickets;
