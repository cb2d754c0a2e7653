//! From user text to a tantivy query. User text is never parsed as query
//! syntax: it is analysed like the documents, then every word becomes a
//! boosted SHOULD clause over the text fields, and every pair of adjacent
//! ideographs one over the n-gram fields. Question words count little;
//! synonyms, typo corrections and words read from pinyin are added with
//! less weight than what the user typed.

use std::collections::HashMap;
use std::time::Instant;

use serde::Serialize;
use tantivy::Term;
use tantivy::query::{BooleanQuery, BoostQuery, DisjunctionMaxQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption};

use super::config::{
    Boosts, MAX_CONCEPTS, MAX_GRAMS, MAX_PINYIN_LETTERS, MAX_PLAN_LOOKUPS, MAX_TYPO_SPAN_CHARS,
    PINYIN_WEIGHT, Planning, QUESTION_WORD_WEIGHT, SUB_WORD_WEIGHT, SYNONYM_WEIGHT, TYPO_WEIGHT,
};
use crate::analysis::synonyms::Synonyms;
use crate::analysis::terms::{
    Intent, bigrams, content_from, denied_verb, intent_of, is_question_word,
};
use crate::analysis::{Analyzer, WordToken, is_cjk, normalize_str};
use crate::index::Fields;
use crate::index::lexicon::{Correction, Lexicon};
use crate::{Error, Result};

/// Where a query term came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TermSource {
    /// A word the user typed.
    Typed,
    /// A shorter word inside a typed word.
    SubWord,
    /// A question word (怎么, 吗).
    QuestionWord,
    /// A synonym of a typed word (a product name, or mined from the corpus).
    Synonym,
    /// Another way people say a typed word (the help-desk lexicon).
    Phrasing,
    /// The known word a typo most likely meant.
    Typo,
    /// A word read from pinyin.
    Pinyin,
}

/// A query term and how much it counts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct WeightedTerm {
    /// Normalised term text, as indexed.
    pub text: String,
    /// Multiplier on the term's score.
    pub weight: f32,
    /// Why the term is in the query.
    pub source: TermSource,
}

/// What the engine needs besides the text to plan a query.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// The analyzer the index was built with.
    pub analyzer: &'a Analyzer,
    /// Synonym groups.
    pub synonyms: &'a Synonyms,
    /// Words of the index, for corrections and pinyin.
    pub lexicon: &'a Lexicon,
    /// Which expansions are on.
    pub planning: &'a Planning,
    /// When to give up.
    pub deadline: Option<Instant>,
}

/// Work done while planning, counted in lexicon look-ups, and the limits
/// on it: a plan never makes more than [`MAX_PLAN_LOOKUPS`] of them, and
/// stops with [`Error::DeadlineExceeded`] once the deadline has passed.
struct Budget {
    lookups: usize,
    deadline: Option<Instant>,
}

impl Budget {
    /// Takes one look-up; `Ok(false)` when the budget is spent.
    fn take(&mut self) -> Result<bool> {
        if self.lookups >= MAX_PLAN_LOOKUPS {
            return Ok(false);
        }
        self.lookups += 1;
        if self.lookups.is_multiple_of(16) && self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::DeadlineExceeded);
        }
        Ok(true)
    }
}

/// What a user's text means to the engine.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QueryPlan {
    /// What the query asks about, each with its alternatives.
    pub concepts: Vec<Concept>,
    /// Ideograph pairs to match in the n-gram fields, with weights.
    pub grams: Vec<(String, f32)>,
    /// Single ideographs, for the fallback when nothing else matches.
    pub unigrams: Vec<String>,
    /// The query without question words, normalised (runs of adjacent
    /// words joined, others separated by a space).
    pub content: String,
    /// Typos corrected and pinyin read.
    pub corrections: Vec<Correction>,
    /// What kind of article the question asks for.
    pub intent: Intent,
    /// The query as the engine understood it, when that differs from what
    /// was typed (“did you mean”).
    pub suggestion: Option<String>,
    /// Lexicon look-ups made while planning (at most [`MAX_PLAN_LOOKUPS`]).
    pub work: usize,
}

/// One thing the query asks about: the word typed, and what may stand for
/// it (the shorter words inside it, synonyms, its correction). A concept
/// scores as the best of its alternatives plus a little for the others, so a
/// word with many synonyms does not outweigh a word with none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Concept {
    /// The alternatives, the typed word first.
    pub alternatives: Vec<Alternative>,
}

/// One way to match a concept: all its words count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alternative {
    /// Normalised words, as indexed.
    pub words: Vec<String>,
    /// Multiplier on the score.
    pub weight: f32,
    /// Why it is in the query.
    pub source: TermSource,
}

struct Builder {
    concepts: Vec<Concept>,
    /// Typed word → its concept.
    by_word: HashMap<String, usize>,
    grams: Vec<(String, f32)>,
}

impl Builder {
    fn concept(&mut self, word: &str, weight: f32, source: TermSource) -> usize {
        if let Some(&i) = self.by_word.get(word) {
            return i;
        }
        self.by_word.insert(word.to_string(), self.concepts.len());
        self.concepts.push(Concept {
            alternatives: vec![Alternative {
                words: vec![word.to_string()],
                weight,
                source,
            }],
        });
        self.concepts.len() - 1
    }

    fn alternative(&mut self, concept: usize, words: Vec<String>, weight: f32, source: TermSource) {
        if words.is_empty() {
            return;
        }
        let alts = &mut self.concepts[concept].alternatives;
        match alts.iter_mut().find(|a| a.words == words) {
            Some(a) => a.weight = a.weight.max(weight),
            None => alts.push(Alternative {
                words,
                weight,
                source,
            }),
        }
    }

    /// The concept a span of the query belongs to: the typed word equal to
    /// it, else the first typed word inside it.
    fn concept_for(&self, span: &str) -> Option<usize> {
        self.by_word.get(span).copied().or_else(|| {
            self.concepts
                .iter()
                .position(|c| span.contains(c.alternatives[0].words[0].as_str()))
        })
    }

    fn gram(&mut self, text: String, weight: f32) {
        match self.grams.iter_mut().find(|(g, _)| *g == text) {
            Some(g) => g.1 = g.1.max(weight),
            None => self.grams.push((text, weight)),
        }
    }
}

/// The words of `text` that are not question words.
fn content_words(analyzer: &Analyzer, text: &str) -> Vec<String> {
    analyzer
        .words(text)
        .into_iter()
        .filter(|w| !is_question_word(w))
        .collect()
}

impl QueryPlan {
    /// Plans the query for user text. Long texts are read up to
    /// [`MAX_CONCEPTS`] words and [`MAX_GRAMS`] ideograph pairs; past the
    /// deadline, planning stops with [`Error::DeadlineExceeded`].
    pub fn new(ctx: Context<'_>, text: &str) -> Result<QueryPlan> {
        let tokens = ctx.analyzer.tokens(text);
        let mut budget = Budget {
            lookups: 0,
            deadline: ctx.deadline,
        };
        let mut b = Builder {
            concepts: Vec::new(),
            by_word: HashMap::new(),
            grams: Vec::new(),
        };
        let mut words: Vec<String> = Vec::new();
        let mut current: Option<(usize, usize)> = None;
        for t in &tokens {
            if t.main && b.concepts.len() >= MAX_CONCEPTS && !b.by_word.contains_key(&t.text) {
                current = None;
                continue;
            }
            if t.main {
                let question = is_question_word(&t.text);
                let (weight, source) = if question {
                    (QUESTION_WORD_WEIGHT, TermSource::QuestionWord)
                } else {
                    (1.0, TermSource::Typed)
                };
                let c = b.concept(&t.text, weight, source);
                current = Some((c, t.position));
                words.push(t.text.clone());
                // 删不掉 is about 删: the verb is one of its words, and the
                // help-desk lexicon reads it (删 → 删除).
                if let Some(verb) = denied_verb(&t.text) {
                    b.alternative(
                        c,
                        vec![verb.to_string()],
                        SUB_WORD_WEIGHT,
                        TermSource::Phrasing,
                    );
                    b.by_word.entry(verb.to_string()).or_insert(c);
                    words.push(verb.to_string());
                }
            } else if let Some((c, position)) = current
                && position == t.position
            {
                b.alternative(
                    c,
                    vec![t.text.clone()],
                    SUB_WORD_WEIGHT,
                    TermSource::SubWord,
                );
            }
        }
        let content = content_from(&tokens);
        for g in bigrams(&content).into_iter().take(MAX_GRAMS) {
            b.gram(g, 1.0);
        }
        let unigrams = content
            .chars()
            .filter(|c| is_cjk(*c))
            .map(String::from)
            .collect();

        if !ctx.synonyms.is_empty() {
            let norm = normalize_str(text);
            for e in ctx.synonyms.expansions(&norm, &words) {
                let target = b.concept_for(&e.matched);
                let source = if e.generic {
                    TermSource::Phrasing
                } else {
                    TermSource::Synonym
                };
                for w in e.others_content {
                    match target {
                        Some(c) => b.alternative(c, w, SYNONYM_WEIGHT, source),
                        None => {
                            if let Some(first) = w.first().cloned() {
                                let c = b.concept(&first, SYNONYM_WEIGHT, source);
                                b.alternative(c, w, SYNONYM_WEIGHT, source);
                            }
                        }
                    }
                }
            }
        }

        let mut corrections = Vec::new();
        if ctx.planning.typos {
            for c in typos(ctx, &tokens, &mut budget)? {
                let w = content_words(ctx.analyzer, &c.to);
                if let Some(target) = b.concept_for(&c.from) {
                    b.alternative(target, w, TYPO_WEIGHT, TermSource::Typo);
                }
                for g in bigrams(&c.to) {
                    b.gram(g, TYPO_WEIGHT);
                }
                corrections.push(c);
            }
        }
        if ctx.planning.pinyin {
            for c in pinyin_words(ctx, &tokens, &mut budget)? {
                for w in content_words(ctx.analyzer, &c.to) {
                    b.concept(&w, PINYIN_WEIGHT, TermSource::Pinyin);
                }
                for g in bigrams(&c.to) {
                    b.gram(g, PINYIN_WEIGHT);
                }
                corrections.push(c);
            }
        }
        let suggestion = (!corrections.is_empty()).then(|| {
            corrections
                .iter()
                .fold(normalize_str(text), |s, c| s.replacen(&c.from, &c.to, 1))
        });
        Ok(QueryPlan {
            intent: intent_of(&normalize_str(text)),
            concepts: b.concepts,
            grams: b.grams,
            unigrams,
            content,
            corrections,
            suggestion,
            work: budget.lookups,
        })
    }

    /// Every word searched, once, with its highest weight (for
    /// highlighting and explanations).
    pub fn terms(&self) -> Vec<WeightedTerm> {
        let mut terms: Vec<WeightedTerm> = Vec::new();
        for alt in self.concepts.iter().flat_map(|c| &c.alternatives) {
            for w in &alt.words {
                match terms.iter_mut().find(|t| t.text == *w) {
                    Some(t) if t.weight < alt.weight => {
                        t.weight = alt.weight;
                        t.source = alt.source;
                    }
                    Some(_) => {}
                    None => terms.push(WeightedTerm {
                        text: w.clone(),
                        weight: alt.weight,
                        source: alt.source,
                    }),
                }
            }
        }
        terms
    }

    /// The words the user typed (and the shorter words inside them),
    /// question words left out: what a title has to cover.
    pub fn typed_words(&self) -> impl Iterator<Item = &str> {
        self.concepts
            .iter()
            .flat_map(|c| &c.alternatives)
            .filter(|a| matches!(a.source, TermSource::Typed | TermSource::SubWord))
            .flat_map(|a| a.words.iter().map(String::as_str))
    }

    /// Whether nothing in the text is searchable (only punctuation, emoji …).
    pub fn is_empty(&self) -> bool {
        self.concepts.is_empty() && self.grams.is_empty()
    }

    /// Texts to highlight: every term that is not a question word.
    pub fn highlight_terms(&self) -> Vec<String> {
        self.terms()
            .into_iter()
            .filter(|t| t.source != TermSource::QuestionWord)
            .map(|t| t.text)
            .collect()
    }

    /// The main query, as the tree that says how it scores a document: the
    /// best field and alternative of each concept over the text fields (plus
    /// a share of the others), and pairs of ideographs over the n-gram
    /// fields, summed.
    pub fn score_tree(&self, fields: &Fields, boosts: &Boosts, planning: &Planning) -> ScoreTree {
        let word_fields = word_fields(fields, boosts);
        // Content concepts and pairs decide what matches; question words
        // only add to the score of what matches anyway (unless the query
        // has nothing else).
        let mut clauses: Vec<ScoreTree> = Vec::new();
        let mut asking: Vec<ScoreTree> = Vec::new();
        for concept in &self.concepts {
            let mut disjuncts: Vec<ScoreTree> = Vec::new();
            for alt in &concept.alternatives {
                let share = alt.weight / alt.words.len() as f32;
                for &(field, boost) in &word_fields {
                    if let [word] = alt.words.as_slice() {
                        disjuncts.push(ScoreTree::term(field, word, boost * share));
                    } else {
                        let all = alt
                            .words
                            .iter()
                            .map(|w| ScoreTree::term(field, w, boost * share))
                            .collect();
                        disjuncts.push(ScoreTree::Sum(all));
                    }
                }
            }
            let clause = ScoreTree::Max(disjuncts, boosts.tie_breaker);
            if concept.alternatives[0].source == TermSource::QuestionWord {
                asking.push(clause);
            } else {
                clauses.push(clause);
            }
        }
        if planning.grams {
            for (gram, weight) in &self.grams {
                clauses.push(ScoreTree::term(
                    fields.title_grams,
                    gram,
                    boosts.title_grams * weight,
                ));
                clauses.push(ScoreTree::term(
                    fields.body_grams,
                    gram,
                    boosts.body_grams * weight,
                ));
            }
        }
        if clauses.is_empty() {
            return ScoreTree::Sum(asking);
        }
        if asking.is_empty() {
            return ScoreTree::Sum(clauses);
        }
        ScoreTree::Required(Box::new(ScoreTree::Sum(clauses)), asking)
    }

    /// The query to run when the main one matches nothing: single ideographs
    /// over the n-gram fields.
    pub fn fallback_query(&self, fields: &Fields, boosts: &Boosts) -> Option<Box<dyn Query>> {
        if self.unigrams.is_empty() {
            return None;
        }
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for u in &self.unigrams {
            clauses.push((
                Occur::Should,
                boosted(fields.title_grams, u, boosts.title_grams),
            ));
            clauses.push((
                Occur::Should,
                boosted(fields.body_grams, u, boosts.body_grams),
            ));
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }
}

/// How a query scores a document. The same tree is the tantivy query that
/// runs ([`ScoreTree::to_query`]) and scores given candidates
/// ([`ScoreTree::score`]), combining term scores the way tantivy's scorers
/// combine them (in the same order, so the floats agree).
#[derive(Debug, Clone, PartialEq)]
pub enum ScoreTree {
    /// A word in a field, boosted.
    Term(Field, String, f32),
    /// The sum of the children that match.
    Sum(Vec<ScoreTree>),
    /// The best child that matches, plus a share (the tie breaker) of the
    /// other children that match.
    Max(Vec<ScoreTree>, f32),
    /// The first must match; the others add to its score.
    Required(Box<ScoreTree>, Vec<ScoreTree>),
}

impl ScoreTree {
    fn term(field: Field, word: &str, boost: f32) -> ScoreTree {
        ScoreTree::Term(field, word.to_string(), boost)
    }

    /// The tantivy query.
    pub fn to_query(&self) -> Box<dyn Query> {
        let should = |children: &[ScoreTree]| -> Vec<(Occur, Box<dyn Query>)> {
            children
                .iter()
                .map(|c| (Occur::Should, c.to_query()))
                .collect()
        };
        match self {
            ScoreTree::Term(field, word, boost) => boosted(*field, word, *boost),
            ScoreTree::Sum(children) => Box::new(BooleanQuery::new(should(children))),
            ScoreTree::Max(children, tie) => Box::new(DisjunctionMaxQuery::with_tie_breaker(
                children.iter().map(ScoreTree::to_query).collect(),
                *tie,
            )),
            ScoreTree::Required(must, optional) => {
                let mut clauses = should(optional);
                clauses.push((Occur::Must, must.to_query()));
                Box::new(BooleanQuery::new(clauses))
            }
        }
    }

    /// A tree that matches exactly the documents this one matches, as one
    /// flat sum of its terms (each once, with the sum of its boosts): the
    /// leaves of what must match (question words only add to the score of
    /// what matches, so they are left to the rescoring), or every leaf when
    /// nothing else must. It costs several times less to run than nested
    /// maxima over the fields. Its scores only pick the candidates, which
    /// this tree then scores exactly.
    pub fn retrieval_tree(&self) -> ScoreTree {
        let deciding = match self {
            ScoreTree::Required(must, _) => must,
            tree => tree,
        };
        let mut union = TermUnion::default();
        for (field, word, boost) in deciding.terms() {
            union.add(field, word, boost);
        }
        ScoreTree::Sum(
            union
                .terms
                .into_iter()
                .map(|(field, word, boost)| ScoreTree::Term(field, word, boost))
                .collect(),
        )
    }

    /// Every term leaf, in order (the order [`ScoreTree::score`] reads
    /// their scores in).
    pub fn terms(&self) -> Vec<(Field, &str, f32)> {
        let mut out = Vec::new();
        self.collect_terms(&mut out);
        out
    }

    fn collect_terms<'a>(&'a self, out: &mut Vec<(Field, &'a str, f32)>) {
        match self {
            ScoreTree::Term(field, word, boost) => out.push((*field, word, *boost)),
            ScoreTree::Sum(children) | ScoreTree::Max(children, _) => {
                children.iter().for_each(|c| c.collect_terms(out))
            }
            ScoreTree::Required(must, optional) => {
                must.collect_terms(out);
                optional.iter().for_each(|c| c.collect_terms(out));
            }
        }
    }

    /// The score of a document given the scores of the term leaves (in the
    /// order of [`ScoreTree::terms`]; `None` where the term does not
    /// occur); `None` if the document does not match. (To score many
    /// documents, flatten the tree once: [`ScoreProgram`].)
    pub fn score(&self, leaves: &[Option<f32>]) -> Option<f32> {
        ScoreProgram::of(self).score(leaves, &mut Vec::new())
    }
}

/// A [`ScoreTree`] flattened for scoring many documents: its nodes in
/// post-order, each combining the values its children left on a stack, in
/// the children's order (the order tantivy's scorers add in, so the floats
/// agree) — no recursive call and iterator step per node.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoreProgram {
    steps: Vec<Step>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Step {
    /// The next leaf's score.
    Leaf,
    /// The sum of the last `n` values.
    Sum(usize),
    /// The best of the last `n` values plus the tie breaker's share of the
    /// others.
    Max(usize, f32),
    /// The value before the last `n` (the required child) plus the sum of
    /// the last `n`, if the required one is there.
    Required(usize),
}

impl ScoreProgram {
    /// The program of `tree`.
    pub fn of(tree: &ScoreTree) -> ScoreProgram {
        fn walk(tree: &ScoreTree, steps: &mut Vec<Step>) {
            match tree {
                ScoreTree::Term(..) => steps.push(Step::Leaf),
                ScoreTree::Sum(children) => {
                    children.iter().for_each(|c| walk(c, steps));
                    steps.push(Step::Sum(children.len()));
                }
                ScoreTree::Max(children, tie) => {
                    children.iter().for_each(|c| walk(c, steps));
                    steps.push(Step::Max(children.len(), *tie));
                }
                ScoreTree::Required(must, optional) => {
                    walk(must, steps);
                    optional.iter().for_each(|c| walk(c, steps));
                    steps.push(Step::Required(optional.len()));
                }
            }
        }
        let mut steps = Vec::new();
        walk(tree, &mut steps);
        ScoreProgram { steps }
    }

    /// The score of a document given the leaves' scores, as
    /// [`ScoreTree::score`] says; `stack` is scratch space, reused between
    /// calls.
    pub fn score(&self, leaves: &[Option<f32>], stack: &mut Vec<Option<f32>>) -> Option<f32> {
        stack.clear();
        let mut next = leaves.iter().copied();
        for step in &self.steps {
            let value = match *step {
                Step::Leaf => next.next().flatten(),
                Step::Sum(n) => {
                    let at = stack.len().saturating_sub(n);
                    let value = sum(stack[at..].iter().copied());
                    stack.truncate(at);
                    value
                }
                Step::Max(n, tie) => {
                    let at = stack.len().saturating_sub(n);
                    let (mut max, mut total, mut any) = (0.0f32, 0.0f32, false);
                    for s in stack[at..].iter().flatten() {
                        max = max.max(*s);
                        total += s;
                        any = true;
                    }
                    stack.truncate(at);
                    any.then_some(max + (total - max) * tie)
                }
                Step::Required(n) => {
                    let at = stack.len().saturating_sub(n);
                    let optional = sum(stack[at..].iter().copied());
                    stack.truncate(at);
                    let must = stack.pop().flatten();
                    must.map(|m| m + optional.unwrap_or(0.0))
                }
            };
            stack.push(value);
        }
        stack.pop().flatten()
    }
}

/// The sum of the scores that are there (all children are read, so the
/// leaves stay in step); `None` if none is.
fn sum(scores: impl Iterator<Item = Option<f32>>) -> Option<f32> {
    let mut total: Option<f32> = None;
    for s in scores.flatten() {
        total = Some(total.unwrap_or(0.0) + s);
    }
    total
}

/// The word fields a concept is looked for in, with their boosts.
fn word_fields(fields: &Fields, boosts: &Boosts) -> [(Field, f32); 5] {
    [
        (fields.title, boosts.title),
        (fields.questions, boosts.questions),
        (fields.headings, boosts.headings),
        (fields.steps, boosts.steps),
        (fields.body, boosts.body),
    ]
}

/// Boosted terms, each (field, word) once with the sum of its boosts.
#[derive(Default)]
struct TermUnion {
    terms: Vec<(Field, String, f32)>,
    at: HashMap<(Field, String), usize>,
}

impl TermUnion {
    fn add(&mut self, field: Field, word: &str, boost: f32) {
        let next = self.terms.len();
        let i = *self.at.entry((field, word.to_string())).or_insert(next);
        if i == next {
            self.terms.push((field, word.to_string(), boost));
        } else {
            self.terms[i].2 += boost;
        }
    }
}

fn boosted(field: Field, text: &str, boost: f32) -> Box<dyn Query> {
    let tq = TermQuery::new(
        Term::from_field_text(field, text),
        IndexRecordOption::WithFreqs,
    );
    Box::new(BoostQuery::new(Box::new(tq), boost))
}

/// Spans of the query made of whole words where one is a single ideograph
/// or an unknown word — where typos show up — replaced by the known word
/// they most likely mean. Spans are adjacent words of at most
/// [`MAX_TYPO_SPAN_CHARS`] characters (no correction is longer), so the
/// work grows linearly with the query, within the budget.
fn typos(ctx: Context<'_>, tokens: &[WordToken], budget: &mut Budget) -> Result<Vec<Correction>> {
    let words: Vec<(&str, usize, usize, usize)> = tokens
        .iter()
        .filter(|t| t.main && t.text.chars().all(is_cjk))
        .map(|t| (t.text.as_str(), t.from, t.to, t.text.chars().count()))
        .collect();
    let mut out = Vec::new();
    let mut used_until = 0usize;
    for i in 0..words.len() {
        if words[i].1 < used_until {
            continue;
        }
        // Spans starting at i over adjacent words, then longest first.
        let mut ends = Vec::new();
        let mut chars = 0;
        for j in i..words.len() {
            if j > i && words[j - 1].2 != words[j].1 {
                break;
            }
            chars += words[j].3;
            if chars > MAX_TYPO_SPAN_CHARS {
                break;
            }
            ends.push(j);
        }
        let mut found = None;
        for &j in ends.iter().rev() {
            let span: String = words[i..=j].iter().map(|w| w.0).collect();
            let single_char = words[i..=j].iter().any(|w| w.3 == 1);
            let suspicious = single_char
                || (i == j && {
                    if !budget.take()? {
                        return Ok(out);
                    }
                    ctx.lexicon.df(&span) < 2
                });
            if !suspicious {
                continue;
            }
            if !budget.take()? {
                return Ok(out);
            }
            if let Some(to) = ctx.lexicon.correct(&span, ctx.analyzer.knows(&span)) {
                found = Some((j, Correction { from: span, to }));
                break;
            }
        }
        if let Some((j, c)) = found {
            used_until = words[j].2;
            out.push(c);
        }
    }
    Ok(out)
}

/// Runs of Latin words the index does not know, read as pinyin (runs of at
/// most [`MAX_PINYIN_LETTERS`] letters).
fn pinyin_words(
    ctx: Context<'_>,
    tokens: &[WordToken],
    budget: &mut Budget,
) -> Result<Vec<Correction>> {
    let mut out = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let flush = |run: &mut Vec<&str>, out: &mut Vec<Correction>, budget: &mut Budget| {
        let letters = run.join(" ");
        run.clear();
        let n = letters.len();
        if n == 0 || n > MAX_PINYIN_LETTERS || !budget.take()? {
            return Ok::<(), Error>(());
        }
        if let Some(words) = ctx.lexicon.from_pinyin(&letters) {
            out.push(Correction {
                from: letters,
                to: words.concat(),
            });
        }
        Ok(())
    };
    for t in tokens.iter().filter(|t| t.main) {
        let latin = t.text.chars().all(|c| c.is_ascii_lowercase());
        if latin && budget.take()? && ctx.lexicon.df(&t.text) == 0 {
            run.push(&t.text);
        } else {
            flush(&mut run, &mut out, budget)?;
        }
    }
    flush(&mut run, &mut out, budget)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Plans `text` with these synonyms and lexicon and the default
    /// planning, until `deadline`.
    fn plan_with(
        synonyms: &Synonyms,
        lexicon: &Lexicon,
        deadline: Option<Instant>,
        text: &str,
    ) -> Result<QueryPlan> {
        let (analyzer, planning) = (Analyzer::default(), Planning::default());
        let ctx = Context {
            analyzer: &analyzer,
            synonyms,
            lexicon,
            planning: &planning,
            deadline,
        };
        QueryPlan::new(ctx, text)
    }

    /// Plans `text` with no synonyms and an empty lexicon.
    fn bare_plan(text: &str) -> QueryPlan {
        plan_with(&Synonyms::default(), &Lexicon::default(), None, text).unwrap()
    }

    #[test]
    fn query_syntax_is_just_text() {
        let plan = bare_plan("\"PO AND (取消 title:foo * -");
        let terms = plan.terms();
        let texts: Vec<_> = terms.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(texts, vec!["po", "and", "取消", "title", "foo"]);
        assert!(bare_plan("* - ( ) 😀").is_empty());
    }

    #[test]
    fn question_words_weigh_little() {
        let plan = bare_plan("如何取消");
        let terms = plan.terms();
        let w: Vec<_> = terms.iter().map(|t| (t.text.as_str(), t.weight)).collect();
        assert_eq!(w, vec![("如何", QUESTION_WORD_WEIGHT), ("取消", 1.0)]);
        assert_eq!(plan.grams, vec![("取消".to_string(), 1.0)]);
    }

    #[test]
    fn a_word_for_cannot_searches_its_verb_and_the_lexicon_reads_it() {
        let groups: Vec<(Vec<String>, bool)> = crate::analysis::helpdesk::tagged_groups().collect();
        let s = Synonyms::tagged(&groups, &Analyzer::default());
        let l = Lexicon::default();
        let plan = plan_with(&s, &l, None, "负载均衡删不掉").unwrap();
        let concept = plan
            .concepts
            .iter()
            .find(|c| c.alternatives[0].words == ["删不掉"])
            .expect("删不掉 is a concept");
        let alternatives: Vec<&str> = concept
            .alternatives
            .iter()
            .flat_map(|a| a.words.iter().map(String::as_str))
            .collect();
        assert!(alternatives.contains(&"删"), "{alternatives:?}");
        assert!(alternatives.contains(&"删除"), "{alternatives:?}");
        // Split by the segmenter, what is left of “can't” asks, it does not
        // say what about.
        let plan = plan_with(&s, &l, None, "证书传不上去").unwrap();
        let weights: Vec<(String, f32)> = plan
            .terms()
            .into_iter()
            .map(|t| (t.text, t.weight))
            .collect();
        for w in ["不", "上去"] {
            assert!(
                weights.contains(&(w.to_string(), QUESTION_WORD_WEIGHT)),
                "{w}: {weights:?}"
            );
        }
        assert!(weights.contains(&("传".to_string(), 1.0)), "{weights:?}");
    }

    #[test]
    fn a_passed_deadline_stops_planning() {
        let s = Synonyms::default();
        let l = Lexicon::from_counts([("挂载".to_string(), 9)].into(), 10);
        let text = "挂在".repeat(200);
        assert!(matches!(
            plan_with(&s, &l, Some(Instant::now()), &text),
            Err(Error::DeadlineExceeded)
        ));
        assert!(plan_with(&s, &l, None, &text).unwrap().work <= MAX_PLAN_LOOKUPS);
    }

    mod program {
        use proptest::prelude::*;

        use super::*;

        /// The tree walked recursively, node by node, as it scored
        /// before it was flattened.
        fn recursive(
            tree: &ScoreTree,
            leaves: &mut impl Iterator<Item = Option<f32>>,
        ) -> Option<f32> {
            match tree {
                ScoreTree::Term(..) => leaves.next().flatten(),
                ScoreTree::Sum(children) => {
                    let scores: Vec<_> = children.iter().map(|c| recursive(c, leaves)).collect();
                    sum(scores.into_iter())
                }
                ScoreTree::Max(children, tie) => {
                    let scores: Vec<_> = children.iter().map(|c| recursive(c, leaves)).collect();
                    let (mut max, mut total, mut any) = (0.0f32, 0.0f32, false);
                    for s in scores.into_iter().flatten() {
                        max = max.max(s);
                        total += s;
                        any = true;
                    }
                    any.then(|| max + (total - max) * tie)
                }
                ScoreTree::Required(must, optional) => {
                    let must = recursive(must, leaves);
                    let scores: Vec<_> = optional.iter().map(|c| recursive(c, leaves)).collect();
                    must.map(|m| m + sum(scores.into_iter()).unwrap_or(0.0))
                }
            }
        }

        fn tree() -> impl Strategy<Value = ScoreTree> {
            let leaf = (0.1f32..3.0).prop_map(|b| ScoreTree::term(Field::from_field_id(0), "w", b));
            leaf.prop_recursive(4, 40, 5, |inner| {
                prop_oneof![
                    prop::collection::vec(inner.clone(), 0..5).prop_map(ScoreTree::Sum),
                    (prop::collection::vec(inner.clone(), 0..5), 0.0f32..1.0)
                        .prop_map(|(c, tie)| ScoreTree::Max(c, tie)),
                    (inner.clone(), prop::collection::vec(inner, 0..4))
                        .prop_map(|(m, o)| ScoreTree::Required(Box::new(m), o)),
                ]
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn flattened_scores_are_the_trees(
                tree in tree(),
                scores in prop::collection::vec(prop::option::of(0.0f32..10.0), 40),
            ) {
                let n = tree.terms().len();
                let leaves = &scores[..n.min(scores.len())];
                let program = ScoreProgram::of(&tree);
                let mut stack = vec![Some(99.0)];
                let got = program.score(leaves, &mut stack);
                let want = recursive(&tree, &mut leaves.iter().copied());
                prop_assert_eq!(tree.score(leaves).map(f32::to_bits), want.map(f32::to_bits));
                prop_assert_eq!(got.map(f32::to_bits), want.map(f32::to_bits));
            }
        }
    }
}
