//! The dashboard and `/docs` in a real browser: Debian's Chromium, headless, driven through
//! chromedriver with WebDriver (fantoccini), against a `TestApp` on 127.0.0.1. Skipped, saying
//! so, when Chromium is not installed — unless `ARCA_BROWSER_TESTS=1` (CI), which makes a missing
//! browser a failure ([`driver`] has the rules).

/// Every page filled with data: axe-core, the 150 KB budget, the README's screenshots.
mod accessibility;
/// `/docs`: Swagger UI and its try-it-out.
mod docs;
/// Chromium through one shared chromedriver; waits, axe-core, page weight, screenshots
/// (helpers: a file of tests may leave some unused).
#[allow(dead_code)]
mod driver;
/// Invoices: the new-invoice form (live totals, padrón, field errors), issued and listed.
mod invoices;
/// Operations pages: a webhook delivery retried.
mod ops;
/// An account filled through the API for the pages to show.
mod seed;
/// Sign-in, sign-out, CSRF, the 404 page, another account's objects.
mod sessions;
/// Settings pages: a certificate uploaded, an API key created and revoked.
mod settings;
