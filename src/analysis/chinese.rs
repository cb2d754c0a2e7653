//! The Chinese analyzer: normalisation, then jieba in search mode, as a
//! tantivy tokenizer. The same analyzer runs at index and at query time.

use std::sync::{Arc, LazyLock};

use jieba_rs::Jieba;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::normalize::{is_cjk, normalize};

/// The name the analyzer is registered under in the index.
pub const TOKENIZER_NAME: &str = "wenda_zh";

/// The name of the same analyzer for text normalised before indexing.
pub const NORMALIZED_TOKENIZER_NAME: &str = "wenda_zh_normalized";

/// jieba's default dictionary, loaded once per process (it takes tens of
/// milliseconds); analyzers with a user dictionary start from a clone.
static BASE: LazyLock<Jieba> = LazyLock::new(Jieba::new);

/// A word to add to the segmenter's dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserWord {
    /// The word (normalised before it is added).
    pub word: String,
    /// jieba frequency; `None` lets jieba pick one that keeps the word whole.
    pub freq: Option<usize>,
}

/// One token of analysed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordToken {
    /// Normalised token text (lower case, simplified).
    pub text: String,
    /// Byte offset in the original text where the token starts.
    pub from: usize,
    /// Byte offset in the original text where the token ends.
    pub to: usize,
    /// Ordinal of the word in the default segmentation; the shorter words
    /// search mode finds inside a word share that word's position.
    pub position: usize,
    /// Whether this is a word of the default segmentation (not a sub-word).
    pub main: bool,
}

/// Segments normalised text with jieba and a user dictionary.
#[derive(Debug)]
pub struct Analyzer {
    jieba: Jieba,
}

impl Default for Analyzer {
    fn default() -> Self {
        Analyzer::new(&[])
    }
}

impl Analyzer {
    /// An analyzer with jieba's dictionary plus `words`.
    pub fn new(words: &[UserWord]) -> Self {
        let mut jieba = BASE.clone();
        for w in words {
            let word = normalize(&w.word).text;
            let word = word.trim();
            if !word.is_empty() {
                jieba.add_word(word, w.freq, None);
            }
        }
        Analyzer { jieba }
    }

    /// Whether the dictionary knows `word` (normalised).
    pub fn knows(&self, word: &str) -> bool {
        self.jieba.has_word(word)
    }

    /// Search-mode tokens of `text`, in offset order (longer first at the
    /// same offset), with ordinal positions and original byte offsets.
    pub fn tokens(&self, text: &str) -> Vec<WordToken> {
        let norm = normalize(text);
        self.tokens_of_normalized(&norm.text, |from, to| norm.original_range(from, to))
    }

    /// The tokens [`Analyzer::tokens`] finds in the original of `norm`,
    /// given its normalised text (which is not normalised again); offsets
    /// are into `norm` itself.
    pub fn tokens_normalized(&self, norm: &str) -> Vec<WordToken> {
        self.tokens_of_normalized(norm, |from, to| (from, to))
    }

    fn tokens_of_normalized(
        &self,
        norm: &str,
        original_range: impl Fn(usize, usize) -> (usize, usize),
    ) -> Vec<WordToken> {
        let raw = self.jieba.cut_for_search(norm, true);
        let mut spans: Vec<(usize, usize, &str)> = raw
            .iter()
            .filter(|t| is_searchable(t.word))
            .map(|t| (t.byte_start, t.byte_end, t.word))
            .collect();
        // Letters and digits typed together (http2, tls1.2, ipv6) also
        // match where the text writes them apart (HTTP/2, TLS 1.2, IPv6),
        // and the parts of a joined code (ALM-12006, ecs.0114, max_conn)
        // match on their own (12006).
        let mixed: Vec<(usize, usize, &str)> = spans
            .iter()
            .flat_map(|&(from, _, w)| {
                ascii_parts(w)
                    .into_iter()
                    .map(move |(a, b)| (from + a, from + b, &w[a..b]))
            })
            .collect();
        spans.extend(mixed);
        spans.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        spans.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
        let mut out: Vec<WordToken> = Vec::with_capacity(spans.len());
        let mut main_end = 0usize;
        let mut position = 0usize;
        let mut first = true;
        // Where the current word's tokens start in `out`.
        let mut word_start = 0usize;
        for (from, to, word) in spans {
            let main = first || from >= main_end;
            if main {
                if !first {
                    position += 1;
                }
                first = false;
                main_end = to;
                word_start = out.len();
            } else if out.len() - word_start > MAX_PARTS
                || out[word_start..].iter().any(|t| t.text == word)
            {
                // A word is searched by a few parts, each once.
                continue;
            }
            let (ofrom, oto) = original_range(from, to);
            out.push(WordToken {
                text: word.to_string(),
                from: ofrom,
                to: oto,
                position,
                main,
            });
        }
        out
    }

    /// Words of the default segmentation with jieba's part-of-speech tags,
    /// as written (not normalised): for reading terms out of prose.
    pub fn tags(&self, text: &str) -> Vec<(String, String)> {
        self.jieba
            .tag(text, true)
            .into_iter()
            .map(|t| (t.word.to_string(), t.tag.to_string()))
            .collect()
    }

    /// Words of the default segmentation only (no sub-words), normalised.
    pub fn words(&self, text: &str) -> Vec<String> {
        self.tokens(text)
            .into_iter()
            .filter(|t| t.main)
            .map(|t| t.text)
            .collect()
    }
}

/// A token worth indexing: it has a letter, digit or ideograph.
/// An ASCII word with both letters and digits in it.
fn is_mixed_alphanumeric(word: &str) -> bool {
    word.chars().all(|c| c.is_ascii_alphanumeric())
        && word.chars().any(|c| c.is_ascii_alphabetic())
        && word.chars().any(|c| c.is_ascii_digit())
}

/// Most shorter words (sub-words, parts) a word is searched by besides
/// itself: a code has a few, and a long run of them (`a1-b2-c3-…`, typed
/// or in a corpus) is not a code and must not become thousands of terms.
const MAX_PARTS: usize = 16;

/// Byte ranges of the parts of an ASCII word other than the whole: the
/// letters-and-digits runs of two or more characters between its
/// separators (`alm-12006` → `alm`, `12006`; not the 3 and 6 of 3.6.3),
/// and the letter runs and digit runs of each run that mixes them
/// (`tls1.2` → `tls1`, `tls`, `1`). How many of them a word keeps is
/// [`MAX_PARTS`]'s business, where every sub-word is counted.
fn ascii_parts(word: &str) -> Vec<(usize, usize)> {
    if !word.is_ascii() {
        return Vec::new();
    }
    let bytes = word.as_bytes();
    let mut runs = Vec::new();
    let mut start = None;
    for (i, b) in bytes.iter().enumerate() {
        match (b.is_ascii_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                runs.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        runs.push((s, bytes.len()));
    }
    let whole = runs.len() == 1 && runs[0] == (0, bytes.len());
    let mut out = Vec::new();
    for &(a, b) in &runs {
        if !whole && b - a >= 2 {
            out.push((a, b));
        }
        if is_mixed_alphanumeric(&word[a..b]) {
            out.extend(alphanumeric_runs(&word[a..b]).map(|(x, y)| (a + x, a + y)));
        }
    }
    out
}

/// Byte ranges of the letter runs and digit runs of an ASCII word.
fn alphanumeric_runs(word: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let bytes = word.as_bytes();
    let mut start = 0;
    (1..=bytes.len()).filter_map(move |i| {
        let boundary =
            i == bytes.len() || bytes[i].is_ascii_digit() != bytes[i - 1].is_ascii_digit();
        if !boundary {
            return None;
        }
        let run = (start, i);
        start = i;
        Some(run)
    })
}

fn is_searchable(word: &str) -> bool {
    word.chars().any(|c| c.is_alphanumeric() || is_cjk(c))
}

/// [`Analyzer`] as a tantivy tokenizer. Cloning shares the dictionary.
#[derive(Clone, Debug)]
pub struct ChineseTokenizer {
    analyzer: Arc<Analyzer>,
    normalized: bool,
}

impl ChineseTokenizer {
    /// Wraps a shared analyzer.
    pub fn new(analyzer: Arc<Analyzer>) -> Self {
        ChineseTokenizer {
            analyzer,
            normalized: false,
        }
    }

    /// The same tokenizer for text that ingest has already normalised
    /// (article bodies: normalised once for snippets, then indexed as they
    /// are); offsets are into that text.
    pub fn for_normalized(analyzer: Arc<Analyzer>) -> Self {
        ChineseTokenizer {
            analyzer,
            normalized: true,
        }
    }
}

/// Tokens computed up front and handed out one by one.
pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl VecTokenStream {
    /// A stream over `tokens`.
    pub fn new(tokens: Vec<Token>) -> Self {
        VecTokenStream { tokens, next: 0 }
    }
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

impl Tokenizer for ChineseTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = if self.normalized {
            self.analyzer.tokens_normalized(text)
        } else {
            self.analyzer.tokens(text)
        };
        let tokens = tokens
            .into_iter()
            .map(|t| Token {
                offset_from: t.from,
                offset_to: t.to,
                position: t.position,
                text: t.text,
                position_length: 1,
            })
            .collect();
        VecTokenStream::new(tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "ＰＯ提交后如何取消？";

    #[test]
    fn tokens_offsets_and_positions_are_pinned() {
        let a = Analyzer::default();
        let got: Vec<_> = a
            .tokens(TEXT)
            .into_iter()
            .map(|t| (t.text, &TEXT[t.from..t.to], t.position, t.main))
            .collect();
        let expected = vec![
            ("po".to_string(), "ＰＯ", 0, true),
            ("提交".to_string(), "提交", 1, true),
            ("后".to_string(), "后", 2, true),
            ("如何".to_string(), "如何", 3, true),
            ("取消".to_string(), "取消", 4, true),
        ];
        assert_eq!(got, expected);
    }

    #[test]
    fn letters_and_digits_typed_together_also_match_apart() {
        let a = Analyzer::default();
        let got: Vec<_> = a
            .tokens("http2怎么开")
            .into_iter()
            .map(|t| (t.text, t.position, t.main))
            .collect();
        assert_eq!(
            &got[..3],
            &[
                ("http2".to_string(), 0, true),
                ("http".to_string(), 0, false),
                ("2".to_string(), 0, false),
            ]
        );
        let words: Vec<String> = a
            .tokens("HTTP/2与IPv6")
            .into_iter()
            .map(|t| t.text)
            .collect();
        assert!(
            words.contains(&"http".to_string()) && words.contains(&"2".to_string()),
            "{words:?}"
        );
        assert!(
            words.contains(&"ipv".to_string()) && words.contains(&"6".to_string()),
            "{words:?}"
        );
    }

    #[test]
    fn the_parts_of_a_joined_code_match_on_their_own() {
        let a = Analyzer::default();
        let got: Vec<_> = a
            .tokens("ALM-12006 节点故障")
            .into_iter()
            .filter(|t| t.position == 0)
            .map(|t| (t.text, t.main))
            .collect();
        assert_eq!(got[0], ("alm-12006".to_string(), true), "{got:?}");
        for part in ["alm", "12006"] {
            assert!(got.contains(&(part.to_string(), false)), "{got:?}");
        }
        assert_eq!(ascii_parts("tls1.2"), vec![(0, 4), (0, 3), (3, 4)]);
        assert!(ascii_parts("nodeagent").is_empty());
        assert!(ascii_parts("3.6.3").is_empty());
        // Each part once: 10.10.10.10 is not four times 10.
        let ip: Vec<_> = a
            .tokens("10.10.10.10")
            .into_iter()
            .filter(|t| !t.main)
            .map(|t| t.text)
            .collect();
        assert_eq!(ip, vec!["10".to_string()]);
        // Not a code: a few parts rather than thousands, whoever splits it
        // (jieba splits at - too).
        let long: Vec<String> = (0..2000).map(|i| format!("a{i}")).collect();
        for word in [long.join("-"), long.concat()] {
            let tokens = a.tokens(&word);
            assert!(tokens.len() <= 1 + MAX_PARTS, "{}", tokens.len());
            assert!(tokens.iter().all(|t| t.position == 0));
        }
        assert!(ascii_parts("节点").is_empty());
    }

    #[test]
    fn user_words_stay_whole_and_sub_words_share_the_position() {
        let plain = Analyzer::default();
        assert!(!plain.words("考试券怎么用").contains(&"考试券".to_string()));
        let a = Analyzer::new(&[UserWord {
            word: "考试券".into(),
            freq: None,
        }]);
        let toks = a.tokens("考试券怎么用");
        let got: Vec<_> = toks
            .iter()
            .map(|t| (t.text.as_str(), t.from, t.to, t.position, t.main))
            .collect();
        assert_eq!(
            got,
            vec![
                ("考试券", 0, 9, 0, true),
                ("考试", 0, 6, 0, false),
                ("怎么", 9, 15, 1, true),
                ("用", 15, 18, 2, true),
            ]
        );
    }

    #[test]
    fn traditional_text_is_segmented_as_simplified() {
        let a = Analyzer::default();
        let toks = a.tokens("發放方式");
        assert_eq!(toks[0].text, "发放");
        assert_eq!(&"發放方式"[toks[0].from..toks[0].to], "發放");
    }

    #[test]
    fn punctuation_and_emoji_produce_no_tokens() {
        let a = Analyzer::default();
        assert!(a.tokens("？！…… 😀 ()*:-").is_empty());
    }

    /// Bodies are normalised once at ingest and indexed as they are: the
    /// tokens must be those of the original.
    #[test]
    fn normalised_text_gives_the_tokens_of_the_original() {
        let a = Analyzer::new(&[UserWord {
            word: "代金券".into(),
            freq: None,
        }]);
        for text in [
            "ＰＯ提交後如何取消？\n在「帳號中心」頁面",
            "HTTP/2與IPv6，ＴＬＳ１.２ 和 ﬁle ①② Ⅻ",
            "代金券過期了怎麼辦 臺灣 記憶體 ＡＢＣ abc",
            "\u{3000}全角空格\t制表\u{7}控制",
        ] {
            let norm = normalize(text);
            let plain: Vec<_> = a
                .tokens(text)
                .into_iter()
                .map(|t| (t.text, t.position, t.main))
                .collect();
            let given: Vec<_> = a
                .tokens_normalized(&norm.text)
                .into_iter()
                .map(|t| (t.text, t.position, t.main))
                .collect();
            assert_eq!(plain, given, "{text}");
            assert!(!plain.is_empty());
        }
    }
}
