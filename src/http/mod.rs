//! The HTTP API (axum). [`app`] builds the router apart from any socket,
//! so tests drive it in-process; [`serve`] binds it with wenda's own
//! connection handling (`server`). [`AppState::open`] is everything a
//! server runs besides the socket; the engine sits behind an `ArcSwap`
//! that the reload thread (`reload`) replaces while requests go on.

pub mod error;
pub mod guard;
pub mod metrics;
pub mod openapi;
pub mod reload;
pub mod render;
mod routes;
pub mod server;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use arc_swap::ArcSwap;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::from_fn_with_state;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::trace::TraceLayer;

use crate::answer::redis_store::RedisSessions;
use crate::answer::{Answerer, MemorySessions, Policy, SessionStore};
use crate::config::{AnswerThresholds, ServeConfig, SessionBackend};
use crate::journal::{Journal, QueryEvent};
use crate::search::Engine;
use crate::search::learned::{Learned, Signal};
use crate::{Error, Result, index, live};
pub use error::{ApiError, Code};
use guard::RateLimiter;
pub use metrics::Metrics;
pub use reload::{Live, ReloadSetup, Reloader, Trigger};
pub use routes::docs::document as openapi_document;
pub use server::serve;

/// What handlers share.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The engine and answerer being served; a live reindex swaps them.
    live: Arc<ArcSwap<Live>>,
    /// Limits, timeouts, keys, origins: how this server runs.
    pub config: Arc<ServeConfig>,
    /// Feedback and query logs, when the server keeps them.
    pub journal: Option<Arc<Journal>>,
    /// What `/metrics` shows.
    pub metrics: Arc<Metrics>,
    /// Questions learned from use: read back from the journal's logs, added
    /// to by feedback and clicks, applied to every search and answer. It
    /// belongs to the logs, not to an index, so reindexing keeps it.
    pub learned: Arc<ArcSwap<Learned>>,
    reloader: Option<Arc<Reloader>>,
    limiter: Option<Arc<RateLimiter>>,
    /// The heavy lanes: permits for engine work on long inputs.
    heavy: Arc<HeavyLanes>,
}

/// Engine work on an input longer than this many characters takes the
/// heavy lane (see [`AppState::engine_work`]).
pub const HEAVY_INPUT_CHARS: usize = 64;

/// How long the heavy lane rests after each piece of work, in multiples
/// of the work's time.
const HEAVY_REST: u32 = 2;

/// Long requests waiting for a heavy lane, past which more are refused at
/// once (JSON 503) instead of queueing until their timeout.
pub const HEAVY_QUEUE: usize = 64;

/// Which heavy lane a request takes: queries (search, answer, `/retrieval`)
/// and support tickets each have their own, so agents' tickets never queue
/// behind long queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lane {
    /// Search, answer, `/retrieval`.
    Query,
    /// `/api/assist`.
    Ticket,
}

/// One long request waiting for a heavy lane, counted while it lives.
struct Waiting<'a>(&'a std::sync::atomic::AtomicUsize);

impl<'a> Waiting<'a> {
    /// Counts one more waiter, unless [`HEAVY_QUEUE`] already wait.
    fn enter(count: &'a std::sync::atomic::AtomicUsize) -> Option<Self> {
        use std::sync::atomic::Ordering;
        if count.fetch_add(1, Ordering::SeqCst) >= HEAVY_QUEUE {
            count.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(Waiting(count))
    }
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }
}

/// The heavy lanes' permits and queue.
#[derive(Debug)]
pub struct HeavyLanes {
    query: Arc<tokio::sync::Semaphore>,
    ticket: Arc<tokio::sync::Semaphore>,
    waiting: std::sync::atomic::AtomicUsize,
}

impl HeavyLanes {
    fn new() -> Self {
        // Half the cores, at least one, per lane.
        let permits = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1));
        HeavyLanes {
            query: Arc::new(tokio::sync::Semaphore::new(permits)),
            ticket: Arc::new(tokio::sync::Semaphore::new(permits)),
            waiting: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// Long requests waiting for a lane now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A lane's semaphore.
    pub fn lane(&self, lane: Lane) -> &Arc<tokio::sync::Semaphore> {
        match lane {
            Lane::Query => &self.query,
            Lane::Ticket => &self.ticket,
        }
    }
}

impl AppState {
    /// State around an open engine: default answer policy and
    /// configuration, no API keys, no logs.
    pub fn new(engine: Engine) -> Self {
        let engine = Arc::new(engine);
        let answerer = Answerer::new(engine.clone());
        AppState::with_config(engine, answerer, ServeConfig::default())
    }

    /// State with its own answerer and a validated configuration.
    pub fn with_config(engine: Arc<Engine>, answerer: Answerer, config: ServeConfig) -> Self {
        let metrics = Arc::new(Metrics::new());
        let live = Live::new(engine, Arc::new(answerer), None);
        metrics.index_loaded(live.engine.catalog().len(), 0, live.built);
        AppState {
            live: Arc::new(ArcSwap::from_pointee(live)),
            limiter: RateLimiter::new(&config.rate_limit).map(Arc::new),
            config: Arc::new(config),
            journal: None,
            metrics,
            learned: Arc::default(),
            reloader: None,
            heavy: Arc::new(HeavyLanes::new()),
        }
    }

    /// Everything `wenda serve` runs, apart from the socket: the index at
    /// `config.index` (built first when missing or stale), the
    /// conversation store, the logs, and the reload thread.
    pub fn open(config: ServeConfig) -> Result<Self> {
        let link = config
            .index
            .clone()
            .ok_or_else(|| Error::Invalid("no index directory configured".into()))?;
        if config.corpora.is_empty() {
            return Err(Error::Invalid("no corpus directory configured".into()));
        }
        let options = config.load_options();
        if index::staleness_with(&link, &config.corpora, &options) != index::Staleness::Fresh {
            live::rebuild(&config.corpora, &link, &options, config.reload.keep, None)?;
        }
        let dir = live::current(&link).ok_or_else(|| {
            Error::Invalid(format!("no index at {} after building it", link.display()))
        })?;
        let ranking = config.ranking.ranking();
        let engine = Arc::new(Engine::open(&dir)?.with_ranking(ranking.clone()));
        let sessions: Arc<dyn SessionStore> = match &config.sessions.store {
            SessionBackend::Memory => Arc::new(MemorySessions::new(config.sessions.limits())),
            SessionBackend::Redis(url) => {
                Arc::new(RedisSessions::connect(url, config.sessions.limits())?)
            }
        };
        let answerer = Answerer::with(engine.clone(), sessions, policy(&config.answer));
        let journal = match &config.log_dir {
            Some(dir) => Some(Journal::open(dir)?),
            None => None,
        };
        let setup = ReloadSetup {
            link,
            corpora: config.corpora.clone(),
            options: config.load_options(),
            config: config.reload,
            ranking,
            ignore: config.log_dir.iter().cloned().collect(),
        };
        let mut state = AppState::with_config(engine.clone(), answerer, config);
        let live = Live::new(engine, state.answerer(), Some(dir.clone()));
        state.metrics.index_loaded(
            live.engine.catalog().len(),
            live::size_on_disk(&dir),
            live.built,
        );
        state.live.store(Arc::new(live));
        if let Some(j) = journal {
            state = state.with_journal(j);
        }
        let reloader = Reloader::start(setup, state.live.clone(), state.metrics.clone())?;
        state.reloader = Some(reloader);
        Ok(state)
    }

    /// The snapshot a request is served from: engine and answerer together.
    pub fn live(&self) -> Arc<Live> {
        self.live.load_full()
    }

    /// The engine being served now.
    pub fn engine(&self) -> Arc<Engine> {
        self.live.load().engine.clone()
    }

    /// The answerer being served now.
    pub fn answerer(&self) -> Arc<Answerer> {
        self.live.load().answerer.clone()
    }

    /// The reload thread, when the server can rebuild its index.
    pub fn reloader(&self) -> Option<&Arc<Reloader>> {
        self.reloader.as_ref()
    }

    /// The index directory being served, when known.
    pub fn index_dir(&self) -> Option<PathBuf> {
        self.live.load().dir.clone()
    }

    /// The same state with a changed configuration (tests, embedding).
    pub fn configure(mut self, change: impl FnOnce(&mut ServeConfig)) -> Self {
        let config = Arc::make_mut(&mut self.config);
        change(config);
        config.api_keys.retain(|k| !k.trim().is_empty());
        config.admin_keys.retain(|k| !k.trim().is_empty());
        self.limiter = RateLimiter::new(&config.rate_limit).map(Arc::new);
        self
    }

    /// The same state accepting these keys on `/retrieval`.
    pub fn with_api_keys(self, keys: Vec<String>) -> Self {
        self.configure(|c| c.api_keys = keys)
    }

    /// The same state accepting these keys on the admin endpoints.
    pub fn with_admin_keys(self, keys: Vec<String>) -> Self {
        self.configure(|c| c.admin_keys = keys)
    }

    /// The same state writing feedback and query logs to `journal`.
    pub fn with_journal(mut self, journal: Journal) -> Self {
        // What was learned from these logs comes with them: read back now,
        // and held apart from any other state's.
        let engine = self.engine();
        let learned = match crate::journal::learned(journal.dir(), &|q| engine.learnable(q)) {
            Ok(l) => l,
            Err(e) => {
                tracing::warn!(error = %e, "cannot read learned questions from the logs");
                Learned::default()
            }
        };
        tracing::info!(
            questions = learned.len(),
            "learned questions read from the logs"
        );
        self.learned = Arc::new(ArcSwap::from_pointee(learned));
        self.journal = Some(Arc::new(journal));
        self
    }

    /// The questions learned so far, for one request.
    pub fn learned(&self) -> Arc<Learned> {
        self.learned.load_full()
    }

    /// Records a use: on disk already (the caller wrote it to the journal),
    /// learned now.
    pub fn learn(&self, query: &str, article_id: &str, signal: Signal, client: &str, ts_ms: u64) {
        let learnable = self.engine().learnable(query);
        self.learned.rcu(|l| {
            let mut l = (**l).clone();
            l.record(&learnable, article_id, signal, client, ts_ms);
            l
        });
    }

    /// Logs a query event when the server keeps logs (queued; never waits).
    pub fn log(&self, event: QueryEvent) {
        if let Some(j) = &self.journal {
            j.query(event);
        }
    }

    /// Runs engine work. Work on an ordinary input runs right here, on the
    /// async worker: a search takes well under a millisecond on a help
    /// centre of a few hundred articles, and the hop to a blocking thread
    /// and back cost about as much again (at 32 connections on 2 cores,
    /// less throughput and a higher p99). Work on a long
    /// input (over [`HEAVY_INPUT_CHARS`] characters: rare from people, the
    /// usual tool of someone trying to exhaust the server) runs on a
    /// blocking thread, after it waits for a permit of
    /// its heavy lane — half the cores, each resting twice as long as it
    /// worked — until the request's timeout, so however many such requests
    /// arrive they get at most a sixth of the machine per lane and ordinary
    /// searches keep the rest. A request that cannot get a permit in time,
    /// or finds [`HEAVY_QUEUE`] already waiting, is a JSON 503 `timeout`.
    pub async fn engine_work<T: Send + 'static>(
        &self,
        lane: Lane,
        input_chars: usize,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> std::result::Result<T, error::ApiError> {
        use error::{ApiError, Code};
        let busy = || {
            ApiError::new(
                Code::Timeout,
                "the server is busy with long requests; try again",
            )
        };
        if input_chars <= HEAVY_INPUT_CHARS {
            return Ok(work());
        }
        let permit = {
            let lanes = &self.heavy;
            // Counted while waiting, and uncounted however the wait ends
            // (a timeout, or the request dropped by its client or deadline).
            let _waiting = Waiting::enter(&lanes.waiting).ok_or_else(busy)?;
            let wait = self.config.timeouts.request;
            match tokio::time::timeout(wait, lanes.lane(lane).clone().acquire_owned()).await {
                Ok(Ok(p)) => p,
                _ => return Err(busy()),
            }
        };
        // The permit goes with the work: it is held until the work ends,
        // even when the request that started it is dropped.
        let (out, permit, took) = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let out = work();
            (out, permit, started.elapsed())
        })
        .await
        .map_err(ApiError::internal)?;
        // The lane rests twice as long as it worked before the next long
        // request may start: long requests get at most a third of its cores.
        let rest = took * HEAVY_REST;
        tokio::spawn(async move {
            tokio::time::sleep(rest).await;
            drop(permit);
        });
        Ok(out)
    }

    /// The heavy lanes (what [`AppState::engine_work`] waits on).
    pub fn heavy_lanes(&self) -> &HeavyLanes {
        &self.heavy
    }

    /// When engine work started now must stop: the request timeout.
    pub fn deadline(&self) -> Option<Instant> {
        Instant::now().checked_add(self.config.timeouts.request)
    }
}

/// The shipped answer policy with the configured thresholds.
pub fn policy(t: &AnswerThresholds) -> Policy {
    Policy {
        answer: t.answer,
        sure: t.sure,
        clarify: t.clarify,
        close: t.close,
        known: t.known,
        ..Policy::default()
    }
}

/// The API router: the documented routes, the JSON fallbacks, and the
/// layers every request passes through.
pub fn app(state: AppState) -> Router {
    let (router, _) = routes::api().split_for_parts();
    let config = state.config.clone();
    let router = router
        .fallback(routes::not_found)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(config.limits.body_bytes))
        .layer(CatchPanicLayer::custom(routes::panic_response))
        .layer(from_fn_with_state(state.clone(), guard::guard))
        .with_state(state);
    let router = match cors(&config.cors_origins) {
        Some(layer) => router.layer(layer),
        None => router,
    };
    router.layer(TraceLayer::new_for_http())
}

/// CORS for the configured origins; none (browsers refuse cross-origin
/// calls) when there are none.
fn cors(origins: &[String]) -> Option<CorsLayer> {
    let origins: Vec<HeaderValue> = origins
        .iter()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    if origins.is_empty() {
        return None;
    }
    Some(
        CorsLayer::new()
            .allow_origin(AllowOrigin::list(origins))
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::CONTENT_TYPE,
                header::AUTHORIZATION,
                header::HeaderName::from_static(guard::REQUEST_ID),
            ])
            .expose_headers([header::HeaderName::from_static(guard::REQUEST_ID)]),
    )
}
