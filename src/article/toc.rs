//! Tables of contents (`index.md`, `*bookmap*`): a nested list of links that
//! gives each article its topic path, the titles of its ancestors.

use std::collections::HashMap;

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

use super::MAX_TOPIC_DEPTH;
use super::markdown::{self, Block, tidy};

/// One entry of a table of contents.
#[derive(Debug, Clone, PartialEq)]
pub struct TocEntry {
    /// The entry's label.
    pub title: String,
    /// The linked file as written, if the entry is a link.
    pub href: Option<String>,
    /// Labels of the enclosing entries, outermost first.
    pub ancestors: Vec<String>,
}

/// Whether a file name is one that may hold a table of contents.
pub fn is_toc_name(file_name: &str) -> bool {
    let lower = file_name.to_lowercase();
    // Some exports double the extension (the ELB guide's `index.md.md`).
    let stem = lower.strip_suffix(".md").unwrap_or(&lower);
    let stem = stem.strip_suffix(".md").unwrap_or(stem);
    (stem == "index" || lower.contains("bookmap")) && lower.ends_with(".md")
}

/// Parses the nested list of a TOC file. Returns `None` when the text is not
/// a table of contents (no links, or more prose than list).
pub fn parse(markdown_text: &str) -> Option<Vec<TocEntry>> {
    let doc = markdown::parse(markdown_text);
    let (mut list_chars, mut prose_chars) = (0usize, 0usize);
    for block in &doc.blocks {
        let n = markdown::blocks_text(std::slice::from_ref(block))
            .chars()
            .count();
        match block {
            Block::List { .. } => list_chars += n,
            Block::Heading { .. } => {}
            _ => prose_chars += n,
        }
    }
    let entries = entries(markdown_text);
    let linked = entries.iter().filter(|e| e.href.is_some()).count();
    (linked > 0 && list_chars >= prose_chars * 2).then_some(entries)
}

#[derive(Default)]
struct Open {
    title: String,
    href: Option<String>,
    done: bool,
}

fn entries(markdown_text: &str) -> Vec<TocEntry> {
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    // Items nested deeper than a topic path may be are left out (their
    // titles would only be cut from the path), counted to match their ends.
    let mut too_deep = 0usize;
    let finish = |stack: &mut Vec<Open>, out: &mut Vec<TocEntry>| {
        if stack.last().is_none_or(|top| top.done) {
            return;
        }
        let ancestors: Vec<String> = stack[..stack.len() - 1]
            .iter()
            .map(|o| clean_label(&o.title))
            .collect();
        if let Some(top) = stack.last_mut() {
            top.done = true;
            let title = clean_label(&top.title);
            top.title = title.clone();
            if !title.is_empty() {
                out.push(TocEntry {
                    title,
                    href: top.href.clone(),
                    ancestors,
                });
            }
        }
    };
    for event in Parser::new(markdown_text) {
        match event {
            Event::Start(Tag::Item) if too_deep > 0 || stack.len() >= MAX_TOPIC_DEPTH => {
                too_deep += 1;
            }
            Event::End(TagEnd::Item) if too_deep > 0 => too_deep -= 1,
            Event::Start(Tag::Item) => stack.push(Open::default()),
            Event::End(TagEnd::Item) => {
                finish(&mut stack, &mut out);
                stack.pop();
            }
            Event::Start(Tag::List(_)) => finish(&mut stack, &mut out),
            Event::Start(Tag::Link { dest_url, .. }) => {
                if let Some(top) = stack.last_mut()
                    && !top.done
                    && top.href.is_none()
                {
                    top.href = Some(dest_url.to_string());
                }
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(top) = stack.last_mut()
                    && !top.done
                {
                    top.title.push_str(&t);
                }
            }
            _ => {}
        }
    }
    out
}

/// `[管理弹性云服务器]` and `**[x](x.md)**` both name the entry by its bare label.
fn clean_label(raw: &str) -> String {
    let t = tidy(raw);
    let t = t.trim_matches(|c: char| c == '*' || c.is_whitespace());
    let t = match t.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(inner) => inner,
        None => t,
    };
    t.trim().to_string()
}

/// A parsed TOC placed in the corpus: which articles it gives topics to.
#[derive(Debug, Default)]
pub struct TocIndex {
    dir: String,
    by_path: HashMap<String, Vec<String>>,
    by_title: HashMap<String, Vec<String>>,
}

impl TocIndex {
    /// Places `entries` from a TOC file at `toc_path` (relative to the corpus root).
    pub fn new(toc_path: &str, entries: &[TocEntry]) -> Self {
        let dir = parent_dir(toc_path);
        let mut by_path = HashMap::new();
        let mut by_title = HashMap::new();
        for e in entries {
            match &e.href {
                Some(href) => {
                    if let Some(target) = resolve_relative(&dir, href) {
                        by_path.entry(target).or_insert_with(|| e.ancestors.clone());
                    }
                }
                None => {
                    by_title
                        .entry(e.title.clone())
                        .or_insert_with(|| e.ancestors.clone());
                }
            }
        }
        TocIndex {
            dir,
            by_path,
            by_title,
        }
    }

    /// The directory the TOC applies to (relative to the corpus root, `""` for the root).
    pub fn dir(&self) -> &str {
        &self.dir
    }

    /// Whether the TOC links to `rel_path`.
    pub fn links_to(&self, rel_path: &str) -> bool {
        self.by_path.contains_key(rel_path)
    }

    /// The topic path of an article, found by its path, else by its title
    /// among entries without a link.
    pub fn topic_for(&self, rel_path: &str, title: &str) -> Option<&[String]> {
        self.by_path
            .get(rel_path)
            .or_else(|| self.by_title.get(title.trim()))
            .map(Vec::as_slice)
    }
}

/// The directory part of a relative path (`""` at the root).
pub fn parent_dir(rel_path: &str) -> String {
    rel_path
        .rsplit_once('/')
        .map_or_else(String::new, |(d, _)| d.to_string())
}

/// Resolves a relative link target against a directory: percent-decodes,
/// drops `#anchor` and `?query`, folds `.` and `..`. External URLs and
/// targets escaping the root give `None`.
pub fn resolve_relative(dir: &str, href: &str) -> Option<String> {
    let href = href.trim();
    if href.is_empty()
        || href.starts_with('#')
        || href.contains("://")
        || href.starts_with("mailto:")
    {
        return None;
    }
    let href = href.split(['#', '?']).next().unwrap_or("");
    let decoded = percent_encoding::percent_decode_str(href)
        .decode_utf8()
        .ok()?
        .into_owned();
    let mut parts: Vec<&str> = if decoded.starts_with('/') || dir.is_empty() {
        Vec::new()
    } else {
        dir.split('/').collect()
    };
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOC: &str = "# 用户指南\n\n-   [实例]\n    -   [选择计费模式]\n        -   [包年/包月计费](包年-包月计费.md)\n        -   [竞价计费]\n            -   [竞价计费型实例](竞价计费型实例.md)\n\n    -   [管理弹性云服务器]\n        -   [更改时区](sub/更改时区.md#a)\n-   [迁移云服务器](迁移云服务器.md)\n";

    #[test]
    fn nested_entries_with_and_without_links() {
        let entries = parse(TOC).unwrap();
        let titles: Vec<_> = entries.iter().map(|e| e.title.as_str()).collect();
        assert_eq!(
            titles,
            vec![
                "实例",
                "选择计费模式",
                "包年/包月计费",
                "竞价计费",
                "竞价计费型实例",
                "管理弹性云服务器",
                "更改时区",
                "迁移云服务器"
            ]
        );
        assert_eq!(
            entries[4].ancestors,
            vec!["实例", "选择计费模式", "竞价计费"]
        );
        assert_eq!(entries[5].href, None);
        assert_eq!(entries[6].href.as_deref(), Some("sub/更改时区.md#a"));
        assert!(entries[7].ancestors.is_empty());
    }

    #[test]
    fn topics_by_link_then_by_title() {
        let idx = TocIndex::new("index.md", &parse(TOC).unwrap());
        assert_eq!(
            idx.topic_for("sub/更改时区.md", "x").unwrap(),
            ["实例", "管理弹性云服务器"]
        );
        assert_eq!(
            idx.topic_for("管理弹性云服务器.md", "管理弹性云服务器")
                .unwrap(),
            ["实例"]
        );
        assert!(idx.topic_for("其他.md", "其他").is_none());
    }

    #[test]
    fn deep_tables_of_contents_stop_at_the_topic_depth() {
        let toc = format!("{}[深](deep.md)\n- [浅](a.md)\n", "- ".repeat(20_000));
        let entries = entries(&toc);
        assert!(entries.iter().all(|e| e.ancestors.len() < MAX_TOPIC_DEPTH));
        assert_eq!(entries.last().unwrap().title, "浅");
    }

    #[test]
    fn prose_index_is_not_a_toc() {
        assert!(parse("# 首页\n\n欢迎使用本产品，这里有很多文字介绍产品的用途和背景，以及一个[链接](a.md)。\n").is_none());
        assert!(is_toc_name("INDEX.md") && is_toc_name("ecs-bookmap.md") && !is_toc_name("a.md"));
    }

    #[test]
    fn relative_paths() {
        assert_eq!(
            resolve_relative("a/b", "../c%20d.md#x").as_deref(),
            Some("a/c d.md")
        );
        assert_eq!(resolve_relative("", "./x.md").as_deref(), Some("x.md"));
        assert_eq!(resolve_relative("", "../x.md"), None);
        assert_eq!(resolve_relative("", "https://e.com/x.md"), None);
    }
}
