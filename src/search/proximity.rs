//! Whether a candidate says the query's things together: the share of the
//! query (by rarity) that one short passage of its body holds. A page
//! where 大文件, 上传 and 断开 meet in one sentence answers 「上传大文件传到
//! 一半就断了」 better than one that uses each word in a different
//! section; BM25 counts both alike.

use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocSet, Searcher, Term};

use super::query::{QueryPlan, TermSource};
use crate::error::Result;

/// Positions of one word in one body read at most. A page that repeats a
/// word more often has it read at evenly spaced occurrences from its first
/// to its last, not only near the start (a word said that often is close
/// to most of the page anyway).
const MAX_POSITIONS: usize = 256;
/// Words read per query: a help-centre question's words and their
/// alternatives are a few dozen; a pasted page's are cut here.
const MAX_WORDS: usize = 64;
/// Positions read per candidate, shared evenly by the words it has (so a
/// long query on a long page sorts a few thousand, not 64 × 256).
const MAX_HITS: usize = 4096;

/// The query's content concepts as proximity reads them: each with the
/// single words that stand for it and its weight. Any of a concept's words
/// in a passage earns the concept's whole weight: crediting a sub-word
/// (文件 for 大文件) or a synonym by its own weight instead lowered the
/// ECS dev and holdout sets and the MRS dev set (one-off runs).
#[derive(Debug)]
pub struct Concepts {
    /// `(word, concept)`: every single word of every alternative the index
    /// knows.
    words: Vec<(String, usize)>,
    /// Per concept: the rarity of its best alternative times that
    /// alternative's weight.
    weights: Vec<f32>,
}

impl Concepts {
    /// The concepts of a plan, question words aside; `idf` gives a word's
    /// rarity in the index (0 when unknown). None when fewer than two
    /// concepts are known: one word is together with itself anywhere.
    pub fn of(plan: &QueryPlan, idf: impl Fn(&str) -> f32) -> Option<Concepts> {
        let mut words = Vec::new();
        let mut weights = Vec::new();
        for c in &plan.concepts {
            if c.alternatives[0].source == TermSource::QuestionWord {
                continue;
            }
            let mut weight = 0.0f32;
            let at = weights.len();
            for a in &c.alternatives {
                if words.len() == MAX_WORDS {
                    break;
                }
                if let [word] = a.words.as_slice() {
                    let rarity = idf(word);
                    if rarity > 0.0 && !words.iter().any(|(w, i)| w == word && *i == at) {
                        words.push((word.clone(), at));
                        weight = weight.max(rarity * a.weight);
                    }
                }
            }
            if weight > 0.0 {
                weights.push(weight);
            }
        }
        (weights.len() >= 2).then_some(Concepts { words, weights })
    }

    /// Per candidate, the share of the concepts' weight that one window of
    /// `window` consecutive body positions holds (0..1). Each word's
    /// postings are opened once per segment and walked through the
    /// candidates in document order.
    pub fn shares(
        &self,
        searcher: &Searcher,
        body: Field,
        candidates: &[DocAddress],
        window: u32,
    ) -> Result<Vec<f32>> {
        let total: f32 = self.weights.iter().sum();
        let mut out = vec![0.0f32; candidates.len()];
        let mut order: Vec<usize> = (0..candidates.len()).collect();
        order.sort_by_key(|&i| (candidates[i].segment_ord, candidates[i].doc_id));
        let (mut hits, mut positions) = (Vec::new(), Vec::new());
        let mut count = vec![0u32; self.weights.len()];
        for segment in
            order.chunk_by(|&a, &b| candidates[a].segment_ord == candidates[b].segment_ord)
        {
            let reader = searcher.segment_reader(candidates[segment[0]].segment_ord);
            let inverted = reader.inverted_index(body)?;
            let mut postings = Vec::with_capacity(self.words.len());
            for (word, concept) in &self.words {
                let term = Term::from_field_text(body, word);
                if let Some(p) = inverted
                    .read_postings(&term, IndexRecordOption::WithFreqsAndPositions)
                    .map_err(tantivy::TantivyError::from)?
                {
                    postings.push((p, *concept as u64));
                }
            }
            for &i in segment {
                let doc = candidates[i].doc_id;
                hits.clear();
                let mut present = 0;
                for (p, _) in &mut postings {
                    let at = if p.doc() < doc { p.seek(doc) } else { p.doc() };
                    present += usize::from(at == doc);
                }
                let cap = (MAX_HITS / present.max(1)).clamp(2, MAX_POSITIONS);
                for (p, concept) in &mut postings {
                    if p.doc() == doc {
                        positions.clear();
                        tantivy::postings::Postings::positions(p, &mut positions);
                        hits.extend(
                            spread(&positions, cap).map(|x| (u64::from(x) << 32) | *concept),
                        );
                    }
                }
                hits.sort_unstable();
                out[i] = best_window(&hits, &self.weights, window, &mut count) / total;
            }
        }
        Ok(out)
    }
}

/// At most `cap` (two or more) of `positions`, evenly spaced from the
/// first to the last.
fn spread(positions: &[u32], cap: usize) -> impl Iterator<Item = u32> + '_ {
    let n = positions.len();
    let kept = n.min(cap);
    (0..kept).map(move |j| {
        if kept == n {
            positions[j]
        } else {
            positions[j * (n - 1) / (kept - 1)]
        }
    })
}

/// The most concept weight that one span of at most `window` positions
/// holds, each concept counted once. `hits` are sorted, each a position
/// (high 32 bits) and a concept (low 32 bits); `count` is scratch space of
/// one slot per concept.
fn best_window(hits: &[u64], weights: &[f32], window: u32, count: &mut [u32]) -> f32 {
    // A window holds at least the position it starts at.
    let window = window.max(1);
    count.fill(0);
    let at = |h: u64| (h >> 32) as u32;
    let concept = |h: u64| (h & 0xffff_ffff) as usize;
    let (mut sum, mut best, mut left) = (0.0f32, 0.0f32, 0usize);
    for &h in hits {
        let c = concept(h);
        if count[c] == 0 {
            sum += weights[c];
        }
        count[c] += 1;
        while at(h) - at(hits[left]) >= window {
            let lc = concept(hits[left]);
            count[lc] -= 1;
            if count[lc] == 0 {
                sum -= weights[lc];
            }
            left += 1;
        }
        best = best.max(sum);
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `best_window` over `(position, concept)` pairs in any order.
    fn window(hits: &[(u32, usize)], weights: &[f32], w: u32) -> f32 {
        let mut packed: Vec<u64> = hits
            .iter()
            .map(|&(p, c)| (u64::from(p) << 32) | c as u64)
            .collect();
        packed.sort_unstable();
        best_window(&packed, weights, w, &mut vec![0; weights.len()])
    }

    fn plan(concepts: &[&[&str]]) -> QueryPlan {
        use super::super::query::{Alternative, Concept};
        QueryPlan {
            concepts: concepts
                .iter()
                .map(|words| Concept {
                    alternatives: words
                        .iter()
                        .map(|w| Alternative {
                            words: vec![w.to_string()],
                            weight: 1.0,
                            source: TermSource::Typed,
                        })
                        .collect(),
                })
                .collect(),
            ..QueryPlan::default()
        }
    }

    #[test]
    fn one_known_word_is_not_a_passage_and_a_long_query_is_cut() {
        let known = |w: &str| if w.starts_with('x') { 0.0 } else { 1.0 };
        assert!(Concepts::of(&plan(&[&["网关"], &["xyz"]]), known).is_none());
        let two = Concepts::of(&plan(&[&["网关", "xyz"], &["删除"]]), known).unwrap();
        assert_eq!(two.words.len(), 2);
        assert_eq!(two.weights, vec![1.0, 1.0]);
        // Forty concepts of three words each: the words stop at the cap,
        // and only concepts that got a word weigh.
        let names: Vec<Vec<String>> = (0..40)
            .map(|i| (0..3).map(|j| format!("w{i}_{j}")).collect())
            .collect();
        let refs: Vec<Vec<&str>> = names
            .iter()
            .map(|c| c.iter().map(String::as_str).collect())
            .collect();
        let slices: Vec<&[&str]> = refs.iter().map(Vec::as_slice).collect();
        let long = Concepts::of(&plan(&slices), known).unwrap();
        assert_eq!(long.words.len(), MAX_WORDS);
        assert_eq!(long.weights.len(), MAX_WORDS.div_ceil(3));
    }

    #[test]
    fn words_together_beat_words_apart() {
        let w = [2.0, 1.0, 1.0];
        // All three within five positions.
        let near = [(100, 0), (102, 1), (104, 2), (3, 0)];
        assert_eq!(window(&near, &w, 5), 4.0);
        // The same words, each in another section.
        let apart = [(3, 0), (60, 1), (200, 2)];
        assert_eq!(window(&apart, &w, 5), 2.0);
        // A window of `window` positions holds positions p .. p + window - 1.
        let edge = [(10, 0), (15, 1)];
        // A window of no positions is read as one: each word alone.
        assert_eq!(window(&edge, &w, 0), 2.0);
        assert_eq!(window(&edge, &w, 5), 2.0);
        assert_eq!(window(&edge, &w, 6), 3.0);
    }

    #[test]
    fn a_repeated_word_counts_once() {
        let w = [1.0, 3.0];
        let hits = [(1, 0), (2, 0), (3, 0), (4, 0)];
        assert_eq!(window(&hits, &w, 10), 1.0);
        let none: Vec<(u32, usize)> = Vec::new();
        assert_eq!(window(&none, &w, 10), 0.0);
    }

    #[test]
    fn the_window_slides_past_what_it_leaves() {
        let w = [1.0, 1.0, 1.0];
        // 0 and 1 meet early, 1 and 2 late: never all three at once.
        let hits = [(0, 0), (2, 1), (50, 1), (52, 2)];
        assert_eq!(window(&hits, &w, 10), 2.0);
        let hits = [hits.as_slice(), &[(51, 0)]].concat();
        assert_eq!(window(&hits, &w, 10), 3.0);
    }

    #[test]
    fn shares_read_every_candidate_in_two_segments_in_any_order() {
        use tantivy::schema::{Schema, TEXT};
        use tantivy::{Index, IndexWriter, doc, merge_policy::NoMergePolicy};

        let mut schema = Schema::builder();
        let body = schema.add_text_field("body", TEXT);
        let index = Index::create_in_ram(schema.build());
        let mut writer: IndexWriter = index.writer_with_num_threads(1, 15_000_000).unwrap();
        writer.set_merge_policy(Box::new(NoMergePolicy));
        let filler = |n: usize| vec!["filler"; n].join(" ");
        // Page i: "alpha beta" together when i % 3 == 0, forty words apart
        // when i % 3 == 1, alpha alone otherwise.
        let page = |i: usize| match i % 3 {
            0 => format!("{} alpha beta {}", filler(i % 50), filler(10)),
            1 => format!("alpha {} beta", filler(40)),
            _ => format!("alpha {}", filler(5)),
        };
        for i in 0..120 {
            writer.add_document(doc!(body => page(i))).unwrap();
        }
        writer.commit().unwrap();
        for i in 120..240 {
            writer.add_document(doc!(body => page(i))).unwrap();
        }
        // Page 240 says alpha a thousand times, then beta; page 241 says
        // alpha 301 times twenty words apart, and only its last one meets
        // beta. Read at evenly spaced occurrences up to the last, both
        // still meet it.
        writer
            .add_document(doc!(body => format!("{} beta", vec!["alpha"; 1000].join(" "))))
            .unwrap();
        let spaced = format!("alpha {}", filler(20));
        writer
            .add_document(doc!(body => format!("{} alpha beta", vec![spaced; 300].join(" "))))
            .unwrap();
        writer.commit().unwrap();
        let searcher = index.reader().unwrap().searcher();
        assert_eq!(searcher.segment_readers().len(), 2);

        let concepts = Concepts::of(&plan(&[&["alpha"], &["beta"]]), |_| 1.0).unwrap();
        // Every address, the second segment first and each backwards.
        // The first commit's segment holds 120 pages, the second 122 (the
        // readers come in no set order).
        let mut addrs: Vec<(DocAddress, usize)> = Vec::new();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let first = if reader.max_doc() == 120 { 0 } else { 120 };
            for doc in 0..reader.max_doc() {
                addrs.push((DocAddress::new(ord as u32, doc), first + doc as usize));
            }
        }
        // Backwards and turned by one, so that no share lands where
        // another page's equal share would be.
        addrs.reverse();
        addrs.rotate_left(1);
        let candidates: Vec<DocAddress> = addrs.iter().map(|(a, _)| *a).collect();
        let shares = concepts.shares(&searcher, body, &candidates, 16).unwrap();
        assert_eq!(shares.len(), 242);
        for ((addr, i), share) in addrs.iter().zip(&shares) {
            let expected = match i {
                240 | 241 => 1.0,
                i if i % 3 == 0 => 1.0,
                _ => 0.5,
            };
            assert_eq!(*share, expected, "page {i} at {addr:?}");
        }
    }

    #[test]
    fn a_long_run_of_positions_is_read_from_first_to_last() {
        let all: Vec<u32> = (0..1000).map(|i| i * 3).collect();
        let got: Vec<u32> = spread(&all, 4).collect();
        assert_eq!(got, vec![0, 999, 1998, 2997]);
        let few = [5, 9];
        assert_eq!(spread(&few, 4).collect::<Vec<_>>(), vec![5, 9]);
        assert_eq!(spread(&all[..3], 2).collect::<Vec<_>>(), vec![0, 6]);
    }
}
