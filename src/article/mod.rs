//! Files to [`Article`]s: pure parsing, no I/O and no index.
//!
//! A help article is a title, a topic path, alternative questions and body
//! sections. Parsers here take text and return articles or a
//! [`Problem`] that says where the input is broken.

pub mod crawl;
pub mod frontmatter;
pub mod html;
pub mod jsonl;
pub mod links;
pub mod markdown;
pub mod prose;
pub mod structure;
pub mod toc;

use serde::{Deserialize, Serialize};

use markdown::{Block, Document, blocks_text};
pub use structure::{Link, LinkKind, Procedure, Step};

/// A link as written in the source: label and target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RawLink {
    /// The visible label.
    pub text: String,
    /// The target as written (relative path, URL, anchor).
    pub href: String,
}

/// A run of text under one heading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Section {
    /// The heading; `None` for text before the first heading.
    pub heading: Option<String>,
    /// Plain text, one line per paragraph or list item.
    pub text: String,
}

/// One line of `wenda export`: `{"id","title","body"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExportRecord {
    /// Article id.
    pub id: String,
    /// Article title.
    pub title: String,
    /// Alternative questions, one a line, then the body text.
    pub body: String,
}

/// One help article, whatever file format it came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Article {
    /// Stable identifier: front-matter `id`, else the path without `.md`.
    pub id: String,
    /// Title as a reader sees it.
    pub title: String,
    /// Parent topics, outermost first.
    pub topic: Vec<String>,
    /// Other ways users ask for this article.
    pub questions: Vec<String>,
    /// Where the article lives on the web.
    pub url: Option<String>,
    /// Source file relative to its corpus root (`file.jsonl:LINE` for bulk imports).
    pub path: String,
    /// Name of the corpus the article was loaded from.
    pub corpus: String,
    /// Body text split at headings.
    pub sections: Vec<Section>,
    /// What must hold before starting (前提条件).
    pub prerequisites: Vec<String>,
    /// Limits and cautions (约束与限制, 注意事项).
    pub constraints: Vec<String>,
    /// Procedures in document order; the first is the article's steps.
    pub procedures: Vec<Procedure>,
    /// Outgoing links, resolved against the corpus at ingest.
    pub links: Vec<Link>,
    /// The source was cut (a crawl that lost the start or end of the page).
    pub partial: bool,
    /// Links as written in the source; resolved into `links` at ingest.
    #[serde(skip)]
    pub raw_links: Vec<RawLink>,
    /// Letters, digits and ideographs of link labels in the body.
    pub link_chars: usize,
}

/// Titles that say what kind of page it is but not what about; search reads
/// them together with their topic (智能购买组 › 概述).
const GENERIC_TITLES: &[&str] = &[
    "概述",
    "简介",
    "概念",
    "介绍",
    "总览",
    "概览",
    "前言",
    "入门",
    "快速入门",
    "基本概念",
    "常见问题",
    "FAQ",
    "使用说明",
    "使用须知",
    "约束与限制",
    "操作指导",
    "最佳实践",
];

impl Article {
    /// The title as search reads it: a generic title (概述, 简介 …) is
    /// prefixed with the innermost topic, so “智能购买组是什么” finds the
    /// overview of 智能购买组.
    pub fn search_title(&self) -> String {
        let bare = self.title.trim();
        match self.topic.last() {
            Some(leaf) if GENERIC_TITLES.iter().any(|g| bare.eq_ignore_ascii_case(g)) => {
                format!("{leaf} {bare}")
            }
            _ => bare.to_string(),
        }
    }

    /// The steps of the article's (first) procedure.
    pub fn steps(&self) -> &[Step] {
        self.procedures.first().map_or(&[], |p| p.steps.as_slice())
    }

    /// Step texts and console paths, for the index.
    pub fn steps_text(&self) -> String {
        fn walk(steps: &[Step], out: &mut Vec<String>) {
            for s in steps {
                out.push(s.text.clone());
                if !s.menu_path.is_empty() {
                    out.push(s.menu_path.join(" "));
                }
                walk(&s.substeps, out);
            }
        }
        let mut out = Vec::new();
        for p in &self.procedures {
            walk(&p.steps, &mut out);
        }
        out.join("\n")
    }

    /// All body text, sections separated by blank lines.
    pub fn body_text(&self) -> String {
        let mut out = String::new();
        for s in &self.sections {
            if !out.is_empty() {
                out.push('\n');
            }
            if let Some(h) = &s.heading {
                out.push_str(h);
                out.push('\n');
            }
            out.push_str(&s.text);
        }
        out
    }

    /// The article as `wenda export` writes it for other engines: the
    /// alternative questions, then the body text.
    pub fn export_record(&self) -> ExportRecord {
        let mut body = self.questions.join("\n");
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&self.body_text());
        ExportRecord {
            id: self.id.clone(),
            title: self.title.clone(),
            body,
        }
    }

    /// Section headings joined by newlines.
    pub fn headings_text(&self) -> String {
        self.sections
            .iter()
            .filter_map(|s| s.heading.as_deref())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Share of body characters that are link labels (1.0 for a page of links).
    pub fn link_density(&self) -> f32 {
        let total: usize = self
            .sections
            .iter()
            .map(|s| markdown::content_chars(&s.text))
            .sum();
        if total == 0 {
            return 0.0;
        }
        (self.link_chars as f32 / total as f32).min(1.0)
    }
}

/// Why one input (a file or a line of it) produced no article.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    /// What is wrong, in words a content author can act on.
    pub message: String,
}

impl Problem {
    /// A problem on a line.
    pub fn at(line: usize, message: impl Into<String>) -> Self {
        Problem {
            line: Some(line),
            message: message.into(),
        }
    }

    /// A problem with the whole input.
    pub fn whole(message: impl Into<String>) -> Self {
        Problem {
            line: None,
            message: message.into(),
        }
    }
}

/// Metadata that can come from front matter, a JSONL record, or nowhere.
#[derive(Debug, Default, Clone)]
pub struct Meta {
    /// Explicit id.
    pub id: Option<String>,
    /// Explicit title.
    pub title: Option<String>,
    /// Explicit topic path.
    pub topic: Vec<String>,
    /// Alternative questions.
    pub questions: Vec<String>,
    /// Web address.
    pub url: Option<String>,
}

/// The id of a file without explicit id: its path without `.md`.
pub fn id_from_path(rel_path: &str) -> String {
    let p = rel_path.replace('\\', "/");
    p.strip_suffix(".md")
        .or_else(|| p.strip_suffix(".markdown"))
        .unwrap_or(&p)
        .to_string()
}

/// Builds an article from parsed Markdown and its metadata.
///
/// The title comes from `meta`, else the first H1 (which then does not
/// repeat as a section), else `fallback_title`. Section names written
/// inline become sections; prerequisites, constraints and procedures are
/// picked out.
pub fn from_document(
    meta: Meta,
    doc: Document,
    path: &str,
    corpus: &str,
    fallback_title: &str,
) -> Article {
    let mut blocks = structure::split_inline_markers(doc.blocks);
    let h1_index = blocks
        .iter()
        .position(|b| matches!(b, Block::Heading { level: 1, text } if !text.is_empty()));
    let title = match (meta.title.filter(|t| !t.trim().is_empty()), h1_index) {
        (Some(t), Some(i)) => {
            // An H1 equal to the title is not content.
            if matches!(&blocks[i], Block::Heading { text, .. } if text.trim() == t.trim()) {
                blocks.remove(i);
            }
            t.trim().to_string()
        }
        (Some(t), None) => t.trim().to_string(),
        (None, Some(i)) => match blocks.remove(i) {
            Block::Heading { text, .. } => text,
            _ => unreachable!("position matched a heading"),
        },
        (None, None) => fallback_title.to_string(),
    };
    let sections = split_sections(&blocks);
    let found = structure::extract(&blocks);
    Article {
        id: meta.id.unwrap_or_else(|| id_from_path(path)),
        title,
        topic: meta.topic,
        questions: meta.questions,
        url: meta.url,
        path: path.to_string(),
        corpus: corpus.to_string(),
        sections,
        prerequisites: found.prerequisites,
        constraints: found.constraints,
        procedures: found.procedures,
        links: Vec::new(),
        partial: false,
        raw_links: doc.links,
        link_chars: doc.link_chars,
    }
}

/// Articles of a crawl file, with ids from the file's stem and the title.
/// Cut pages are flagged `partial` and reported as problems.
pub fn parse_crawl_file(
    text: &str,
    path: &str,
    corpus: &str,
) -> (Vec<Article>, Vec<Problem>, Vec<crawl::Skipped>) {
    let parsed = crawl::parse(text);
    let stem = path.rsplit_once('.').map_or(path, |(s, _)| s);
    let mut used: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut articles = Vec::new();
    let mut problems = Vec::new();
    for c in parsed.articles {
        let slug: String = c
            .title
            .chars()
            .map(|ch| if ch.is_alphanumeric() { ch } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let mut id = format!("{stem}/{slug}");
        let mut k = 2;
        while !used.insert(id.clone()) {
            id = format!("{stem}/{slug}-{k}");
            k += 1;
        }
        let meta = Meta {
            id: Some(id),
            title: Some(c.title.clone()),
            topic: c.topic,
            ..Meta::default()
        };
        let doc = Document {
            blocks: c.blocks,
            ..Document::default()
        };
        let mut article = from_document(meta, doc, &format!("{path}:{}", c.line), corpus, "");
        if c.cut_at_start || c.cut_at_end {
            article.partial = true;
            let where_ = match (c.cut_at_start, c.cut_at_end) {
                (true, true) => "start and end",
                (true, false) => "start",
                _ => "end",
            };
            problems.push(Problem::at(
                c.line,
                format!("partial: the crawl cut `{}` at its {where_}", article.title),
            ));
        }
        articles.push(article);
    }
    (articles, problems, parsed.skipped)
}

/// Splits top-level blocks into sections at headings.
pub fn split_sections(blocks: &[Block]) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut heading: Option<String> = None;
    let mut run: Vec<Block> = Vec::new();
    let mut flush = |heading: Option<String>, run: &mut Vec<Block>| {
        let text = blocks_text(run);
        run.clear();
        if heading.is_some() || !text.is_empty() {
            sections.push(Section { heading, text });
        }
    };
    for block in blocks {
        match block {
            Block::Heading { text, .. } => {
                flush(heading.take(), &mut run);
                heading = Some(text.clone());
            }
            other => run.push(other.clone()),
        }
    }
    flush(heading, &mut run);
    sections
}

/// Parses one Markdown file (with optional front matter) into an article.
pub fn parse_markdown_file(text: &str, path: &str, corpus: &str) -> Result<Article, Problem> {
    if text.trim().is_empty() {
        return Err(Problem::whole("file is empty"));
    }
    let split = frontmatter::split(text).map_err(|e| Problem::at(e.line, e.message))?;
    let meta = split.front.map_or_else(Meta::default, |f| Meta {
        id: f.id.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        title: f.title,
        topic: f
            .topic
            .map(frontmatter::OneOrMany::into_topic_path)
            .unwrap_or_default(),
        questions: f.questions.map(|q| q.into_vec()).unwrap_or_default(),
        url: f.url.filter(|u| !u.trim().is_empty()),
    });
    let doc = markdown::parse(split.body);
    let stem = path
        .rsplit('/')
        .next()
        .unwrap_or(path)
        .trim_end_matches(".md");
    let article = from_document(meta, doc, path, corpus, stem);
    if article.sections.is_empty() && article.questions.is_empty() {
        return Err(Problem::whole("article has a title but no text"));
    }
    Ok(article)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_matter_article() {
        let md = "---\nid: exam-voucher-use\ntitle: HCIA/HCIP考试券下发后如何使用？\ntopic: 考试券\nquestions: [考试券怎么用]\nurl: https://example.com/a\n---\n登录uniportal账号。\n";
        let a = parse_markdown_file(md, "exam/use.md", "corpus").unwrap();
        assert_eq!(a.id, "exam-voucher-use");
        assert_eq!(a.title, "HCIA/HCIP考试券下发后如何使用？");
        assert_eq!(a.topic, vec!["考试券"]);
        assert_eq!(a.questions, vec!["考试券怎么用"]);
        assert_eq!(a.url.as_deref(), Some("https://example.com/a"));
        assert_eq!(a.sections.len(), 1);
        assert_eq!(a.sections[0].heading, None);
        assert_eq!(a.sections[0].text, "登录uniportal账号。");
    }

    #[test]
    fn title_from_h1_and_id_from_path() {
        let a = parse_markdown_file(
            "# 更改时区\n\n## 操作场景\n\n东八区。\n",
            "dir/更改时区.md",
            "ecs",
        )
        .unwrap();
        assert_eq!(a.id, "dir/更改时区");
        assert_eq!(a.title, "更改时区");
        assert_eq!(
            a.sections,
            vec![Section {
                heading: Some("操作场景".into()),
                text: "东八区。".into()
            }]
        );
        assert_eq!(a.headings_text(), "操作场景");
    }

    #[test]
    fn empty_and_title_only_files_are_problems() {
        assert_eq!(
            parse_markdown_file("  \n", "a.md", "c")
                .unwrap_err()
                .message,
            "file is empty"
        );
        assert!(parse_markdown_file("# 只有标题\n", "a.md", "c").is_err());
    }

    #[test]
    fn generic_titles_are_read_with_their_topic() {
        let mut a = parse_markdown_file("# 概述\n\n智能购买组可以……\n", "概述-0.md", "c").unwrap();
        assert_eq!(a.search_title(), "概述");
        a.topic = vec!["实例".into(), "智能购买组".into()];
        assert_eq!(a.search_title(), "智能购买组 概述");
        a.title = "创建智能购买组".into();
        assert_eq!(a.search_title(), "创建智能购买组");
    }

    #[test]
    fn link_density_of_an_overview_page() {
        let a = parse_markdown_file(
            "# 管理\n\n-   **[修改名称](修改名称.md)**\n-   **[重装](重装.md)**\n",
            "管理.md",
            "c",
        )
        .unwrap();
        assert!(a.link_density() > 0.9, "{}", a.link_density());
    }
}
