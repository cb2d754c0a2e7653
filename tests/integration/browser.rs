//! The page and the widget in a real headless Chromium, driven through
//! WebDriver (chromedriver + fantoccini), against a `wenda serve` process
//! over the bundled corpus: suggestions for Chinese and initials, a pick
//! with the keyboard, results and a topic filter, an article with its
//! steps, topic browsing, a chat with a clarifying choice and steps one at
//! a time, the agent view on a ticket, and the widget embedded in a page of
//! another origin (allowed with `--cors-origin`, refused without).
//! Screenshots at phone (390 px) and desktop (1280 px) widths go to
//! `target/screenshots/`.
//!
//! Without `chromium` and `chromedriver` the test says so in one line and
//! passes, unless `WENDA_REQUIRE_BROWSER=1` (CI) makes that a failure.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fantoccini::key::Key;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

use crate::common::repo;
use crate::harness::{Process, agent, free_addr, get};

/// Longest wait for the page to reach a state: a guard against hanging,
/// not a timing assertion.
const PATIENCE: Duration = Duration::from_secs(20);

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in names {
            let candidate = dir.join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
    }
    None
}

/// chromium and chromedriver, or `None` (having said why) when they are
/// missing and not required.
fn browser_tools() -> Option<(PathBuf, PathBuf)> {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        (c, d) => {
            let missing: Vec<&str> = [("chromium", c.is_none()), ("chromedriver", d.is_none())]
                .into_iter()
                .filter(|(_, m)| *m)
                .map(|(n, _)| n)
                .collect();
            let required = std::env::var("WENDA_REQUIRE_BROWSER").is_ok_and(|v| v == "1");
            assert!(
                !required,
                "WENDA_REQUIRE_BROWSER=1 but {} not found on PATH",
                missing.join(" and ")
            );
            eprintln!(
                "skipped: browser tests need {} (apt-get install chromium chromium-driver)",
                missing.join(" and ")
            );
            None
        }
    }
}

/// A chromedriver process, killed when dropped.
struct Driver {
    url: String,
    child: Child,
}

impl Driver {
    fn start(program: &Path, dir: &Path) -> Driver {
        let addr = free_addr();
        let port = addr.rsplit(':').next().unwrap().to_string();
        let child = Command::new(program)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("chromedriver.log")).unwrap())
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://{addr}");
        let client = agent();
        let start = Instant::now();
        loop {
            if let Ok((200, body, _)) = get(&client, &format!("{url}/status"), None)
                && body["value"]["ready"] == true
            {
                break;
            }
            assert!(start.elapsed() < PATIENCE, "chromedriver did not come up");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver { url, child }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A tiny web server for one HTML page, on its own port (another origin).
struct Site {
    origin: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Site {
    fn start(page: Arc<Mutex<String>>) -> Site {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                        let mut head = Vec::new();
                        let mut buf = [0u8; 1024];
                        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                            match stream.read(&mut buf) {
                                Ok(0) | Err(_) => break,
                                Ok(n) => head.extend_from_slice(&buf[..n]),
                            }
                        }
                        let line = String::from_utf8_lossy(&head);
                        let found = line.starts_with("GET / ");
                        let body = if found {
                            page.lock().unwrap().clone()
                        } else {
                            String::new()
                        };
                        let status = if found { "200 OK" } else { "404 Not Found" };
                        let _ = write!(
                            stream,
                            "HTTP/1.1 {status}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                            body.len()
                        );
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(10)),
                }
            }
        });
        Site {
            origin,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// One browser session and what the steps share.
struct Page {
    c: Client,
    base: String,
    shots: PathBuf,
}

impl Page {
    /// Runs `script` (a function body returning a value) until it returns
    /// something other than null, false or "" and returns that.
    async fn until(&self, what: &str, script: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.c.execute(script, vec![]).await.expect("script runs");
            if !(v.is_null() || v == false || v == "") {
                return v;
            }
            assert!(start.elapsed() < PATIENCE, "gave up waiting for {what}");
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    }

    async fn js(&self, script: &str) -> Value {
        self.c.execute(script, vec![]).await.expect("script runs")
    }

    async fn shot(&self, name: &str) {
        let png = self.c.screenshot().await.expect("screenshot");
        std::fs::write(self.shots.join(name), png).unwrap();
    }

    async fn width(&self, w: u32, h: u32) {
        self.c.set_window_size(w, h).await.expect("window size");
    }

    /// The search widget's input (inside its shadow root).
    async fn search_input(&self, host: &str) -> fantoccini::elements::Element {
        let host = self.c.find(Locator::Css(host)).await.expect("widget");
        host.shadow_root()
            .await
            .expect("shadow root")
            .find(Locator::Css("input"))
            .await
            .expect("input")
    }

    async fn type_into_search(&self, host: &str, text: &str) {
        let input = self.search_input(host).await;
        input.clear().await.expect("clear");
        input.click().await.expect("focus");
        input.send_keys(text).await.expect("type");
    }

    async fn click_css(&self, css: &str) {
        self.c
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("{css}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }
}

/// The visible suggestions of a widget (`host` a CSS selector) once any.
const SUGGESTIONS: &str = "const r = document.querySelector(HOST).shadowRoot;
    const l = r.querySelector('[role=listbox]');
    if (l.hidden || !l.children.length) return null;
    return [...l.children].map(li => ({
        text: li.querySelector('.opt-text').textContent,
        marked: [...li.querySelectorAll('mark')].map(m => m.textContent).join(''),
        kind: li.dataset.kind, id: li.id, article: li.dataset.article || null,
        selected: li.getAttribute('aria-selected') }));";

fn with_host(script: &str, host: &str) -> String {
    script.replace("HOST", &format!("'{host}'"))
}

fn texts(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect()
}

/// Lines of the click log once one names `id`.
fn logged_click(logs: &Path, id: &str) -> Value {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(logs.join("clicks.jsonl")).unwrap_or_default();
        if let Some(v) = text
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|v| v["article_id"] == id)
        {
            return v;
        }
        assert!(
            start.elapsed() < PATIENCE,
            "no click on {id} logged: {text}"
        );
        std::thread::sleep(Duration::from_millis(40));
    }
}

#[test]
fn the_page_and_the_widget_work_in_a_real_browser() {
    let Some((chromium, chromedriver)) = browser_tools() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    let embed_page = Arc::new(Mutex::new(String::new()));
    let allowed = Site::start(embed_page.clone());
    let refused = Site::start(embed_page.clone());
    let corpus = repo().join("corpus");
    let index = dir.path().join("index");
    let wenda = Process::start(
        dir.path(),
        "browser",
        &[
            "--corpus",
            corpus.to_str().unwrap(),
            "--index",
            index.to_str().unwrap(),
            "--log-dir",
            logs.to_str().unwrap(),
            "--cors-origin",
            &allowed.origin,
        ],
        &[],
    );
    // The customer's page: one script tag and the element, nothing else.
    *embed_page.lock().unwrap() = format!(
        "<!doctype html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Partner site</title>\
         <script src=\"{}/widget.js\" defer></script></head>\
         <body style=\"margin:24px;font-family:sans-serif\"><h1>Our partner portal</h1>\
         <wenda-search id=\"w\" placeholder=\"搜索帮助\"></wenda-search></body></html>",
        wenda.base
    );
    let driver = Driver::start(&chromedriver, dir.path());
    let profile = dir.path().join("chromium-profile");
    std::fs::create_dir_all(&profile).unwrap();
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), json!("chrome"));
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": chromium.to_str().unwrap(),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.display()),
            ],
        }),
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a browser session");
        let page = Page {
            c: c.clone(),
            base: wenda.base.clone(),
            shots: screenshots(),
        };
        let (allowed, refused) = (allowed.origin.clone(), refused.origin.clone());
        // The steps run as a task so that a failing one still ends the
        // browser session (and with it the browser) before the test fails.
        let outcome =
            tokio::spawn(async move { steps(&page, &logs, &allowed, &refused).await }).await;
        let _ = c.close().await;
        if let Err(e) = outcome
            && e.is_panic()
        {
            std::panic::resume_unwind(e.into_panic());
        }
    });
}

async fn steps(p: &Page, logs: &Path, allowed: &str, refused: &str) {
    p.width(1280, 900).await;
    p.c.goto(&format!("{}/", p.base)).await.unwrap();
    p.until(
        "the topic tree",
        "return document.querySelectorAll('#topic-tree a').length > 3;",
    )
    .await;
    p.until(
        "the article list",
        "return document.querySelectorAll('#content .list li').length;",
    )
    .await;
    p.shot("desktop-home.png").await;

    // 「代金」: completions with the typed part marked; the page below
    // does not move while the list is open.
    let content_top =
        "return Math.round(document.getElementById('content').getBoundingClientRect().top);";
    let before = p.js(content_top).await;
    p.type_into_search("#search", "代金").await;
    let shown = p
        .until("suggestions for 代金", &with_host(SUGGESTIONS, "#search"))
        .await;
    assert!(
        texts(&shown).iter().any(|t| t.contains("代金券")),
        "{shown}"
    );
    assert!(
        shown
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["marked"] == "代金"),
        "{shown}"
    );
    assert_eq!(p.js(content_top).await, before, "layout moved while typing");
    p.shot("desktop-suggest.png").await;

    // `djq`: initials complete 代金券; pick the word with ↓ and Enter.
    p.type_into_search("#search", "djq").await;
    let shown = p
        .until(
            "suggestions for djq",
            &with_host(
                &format!("const s = (() => {{ {SUGGESTIONS} }})(); return s && s.some(x => x.text === '代金券' && x.marked === '代金券') ? s : null;"),
                "#search",
            ),
        )
        .await;
    let list = shown.as_array().unwrap();
    let at = list
        .iter()
        .position(|s| s["text"] == "代金券" && s["kind"] == "word")
        .unwrap_or_else(|| panic!("the word 代金券 among {shown}"));
    let input = p.search_input("#search").await;
    for _ in 0..=at {
        input.send_keys(&Key::Down).await.unwrap();
    }
    let active = p
        .js("return document.querySelector('#search').shadowRoot.querySelector('input').getAttribute('aria-activedescendant');")
        .await;
    assert_eq!(
        active, list[at]["id"],
        "aria-activedescendant follows the arrow keys"
    );
    let selected = p.js(&with_host(SUGGESTIONS, "#search")).await;
    assert_eq!(selected[at]["selected"], "true");
    input.send_keys(&Key::Enter).await.unwrap();

    // Results for 代金券 with breadcrumbs and step counts, then a topic filter.
    let hits = p
        .until(
            "results for 代金券",
            "const r = document.querySelector('#search').shadowRoot;
             const hits = [...r.querySelectorAll('.hit')];
             if (!hits.length || r.querySelector('[aria-busy]')) return null;
             return { value: r.querySelector('input').value, status: r.querySelector('.status').textContent,
                      hits: hits.map(h => ({ id: h.dataset.id, crumbs: [...h.querySelectorAll('.crumbs span')].map(s => s.textContent),
                                             steps: (h.querySelector('.steps') || {}).textContent || '' })),
                      chips: [...r.querySelectorAll('.chip')].map(c => ({ topic: c.dataset.topic, pressed: c.getAttribute('aria-pressed') })) };",
        )
        .await;
    assert_eq!(hits["value"], "代金券");
    assert!(hits["status"].as_str().unwrap().contains("找到"), "{hits}");
    assert!(
        hits["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| !h["steps"].as_str().unwrap().is_empty()),
        "a step count shows: {hits}"
    );
    let all = hits["hits"].as_array().unwrap().len();
    let chips = hits["chips"].as_array().unwrap();
    let facet = chips
        .iter()
        .find(|c| !c["topic"].as_str().unwrap().is_empty())
        .unwrap_or_else(|| panic!("a topic facet: {hits}"))["topic"]
        .as_str()
        .unwrap()
        .to_string();
    p.shot("desktop-results.png").await;
    p.js(&format!(
        "document.querySelector('#search').shadowRoot.querySelector('.chip[data-topic=\"{facet}\"]').click(); return true;"
    ))
    .await;
    let filtered = p
        .until(
            "results under the facet",
            &format!(
                "const r = document.querySelector('#search').shadowRoot;
                 const chip = r.querySelector('.chip[data-topic=\"{facet}\"]');
                 if (!chip || chip.getAttribute('aria-pressed') !== 'true' || r.querySelector('[aria-busy]')) return null;
                 return [...r.querySelectorAll('.hit')].map(h => [...h.querySelectorAll('.crumbs span')].map(s => s.textContent).join(' > '));"
            ),
        )
        .await;
    let filtered: Vec<String> = filtered
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert!(!filtered.is_empty());
    assert!(
        filtered.iter().all(|t| t.starts_with(&facet)),
        "{facet}: {filtered:?}"
    );
    assert!(filtered.len() < all, "the filter narrows {all} results");

    // Open the first result: the article view with numbered steps; the
    // click is logged for ranking.
    let first = p
        .js("const a = document.querySelector('#search').shadowRoot.querySelector('.hit a.title'); const id = a.dataset.id; a.click(); return id;")
        .await;
    let first = first.as_str().unwrap().to_string();
    let article = p
        .until(
            "the article view",
            "const h = document.getElementById('article-title'); const s = document.querySelectorAll('#content ol.steps > li');
             return h && s.length ? { title: h.textContent, steps: s.length, hash: location.hash,
                                      crumbs: [...document.querySelectorAll('#content .crumbs li')].map(l => l.textContent) } : null;",
        )
        .await;
    assert_eq!(article["hash"], format!("#/article/{}", first), "{article}");
    assert!(article["steps"].as_u64().unwrap() >= 2, "{article}");
    assert!(
        article["crumbs"].as_array().unwrap().len() >= 2,
        "breadcrumb with the topic: {article}"
    );
    let click = logged_click(logs, &first);
    assert_eq!(click["query"], "代金券");
    assert_eq!(click["position"], 1);
    p.shot("desktop-article.png").await;

    // Browse a topic from the tree.
    p.click_css("#topic-tree a[data-topic=\"客户业务\"]").await;
    let listing = p
        .until(
            "the topic listing",
            "const h = document.querySelector('#content h1');
             return h && h.textContent === '客户业务' ? [...document.querySelectorAll('#content .list a.title')].map(a => a.textContent) : null;",
        )
        .await;
    let tree_count = p
        .js("return Number(document.querySelector('#topic-tree a[data-topic=\"客户业务\"] .n').textContent);")
        .await;
    assert_eq!(
        listing.as_array().unwrap().len() as u64,
        tree_count.as_u64().unwrap(),
        "{listing}"
    );
    assert_eq!(
        p.js("return document.querySelector('#topic-tree a[aria-current=page]').dataset.topic;")
            .await,
        "客户业务"
    );
    p.shot("desktop-topic.png").await;

    // Chat: a question two articles fit, the choice as a button, then the
    // steps one at a time, and a handoff shown as such.
    p.click_css(".tabs a[data-view=chat]").await;
    let chat_input = p.c.find(Locator::Id("chat-input")).await.unwrap();
    chat_input.send_keys("代金券").await.unwrap();
    chat_input.send_keys(&Key::Enter).await.unwrap();
    let choices = p
        .until(
            "a clarifying question",
            "const m = [...document.querySelectorAll('#chat-log .msg.bot[data-status=clarify]')].pop();
             return m ? [...m.querySelectorAll('.choices button')].map(b => b.textContent) : null;",
        )
        .await;
    assert!(choices.as_array().unwrap().len() >= 2, "{choices}");
    let chosen = choices[1].as_str().unwrap().to_string();
    p.js("[...document.querySelectorAll('#chat-log .msg.bot[data-status=clarify]')].pop().querySelectorAll('.choices button')[1].click(); return true;")
        .await;
    let answered = p
        .until(
            "the chosen answer",
            "const m = [...document.querySelectorAll('#chat-log .msg.bot[data-status=answered]')].pop();
             return m ? { title: m.querySelector('strong').textContent, start: !!m.querySelector('.actions button') } : null;",
        )
        .await;
    assert_eq!(answered["title"], chosen.as_str());
    assert_eq!(answered["start"], true, "{answered}");
    p.js("[...document.querySelectorAll('#chat-log .msg.bot[data-status=answered]')].pop().querySelector('.actions button').click(); return true;")
        .await;
    let step = p
        .until(
            "the first step",
            "const m = [...document.querySelectorAll('#chat-log .msg.bot[data-reason=step]')].pop();
             return m ? m.querySelector('.step-no').textContent : null;",
        )
        .await;
    assert!(step.as_str().unwrap().starts_with("第 1 步"), "{step}");
    p.js("const b = [...[...document.querySelectorAll('#chat-log .msg.bot[data-reason=step]')].pop().querySelectorAll('.actions button')].find(b => b.textContent === '下一步'); b.click(); return true;")
        .await;
    p.until(
        "the second step",
        "return [...document.querySelectorAll('#chat-log .msg.bot[data-reason=step] .step-no')].some(s => s.textContent.startsWith('第 2 步'));",
    )
    .await;
    let chat_input = p.c.find(Locator::Id("chat-input")).await.unwrap();
    chat_input.send_keys("转人工").await.unwrap();
    chat_input.send_keys(&Key::Enter).await.unwrap();
    p.until(
        "a handoff",
        "const m = document.querySelector('#chat-log .msg.handoff'); return m ? m.textContent : null;",
    )
    .await;
    p.shot("desktop-chat.png").await;

    // The agent view: a ticket read into questions with their articles; an
    // article swapped for another candidate rewrites the draft; nothing of
    // the noise (order number, signature phone) is in the draft.
    p.click_css(".tabs a[data-view=agent]").await;
    p.click_css("#ticket-sample").await;
    p.click_css("#ticket-form button[type=submit]").await;
    let rows = p
        .until(
            "the questions of the ticket",
            "const rows = [...document.querySelectorAll('.qrow')]; const d = document.getElementById('draft').value;
             return rows.length && d ? { rows: rows.map(r => ({ n: r.dataset.n, status: r.dataset.status,
                 title: (r.querySelector('.aside h3') || {}).textContent || null,
                 options: r.querySelector('select') ? [...r.querySelectorAll('select option')].map(o => o.value).filter(Boolean) : [] })),
                 draft: d } : null;",
        )
        .await;
    let list = rows["rows"].as_array().unwrap();
    assert!(list.len() >= 3, "{rows}");
    let draft = rows["draft"].as_str().unwrap();
    assert!(draft.starts_with("您好"), "{draft}");
    for noise in ["CS2026030188213", "028-6511", "赵磊"] {
        assert!(!draft.contains(noise), "{noise} in the draft: {draft}");
    }
    let row = list
        .iter()
        .find(|r| !r["title"].is_null() && !r["options"].as_array().unwrap().is_empty())
        .unwrap_or_else(|| panic!("an answered question with other candidates: {rows}"));
    let n = row["n"].as_str().unwrap().to_string();
    let other = row["options"][0].as_str().unwrap().to_string();
    let option =
        p.c.find(Locator::Css(&format!(
            "#swap-{n} option[value=\"{other}\"]"
        )))
        .await
        .unwrap();
    p.click_css(&format!("#swap-{n}")).await;
    option.click().await.unwrap();
    let swapped = p
        .until(
            "the swapped article",
            &format!(
                "const r = document.querySelector('.qrow[data-n=\"{n}\"] .aside h3 a');
                 return r && r.getAttribute('href') === '#/article/' + encodeURIComponent('{other}') ? document.getElementById('draft').value : null;"
            ),
        )
        .await;
    assert!(
        swapped
            .as_str()
            .unwrap()
            .contains(&format!("/articles/{other}")),
        "the draft links the picked article: {swapped}"
    );
    p.click_css("#draft-copy").await;
    let copied = p
        .until(
            "the copy",
            "return document.getElementById('draft-status').textContent;",
        )
        .await;
    assert!(
        ["已复制到剪贴板", "已选中草稿，请按 Ctrl+C 复制"].contains(&copied.as_str().unwrap()),
        "{copied}"
    );
    p.shot("desktop-agent.png").await;

    // Phone width: nothing wider than the screen, and the same flows fit.
    p.width(390, 844).await;
    p.c.goto(&format!("{}/", p.base)).await.unwrap();
    p.until(
        "the article list",
        "return document.querySelectorAll('#content .list li').length;",
    )
    .await;
    let overflow = "return document.documentElement.scrollWidth - window.innerWidth;";
    assert_eq!(p.js(overflow).await, 0, "the page scrolls sideways");
    p.shot("phone-home.png").await;
    p.type_into_search("#search", "djq").await;
    p.until(
        "suggestions at phone width",
        &with_host(SUGGESTIONS, "#search"),
    )
    .await;
    p.shot("phone-suggest.png").await;
    p.c.goto(&format!("{}/articles/{}", p.base, first))
        .await
        .unwrap();
    p.until(
        "the article at phone width",
        "return document.querySelectorAll('#content ol.steps > li').length;",
    )
    .await;
    assert_eq!(p.js(overflow).await, 0, "the article scrolls sideways");
    p.shot("phone-article.png").await;
    p.c.goto(&format!("{}/#/chat", p.base)).await.unwrap();
    let chat_input = p.c.find(Locator::Id("chat-input")).await.unwrap();
    chat_input.send_keys("PO提交了还能撤回吗").await.unwrap();
    chat_input.send_keys(&Key::Enter).await.unwrap();
    p.until(
        "an answer at phone width",
        "return document.querySelectorAll('#chat-log .msg.user').length && !document.querySelector('#chat-log [aria-busy]')
                && document.querySelectorAll('#chat-log .msg.bot').length >= 2;",
    )
    .await;
    assert_eq!(p.js(overflow).await, 0, "the chat scrolls sideways");
    p.shot("phone-chat.png").await;
    p.c.goto(&format!("{}/#/agent", p.base)).await.unwrap();
    p.click_css("#ticket-sample").await;
    p.click_css("#ticket-form button[type=submit]").await;
    p.until(
        "the agent view at phone width",
        "return document.querySelectorAll('.qrow').length;",
    )
    .await;
    assert_eq!(p.js(overflow).await, 0, "the agent view scrolls sideways");
    p.shot("phone-agent.png").await;

    // The widget on another origin: allowed by --cors-origin, it suggests,
    // searches, reports the click and opens the article on the wenda page.
    p.width(1280, 900).await;
    p.c.goto(&format!("{allowed}/")).await.unwrap();
    p.type_into_search("#w", "djq").await;
    let shown = p
        .until("suggestions across origins", &with_host(SUGGESTIONS, "#w"))
        .await;
    assert!(texts(&shown).iter().any(|t| t == "代金券"), "{shown}");
    let input = p.search_input("#w").await;
    input.send_keys(&Key::Escape).await.unwrap();
    p.type_into_search("#w", "线下邀请客户").await;
    input.send_keys(&Key::Enter).await.unwrap();
    let id = p
        .until(
            "results across origins",
            "const r = document.querySelector('#w').shadowRoot; const a = r.querySelector('.hit a.title'); return a ? a.dataset.id : null;",
        )
        .await;
    let id = id.as_str().unwrap().to_string();
    // Suggestions still on their way when Enter searched stay away.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        p.js(
            "return document.querySelector('#w').shadowRoot.querySelector('[role=listbox]').hidden;"
        )
        .await,
        true,
        "the suggestion list stays closed over the results"
    );
    p.shot("desktop-embed.png").await;
    p.js("document.querySelector('#w').shadowRoot.querySelector('.hit a.title').click(); return true;")
        .await;
    let opened = p
        .until(
            "the article on the wenda page",
            "const h = document.getElementById('article-title'); return h ? location.origin + ' ' + h.textContent : null;",
        )
        .await;
    assert!(opened.as_str().unwrap().starts_with(&p.base), "{opened}");
    let click = logged_click(logs, &id);
    assert_eq!(click["query"], "线下邀请客户");

    // From an origin the server was not told about, the browser refuses
    // the API: the widget says search is unavailable.
    p.c.goto(&format!("{refused}/")).await.unwrap();
    p.type_into_search("#w", "代金券").await;
    let input = p.search_input("#w").await;
    input.send_keys(&Key::Enter).await.unwrap();
    let status = p
        .until(
            "the refused search",
            "const s = document.querySelector('#w').shadowRoot.querySelector('.status').textContent; return s.includes('不可用') ? s : null;",
        )
        .await;
    assert!(status.as_str().unwrap().contains("无法连接"), "{status}");
}
