//! Support agents: a whole ticket in, each question's articles, steps and
//! status out, with a draft reply to edit and the questions the help
//! centre does not cover.
//!
//! [`ticket`] reads the ticket (pure text work); each question is then
//! judged by the answer engine on its own ([`Answerer::verdict`]), once as
//! asked and once with the sentences that explain it, keeping the more
//! confident reading; [`draft`] writes the reply. [`eval`] measures the
//! whole on labelled tickets.

pub mod draft;
pub mod eval;
pub mod ticket;

use std::time::Instant;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::answer::{AnswerRequest, Answerer, Reason, Status, Verdict};
use crate::article::{Article, Step};
use crate::journal::{QueryEvent, TICKET_GAP, now_ms};
use crate::search::Crumb;
use crate::{Error, Result};
use ticket::{Noise, Span};

/// Questions of one ticket looked up at most; the rest are counted in
/// [`AssistResponse::more_questions`].
pub const MAX_QUESTIONS: usize = 30;
/// Candidates listed per question.
pub const CANDIDATES: usize = 3;
/// From this confidence in the best article, a question the answer engine
/// would hand over is offered to the agent with its best articles as
/// choices (`ambiguous`) instead of being called a gap: even odds or better.
pub const SUGGEST: f32 = 0.5;
/// Characters of a question searched, at most (the ask first, then as
/// much of its context as fits, nearest first).
const SEARCH_CHARS: usize = 300;

/// A ticket for [`assist`].
#[derive(Debug, Clone, Default)]
pub struct AssistRequest {
    /// The ticket as pasted: mail, chat transcript, anything.
    pub ticket: String,
    /// Only articles under this topic path.
    pub topic: Option<Vec<String>>,
    /// The agent's own choice of article for some questions.
    pub picks: Vec<Pick>,
    /// When the caller stops waiting: work past it is abandoned.
    pub deadline: Option<Instant>,
    /// Questions learned from use, applied to each question's search.
    pub learned: Option<std::sync::Arc<crate::search::Learned>>,
}

/// An agent's choice of article for one question (swapping the one wenda
/// chose for another candidate).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Pick {
    /// The question's number (`n`), from 1.
    pub question: usize,
    /// The article to answer it with.
    pub article_id: String,
}

/// What became of one question of a ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuestionStatus {
    /// One article answers it; its steps are in the draft.
    Answered,
    /// Several articles fit; `choices` lists them and the draft offers them.
    Ambiguous,
    /// The help centre does not cover it: a gap, said honestly in the draft.
    NotCovered,
}

impl QuestionStatus {
    /// The stable snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionStatus::Answered => "answered",
            QuestionStatus::Ambiguous => "ambiguous",
            QuestionStatus::NotCovered => "not_covered",
        }
    }
}

/// A span in two units: bytes of the UTF-8 ticket, and UTF-16 code units
/// (what a browser's `String.prototype.slice` takes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Place {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
    /// First UTF-16 code unit.
    pub start_utf16: usize,
    /// One past the last UTF-16 code unit.
    pub end_utf16: usize,
}

/// An article offered for a question.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticleRef {
    /// Article id (for `/api/articles/{id}` and `picks`).
    pub id: String,
    /// Article title.
    pub title: String,
    /// How sure wenda is that it answers the question (0..1, calibrated).
    pub confidence: f32,
    /// Where to read it: its URL, else the relative page path `/articles/{id}`.
    pub link: String,
}

/// The article that answers a question, with what an agent needs from it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ArticleAnswer {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// Its URL, else the relative page path `/articles/{id}`.
    pub link: String,
    /// Its URL, when the corpus gives one.
    pub url: Option<String>,
    /// Topic path, each level with the article of that title, if any.
    pub breadcrumb: Vec<Crumb>,
    /// The introduction (or, without steps, the body), shortened.
    pub summary: String,
    /// What must hold before starting.
    pub prerequisites: Vec<String>,
    /// Limits and cautions.
    pub constraints: Vec<String>,
    /// The steps in order, each with its console path (`menu_path`).
    pub steps: Vec<Step>,
}

/// Text in two forms.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Reply {
    /// Markdown.
    pub markdown: String,
    /// Plain text.
    pub text: String,
}

/// One question of the ticket, judged.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AssistQuestion {
    /// Its number, from 1, in the order asked.
    pub n: usize,
    /// The question as the customer asked it, without the noise.
    pub question: String,
    /// What was searched: the question with the sentences that explain it.
    pub searched: String,
    /// Where it is in the ticket (the question and its context).
    pub span: Place,
    /// Answered, ambiguous or not covered.
    pub status: QuestionStatus,
    /// The answer engine's confidence in the best article (0..1).
    pub confidence: f32,
    /// Why the status is what it is (the answer engine's reason codes).
    pub reason: Reason,
    /// The article that answers it (status `answered`).
    pub article: Option<ArticleAnswer>,
    /// The articles to choose from (status `ambiguous`).
    pub choices: Vec<ArticleRef>,
    /// The best articles in rank order, to swap in (`picks`).
    pub candidates: Vec<ArticleRef>,
    /// This question's section of the draft.
    pub reply: Reply,
}

/// A stretch of the ticket left out as noise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct StrippedView {
    /// What it is.
    pub kind: Noise,
    /// Where it is.
    pub span: Place,
}

/// A question the help centre does not cover.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Gap {
    /// The question's number.
    pub n: usize,
    /// The question.
    pub question: String,
}

/// The reply to a ticket.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AssistResponse {
    /// The customer's questions, in order, each judged.
    pub questions: Vec<AssistQuestion>,
    /// Questions found past the first 30, not looked up.
    pub more_questions: usize,
    /// A reply to edit: greeting, one section per question, closing.
    pub draft: Reply,
    /// The questions the help centre does not cover.
    pub gaps: Vec<Gap>,
    /// What was left out as noise (greetings, signature, quoted mail …).
    pub stripped: Vec<StrippedView>,
    /// Milliseconds taken.
    pub took_ms: f64,
}

/// Reads a ticket, judges each question, writes the draft.
pub fn assist(answerer: &Answerer, req: &AssistRequest) -> Result<AssistResponse> {
    let started = Instant::now();
    let reading = ticket::read(&req.ticket);
    let places = Utf16Map::new(&req.ticket);
    let total = reading.questions.len();
    let mut questions = Vec::with_capacity(total.min(MAX_QUESTIONS));
    for (i, q) in reading.questions.iter().take(MAX_QUESTIONS).enumerate() {
        let n = i + 1;
        let pick = req.picks.iter().rev().find(|p| p.question == n);
        questions.push(judge(answerer, req, n, q, pick, &places)?);
    }
    let gaps = questions
        .iter()
        .filter(|q| q.status == QuestionStatus::NotCovered)
        .map(|q| Gap {
            n: q.n,
            question: q.question.clone(),
        })
        .collect();
    let draft = draft::draft(&questions);
    Ok(AssistResponse {
        draft,
        gaps,
        more_questions: total.saturating_sub(MAX_QUESTIONS),
        stripped: reading
            .stripped
            .iter()
            .map(|s| StrippedView {
                kind: s.kind,
                span: places.place(s.span),
            })
            .collect(),
        questions,
        took_ms: (started.elapsed().as_secs_f64() * 1e6).round() / 1e3,
    })
}

/// The journal events for a reply's gaps (kind `assist`), for `wenda report`.
pub fn gap_events(resp: &AssistResponse) -> Vec<QueryEvent> {
    resp.questions
        .iter()
        .filter(|q| q.status == QuestionStatus::NotCovered)
        .map(|q| QueryEvent {
            ts_ms: now_ms(),
            kind: TICKET_GAP.into(),
            query: q.question.clone(),
            total: None,
            status: Some(q.status.as_str().into()),
            handoff: false,
            top: q.candidates.first().map(|c| c.id.clone()),
        })
        .collect()
}

/// The relative page path of an article: `/articles/{id}`, with the few
/// characters that would break a link in Markdown or a URL escaped.
pub fn article_link(a: &Article) -> String {
    link(&a.id, a.url.as_deref())
}

/// The link of an article known by its id and web address.
pub fn link(id: &str, url: Option<&str>) -> String {
    if let Some(url) = url.filter(|u| !u.trim().is_empty()) {
        return url.to_string();
    }
    let mut out = String::from("/articles/");
    for c in id.chars() {
        match c {
            c if c.is_ascii_control() || c.is_whitespace() => {
                let mut buf = [0u8; 4];
                for b in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
            '"' | '#' | '%' | '<' | '>' | '?' | '`' | '{' | '}' | '(' | ')' | '[' | ']' | '\\'
            | '^' | '|' => out.push_str(&format!("%{:02X}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The text searched for a question: the ask, then its context nearest
/// first, within [`SEARCH_CHARS`].
fn search_text(ask: &str, context: &str) -> String {
    let ask: String = ask.chars().take(SEARCH_CHARS).collect();
    let room = SEARCH_CHARS.saturating_sub(ask.chars().count());
    if context.is_empty() || room == 0 {
        return ask;
    }
    let n = context.chars().count();
    let context: String = context.chars().skip(n.saturating_sub(room)).collect();
    format!("{context} {ask}")
}

fn verdict(answerer: &Answerer, req: &AssistRequest, question: String) -> Result<Verdict> {
    answerer.verdict(&AnswerRequest {
        question,
        session_id: None,
        top_k: CANDIDATES,
        topic: req.topic.clone(),
        deadline: req.deadline,
        learned: req.learned.clone(),
    })
}

fn top_confidence(v: &Verdict) -> f32 {
    v.ranked.first().map_or(0.0, |c| c.confidence)
}

fn judge(
    answerer: &Answerer,
    req: &AssistRequest,
    n: usize,
    q: &ticket::Question,
    pick: Option<&Pick>,
    places: &Utf16Map,
) -> Result<AssistQuestion> {
    // The question read three ways — the sentences that ask, with the
    // sentences that explain them, and only the clauses that ask — keeping
    // the reading the answer engine is surest of. The asking clauses alone
    // can lose the topic (有没有快捷方式), so that reading may only pick
    // among the articles the whole question found.
    let ask = search_text(&q.ask, "");
    let mut best = (ask.clone(), verdict(answerer, req, ask)?);
    if !q.context.is_empty() {
        let with = search_text(&q.ask, &q.context);
        let v = verdict(answerer, req, with.clone())?;
        if top_confidence(&v) > top_confidence(&best.1) {
            best = (with, v);
        }
    }
    if !q.core.is_empty() && q.core != q.ask {
        let core = search_text(&q.core, "");
        let v = verdict(answerer, req, core.clone())?;
        let found = |v: &Verdict| v.ranked.first().map(|c| c.id.clone());
        let agrees = found(&v).is_some_and(|id| best.1.ranked.iter().any(|c| c.id == id));
        if agrees && top_confidence(&v) > top_confidence(&best.1) {
            best = (core, v);
        }
    }
    let (searched, v) = best;
    let catalog = answerer.engine().catalog();
    let entry = |id: &str| catalog.ord_of(id).and_then(|o| catalog.entry(o));
    let reference = |id: &str, confidence: f32| {
        entry(id).map(|e| ArticleRef {
            id: e.id.clone(),
            title: e.title.clone(),
            confidence,
            link: link(&e.id, e.url.as_deref()),
        })
    };
    let candidates: Vec<ArticleRef> = v
        .ranked
        .iter()
        .filter_map(|c| reference(&c.id, c.confidence))
        .collect();
    let r = &v.response;
    let (mut status, mut reason, mut chosen) = match r.status {
        Status::Answered => (
            QuestionStatus::Answered,
            r.reason,
            r.answer.as_ref().map(|a| a.id.clone()),
        ),
        Status::Clarify => (QuestionStatus::Ambiguous, r.reason, None),
        // Not sure enough to answer, but even odds or better: offered to
        // the agent as choices rather than called a gap.
        Status::NoAnswer if top_confidence(&v) >= SUGGEST && r.reason != Reason::HumanRequested => {
            (QuestionStatus::Ambiguous, r.reason, None)
        }
        Status::NoAnswer => (QuestionStatus::NotCovered, r.reason, None),
    };
    let mut confidence = r.confidence;
    let mut choices: Vec<ArticleRef> = match (status, r.status) {
        (QuestionStatus::Ambiguous, Status::Clarify) => r
            .candidates
            .iter()
            .filter_map(|c| reference(&c.id, c.confidence))
            .collect(),
        (QuestionStatus::Ambiguous, _) => candidates
            .iter()
            .enumerate()
            .filter(|(i, c)| *i == 0 || c.confidence >= answerer.policy().clarify)
            .map(|(_, c)| c.clone())
            .collect(),
        _ => Vec::new(),
    };
    if let Some(p) = pick {
        let a = entry(&p.article_id).ok_or_else(|| {
            Error::Invalid(format!("no article with id `{}` to pick", p.article_id))
        })?;
        status = QuestionStatus::Answered;
        reason = Reason::Clarified;
        confidence = v
            .ranked
            .iter()
            .find(|c| c.id == a.id)
            .map_or(0.0, |c| c.confidence);
        chosen = Some(a.id.clone());
        choices.clear();
    }
    let answer = chosen
        .as_deref()
        .and_then(|id| catalog.article_by_id(id).ok().flatten())
        .map(|a| {
            let a = &a;
            ArticleAnswer {
                id: a.id.clone(),
                title: a.title.clone(),
                link: article_link(a),
                url: a.url.clone(),
                breadcrumb: catalog
                    .ord_of(&a.id)
                    .map(|o| catalog.breadcrumb(o))
                    .unwrap_or_default(),
                summary: draft::summary(a),
                prerequisites: a.prerequisites.clone(),
                constraints: a.constraints.clone(),
                steps: a.steps().to_vec(),
            }
        });
    let mut out = AssistQuestion {
        n,
        question: q.headline.clone(),
        searched,
        span: places.place(q.span),
        status,
        confidence,
        reason,
        article: answer,
        choices,
        candidates,
        reply: Reply::default(),
    };
    out.reply = draft::section(&out);
    Ok(out)
}

/// Byte offsets to UTF-16 offsets, for one text (one pass to build, a
/// binary search per lookup).
struct Utf16Map {
    /// (byte offset, UTF-16 offset) at every non-ASCII character and at the end.
    marks: Vec<(usize, usize)>,
}

impl Utf16Map {
    fn new(text: &str) -> Utf16Map {
        let mut marks = vec![(0, 0)];
        let mut units = 0;
        let mut last_byte = 0;
        for (i, c) in text.char_indices() {
            if !c.is_ascii() {
                units += i - last_byte;
                marks.push((i, units));
                units += c.len_utf16();
                last_byte = i + c.len_utf8();
                marks.push((last_byte, units));
            }
        }
        marks.push((text.len(), units + text.len() - last_byte));
        Utf16Map { marks }
    }

    fn utf16(&self, byte: usize) -> usize {
        let i = match self.marks.binary_search_by_key(&byte, |m| m.0) {
            Ok(i) => return self.marks[i].1,
            Err(i) => i.saturating_sub(1),
        };
        // Between marks, all characters are ASCII: one unit per byte.
        let (b, u) = self.marks[i];
        u + byte.saturating_sub(b)
    }

    fn place(&self, span: Span) -> Place {
        Place {
            start: span.start,
            end: span.end,
            start_utf16: self.utf16(span.start),
            end_utf16: self.utf16(span.end),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_offsets_follow_the_text() {
        let t = "ab您好😀cd";
        let m = Utf16Map::new(t);
        for (i, _) in t.char_indices().chain([(t.len(), ' ')]) {
            assert_eq!(m.utf16(i), t[..i].encode_utf16().count(), "at {i}");
        }
    }

    #[test]
    fn search_text_keeps_the_ask_and_the_nearest_context() {
        assert_eq!(search_text("怎么取消？", ""), "怎么取消？");
        assert_eq!(
            search_text("怎么取消？", "提交了PO。"),
            "提交了PO。 怎么取消？"
        );
        let long = "前".repeat(400) + "后";
        let s = search_text("怎么取消？", &long);
        assert_eq!(s.chars().count(), SEARCH_CHARS + 1);
        assert!(s.ends_with("后 怎么取消？"));
    }

    #[test]
    fn links_escape_what_breaks_markdown() {
        let mut a = crate::article::parse_markdown_file(
            "---\nid: a b(c)\ntitle: T\n---\ntext\n",
            "a.md",
            "c",
        )
        .unwrap();
        assert_eq!(article_link(&a), "/articles/a%20b%28c%29");
        a.id = "远程登录/SSH密钥方式".into();
        assert_eq!(article_link(&a), "/articles/远程登录/SSH密钥方式");
        a.url = Some("https://example.com/x".into());
        assert_eq!(article_link(&a), "https://example.com/x");
    }
}
