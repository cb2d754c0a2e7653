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
        let r = docset_state().answerer.answer(&AnswerRequest { question: s, top_k: 3, ..Default::default() }).unwrap();
        prop_assert!((0.0..=1.0).contains(&r.confidence));
    }
}
