//! The HTTP API, driven in-process.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn healthz_reports_the_article_count() {
    let (status, body) = get(bundled(), "/healthz").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["status"], "ok");
    assert_eq!(
        body["articles"].as_u64().unwrap() as usize,
        bundled_engine().catalog().len()
    );
}

#[tokio::test]
async fn exam_voucher_question_finds_the_exam_voucher_article_first() {
    let (status, body) = search(bundled(), "考试券怎么用", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["query"], "考试券怎么用");
    let first = &body["hits"][0];
    assert_eq!(first["id"], "exam-voucher-use");
    assert_eq!(first["topic"], json!(["考试券"]));
    assert_eq!(first["path"], "exam-voucher-use.md");
    assert!(
        first["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>考试券</mark>")
    );
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert!(body["total"].as_u64().unwrap() >= 1);
    assert!(body["took_ms"].as_f64().is_some());
    let facets = body["facets"]["topic"].as_array().unwrap();
    assert!(
        facets
            .iter()
            .any(|f| f["value"] == "考试券" && f["count"] == 1)
    );
    let counted: u64 = facets.iter().map(|f| f["count"].as_u64().unwrap()).sum();
    assert!(counted <= body["total"].as_u64().unwrap());
}

#[tokio::test]
async fn topic_filter_keeps_only_that_topic_and_drills_the_facets_down() {
    let (status, all) = search(bundled(), "代金券", "").await;
    assert_eq!(status, StatusCode::OK);
    assert!(all["total"].as_u64().unwrap() > 1);
    let (status, body) = search(
        bundled(),
        "代金券",
        &format!("&topic={}", enc("经销商子客户")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let hits = body["hits"].as_array().unwrap();
    assert!(!hits.is_empty());
    assert!(hits.iter().all(|h| h["topic"][0] == "经销商子客户"));
    assert!(body["total"].as_u64().unwrap() < all["total"].as_u64().unwrap());
    // No sub-topics under a leaf topic.
    assert_eq!(body["facets"]["topic"], json!([]));
}

#[tokio::test]
async fn topic_filter_on_a_nested_path() {
    let (status, body) = search(
        docset(),
        "计费",
        &format!("&topic={}", enc("实例 > 计费模式")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let ids = hit_ids(&body);
    assert!(!ids.is_empty());
    assert!(
        ids.iter()
            .all(|id| id == "包年-包月计费" || id == "按需计费"),
        "{ids:?}"
    );
    let (_, top) = search(docset(), "计费", "").await;
    assert!(
        top["facets"]["topic"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["value"] == "实例")
    );
}

#[tokio::test]
async fn limit_and_offset_page_through_the_same_ranking() {
    let (_, full) = search(bundled(), "伙伴中心", "&limit=5").await;
    let ids = hit_ids(&full);
    assert!(ids.len() >= 3, "{ids:?}");
    let (_, page2) = search(bundled(), "伙伴中心", "&limit=2&offset=1").await;
    assert_eq!(hit_ids(&page2), ids[1..3].to_vec());
    assert_eq!(page2["total"], full["total"]);
}

#[tokio::test]
async fn query_syntax_and_odd_input_are_just_text() {
    let long = "伙伴提交PO后如何取消".repeat(30);
    for q in [
        "\"PO AND (取消",
        "title:foo",
        "*",
        "-",
        "😀🎉",
        "PO\u{0}取消",
        "<script>alert(1)</script>",
        long.as_str(),
    ] {
        let (status, body) = search(bundled(), q, "").await;
        assert_eq!(status, StatusCode::OK, "{q}: {body}");
        assert!(body["hits"].is_array(), "{q}: {body}");
    }
    let (_, body) = search(bundled(), "\"PO AND (取消", "").await;
    assert_eq!(hit_ids(&body)[0], "po-cancel");
    // Snippets are HTML: whatever the text holds is escaped there.
    let (_, body) = search(bundled(), "<script>alert(1)</script>", "").await;
    for hit in body["hits"].as_array().unwrap() {
        assert!(!hit["snippet"].as_str().unwrap().contains("<script"));
    }
}

#[tokio::test]
async fn blank_or_missing_query_is_a_400() {
    for uri in [
        "/api/search",
        "/api/search?q=",
        "/api/search?q=%20%20%E3%80%80",
    ] {
        let (status, body) = get(bundled(), uri).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
        assert_eq!(code(&body), "empty_query");
        assert!(body["error"]["message"].as_str().unwrap().contains("`q`"));
    }
}

#[tokio::test]
async fn bad_limit_offset_and_length_are_400s() {
    for extra in ["&limit=0", "&limit=101", "&limit=abc", "&limit=-1"] {
        let (status, body) = search(bundled(), "PO", extra).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}");
        assert_eq!(code(&body), "invalid_limit", "{extra}");
    }
    for extra in ["&offset=-1", "&offset=x", "&offset=10001"] {
        let (status, body) = search(bundled(), "PO", extra).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extra}");
        assert_eq!(code(&body), "invalid_offset", "{extra}");
    }
    let (status, body) = search(bundled(), &"券".repeat(1001), "").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "query_too_long");
    let (status, _) = search(bundled(), "PO", "&limit=100").await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn malformed_query_string_is_a_json_400() {
    let (status, body) = get(bundled(), "/api/search?q=PO&limit=1&limit=2").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "invalid_parameter");
}

#[tokio::test]
async fn article_by_id_returns_the_whole_article() {
    let (status, body) = get(bundled(), "/api/articles/po-cancel").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["id"], "po-cancel");
    assert_eq!(body["title"], "伙伴提交PO后如何取消？");
    assert_eq!(body["topic"], json!(["共享给华为(PO)"]));
    assert_eq!(body["path"], "po-cancel.md");
    assert!(!body["questions"].as_array().unwrap().is_empty());
    let sections = body["sections"].as_array().unwrap();
    assert!(sections[0]["text"].as_str().unwrap().contains("BD"));
    assert!(sections[0].get("heading").is_some());
}

#[tokio::test]
async fn article_ids_may_contain_slashes() {
    let uri = format!("/api/articles/sub/{}", enc("更改时区"));
    let (status, body) = get(docset(), &uri).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["id"], "sub/更改时区");
    assert_eq!(body["topic"], json!(["实例", "管理实例"]));
    let headings: Vec<_> = body["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["heading"].clone())
        .collect();
    assert_eq!(headings, vec![json!("操作场景"), json!("操作步骤")]);
}

#[tokio::test]
async fn unknown_article_is_a_404() {
    let (status, body) = get(bundled(), "/api/articles/no-such-article").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "article_not_found");
}

#[tokio::test]
async fn topics_tree_has_counts() {
    let (status, body) = get(docset(), "/api/topics").await;
    assert_eq!(status, StatusCode::OK);
    let topics = body["topics"].as_array().unwrap();
    let instance = topics.iter().find(|t| t["name"] == "实例").unwrap();
    assert_eq!(instance["path"], json!(["实例"]));
    let children: Vec<_> = instance["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap(), c["count"].as_u64().unwrap()))
        .collect();
    assert_eq!(children, vec![("管理实例", 2), ("计费模式", 2)]);
    // 管理实例 itself sits under 实例 by its link-less TOC entry.
    assert_eq!(instance["count"], 5);
}

#[tokio::test]
async fn unknown_route_and_wrong_method_are_json_errors() {
    let (status, body) = get(bundled(), "/api/nothing-here").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(code(&body), "route_not_found");
    let req = Request::post("/api/search?q=PO")
        .body(Body::empty())
        .unwrap();
    let (status, body) = send(bundled(), req).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(code(&body), "method_not_allowed");
}

#[tokio::test]
async fn docset_hits_carry_toc_topic_paths_and_the_toc_is_no_hit() {
    let (status, body) = search(docset(), "时区", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["hits"][0]["id"], "sub/更改时区");
    assert_eq!(body["hits"][0]["topic"], json!(["实例", "管理实例"]));
    let (_, body) = search(docset(), "测试指南", "").await;
    assert!(!hit_ids(&body).iter().any(|id| id == "index"), "{body}");
    let (_, body) = search(docset(), "独角兽", "").await;
    assert_eq!(hit_ids(&body), vec!["未收录"]);
    assert_eq!(body["hits"][0]["topic"], json!([]));
}
