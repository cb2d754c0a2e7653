//! Admin endpoints (admin key only, checked by the guard before the
//! handler runs): rebuild the index, see what is being served, read the
//! content-gap report.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::reload::{BuildOutcome, ReloadReport, Trigger};
use crate::journal::Report;
use crate::live;
use crate::search::learned::LearnedQuestion;

/// `POST /api/admin/reindex` parameters.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReindexParams {
    /// `true` to answer when the build has finished (within the request
    /// timeout) instead of at once.
    wait: Option<bool>,
}

/// A rebuild was queued.
#[derive(Serialize, ToSchema)]
pub struct ReindexAccepted {
    /// Always `queued`; `GET /api/admin/status` shows how it ends.
    status: String,
    /// Whether a build was already running (the queued one follows it).
    building: bool,
}

/// Rebuilds the index from the corpus into a new generation, validates
/// it and swaps it in; a failed build leaves the old index serving.
#[utoipa::path(
    post,
    path = "/api/admin/reindex",
    params(ReindexParams),
    security(("bearer" = [])),
    responses(
        (status = 202, body = ReindexAccepted, description = "The build is queued"),
        (status = 200, body = BuildOutcome, description = "With `wait=true`: the build finished and its index is being served"),
        (status = 400, body = ErrorBody, description = "`invalid_parameter`"),
        (status = 401, body = ErrorBody, description = "`missing_key`"),
        (status = 403, body = ErrorBody, description = "`unknown_key`, `admin_key_required`"),
        (status = 500, body = ErrorBody, description = "`reindex_failed` (with `wait=true`): the old index is still served"),
        (status = 503, body = ErrorBody, description = "`reindex_unavailable`, `timeout` (the build goes on)")
    )
)]
pub async fn reindex(
    State(state): State<AppState>,
    params: Result<Query<ReindexParams>, QueryRejection>,
) -> Result<Response, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::new(Code::InvalidParameter, e.body_text()))?;
    let Some(reloader) = state.reloader().cloned() else {
        return Err(ApiError::new(
            Code::ReindexUnavailable,
            "this server was not started on an index directory it can rebuild",
        ));
    };
    let building = reloader.report().building;
    let ticket = reloader.request(Trigger::Admin);
    if !params.wait.unwrap_or(false) {
        let body = ReindexAccepted {
            status: "queued".into(),
            building,
        };
        return Ok((StatusCode::ACCEPTED, Json(body)).into_response());
    }
    reloader.wait(ticket).await;
    match reloader.last_build() {
        Some(outcome) if outcome.ok() => Ok(Json(outcome).into_response()),
        Some(outcome) => Err(ApiError::new(
            Code::ReindexFailed,
            format!(
                "the build failed and the old index is still served: {}",
                outcome.error.unwrap_or_default()
            ),
        )),
        None => Err(ApiError::internal("a finished build left no outcome")),
    }
}

/// The index being served.
#[derive(Serialize, ToSchema)]
pub struct IndexStatus {
    /// The index path (a link to the current generation), when known.
    path: Option<String>,
    /// The generation directory being served, when known.
    generation: Option<String>,
    /// Articles in it.
    articles: usize,
    /// Corpus names it was built from.
    corpora: Vec<String>,
    /// When it was built (RFC 3339).
    built_at: String,
    /// Seconds since it was built.
    age_seconds: u64,
    /// When this server started serving it (RFC 3339).
    loaded_at: String,
    /// Its size on disk, in bytes.
    size_bytes: u64,
}

/// What the server is serving and how its rebuilds went.
#[derive(Serialize, ToSchema)]
pub struct AdminStatus {
    /// The index being served.
    index: IndexStatus,
    /// Builds and reloads (null when the server cannot rebuild).
    reload: Option<ReloadReport>,
    /// Conversations held.
    sessions: u64,
}

/// The index's age, article count and the last build's result.
#[utoipa::path(
    get,
    path = "/api/admin/status",
    security(("bearer" = [])),
    responses(
        (status = 200, body = AdminStatus),
        (status = 401, body = ErrorBody, description = "`missing_key`"),
        (status = 403, body = ErrorBody, description = "`unknown_key`, `admin_key_required`")
    )
)]
pub async fn status(State(state): State<AppState>) -> Json<AdminStatus> {
    let live = state.live();
    let rfc3339 = |t| humantime::format_rfc3339_seconds(t).to_string();
    let age = std::time::SystemTime::now()
        .duration_since(live.built)
        .map_or(0, |d| d.as_secs());
    let dir = live.dir.clone();
    let size_bytes = match dir.clone() {
        Some(d) => tokio::task::spawn_blocking(move || live::size_on_disk(&d))
            .await
            .unwrap_or(0),
        None => 0,
    };
    let sessions = live.answerer.clone();
    let sessions = tokio::task::spawn_blocking(move || sessions.sessions().len())
        .await
        .unwrap_or(0);
    Json(AdminStatus {
        index: IndexStatus {
            path: state
                .reloader()
                .map(|r| r.link().display().to_string())
                .or_else(|| state.config.index.as_ref().map(|p| p.display().to_string())),
            generation: dir.map(|d| d.display().to_string()),
            articles: live.engine.catalog().len(),
            corpora: live
                .engine
                .manifest()
                .corpora
                .iter()
                .map(|c| c.name.clone())
                .collect(),
            built_at: rfc3339(live.built),
            age_seconds: age,
            loaded_at: rfc3339(live.loaded),
            size_bytes,
        },
        reload: state.reloader().map(|r| r.report()),
        sessions,
    })
}

/// `GET /api/admin/report` parameters.
#[derive(Deserialize, Default, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReportParams {
    /// Items per list, 1 to 1000 (default 20).
    top: Option<usize>,
}

/// What the content team should write next, from the server's logs.
#[utoipa::path(
    get,
    path = "/api/admin/report",
    params(ReportParams),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Report, description = "As `wenda report --json` prints it"),
        (status = 400, body = ErrorBody, description = "`invalid_parameter`"),
        (status = 401, body = ErrorBody, description = "`missing_key`"),
        (status = 403, body = ErrorBody, description = "`unknown_key`, `admin_key_required`"),
        (status = 503, body = ErrorBody, description = "`feedback_disabled`: the server keeps no logs")
    )
)]
pub async fn report(
    State(state): State<AppState>,
    params: Result<Query<ReportParams>, QueryRejection>,
) -> Result<Json<Report>, ApiError> {
    let Query(params) = params.map_err(|e| ApiError::new(Code::InvalidParameter, e.body_text()))?;
    let top = params.top.unwrap_or(20);
    if !(1..=1000).contains(&top) {
        return Err(ApiError::new(
            Code::InvalidParameter,
            "parameter `top` must be a whole number from 1 to 1000",
        ));
    }
    let Some(journal) = state.journal.clone() else {
        return Err(ApiError::new(
            Code::FeedbackDisabled,
            "this server keeps no logs; start it with --log-dir",
        ));
    };
    let report = tokio::task::spawn_blocking(move || {
        // Queued query events first, so the report includes the latest.
        journal.flush();
        crate::journal::report(journal.dir(), top)
    })
    .await
    .map_err(ApiError::internal)??;
    Ok(Json(report))
}

/// The questions learned from use, per article.
#[derive(Serialize, ToSchema)]
pub struct LearnedList {
    /// Learned questions in use.
    questions: Vec<LearnedQuestion>,
}

/// What the server has learned from use: each question with its article
/// and the evidence (helpful, unhelpful, clicks).
#[utoipa::path(
    get,
    path = "/api/admin/learned",
    security(("bearer" = [])),
    responses(
        (status = 200, body = LearnedList, description = "As `wenda learned --json` prints it"),
        (status = 401, body = ErrorBody, description = "`missing_key`"),
        (status = 403, body = ErrorBody, description = "`unknown_key`, `admin_key_required`")
    )
)]
pub async fn learned(State(state): State<AppState>) -> Json<LearnedList> {
    Json(LearnedList {
        questions: state.learned().list(),
    })
}

/// Forgets a learned question at once (and for good: the same question
/// is not learned again for that article).
#[utoipa::path(
    delete,
    path = "/api/admin/learned/{id}",
    params(("id" = String, Path, description = "The id `GET /api/admin/learned` lists")),
    security(("bearer" = [])),
    responses(
        (status = 200, body = Forgot, description = "Forgotten"),
        (status = 401, body = ErrorBody, description = "`missing_key`"),
        (status = 403, body = ErrorBody, description = "`unknown_key`, `admin_key_required`"),
        (status = 404, body = ErrorBody, description = "`learned_question_not_found`"),
        (status = 503, body = ErrorBody, description = "`feedback_disabled`: the server keeps no logs")
    )
)]
pub async fn forget(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Forgot>, ApiError> {
    let Some(journal) = state.journal.clone() else {
        return Err(ApiError::new(
            Code::FeedbackDisabled,
            "this server keeps no logs; start it with --log-dir",
        ));
    };
    if !state.learned().list().iter().any(|q| q.id == id) {
        return Err(ApiError::new(
            Code::LearnedQuestionNotFound,
            format!("no learned question with id `{id}`"),
        ));
    }
    let kept = id.clone();
    tokio::task::spawn_blocking(move || crate::journal::forget(journal.dir(), &kept))
        .await
        .map_err(ApiError::internal)??;
    state.learned.rcu(|l| {
        let mut l = (**l).clone();
        l.forget(&id);
        l
    });
    Ok(Json(Forgot { forgotten: true }))
}

/// A learned question was forgotten.
#[derive(Serialize, ToSchema)]
pub struct Forgot {
    /// Always true.
    forgotten: bool,
}
