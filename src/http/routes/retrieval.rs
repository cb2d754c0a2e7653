//! Dify's external knowledge API: `POST /retrieval` with a Bearer key.
//! Errors carry Dify's `error_code`/`error_msg` and, beside them, wenda's
//! own `error` object, so both kinds of client understand them.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;

use crate::answer::compose;
use crate::answer::confidence::{Features, Model};
use crate::http::AppState;
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

/// `retrieval_setting`.
#[derive(Deserialize, ToSchema)]
pub struct RetrievalSetting {
    /// Most records to return.
    top_k: i64,
    /// Least score (0..1) a record needs.
    #[serde(default)]
    score_threshold: f64,
}

/// `metadata_condition`.
#[derive(Deserialize, ToSchema)]
pub struct MetadataCondition {
    /// `and` (default) or `or`.
    #[serde(default)]
    logical_operator: Option<String>,
    /// The conditions.
    #[serde(default)]
    conditions: Vec<Condition>,
}

/// One metadata condition.
#[derive(Deserialize, ToSchema)]
pub struct Condition {
    /// Metadata field name, or several (any of them may satisfy it).
    #[schema(value_type = Object)]
    name: Value,
    /// `contains`, `not contains`, `start with`, `end with`, `is`, `is not`,
    /// `in`, `not in`, `empty`, `not empty`, `=`, `≠`, `>`, `<`, `≥`, `≤`.
    comparison_operator: String,
    /// What to compare with (not needed for `empty`, `not empty`).
    #[serde(default)]
    #[schema(value_type = Object)]
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
    /// `id`, `path`, `url`, `topic`, `corpus`, `step_count`; always an object.
    #[schema(value_type = Object)]
    metadata: Map<String, Value>,
}

/// Dify's response.
#[derive(Serialize, ToSchema)]
pub struct RetrievalOutput {
    /// Best first; empty when nothing matches.
    records: Vec<Record>,
}

fn dify_error(status: StatusCode, error_code: u32, code: &str, message: &str) -> Response {
    let body = json!({
        "error_code": error_code,
        "error_msg": message,
        "error": {"code": code, "message": message},
    });
    (status, Json(body)).into_response()
}

/// Records for Dify's external knowledge base.
#[utoipa::path(
    post,
    path = "/retrieval",
    request_body = RetrievalInput,
    security(("bearer" = [])),
    responses(
        (status = 200, body = RetrievalOutput, description = "Records; an empty body (Dify's registration check) gets `{\"records\": []}`"),
        (status = 400, description = "`error_code` 3001: the body is not a retrieval request"),
        (status = 403, description = "`error_code` 1001: malformed Authorization header; 1002: wrong key"),
        (status = 404, description = "`error_code` 2001: unknown knowledge_id")
    )
)]
pub async fn retrieval(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let Some(key) = auth
        .strip_prefix("Bearer ")
        .map(str::trim)
        .filter(|k| !k.is_empty())
    else {
        return dify_error(
            StatusCode::FORBIDDEN,
            1001,
            "invalid_authorization_header",
            "Invalid Authorization header format. Expected 'Bearer <api-key>' format.",
        );
    };
    if !state.api_keys.iter().any(|k| k == key) {
        return dify_error(
            StatusCode::FORBIDDEN,
            1002,
            "authorization_failed",
            "Authorization failed: the key is not one this server accepts.",
        );
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        // Dify checks the endpoint and key with an empty request.
        return Json(RetrievalOutput {
            records: Vec::new(),
        })
        .into_response();
    }
    let input: RetrievalInput = match serde_json::from_slice(&body) {
        Ok(i) => i,
        Err(e) => {
            return dify_error(
                StatusCode::BAD_REQUEST,
                3001,
                "invalid_json",
                &format!("request body is not a retrieval request: {e}"),
            );
        }
    };
    let corpora: Vec<&str> = state
        .engine
        .manifest()
        .corpora
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    if !corpora.contains(&input.knowledge_id.as_str()) {
        return dify_error(
            StatusCode::NOT_FOUND,
            2001,
            "knowledge_not_found",
            &format!(
                "The knowledge does not exist: `{}`; this server has {}",
                input.knowledge_id,
                corpora.join(", ")
            ),
        );
    }
    let engine = state.engine.clone();
    let result = tokio::task::spawn_blocking(move || records(&engine, &input)).await;
    match result {
        Ok(Ok(records)) => Json(RetrievalOutput { records }).into_response(),
        Ok(Err(e)) => internal(&e.to_string()),
        Err(e) => internal(&e.to_string()),
    }
}

fn internal(detail: &str) -> Response {
    tracing::error!(error = %detail, "retrieval failed");
    dify_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        5000,
        "internal",
        "internal error; the server log has the details",
    )
}

fn records(engine: &crate::search::Engine, input: &RetrievalInput) -> crate::Result<Vec<Record>> {
    let top_k = input.retrieval_setting.top_k.clamp(1, MAX_RECORDS as i64) as usize;
    if input.query.trim().is_empty() {
        return Ok(Vec::new());
    }
    let mut req = SearchRequest::new(input.query.clone());
    req.corpus = Some(input.knowledge_id.clone());
    // Room for records the metadata conditions filter out.
    req.limit = (top_k * 4).min(MAX_RECORDS * 4);
    let ranked = engine.rank(&req)?;
    // Single characters matching is a search-box courtesy, not knowledge.
    if ranked.fallback {
        return Ok(Vec::new());
    }
    let model = Model::default();
    let confidence = model.confidence(&Features::of(engine, &ranked, 0));
    let mut out = Vec::new();
    for (hit, ratio) in ranked.hits.iter().zip(ranked.score_ratios()) {
        let score = ((confidence * ratio) * 1000.0).round() / 1000.0;
        if f64::from(score) < input.retrieval_setting.score_threshold {
            continue;
        }
        let a = &engine.catalog().article(hit.ord)?;
        let mut metadata = Map::new();
        metadata.insert("id".into(), json!(a.id));
        metadata.insert("path".into(), json!(a.path));
        metadata.insert("url".into(), json!(a.url.clone().unwrap_or_default()));
        metadata.insert("topic".into(), json!(topic_value(&a.topic)));
        metadata.insert("corpus".into(), json!(a.corpus));
        metadata.insert("step_count".into(), json!(a.steps().len()));
        if let Some(cond) = &input.metadata_condition
            && !satisfies(&metadata, cond)
        {
            continue;
        }
        out.push(Record {
            content: compose::text(a),
            score,
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
    if cond.conditions.is_empty() {
        return true;
    }
    let results = cond.conditions.iter().map(|c| {
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
        _ => false,
    }
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
            conditions: conds
                .into_iter()
                .map(|(name, op, value)| Condition {
                    name: json!(name),
                    comparison_operator: op.into(),
                    value,
                })
                .collect(),
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
