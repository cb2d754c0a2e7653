//! Search over an index: the [`Engine`] opens an index directory and
//! answers [`SearchRequest`]s with ranked, highlighted hits and topic facets.

pub mod catalog;
pub mod query;
pub mod snippet;

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tantivy::collector::{Count, FacetCollector, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::{Facet, IndexRecordOption};
use tantivy::{DocAddress, Index, IndexReader, ReloadPolicy, Term};

use crate::Result;
use crate::analysis::Analyzer;
use crate::index::{Fields, Manifest, register_analyzer};
pub use catalog::{ArticleRef, Catalog, Crumb, Entry, TopicNode};
pub use query::QueryPlan;

/// Hits per page when the caller does not say.
pub const DEFAULT_LIMIT: usize = 10;
/// Most hits per page.
pub const MAX_LIMIT: usize = 100;

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
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Hit {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// Topic path, outermost first.
    pub topic: Vec<String>,
    /// Source file relative to its corpus.
    pub path: String,
    /// Web address, if known.
    pub url: Option<String>,
    /// Relevance score (higher is better; comparable within one response).
    pub score: f32,
    /// Body text around the matches, HTML-escaped, matches in `<mark>`.
    pub snippet: String,
    /// Number of steps of the article's procedure (0 when it has none).
    pub step_count: usize,
    /// The first steps, for a preview.
    pub steps_preview: Vec<String>,
}

/// Steps shown in a hit's preview.
pub const STEPS_PREVIEW: usize = 3;

/// A facet value and how many matching articles carry it.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct FacetCount {
    /// The topic path joined with ` > `, as the `topic` filter takes it.
    pub value: String,
    /// Matching articles under it.
    pub count: u64,
}

/// Facet counts of a response.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct Facets {
    /// Counts per topic one level below the filter (top level without one).
    pub topic: Vec<FacetCount>,
}

/// The answer to a [`SearchRequest`].
#[derive(Debug, Clone, Serialize, PartialEq)]
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
}

/// Joins a topic path the way facets and filters spell it.
pub fn topic_value(path: &[String]) -> String {
    path.join(" > ")
}

/// An open index, ready to search.
pub struct Engine {
    reader: IndexReader,
    fields: Fields,
    analyzer: Arc<Analyzer>,
    catalog: Catalog,
    manifest: Manifest,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("articles", &self.catalog.len())
            .finish()
    }
}

impl Engine {
    /// Opens an index directory written by [`crate::index::build_index`].
    pub fn open(index_dir: &Path) -> Result<Engine> {
        let manifest = Manifest::read(index_dir)?;
        let analyzer = Arc::new(Analyzer::new(&manifest.vocabulary.user_words()));
        let index = Index::open_in_dir(index_dir)?;
        register_analyzer(&index, analyzer.clone());
        let fields = Fields::from_schema(&index.schema())?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let catalog = Catalog::load(&reader.searcher(), &fields)?;
        Ok(Engine {
            reader,
            fields,
            analyzer,
            catalog,
            manifest,
        })
    }

    /// The articles.
    pub fn catalog(&self) -> &Catalog {
        &self.catalog
    }

    /// What the index was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The analyzer queries go through.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// Runs a search.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResponse> {
        let started = Instant::now();
        let plan = QueryPlan::new(&self.analyzer, &req.query);
        let mut response = SearchResponse {
            query: req.query.clone(),
            total: 0,
            took_ms: 0.0,
            hits: Vec::new(),
            facets: Facets::default(),
        };
        if plan.is_empty() || req.limit == 0 {
            response.took_ms = elapsed_ms(started);
            return Ok(response);
        }
        let query = self.filtered(plan.to_query(&self.fields), req);
        let searcher = self.reader.searcher();
        let facet_root = req
            .topic
            .as_ref()
            .map_or_else(Facet::root, Facet::from_path);
        let mut facets = FacetCollector::for_field("topic");
        facets.add_facet(facet_root.clone());
        let wanted = req.offset.saturating_add(req.limit);
        let (top, total, facet_counts) = searcher.search(
            &query,
            &(
                TopDocs::with_limit(wanted.max(1)).order_by_score(),
                Count,
                facets,
            ),
        )?;
        response.total = total;
        response.facets.topic = facet_counts
            .get(facet_root)
            .map(|(facet, count)| FacetCount {
                value: facet.to_path().join(" > "),
                count,
            })
            .collect();
        response
            .facets
            .topic
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.value.cmp(&b.value)));
        let terms = plan.highlight_terms();
        for (score, addr) in top.into_iter().skip(req.offset) {
            if let Some(entry) = self.entry_at(&searcher, addr) {
                response.hits.push(self.hit(entry, score, &terms));
            }
        }
        response.took_ms = elapsed_ms(started);
        Ok(response)
    }

    fn filtered(&self, query: Box<dyn Query>, req: &SearchRequest) -> Box<dyn Query> {
        let mut must: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(topic) = &req.topic {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_facet(self.fields.topic, &Facet::from_path(topic)),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if let Some(corpus) = &req.corpus {
            must.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_text(self.fields.corpus, corpus),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        if must.is_empty() {
            return query;
        }
        must.push((Occur::Must, query));
        Box::new(BooleanQuery::new(must))
    }

    fn entry_at(&self, searcher: &tantivy::Searcher, addr: DocAddress) -> Option<&Entry> {
        let reader = searcher.segment_reader(addr.segment_ord);
        let ord = reader.fast_fields().u64("ord").ok()?.first(addr.doc_id)?;
        self.catalog.get(ord as usize)
    }

    fn hit(&self, entry: &Entry, score: f32, terms: &[String]) -> Hit {
        let a = &entry.article;
        Hit {
            id: a.id.clone(),
            title: a.title.clone(),
            topic: a.topic.clone(),
            path: a.path.clone(),
            url: a.url.clone(),
            score,
            snippet: snippet::snippet(&entry.body, &entry.body_norm, terms, snippet::SNIPPET_CHARS),
            step_count: a.steps().len(),
            steps_preview: a
                .steps()
                .iter()
                .take(STEPS_PREVIEW)
                .map(|s| s.text.lines().next().unwrap_or_default().to_string())
                .collect(),
        }
    }
}

fn elapsed_ms(started: Instant) -> f64 {
    (started.elapsed().as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0
}
