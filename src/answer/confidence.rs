//! How sure wenda is that its best article answers the question: a
//! logistic model over a few corpus-independent features of the ranking,
//! fitted on labelled dev questions (`wenda calibrate`).

use std::collections::HashSet;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use crate::analysis::pinyin;
use crate::analysis::terms::QUESTION_WORDS;

use crate::search::query::TermSource;
use crate::search::{Engine, Ranked};

/// What the model looks at, each between 0 and 1.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Features {
    /// Share of the question (by rarity) the best title or question covers.
    pub title_coverage: f32,
    /// Share of the best title the question covers.
    pub title_precision: f32,
    /// The question is the best article's title or one of its questions.
    pub exact: f32,
    /// How far the best score is ahead of the second: (s1 − s2) / s1.
    pub lead: f32,
    /// Share of the question's words (by rarity) the corpus knows at all.
    pub known: f32,
    /// Share of the question's words (by rarity) found in the best article.
    pub matched: f32,
}

impl Features {
    /// The features as a vector, in model order.
    pub fn to_vec(self) -> [f32; 6] {
        [
            self.title_coverage,
            self.title_precision,
            self.exact,
            self.lead,
            self.known,
            self.matched,
        ]
    }

    /// Features of the `i`th hit of a ranking (0 for the best). `lead` is
    /// measured against the hit after it.
    pub fn of(engine: &Engine, ranked: &Ranked<'_>, i: usize) -> Features {
        let Some(hit) = ranked.hits.get(i) else {
            return Features::default();
        };
        let s1 = hit.factors.score;
        let s2 = ranked.hits.get(i + 1).map_or(0.0, |h| h.factors.score);
        let lead = if s1 > 0.0 {
            ((s1 - s2) / s1).clamp(0.0, 1.0)
        } else {
            0.0
        };
        let seen: Vec<(Option<f32>, bool)> = Seen::of(engine, ranked, i)
            .into_iter()
            .map(|c| (c.weight, c.found))
            .collect();
        // A word the corpus never uses weighs like the heaviest word of the
        // question it does use (or the rarest word there is, when it uses
        // none): a colloquial 删不掉 beside 网关 is not a sign of another
        // subject the way 天气 alone is.
        let unknown = seen
            .iter()
            .filter_map(|(w, _)| *w)
            .fold(None, |m: Option<f32>, w| Some(m.map_or(w, |m| m.max(w))))
            .unwrap_or_else(|| max_idf(engine));
        let (mut total, mut known, mut matched) = (0.0f32, 0.0f32, 0.0f32);
        for (weight, found) in seen {
            let w = weight.unwrap_or(unknown);
            total += w;
            if weight.is_some() {
                known += w;
            }
            if found {
                matched += w;
            }
        }
        let share = |x: f32| if total > 0.0 { x / total } else { 0.0 };
        Features {
            title_coverage: hit.factors.title_coverage,
            title_precision: hit.factors.title_precision,
            exact: f32::from(u8::from(hit.factors.exact_match)),
            lead,
            known: share(known),
            matched: share(matched),
        }
    }
}

/// One concept the user typed, as the confidence model reads it against a
/// hit.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Seen {
    /// The word as typed.
    pub word: String,
    /// Its weight (the rarity of its rarest-known alternative), when the
    /// corpus knows it at all.
    pub weight: Option<f32>,
    /// The hit has one of its alternatives (all of that alternative's words).
    pub found: bool,
}

impl Seen {
    /// The concepts the user typed (or that pinyin was read as), against the
    /// `i`th hit. Latin words read as pinyin count through what they were
    /// read as, not as words the corpus does not know; a word of several
    /// syllables the reading skipped stays unknown.
    pub fn of(engine: &Engine, ranked: &Ranked<'_>, i: usize) -> Vec<Seen> {
        let Some(hit) = ranked.hits.get(i) else {
            return Vec::new();
        };
        let title = &hit.entry.search_title;
        // An unreadable body counts as matching nothing.
        let body = engine.catalog().body(hit.ord).ok();
        let body = body.as_ref().map_or("", |b| b.norm.text.as_str());
        let in_article = |w: &str| title.contains(w) || body.contains(w);
        let read_as_pinyin: Vec<&str> = ranked
            .plan
            .corrections
            .iter()
            .filter(|c| c.from.bytes().all(|b| b.is_ascii_lowercase() || b == b' '))
            .flat_map(|c| {
                // A reading skips letters it cannot read; a word of several
                // syllables it skipped (`dai jin quan bingxiang`: 冰箱 is
                // not in the corpus) is still a word the corpus does not
                // know. Lone syllables (`le`) and question words (`zenme`)
                // are what a reading may skip.
                let reading = pinyin::key(&c.to).unwrap_or_default();
                c.from.split(' ').filter(move |w| {
                    reading.contains(w) || pinyin::is_syllable(w) || asks_in_pinyin(w)
                })
            })
            .collect();
        let mut out = Vec::new();
        for c in &ranked.plan.concepts {
            let typed = &c.alternatives[0];
            if !matches!(typed.source, TermSource::Typed | TermSource::Pinyin) {
                continue;
            }
            let weight = c
                .alternatives
                .iter()
                .flat_map(|a| a.words.iter())
                .map(|w| engine.idf(w))
                .filter(|w| *w > 0.0)
                .fold(None, |m: Option<f32>, w| Some(m.map_or(w, |m| m.min(w))));
            if weight.is_none()
                && typed.source == TermSource::Typed
                && typed
                    .words
                    .iter()
                    .all(|w| read_as_pinyin.contains(&w.as_str()))
            {
                continue;
            }
            // A lone ideograph the plan added (删 of 删不掉, 改 of 修改) sits
            // somewhere in almost any text: not a sign the article has it.
            let lone = |a: &&crate::search::query::Alternative| {
                a.source != TermSource::Typed
                    && matches!(a.words.as_slice(), [w] if w.chars().count() == 1)
            };
            let found = c
                .alternatives
                .iter()
                .filter(|a| !lone(a))
                .any(|a| a.words.iter().all(|w| in_article(w)));
            out.push(Seen {
                word: typed.words.concat(),
                weight,
                found,
            });
        }
        out
    }
}

/// Whether Latin letters spell a question word (`zenme`, `ruhe`).
fn asks_in_pinyin(letters: &str) -> bool {
    static KEYS: LazyLock<HashSet<String>> = LazyLock::new(|| {
        QUESTION_WORDS
            .iter()
            .filter_map(|w| pinyin::key(w))
            .collect()
    });
    KEYS.contains(letters)
}

fn max_idf(engine: &Engine) -> f32 {
    crate::analysis::terms::idf(1, engine.catalog().len().max(1) as u64)
}

/// Logistic model: `confidence = σ(bias + Σ weights·features)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    /// Intercept.
    pub bias: f32,
    /// One weight per feature, in [`Features::to_vec`] order.
    pub weights: [f32; 6],
}

/// The model wenda ships, fitted by `scripts/calibrate.sh` on the dev
/// question sets of the bundled corpus and the ECS, ELB, NAT and MRS guides
/// (answerable and unanswerable); see the README for its precision and
/// coverage. It was fitted before Latin words read as pinyin counted as
/// known words; `calibrate.sh` refits it on the current features, and that
/// refit answers no more questions right on those sets, so it is not shipped.
pub const DEFAULT_MODEL: Model = Model {
    bias: -3.469,
    weights: [0.652, 1.939, 0.334, 2.128, 1.090, 2.737],
};

impl Default for Model {
    fn default() -> Self {
        DEFAULT_MODEL
    }
}

fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + (-x).exp())
}

impl Model {
    /// Confidence (0..1) for these features.
    pub fn confidence(&self, f: &Features) -> f32 {
        let x = f
            .to_vec()
            .iter()
            .zip(&self.weights)
            .map(|(a, b)| a * b)
            .sum::<f32>()
            + self.bias;
        sigmoid(x)
    }

    /// Fits the model to labelled examples by gradient descent on the log
    /// loss with a little L2 regularisation.
    pub fn fit(examples: &[(Features, bool)]) -> Model {
        let mut m = Model {
            bias: 0.0,
            weights: [0.0; 6],
        };
        if examples.is_empty() {
            return m;
        }
        let n = examples.len() as f32;
        let (rate, l2) = (0.5f32, 1e-3f32);
        for _ in 0..5000 {
            let mut gb = 0.0f32;
            let mut gw = [0.0f32; 6];
            for (f, label) in examples {
                let err = m.confidence(f) - f32::from(u8::from(*label));
                gb += err;
                for (g, x) in gw.iter_mut().zip(f.to_vec()) {
                    *g += err * x;
                }
            }
            m.bias -= rate * gb / n;
            for (w, g) in m.weights.iter_mut().zip(gw) {
                *w -= rate * (g / n + l2 * *w);
            }
        }
        m
    }
}

/// Precision and coverage of answering at one threshold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Operating {
    /// Answer when confidence is at least this.
    pub threshold: f32,
    /// Of the questions answered, the share answered with a right article.
    pub precision: f32,
    /// Of the answerable questions, the share answered with a right article.
    pub coverage: f32,
    /// Of the unanswerable questions, the share wrongly answered.
    pub false_answers: f32,
}

/// One labelled question: its features, whether the best article is
/// right, and whether the corpus answers it at all.
#[derive(Debug, Clone, PartialEq)]
pub struct Example {
    /// Features of the best hit.
    pub features: Features,
    /// The best hit is a right answer.
    pub correct: bool,
    /// The question has an answer in the corpus.
    pub answerable: bool,
}

/// Precision, coverage and false answers of a model at each threshold.
pub fn operating_points(model: &Model, examples: &[Example], thresholds: &[f32]) -> Vec<Operating> {
    let answerable = examples.iter().filter(|e| e.answerable).count().max(1) as f32;
    let unanswerable = examples.iter().filter(|e| !e.answerable).count().max(1) as f32;
    thresholds
        .iter()
        .map(|&t| {
            let answered: Vec<&Example> = examples
                .iter()
                .filter(|e| model.confidence(&e.features) >= t)
                .collect();
            let right = answered.iter().filter(|e| e.correct).count() as f32;
            let wrong_unanswerable = answered.iter().filter(|e| !e.answerable).count() as f32;
            Operating {
                threshold: t,
                precision: if answered.is_empty() {
                    1.0
                } else {
                    right / answered.len() as f32
                },
                coverage: right / answerable,
                false_answers: wrong_unanswerable / unanswerable,
            }
        })
        .collect()
}

/// A model fitted on labelled questions, with its precision, coverage and
/// false answers at each threshold beside those of the shipped model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Questions fitted on.
    pub examples: usize,
    /// Of those, the ones the corpus answers.
    pub answerable: usize,
    /// The fitted model.
    pub fitted: Model,
    /// The fitted model at each of [`thresholds`].
    pub fitted_points: Vec<Operating>,
    /// The model wenda ships.
    pub shipped: Model,
    /// The shipped model at each of [`thresholds`].
    pub shipped_points: Vec<Operating>,
}

/// The thresholds calibration reports on: 0.05 to 0.95 in steps of 0.05.
pub fn thresholds() -> Vec<f32> {
    (1..=19).map(|i| i as f32 * 0.05).collect()
}

/// Fits a model on `examples` and measures it and the shipped one.
pub fn calibrate(examples: &[Example]) -> Calibration {
    let training: Vec<_> = examples.iter().map(|e| (e.features, e.correct)).collect();
    let fitted = Model::fit(&training);
    let thresholds = thresholds();
    Calibration {
        examples: examples.len(),
        answerable: examples.iter().filter(|e| e.answerable).count(),
        fitted_points: operating_points(&fitted, examples, &thresholds),
        fitted,
        shipped: DEFAULT_MODEL,
        shipped_points: operating_points(&DEFAULT_MODEL, examples, &thresholds),
    }
}

/// Labelled examples from a query file on an engine: each question's
/// best hit, whether it is right, whether the question is answerable.
pub fn examples(
    engine: &Engine,
    queries: &[crate::eval::EvalQuery],
) -> crate::Result<Vec<Example>> {
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let mut req = crate::search::SearchRequest::new(q.q.clone());
        req.limit = 2;
        let ranked = engine.rank(&req)?;
        let correct = ranked.hits.first().is_some_and(|h| {
            crate::eval::matches_entry(&h.entry.id, &h.entry.corpus, &h.entry.path, &q.relevant)
        });
        out.push(Example {
            features: Features::of(engine, &ranked, 0),
            correct,
            answerable: !q.relevant.is_empty(),
        });
    }
    Ok(out)
}

/// One question as `wenda calibrate --rows` writes it: what the policy saw
/// and what it did.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    /// The question.
    pub q: String,
    /// The corpus answers it.
    pub answerable: bool,
    /// Features of the best hits, in rank order (at most five).
    pub features: Vec<Features>,
    /// Their confidence under the answerer's model.
    pub confidence: Vec<f32>,
    /// Each of those hits' score as a share of the best one's.
    pub ratios: Vec<f32>,
    /// Whether each of those hits is right.
    pub correct: Vec<bool>,
    /// Their titles.
    pub titles: Vec<String>,
    /// Their retrieval scores (before the rerank).
    pub retrieval: Vec<f32>,
    /// The share of the question one passage of each holds together (0
    /// also where it was not read: past the first candidates by retrieval,
    /// on a fallback, or for a question of fewer than two known words).
    pub proximity: Vec<f32>,
    /// The typed concepts against the best hit.
    pub concepts: Vec<Seen>,
    /// Only the single-character fallback matched.
    pub fallback: bool,
    /// What the shipped policy did (`answered`, `clarify`, `no_answer`).
    pub status: &'static str,
    /// Why.
    pub reason: super::Reason,
    /// The shipped policy's answer or choices are right.
    pub status_right: bool,
}

/// What the policy sees and does with each labelled question.
pub fn rows(
    answerer: &super::Answerer,
    queries: &[crate::eval::EvalQuery],
) -> crate::Result<Vec<Row>> {
    let engine = answerer.engine();
    let mut out = Vec::with_capacity(queries.len());
    for q in queries {
        let mut req = crate::search::SearchRequest::new(q.q.clone());
        req.limit = 5;
        let ranked = engine.rank(&req)?;
        let right = |id: &str, corpus: &str, path: &str| {
            crate::eval::matches_entry(id, corpus, path, &q.relevant)
        };
        let r = answerer.answer(&super::AnswerRequest {
            question: q.q.clone(),
            top_k: super::DEFAULT_TOP_K,
            ..Default::default()
        })?;
        let right_id = |id: &str| {
            answerer
                .article(id)
                .is_some_and(|a| right(&a.id, &a.corpus, &a.path))
        };
        let status_right = match &r.answer {
            Some(a) => right_id(&a.id),
            None => r.candidates.iter().any(|c| right_id(&c.id)),
        };
        let features: Vec<Features> = (0..ranked.hits.len())
            .map(|i| Features::of(engine, &ranked, i))
            .collect();
        out.push(Row {
            q: q.q.clone(),
            answerable: !q.relevant.is_empty(),
            confidence: features
                .iter()
                .map(|f| answerer.policy().model.confidence(f))
                .collect(),
            features,
            ratios: ranked.score_ratios().collect(),
            correct: ranked
                .hits
                .iter()
                .map(|h| right(&h.entry.id, &h.entry.corpus, &h.entry.path))
                .collect(),
            titles: ranked.hits.iter().map(|h| h.entry.title.clone()).collect(),
            retrieval: ranked.hits.iter().map(|h| h.factors.retrieval).collect(),
            proximity: ranked.hits.iter().map(|h| h.factors.proximity).collect(),
            concepts: Seen::of(engine, &ranked, 0),
            fallback: ranked.fallback,
            status: r.status.as_str(),
            reason: r.reason,
            status_right,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_words_are_known_in_pinyin() {
        for w in ["zenme", "ruhe", "le", "ma"] {
            assert!(asks_in_pinyin(w), "{w}");
        }
        for w in ["bingxiang", "daijinquan", "", "qzxv"] {
            assert!(!asks_in_pinyin(w), "{w}");
        }
    }

    fn f(matched: f32, known: f32) -> Features {
        Features {
            matched,
            known,
            ..Features::default()
        }
    }

    #[test]
    fn fitting_separates_separable_examples() {
        let examples: Vec<(Features, bool)> = (0..20)
            .map(|i| {
                let good = i % 2 == 0;
                let x = if good { 0.9 } else { 0.1 };
                (f(x, x), good)
            })
            .collect();
        let m = Model::fit(&examples);
        assert!(m.confidence(&f(0.9, 0.9)) > 0.8);
        assert!(m.confidence(&f(0.1, 0.1)) < 0.2);
    }

    #[test]
    fn operating_points_count_precision_coverage_and_false_answers() {
        let m = Model {
            bias: 0.0,
            weights: [0.0, 0.0, 0.0, 0.0, 0.0, 10.0],
        };
        let ex = |matched: f32, correct: bool, answerable: bool| Example {
            features: f(matched, 1.0),
            correct,
            answerable,
        };
        let examples = vec![
            ex(0.9, true, true),
            ex(0.8, false, true),
            ex(0.1, false, true),
            ex(0.7, false, false),
            ex(0.0, false, false),
        ];
        let p = &operating_points(&m, &examples, &[0.99])[0];
        // Answered: 0.9 (right), 0.8 (wrong), 0.7 (unanswerable).
        assert!((p.precision - 1.0 / 3.0).abs() < 1e-6);
        assert!((p.coverage - 1.0 / 3.0).abs() < 1e-6);
        assert!((p.false_answers - 0.5).abs() < 1e-6);
    }
}
