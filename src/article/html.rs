//! Raw HTML inside Markdown (Huawei docs carry whole `<table>`s, `<a name>`
//! anchors and `<br>`s) reduced to plain text, keeping link targets.

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

/// Text and links of an HTML fragment. Block-level tags become line breaks,
/// table cells are separated by ` | `, scripts, styles and comments vanish,
/// entities are decoded.
pub fn html_to_text(html: &str) -> (String, Vec<RawLink>) {
    let mut out = String::with_capacity(html.len() / 2);
    let mut links = Vec::new();
    let mut open_link: Option<(String, usize)> = None;
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_text(&mut out, &rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            // A lone `<` is text, not a tag.
            push_text(&mut out, rest);
            rest = "";
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        let closing = tag.starts_with('/');
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if name.is_empty() {
            // `<` followed by something that is no tag name, e.g. `a <b` in prose.
            push_text(&mut out, &format!("<{tag}>"));
            continue;
        }
        if !closing && (name == "script" || name == "style") {
            let end = format!("</{name}");
            rest = rest
                .to_ascii_lowercase()
                .find(&end)
                .and_then(|i| rest[i..].find('>').map(|j| &rest[i + j + 1..]))
                .unwrap_or("");
            continue;
        }
        match (name.as_str(), closing) {
            ("a", false) => {
                if let Some(href) = attribute(tag, "href") {
                    open_link = Some((href, out.len()));
                }
            }
            ("a", true) => {
                if let Some((href, start)) = open_link.take() {
                    let text = out[start..].trim().to_string();
                    links.push(RawLink { text, href });
                }
            }
            ("td" | "th", true) => {
                trim_end_in_place(&mut out);
                out.push_str(" | ");
            }
            (name, false) if BREAK_BEFORE.contains(&name) => new_line(&mut out),
            (name, true) if BREAK_AFTER.contains(&name) => new_line(&mut out),
            _ => {}
        }
    }
    push_text(&mut out, rest);
    let text = out
        .lines()
        .map(|l| l.trim().trim_matches('|').trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    (text, links)
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

fn push_text(out: &mut String, raw: &str) {
    if raw.is_empty() {
        return;
    }
    // Source newlines inside HTML are layout, not content.
    let decoded = html_escape::decode_html_entities(raw);
    for c in decoded.chars() {
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

/// The value of `name="…"` (or `'…'`, or unquoted) inside a tag.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(name) {
        let at = from + i;
        from = at + name.len();
        let before_ok = at > 0 && lower.as_bytes()[at - 1].is_ascii_whitespace();
        let rest = lower[from..].trim_start();
        if !before_ok || !rest.starts_with('=') {
            continue;
        }
        let value_start = tag.len() - rest.len() + 1;
        let value = tag[value_start..].trim_start();
        let parsed = match value.chars().next() {
            Some(q @ ('"' | '\'')) => value[1..].split(q).next().unwrap_or(""),
            _ => value
                .split(|c: char| c.is_whitespace())
                .next()
                .unwrap_or(""),
        };
        return Some(html_escape::decode_html_entities(parsed).into_owned());
    }
    None
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
    }
}
