//! Ranking for the way people type: each normalisation and expansion is
//! shown failing without it and working with it.

use std::fs;
use std::path::Path;

use axum::http::StatusCode;
use wenda::search::{Engine, Planning, Ranking, SearchRequest};

use crate::common::*;

fn first(engine: &Engine, q: &str) -> Option<String> {
    engine
        .search(&SearchRequest::new(q))
        .unwrap()
        .hits
        .first()
        .map(|h| h.id.clone())
}

fn corpus_text_contains(engine: &Engine, needle: &str) -> bool {
    engine.catalog().articles().any(|a| {
        let a = a.unwrap();
        a.title.contains(needle)
            || a.body_text().contains(needle)
            || a.questions.iter().any(|q| q.contains(needle))
    })
}

fn write(dir: &Path, name: &str, text: &str) {
    fs::write(dir.join(name), text).unwrap();
}

#[test]
fn the_queries_partners_really_type_find_their_article_first() {
    let e = bundled_engine();
    let cases = [
        ("PO提交了还能撤回吗", "po-cancel"),
        ("给客户发代金卷", "issue-vouchers-to-customers"),
        ("激勵發放方式選錯了", "incentive-payout-method-wrong"),
        ("ＰＯ 取消", "po-cancel"),
        ("考试券怎么用", "exam-voucher-use"),
    ];
    for (q, want) in cases {
        assert_eq!(first(e, q).as_deref(), Some(want), "{q}");
    }
    let voucher = first(e, "dai jin quan").unwrap();
    assert!(
        [
            "issue-vouchers-to-customers",
            "sub-customer-vouchers",
            "customer-purchase"
        ]
        .contains(&voucher.as_str()),
        "{voucher}"
    );
}

#[test]
fn a_query_with_no_word_of_the_title_finds_the_security_group_rules() {
    let (_d, e) = build(&[data("docset")]);
    assert_eq!(
        first(&e, "服务器22端口连不上怎么放行").as_deref(),
        Some("sub/配置安全组规则")
    );
}

#[test]
fn traditional_characters_match_simplified_articles() {
    let e = bundled_engine();
    // Before: the traditional spelling is nowhere in the corpus.
    assert!(!corpus_text_contains(e, "激勵") && !corpus_text_contains(e, "發放"));
    // After: conversion makes it the same query as the simplified one.
    assert_eq!(
        first(e, "激勵發放方式選錯了"),
        first(e, "激励发放方式选错了")
    );
    assert_eq!(
        first(e, "激勵發放方式選錯了").as_deref(),
        Some("incentive-payout-method-wrong")
    );
}

#[test]
fn full_width_letters_match_half_width_ones() {
    let e = bundled_engine();
    assert!(!corpus_text_contains(e, "ＰＯ"));
    assert_eq!(first(e, "ＰＯ　取消").as_deref(), Some("po-cancel"));
    assert_eq!(first(e, "ｐｏ取消"), first(e, "PO取消"));
}

#[test]
fn whole_pinyin_queries_read_as_chinese() {
    let (_d, plain) = build(&[repo().join("corpus")]);
    let plain = plain.with_ranking(Ranking {
        planning: Planning {
            pinyin: false,
            ..Planning::default()
        },
        ..Ranking::default()
    });
    for q in ["dai jin quan", "daijinquan", "kaoshiquan"] {
        assert!(
            plain
                .search(&SearchRequest::new(q))
                .unwrap()
                .hits
                .is_empty(),
            "{q}"
        );
    }
    let e = bundled_engine();
    let resp = e.search(&SearchRequest::new("kaoshiquan")).unwrap();
    assert_eq!(resp.hits[0].id, "exam-voucher-use");
    assert_eq!(resp.suggestion.as_deref(), Some("考试券"));
    let resp = e.search(&SearchRequest::new("dai jin quan")).unwrap();
    assert!(resp.hits[0].title.contains("代金券"));
    assert_eq!(resp.suggestion.as_deref(), Some("代金券"));
}

#[test]
fn homophone_typos_reach_the_word_meant() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(
        root,
        "voucher.md",
        "# 考试券怎么使用\n\n申请考试券后登录查看考试券。\n",
    );
    write(
        root,
        "paper.md",
        "# 考试试卷说明\n\n考试试卷在考试结束后公布，试卷可以下载。\n",
    );
    write(root, "other.md", "# 账号改名\n\n提交工单。\n");
    let (d, e) = build(&[root.to_path_buf()]);
    let without = Engine::open(&d.path().join("index"))
        .unwrap()
        .with_ranking(Ranking {
            planning: Planning {
                typos: false,
                ..Planning::default()
            },
            ..Ranking::default()
        });
    // Before: 考试卷 (juàn) read literally is about exam papers.
    assert_eq!(first(&without, "考试卷").as_deref(), Some("paper"));
    assert_eq!(
        without
            .search(&SearchRequest::new("考试卷"))
            .unwrap()
            .suggestion,
        None
    );
    // After: it sounds like 考试券 (quàn), the word this corpus uses.
    let resp = e.search(&SearchRequest::new("考试卷")).unwrap();
    assert_eq!(resp.hits[0].id, "voucher");
    assert_eq!(resp.suggestion.as_deref(), Some("考试券"));
    // An exact homophone: 挂在 (guà zài) for 挂载.
    write(
        root,
        "mount.md",
        "# 挂载磁盘\n\n把磁盘挂载到云服务器，挂载后初始化。\n",
    );
    let (_d2, e) = build(&[root.to_path_buf()]);
    let resp = e.search(&SearchRequest::new("挂在磁盘")).unwrap();
    assert_eq!(resp.hits[0].id, "mount");
    assert_eq!(resp.suggestion.as_deref(), Some("挂载磁盘"));
}

#[test]
fn near_homophone_look_alikes_are_corrected() {
    let e = bundled_engine();
    let plan = e.plan("给客户发代金卷");
    assert!(plan.terms().iter().any(|t| t.text == "代金券"), "{plan:?}");
    let resp = e.search(&SearchRequest::new("给客户发代金卷")).unwrap();
    assert_eq!(resp.suggestion.as_deref(), Some("给客户发代金券"));
    // A word that is right is left alone.
    assert_eq!(
        e.search(&SearchRequest::new("给客户发代金券"))
            .unwrap()
            .suggestion,
        None
    );
}

#[test]
fn synonyms_count_with_less_weight_than_typed_words() {
    let (_d, plain) = build(&[repo().join("corpus")]);
    let plain = plain.with_ranking(Ranking {
        planning: Planning {
            synonyms: false,
            ..Planning::default()
        },
        ..Ranking::default()
    });
    // Before: 优惠券 is not how the article says it.
    assert_ne!(
        first(&plain, "优惠券怎么发给客户").as_deref(),
        Some("issue-vouchers-to-customers")
    );
    // After: 优惠券 also searches 代金券.
    let e = bundled_engine();
    assert_eq!(
        first(e, "优惠券怎么发给客户").as_deref(),
        Some("issue-vouchers-to-customers")
    );
    let plan = e.plan("优惠券");
    let weight = |w: &str| plan.terms().iter().find(|t| t.text == w).unwrap().weight;
    assert!(weight("代金券") < weight("优惠券"));
}

#[test]
fn question_words_carry_little_weight() {
    let e = bundled_engine();
    let plan = e.plan("PO怎么取消呢");
    let weight = |w: &str| plan.terms().iter().find(|t| t.text == w).unwrap().weight;
    assert!(weight("怎么") < 0.5 * weight("取消"));
    assert!(weight("呢") < 0.5 * weight("po"));
    assert_eq!(first(e, "PO怎么取消呢").as_deref(), Some("po-cancel"));
}

#[test]
fn nothing_matching_falls_back_to_characters_and_suggests() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", "# 考试券的使用\n\n登录后查看考试券。\n");
    write(dir.path(), "b.md", "# 账号改名\n\n提交工单。\n");
    let (_d, e) = build(&[dir.path().to_path_buf()]);
    // No word and no pair of 试考 is in the corpus; its characters are.
    let resp = e.search(&SearchRequest::new("试考")).unwrap();
    assert_eq!(resp.hits[0].id, "a");
    assert_eq!(resp.suggestion.as_deref(), Some("考试券的使用"));
    assert!(
        e.search(&SearchRequest::new("鲸鱼"))
            .unwrap()
            .hits
            .is_empty()
    );
}

#[test]
fn near_duplicate_pages_show_once() {
    let dir = tempfile::tempdir().unwrap();
    let body: String = (1..25)
        .map(|i| format!("第{i}步，在控制台选择第{i}台云服务器并单击远程登录。"))
        .collect();
    write(
        dir.path(),
        "new.md",
        &format!("# 远程登录云服务器\n\n{body}\n"),
    );
    write(
        dir.path(),
        "old.md",
        &format!("# 登录云服务器（旧版）\n\n{body}补充说明。\n"),
    );
    write(
        dir.path(),
        "other.md",
        "# 远程登录须知\n\n远程登录前检查网络。\n",
    );
    let (_d, e) = build(&[dir.path().to_path_buf()]);
    let resp = e.search(&SearchRequest::new("远程登录云服务器")).unwrap();
    let ids: Vec<_> = resp.hits.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_eq!(ids[0], "new");
    assert_eq!(resp.hits[0].duplicates, vec!["old"]);
}

#[test]
fn pages_of_links_rank_below_the_pages_they_list() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "overview.md",
        "# 安全组\n\n- [配置安全组规则](rules.md)\n- [安全组配置示例](examples.md)\n",
    );
    write(
        dir.path(),
        "rules.md",
        "# 配置安全组规则\n\n安全组规则放行端口。\n",
    );
    write(dir.path(), "examples.md", "# 安全组配置示例\n\n示例。\n");
    let (_d, e) = build(&[dir.path().to_path_buf()]);
    let resp = e.search(&SearchRequest::new("安全组规则")).unwrap();
    assert_eq!(resp.hits[0].id, "rules");
    let mut req = SearchRequest::new("安全组规则");
    req.explain = true;
    let resp = e.search(&req).unwrap();
    let overview = resp.hits.iter().find(|h| h.id == "overview").unwrap();
    assert!(overview.explain.as_ref().unwrap().factors.link_page);
}

#[tokio::test]
async fn explain_shows_terms_and_score_factors() {
    let (status, body) = search(bundled(), "PO提交了还能撤回吗", "&explain=true&limit=2").await;
    assert_eq!(status, StatusCode::OK);
    let terms = body["explain"]["terms"].as_array().unwrap();
    assert!(
        terms
            .iter()
            .any(|t| t["text"] == "撤回" && t["source"] == "typed")
    );
    assert!(
        terms
            .iter()
            .any(|t| t["text"] == "撤销" && t["source"] == "phrasing"),
        "撤回/撤销 is how people say it, from the help-desk lexicon: {terms:?}"
    );
    let e = &body["hits"][0]["explain"];
    for key in [
        "retrieval",
        "title_coverage",
        "title_precision",
        "exact_match",
        "link_page",
        "proximity",
        "score",
    ] {
        assert!(e.get(key).is_some(), "{key} missing: {e}");
    }
    let matches = e["matches"].as_array().unwrap();
    assert!(
        matches
            .iter()
            .any(|m| m["term"] == "撤回" && m["score"].as_f64().unwrap() > 0.0)
    );
    let (_, plain) = search(bundled(), "PO提交了还能撤回吗", "").await;
    assert!(plain.get("explain").is_none());
    assert!(plain["hits"][0].get("explain").is_none());
    let (status, body) = search(bundled(), "PO", "&explain=maybe").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(code(&body), "invalid_parameter");
}

#[test]
fn ingest_reports_the_synonym_groups_it_loaded() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a.md", "# 甲\n\n正文。\n");
    let base = wenda::index::build_index(&[dir.path().to_path_buf()], &dir.path().join("i1"), None)
        .unwrap()
        .synonym_groups;
    assert!(base > 10, "built-in groups: {base}");
    write(dir.path(), "synonyms.txt", "甲,乙\n孤单\n");
    let report =
        wenda::index::build_index(&[dir.path().to_path_buf()], &dir.path().join("i2"), None)
            .unwrap();
    assert_eq!(report.synonym_groups, base + 1);
    assert!(
        report
            .warnings
            .iter()
            .any(|w| w.file.ends_with("synonyms.txt") && w.line == Some(2))
    );
    let e = Engine::open(&dir.path().join("i2")).unwrap();
    assert_eq!(first(&e, "乙").as_deref(), Some("a"));
}

/// 1,000 ideographs drawn from the common block by a fixed linear
/// congruential sequence (the same text every run).
fn random_ideographs(n: usize) -> String {
    let mut x: u32 = 12345;
    (0..n)
        .map(|_| {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            char::from_u32(0x4E00 + (x >> 8) % 0x5000).unwrap()
        })
        .collect()
}

#[test]
fn a_thousand_random_ideographs_plan_within_five_typical_queries_of_work() {
    use wenda::search::config::{MAX_CONCEPTS, MAX_GRAMS, MAX_PLAN_LOOKUPS};
    let e = bundled_engine();
    let (queries, _) = wenda::eval::read_queries(&data("partner_dev_queries.jsonl")).unwrap();
    let typical = queries.iter().map(|q| e.plan(&q.q).work).max().unwrap();
    // The cap never cuts a real question short …
    assert!(typical < MAX_PLAN_LOOKUPS, "{typical}");
    // … and bounds the worst text: look-ups, words and pairs searched.
    let long = e.plan(&random_ideographs(1000));
    assert!(long.work <= MAX_PLAN_LOOKUPS, "{}", long.work);
    assert!(long.work <= 5 * typical, "{} vs {typical}", long.work);
    assert!(long.concepts.len() <= MAX_CONCEPTS && long.grams.len() <= MAX_GRAMS);
    // Past its deadline, a search stops with a timeout instead of working on.
    let mut req = SearchRequest::new(random_ideographs(1000));
    req.deadline = Some(std::time::Instant::now());
    assert!(matches!(
        e.search(&req),
        Err(wenda::Error::DeadlineExceeded)
    ));
}

#[test]
fn timed_rounds_keep_the_scored_pass_and_its_figures() {
    use wenda::eval::{Timing, evaluate, evaluate_timed};
    let e = bundled_engine();
    let (mut queries, _) = wenda::eval::read_queries(&data("partner_dev_queries.jsonl")).unwrap();
    queries.truncate(8);
    let once = evaluate(e, &queries).unwrap();
    let timing = Timing {
        warmup: std::time::Duration::from_millis(1),
        rounds: 3,
    };
    let timed = evaluate_timed(e, &queries, timing).unwrap();
    // Percentiles over every timed search; the scored pass's own times kept.
    assert_eq!((once.timed_searches, timed.timed_searches), (8, 24));
    assert_eq!(timed.times.len(), 8);
    assert_eq!(
        (timed.mrr_at_10, timed.recall_at_1, &timed.missed),
        (once.mrr_at_10, once.recall_at_1, &once.missed)
    );
}
