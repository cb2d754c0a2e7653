//! Highlighted snippets. Matching runs on the normalised text the catalog
//! prepared at load time (no re-tokenising per hit): query terms are found
//! as substrings, the densest window is cut out of the original text and
//! matches are wrapped in `<mark>`.

use crate::analysis::normalize::Normalized;

/// Characters of text around the matches in a snippet.
pub const SNIPPET_CHARS: usize = 120;
/// Characters shown before the first match of the window.
const LEAD_CHARS: usize = 16;

/// A snippet of `original` (whose normalised form is `norm`) around `terms`
/// (normalised), HTML-escaped, matches in `<mark>`.
pub fn snippet(original: &str, norm: &Normalized, terms: &[String], max_chars: usize) -> String {
    let matches = find_matches(&norm.text, terms);
    // Work in original byte offsets from here on.
    let mut spans: Vec<(usize, usize, usize)> = matches
        .iter()
        .map(|&(from, to, term)| {
            let (a, b) = norm.original_range(from, to);
            (a, b, term)
        })
        .collect();
    spans.sort();
    let (start, end) = best_window(original, &spans, max_chars);
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    // A lone ideograph matched by a one-character term (了, 用, 时) is
    // noise next to real words; mark it only when the query has nothing longer.
    let only_short_terms = terms.iter().all(|t| t.chars().count() <= 1);
    let mut at = start;
    let marked = spans
        .iter()
        .map(|s| (s.0, s.1))
        .filter(|&(f, t)| only_short_terms || !is_lone_ideograph(&original[f..t]));
    for (from, to) in merge(marked)
        .into_iter()
        .filter(|&(f, t)| f >= start && t <= end)
    {
        if from < at {
            continue;
        }
        out.push_str(&html_escape::encode_text(&original[at..from]));
        out.push_str("<mark>");
        out.push_str(&html_escape::encode_text(&original[from..to]));
        out.push_str("</mark>");
        at = to;
    }
    out.push_str(&html_escape::encode_text(&original[at..end]));
    if end < original.len() {
        out.push('…');
    }
    out
}

fn is_lone_ideograph(s: &str) -> bool {
    let mut chars = s.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if crate::analysis::is_cjk(c))
}

/// Non-overlapping occurrences of each term: `(from, to, term index)` in
/// normalised bytes. Latin terms must not sit inside a longer Latin word.
fn find_matches(text: &str, terms: &[String]) -> Vec<(usize, usize, usize)> {
    let mut out = Vec::new();
    for (i, term) in terms.iter().enumerate() {
        if term.is_empty() {
            continue;
        }
        let latin = term.chars().all(|c| c.is_ascii_alphanumeric());
        for (at, m) in text.match_indices(term.as_str()) {
            let end = at + m.len();
            if latin {
                let before = text[..at].chars().next_back();
                let after = text[end..].chars().next();
                if before.is_some_and(|c| c.is_ascii_alphanumeric())
                    || after.is_some_and(|c| c.is_ascii_alphanumeric())
                {
                    continue;
                }
            }
            out.push((at, end, i));
        }
    }
    out
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

/// The byte range of `original` to show: the window of `max_chars`
/// characters holding the most distinct terms (then the most matches),
/// starting a little before its first match.
fn best_window(
    original: &str,
    spans: &[(usize, usize, usize)],
    max_chars: usize,
) -> (usize, usize) {
    let char_starts: Vec<usize> = original.char_indices().map(|(i, _)| i).collect();
    let n = char_starts.len();
    let byte_at = |ci: usize| {
        if ci >= n {
            original.len()
        } else {
            char_starts[ci]
        }
    };
    let char_of = |b: usize| char_starts.partition_point(|&s| s < b);
    if spans.is_empty() || n <= max_chars {
        return (0, byte_at(max_chars.min(n)));
    }
    let mut best = (0usize, 0usize, usize::MAX);
    for (i, s) in spans.iter().enumerate() {
        let first = char_of(s.0);
        let limit = first + max_chars - LEAD_CHARS.min(max_chars / 2);
        let mut distinct: Vec<usize> = Vec::new();
        let mut count = 0;
        for t in &spans[i..] {
            if char_of(t.1) > limit {
                break;
            }
            count += 1;
            if !distinct.contains(&t.2) {
                distinct.push(t.2);
            }
        }
        let key = (distinct.len(), count);
        if key > (best.0, best.1) {
            best = (key.0, key.1, first);
        }
    }
    let first = best.2.min(n);
    let start_char = first.saturating_sub(LEAD_CHARS.min(max_chars / 2));
    let end_char = (start_char + max_chars).min(n);
    let start_char = end_char.saturating_sub(max_chars);
    (byte_at(start_char), byte_at(end_char))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::normalize::normalize;

    fn snip(text: &str, terms: &[&str], max: usize) -> String {
        let terms: Vec<String> = terms.iter().map(|t| t.to_string()).collect();
        snippet(text, &normalize(text), &terms, max)
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
