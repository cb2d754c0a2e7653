//! The articles of an index, in memory: lookups by id and ordinal, the
//! topic tree, and text prepared for snippets. Help centres hold thousands
//! of articles, not millions, so all of them fit.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use tantivy::schema::Value;
use tantivy::{Searcher, TantivyDocument};

use super::dedupe;
use super::query::content_of;
use super::rank::{Units, units, weigh};
use crate::analysis::Analyzer;
use crate::analysis::normalize::{Normalized, normalize};
use crate::article::Article;
use crate::index::Fields;
use crate::{Error, Result};

/// An article with what search reads from it on every hit.
#[derive(Debug)]
pub struct Entry {
    /// The article.
    pub article: Article,
    /// Body text as shown in snippets.
    pub body: String,
    /// Normalised body with offsets back into `body`.
    pub body_norm: Normalized,
    /// Matching units of the title and of each question, weighted by rarity.
    pub title_units: Vec<Units>,
    /// Content of the title and of each question, spaces removed.
    pub title_contents: Vec<String>,
    /// Ordinal of the first article this one duplicates (its own when none).
    pub duplicate_of: usize,
    /// Share of the body that is link text (see [`Article::link_density`]).
    pub link_density: f32,
}

/// A node of the topic tree.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct TopicNode {
    /// The topic's own name.
    pub name: String,
    /// The full path, outermost first.
    pub path: Vec<String>,
    /// Articles in this topic and below.
    pub count: usize,
    /// Sub-topics, sorted by name.
    #[schema(no_recursion)]
    pub children: Vec<TopicNode>,
}

/// An article that links to another one.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct ArticleRef {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
}

/// One level of an article's topic path; `id` names the article that has
/// the topic's title, when there is one.
#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct Crumb {
    /// The topic's name.
    pub name: String,
    /// The article with that title, if any.
    pub id: Option<String>,
}

/// All articles of an index.
#[derive(Debug, Default)]
pub struct Catalog {
    entries: Vec<Entry>,
    /// Ordinal of each document, by segment and document id.
    doc_ords: Vec<Vec<u32>>,
    by_id: HashMap<String, usize>,
    backlinks: Vec<Vec<ArticleRef>>,
    by_title: HashMap<(String, String), usize>,
}

impl Catalog {
    /// Reads every stored article from the index and prepares what
    /// ranking and snippets read on every hit.
    pub fn load(
        searcher: &Searcher,
        fields: &Fields,
        analyzer: &Analyzer,
        idf: &dyn Fn(&str) -> f32,
    ) -> Result<Catalog> {
        let mut slots: Vec<Option<Entry>> = Vec::new();
        let mut doc_ords: Vec<Vec<u32>> = Vec::new();
        for (seg_ord, reader) in searcher.segment_readers().iter().enumerate() {
            let mut seg_ords = vec![u32::MAX; reader.max_doc() as usize];
            let store = reader
                .get_store_reader(4)
                .map_err(|e| Error::io("index document store", e))?;
            let ords = reader.fast_fields().u64("ord")?;
            for doc_id in reader.doc_ids_alive() {
                let doc: TantivyDocument = store.get(doc_id)?;
                let json = doc
                    .get_first(fields.source)
                    .and_then(|v| v.as_str())
                    .ok_or_else(|| {
                        Error::Invalid(format!("document {seg_ord}/{doc_id} has no source"))
                    })?;
                let article: Article =
                    serde_json::from_str(json).map_err(|source| Error::Json {
                        context: format!("stored article {seg_ord}/{doc_id}"),
                        source,
                    })?;
                let ord = ords.first(doc_id).unwrap_or(0) as usize;
                seg_ords[doc_id as usize] = ord as u32;
                if slots.len() <= ord {
                    slots.resize_with(ord + 1, || None);
                }
                let body = article.body_text().replace('\n', " ");
                let body_norm = normalize(&body);
                let search_title = article.search_title();
                let contents: Vec<String> = std::iter::once(&search_title)
                    .chain(&article.questions)
                    .map(|t| content_of(analyzer, t))
                    .collect();
                slots[ord] = Some(Entry {
                    link_density: article.link_density(),
                    title_units: std::iter::once(&search_title)
                        .chain(&article.questions)
                        .map(|t| weigh(units(analyzer, t), idf))
                        .collect(),
                    title_contents: contents.iter().map(|c| c.replace(' ', "")).collect(),
                    article,
                    body,
                    body_norm,
                    duplicate_of: ord,
                });
            }
            doc_ords.push(seg_ords);
        }
        let mut entries: Vec<Entry> = slots.into_iter().flatten().collect();
        let signatures: Vec<_> = entries
            .iter()
            .map(|e| dedupe::signature(&e.body_norm.text))
            .collect();
        for (e, group) in entries.iter_mut().zip(dedupe::groups(&signatures)) {
            e.duplicate_of = group;
        }
        if entries.len() != searcher.num_docs() as usize {
            return Err(Error::Invalid(
                "index ordinals are not contiguous; rebuild the index".into(),
            ));
        }
        let by_id: HashMap<String, usize> = entries
            .iter()
            .enumerate()
            .map(|(i, e)| (e.article.id.clone(), i))
            .collect();
        let mut backlinks: Vec<Vec<ArticleRef>> = vec![Vec::new(); entries.len()];
        for e in &entries {
            let a = &e.article;
            for target in a.links.iter().filter_map(|l| l.id.as_ref()) {
                if let Some(&t) = by_id.get(target)
                    && !backlinks[t].iter().any(|r| r.id == a.id)
                {
                    backlinks[t].push(ArticleRef {
                        id: a.id.clone(),
                        title: a.title.clone(),
                    });
                }
            }
        }
        let mut by_title = HashMap::new();
        for (i, e) in entries.iter().enumerate() {
            by_title
                .entry((e.article.corpus.clone(), e.article.title.clone()))
                .or_insert(i);
        }
        Ok(Catalog {
            entries,
            doc_ords,
            by_id,
            backlinks,
            by_title,
        })
    }

    /// Articles that link to the article at `ord`.
    pub fn backlinks(&self, ord: usize) -> &[ArticleRef] {
        self.backlinks.get(ord).map_or(&[], Vec::as_slice)
    }

    /// The topic path of the article at `ord`, each level with the article
    /// of that title in the same corpus, if any.
    pub fn breadcrumb(&self, ord: usize) -> Vec<Crumb> {
        let Some(e) = self.entries.get(ord) else {
            return Vec::new();
        };
        e.article
            .topic
            .iter()
            .map(|name| Crumb {
                name: name.clone(),
                id: self
                    .by_title
                    .get(&(e.article.corpus.clone(), name.clone()))
                    .map(|&i| self.entries[i].article.id.clone()),
            })
            .collect()
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry of a document of the index.
    pub fn at(&self, segment: u32, doc: u32) -> Option<&Entry> {
        let ord = *self.doc_ords.get(segment as usize)?.get(doc as usize)?;
        self.entries.get(ord as usize)
    }

    /// The entry at an ordinal.
    pub fn get(&self, ord: usize) -> Option<&Entry> {
        self.entries.get(ord)
    }

    /// The entry with an id.
    pub fn by_id(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).and_then(|&i| self.entries.get(i))
    }

    /// Ordinal of an id.
    pub fn ord_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// All entries in ordinal order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter()
    }

    /// The topic tree with article counts.
    pub fn topic_tree(&self) -> Vec<TopicNode> {
        #[derive(Default)]
        struct Node {
            count: usize,
            children: BTreeMap<String, Node>,
        }
        let mut root = Node::default();
        for e in &self.entries {
            let mut node = &mut root;
            for seg in &e.article.topic {
                node = node.children.entry(seg.clone()).or_default();
                node.count += 1;
            }
        }
        fn convert(children: BTreeMap<String, Node>, prefix: &[String]) -> Vec<TopicNode> {
            children
                .into_iter()
                .map(|(name, n)| {
                    let mut path = prefix.to_vec();
                    path.push(name.clone());
                    TopicNode {
                        children: convert(n.children, &path),
                        name,
                        path,
                        count: n.count,
                    }
                })
                .collect()
        }
        convert(root.children, &[])
    }
}
