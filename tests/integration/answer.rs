//! The answer endpoint: each status, clarification, follow-ups, steps,
//! sessions, validation.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};
use wenda::answer::{AnswerRequest, Answerer, MemorySessions, Policy, Reason, Status};
use wenda::config::SessionLimits;
use wenda::http::{AppState, app};

use crate::common::*;

async fn ask(app: Router, body: Value) -> (StatusCode, Value) {
    let req = Request::post("/api/answer")
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap();
    send(app, req).await
}

async fn ask_in(session: Option<&str>, question: &str) -> Value {
    let mut body = json!({ "question": question });
    if let Some(s) = session {
        body["session_id"] = json!(s);
    }
    let (status, v) = ask(bundled(), body).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    v
}

#[tokio::test]
async fn a_clear_question_is_answered_with_its_article() {
    let v = ask_in(None, "PO提交了还能撤回吗").await;
    assert_eq!(v["status"], "answered");
    assert_eq!(v["reason"], "confident_match");
    assert_eq!(v["handoff"], false);
    assert_eq!(v["answer"]["id"], "po-cancel");
    let c = v["confidence"].as_f64().unwrap();
    assert!((0.6..=1.0).contains(&c), "{c}");
    let text = v["answer"]["text"].as_str().unwrap();
    assert!(
        text.starts_with("伙伴提交PO后如何取消？") && text.contains("BD"),
        "{text}"
    );
    assert!(
        v["answer"]["markdown"]
            .as_str()
            .unwrap()
            .contains("**伙伴提交PO后如何取消？**")
    );
    assert_eq!(v["reply"], v["answer"]["text"]);
    assert!(!v["session_id"].as_str().unwrap().is_empty());
    assert_eq!(v["candidates"][0]["id"], "po-cancel");
}

#[tokio::test]
async fn a_procedure_answer_carries_numbered_steps_and_the_menu_path() {
    let v = ask_in(None, "怎么线下邀请客户").await;
    assert_eq!(v["answer"]["id"], "offline-customer-invitation");
    let text = v["answer"]["text"].as_str().unwrap();
    assert!(
        text.contains("操作步骤：\n1. 使用合作伙伴账号登录华为云。"),
        "{text}"
    );
    // The step names its console path; it is not written out a second time.
    assert!(
        text.contains("3. 在顶部导航栏中选择“销售 > 拓新 > 客户拓展”。\n"),
        "{text}"
    );
    assert_eq!(text.matches("客户拓展").count(), 1, "{text}");
    assert_eq!(
        v["answer"]["steps"][2]["menu_path"],
        serde_json::json!(["销售", "拓新", "客户拓展"])
    );
    // No internal id in what a customer reads.
    assert!(!text.contains("offline-customer-invitation"), "{text}");
    assert_eq!(v["answer"]["steps"].as_array().unwrap().len(), 5);
    assert_eq!(v["answer"]["breadcrumb"][0]["name"], "客户业务");
}

#[tokio::test]
async fn a_bare_topic_word_is_answered_or_clarified_never_dropped() {
    let v = ask_in(None, "考试券").await;
    assert_ne!(v["status"], "no_answer", "{v}");
}

#[tokio::test]
async fn out_of_domain_questions_and_requests_for_a_person_hand_over() {
    let v = ask_in(None, "今天天气怎么样").await;
    assert_eq!(v["status"], "no_answer");
    assert_eq!(v["handoff"], true);
    assert_eq!(v["reason"], "out_of_domain");
    assert!(v["answer"].is_null());
    assert!(v["reply"].as_str().unwrap().contains("人工"));
    for q in ["转人工", "人工客服", "我要找人工"] {
        let v = ask_in(None, q).await;
        assert_eq!(v["status"], "no_answer", "{q}");
        assert_eq!(v["handoff"], true, "{q}");
        assert_eq!(v["reason"], "human_requested", "{q}");
    }
}

#[tokio::test]
async fn a_follow_up_stays_on_the_topic_of_the_conversation() {
    let first = ask_in(None, "PO提交了还能撤回吗").await;
    let session = first["session_id"].as_str().unwrap();
    let v = ask_in(Some(session), "那怎么取消").await;
    assert_eq!(v["status"], "answered", "{v}");
    assert_eq!(v["answer"]["id"], "po-cancel");
    assert_eq!(v["session_id"], session);
}

#[tokio::test]
async fn ambiguous_questions_ask_and_the_choice_resolves_them() {
    let v = ask_in(None, "代金券").await;
    assert_eq!(v["status"], "clarify", "{v}");
    assert_eq!(v["reason"], "ambiguous");
    assert_eq!(v["handoff"], false);
    let cands = v["candidates"].as_array().unwrap();
    assert!(cands.len() >= 2);
    let reply = v["reply"].as_str().unwrap();
    assert!(reply.starts_with("您想问的是："), "{reply}");
    assert!(reply.contains(&format!("2. {}", cands[1]["title"].as_str().unwrap())));
    let session = v["session_id"].as_str().unwrap().to_string();
    // By number …
    let picked = ask_in(Some(&session), "2").await;
    assert_eq!(picked["status"], "answered");
    assert_eq!(picked["reason"], "clarified");
    assert_eq!(picked["answer"]["id"], cands[1]["id"]);
    // … or by title.
    let v = ask_in(None, "代金券").await;
    let session = v["session_id"].as_str().unwrap().to_string();
    let title = v["candidates"][0]["title"].as_str().unwrap().to_string();
    let picked = ask_in(Some(&session), &title).await;
    assert_eq!(picked["answer"]["id"], v["candidates"][0]["id"]);
}

#[tokio::test]
async fn steps_are_read_out_one_by_one() {
    let first = ask_in(None, "怎么线下邀请客户").await;
    let session = first["session_id"].as_str().unwrap().to_string();
    let v = ask_in(Some(&session), "第三步在哪里点？").await;
    assert_eq!(v["reason"], "step");
    assert_eq!(v["answer"]["step"], 3);
    let text = v["answer"]["text"].as_str().unwrap();
    assert!(text.starts_with("第 3 步（共 5 步）："), "{text}");
    assert_eq!(text.matches("销售 > 拓新 > 客户拓展").count(), 1, "{text}");
    let v = ask_in(Some(&session), "下一步").await;
    assert_eq!(v["answer"]["step"], 4);
    let v = ask_in(Some(&session), "上一步").await;
    assert_eq!(v["answer"]["step"], 3);
    // A step the article does not have: said so, no step read again.
    let v = ask_in(Some(&session), "第九步").await;
    assert_eq!(v["reason"], "step");
    let reply = v["reply"].as_str().unwrap();
    assert!(reply.contains("只有 5 步"), "{reply}");
    assert!(!reply.contains("第 3 步（共 5 步）"), "{reply}");
    assert_eq!(v["answer"]["step"], 3, "the place in the article is kept");
    // 下一步 past the last step says it is the last, once.
    ask_in(Some(&session), "第五步").await;
    let v = ask_in(Some(&session), "下一步").await;
    let reply = v["reply"].as_str().unwrap();
    assert!(reply.contains("最后一步"), "{reply}");
    assert!(!reply.contains("获取邀请链接"), "{reply}");
    // Without a conversation, “下一步” is not a step of anything.
    let v = ask_in(None, "下一步").await;
    assert_ne!(v["reason"], "step");
}

#[tokio::test]
async fn bad_requests_are_json_400s() {
    let cases = [
        (json!({"question": "  "}), "empty_question"),
        (json!({"question": "PO", "top_k": 0}), "invalid_top_k"),
        (json!({"question": "PO", "top_k": 11}), "invalid_top_k"),
        (json!({"question": "PO", "extra": 1}), "invalid_json"),
        (json!({"session_id": "x"}), "invalid_json"),
        (json!({"question": "券".repeat(1001)}), "query_too_long"),
    ];
    for (body, code_) in cases {
        let (status, v) = ask(bundled(), body.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(code(&v), code_, "{body}");
    }
    let req = Request::post("/api/answer")
        .header("content-type", "application/json")
        .body(Body::from("{not json"))
        .unwrap();
    let (status, v) = send(bundled(), req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&v), "invalid_json");
    let req = Request::post("/api/answer")
        .body(Body::from(r#"{"question":"PO"}"#))
        .unwrap();
    let (status, v) = send(bundled(), req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "missing content type");
    assert_eq!(code(&v), "invalid_json");
}

#[test]
fn sessions_expire_and_the_store_stays_bounded() {
    let (_dir, engine) = build(&[repo().join("corpus")]);
    let sessions = Arc::new(MemorySessions::new(SessionLimits {
        ttl: Duration::from_secs(60),
        capacity: 2,
    }));
    let answerer = Answerer::with(Arc::new(engine), sessions.clone(), Policy::default());
    let t0 = Instant::now();
    let ask = |q: &str, session: Option<&str>, at: Instant| {
        let r = answerer
            .answer_at(
                &AnswerRequest {
                    question: q.into(),
                    session_id: session.map(str::to_string),
                    top_k: 3,
                    ..Default::default()
                },
                at,
            )
            .unwrap();
        // moka applies evictions in batches; apply them now.
        sessions.sync();
        r
    };
    let first = ask("怎么线下邀请客户", None, t0);
    let id = first.session_id.clone();
    let within = ask("下一步", Some(&id), t0 + Duration::from_secs(30));
    assert_eq!(within.reason, Reason::Step);
    let after = ask("下一步", Some(&id), t0 + Duration::from_secs(200));
    assert_ne!(after.reason, Reason::Step, "the session expired");
    // A third conversation evicts the least recently used of two.
    let a = ask("怎么线下邀请客户", None, t0 + Duration::from_secs(300)).session_id;
    let b = ask("怎么线下邀请客户", None, t0 + Duration::from_secs(301)).session_id;
    let _c = ask("怎么线下邀请客户", None, t0 + Duration::from_secs(302));
    let now = t0 + Duration::from_secs(303);
    let kept = ask("下一步", Some(&b), now);
    assert_eq!((kept.status, kept.reason), (Status::Answered, Reason::Step));
    assert_ne!(
        ask("下一步", Some(&a), now).reason,
        Reason::Step,
        "a was evicted"
    );
}

#[tokio::test]
async fn the_topic_filter_limits_answers() {
    let (_dir, engine) = build(&[repo().join("corpus")]);
    let state = AppState::new(engine);
    let (status, v) = ask(
        app(state),
        json!({"question": "代金券", "topic": "经销商子客户", "top_k": 5}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let candidates = v["candidates"].as_array().unwrap();
    assert!(!candidates.is_empty(), "{v}");
    for c in candidates {
        assert_eq!(c["id"], "sub-customer-vouchers");
    }
}

#[tokio::test]
async fn a_search_only_single_characters_match_is_flagged_never_answered_and_a_gap() {
    let dir = tempfile::tempdir().unwrap();
    let state = bundled_state().with_journal(wenda::journal::Journal::open(dir.path()).unwrap());
    // No article of the bundled corpus is about invoices; 开 and 票 alone
    // still match a few.
    let (status, v) = search(app(state.clone()), "发票怎么开", "").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(v["fallback"], true, "{v}");
    let hits = v["hits"].as_array().unwrap();
    assert!(
        !hits.is_empty(),
        "the fallback still offers something to read"
    );
    assert!(hits.iter().all(|h| h["fallback"] == true), "{v}");
    // A question the words of which match: no fallback.
    let (_, v) = search(app(state.clone()), "考试券怎么用", "").await;
    assert_eq!(v["fallback"], false);
    assert!(
        v["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["fallback"] == false)
    );

    let (status, a) = ask(app(state.clone()), json!({"question": "发票怎么开"})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(a["status"], "no_answer", "{a}");
    assert_eq!(a["handoff"], true);
    assert_eq!(
        a["candidates"],
        json!([]),
        "fallback hits are never choices"
    );

    state.journal.as_ref().unwrap().flush();
    let r = wenda::journal::report(dir.path(), 10).unwrap();
    assert!(
        r.zero_results.iter().any(|c| c.query == "发票怎么开"),
        "a fallback search is a search that found nothing: {r:?}"
    );
}

#[test]
fn words_read_as_pinyin_count_as_known_words() {
    use wenda::answer::confidence::Features;
    use wenda::search::SearchRequest;
    let e = bundled_engine();
    let features = |q: &str| {
        let ranked = e.rank(&SearchRequest::new(q)).unwrap();
        Features::of(e, &ranked, 0)
    };
    // 代金券 typed as pinyin: the letters were read, not left unknown.
    let f = features("dai jin quan");
    assert_eq!(f.known, 1.0, "{f:?}");
    assert_eq!(f.matched, 1.0, "{f:?}");
    // Letters that no reading turns into a word stay unknown.
    let f = features("代金券 qzxv");
    assert!(f.known < 0.75, "{f:?}");
    // Pinyin for a word the corpus lacks (冰箱) is left unread beside the
    // reading of the rest: it stays unknown, not hidden by the reading.
    let f = features("dai jin quan bingxiang");
    assert!(f.known < 0.75, "{f:?}");
    // A particle (了) or question word (怎么) the reading skips is none.
    let f = features("dai jin quan le");
    assert_eq!(f.known, 1.0, "{f:?}");
    let f = features("zenme yong dai jin quan");
    assert_eq!(f.known, 1.0, "{f:?}");
}

#[test]
fn a_lone_ideograph_the_plan_added_is_no_sign_the_article_has_the_word() {
    use wenda::answer::confidence::Features;
    use wenda::search::SearchRequest;
    let e = bundled_engine();
    // 用不上 searches 用 too, and 用 is in nearly every text: the best
    // article does not have the question's 用不上 for that.
    let ranked = e.rank(&SearchRequest::new("考试券用不上")).unwrap();
    let f = Features::of(e, &ranked, 0);
    assert!(f.matched < 1.0, "{f:?}");
}
