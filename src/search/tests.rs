//! The search path's own checks: retrieval in two steps against the main
//! query and against scoring every match, topic counts against tantivy's.

use std::path::PathBuf;

use tantivy::collector::Count;
use tantivy::schema::Field;

use super::config::PROXIMITY;
use super::query::ScoreTree;

use super::*;

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `q` of every line of a query file under tests/data.
fn queries(file: &str) -> Vec<String> {
    let text = std::fs::read_to_string(repo().join("tests/data").join(file)).expect("query file");
    text.lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["q"].as_str().map(str::to_string))
        .collect()
}

/// Queries of the bundled corpus's sets, answerable or not.
fn partner_queries() -> Vec<String> {
    let mut qs = queries("partner_dev_queries.jsonl");
    qs.extend(queries("partner_unanswerable.jsonl"));
    qs
}

/// An index of `corpus` in a temporary directory.
fn build(corpus: &Path) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("index");
    crate::index::build_index(&[corpus.to_path_buf()], &index, None).unwrap();
    (dir, index)
}

fn bundled() -> (tempfile::TempDir, Engine) {
    let (dir, index) = build(&repo().join("corpus"));
    (dir, Engine::open(&index).unwrap())
}

/// Topic counts read from the table built at open are tantivy's facet
/// counts, at the top and below each topic, for every match or some.
#[test]
fn topic_counts_are_the_facet_counts() {
    use tantivy::collector::FacetCollector;
    use tantivy::query::AllQuery;
    let (_dir, engine) = bundled();
    let searcher = engine.reader.searcher();
    let plan = engine.plan_until("代金券怎么用", None).unwrap();
    let some = plan
        .score_tree(
            &engine.fields,
            &engine.ranking.boosts,
            &engine.ranking.planning,
        )
        .to_query();
    let queries: [&dyn Query; 2] = [&AllQuery, &*some];
    let tops: Vec<Vec<String>> = engine
        .topics
        .paths
        .iter()
        .filter_map(|p| p.first().map(|t| vec![t.clone()]))
        .collect();
    let mut roots = vec![Vec::new()];
    roots.extend(tops);
    let mut nonzero = 0;
    for query in queries {
        for root in &roots {
            let mut facets = FacetCollector::for_field("topic");
            let facet = Facet::from_path(root);
            facets.add_facet(facet.clone());
            let want: Vec<(Vec<String>, u64)> = searcher
                .search(query, &facets)
                .unwrap()
                .get(facet)
                .map(|(f, n)| (f.to_path().into_iter().map(String::from).collect(), n))
                .collect();
            let (matches, got) = searcher
                .search(query, &engine.topics.counter(root))
                .unwrap();
            assert_eq!(matches, searcher.search(query, &Count).unwrap());
            assert_eq!(got, want, "{root:?}");
            nonzero += got.len();
        }
    }
    assert!(nonzero > 3, "{nonzero}");
}

/// The cheap retrieval query matches what the main query matches (so
/// totals and facets are exact), and rescoring its candidates with the
/// tree gives the main query's scores and order.
#[test]
fn retrieval_then_rescoring_is_the_main_query() {
    let (_dir, engine) = bundled();
    let searcher = engine.reader.searcher();
    let r = &engine.ranking;
    let mut compared = 0;
    for q in partner_queries() {
        let plan = engine.plan_until(&q, None).unwrap();
        if plan.is_empty() {
            continue;
        }
        let tree = plan.score_tree(&engine.fields, &r.boosts, &r.planning);
        let retrieval = tree.retrieval_tree().to_query();
        let main = tree.to_query();
        let n = searcher.search(&*main, &Count).unwrap();
        assert_eq!(searcher.search(&*retrieval, &Count).unwrap(), n, "{q}");
        if n == 0 {
            continue;
        }
        let exact = searcher
            .search(&*main, &TopDocs::with_limit(n).order_by_score())
            .unwrap();
        let candidates = searcher
            .search(&*retrieval, &TopDocs::with_limit(n).order_by_score())
            .unwrap();
        let got = tree_query::TreeQuery::new(tree.clone())
            .rescore(&searcher, candidates, n)
            .unwrap();
        let addrs = |v: &[(f32, DocAddress)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
        assert_eq!(addrs(&got), addrs(&exact), "{q}");
        for ((a, _), (b, _)) in got.iter().zip(&exact) {
            assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{q}: {a} vs {b}");
        }
        compared += 1;
    }
    assert!(compared > 20, "only {compared} queries matched");
}
/// The main query run as its tree ([`tree_query::TreeQuery`]) matches,
/// scores and orders every document as tantivy's nested query of the same
/// tree does, alone and under a filter, and explains each hit with its score.
#[test]
fn tree_query_is_the_nested_query() {
    for (corpus, file) in [
        ("corpus", "partner_dev_queries.jsonl"),
        ("corpus", "partner_unanswerable.jsonl"),
        ("tests/data/docset", "docset_queries.jsonl"),
    ] {
        let (_dir, index) = build(&repo().join(corpus));
        let engine = Engine::open(&index).unwrap();
        let searcher = engine.reader.searcher();
        let r = &engine.ranking;
        let topic = engine.topics.paths.first().cloned().unwrap_or_default();
        let (mut compared, qs) = (0, queries(file));
        for q in &qs {
            let q = q.clone();
            let plan = engine.plan_until(&q, None).unwrap();
            if plan.is_empty() {
                continue;
            }
            let tree = plan.score_tree(&engine.fields, &r.boosts, &r.planning);
            let mut filtered = SearchRequest::new(q.clone());
            filtered.topic = Some(topic[..1].to_vec());
            for req in [SearchRequest::new(q.clone()), filtered] {
                let nested = engine.filtered(tree.to_query(), &req);
                let ours =
                    engine.filtered(Box::new(tree_query::TreeQuery::new(tree.clone())), &req);
                let n = searcher.search(&*nested, &Count).unwrap();
                assert_eq!(searcher.search(&*ours, &Count).unwrap(), n, "{q}");
                if n == 0 {
                    continue;
                }
                let all = TopDocs::with_limit(n).order_by_score();
                let want = searcher.search(&*nested, &all).unwrap();
                let got = searcher.search(&*ours, &all).unwrap();
                let addrs = |v: &[(f32, DocAddress)]| v.iter().map(|x| x.1).collect::<Vec<_>>();
                assert_eq!(addrs(&got), addrs(&want), "{q}");
                for ((a, addr), (b, _)) in got.iter().zip(&want) {
                    assert!((a - b).abs() <= 1e-6 * b.abs().max(1.0), "{q}: {a} vs {b}");
                    let explained = ours.explain(&searcher, *addr).unwrap().value();
                    assert_eq!(explained, *a, "{q}");
                }
                compared += 1;
            }
        }
        // Most queries match, some under the filter too.
        assert!(
            compared > qs.len(),
            "{file}: only {compared} searches matched"
        );
    }
}

/// The same index searched by scoring every match and in two steps with
/// every match a candidate (so any difference is not the depth's).
fn open_with(corpus: &Path, planning: Planning) -> (tempfile::TempDir, Engine, Engine) {
    let (dir, index) = build(corpus);
    let exhaustive = Engine::open(&index).unwrap().with_ranking(Ranking {
        retrieval: Retrieval::exhaustive(),
        planning: planning.clone(),
        ..Default::default()
    });
    let two_step = Engine::open(&index).unwrap().with_ranking(Ranking {
        retrieval: Retrieval {
            two_step_from: 0,
            depth: 1_000_000,
            ..Retrieval::default()
        },
        planning,
        ..Default::default()
    });
    (dir, exhaustive, two_step)
}

/// Every query of `file` on `corpus`, with and without the corpus filter,
/// under every topic prefix: the same total, hits, scores and topic counts
/// both ways.
fn assert_two_step_is_exhaustive(corpus: &str, file: &str) {
    let (_dir, exhaustive, two_step) = open_with(&repo().join(corpus), Planning::default());
    let mut topics: Vec<Option<Vec<String>>> = vec![None];
    for p in &exhaustive.topics.paths {
        for n in 1..=p.len() {
            let t = Some(p[..n].to_vec());
            if !topics.contains(&t) {
                topics.push(t);
            }
        }
    }
    let mut diffs = Vec::new();
    let name = exhaustive.manifest.corpora[0].name.clone();
    for (q, corpus) in queries(file)
        .into_iter()
        .flat_map(|q| [(q.clone(), None), (q, Some(name.clone()))])
    {
        for topic in &topics {
            let mut req = SearchRequest::new(q.clone());
            req.topic = topic.clone();
            req.corpus = corpus.clone();
            let a = exhaustive.search(&req).unwrap();
            let b = two_step.search(&req).unwrap();
            let view = |r: &SearchResponse| {
                (
                    r.total,
                    r.hits.iter().map(|h| h.id.clone()).collect::<Vec<_>>(),
                    serde_json::to_string(&r.facets).unwrap(),
                )
            };
            if view(&a) != view(&b) {
                diffs.push(format!("{q} {topic:?}: {:?} vs {:?}", view(&a), view(&b)));
                continue;
            }
            for (x, y) in a.hits.iter().zip(&b.hits) {
                if (x.score - y.score).abs() > 1e-4 * x.score.abs().max(1.0) {
                    diffs.push(format!(
                        "{q} {topic:?} {}: {} vs {}",
                        x.id, x.score, y.score
                    ));
                }
            }
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

#[test]
fn two_step_is_exhaustive_on_the_bundled_corpus_with_topic_filters() {
    assert_two_step_is_exhaustive("corpus", "partner_dev_queries.jsonl");
}

#[test]
fn two_step_is_exhaustive_on_the_docset_with_topic_filters() {
    assert_two_step_is_exhaustive("tests/data/docset", "docset_queries.jsonl");
}

/// Plans without grams or expansions, and queries of question words
/// only: still the same matches, scores and order.
#[test]
fn two_step_is_exhaustive_without_grams_or_expansions() {
    let mut qs = partner_queries();
    qs.extend(["怎么", "如何", "为什么怎么办", "怎么办理", "什么是", "哪里"].map(String::from));
    let off = Planning {
        grams: false,
        synonyms: false,
        lexicon: false,
        mined: false,
        typos: false,
        pinyin: false,
    };
    for planning in [
        off,
        Planning {
            grams: false,
            ..Planning::default()
        },
    ] {
        let (_dir, exhaustive, two_step) = open_with(&repo().join("corpus"), planning.clone());
        for q in &qs {
            let req = SearchRequest::new(q.clone());
            let a = exhaustive.search(&req).unwrap();
            let b = two_step.search(&req).unwrap();
            let ids = |r: &SearchResponse| {
                r.hits
                    .iter()
                    .map(|h| (h.id.clone(), h.score))
                    .collect::<Vec<_>>()
            };
            assert_eq!(a.total, b.total, "{q} {planning:?}");
            assert_eq!(ids(&a), ids(&b), "{q} {planning:?}");
            assert_eq!(
                serde_json::to_string(&a.facets).unwrap(),
                serde_json::to_string(&b.facets).unwrap()
            );
        }
    }
}

/// A text field with the default tokenizer indexed with `option`, with or
/// without norms.
fn text_field(option: IndexRecordOption, norms: bool) -> tantivy::schema::TextOptions {
    use tantivy::schema::{TextFieldIndexing, TextOptions};
    TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer("default")
            .set_fieldnorms(norms)
            .set_index_option(option),
    )
}

/// `ours` counts and ranks (every match, through `for_each`) as `nested`;
/// the ranked matches.
fn ranks_as_nested(
    searcher: &tantivy::Searcher,
    tree: &ScoreTree,
    nested: &dyn Query,
    ours: &dyn Query,
) -> Vec<(f32, DocAddress)> {
    use tantivy::collector::TopDocs;
    let n = searcher.search(nested, &Count).unwrap();
    assert_eq!(searcher.search(ours, &Count).unwrap(), n, "{tree:?}");
    // With a count beside it, TopDocs reads every match through
    // `for_each`: tantivy's unions add in the children's order.
    let all = (TopDocs::with_limit(n.max(1)).order_by_score(), Count);
    let (want, _) = searcher.search(nested, &all).unwrap();
    let (got, _) = searcher.search(ours, &all).unwrap();
    assert_eq!(got, want, "{tree:?}");
    got
}

/// Three segments, some of the first's documents deleted, a second of 300
/// documents (postings of whole 128-document blocks and a shorter tail,
/// read one after another into the same buffers), and a field without
/// norms ("bare"); "w" only in the last segment, "every" in every
/// document, "rare" and "rarer" in a few; each document under one of three
/// topics. The searcher and the fields `a`, `bare` and `topic`.
fn segments_with_deletes() -> (tantivy::Searcher, Field, Field, Field) {
    use tantivy::schema::{FacetOptions, Schema, TEXT};
    let mut b = Schema::builder();
    let a = b.add_text_field("a", TEXT);
    let bare = b.add_text_field("bare", text_field(IndexRecordOption::WithFreqs, false));
    let topic = b.add_facet_field("topic", FacetOptions::default());
    let index = Index::create_in_ram(b.build());
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
    let words = ["x", "y", "z", "w"];
    // Three segments; "w" only in the last; some of the first deleted. The
    // second has 300 documents: postings of whole 128-document blocks and
    // a shorter tail, read one after another into the same buffers.
    let mut n = 0u32;
    for seg in 0..3u32 {
        for _ in 0..if seg == 1 { 300 } else { 40 } {
            n += 1;
            let mut text = String::new();
            for (k, w) in words.iter().enumerate() {
                if (k < 3 || seg == 2) && (n + k as u32).is_multiple_of(k as u32 + 2) {
                    text.push_str(&format!("{w} ").repeat(1 + (n as usize % 3)));
                }
            }
            // "every" is in every document (an all-documents scorer when
            // scoring is off).
            text.push_str("every ");
            // Two rare words, the second's document before the first's, so
            // that a sum of them is put in order by sorting, not scanning.
            text.push_str(match n % 40 {
                30 => "rare ",
                5 => "rarer ",
                _ => "",
            });
            text.push_str(&"filler ".repeat(n as usize % 7));
            let bare_text = if n.is_multiple_of(3) { "x x y" } else { "z" };
            let under = Facet::from_path([format!("t{}", n % 3)]);
            writer
                .add_document(tantivy::doc!(a => text, bare => bare_text, topic => under))
                .unwrap();
        }
        writer.commit().unwrap();
        if seg == 0 {
            writer.delete_term(Term::from_field_text(a, "y"));
            writer.commit().unwrap();
        }
    }
    let searcher = index.reader().unwrap().searcher();
    assert!(searcher.segment_readers().len() >= 3);
    assert!(searcher.segment_readers().iter().any(|s| s.has_deletes()));
    (searcher, a, bare, topic)
}

/// Trees over [`segments_with_deletes`]'s fields: empty, absent terms, a
/// term one segment lacks, the field without norms, a required part,
/// maxima and boosts.
fn trees_of(a: Field, bare: Field) -> Vec<ScoreTree> {
    let t = |f: Field, w: &str, boost: f32| ScoreTree::Term(f, w.to_string(), boost);
    let max = |c: Vec<ScoreTree>| ScoreTree::Max(c, 0.3);
    vec![
        ScoreTree::Sum(vec![]),
        ScoreTree::Max(vec![], 0.3),
        ScoreTree::Sum(vec![t(a, "absent", 1.0)]),
        ScoreTree::Sum(vec![t(a, "w", 2.5), t(a, "x", 0.7), t(a, "y", 1.0)]),
        ScoreTree::Sum(vec![
            max(vec![t(a, "x", 1.3), t(bare, "x", 0.9), t(a, "w", 1.0)]),
            max(vec![
                ScoreTree::Sum(vec![t(a, "y", 0.5), t(a, "z", 0.5)]),
                t(bare, "z", 2.0),
            ]),
            t(a, "w", 0.4),
        ]),
        ScoreTree::Required(
            Box::new(ScoreTree::Sum(vec![max(vec![
                t(a, "z", 1.0),
                t(bare, "y", 1.0),
            ])])),
            vec![
                max(vec![t(a, "w", 1.0), t(a, "x", 3.0)]),
                max(vec![t(bare, "x", 1.0)]),
            ],
        ),
        ScoreTree::Required(Box::new(t(a, "w", 1.0)), vec![max(vec![t(a, "x", 1.0)])]),
        ScoreTree::Sum(vec![
            max(vec![t(a, "every", 1.0), t(a, "y", 2.0)]),
            t(bare, "z", 0.5),
        ]),
        ScoreTree::Sum(vec![t(a, "rare", 1.0), t(a, "rarer", 1.5)]),
    ]
}

/// The score tree over the postings against tantivy's nested query where
/// the bundled indexes never go: several segments, deleted documents, a
/// term one segment lacks, a field without norms, empty trees, a
/// required part and boosts, scored (through `for_each`, as the engine's
/// collectors read it), counted (scoring off) and explained.
#[test]
fn tree_query_is_the_nested_query_over_segments_and_deletes() {
    use tantivy::collector::TopDocs;
    let (searcher, a, bare, _) = segments_with_deletes();
    let trees = trees_of(a, bare);
    // Under a filter (as `Engine::filtered` puts it), matches must come in
    // order: an intersection seeks.
    let filter = |query: Box<dyn Query>, word: &str| -> Box<dyn Query> {
        let term = TermQuery::new(Term::from_field_text(a, word), IndexRecordOption::Basic);
        Box::new(BooleanQuery::new(vec![
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(term), 0.0)),
            ),
            (Occur::Must, query),
        ]))
    };
    let ways = trees.iter().flat_map(|tree| {
        let ours = || -> Box<dyn Query> { Box::new(tree_query::TreeQuery::new(tree.clone())) };
        [
            (tree, tree.to_query(), ours()),
            (
                tree,
                filter(tree.to_query(), "every"),
                filter(ours(), "every"),
            ),
            (tree, filter(tree.to_query(), "x"), filter(ours(), "x")),
        ]
    });
    for (tree, nested, ours) in ways {
        let got = ranks_as_nested(&searcher, tree, &*nested, &*ours);
        for (score, addr) in &got {
            let explained = ours.explain(&searcher, *addr).unwrap().value();
            assert_eq!(explained, *score, "{tree:?}");
        }
        // Statistics other than the searcher's are asked, not summed from
        // the segments.
        let all = (
            TopDocs::with_limit(got.len().max(1)).order_by_score(),
            Count,
        );
        let skewed = Skewed(&searcher);
        let want = searcher
            .search_with_statistics_provider(&*nested, &all, &skewed)
            .unwrap();
        let got = searcher
            .search_with_statistics_provider(&*ours, &all, &skewed)
            .unwrap();
        assert_eq!(got, want, "{tree:?}");
    }
}

/// The score tree's block-at-a-time scan where blocks end: terms in
/// exactly 127, 128, 129, 256 and 257 documents (a tail block of none, or
/// of one), read one after another into a field's one reused reader, long
/// after short and short after long, in a field with frequencies and
/// positions and in one indexed without frequencies; scored and counted
/// as tantivy's nested query does.
#[test]
fn tree_query_reads_postings_across_block_ends() {
    use tantivy::schema::{Schema, TEXT};
    let mut b = Schema::builder();
    let a = b.add_text_field("a", TEXT);
    let basic = b.add_text_field("basic", text_field(IndexRecordOption::Basic, true));
    let index = Index::create_in_ram(b.build());
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
    let sizes = [1u32, 127, 128, 129, 256, 257];
    for n in 0..300u32 {
        let mut text = String::new();
        for size in sizes {
            // Spread over the segment, so that blocks hold far-apart ids.
            if (n * 7919) % 300 < size {
                text.push_str(&format!("w{size} ").repeat(1 + (n as usize % 4)));
            }
        }
        text.push_str(&"filler ".repeat(n as usize % 5));
        writer
            .add_document(tantivy::doc!(a => text.clone(), basic => text))
            .unwrap();
    }
    writer.commit().unwrap();
    let searcher = index.reader().unwrap().searcher();
    for size in sizes {
        let term = Term::from_field_text(a, &format!("w{size}"));
        assert_eq!(searcher.doc_freq(&term).unwrap(), u64::from(size));
    }
    let t = |f: Field, size: u32, boost: f32| ScoreTree::Term(f, format!("w{size}"), boost);
    let order = [257, 1, 128, 256, 127, 129, 128];
    let trees = [a, basic].into_iter().flat_map(|f| {
        [
            ScoreTree::Sum(order.iter().map(|&s| t(f, s, 1.0)).collect()),
            ScoreTree::Sum(vec![
                ScoreTree::Max(vec![t(f, 256, 1.0), t(f, 1, 2.0), t(f, 129, 0.5)], 0.3),
                ScoreTree::Max(vec![t(a, 128, 1.0), t(basic, 257, 1.5)], 0.3),
                t(f, 127, 0.7),
            ]),
        ]
    });
    for tree in trees {
        let ours = tree_query::TreeQuery::new(tree.clone());
        ranks_as_nested(&searcher, &tree, &*tree.to_query(), &ours);
    }
}

/// A searcher's statistics, other than they are: terms in fewer documents
/// of more.
struct Skewed<'a>(&'a tantivy::Searcher);

impl tantivy::query::Bm25StatisticsProvider for Skewed<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        tantivy::query::Bm25StatisticsProvider::total_num_tokens(self.0, field)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(tantivy::query::Bm25StatisticsProvider::total_num_docs(self.0)? * 3)
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        Ok(self.0.doc_freq(term)? / 2 + 1)
    }
}

/// The two-step search's union read term by term
/// ([`tree_query::TreeQuery::collect_sum`]) against tantivy's union of
/// term queries: over several segments with deletes and a field without
/// norms, alone and under filters (one every document passes, one the
/// deleted documents pass, one few pass, one none passes, one in a single
/// segment, and two filters together as the engine puts them), the same
/// count, topic counts, matches, scores to the bit and order, whether a
/// segment is scored per document or from sorted pairs; a tree that is
/// not a flat sum is refused.
#[test]
fn collect_sum_is_tantivys_union() {
    use tantivy::collector::TopDocs;
    let (searcher, a, bare, topic) = segments_with_deletes();
    let topics = super::facets::Topics::read(&searcher, topic).unwrap();
    let term = |word: &str| -> Box<dyn Query> {
        Box::new(ConstScoreQuery::new(
            Box::new(TermQuery::new(
                Term::from_field_text(a, word),
                IndexRecordOption::Basic,
            )),
            0.0,
        ))
    };
    let both = || -> Box<dyn Query> {
        Box::new(BooleanQuery::new(vec![
            (Occur::Must, term("every")),
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(
                    Box::new(TermQuery::new(
                        Term::from_facet(topic, &Facet::from_path(["t1"])),
                        IndexRecordOption::Basic,
                    )),
                    0.0,
                )),
            ),
        ]))
    };
    let mut compared = 0;
    for tree in trees_of(a, bare) {
        let flat = tree.retrieval_tree();
        let ours = tree_query::TreeQuery::new(flat.clone());
        let filters = [
            None,
            Some(term("every")),
            Some(term("y")),
            Some(term("x")),
            Some(term("rare")),
            Some(term("absent")),
            Some(term("w")),
            Some(both()),
        ];
        for filter in filters {
            let union = match &filter {
                None => flat.to_query(),
                Some(f) => Box::new(BooleanQuery::new(vec![
                    (Occur::Must, f.box_clone()),
                    (Occur::Must, flat.to_query()),
                ])),
            };
            let n = searcher.search(&*union, &Count).unwrap();
            for root in [vec![], vec!["t2".to_string()]] {
                let all = (
                    TopDocs::with_limit(n.max(1)).order_by_score(),
                    topics.counter(&root),
                );
                let want = searcher.search(&*union, &all).unwrap();
                let got = ours
                    .collect_sum(&searcher, filter.as_deref(), &all)
                    .unwrap();
                assert_eq!(got, want, "{tree:?}");
                // Every segment scored densely, then every one from
                // sorted pairs.
                for share in [0.0, f64::INFINITY] {
                    let got = ours
                        .collect_sum_with(&searcher, filter.as_deref(), &all, share)
                        .unwrap();
                    assert_eq!(got, want, "{tree:?} {share}");
                }
            }
            compared += n;
        }
    }
    assert!(compared > 500, "{compared}");
    let nested = tree_query::TreeQuery::new(ScoreTree::Sum(vec![ScoreTree::Max(
        vec![ScoreTree::Term(a, "x".into(), 1.0)],
        0.3,
    )]));
    assert!(nested.collect_sum(&searcher, None, &Count).is_err());
}

/// A body that says the query's words in one sentence reads as holding
/// the whole query together; one that spreads them over its sections
/// holds at most part of it in any passage, and scores less for it.
#[test]
fn words_said_together_count_for_more_than_words_spread_out() {
    let dir = tempfile::tempdir().unwrap();
    let corpus = dir.path().join("corpus");
    std::fs::create_dir(&corpus).unwrap();
    let filler = "这里是一段与前后内容都没有关系的普通说明文字。".repeat(4);
    std::fs::write(
        corpus.join("together.md"),
        format!("# 传输说明\n\n{filler}\n\n上传大文件时连接断开，请调大超时时间。\n\n{filler}\n"),
    )
    .unwrap();
    std::fs::write(
        corpus.join("apart.md"),
        format!(
            "# 传输须知\n\n上传前请检查。\n\n{filler}\n\n大文件请分片。\n\n{filler}\n\n连接断开后重试。\n"
        ),
    )
    .unwrap();
    let (_idx, index) = build(&corpus);
    let query = "上传大文件连接断开";
    let with = Engine::open(&index).unwrap();
    let without = Engine::open(&index).unwrap().with_ranking(Ranking {
        rerank: Rerank {
            proximity: 0.0,
            ..Rerank::default()
        },
        ..Ranking::default()
    });
    let (a, b) = (
        with.rank(&SearchRequest::new(query)).unwrap(),
        without.rank(&SearchRequest::new(query)).unwrap(),
    );
    let factors = |r: &Ranked<'_>, id: &str| {
        r.hits
            .iter()
            .find(|h| h.entry.id.starts_with(id))
            .unwrap_or_else(|| panic!("{id} not found"))
            .factors
            .clone()
    };
    let (together, apart) = (factors(&a, "together"), factors(&a, "apart"));
    assert!((together.proximity - 1.0).abs() < 1e-6, "{together:?}");
    // Each of its sentences holds some of the query: more than nothing
    // (a candidate the walk skipped would read 0), less than the whole.
    assert!(apart.proximity > 0.0 && apart.proximity < 0.8, "{apart:?}");
    assert!(
        a.hits[0].entry.id.starts_with("together"),
        "{:?}",
        a.hits[0].entry.id
    );
    // The factor is 1 + PROXIMITY times the share held together.
    for (id, f) in [("together", &together), ("apart", &apart)] {
        let lift = f.score / factors(&b, id).score;
        assert!(
            (lift - (1.0 + PROXIMITY * f.proximity)).abs() < 1e-3,
            "{id}: {lift} {f:?}"
        );
    }
}
