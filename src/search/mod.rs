//! Search over an index: the [`Engine`] opens an index directory and
//! answers [`SearchRequest`]s with ranked hits, snippets and topic facets.
//!
//! Modules, each using only the ones listed before it: [`config`] (ranking
//! configuration), [`query`] (user text → query plan → tantivy query),
//! [`rank`] (the rerank), [`snippet`] (text around the matches). Query terms
//! are [`crate::analysis::terms`]; what is prepared per article is
//! [`crate::index::catalog`].

pub mod browse;
pub mod config;
pub mod facets;
pub mod learned;
mod proximity;
pub mod query;
pub mod rank;
pub mod snippet;
mod tree_query;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use rustc_hash::FxHashSet;
use serde::Serialize;
use tantivy::collector::{Collector, TopDocs};
use tantivy::query::{BooleanQuery, ConstScoreQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Searcher, Term};

use crate::analysis::Analyzer;
use crate::analysis::synonyms::Synonyms;
use crate::analysis::terms::{self, Units};
pub use crate::index::catalog::{
    ArticleRef, Body, Catalog, Crumb, Entry, STEPS_PREVIEW, TitleFeature, TopicNode,
};
use crate::index::lexicon::{Correction, Lexicon};
pub use crate::index::suggest::{Suggester, Suggestion, SuggestionKind, Via};
use crate::index::{Fields, Manifest, register_analyzer};
use crate::{Error, Result};
pub use browse::Listing;
pub use config::{Boosts, DEFAULT_LIMIT, MAX_LIMIT, Planning, Ranking, Rerank, Retrieval};
use config::{HELPFUL_PRIOR, LEARNED_WEIGHT, UNHELPFUL_PENALTY, UNKNOWN_WORD_SHARE};
pub use learned::Learned;
pub use query::QueryPlan;
use query::{Concept, Context, TermSource, WeightedTerm};
use rank::Factors;
pub use snippet::Snippet;

/// A search as the engine takes it (validated by the caller).
#[derive(Debug, Clone, Default)]
pub struct SearchRequest {
    /// What the user typed.
    pub query: String,
    /// Hits to return.
    pub limit: usize,
    /// Hits to skip.
    pub offset: usize,
    /// Only articles under this topic path.
    pub topic: Option<Vec<String>>,
    /// Only articles of this corpus.
    pub corpus: Option<String>,
    /// Explain each hit's score.
    pub explain: bool,
    /// When to give up: planning and ranking past it stop with
    /// [`Error::DeadlineExceeded`].
    pub deadline: Option<Instant>,
    /// Questions learned from use, applied to this search.
    pub learned: Option<Arc<Learned>>,
}

impl SearchRequest {
    /// A request for the first page of `query`.
    pub fn new(query: impl Into<String>) -> Self {
        SearchRequest {
            query: query.into(),
            limit: DEFAULT_LIMIT,
            ..Default::default()
        }
    }
}

/// One ranked article.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Hit {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// Topic path, outermost first.
    pub topic: Vec<String>,
    /// Source file relative to its corpus.
    pub path: String,
    /// Name of the corpus (knowledge base) the article belongs to.
    pub corpus: String,
    /// Web address, if known.
    pub url: Option<String>,
    /// Relevance score (higher is better; comparable within one response).
    pub score: f32,
    /// Body text around the matches, with where they are.
    pub snippet: Snippet,
    /// Number of steps of the article's procedure (0 when it has none).
    pub step_count: usize,
    /// The first steps, for a preview.
    pub steps_preview: Vec<String>,
    /// Ids of near-identical articles folded into this hit.
    pub duplicates: Vec<String>,
    /// Found only by the single-character fallback: it shares characters
    /// with the query, not words.
    pub fallback: bool,
    /// Why the hit scored what it did (with `explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<HitExplanation>,
}

/// A hit's score, taken apart.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct HitExplanation {
    /// The rerank factors.
    #[serde(flatten)]
    pub factors: Factors,
    /// Which words and ideograph pairs matched in which fields, with their
    /// weighted BM25 scores (before a concept's alternatives are combined).
    pub matches: Vec<MatchDetail>,
}

/// One query word found in one field of a hit.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct MatchDetail {
    /// The word or ideograph pair.
    pub term: String,
    /// The field it matched in.
    pub field: String,
    /// BM25 × field weight × term weight.
    pub score: f32,
}

/// How the engine read the query (with `explain`).
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct QueryExplanation {
    /// Words searched, with weight and origin.
    pub terms: Vec<WeightedTerm>,
    /// Ideograph pairs searched, with weight.
    pub grams: Vec<GramView>,
    /// Typos corrected and pinyin read.
    pub corrections: Vec<CorrectionView>,
    /// Whether the single-character fallback ran.
    pub fallback: bool,
    /// Lexicon look-ups planning made (see [`config::MAX_PLAN_LOOKUPS`]).
    pub work: usize,
}

/// An ideograph pair searched, with its weight.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct GramView {
    /// The pair.
    pub text: String,
    /// Its weight.
    pub weight: f32,
}

/// A correction as the API shows it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct CorrectionView {
    /// What was typed.
    pub from: String,
    /// What it was read as.
    pub to: String,
}

impl From<&Correction> for CorrectionView {
    fn from(c: &Correction) -> Self {
        CorrectionView {
            from: c.from.clone(),
            to: c.to.clone(),
        }
    }
}

/// A facet value and how many matching articles carry it.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct FacetCount {
    /// The topic path joined with ` > `, as the `topic` filter takes it.
    pub value: String,
    /// Matching articles under it.
    pub count: u64,
}

/// Facet counts of a response.
#[derive(Debug, Clone, Serialize, PartialEq, Default, utoipa::ToSchema)]
pub struct Facets {
    /// Counts per topic one level below the filter (top level without one).
    pub topic: Vec<FacetCount>,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct SearchResponse {
    /// The query as received.
    pub query: String,
    /// Matching articles in all.
    pub total: usize,
    /// Time spent in the engine, in milliseconds.
    pub took_ms: f64,
    /// The requested page of hits.
    pub hits: Vec<Hit>,
    /// Topic counts over all matches.
    pub facets: Facets,
    /// “Did you mean”: the query with typos corrected or pinyin read, or,
    /// when only the fallback found anything, the best hit's title.
    pub suggestion: Option<String>,
    /// Only the single-character fallback matched: no hit contains a word
    /// of the query.
    pub fallback: bool,
    /// How the query was read (with `explain`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<QueryExplanation>,
}

/// Joins a topic path the way facets and filters spell it.
pub fn topic_value<S: AsRef<str>>(path: &[S]) -> String {
    path.iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(" > ")
}

/// An open index, ready to search.
pub struct Engine {
    reader: IndexReader,
    fields: Fields,
    analyzer: Arc<Analyzer>,
    synonyms: Synonyms,
    lexicon: Lexicon,
    ranking: Ranking,
    catalog: Catalog,
    suggester: Suggester,
    manifest: Manifest,
    topics: facets::Topics,
    /// Documents in the index.
    docs: u64,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("articles", &self.catalog.len())
            .field("words", &self.lexicon.len())
            .finish()
    }
}

/// Top candidates, total matches and facet counts of one query.
type Collected = (Vec<(f32, DocAddress)>, usize, Facets);
/// What the top-candidates and topic-counting collectors return together.
type CollectorFruit = (Vec<(f32, DocAddress)>, (usize, Vec<(Vec<String>, u64)>));

impl Ranked<'_> {
    /// Each hit's score as a share of the best one's (1 for the best).
    pub fn score_ratios(&self) -> impl Iterator<Item = f32> + '_ {
        let best = self
            .hits
            .first()
            .map_or(1.0, |h| h.factors.score.max(f32::MIN_POSITIVE));
        self.hits.iter().map(move |h| h.factors.score / best)
    }
}

/// A candidate after reranking.
#[derive(Debug)]
pub struct Scored<'a> {
    /// What search keeps of the article.
    pub entry: &'a Entry,
    /// Its ordinal in the catalog.
    pub ord: usize,
    addr: DocAddress,
    /// Its score, taken apart.
    pub factors: Factors,
    /// Ids of near-identical articles folded into it.
    pub duplicates: Vec<String>,
}

/// Candidates of a query, best first, before rendering.
pub struct Ranked<'a> {
    /// How the query was read.
    pub plan: QueryPlan,
    /// Reranked candidates (the requested page and a pool beyond it).
    pub hits: Vec<Scored<'a>>,
    /// Matching articles in all.
    pub total: usize,
    /// Topic counts over all matches.
    pub facets: Facets,
    /// Whether only the single-character fallback matched.
    pub fallback: bool,
    searcher: Searcher,
}

impl Engine {
    /// Opens an index directory written by [`crate::index::build_index`]:
    /// reads the manifest and the prepared files, never the articles.
    pub fn open(index_dir: &Path) -> Result<Engine> {
        let manifest = Manifest::read(index_dir)?;
        if manifest.format != crate::index::FORMAT_VERSION {
            return Err(Error::IncompatibleIndex {
                path: index_dir.to_path_buf(),
                reason: format!(
                    "index format {} differs from {}",
                    manifest.format,
                    crate::index::FORMAT_VERSION
                ),
            });
        }
        let analyzer = Arc::new(Analyzer::new(&manifest.vocabulary.user_words()));
        let index = Index::open_in_dir(index_dir)?;
        register_analyzer(&index, analyzer.clone());
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let searcher = reader.searcher();
        let docs = searcher.num_docs();
        let lexicon = Lexicon::open(index_dir, docs as u32)?;
        let catalog = Catalog::open(index_dir, searcher, &fields)?;
        let ranking = Ranking::default();
        let synonyms = synonyms_for(&manifest, &analyzer, &ranking.planning);
        let suggester = Suggester::open(index_dir)?;
        let topics = facets::Topics::read(&reader.searcher(), fields.topic)?;
        Ok(Engine {
            reader,
            fields,
            analyzer,
            synonyms,
            lexicon,
            ranking,
            catalog,
            suggester,
            manifest,
            topics,
            docs,
        })
    }

    /// The same engine with other ranking knobs (for comparisons and tests).
    pub fn with_ranking(mut self, ranking: Ranking) -> Engine {
        if ranking.planning != self.ranking.planning {
            self.synonyms = synonyms_for(&self.manifest, &self.analyzer, &ranking.planning);
        }
        self.ranking = ranking;
        self
    }

    /// A question as learning keeps it: what the planner reads in it (its
    /// words, and their synonyms, phrasings, corrections), with weights.
    pub fn learnable(&self, question: &str) -> learned::Learnable {
        let plan = self.plan(question);
        let mut words: std::collections::HashMap<String, f32> = std::collections::HashMap::new();
        for t in plan.terms() {
            if t.source != TermSource::QuestionWord {
                let w = words.entry(t.text).or_insert(0.0);
                *w = w.max(t.weight);
            }
        }
        learned::Learnable {
            text: question.to_string(),
            content: plan.content.replace(' ', ""),
            words,
        }
    }

    /// The articles.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// Completions while typing, prepared with this index.
    pub fn suggester(&self) -> &Suggester {
        &self.suggester
    }

    /// What the index was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The analyzer queries go through.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Plans a query the way [`Engine::search`] does.
    pub fn plan(&self, text: &str) -> QueryPlan {
        // Without a deadline planning cannot fail.
        self.plan_until(text, None).unwrap_or_default()
    }

    fn plan_until(&self, text: &str, deadline: Option<Instant>) -> Result<QueryPlan> {
        QueryPlan::new(
            Context {
                analyzer: &self.analyzer,
                synonyms: &self.synonyms,
                lexicon: &self.lexicon,
                planning: &self.ranking.planning,
                deadline,
            },
            text,
        )
    }

    /// Lifts the articles whose learned questions the query matches (and
    /// brings them into the candidates), and lowers those use said do not
    /// answer it.
    fn apply_learned(
        &self,
        plan: &QueryPlan,
        top: &mut Vec<(f32, DocAddress)>,
        pool: usize,
        learned: &Learned,
    ) {
        if learned.is_empty() {
            return;
        }
        let words: Vec<(String, f32)> = plan
            .terms()
            .into_iter()
            .filter(|t| t.source != TermSource::QuestionWord)
            .map(|t| (t.text, t.weight))
            .collect();
        // A word no article uses says little about which article a learned
        // question meant: it weighs as a word of a tenth of the articles.
        let unknown = terms::idf(
            ((self.docs as f32 * UNKNOWN_WORD_SHARE) as u64).max(1),
            self.docs.max(1),
        );
        let weight = |w: &str| {
            let idf = self.idf(w);
            if idf > 0.0 { idf } else { unknown }
        };
        let content = plan.content.replace(' ', "");
        let matches = learned.matches(&words, &content, &weight);
        if matches.is_empty() {
            return;
        }
        let best = top.first().map_or(1.0, |(s, _)| *s);
        for m in matches {
            let Some(addr) = self
                .catalog
                .ord_of(&m.article_id)
                .and_then(|o| self.catalog.addr(o))
            else {
                continue;
            };
            let slot = top.iter().position(|(_, a)| *a == addr);
            // An article people said answers this question comes up: its
            // own score grows with the evidence, and it gets a lift
            // against the best candidate (taking the weakest candidate's
            // place when the pool is full). One they said does not goes
            // down.
            let lift = best * LEARNED_WEIGHT * m.score;
            match slot {
                Some(i) if m.negative => top[i].0 *= 1.0 - UNHELPFUL_PENALTY * m.score,
                None if m.negative => continue,
                Some(i) => top[i].0 = top[i].0 * (1.0 + HELPFUL_PRIOR * m.score) + lift,
                None if top.len() < pool => top.push((lift, addr)),
                None => {
                    if let Some(weakest) = top.iter_mut().min_by(|a, b| a.0.total_cmp(&b.0))
                        && weakest.0 < lift
                    {
                        *weakest = (lift, addr);
                    }
                }
            }
        }
        // Best first again: the rerank reads the first candidates.
        top.sort_by(|a, b| b.0.total_cmp(&a.0));
    }

    /// Whether some word the user typed (or its correction, pinyin reading,
    /// product synonym or mined alias — not a mere phrasing from the
    /// help-desk lexicon) occurs in the index, or one of its ideograph pairs
    /// does. A query of question words only counts as saying something.
    fn says_something_known(&self, plan: &QueryPlan, searcher: &Searcher) -> bool {
        let content: Vec<&Concept> = plan
            .concepts
            .iter()
            .filter(|c| c.alternatives[0].source != TermSource::QuestionWord)
            .collect();
        if content.is_empty() {
            return true;
        }
        let known_word = content.iter().any(|c| {
            c.alternatives
                .iter()
                .filter(|a| a.source != TermSource::Phrasing)
                .any(|a| a.words.iter().all(|w| self.lexicon.df(w) > 0))
        });
        known_word
            || plan.grams.iter().any(|(g, _)| {
                [self.fields.title_grams, self.fields.body_grams]
                    .iter()
                    .any(|&f| searcher.doc_freq(&Term::from_field_text(f, g)).unwrap_or(0) > 0)
            })
    }

    /// Plans, retrieves and reranks, without rendering hits: what
    /// [`Engine::search`] and the answer layer share.
    pub fn rank(&self, req: &SearchRequest) -> Result<Ranked<'_>> {
        let plan = self.plan_until(&req.query, req.deadline)?;
        check(req.deadline)?;
        let mut ranked = Ranked {
            plan,
            hits: Vec::new(),
            total: 0,
            facets: Facets::default(),
            fallback: false,
            searcher: self.reader.searcher(),
        };
        if ranked.plan.is_empty() || req.limit == 0 {
            return Ok(ranked);
        }
        let searcher = ranked.searcher.clone();
        let plan = &ranked.plan;
        let r = &self.ranking;
        let pool = req.offset.saturating_add(req.limit) + r.rerank.pool;
        // When no word of the query is in the corpus — only other ways of
        // saying its verbs are (发票怎么开: 开 → 打开) — what matches is no
        // answer; read it as the fallback does.
        let (mut top, mut total, mut facets) = if self.says_something_known(plan, &searcher) {
            let tree = plan.score_tree(&self.fields, &r.boosts, &r.planning);
            if self.docs < r.retrieval.two_step_from {
                let main: Box<dyn Query> = if self.docs < r.retrieval.tree_below {
                    Box::new(tree_query::TreeQuery::new(tree))
                } else {
                    tree.to_query()
                };
                let main = self.filtered(main, req);
                self.collect(&searcher, &*main, req, pool)?
            } else {
                // A cheap query picks candidates (and counts exactly what
                // the main query matches); the main query's tree scores them.
                let retrieval = tree_query::TreeQuery::new(tree.retrieval_tree());
                let depth = pool.saturating_mul(r.retrieval.depth.max(1));
                let (top, total, facets) = collected(retrieval.collect_sum(
                    &searcher,
                    self.filter(req).as_deref(),
                    &self.collector(req, depth),
                )?);
                let top = tree_query::TreeQuery::new(tree).rescore(&searcher, top, pool)?;
                (top, total, facets)
            }
        } else {
            (Vec::new(), 0, Facets::default())
        };
        if total > 0
            && let Some(learned) = &req.learned
        {
            self.apply_learned(plan, &mut top, pool, learned);
        }
        if total == 0
            && let Some(q) = plan.fallback_query(&self.fields, &r.boosts)
        {
            check(req.deadline)?;
            let q = self.filtered(q, req);
            (top, total, facets) = self.collect(&searcher, &*q, req, pool)?;
            ranked.fallback = true;
        }
        let hits = self.rerank(plan, &searcher, top, ranked.fallback, req.deadline)?;
        // Folded duplicates no longer count as separate matches.
        let folded: usize = hits.iter().map(|s| s.duplicates.len()).sum();
        ranked.total = total.saturating_sub(folded);
        ranked.facets = facets;
        ranked.hits = hits;
        Ok(ranked)
    }

    /// Runs a search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse> {
        let started = Instant::now();
        let mut ranked = self.rank(req)?;
        let plan = &ranked.plan;
        let mut response = SearchResponse {
            query: req.query.clone(),
            total: ranked.total,
            took_ms: 0.0,
            hits: Vec::new(),
            facets: std::mem::take(&mut ranked.facets),
            suggestion: plan.suggestion.clone(),
            fallback: ranked.fallback,
            explain: None,
        };
        if ranked.fallback && response.suggestion.is_none() {
            response.suggestion = ranked.hits.first().map(|s| s.entry.title.clone());
        }
        let highlighter = snippet::Highlighter::new(&plan.highlight_terms());
        for s in ranked.hits.iter().skip(req.offset).take(req.limit) {
            check(req.deadline)?;
            let explain = req.explain.then(|| HitExplanation {
                factors: s.factors.clone(),
                matches: self.explain_matches(&ranked.searcher, s.addr, plan, ranked.fallback),
            });
            let body = self.catalog.body(s.ord)?;
            let mut hit = hit(s.entry, s.factors.score, &body, &highlighter);
            hit.duplicates = s.duplicates.clone();
            hit.fallback = ranked.fallback;
            hit.explain = explain;
            response.hits.push(hit);
        }
        if req.explain {
            response.explain = Some(QueryExplanation {
                terms: plan.terms(),
                grams: plan
                    .grams
                    .iter()
                    .map(|(text, weight)| GramView {
                        text: text.clone(),
                        weight: *weight,
                    })
                    .collect(),
                corrections: plan.corrections.iter().map(CorrectionView::from).collect(),
                fallback: ranked.fallback,
                work: plan.work,
            });
        }
        response.took_ms = elapsed_ms(started);
        Ok(response)
    }

    /// Documents in the index.
    pub fn docs(&self) -> u64 {
        self.docs
    }

    /// Inverse document frequency of a word in this index (0 when unknown).
    pub fn idf(&self, word: &str) -> f32 {
        terms::idf(u64::from(self.lexicon.df(word)), self.docs)
    }

    /// Top candidates, total matches and facet counts of a query.
    fn collect(
        &self,
        searcher: &Searcher,
        query: &dyn Query,
        req: &SearchRequest,
        pool: usize,
    ) -> Result<Collected> {
        Ok(collected(
            searcher.search(query, &self.collector(req, pool))?,
        ))
    }

    /// A collector of the best `pool` matches, the total, and the counts
    /// of the topics below the request's topic (the top level without one).
    fn collector<'a>(
        &'a self,
        req: &'a SearchRequest,
        pool: usize,
    ) -> impl Collector<Fruit = CollectorFruit> + 'a {
        (
            TopDocs::with_limit(pool.max(1)).order_by_score(),
            self.topics
                .counter(req.topic.as_deref().unwrap_or_default()),
        )
    }

    /// Rescores candidates and folds near-duplicates into the best of them.
    /// Fallback candidates matched single ideographs: nothing to find
    /// together in them.
    fn rerank<'a>(
        &'a self,
        plan: &QueryPlan,
        searcher: &Searcher,
        top: Vec<(f32, DocAddress)>,
        fallback: bool,
        deadline: Option<Instant>,
    ) -> Result<Vec<Scored<'a>>> {
        let idf = |word: &str| self.idf(word);
        let rr = &self.ranking.rerank;
        // Every retrieval path hands the candidates over best first.
        debug_assert!(top.is_sorted_by(|a, b| a.0 >= b.0));
        let mut together = vec![0.0; top.len()];
        if rr.proximity != 0.0
            && !fallback
            && let Some(concepts) = proximity::Concepts::of(plan, idf)
        {
            check(deadline)?;
            // The best candidates by retrieval only: one further down
            // rarely comes up by it, and each costs a read of its words'
            // positions.
            let n = top.len().min(rr.proximity_candidates);
            let addrs: Vec<DocAddress> = top[..n].iter().map(|(_, a)| *a).collect();
            let shares =
                concepts.shares(searcher, self.fields.body, &addrs, rr.proximity_window)?;
            together[..n].copy_from_slice(&shares);
        }
        let synonyms: Units = plan
            .terms()
            .into_iter()
            .filter(|t| matches!(t.source, TermSource::Synonym | TermSource::Phrasing))
            .map(|t| {
                let w = idf(&t.text);
                (t.text, w)
            })
            .filter(|(_, w)| *w > 0.0)
            .collect();
        let mut query_units = vec![rank::QueryUnits::new(
            terms::weigh(plan.typed_words().map(str::to_string).collect(), idf),
            &synonyms,
        )];
        if let Some(s) = &plan.suggestion {
            query_units.push(rank::QueryUnits::new(
                terms::weigh(terms::units(&self.analyzer, s), idf),
                &synonyms,
            ));
        }
        let content = plan.content.replace(' ', "");
        let mut scored: Vec<Scored<'a>> = Vec::with_capacity(top.len());
        for (i, ((score, addr), together)) in top.into_iter().zip(together).enumerate() {
            if i % 16 == 15 {
                check(deadline)?;
            }
            let Some(ord) = self.catalog.ord_at(addr) else {
                continue;
            };
            let Some(entry) = self.catalog.entry(ord) else {
                continue;
            };
            let factors = rank::rescore(
                rank::Page {
                    titles: &entry.titles,
                    link_density: entry.link_density,
                    explains: entry.explains,
                    has_steps: entry.step_count > 0,
                },
                score,
                together,
                rank::Asked {
                    content: &content,
                    units: &query_units,
                    intent: plan.intent,
                },
                &self.ranking.rerank,
            );
            scored.push(Scored {
                entry,
                ord,
                addr,
                factors,
                duplicates: Vec::new(),
            });
        }
        scored.sort_by(|a, b| {
            b.factors
                .score
                .total_cmp(&a.factors.score)
                .then_with(|| a.entry.id.cmp(&b.entry.id))
        });
        let mut kept: Vec<Scored<'a>> = Vec::with_capacity(scored.len());
        let mut groups: FxHashSet<u32> = FxHashSet::default();
        groups.reserve(scored.len());
        for s in scored {
            let group = s.entry.duplicate_of;
            if groups.insert(group) {
                kept.push(s);
            } else if let Some(first) = kept.iter_mut().find(|k| k.entry.duplicate_of == group) {
                first.duplicates.push(s.entry.id.clone());
            }
        }
        Ok(kept)
    }

    /// Each query word and ideograph pair that matches the hit, field by
    /// field. Term-level explanations only: tantivy's explanation of nested
    /// boolean queries is not reliable for documents a sub-query skips.
    fn explain_matches(
        &self,
        searcher: &Searcher,
        addr: DocAddress,
        plan: &QueryPlan,
        fallback: bool,
    ) -> Vec<MatchDetail> {
        let r = &self.ranking.boosts;
        let f = &self.fields;
        let word_fields = [
            (f.title, "title", r.title),
            (f.questions, "questions", r.questions),
            (f.headings, "headings", r.headings),
            (f.steps, "steps", r.steps),
            (f.body, "body", r.body),
        ];
        let gram_fields = [
            (f.title_grams, "title_grams", r.title_grams),
            (f.body_grams, "body_grams", r.body_grams),
        ];
        let mut probes: Vec<(String, tantivy::schema::Field, &'static str, f32)> = Vec::new();
        for t in &plan.terms() {
            for &(field, name, boost) in &word_fields {
                probes.push((t.text.clone(), field, name, boost * t.weight));
            }
        }
        let grams: Vec<(String, f32)> = if fallback {
            plan.unigrams.iter().map(|u| (u.clone(), 1.0)).collect()
        } else if self.ranking.planning.grams {
            plan.grams.clone()
        } else {
            Vec::new()
        };
        for (g, w) in grams {
            for &(field, name, boost) in &gram_fields {
                probes.push((g.clone(), field, name, boost * w));
            }
        }
        let mut out: Vec<MatchDetail> = probes
            .into_iter()
            .filter_map(|(term, field, name, weight)| {
                let q = TermQuery::new(
                    Term::from_field_text(field, &term),
                    IndexRecordOption::WithFreqs,
                );
                let e = q.explain(searcher, addr).ok()?;
                Some(MatchDetail {
                    term,
                    field: name.to_string(),
                    score: e.value() * weight,
                })
            })
            .collect();
        out.sort_by(|a, b| b.score.total_cmp(&a.score));
        out
    }

    fn filtered(&self, query: Box<dyn Query>, req: &SearchRequest) -> Box<dyn Query> {
        let mut must = self.filter_clauses(req);
        if must.is_empty() {
            return query;
        }
        must.push((Occur::Must, query));
        Box::new(BooleanQuery::new(must))
    }

    /// What the request's filters let through (`None` when it has none).
    fn filter(&self, req: &SearchRequest) -> Option<Box<dyn Query>> {
        let must = self.filter_clauses(req);
        (!must.is_empty()).then(|| Box::new(BooleanQuery::new(must)) as Box<dyn Query>)
    }

    fn filter_clauses(&self, req: &SearchRequest) -> Vec<(Occur, Box<dyn Query>)> {
        // Filters decide what matches, not how well: they score 0, so the
        // filtered scores are the query's own (and the two-step rescoring,
        // which knows only the query's terms, gives the same).
        let filter = |term: Term| -> (Occur, Box<dyn Query>) {
            let term = TermQuery::new(term, IndexRecordOption::Basic);
            (
                Occur::Must,
                Box::new(ConstScoreQuery::new(Box::new(term), 0.0)),
            )
        };
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(topic) = &req.topic {
            must.push(filter(Term::from_facet(
                self.fields.topic,
                &Facet::from_path(topic),
            )));
        }
        if let Some(corpus) = &req.corpus {
            must.push(filter(Term::from_field_text(self.fields.corpus, corpus)));
        }
        must
    }
}

/// The word groups queries expand with, as `planning` has them on: the
/// hand-written product synonyms the index was built with, the help-desk
/// lexicon, and the pairs mined from the corpus. One set, so that a word one
/// group brings in can reach another group.
fn synonyms_for(manifest: &Manifest, analyzer: &Analyzer, planning: &Planning) -> Synonyms {
    let mut groups: Vec<(Vec<String>, bool)> = Vec::new();
    if planning.synonyms {
        groups.extend(
            manifest
                .vocabulary
                .synonyms
                .iter()
                .map(|g| (g.clone(), false)),
        );
    }
    if planning.lexicon {
        groups.extend(crate::analysis::helpdesk::tagged_groups());
    }
    if planning.mined {
        groups.extend(
            manifest
                .vocabulary
                .mined
                .iter()
                .map(|p| (vec![p.term.clone(), p.alias.clone()], false)),
        );
    }
    Synonyms::tagged(&groups, analyzer)
}

/// Candidates, total and facets from what [`Engine::collector`] gathered.
fn collected((top, (total, counts)): CollectorFruit) -> Collected {
    let mut topic: Vec<FacetCount> = counts
        .into_iter()
        .map(|(path, count)| FacetCount {
            value: topic_value(&path),
            count,
        })
        .collect();
    topic.sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
    (top, total, Facets { topic })
}

/// Stops with [`Error::DeadlineExceeded`] once `deadline` has passed.
fn check(deadline: Option<Instant>) -> Result<()> {
    match deadline {
        Some(d) if Instant::now() >= d => Err(Error::DeadlineExceeded),
        _ => Ok(()),
    }
}

/// A hit as shown: what the catalog entry says, with a snippet of the body.
fn hit(entry: &Entry, score: f32, body: &Body, highlighter: &snippet::Highlighter) -> Hit {
    Hit {
        id: entry.id.clone(),
        title: entry.title.clone(),
        topic: entry.topic.clone(),
        path: entry.path.clone(),
        corpus: entry.corpus.clone(),
        url: entry.url.clone(),
        score,
        snippet: highlighter.snippet(
            &body.text,
            &body.norm,
            Some(&body.scan),
            snippet::SNIPPET_CHARS,
        ),
        step_count: entry.step_count as usize,
        steps_preview: entry.steps_preview.clone(),
        duplicates: Vec::new(),
        fallback: false,
        explain: None,
    }
}

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}

#[cfg(test)]
mod tests;
