//! The draft reply an agent edits before sending: a greeting, one section
//! per question — the article's steps in order with their console paths
//! and its link, the choices when several articles fit, an honest line when
//! the help centre does not cover it — and a closing. Written only from
//! the cleaned questions and the articles, so nothing the reader stripped
//! (names, numbers, quoted mail) can appear; never an internal id in prose.

use crate::answer::compose::{introduction, run_on};
use crate::article::{Article, Step};

use super::{AssistQuestion, QuestionStatus, Reply};

const GREETING: &str = "您好！";
const OPENING: &str = "感谢您的咨询，针对您的问题答复如下：";
const OPENING_NOTHING: &str = "感谢您的来信。";
const CLOSING: &str = "如果还有其他问题，欢迎随时联系我们。";
const SIGN_OFF: &str = "祝好！";
const NOT_COVERED: &str = "这个问题帮助中心暂时没有现成的说明，我们核实后会尽快答复您。";
const AMBIGUOUS: &str = "这个问题可能对应以下几种情况，请根据您的实际情况参考：";
/// Characters of introduction shown before the steps.
const LEAD_CHARS: usize = 160;
/// Characters of an article without steps shown.
const BODY_CHARS: usize = 400;

fn cut(s: &str, n: usize) -> String {
    let s = s.trim();
    if s.chars().count() <= n {
        return s.to_string();
    }
    // Cut at the last line or sentence end within the limit, if any.
    let head: String = s.chars().take(n).collect();
    match head.rfind(['\n', '。', '；']) {
        Some(i) if i > head.len() / 2 => head
            [..i + head[i..].chars().next().map_or(0, char::len_utf8)]
            .trim_end()
            .to_string(),
        _ => format!("{head}…"),
    }
}

/// What the draft says before the steps: the introduction, or for an
/// article without steps its text, shortened.
pub fn summary(a: &Article) -> String {
    let intro = introduction(a);
    if a.steps().is_empty() {
        let body = if intro.trim().is_empty() {
            a.body_text()
        } else {
            intro
        };
        cut(&body, BODY_CHARS)
    } else {
        cut(&intro, LEAD_CHARS)
    }
}

/// Markdown that shows as the text: customer words must not turn into
/// emphasis, links or headings.
fn escape_md(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn step_lines(steps: &[Step], indent: &str, md: bool, out: &mut Vec<String>) {
    for s in steps {
        let mut line = format!("{indent}{}. {}", s.n, one_line(&s.text));
        if !s.menu_path.is_empty() {
            let path = s.menu_path.join(" > ");
            if md {
                line.push_str(&format!("（路径：`{path}`）"));
            } else {
                line.push_str(&format!("（路径：{path}）"));
            }
        }
        out.push(line);
        step_lines(&s.substeps, &format!("{indent}   "), md, out);
    }
}

/// One question's section of the draft.
pub fn section(q: &AssistQuestion) -> Reply {
    let mut md: Vec<String> = vec![format!("**{}. {}**", q.n, escape_md(&q.question))];
    let mut text: Vec<String> = vec![format!("{}. {}", q.n, q.question)];
    match (q.status, &q.article) {
        (QuestionStatus::Answered, Some(a)) => {
            if !a.summary.is_empty() {
                md.push(a.summary.clone());
                text.push(a.summary.clone());
            }
            let p = run_on(&a.prerequisites);
            if !p.is_empty() {
                md.push(format!("前提条件：{p}"));
                text.push(format!("前提条件：{p}"));
            }
            if !a.steps.is_empty() {
                let mut lines = vec!["操作步骤：".to_string()];
                step_lines(&a.steps, "", true, &mut lines);
                md.push(lines.join("\n"));
                let mut lines = vec!["操作步骤：".to_string()];
                step_lines(&a.steps, "", false, &mut lines);
                text.push(lines.join("\n"));
            }
            let c = run_on(&a.constraints);
            if !c.is_empty() {
                md.push(format!("注意：{c}"));
                text.push(format!("注意：{c}"));
            }
            md.push(format!(
                "详细说明请参见：[{}]({})",
                escape_md(&a.title),
                a.link
            ));
            text.push(format!("详细说明请参见《{}》：{}", a.title, a.link));
        }
        (QuestionStatus::Ambiguous, _) => {
            md.push(AMBIGUOUS.into());
            text.push(AMBIGUOUS.into());
            md.push(
                q.choices
                    .iter()
                    .map(|c| format!("- [{}]({})", escape_md(&c.title), c.link))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
            text.push(
                q.choices
                    .iter()
                    .map(|c| format!("- 《{}》：{}", c.title, c.link))
                    .collect::<Vec<_>>()
                    .join("\n"),
            );
        }
        _ => {
            md.push(NOT_COVERED.into());
            text.push(NOT_COVERED.into());
        }
    }
    Reply {
        markdown: md.join("\n\n"),
        text: text.join("\n"),
    }
}

/// The whole draft: greeting, the sections in order, closing.
pub fn draft(questions: &[AssistQuestion]) -> Reply {
    let opening = if questions.is_empty() {
        OPENING_NOTHING
    } else {
        OPENING
    };
    let mut md = vec![GREETING.to_string(), opening.to_string()];
    let mut text = md.clone();
    for q in questions {
        md.push(q.reply.markdown.clone());
        text.push(q.reply.text.clone());
    }
    md.push(CLOSING.into());
    md.push(SIGN_OFF.into());
    text.push(CLOSING.into());
    text.push(SIGN_OFF.into());
    Reply {
        markdown: md.join("\n\n"),
        text: text.join("\n\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_at_a_sentence_end_when_it_can() {
        assert_eq!(cut("短。", 10), "短。");
        let s = format!("{}。{}", "甲".repeat(8), "乙".repeat(10));
        assert_eq!(cut(&s, 12), format!("{}。", "甲".repeat(8)));
        assert_eq!(cut(&"丙".repeat(20), 5), "丙丙丙丙丙…");
    }

    #[test]
    fn markdown_escapes_customer_text() {
        assert_eq!(escape_md("a*b_[c]"), "a\\*b\\_\\[c\\]");
    }
}
