//! arca-test-support: what arca-api's integration tests, `arca-api bench` and `arca-api chaos`
//! share, written once.
//!
//! - [`samples`]: the sample CUITs, a Factura B voucher, and the minimal invoice request.
//! - [`scratch`]: a PostgreSQL database of its own (created, migrated, dropped).
//! - `dashboard` (feature `app`): a cookie-jar client of the dashboard's forms.
//! - [`http_server`]: a local HTTP/1.1 server in a task, for the stand-ins below and the
//!   binary's receivers.
//! - [`hooks`]: test-only writes that production code never makes (an invoice left in flight
//!   as a crash leaves it).
//! - `receiver` (feature `app`): a real HTTP receiver for webhook tests.
//! - `ai_provider` (feature `app`): an OpenAI-compatible stand-in for `mode: simple` tests,
//!   recording what the service sends and answering drafts, errors or nothing.
//! - `app` (feature `app`): `TestApp`, the service on 127.0.0.1:0 against a fresh
//!   database and its own ARCA simulator, with a small HTTP client.
//!
//! It is never a dependency of the service or the protocol crates: only the binary's `bench`
//! and `chaos` subcommands and the tests use it.

// Test support panics on purpose: a failed set-up fails the test that asked for it.
#![allow(clippy::unwrap_used)]

#[cfg(feature = "app")]
pub mod ai_provider;
#[cfg(feature = "app")]
pub mod app;
#[cfg(feature = "app")]
pub mod dashboard;
pub mod hooks;
pub mod http_server;
#[cfg(feature = "app")]
pub mod receiver;
pub mod samples;
pub mod scratch;

#[cfg(feature = "app")]
pub use app::{ADMIN_TOKEN, TestApp, TestAppBuilder, TestResponse, uses_postgres};
pub use samples::{CUIT_A, CUIT_B};
