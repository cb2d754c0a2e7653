//! Building an index directory from corpus directories.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;
use tantivy::schema::Facet;
use tantivy::{Index, IndexWriter, TantivyDocument};

use super::manifest::{CorpusEntry, Manifest, canonical};
use super::{FORMAT_VERSION, Fields, MANIFEST_FILE, register_analyzer, schema};
use crate::analysis::vocabulary::Source;
use crate::analysis::{Analyzer, Vocabulary};
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
    let result = write_index(&staging, &loaded.articles, analyzer, progress).and_then(|()| {
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

fn write_index(
    dir: &Path,
    articles: &[Article],
    analyzer: Arc<Analyzer>,
    mut progress: Option<Progress<'_>>,
) -> Result<()> {
    let index = Index::create_in_dir(dir, schema())?;
    register_analyzer(&index, analyzer);
    let fields = Fields::from_schema(&index.schema())?;
    let mut writer: IndexWriter = index.writer_with_num_threads(1, 64_000_000)?;
    for (ord, article) in articles.iter().enumerate() {
        writer.add_document(document(&fields, ord as u64, article)?)?;
        if let Some(p) = progress.as_mut() {
            p(ord + 1, articles.len());
        }
    }
    writer.commit()?;
    writer.wait_merging_threads()?;
    Ok(())
}

fn document(fields: &Fields, ord: u64, a: &Article) -> Result<TantivyDocument> {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &a.id);
    doc.add_u64(fields.ord, ord);
    let title = a.search_title();
    doc.add_text(fields.title, &title);
    doc.add_text(fields.questions, a.questions.join("\n"));
    doc.add_text(fields.headings, a.headings_text());
    doc.add_text(fields.steps, a.steps_text());
    let body = a.body_text();
    doc.add_text(fields.body, &body);
    doc.add_text(fields.title_grams, &title);
    for q in &a.questions {
        doc.add_text(fields.title_grams, q);
    }
    doc.add_text(fields.body_grams, &body);
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
