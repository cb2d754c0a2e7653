//! The structure of a help article: prerequisites, constraints and
//! procedures made of steps, each step with the console path to click and
//! the labels it names.

use serde::{Deserialize, Serialize};

use super::markdown::{Block, blocks_text};
use super::prose::{self, SectionKind, leading_marker, section_kind, segments, sentences};

/// A link out of an article, resolved against the corpus.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Link {
    /// The label or the referenced title as written.
    pub text: String,
    /// The id of the article it points to, when it resolved to one.
    pub id: Option<String>,
    /// The web address, for links that leave the corpus.
    pub url: Option<String>,
    /// `article`, `external` or `unresolved`.
    pub kind: LinkKind,
}

/// Where a link leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LinkKind {
    /// Another article of the corpus.
    Article,
    /// A web page outside the corpus.
    External,
    /// A reference that matches no article.
    Unresolved,
}

/// One step of a procedure.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Step {
    /// Its number as shown (1-based).
    pub n: usize,
    /// What to do; commands and extra paragraphs follow on new lines.
    pub text: String,
    /// Nested steps or options.
    #[schema(no_recursion)]
    pub substeps: Vec<Step>,
    /// The console path, e.g. `["销售","拓新","客户拓展"]`.
    pub menu_path: Vec<String>,
    /// Quoted labels to click or look for (“伙伴中心”).
    pub ui_labels: Vec<String>,
    /// Links named in the step.
    pub links: Vec<Link>,
    /// Notes (说明, 须知) attached to the step.
    pub notes: Vec<String>,
}

/// An ordered list of steps under a heading.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default, utoipa::ToSchema)]
pub struct Procedure {
    /// The heading it sits under, unless that is just “操作步骤”.
    pub title: Option<String>,
    /// The steps, in order.
    pub steps: Vec<Step>,
}

/// The structured parts of an article.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structure {
    /// What must hold before starting.
    pub prerequisites: Vec<String>,
    /// Limits and cautions.
    pub constraints: Vec<String>,
    /// Procedures, in document order.
    pub procedures: Vec<Procedure>,
}

/// Turns section names written inline in paragraphs (`前提条件：…`, or
/// `… 资源。 操作步骤 使用 …` in prose) into headings, so that Markdown,
/// JSONL bodies and crawled text share one shape.
pub fn split_inline_markers(blocks: Vec<Block>) -> Vec<Block> {
    let mut out = Vec::with_capacity(blocks.len());
    for block in blocks {
        match block {
            Block::Paragraph(text) => split_paragraph(&text, &mut out),
            other => out.push(other),
        }
    }
    out
}

fn split_paragraph(text: &str, out: &mut Vec<Block>) {
    // A run of markers at the start (`前提条件：操作步骤 …`) is peeled off one
    // by one in a loop: the input decides how many there are.
    let mut text = text;
    while let Some((marker, rest)) = leading_marker(text) {
        out.push(Block::Heading {
            level: 2,
            text: marker.to_string(),
        });
        if rest.is_empty() {
            return;
        }
        text = rest;
    }
    if !prose::mentions_marker(text) {
        out.push(Block::Paragraph(text.to_string()));
        return;
    }
    let segs = segments(text);
    let is_marker = |s: &prose::Segment| {
        s.heading_like && leading_marker(&s.text).is_some_and(|(_, rest)| rest.is_empty())
    };
    if !segs.iter().any(is_marker) {
        out.push(Block::Paragraph(text.to_string()));
        return;
    }
    prose::to_blocks(&segs, is_marker, out);
}

/// Finds prerequisites, constraints and procedures in top-level blocks.
pub fn extract(blocks: &[Block]) -> Structure {
    let mut s = Structure::default();
    let mut kind: Option<SectionKind> = None;
    let mut heading: Option<String> = None;
    // Prose of a steps section without a list becomes steps sentence by sentence.
    let mut prose_steps: Vec<String> = Vec::new();
    let mut section_has_list = false;
    let flush_prose =
        |s: &mut Structure, heading: &Option<String>, prose: &mut Vec<String>, had_list: bool| {
            if !had_list && !prose.is_empty() {
                let steps = prose
                    .drain(..)
                    .flat_map(|p| sentences(&p))
                    .enumerate()
                    .map(|(i, text)| step_from_text(i + 1, text))
                    .collect();
                s.procedures.push(Procedure {
                    title: procedure_title(heading),
                    steps,
                });
            }
            prose.clear();
        };
    for block in blocks {
        match block {
            Block::Heading { text, .. } => {
                if kind == Some(SectionKind::Steps) {
                    flush_prose(&mut s, &heading, &mut prose_steps, section_has_list);
                }
                kind = section_kind(text);
                heading = Some(text.clone());
                section_has_list = false;
            }
            Block::List { start, items } => match kind {
                Some(SectionKind::Prerequisites) => s.prerequisites.extend(item_texts(items)),
                Some(SectionKind::Constraints) => s.constraints.extend(item_texts(items)),
                Some(SectionKind::Steps) => {
                    section_has_list = true;
                    s.procedures.push(Procedure {
                        title: procedure_title(&heading),
                        steps: steps_from_items(*start, items),
                    });
                }
                // Outside a steps section, only a numbered list of two or
                // more items is a procedure.
                _ if start.is_some() && items.len() >= 2 => s.procedures.push(Procedure {
                    title: procedure_title(&heading),
                    steps: steps_from_items(*start, items),
                }),
                _ => {}
            },
            other => {
                let text = blocks_text(std::slice::from_ref(other));
                if text.is_empty() {
                    continue;
                }
                match kind {
                    Some(SectionKind::Prerequisites) => s.prerequisites.push(text),
                    Some(SectionKind::Constraints) => s.constraints.push(text),
                    Some(SectionKind::Steps) if matches!(other, Block::Paragraph(_)) => {
                        prose_steps.push(text)
                    }
                    _ => {}
                }
            }
        }
    }
    if kind == Some(SectionKind::Steps) {
        flush_prose(&mut s, &heading, &mut prose_steps, section_has_list);
    }
    s
}

fn procedure_title(heading: &Option<String>) -> Option<String> {
    heading
        .as_ref()
        .filter(|h| h.trim() != "操作步骤" && h.trim() != "操作流程")
        .cloned()
}

fn item_texts(items: &[Vec<Block>]) -> Vec<String> {
    items
        .iter()
        .map(|item| blocks_text(item))
        .filter(|t| !t.is_empty())
        .collect()
}

fn steps_from_items(start: Option<u64>, items: &[Vec<Block>]) -> Vec<Step> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let n = start.map_or(i + 1, |s| s as usize + i);
            step_from_item(n, item)
        })
        .filter(|s| !s.text.is_empty() || !s.substeps.is_empty())
        .collect()
}

fn step_from_item(n: usize, item: &[Block]) -> Step {
    let mut lines: Vec<String> = Vec::new();
    let mut substeps = Vec::new();
    let mut notes = Vec::new();
    for block in item {
        match block {
            Block::List { start, items } => substeps.extend(steps_from_items(*start, items)),
            Block::Quote(inner) => {
                let t = blocks_text(inner);
                if !t.is_empty() {
                    notes.push(t);
                }
            }
            other => {
                let t = blocks_text(std::slice::from_ref(other));
                if !t.is_empty() {
                    lines.push(t);
                }
            }
        }
    }
    let mut step = step_from_text(n, lines.join("\n"));
    step.substeps = substeps;
    step.notes = notes;
    step
}

fn step_from_text(n: usize, text: String) -> Step {
    Step {
        n,
        menu_path: menu_path(&text),
        ui_labels: ui_labels(&text),
        text,
        ..Step::default()
    }
}

/// Text inside “…” and 「…」 (the crawl sometimes closes with “).
pub fn quoted(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        match (open, c) {
            (None, '“' | '「') => open = Some((i + c.len_utf8(), c)),
            (Some((from, '“')), '”' | '“') | (Some((from, '「')), '」') => {
                out.push(&text[from..i]);
                open = None;
            }
            _ => {}
        }
    }
    out
}

const MENU_SEPARATORS: &[&str] = &[">", "＞", "→", "->"];

fn split_menu(label: &str) -> Option<Vec<String>> {
    if !MENU_SEPARATORS.iter().any(|s| label.contains(s)) {
        return None;
    }
    // Markdown escapes `>` as `\>`; crawled text sometimes keeps the backslash.
    let mut parts = vec![label.replace("\\>", ">")];
    for sep in MENU_SEPARATORS {
        parts = parts
            .iter()
            .flat_map(|p| p.split(sep).map(str::to_string).collect::<Vec<_>>())
            .collect();
    }
    let parts: Vec<String> = parts
        .into_iter()
        .map(|p| p.trim().trim_start_matches('-').trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    (parts.len() >= 2).then_some(parts)
}

/// The first console path in the text: “销售 > 拓新 > 客户拓展” (also with
/// `\>`, ＞ or →) gives `["销售","拓新","客户拓展"]`.
pub fn menu_path(text: &str) -> Vec<String> {
    quoted(text)
        .into_iter()
        .find_map(split_menu)
        .unwrap_or_default()
}

/// Quoted labels that are not paths, file names or whole sentences.
pub fn ui_labels(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for q in quoted(text) {
        let q = q.trim();
        let n = q.chars().count();
        if n == 0
            || n > 20
            || split_menu(q).is_some()
            || q.starts_with('/')
            || q.contains("://")
            || q.chars().any(prose::is_sentence_end)
        {
            continue;
        }
        if !out.iter().any(|l| l == q) {
            out.push(q.to_string());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::markdown::parse;

    #[test]
    fn menu_paths_and_labels() {
        let t = "在顶部导航栏中选择“销售 > 拓新 > 客户拓展”，单击“伙伴中心”。";
        assert_eq!(menu_path(t), vec!["销售", "拓新", "客户拓展"]);
        assert_eq!(ui_labels(t), vec!["伙伴中心"]);
        assert_eq!(
            menu_path("在“销售 > 激励 > 激励管理“页面"),
            vec!["销售", "激励", "激励管理"]
        );
        assert_eq!(
            menu_path("选择「资源 ＞ 我的配额」"),
            vec!["资源", "我的配额"]
        );
        assert_eq!(
            menu_path("依次单击“计算 → 弹性云服务器”"),
            vec!["计算", "弹性云服务器"]
        );
        assert!(ui_labels("打开“/etc/localtime“文件").is_empty());
    }

    #[test]
    fn steps_from_a_numbered_list_with_notes_and_substeps() {
        let md = "## 前提条件\n\n已开通账号。\n\n## 操作步骤\n\n1.  登录管理控制台。\n2.  选择“计算 \\> 弹性云服务器”。\n\n    >![](x.gif) **说明：** \n    >仅支持Linux。\n\n3.  设置：\n    1.  执行**vim /etc/clock**。\n    2.  保存。\n";
        let s = extract(&parse(md).blocks);
        assert_eq!(s.prerequisites, vec!["已开通账号。"]);
        assert_eq!(s.procedures.len(), 1);
        let steps = &s.procedures[0].steps;
        assert_eq!(s.procedures[0].title, None);
        assert_eq!(steps.len(), 3);
        assert_eq!(steps[1].menu_path, vec!["计算", "弹性云服务器"]);
        assert_eq!(steps[1].notes, vec!["说明：仅支持Linux。"]);
        assert_eq!(steps[2].substeps.len(), 2);
        assert_eq!(steps[2].substeps[0].text, "执行vim /etc/clock。");
        assert_eq!(steps[2].substeps[1].n, 2);
    }

    #[test]
    fn inline_markers_in_prose_become_sections_and_steps() {
        let blocks = split_inline_markers(vec![Block::Paragraph(
            "伙伴可以下发代金券。 前提条件 已有额度。 操作步骤 使用伙伴账号登录。 单击“伙伴中心”。 选择“销售 > 拓新 > 客户拓展”。".into(),
        )]);
        let s = extract(&blocks);
        assert_eq!(s.prerequisites, vec!["已有额度。"]);
        let steps = &s.procedures[0].steps;
        let texts: Vec<_> = steps.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(
            texts,
            vec![
                "使用伙伴账号登录。",
                "单击“伙伴中心”。",
                "选择“销售 > 拓新 > 客户拓展”。"
            ]
        );
        assert_eq!(steps[2].n, 3);
        assert_eq!(steps[2].menu_path, vec!["销售", "拓新", "客户拓展"]);
        assert_eq!(steps[1].ui_labels, vec!["伙伴中心"]);
    }

    #[test]
    fn a_long_run_of_markers_is_peeled_without_recursion() {
        let text = format!("{}已开通。", "前提条件 ".repeat(100_000));
        let blocks = split_inline_markers(vec![Block::Paragraph(text)]);
        assert_eq!(blocks.len(), 100_001);
        assert_eq!(blocks[100_000], Block::Paragraph("已开通。".into()));
    }

    #[test]
    fn bold_lead_in_markers() {
        let s = extract(&split_inline_markers(
            parse("**约束与限制**：仅限中国站。\n\n说明文字。\n").blocks,
        ));
        assert_eq!(s.constraints, vec!["仅限中国站。", "说明文字。"]);
    }

    #[test]
    fn numbered_lists_outside_step_sections_are_procedures_with_their_heading() {
        let md = "## 更改Linux的时区\n\n1. 登录。\n2. 修改。\n\n## 说明\n\n- 甲\n- 乙\n";
        let s = extract(&parse(md).blocks);
        assert_eq!(s.procedures.len(), 1);
        assert_eq!(s.procedures[0].title.as_deref(), Some("更改Linux的时区"));
    }
}
