//! Properties over arbitrary input: nothing panics, offsets stay valid,
//! snippets stay safe HTML.

use proptest::prelude::*;
use wenda::analysis::Analyzer;
use wenda::answer::AnswerRequest;
use wenda::search::SearchRequest;

use crate::common::*;

fn text() -> impl Strategy<Value = String> {
    // Mixed scripts, full width, punctuation, emoji, control characters.
    prop::string::string_regex("[\\PC\\u{3000}-\\u{30FF}\\u{4E00}-\\u{4E80}\\u{FF01}-\\u{FF5E}😀\\t\\n\\u{0}-\\u{1F}<>&\"'*:()-]{0,40}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn token_offsets_are_char_boundaries_in_order(s in text()) {
        let a = Analyzer::default();
        let mut last = 0;
        for t in a.tokens(&s) {
            prop_assert!(t.from <= t.to && t.to <= s.len());
            prop_assert!(s.is_char_boundary(t.from) && s.is_char_boundary(t.to));
            prop_assert!(t.from >= last || !t.main, "tokens come in offset order");
            last = t.from;
            prop_assert!(!t.text.is_empty());
        }
    }

    #[test]
    fn search_never_fails_and_snippets_are_escaped(s in text()) {
        let resp = bundled_engine().search(&SearchRequest::new(s.clone())).unwrap();
        for h in &resp.hits {
            let html = wenda::http::render::snippet_html(&h.snippet);
            let stripped = html.replace("<mark>", "").replace("</mark>", "");
            prop_assert!(!stripped.contains('<'), "{}", html);
        }
    }

    #[test]
    fn answers_never_fail(s in text()) {
        let r = docset_state().answerer().answer(&AnswerRequest { question: s, top_k: 3, ..Default::default() }).unwrap();
        prop_assert!((0.0..=1.0).contains(&r.confidence));
    }
}

fn method() -> impl Strategy<Value = axum::http::Method> {
    prop_oneof![
        Just(axum::http::Method::GET),
        Just(axum::http::Method::POST),
        Just(axum::http::Method::PUT),
        Just(axum::http::Method::DELETE),
        Just(axum::http::Method::OPTIONS),
        Just(axum::http::Method::HEAD),
        Just(axum::http::Method::from_bytes(b"BREW").unwrap()),
    ]
}

fn path() -> impl Strategy<Value = String> {
    let known = prop_oneof![
        Just("/api/search".to_string()),
        Just("/api/answer".to_string()),
        Just("/api/feedback".to_string()),
        Just("/retrieval".to_string()),
        Just("/api/topics".to_string()),
        Just("/api/articles/po-cancel".to_string()),
        Just("/api/articles/sub/x/steps".to_string()),
        Just("/healthz".to_string()),
        Just("/openapi.json".to_string()),
    ];
    (known, text()).prop_map(|(p, tail)| {
        if tail.len() % 3 == 0 {
            format!("{p}/{}", enc(&tail))
        } else {
            p
        }
    })
}

fn query() -> impl Strategy<Value = String> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("q"),
                Just("limit"),
                Just("offset"),
                Just("topic"),
                Just("explain"),
                Just("zz")
            ],
            text(),
        ),
        0..4,
    )
    .prop_map(|pairs| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&")
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        text().prop_map(|q| serde_json::json!({"question": q, "session_id": q}).to_string().into_bytes()),
        text().prop_map(|q| serde_json::json!({"query": q, "article_id": q, "helpful": true}).to_string().into_bytes()),
        text().prop_map(|q| serde_json::json!({"knowledge_id": "corpus", "query": q, "retrieval_setting": {"top_k": 3}}).to_string().into_bytes()),
    ]
}

fn headers() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(
        (
            prop_oneof![
                Just("content-type".to_string()),
                Just("authorization".to_string()),
                Just("accept".to_string()),
                Just("origin".to_string()),
                "x-[a-z]{1,8}",
            ],
            "[ -~]{0,40}",
        ),
        0..4,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Whatever arrives, the router never answers 500 and every error is
    /// `{"error":{"code","message"}}`.
    #[test]
    fn the_router_never_fails_and_errors_are_json(
        method in method(),
        path in path(),
        query in query(),
        headers in headers(),
        body in body(),
    ) {
        use tower::ServiceExt;
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        // A reply to HEAD has no body, by HTTP's rules.
        let head = method == axum::http::Method::HEAD;
        let uri = if query.is_empty() { path } else { format!("{path}?{query}") };
        let mut req = axum::http::Request::builder().method(method).uri(&uri);
        for (k, v) in &headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let req = req.body(axum::body::Body::from(body)).unwrap();
        let app = wenda::http::app(docset_state().with_api_keys(vec!["k".into()]));
        let (status, content_type, bytes) = runtime.block_on(async move {
            let resp = app.oneshot(req).await.unwrap();
            let status = resp.status();
            let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap_or("").to_string()).unwrap_or_default();
            let bytes = http_body_util::BodyExt::collect(resp.into_body()).await.unwrap().to_bytes();
            (status, ct, bytes)
        });
        prop_assert!(status != axum::http::StatusCode::INTERNAL_SERVER_ERROR, "{uri}: {:?}", bytes);
        if (status.is_client_error() || status.is_server_error()) && !head {
            prop_assert!(content_type.starts_with("application/json"), "{status} {uri}: {content_type}");
            let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            prop_assert!(v["error"]["code"].is_string(), "{v}");
            prop_assert!(v["error"]["message"].is_string(), "{v}");
        }
    }
}
