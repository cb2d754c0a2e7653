//! Raw crawled help text: pages flattened to lines, several per line or one
//! cut short, site chrome mixed in. Articles are split at question titles
//! and at “父主题: X” footers (which give the topic); nothing is invented,
//! and pages the crawl cut are flagged as partial.

use super::markdown::Block;
use super::prose::{self, Segment, is_sentence_end, segments, sentences};
use super::shorten;

/// Phrases of the help site's own interface, never article content.
const CHROME: &[&str] = &[
    "检测到您已登录",
    "不再显示此消息",
    "建议您访问国际站",
    "本页内容是否有帮助",
    "意见反馈",
    "文档首页",
    "返回顶部",
    "在线咨询",
    "Cookie",
];

/// Marker of the parent-topic footer of a page.
const TOPIC_MARKER: &str = "父主题";
/// Longest question sentence still taken as a title, in characters.
const MAX_TITLE_CHARS: usize = 60;
/// Fallback titles are cut to this many characters.
const FALLBACK_TITLE_CHARS: usize = 40;

/// An article found in a crawl.
#[derive(Debug, Clone, PartialEq)]
pub struct CrawlArticle {
    /// 1-based line it came from.
    pub line: usize,
    /// Its title: the question or heading it starts with, else its first
    /// heading or sentence.
    pub title: String,
    /// From the “父主题” footer, if any.
    pub topic: Vec<String>,
    /// Headings and paragraphs.
    pub blocks: Vec<Block>,
    /// The crawl cut the page before its title.
    pub cut_at_start: bool,
    /// The crawl cut the page mid-sentence at the end.
    pub cut_at_end: bool,
}

/// Something in a crawl that is not an article.
#[derive(Debug, Clone, PartialEq)]
pub struct Skipped {
    /// 1-based line.
    pub line: usize,
    /// Why it was left out.
    pub reason: String,
    /// The text left out (shortened).
    pub text: String,
}

/// What a crawl file holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Crawl {
    /// Articles in file order.
    pub articles: Vec<CrawlArticle>,
    /// What was dropped, and why.
    pub skipped: Vec<Skipped>,
}

/// Parses a crawl file.
pub fn parse(text: &str) -> Crawl {
    let mut crawl = Crawl::default();
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let Some(line) = strip_chrome(line, line_no, &mut crawl.skipped) else {
            continue;
        };
        for chunk in chunks(&line) {
            match article(&chunk, line_no) {
                Ok(a) => crawl.articles.push(a),
                Err(reason) => crawl.skipped.push(Skipped {
                    line: line_no,
                    reason,
                    text: shorten(&chunk.text, 80),
                }),
            }
        }
    }
    crawl
}

fn is_chrome(sentence: &str) -> bool {
    CHROME.iter().any(|c| sentence.contains(c))
}

/// The line without sentences of site chrome; `None` when nothing is left.
fn strip_chrome(line: &str, line_no: usize, skipped: &mut Vec<Skipped>) -> Option<String> {
    let parts = sentences(line);
    if !parts.iter().any(|s| is_chrome(s)) {
        return Some(line.to_string());
    }
    let (chrome, kept): (Vec<String>, Vec<String>) = parts.into_iter().partition(|s| is_chrome(s));
    skipped.push(Skipped {
        line: line_no,
        reason: "site chrome".into(),
        text: shorten(&chrome.join(" "), 80),
    });
    let kept = kept.join(" ");
    (!kept.trim().is_empty()).then_some(kept)
}

/// A run of text that becomes one article, with the topic its footer gave.
#[derive(Debug)]
struct Chunk {
    text: String,
    topic: Vec<String>,
    ended_by_footer: bool,
}

/// Splits a line at “父主题: X” footers and at question titles.
fn chunks(line: &str) -> Vec<Chunk> {
    let segs = segments(line);
    let mut out = Vec::new();
    let mut cur: Vec<&Segment> = Vec::new();
    let mut i = 0;
    while i < segs.len() {
        let s = &segs[i];
        if let Some(rest) = s.text.strip_prefix(TOPIC_MARKER) {
            let rest = rest.trim_start_matches([':', '：']).trim();
            // The topic is the rest of this segment or the next one.
            let (topic, used) = if rest.is_empty() {
                (segs.get(i + 1).map(|n| n.text.clone()), 2)
            } else {
                (Some(rest.to_string()), 1)
            };
            out.push(Chunk {
                text: join(&cur),
                topic: topic.map(|t| vec![t]).unwrap_or_default(),
                ended_by_footer: true,
            });
            cur.clear();
            i += used;
            continue;
        }
        if is_question_title(s) && !cur.is_empty() && ends_a_sentence(cur.last().unwrap()) {
            out.push(Chunk {
                text: join(&cur),
                topic: Vec::new(),
                ended_by_footer: false,
            });
            cur.clear();
        }
        cur.push(s);
        i += 1;
    }
    if !cur.is_empty() {
        out.push(Chunk {
            text: join(&cur),
            topic: Vec::new(),
            ended_by_footer: false,
        });
    }
    out.retain(|c| !c.text.trim().is_empty() || !c.topic.is_empty());
    out
}

fn join(segs: &[&Segment]) -> String {
    segs.iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

fn is_question_title(s: &Segment) -> bool {
    s.text.ends_with(['？', '?']) && s.text.chars().count() <= MAX_TITLE_CHARS
}

fn ends_a_sentence(s: &Segment) -> bool {
    s.text.chars().last().is_some_and(is_sentence_end)
}

fn article(chunk: &Chunk, line: usize) -> Result<CrawlArticle, String> {
    let segs = segments(&chunk.text);
    let has_prose = segs.iter().any(|s| {
        s.text
            .chars()
            .any(|c| is_sentence_end(c) || matches!(c, '，' | ',' | '：' | ':'))
            || s.text.chars().count() > 30
    });
    if !has_prose {
        return Err(if chunk.topic.is_empty() {
            "navigation: titles without text".into()
        } else {
            format!(
                "topic index of {}: titles without text",
                chunk.topic.join(" > ")
            )
        });
    }
    let first = &segs[0];
    let starts_with_title =
        is_question_title(first) || (first.heading_like && !is_section_marker(&first.text));
    let (title, body) = if starts_with_title {
        (first.text.clone(), &segs[1..])
    } else {
        (fallback_title(&segs), &segs[..])
    };
    let blocks = blocks(body);
    if blocks.is_empty() {
        return Err("title without text".into());
    }
    let last = chunk.text.trim_end();
    let cut_at_end = !chunk.ended_by_footer
        && !last
            .chars()
            .last()
            .is_some_and(|c| is_sentence_end(c) || matches!(c, '）' | ')' | '”' | '」'));
    Ok(CrawlArticle {
        line,
        title,
        topic: chunk.topic.clone(),
        blocks,
        cut_at_start: !starts_with_title,
        cut_at_end,
    })
}

fn is_section_marker(s: &str) -> bool {
    prose::leading_marker(s).is_some_and(|(_, rest)| rest.is_empty())
}

/// A title for a page whose own title the crawl cut off: its first
/// heading, else its first sentence, shortened.
fn fallback_title(segs: &[Segment]) -> String {
    if let Some(h) = segs
        .iter()
        .find(|s| s.heading_like && !is_section_marker(&s.text))
    {
        return h.text.clone();
    }
    let text = segs
        .iter()
        .map(|s| s.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let first = sentences(&text).into_iter().next().unwrap_or_default();
    let first = first.trim_end_matches(|c: char| is_sentence_end(c) || c == '，');
    let cut: String = first.chars().take(FALLBACK_TITLE_CHARS).collect();
    if cut.chars().count() < first.chars().count() {
        format!("{cut}…")
    } else {
        cut
    }
}

/// Heading-like segments become headings, the rest paragraphs.
fn blocks(segs: &[Segment]) -> Vec<Block> {
    let mut out = Vec::new();
    prose::to_blocks(segs, |s| s.heading_like, &mut out);
    // A heading with nothing after it is a cut-off tail, not a section.
    if let Some(Block::Heading { text, .. }) = out.last().cloned() {
        out.pop();
        out.push(Block::Paragraph(text));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn question_titles_and_topic_footers() {
        let c = parse(
            "项目交付延期如何处理? 需在交付完成日期到达前发送邮件。 父主题: 项目报备 合作伙伴如何修改账号名? 提交工单申请改名。 父主题: 其他\n",
        );
        let got: Vec<_> = c
            .articles
            .iter()
            .map(|a| {
                (
                    a.title.as_str(),
                    a.topic.clone(),
                    a.cut_at_start,
                    a.cut_at_end,
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "项目交付延期如何处理?",
                    vec!["项目报备".to_string()],
                    false,
                    false
                ),
                (
                    "合作伙伴如何修改账号名?",
                    vec!["其他".to_string()],
                    false,
                    false
                ),
            ]
        );
        assert_eq!(
            c.articles[0].blocks,
            vec![Block::Paragraph("需在交付完成日期到达前发送邮件。".into())]
        );
    }

    #[test]
    fn chrome_and_navigation_are_skipped_and_reported() {
        let c = parse(
            "检测到您已登录华为云国际站账号,建议您访问国际站。\n不再显示此消息\n政务云伙伴 如何成为政务云伙伴 客户业务\n如何查看代金券 如何使用代金券 父主题: 经销商子客户\n",
        );
        assert!(c.articles.is_empty());
        let reasons: Vec<_> = c
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            vec![
                (1, "site chrome"),
                (2, "site chrome"),
                (3, "navigation: titles without text"),
                (4, "topic index of 经销商子客户: titles without text"),
            ]
        );
    }

    #[test]
    fn heading_titles_and_cut_pages() {
        let c = parse(
            "为客户下发代金券 伙伴可以下发代金券。 前提条件 已有额度。\n伙伴也可以勾选多个客户后,单击“批量邀请”。 关联类型 顾问销售:由客户支付。 代售\n",
        );
        let a = &c.articles[0];
        assert_eq!(a.title, "为客户下发代金券");
        assert!(!a.cut_at_start && !a.cut_at_end);
        assert_eq!(
            a.blocks,
            vec![
                Block::Paragraph("伙伴可以下发代金券。".into()),
                Block::Heading {
                    level: 2,
                    text: "前提条件".into()
                },
                Block::Paragraph("已有额度。".into()),
            ]
        );
        let b = &c.articles[1];
        assert!(b.cut_at_start && b.cut_at_end);
        assert_eq!(b.title, "关联类型");
    }

    #[test]
    fn a_page_without_heading_takes_its_first_sentence() {
        let c = parse(
            "客户经理及客户经理主管。 操作步骤 使用合作伙伴账号登录华为云。 获取邀请链接及二维码。\n",
        );
        assert_eq!(c.articles[0].title, "客户经理及客户经理主管");
        assert!(c.articles[0].cut_at_start);
    }
}
