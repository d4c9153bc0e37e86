//! A headless Chromium driven through WebDriver (fantoccini), with the waits,
//! checks and screenshots the journeys share.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{Value, json};

use crate::world::{self, World};

/// How long a page may take to show what a journey waits for. Generous: the
/// machine is a shared 2-core box running a debug build.
pub const PATIENCE: Duration = Duration::from_secs(20);

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Js {
    On,
    Off,
}

/// One journey's server and the browsers it opened, closed when it ends,
/// whether it passed or not.
pub struct Journey {
    pub world: World,
    opened: Mutex<Vec<Client>>,
}

/// Runs a journey in its own task, so a failed assertion still closes its
/// browsers before the failure is reported.
pub async fn journey<F, Fut>(f: F)
where
    F: FnOnce(Arc<Journey>) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(world) = world::get().await else {
        return;
    };
    let j = Arc::new(Journey {
        world,
        opened: Mutex::new(Vec::new()),
    });
    let outcome = tokio::spawn(f(j.clone())).await;
    let clients: Vec<Client> = j
        .opened
        .lock()
        .map(|mut v| v.drain(..).collect())
        .unwrap_or_default();
    for c in clients {
        let _ = c.close().await;
    }
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("the journey was cancelled: {e}");
    }
}

impl Journey {
    /// A fresh browser: its own profile, its own download folder, 1280×800.
    pub async fn browser(&self, js: Js) -> Browser {
        let profile = self.world.dir.join(crate::http::unique("profile-"));
        let downloads = profile.join("downloads");
        std::fs::create_dir_all(&downloads).expect("the scratch dir is writable");
        let mut prefs = json!({
            "download.default_directory": downloads,
            "download.prompt_for_download": false,
            "intl.accept_languages": "vi,en",
        });
        if js == Js::Off {
            prefs["profile.managed_default_content_settings.javascript"] = json!(2);
        }
        let caps = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": world::CHROMIUM,
                "args": [
                    "--headless=new",
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                    "--no-first-run",
                    // Containers often have a tiny /dev/shm; Chromium then crashes.
                    "--disable-dev-shm-usage",
                    "--window-size=1280,800",
                    format!("--user-data-dir={}", profile.display()),
                ],
                "prefs": prefs,
            }
        });
        let Value::Object(caps) = caps else {
            unreachable!("a JSON object literal")
        };
        let c = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&self.world.driver)
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "chromedriver at {} would not start Chromium: {e}",
                    self.world.driver
                )
            });
        if let Ok(mut v) = self.opened.lock() {
            v.push(c.clone());
        }
        let b = Browser {
            c,
            base: self.world.base.clone(),
            driver: self.world.driver.clone(),
            downloads,
        };
        b.viewport(1280, 800).await;
        b
    }
}

pub struct Browser {
    pub c: Client,
    base: String,
    driver: String,
    pub downloads: PathBuf,
}

fn fail<T, E: std::fmt::Display>(what: impl std::fmt::Display) -> impl FnOnce(E) -> T {
    move |e| panic!("{what}: {e}")
}

impl Browser {
    pub async fn goto(&self, path: &str) {
        self.c
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(fail(format!("opening {path}")));
    }

    pub async fn path(&self) -> String {
        self.c
            .current_url()
            .await
            .map(|u| u.path().to_owned())
            .unwrap_or_default()
    }

    pub async fn find(&self, css: &str) -> fantoccini::elements::Element {
        self.c
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(fail(format!(
                "no element {css} on {}; the page says: {}",
                self.path().await,
                self.text().await
            )))
    }

    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(fail(format!("clicking {css}")));
    }

    /// Clicks a form's button and waits for the page its post leads to.
    /// Without the wait, a navigation right after races the post's redirect,
    /// and the redirect can win (a grade button that redirects to its own
    /// page, an editor at …/new saving to …/{id}): the old document is marked
    /// and the wait ends when a document without the mark has loaded.
    pub async fn submit(&self, css: &str) {
        self.js("window.__meritPosted = true").await;
        self.click(css).await;
        let deadline = Instant::now() + PATIENCE;
        let loaded = "return window.__meritPosted === undefined \
                      && document.readyState === 'complete'";
        while self.c.execute(loaded, Vec::new()).await.ok() != Some(Value::Bool(true)) {
            if Instant::now() > deadline {
                panic!(
                    "waited {PATIENCE:?} for the page after clicking {css}, still on {}: {}",
                    self.path().await,
                    self.text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the button or link whose text contains `label`.
    pub async fn click_labelled(&self, css: &str, label: &str) {
        let all = self.c.find_all(Locator::Css(css)).await.unwrap_or_default();
        for e in all {
            if e.text().await.unwrap_or_default().contains(label) {
                e.click()
                    .await
                    .unwrap_or_else(fail(format!("clicking {css} “{label}”")));
                return;
            }
        }
        panic!(
            "no {css} labelled “{label}” on {}; the page says: {}",
            self.path().await,
            self.text().await
        );
    }

    /// Types into a field, replacing what was there.
    pub async fn fill(&self, css: &str, text: &str) {
        let e = self.find(css).await;
        e.clear()
            .await
            .unwrap_or_else(fail(format!("clearing {css}")));
        e.send_keys(text)
            .await
            .unwrap_or_else(fail(format!("typing into {css}")));
    }

    pub async fn select(&self, css: &str, value: &str) {
        self.find(css)
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(fail(format!("choosing {value} in {css}")));
    }

    pub async fn js(&self, script: &str) -> Value {
        self.c
            .execute(script, Vec::new())
            .await
            .unwrap_or_else(fail(format!("running script {script}")))
    }

    /// What a person reads on the page.
    pub async fn text(&self) -> String {
        self.c
            .execute(
                "return document.body ? document.body.innerText : ''",
                Vec::new(),
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    pub async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .ok()
            .flatten()
            .unwrap_or_default()
    }

    pub async fn checked(&self, css: &str) -> bool {
        self.find(css).await.is_selected().await.unwrap_or(false)
    }

    /// Waits until the page's text contains `needle`; returns that text.
    pub async fn wait_text(&self, needle: &str) -> String {
        self.wait_text_for(needle, PATIENCE).await
    }

    pub async fn wait_text_for(&self, needle: &str, limit: Duration) -> String {
        let deadline = Instant::now() + limit;
        loop {
            let t = self.text().await;
            if t.contains(needle) {
                return t;
            }
            if Instant::now() > deadline {
                panic!(
                    "waited {limit:?} for “{needle}” on {}; the page says: {t}",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Waits until the element's text contains `needle`.
    pub async fn wait_element_text(&self, css: &str, needle: &str) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let t = match self.c.find(Locator::Css(css)).await {
                Ok(e) => e.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if t.contains(needle) {
                return t;
            }
            if Instant::now() > deadline {
                panic!(
                    "waited for “{needle}” in {css} on {}; it says “{t}”",
                    self.path().await
                );
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn wait_path(&self, prefix: &str) {
        self.wait_path_for(prefix, PATIENCE).await
    }

    pub async fn wait_path_for(&self, prefix: &str, limit: Duration) {
        self.wait_path_until(&format!("to reach {prefix}"), limit, |p| {
            p.starts_with(prefix)
        })
        .await
    }

    async fn wait_path_until(&self, what: &str, limit: Duration, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            let p = self.path().await;
            if done(&p) {
                return;
            }
            if Instant::now() > deadline {
                panic!(
                    "waited {limit:?} {what}, still on {p}: {}",
                    self.text().await
                );
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    pub async fn sign_in(&self, login: &str, password: &str) {
        self.goto("/sign-in").await;
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.click("form[action='/sign-in'] button[type=submit]")
            .await;
        let deadline = Instant::now() + PATIENCE;
        while self.path().await.starts_with("/sign-in") {
            assert!(
                Instant::now() < deadline,
                "sign-in of {login} did not leave the sign-in page: {}",
                self.text().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn sign_out(&self) {
        self.click("form[action='/sign-out'] button").await;
        self.find("a[href='/sign-in']").await;
    }

    /// Presses keys on whatever has the focus, as a keyboard would.
    pub async fn press(&self, keys: &[Key]) {
        let mut actions = KeyActions::new("keyboard".into());
        for k in keys {
            actions = actions
                .then(KeyAction::Down { value: (*k).into() })
                .then(KeyAction::Up { value: (*k).into() });
        }
        self.c
            .perform_actions(actions)
            .await
            .unwrap_or_else(fail("pressing keys"));
    }

    /// Sizes the window so the page itself gets `width` × `height` CSS pixels
    /// (the window's own frame is not counted).
    pub async fn viewport(&self, width: u32, height: u32) {
        let frame = self
            .js("return [window.outerWidth - window.innerWidth, window.outerHeight - window.innerHeight]")
            .await;
        let px = |i: usize| u32::try_from(frame[i].as_u64().unwrap_or(0)).unwrap_or(0);
        self.c
            .set_window_size(width + px(0), height + px(1))
            .await
            .unwrap_or_else(fail(format!("resizing to {width}×{height}")));
    }

    /// Takes the focus off everything, as if the page had just loaded.
    pub async fn unfocus(&self) {
        self.js(
            "if (document.activeElement) document.activeElement.blur(); window.scrollTo(0, 0);",
        )
        .await;
    }

    /// Saves a PNG of the window into `target/tmp/screenshots/NAME.png`.
    pub async fn screenshot(&self, name: &str) {
        let png = self
            .c
            .screenshot()
            .await
            .unwrap_or_else(fail(format!("screenshot {name}")));
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screenshots");
        std::fs::create_dir_all(&dir).expect("the target dir is writable");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("the target dir is writable");
    }

    /// Cuts this browser off the network (and back) with Chromium's network
    /// emulation, as a candidate's Wi-Fi dropping would: the page stays, its
    /// requests fail.
    pub async fn offline(&self, offline: bool) {
        let session = self
            .c
            .session_id()
            .await
            .ok()
            .flatten()
            .expect("a WebDriver session");
        let body = json!({"network_conditions": {
            "offline": offline, "latency": 0,
            "download_throughput": -1, "upload_throughput": -1
        }});
        let req = hyper::Request::post(format!(
            "{}/session/{session}/chromium/network_conditions",
            self.driver
        ))
        .header(hyper::header::CONTENT_TYPE, "application/json")
        .body(http_body_util::Full::new(hyper::body::Bytes::from(
            body.to_string(),
        )))
        .expect("a well-formed request");
        let r = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http()
            .request(req)
            .await
            .unwrap_or_else(fail("setting network conditions"));
        assert!(
            r.status().is_success(),
            "chromedriver refused network conditions: {}",
            r.status()
        );
    }

    /// Files that finished downloading (Chromium writes `.crdownload` first).
    pub async fn wait_download(&self, suffix: &str) -> PathBuf {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Ok(dir) = std::fs::read_dir(&self.downloads) {
                for e in dir.flatten() {
                    let p = e.path();
                    if p.to_string_lossy().ends_with(suffix) {
                        return p;
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "no *{suffix} arrived in {}",
                self.downloads.display()
            );
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }
}

/// Checks every visible form control has a name a screen reader can read.
pub async fn every_control_is_labelled(b: &Browser) {
    let bad = b
        .js(r#"
var bad = [];
document.querySelectorAll('input, select, textarea').forEach(function (el) {
  if (el.type === 'hidden' || el.hidden || el.closest('[hidden]')) return;
  var named = (el.getAttribute('aria-label') || '').trim() !== '' ||
    (el.getAttribute('aria-labelledby') || '').trim() !== '' ||
    (el.getAttribute('title') || '').trim() !== '' ||
    Array.prototype.some.call(el.labels || [], function (l) { return l.textContent.trim() !== ''; });
  if (!named) bad.push(el.outerHTML.slice(0, 160));
});
return bad;"#)
        .await;
    let path = b.path().await;
    assert_eq!(
        bad,
        json!([]),
        "{path}: these controls have no label or aria-label"
    );
}

/// Tabs through the first few focusable things and checks each shows where the
/// focus is (an outline or a box shadow).
pub async fn focus_is_visible(b: &Browser) {
    b.unfocus().await;
    for _ in 1..=6 {
        if !tab_and_see_focus(b, None).await {
            break;
        }
    }
}

/// Presses Tab until `css` has the focus (failing after 80 presses), checking
/// on the way that every stop shows where the focus is.
pub async fn tab_to(b: &Browser, css: &str) {
    b.unfocus().await;
    for _ in 0..80 {
        if tab_and_see_focus(b, Some(css)).await {
            return;
        }
    }
    panic!(
        "80 presses of Tab never reached {css} on {}",
        b.path().await
    );
}

/// One Tab; fails if the focused element shows no outline or box shadow.
/// Returns whether `target` (or, with none, anything) now has the focus.
async fn tab_and_see_focus(b: &Browser, target: Option<&str>) -> bool {
    b.press(&[Key::Tab]).await;
    let script = format!(
        r#"
var el = document.activeElement;
if (!el || el === document.body) return {{none: true}};
var s = getComputedStyle(el);
var outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
var shadow = s.boxShadow && s.boxShadow !== 'none';
var target = {target};
return {{ok: outline || shadow, what: el.outerHTML.slice(0, 120),
        there: target === null || el === document.querySelector(target)}};"#,
        target = json!(target)
    );
    let seen = b.js(&script).await;
    if seen["none"] == json!(true) {
        return false;
    }
    assert_eq!(
        seen["ok"],
        json!(true),
        "{}: the focused element shows no outline: {}",
        b.path().await,
        seen["what"]
    );
    seen["there"] == json!(true)
}

/// A message as the Vietnamese interface (the default) shows it.
pub fn vi(key: &str) -> String {
    merit::web::i18n::VI
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("no key {key} in vi.toml"))
}

/// A message as the English interface shows it.
pub fn en(key: &str) -> String {
    merit::web::i18n::EN
        .get(key)
        .cloned()
        .unwrap_or_else(|| panic!("no key {key} in en.toml"))
}

/// Catalog sections: a raw key on a page looks like `exam.saved`.
fn key_sections() -> Vec<String> {
    let mut sections: Vec<String> = merit::web::i18n::EN
        .keys()
        .filter_map(|k| k.split_once('.').map(|(s, _)| s.to_owned()))
        .collect();
    sections.sort();
    sections.dedup();
    sections
}

/// Fails when the page shows a catalog key instead of its text: a missing
/// translation renders as the key itself (`lookup` in src/web/i18n.rs).
pub async fn no_raw_keys(b: &Browser) {
    let text = format!(
        "{} {}",
        b.text().await,
        b.c.title().await.unwrap_or_default()
    );
    let raw = raw_keys(&text, &key_sections());
    assert!(
        raw.is_empty(),
        "{}: untranslated keys on the page: {raw:?}",
        b.path().await
    );
}

/// Words shaped like a catalog key of one of `sections` (`exam.saved`), or like
/// a stored code shown as it is (`in_progress`) instead of through the catalog.
fn raw_keys(text: &str, sections: &[String]) -> Vec<String> {
    let lower_code = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.')
    };
    let mut raw = Vec::new();
    for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.' || c == '_')) {
        let word = word.trim_matches('.');
        let key = word.split_once('.').is_some_and(|(section, rest)| {
            sections.iter().any(|s| s == section) && !rest.is_empty() && lower_code(rest)
        });
        let code = !word.contains('.')
            && lower_code(word)
            && word.split('_').filter(|p| !p.is_empty()).count() >= 2;
        if key || code {
            raw.push(word.to_owned());
        }
    }
    raw
}

#[test]
fn raw_keys_and_codes_are_found_and_usernames_files_and_emails_are_not() {
    let sections = key_sections();
    assert_eq!(
        raw_keys(
            "Đã lưu exam.saved lúc 09:00. Xem results.not_released.",
            &sections
        ),
        ["exam.saved", "results.not_released"]
    );
    assert!(
        raw_keys(
            "demo.personnel merit.db thisinh01@example.vn 1.5 điểm, v1.2",
            &sections
        )
        .is_empty()
    );
}
