//! What serving needs of each article, prepared once by ingest and stored
//! beside tantivy's files, so that opening an index reads a few compact
//! files instead of every article:
//!
//! - `catalog.bin`: one [`Entry`] per article (id, title, title features,
//!   link density, duplicate group, what a hit shows), read into memory
//!   whole and decoded only for the candidates of a query;
//! - `links.bin`: backlinks and breadcrumb of each article, decoded only
//!   for the article view;
//! - `bodies.bin`: each body with its normalised form (lz4-compressed), read
//!   from disk only for the hits shown, through a small cache;
//! - `ids.fst`: article id → ordinal; `topics.json`: the topic tree.
//!
//! The whole [`Article`] stays in tantivy's document store and is read for
//! the article view and for answers. Files are tables: records, then their
//! offsets, then the record count and where the offsets start.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::num::NonZeroUsize;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use fst::Map;
use lru::LruCache;
use serde::{Deserialize, Serialize};
use tantivy::schema::Value;
use tantivy::{DocAddress, Searcher, TantivyDocument};

use super::Fields;
use crate::analysis::normalize::{Normalized, StoredNormalized};
use crate::analysis::scan::{PairSketch, Scan};
use crate::analysis::terms::Units;
use crate::article::Article;
use crate::{Error, Result};

/// Ranking and hit data per article.
pub const CATALOG_FILE: &str = "catalog.bin";
/// Backlinks and breadcrumbs per article.
pub const LINKS_FILE: &str = "links.bin";
/// Bodies and their normalised forms per article.
pub const BODIES_FILE: &str = "bodies.bin";
/// Article id → ordinal.
pub const IDS_FILE: &str = "ids.fst";
/// The topic tree.
pub const TOPICS_FILE: &str = "topics.json";
/// Steps kept for a hit's preview.
pub const STEPS_PREVIEW: usize = 3;
/// Decoded bodies kept in memory for the next hits.
const BODY_CACHE: usize = 1024;

/// A title or alternative question as the rerank reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TitleFeature {
    /// Matching units with their weights (idf).
    pub units: Units,
    /// Content words, normalised, spaces removed.
    pub content: String,
}

/// What search reads of one article: for the rerank of every candidate and
/// for every hit shown. Decoded from the catalog the first time a query
/// needs it, then kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    /// Article id.
    pub id: String,
    /// Title as a reader sees it.
    pub title: String,
    /// The title as search reads it ([`Article::search_title`]), normalised.
    pub search_title: String,
    /// Corpus name.
    pub corpus: String,
    /// Source file relative to its corpus.
    pub path: String,
    /// Web address.
    pub url: Option<String>,
    /// Topic path, outermost first.
    pub topic: Vec<String>,
    /// The title (read with its topic when generic), then each question.
    pub titles: Vec<TitleFeature>,
    /// Share of the body that is link text ([`Article::link_density`]).
    pub link_density: f32,
    /// Ordinal of the first article this one duplicates (its own when none).
    pub duplicate_of: u32,
    /// Steps of the first procedure.
    pub step_count: u32,
    /// The title says the page explains rather than instructs
    /// ([`crate::analysis::terms::explains`]).
    pub explains: bool,
    /// First line of the first steps.
    pub steps_preview: Vec<String>,
}

/// An article's body as snippets and answer features read it.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    /// Body text on one line, as snippets show it.
    pub text: String,
    /// Its normalised form with offsets back into `text`.
    pub norm: Normalized,
    /// The normalised form's start prepared for snippets.
    pub scan: Scan,
}

#[derive(Serialize, Deserialize)]
struct StoredBody {
    text: String,
    norm: StoredNormalized,
    pairs: PairSketch,
}

impl Body {
    /// The body of an article, prepared.
    pub fn of(article: &Article) -> Body {
        let text = article.body_text().replace('\n', " ");
        let norm = crate::analysis::normalize(&text);
        // Ingest stores the sketch; the character table is built when the
        // body is read back for snippets.
        let scan = Scan::sketch_only(&norm);
        Body { text, norm, scan }
    }

    /// The compressed record stored in `bodies.bin`.
    pub fn to_record(&self) -> Vec<u8> {
        let stored = StoredBody {
            text: self.text.clone(),
            norm: self.norm.to_stored(&self.text),
            pairs: self.scan.pairs.clone(),
        };
        let bytes = postcard::to_stdvec(&stored).unwrap_or_default();
        lz4_flex::compress_prepend_size(&bytes)
    }

    fn from_record(bytes: &[u8]) -> Option<Body> {
        let raw = lz4_flex::decompress_size_prepended(bytes).ok()?;
        let stored: StoredBody = postcard::from_bytes(&raw).ok()?;
        let (norm, fits) = Normalized::from_stored(&stored.text, stored.norm);
        // A sketch of a stored form that did not fit is of another text.
        let scan = if fits {
            Scan::new(&norm, stored.pairs)
        } else {
            Scan::of(&norm)
        };
        Some(Body {
            text: stored.text,
            norm,
            scan,
        })
    }
}

/// A node of the topic tree.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct ArticleRef {
    /// Its id.
    pub id: String,
    /// Its title.
    pub title: String,
}

/// One level of an article's topic path; `id` names the article that has
/// the topic's title, when there is one.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Crumb {
    /// The topic's name.
    pub name: String,
    /// The article with that title, if any.
    pub id: Option<String>,
}

/// Backlinks and breadcrumb of one article.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Links {
    /// Articles that link to it.
    pub backlinks: Vec<ArticleRef>,
    /// Its topic path with the articles of those titles.
    pub breadcrumb: Vec<Crumb>,
}

/// The topic tree of a list of topic paths, with article counts.
pub fn topic_tree<'a>(topics: impl Iterator<Item = &'a [String]>) -> Vec<TopicNode> {
    #[derive(Default)]
    struct Node {
        count: usize,
        children: BTreeMap<String, Node>,
    }
    let mut root = Node::default();
    for topic in topics {
        let mut node = &mut root;
        for seg in topic {
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

/// Writes a table file record by record.
pub struct TableWriter {
    path: PathBuf,
    out: BufWriter<File>,
    offsets: Vec<u64>,
    at: u64,
}

impl TableWriter {
    /// Creates the file.
    pub fn create(path: PathBuf) -> Result<TableWriter> {
        let file = File::create(&path).map_err(|e| Error::io(&path, e))?;
        Ok(TableWriter {
            path,
            out: BufWriter::new(file),
            offsets: vec![0],
            at: 0,
        })
    }

    /// Appends the next record.
    pub fn push(&mut self, record: &[u8]) -> Result<()> {
        self.out
            .write_all(record)
            .map_err(|e| Error::io(&self.path, e))?;
        self.at += record.len() as u64;
        self.offsets.push(self.at);
        Ok(())
    }

    /// Writes the offsets and closes the file.
    pub fn finish(mut self) -> Result<()> {
        let start = self.at;
        let mut tail = Vec::with_capacity(self.offsets.len() * 8 + 16);
        for o in &self.offsets {
            tail.extend_from_slice(&o.to_le_bytes());
        }
        tail.extend_from_slice(&((self.offsets.len() - 1) as u64).to_le_bytes());
        tail.extend_from_slice(&start.to_le_bytes());
        self.out
            .write_all(&tail)
            .and_then(|()| self.out.flush())
            .map_err(|e| Error::io(&self.path, e))
    }
}

fn corrupt(path: &Path, what: &str) -> Error {
    Error::CorruptIndex(format!("{}: {what} is damaged", path.display()))
}

/// Offsets of a table file: (records, offset of each record and of the end).
fn read_offsets(file: &File, path: &Path) -> Result<Vec<u64>> {
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let mut trailer = [0u8; 16];
    if len < 16 {
        return Err(corrupt(path, "table"));
    }
    file.read_exact_at(&mut trailer, len - 16)
        .map_err(|e| Error::io(path, e))?;
    let count = u64::from_le_bytes(trailer[..8].try_into().unwrap_or_default());
    let start = u64::from_le_bytes(trailer[8..].try_into().unwrap_or_default());
    let bytes = count
        .checked_add(1)
        .and_then(|n| n.checked_mul(8))
        .filter(|b| start.checked_add(*b) == Some(len - 16))
        .ok_or_else(|| corrupt(path, "table"))?;
    let mut raw = vec![0u8; bytes as usize];
    file.read_exact_at(&mut raw, start)
        .map_err(|e| Error::io(path, e))?;
    let offsets: Vec<u64> = raw
        .chunks_exact(8)
        .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
        .collect();
    if offsets.windows(2).any(|w| w[0] > w[1]) || offsets.last() != Some(&start) {
        return Err(corrupt(path, "table"));
    }
    Ok(offsets)
}

/// A table read into memory whole.
pub(crate) struct Table {
    data: Vec<u8>,
    offsets: Vec<u64>,
}

impl Table {
    pub(crate) fn read(path: &Path) -> Result<Table> {
        let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
        let offsets = read_offsets(&file, path)?;
        let end = offsets.last().copied().unwrap_or(0) as usize;
        let mut data = Vec::with_capacity(end);
        (&mut file)
            .take(end as u64)
            .read_to_end(&mut data)
            .map_err(|e| Error::io(path, e))?;
        if data.len() != end {
            return Err(corrupt(path, "table"));
        }
        Ok(Table { data, offsets })
    }

    pub(crate) fn len(&self) -> usize {
        self.offsets.len().saturating_sub(1)
    }

    pub(crate) fn get(&self, i: usize) -> Option<&[u8]> {
        let (a, b) = (*self.offsets.get(i)?, *self.offsets.get(i + 1)?);
        self.data.get(a as usize..b as usize)
    }
}

/// A table whose records are read from disk when asked for.
struct LazyTable {
    file: File,
    path: PathBuf,
    offsets: Vec<u64>,
}

impl LazyTable {
    fn open(path: PathBuf) -> Result<LazyTable> {
        let file = File::open(&path).map_err(|e| Error::io(&path, e))?;
        let offsets = read_offsets(&file, &path)?;
        Ok(LazyTable {
            file,
            path,
            offsets,
        })
    }

    fn get(&self, i: usize) -> Result<Vec<u8>> {
        let (a, b) = match (self.offsets.get(i), self.offsets.get(i + 1)) {
            (Some(a), Some(b)) => (*a, *b),
            _ => return Err(corrupt(&self.path, "record index")),
        };
        let mut buf = vec![0u8; (b - a) as usize];
        self.file
            .read_exact_at(&mut buf, a)
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(buf)
    }
}

/// The articles of an open index.
pub struct Catalog {
    entries: Table,
    decoded: Vec<OnceLock<Option<Entry>>>,
    links: Table,
    bodies: LazyTable,
    body_cache: Mutex<LruCache<u32, Arc<Body>>>,
    ids: Map<Vec<u8>>,
    topics: Vec<TopicNode>,
    /// Ordinal of each document, by segment and document id.
    doc_ords: Vec<Vec<u32>>,
    /// Document of each ordinal.
    addrs: Vec<DocAddress>,
    searcher: Searcher,
    source: tantivy::schema::Field,
}

impl std::fmt::Debug for Catalog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Catalog")
            .field("articles", &self.len())
            .finish()
    }
}

impl Catalog {
    /// Opens the prepared files of an index directory; `searcher` is the
    /// index's (articles are read through it).
    pub fn open(dir: &Path, searcher: Searcher, fields: &Fields) -> Result<Catalog> {
        let entries = Table::read(&dir.join(CATALOG_FILE))?;
        let links = Table::read(&dir.join(LINKS_FILE))?;
        let bodies = LazyTable::open(dir.join(BODIES_FILE))?;
        let ids_path = dir.join(IDS_FILE);
        let ids_bytes = std::fs::read(&ids_path).map_err(|e| Error::io(&ids_path, e))?;
        let ids = Map::new(ids_bytes).map_err(|_| corrupt(&ids_path, "id map"))?;
        let topics_path = dir.join(TOPICS_FILE);
        let topics_text =
            std::fs::read_to_string(&topics_path).map_err(|e| Error::io(&topics_path, e))?;
        let topics: Vec<TopicNode> =
            serde_json::from_str(&topics_text).map_err(|_| corrupt(&topics_path, "topic tree"))?;
        let n = entries.len();
        if links.len() != n || bodies.offsets.len() != n + 1 || ids.len() != n {
            return Err(corrupt(dir, "prepared article data"));
        }
        let mut doc_ords = Vec::new();
        let mut addrs = vec![DocAddress::new(u32::MAX, 0); n];
        for (seg, reader) in searcher.segment_readers().iter().enumerate() {
            let ords = reader.fast_fields().u64("ord")?;
            let mut seg_ords = vec![u32::MAX; reader.max_doc() as usize];
            for doc in reader.doc_ids_alive() {
                let ord = ords.first(doc).unwrap_or(u64::MAX);
                let slot = addrs
                    .get_mut(ord as usize)
                    .ok_or_else(|| corrupt(dir, "document ordinals"))?;
                *slot = DocAddress::new(seg as u32, doc);
                seg_ords[doc as usize] = ord as u32;
            }
            doc_ords.push(seg_ords);
        }
        if addrs.iter().any(|a| a.segment_ord == u32::MAX) {
            return Err(corrupt(dir, "document ordinals"));
        }
        let cache = NonZeroUsize::new(BODY_CACHE).unwrap_or(NonZeroUsize::MIN);
        Ok(Catalog {
            decoded: (0..n).map(|_| OnceLock::new()).collect(),
            entries,
            links,
            bodies,
            body_cache: Mutex::new(LruCache::new(cache)),
            ids,
            topics,
            doc_ords,
            addrs,
            searcher,
            source: fields.source,
        })
    }

    /// Number of articles.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the catalog is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entry of the article at an ordinal (decoded once, then kept).
    pub fn entry(&self, ord: usize) -> Option<&Entry> {
        self.decoded
            .get(ord)?
            .get_or_init(|| postcard::from_bytes(self.entries.get(ord)?).ok())
            .as_ref()
    }

    /// Ordinal of a document of the index.
    pub fn ord_at(&self, addr: DocAddress) -> Option<usize> {
        let ord = *self
            .doc_ords
            .get(addr.segment_ord as usize)?
            .get(addr.doc_id as usize)?;
        (ord != u32::MAX).then_some(ord as usize)
    }

    /// Ordinal of an id.
    pub fn ord_of(&self, id: &str) -> Option<usize> {
        self.ids.get(id).map(|o| o as usize)
    }

    /// The body of the article at an ordinal (from a small cache, else from
    /// disk).
    pub fn body(&self, ord: usize) -> Result<Arc<Body>> {
        let key = ord as u32;
        if let Ok(mut cache) = self.body_cache.lock()
            && let Some(b) = cache.get(&key)
        {
            return Ok(b.clone());
        }
        let bytes = self.bodies.get(ord)?;
        let body =
            Arc::new(Body::from_record(&bytes).ok_or_else(|| corrupt(&self.bodies.path, "body"))?);
        if let Ok(mut cache) = self.body_cache.lock() {
            cache.put(key, body.clone());
        }
        Ok(body)
    }

    /// The tantivy document of the article at an ordinal.
    pub fn addr(&self, ord: usize) -> Option<DocAddress> {
        self.addrs.get(ord).copied()
    }

    /// The whole article at an ordinal, read from the document store.
    pub fn article(&self, ord: usize) -> Result<Article> {
        let addr = *self
            .addrs
            .get(ord)
            .ok_or_else(|| Error::CorruptIndex(format!("no article at ordinal {ord}")))?;
        let doc: TantivyDocument = self.searcher.doc(addr)?;
        let json = doc
            .get_first(self.source)
            .and_then(|v| v.as_str())
            .ok_or_else(|| Error::CorruptIndex(format!("document {ord} has no stored article")))?;
        serde_json::from_str(json).map_err(|source| Error::Json {
            context: format!("stored article {ord}"),
            source,
        })
    }

    /// The article with an id, if there is one.
    pub fn article_by_id(&self, id: &str) -> Result<Option<Article>> {
        self.ord_of(id).map(|o| self.article(o)).transpose()
    }

    /// Every article, in ordinal order, read one at a time.
    pub fn articles(&self) -> impl Iterator<Item = Result<Article>> + '_ {
        (0..self.len()).map(|o| self.article(o))
    }

    fn links(&self, ord: usize) -> Links {
        self.links
            .get(ord)
            .and_then(|b| postcard::from_bytes(b).ok())
            .unwrap_or_default()
    }

    /// Articles that link to the article at `ord`.
    pub fn backlinks(&self, ord: usize) -> Vec<ArticleRef> {
        self.links(ord).backlinks
    }

    /// The topic path of the article at `ord`, each level with the article
    /// of that title in the same corpus, if any.
    pub fn breadcrumb(&self, ord: usize) -> Vec<Crumb> {
        self.links(ord).breadcrumb
    }

    /// The topic tree with article counts.
    pub fn topic_tree(&self) -> &[TopicNode] {
        &self.topics
    }
}
