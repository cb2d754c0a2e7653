//! Ranking configuration, apart from the code that applies it: which
//! expansions a query plan makes ([`Planning`]), how much each field counts
//! in retrieval ([`Boosts`]), and the multipliers of the rerank
//! ([`Rerank`]). Every default is a named constant here, with why it is
//! what it is; the shipped values are what the README's figures measure.

// ---- query planning ----

/// Weight of a question word (怎么, 吗): it says the user asks, not what about.
pub const QUESTION_WORD_WEIGHT: f32 = 0.1;
/// Weight of a shorter word search mode finds inside a query word.
pub const SUB_WORD_WEIGHT: f32 = 0.5;
/// Weight of a synonym of a query word.
pub const SYNONYM_WEIGHT: f32 = 0.5;
/// Weight of the known word a typo most likely meant.
pub const TYPO_WEIGHT: f32 = 0.8;
/// Weight of a word read from pinyin.
pub const PINYIN_WEIGHT: f32 = 0.8;
/// Longest run of query words (in characters) tried as one typo: the
/// lexicon's corrections are at most six characters long.
pub const MAX_TYPO_SPAN_CHARS: usize = 6;
/// Most lexicon look-ups one query plan makes for typos and pinyin; a
/// query longer than any help-centre question stops correcting there.
pub const MAX_PLAN_LOOKUPS: usize = 120;
/// Words of a query read as concepts; the rest of a longer text is not
/// searched (a help-centre question has a dozen).
pub const MAX_CONCEPTS: usize = 32;
/// Ideograph pairs of a query searched.
pub const MAX_GRAMS: usize = 64;
/// Longest run of Latin letters read as pinyin.
pub const MAX_PINYIN_LETTERS: usize = 64;

// ---- retrieval: field boosts ----

/// Title words: the title says what the article is about.
pub const TITLE_BOOST: f32 = 3.0;
/// Alternative questions: written for exactly this purpose.
pub const QUESTIONS_BOOST: f32 = 2.5;
/// Section headings.
pub const HEADINGS_BOOST: f32 = 1.5;
/// Step texts and console paths.
pub const STEPS_BOOST: f32 = 1.2;
/// Body words: as much as the title's character pairs; most of what a
/// colloquial question shares with its answer is in the body.
pub const BODY_BOOST: f32 = 2.0;
/// Ideograph pairs of titles and questions.
pub const TITLE_GRAMS_BOOST: f32 = 1.5;
/// Ideograph pairs of the body.
pub const BODY_GRAMS_BOOST: f32 = 1.5;
/// What the other alternatives and fields of a concept add beyond the best
/// one (a `DisjunctionMaxQuery` tie breaker).
pub const TIE_BREAKER: f32 = 0.3;

// ---- rerank ----

/// A title covering the whole query multiplies the score by 1 + this.
pub const TITLE_COVERAGE: f32 = 1.0;
/// A title made only of query words multiplies the score by 1 + this.
pub const TITLE_PRECISION: f32 = 0.5;
/// Multiplier when the query is exactly a title or question.
pub const EXACT_MATCH: f32 = 2.0;
/// Multiplier for a page that explains (简介, 概述, 区别 … in its title) when
/// the question asks what something is or which to choose.
pub const CONCEPT_MATCH: f32 = 1.5;
/// Multiplier for a page of steps when the question asks what or which.
pub const TASK_MISMATCH: f32 = 0.8;
/// A page whose body holds the whole query within one window of
/// [`PROXIMITY_WINDOW`] words multiplies its score by 1 + this (a share of
/// the query, by rarity, by that share of it).
pub const PROXIMITY: f32 = 0.3;
/// Body positions one passage spans for [`PROXIMITY`]: about a sentence.
pub const PROXIMITY_WINDOW: u32 = 16;
/// Candidates (the best by retrieval) whose bodies [`PROXIMITY`] reads:
/// the dev and held-out sets rank with 10 as with all 60 but for one ELB
/// question (one-off runs), at well under half the cost.
pub const PROXIMITY_CANDIDATES: usize = 10;
/// A learned question the query matches fully adds this many times the best
/// candidate's retrieval score (times how much of it is matched and how
/// strong its evidence is: one helpful answer is half). Written questions
/// weigh more: they are retrieved as a field and their exact match doubles
/// the score after the rerank.
pub const LEARNED_WEIGHT: f32 = 2.0;
/// An article a learned question matching the query points to has its
/// retrieval score multiplied by 1 + this × the match (other queries are
/// left alone).
pub const HELPFUL_PRIOR: f32 = 0.6;
/// A word of a learned question that no article uses weighs like a word of
/// this share of the articles.
pub const UNKNOWN_WORD_SHARE: f32 = 0.1;
/// An article use said does not answer the query loses up to this share
/// of its retrieval score.
pub const UNHELPFUL_PENALTY: f32 = 0.5;
/// Multiplier for pages that are mostly links (overviews, tables of contents).
pub const LINK_PAGE: f32 = 0.5;
/// Share of link text above which a page counts as mostly links.
pub const LINK_PAGE_DENSITY: f32 = 0.6;
/// Credit for a title unit matched only through a synonym.
pub const SYNONYM_CREDIT: f32 = 0.5;
/// Candidates reranked beyond the requested page.
pub const POOL: usize = 50;
/// Candidates the cheap retrieval query gives for each one the exact query
/// keeps ([`ScoreTree::retrieval_tree`](super::query::ScoreTree::retrieval_tree)).
/// The main query's best are not always among them (the two score alike,
/// not the same): `scripts/two-step.sh` compares with scoring every match.
pub const RETRIEVAL_DEPTH: usize = 12;
/// Indexes from this many documents search in two steps; below it, running
/// the main query over every match costs less than rescoring candidates
/// (`scripts/two-step.sh` measures both).
pub const TWO_STEP_MIN_DOCS: u64 = 20_000;
/// Indexes below this many documents run the main query as its score tree
/// over the terms' postings; from it, as tantivy's nested query, whose
/// union buffers cost more than they save on small indexes
/// (`scripts/two-step.sh` measures both).
pub const TREE_MAX_DOCS: u64 = 5_000;

// ---- responses ----

/// Hits per page when the caller does not say.
pub const DEFAULT_LIMIT: usize = 10;
/// Most hits per page.
pub const MAX_LIMIT: usize = 100;

/// Which expansions a query plan makes.
#[derive(Debug, Clone, PartialEq)]
pub struct Planning {
    /// Match ideograph pairs at all.
    pub grams: bool,
    /// Expand the hand-written product synonyms (`corpus/synonyms.txt` and
    /// a corpus's own `synonyms.txt`).
    pub synonyms: bool,
    /// Expand the help-desk lexicon (`src/analysis/helpdesk.txt`).
    pub lexicon: bool,
    /// Expand the pairs mined from the corpus at ingest.
    pub mined: bool,
    /// Correct typos.
    pub typos: bool,
    /// Read Latin letters as pinyin.
    pub pinyin: bool,
}

impl Default for Planning {
    fn default() -> Self {
        Planning {
            grams: true,
            synonyms: true,
            lexicon: true,
            mined: true,
            typos: true,
            pinyin: true,
        }
    }
}

/// How much each field counts in retrieval.
#[derive(Debug, Clone, PartialEq)]
pub struct Boosts {
    /// Title words.
    pub title: f32,
    /// Alternative questions.
    pub questions: f32,
    /// Section headings.
    pub headings: f32,
    /// Steps and console paths.
    pub steps: f32,
    /// Body words.
    pub body: f32,
    /// Title and question ideograph pairs.
    pub title_grams: f32,
    /// Body ideograph pairs.
    pub body_grams: f32,
    /// What the alternatives and fields of a concept add beyond the best one.
    pub tie_breaker: f32,
}

impl Default for Boosts {
    fn default() -> Self {
        Boosts {
            title: TITLE_BOOST,
            questions: QUESTIONS_BOOST,
            headings: HEADINGS_BOOST,
            steps: STEPS_BOOST,
            body: BODY_BOOST,
            title_grams: TITLE_GRAMS_BOOST,
            body_grams: BODY_GRAMS_BOOST,
            tie_breaker: TIE_BREAKER,
        }
    }
}

/// Multipliers of the rerank.
#[derive(Debug, Clone, PartialEq)]
pub struct Rerank {
    /// A title that covers the whole query multiplies the score by 1 + this.
    pub title_coverage: f32,
    /// A title made only of query words multiplies the score by 1 + this.
    pub title_precision: f32,
    /// Multiplier when the query is exactly a title or question.
    pub exact_match: f32,
    /// Multiplier for pages that are mostly links.
    pub link_page: f32,
    /// Multiplier for an explaining page when the question asks what or which.
    pub concept_match: f32,
    /// Multiplier for a page of steps when the question asks what or which.
    pub task_mismatch: f32,
    /// A body holding the whole query in one passage multiplies the score
    /// by 1 + this (by the share of the query it holds).
    pub proximity: f32,
    /// Body positions one passage spans.
    pub proximity_window: u32,
    /// Candidates, the best by retrieval, whose bodies proximity reads.
    pub proximity_candidates: usize,
    /// Candidates reranked beyond the requested page.
    pub pool: usize,
}

impl Default for Rerank {
    fn default() -> Self {
        Rerank {
            title_coverage: TITLE_COVERAGE,
            title_precision: TITLE_PRECISION,
            exact_match: EXACT_MATCH,
            link_page: LINK_PAGE,
            concept_match: CONCEPT_MATCH,
            task_mismatch: TASK_MISMATCH,
            proximity: PROXIMITY,
            proximity_window: PROXIMITY_WINDOW,
            proximity_candidates: PROXIMITY_CANDIDATES,
            pool: POOL,
        }
    }
}

impl Rerank {
    /// No rerank: every multiplier neutral.
    pub fn off() -> Rerank {
        Rerank {
            title_coverage: 0.0,
            title_precision: 0.0,
            exact_match: 1.0,
            link_page: 1.0,
            concept_match: 1.0,
            task_mismatch: 1.0,
            proximity: 0.0,
            ..Rerank::default()
        }
    }
}

/// How candidates are retrieved: on large indexes, in two steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Retrieval {
    /// Indexes with at least this many documents search in two steps.
    pub two_step_from: u64,
    /// Indexes with fewer documents than this (and fewer than
    /// `two_step_from`) score every match with the score tree read over
    /// the postings rather than tantivy's nested query; the scores are
    /// the same.
    pub tree_below: u64,
    /// Candidates of the first step per candidate kept.
    pub depth: usize,
}

impl Default for Retrieval {
    fn default() -> Self {
        Retrieval {
            two_step_from: TWO_STEP_MIN_DOCS,
            tree_below: TREE_MAX_DOCS,
            depth: RETRIEVAL_DEPTH,
        }
    }
}

impl Retrieval {
    /// Always one step: the main query scores every match.
    pub fn exhaustive() -> Retrieval {
        Retrieval {
            two_step_from: u64::MAX,
            ..Retrieval::default()
        }
    }
}

/// The whole ranking configuration; the defaults are what wenda ships.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Ranking {
    /// Expansions of the query plan.
    pub planning: Planning,
    /// Field boosts of retrieval.
    pub boosts: Boosts,
    /// Rerank multipliers.
    pub rerank: Rerank,
    /// One step or two.
    pub retrieval: Retrieval,
}
