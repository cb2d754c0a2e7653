//! Ranking: field weights for retrieval, then a rerank of the best
//! candidates by how much of the query the title covers, exact title or
//! question matches, and a penalty for pages that are mostly links.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use super::catalog::Entry;
use super::query::{QUESTION_WORDS, QueryPlan};
use crate::analysis::Analyzer;

/// Knobs of the ranking; the defaults are what wenda ships.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranking {
    /// Weight of the title field (words).
    pub title: f32,
    /// Weight of alternative questions (words).
    pub questions: f32,
    /// Weight of section headings (words).
    pub headings: f32,
    /// Weight of steps and console paths (words).
    pub steps: f32,
    /// Weight of the body (words).
    pub body: f32,
    /// Weight of title and question ideograph pairs.
    pub title_grams: f32,
    /// Weight of body ideograph pairs.
    pub body_grams: f32,
    /// Match ideograph pairs at all.
    pub grams: bool,
    /// What the alternatives and fields of a concept add beyond the best one.
    pub tie_breaker: f32,
    /// Expand synonyms.
    pub synonyms: bool,
    /// Correct typos.
    pub typos: bool,
    /// Read Latin letters as pinyin.
    pub pinyin: bool,
    /// How much a title that covers the whole query multiplies the score by (minus one).
    pub title_coverage: f32,
    /// How much a title made only of query words multiplies the score by (minus one).
    pub title_precision: f32,
    /// Multiplier when the query is exactly a title or question.
    pub exact_match: f32,
    /// Multiplier for pages that are mostly links (overviews, tables of contents).
    pub link_page: f32,
    /// Candidates reranked beyond the requested page.
    pub pool: usize,
}

impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            title: 3.0,
            questions: 2.5,
            headings: 1.5,
            steps: 1.2,
            body: 1.5,
            title_grams: 1.5,
            body_grams: 1.5,
            grams: true,
            tie_breaker: 0.5,
            synonyms: true,
            typos: true,
            pinyin: true,
            title_coverage: 1.0,
            title_precision: 0.5,
            exact_match: 2.0,
            link_page: 0.5,
            pool: 50,
        }
    }
}

/// Share of link text above which a page counts as mostly links.
const LINK_PAGE_DENSITY: f32 = 0.6;

/// The matching units of a text: its search-mode words (whole words and
/// the dictionary words inside them), question words left out.
pub fn units(analyzer: &Analyzer, text: &str) -> HashSet<String> {
    analyzer
        .tokens(text)
        .into_iter()
        .map(|t| t.text)
        .filter(|t| !QUESTION_WORDS.contains(&t.as_str()))
        .collect()
}

/// Matching units with their weights (inverse document frequency).
pub type Units = HashMap<String, f32>;

/// Weighs units; units no article contains (weight 0) are dropped.
pub fn weigh(units: HashSet<String>, idf: impl Fn(&str) -> f32) -> Units {
    units
        .into_iter()
        .filter_map(|u| {
            let w = idf(&u);
            (w > 0.0).then_some((u, w))
        })
        .collect()
}

/// Inverse document frequency as BM25 computes it; 0 for unknown units.
pub fn idf(df: u64, docs: u64) -> f32 {
    if df == 0 {
        return 0.0;
    }
    (1.0 + (docs as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln()
}

/// Credit for a unit matched only through a synonym.
const SYNONYM_CREDIT: f32 = 0.5;

/// The units of a query: what was typed (or its correction), and synonyms,
/// which earn half credit.
#[derive(Debug, Clone, Default)]
pub struct QueryUnits {
    /// Units of the query as typed, or as corrected.
    pub typed: Units,
    /// Units of synonyms of typed words.
    pub synonyms: Units,
}

/// Share of `a`'s weight that `b` has, counting units `b` only has as a
/// synonym at half credit.
fn covered(a: &Units, b: &Units, synonyms: &Units) -> f32 {
    let total: f32 = a.values().sum();
    if total <= 0.0 {
        return 0.0;
    }
    let matched: f32 = a
        .iter()
        .map(|(u, w)| {
            if b.contains_key(u) {
                *w
            } else if synonyms.contains_key(u) {
                SYNONYM_CREDIT * w
            } else {
                0.0
            }
        })
        .sum();
    (matched / total).min(1.0)
}

/// How well a title matches a query: (share of the query in the title,
/// share of the title in the query), synonyms at half credit. A one-character
/// query word also matches inside a title word (买 in 购买).
fn title_match(q: &QueryUnits, title: &Units, title_text: &str) -> (f32, f32) {
    let total: f32 = q.typed.values().sum();
    if total <= 0.0 {
        return (0.0, 0.0);
    }
    let direct: f32 = q
        .typed
        .iter()
        .filter(|(u, _)| {
            title.contains_key(*u) || (u.chars().count() == 1 && title_text.contains(u.as_str()))
        })
        .map(|(_, w)| w)
        .sum();
    let via_synonyms: f32 = q
        .synonyms
        .iter()
        .filter(|(u, _)| title.contains_key(*u) && !q.typed.contains_key(*u))
        .map(|(_, w)| SYNONYM_CREDIT * w)
        .sum();
    let coverage = ((direct + via_synonyms) / total).min(1.0);
    let precision = covered(title, &q.typed, &q.synonyms);
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
    /// The final score.
    pub score: f32,
}

/// Rescores one candidate.
pub fn rescore(
    entry: &Entry,
    retrieval: f32,
    plan: &QueryPlan,
    query_units: &[QueryUnits],
    ranking: &Ranking,
) -> Factors {
    // The title or question, read as typed or as corrected, that best matches.
    let (coverage, precision) = query_units
        .iter()
        .flat_map(|q| {
            entry
                .title_units
                .iter()
                .zip(&entry.title_contents)
                .map(move |(t, text)| title_match(q, t, text))
        })
        .fold((0.0f32, 0.0f32), |best, c| {
            if c.0 + c.1 > best.0 + best.1 { c } else { best }
        });
    let squeezed = plan.content.replace(' ', "");
    let exact = !squeezed.is_empty() && entry.title_contents.contains(&squeezed);
    let link_page = entry.link_density > LINK_PAGE_DENSITY;
    let mut score = retrieval
        * (1.0 + ranking.title_coverage * coverage)
        * (1.0 + ranking.title_precision * precision);
    if exact {
        score *= ranking.exact_match;
    }
    if link_page {
        score *= ranking.link_page;
    }
    Factors {
        retrieval,
        title_coverage: coverage,
        title_precision: precision,
        exact_match: exact,
        link_page,
        score,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_coverage_both_ways() {
        let q = QueryUnits {
            typed: [("创建".to_string(), 3.0), ("手机".to_string(), 1.0)].into(),
            synonyms: [("移动设备".to_string(), 2.0)].into(),
        };
        let t: Units = [("创建".to_string(), 3.0), ("状态".to_string(), 1.0)].into();
        let (c, p) = title_match(&q, &t, "创建状态");
        assert!((c - 0.75).abs() < 1e-6 && (p - 0.75).abs() < 1e-6);
        let t2: Units = [("移动设备".to_string(), 2.0)].into();
        let (c, p) = title_match(&q, &t2, "移动设备");
        assert!((c - 0.25).abs() < 1e-6 && (p - 0.5).abs() < 1e-6, "{c} {p}");
        assert_eq!(idf(0, 10), 0.0);
        assert!(idf(1, 10) > idf(5, 10));
    }

    #[test]
    fn units_are_words_without_question_words() {
        let a = Analyzer::default();
        let mut v: Vec<_> = units(&a, "如何解绑EIP？").into_iter().collect();
        v.sort();
        assert_eq!(v, vec!["eip", "解绑"]);
    }
}
