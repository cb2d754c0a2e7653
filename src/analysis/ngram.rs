//! Character n-grams of normalised text: every ideograph and every pair of
//! adjacent ideographs, plus whole Latin words. They match where word
//! segmentation disagrees between a query and an article, the way Lucene's
//! CJK analyzer does, and carry the fallback when no word matches.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

use super::normalize::{Normalized, is_cjk, normalize};

/// The name the n-gram tokenizer is registered under in the index.
pub const GRAM_TOKENIZER_NAME: &str = "wenda_grams";

/// An n-gram with its span in the original text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gram {
    /// Normalised text of the gram.
    pub text: String,
    /// Byte offset in the original text.
    pub from: usize,
    /// Byte offset in the original text.
    pub to: usize,
    /// Characters (1 or 2) for ideographs; 0 for a Latin word.
    pub chars: usize,
}

/// The name of the same tokenizer for text normalised before indexing.
pub const NORMALIZED_GRAM_TOKENIZER_NAME: &str = "wenda_grams_normalized";

/// The n-grams of `text`, in order of position.
pub fn grams(text: &str) -> Vec<Gram> {
    let norm = normalize(text);
    let mut cursor = Cursor::default();
    std::iter::from_fn(|| {
        let (start, end, chars) = cursor.next(&norm.text)?;
        let (from, to) = norm.original_range(start, end);
        Some(Gram {
            text: norm.text[start..end].to_string(),
            from,
            to,
            chars,
        })
    })
    .collect()
}

/// Where the next n-gram of a normalised text starts: the gram stream is
/// produced one at a time, so that indexing a large body never holds all
/// of its grams at once.
#[derive(Debug, Default)]
struct Cursor {
    /// Byte offset in the normalised text.
    at: usize,
    /// The unigram at `at` was given; its pair with the next ideograph is due.
    pair_due: bool,
}

impl Cursor {
    /// The next gram of `text` (normalised): its byte range and characters
    /// (1 or 2 for ideographs, 0 for a Latin word).
    fn next(&mut self, text: &str) -> Option<(usize, usize, usize)> {
        loop {
            let mut chars = text.get(self.at..)?.chars();
            let c = chars.next()?;
            let end = self.at + c.len_utf8();
            if is_cjk(c) {
                if !self.pair_due {
                    self.pair_due = true;
                    return Some((self.at, end, 1));
                }
                self.pair_due = false;
                let start = self.at;
                self.at = end;
                if let Some(next) = chars.next().filter(|n| is_cjk(*n)) {
                    return Some((start, end + next.len_utf8(), 2));
                }
            } else if c.is_alphanumeric() {
                let start = self.at;
                let len: usize = text[start..]
                    .chars()
                    .take_while(|ch| ch.is_alphanumeric() && !is_cjk(*ch))
                    .map(char::len_utf8)
                    .sum();
                self.at = start + len;
                return Some((start, self.at, 0));
            } else {
                self.at = end;
            }
        }
    }
}

/// [`grams`] as a tantivy tokenizer; [`GramTokenizer::normalized`] reads
/// text that ingest has already normalised (offsets are then into it).
#[derive(Clone, Debug, Default)]
pub struct GramTokenizer {
    normalized: bool,
}

impl GramTokenizer {
    /// The tokenizer for text normalised before indexing.
    pub fn normalized() -> Self {
        GramTokenizer { normalized: true }
    }
}

/// The text a gram stream reads: normalised here, or given normalised.
enum Source<'a> {
    Normalized(Normalized),
    Given(&'a str),
}

/// The grams of one text, produced as tantivy asks for them.
pub struct GramTokenStream<'a> {
    source: Source<'a>,
    cursor: Cursor,
    token: Token,
    started: bool,
}

impl TokenStream for GramTokenStream<'_> {
    fn advance(&mut self) -> bool {
        let text = match &self.source {
            Source::Normalized(norm) => norm.text.as_str(),
            Source::Given(text) => text,
        };
        let Some((start, end, _)) = self.cursor.next(text) else {
            return false;
        };
        if self.started {
            self.token.position += 1;
        }
        self.started = true;
        let (from, to) = match &self.source {
            Source::Normalized(norm) => norm.original_range(start, end),
            Source::Given(_) => (start, end),
        };
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.text.clear();
        self.token.text.push_str(&text[start..end]);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = GramTokenStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GramTokenStream<'a> {
        let source = if self.normalized {
            Source::Given(text)
        } else {
            Source::Normalized(normalize(text))
        };
        GramTokenStream {
            source,
            cursor: Cursor::default(),
            token: Token {
                position: 0,
                position_length: 1,
                ..Token::default()
            },
            started: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unigrams_bigrams_and_latin_words() {
        let text = "ＥＩＰ解綁 v2";
        let got: Vec<_> = grams(text)
            .into_iter()
            .map(|g| (g.text, &text[g.from..g.to], g.chars))
            .collect();
        assert_eq!(
            got,
            vec![
                ("eip".to_string(), "ＥＩＰ", 0),
                ("解".to_string(), "解", 1),
                ("解绑".to_string(), "解綁", 2),
                ("绑".to_string(), "綁", 1),
                ("v2".to_string(), "v2", 0),
            ]
        );
    }

    #[test]
    fn the_token_stream_gives_the_grams_with_positions() {
        let text = "ＥＩＰ解綁 v2 云";
        let mut tokenizer = GramTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut got = Vec::new();
        while stream.advance() {
            let t = stream.token();
            got.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        let want: Vec<_> = grams(text)
            .into_iter()
            .enumerate()
            .map(|(i, g)| (g.text, g.from, g.to, i))
            .collect();
        assert_eq!(got, want);
        assert_eq!(got.len(), 6);
    }

    #[test]
    fn normalised_text_gives_the_grams_of_the_original() {
        for text in ["ＥＩＰ解綁 v2 雲", "帳號與密碼\nＨＴＴＰ/２ ﬁle ①"] {
            let norm = normalize(text);
            let mut tokenizer = GramTokenizer::normalized();
            let mut stream = tokenizer.token_stream(&norm.text);
            let mut given = Vec::new();
            while stream.advance() {
                let t = stream.token();
                given.push((t.text.clone(), t.position));
                assert_eq!(&norm.text[t.offset_from..t.offset_to], t.text);
            }
            let plain: Vec<_> = grams(text)
                .into_iter()
                .enumerate()
                .map(|(i, g)| (g.text, i))
                .collect();
            assert_eq!(given, plain, "{text}");
        }
    }
}
