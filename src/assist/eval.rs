//! How well tickets are read and answered, on labelled tickets
//! (`wenda eval --assist FILE`).
//!
//! A file has one ticket a line: `{"ticket": "…", "questions": [{"span":
//! "exact text of the ticket where the question is asked", "relevant":
//! ["article id or file name", …]}]}`; `relevant: []` marks a question the
//! help centre does not cover.
//!
//! **Matching found questions to labelled ones**, by bytes of the ticket:
//! a found question *covers* a labelled one when their spans share at
//! least half of the labelled span's bytes (a found question may be
//! longer: it keeps the sentences that explain it). A labelled question is
//! *found as a separate question* when a found question covers it and
//! covers no other labelled question (one found question covering two is
//! a merge, and both count as not found). A found question that covers no
//! labelled question is *spurious* (noise read as a question, or a
//! question cut in two).
//!
//! **Recall@k** is over labelled questions with relevant articles: the
//! question must be found as a separate question and a relevant article
//! must be among the first k candidates of the question found. A question
//! not found counts as a miss.
//!
//! For questions labelled as not covered, the report counts how many the
//! reply marks `not_covered` (and, the other way, covered questions marked
//! `not_covered`).

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::ticket::Span;
use super::{AssistQuestion, AssistRequest, QuestionStatus, assist};
use crate::answer::Answerer;
use crate::corpus::Warning;
use crate::eval::matches_entry;
use crate::{Error, Result};

/// One labelled ticket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledTicket {
    /// The ticket as a customer wrote it.
    pub ticket: String,
    /// The questions it asks.
    pub questions: Vec<LabelledQuestion>,
}

/// One labelled question of a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabelledQuestion {
    /// Exact text of the ticket where the question is asked.
    pub span: String,
    /// Articles that answer it (ids or file names); empty when none does.
    pub relevant: Vec<String>,
}

/// Reads a labelled ticket file, skipping (with a warning naming the line)
/// lines that are not JSON or whose spans are not in their ticket.
pub fn read_tickets(path: &Path) -> Result<(Vec<LabelledTicket>, Vec<Warning>)> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let mut out = Vec::new();
    let mut warnings = Vec::new();
    let warn = |line: usize, message: String| Warning {
        file: path.display().to_string(),
        line: Some(line),
        message,
    };
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<LabelledTicket>(line) {
            Ok(t) => match t.questions.iter().find(|q| !t.ticket.contains(&q.span)) {
                Some(q) => warnings.push(warn(
                    i + 1,
                    format!("span not found in its ticket: {}", q.span),
                )),
                None => out.push(t),
            },
            Err(e) => warnings.push(warn(i + 1, format!("invalid JSON line: {e}"))),
        }
    }
    Ok((out, warnings))
}

/// What happened to one labelled question.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionOutcome {
    /// Ticket number in the file, from 1.
    pub ticket: usize,
    /// The labelled span.
    pub span: String,
    /// Relevant articles.
    pub relevant: Vec<String>,
    /// `found`, `merged` (found together with another) or `missed`.
    pub split: &'static str,
    /// The found question it was matched to, if found.
    pub question: Option<String>,
    /// Its status, if found.
    pub status: Option<&'static str>,
    /// Its candidates' ids, if found.
    pub got: Vec<String>,
    /// 1-based rank of the first relevant candidate, if any.
    pub rank: Option<usize>,
}

/// A found question that matches no labelled one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spurious {
    /// Ticket number in the file, from 1.
    pub ticket: usize,
    /// The question found.
    pub question: String,
}

/// Figures over a labelled ticket file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssistReport {
    /// Tickets read.
    pub tickets: usize,
    /// Labelled questions.
    pub labelled: usize,
    /// Questions wenda found.
    pub found_questions: usize,
    /// Labelled questions found as separate questions.
    pub found: usize,
    /// Labelled questions found only merged with another.
    pub merged: usize,
    /// Found questions that match no labelled question.
    pub spurious: usize,
    /// found / labelled.
    pub split_accuracy: f64,
    /// spurious / questions found.
    pub spurious_rate: f64,
    /// Labelled questions with relevant articles.
    pub covered: usize,
    /// Share of those with a relevant article first.
    pub recall_at_1: f64,
    /// Share of those with a relevant article in the first three.
    pub recall_at_3: f64,
    /// Labelled questions the help centre does not cover.
    pub uncovered: usize,
    /// Of those, found and marked `not_covered`.
    pub uncovered_marked: usize,
    /// Covered questions found and marked `not_covered`.
    pub covered_marked_not_covered: usize,
    /// Covered questions answered (status `answered`) with a relevant article.
    pub answered_right: usize,
    /// Covered questions answered with an article not labelled relevant.
    pub answered_wrong: usize,
    /// Median time per ticket, in milliseconds.
    pub p50_ms: f64,
    /// Longest time for a ticket, in milliseconds.
    pub max_ms: f64,
    /// Every labelled question and what became of it.
    pub outcomes: Vec<QuestionOutcome>,
    /// Found questions that match no labelled one.
    pub spurious_questions: Vec<Spurious>,
}

/// Whether `found` covers at least half of `labelled`.
pub fn covers(found: Span, labelled: Span) -> bool {
    !labelled.is_empty() && found.overlap(labelled) * 2 >= labelled.len()
}

/// Runs every ticket and scores the reading and the answers.
pub fn evaluate(answerer: &Answerer, tickets: &[LabelledTicket]) -> Result<AssistReport> {
    let mut outcomes = Vec::new();
    let mut spurious_questions = Vec::new();
    let mut found_questions = 0;
    let mut times = Vec::with_capacity(tickets.len());
    for (t, lt) in tickets.iter().enumerate() {
        let started = Instant::now();
        let resp = assist(
            answerer,
            &AssistRequest {
                ticket: lt.ticket.clone(),
                ..Default::default()
            },
        )?;
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        found_questions += resp.questions.len();
        let labelled: Vec<Span> = lt
            .questions
            .iter()
            .map(|q| {
                let start = lt.ticket.find(&q.span).unwrap_or(0);
                Span {
                    start,
                    end: start + q.span.len(),
                }
            })
            .collect();
        let span_of = |q: &AssistQuestion| Span {
            start: q.span.start,
            end: q.span.end,
        };
        for q in &resp.questions {
            if !labelled.iter().any(|l| covers(span_of(q), *l)) {
                spurious_questions.push(Spurious {
                    ticket: t + 1,
                    question: q.searched.clone(),
                });
            }
        }
        for (lq, l) in lt.questions.iter().zip(&labelled) {
            let covering = resp.questions.iter().find(|q| covers(span_of(q), *l));
            let separate = covering.filter(|q| {
                labelled
                    .iter()
                    .filter(|other| covers(span_of(q), **other))
                    .count()
                    == 1
            });
            let relevant = |id: &str| {
                let catalog = answerer.engine().catalog();
                catalog
                    .ord_of(id)
                    .and_then(|o| catalog.entry(o))
                    .is_some_and(|e| matches_entry(&e.id, &e.corpus, &e.path, &lq.relevant))
            };
            let mut outcome = QuestionOutcome {
                ticket: t + 1,
                span: lq.span.clone(),
                relevant: lq.relevant.clone(),
                split: match (covering, separate) {
                    (_, Some(_)) => "found",
                    (Some(_), None) => "merged",
                    (None, _) => "missed",
                },
                question: None,
                status: None,
                got: Vec::new(),
                rank: None,
            };
            if let Some(q) = separate {
                outcome.question = Some(q.searched.clone());
                outcome.status = Some(q.status.as_str());
                outcome.got = q.candidates.iter().map(|c| c.id.clone()).collect();
                outcome.rank = q
                    .candidates
                    .iter()
                    .position(|c| relevant(&c.id))
                    .map(|i| i + 1);
                if q.status == QuestionStatus::Answered
                    && let Some(a) = &q.article
                    && !lq.relevant.is_empty()
                {
                    outcome.status = Some(if relevant(&a.id) {
                        "answered_right"
                    } else {
                        "answered_wrong"
                    });
                }
            }
            outcomes.push(outcome);
        }
    }
    let labelled = outcomes.len();
    let found = outcomes.iter().filter(|o| o.split == "found").count();
    let merged = outcomes.iter().filter(|o| o.split == "merged").count();
    let covered: Vec<&QuestionOutcome> =
        outcomes.iter().filter(|o| !o.relevant.is_empty()).collect();
    let at = |k: usize| {
        covered
            .iter()
            .filter(|o| o.rank.is_some_and(|r| r <= k))
            .count() as f64
            / covered.len().max(1) as f64
    };
    let uncovered = labelled - covered.len();
    let not_covered = |o: &QuestionOutcome| o.status == Some(QuestionStatus::NotCovered.as_str());
    times.sort_by(f64::total_cmp);
    let round = |x: f64| (x * 1000.0).round() / 1000.0;
    Ok(AssistReport {
        tickets: tickets.len(),
        labelled,
        found_questions,
        found,
        merged,
        spurious: spurious_questions.len(),
        split_accuracy: round(found as f64 / labelled.max(1) as f64),
        spurious_rate: round(spurious_questions.len() as f64 / found_questions.max(1) as f64),
        covered: covered.len(),
        recall_at_1: round(at(1)),
        recall_at_3: round(at(3)),
        uncovered,
        uncovered_marked: outcomes
            .iter()
            .filter(|o| o.relevant.is_empty() && not_covered(o))
            .count(),
        covered_marked_not_covered: covered.iter().filter(|o| not_covered(o)).count(),
        answered_right: outcomes
            .iter()
            .filter(|o| o.status == Some("answered_right"))
            .count(),
        answered_wrong: outcomes
            .iter()
            .filter(|o| o.status == Some("answered_wrong"))
            .count(),
        p50_ms: round(times.get(times.len() / 2).copied().unwrap_or(0.0)),
        max_ms: round(times.last().copied().unwrap_or(0.0)),
        outcomes,
        spurious_questions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covering_takes_half_of_the_labelled_span() {
        let l = Span { start: 10, end: 20 };
        assert!(covers(Span { start: 0, end: 15 }, l));
        assert!(covers(Span { start: 0, end: 100 }, l));
        assert!(!covers(Span { start: 0, end: 14 }, l));
        assert!(!covers(Span { start: 20, end: 30 }, l));
        assert!(!covers(l, Span { start: 5, end: 5 }));
    }
}
