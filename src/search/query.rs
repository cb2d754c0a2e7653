//! From user text to a tantivy query. User text is never parsed as query
//! syntax: it is analysed like the documents and every term becomes a
//! boosted SHOULD clause over the text fields.

use std::collections::HashMap;

use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use crate::analysis::Analyzer;
use crate::index::Fields;

/// Weight of the title field relative to the body.
pub const TITLE_BOOST: f32 = 3.0;
/// Weight of the alternative-questions field.
pub const QUESTIONS_BOOST: f32 = 2.5;
/// Weight of section headings.
pub const HEADINGS_BOOST: f32 = 1.5;
/// Weight of step texts and console paths.
pub const STEPS_BOOST: f32 = 1.2;
/// Weight of the body.
pub const BODY_BOOST: f32 = 1.0;
/// Weight of a shorter word that search mode finds inside a query word.
const SUB_WORD_WEIGHT: f32 = 0.5;

/// A query term and how much it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightedTerm {
    /// Normalised term text, as indexed.
    pub text: String,
    /// Multiplier on the term's score.
    pub weight: f32,
}

/// What a user's text means to the engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPlan {
    /// Terms to match, each once.
    pub terms: Vec<WeightedTerm>,
}

impl QueryPlan {
    /// Analyses user text.
    pub fn new(analyzer: &Analyzer, text: &str) -> QueryPlan {
        let mut weights: HashMap<String, f32> = HashMap::new();
        let mut order: Vec<String> = Vec::new();
        for t in analyzer.tokens(text) {
            let w = if t.main { 1.0 } else { SUB_WORD_WEIGHT };
            match weights.get_mut(&t.text) {
                Some(old) => *old = old.max(w),
                None => {
                    weights.insert(t.text.clone(), w);
                    order.push(t.text);
                }
            }
        }
        QueryPlan {
            terms: order
                .into_iter()
                .map(|text| WeightedTerm {
                    weight: weights[&text],
                    text,
                })
                .collect(),
        }
    }

    /// Whether nothing in the text is searchable (only punctuation, emoji …).
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// Term texts, for highlighting.
    pub fn highlight_terms(&self) -> Vec<String> {
        self.terms.iter().map(|t| t.text.clone()).collect()
    }

    /// The tantivy query: for each term and text field, a boosted term query.
    pub fn to_query(&self, fields: &Fields) -> Box<dyn Query> {
        let field_boosts: [(Field, f32); 5] = [
            (fields.title, TITLE_BOOST),
            (fields.questions, QUESTIONS_BOOST),
            (fields.headings, HEADINGS_BOOST),
            (fields.steps, STEPS_BOOST),
            (fields.body, BODY_BOOST),
        ];
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for term in &self.terms {
            for &(field, boost) in &field_boosts {
                let tq = TermQuery::new(
                    Term::from_field_text(field, &term.text),
                    IndexRecordOption::WithFreqs,
                );
                clauses.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(tq), boost * term.weight)),
                ));
            }
        }
        Box::new(BooleanQuery::new(clauses))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_syntax_is_just_text() {
        let a = Analyzer::default();
        let plan = QueryPlan::new(&a, "\"PO AND (取消 title:foo * -");
        let texts: Vec<_> = plan.terms.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, vec!["po", "and", "取消", "title", "foo"]);
        assert!(QueryPlan::new(&a, "* - ( ) 😀").is_empty());
    }
}
