//! Plain prose without markup (crawled pages, JSONL bodies): sentences,
//! heading-like segments and the section names help pages use.

use super::markdown::Block;

/// What a section of a help article is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SectionKind {
    /// 操作场景, 背景, 使用场景.
    Scenario,
    /// 前提条件.
    Prerequisites,
    /// 约束与限制, 注意事项, 须知.
    Constraints,
    /// 操作步骤, 操作流程, 步骤N.
    Steps,
    /// 后续操作, 后续处理.
    Next,
    /// 相关链接, 相关操作.
    Related,
}

/// Section names that may stand alone in prose ("… 资源。 前提条件 华为云 …").
const INLINE_MARKERS: &[(&str, SectionKind)] = &[
    ("操作场景", SectionKind::Scenario),
    ("使用场景", SectionKind::Scenario),
    ("应用场景", SectionKind::Scenario),
    ("背景信息", SectionKind::Scenario),
    ("前提条件", SectionKind::Prerequisites),
    ("约束与限制", SectionKind::Constraints),
    ("约束限制", SectionKind::Constraints),
    ("接口约束", SectionKind::Constraints),
    ("使用限制", SectionKind::Constraints),
    ("注意事项", SectionKind::Constraints),
    ("使用须知", SectionKind::Constraints),
    ("操作步骤", SectionKind::Steps),
    ("操作流程", SectionKind::Steps),
    ("后续操作", SectionKind::Next),
    ("后续处理", SectionKind::Next),
    ("相关链接", SectionKind::Related),
    ("相关操作", SectionKind::Related),
    ("相关文档", SectionKind::Related),
];

/// The kind of a section, from its heading (`操作步骤（Linux实例）` and
/// `步骤1：制作快照` are steps; `安装须知` is constraints).
pub fn section_kind(heading: &str) -> Option<SectionKind> {
    let h = heading
        .trim()
        .trim_start_matches("（可选）")
        .trim_start_matches("(可选)")
        .trim_end_matches([':', '：']);
    if let Some(&(_, kind)) = INLINE_MARKERS.iter().find(|(m, _)| h.starts_with(m)) {
        return Some(kind);
    }
    let after_step = h.strip_prefix("步骤");
    if h == "步骤" || after_step.is_some_and(|r| r.starts_with(|c: char| c.is_ascii_digit())) {
        return Some(SectionKind::Steps);
    }
    if h.ends_with("步骤") && h.chars().count() <= 8 {
        return Some(SectionKind::Steps);
    }
    if h == "前提" || h == "准备工作" {
        return Some(SectionKind::Prerequisites);
    }
    if h.contains("约束") || h.ends_with("须知") || h.ends_with("限制") {
        return Some(SectionKind::Constraints);
    }
    if h == "背景" || h.ends_with("场景") {
        return Some(SectionKind::Scenario);
    }
    if h.starts_with("相关") && h.chars().count() <= 6 {
        return Some(SectionKind::Related);
    }
    None
}

/// A section name at the start of a paragraph, with the text after it:
/// `前提条件：已开通` → `("前提条件", "已开通")`.
pub fn leading_marker(text: &str) -> Option<(&'static str, &str)> {
    let t = text.trim_start();
    INLINE_MARKERS.iter().find_map(|&(m, _)| {
        let rest = t.strip_prefix(m)?;
        if rest.is_empty() {
            return Some((m, ""));
        }
        let rest_trimmed = rest.trim_start_matches([':', '：']);
        let separated = rest_trimmed.len() < rest.len() || rest.starts_with(char::is_whitespace);
        separated.then_some((m, rest_trimmed.trim_start()))
    })
}

/// Whether any section name that may stand alone in prose occurs in the
/// text (a cheap test before splitting it into segments).
pub fn mentions_marker(text: &str) -> bool {
    INLINE_MARKERS.iter().any(|(m, _)| text.contains(m))
}

/// Whether a character ends a sentence.
pub fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '？' | '!' | '?' | '；' | ';')
}

/// Splits prose into sentences at 。！？; (the ending kept). Quoted text
/// (“…”) is never split.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_quote = false;
    for c in text.chars() {
        cur.push(c);
        match c {
            // The crawl sometimes closes a quote with an opening mark.
            '“' => in_quote = !in_quote,
            '「' | '《' => in_quote = true,
            '”' | '」' | '》' => in_quote = false,
            _ => {}
        }
        if !in_quote && is_sentence_end(c) {
            let s = cur.trim().to_string();
            if !s.is_empty() {
                out.push(s);
            }
            cur.clear();
        }
    }
    let s = cur.trim().to_string();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// One whitespace-separated piece of a prose line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The text.
    pub text: String,
    /// Short, without sentence punctuation, and standing between sentences:
    /// a title or heading that lost its markup.
    pub heading_like: bool,
}

/// Segments as blocks: those `is_heading` picks become level-2 headings,
/// runs of the others paragraphs.
pub fn to_blocks(segs: &[Segment], is_heading: impl Fn(&Segment) -> bool, out: &mut Vec<Block>) {
    let mut run: Vec<&str> = Vec::new();
    for s in segs {
        if is_heading(s) {
            if !run.is_empty() {
                out.push(Block::Paragraph(run.join(" ")));
                run.clear();
            }
            out.push(Block::Heading {
                level: 2,
                text: s.text.clone(),
            });
        } else {
            run.push(&s.text);
        }
    }
    if !run.is_empty() {
        out.push(Block::Paragraph(run.join(" ")));
    }
}

/// Longest segment still taken for a heading, in characters.
const MAX_HEADING_CHARS: usize = 30;

/// Splits a prose line at whitespace (never inside quotes) and marks the
/// segments that look like headings.
pub fn segments(line: &str) -> Vec<Segment> {
    let mut raw: Vec<String> = Vec::new();
    let mut cur = String::new();
    let mut depth = 0i32;
    for c in line.chars() {
        match c {
            // The crawl sometimes closes a quote with an opening mark.
            '“' if depth > 0 => depth -= 1,
            '“' | '「' | '《' => depth += 1,
            '”' | '」' | '》' => depth = (depth - 1).max(0),
            _ => {}
        }
        if c.is_whitespace() && depth == 0 {
            if !cur.is_empty() {
                raw.push(std::mem::take(&mut cur));
            }
        } else {
            cur.push(c);
        }
    }
    if !cur.is_empty() {
        raw.push(cur);
    }
    let count = raw.len();
    let mut out: Vec<Segment> = Vec::with_capacity(count);
    for (i, text) in raw.into_iter().enumerate() {
        let shape = looks_like_heading(&text);
        let after_boundary = match out.last() {
            None => true,
            Some(prev) => prev.heading_like || ends_a_unit(&prev.text),
        };
        // A heading is followed by something; a short tail is a cut sentence.
        let followed = i + 1 < count;
        out.push(Segment {
            text,
            heading_like: shape && after_boundary && followed,
        });
    }
    out
}

fn looks_like_heading(s: &str) -> bool {
    let n = s.chars().count();
    (2..=MAX_HEADING_CHARS).contains(&n)
        && s.chars().any(|c| c.is_alphanumeric())
        && !s.chars().any(|c| {
            is_sentence_end(c) || matches!(c, '，' | ',' | '：' | ':' | '、' | '>' | '＞' | '"')
        })
        && !is_caption_label(s)
}

/// `图1`, `表 2`: figure and table labels, not headings.
pub fn is_caption_label(s: &str) -> bool {
    let rest = s.strip_prefix('图').or_else(|| s.strip_prefix('表'));
    rest.is_some_and(|r| !r.is_empty() && r.trim().chars().all(|c| c.is_ascii_digit()))
}

/// Whether a segment ends a sentence or a unit after which a heading may start.
fn ends_a_unit(s: &str) -> bool {
    s.chars()
        .last()
        .is_some_and(|c| is_sentence_end(c) || matches!(c, ')' | '）' | '}' | ']' | '”' | '」'))
        || is_caption_label(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn section_kinds_from_headings() {
        assert_eq!(section_kind("操作步骤"), Some(SectionKind::Steps));
        assert_eq!(
            section_kind("操作步骤（Linux实例）"),
            Some(SectionKind::Steps)
        );
        assert_eq!(
            section_kind("（可选）步骤4：检查磁盘挂载状态"),
            Some(SectionKind::Steps)
        );
        assert_eq!(section_kind("前提条件"), Some(SectionKind::Prerequisites));
        assert_eq!(section_kind("约束与限制"), Some(SectionKind::Constraints));
        assert_eq!(section_kind("安装须知"), Some(SectionKind::Constraints));
        assert_eq!(section_kind("操作场景"), Some(SectionKind::Scenario));
        assert_eq!(section_kind("后续处理"), Some(SectionKind::Next));
        assert_eq!(section_kind("相关链接"), Some(SectionKind::Related));
        assert_eq!(section_kind("更改Linux弹性云服务器的时区"), None);
    }

    #[test]
    fn leading_markers() {
        assert_eq!(
            leading_marker("前提条件：已开通。"),
            Some(("前提条件", "已开通。"))
        );
        assert_eq!(
            leading_marker("操作步骤 登录。"),
            Some(("操作步骤", "登录。"))
        );
        assert_eq!(leading_marker("操作步骤"), Some(("操作步骤", "")));
        assert_eq!(leading_marker("操作步骤很简单。"), None);
    }

    #[test]
    fn sentences_keep_quotes_whole() {
        assert_eq!(
            sentences("单击“确定。”后返回。再登录"),
            vec!["单击“确定。”后返回。", "再登录"]
        );
    }

    #[test]
    fn heading_like_segments_stand_between_sentences() {
        let segs = segments(
            "为客户下发代金券 伙伴可以下发。 前提条件 已有额度。 选择“销售 > 拓新”。 代售",
        );
        let headings: Vec<_> = segs
            .iter()
            .filter(|s| s.heading_like)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(headings, vec!["为客户下发代金券", "前提条件"]);
        assert_eq!(segs[4].text, "选择“销售 > 拓新”。");
    }

    #[test]
    fn captions_are_not_headings_but_may_precede_one() {
        let segs = segments("} } 图1 获取账户Token 调用接口。");
        let headings: Vec<_> = segs
            .iter()
            .filter(|s| s.heading_like)
            .map(|s| s.text.as_str())
            .collect();
        assert_eq!(headings, vec!["获取账户Token"]);
    }
}
