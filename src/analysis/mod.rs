//! Analysis: normalisation, Chinese segmentation and the vocabulary that
//! tunes it (user dictionary, synonyms).

pub mod chinese;
pub mod dictionary;
pub mod helpdesk;
pub mod mining;
pub mod ngram;
pub mod normalize;
pub mod pinyin;
pub mod scan;
pub mod synonyms;
pub mod terms;
pub mod vocabulary;

pub use chinese::{Analyzer, ChineseTokenizer, TOKENIZER_NAME, UserWord, WordToken};
pub use normalize::{is_cjk, normalize, normalize_str};
pub use vocabulary::Vocabulary;

/// FNV-1a over `bytes`: a small hash that is the same on every run and
/// platform (fingerprints, stable ids).
pub fn fnv1a(bytes: impl IntoIterator<Item = u8>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
