//! Raw HTML inside Markdown (Huawei docs carry whole `<table>`s, `<a name>`
//! anchors and `<br>`s) reduced to plain text, keeping link targets.

use html5gum::{DefaultEmitter, Token, Tokenizer};

use super::RawLink;

/// Tags that start a new line where they open.
const BREAK_BEFORE: &[&str] = &[
    "br",
    "hr",
    "tr",
    "li",
    "ol",
    "ul",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "dl",
    "dt",
    "dd",
    "caption",
];
/// Tags that end a line where they close. `<p>` and `<div>` only break when
/// they close, so a paragraph inside a table cell keeps its row on one line.
const BREAK_AFTER: &[&str] = &[
    "p",
    "div",
    "tr",
    "li",
    "ol",
    "ul",
    "table",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "dd",
    "dt",
    "caption",
    "section",
];

/// Tags whose content is never text.
const HIDDEN: &[&str] = &["script", "style", "template", "noscript"];

/// Text and links of an HTML fragment. Block-level tags become line breaks,
/// table cells are separated by ` | `, scripts, styles and comments vanish,
/// entities are decoded. Tokens come from html5gum, a WHATWG tokenizer, so
/// quoted attributes (`title="a>b"`), comments and raw text end where a
/// browser would end them.
pub fn html_to_text(html: &str) -> (String, Vec<RawLink>) {
    let mut out = String::with_capacity(html.len() / 2);
    let mut links = Vec::new();
    let mut open_link: Option<(String, usize)> = None;
    // Open hidden elements (`<script>` …): their text is dropped.
    let mut hidden = 0usize;
    let mut emitter = DefaultEmitter::default();
    // Script and style content is raw text, as in a browser.
    emitter.naively_switch_states(true);
    for token in Tokenizer::new_with_emitter(html, emitter) {
        let Ok(token) = token;
        match token {
            Token::String(text) if hidden == 0 => push_text(&mut out, &lossy(&text)),
            Token::StartTag(tag) => {
                let name = lossy(&tag.name);
                match name.as_ref() {
                    n if HIDDEN.contains(&n) && !tag.self_closing => hidden += 1,
                    n if HIDDEN.contains(&n) => {}
                    "a" => {
                        if let Some(href) = tag.attributes.get(b"href".as_slice()) {
                            open_link = Some((lossy(href).into_owned(), out.len()));
                        }
                    }
                    n if BREAK_BEFORE.contains(&n) => new_line(&mut out),
                    _ => {}
                }
            }
            Token::EndTag(tag) => {
                let name = lossy(&tag.name);
                match name.as_ref() {
                    n if HIDDEN.contains(&n) => hidden = hidden.saturating_sub(1),
                    "a" => {
                        if let Some((href, start)) = open_link.take() {
                            let text = out.get(start..).unwrap_or("").trim().to_string();
                            links.push(RawLink { text, href });
                        }
                    }
                    "td" | "th" => {
                        trim_end_in_place(&mut out);
                        out.push_str(" | ");
                    }
                    n if BREAK_AFTER.contains(&n) => new_line(&mut out),
                    _ => {}
                }
            }
            // Comments, doctypes, parse errors (the tokenizer recovers) and
            // hidden text.
            _ => {}
        }
    }
    let text = out
        .lines()
        .map(|l| l.trim().trim_matches('|').trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    (text, links)
}

fn lossy(bytes: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(bytes)
}

fn trim_end_in_place(out: &mut String) {
    let len = out.trim_end().len();
    out.truncate(len);
}

fn new_line(out: &mut String) {
    let len = out.trim_end_matches(' ').len();
    out.truncate(len);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
}

/// Appends decoded text, with source newlines and tabs (layout, not
/// content, inside HTML) as single spaces.
fn push_text(out: &mut String, text: &str) {
    for c in text.chars() {
        let c = if c == '\n' || c == '\r' || c == '\t' || c == '\u{a0}' {
            ' '
        } else {
            c
        };
        if c == ' ' && (out.ends_with(' ') || out.ends_with('\n') || out.is_empty()) {
            continue;
        }
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_cells_and_rows_become_lines() {
        let html = "<table><tr><th>类型</th><th>版本</th></tr>\n<tr><td><p>CentOS</p></td><td>7.6</td></tr></table>";
        let (text, links) = html_to_text(html);
        assert_eq!(text, "类型 | 版本\nCentOS | 7.6");
        assert!(links.is_empty());
    }

    #[test]
    fn anchors_vanish_and_links_are_kept() {
        let html = r#"<a name="x"></a>详见<a href="https://e.com/a.html" target="_blank">监控插件</a>&amp;更多"#;
        let (text, links) = html_to_text(html);
        assert_eq!(text, "详见监控插件&更多");
        assert_eq!(
            links,
            vec![RawLink {
                text: "监控插件".into(),
                href: "https://e.com/a.html".into()
            }]
        );
    }

    #[test]
    fn comments_scripts_and_stray_brackets() {
        let (text, _) = html_to_text("a <!-- hidden --> b <script>x()</script>c < d");
        assert_eq!(text, "a b c < d");
        let (text, _) = html_to_text(
            "<style>p > a { color: red }</style>正文<script>if (a<b && c>d) {}</script>",
        );
        assert_eq!(text, "正文");
    }

    #[test]
    fn a_quoted_greater_than_sign_does_not_end_the_tag() {
        let html = r#"<p title="a>b">说明</p><a href="x.md" title="1 > 0">链接</a>"#;
        let (text, links) = html_to_text(html);
        assert_eq!(text, "说明\n链接");
        assert_eq!(
            links,
            vec![RawLink {
                text: "链接".into(),
                href: "x.md".into()
            }]
        );
        let (text, _) = html_to_text(r#"<img alt='x>y' src="a.png">图后文字"#);
        assert_eq!(text, "图后文字");
    }
}
