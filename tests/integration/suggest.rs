//! `/api/suggest`: completions while typing — characters, full pinyin,
//! initials, mixed, traditional and full width — with the matched part
//! marked, the error contract of search, and how often a title's own
//! prefixes find it.

use axum::http::StatusCode;
use serde_json::Value;

use crate::common::*;
use wenda::index::suggest::coverage;

async fn suggest(q: &str, extra: &str) -> (StatusCode, Value) {
    get(bundled(), &format!("/api/suggest?q={}{extra}", enc(q))).await
}

fn texts(body: &Value) -> Vec<String> {
    body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["text"].as_str().unwrap().to_string())
        .collect()
}

/// The marked part of each suggestion.
fn marked(body: &Value) -> Vec<String> {
    body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let chars: Vec<char> = s["text"].as_str().unwrap().chars().collect();
            s["highlights"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    let (a, b) = (
                        r[0].as_u64().unwrap() as usize,
                        r[1].as_u64().unwrap() as usize,
                    );
                    chars[a..b].iter().collect::<String>()
                })
                .collect::<String>()
        })
        .collect()
}

#[tokio::test]
async fn initials_suggest_daijinquan_on_the_bundled_corpus() {
    let (status, body) = suggest("djq", "").await;
    assert_eq!(status, StatusCode::OK);
    let words: Vec<&Value> = body["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["text"] == "代金券")
        .collect();
    assert_eq!(words.len(), 1, "{body}");
    assert_eq!(words[0]["kind"], "word");
    assert_eq!(words[0]["via"], "initials");
    assert!(words[0]["article_id"].is_null());
    assert!(marked(&body).iter().all(|m| m == "代金券"), "{body}");
}

#[tokio::test]
async fn characters_pinyin_mixed_traditional_and_full_width_complete_alike() {
    let (_, chars) = suggest("代金", "").await;
    assert!(texts(&chars).contains(&"代金券".to_string()), "{chars}");
    assert!(marked(&chars).iter().all(|m| m == "代金"), "{chars}");
    // Titles and questions name their article and its topic.
    let article = chars["suggestions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["kind"] == "title")
        .unwrap_or_else(|| panic!("a title: {chars}"));
    assert_eq!(article["article_id"], "sub-customer-vouchers");
    assert_eq!(article["topic"], serde_json::json!(["经销商子客户"]));
    for typed in ["daijin", "dai jin", "代j", "代jin", "ＤＡＩＪＩＮ"] {
        let (status, body) = suggest(typed, "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(
            texts(&body).contains(&"代金券".to_string()),
            "{typed}: {body}"
        );
        assert!(
            body["suggestions"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["via"] == "pinyin"),
            "{typed}: {body}"
        );
    }
    // 考試券 (traditional), and 邀请客户 at a word start inside a title.
    let (_, trad) = suggest("考試", "").await;
    assert!(
        texts(&trad).iter().any(|t| t.starts_with("考试券")),
        "{trad}"
    );
    let (_, inner) = suggest("邀请客户", "").await;
    // A question that starts so comes first; one suggestion per article.
    assert_eq!(
        texts(&inner),
        ["邀请客户时关联类型怎么选", "线下邀请客户"],
        "{inner}"
    );
    assert!(marked(&inner).iter().all(|m| m == "邀请客户"), "{inner}");
    // An exact title first; nothing for what the corpus does not contain.
    let (_, exact) = suggest("线下邀请客户", "").await;
    assert_eq!(
        exact["suggestions"][0]["article_id"],
        "offline-customer-invitation"
    );
    let (_, none) = suggest("qqqzzz", "").await;
    assert_eq!(none["suggestions"], serde_json::json!([]));
}

#[tokio::test]
async fn suggest_has_the_error_contract_of_search() {
    let (status, body) = get(bundled(), "/api/suggest").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "empty_query");
    let (_, body) = suggest("   ", "").await;
    assert_eq!(code(&body), "empty_query");
    let (status, body) = suggest(&"代".repeat(1001), "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "query_too_long");
    for limit in ["0", "21", "abc", "-1", "1.5"] {
        let (status, body) = suggest("代金", &format!("&limit={limit}")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{limit}");
        assert_eq!(code(&body), "invalid_limit", "{limit}");
    }
    let (status, body) = get(bundled(), "/api/suggest?q=a&q=b").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "invalid_parameter");
    let (_, body) = suggest("代金", "&limit=1").await;
    assert_eq!(body["suggestions"].as_array().unwrap().len(), 1);
    // Query syntax and odd input are text.
    for q in ["\"", "*", "title:代金", "😀", "\u{1}", "%", "'"] {
        let (status, _) = suggest(q, "").await;
        assert_eq!(status, StatusCode::OK, "{q:?}");
    }
}

/// The coverage computation `examples/suggest_eval.rs` runs on the ECS
/// guide for the README, here on the bundled corpus and the fixture
/// docsets together (33 titles): every title prefix of 2 to 4 characters,
/// and its pinyin initials, must find its title among the first five
/// suggestions at least 90% of the time.
#[test]
fn title_prefixes_find_their_title() {
    let (_dir, engine) = build(&[
        repo().join("corpus"),
        data("docset"),
        data("bulk"),
        data("crawl"),
    ]);
    let catalog = engine.catalog();
    let titles: Vec<(String, String)> = (0..catalog.len())
        .filter_map(|o| catalog.entry(o))
        .map(|e| (e.id.clone(), e.title.clone()))
        .collect();
    assert!(titles.len() >= 30, "{}", titles.len());
    let c = coverage(engine.suggester(), &titles, 2..=4, 5);
    assert!(c.prefixes >= 80 && c.initials >= 80, "{c:?}");
    assert!(c.prefix_rate() >= 0.9, "{c:?}");
    assert!(c.initials_rate() >= 0.9, "{c:?}");
}
