//! The vocabulary that tunes analysis: user dictionary words. The bundled
//! defaults (`corpus/dict.txt`) are compiled in, so any docset gets the
//! Huawei Cloud vocabulary; a corpus's own `dict.txt` adds to it.

use serde::{Deserialize, Serialize};

use super::UserWord;
use super::dictionary::{LineProblem, parse_dictionary};
use super::synonyms::parse_synonyms;

/// The bundled user dictionary.
pub const DEFAULT_DICTIONARY: &str = include_str!("../../corpus/dict.txt");
/// The bundled synonym groups.
pub const DEFAULT_SYNONYMS: &str = include_str!("../../corpus/synonyms.txt");

/// A fingerprint of the built-in dictionary and synonyms (FNV-1a), so an
/// index built by a wenda with other defaults counts as stale.
pub fn defaults_fingerprint() -> u64 {
    super::fnv1a(
        DEFAULT_DICTIONARY
            .bytes()
            .chain([0])
            .chain(DEFAULT_SYNONYMS.bytes())
            .chain([0])
            .chain(super::helpdesk::HELPDESK_LEXICON.bytes()),
    )
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
    /// Pairs mined from the corpus at ingest, with their evidence.
    #[serde(default)]
    pub mined: Vec<super::mining::MinedPair>,
}

/// Parses the built-in file then each given one, handing every item to
/// `keep` and every bad line to `problems`.
fn read_all<T>(
    builtin: &Source<'_>,
    sources: &[Source<'_>],
    parse: fn(&str) -> (Vec<T>, Vec<LineProblem>),
    problems: &mut Vec<VocabularyProblem>,
    mut keep: impl FnMut(T),
) {
    for src in std::iter::once(builtin).chain(sources) {
        let (items, bad) = parse(src.text);
        problems.extend(bad.into_iter().map(|p| VocabularyProblem {
            file: src.file.to_string(),
            line: p.line,
            message: p.message,
        }));
        items.into_iter().for_each(&mut keep);
    }
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
        let builtin = |file, text| Source { file, text };
        read_all(
            &builtin("built-in corpus/dict.txt", DEFAULT_DICTIONARY),
            dictionaries,
            parse_dictionary,
            &mut problems,
            |w| {
                if seen.insert(w.word.clone()) {
                    vocab.words.push((w.word, w.freq));
                }
            },
        );
        let mut groups = Vec::new();
        read_all(
            &builtin("built-in corpus/synonyms.txt", DEFAULT_SYNONYMS),
            synonyms,
            parse_synonyms,
            &mut problems,
            |g| {
                if !groups.contains(&g) {
                    groups.push(g);
                }
            },
        );
        vocab.synonyms = groups;
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
