//! Presentation the API adds to the engine's results.

use crate::search::Snippet;

/// A snippet as HTML: text escaped, matches in `<mark>`.
pub fn snippet_html(snippet: &Snippet) -> String {
    let mut out = String::with_capacity(snippet.text.len() + 16 * snippet.highlights.len());
    for (piece, hit) in snippet.pieces() {
        if hit {
            out.push_str("<mark>");
            out.push_str(&html_escape::encode_text(piece));
            out.push_str("</mark>");
        } else {
            out.push_str(&html_escape::encode_text(piece));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_are_marked_and_text_is_escaped() {
        let s = Snippet {
            text: "点击<确定>后提交PO。".into(),
            highlights: vec![[7, 11]],
        };
        assert_eq!(snippet_html(&s), "点击&lt;确定&gt;后<mark>提交PO</mark>。");
    }
}
