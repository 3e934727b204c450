//! A real web browser for the pages a portal renders itself (the officers'
//! console): Debian's headless Chromium driven by chromedriver on a free
//! port, one profile folder of its own per browser, both gone on drop.
//! The console has no script, so every page is final once loaded: a
//! form's answer is waited for by the page it leads to, never by time.

use crate::harness::{Guard, free_port, shots_dir, wait_for_port};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Where Debian puts Chromium (`cargo xtask setup` installs it).
const CHROMIUM: &str = "/usr/bin/chromium";

/// How long a page's element is waited for.
const WITHIN: Duration = Duration::from_secs(10);

/// One browser window open at a site, as one person at one desk has it.
pub struct Browser {
    /// The WebDriver session.
    pub client: Client,
    base: String,
    _driver: Guard,
    _profile: tempfile::TempDir,
}

impl Browser {
    /// A new browser for the site at `base` (no page open yet).
    pub async fn start(base: &str) -> Self {
        let profile = tempfile::tempdir().expect("browser profile folder");
        let port = free_port();
        let driver = Guard::spawn(
            Command::new("chromedriver")
                .arg(format!("--port={port}"))
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )
        .expect("chromedriver is installed (cargo xtask setup installs chromium-driver)");
        wait_for_port(port, Duration::from_secs(20));
        let user_data = format!("--user-data-dir={}", profile.path().display());
        // Without the background-networking flags Chromium keeps trying
        // Google's services, and on a closed network its connections fail.
        let caps = serde_json::json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    "--window-size=1280,1000", user_data,
                ],
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("a JSON object literal")
        };
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
            .unwrap_or_else(|e| panic!("a Chromium session through chromedriver: {e}"));
        Self {
            client,
            base: base.trim_end_matches('/').to_owned(),
            _driver: driver,
            _profile: profile,
        }
    }

    /// Opens the site's page at `path` (and whatever it leads to).
    pub async fn open(&self, path: &str) {
        let url = format!("{}{path}", self.base);
        self.client
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// The path (and query) of the page shown.
    pub async fn path(&self) -> String {
        let url = self.client.current_url().await.expect("current address");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_owned(),
        }
    }

    /// Loads the page shown again.
    pub async fn reload(&self) {
        let page = self.page().await;
        self.client.refresh().await.expect("reload");
        self.left(page).await;
    }

    /// The element matching `css`, waited for.
    pub async fn wait(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(WITHIN)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "{css} is not on {} within {WITHIN:?}: {e} (the page as it was: {})",
                    self.path().await,
                    shot.display()
                )
            }
        }
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.wait(css)
            .await
            .text()
            .await
            .unwrap_or_else(|e| panic!("text of {css}: {e}"))
    }

    /// The visible text of the element the XPath `xpath` finds (for what
    /// has no id or class of its own).
    pub async fn text_xpath(&self, xpath: &str) -> String {
        let el = match self.client.find(Locator::XPath(xpath)).await {
            Ok(el) => el,
            Err(e) => {
                let shot = self.screenshot("missing").await;
                panic!(
                    "{xpath} is not on {}: {e} ({})",
                    self.path().await,
                    shot.display()
                )
            }
        };
        el.text()
            .await
            .unwrap_or_else(|e| panic!("text of {xpath}: {e}"))
    }

    /// The visible texts of every element matching `css`.
    pub async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = Vec::new();
        for el in self
            .client
            .find_all(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
        {
            out.push(el.text().await.unwrap_or_else(|e| panic!("text: {e}")));
        }
        out
    }

    /// Types `text` into the field matching `css`, replacing what it held.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait(css).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Clicks what matches `css` (a link or a form's button) and waits
    /// until the page it leads to is loaded.
    pub async fn click_to_page(&self, css: &str) {
        let page = self.page().await;
        self.wait(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
        self.left(page).await;
    }

    /// The document element of the page shown.
    async fn page(&self) -> Element {
        self.wait("html").await
    }

    /// Waits until `old` is no longer the page shown and the new one is
    /// loaded.
    async fn left(&self, old: Element) {
        for _ in 0..200 {
            // A page that went away leaves its elements stale.
            if old.tag_name().await.is_err() {
                let ready = self
                    .client
                    .execute("return document.readyState;", vec![])
                    .await
                    .ok();
                if ready.as_ref().and_then(|r| r.as_str()) == Some("complete") {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let shot = self.screenshot("timeout-navigation").await;
        panic!(
            "no new page within 10 s (still {}: {})",
            self.path().await,
            shot.display()
        );
    }

    /// Saves what the window shows as `console-NAME.png` among the
    /// end-to-end screenshots.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = shots_dir().join(format!("console-{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Saves the whole page, however long, as `console-NAME.png`: the
    /// window is made as tall as the page for the picture, then given
    /// back its size.
    pub async fn screenshot_page(&self, name: &str) -> PathBuf {
        let (width, height) = self.client.get_window_size().await.expect("window size");
        let (width, height) = (
            u32::try_from(width).expect("a window's width"),
            u32::try_from(height).expect("a window's height"),
        );
        let tall = self
            .client
            .execute(
                "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;",
                vec![],
            )
            .await
            .ok()
            .and_then(|h| h.as_u64())
            .and_then(|h| u32::try_from(h).ok())
            .map_or(height, |h| h.max(height));
        self.client
            .set_window_size(width, tall)
            .await
            .expect("window as tall as the page");
        let path = self.screenshot(name).await;
        self.client
            .set_window_size(width, height)
            .await
            .expect("window size back");
        path
    }

    /// Closes the browser.
    pub async fn close(self) {
        let _ = self.client.close().await;
    }
}
