//! Highlighted snippets. Matching runs on the normalised text the catalog
//! prepared at load time (no re-tokenising per hit): query terms are found
//! as substrings, the densest window is found in one pass over the matches,
//! cut out of the original text, and matches are wrapped in `<mark>`.

use aho_corasick::{AhoCorasick, AhoCorasickKind};

use crate::analysis::is_cjk;
use crate::analysis::normalize::Normalized;

/// Characters of text around the matches in a snippet.
pub const SNIPPET_CHARS: usize = 120;
/// Characters shown before the first match of the window.
const LEAD_CHARS: usize = 16;
/// Bytes of an article searched for the snippet window. Help articles
/// answer early; scanning whole long pages cost more than the search.
const SCAN_BYTES: usize = 12_000;

/// A match in normalised character indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Match {
    from: usize,
    to: usize,
    term: usize,
}

/// Finds the query's terms in article text: one automaton per query, one
/// pass per article.
#[derive(Debug)]
pub struct Highlighter {
    automaton: Option<AhoCorasick>,
    latin: Vec<bool>,
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
        // A contiguous NFA builds in microseconds; a DFA would cost more to
        // build per query than it saves over ten snippets.
        let automaton = (!kept.is_empty())
            .then(|| {
                AhoCorasick::builder()
                    .kind(Some(AhoCorasickKind::DFA))
                    .build(&kept)
                    .ok()
            })
            .flatten();
        Highlighter { automaton, latin }
    }

    /// A snippet of `original` (whose normalised form is `norm`),
    /// HTML-escaped, matches in `<mark>`.
    pub fn snippet(&self, original: &str, norm: &Normalized, max_chars: usize) -> String {
        let mut matches = self.find(norm);
        matches.sort_unstable();
        let n = norm.char_len();
        let (start, end) = best_window(&matches, n, max_chars);
        let (start_byte, end_byte) = norm.original_range_of_chars(start, end);
        let mut out = String::new();
        if start > 0 {
            out.push('…');
        }
        let mut at = start_byte;
        for (from, to) in merge(matches.iter().map(|m| (m.from, m.to)))
            .into_iter()
            .filter(|&(f, t)| f >= start && t <= end)
        {
            let (fb, tb) = norm.original_range_of_chars(from, to);
            if fb < at {
                continue;
            }
            out.push_str(&html_escape::encode_text(&original[at..fb]));
            out.push_str("<mark>");
            out.push_str(&html_escape::encode_text(&original[fb..tb]));
            out.push_str("</mark>");
            at = tb;
        }
        out.push_str(&html_escape::encode_text(&original[at..end_byte]));
        if end < n {
            out.push('…');
        }
        out
    }

    /// Occurrences of the terms in character indices (overlapping ones
    /// included). Latin terms must not sit inside a longer Latin word.
    fn find(&self, norm: &Normalized) -> Vec<Match> {
        let Some(ac) = &self.automaton else {
            return Vec::new();
        };
        let full = norm.text.as_str();
        let mut cut = full.len().min(SCAN_BYTES);
        while !full.is_char_boundary(cut) {
            cut -= 1;
        }
        let text = &full[..cut];
        let mut out = Vec::new();
        for m in ac.find_overlapping_iter(text) {
            let (at, end, term) = (m.start(), m.end(), m.pattern().as_usize());
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
            out.push(Match {
                from: norm.char_index(at),
                to: norm.char_index(end),
                term,
            });
        }
        out
    }
}

/// Unions overlapping and touching ranges (sorted by start).
fn merge(ranges: impl Iterator<Item = (usize, usize)>) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = Vec::new();
    for (f, t) in ranges {
        match out.last_mut() {
            Some(last) if f <= last.1 => last.1 = last.1.max(t),
            _ => out.push((f, t)),
        }
    }
    out
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

    fn snip(text: &str, terms: &[&str], max: usize) -> String {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        Highlighter::new(&terms).snippet(text, &normalize(text), max)
    }

    #[test]
    fn marks_matches_and_escapes_html() {
        assert_eq!(
            snip("点击<确定>后提交PO。", &["提交", "po"], 50),
            "点击&lt;确定&gt;后<mark>提交PO</mark>。"
        );
    }

    #[test]
    fn overlapping_terms_merge_into_one_mark() {
        assert_eq!(
            snip("查看考试券。", &["考试券", "考试"], 50),
            "查看<mark>考试券</mark>。"
        );
    }

    #[test]
    fn traditional_and_full_width_text_is_marked_in_the_original() {
        assert_eq!(snip("ＰＯ提交後", &["po"], 50), "<mark>ＰＯ</mark>提交後");
    }

    #[test]
    fn latin_terms_match_whole_words_only() {
        assert_eq!(snip("export po", &["po"], 50), "export <mark>po</mark>");
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
        assert!(s.contains("<mark>代金券</mark>和<mark>额度</mark>"), "{s}");
        assert_eq!(
            s.replace("<mark>", "")
                .replace("</mark>", "")
                .chars()
                .count(),
            32
        );
    }

    #[test]
    fn lone_ideographs_are_not_marked_beside_words() {
        assert_eq!(
            snip("使用考试券了", &["考试券", "用", "了"], 50),
            "使用<mark>考试券</mark>了"
        );
        assert_eq!(snip("使用", &["用"], 50), "使<mark>用</mark>");
    }

    #[test]
    fn no_match_shows_the_beginning() {
        assert_eq!(snip("第一句。第二句。", &["无"], 4), "第一句。…");
    }
}
