//! The words of an index, for typo correction (homophones and
//! near-homophones of known words) and for queries typed in pinyin. Ingest
//! reads them from the term dictionaries and writes three `fst` maps into
//! the index directory — word → document frequency, sound → words, word
//! with one character masked → words — which serving opens without
//! re-reading anything, and looks up without scanning. Built from the
//! corpus itself, so corrections only ever lead to words the articles use.

use std::collections::HashMap;
use std::path::Path;

use fst::{IntoStreamer, Map, MapBuilder, Streamer};
use tantivy::Searcher;
use tantivy::schema::Field;

use crate::analysis::is_cjk;
use crate::analysis::pinyin::{self, MAX_SYLLABLE_LEN};
use crate::{Error, Result};

/// Longest word (in characters) considered for correction.
pub const MAX_WORD_CHARS: usize = 6;
/// A correction must be this many times more frequent than what was typed.
const CORRECTION_RATIO: u32 = 5;
/// When what was typed is itself a word (一直, 登陆), the correction must be
/// this many times more frequent …
const WORD_CORRECTION_RATIO: u32 = 10;
/// … and occur in at least this share of the articles.
const WORD_CORRECTION_SHARE: f32 = 0.05;

/// Files of the lexicon inside the index directory.
const WORDS_FILE: &str = "lexicon-words.fst";
const SOUNDS_FILE: &str = "lexicon-sounds.fst";
const MASKS_FILE: &str = "lexicon-masks.fst";
/// Separates a sound or mask from the word in the keys of those maps.
const SEP: u8 = 0;

/// Known words with their document frequencies and sound-alike indexes.
pub struct Lexicon {
    /// Word → documents it occurs in.
    words: Map<Vec<u8>>,
    /// Toneless pinyin (`daijinquan`) `\0` word → documents.
    sounds: Map<Vec<u8>>,
    /// Word with one character replaced by `*` `\0` word → documents
    /// (words of three characters and more).
    masks: Map<Vec<u8>>,
    /// Documents in the index.
    docs: u32,
}

impl std::fmt::Debug for Lexicon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lexicon")
            .field("words", &self.words.len())
            .field("docs", &self.docs)
            .finish()
    }
}

impl Default for Lexicon {
    fn default() -> Self {
        Lexicon::from_counts(HashMap::new(), 0)
    }
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

fn keyed(prefix: &str, word: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + 1 + word.len());
    k.extend_from_slice(prefix.as_bytes());
    k.push(SEP);
    k.extend_from_slice(word.as_bytes());
    k
}

fn build_map(mut entries: Vec<(Vec<u8>, u64)>) -> Map<Vec<u8>> {
    entries.sort_unstable();
    entries.dedup_by(|a, b| a.0 == b.0);
    let mut b = MapBuilder::memory();
    for (k, v) in entries {
        // Sorted and deduplicated above, so insertion cannot fail.
        let _ = b.insert(k, v);
    }
    let bytes = b.into_inner().unwrap_or_default();
    Map::new(bytes).unwrap_or_else(|_| empty_map())
}

fn empty_map() -> Map<Vec<u8>> {
    Map::from_iter(std::iter::empty::<(&[u8], u64)>()).expect("an empty map builds")
}

/// Words of the given text fields with their document frequencies (the
/// largest over the fields), read from the term dictionaries.
pub fn document_frequencies(
    searcher: &Searcher,
    fields: &[Field],
) -> tantivy::Result<HashMap<String, u32>> {
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
                match df.get_mut(word) {
                    Some(slot) => *slot = (*slot).max(n),
                    None => {
                        df.insert(word.to_string(), n);
                    }
                }
            }
        }
    }
    Ok(df)
}

impl Lexicon {
    /// Builds the maps over words and their document frequencies in `docs`
    /// documents.
    pub fn from_counts(df: HashMap<String, u32>, docs: u32) -> Lexicon {
        let mut sounds = Vec::new();
        let mut masked = Vec::new();
        for (word, &n) in &df {
            let chars = word.chars().count();
            if !(2..=MAX_WORD_CHARS).contains(&chars) || !word.chars().all(is_cjk) {
                continue;
            }
            if let Some(k) = pinyin::key(word) {
                sounds.push((keyed(&k, word), u64::from(n)));
            }
            if chars >= 3 {
                for (_, m) in masks(word) {
                    masked.push((keyed(&m, word), u64::from(n)));
                }
            }
        }
        let words = df
            .into_iter()
            .map(|(w, n)| (w.into_bytes(), u64::from(n)))
            .collect();
        Lexicon {
            words: build_map(words),
            sounds: build_map(sounds),
            masks: build_map(masked),
            docs,
        }
    }

    /// Writes the maps into an index directory.
    pub fn write(&self, dir: &Path) -> Result<()> {
        for (file, map) in [
            (WORDS_FILE, &self.words),
            (SOUNDS_FILE, &self.sounds),
            (MASKS_FILE, &self.masks),
        ] {
            let path = dir.join(file);
            std::fs::write(&path, map.as_fst().as_bytes()).map_err(|e| Error::io(&path, e))?;
        }
        Ok(())
    }

    /// Opens the maps an index directory holds, for an index of `docs`
    /// documents.
    pub fn open(dir: &Path, docs: u32) -> Result<Lexicon> {
        let read = |file: &str| -> Result<Map<Vec<u8>>> {
            let path = dir.join(file);
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            Map::new(bytes).map_err(|e| Error::CorruptIndex(format!("{}: {e}", path.display())))
        };
        Ok(Lexicon {
            words: read(WORDS_FILE)?,
            sounds: read(SOUNDS_FILE)?,
            masks: read(MASKS_FILE)?,
            docs,
        })
    }

    /// Documents a word occurs in (0 when unknown).
    pub fn df(&self, word: &str) -> u32 {
        self.words.get(word).map_or(0, |n| n as u32)
    }

    /// Number of known words.
    pub fn len(&self) -> usize {
        self.words.len()
    }

    /// Whether no word is known.
    pub fn is_empty(&self) -> bool {
        self.words.is_empty()
    }

    /// Every known word with the number of documents it occurs in, in
    /// byte order.
    pub fn words(&self) -> Vec<(String, u32)> {
        let mut out = Vec::with_capacity(self.words.len());
        let mut stream = self.words.stream();
        while let Some((k, n)) = stream.next() {
            if let Ok(w) = std::str::from_utf8(k) {
                out.push((w.to_string(), n as u32));
            }
        }
        out
    }

    /// Documents in the index.
    pub fn docs(&self) -> u32 {
        self.docs
    }

    /// Words filed under `prefix` in `map`, most frequent first.
    fn filed(map: &Map<Vec<u8>>, prefix: &str) -> Vec<(String, u32)> {
        let from = keyed(prefix, "");
        let mut to = from.clone();
        if let Some(last) = to.last_mut() {
            *last = SEP + 1;
        }
        let mut out = Vec::new();
        let mut stream = map.range().ge(&from).lt(&to).into_stream();
        while let Some((k, n)) = stream.next() {
            if let Ok(w) = std::str::from_utf8(&k[from.len()..]) {
                out.push((w.to_string(), n as u32));
            }
        }
        // Keys come sorted by word; a stable sort keeps that among equals.
        out.sort_by_key(|w| std::cmp::Reverse(w.1));
        out
    }

    /// The most frequent word that sounds like `key`.
    fn loudest(&self, key: &str) -> Option<(String, u32)> {
        Self::filed(&self.sounds, key).into_iter().next()
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
        let homophone = pinyin::key(typed).and_then(|k| {
            Self::filed(&self.sounds, &k)
                .into_iter()
                .map(|(w, _)| w)
                .find(|w| good(w))
        });
        if homophone.is_some() || n < 3 {
            return homophone;
        }
        let typed_chars: Vec<char> = typed.chars().collect();
        let mut best: Option<(String, u32)> = None;
        for (i, m) in masks(typed) {
            for (w, n) in Self::filed(&self.masks, &m) {
                let wc = w.chars().nth(i).unwrap_or(' ');
                if good(&w)
                    && pinyin::chars_near(typed_chars[i], wc)
                    && best.as_ref().is_none_or(|b| n > b.1)
                {
                    best = Some((w, n));
                }
            }
        }
        best.map(|(w, _)| w)
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
        let mut best: Vec<Option<(f32, usize, Option<String>)>> = vec![None; s.len() + 1];
        best[0] = Some((0.0, 0, None));
        for i in 0..s.len() {
            let Some(base) = best[i].as_ref().map(|b| b.0) else {
                continue;
            };
            for j in i + 1..=(i + max_key).min(s.len()) {
                let piece = &s[i..j];
                let step = if let Some((w, n)) = self.loudest(piece) {
                    let chars = w.chars().count() as f32;
                    Some((2.0 * chars + (n as f32 + 1.0).ln(), Some(w)))
                } else if pinyin::is_syllable(piece) {
                    Some((-1.0, None))
                } else {
                    None
                };
                if let Some((gain, word)) = step {
                    let score = base + gain;
                    if best[j].as_ref().is_none_or(|(b, _, _)| score > *b) {
                        best[j] = Some((score, i, word));
                    }
                }
            }
        }
        let mut words = Vec::new();
        let mut at = s.len();
        while at > 0 {
            let (_, prev, word) = best[at].take()?;
            if let Some(w) = word {
                words.push(w);
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

    #[test]
    fn written_maps_open_the_same() {
        let lx = lexicon(&[("代金券", 8), ("登录", 40), ("登陆", 1)]);
        let dir = tempfile::tempdir().unwrap();
        lx.write(dir.path()).unwrap();
        let back = Lexicon::open(dir.path(), 100).unwrap();
        assert_eq!(back.df("登录"), 40);
        assert_eq!(back.df("无"), 0);
        assert_eq!(back.len(), 3);
        assert_eq!(back.correct("代金卷", false).as_deref(), Some("代金券"));
    }
}
