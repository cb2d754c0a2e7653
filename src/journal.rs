//! What users asked and thought of the answers, on disk: `feedback.jsonl`
//! (each record written whole and synced to disk before it is
//! acknowledged; a failed write is cut back), `queries.jsonl` (searches
//! and answers) and `clicks.jsonl` (results and suggestions opened), the
//! last two queued and written by a thread of their own, best effort. `wenda report` reads them back to tell the content team what
//! to write next, skipping and counting lines it cannot read.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::analysis::normalize_str;
use crate::search::learned::{Learnable, Learned, Signal, Use};
use crate::{Error, Result};

/// File of feedback records.
pub const FEEDBACK_FILE: &str = "feedback.jsonl";
/// File of query events.
pub const QUERIES_FILE: &str = "queries.jsonl";
/// File of clicks on results and suggestions.
pub const CLICKS_FILE: &str = "clicks.jsonl";
/// Learned questions forgotten by hand (`wenda learned --forget`), one
/// `{"id", "ts_ms"}` a line.
pub const FORGOTTEN_FILE: &str = "learned-forgotten.jsonl";
/// Event kind of a support-ticket question the help centre does not cover.
pub const TICKET_GAP: &str = "assist";

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
    /// Who sent it, as a short hash of the client's address (never the
    /// address itself): learning counts people, not requests.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// A search or an answer, for the gap report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryEvent {
    /// Milliseconds since the Unix epoch.
    pub ts_ms: u64,
    /// `search`, `answer`, or `assist` (a ticket question not covered).
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

/// An article a user opened from a list of results or suggestions: what
/// ranking learns from. One line of `clicks.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClickRecord {
    /// Milliseconds since the Unix epoch.
    pub ts_ms: u64,
    /// What the user had typed.
    pub query: String,
    /// The article opened.
    pub article_id: String,
    /// Where it was shown, 1 for the first.
    pub position: usize,
    /// Who clicked, as a short hash of the client's address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
}

/// A client's key in the logs: a short, stable hash of its address.
pub fn client_key(ip: std::net::IpAddr) -> String {
    // A hash of the address's bytes: stable across runs, not reversible at
    // a glance, and short.
    let bytes = match ip {
        std::net::IpAddr::V4(a) => a.octets().to_vec(),
        std::net::IpAddr::V6(a) => a.octets().to_vec(),
    };
    let h = crate::analysis::fnv1a(bytes);
    format!("{:08x}", h >> 32)
}

impl ClickRecord {
    /// Whether learning takes this click: not one on the first result,
    /// which only says the order was already right.
    pub fn teaches(&self) -> bool {
        self.position > 1
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An append-only log file as the journal needs it. A real [`File`] in
/// production; tests put a failing one in its place to play a full disk.
pub trait LogFile: Send + std::fmt::Debug {
    /// Writes all of `bytes` at the end (may write part and then fail).
    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()>;
    /// Waits until what was written is on disk.
    fn sync(&mut self) -> std::io::Result<()>;
    /// Cuts the file back to `len` bytes.
    fn truncate(&mut self, len: u64) -> std::io::Result<()>;
}

impl LogFile for File {
    fn append(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.write_all(bytes)
    }

    fn sync(&mut self) -> std::io::Result<()> {
        self.sync_data()
    }

    fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        self.set_len(len)
    }
}

/// The feedback log: its file and how long its complete lines are.
#[derive(Debug)]
struct Appender {
    file: Box<dyn LogFile>,
    len: u64,
}

/// Query events waiting for the writer thread, at most.
const QUERY_QUEUE: usize = 8192;
/// How long the query-log writer waits for more events once the queue runs
/// dry, before it writes what it has.
const BATCH_REST: std::time::Duration = std::time::Duration::from_millis(20);

enum QueryMessage {
    Event(QueryEvent),
    Click(ClickRecord),
    Flush(std::sync::mpsc::Sender<()>),
}

/// The two log files of a directory: feedback written whole and synced
/// before it is acknowledged; query events queued and written by a thread
/// of their own, off the request path.
#[derive(Debug)]
pub struct Journal {
    dir: PathBuf,
    feedback: Mutex<Appender>,
    queries: Option<SyncSender<QueryMessage>>,
    writer: Option<std::thread::JoinHandle<()>>,
    dropped: AtomicU64,
}

impl std::fmt::Debug for QueryMessage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("QueryMessage")
    }
}

fn open_append(path: &Path) -> Result<File> {
    OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| Error::io(path, e))
}

fn line<T: Serialize>(record: &T, context: &str) -> Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec(record).map_err(Error::json(context))?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// Opens a log for appending, first cutting a torn last line (a write cut
/// short by a crash or a full disk, never acknowledged) so that the next
/// record starts on a line of its own. Returns the file and its length.
fn open_repaired(path: &Path) -> Result<(File, u64)> {
    let file = open_append(path)?;
    let len = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if len == 0 {
        return Ok((file, 0));
    }
    let mut reader = File::open(path).map_err(|e| Error::io(path, e))?;
    let complete = complete_length(&mut reader, len).map_err(|e| Error::io(path, e))?;
    if complete < len {
        tracing::warn!(
            file = %path.display(),
            bytes = len - complete,
            "cutting a torn last line off the log"
        );
        file.set_len(complete).map_err(|e| Error::io(path, e))?;
    }
    Ok((file, complete))
}

/// Length of the file up to and including its last newline.
fn complete_length(file: &mut File, len: u64) -> std::io::Result<u64> {
    let mut end = len;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The writer thread: appends queued events and clicks, flushing whenever
/// the queue runs dry. When it first runs dry it rests a moment and looks
/// again, so that under load the thread wakes (and writes) once per batch
/// of searches rather than once per search.
fn write_queries(path: PathBuf, file: File, clicks: File, events: Receiver<QueryMessage>) {
    let mut out = std::io::BufWriter::new(file);
    let mut clicks = std::io::BufWriter::new(clicks);
    let report = |e: std::io::Error| tracing::warn!(file = %path.display(), error = %e, "query events not logged");
    let mut pending = false;
    let mut rested = false;
    loop {
        let message = if pending {
            match events.try_recv() {
                Ok(m) => Some(m),
                Err(TryRecvError::Empty) => None,
                Err(TryRecvError::Disconnected) => break,
            }
        } else {
            match events.recv() {
                Ok(m) => Some(m),
                Err(_) => break,
            }
        };
        match message {
            Some(QueryMessage::Event(event)) => match line(&event, "query event") {
                Ok(bytes) => match out.write_all(&bytes) {
                    Ok(()) => pending = true,
                    Err(e) => report(e),
                },
                Err(e) => tracing::warn!(error = %e, "query event not logged"),
            },
            Some(QueryMessage::Click(click)) => match line(&click, "click") {
                Ok(bytes) => match clicks.write_all(&bytes) {
                    Ok(()) => pending = true,
                    Err(e) => report(e),
                },
                Err(e) => tracing::warn!(error = %e, "click not logged"),
            },
            Some(QueryMessage::Flush(done)) => {
                if let Err(e) = out.flush().and_then(|()| clicks.flush()) {
                    report(e);
                }
                pending = false;
                rested = false;
                let _ = done.send(());
            }
            None if !rested => {
                std::thread::sleep(BATCH_REST);
                rested = true;
            }
            None => {
                if let Err(e) = out.flush().and_then(|()| clicks.flush()) {
                    report(e);
                }
                pending = false;
                rested = false;
            }
        }
    }
    if let Err(e) = out.flush().and_then(|()| clicks.flush()) {
        report(e);
    }
}

/// A learned question forgotten by hand.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forgotten {
    /// Its id (as `wenda learned` lists it).
    pub id: String,
    /// Milliseconds since the Unix epoch.
    pub ts_ms: u64,
}

/// Rebuilds what the server learned from use out of the logs of `dir`:
/// every feedback record (helpful or not) in order, then the questions
/// forgotten by hand. `learnable` reads a question the way the engine
/// plans it. Unreadable lines are skipped (the report counts them).
pub fn learned(dir: &Path, learnable: &dyn Fn(&str) -> Learnable) -> Result<Learned> {
    let mut bad = 0usize;
    let forgotten = read_lines::<Forgotten>(&dir.join(FORGOTTEN_FILE), &mut bad)?;
    let feedback = read_lines::<FeedbackRecord>(&dir.join(FEEDBACK_FILE), &mut bad)?;
    let clicks = read_lines::<ClickRecord>(&dir.join(CLICKS_FILE), &mut bad)?;
    let uses = feedback
        .into_iter()
        .map(|f| Use {
            question: learnable(&f.query),
            article_id: f.article_id,
            signal: if f.helpful {
                Signal::Helpful
            } else {
                Signal::Unhelpful
            },
            client: f.client.unwrap_or_default(),
            ts_ms: f.ts_ms,
        })
        .chain(
            clicks
                .into_iter()
                .filter(ClickRecord::teaches)
                .map(|c| Use {
                    question: learnable(&c.query),
                    article_id: c.article_id,
                    signal: Signal::Click,
                    client: c.client.unwrap_or_default(),
                    ts_ms: c.ts_ms,
                }),
        );
    Ok(Learned::from_uses(
        forgotten.into_iter().map(|f| f.id),
        uses,
    ))
}

/// Records that a learned question is to be forgotten (synced before it
/// returns, like feedback).
pub fn forget(dir: &Path, id: &str) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(FORGOTTEN_FILE);
    let (mut file, _) = open_repaired(&path)?;
    let bytes = line(
        &Forgotten {
            id: id.to_string(),
            ts_ms: now_ms(),
        },
        "forgotten question",
    )?;
    file.write_all(&bytes)
        .and_then(|()| file.sync_data())
        .map_err(|e| Error::io(&path, e))
}

impl Journal {
    /// Opens (creating) the log directory and files, repairing a torn
    /// last line of either.
    pub fn open(dir: &Path) -> Result<Journal> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let (feedback, len) = open_repaired(&dir.join(FEEDBACK_FILE))?;
        let (queries, _) = open_repaired(&dir.join(QUERIES_FILE))?;
        let (clicks, _) = open_repaired(&dir.join(CLICKS_FILE))?;
        let mut journal = Journal::with_feedback_file(dir, Box::new(feedback), len);
        let (tx, rx) = sync_channel(QUERY_QUEUE);
        let path = dir.join(QUERIES_FILE);
        let writer = std::thread::Builder::new()
            .name("wenda-query-log".into())
            .spawn(move || write_queries(path, queries, clicks, rx))
            .map_err(|e| Error::io(dir, e))?;
        journal.queries = Some(tx);
        journal.writer = Some(writer);
        Ok(journal)
    }

    /// The log directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// A journal whose feedback goes to `file` (already `len` bytes of
    /// complete lines) and which keeps no query log: for tests of faults.
    pub fn with_feedback_file(dir: &Path, file: Box<dyn LogFile>, len: u64) -> Journal {
        Journal {
            dir: dir.to_path_buf(),
            feedback: Mutex::new(Appender { file, len }),
            queries: None,
            writer: None,
            dropped: AtomicU64::new(0),
        }
    }

    /// Appends a feedback record whole and waits until it is on disk. On
    /// any failure the file is cut back to its last complete line, so a
    /// failed write never damages the record after it.
    pub fn feedback(&self, record: &FeedbackRecord) -> Result<()> {
        let bytes = line(record, "feedback record")?;
        let path = self.dir.join(FEEDBACK_FILE);
        let mut log = self.feedback.lock().unwrap_or_else(|e| e.into_inner());
        let written = log.file.append(&bytes).and_then(|()| log.file.sync());
        match written {
            Ok(()) => {
                log.len += bytes.len() as u64;
                Ok(())
            }
            Err(e) => {
                let len = log.len;
                if let Err(cut) = log.file.truncate(len).and_then(|()| log.file.sync()) {
                    tracing::error!(file = %path.display(), error = %cut, "cannot cut a failed write back");
                }
                Err(Error::io(&path, e))
            }
        }
    }

    /// Queues a query event for the writer thread; never waits. When the
    /// queue is full the event is dropped and counted.
    pub fn query(&self, event: QueryEvent) {
        let Some(tx) = &self.queries else { return };
        if tx.try_send(QueryMessage::Event(event)).is_err() {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                tracing::warn!(dropped = n, "query log queue full; events dropped");
            }
        }
    }

    /// Queues a click for the writer thread (as [`Journal::query`]); false
    /// when this journal keeps no query log or the queue is full.
    pub fn click(&self, record: ClickRecord) -> bool {
        let Some(tx) = &self.queries else {
            return false;
        };
        if tx.try_send(QueryMessage::Click(record)).is_err() {
            let n = self.dropped.fetch_add(1, Ordering::Relaxed) + 1;
            if n.is_power_of_two() {
                tracing::warn!(dropped = n, "query log queue full; events dropped");
            }
            return false;
        }
        true
    }

    /// Waits until every query event queued so far is written.
    pub fn flush(&self) {
        let Some(tx) = &self.queries else { return };
        let (done, wait) = std::sync::mpsc::channel();
        if tx.send(QueryMessage::Flush(done)).is_ok() {
            let _ = wait.recv();
        }
    }
}

impl Drop for Journal {
    fn drop(&mut self) {
        self.queries = None;
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

/// A question and how often it was asked.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Counted {
    /// The question, normalised.
    pub query: String,
    /// Times asked.
    pub count: usize,
}

/// How users judged one article.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Report {
    /// Searches that found nothing, most frequent first.
    pub zero_results: Vec<Counted>,
    /// Questions handed over to a person, most frequent first.
    pub handoffs: Vec<Counted>,
    /// Questions from support tickets the help centre does not cover, most
    /// frequent first.
    pub ticket_gaps: Vec<Counted>,
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
    // Bytes, not text: a torn or foreign line is skipped and counted, and
    // never takes the next line with it.
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|e| Error::io(path, e))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice(&line) {
            Ok(v) => out.push(v),
            Err(_) => *bad += 1,
        }
    }
    Ok(out)
}

/// The clicks logged in `dir`, oldest first, and how many lines could
/// not be read (skipped).
pub fn clicks(dir: &Path) -> Result<(Vec<ClickRecord>, usize)> {
    let mut bad = 0;
    let clicks = read_lines(&dir.join(CLICKS_FILE), &mut bad)?;
    Ok((clicks, bad))
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
    let mut ticket_gaps: HashMap<String, usize> = HashMap::new();
    for e in &events {
        let q = normalize_str(e.query.trim());
        if e.kind == TICKET_GAP {
            *ticket_gaps.entry(q.clone()).or_default() += 1;
        }
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
    r.ticket_gaps = top(ticket_gaps, n);
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
            j.query(event("search", q, Some(0), false));
        }
        j.query(event("search", "代金券", Some(5), false));
        j.query(event("answer", "转人工", None, true));
        j.flush();
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
                client: None,
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
