//! Answers: from ranked hits to one answer a chatbot or a support agent can
//! trust — or a clarifying question, or an honest “no answer” and a handoff
//! to a person. Conversations keep their context across turns.

pub mod compose;
pub mod confidence;
pub mod intent;
pub mod redis_store;
pub mod session;

use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use utoipa::ToSchema;

use crate::Error;
use crate::Result;
use crate::article::links::title_key;
use crate::article::{Article, Step};
use crate::search::{Crumb, Engine, Entry, SearchRequest};
use confidence::{Features, Model};
use intent::StepMove;
pub use session::{Candidate, MemorySessions, Session, SessionStore};

/// Candidates returned when the caller does not say.
pub const DEFAULT_TOP_K: usize = 3;
/// Most candidates returned.
pub const MAX_TOP_K: usize = 10;

/// When to answer, ask or hand over.
#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// The confidence model.
    pub model: Model,
    /// Answer from this confidence on.
    pub answer: f32,
    /// From this confidence on, answer even when many of the question's
    /// words are unknown to the corpus.
    pub sure: f32,
    /// Below this, never offer choices; hand over instead.
    pub clarify: f32,
    /// A second article is “close” when its score is at least this share
    /// of the best one's.
    pub close: f32,
    /// Below this share of known words (by rarity), the question is about
    /// something the corpus does not cover.
    pub known: f32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            model: Model::default(),
            answer: 0.65,
            sure: 0.85,
            clarify: 0.3,
            close: 0.8,
            known: 0.5,
        }
    }
}

/// A question as the answer engine takes it (validated by the caller).
#[derive(Debug, Clone, Default)]
pub struct AnswerRequest {
    /// What the user said.
    pub question: String,
    /// The conversation, if it continues one.
    pub session_id: Option<String>,
    /// Candidates to return.
    pub top_k: usize,
    /// Only articles under this topic path.
    pub topic: Option<Vec<String>>,
    /// When the caller stops waiting: work past it is abandoned.
    pub deadline: Option<Instant>,
    /// Questions learned from use, applied to the searches.
    pub learned: Option<std::sync::Arc<crate::search::Learned>>,
}

/// What became of the question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// One article answers it.
    Answered,
    /// Two or more articles fit; the reply asks which.
    Clarify,
    /// Nothing is good enough; hand over to a person.
    NoAnswer,
}

impl Status {
    /// The stable snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Answered => "answered",
            Status::Clarify => "clarify",
            Status::NoAnswer => "no_answer",
        }
    }
}

/// Why the status is what it is (stable codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The best article clears the confidence threshold.
    ConfidentMatch,
    /// The user picked one of the choices offered.
    Clarified,
    /// A step of the article under discussion.
    Step,
    /// Several articles fit about equally.
    Ambiguous,
    /// The best article is not good enough.
    LowConfidence,
    /// The question is about something the articles do not cover.
    OutOfDomain,
    /// The user asked for a person.
    HumanRequested,
}

impl Reason {
    /// The stable snake_case name, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::ConfidentMatch => "confident_match",
            Reason::Clarified => "clarified",
            Reason::Step => "step",
            Reason::Ambiguous => "ambiguous",
            Reason::LowConfidence => "low_confidence",
            Reason::OutOfDomain => "out_of_domain",
            Reason::HumanRequested => "human_requested",
        }
    }
}

/// The answer itself.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AnswerBody {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// Ready to send: plain text with numbered steps, console paths and the source.
    pub text: String,
    /// The same in Markdown.
    pub markdown: String,
    /// The article's steps.
    pub steps: Vec<Step>,
    /// The step this reply reads out, when it reads out one.
    pub step: Option<usize>,
    /// Web address of the article, if known.
    pub url: Option<String>,
    /// Topic path, each level with the article of that title, if any.
    pub breadcrumb: Vec<Crumb>,
}

/// The reply to a question.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AnswerResponse {
    /// Answered, clarify or no_answer.
    pub status: Status,
    /// How sure wenda is that the answer is right (0..1; calibrated).
    pub confidence: f32,
    /// The answer, when there is one.
    pub answer: Option<AnswerBody>,
    /// What to say to the user: the answer, the clarifying question, or the handoff message.
    pub reply: String,
    /// The best articles, with their confidence.
    pub candidates: Vec<Candidate>,
    /// Pass this back to continue the conversation.
    pub session_id: String,
    /// Whether a person should take over.
    pub handoff: bool,
    /// Why.
    pub reason: Reason,
}

/// A question judged on its own ([`Answerer::verdict`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// What `/api/answer` would reply in a fresh conversation.
    pub response: AnswerResponse,
    /// The best articles in rank order, with their confidence (all of
    /// them, where a clarifying reply lists only the close ones).
    pub ranked: Vec<Candidate>,
}

/// A question searched and judged.
struct Judged {
    question: String,
    candidates: Vec<Candidate>,
    /// Each candidate's score as a share of the best one's.
    ratios: Vec<f32>,
    features: Features,
}

impl Judged {
    fn confidence(&self) -> f32 {
        self.candidates.first().map_or(0.0, |c| c.confidence)
    }
}

/// Turns questions into answers, keeping conversations.
#[derive(Debug)]
pub struct Answerer {
    engine: Arc<Engine>,
    sessions: Arc<dyn SessionStore>,
    policy: Policy,
}

/// An article with how well it answers a query (0..1).
#[derive(Debug, Clone, Copy)]
pub struct ScoredArticle<'a> {
    /// What search keeps of the article (the whole article is
    /// `engine.catalog().article(ord)`).
    pub entry: &'a Entry,
    /// Its ordinal in the catalog.
    pub ord: usize,
    /// The calibrated confidence of the best article, scaled by this
    /// one's share of the best score.
    pub score: f32,
}

const HANDOFF_REPLY: &str = "好的，正在为您转接人工客服，请稍候。";
const NO_ANSWER_REPLY: &str = "抱歉，暂时没有找到能回答这个问题的帮助文档，已为您转接人工客服。";
const OUT_OF_DOMAIN_REPLY: &str = "抱歉，这个问题不在本帮助中心的范围内，已为您转接人工客服。";

impl Answerer {
    /// An answerer over `engine` with the default policy and sessions.
    pub fn new(engine: Arc<Engine>) -> Self {
        Answerer::with(
            engine,
            Arc::new(MemorySessions::default()),
            Policy::default(),
        )
    }

    /// An answerer with its own session store and policy.
    pub fn with(engine: Arc<Engine>, sessions: Arc<dyn SessionStore>, policy: Policy) -> Self {
        Answerer {
            engine,
            sessions,
            policy,
        }
    }

    /// An answerer over another engine with the same sessions and policy
    /// (the engine swapped in by a live reindex).
    pub fn with_engine(&self, engine: Arc<Engine>) -> Self {
        Answerer::with(engine, self.sessions.clone(), self.policy.clone())
    }

    /// Answers a question now.
    pub fn answer(&self, req: &AnswerRequest) -> Result<AnswerResponse> {
        self.answer_at(req, Instant::now())
    }

    /// Answers a question as of `now` (for session expiry).
    pub fn answer_at(&self, req: &AnswerRequest, now: Instant) -> Result<AnswerResponse> {
        let id = req
            .session_id
            .clone()
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(session::new_id);
        let mut session = self.sessions.load(&id, now)?.unwrap_or_default();
        let mut response = self.respond(req, &mut session)?;
        response.session_id = id.clone();
        self.sessions.save(&id, session, now)?;
        Ok(response)
    }

    /// Judges one question on its own, outside any conversation (a
    /// question read from a support ticket): the decision, and the ranked
    /// candidates it was made from.
    pub fn verdict(&self, req: &AnswerRequest) -> Result<Verdict> {
        let judged = self.judge(req.question.trim(), req)?;
        let response = self.decide(&judged);
        Ok(Verdict {
            response,
            ranked: judged.candidates,
        })
    }

    /// The engine answers come from.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// When this answerer answers, asks or hands over.
    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// The conversations this answerer keeps.
    pub fn sessions(&self) -> &dyn SessionStore {
        self.sessions.as_ref()
    }

    /// The articles a search finds, each scored by the answer policy's
    /// confidence model (what Dify's `/retrieval` returns). Nothing when
    /// only the single-character fallback matched: that is a search-box
    /// courtesy, not knowledge.
    pub fn scored(&self, req: &SearchRequest) -> Result<Vec<ScoredArticle<'_>>> {
        let ranked = self.engine.rank(req)?;
        if ranked.fallback {
            return Ok(Vec::new());
        }
        let confidence = self
            .policy
            .model
            .confidence(&Features::of(&self.engine, &ranked, 0));
        Ok(ranked
            .hits
            .iter()
            .zip(ranked.score_ratios())
            .map(|(hit, ratio)| ScoredArticle {
                entry: hit.entry,
                ord: hit.ord,
                score: round(confidence * ratio),
            })
            .collect())
    }

    /// Searches a question and judges the candidates.
    fn judge(&self, question: &str, req: &AnswerRequest) -> Result<Judged> {
        let mut search = SearchRequest::new(question);
        search.limit = req.top_k.clamp(1, MAX_TOP_K).max(2);
        search.topic = req.topic.clone();
        search.deadline = req.deadline;
        search.learned = req.learned.clone();
        if req.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::DeadlineExceeded);
        }
        let ranked = self.engine.rank(&search)?;
        if ranked.fallback {
            // Articles that only share characters with the question are a
            // search-box courtesy, never an answer or a choice.
            return Ok(Judged {
                question: question.to_string(),
                candidates: Vec::new(),
                ratios: Vec::new(),
                features: Features::of(&self.engine, &ranked, usize::MAX),
            });
        }
        let top_k = req.top_k.clamp(1, MAX_TOP_K);
        // Each candidate's features once (the best one's also decide).
        let per_hit: Vec<Features> = (0..ranked.hits.len().min(top_k))
            .map(|i| Features::of(&self.engine, &ranked, i))
            .collect();
        let features = per_hit.first().copied().unwrap_or_default();
        let ratios = ranked.score_ratios().take(top_k).collect();
        let candidates = ranked
            .hits
            .iter()
            .zip(&per_hit)
            .map(|(h, f)| Candidate {
                id: h.entry.id.clone(),
                title: h.entry.title.clone(),
                confidence: round(self.policy.model.confidence(f)),
            })
            .collect();
        Ok(Judged {
            question: question.to_string(),
            candidates,
            ratios,
            features,
        })
    }

    fn respond(&self, req: &AnswerRequest, s: &mut Session) -> Result<AnswerResponse> {
        let q = req.question.trim();
        if intent::wants_human(q) {
            s.pending.clear();
            return Ok(no_answer(
                Reason::HumanRequested,
                HANDOFF_REPLY,
                0.0,
                Vec::new(),
            ));
        }
        if !s.pending.is_empty() {
            let pending = std::mem::take(&mut s.pending);
            if let Some(i) = intent::choice(q, &pending) {
                let c = &pending[i];
                if let Some(a) = self.article(&c.id) {
                    s.article = Some(a.id.clone());
                    s.step = 0;
                    return Ok(self.answered(&a, c.confidence, Reason::Clarified, pending));
                }
            }
        }
        if let Some(mv) = intent::step_move(q)
            && let Some(a) = s.article.as_deref().and_then(|id| self.article(id))
            && !a.steps().is_empty()
        {
            return Ok(self.read_step(&a, mv, s));
        }

        let mut judged = self.judge(q, req)?;
        if let Some(last) = s.last_question.clone() {
            // A follow-up leans on the last question: 那怎么取消？
            let follow_up = intent::opens_follow_up(q);
            if follow_up || judged.confidence() < self.policy.answer {
                let combined = self.judge(&format!("{last} {q}"), req)?;
                if follow_up || combined.confidence() > judged.confidence() {
                    judged = combined;
                }
            }
        }
        let response = self.decide(&judged);
        match response.status {
            Status::Answered => {
                s.last_question = Some(judged.question);
                s.article = response.answer.as_ref().map(|a| a.id.clone());
                s.step = 0;
            }
            Status::Clarify => {
                s.last_question = Some(judged.question);
                s.pending = response.candidates.clone();
            }
            Status::NoAnswer => {}
        }
        Ok(response)
    }

    fn decide(&self, j: &Judged) -> AnswerResponse {
        let p = &self.policy;
        let Some(best) = j.candidates.first() else {
            let reason = if j.features.known < p.known {
                Reason::OutOfDomain
            } else {
                Reason::LowConfidence
            };
            return no_answer(reason, reply_for(reason), 0.0, Vec::new());
        };
        let c1 = best.confidence;
        if j.features.known < p.known && c1 < p.sure {
            return no_answer(
                Reason::OutOfDomain,
                OUT_OF_DOMAIN_REPLY,
                c1,
                j.candidates.clone(),
            );
        }
        let close: Vec<Candidate> = j
            .candidates
            .iter()
            .zip(&j.ratios)
            .take(3)
            .filter(|(c, r)| **r >= p.close && c.confidence >= p.clarify)
            .map(|(c, _)| c.clone())
            .collect();
        let distinct = close.len() >= 2 && {
            let (a, b) = (title_key(&close[0].title), title_key(&close[1].title));
            a != b && !a.contains(&b) && !b.contains(&a)
        };
        // Close articles about different things: ask, unless the question
        // is exactly one of their titles.
        if distinct && c1 >= p.clarify && j.features.exact < 1.0 {
            return clarify(c1, close);
        }
        match self.article(&best.id) {
            Some(a) if c1 >= p.answer => {
                self.answered(&a, c1, Reason::ConfidentMatch, j.candidates.clone())
            }
            _ => no_answer(
                Reason::LowConfidence,
                NO_ANSWER_REPLY,
                c1,
                j.candidates.clone(),
            ),
        }
    }

    /// The article with an id, read from the index (`None` when there is
    /// none or it cannot be read, which the server log records).
    pub(crate) fn article(&self, id: &str) -> Option<Article> {
        self.engine
            .catalog()
            .article_by_id(id)
            .inspect_err(|e| tracing::error!(error = %e, id, "stored article unreadable"))
            .ok()
            .flatten()
    }

    fn body(&self, a: &Article, text: String, markdown: String, step: Option<usize>) -> AnswerBody {
        let catalog = self.engine.catalog();
        AnswerBody {
            id: a.id.clone(),
            title: a.title.clone(),
            text,
            markdown,
            steps: a.steps().to_vec(),
            step,
            url: a.url.clone(),
            breadcrumb: catalog
                .ord_of(&a.id)
                .map(|o| catalog.breadcrumb(o))
                .unwrap_or_default(),
        }
    }

    fn answered(
        &self,
        a: &Article,
        confidence: f32,
        reason: Reason,
        candidates: Vec<Candidate>,
    ) -> AnswerResponse {
        let text = compose::text(a);
        let body = self.body(a, text.clone(), compose::markdown(a), None);
        AnswerResponse {
            status: Status::Answered,
            confidence: round(confidence),
            answer: Some(body),
            reply: text,
            candidates,
            session_id: String::new(),
            handoff: false,
            reason,
        }
    }

    /// Reads out one step of the article under discussion. A move that
    /// goes nowhere (a step the article does not have, 下一步 after the last,
    /// 上一步 before the first) says so instead of reading a step again.
    fn read_step(&self, a: &Article, mv: StepMove, s: &mut Session) -> AnswerResponse {
        let steps = a.steps();
        let n = steps.len();
        let current = s.step.clamp(1, n);
        let stay = match mv {
            StepMove::Number(k) if k > n || k == 0 => Some(if s.step == 0 {
                format!("这篇文章只有 {n} 步，没有第 {k} 步。回复“第一步”从头开始。")
            } else {
                format!("这篇文章只有 {n} 步，没有第 {k} 步。回复“再说一遍”重听第 {current} 步。")
            }),
            StepMove::Next if s.step >= n => Some(format!(
                "第 {n} 步已经是最后一步了（共 {n} 步）。回复“再说一遍”重听，或者问别的问题。"
            )),
            StepMove::Previous if s.step == 1 => {
                Some("这已经是第一步了。回复“下一步”继续。".to_string())
            }
            _ => None,
        };
        if let Some(reply) = stay {
            let (text, md) = compose::step_answer(a, current - 1);
            return AnswerResponse {
                status: Status::Answered,
                confidence: 1.0,
                answer: Some(self.body(a, text, md, (s.step > 0).then_some(current))),
                reply,
                candidates: Vec::new(),
                session_id: String::new(),
                handoff: false,
                reason: Reason::Step,
            };
        }
        let target = match mv {
            StepMove::Next => s.step + 1,
            StepMove::Previous => s.step.saturating_sub(1).max(1),
            StepMove::Repeat => s.step.max(1),
            StepMove::Number(k) => k,
        }
        .clamp(1, n);
        s.step = target;
        let (text, md) = compose::step_answer(a, target - 1);
        AnswerResponse {
            status: Status::Answered,
            confidence: 1.0,
            answer: Some(self.body(a, text.clone(), md, Some(target))),
            reply: text,
            candidates: Vec::new(),
            session_id: String::new(),
            handoff: false,
            reason: Reason::Step,
        }
    }
}

/// What the answer engine does with a set of labelled questions, each asked
/// in a fresh conversation.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Outcomes {
    /// Answerable questions answered with a right article.
    pub answered_right: usize,
    /// Answerable questions answered with a wrong article.
    pub answered_wrong: usize,
    /// Answerable questions clarified, a right article among the choices.
    pub clarified_with_right: usize,
    /// Answerable questions clarified without a right article.
    pub clarified_without: usize,
    /// Answerable questions handed over.
    pub handed_over: usize,
    /// Unanswerable questions answered anyway.
    pub unanswerable_answered: usize,
    /// Unanswerable questions clarified.
    pub unanswerable_clarified: usize,
    /// Unanswerable questions handed over (what should happen).
    pub unanswerable_handed_over: usize,
}

impl Outcomes {
    /// Adds the outcomes of `queries` on `answerer`.
    pub fn add(&mut self, answerer: &Answerer, queries: &[crate::eval::EvalQuery]) -> Result<()> {
        for q in queries {
            let r = answerer.answer(&AnswerRequest {
                question: q.q.clone(),
                top_k: DEFAULT_TOP_K,
                ..Default::default()
            })?;
            let right = |id: &str| {
                answerer.article(id).is_some_and(|a| {
                    crate::eval::matches_entry(&a.id, &a.corpus, &a.path, &q.relevant)
                })
            };
            let counter = match (q.relevant.is_empty(), r.status) {
                (false, Status::Answered) => match &r.answer {
                    Some(a) if right(&a.id) => &mut self.answered_right,
                    _ => &mut self.answered_wrong,
                },
                (false, Status::Clarify) => {
                    if r.candidates.iter().any(|c| right(&c.id)) {
                        &mut self.clarified_with_right
                    } else {
                        &mut self.clarified_without
                    }
                }
                (false, Status::NoAnswer) => &mut self.handed_over,
                (true, Status::Answered) => &mut self.unanswerable_answered,
                (true, Status::Clarify) => &mut self.unanswerable_clarified,
                (true, Status::NoAnswer) => &mut self.unanswerable_handed_over,
            };
            *counter += 1;
        }
        Ok(())
    }
}

fn reply_for(reason: Reason) -> &'static str {
    match reason {
        Reason::OutOfDomain => OUT_OF_DOMAIN_REPLY,
        Reason::HumanRequested => HANDOFF_REPLY,
        _ => NO_ANSWER_REPLY,
    }
}

fn round(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

fn no_answer(
    reason: Reason,
    reply: &str,
    confidence: f32,
    candidates: Vec<Candidate>,
) -> AnswerResponse {
    AnswerResponse {
        status: Status::NoAnswer,
        confidence: round(confidence),
        answer: None,
        reply: reply.to_string(),
        candidates,
        session_id: String::new(),
        handoff: true,
        reason,
    }
}

fn clarify(confidence: f32, choices: Vec<Candidate>) -> AnswerResponse {
    let list = choices
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{}. {}", i + 1, c.title))
        .collect::<Vec<_>>()
        .join("\n");
    AnswerResponse {
        status: Status::Clarify,
        confidence: round(confidence),
        answer: None,
        reply: format!("您想问的是：\n{list}\n请回复序号或标题。"),
        candidates: choices,
        session_id: String::new(),
        handoff: false,
        reason: Reason::Ambiguous,
    }
}
