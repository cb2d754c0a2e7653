//! Questions learned from use: what people asked before a helpful answer
//! or a click on an article becomes more text of that article, so that the
//! next person who asks it in their own words finds it. Learned questions
//! weigh less than the questions written in the articles, are capped per
//! article, can be forgotten one by one, and change nothing in the index:
//! the running server applies them at query time.
//!
//! An unhelpful answer lowers that question → article pair.

use std::collections::{HashMap, HashSet};

use serde::Serialize;

use crate::analysis::normalize_str;

/// Learned questions kept per article (the most used, then the newest).
pub const MAX_PER_ARTICLE: usize = 20;
/// Longest question learned, in characters (longer ones are not questions).
pub const MAX_QUESTION_CHARS: usize = 200;

/// Clients clicking one article for one question before the clicks count.
pub const MIN_CLICKS: u32 = 2;
/// Learned questions stored per article (the best [`MAX_PER_ARTICLE`] of
/// them are used); the weakest, then the oldest, make room.
pub const MAX_STORED_PER_ARTICLE: usize = 100;
/// Learned questions stored in all.
pub const MAX_STORED: usize = 20_000;
/// Clients remembered per question and signal (enough to count a few
/// voices; more add nothing to the strength).
const MAX_CLIENTS: usize = 16;

/// What use said about a question and an article.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The answer helped (`POST /api/feedback` with `helpful: true`).
    Helpful,
    /// The answer did not help.
    Unhelpful,
    /// The article was opened from the results of this search.
    Click,
}

/// One question learned for one article.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct LearnedQuestion {
    /// Stable id (from the article and the normalised question), for
    /// `wenda learned --forget`.
    pub id: String,
    /// The article.
    pub article_id: String,
    /// The question as first asked.
    pub question: String,
    /// Helpful answers.
    pub helpful: u32,
    /// Unhelpful answers.
    pub unhelpful: u32,
    /// Clicks from search results.
    pub clicks: u32,
    /// Different clients who said it helped.
    pub helpful_clients: u32,
    /// Different clients who clicked it.
    pub click_clients: u32,
    /// When it was last used (milliseconds since the epoch).
    pub last_ms: u64,
}

impl LearnedQuestion {
    /// How much the evidence says the article answers the question, 0..1:
    /// one helpful answer is half, two are three quarters; a click counts
    /// half a helpful answer.
    pub fn strength(&self) -> f32 {
        // People, not requests: one client saying it a hundred times is
        // one voice. One click may be a slip: clicks count from the second
        // client on.
        let clicks = if self.click_clients >= MIN_CLICKS {
            self.click_clients
        } else {
            0
        };
        let n = self.helpful_clients as f32 + 0.5 * clicks as f32;
        1.0 - 0.5f32.powf(n)
    }

    /// How many said something about it, counting people (unhelpful
    /// answers are not tied to a client; at most [`MAX_CLIENTS`] count):
    /// what decides which questions are kept, so repeating oneself does
    /// not push other people's questions out.
    pub fn voices(&self) -> u32 {
        self.helpful_clients + self.click_clients + self.unhelpful.min(MAX_CLIENTS as u32)
    }

    /// Whether only unhelpful answers were seen.
    pub fn negative(&self) -> bool {
        self.unhelpful > 0 && self.helpful == 0 && self.clicks == 0
    }
}

/// A question as learning keeps it: its text, content, and words with
/// weights (see [`Learned::record`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Learnable {
    /// The question as asked.
    pub text: String,
    /// Its content, question words left out, spaces removed.
    pub content: String,
    /// Its words and the other ways of saying them, with weights.
    pub words: HashMap<String, f32>,
}

/// One use read back from the logs (see [`Learned::from_uses`]).
#[derive(Debug, Clone)]
pub struct Use {
    /// The question as the engine plans it.
    pub question: Learnable,
    /// The article.
    pub article_id: String,
    /// What the user did.
    pub signal: Signal,
    /// Who (a client key; empty when unknown).
    pub client: String,
    /// When.
    pub ts_ms: u64,
}

/// What identifies a question: its content, so that the same question asked
/// with other particles or punctuation (“PO撤回吗？”) is the same question;
/// its normalised text when it has no content words.
fn question_key(text: &str, content: &str) -> String {
    if content.is_empty() {
        normalize_str(text)
    } else {
        content.to_string()
    }
}

/// The stable id of a question learned for an article.
pub fn question_id(article_id: &str, normalised: &str) -> String {
    let h = crate::analysis::fnv1a(article_id.bytes().chain([0]).chain(normalised.bytes()));
    format!("{h:016x}")
}

#[derive(Debug, Clone)]
struct Entry {
    q: LearnedQuestion,
    /// Its content (question words left out, spaces removed).
    content: String,
    /// What it says: each word (and each other way of saying it) with the
    /// weight the planner gives it.
    words: HashMap<String, f32>,
    /// Clients who said it helped, and who clicked it.
    helpful_by: HashSet<String>,
    clicks_by: HashSet<String>,
}

/// Learned questions, with an index from words to the questions using them.
#[derive(Debug, Clone, Default)]
pub struct Learned {
    entries: Vec<Entry>,
    by_key: HashMap<(String, String), usize>,
    forgotten: HashSet<String>,
    postings: HashMap<String, Vec<usize>>,
    /// The entries in use (see [`Learned::list`]), kept up to date by
    /// every change so that searches only read it.
    kept: Vec<usize>,
    /// Per entry, whether it is in `kept`.
    used: Vec<bool>,
}

/// A learned question that matches a query.
#[derive(Debug, Clone, PartialEq)]
pub struct LearnedMatch {
    /// The article.
    pub article_id: String,
    /// How much of the learned question's words the query has, weighted by
    /// the rarity the caller gives (0..1), times its strength.
    pub score: f32,
    /// The query is the learned question itself (question words aside).
    pub exact: bool,
    /// Use said this article does not answer it.
    pub negative: bool,
}

impl Learned {
    /// Folds one use into the store (`ts_ms` when it happened). `words`
    /// are what the question says (its words and the other ways of saying
    /// them, as the engine plans it: [`crate::search::Engine::learnable`]),
    /// `content` its content with spaces removed.
    pub fn record(
        &mut self,
        question: &Learnable,
        article_id: &str,
        signal: Signal,
        client: &str,
        ts_ms: u64,
    ) {
        self.add(question, article_id, signal, client, ts_ms);
        self.keep();
    }

    /// What was learned from a log: questions forgotten by hand, then every
    /// use in order (the kept set is worked out once, at the end).
    pub fn from_uses(
        forgotten: impl IntoIterator<Item = String>,
        uses: impl IntoIterator<Item = Use>,
    ) -> Learned {
        let mut l = Learned::default();
        l.forgotten.extend(forgotten);
        for u in uses {
            l.add(&u.question, &u.article_id, u.signal, &u.client, u.ts_ms);
        }
        l.keep();
        l
    }

    fn add(
        &mut self,
        question: &Learnable,
        article_id: &str,
        signal: Signal,
        client: &str,
        ts_ms: u64,
    ) {
        let query = question.text.trim();
        if query.is_empty() || query.chars().count() > MAX_QUESTION_CHARS || article_id.is_empty() {
            return;
        }
        let norm = question_key(query, &question.content);
        let key = (article_id.to_string(), norm.clone());
        let id = question_id(article_id, &norm);
        if self.forgotten.contains(&id) {
            return;
        }
        let i = match self.by_key.get(&key) {
            Some(&i) => i,
            None => {
                self.make_room(article_id);
                self.entries.push(Entry {
                    q: LearnedQuestion {
                        id,
                        article_id: article_id.to_string(),
                        question: query.to_string(),
                        helpful: 0,
                        unhelpful: 0,
                        clicks: 0,
                        helpful_clients: 0,
                        click_clients: 0,
                        last_ms: ts_ms,
                    },
                    content: question.content.clone(),
                    words: question.words.clone(),
                    helpful_by: HashSet::new(),
                    clicks_by: HashSet::new(),
                });
                let i = self.entries.len() - 1;
                self.link(i);
                i
            }
        };
        let e = &mut self.entries[i];
        let remember = |set: &mut HashSet<String>| {
            if set.len() < MAX_CLIENTS {
                set.insert(client.to_string());
            }
            set.len() as u32
        };
        match signal {
            Signal::Helpful => {
                e.q.helpful += 1;
                e.q.helpful_clients = remember(&mut e.helpful_by);
            }
            Signal::Unhelpful => e.q.unhelpful += 1,
            Signal::Click => {
                e.q.clicks += 1;
                e.q.click_clients = remember(&mut e.clicks_by);
            }
        }
        e.q.last_ms = e.q.last_ms.max(ts_ms);
    }

    /// Before a new question of `article_id` is stored: drops the weakest,
    /// then oldest, question of that article when it has
    /// [`MAX_STORED_PER_ARTICLE`], and of all when there are [`MAX_STORED`].
    fn make_room(&mut self, article_id: &str) {
        let weakest = |entries: &[Entry], of: Option<&str>| {
            entries
                .iter()
                .enumerate()
                .filter(|(_, e)| of.is_none_or(|a| e.q.article_id == a))
                .min_by_key(|(_, e)| (e.q.voices(), e.q.last_ms))
                .map(|(i, _)| i)
        };
        let of_article = self
            .entries
            .iter()
            .filter(|e| e.q.article_id == article_id)
            .count();
        let drop = if of_article >= MAX_STORED_PER_ARTICLE {
            weakest(&self.entries, Some(article_id))
        } else if self.entries.len() >= MAX_STORED {
            weakest(&self.entries, None)
        } else {
            None
        };
        if let Some(i) = drop {
            // The last entry moves into the dropped one's place: the
            // indexes change for those two only (rebuilding them all made
            // reading a long log into a full store quadratic).
            let last = self.entries.len() - 1;
            self.relink(i, i, None);
            self.entries.swap_remove(i);
            if i != last {
                self.relink(i, last, Some(i));
            }
        }
    }

    /// The key of entry `i`.
    fn key_of(&self, i: usize) -> (String, String) {
        let e = &self.entries[i];
        (
            e.q.article_id.clone(),
            question_key(&e.q.question, &e.content),
        )
    }

    /// Indexes entry `i` by its key and words.
    fn link(&mut self, i: usize) {
        let key = self.key_of(i);
        self.by_key.insert(key, i);
        for w in self.entries[i].words.keys() {
            self.postings.entry(w.clone()).or_default().push(i);
        }
    }

    /// Moves the index entries of the entry now at `at` from index `from`
    /// to `to`, or removes them.
    fn relink(&mut self, at: usize, from: usize, to: Option<usize>) {
        let key = self.key_of(at);
        match to {
            Some(to) => {
                self.by_key.insert(key, to);
            }
            None => {
                self.by_key.remove(&key);
            }
        }
        for w in self.entries[at].words.keys() {
            if let Some(list) = self.postings.get_mut(w) {
                match to {
                    Some(to) => list
                        .iter_mut()
                        .filter(|x| **x == from)
                        .for_each(|x| *x = to),
                    None => list.retain(|x| *x != from),
                }
                if list.is_empty() {
                    self.postings.remove(w);
                }
            }
        }
    }

    /// Forgets a learned question by id; later uses of the same question
    /// for the same article are not learned again. Whether it was known.
    pub fn forget(&mut self, id: &str) -> bool {
        self.forgotten.insert(id.to_string());
        self.keep();
        self.entries.iter().any(|e| e.q.id == id)
    }

    /// The learned questions in use, per article at most
    /// [`MAX_PER_ARTICLE`] (the most used, then the newest first).
    pub fn list(&self) -> Vec<LearnedQuestion> {
        self.kept
            .iter()
            .map(|&i| self.entries[i].q.clone())
            .collect()
    }

    /// Number of learned questions in use.
    pub fn len(&self) -> usize {
        self.kept.len()
    }

    /// Whether nothing is learned.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Works out the entries in use again.
    fn keep(&mut self) {
        self.kept = self.in_use();
        self.used = vec![false; self.entries.len()];
        for &i in &self.kept {
            self.used[i] = true;
        }
    }

    fn in_use(&self) -> Vec<usize> {
        let mut by_article: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, e) in self.entries.iter().enumerate() {
            if !self.forgotten.contains(&e.q.id) {
                by_article.entry(&e.q.article_id).or_default().push(i);
            }
        }
        let mut out = Vec::new();
        for (_, mut v) in by_article {
            v.sort_by(|&a, &b| {
                let (x, y) = (&self.entries[a].q, &self.entries[b].q);
                y.voices().cmp(&x.voices()).then(y.last_ms.cmp(&x.last_ms))
            });
            v.truncate(MAX_PER_ARTICLE);
            out.extend(v);
        }
        out.sort_unstable();
        out
    }

    /// The learned questions a query matches, best per article. `words`
    /// are the query's words (as typed, with their alternatives) with
    /// weights; `content` its content with spaces removed; `weight` the
    /// rarity of a word in the corpus (a word the corpus lacks counts as
    /// the rarest).
    pub fn matches(
        &self,
        words: &[(String, f32)],
        content: &str,
        weight: &dyn Fn(&str) -> f32,
    ) -> Vec<LearnedMatch> {
        if self.entries.is_empty() || words.is_empty() {
            return Vec::new();
        }

        let mut touched: HashSet<usize> = HashSet::new();
        for (w, _) in words {
            for &i in self.postings.get(w).into_iter().flatten() {
                if self.used.get(i).copied().unwrap_or(false) {
                    touched.insert(i);
                }
            }
        }
        let mut best: HashMap<&str, LearnedMatch> = HashMap::new();
        for i in touched {
            let e = &self.entries[i];
            // Share of what the learned question says (its typed words,
            // by rarity) that the query says too, in any of the ways either
            // of them can be said.
            let total: f32 = e
                .words
                .iter()
                .filter(|(_, lw)| **lw >= 1.0)
                .map(|(w, _)| weight(w))
                .sum();
            if total <= 0.0 {
                continue;
            }
            let mut matched = 0.0f32;
            for (w, lw) in &e.words {
                let got = words
                    .iter()
                    .filter(|(qw, _)| qw == w)
                    .map(|(_, qweight)| *qweight)
                    .fold(0.0f32, f32::max);
                matched += (got * lw).min(1.0) * weight(w);
            }
            let exact = !content.is_empty() && e.content == content;
            let negative = e.q.negative();
            let score = (matched / total).min(1.0)
                * if negative {
                    1.0 - 0.5f32.powf(e.q.unhelpful as f32)
                } else {
                    e.q.strength()
                };
            let m = LearnedMatch {
                article_id: e.q.article_id.clone(),
                score,
                exact,
                negative,
            };
            let slot = best.entry(&e.q.article_id).or_insert_with(|| m.clone());
            if (m.score, m.exact) > (slot.score, slot.exact) {
                *slot = m;
            }
        }
        let mut out: Vec<LearnedMatch> = best.into_values().filter(|m| m.score > 0.0).collect();
        out.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then(a.article_id.cmp(&b.article_id))
        });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::Analyzer;
    use crate::analysis::terms::is_question_word;

    fn words(a: &Analyzer, q: &str) -> Vec<(String, f32)> {
        a.tokens(q)
            .into_iter()
            .map(|t| (t.text, 1.0))
            .filter(|(w, _)| !is_question_word(w))
            .collect()
    }

    fn learnable(a: &Analyzer, q: &str) -> Learnable {
        Learnable {
            text: q.to_string(),
            content: a
                .tokens(q)
                .into_iter()
                .filter(|t| t.main && !is_question_word(&t.text))
                .map(|t| t.text)
                .collect(),
            words: words(a, q).into_iter().collect(),
        }
    }

    #[test]
    fn a_helpful_answer_teaches_the_question_to_its_article() {
        let a = Analyzer::default();
        let mut l = Learned::default();
        l.record(
            &learnable(&a, "负载均衡的探测能停吗"),
            "close-health-check",
            Signal::Helpful,
            "c1",
            1,
        );
        let one = |w: &str| if w.is_empty() { 0.0 } else { 1.0 };
        let m = l.matches(&words(&a, "怎么停掉负载均衡的探测"), "", &one);
        assert_eq!(m[0].article_id, "close-health-check");
        assert!((0.0..=0.5).contains(&m[0].score), "{m:?}");
        // A second person's helpful answer makes it stronger.
        l.record(
            &learnable(&a, "负载均衡的探测能停吗"),
            "close-health-check",
            Signal::Helpful,
            "c2",
            2,
        );
        let stronger = l.matches(&words(&a, "怎么停掉负载均衡的探测"), "", &one);
        assert!(stronger[0].score > m[0].score);
        assert!(l.matches(&words(&a, "证书格式"), "", &one).is_empty());
    }

    #[test]
    fn unhelpful_answers_mark_the_pair_and_forgetting_sticks() {
        let a = Analyzer::default();
        let mut l = Learned::default();
        l.record(
            &learnable(&a, "发票抬头"),
            "vouchers",
            Signal::Unhelpful,
            "c1",
            1,
        );
        let one = |_: &str| 1.0;
        let m = l.matches(&words(&a, "发票抬头"), "发票抬头", &one);
        assert!(m[0].negative && m[0].exact);
        let id = l.list()[0].id.clone();
        assert!(l.forget(&id));
        assert!(l.is_empty());
        l.record(
            &learnable(&a, "发票抬头"),
            "vouchers",
            Signal::Helpful,
            "c1",
            2,
        );
        assert!(l.is_empty(), "a forgotten question is not learned again");
    }

    #[test]
    fn each_article_keeps_its_most_used_questions() {
        let a = Analyzer::default();
        let mut l = Learned::default();
        for i in 0..(MAX_PER_ARTICLE + 5) {
            l.record(
                &learnable(&a, &format!("问题{i}号")),
                "x",
                Signal::Click,
                "c1",
                i as u64,
            );
        }
        l.record(&learnable(&a, "问题0号"), "x", Signal::Helpful, "c1", 100);
        let kept = l.list();
        assert_eq!(kept.len(), MAX_PER_ARTICLE);
        assert!(kept.iter().any(|q| q.question == "问题0号"));
    }

    #[test]
    fn one_click_is_not_yet_evidence_two_are() {
        let q = |clients| LearnedQuestion {
            id: String::new(),
            question: String::new(),
            article_id: String::new(),
            helpful: 0,
            unhelpful: 0,
            clicks: 40,
            helpful_clients: 0,
            click_clients: clients,
            last_ms: 0,
        };
        assert_eq!(q(1).strength(), 0.0);
        assert!(q(MIN_CLICKS).strength() > 0.0);
        assert!(q(MIN_CLICKS + 1).strength() > q(MIN_CLICKS).strength());
    }

    #[test]
    fn one_client_saying_it_again_and_again_is_one_voice() {
        let a = Analyzer::default();
        let mut l = Learned::default();
        for t in 0..50 {
            l.record(
                &learnable(&a, "发票抬头"),
                "vouchers",
                Signal::Helpful,
                "c1",
                t,
            );
        }
        let once = l.list()[0].strength();
        assert_eq!(l.list()[0].helpful, 50);
        assert_eq!(l.list()[0].helpful_clients, 1);
        l.record(
            &learnable(&a, "发票抬头"),
            "vouchers",
            Signal::Helpful,
            "c2",
            51,
        );
        assert!(l.list()[0].strength() > once);
        // The same question with other particles is the same question.
        l.record(
            &learnable(&a, "发票抬头吗？"),
            "vouchers",
            Signal::Helpful,
            "c3",
            52,
        );
        assert_eq!(l.list().len(), 1, "{:?}", l.list());
    }

    #[test]
    fn storage_is_bounded_per_article() {
        let a = Analyzer::default();
        let mut l = Learned::default();
        for i in 0..(MAX_STORED_PER_ARTICLE + 50) {
            let q = format!("问题{i}号");
            l.record(&learnable(&a, &q), "x", Signal::Click, "c1", i as u64);
        }
        assert!(l.entries.len() <= MAX_STORED_PER_ARTICLE);
        assert_eq!(l.by_key.len(), l.entries.len());
        assert!(l.postings.values().flatten().all(|&i| i < l.entries.len()));
        // The indexes moved with the entries: each entry is found by its
        // key and words where it now is, and only there.
        for (i, e) in l.entries.iter().enumerate() {
            assert_eq!(l.by_key[&l.key_of(i)], i);
            assert!(e.words.keys().all(|w| l.postings[w].contains(&i)));
        }
        let linked: usize = l.postings.values().map(Vec::len).sum();
        let words: usize = l.entries.iter().map(|e| e.words.len()).sum();
        assert_eq!(linked, words);
        assert_eq!(l.list().len(), MAX_PER_ARTICLE);
    }
}
