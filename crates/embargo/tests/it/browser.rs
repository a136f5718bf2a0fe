//! The web UI in a real browser: headless Chromium driven over WebDriver (a local
//! `chromedriver`, plain HTTP on loopback). A reporter submits through the form and follows
//! the tracking page; a maintainer signs in and writes in the thread; the reporter's page
//! never shows the internal note, in the rendered text or anywhere in the DOM.
//!
//! `scripts/test` installs Debian's `chromium` and `chromium-driver` when they are missing.
//! Without them these tests fail under `CI=true` and are skipped, with a warning, otherwise.

use crate::harness::{Server, ServerOptions, TempDir, free_port};
use crate::{PASSWORD, prepared};
use fantoccini::{Client, ClientBuilder, Locator, wd::WebDriverCompatibleCommand};
use std::{
    io::{BufRead, BufReader, Read, Write},
    path::PathBuf,
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex, mpsc},
    time::{Duration, Instant},
};
use store::testing::Backend;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The chromedriver and Chromium binaries (`EMBARGO_TEST_CHROMEDRIVER` and
/// `EMBARGO_TEST_CHROMIUM` override Debian's paths), or `None` when they are missing outside CI.
fn binaries() -> Option<(PathBuf, PathBuf)> {
    let driver = std::env::var_os("EMBARGO_TEST_CHROMEDRIVER")
        .map(PathBuf::from)
        .unwrap_or_else(|| CHROMEDRIVER.into());
    let browser = std::env::var_os("EMBARGO_TEST_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|| CHROMIUM.into());
    if driver.is_file() && browser.is_file() {
        return Some((driver, browser));
    }
    let why = format!(
        "the browser tests need {} and {} (Debian: apt-get install chromium chromium-driver; \
         scripts/test installs them)",
        driver.display(),
        browser.display()
    );
    if std::env::var("CI").as_deref() == Ok("true") {
        panic!("{why}");
    }
    eprintln!("warning: browser test skipped: {why}");
    None
}

/// A `chromedriver` process on a free port with one headless Chromium session, a fresh
/// profile each time. Dropping it asks chromedriver to shut down (closing the browser).
struct Browser {
    client: Client,
    driver: Child,
    port: u16,
    output: Arc<Mutex<Vec<String>>>,
    _profile: TempDir,
}

impl Browser {
    async fn start((driver_bin, chromium): (PathBuf, PathBuf)) -> Browser {
        let port = free_port();
        let mut driver = Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start chromedriver");
        let output = Arc::new(Mutex::new(Vec::new()));
        let (ready_tx, ready_rx) = mpsc::channel();
        let stdout = driver.stdout.take().expect("stdout");
        let stderr = driver.stderr.take().expect("stderr");
        for (stream, ready) in [
            (Box::new(stdout) as Box<dyn Read + Send>, Some(ready_tx)),
            (Box::new(stderr), None),
        ] {
            let sink = output.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines().map_while(Result::ok) {
                    if let Some(tx) = &ready
                        && line.contains("started successfully")
                    {
                        let _ = tx.send(());
                    }
                    if let Ok(mut l) = sink.lock() {
                        l.push(line);
                    }
                }
            });
        }
        if ready_rx.recv_timeout(Duration::from_secs(30)).is_err() {
            let _ = driver.kill();
            let _ = driver.wait();
            panic!(
                "chromedriver did not start: {:?}",
                output.lock().map(|o| o.clone())
            );
        }
        let profile = TempDir::new();
        let capabilities = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": chromium,
                "args": [
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-quic",
                    "--no-first-run",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--disable-sync",
                    "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.0.display()),
                ],
            },
            // The console, where Chromium reports Content-Security-Policy violations.
            "goog:loggingPrefs": { "browser": "ALL" },
            "timeouts": { "pageLoad": 20_000, "script": 10_000, "implicit": 0 },
        });
        let serde_json::Value::Object(capabilities) = capabilities else {
            unreachable!("a JSON object literal")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        let client = match client {
            Ok(client) => client,
            Err(e) => {
                let _ = driver.kill();
                let _ = driver.wait();
                panic!(
                    "no Chromium session: {e}; chromedriver said {:?}",
                    output.lock().map(|o| o.clone())
                );
            }
        };
        Browser {
            client,
            driver,
            port,
            output,
            _profile: profile,
        }
    }

    async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        url.path().to_owned()
    }

    /// Types `text` into the field with id `id`.
    async fn fill(&self, id: &str, text: &str) {
        let field = self
            .client
            .find(Locator::Id(id))
            .await
            .unwrap_or_else(|e| panic!("no field #{id}: {e}"));
        field.clear().await.expect("clear");
        field
            .send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into #{id}: {e}"));
    }

    /// Clicks what `css` matches, on the current page (a radio button, say).
    async fn choose(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing matches {css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a link or a submit button and waits until the next page has loaded: the old
    /// document's root goes stale, then the new one is complete. (A click does not always
    /// wait for the navigation it starts, and a page may lead to the same address again.)
    async fn follow(&self, target: Locator<'_>) {
        let old = self.client.find(Locator::Css("html")).await.expect("page");
        self.client
            .find(target)
            .await
            .unwrap_or_else(|e| panic!("nothing matches {target:?}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {target:?}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            match old.tag_name().await {
                Err(e) if e.is_stale_element_reference() => break,
                // Chromium sometimes reports the old page's element, caught while its
                // document is being replaced, as an inspector error instead of stale.
                Err(e) if is_detached_node(&e) => break,
                Err(e) => panic!("the page after clicking {target:?}: {e}"),
                Ok(_) => {}
            }
            assert!(
                Instant::now() < deadline,
                "no new page within 20 s of clicking {target:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        loop {
            let state = self
                .client
                .execute("return document.readyState", Vec::new())
                .await;
            if matches!(&state, Ok(s) if s == "complete") {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "the page after clicking {target:?} did not finish loading: {state:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// What the page shows, as a person would read it.
    async fn text(&self) -> String {
        self.script("return document.body.innerText")
            .await
            .as_str()
            .expect("innerText is a string")
            .to_owned()
    }

    /// Everything in the DOM, hidden elements, attributes and comments included.
    async fn dom(&self) -> String {
        self.script("return document.documentElement.outerHTML")
            .await
            .as_str()
            .expect("outerHTML is a string")
            .to_owned()
    }

    async fn script(&self, js: &str) -> serde_json::Value {
        self.client
            .execute(js, Vec::new())
            .await
            .unwrap_or_else(|e| panic!("run {js}: {e}"))
    }

    /// The thread's messages on the current page: (class attribute, rendered text).
    async fn messages(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for article in self
            .client
            .find_all(Locator::Css("article.message"))
            .await
            .expect("find messages")
        {
            let class = article
                .attr("class")
                .await
                .expect("class")
                .unwrap_or_default();
            out.push((class, article.text().await.expect("text")));
        }
        out
    }

    /// The console messages since the last call (chromedriver hands each out once).
    async fn console(&self) -> Vec<String> {
        let entries = self
            .client
            .issue_cmd(BrowserLog)
            .await
            .expect("read the browser's console log");
        entries
            .as_array()
            .expect("log entries")
            .iter()
            .map(|e| e["message"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    async fn close(self) {
        let _ = self.client.clone().close().await;
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // chromedriver's own shutdown closes the browser it started; then make sure.
        if let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.driver.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        if std::thread::panicking() {
            eprintln!("chromedriver: {:?}", self.output.lock().map(|o| o.clone()));
        }
    }
}

/// chromedriver's log endpoint (outside the W3C protocol, which has none): the browser's
/// console since the last read.
#[derive(Debug)]
struct BrowserLog;

impl WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/se/log",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(r#"{"type":"browser"}"#.to_owned()))
    }
}

const TITLE: &str = "Path traversal in the timelapse download";
const INTERNAL: &str = "INTERNAL-9f2c: real; the fix ships in 1.10.4, keep the date to ourselves";
const SHARED: &str = "Confirmed, thank you. Which configuration did you use?";
const FROM_REPORTER: &str = "The default configuration, on 1.10.3.";

#[tokio::test]
async fn the_reporter_never_sees_internal_messages_in_a_browser() {
    let Some(binaries) = binaries() else {
        return;
    };
    let started = Instant::now();
    let db = prepared(Backend::Sqlite).await;
    let server = Server::start(&db, &ServerOptions::default());
    let browser = Browser::start(binaries).await;
    let base = server.url.as_str();

    // The reporter fills in the public form and lands on their tracking page.
    browser.goto(&format!("{base}/p/demo/report")).await;
    browser.fill("title", TITLE).await;
    browser
        .fill(
            "description",
            "The timelapse download joins the requested name\nwithout normalising it.",
        )
        .await;
    browser.fill("affected_version", "1.10.3").await;
    browser
        .fill(
            "reproduction",
            "curl 'http://printer.local/downloads/timelapse/..%2f..%2fconfig.yaml'",
        )
        .await;
    browser
        .fill("impact", "Any signed-in user reads the configuration.")
        .await;
    browser.fill("reporter_name", "Mara Lind").await;
    browser.fill("reporter_email", "mara@example.test").await;
    browser
        .follow(Locator::Css("form.report-form button[type=submit]"))
        .await;
    let tracking_path = browser.path().await;
    assert!(
        tracking_path.starts_with("/track/"),
        "the form leads to the tracking page, not {tracking_path}: {}",
        browser.text().await
    );
    let tracking = format!("{base}{tracking_path}");
    let page = browser.text().await;
    assert!(page.contains("Your report was received"), "{page}");
    assert!(page.contains("Report #1 to PrintDesk"), "{page}");
    assert!(page.contains(TITLE), "{page}");
    assert!(page.contains("No messages yet."), "{page}");

    // The reporter adds information through the tracking page's form.
    browser.fill("body", FROM_REPORTER).await;
    browser
        .follow(Locator::Css("form[action^='/track/'] button[type=submit]"))
        .await;
    assert_eq!(browser.path().await, tracking_path);
    assert!(browser.text().await.contains(FROM_REPORTER));

    // A maintainer signs in (a browser with no cookie of the reporter's) and opens the report
    // from the inbox.
    browser
        .client
        .delete_all_cookies()
        .await
        .expect("clear cookies");
    browser.goto(&format!("{base}/login")).await;
    browser.fill("email", "admin@example.test").await;
    browser.fill("password", PASSWORD).await;
    browser
        .follow(Locator::Css("form[action='/login'] button[type=submit]"))
        .await;
    assert_eq!(browser.path().await, "/inbox", "{}", browser.text().await);
    browser.goto(&format!("{base}/inbox/demo")).await;
    browser.follow(Locator::LinkText(TITLE)).await;
    assert_eq!(browser.path().await, "/inbox/demo/reports/1");
    let report_page = browser.client.current_url().await.expect("url");

    // An internal note, then a message for the reporter, through the thread's form.
    for (body, visibility) in [(INTERNAL, "internal"), (SHARED, "reporter")] {
        browser.fill("thread_body", body).await;
        browser
            .choose(&format!(
                "form.thread-form input[name=visibility][value={visibility}]"
            ))
            .await;
        browser
            .follow(Locator::Css("form.thread-form button[type=submit]"))
            .await;
        assert_eq!(
            browser.path().await,
            "/inbox/demo/reports/1",
            "{}",
            browser.text().await
        );
    }

    // The maintainer sees the whole thread, the note marked internal.
    let page = browser.text().await;
    for body in [INTERNAL, SHARED, FROM_REPORTER] {
        assert!(page.contains(body), "the maintainer sees {body:?}: {page}");
    }
    let messages = browser.messages().await;
    assert_eq!(messages.len(), 3, "{messages:?}");
    let internal: Vec<_> = messages
        .iter()
        .filter(|(_, t)| t.contains(INTERNAL))
        .collect();
    assert_eq!(internal.len(), 1, "{messages:?}");
    let (class, text) = internal[0];
    assert!(class.split_whitespace().any(|c| c == "internal"), "{class}");
    assert!(
        text.contains("internal note, not shown to the reporter"),
        "{text}"
    );
    for body in [SHARED, FROM_REPORTER] {
        let (class, text) = messages
            .iter()
            .find(|(_, t)| t.contains(body))
            .expect("message shown");
        assert!(
            !class.split_whitespace().any(|c| c == "internal"),
            "{class}"
        );
        assert!(text.contains("shared with the reporter"), "{text}");
    }
    assert!(
        browser
            .text()
            .await
            .matches("internal note, not shown to the reporter")
            .count()
            == 1,
        "only the note is marked internal"
    );

    // The reporter's page, in a browser without the maintainer's session.
    browser
        .client
        .delete_all_cookies()
        .await
        .expect("clear cookies");
    browser.goto(&tracking).await;
    let page = browser.text().await;
    assert!(page.contains(SHARED), "{page}");
    assert!(page.contains(FROM_REPORTER), "{page}");
    assert!(!page.contains("INTERNAL-9f2c"), "{page}");
    let dom = browser.dom().await;
    assert!(dom.contains(SHARED), "the DOM check sees the page");
    assert!(
        !dom.contains("INTERNAL-9f2c") && !dom.contains("keep the date to ourselves"),
        "nothing of the note anywhere in the DOM: {dom}"
    );
    let messages = browser.messages().await;
    assert_eq!(messages.len(), 2, "{messages:?}");
    assert!(
        messages.iter().all(|(_, t)| !t.contains("INTERNAL")),
        "{messages:?}"
    );

    // The pages the browser showed kept to the Content-Security-Policy: no violation in the
    // console. Then a violation on purpose, to show the console is really read.
    let console = browser.console().await;
    let violations: Vec<_> = console
        .iter()
        .filter(|m| m.contains("Content Security Policy"))
        .collect();
    assert!(violations.is_empty(), "{violations:?}");
    browser.goto(report_page.as_str()).await;
    browser
        .script(
            "const s = document.createElement('script'); \
             s.textContent = 'document.title = \"injected\"'; \
             document.body.appendChild(s); return null",
        )
        .await;
    assert_ne!(
        browser.client.title().await.expect("title"),
        "injected",
        "the CSP refuses inline script"
    );
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let console = browser.console().await;
        if console
            .iter()
            .any(|m| m.contains("Content Security Policy"))
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the refused inline script shows in the console: {console:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    browser.close().await;
    assert!(server.stop().success());
    eprintln!("browser test took {:?}", started.elapsed());
}

/// Whether chromedriver answered that an element's node left its document: the page it
/// belonged to is gone, which is what a navigation wait is waiting for.
fn is_detached_node(e: &fantoccini::error::CmdError) -> bool {
    let text = e.to_string();
    text.contains("does not belong to the document") || text.contains("No node with given id")
}
