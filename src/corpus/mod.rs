//! Reading corpus directories: the I/O edge in front of [`crate::article`].
//!
//! A corpus is a directory read recursively within the limits of
//! [`LoadOptions`] (see [`walk`]). Markdown files are articles
//! (or a table of contents), `*.jsonl` files are bulk imports, `dict.txt` and
//! `synonyms.txt` at its root extend the vocabulary. Every broken input is a
//! [`Warning`] naming the file and line; nothing aborts the load but a
//! missing corpus directory.

pub mod fingerprint;
pub mod walk;

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;
use serde::Serialize;

use walk::read_text;
pub use walk::{LoadOptions, list_files};

use crate::article::links::{self, LinkReport};
use crate::article::{self, Article, toc};
use crate::{Error, Result};

/// Something in the corpus that was skipped or could not be used fully.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Warning {
    /// The file, as given on the command line joined with its relative path.
    pub file: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.file, line, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Vocabulary files found at corpus roots, as text, with their origin.
#[derive(Debug, Clone, Default)]
pub struct VocabularyFiles {
    /// `(file, contents)` of every `dict.txt`.
    pub dictionaries: Vec<(String, String)>,
    /// `(file, contents)` of every `synonyms.txt`.
    pub synonyms: Vec<(String, String)>,
}

/// Text of a crawl that is not an article (site chrome, navigation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    /// The crawl file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// Why it was left out.
    pub reason: String,
    /// The text left out (shortened).
    pub text: String,
}

impl fmt::Display for Skipped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file, self.line, self.reason, self.text
        )
    }
}

/// What loading produced, for the ingest report.
#[derive(Debug, Clone, Default, Serialize)]
pub struct LoadReport {
    /// Files looked at.
    pub files: usize,
    /// Files that are neither articles nor vocabulary (images, licences …).
    pub ignored_files: usize,
    /// Tables of contents found.
    pub tocs: Vec<String>,
    /// Everything that was skipped, with where and why.
    pub warnings: Vec<Warning>,
    /// Crawl text that is not an article.
    pub skipped: Vec<Skipped>,
    /// What link resolution found.
    pub links: LinkReport,
}

/// The articles of one or more corpus directories.
#[derive(Debug, Default)]
pub struct Corpus {
    /// Articles, in a stable order (corpus, then path).
    pub articles: Vec<Article>,
    /// Names of the corpora, in the order given.
    pub names: Vec<String>,
    /// Vocabulary files at the corpus roots.
    pub vocabulary: VocabularyFiles,
    /// The load report.
    pub report: LoadReport,
}

impl Corpus {
    /// Distinct topic paths among the articles.
    pub fn topic_count(&self) -> usize {
        self.articles
            .iter()
            .filter(|a| !a.topic.is_empty())
            .map(|a| a.topic.clone())
            .collect::<BTreeSet<_>>()
            .len()
    }
}

/// File names at a corpus root that configure rather than inform.
pub const DICTIONARY_FILE: &str = "dict.txt";
/// Synonym groups, one per line.
pub const SYNONYMS_FILE: &str = "synonyms.txt";

/// The name a corpus directory is known by (its last path component).
pub fn corpus_name(dir: &Path) -> String {
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    canonical
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "corpus".to_string())
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

enum Kind {
    Markdown,
    Jsonl,
    Crawl,
    Dictionary,
    Synonyms,
    Ignored,
}

fn kind_of(rel: &str) -> Kind {
    let name = rel.rsplit('/').next().unwrap_or(rel).to_lowercase();
    let at_root = !rel.contains('/');
    if name == DICTIONARY_FILE || name == SYNONYMS_FILE {
        return match (at_root, name == DICTIONARY_FILE) {
            (true, true) => Kind::Dictionary,
            (true, false) => Kind::Synonyms,
            (false, _) => Kind::Ignored,
        };
    }
    let is_md = name.ends_with(".md") || name.ends_with(".markdown");
    if is_md && (name == "readme.md" || name.starts_with("license") || name.contains(".license.")) {
        return Kind::Ignored;
    }
    if is_md {
        Kind::Markdown
    } else if name.ends_with(".jsonl") {
        Kind::Jsonl
    } else if name.ends_with(".txt") {
        Kind::Crawl
    } else {
        Kind::Ignored
    }
}

/// Loads one or more corpus directories with the default [`LoadOptions`].
pub fn load(dirs: &[PathBuf]) -> Result<Corpus> {
    load_with(dirs, &LoadOptions::default())
}

/// Loads one or more corpus directories within the limits of `options`.
pub fn load_with(dirs: &[PathBuf], options: &LoadOptions) -> Result<Corpus> {
    let mut corpus = Corpus::default();
    let mut seen_ids: HashSet<String> = HashSet::new();
    for dir in dirs {
        if !dir.is_dir() {
            return Err(Error::MissingCorpus(dir.clone()));
        }
        let name = corpus_name(dir);
        corpus.names.push(name.clone());
        load_one(dir, &name, options, &mut corpus, &mut seen_ids);
    }
    Ok(corpus)
}

/// The prose of the corpora again, file by file, for readers of the whole
/// text (vocabulary mining): `f(file, first_line, text)` for each Markdown
/// or crawl file (its whole text, from line 1) and each JSONL record (its
/// title and body on one line, that record's line). Files that loading
/// skipped are skipped again, without warnings.
///
/// Files are read and JSONL records decoded on another thread (records in
/// parallel, [`TEXT_CHUNK`] at a time) while `f` runs on this one, in the
/// same order as a sequential read; at most a few chunks wait between them.
pub fn each_text(dirs: &[PathBuf], options: &LoadOptions, mut f: impl FnMut(&str, usize, &str)) {
    let mut files = Vec::new();
    for root in dirs {
        let mut ignored = Vec::new();
        for file in list_files(root, options, &mut ignored) {
            let rel = relative(root, &file.path);
            match kind_of(&rel) {
                Kind::Markdown | Kind::Crawl => files.push((file, false)),
                Kind::Jsonl => files.push((file, true)),
                _ => {}
            }
        }
    }
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<(Arc<str>, Vec<(usize, String)>)>(4);
        scope.spawn(move || {
            for (file, jsonl) in files {
                let shown: Arc<str> = file.path.display().to_string().into();
                let Some(text) = read_text(&file, &shown, options, &mut Vec::new()) else {
                    continue;
                };
                if !jsonl {
                    if send.send((shown, vec![(1, text)])).is_err() {
                        return;
                    }
                    continue;
                }
                let lines: Vec<(usize, &str)> = text.lines().enumerate().collect();
                for chunk in lines.chunks(TEXT_CHUNK) {
                    let prose: Vec<(usize, String)> = chunk
                        .par_iter()
                        .filter_map(|&(i, line)| Some((i + 1, record_prose(line)?)))
                        .collect();
                    if send.send((shown.clone(), prose)).is_err() {
                        return;
                    }
                }
            }
        });
        for (shown, texts) in receive {
            for (line, text) in texts {
                f(&shown, line, &text);
            }
        }
    });
}

/// JSONL records decoded together for [`each_text`].
const TEXT_CHUNK: usize = 1024;

/// A JSONL record's title and body on one line; `None` for a line that is
/// not a JSON object.
fn record_prose(line: &str) -> Option<String> {
    let Ok(serde_json::Value::Object(record)) = serde_json::from_str(line) else {
        return None;
    };
    let field = |k: &str| record.get(k).and_then(|v| v.as_str()).unwrap_or("");
    Some(format!("{}。{}", field("title"), field("body")).replace('\n', " "))
}

/// What one file of a corpus gave, before the files are put together.
enum Read {
    /// Neither an article nor vocabulary.
    Ignored,
    /// A dictionary or synonym file's text.
    Dictionary(String),
    Synonyms(String),
    /// A table of contents.
    Toc(toc::TocIndex),
    /// Articles (possibly none), with the file's warnings and skipped text.
    Articles(Vec<Article>, Vec<Skipped>),
}

/// Reads and parses one file: what it gave and its warnings, in the order
/// a sequential read would have made them.
fn read_one(
    root: &Path,
    file: &walk::FoundFile,
    name: &str,
    options: &LoadOptions,
) -> (Read, Vec<Warning>) {
    let mut warnings = Vec::new();
    let path = &file.path;
    let rel = relative(root, path);
    let shown = path.display().to_string();
    let kind = kind_of(&rel);
    if matches!(kind, Kind::Ignored) {
        return (Read::Ignored, warnings);
    }
    let Some(text) = read_text(file, &shown, options, &mut warnings) else {
        return (Read::Articles(Vec::new(), Vec::new()), warnings);
    };
    let warn = |warnings: &mut Vec<Warning>, line: Option<usize>, message: String| {
        warnings.push(Warning {
            file: shown.clone(),
            line,
            message,
        })
    };
    let read = match kind {
        Kind::Dictionary => Read::Dictionary(text),
        Kind::Synonyms => Read::Synonyms(text),
        Kind::Markdown => {
            let file_name = rel.rsplit('/').next().unwrap_or(&rel);
            if toc::is_toc_name(file_name)
                && let Some(entries) = toc::parse(&text)
            {
                return (Read::Toc(toc::TocIndex::new(&rel, &entries)), warnings);
            }
            let mut notes = Vec::new();
            let mut articles = Vec::new();
            match article::parse_markdown_file_noting(&text, &rel, name, &mut notes) {
                Ok(a) => articles.push(a),
                Err(p) => warn(&mut warnings, p.line, format!("skipped: {}", p.message)),
            }
            for n in notes {
                warn(&mut warnings, n.line, n.message);
            }
            Read::Articles(articles, Vec::new())
        }
        Kind::Jsonl => {
            let (parsed, problems) = article::jsonl::parse(&text, &rel, name);
            for p in problems {
                warn(
                    &mut warnings,
                    p.line,
                    format!("line skipped: {}", p.message),
                );
            }
            Read::Articles(parsed, Vec::new())
        }
        Kind::Crawl => {
            let (parsed, problems, skipped) = article::parse_crawl_file(&text, &rel, name);
            for p in problems {
                warn(&mut warnings, p.line, p.message);
            }
            let skipped = skipped
                .into_iter()
                .map(|s| Skipped {
                    file: shown.clone(),
                    line: s.line,
                    reason: s.reason,
                    text: s.text,
                })
                .collect();
            Read::Articles(parsed, skipped)
        }
        Kind::Ignored => unreachable!("handled above"),
    };
    (read, warnings)
}

fn load_one(
    root: &Path,
    name: &str,
    options: &LoadOptions,
    corpus: &mut Corpus,
    seen_ids: &mut HashSet<String>,
) {
    let report = &mut corpus.report;
    let files = list_files(root, options, &mut report.warnings);
    report.files += files.len();
    // Files are read and parsed in parallel, then taken in walk order, so
    // articles, ids and warnings come out as a sequential read makes them.
    // Each file's text is dropped once parsed: only articles are kept.
    let read: Vec<(Read, Vec<Warning>)> = files
        .par_iter()
        .map(|file| read_one(root, file, name, options))
        .collect();
    let mut tocs: Vec<toc::TocIndex> = Vec::new();
    let mut articles: Vec<Article> = Vec::new();
    for (file, (read, warnings)) in files.iter().zip(read) {
        report.warnings.extend(warnings);
        let shown = || file.path.display().to_string();
        match read {
            Read::Ignored => report.ignored_files += 1,
            Read::Dictionary(text) => corpus.vocabulary.dictionaries.push((shown(), text)),
            Read::Synonyms(text) => corpus.vocabulary.synonyms.push((shown(), text)),
            Read::Toc(index) => {
                tocs.push(index);
                report.tocs.push(shown());
            }
            Read::Articles(parsed, skipped) => {
                articles.extend(parsed);
                report.skipped.extend(skipped);
            }
        }
    }
    let mut kept = Vec::with_capacity(articles.len());
    let mut own_ids: HashSet<String> = HashSet::new();
    for mut a in articles {
        if a.topic.is_empty() {
            a.topic = topic_from_layout(&a, &tocs);
        }
        // Two guides of one help centre may both have 概述.md: the later
        // corpus's article is known by `corpus/id`.
        if seen_ids.contains(&a.id) && !own_ids.contains(&a.id) {
            a.id = format!("{name}/{}", a.id);
        }
        own_ids.insert(a.id.clone());
        if !seen_ids.insert(a.id.clone()) {
            let (file, line) = split_source(root, &a.path);
            report.warnings.push(Warning {
                file,
                line,
                message: format!("skipped: duplicate id `{}`", a.id),
            });
            continue;
        }
        kept.push(a);
    }
    let found = links::resolve(&mut kept);
    report.links.resolved += found.resolved;
    report.links.external += found.external;
    report.links.unresolved.extend(found.unresolved);
    corpus.articles.extend(kept);
}

/// `path:LINE` of a JSONL record back into the shown file and line.
fn split_source(root: &Path, source: &str) -> (String, Option<usize>) {
    match source.rsplit_once(':') {
        Some((file, line)) if line.chars().all(|c| c.is_ascii_digit()) && !line.is_empty() => {
            (root.join(file).display().to_string(), line.parse().ok())
        }
        _ => (root.join(source).display().to_string(), None),
    }
}

/// A topic for an article without one: from the nearest table of contents
/// that covers it, else from its directory names.
fn topic_from_layout(a: &Article, tocs: &[toc::TocIndex]) -> Vec<String> {
    let rel = a.path.as_str();
    let covering = tocs
        .iter()
        .filter(|t| t.dir().is_empty() || rel.starts_with(&format!("{}/", t.dir())))
        .max_by_key(|t| t.dir().len());
    if let Some(topic) = covering.and_then(|t| t.topic_for(rel, &a.title)) {
        return topic.to_vec();
    }
    let dir = toc::parent_dir(rel.split(':').next().unwrap_or(rel));
    dir.split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
