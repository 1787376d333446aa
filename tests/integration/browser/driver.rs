//! Chromium through chromedriver, for the browser tests: [`Browser::open`] starts (or shares) one
//! chromedriver and opens a headless Chromium session on it; helpers wait through WebDriver for
//! what a page shows, run axe-core, measure a page's weight and save screenshots.
//!
//! - One chromedriver process serves every browser test running at the same time: it is started
//!   in a process group of its own on a port it picks (`--port=0`, read from its first lines), and
//!   the whole group (chromedriver and every Chromium it launched) is killed when the last
//!   [`Browser`] holding it is dropped — a failed test leaves no browser behind.
//! - `ARCA_BROWSER_TESTS`: unset, the tests run when `chromium` and `chromedriver` are on the
//!   `PATH` (or at `CHROME_BIN` / `CHROMEDRIVER`) and pass with a "skipped" line when not; `1`
//!   (CI), a missing browser fails them; `0`, they are skipped.
//! - `ARCA_SCREENSHOTS=1` saves [`Browser::screenshot`]s to `docs/screenshots/`; otherwise nothing
//!   is written, so CI never rewrites a tracked file.
//!
//! It never sleeps: every wait is WebDriver's (an element, a text) with a deadline.

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

/// How long a wait for an element or a text lasts before the test fails (CI runs the browser
/// beside the rest of the suite on two cores).
const WAIT: Duration = Duration::from_secs(30);

/// The axe-core script injected into pages (tests/integration/browser/axe/README.md).
const AXE: &str = include_str!("axe/axe.min.js");

/// What `ARCA_BROWSER_TESTS` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Demand {
    /// `1`: the browser must be there.
    Required,
    /// `0`: skip.
    Off,
    /// unset: run when installed.
    IfInstalled,
}

fn demand() -> Demand {
    match std::env::var("ARCA_BROWSER_TESTS").as_deref() {
        Ok("1") | Ok("true") => Demand::Required,
        Ok("0") | Ok("false") => Demand::Off,
        _ => Demand::IfInstalled,
    }
}

/// `override_var` if set, else the first of `names` found on the `PATH`.
fn program(override_var: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os(override_var) {
        let path = PathBuf::from(path);
        return path.is_file().then_some(path);
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |name| dir.join(name)))
        .find(|candidate| candidate.is_file())
}

/// A running chromedriver, its process group killed on drop.
struct Driver {
    child: Child,
    url: String,
    chromium: PathBuf,
}

impl Driver {
    fn start(chromedriver: &Path, chromium: PathBuf) -> Result<Driver, String> {
        let mut child = Command::new(chromedriver)
            .arg("--port=0")
            // Chromium on Linux takes its interface language (dates in inputs) from these.
            .env("LANGUAGE", "es_AR:es")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            // Its own group: chromedriver and the browsers it launches are killed together.
            .process_group(0)
            .spawn()
            .map_err(|error| format!("cannot start {}: {error}", chromedriver.display()))?;
        let stdout = child.stdout.take().ok_or("chromedriver has no stdout")?;
        let (port_tx, port_rx) = std::sync::mpsc::channel();
        // Reads the port from "ChromeDriver was started successfully on port N.", then keeps
        // draining its output so chromedriver never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut port_tx = Some(port_tx);
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(rest) = line.split("started successfully on port ").nth(1)
                    && let Some(tx) = port_tx.take()
                {
                    let _ = tx.send(rest.trim_end_matches('.').trim().to_string());
                }
            }
        });
        // Built before the port is known, so that a failure kills the group on drop.
        let mut driver = Driver {
            child,
            url: String::new(),
            chromium,
        };
        match port_rx.recv_timeout(WAIT) {
            Ok(port) if port.parse::<u16>().is_ok() => {
                driver.url = format!("http://127.0.0.1:{port}");
                Ok(driver)
            }
            Ok(port) => Err(format!("chromedriver printed a port that is not one: {port}")),
            Err(_) => Err("chromedriver did not say it had started".into()),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // The whole group: chromedriver and any Chromium a failed test left open.
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The chromedriver the browser tests running now share (none while none runs).
static DRIVER: Mutex<Weak<Driver>> = Mutex::new(Weak::new());

/// The shared chromedriver, started if need be; `Ok(None)` when the tests are to be skipped.
fn shared_driver() -> Result<Option<Arc<Driver>>, String> {
    let demand = demand();
    if demand == Demand::Off {
        skipped("ARCA_BROWSER_TESTS=0");
        return Ok(None);
    }
    let chromium = program("CHROME_BIN", &["chromium", "chromium-browser", "google-chrome"]);
    let chromedriver = program("CHROMEDRIVER", &["chromedriver"]);
    let (Some(chromium), Some(chromedriver)) = (chromium, chromedriver) else {
        if demand == Demand::Required {
            return Err("ARCA_BROWSER_TESTS=1 but chromium/chromedriver are not installed \
                        (apt-get install chromium chromium-driver)"
                .into());
        }
        skipped("chromium/chromedriver not installed (apt-get install chromium chromium-driver)");
        return Ok(None);
    };
    let mut shared = DRIVER.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(driver) = shared.upgrade() {
        return Ok(Some(driver));
    }
    let driver = Arc::new(Driver::start(&chromedriver, chromium)?);
    *shared = Arc::downgrade(&driver);
    Ok(Some(driver))
}

#[allow(clippy::print_stderr)]
fn skipped(why: &str) {
    eprintln!("skipped: {why}");
}

/// One headless Chromium session against one app.
pub struct Browser {
    pub client: Client,
    /// The app's `http://127.0.0.1:<port>` ([`Browser::on`]).
    pub base_url: String,
    _driver: Arc<Driver>,
}

/// A failed WebDriver command fails the test, saying what was being done.
trait Expect<T> {
    fn or_fail(self, doing: &str) -> T;
}

impl<T, E: std::fmt::Display> Expect<T> for Result<T, E> {
    fn or_fail(self, doing: &str) -> T {
        self.unwrap_or_else(|error| panic!("{doing}: {error}"))
    }
}

/// A string as an XPath literal (XPath 1.0 has no escape: `concat` when both quotes appear).
pub fn xpath_literal(text: &str) -> String {
    if !text.contains('"') {
        format!("\"{text}\"")
    } else if !text.contains('\'') {
        format!("'{text}'")
    } else {
        let parts: Vec<String> = text.split('"').map(|part| format!("\"{part}\"")).collect();
        format!("concat({})", parts.join(", '\"', "))
    }
}

impl Browser {
    /// A new Chromium session; `None` (the test then returns, having said why) when the browser
    /// tests are skipped. Its paths are the app's given to [`Browser::on`].
    pub async fn open() -> Option<Browser> {
        let driver = shared_driver().unwrap_or_else(|error| panic!("{error}"))?;
        let mut capabilities = serde_json::Map::new();
        capabilities.insert("browserName".into(), json!("chrome"));
        capabilities.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": driver.chromium,
                // Argentina's language, as the dashboard's users: dates in inputs read dd/mm/aaaa.
                "prefs": {"intl": {"accept_languages": "es-AR,es"}},
                "args": [
                    "--lang=es-AR",
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900",
                    "--disable-dev-shm-usage", "--no-first-run", "--disable-extensions",
                    "--disable-background-networking", "--disable-sync", "--disable-default-apps",
                    "--disable-component-update", "--hide-scrollbars",
                ],
            }),
        );
        let client = Client::with_capabilities_and_connector(&driver.url, &capabilities, HttpConnector::new())
            .await
            .or_fail("open a Chromium session through chromedriver");
        Some(Browser {
            client,
            base_url: String::new(),
            _driver: driver,
        })
    }

    /// Points the browser's paths at `app`.
    pub fn on(&mut self, app: &arca_test_support::TestApp) {
        self.base_url = app.base_url.clone();
    }

    /// Ends the Chromium session (the driver's group is killed anyway when the last test ends).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// Loads `path` of the app and waits for its document.
    pub async fn goto(&self, path: &str) {
        self.client.goto(&self.url(path)).await.or_fail(&format!("load {path}"));
    }

    /// The path (and query) the browser is on.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.or_fail("read the URL");
        match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// Waits for an element matching `css`.
    pub async fn find(&self, css: &str) -> Element {
        match self.client.wait().at_most(WAIT).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(error) => panic!("no element {css} ({error}) on {}", self.describe().await),
        }
    }

    /// Every element matching `css` now.
    pub async fn find_all(&self, css: &str) -> Vec<Element> {
        self.client
            .find_all(Locator::Css(css))
            .await
            .or_fail(&format!("find {css}"))
    }

    /// Waits for an element matching `xpath`.
    pub async fn find_xpath(&self, xpath: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(xpath))
            .await
        {
            Ok(element) => element,
            Err(error) => panic!("no element {xpath} ({error}) on {}", self.describe().await),
        }
    }

    /// Waits for an element matching `css` whose text contains `text`.
    pub async fn find_text(&self, css: &str, text: &str) -> Element {
        // `css`: descendant steps of tags, classes and ids (turned into XPath).
        let xpath = css_to_xpath(css, text);
        match self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(&xpath))
            .await
        {
            Ok(element) => element,
            Err(error) => panic!("no {css} saying {text:?} ({error}) on {}", self.describe().await),
        }
    }

    /// Waits for the page's `<h1>` to say `title` (a page change after a link or a form).
    pub async fn wait_for_title(&self, title: &str) {
        let xpath = format!("//h1[normalize-space()={}]", xpath_literal(title));
        if let Err(error) = self
            .client
            .wait()
            .at_most(WAIT)
            .for_element(Locator::XPath(&xpath))
            .await
        {
            panic!(
                "the page never said <h1>{title}</h1> ({error}); {}",
                self.describe().await
            );
        }
    }

    /// Types `value` into the field matching `css` (cleared first).
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.or_fail(&format!("clear {css}"));
        field.send_keys(value).await.or_fail(&format!("type into {css}"));
    }

    pub async fn click(&self, css: &str) {
        self.find(css).await.click().await.or_fail(&format!("click {css}"));
    }

    /// The visible text of the first element matching `css` (waited for).
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.or_fail(&format!("read {css}"))
    }

    /// The page's URL and text, for failure messages.
    async fn describe(&self) -> String {
        let url = self
            .client
            .current_url()
            .await
            .map(|url| url.to_string())
            .unwrap_or_default();
        let body = match self.client.find(Locator::Css("body")).await {
            Ok(body) => body.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        let body: String = body.chars().take(1500).collect();
        format!("{url}:\n{body}")
    }

    /// Runs `script` (a function body; `arguments[i]` are `args`) and returns its value.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .or_fail("run a script in the page")
    }

    /// Signs in through the form with `key`, landing on `next`.
    pub async fn sign_in(&self, key: &str, next: &str) {
        let encoded: String = form_urlencoded_component(next);
        self.goto(&format!("/dashboard/login?next={encoded}")).await;
        self.fill("#api_key", key).await;
        self.click("form[action='/dashboard/login'] button[type='submit']")
            .await;
        // Any page but the sign-in form's.
        self.find_xpath("//main//h1[not(normalize-space()='Ingresar a arca-api')]")
            .await;
        assert!(
            self.client.get_named_cookie("arca_session").await.is_ok(),
            "signing in opened no session: {}",
            self.describe().await
        );
    }

    /// axe-core's default rules on the current page: fails on any serious or critical
    /// violation, listing each with its nodes.
    pub async fn assert_accessible(&self, page: &str) {
        let serious = self.serious_violations(page).await;
        if !serious.is_empty() {
            let mut report = String::new();
            for violation in &serious {
                report.push_str(&format!(
                    "\n- {} ({}): {}",
                    violation["id"].as_str().unwrap_or("?"),
                    violation["impact"].as_str().unwrap_or("?"),
                    violation["help"].as_str().unwrap_or("")
                ));
                for node in violation["nodes"].as_array().into_iter().flatten().take(5) {
                    report.push_str(&format!(
                        "\n    at {}: {}",
                        node["target"].as_str().unwrap_or("?"),
                        node["summary"].as_str().unwrap_or("").replace('\n', " ")
                    ));
                }
            }
            panic!(
                "axe-core: {} serious/critical violation(s) on {page}:{report}",
                serious.len()
            );
        }
    }

    /// The serious and critical violations axe-core's default rules (none disabled) find on the
    /// current page: `{id, impact, help, nodes: [{target, summary}]}`.
    pub async fn serious_violations(&self, page: &str) -> Vec<Value> {
        let loaded = self
            .execute(&format!("{AXE}\n;return typeof axe !== 'undefined';"), vec![])
            .await;
        assert_eq!(loaded, json!(true), "axe-core did not load into {page}");
        let result = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 axe.run(document).then(r => done({violations: r.violations.map(v => ({\
                   id: v.id, impact: v.impact, help: v.help,\
                   nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary}))\
                 }))}), e => done({error: String(e)}));",
                vec![],
            )
            .await
            .or_fail(&format!("run axe-core on {page}"));
        assert!(
            result["error"].is_null(),
            "axe-core failed on {page}: {}",
            result["error"]
        );
        result["violations"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|violation| matches!(violation["impact"].as_str(), Some("serious" | "critical")))
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The bytes a first visit to the current page costs: the document and every stylesheet,
    /// script and image it loads, each at its transfer size (headers included) — or, for one the
    /// browser took from its cache, at its body's size, fetched again past the cache.
    pub async fn page_weight(&self) -> u64 {
        let total = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];\
                 (async () => {\
                   const sizes = new Map();\
                   const size = e => Math.max(e.transferSize || 0, e.encodedBodySize || 0);\
                   for (const e of performance.getEntriesByType('navigation')) sizes.set(e.name, size(e));\
                   for (const e of performance.getEntriesByType('resource')) sizes.set(e.name, size(e));\
                   const linked = [...document.querySelectorAll('link[rel=stylesheet][href], script[src], img[src]')]\
                     .map(n => new URL(n.getAttribute('href') || n.getAttribute('src'), location.href).href)\
                     .filter(u => u.startsWith(location.origin + '/'));\
                   for (const url of linked) {\
                     if (!sizes.get(url)) {\
                       const r = await fetch(url, {cache: 'no-store'});\
                       sizes.set(url, (await r.arrayBuffer()).byteLength);\
                     }\
                   }\
                   let total = 0; for (const v of sizes.values()) total += v; done(total);\
                 })().catch(e => done(String(e)));",
                vec![],
            )
            .await
            .or_fail("measure the page");
        total
            .as_f64()
            .map(|bytes| bytes as u64)
            .unwrap_or_else(|| panic!("measuring the page failed: {total}"))
    }

    /// Saves the whole page (the window grown to its height, at most 2400 px, then restored) as
    /// `docs/screenshots/<name>.png` when `ARCA_SCREENSHOTS=1`.
    pub async fn screenshot(&self, name: &str) {
        if std::env::var("ARCA_SCREENSHOTS").as_deref() != Ok("1") {
            return;
        }
        let (width, height) = self.client.get_window_size().await.or_fail("read the window's size");
        // The window's outer height minus its viewport, so that the page fits whole.
        let chrome = self
            .execute("return window.outerHeight - window.innerHeight;", vec![])
            .await
            .as_u64()
            .unwrap_or(0);
        let page = self
            .execute(
                "window.scrollTo(0, 0); if (document.activeElement) document.activeElement.blur();\
                 return document.documentElement.scrollHeight;",
                vec![],
            )
            .await
            .as_u64()
            .unwrap_or(height);
        let full = (page + chrome).clamp(height, 2400) as u32;
        self.client
            .set_window_size(width as u32, full)
            .await
            .or_fail("grow the window");
        let png = self.client.screenshot().await.or_fail("take a screenshot");
        self.client
            .set_window_size(width as u32, height as u32)
            .await
            .or_fail("restore the window");
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots");
        std::fs::create_dir_all(&dir).or_fail("create docs/screenshots");
        std::fs::write(dir.join(format!("{name}.png")), png).or_fail("write the screenshot");
    }
}

/// `value` percent-encoded for a query string.
fn form_urlencoded_component(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (byte as char).to_string(),
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// A CSS selector of descendant steps, each a tag and/or `.class`es, `#id`s and `[attr]` or
/// `[attr='value']` (`tr[data-key-id='k1'] td.status`), as an XPath whose last step's text
/// contains `text`.
fn css_to_xpath(css: &str, text: &str) -> String {
    let steps: Vec<String> = css.split_whitespace().map(css_step_to_xpath).collect();
    format!(
        "//{}[contains(normalize-space(), {})]",
        steps.join("//"),
        xpath_literal(text)
    )
}

/// One compound selector (`td.status`, `#id`, `.a.b`, `tr[data-id='x']`) as an XPath step.
fn css_step_to_xpath(step: &str) -> String {
    let tag_end = step.find(['.', '#', '[']).unwrap_or(step.len());
    let tag = if tag_end == 0 { "*" } else { &step[..tag_end] };
    let mut conditions = String::new();
    let mut rest = &step[tag_end..];
    while let Some(kind) = rest.chars().next() {
        let body = &rest[1..];
        if kind == '[' {
            let end = body
                .find(']')
                .unwrap_or_else(|| panic!("css_to_xpath: unclosed [ in {step}"));
            let condition = match body[..end].split_once('=') {
                Some((name, value)) => {
                    let value = value.trim_matches(|c| c == '\'' || c == '"');
                    format!("[@{name}={}]", xpath_literal(value))
                }
                None => format!("[@{}]", &body[..end]),
            };
            conditions.push_str(&condition);
            rest = &body[end + 1..];
            continue;
        }
        let end = body.find(['.', '#', '[']).unwrap_or(body.len());
        let name = &body[..end];
        assert!(
            !name.is_empty() && !name.contains([':', '>', '~', '+']),
            "css_to_xpath: unsupported selector {step}"
        );
        match kind {
            '.' => conditions.push_str(&format!(
                "[contains(concat(' ', normalize-space(@class), ' '), ' {name} ')]"
            )),
            '#' => conditions.push_str(&format!("[@id='{name}']")),
            _ => panic!("css_to_xpath: unsupported selector {step}"),
        }
        rest = &body[end..];
    }
    format!("{tag}{conditions}")
}

#[test]
fn css_selectors_become_xpath() {
    assert_eq!(
        css_to_xpath("#ops td.status", "200"),
        "//*[@id='ops']//td[contains(concat(' ', normalize-space(@class), ' '), ' status ')]\
         [contains(normalize-space(), \"200\")]"
    );
    assert_eq!(
        css_to_xpath("tr[data-key-id='k1'] td", "x"),
        "//tr[@data-key-id=\"k1\"]//td[contains(normalize-space(), \"x\")]"
    );
    assert_eq!(
        css_to_xpath("tr[data-delivery-id] td.status", "x"),
        "//tr[@data-delivery-id]//td[contains(concat(' ', normalize-space(@class), ' '), ' status ')]\
         [contains(normalize-space(), \"x\")]"
    );
    assert_eq!(xpath_literal("a\"b'c"), "concat(\"a\", '\"', \"b'c\")");
}
