//! Character n-grams of normalised text: every ideograph and every pair of
//! adjacent ideographs, plus whole Latin words. They match where word
//! segmentation disagrees between a query and an article, the way Lucene's
//! CJK analyzer does, and carry the fallback when no word matches.

use tantivy::tokenizer::{Token, Tokenizer};

use super::chinese::VecTokenStream;
use super::normalize::{is_cjk, normalize};

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

/// The n-grams of `text`, in order of position.
pub fn grams(text: &str) -> Vec<Gram> {
    let norm = normalize(text);
    let chars: Vec<(usize, char)> = norm.text.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let (at, c) = chars[i];
        if is_cjk(c) {
            let end = at + c.len_utf8();
            let (f, t) = norm.original_range(at, end);
            out.push(Gram {
                text: c.to_string(),
                from: f,
                to: t,
                chars: 1,
            });
            if let Some(&(next_at, next)) = chars.get(i + 1)
                && is_cjk(next)
            {
                let end = next_at + next.len_utf8();
                let (f, t) = norm.original_range(at, end);
                out.push(Gram {
                    text: norm.text[at..end].to_string(),
                    from: f,
                    to: t,
                    chars: 2,
                });
            }
            i += 1;
        } else if c.is_alphanumeric() {
            let mut j = i;
            while j < chars.len() && chars[j].1.is_alphanumeric() && !is_cjk(chars[j].1) {
                j += 1;
            }
            let end = chars.get(j).map_or(norm.text.len(), |&(b, _)| b);
            let (f, t) = norm.original_range(at, end);
            out.push(Gram {
                text: norm.text[at..end].to_string(),
                from: f,
                to: t,
                chars: 0,
            });
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// [`grams`] as a tantivy tokenizer.
#[derive(Clone, Debug, Default)]
pub struct GramTokenizer;

impl Tokenizer for GramTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        let tokens = grams(text)
            .into_iter()
            .enumerate()
            .map(|(position, g)| Token {
                offset_from: g.from,
                offset_to: g.to,
                position,
                text: g.text,
                position_length: 1,
            })
            .collect();
        VecTokenStream::new(tokens)
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
}
