//! Vocabulary mined at ingest, kind by kind, on a small docset of our own
//! (tests/data/mined): each pair is in the ingest report with its file and
//! line, and each one finds an article that only uses the other form —
//! which the same engine with mining off does not.

use wenda::index::build_index;
use wenda::search::{Engine, Ranking, SearchRequest};

use crate::common::*;

fn ids(engine: &Engine, q: &str) -> Vec<String> {
    let mut req = SearchRequest::new(q);
    req.limit = 10;
    engine
        .search(&req)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

#[test]
fn each_mined_kind_is_reported_and_finds_what_only_the_other_form_names() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    let report = build_index(&[data("mined")], &index, None).unwrap();
    let pair = |term: &str, alias: &str| {
        report
            .mined
            .iter()
            .find(|p| p.term == term && p.alias == alias)
            .unwrap_or_else(|| panic!("{term}/{alias} not mined: {:?}", report.mined))
    };
    let defined = pair("静态内容加密", "SCE");
    assert_eq!(defined.kind.as_str(), "definition");
    assert_eq!(defined.count, 1, "one line is one statement");
    assert!(defined.evidence[0].file.ends_with("overview.md"));
    assert_eq!(defined.evidence[0].line, 5);
    assert_eq!(pair("对象网关", "OGW").kind.as_str(), "acronym");
    assert_eq!(pair("账户", "帐户").kind.as_str(), "variant");
    // 「离线同步服务（以下简称快同步）」: 快同步 is not short for 服务.
    assert!(
        !report.mined.iter().any(|p| p.term == "服务"),
        "{:?}",
        report.mined
    );

    // Same-sound spellings are also read by pinyin, typo tolerance and
    // (for 帐户) the help-desk lexicon; with those off, only the mined pair
    // joins 帐户 to 账户.
    let mut base = Ranking::default();
    base.planning.pinyin = false;
    base.planning.typos = false;
    base.planning.lexicon = false;
    let on = Engine::open(&index).unwrap().with_ranking(base.clone());
    let mut without = base;
    without.planning.mined = false;
    let off = Engine::open(&index).unwrap().with_ranking(without);
    for (query, only_other_form) in [
        ("SCE", "encryption"),
        ("OGW", "gateway-keys"),
        ("帐户", "accounts"),
    ] {
        let (with, without) = (ids(&on, query), ids(&off, query));
        assert!(
            with.iter().any(|id| id == only_other_form),
            "{query} with mining: {with:?}"
        );
        assert!(
            !without.iter().any(|id| id == only_other_form),
            "{query} without mining: {without:?}"
        );
    }
}
