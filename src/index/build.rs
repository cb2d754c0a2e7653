//! Building an index directory from corpus directories.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use rayon::prelude::*;
use serde::Serialize;
use tantivy::indexer::NoMergePolicy;
use tantivy::schema::Facet;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::catalog::{
    ArticleRef, BODIES_FILE, Body, CATALOG_FILE, Crumb, Entry, IDS_FILE, LINKS_FILE, Links,
    STEPS_PREVIEW, TOPICS_FILE, TableWriter, TitleFeature, topic_tree,
};
use super::dedupe;
use super::lexicon::{Lexicon, document_frequencies};
use super::manifest::{CorpusEntry, Manifest, canonical};
use super::{FORMAT_VERSION, Fields, MANIFEST_FILE, register_analyzer, schema};
use crate::analysis::mining::{MinedPair, Miner};
use crate::analysis::terms::{self, Units};
use crate::analysis::vocabulary::Source;
use crate::analysis::{Analyzer, Vocabulary, normalize_str};
use crate::article::Article;
use crate::article::links::LinkReport;
use crate::corpus::fingerprint::fingerprint;
use crate::corpus::{self, LoadOptions, Skipped, Warning};
use crate::{Error, Result};

/// What an ingest did, for people and for scripts.
#[derive(Debug, Clone, Serialize)]
pub struct BuildReport {
    /// Articles indexed.
    pub articles: usize,
    /// Distinct topic paths.
    pub topics: usize,
    /// Corpus names.
    pub corpora: Vec<String>,
    /// Tables of contents used.
    pub tocs: Vec<String>,
    /// Files seen.
    pub files: usize,
    /// Files that are not articles (images, licences …).
    pub ignored_files: usize,
    /// Pairs of words the corpus says mean the same, each with where it
    /// says so.
    pub mined: Vec<MinedPair>,
    /// User dictionary words in effect.
    pub dictionary_words: usize,
    /// Synonym groups in effect.
    pub synonym_groups: usize,
    /// Articles with at least one procedure.
    pub articles_with_steps: usize,
    /// Links between articles, to the web, and references that match nothing.
    pub links: LinkReport,
    /// Crawl text left out (site chrome, navigation), with why.
    pub skipped: Vec<Skipped>,
    /// Everything skipped, with file and line.
    pub warnings: Vec<Warning>,
    /// Wall time of the build in milliseconds.
    pub took_ms: u128,
}

/// Progress callback: `(done, total)` articles.
pub type Progress<'a> = &'a mut dyn FnMut(usize, usize);

/// Loads the corpora and builds a fresh index in `index_dir`, replacing
/// any index already there. The new index is built beside the old one
/// and swapped in at the end, so a failed build leaves the old one intact.
pub fn build_index(
    corpora: &[PathBuf],
    index_dir: &Path,
    progress: Option<Progress<'_>>,
) -> Result<BuildReport> {
    build_index_with(corpora, index_dir, &LoadOptions::default(), progress)
}

/// [`build_index`] reading the corpora within the limits of `options`.
pub fn build_index_with(
    corpora: &[PathBuf],
    index_dir: &Path,
    options: &LoadOptions,
    progress: Option<Progress<'_>>,
) -> Result<BuildReport> {
    let started = std::time::Instant::now();
    check_replaceable(index_dir)?;
    let loaded = corpus::load_with(corpora, options)?;
    tracing::debug!(
        articles = loaded.articles.len(),
        ms = started.elapsed().as_millis() as u64,
        "corpus read, parsed and linked"
    );
    let mut warnings = loaded.report.warnings.clone();
    let dictionaries: Vec<Source<'_>> = loaded
        .vocabulary
        .dictionaries
        .iter()
        .map(|(file, text)| Source { file, text })
        .collect();
    let synonyms: Vec<Source<'_>> = loaded
        .vocabulary
        .synonyms
        .iter()
        .map(|(file, text)| Source { file, text })
        .collect();
    let (vocabulary, problems) = Vocabulary::build(&dictionaries, &synonyms);
    warnings.extend(problems.into_iter().map(|p| Warning {
        file: p.file,
        line: Some(p.line),
        message: format!("line skipped: {}", p.message),
    }));
    let analyzer = Arc::new(Analyzer::new(&vocabulary.user_words()));

    let staging = staging_dir(index_dir)?;
    let mut vocabulary = vocabulary;
    // Mining reads the corpus again on its own thread, beside the parts of
    // the build that keep one core busy (merging, the suggestion fst).
    let written = std::thread::scope(|scope| {
        let (start_tx, start_rx) = sync_channel(1);
        let (words_tx, words_rx) = sync_channel(1);
        let analyzer = &analyzer;
        let miner = scope.spawn(move || mine(corpora, options, analyzer, start_rx, words_rx));
        let handoff = MiningHandoff {
            start: start_tx,
            words: words_tx,
        };
        let written = write_index(
            &staging,
            &loaded.articles,
            analyzer.clone(),
            progress,
            handoff,
        );
        let mined = miner
            .join()
            .map_err(|_| Error::Invalid("vocabulary mining failed".into()));
        written.and(mined)
    });
    let result = written.and_then(|mined| {
        vocabulary.mined = mined;
        tracing::debug!(pairs = vocabulary.mined.len(), "vocabulary mined");
        let manifest = Manifest {
            format: FORMAT_VERSION,
            wenda_version: env!("CARGO_PKG_VERSION").to_string(),
            defaults: crate::analysis::vocabulary::defaults_fingerprint(),
            corpora: corpora
                .iter()
                .zip(&loaded.names)
                .map(|(dir, name)| CorpusEntry {
                    name: name.clone(),
                    path: canonical(dir),
                    fingerprint: fingerprint(dir, options),
                })
                .collect(),
            articles: loaded.articles.len(),
            vocabulary: vocabulary.clone(),
        };
        manifest.write(&staging)
    });
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    swap_into_place(&staging, index_dir)?;
    Ok(BuildReport {
        articles: loaded.articles.len(),
        topics: loaded.topic_count(),
        corpora: loaded.names.clone(),
        tocs: loaded.report.tocs.clone(),
        files: loaded.report.files,
        ignored_files: loaded.report.ignored_files,
        dictionary_words: vocabulary.words.len(),
        synonym_groups: vocabulary.synonyms.len(),
        mined: vocabulary.mined.clone(),
        articles_with_steps: loaded
            .articles
            .iter()
            .filter(|a| !a.procedures.is_empty())
            .count(),
        links: loaded.report.links.clone(),
        skipped: loaded.report.skipped.clone(),
        warnings,
        took_ms: started.elapsed().as_millis(),
    })
}

/// Refuses to replace a directory that holds something other than an index.
fn check_replaceable(index_dir: &Path) -> Result<()> {
    if !index_dir.exists() {
        return Ok(());
    }
    if !index_dir.is_dir() {
        return Err(Error::Invalid(format!(
            "index path {} exists and is not a directory",
            index_dir.display()
        )));
    }
    let empty = std::fs::read_dir(index_dir)
        .map_err(|e| Error::io(index_dir, e))?
        .next()
        .is_none();
    if empty || index_dir.join(MANIFEST_FILE).exists() {
        Ok(())
    } else {
        Err(Error::Invalid(format!(
            "{} is not empty and holds no wenda index; choose another --index directory",
            index_dir.display()
        )))
    }
}

fn staging_dir(index_dir: &Path) -> Result<PathBuf> {
    let name = index_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "index".into());
    let parent = match index_dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let staging = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    }
    std::fs::create_dir_all(&staging).map_err(|e| Error::io(&staging, e))?;
    Ok(staging)
}

fn swap_into_place(staging: &Path, index_dir: &Path) -> Result<()> {
    if index_dir.exists() {
        let old = staging.with_extension("old");
        std::fs::rename(index_dir, &old).map_err(|e| Error::io(index_dir, e))?;
        std::fs::rename(staging, index_dir).map_err(|e| Error::io(index_dir, e))?;
        std::fs::remove_dir_all(&old).map_err(|e| Error::io(&old, e))?;
    } else {
        std::fs::rename(staging, index_dir).map_err(|e| Error::io(index_dir, e))?;
    }
    Ok(())
}

/// Articles prepared per parallel batch: enough to keep every core busy,
/// few enough that a batch's bodies are a small part of memory.
const BATCH: usize = 512;
/// Indexing memory per writer thread.
const WRITER_MEMORY_PER_THREAD: usize = 80_000_000;

/// What the build tells mining, which runs on its own thread: when to
/// start (the documents are committed, so it no longer competes with
/// analysis) and the index's words with their document frequencies.
struct MiningHandoff {
    start: SyncSender<()>,
    words: SyncSender<Vec<(String, u32)>>,
}

/// Pairs of words the corpus itself says mean the same (see
/// [`crate::analysis::mining`]): two passes over its text, candidates from
/// the first, their use everywhere from the second. If the build fails
/// before a handoff, its channel closes and nothing is mined.
fn mine(
    corpora: &[PathBuf],
    options: &LoadOptions,
    analyzer: &Analyzer,
    start: Receiver<()>,
    words: Receiver<Vec<(String, u32)>>,
) -> Vec<MinedPair> {
    if start.recv().is_err() {
        return Vec::new();
    }
    let mut miner = Miner::new(analyzer);
    corpus::each_text(corpora, options, |file, line, text| {
        miner.observe(file, line, text)
    });
    let Ok(words) = words.recv() else {
        return Vec::new();
    };
    let mut candidates = miner.candidates(words.iter().map(|(w, n)| (w.as_str(), *n)));
    corpus::each_text(corpora, options, |file, line, text| {
        candidates.count(file, line, text)
    });
    candidates.finish()
}

/// Writes the tantivy index and everything serving reads beside it (see
/// [`super::catalog`]): documents are analysed on tantivy's writer threads
/// while bodies are prepared in parallel batches; then one segment, the
/// lexicon, and the per-article entries that need corpus-wide figures.
fn write_index(
    dir: &Path,
    articles: &[Article],
    analyzer: Arc<Analyzer>,
    mut progress: Option<Progress<'_>>,
    mining: MiningHandoff,
) -> Result<()> {
    let index = Index::create_in_dir(dir, schema())?;
    register_analyzer(&index, analyzer.clone());
    let fields = Fields::from_schema(&index.schema())?;
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut writer: IndexWriter =
        index.writer_with_num_threads(threads, threads * WRITER_MEMORY_PER_THREAD)?;
    writer.set_merge_policy(Box::new(NoMergePolicy));
    let mut bodies = TableWriter::create(dir.join(BODIES_FILE))?;
    let mut groups = dedupe::Groups::default();
    let mut duplicate_of: Vec<u32> = Vec::with_capacity(articles.len());
    for (b, batch) in articles.chunks(BATCH).enumerate() {
        let prepared: Vec<Result<(Vec<u8>, Option<dedupe::Signature>)>> = batch
            .par_iter()
            .enumerate()
            .map(|(i, a)| {
                let body = Body::of(a);
                writer.add_document(document(&fields, (b * BATCH + i) as u64, a, &body)?)?;
                let signature = dedupe::signature(&body.norm.text);
                Ok((body.to_record(), signature))
            })
            .collect();
        for p in prepared {
            let (record, signature) = p?;
            bodies.push(&record)?;
            duplicate_of.push(groups.add(signature) as u32);
        }
        if let Some(p) = progress.as_mut() {
            p(duplicate_of.len(), articles.len());
        }
    }
    bodies.finish()?;
    drop(groups);
    writer.commit()?;
    tracing::debug!("documents analysed and committed");
    // A closed channel means mining already ended; the build goes on.
    let _ = mining.start.send(());
    let segments = index.searchable_segment_ids()?;
    if segments.len() > 1 {
        writer.merge(&segments).wait()?;
    }
    writer.wait_merging_threads()?;
    tracing::debug!("segments merged");

    let reader = index.reader()?;
    let searcher = reader.searcher();
    let docs = searcher.num_docs();
    let lexicon = Lexicon::from_counts(
        document_frequencies(&searcher, &fields.text_fields())?,
        docs as u32,
    );
    lexicon.write(dir)?;
    tracing::debug!(words = lexicon.len(), "lexicon written");
    let _ = mining.words.send(lexicon.words().collect());
    write_entries(dir, articles, &analyzer, &lexicon, &duplicate_of)?;
    tracing::debug!("entries written");
    write_links(dir, articles)?;
    write_ids(dir, articles)?;
    super::suggest::write(
        dir,
        &super::suggest::candidates(articles, &lexicon),
        &analyzer,
    )?;
    tracing::debug!("suggestions written");
    let tree = topic_tree(articles.iter().map(|a| a.topic.as_slice()));
    let path = dir.join(TOPICS_FILE);
    let json = serde_json::to_string(&tree).map_err(|source| Error::Json {
        context: path.display().to_string(),
        source,
    })?;
    std::fs::write(&path, json).map_err(|e| Error::io(&path, e))
}

/// The catalog entries: title features weighted by the index's document
/// frequencies, duplicate groups, what a hit shows.
fn write_entries(
    dir: &Path,
    articles: &[Article],
    analyzer: &Analyzer,
    lexicon: &Lexicon,
    duplicate_of: &[u32],
) -> Result<()> {
    let docs = u64::from(lexicon.docs());
    let idf = |w: &str| terms::idf(u64::from(lexicon.df(w)), docs);
    let mut table = TableWriter::create(dir.join(CATALOG_FILE))?;
    for (b, batch) in articles.chunks(BATCH).enumerate() {
        let records: Vec<Vec<u8>> = batch
            .par_iter()
            .enumerate()
            .map(|(i, a)| {
                let search_title = a.search_title();
                let texts: Vec<&String> =
                    std::iter::once(&search_title).chain(&a.questions).collect();
                let units: Vec<Units> = texts
                    .iter()
                    .map(|t| terms::weigh(terms::units(analyzer, t), idf))
                    .collect();
                let contents: Vec<String> = texts
                    .iter()
                    .map(|t| terms::content_of(analyzer, t).replace(' ', ""))
                    .collect();
                let steps_preview: Vec<String> = a
                    .steps()
                    .iter()
                    .take(STEPS_PREVIEW)
                    .map(|s| s.text.lines().next().unwrap_or_default().to_string())
                    .collect();
                let entry = Entry {
                    id: a.id.clone(),
                    title: a.title.clone(),
                    search_title: normalize_str(&search_title),
                    corpus: a.corpus.clone(),
                    path: a.path.clone(),
                    url: a.url.clone(),
                    topic: a.topic.clone(),
                    titles: units
                        .into_iter()
                        .zip(contents)
                        .map(|(units, content)| TitleFeature { units, content })
                        .collect(),
                    link_density: a.link_density(),
                    duplicate_of: duplicate_of[b * BATCH + i],
                    step_count: a.steps().len() as u32,
                    explains: crate::analysis::terms::explains(&a.title),
                    steps_preview,
                };
                postcard::to_stdvec(&entry).unwrap_or_default()
            })
            .collect();
        for r in records {
            table.push(&r)?;
        }
    }
    table.finish()
}

/// Backlinks and breadcrumbs of every article.
fn write_links(dir: &Path, articles: &[Article]) -> Result<()> {
    let mut by_id: HashMap<&str, usize> = HashMap::with_capacity(articles.len());
    let mut by_title: HashMap<(&str, &str), usize> = HashMap::with_capacity(articles.len());
    for (i, a) in articles.iter().enumerate() {
        by_id.insert(&a.id, i);
        by_title.entry((&a.corpus, &a.title)).or_insert(i);
    }
    let mut backlinks: Vec<Vec<ArticleRef>> = vec![Vec::new(); articles.len()];
    for a in articles {
        for target in a.links.iter().filter_map(|l| l.id.as_deref()) {
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
    let mut table = TableWriter::create(dir.join(LINKS_FILE))?;
    for (a, backlinks) in articles.iter().zip(backlinks) {
        let breadcrumb = a
            .topic
            .iter()
            .map(|name| Crumb {
                name: name.clone(),
                id: by_title
                    .get(&(a.corpus.as_str(), name.as_str()))
                    .map(|&i| articles[i].id.clone()),
            })
            .collect();
        let links = Links {
            backlinks,
            breadcrumb,
        };
        table.push(&postcard::to_stdvec(&links).unwrap_or_default())?;
    }
    table.finish()
}

/// Article id → ordinal, as an `fst` map.
fn write_ids(dir: &Path, articles: &[Article]) -> Result<()> {
    let mut ids: Vec<(&str, u64)> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i as u64))
        .collect();
    ids.sort_unstable();
    ids.dedup_by(|a, b| a.0 == b.0);
    let path = dir.join(IDS_FILE);
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    let mut map = fst::MapBuilder::new(std::io::BufWriter::new(file))
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    for (id, ord) in ids {
        map.insert(id, ord)
            .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))?;
    }
    map.finish()
        .map_err(|e| Error::Invalid(format!("{}: {e}", path.display())))
}

/// The tantivy document of `a`; `body` is its body as prepared for
/// snippets, whose normalised text is indexed as it is.
fn document(fields: &Fields, ord: u64, a: &Article, body: &Body) -> Result<TantivyDocument> {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &a.id);
    doc.add_u64(fields.ord, ord);
    let title = a.search_title();
    doc.add_text(fields.title, &title);
    doc.add_text(fields.questions, a.questions.join("\n"));
    doc.add_text(fields.headings, a.headings_text());
    doc.add_text(fields.steps, a.steps_text());
    doc.add_text(fields.body, &body.norm.text);
    doc.add_text(fields.title_grams, &title);
    for q in &a.questions {
        doc.add_text(fields.title_grams, q);
    }
    doc.add_text(fields.body_grams, &body.norm.text);
    if !a.topic.is_empty() {
        doc.add_facet(fields.topic, Facet::from_path(&a.topic));
    }
    doc.add_text(fields.corpus, &a.corpus);
    let source = serde_json::to_string(a).map_err(|source| Error::Json {
        context: format!("article {}", a.id),
        source,
    })?;
    doc.add_text(fields.source, source);
    Ok(doc)
}

/// The body fields index `Body::of(a).norm.text` (newlines made
/// spaces, then normalised) with tokenizers that do not normalise; the
/// tokens must be those the plain tokenizers give for `a.body_text()`.
#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::ngram::GramTokenizer;
    use tantivy::tokenizer::{TokenStream, Tokenizer};

    fn stream<T: Tokenizer>(mut t: T) -> impl FnMut(&str) -> Vec<(String, usize)> {
        move |text: &str| {
            let mut s = t.token_stream(text);
            let mut out = Vec::new();
            while s.advance() {
                out.push((s.token().text.clone(), s.token().position));
            }
            out
        }
    }

    #[test]
    fn body_tokens_are_those_of_the_plain_body() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let loaded = corpus::load(&[root.join("corpus"), root.join("tests/data/docset")]).unwrap();
        let mut texts: Vec<String> = loaded.articles.iter().map(|a| a.body_text()).collect();
        texts.extend(
            [
                "記憶\n體與帳號\r\n中心",
                "İstanbul STRASSE straße ẞ Ⅻ ⅻ ﬁle ｆｕｌｌ",
                "臺灣\u{F900}\u{F91D}\u{2F00}\u{2E81}⼀",
                "①\n②\u{2028}③\u{85}④",
                "ＰＯ提交後\n如何取消？",
                "开发\n票据 云\n服务器",
                "a\nb c\u{3000}d",
            ]
            .map(String::from),
        );
        let analyzer = Arc::new(Analyzer::default());
        let mut plain = stream(crate::analysis::ChineseTokenizer::new(analyzer.clone()));
        let mut given = stream(crate::analysis::ChineseTokenizer::for_normalized(analyzer));
        let mut plain_grams = stream(GramTokenizer::default());
        let mut given_grams = stream(GramTokenizer::normalized());
        let mut bad = Vec::new();
        for text in &texts {
            let norm = crate::analysis::normalize(&text.replace('\n', " ")).text;
            if plain(text) != given(&norm) {
                bad.push(format!(
                    "words {text:?}: {:?} vs {:?}",
                    plain(text),
                    given(&norm)
                ));
            }
            if plain_grams(text) != given_grams(&norm) {
                bad.push(format!(
                    "grams {text:?}: {:?} vs {:?}",
                    plain_grams(text),
                    given_grams(&norm)
                ));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
    }
}
