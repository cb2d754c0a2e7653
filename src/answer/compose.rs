//! Answers as a chatbot sends them: plain text and Markdown, with the
//! numbered steps, the console path to click and the source.

use crate::article::{Article, Step, shorten as cut};

/// Characters of introduction shown before the steps.
const SUMMARY_CHARS: usize = 160;
/// Characters of an article without steps shown in full.
const BODY_CHARS: usize = 600;

/// The article's text before its procedure (its introduction).
pub fn introduction(a: &Article) -> String {
    a.sections
        .iter()
        .take_while(|s| {
            s.heading
                .as_deref()
                .is_none_or(|h| !h.contains("步骤") && !h.contains("流程"))
        })
        .filter(|s| {
            s.heading
                .as_deref()
                .is_none_or(|h| !h.contains("前提") && !h.contains("约束") && !h.contains("限制"))
        })
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where to read more: the article's URL, else its title (never the
/// internal id, which means nothing to a customer).
fn source_line(a: &Article) -> String {
    match &a.url {
        Some(url) => format!("详情：{url}"),
        None => format!("详情：请参阅文章《{}》", a.title),
    }
}

/// What a customer is told when the source page was cut by the crawl.
const PARTIAL_NOTE: &str = "说明：原文在收录时不完整，以上内容可能缺少后半部分。";

/// Whether the step's own text already names its whole console path
/// (then the path is not written out again).
fn path_in_text(s: &Step) -> bool {
    s.menu_path.iter().all(|p| s.text.contains(p.as_str()))
}

/// One step as a line: text, then the console path unless the text
/// already names it.
pub fn step_text(s: &Step) -> String {
    let mut out = format!("{}. {}", s.n, s.text.replace('\n', " "));
    if !s.menu_path.is_empty() && !path_in_text(s) {
        out.push_str(&format!("（路径：{}）", s.menu_path.join(" > ")));
    }
    out
}

/// What an answer says, before it is written as text or Markdown.
struct Parts<'a> {
    lead: String,
    prerequisites: String,
    steps: &'a [Step],
    constraints: String,
}

fn parts(a: &Article) -> Parts<'_> {
    let intro = introduction(a);
    let lead = if a.steps().is_empty() {
        let body = if intro.is_empty() {
            a.body_text()
        } else {
            intro
        };
        cut(&body, BODY_CHARS)
    } else {
        cut(&intro, SUMMARY_CHARS)
    };
    Parts {
        lead,
        prerequisites: run_on(&a.prerequisites),
        steps: a.steps(),
        constraints: run_on(&a.constraints),
    }
}

/// List items read as one sentence: 「；」 between them, each item's own
/// closing mark dropped before it (「创建成功。；」 reads twice, and so does
/// 「（详见X。）；」), items of nothing but marks dropped, and the last
/// ending in a full stop, not a comma.
pub(crate) fn run_on(items: &[String]) -> String {
    const MARKS: [char; 6] = ['。', '；', ';', '，', ',', '.'];
    const CLOSERS: [char; 5] = ['”', '’', '）', ')', '」'];
    let items: Vec<String> = items
        .iter()
        .filter_map(|i| {
            let i = i.trim();
            // The item without its closing marks, even inside a closing
            // quote or bracket.
            let closers = i.len() - i.trim_end_matches(CLOSERS).len();
            let (body, tail) = i.split_at(i.len() - closers);
            let body = body.trim_end_matches(MARKS).trim_end();
            (!body.is_empty() || !tail.is_empty()).then(|| format!("{body}{tail}"))
        })
        .collect();
    let Some((last, rest)) = items.split_last() else {
        return String::new();
    };
    let mut out = rest.join("；");
    if !out.is_empty() {
        out.push('；');
    }
    out.push_str(last);
    // Latin text ends as it is; Chinese ends in 。.
    if !last.ends_with(|c: char| c.is_ascii()) {
        out.push('。');
    }
    out
}

/// The whole answer in plain text.
pub fn text(a: &Article) -> String {
    let p = parts(a);
    let mut out = vec![a.title.clone()];
    if !p.lead.is_empty() {
        out.push(p.lead);
    }
    if !p.prerequisites.is_empty() {
        out.push(format!("前提条件：{}", p.prerequisites));
    }
    if !p.steps.is_empty() {
        out.push("操作步骤：".into());
        for s in p.steps {
            out.push(step_text(s));
            for sub in &s.substeps {
                out.push(format!("   {}", step_text(sub)));
            }
        }
    }
    if !p.constraints.is_empty() {
        out.push(format!("注意：{}", p.constraints));
    }
    if a.partial {
        out.push(PARTIAL_NOTE.into());
    }
    out.push(source_line(a));
    out.join("\n")
}

fn md_step(s: &Step, indent: &str) -> String {
    let mut line = format!("{indent}{}. {}", s.n, s.text.replace('\n', " "));
    if !s.menu_path.is_empty() && !path_in_text(s) {
        line.push_str(&format!(
            "  \n{indent}   路径：`{}`",
            s.menu_path.join(" > ")
        ));
    }
    line
}

/// The whole answer in Markdown.
pub fn markdown(a: &Article) -> String {
    let p = parts(a);
    let mut out = vec![format!("**{}**", a.title)];
    if !p.lead.is_empty() {
        out.push(p.lead);
    }
    if !p.prerequisites.is_empty() {
        out.push(format!("**前提条件**：{}", p.prerequisites));
    }
    if !p.steps.is_empty() {
        let mut lines = vec!["**操作步骤**".to_string()];
        for s in p.steps {
            lines.push(md_step(s, ""));
            for sub in &s.substeps {
                lines.push(md_step(sub, "   "));
            }
        }
        out.push(lines.join("\n"));
    }
    if !p.constraints.is_empty() {
        out.push(format!("> 注意：{}", p.constraints));
    }
    if a.partial {
        out.push(format!("*{PARTIAL_NOTE}*"));
    }
    out.push(match &a.url {
        Some(url) => format!("[查看原文]({url})"),
        None => format!("来源：《{}》", a.title),
    });
    out.join("\n\n")
}

/// The step at `index` (0 for the first) read out on its own (下一步,
/// 第三步), in plain text and Markdown. Steps are counted by position, as
/// the reader moves through them, whatever numbers the source gave them;
/// sub-steps follow their step.
pub fn step_answer(a: &Article, index: usize) -> (String, String) {
    let Some(s) = a.steps().get(index) else {
        return (String::new(), String::new());
    };
    let n = index + 1;
    let total = a.steps().len();
    let mut text = format!("第 {n} 步（共 {total} 步）：{}", s.text.replace('\n', " "));
    let mut md = format!(
        "**第 {n} 步**（共 {total} 步）：{}",
        s.text.replace('\n', " ")
    );
    for sub in &s.substeps {
        text.push_str(&format!("\n   {}", step_text(sub)));
        md.push_str(&format!("\n{}", md_step(sub, "   ")));
    }
    if !s.menu_path.is_empty() && !path_in_text(s) {
        text.push_str(&format!("\n路径：{}", s.menu_path.join(" > ")));
        md.push_str(&format!("\n\n路径：`{}`", s.menu_path.join(" > ")));
    }
    // Labels the path already shows are not named twice.
    let labels: Vec<&String> = s
        .ui_labels
        .iter()
        .filter(|l| !s.menu_path.contains(l))
        .collect();
    if !labels.is_empty() {
        let labels = labels
            .iter()
            .map(|l| format!("“{l}”"))
            .collect::<Vec<_>>()
            .join("、");
        text.push_str(&format!("\n要点击：{labels}"));
        md.push_str(&format!("\n\n要点击：{labels}"));
    }
    for note in &s.notes {
        text.push_str(&format!("\n注意：{note}"));
        md.push_str(&format!("\n\n> {note}"));
    }
    if n >= total {
        text.push_str("\n这是最后一步。");
        md.push_str("\n\n这是最后一步。");
    } else {
        text.push_str("\n回复“下一步”继续。");
        md.push_str("\n\n回复“下一步”继续。");
    }
    (text, md)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::parse_markdown_file;

    const MD: &str = "---\nid: t\ntitle: 如何关闭自动申请激励？\n---\n自助设置。\n\n## 前提条件\n\n已登录。\n\n## 操作步骤\n\n1. 登录伙伴中心。\n2. 选择“销售 > 激励 > 激励管理”。\n";

    #[test]
    fn text_has_steps_paths_and_source() {
        let a = parse_markdown_file(MD, "t.md", "c").unwrap();
        let t = text(&a);
        assert!(t.starts_with("如何关闭自动申请激励？\n自助设置。\n前提条件：已登录。\n操作步骤：\n1. 登录伙伴中心。"), "{t}");
        // The step names its console path itself: it is not written twice.
        assert!(t.contains("2. 选择“销售 > 激励 > 激励管理”。\n"), "{t}");
        assert_eq!(t.matches("激励管理").count(), 1, "{t}");
        // The source by title, never by internal id.
        assert!(
            t.ends_with("详情：请参阅文章《如何关闭自动申请激励？》"),
            "{t}"
        );
        assert!(!t.contains("（t）"), "{t}");
        let m = markdown(&a);
        assert!(m.contains("**操作步骤**\n1. 登录伙伴中心。"), "{m}");
        assert_eq!(m.matches("激励管理").count(), 1, "{m}");
        assert!(m.ends_with("来源：《如何关闭自动申请激励？》"), "{m}");
    }

    #[test]
    fn a_path_the_step_does_not_name_is_written_out_once() {
        let mut a = parse_markdown_file(MD, "t.md", "c").unwrap();
        let step = &mut a.procedures[0].steps[1];
        step.text = "打开激励管理页面。".into();
        step.ui_labels = vec!["激励管理".into(), "确定".into()];
        let t = text(&a);
        assert!(t.contains("（路径：销售 > 激励 > 激励管理）"), "{t}");
        assert_eq!(t.matches("路径：").count(), 1, "{t}");
        // Read out alone: the path once, and only the labels it lacks.
        let (t, _) = step_answer(&a, 1);
        assert!(t.contains("路径：销售 > 激励 > 激励管理"), "{t}");
        assert!(t.contains("要点击：“确定”\n"), "{t}");
    }

    #[test]
    fn listed_conditions_read_as_one_sentence() {
        let mut a = parse_markdown_file(MD, "t.md", "c").unwrap();
        a.prerequisites = vec![
            "网关已创建。".into(),
            " ".into(),
            "中转IP已创建；".into(),
            "子网已规划。".into(),
        ];
        let t = text(&a);
        assert!(
            t.contains("前提条件：网关已创建；中转IP已创建；子网已规划。\n"),
            "{t}"
        );
        let items = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            run_on(&items(&[
                "已开通服务（详见“开通”。）",
                "。",
                "子网已规划，"
            ])),
            "已开通服务（详见“开通”）；子网已规划。"
        );
        assert_eq!(run_on(&items(&["Run v1.", "done"])), "Run v1；done");
        assert!(markdown(&a).contains("**前提条件**：网关已创建；中转IP已创建；子网已规划。"));
        assert_eq!(run_on(&[]), "");
    }

    #[test]
    fn a_cut_source_says_so() {
        let mut a = parse_markdown_file(MD, "t.md", "c").unwrap();
        a.partial = true;
        assert!(text(&a).contains(PARTIAL_NOTE));
        assert!(markdown(&a).contains(PARTIAL_NOTE));
        a.partial = false;
        assert!(!text(&a).contains(PARTIAL_NOTE));
    }

    #[test]
    fn a_single_step() {
        let a = parse_markdown_file(MD, "t.md", "c").unwrap();
        let (t, _) = step_answer(&a, 1);
        assert!(
            t.starts_with("第 2 步（共 2 步）：选择“销售 > 激励 > 激励管理”。\n"),
            "{t}"
        );
        assert!(t.ends_with("这是最后一步。"));
    }

    #[test]
    fn steps_are_read_by_position_whatever_the_source_numbers() {
        let md = "---\nid: t\ntitle: 三步\n---\n## 操作步骤\n\n3. 打开控制台。\n4. 选择实例。\n5. 单击“删除”。\n";
        let a = parse_markdown_file(md, "t.md", "c").unwrap();
        assert_eq!(a.steps().len(), 3);
        let (first, _) = step_answer(&a, 0);
        assert!(
            first.starts_with("第 1 步（共 3 步）：打开控制台。"),
            "{first}"
        );
        assert!(!first.contains("最后一步"), "{first}");
        let (last, _) = step_answer(&a, 2);
        assert!(last.starts_with("第 3 步（共 3 步）："), "{last}");
        assert!(last.ends_with("这是最后一步。"), "{last}");
        assert_eq!(step_answer(&a, 3), (String::new(), String::new()));
    }
}
