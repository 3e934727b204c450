//! Starting what an end-to-end test needs: an X display (Xvfb unless one is
//! given), tauri-driver on free ports, and a WebDriver session that launches
//! the app with its own profile folder. Everything is stopped on drop.

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A child process, leader of its own process group, killed with the whole
/// group when dropped (tauri-driver starts WebKitWebDriver, which starts the
/// app; none of them may outlive the test).
pub struct Guard(Child);

impl Guard {
    /// Starts `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut Command) -> std::io::Result<Self> {
        std::os::unix::process::CommandExt::process_group(cmd, 0);
        cmd.spawn().map(Self)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        let group = format!("-{}", self.0.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The app binary next to this test's build folder, or `HOSO_DESKTOP_BIN`.
pub fn app_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("HOSO_DESKTOP_BIN") {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/e2e-<hash>  ->  target/<profile>/hoso-desktop
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target/<profile> folder");
    let bin = dir.join("hoso-desktop");
    assert!(
        bin.exists(),
        "{} is missing: build the app first (`cargo build -p hoso-desktop`; `cargo xtask test` does it)",
        bin.display()
    );
    bin
}

/// Where screenshots of end-to-end runs are kept for people to look at.
pub fn shots_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let dir = exe
        .ancestors()
        .nth(3)
        .expect("target folder")
        .join("e2e-shots");
    std::fs::create_dir_all(&dir).expect("screenshot folder");
    dir
}

/// A port nothing listens on now, on the loopback.
pub fn free_port() -> u16 {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Waits until something listens on `port` of the loopback.
pub fn wait_for_port(port: u16, within: Duration) {
    let start = Instant::now();
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        assert!(
            start.elapsed() < within,
            "nothing listened on port {port} within {within:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The X display to use: `DISPLAY` if set, else a new Xvfb.
pub fn display() -> (String, Option<Guard>) {
    if let Ok(d) = std::env::var("DISPLAY")
        && !d.is_empty()
    {
        return (d, None);
    }
    let mut xvfb = Guard::spawn(
        Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                "1280x800x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
    )
    .expect("Xvfb is installed (cargo xtask setup installs it)");
    let stdout = xvfb.0.stdout.take().expect("Xvfb stdout");
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("Xvfb prints its display");
    let number = line.trim();
    assert!(!number.is_empty(), "Xvfb did not start");
    (format!(":{number}"), Some(xvfb))
}

/// A driven app window and everything behind it.
pub struct Session {
    pub client: Client,
    _driver: Guard,
    _display: Option<Guard>,
}

impl Session {
    /// Launches the app with `profile` as its profile folder.
    pub async fn launch(profile: &Path) -> Self {
        Self::launch_with(profile, &[]).await
    }

    /// Launches the app with `profile` and extra environment variables
    /// (the app inherits the driver's environment).
    pub async fn launch_with(profile: &Path, env: &[(&str, &str)]) -> Self {
        Self::launch_program(&app_binary(), profile, env).await
    }

    /// Launches `application` (the app, or a program that runs it) with
    /// `profile` and extra environment variables.
    pub async fn launch_program(application: &Path, profile: &Path, env: &[(&str, &str)]) -> Self {
        // A driver that drops the new-session request (seen now and then
        // right after an earlier app was killed) gets a fresh start; a
        // third failure is the app's, and fails the test.
        let mut last = None;
        for attempt in 1..=3 {
            match Self::try_launch(application, profile, env).await {
                Ok(session) => return session,
                Err(e) => {
                    eprintln!("WebDriver session, attempt {attempt}: {e}");
                    last = Some(e);
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
        }
        panic!("WebDriver session with the app: {last:?}")
    }

    async fn try_launch(
        application: &Path,
        profile: &Path,
        env: &[(&str, &str)],
    ) -> Result<Self, fantoccini::error::NewSessionError> {
        let (display, xvfb) = display();
        let (port, native) = (free_port(), free_port());
        let driver = Guard::spawn(
            Command::new(tauri_driver())
                .args([
                    "--port",
                    &port.to_string(),
                    "--native-port",
                    &native.to_string(),
                ])
                .env("DISPLAY", &display)
                .env("RUST_LOG", "warn")
                // The C locale, as on a machine nobody set up: the window
                // speaks Vietnamese unless a test asks for another locale.
                .env_remove("LC_ALL")
                .env_remove("LC_MESSAGES")
                .env("LANG", "C.UTF-8")
                .envs(env.iter().copied())
                .stdout(Stdio::null())
                .stderr(driver_log()),
        )
        .expect("tauri-driver is installed (cargo xtask setup installs it)");
        wait_for_port(port, Duration::from_secs(20));
        let caps = serde_json::json!({
            "browserName": "wry",
            "tauri:options": {
                "application": application,
                "args": ["--profile", profile],
            }
        });
        let serde_json::Value::Object(caps) = caps else {
            unreachable!("a JSON object literal")
        };
        // The WebDriver link is plain HTTP on loopback: no TLS stack needed.
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        let client = ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        Ok(Self {
            client,
            _driver: driver,
            _display: xvfb,
        })
    }

    /// Waits for an element matching `css`.
    pub async fn wait(&self, css: &str, within: Duration) -> fantoccini::elements::Element {
        match self
            .client
            .wait()
            .at_most(within)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(el) => el,
            Err(e) => {
                let shot = self.screenshot("timeout").await;
                panic!(
                    "{css} did not appear within {within:?}: {e} (window as it was: {})",
                    shot.display()
                )
            }
        }
    }

    /// Waits until `css` reads something containing `wanted` (a status
    /// that may pass through other states first); the text read.
    pub async fn until_text(&self, css: &str, wanted: &str) -> String {
        for _ in 0..300 {
            if let Ok(el) = self.client.find(Locator::Css(css)).await
                && let Ok(text) = el.text().await
                && text.contains(wanted)
            {
                return text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let shot = self.screenshot("timeout-text").await;
        panic!("{css} never read “{wanted}” ({})", shot.display());
    }

    /// Types into the element matching `css`, replacing what it held.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self.wait(css, Duration::from_secs(10)).await;
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// Picks the option with `value` in the select matching `css`.
    pub async fn choose(&self, css: &str, value: &str) {
        let el = self.wait(css, Duration::from_secs(10)).await;
        el.select_by_value(value)
            .await
            .unwrap_or_else(|e| panic!("choose {value} in {css}: {e}"));
    }

    /// Sets the value of the input matching `css` as a date picker does,
    /// then announces it as user input (WebDriver cannot type into native
    /// date pickers the same way on every locale).
    pub async fn set_value(&self, css: &str, value: &str) {
        let el = self.wait(css, Duration::from_secs(10)).await;
        let arg = serde_json::to_value(&el).expect("element as JSON");
        self.client
            .execute(
                "arguments[0].value = arguments[1]; \
                 arguments[0].dispatchEvent(new Event('input', { bubbles: true }));",
                vec![arg, value.into()],
            )
            .await
            .unwrap_or_else(|e| panic!("set {css}: {e}"));
    }

    /// Gives the window `width` × `height` pixels.
    pub async fn window_size(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .unwrap_or_else(|e| panic!("window size {width}×{height}: {e}"));
    }

    /// Fails, with a screenshot, when the page is wider than the window
    /// (something overflows and would be cut off or scrolled sideways).
    pub async fn assert_fits(&self, name: &str) {
        let widths = self
            .client
            .execute(
                "return [document.documentElement.scrollWidth, window.innerWidth];",
                vec![],
            )
            .await
            .expect("read widths");
        let (page, window) = (widths[0].as_u64(), widths[1].as_u64());
        if page > window {
            let shot = self.screenshot(&format!("{name}-overflow")).await;
            panic!(
                "{name}: the page is {page:?} px wide in a {window:?} px window ({})",
                shot.display()
            );
        }
    }

    /// Scrolls the element matching `css` to the top of the window.
    pub async fn scroll_to(&self, css: &str) {
        let el = self.wait(css, Duration::from_secs(10)).await;
        let arg = serde_json::to_value(&el).expect("element as JSON");
        self.client
            .execute("arguments[0].scrollIntoView(true);", vec![arg])
            .await
            .unwrap_or_else(|e| panic!("scroll to {css}: {e}"));
    }

    /// Clicks the element the XPath `xpath` finds (say, a button in the
    /// list line that reads a given text, which CSS cannot select),
    /// waiting up to 10 s for it.
    pub async fn click_xpath(&self, xpath: &str) {
        let el = self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(xpath))
            .await
            .unwrap_or_else(|e| panic!("{xpath} did not appear within 10 s: {e}"));
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {xpath}: {e}"));
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        let el = self.wait(css, Duration::from_secs(10)).await;
        el.click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        // A view that re-renders (progress) may replace the element between
        // finding and reading it: find it again.
        let mut last = None;
        for _ in 0..5 {
            let el = self.wait(css, Duration::from_secs(10)).await;
            match el.text().await {
                Ok(text) => return text,
                Err(e) => last = Some(e),
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("text of {css}: {last:?}")
    }

    /// The path a status line such as "Đã lưu vào: /tmp/…" names (what
    /// follows its first ": ").
    pub async fn path_in(&self, css: &str) -> PathBuf {
        let line = self.text(css).await;
        let path = line
            .split_once(": ")
            .map(|(_, p)| p.trim().to_owned())
            .unwrap_or_default();
        assert!(!path.is_empty(), "{css} names no path: {line:?}");
        PathBuf::from(path)
    }

    /// Saves a screenshot of the window as `name.png` in [`shots_dir`].
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.client.screenshot().await.expect("screenshot");
        let path = shots_dir().join(format!("{name}.png"));
        std::fs::write(&path, png).expect("write screenshot");
        path
    }

    /// Ends the session (the app closes).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Kills the app at once (SIGKILL), as a power cut or a crash would:
    /// nothing it has not committed survives. Returns the process id.
    pub fn kill_app(&self, profile: &Path) -> u32 {
        let pid = app_pid(profile).expect("the app is running");
        let status = Command::new("kill")
            .args(["-KILL", &pid.to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -KILL {pid}");
        // The signal is sent, not yet acted on: a thread inside a write or
        // an fsync finishes it first. Only once the process is dead (gone
        // or a zombie) is the disk what the killed app left.
        let started = std::time::Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            let state = std::fs::read_to_string(format!("/proc/{pid}/stat"))
                .ok()
                .and_then(|s| s.rsplit_once(") ").map(|(_, rest)| rest.chars().next()))
                .flatten();
            if matches!(state, None | Some('Z' | 'X')) {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        pid
    }
}

/// The process id of the app started with `--profile PROFILE`, found in
/// `/proc` (the app is a grandchild: tauri-driver, WebKitWebDriver, app).
pub fn app_pid(profile: &Path) -> Option<u32> {
    let want = profile.as_os_str().as_encoded_bytes();
    std::fs::read_dir("/proc")
        .ok()?
        .flatten()
        .find_map(|entry| {
            let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
            let is_app = args.first().is_some_and(|a| a.ends_with(b"hoso-desktop"));
            let ours = args
                .windows(2)
                .any(|w| w[0] == b"--profile" && w[1] == want);
            (is_app && ours).then_some(pid)
        })
}

/// The drivers' and the app's own output, kept beside the screenshots for
/// whoever has to find out why a run failed.
fn driver_log() -> Stdio {
    std::fs::File::create(shots_dir().join("driver-and-app.log"))
        .map(Stdio::from)
        .unwrap_or_else(|_| Stdio::null())
}

fn tauri_driver() -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    home.map(|h| h.join("bin").join("tauri-driver"))
        .filter(|p| p.exists())
        .unwrap_or_else(|| PathBuf::from("tauri-driver"))
}
