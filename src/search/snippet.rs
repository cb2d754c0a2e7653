//! Snippets: text around the matches with the matches' positions, for
//! the HTTP layer to render as HTML (`<mark>`) and the command line as 【】.
//! Matching runs on the normalised body ingest prepared (no re-tokenising
//! per hit): query terms are found as substrings, the densest window is
//! found in one pass over the matches and cut out of the original text.

use memchr::memmem::Finder;
use serde::Serialize;

use crate::analysis::is_cjk;
use crate::analysis::normalize::Normalized;
use crate::analysis::scan::{self, Scan, TermPairs};

/// Characters of text around the matches in a snippet.
pub const SNIPPET_CHARS: usize = 120;
/// Characters shown before the first match of the window.
const LEAD_CHARS: usize = 16;
/// Bytes of an article searched for the snippet window. Help articles
/// answer early; scanning whole long pages cost more than the search. (The
/// pair sketches ingest stores cover as much.)
const SCAN_BYTES: usize = scan::SKETCH_BYTES;
/// Terms a highlighter looks for (far more than a query plan has).
const MAX_TERMS: usize = 1 << 16;

/// A match in normalised character indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Match {
    from: usize,
    to: usize,
    term: usize,
}

/// Body text around the matches, and where the matches are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Snippet {
    /// Plain text, `…` where it was cut.
    pub text: String,
    /// Matched runs as `[start, end)` **character** (Unicode scalar value)
    /// offsets into `text`, in order, not overlapping.
    pub highlights: Vec<[usize; 2]>,
}

impl Snippet {
    /// The pieces of the text in order, each with whether it is a match.
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        let bytes: Vec<usize> = self
            .text
            .char_indices()
            .map(|(i, _)| i)
            .chain(std::iter::once(self.text.len()))
            .collect();
        let at = |c: usize| bytes[c.min(bytes.len() - 1)];
        let mut done = 0;
        for &[from, to] in &self.highlights {
            let (f, t) = (at(from), at(to));
            if f < done || t < f {
                continue;
            }
            if f > done {
                out.push((&self.text[done..f], false));
            }
            out.push((&self.text[f..t], true));
            done = t;
        }
        if done < self.text.len() {
            out.push((&self.text[done..], false));
        }
        out
    }
}

/// Finds the query's terms in article text: one substring searcher per
/// term (SIMD `memmem`, built in nanoseconds), every occurrence, overlaps
/// included.
#[derive(Debug)]
pub struct Highlighter {
    finders: Vec<Finder<'static>>,
    latin: Vec<bool>,
    /// Characters of each term.
    chars: Vec<usize>,
    /// Each term's character pairs, to skip it in texts without them.
    pairs: Vec<TermPairs>,
}

impl Highlighter {
    /// A highlighter for normalised `terms`. A lone ideograph matched by a
    /// one-character term (了, 用, 时) is noise next to real words; it counts
    /// only when the query has nothing longer.
    pub fn new(terms: &[String]) -> Highlighter {
        let only_short_terms = terms.iter().all(|t| t.chars().count() <= 1);
        let kept: Vec<&String> = terms
            .iter()
            .filter(|t| {
                let mut chars = t.chars();
                let lone = matches!((chars.next(), chars.next()), (Some(c), None) if is_cjk(c));
                !t.is_empty() && (only_short_terms || !lone)
            })
            .collect();
        let latin = kept
            .iter()
            .map(|t| t.chars().all(|c| c.is_ascii_alphanumeric()))
            .collect();
        let finders = kept
            .iter()
            .take(MAX_TERMS)
            .map(|t| Finder::new(t.as_bytes()).into_owned())
            .collect();
        let chars = kept.iter().map(|t| t.chars().count()).collect();
        let pairs = kept.iter().map(|t| TermPairs::of(t)).collect();
        Highlighter {
            finders,
            latin,
            chars,
            pairs,
        }
    }

    /// A snippet of `original` (whose normalised form is `norm`, and
    /// `prepared` that prepared for scanning, if at hand), at most
    /// `max_chars` characters of it.
    pub fn snippet(
        &self,
        original: &str,
        norm: &Normalized,
        prepared: Option<&Scan>,
        max_chars: usize,
    ) -> Snippet {
        let matches = self.find(norm, prepared);
        let n = norm.char_len();
        let (start, end) = best_window(&matches, n, max_chars);
        let (start_byte, end_byte) = norm.original_range_of_chars(start, end);
        let mut out = Snippet {
            // The window, and an ellipsis (3 bytes) at each end.
            text: String::with_capacity(end_byte - start_byte + 6),
            highlights: Vec::new(),
        };
        let mut chars = 0usize;
        let mut push = |out: &mut Snippet, s: &str| {
            out.text.push_str(s);
            chars += s.chars().count();
            chars
        };
        if start > 0 {
            push(&mut out, "…");
        }
        let mut at = start_byte;
        for (from, to) in
            merge(matches.iter().map(|m| (m.from, m.to))).filter(|&(f, t)| f >= start && t <= end)
        {
            let (fb, tb) = norm.original_range_of_chars(from, to);
            if fb < at {
                continue;
            }
            let a = push(&mut out, &original[at..fb]);
            let b = push(&mut out, &original[fb..tb]);
            out.highlights.push([a, b]);
            at = tb;
        }
        push(&mut out, &original[at..end_byte]);
        if end < n {
            push(&mut out, "…");
        }
        out
    }

    /// Occurrences of the terms in character indices (overlapping ones
    /// included), in order (of start, then end, then term). Latin terms
    /// must not sit inside a longer Latin word. With the text's [`Scan`],
    /// terms its pair sketch rules out are not searched for and a match's
    /// character index is looked up; without, byte offsets become
    /// character indices in one pass over the scanned text.
    fn find(&self, norm: &Normalized, prepared: Option<&Scan>) -> Vec<Match> {
        let full = norm.text.as_str();
        let cut = full.floor_char_boundary(SCAN_BYTES);
        let sketch = prepared.map(|p| &p.pairs).filter(|s| s.covers(cut));
        let starts = prepared.and_then(|p| p.char_starts_upto(cut));
        let text = &full.as_bytes()[..cut];
        // (start, length, term) packed in one integer, which sorts several
        // times faster than a tuple: the scan is far below 2³² bytes, and a
        // needle that matches is shorter than the scan, so below 2¹⁶ (the
        // highlighter keeps fewer terms than that).
        let mut found: Vec<u64> = Vec::with_capacity(64);
        for (term, finder) in self.finders.iter().enumerate() {
            if sketch.is_some_and(|s| !s.may_contain(&self.pairs[term])) {
                continue;
            }
            let len = finder.needle().len();
            let mut from = 0;
            while let Some(i) = finder.find(&text[from..]) {
                let (at, end) = (from + i, from + i + len);
                // Next search from the next character: overlaps count.
                from = at + full[at..].chars().next().map_or(1, char::len_utf8);
                if self.latin[term]
                    && (full[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|c| c.is_ascii_alphanumeric())
                        || full[end..]
                            .chars()
                            .next()
                            .is_some_and(|c| c.is_ascii_alphanumeric()))
                {
                    continue;
                }
                found.push(((at as u64) << 32) | ((len as u64) << 16) | term as u64);
            }
        }
        found.sort_unstable();
        // Needles are whole characters, so every offset is a character
        // start: its index is looked up, or the characters before a match
        // are those before the previous one plus those in between.
        let (mut byte, mut chars) = (0usize, 0usize);
        found
            .into_iter()
            .map(|key| {
                let (at, term) = ((key >> 32) as usize, (key & 0xffff) as usize);
                let from = match starts {
                    Some(starts) => starts[at] as usize,
                    None => {
                        chars += full[byte..at].chars().count();
                        byte = at;
                        chars
                    }
                };
                Match {
                    from,
                    to: from + self.chars[term],
                    term,
                }
            })
            .collect()
    }
}

/// Unions overlapping and touching ranges (sorted by start), as they come.
fn merge(ranges: impl Iterator<Item = (usize, usize)>) -> impl Iterator<Item = (usize, usize)> {
    let mut ranges = ranges.peekable();
    std::iter::from_fn(move || {
        let (from, mut to) = ranges.next()?;
        while let Some((_, t)) = ranges.next_if(|&(f, _)| f <= to) {
            to = to.max(t);
        }
        Some((from, to))
    })
}

/// The character range to show: the window of `max_chars` holding the most
/// distinct terms (then the most matches), starting a little before its
/// first match. One pass with two pointers over the sorted matches.
fn best_window(matches: &[Match], n: usize, max_chars: usize) -> (usize, usize) {
    if matches.is_empty() || n <= max_chars {
        return (0, max_chars.min(n));
    }
    let lead = LEAD_CHARS.min(max_chars / 2);
    let span = max_chars - lead;
    let terms = matches.iter().map(|m| m.term).max().unwrap_or(0) + 1;
    let mut counts = vec![0usize; terms];
    let (mut distinct, mut hi) = (0usize, 0usize);
    let mut best = (0usize, 0usize, matches[0].from);
    for lo in 0..matches.len() {
        let limit = matches[lo].from + span;
        while hi < matches.len() && matches[hi].to <= limit {
            if counts[matches[hi].term] == 0 {
                distinct += 1;
            }
            counts[matches[hi].term] += 1;
            hi += 1;
        }
        if (distinct, hi - lo) > (best.0, best.1) {
            best = (distinct, hi - lo, matches[lo].from);
        }
        if hi > lo {
            counts[matches[lo].term] -= 1;
            if counts[matches[lo].term] == 0 {
                distinct -= 1;
            }
        } else {
            hi = lo + 1;
        }
    }
    let end = (best.2.saturating_sub(lead) + max_chars).min(n);
    (end.saturating_sub(max_chars), end)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::normalize::normalize;

    /// The snippet with matches in 【】.
    fn snip(text: &str, terms: &[&str], max: usize) -> String {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        let s = Highlighter::new(&terms).snippet(text, &normalize(text), None, max);
        s.pieces()
            .into_iter()
            .map(|(p, hit)| {
                if hit {
                    format!("【{p}】")
                } else {
                    p.to_string()
                }
            })
            .collect()
    }

    #[test]
    fn highlights_are_character_ranges_of_the_text() {
        let terms = vec!["提交".to_string(), "po".to_string()];
        let text = "点击<确定>后提交PO。";
        let s = Highlighter::new(&terms).snippet(text, &normalize(text), None, 50);
        assert_eq!(s.text, text);
        assert_eq!(s.highlights, vec![[7, 11]]);
        assert_eq!(snip(text, &["提交", "po"], 50), "点击<确定>后【提交PO】。");
    }

    #[test]
    fn overlapping_terms_merge_into_one_mark() {
        assert_eq!(
            snip("查看考试券。", &["考试券", "考试"], 50),
            "查看【考试券】。"
        );
    }

    #[test]
    fn traditional_and_full_width_text_is_marked_in_the_original() {
        assert_eq!(snip("ＰＯ提交後", &["po"], 50), "【ＰＯ】提交後");
    }

    #[test]
    fn latin_terms_match_whole_words_only() {
        assert_eq!(snip("export po", &["po"], 50), "export 【po】");
    }

    #[test]
    fn long_text_is_cut_around_the_densest_window() {
        let text = format!(
            "{}代金券和额度{}",
            "无关内容。".repeat(40),
            "其他文字。".repeat(40)
        );
        let s = snip(&text, &["代金券", "额度"], 30);
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("【代金券】和【额度】"), "{s}");
        assert_eq!(s.replace(['【', '】'], "").chars().count(), 32);
    }

    #[test]
    fn lone_ideographs_are_not_marked_beside_words() {
        assert_eq!(
            snip("使用考试券了", &["考试券", "用", "了"], 50),
            "使用【考试券】了"
        );
        assert_eq!(snip("使用", &["用"], 50), "使【用】");
    }

    #[test]
    fn no_match_shows_the_beginning() {
        assert_eq!(snip("第一句。第二句。", &["无"], 4), "第一句。…");
    }

    mod against_counting {
        use proptest::prelude::*;

        use super::*;

        /// Every occurrence of every kept term, found by trying each
        /// character of the scanned text in turn.
        fn every_occurrence(h: &Highlighter, norm: &Normalized) -> Vec<Match> {
            let full = norm.text.as_str();
            let cut = full.floor_char_boundary(SCAN_BYTES);
            let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
            let mut out = Vec::new();
            for (i, (at, _)) in full.char_indices().enumerate() {
                for (term, finder) in h.finders.iter().enumerate() {
                    let needle = finder.needle();
                    let end = at + needle.len();
                    if end > cut || &full.as_bytes()[at..end] != needle {
                        continue;
                    }
                    if h.latin[term]
                        && (alnum(full[..at].chars().next_back())
                            || alnum(full[end..].chars().next()))
                    {
                        continue;
                    }
                    out.push(Match {
                        from: i,
                        to: i + h.chars[term],
                        term,
                    });
                }
            }
            out
        }

        fn text() -> impl Strategy<Value = String> {
            let piece = prop::sample::select(vec![
                "a",
                "ab",
                "b",
                "云",
                "服务",
                "云服务",
                "😀",
                "𠀀",
                "Ｐｏ",
                "é",
                " ",
                "，",
            ]);
            // Filler long enough (in some cases) to put matches across the
            // scanned bytes' end.
            let filler = prop_oneof![0usize..10, 2385usize..2400];
            (
                prop::collection::vec(piece.clone(), 0..60),
                filler,
                prop::collection::vec(piece, 0..20),
            )
                .prop_map(|(head, n, tail)| {
                    format!("{}{}{}", head.concat(), "𠀀a".repeat(n), tail.concat())
                })
        }

        fn terms() -> impl Strategy<Value = Vec<String>> {
            let term = prop::sample::select(vec![
                "a", "ab", "云服", "服务", "云", "😀a", "po", "é", "𠀀", "a𠀀",
            ]);
            prop::collection::vec(term.prop_map(str::to_string), 1..6)
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(200))]

            #[test]
            fn matches_are_at_the_characters_counted(text in text(), terms in terms()) {
                let norm = normalize(&text);
                let h = Highlighter::new(&terms);
                let got = h.find(&norm, None);
                let mut want = every_occurrence(&h, &norm);
                prop_assert!(got.windows(2).all(|w| w[0].from <= w[1].from));
                let mut sorted = got.clone();
                sorted.sort();
                want.sort();
                prop_assert_eq!(sorted, want);
                // Prepared, the text's pair sketch rules out no term that is
                // there, and characters are looked up as they were counted.
                let prepared = Scan::of(&norm);
                prop_assert_eq!(h.find(&norm, Some(&prepared)), got.clone());
                prop_assert_eq!(h.find(&norm, Some(&Scan::sketch_only(&norm))), got);
                // And the snippet holds together.
                let s = h.snippet(&text, &norm, Some(&prepared), 40);
                prop_assert!(s.highlights.windows(2).all(|w| w[0][1] <= w[1][0]));
                prop_assert!(s.highlights.iter().all(|&[f, t]| f < t && t <= s.text.chars().count()));
            }

            #[test]
            fn merged_ranges_are_the_union(mut ranges in prop::collection::vec((0usize..50, 0usize..6), 0..20)) {
                ranges.sort();
                let ranges: Vec<(usize, usize)> = ranges.into_iter().map(|(f, l)| (f, f + l)).collect();
                let mut want: Vec<(usize, usize)> = Vec::new();
                for &(f, t) in &ranges {
                    match want.last_mut() {
                        Some(last) if f <= last.1 => last.1 = last.1.max(t),
                        _ => want.push((f, t)),
                    }
                }
                prop_assert_eq!(merge(ranges.into_iter()).collect::<Vec<_>>(), want);
            }
        }
    }
}
