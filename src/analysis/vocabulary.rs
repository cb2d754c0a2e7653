//! The vocabulary that tunes analysis: user dictionary words. The bundled
//! defaults (`corpus/dict.txt`) are compiled in, so any docset gets the
//! Huawei Cloud vocabulary; a corpus's own `dict.txt` adds to it.

use serde::{Deserialize, Serialize};

use super::UserWord;
use super::dictionary::parse_dictionary;
use super::synonyms::parse_synonyms;

/// The bundled user dictionary.
pub const DEFAULT_DICTIONARY: &str = include_str!("../../corpus/dict.txt");
/// The bundled synonym groups.
pub const DEFAULT_SYNONYMS: &str = include_str!("../../corpus/synonyms.txt");

/// A fingerprint of the built-in dictionary and synonyms (FNV-1a), so an
/// index built by a wenda with other defaults counts as stale.
pub fn defaults_fingerprint() -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in DEFAULT_DICTIONARY
        .bytes()
        .chain([0])
        .chain(DEFAULT_SYNONYMS.bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Where a vocabulary file came from, and its text.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// Shown in warnings.
    pub file: &'a str,
    /// The file's text.
    pub text: &'a str,
}

/// A line of a vocabulary file that was skipped.
#[derive(Debug, Clone, PartialEq)]
pub struct VocabularyProblem {
    /// The file.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Everything analysis needs besides jieba itself; stored with the index so
/// that querying uses exactly what indexing used.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vocabulary {
    /// User dictionary words, defaults first.
    pub words: Vec<(String, Option<usize>)>,
    /// Synonym groups, defaults first.
    pub synonyms: Vec<Vec<String>>,
}

impl Vocabulary {
    /// Builds the vocabulary from the defaults and the given dictionaries
    /// and synonym files.
    pub fn build(
        dictionaries: &[Source<'_>],
        synonyms: &[Source<'_>],
    ) -> (Vocabulary, Vec<VocabularyProblem>) {
        let mut vocab = Vocabulary::default();
        let mut problems = Vec::new();
        let mut seen = std::collections::HashSet::new();
        let defaults = Source {
            file: "built-in corpus/dict.txt",
            text: DEFAULT_DICTIONARY,
        };
        for src in std::iter::once(&defaults).chain(dictionaries) {
            let (words, bad) = parse_dictionary(src.text);
            problems.extend(bad.into_iter().map(|p| VocabularyProblem {
                file: src.file.to_string(),
                line: p.line,
                message: p.message,
            }));
            for w in words {
                if seen.insert(w.word.clone()) {
                    vocab.words.push((w.word, w.freq));
                }
            }
        }
        let default_synonyms = Source {
            file: "built-in corpus/synonyms.txt",
            text: DEFAULT_SYNONYMS,
        };
        for src in std::iter::once(&default_synonyms).chain(synonyms) {
            let (groups, bad) = parse_synonyms(src.text);
            problems.extend(bad.into_iter().map(|p| VocabularyProblem {
                file: src.file.to_string(),
                line: p.line,
                message: p.message,
            }));
            for g in groups {
                if !vocab.synonyms.contains(&g) {
                    vocab.synonyms.push(g);
                }
            }
        }
        (vocab, problems)
    }

    /// The dictionary words as the analyzer takes them.
    pub fn user_words(&self) -> Vec<UserWord> {
        self.words
            .iter()
            .map(|(word, freq)| UserWord {
                word: word.clone(),
                freq: *freq,
            })
            .collect()
    }
}
