//! Dify's external knowledge API: `POST /retrieval` with a Bearer key.
//! Errors carry Dify's `error_code`/`error_msg` (from the one error table,
//! [`Code::dify_code`]) and, beside them, wenda's own `error` object, so
//! both kinds of client understand them. Records are scored by the
//! answerer's policy ([`Answerer::scored`]).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::answer::{Answerer, compose};
use crate::http::AppState;
use crate::http::error::{ApiError, Code, ErrorBody};
use crate::http::routes::short_field;
use crate::search::{SearchRequest, topic_value};

/// Most records returned, whatever `top_k` asks.
pub const MAX_RECORDS: usize = 50;

/// Dify's request.
#[derive(Deserialize, ToSchema)]
pub struct RetrievalInput {
    /// The knowledge base: the name of one of the loaded corpora.
    knowledge_id: String,
    /// The user's query.
    query: String,
    /// How many records, and how relevant.
    retrieval_setting: RetrievalSetting,
    /// Filters on record metadata.
    #[serde(default)]
    metadata_condition: Option<MetadataCondition>,
}

/// `retrieval_setting`. Numbers may come as JSON numbers or as strings
/// of digits (some Dify versions and proxies send `"5"`).
#[derive(Deserialize, ToSchema)]
pub struct RetrievalSetting {
    /// Most records to return: a whole number (1 to 50 are used).
    #[schema(schema_with = number_or_numeric_string)]
    top_k: Value,
    /// Least score a record needs, 0 to 1 (default 0).
    #[serde(default)]
    #[schema(schema_with = number_or_numeric_string)]
    score_threshold: Option<Value>,
}

/// `integer`/`number` or a string holding one.
fn number_or_numeric_string() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .pattern(Some(r"^\s*-?[0-9]+(\.[0-9]+)?\s*$")),
        )
        .into()
}

/// A metadata field name, or several.
fn name_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
        .into()
}

/// A comparison value: text, a number, a list of texts, or nothing.
fn value_schema() -> utoipa::openapi::schema::Schema {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, OneOfBuilder, Type};
    OneOfBuilder::new()
        .item(ObjectBuilder::new().schema_type(Type::String))
        .item(ObjectBuilder::new().schema_type(Type::Number))
        .item(ArrayBuilder::new().items(ObjectBuilder::new().schema_type(Type::String)))
        .item(ObjectBuilder::new().schema_type(Type::Null))
        .into()
}

/// `metadata_condition`.
#[derive(Deserialize, ToSchema)]
pub struct MetadataCondition {
    /// `and` (default) or `or`.
    #[serde(default)]
    logical_operator: Option<String>,
    /// The conditions; `null` or missing means none.
    #[serde(default)]
    conditions: Option<Vec<Condition>>,
}

/// One metadata condition.
#[derive(Deserialize, ToSchema)]
pub struct Condition {
    /// Metadata field name, or several (any of them may satisfy it).
    #[schema(schema_with = name_schema)]
    name: Value,
    /// `contains`, `not contains`, `start with`, `end with`, `is`, `is not`,
    /// `in`, `not in`, `empty`, `not empty`, `=`, `≠`, `>`, `<`, `≥`, `≤`,
    /// `before`, `after` (dates: Unix seconds or milliseconds, `YYYY-MM-DD`
    /// or RFC 3339).
    comparison_operator: String,
    /// What to compare with (not needed for `empty`, `not empty`).
    #[serde(default)]
    #[schema(schema_with = value_schema)]
    value: Option<Value>,
}

/// One record.
#[derive(Serialize, ToSchema)]
pub struct Record {
    /// The article as an answer: title, text, numbered steps with console paths, source.
    content: String,
    /// Relevance (0..1), wenda's calibrated confidence scaled by rank score.
    score: f32,
    /// Article title.
    title: String,
    /// `id`, `path`, `url`, `topic`, `corpus`, `step_count`, `indexed_at`
    /// (Unix seconds); always an object.
    #[schema(value_type = Object)]
    metadata: Map<String, Value>,
}

/// Dify's response.
#[derive(Serialize, ToSchema)]
pub struct RetrievalOutput {
    /// Best first; empty when nothing matches.
    records: Vec<Record>,
}

/// Records for Dify's external knowledge base.
#[utoipa::path(
    post,
    path = "/retrieval",
    request_body = RetrievalInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = RetrievalOutput, description = "Records; an empty body (Dify's registration check) gets `{\"records\": []}`"),
        (status = 400, body = ErrorBody, description = "`error_code` 3001: `invalid_json` (the body is not a retrieval request), `query_too_long`, `invalid_parameter`, `invalid_top_k`, `invalid_score_threshold`"),
        (status = 403, body = ErrorBody, description = "`error_code` 1001: malformed Authorization header; 1002: wrong key"),
        (status = 404, body = ErrorBody, description = "`error_code` 2001: unknown knowledge_id"),
        (status = 413, body = ErrorBody, description = "`error_code` 3001: the body is too large"),
        (status = 429, body = ErrorBody, description = "`error_code` 3001: rate limited"),
        (status = 503, body = ErrorBody, description = "`error_code` 5000: timeout")
    )
)]
pub async fn retrieval(State(state): State<AppState>, headers: HeaderMap, body: Body) -> Response {
    match respond(&state, &headers, body).await {
        Ok(out) => Json(out).into_response(),
        Err(e) => e.for_dify().into_response(),
    }
}

/// The key is checked before a byte of the body is read.
async fn respond(
    state: &AppState,
    headers: &HeaderMap,
    body: Body,
) -> Result<RetrievalOutput, ApiError> {
    let Some(key) = bearer_key(headers) else {
        return Err(ApiError::new(
            Code::InvalidAuthorizationHeader,
            "Invalid Authorization header format. Expected 'Bearer <api-key>' format.",
        ));
    };
    let config = &state.config;
    if !config
        .api_keys
        .iter()
        .chain(&config.admin_keys)
        .any(|k| k == key)
    {
        return Err(ApiError::new(
            Code::AuthorizationFailed,
            "Authorization failed: the key is not one this server accepts.",
        ));
    }
    let limits = &state.config.limits;
    let body = axum::body::to_bytes(body, limits.body_bytes)
        .await
        .map_err(|_| {
            ApiError::new(
                Code::PayloadTooLarge,
                format!("request body is over {} bytes", limits.body_bytes),
            )
        })?;
    if body.iter().all(u8::is_ascii_whitespace) {
        // Dify checks the endpoint and key with an empty request.
        return Ok(RetrievalOutput {
            records: Vec::new(),
        });
    }
    let input: RetrievalInput = serde_json::from_slice(&body).map_err(|e| {
        ApiError::new(
            Code::InvalidJson,
            format!("request body is not a retrieval request: {e}"),
        )
    })?;
    let setting = setting(&input.retrieval_setting)?;
    short_field(
        &input.knowledge_id,
        "field `knowledge_id`",
        limits.field_chars,
    )?;
    if input.query.chars().count() > limits.query_chars {
        return Err(ApiError::new(
            Code::QueryTooLong,
            format!(
                "field `query` is longer than {} characters",
                limits.query_chars
            ),
        ));
    }
    let live = state.live();
    let corpora: Vec<&str> = live
        .engine
        .manifest()
        .corpora
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if !corpora.contains(&input.knowledge_id.as_str()) {
        return Err(ApiError::new(
            Code::KnowledgeNotFound,
            format!(
                "The knowledge does not exist: `{}`; this server has {}",
                input.knowledge_id,
                corpora.join(", ")
            ),
        ));
    }
    let answerer = live.answerer.clone();
    let deadline = state.deadline();
    let indexed_at = live
        .built
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let chars = input.query.chars().count();
    let records = state
        .engine_work(crate::http::Lane::Query, chars, move || {
            records(&answerer, &input, setting, indexed_at, deadline)
        })
        .await??;
    Ok(RetrievalOutput { records })
}

/// The `Authorization` header's key: scheme `Bearer` in any case.
pub fn bearer_key(headers: &HeaderMap) -> Option<&str> {
    let auth = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, key) = auth.split_once(char::is_whitespace)?;
    let key = key.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !key.is_empty()).then_some(key)
}

/// `retrieval_setting` checked: how many records, and the least score.
#[derive(Debug, Clone, Copy)]
struct Setting {
    top_k: usize,
    threshold: f64,
}

/// A JSON number, or a string holding one.
fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn setting(s: &RetrievalSetting) -> Result<Setting, ApiError> {
    let top_k = number(&s.top_k)
        .filter(|k| k.fract() == 0.0)
        .ok_or_else(|| {
            ApiError::new(
                Code::InvalidTopK,
                format!(
                    "`retrieval_setting.top_k` must be a whole number (or a string of one), not {}",
                    s.top_k
                ),
            )
        })?;
    let threshold = match &s.score_threshold {
        None | Some(Value::Null) => 0.0,
        Some(v) => number(v).ok_or_else(|| {
            ApiError::new(
                Code::InvalidScoreThreshold,
                format!(
                    "`retrieval_setting.score_threshold` must be a number from 0 to 1, not {v}"
                ),
            )
        })?,
    };
    if !(0.0..=1.0).contains(&threshold) {
        return Err(ApiError::new(
            Code::InvalidScoreThreshold,
            format!(
                "`retrieval_setting.score_threshold` is {threshold}; scores are from 0 to 1, so it must be too"
            ),
        ));
    }
    Ok(Setting {
        top_k: top_k.clamp(1.0, MAX_RECORDS as f64) as usize,
        threshold,
    })
}

fn records(
    answerer: &Answerer,
    input: &RetrievalInput,
    setting: Setting,
    indexed_at: u64,
    deadline: Option<std::time::Instant>,
) -> crate::Result<Vec<Record>> {
    let top_k = setting.top_k;
    if input.query.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut req = SearchRequest::new(input.query.clone());
    req.corpus = Some(input.knowledge_id.clone());
    req.deadline = deadline;
    // Room for records the metadata conditions filter out.
    req.limit = (top_k * 4).min(MAX_RECORDS * 4);
    let mut out = Vec::new();
    for scored in answerer.scored(&req)? {
        let e = scored.entry;
        if f64::from(scored.score) < setting.threshold {
            continue;
        }
        let mut metadata = Map::new();
        metadata.insert("id".into(), json!(e.id));
        metadata.insert("path".into(), json!(e.path));
        metadata.insert("url".into(), json!(e.url.clone().unwrap_or_default()));
        metadata.insert("topic".into(), json!(topic_value(&e.topic)));
        metadata.insert("corpus".into(), json!(e.corpus));
        metadata.insert("step_count".into(), json!(e.step_count));
        metadata.insert("indexed_at".into(), json!(indexed_at));
        if let Some(cond) = &input.metadata_condition
            && !satisfies(&metadata, cond)
        {
            continue;
        }
        // The whole article only for the records kept.
        let a = &answerer.engine().catalog().article(scored.ord)?;
        out.push(Record {
            content: compose::text(a),
            score: scored.score,
            title: a.title.clone(),
            metadata,
        });
        if out.len() == top_k {
            break;
        }
    }
    Ok(out)
}

fn satisfies(metadata: &Map<String, Value>, cond: &MetadataCondition) -> bool {
    let conditions = cond.conditions.as_deref().unwrap_or_default();
    if conditions.is_empty() {
        return true;
    }
    let results = conditions.iter().map(|c| {
        let names: Vec<&str> = match &c.name {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        names
            .iter()
            .any(|n| compare(metadata.get(*n), &c.comparison_operator, c.value.as_ref()))
    });
    match cond
        .logical_operator
        .as_deref()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("or") => results.into_iter().any(|r| r),
        _ => results.into_iter().all(|r| r),
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// One comparison of a metadata value. Unknown operators match nothing.
fn compare(field: Option<&Value>, op: &str, value: Option<&Value>) -> bool {
    let text = field.map(as_text).unwrap_or_default();
    let empty = field.is_none_or(|f| f.is_null() || as_text(f).is_empty());
    let want = value.map(as_text).unwrap_or_default();
    let list: Vec<String> = match value {
        Some(Value::Array(a)) => a.iter().map(as_text).collect(),
        Some(v) => vec![as_text(v)],
        None => Vec::new(),
    };
    let num = |v: Option<&Value>| {
        v.and_then(|v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        })
    };
    let (a, b) = (num(field), num(value));
    let (when, since) = (field.and_then(instant), value.and_then(instant));
    match op.trim() {
        "contains" => text.contains(&want),
        "not contains" => !text.contains(&want),
        "start with" => text.starts_with(&want),
        "end with" => text.ends_with(&want),
        "is" => text == want,
        "is not" => text != want,
        "in" => list.contains(&text),
        "not in" => !list.contains(&text),
        "empty" => empty,
        "not empty" => !empty,
        "=" => a.zip(b).is_some_and(|(a, b)| a == b),
        "≠" | "!=" => a.zip(b).is_some_and(|(a, b)| a != b),
        ">" => a.zip(b).is_some_and(|(a, b)| a > b),
        "<" => a.zip(b).is_some_and(|(a, b)| a < b),
        "≥" | ">=" => a.zip(b).is_some_and(|(a, b)| a >= b),
        "≤" | "<=" => a.zip(b).is_some_and(|(a, b)| a <= b),
        "before" => when.zip(since).is_some_and(|(a, b)| a < b),
        "after" => when.zip(since).is_some_and(|(a, b)| a > b),
        _ => false,
    }
}

/// A point in time as Unix seconds: a number (seconds, or milliseconds
/// when it is that large), a string of one, `YYYY-MM-DD` (midnight UTC)
/// or an RFC 3339 date and time.
fn instant(v: &Value) -> Option<f64> {
    if let Some(n) = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    } {
        return Some(if n.abs() >= 1e11 { n / 1000.0 } else { n });
    }
    let text = v.as_str()?.trim();
    let full;
    let text = if text.len() == 10 {
        full = format!("{text}T00:00:00Z");
        full.as_str()
    } else {
        text
    };
    let t = humantime::parse_rfc3339_weak(text).ok()?;
    Some(
        t.duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta() -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("topic".into(), json!("客户业务"));
        m.insert("step_count".into(), json!(5));
        m.insert("url".into(), json!(""));
        m
    }

    fn cond(logical: Option<&str>, conds: Vec<(&str, &str, Option<Value>)>) -> MetadataCondition {
        MetadataCondition {
            logical_operator: logical.map(str::to_string),
            conditions: Some(
                conds
                    .into_iter()
                    .map(|(name, op, value)| Condition {
                        name: json!(name),
                        comparison_operator: op.into(),
                        value,
                    })
                    .collect(),
            ),
        }
    }

    #[test]
    fn metadata_operators() {
        let m = meta();
        let ok = |op: &str, name: &str, v: Option<Value>| {
            satisfies(&m, &cond(None, vec![(name, op, v)]))
        };
        assert!(ok("contains", "topic", Some(json!("业务"))));
        assert!(ok("is", "topic", Some(json!("客户业务"))));
        assert!(!ok("is not", "topic", Some(json!("客户业务"))));
        assert!(ok("in", "topic", Some(json!(["其他", "客户业务"]))));
        assert!(ok("empty", "url", None));
        assert!(ok("not empty", "topic", None));
        assert!(ok("empty", "missing", None));
        assert!(ok(">", "step_count", Some(json!(3))));
        assert!(ok("≤", "step_count", Some(json!("5"))));
        assert!(!ok("bogus", "topic", Some(json!("x"))));
    }

    #[test]
    fn dates_compare_before_and_after() {
        let mut m = Map::new();
        m.insert("indexed_at".into(), json!(1_700_000_000u64)); // 2023-11-14
        m.insert("day".into(), json!("2024-05-01"));
        let ok =
            |name: &str, op: &str, v: Value| satisfies(&m, &cond(None, vec![(name, op, Some(v))]));
        assert!(ok("indexed_at", "after", json!("2023-01-01")));
        assert!(!ok("indexed_at", "before", json!("2023-01-01")));
        assert!(ok("indexed_at", "before", json!("2024-01-01T00:00:00Z")));
        assert!(
            ok("indexed_at", "after", json!(1_600_000_000_000u64)),
            "milliseconds"
        );
        assert!(ok("day", "after", json!("1714000000")));
        assert!(ok("day", "before", json!("2024-05-02")));
        assert!(!ok("day", "after", json!("not a date")));
        assert!(!ok("missing", "after", json!("2000-01-01")));
    }

    #[test]
    fn and_or() {
        let m = meta();
        let both = vec![
            ("topic", "is", Some(json!("其他"))),
            ("step_count", "=", Some(json!(5))),
        ];
        assert!(!satisfies(&m, &cond(None, both.clone())));
        assert!(satisfies(&m, &cond(Some("or"), both)));
    }
}
