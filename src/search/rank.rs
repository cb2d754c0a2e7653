//! The rerank of the best candidates: how much of the query the title (or
//! an alternative question) covers, how much of the title the query covers,
//! exact title or question matches, and a penalty for pages that are mostly
//! links. It reads only the title features ingest prepared and the query's
//! units; the multipliers are [`Rerank`]'s.

use serde::Serialize;

use super::config::{LINK_PAGE_DENSITY, Rerank, SYNONYM_CREDIT};
use crate::analysis::terms::{Intent, Units};
use crate::index::catalog::TitleFeature;

/// The units of a query: what was typed (or its correction), and synonyms
/// of it that were not typed, which earn half credit.
#[derive(Debug, Clone, Default)]
pub struct QueryUnits {
    typed: Units,
    synonyms: Units,
}

impl QueryUnits {
    /// The units as typed (or corrected) and those of synonyms; a synonym
    /// that was typed too counts as typed.
    pub fn new(typed: Units, synonyms: &Units) -> QueryUnits {
        let synonyms = synonyms
            .marks(&typed)
            .filter(|&(_, _, typed)| !typed)
            .map(|(u, w, _)| (u.to_string(), w))
            .collect();
        QueryUnits { typed, synonyms }
    }
}

/// How well a title matches a query: (share of the query in the title,
/// share of the title in the query), synonyms at half credit. A one-character
/// query word also matches inside a title word (买 in 购买). One walk over
/// the title's units for what was typed, one for the synonyms.
fn title_match(q: &QueryUnits, title: &TitleFeature) -> (f32, f32) {
    let total = q.typed.total();
    if total <= 0.0 {
        return (0.0, 0.0);
    }
    // Weights of the query's units in the title (`covered`), and of the
    // title's units in the query (`matched`).
    let (mut covered, mut matched) = (0.0f32, 0.0f32);
    for (u, w, in_title) in q.typed.pairs(&title.units) {
        if let Some(title_weight) = in_title {
            covered += w;
            matched += title_weight;
        } else if u.chars().count() == 1 && title.content.contains(u) {
            covered += w;
        }
    }
    for (_, w, in_title) in q.synonyms.pairs(&title.units) {
        if let Some(title_weight) = in_title {
            covered += SYNONYM_CREDIT * w;
            matched += SYNONYM_CREDIT * title_weight;
        }
    }
    let coverage = (covered / total).min(1.0);
    let title_total = title.units.total();
    let precision = if title_total <= 0.0 {
        0.0
    } else {
        (matched / title_total).min(1.0)
    };
    (coverage, precision)
}

/// Why a hit scored what it did.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Factors {
    /// Retrieval score (BM25 over words and ideograph pairs, field-weighted).
    pub retrieval: f32,
    /// Share of the query (weighted by rarity) found in the title or a question (0..1).
    pub title_coverage: f32,
    /// Share of that title or question (weighted by rarity) found in the query (0..1).
    pub title_precision: f32,
    /// The query is the title or a question, question words aside.
    pub exact_match: bool,
    /// The page is mostly links.
    pub link_page: bool,
    /// Share of the query (weighted by rarity) that one passage of the body
    /// holds together (0..1; 0 for a query of fewer than two known words).
    pub proximity: f32,
    /// The final score.
    pub score: f32,
}

/// What the rerank reads of a candidate page.
#[derive(Debug, Clone, Copy)]
pub struct Page<'a> {
    /// Its title and questions, as ingest prepared them.
    pub titles: &'a [TitleFeature],
    /// Share of the body that is link text.
    pub link_density: f32,
    /// The title says the page explains rather than instructs.
    pub explains: bool,
    /// The page has steps.
    pub has_steps: bool,
}

/// What the rerank reads of the query: its content with spaces removed,
/// its units as typed and as corrected, and what kind of page it asks for.
#[derive(Debug, Clone, Copy)]
pub struct Asked<'a> {
    /// Content with spaces removed.
    pub content: &'a str,
    /// Units as typed, and as corrected.
    pub units: &'a [QueryUnits],
    /// The question's intent.
    pub intent: Intent,
}

/// Rescores one candidate from what ingest prepared of it and the share
/// of the query one passage of its body holds.
pub fn rescore(
    page: Page<'_>,
    retrieval: f32,
    proximity: f32,
    asked: Asked<'_>,
    rerank: &Rerank,
) -> Factors {
    let Page {
        titles,
        link_density,
        explains,
        has_steps,
    } = page;
    let (content, query_units) = (asked.content, asked.units);
    // The title or question, read as typed or as corrected, that best matches.
    let (coverage, precision) = query_units
        .iter()
        .flat_map(|q| titles.iter().map(move |t| title_match(q, t)))
        .fold((0.0f32, 0.0f32), |best, c| {
            if c.0 + c.1 > best.0 + best.1 { c } else { best }
        });
    let exact = !content.is_empty() && titles.iter().any(|t| t.content == content);
    let link_page = link_density > LINK_PAGE_DENSITY;
    let mut score = retrieval
        * (1.0 + rerank.proximity * proximity)
        * (1.0 + rerank.title_coverage * coverage)
        * (1.0 + rerank.title_precision * precision);
    if exact {
        score *= rerank.exact_match;
    }
    if link_page {
        score *= rerank.link_page;
    }
    // 「A和B有什么区别」 asks for the page that explains, not for a page of
    // steps that mentions both.
    if asked.intent == Intent::Concept {
        if explains {
            score *= rerank.concept_match;
        } else if has_steps {
            score *= rerank.task_mismatch;
        }
    }
    Factors {
        retrieval,
        title_coverage: coverage,
        title_precision: precision,
        exact_match: exact,
        link_page,
        proximity,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(pairs: &[(&str, f32)]) -> Units {
        pairs.iter().map(|(u, w)| (u.to_string(), *w)).collect()
    }

    #[test]
    fn weighted_coverage_both_ways() {
        let q = QueryUnits::new(
            units(&[("创建", 3.0), ("手机", 1.0)]),
            &units(&[("移动设备", 2.0), ("手机", 1.0)]),
        );
        let t = TitleFeature {
            units: units(&[("创建", 3.0), ("状态", 1.0)]),
            content: "创建状态".into(),
        };
        let (c, p) = title_match(&q, &t);
        assert!((c - 0.75).abs() < 1e-6 && (p - 0.75).abs() < 1e-6);
        let t2 = TitleFeature {
            units: units(&[("移动设备", 2.0)]),
            content: "移动设备".into(),
        };
        let (c, p) = title_match(&q, &t2);
        assert!((c - 0.25).abs() < 1e-6 && (p - 0.5).abs() < 1e-6, "{c} {p}");
        // A synonym that was typed too counts once, as typed.
        let t3 = TitleFeature {
            units: units(&[("手机", 1.0)]),
            content: "手机".into(),
        };
        let (c, p) = title_match(&q, &t3);
        assert!((c - 0.25).abs() < 1e-6 && (p - 1.0).abs() < 1e-6, "{c} {p}");
    }

    mod title_match_as_before {
        use proptest::prelude::*;

        use super::*;

        /// `title_match` as it was written before the two walks: five
        /// walks over the units, every synonym kept.
        fn five_walks(typed: &Units, synonyms: &Units, title: &TitleFeature) -> (f32, f32) {
            let total = typed.total();
            if total <= 0.0 {
                return (0.0, 0.0);
            }
            let direct: f32 = typed
                .marks(&title.units)
                .filter(|&(u, _, t)| t || (u.chars().count() == 1 && title.content.contains(u)))
                .map(|(_, w, _)| w)
                .sum();
            let via: f32 = synonyms
                .marks(&title.units)
                .zip(synonyms.marks(typed))
                .filter(|&((_, _, t), (_, _, typed))| t && !typed)
                .map(|((_, w, _), _)| SYNONYM_CREDIT * w)
                .sum();
            let title_total = title.units.total();
            let precision = if title_total <= 0.0 {
                0.0
            } else {
                let matched: f32 = title
                    .units
                    .marks(typed)
                    .zip(title.units.marks(synonyms))
                    .map(|((_, w, t), (_, _, s))| {
                        if t {
                            w
                        } else if s {
                            SYNONYM_CREDIT * w
                        } else {
                            0.0
                        }
                    })
                    .sum();
                (matched / title_total).min(1.0)
            };
            (((direct + via) / total).min(1.0), precision)
        }

        fn some_units() -> impl Strategy<Value = Units> {
            let unit = prop::sample::select(vec![
                "买",
                "购买",
                "云",
                "云服务",
                "云服务器",
                "ecs",
                "e",
                "实例",
                "重置",
                "密码",
                "",
            ]);
            prop::collection::vec((unit, 0.0f32..8.0), 0..7)
                .prop_map(|v| v.into_iter().map(|(u, w)| (u.to_string(), w)).collect())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            #[test]
            fn two_walks_match_five(typed in some_units(), synonyms in some_units(), title in some_units()) {
                let content: String = title.iter().map(|(u, _)| u).collect();
                let title = TitleFeature { units: title, content };
                let want = five_walks(&typed, &synonyms, &title);
                let got = title_match(&QueryUnits::new(typed, &synonyms), &title);
                let close = |a: f32, b: f32| (a - b).abs() <= 1e-5 * b.abs().max(1.0);
                prop_assert!(close(got.0, want.0) && close(got.1, want.1), "{:?} vs {:?}", got, want);
            }
        }
    }

    #[test]
    fn exact_titles_double_and_link_pages_halve() {
        let t = [TitleFeature {
            units: units(&[("取消", 1.0)]),
            content: "取消".into(),
        }];
        let q = [QueryUnits::new(units(&[("取消", 1.0)]), &Units::default())];
        let r = Rerank::default();
        let page = |link_density| Page {
            titles: &t,
            link_density,
            explains: false,
            has_steps: true,
        };
        let asked = |content| Asked {
            content,
            units: &q,
            intent: Intent::Any,
        };
        let f = rescore(page(0.0), 1.0, 0.0, asked("取消"), &r);
        assert!(f.exact_match && (f.score - 2.0 * 2.0 * 1.5).abs() < 1e-6);
        let f = rescore(page(0.9), 1.0, 0.0, asked("别的"), &r);
        assert!(f.link_page && !f.exact_match && (f.score - 0.5 * 2.0 * 1.5).abs() < 1e-6);
    }

    #[test]
    fn a_question_of_what_or_which_prefers_the_page_that_explains() {
        let t = [TitleFeature {
            units: units(&[("策略", 1.0)]),
            content: "策略".into(),
        }];
        let q = [QueryUnits::default()];
        let r = Rerank::default();
        let asked = |intent| Asked {
            content: "区别",
            units: &q,
            intent,
        };
        let page = |explains, has_steps| Page {
            titles: &t,
            link_density: 0.0,
            explains,
            has_steps,
        };
        let concept = rescore(page(true, false), 1.0, 0.0, asked(Intent::Concept), &r);
        let steps = rescore(page(false, true), 1.0, 0.0, asked(Intent::Concept), &r);
        assert!(
            concept.score > 1.0 && steps.score < 1.0,
            "{concept:?} {steps:?}"
        );
        // Asked how, neither kind of page moves.
        let how = rescore(page(false, true), 1.0, 0.0, asked(Intent::Any), &r);
        assert!((how.score - 1.0).abs() < 1e-6);
    }
}
