//! Analysis: normalisation, Chinese segmentation and the vocabulary that
//! tunes it (user dictionary, synonyms).

pub mod chinese;
pub mod dictionary;
pub mod helpdesk;
pub mod mining;
pub mod ngram;
pub mod normalize;
pub mod pinyin;
pub mod synonyms;
pub mod terms;
pub mod vocabulary;

pub use chinese::{Analyzer, ChineseTokenizer, TOKENIZER_NAME, UserWord, WordToken};
pub use normalize::{is_cjk, normalize, normalize_str};
pub use vocabulary::Vocabulary;
