//! What users asked and thought of the answers, on disk: `feedback.jsonl`
//! (each record synced to disk before it is acknowledged) and
//! `queries.jsonl` (searches and answers, best effort). `wenda report`
//! reads them back to tell the content team what to write next.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::analysis::normalize_str;
use crate::{Error, Result};

/// File of feedback records.
pub const FEEDBACK_FILE: &str = "feedback.jsonl";
/// File of query events.
pub const QUERIES_FILE: &str = "queries.jsonl";

/// One judgement of an article by a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRecord {
    /// Milliseconds since the Unix epoch.
    pub ts_ms: u64,
    /// What the user asked.
    pub query: String,
    /// The article judged.
    pub article_id: String,
    /// Whether it helped.
    pub helpful: bool,
    /// What the user said, if anything.
    #[serde(default)]
    pub comment: Option<String>,
}

/// A search or an answer, for the gap report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryEvent {
    /// Milliseconds since the Unix epoch.
    pub ts_ms: u64,
    /// `search` or `answer`.
    pub kind: String,
    /// What was asked.
    pub query: String,
    /// Matching articles (searches).
    #[serde(default)]
    pub total: Option<usize>,
    /// Answer status (answers).
    #[serde(default)]
    pub status: Option<String>,
    /// Whether the answer handed over to a person.
    #[serde(default)]
    pub handoff: bool,
    /// The best article, if any.
    #[serde(default)]
    pub top: Option<String>,
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The two log files of a directory, open for appending.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    feedback: Mutex<File>,
    queries: Mutex<File>,
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

fn line<T: Serialize>(record: &T, context: &str) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(record).map_err(|source| Error::Json {
        context: context.to_string(),
        source,
    })?;
    bytes.push(b'\n');
    Ok(bytes)
}

impl Journal {
    /// Opens (creating) the log directory and files.
    pub fn open(dir: &Path) -> Result<Journal> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        Ok(Journal {
            dir: dir.to_path_buf(),
            feedback: Mutex::new(open_append(&dir.join(FEEDBACK_FILE))?),
            queries: Mutex::new(open_append(&dir.join(QUERIES_FILE))?),
        })
    }

    /// Appends a feedback record and waits until it is on disk.
    pub fn feedback(&self, record: &FeedbackRecord) -> Result<()> {
        let bytes = line(record, "feedback record")?;
        let path = self.dir.join(FEEDBACK_FILE);
        let mut file = self.feedback.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(&bytes).map_err(|e| Error::io(&path, e))?;
        file.sync_data().map_err(|e| Error::io(&path, e))
    }

    /// Appends a query event; failures are logged, never fatal.
    pub fn query(&self, event: &QueryEvent) {
        let result = line(event, "query event").and_then(|bytes| {
            let path = self.dir.join(QUERIES_FILE);
            let mut file = self.queries.lock().unwrap_or_else(|e| e.into_inner());
            file.write_all(&bytes).map_err(|e| Error::io(&path, e))
        });
        if let Err(e) = result {
            tracing::warn!(error = %e, "query event not logged");
        }
    }
}

/// A question and how often it was asked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Counted {
    /// The question, normalised.
    pub query: String,
    /// Times asked.
    pub count: usize,
}

/// How users judged one article.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ArticleVerdicts {
    /// The article.
    pub article_id: String,
    /// Times marked unhelpful.
    pub unhelpful: usize,
    /// Times marked helpful.
    pub helpful: usize,
    /// What users said when it did not help (up to five).
    pub comments: Vec<String>,
}

/// What the content team should look at.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Report {
    /// Searches that found nothing, most frequent first.
    pub zero_results: Vec<Counted>,
    /// Questions handed over to a person, most frequent first.
    pub handoffs: Vec<Counted>,
    /// Articles most often marked unhelpful.
    pub unhelpful: Vec<ArticleVerdicts>,
    /// Lines that could not be read.
    pub unreadable_lines: usize,
}

fn read_lines<T: for<'de> Deserialize<'de>>(path: &Path, bad: &mut usize) -> Result<Vec<T>> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut out = Vec::new();
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str(&line) {
            Ok(v) => out.push(v),
            Err(_) => *bad += 1,
        }
    }
    Ok(out)
}

fn top(counts: HashMap<String, usize>, n: usize) -> Vec<Counted> {
    let mut v: Vec<Counted> = counts
        .into_iter()
        .map(|(query, count)| Counted { query, count })
        .collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then(a.query.cmp(&b.query)));
    v.truncate(n);
    v
}

/// Reads the logs of `dir` into a report of the `n` most frequent items each.
pub fn report(dir: &Path, n: usize) -> Result<Report> {
    let mut r = Report::default();
    let events: Vec<QueryEvent> = read_lines(&dir.join(QUERIES_FILE), &mut r.unreadable_lines)?;
    let feedback: Vec<FeedbackRecord> =
        read_lines(&dir.join(FEEDBACK_FILE), &mut r.unreadable_lines)?;
    let mut zero: HashMap<String, usize> = HashMap::new();
    let mut handoff: HashMap<String, usize> = HashMap::new();
    for e in &events {
        let q = normalize_str(e.query.trim());
        if e.kind == "search" && e.total == Some(0) {
            *zero.entry(q.clone()).or_default() += 1;
        }
        if e.kind == "answer" && e.handoff {
            *handoff.entry(q).or_default() += 1;
        }
    }
    let mut verdicts: HashMap<String, ArticleVerdicts> = HashMap::new();
    for f in &feedback {
        let v = verdicts
            .entry(f.article_id.clone())
            .or_insert_with(|| ArticleVerdicts {
                article_id: f.article_id.clone(),
                unhelpful: 0,
                helpful: 0,
                comments: Vec::new(),
            });
        if f.helpful {
            v.helpful += 1;
        } else {
            v.unhelpful += 1;
            if let Some(c) = f.comment.as_ref().filter(|c| !c.trim().is_empty())
                && v.comments.len() < 5
            {
                v.comments.push(c.clone());
            }
        }
    }
    let mut unhelpful: Vec<ArticleVerdicts> =
        verdicts.into_values().filter(|v| v.unhelpful > 0).collect();
    unhelpful.sort_by(|a, b| {
        b.unhelpful
            .cmp(&a.unhelpful)
            .then(a.helpful.cmp(&b.helpful))
            .then(a.article_id.cmp(&b.article_id))
    });
    unhelpful.truncate(n);
    r.zero_results = top(zero, n);
    r.handoffs = top(handoff, n);
    r.unhelpful = unhelpful;
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, q: &str, total: Option<usize>, handoff: bool) -> QueryEvent {
        QueryEvent {
            ts_ms: 1,
            kind: kind.into(),
            query: q.into(),
            total,
            status: None,
            handoff,
            top: None,
        }
    }

    #[test]
    fn report_counts_gaps_and_unhelpful_articles() {
        let dir = tempfile::tempdir().unwrap();
        let j = Journal::open(dir.path()).unwrap();
        for q in ["发票怎么开", "发票怎么开 ", "ＰＯ", "po"] {
            j.query(&event("search", q, Some(0), false));
        }
        j.query(&event("search", "代金券", Some(5), false));
        j.query(&event("answer", "转人工", None, true));
        for (id, helpful, comment) in [
            ("po-cancel", false, Some("没说怎么驳回")),
            ("po-cancel", false, None),
            ("po-cancel", true, None),
            ("exam-voucher-use", false, None),
            ("rename-company", true, None),
        ] {
            j.feedback(&FeedbackRecord {
                ts_ms: 1,
                query: "q".into(),
                article_id: id.into(),
                helpful,
                comment: comment.map(str::to_string),
            })
            .unwrap();
        }
        std::fs::OpenOptions::new()
            .append(true)
            .open(dir.path().join(QUERIES_FILE))
            .unwrap()
            .write_all(b"not json\n")
            .unwrap();
        let r = report(dir.path(), 10).unwrap();
        assert_eq!(
            r.zero_results,
            vec![
                Counted {
                    query: "po".into(),
                    count: 2
                },
                Counted {
                    query: "发票怎么开".into(),
                    count: 2
                },
            ]
        );
        assert_eq!(
            r.handoffs,
            vec![Counted {
                query: "转人工".into(),
                count: 1
            }]
        );
        let ids: Vec<_> = r
            .unhelpful
            .iter()
            .map(|v| (v.article_id.as_str(), v.unhelpful))
            .collect();
        assert_eq!(ids, vec![("po-cancel", 2), ("exam-voucher-use", 1)]);
        assert_eq!(r.unhelpful[0].comments, vec!["没说怎么驳回"]);
        assert_eq!(r.unreadable_lines, 1);
    }
}
