//! The REST service, black-box over real HTTP: a fresh database per test (SQLite in a temp dir,
//! or a uniquely named PostgreSQL database plus Redis with `TEST_DATABASE=postgres`).

/// Account creation with the admin token, `GET /v1/account`.
mod accounts;
/// API keys: create, list, revoke, pagination, tenant isolation.
mod api_keys;
/// The ARCA circuit breaker: opened by outages, queue and reject modes, drained when it closes.
mod breaker;
/// Which ARCA services a certificate may use (`/v1/certificates/{id}/services`), from stored
/// tickets; the fix-it problem of a service not authorized.
mod certificate_services;
/// Certificates: PEM and PKCS#12 upload with a WSAA test login, CSR flow, keys never shown.
mod certificates;
/// Connection limits over TCP: header and idle timeouts, the connection cap.
mod connections;
/// CAEA contingency, obtaining the CAEA: the contingency flag of points of sale, ARCA's
/// window, the lost answer, priming, the missing-CAEA alert, `GET /v1/contingency`.
mod contingency_grants;
/// CAEA contingency issuing: approved at once under the fortnight's CAEA on a contingency point
/// of sale when the breaker opens (`INVOICE_QUEUE_MODE=caea`) or on explicit request while ARCA
/// fails; contiguous numbers across crashes, retries and concurrent requests; the QR and PDF.
mod contingency_issue;
/// CAEA reporting: vouchers informed in batches, rejections with ARCA's codes and an event, lost
/// answers reconciled, ARCA down and back, points of sale without movement, the reports view.
mod contingency_reports;
/// Customers: CRUD, document and IVA-condition validation, duplicates, filters, isolation.
mod customers;
/// The dashboard's invoices: list, filters and pages, detail with history and ARCA's messages,
/// PDF, email, cancellation, the new-invoice form and its padrón fill, CSRF, isolation.
mod dashboard_invoices;
/// The dashboard's operations pages: webhooks and their delivery log (retry), usage and its
/// chart, contingency.
mod dashboard_ops;
/// The dashboard's sessions: sign-in, cookies, CSRF, idle and absolute expiry, revocation.
mod dashboard_sessions;
/// The dashboard's settings pages: customers, points of sale and their sync, certificates (upload,
/// CSR, days to expiry), API keys (shown once, revoked with their sessions).
mod dashboard_settings;
/// TLS to PostgreSQL and Redis (`ARCA_TLS_TESTS=1`, after `scripts/tls-services.sh`).
mod data_store_tls;
/// `/openapi.json` and `/docs`.
mod docs;
/// An approved invoice's printable document: the issuer snapshot taken at approval (or at the
/// first rendering), never changed by a later profile; only approved invoices.
mod documents;
/// Invoice emails through the outbox against a real SMTP server: MIME and the PDF, STARTTLS,
/// retries, permanent refusals, leases, the email on approval, `.eml` files, `NOT_CONFIGURED`.
mod emails;
/// problem+json for every failure: 401, 404, 405, bad bodies, maintenance.
mod errors;
/// FCE MiPyMEs through wsfecred: an invoice to an obliged buyer above the threshold becomes an
/// FCE (or is refused when its class was forced), the obligation cached per CUIT and day,
/// issuance never blocked by wsfecred; the received FCEs listed, accepted and rejected.
mod fce;
/// FCE MiPyMEs issuance: opcionales from the request and the issuer profile, each FCE rule
/// refused with ARCA's code before a number is used, and enforced alike by the simulator.
mod fce_issuance;
/// `/health/arca`: one FEDummy per `ARCA_HEALTH_CACHE_MS`, shared by concurrent probes.
mod health_cache;
/// Hostile input: numbers ARCA cannot carry, control characters, limits, strict decimals,
/// bodies that are not objects — 400 naming the field, nothing stored, on both dialects.
mod input;
/// Invoice PDFs: with the API key, through signed public links, from the operator's command;
/// read back with poppler and zbar.
mod invoice_pdfs;
/// `/v1/invoices`: composed, pre-validated, authorised, idempotent, isolated.
mod invoices;
/// The issuance engine: batching, partial batches, lost answers, crashes, two instances.
mod issuance;
/// The issuer profile (GET/PUT, validation, logo checks, isolation), a point of sale's
/// domicilio, and the request fields only the printed invoice uses.
mod issuer_profiles;
/// Key modes: test keys only on sandbox instances, live keys only on production ones.
mod key_modes;
/// Two instances on one database and Redis: key revocation is immediate on both.
mod keys_across_instances;
/// `/metrics`: bounded labels, no tenant identifier without `METRICS_TOKEN`, the token.
mod metrics_exposure;
/// Reversible migrations on the test database, through the library and the CLI.
mod migrations;
/// Credit and debit notes and cancellation: the note's class and `CbtesAsoc` as ARCA stored
/// them, the original cancelled with the note's CAE, one cancellation whatever the retries,
/// races and crashes, partial notes within the balance.
mod notes;
/// Health, metrics, maintenance across instances, the smoke command.
mod operations;
/// Points of sale: CRUD, validation, duplicates, tenant isolation, the ARCA upsert.
mod points_of_sale;
/// Requests per minute per key: headers, 429 with Retry-After.
mod rate_limit;
/// ARCA's code tables and exchange rates through the account's session, cached.
mod reference_data;
/// No token, sign, key, passphrase or API key in the logs (at debug) or in an answer.
pub mod secrets_in_logs;
/// The binary's zero-setup `serve`: demo account, printed key, in-process simulator.
mod serve;
/// `mode: simple` against an OpenAI-compatible stand-in: the call's schema, context, model and
/// key; drafts, the "2 kg de yerba" Factura B in one call, low confidence, ARCA's codes,
/// provider failures storing nothing, `NOT_CONFIGURED`, no description in the logs.
pub mod simple_mode;
/// Taxpayers from ARCA's padrón: every registry case of the simulator, batches of 250 in one
/// call, the per-account cache and its TTL, DNI look-ups, invoices and customers filled from a
/// CUIT, outages and a certificate not authorized for the padrón.
mod taxpayers;
/// The durable ticket store: one login across instances, restarts, renewal in the window.
mod tickets;
/// Monthly usage and the 402 quota check.
mod usage;
/// Received vouchers checked with the simulator's WSCDC: approved, forged, refused input, a
/// certificate not authorized for wscdc, ARCA down; stored, listed, isolated.
mod verifications;
/// The outbox dispatcher's batches: claims bounded per webhook endpoint, no message claimed twice
/// across instances, lease takeover, fenced batch settlements, the webhook queue gauge, retention.
mod webhook_dispatch;
/// Webhook events in the transaction of their change: every invoice event, certificate expiry
/// and quota alerts (once, across instances), ARCA availability transitions, rollbacks.
mod webhook_events;
/// Webhook signatures verified by others: the official Standard Webhooks library and Python's
/// hmac, the README's Python, Node and Rust snippets, and `arca-api webhooks listen`.
mod webhook_signatures;
/// Webhook subscriptions and signed deliveries to a real receiver: CRUD, the SSRF guard, both
/// signatures checked independently, rotation, retries, disabling, the delivery log, isolation.
mod webhooks;
