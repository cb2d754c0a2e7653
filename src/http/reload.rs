//! Live reindex: the engine being served sits behind an [`ArcSwap`], and
//! a [`Reloader`] thread replaces it while requests go on.
//!
//! A rebuild (a corpus change under `--watch`, `POST /api/admin/reindex`,
//! SIGHUP) builds a new generation of the index beside the one being
//! served ([`crate::live`]), opens it and runs a probe search; only then
//! is the generation published (the index link replaced) and the engine
//! swapped. A request holds the [`Live`] snapshot it started with, so it
//! is answered wholly from the old index or wholly from the new one. A
//! build that fails — or a new index that is empty or finds nothing —
//! leaves the old engine serving, and is logged, counted
//! (`wenda_index_builds_total{result="failed"}`) and reported by
//! `GET /api/admin/status`.
//!
//! The same thread follows the index link: when another process (`wenda
//! ingest`, another replica) publishes a generation, it is opened,
//! probed and swapped in the same way.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime};

use arc_swap::ArcSwap;
use notify_debouncer_full::notify::{EventKind, RecommendedWatcher, RecursiveMode};
use notify_debouncer_full::{DebounceEventResult, Debouncer, RecommendedCache, new_debouncer};
use serde::Serialize;
use utoipa::ToSchema;

use super::metrics::Metrics;
use crate::answer::Answerer;
use crate::config::ReloadConfig;
use crate::search::{Engine, Ranking, SearchRequest};
use crate::{Error, Result, live};

/// What one request is served from: an engine and the answerer over it,
/// swapped together.
#[derive(Debug)]
pub struct Live {
    /// The search engine.
    pub engine: Arc<Engine>,
    /// Answers and conversations over that engine.
    pub answerer: Arc<Answerer>,
    /// The index directory (generation) it was opened from, when known.
    pub dir: Option<PathBuf>,
    /// When that index was built.
    pub built: SystemTime,
    /// When it started being served.
    pub loaded: SystemTime,
}

impl Live {
    /// A snapshot of an engine opened from `dir`.
    pub fn new(engine: Arc<Engine>, answerer: Arc<Answerer>, dir: Option<PathBuf>) -> Live {
        let now = SystemTime::now();
        let built = dir
            .as_deref()
            .and_then(|d| std::fs::metadata(d).and_then(|m| m.modified()).ok())
            .unwrap_or(now);
        Live {
            engine,
            answerer,
            dir,
            built,
            loaded: now,
        }
    }
}

/// Why a rebuild ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// A corpus file changed (`--watch`).
    Watch,
    /// `POST /api/admin/reindex`.
    Admin,
    /// SIGHUP.
    Signal,
}

/// How one rebuild ended.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BuildOutcome {
    /// What asked for it.
    pub trigger: Trigger,
    /// `ok` or `failed`.
    pub result: String,
    /// When it started (RFC 3339).
    pub started_at: String,
    /// When it ended (RFC 3339).
    pub finished_at: String,
    /// How long it took.
    pub took_ms: u64,
    /// Articles in the new index (when it was built).
    pub articles: Option<usize>,
    /// The generation directory now served (when it succeeded).
    pub generation: Option<String>,
    /// Why it failed (when it did); the old index is still served.
    pub error: Option<String>,
}

impl BuildOutcome {
    /// Whether the new index is being served.
    pub fn ok(&self) -> bool {
        self.result == "ok"
    }
}

#[derive(Debug, Default)]
struct Progress {
    building: bool,
    trigger: Option<Trigger>,
    last: Option<BuildOutcome>,
    ok: u64,
    failed: u64,
    reloads: u64,
    /// A generation published elsewhere that failed to open or probe.
    refused: Option<PathBuf>,
    last_reload_error: Option<String>,
}

/// Counts of builds and reloads, for `GET /api/admin/status`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReloadReport {
    /// Whether a build is running now.
    pub building: bool,
    /// Whether a rebuild was asked for and has not finished yet.
    pub pending: bool,
    /// Whether corpus changes trigger a build (`--watch`).
    pub watching: bool,
    /// The last build while serving, if any.
    pub last_build: Option<BuildOutcome>,
    /// Builds that were swapped in.
    pub builds_ok: u64,
    /// Builds that failed (the old index stayed).
    pub builds_failed: u64,
    /// Indexes swapped in, by a build here or by following the index link.
    pub reloads: u64,
    /// Why the last generation published elsewhere was refused, if it was.
    pub last_reload_error: Option<String>,
}

/// What a [`Reloader`] works on.
#[derive(Debug, Clone)]
pub struct ReloadSetup {
    /// The index path (a link to the current generation).
    pub link: PathBuf,
    /// The corpus directories it is built from.
    pub corpora: Vec<PathBuf>,
    /// How their files are read.
    pub options: crate::corpus::LoadOptions,
    /// Watching, debounce, polling, generations kept.
    pub config: ReloadConfig,
    /// The ranking new engines get.
    pub ranking: Ranking,
    /// Directories whose changes never trigger a rebuild (the log directory).
    pub ignore: Vec<PathBuf>,
}

/// Paths wenda writes itself, whose changes are not corpus changes: the
/// index link, its generations and staging directories, and the logs (a
/// corpus that holds them would otherwise rebuild forever).
struct OwnPaths {
    parent: PathBuf,
    name: String,
    ignore: Vec<PathBuf>,
}

impl OwnPaths {
    fn new(link: &Path, ignore: Vec<PathBuf>) -> OwnPaths {
        let parent = match link.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        OwnPaths {
            parent: parent.canonicalize().unwrap_or(parent),
            name: link
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            ignore: ignore
                .into_iter()
                .map(|d| d.canonicalize().unwrap_or(d))
                .collect(),
        }
    }

    fn contains(&self, path: &Path) -> bool {
        if self.ignore.iter().any(|d| path.starts_with(d)) {
            return true;
        }
        let Some(first) = path
            .strip_prefix(&self.parent)
            .ok()
            .and_then(|rest| rest.components().next())
        else {
            return false;
        };
        let first = first.as_os_str().to_string_lossy();
        let name = self.name.as_str();
        first == name
            || first.starts_with(&format!("{name}.gen-"))
            || first.starts_with(&format!(".{name}."))
    }
}

/// Rebuilds and reloads the index while the server runs.
pub struct Reloader {
    link: PathBuf,
    corpora: Vec<PathBuf>,
    options: crate::corpus::LoadOptions,
    keep: usize,
    ranking: Ranking,
    live: Arc<ArcSwap<Live>>,
    metrics: Arc<Metrics>,
    progress: Mutex<Progress>,
    requested: AtomicU64,
    done: tokio::sync::watch::Sender<u64>,
    wake: mpsc::Sender<()>,
    watcher: Mutex<Option<Debouncer<RecommendedWatcher, RecommendedCache>>>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("link", &self.link)
            .field("corpora", &self.corpora)
            .finish_non_exhaustive()
    }
}

/// Longest a probe search of a new index may take.
const PROBE_DEADLINE: Duration = Duration::from_secs(10);

/// Opens an index directory and checks that it can serve: it has
/// articles, and a search for one of the first articles' titles finds
/// something.
pub fn open_validated(dir: &Path, ranking: &Ranking) -> Result<Engine> {
    let engine = Engine::open(dir)?.with_ranking(ranking.clone());
    if engine.catalog().is_empty() {
        return Err(Error::Invalid(format!(
            "{} holds no articles; every corpus file was skipped or the corpus is empty",
            dir.display()
        )));
    }
    let catalog = engine.catalog();
    let titles: Vec<String> = (0..catalog.len())
        .filter_map(|ord| catalog.entry(ord))
        .map(|e| e.title.trim().to_string())
        .filter(|t| !t.is_empty())
        .take(3)
        .collect();
    for title in &titles {
        let mut req = SearchRequest::new(title.as_str());
        req.limit = 1;
        req.deadline = Instant::now().checked_add(PROBE_DEADLINE);
        if engine.search(&req)?.total > 0 {
            return Ok(engine);
        }
    }
    let probed = titles;
    Err(Error::Invalid(format!(
        "{}: probe searches for {probed:?} found nothing",
        dir.display()
    )))
}

fn rfc3339(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

impl Reloader {
    /// Starts the reload thread; with `setup.config.watch`, corpus
    /// changes trigger rebuilds.
    pub fn start(
        setup: ReloadSetup,
        live: Arc<ArcSwap<Live>>,
        metrics: Arc<Metrics>,
    ) -> Result<Arc<Reloader>> {
        let ReloadSetup {
            link,
            corpora,
            options,
            config,
            ranking,
            ignore,
        } = setup;
        let (wake, woken) = mpsc::channel();
        let reloader = Arc::new(Reloader {
            link,
            corpora,
            options,
            keep: config.keep,
            ranking,
            live,
            metrics,
            progress: Mutex::new(Progress::default()),
            requested: AtomicU64::new(0),
            done: tokio::sync::watch::Sender::new(0),
            wake,
            watcher: Mutex::new(None),
        });
        let weak = Arc::downgrade(&reloader);
        let poll = config.poll;
        std::thread::Builder::new()
            .name("wenda-reload".into())
            .spawn(move || run(weak, woken, poll))
            .map_err(Error::Runtime)?;
        if config.watch {
            reloader.watch(config.debounce, ignore)?;
        }
        Ok(reloader)
    }

    /// Rebuilds on every change under the corpus directories, once things
    /// have been quiet for `debounce`.
    fn watch(self: &Arc<Self>, debounce: Duration, ignore: Vec<PathBuf>) -> Result<()> {
        let weak = Arc::downgrade(self);
        let own = OwnPaths::new(&self.link, ignore);
        let mut debouncer = new_debouncer(debounce, None, move |events: DebounceEventResult| {
            let Some(r) = weak.upgrade() else { return };
            match events {
                Ok(events) => {
                    // Reading the corpus (a build does) is not a change.
                    let relevant = events.iter().any(|e| {
                        !matches!(e.event.kind, EventKind::Access(_))
                            && e.event.paths.iter().any(|p| !own.contains(p))
                    });
                    if relevant {
                        tracing::info!(
                            changed = events.len(),
                            "corpus changed; rebuilding the index"
                        );
                        r.request(Trigger::Watch);
                    }
                }
                Err(errors) => {
                    for e in errors {
                        tracing::warn!(error = %e, "watching the corpus failed");
                    }
                }
            }
        })
        .map_err(|e| Error::Invalid(format!("cannot watch the corpus: {e}")))?;
        for dir in &self.corpora {
            let dir = dir.canonicalize().unwrap_or_else(|_| dir.clone());
            debouncer
                .watch(&dir, RecursiveMode::Recursive)
                .map_err(|e| Error::Invalid(format!("cannot watch {}: {e}", dir.display())))?;
        }
        tracing::info!(corpora = ?self.corpora, "watching the corpus for changes");
        *self.watcher.lock().unwrap_or_else(|e| e.into_inner()) = Some(debouncer);
        Ok(())
    }

    /// Asks for a rebuild; returns a ticket that [`Reloader::wait`] takes.
    /// Requests made while a build runs are served by one more build.
    pub fn request(&self, trigger: Trigger) -> u64 {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .trigger = Some(trigger);
        let ticket = self.requested.fetch_add(1, Ordering::SeqCst) + 1;
        let _ = self.wake.send(());
        ticket
    }

    /// Waits until the build that serves `ticket` has finished.
    pub async fn wait(&self, ticket: u64) {
        let mut done = self.done.subscribe();
        let _ = done.wait_for(|d| *d >= ticket).await;
    }

    /// The last build's outcome, if any.
    pub fn last_build(&self) -> Option<BuildOutcome> {
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .last
            .clone()
    }

    /// Builds and reloads so far.
    pub fn report(&self) -> ReloadReport {
        let p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        ReloadReport {
            building: p.building,
            pending: self.requested.load(Ordering::SeqCst) > *self.done.borrow(),
            watching: self
                .watcher
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .is_some(),
            last_build: p.last.clone(),
            builds_ok: p.ok,
            builds_failed: p.failed,
            reloads: p.reloads,
            last_reload_error: p.last_reload_error.clone(),
        }
    }

    /// The index link this reloader publishes to and follows.
    pub fn link(&self) -> &Path {
        &self.link
    }

    /// Serves `engine`, opened from `dir`, from now on.
    fn swap(&self, engine: Engine, dir: PathBuf) {
        let engine = Arc::new(engine);
        let answerer = Arc::new(self.live.load().answerer.with_engine(engine.clone()));
        let next = Live::new(engine, answerer, Some(dir.clone()));
        self.metrics.index_loaded(
            next.engine.catalog().len(),
            live::size_on_disk(&dir),
            next.built,
        );
        self.live.store(Arc::new(next));
        self.metrics.reloaded();
        self.progress
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .reloads += 1;
    }

    /// Builds a new generation, validates it, publishes it and swaps it in.
    fn rebuild(&self) {
        let trigger = {
            let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
            p.building = true;
            p.trigger.take().unwrap_or(Trigger::Admin)
        };
        let started = SystemTime::now();
        let clock = Instant::now();
        let result = live::build(&self.corpora, &self.link, &self.options, None).and_then(
            |(dir, report)| {
                let engine = match open_validated(&dir, &self.ranking) {
                    Ok(e) => e,
                    Err(e) => {
                        live::discard(&dir);
                        return Err(e);
                    }
                };
                if let Err(e) = live::publish(&self.link, &dir) {
                    live::discard(&dir);
                    return Err(e);
                }
                self.swap(engine, dir.clone());
                Ok((dir, report.articles))
            },
        );
        let took_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
        let mut outcome = BuildOutcome {
            trigger,
            result: "ok".into(),
            started_at: rfc3339(started),
            finished_at: rfc3339(SystemTime::now()),
            took_ms,
            articles: None,
            generation: None,
            error: None,
        };
        match result {
            Ok((dir, articles)) => {
                tracing::info!(generation = %dir.display(), articles, took_ms, ?trigger, "new index built and swapped in");
                if let Err(e) = live::collect_garbage(&self.link, self.keep) {
                    tracing::warn!(error = %e, "could not remove old index generations");
                }
                outcome.articles = Some(articles);
                outcome.generation = Some(dir.display().to_string());
            }
            Err(e) => {
                tracing::error!(error = %e, took_ms, ?trigger, "index rebuild failed; the old index is still served");
                outcome.result = "failed".into();
                outcome.error = Some(e.to_string());
            }
        }
        self.metrics.built(outcome.ok());
        let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
        if outcome.ok() {
            p.ok += 1;
        } else {
            p.failed += 1;
        }
        p.building = false;
        p.last = Some(outcome);
    }

    /// Swaps in a generation another process published, if there is one.
    fn follow(&self) {
        let Some(target) = live::current(&self.link) else {
            return;
        };
        if self.live.load().dir.as_deref() == Some(target.as_path()) {
            return;
        }
        {
            let p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
            if p.refused.as_deref() == Some(target.as_path()) {
                return;
            }
        }
        match open_validated(&target, &self.ranking) {
            Ok(engine) => {
                tracing::info!(generation = %target.display(), "following a new index generation");
                self.swap(engine, target);
            }
            Err(e) => {
                tracing::error!(generation = %target.display(), error = %e, "refusing a published index; the old one is still served");
                let mut p = self.progress.lock().unwrap_or_else(|e| e.into_inner());
                p.refused = Some(target);
                p.last_reload_error = Some(e.to_string());
            }
        }
    }
}

/// The reload thread: a rebuild when asked, a look at the index link
/// every `poll`. Ends when the reloader is dropped.
fn run(reloader: Weak<Reloader>, woken: mpsc::Receiver<()>, poll: Duration) {
    let wait = if poll.is_zero() {
        Duration::from_secs(3600)
    } else {
        poll
    };
    loop {
        if let Err(RecvTimeoutError::Disconnected) = woken.recv_timeout(wait) {
            return;
        }
        while woken.try_recv().is_ok() {}
        let Some(r) = reloader.upgrade() else { return };
        let wanted = r.requested.load(Ordering::SeqCst);
        if wanted > *r.done.borrow() {
            r.rebuild();
            r.done.send_replace(wanted);
        } else if !poll.is_zero() {
            r.follow();
        }
    }
}
