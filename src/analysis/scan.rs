//! What snippets need to search the start of a normalised body quickly,
//! prepared once per body rather than per hit:
//! - which pairs of neighbouring characters it holds, as a small bit set
//!   with one hashed bit per pair ([`PairSketch`], built at ingest and
//!   stored). A term with a pair the text lacks cannot occur in it, so a
//!   snippet skips searching for it: in the hits of a search about half the
//!   query's terms are absent, and each absent term cost a scan of the text;
//! - the index of the character that starts at each byte ([`Scan`], rebuilt
//!   when a body is read), so a match's byte offset becomes a character
//!   index without counting the characters before it.

use serde::{Deserialize, Serialize};

use super::normalize::Normalized;

/// Bytes at the start of a text that a sketch covers (the part of a body
/// snippets search).
pub const SKETCH_BYTES: usize = 12_000;
// Character indices within the covered bytes fit in 16 bits.
const _: () = assert!(SKETCH_BYTES < u16::MAX as usize);
/// Bits per pair of the text (repeated pairs set the same bit, so about one
/// bit in six ends up set and a pair not in the text passes one time in
/// six or seven).
const BITS_PER_PAIR: usize = 4;
const MIN_BITS: usize = 64;
const MAX_BITS: usize = 1 << 15;

/// The character pairs of the first [`SKETCH_BYTES`] of a text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairSketch {
    /// Bytes of the text covered, from its start (whole characters).
    covered: u32,
    /// The bits, a power of two of them (none: nothing is known).
    bits: Vec<u8>,
}

/// The hash of a pair of characters, before it is cut to a sketch's size.
fn pair_hash(a: char, b: char) -> u64 {
    ((u64::from(a) << 32) | u64::from(b)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

impl PairSketch {
    /// The sketch of `text`'s first [`SKETCH_BYTES`].
    pub fn of(text: &str) -> PairSketch {
        let covered = text.floor_char_boundary(SKETCH_BYTES);
        let scanned = &text[..covered];
        let pairs = scanned.chars().count().saturating_sub(1);
        if pairs == 0 {
            return PairSketch {
                covered: covered as u32,
                bits: Vec::new(),
            };
        }
        let n = (pairs * BITS_PER_PAIR)
            .next_power_of_two()
            .clamp(MIN_BITS, MAX_BITS);
        let shift = 64 - n.trailing_zeros();
        let mut bits = vec![0u8; n / 8];
        let mut chars = scanned.chars();
        let mut prev = chars.next();
        for c in chars {
            if let Some(p) = prev {
                let bit = (pair_hash(p, c) >> shift) as usize;
                bits[bit / 8] |= 1 << (bit % 8);
            }
            prev = Some(c);
        }
        PairSketch {
            covered: covered as u32,
            bits,
        }
    }

    /// Whether the sketch speaks for the first `bytes` of its text.
    pub fn covers(&self, bytes: usize) -> bool {
        bytes <= self.covered as usize
    }

    /// False only if the covered text cannot contain a string with these
    /// pairs ([`TermPairs`]).
    pub fn may_contain(&self, term: &TermPairs) -> bool {
        if term.0.is_empty() {
            return true;
        }
        let n = self.bits.len() * 8;
        if n == 0 {
            // No pairs in the text: a term with one is not there.
            return false;
        }
        let shift = 64 - n.trailing_zeros();
        term.0.iter().all(|&h| {
            let bit = (h >> shift) as usize;
            self.bits[bit / 8] & (1 << (bit % 8)) != 0
        })
    }
}

/// A normalised text's start prepared for snippets: its pair sketch and
/// the character index at each byte where a character starts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scan {
    /// The pairs of the text's first [`SKETCH_BYTES`].
    pub pairs: PairSketch,
    /// At each byte of the covered start that begins a character, that
    /// character's index (other bytes: 0).
    chars: Vec<u16>,
}

impl Scan {
    /// The scan of `norm` with its (stored) pair sketch. A sketch that
    /// does not cover exactly the text's scanned start (a corrupt record,
    /// or a normalisation redone on reading) is built again rather than
    /// trusted: it could rule out a term the text holds, and its length
    /// sizes the table below.
    pub fn new(norm: &Normalized, pairs: PairSketch) -> Scan {
        let covered = norm.text.floor_char_boundary(SKETCH_BYTES);
        let pairs = if pairs.covered as usize == covered {
            pairs
        } else {
            PairSketch::of(&norm.text)
        };
        let mut chars = vec![0u16; covered];
        for (i, &at) in norm.char_starts().iter().enumerate() {
            match chars.get_mut(at as usize) {
                Some(slot) => *slot = i as u16,
                None => break,
            }
        }
        Scan { pairs, chars }
    }

    /// A scan with its pair sketch only, what ingest stores: without the
    /// character table, snippets count characters instead.
    pub fn sketch_only(norm: &Normalized) -> Scan {
        Scan {
            pairs: PairSketch::of(&norm.text),
            chars: Vec::new(),
        }
    }

    /// The scan of `norm`, its sketch built now.
    pub fn of(norm: &Normalized) -> Scan {
        Scan::new(norm, PairSketch::of(&norm.text))
    }

    /// Character index of each character start among the first `bytes`
    /// bytes, if the scan covers them.
    pub fn char_starts_upto(&self, bytes: usize) -> Option<&[u16]> {
        self.chars.get(..bytes)
    }
}

/// A term's pairs of neighbouring characters, hashed (none for a term of
/// one character: a sketch cannot rule it out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermPairs(Vec<u64>);

impl TermPairs {
    /// The pairs of `term`.
    pub fn of(term: &str) -> TermPairs {
        let chars: Vec<char> = term.chars().collect();
        let mut hashes: Vec<u64> = chars.windows(2).map(|w| pair_hash(w[0], w[1])).collect();
        hashes.sort_unstable();
        hashes.dedup();
        TermPairs(hashes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_term_in_the_text_always_passes() {
        let text = "购买弹性云服务器后，可以通过控制台重置密码；Linux 实例 ssh 登录。".repeat(40);
        let sketch = PairSketch::of(&text);
        for (i, _) in text.char_indices() {
            for len in [2, 3, 5, 9] {
                let Some(term) = text[i..]
                    .char_indices()
                    .nth(len)
                    .map(|(e, _)| &text[i..i + e])
                else {
                    continue;
                };
                assert!(sketch.may_contain(&TermPairs::of(term)), "{term}");
            }
        }
        // Terms of one character are never ruled out.
        assert!(sketch.may_contain(&TermPairs::of("鲸")));
        assert!(sketch.may_contain(&TermPairs::of("")));
    }

    #[test]
    fn absent_terms_are_mostly_ruled_out() {
        let text = "购买弹性云服务器后，可以通过控制台重置密码。".repeat(10);
        let sketch = PairSketch::of(&text);
        let absent = [
            "数据库",
            "负载均衡",
            "备份恢复",
            "网络地址转换",
            "kafka",
            "大数据集群",
        ];
        let passed = absent
            .iter()
            .filter(|t| sketch.may_contain(&TermPairs::of(t)))
            .count();
        assert!(
            passed <= 1,
            "{passed} of {} absent terms passed",
            absent.len()
        );
    }

    #[test]
    fn character_indices_at_character_starts() {
        let text = "a云é😀 b服务".repeat(900);
        let norm = crate::analysis::normalize::normalize(&text);
        let scan = Scan::of(&norm);
        let cut = norm.text.floor_char_boundary(SKETCH_BYTES);
        let table = scan.char_starts_upto(cut).unwrap();
        for (i, (at, _)) in norm
            .text
            .char_indices()
            .take_while(|&(at, _)| at < cut)
            .enumerate()
        {
            assert_eq!(table[at] as usize, i);
        }
        assert!(scan.char_starts_upto(cut + 1).is_none());
    }

    #[test]
    fn a_stored_sketch_that_does_not_fit_its_text_is_not_trusted() {
        let norm = crate::analysis::normalize::normalize("购买弹性云服务器");
        // A record's sketch claiming more bytes than the text has, with
        // another text's bits: trusted, it rules out 服务, which is there,
        // and sizes the character table by the claim.
        let foreign = PairSketch {
            covered: 1 << 20,
            bits: PairSketch::of("数据库备份恢复与迁移").bits,
        };
        assert!(!foreign.may_contain(&TermPairs::of("服务")));
        let scan = Scan::new(&norm, foreign);
        assert!(scan.pairs.covers(norm.text.len()));
        assert!(scan.pairs.may_contain(&TermPairs::of("服务")));
        assert_eq!(scan.chars.len(), norm.text.len());
        // One claiming less is rebuilt too, so the sketch still serves.
        let short = PairSketch::of("购买");
        let scan = Scan::new(&norm, short);
        assert_eq!(scan.pairs, PairSketch::of(&norm.text));
        // The sketch stored for the text is kept as it is.
        let scan = Scan::new(&norm, PairSketch::of(&norm.text));
        assert_eq!(scan, Scan::of(&norm));
    }

    #[test]
    fn only_the_covered_start_counts() {
        let mut text = "甲".repeat(SKETCH_BYTES / 3 - 1);
        text.push_str("乙丙");
        let sketch = PairSketch::of(&text);
        // 甲乙 ends at byte 12,000 (covered); 乙丙 does not fit.
        assert!(sketch.covers(SKETCH_BYTES));
        assert!(!sketch.covers(SKETCH_BYTES + 1));
        assert!(sketch.may_contain(&TermPairs::of("甲乙")));
        // Without pairs, the text has no term of two characters.
        let one = PairSketch::of("甲");
        assert!(!one.may_contain(&TermPairs::of("甲乙")));
        assert!(one.may_contain(&TermPairs::of("甲")));
    }
}
