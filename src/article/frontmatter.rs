//! YAML front matter (`---` … `---` at the top of a Markdown file).

use serde::Deserialize;

/// The keys wenda reads from front matter; other keys are allowed and ignored.
#[derive(Debug, Default, Deserialize, PartialEq)]
pub struct FrontMatter {
    /// Stable identifier of the article.
    pub id: Option<String>,
    /// The question or title as a reader sees it.
    pub title: Option<String>,
    /// The parent topic: `"A"`, `"A > B"` or a list of path segments.
    pub topic: Option<OneOrMany>,
    /// Other ways users ask the same question.
    pub questions: Option<OneOrMany>,
    /// Where the article lives on the web.
    pub url: Option<String>,
}

/// A YAML value that may be a single string or a list of strings.
#[derive(Debug, Deserialize, PartialEq, Clone)]
#[serde(untagged)]
pub enum OneOrMany {
    /// A single string.
    One(String),
    /// A list of strings.
    Many(Vec<String>),
}

impl OneOrMany {
    /// The list of strings, trimmed, without empty ones.
    pub fn into_vec(self) -> Vec<String> {
        let v = match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        };
        v.into_iter()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    }

    /// A topic path: a single string is split at `>`.
    pub fn into_topic_path(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => split_topic_path(&s),
            many => many.into_vec(),
        }
    }
}

/// Splits `"客户业务 > 经销商子客户"` into its segments.
pub fn split_topic_path(s: &str) -> Vec<String> {
    s.split(['>', '＞'])
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// Longest front matter read, in bytes: it holds a title, a topic and a few
/// questions, and a YAML parser's work grows faster than its input.
pub const MAX_FRONT_MATTER_BYTES: usize = 64 * 1024;
/// Most `[` and `{` in front matter. Each may open a flow collection, and
/// the YAML scanner's work per token grows with their nesting; bounding
/// their number bounds that nesting without having to lex YAML here.
pub const MAX_FLOW_OPENERS: usize = 256;

/// Front matter that could not be read.
#[derive(Debug, PartialEq)]
pub struct FrontMatterError {
    /// 1-based line in the file.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The document split into front matter and the Markdown after it.
#[derive(Debug)]
pub struct Split<'a> {
    /// Parsed front matter, if the document has any.
    pub front: Option<FrontMatter>,
    /// The Markdown body after the closing fence.
    pub body: &'a str,
}

/// Splits `text` into front matter and body. A document without an opening
/// `---` line has no front matter; one whose front matter does not close or
/// does not parse is an error with the line it happened on.
pub fn split(text: &str) -> Result<Split<'_>, FrontMatterError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split_inclusive('\n');
    let Some(first) = lines.next() else {
        return Ok(Split {
            front: None,
            body: text,
        });
    };
    if first.trim_end() != "---" {
        return Ok(Split {
            front: None,
            body: text,
        });
    }
    let yaml_start = first.len();
    let mut offset = yaml_start;
    for line in lines {
        let trimmed = line.trim_end();
        if trimmed == "---" || trimmed == "..." {
            let yaml = &text[yaml_start..offset];
            let body = &text[offset + line.len()..];
            let front = parse_yaml(yaml)?;
            return Ok(Split {
                front: Some(front),
                body,
            });
        }
        offset += line.len();
        if offset - yaml_start > MAX_FRONT_MATTER_BYTES {
            return Err(FrontMatterError {
                line: 1,
                message: format!(
                    "front matter is over the limit of {MAX_FRONT_MATTER_BYTES} bytes (or is never closed)"
                ),
            });
        }
    }
    Err(FrontMatterError {
        line: 1,
        message: "front matter opened with `---` is never closed".into(),
    })
}

fn parse_yaml(yaml: &str) -> Result<FrontMatter, FrontMatterError> {
    if yaml.trim().is_empty() {
        return Ok(FrontMatter::default());
    }
    let openers = yaml.bytes().filter(|b| matches!(b, b'[' | b'{')).count();
    if openers > MAX_FLOW_OPENERS {
        return Err(FrontMatterError {
            line: 1,
            message: format!(
                "front matter has {openers} `[` and `{{`, over the limit of {MAX_FLOW_OPENERS} (nesting that deep is not read)"
            ),
        });
    }
    serde_yaml_ng::from_str::<FrontMatter>(yaml).map_err(|e| FrontMatterError {
        // +1 for the opening fence line; the YAML location is 1-based already.
        line: e.location().map_or(1, |l| l.line() + 1),
        message: format!("malformed front matter: {e}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_keys_and_body() {
        let doc = "---\nid: po-cancel\ntitle: 伙伴提交PO后如何取消？\ntopic: 共享给华为(PO)\nquestions:\n  - PO能撤回吗\nextra: 1\n---\n正文\n";
        let s = split(doc).unwrap();
        let f = s.front.unwrap();
        assert_eq!(f.id.as_deref(), Some("po-cancel"));
        assert_eq!(
            f.topic.unwrap().into_topic_path(),
            vec!["共享给华为(PO)".to_string()]
        );
        assert_eq!(f.questions.unwrap().into_vec(), vec!["PO能撤回吗"]);
        assert_eq!(s.body, "正文\n");
    }

    #[test]
    fn no_front_matter() {
        let s = split("# 标题\n---\n").unwrap();
        assert!(s.front.is_none());
        assert_eq!(s.body, "# 标题\n---\n");
    }

    #[test]
    fn unclosed_and_malformed_front_matter_are_errors_with_lines() {
        assert_eq!(split("---\nid: a\n").unwrap_err().line, 1);
        let err = split("---\nid: a\ntitle: [unclosed\n---\n").unwrap_err();
        assert!(err.line >= 3, "{err:?}");
        assert!(err.message.contains("malformed front matter"));
    }

    #[test]
    fn oversized_and_deeply_nested_front_matter_are_errors() {
        let deep = format!(
            "---\nq: {}{}\n---\n正文\n",
            "[".repeat(100_000),
            "]".repeat(100_000)
        );
        let err = split(&deep).unwrap_err();
        assert!(err.message.contains("over the limit"), "{err:?}");
        let nested = format!(
            "---\nq: {}{}\n---\n正文\n",
            "[".repeat(300),
            "]".repeat(300)
        );
        assert!(split(&nested).unwrap_err().message.contains("`[` and `{`"));
        let long = format!("---\ntitle: {}\n", "长".repeat(30_000));
        let err = split(&(long.clone() + "---\n正文\n")).unwrap_err();
        assert!(err.message.contains("over the limit"), "{err:?}");
        let err = split(&(long + "more: x\n")).unwrap_err();
        assert!(err.message.contains("never closed"), "{err:?}");
        let fine = format!("---\nq: {}x{}\n---\n正文\n", "[".repeat(20), "]".repeat(20));
        assert!(split(&fine).is_ok());
    }

    #[test]
    fn topic_string_splits_on_angle_brackets() {
        assert_eq!(
            split_topic_path(" 客户业务 > 经销商子客户 "),
            vec!["客户业务", "经销商子客户"]
        );
    }
}
