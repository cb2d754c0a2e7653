//! The words of an index, read from its term dictionaries at start-up, for
//! typo correction (homophones and near-homophones of known words) and for
//! queries typed in pinyin. Built from the corpus itself, so corrections
//! only ever lead to words the articles use.

use std::collections::HashMap;

use tantivy::Searcher;
use tantivy::schema::Field;

use crate::analysis::is_cjk;
use crate::analysis::pinyin::{self, MAX_SYLLABLE_LEN};

/// Longest word (in characters) considered for correction.
const MAX_WORD_CHARS: usize = 6;
/// A correction must be this many times more frequent than what was typed.
const CORRECTION_RATIO: u32 = 5;
/// When what was typed is itself a word (一直, 登陆), the correction must be
/// this many times more frequent …
const WORD_CORRECTION_RATIO: u32 = 10;
/// … and occur in at least this share of the articles.
const WORD_CORRECTION_SHARE: f32 = 0.05;

/// Known words with their document frequencies and sound-alike indexes.
#[derive(Debug, Default)]
pub struct Lexicon {
    df: HashMap<String, u32>,
    /// Documents in the index.
    docs: u32,
    /// Toneless pinyin (`daijinquan`) → words, most frequent first.
    by_sound: HashMap<String, Vec<String>>,
    /// A word with one character replaced by `*` → words (three characters and more).
    masked: HashMap<String, Vec<String>>,
}

/// A replacement for part of the query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correction {
    /// What was typed (normalised).
    pub from: String,
    /// The known word it most likely means.
    pub to: String,
}

fn masks(word: &str) -> impl Iterator<Item = (usize, String)> + '_ {
    let chars: Vec<char> = word.chars().collect();
    (0..chars.len()).map(move |i| {
        let masked: String = chars
            .iter()
            .enumerate()
            .map(|(j, c)| if i == j { '*' } else { *c })
            .collect();
        (i, masked)
    })
}

impl Lexicon {
    /// Reads the words of the given text fields.
    pub fn load(searcher: &Searcher, fields: &[Field]) -> tantivy::Result<Lexicon> {
        let mut df: HashMap<String, u32> = HashMap::new();
        for reader in searcher.segment_readers() {
            for &field in fields {
                let inverted = reader.inverted_index(field)?;
                let mut terms = inverted.terms().stream()?;
                while terms.advance() {
                    let Ok(word) = std::str::from_utf8(terms.key()) else {
                        continue;
                    };
                    let n = terms.value().doc_freq;
                    let slot = df.entry(word.to_string()).or_insert(0);
                    *slot = (*slot).max(n);
                }
            }
        }
        Ok(Lexicon::from_counts(df, searcher.num_docs() as u32))
    }

    /// Builds the indexes over words and their document frequencies in
    /// `docs` documents.
    pub fn from_counts(df: HashMap<String, u32>, docs: u32) -> Lexicon {
        let mut by_sound: HashMap<String, Vec<String>> = HashMap::new();
        let mut masked: HashMap<String, Vec<String>> = HashMap::new();
        for word in df.keys() {
            let n = word.chars().count();
            if !(2..=MAX_WORD_CHARS).contains(&n) || !word.chars().all(is_cjk) {
                continue;
            }
            if let Some(k) = pinyin::key(word) {
                by_sound.entry(k).or_default().push(word.clone());
            }
            if n >= 3 {
                for (_, m) in masks(word) {
                    masked.entry(m).or_default().push(word.clone());
                }
            }
        }
        let by_df = |v: &mut Vec<String>| {
            v.sort_by(|a, b| df[b].cmp(&df[a]).then(a.cmp(b)));
        };
        by_sound.values_mut().for_each(by_df);
        masked.values_mut().for_each(by_df);
        Lexicon {
            df,
            docs,
            by_sound,
            masked,
        }
    }

    /// Documents a word occurs in (0 when unknown).
    pub fn df(&self, word: &str) -> u32 {
        self.df.get(word).copied().unwrap_or(0)
    }

    /// Number of known words.
    pub fn len(&self) -> usize {
        self.df.len()
    }

    /// Whether no word is known.
    pub fn is_empty(&self) -> bool {
        self.df.is_empty()
    }

    /// The known word `typed` most likely stands for: a homophone, or (for
    /// three characters and more) a word one near-homophone character away.
    /// Only words far more frequent than `typed` itself qualify, and when
    /// `typed` is a two-character word of the language (`is_word`: 一直, not
    /// 挂在) only words common in this corpus: one changed character of two
    /// is as likely a different word as a typo.
    pub fn correct(&self, typed: &str, is_word: bool) -> Option<String> {
        let n = typed.chars().count();
        if !(2..=MAX_WORD_CHARS).contains(&n) || !typed.chars().all(is_cjk) {
            return None;
        }
        let own = self.df(typed);
        let good = |w: &String| {
            let df = self.df(w);
            w != typed
                && if is_word && n == 2 {
                    df >= WORD_CORRECTION_RATIO * (own + 1)
                        && df as f32 >= WORD_CORRECTION_SHARE * self.docs as f32
                } else {
                    df >= (own * CORRECTION_RATIO).max(1)
                }
        };
        let homophone = pinyin::key(typed)
            .and_then(|k| self.by_sound.get(&k))
            .and_then(|ws| ws.iter().find(|w| good(w)).cloned());
        if homophone.is_some() || n < 3 {
            return homophone;
        }
        let typed_chars: Vec<char> = typed.chars().collect();
        let mut best: Option<&String> = None;
        for (i, m) in masks(typed) {
            for w in self.masked.get(&m).into_iter().flatten() {
                let wc = w.chars().nth(i).unwrap_or(' ');
                if good(w)
                    && pinyin::chars_near(typed_chars[i], wc)
                    && best.is_none_or(|b| self.df(w) > self.df(b))
                {
                    best = Some(w);
                }
            }
        }
        best.cloned()
    }

    /// Reads Latin letters as pinyin: the sequence of known words whose
    /// readings spell `letters` (spaces ignored), preferring long, frequent
    /// words. Letters that only form a lone syllable (`le`) are skipped.
    /// `None` when the letters do not spell known words.
    pub fn from_pinyin(&self, letters: &str) -> Option<Vec<String>> {
        let s: String = letters
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect::<String>()
            .to_ascii_lowercase();
        if s.is_empty() || !s.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        let max_key = MAX_WORD_CHARS * MAX_SYLLABLE_LEN;
        // best[i]: (score, previous cut, word ending at i).
        let mut best: Vec<Option<(f32, usize, Option<&String>)>> = vec![None; s.len() + 1];
        best[0] = Some((0.0, 0, None));
        for i in 0..s.len() {
            let Some((base, _, _)) = best[i] else {
                continue;
            };
            for j in i + 1..=(i + max_key).min(s.len()) {
                let piece = &s[i..j];
                let step = if let Some(w) = self.by_sound.get(piece).and_then(|ws| ws.first()) {
                    let chars = w.chars().count() as f32;
                    Some((2.0 * chars + (self.df(w) as f32 + 1.0).ln(), Some(w)))
                } else if pinyin::is_syllable(piece) {
                    Some((-1.0, None))
                } else {
                    None
                };
                if let Some((gain, word)) = step {
                    let score = base + gain;
                    if best[j].is_none_or(|(b, _, _)| score > b) {
                        best[j] = Some((score, i, word));
                    }
                }
            }
        }
        let mut words = Vec::new();
        let mut at = s.len();
        while at > 0 {
            let (_, prev, word) = best[at]?;
            if let Some(w) = word {
                words.push(w.clone());
            }
            at = prev;
        }
        words.reverse();
        (!words.is_empty()).then_some(words)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lexicon(words: &[(&str, u32)]) -> Lexicon {
        Lexicon::from_counts(
            words.iter().map(|(w, n)| (w.to_string(), *n)).collect(),
            100,
        )
    }

    #[test]
    fn homophones_and_near_homophones() {
        let lx = lexicon(&[
            ("代金券", 8),
            ("登录", 40),
            ("登陆", 1),
            ("挂载", 9),
            ("密码", 30),
            ("一致", 9),
        ]);
        assert_eq!(lx.correct("代金卷", false).as_deref(), Some("代金券"));
        assert_eq!(lx.correct("登陆", true).as_deref(), Some("登录"));
        assert_eq!(lx.correct("挂在", false).as_deref(), Some("挂载"));
        assert_eq!(lx.correct("代金券", true), None);
        assert_eq!(
            lx.correct("蹬绿", false),
            None,
            "two characters need an exact homophone"
        );
        // A real word is corrected only to a word common in the corpus.
        assert_eq!(lx.correct("一直", true), None);
        assert_eq!(lx.correct("一直", false).as_deref(), Some("一致"));
    }

    #[test]
    fn pinyin_spells_known_words() {
        let lx = lexicon(&[
            ("代金券", 8),
            ("密码", 30),
            ("忘记", 5),
            ("扩容", 6),
            ("云硬盘", 20),
        ]);
        assert_eq!(lx.from_pinyin("dai jin quan").unwrap(), vec!["代金券"]);
        assert_eq!(lx.from_pinyin("daijinquan").unwrap(), vec!["代金券"]);
        assert_eq!(
            lx.from_pinyin("mima wangji le").unwrap(),
            vec!["密码", "忘记"]
        );
        assert_eq!(
            lx.from_pinyin("kuorong yunyingpan").unwrap(),
            vec!["扩容", "云硬盘"]
        );
        assert_eq!(lx.from_pinyin("ubuntu"), None);
    }
}
