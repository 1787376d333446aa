//! The dashboard and `/docs` in a real browser: Debian's Chromium, headless, driven through
//! chromedriver with WebDriver (fantoccini), against a `TestApp` on 127.0.0.1. Skipped, saying
//! so, when Chromium is not installed — unless `ARCA_BROWSER_TESTS=1` (CI), which makes a missing
//! browser a failure ([`driver`] has the rules).

/// Chromium through one shared chromedriver; waits, axe-core, page weight, screenshots
/// (helpers: a file of tests may leave some unused).
#[allow(dead_code)]
mod driver;
/// Sign-in, sign-out, CSRF, the 404 page, another account's objects.
mod sessions;
