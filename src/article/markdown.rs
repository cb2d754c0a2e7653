//! Markdown to a small block tree: headings, paragraphs, lists with their
//! nesting, quotes, code and flattened tables. Images are dropped (but for
//! one that is clicked: 「单击![](icon.png)」 reads 「单击图标」), raw HTML
//! is reduced to text, links are collected.

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::RawLink;
use super::html::html_to_text;

/// One block of a Markdown document.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading (`#` … `######`).
    Heading {
        /// 1 for `#`, 6 for `######`.
        level: u8,
        /// The heading's text.
        text: String,
    },
    /// A paragraph or a line of text from raw HTML.
    Paragraph(String),
    /// A fenced or indented code block.
    Code(String),
    /// A table, one string per cell.
    Table(Vec<Vec<String>>),
    /// A block quote (Huawei docs put notes, 说明/须知, in quotes).
    Quote(Vec<Block>),
    /// A list; `start` is `Some` for ordered lists.
    List {
        /// The first number of an ordered list.
        start: Option<u64>,
        /// The items, each a sequence of blocks.
        items: Vec<Vec<Block>>,
    },
}

/// Deepest nesting of quotes, lists and list items kept as a tree. Deeper
/// containers are flattened into the one at this depth (their text kept,
/// their nesting dropped), so that no input can make the tree, and the
/// functions that walk it, arbitrarily deep.
pub const MAX_NESTING: usize = 32;

/// A parsed Markdown document.
#[derive(Debug, Default, PartialEq)]
pub struct Document {
    /// The blocks in document order.
    pub blocks: Vec<Block>,
    /// Every link in the document, Markdown and HTML alike.
    pub links: Vec<RawLink>,
    /// Characters of text that are link labels; overview pages are mostly links.
    pub link_chars: usize,
    /// Quotes, lists and items nested deeper than [`MAX_NESTING`], which
    /// were flattened.
    pub flattened: usize,
}

impl Document {
    /// The text of the first level-1 heading.
    pub fn first_h1(&self) -> Option<&str> {
        self.blocks.iter().find_map(|b| match b {
            Block::Heading { level: 1, text } if !text.is_empty() => Some(text.as_str()),
            _ => None,
        })
    }
}

enum Frame {
    Root(Vec<Block>),
    Quote(Vec<Block>),
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Item(Vec<Block>),
}

impl Frame {
    fn blocks(&mut self) -> &mut Vec<Block> {
        match self {
            Frame::Root(b) | Frame::Quote(b) | Frame::Item(b) => b,
            // Text directly inside a list (between items) is attached to the last item.
            Frame::List { items, .. } => {
                if items.is_empty() {
                    items.push(Vec::new());
                }
                items.last_mut().expect("just ensured non-empty")
            }
        }
    }
}

struct Builder {
    stack: Vec<Frame>,
    inline: String,
    code: Option<String>,
    html: Option<String>,
    image_depth: usize,
    /// Text of the image being read (its alt text).
    alt: String,
    link_starts: Vec<(String, usize)>,
    table: Option<Vec<Vec<String>>>,
    links: Vec<RawLink>,
    link_chars: usize,
    /// Containers open beyond [`MAX_NESTING`] (not on the stack).
    flattened_open: usize,
    /// Containers flattened so far.
    flattened: usize,
}

impl Builder {
    /// Opens a container frame, or flattens it when the tree is deep enough.
    fn open_frame(&mut self, frame: Frame) {
        if self.flattened_open > 0 || self.stack.len() > MAX_NESTING {
            self.flattened_open += 1;
            self.flattened += 1;
        } else {
            self.stack.push(frame);
        }
    }

    /// Whether a closing container is one that was flattened (and closes it).
    fn close_flattened(&mut self) -> bool {
        if self.flattened_open > 0 {
            self.flattened_open -= 1;
            true
        } else {
            false
        }
    }

    fn push_block(&mut self, block: Block) {
        self.stack
            .last_mut()
            .expect("the root frame is never popped")
            .blocks()
            .push(block);
    }

    fn flush_paragraph(&mut self) {
        let text = tidy(&std::mem::take(&mut self.inline));
        if !text.is_empty() {
            self.push_block(Block::Paragraph(text));
        }
    }

    fn push_text(&mut self, text: &str) {
        if self.image_depth > 0 {
            self.alt.push_str(text);
            return;
        }
        if let Some(code) = self.code.as_mut() {
            code.push_str(text);
        } else {
            self.inline.push_str(text);
        }
    }

    fn soft_break(&mut self) {
        // Chinese lines join without a space; Latin words need one.
        if self
            .inline
            .chars()
            .last()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c.is_ascii_punctuation())
        {
            self.inline.push(' ');
        }
    }

    fn html_block_text(&mut self, html: &str) {
        let (text, links) = html_to_text(html);
        self.link_chars += links.iter().map(|l| content_chars(&l.text)).sum::<usize>();
        self.links.extend(links);
        for line in text.lines() {
            self.push_block(Block::Paragraph(line.to_string()));
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::Heading { .. } => self.flush_paragraph(),
            Tag::BlockQuote(_) => {
                self.flush_paragraph();
                self.open_frame(Frame::Quote(Vec::new()));
            }
            Tag::CodeBlock(_) => {
                self.flush_paragraph();
                self.code = Some(String::new());
            }
            Tag::HtmlBlock => {
                self.flush_paragraph();
                self.html = Some(String::new());
            }
            Tag::List(start) => {
                self.flush_paragraph();
                self.open_frame(Frame::List {
                    start,
                    items: Vec::new(),
                });
            }
            Tag::Item => {
                self.flush_paragraph();
                self.open_frame(Frame::Item(Vec::new()));
            }
            Tag::Table(_) => {
                self.flush_paragraph();
                self.table = Some(Vec::new());
            }
            Tag::TableHead | Tag::TableRow => {
                if let Some(t) = self.table.as_mut() {
                    t.push(Vec::new());
                }
            }
            Tag::TableCell => self.inline.clear(),
            Tag::Image { .. } => {
                if self.image_depth == 0 {
                    self.alt.clear();
                }
                self.image_depth += 1;
            }
            Tag::Link { dest_url, .. } => {
                self.link_starts
                    .push((dest_url.to_string(), self.inline.len()));
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        if matches!(tag, TagEnd::BlockQuote(_) | TagEnd::List(_) | TagEnd::Item)
            && self.close_flattened()
        {
            self.flush_paragraph();
            return;
        }
        match tag {
            TagEnd::Paragraph => self.flush_paragraph(),
            TagEnd::Heading(level) => {
                let text = tidy(&std::mem::take(&mut self.inline));
                self.push_block(Block::Heading {
                    level: heading_level(level),
                    text,
                });
            }
            TagEnd::BlockQuote(_) => {
                self.flush_paragraph();
                if let Some(Frame::Quote(blocks)) = self.pop_frame() {
                    self.push_block(Block::Quote(blocks));
                }
            }
            TagEnd::CodeBlock => {
                let code = self.code.take().unwrap_or_default();
                let code = code.trim_end().to_string();
                if !code.is_empty() {
                    self.push_block(Block::Code(code));
                }
            }
            TagEnd::HtmlBlock => {
                let html = self.html.take().unwrap_or_default();
                self.html_block_text(&html);
            }
            TagEnd::Item => {
                self.flush_paragraph();
                if let Some(Frame::Item(blocks)) = self.pop_frame()
                    && let Some(Frame::List { items, .. }) = self.stack.last_mut()
                {
                    items.push(blocks);
                }
            }
            TagEnd::List(_) => {
                self.flush_paragraph();
                if let Some(Frame::List { start, items }) = self.pop_frame() {
                    self.push_block(Block::List { start, items });
                }
            }
            TagEnd::TableCell => {
                let cell = tidy(&std::mem::take(&mut self.inline));
                if let Some(row) = self.table.as_mut().and_then(|t| t.last_mut()) {
                    row.push(cell);
                }
            }
            TagEnd::Table => {
                if let Some(rows) = self.table.take() {
                    self.push_block(Block::Table(rows));
                }
            }
            TagEnd::Image => {
                self.image_depth = self.image_depth.saturating_sub(1);
                if self.image_depth == 0
                    && let Some(word) = clicked_image(&self.inline, &self.alt)
                {
                    // 单击 图标 closes up; Click Save keeps its space. A
                    // link opened in between starts where the word does.
                    let latin = |c: char| c.is_ascii_alphanumeric();
                    let before = self.inline.trim_end();
                    if !(before.ends_with(latin) && word.starts_with(latin)) {
                        self.inline.truncate(before.len());
                    }
                    let n = self.inline.len();
                    for (_, start) in &mut self.link_starts {
                        *start = (*start).min(n);
                    }
                    self.inline.push_str(&word);
                }
            }
            TagEnd::Link => {
                if let Some((href, start)) = self.link_starts.pop() {
                    let text = tidy(self.inline.get(start..).unwrap_or(""));
                    self.link_chars += content_chars(&text);
                    self.links.push(RawLink { text, href });
                }
            }
            _ => {}
        }
    }

    fn pop_frame(&mut self) -> Option<Frame> {
        if self.stack.len() > 1 {
            self.stack.pop()
        } else {
            None
        }
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

/// Letters, digits and ideographs in `s`: what counts as content when
/// comparing link labels with the text around them.
pub fn content_chars(s: &str) -> usize {
    s.chars().filter(|c| c.is_alphanumeric()).count()
}

/// Collapses runs of whitespace and trims.
pub(crate) fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for part in s.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(part);
    }
    out
}

/// Parses Markdown (without front matter) into blocks and links.
pub fn parse(markdown: &str) -> Document {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut b = Builder {
        stack: vec![Frame::Root(Vec::new())],
        inline: String::new(),
        code: None,
        html: None,
        image_depth: 0,
        alt: String::new(),
        link_starts: Vec::new(),
        table: None,
        links: Vec::new(),
        link_chars: 0,
        flattened_open: 0,
        flattened: 0,
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(tag) => b.start(tag),
            Event::End(tag) => b.end(tag),
            Event::Text(t) => b.push_text(&t),
            Event::Code(t) => b.push_text(&t),
            Event::SoftBreak => b.soft_break(),
            Event::HardBreak => b.push_text("\n"),
            Event::Html(h) => match b.html.as_mut() {
                Some(buf) => buf.push_str(&h),
                None => b.html_block_text(&h),
            },
            Event::InlineHtml(h) => {
                let lower = h.to_ascii_lowercase();
                if lower.starts_with("<br") {
                    b.push_text(" ");
                }
            }
            Event::Rule => b.flush_paragraph(),
            Event::TaskListMarker(done) => b.push_text(if done { "[x] " } else { "[ ] " }),
            _ => {}
        }
    }
    b.flush_paragraph();
    // Unclosed containers cannot happen with pulldown-cmark, but never lose text.
    while b.stack.len() > 1 {
        let frame = b.stack.pop().expect("len > 1");
        let blocks = match frame {
            Frame::Root(v) | Frame::Quote(v) | Frame::Item(v) => v,
            Frame::List { items, .. } => items.into_iter().flatten().collect(),
        };
        for block in blocks {
            b.push_block(block);
        }
    }
    let Some(Frame::Root(blocks)) = b.stack.pop() else {
        unreachable!("the root frame is the last one")
    };
    Document {
        blocks,
        links: b.links,
        link_chars: b.link_chars,
        flattened: b.flattened,
    }
}

/// Plain text of blocks, one line per paragraph, numbered list items.
pub fn blocks_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    write_blocks(&mut out, blocks, &mut Some(String::new()), "");
    out.trim_end().to_string()
}

/// Writes blocks line by line. The next line starts with `first` while no
/// line has been written yet (it is taken then), later ones with `rest`.
/// List items add their marker to the first line and indent the rest.
/// Recursion follows the block tree, whose depth the parser bounds
/// ([`MAX_NESTING`]).
fn write_blocks(out: &mut String, blocks: &[Block], first: &mut Option<String>, rest: &str) {
    let line = |out: &mut String, first: &mut Option<String>, text: &str| {
        match first.take() {
            Some(prefix) => out.push_str(&prefix),
            None => out.push_str(rest),
        }
        out.push_str(text);
        out.push('\n');
    };
    for block in blocks {
        match block {
            Block::Heading { text, .. } | Block::Paragraph(text) | Block::Code(text) => {
                for l in text.lines() {
                    line(out, first, l);
                }
            }
            Block::Table(rows) => {
                for row in rows {
                    line(out, first, &row.join(" | "));
                }
            }
            Block::Quote(inner) => write_blocks(out, inner, first, rest),
            Block::List { start, items } => {
                let item_rest = format!("{rest}   ");
                for (i, item) in items.iter().enumerate() {
                    let marker = match start {
                        Some(s) => format!("{}. ", s.saturating_add(i as u64)),
                        None => "- ".to_string(),
                    };
                    let lead = first.as_deref().unwrap_or(rest);
                    let mut item_first = Some(format!("{lead}{marker}"));
                    write_blocks(out, item, &mut item_first, &item_rest);
                    if item_first.is_none() {
                        // The item wrote a line, so the lead is used up.
                        *first = None;
                    }
                }
            }
        }
    }
}

/// What an image the text says to click stands for: its alt text when
/// short, else 「图标」 (「在左上角单击![](icon-region.png)，选择区域」 would
/// read 「单击，选择区域」). None for any other image.
fn clicked_image(before: &str, alt: &str) -> Option<String> {
    const CLICKS: [&str; 6] = ["单击", "点击", "双击", "右击", "click", "Click"];
    let before = before.trim_end();
    let clicked = CLICKS.iter().any(|c| {
        before.strip_suffix(c).is_some_and(|rest| {
            // 「click」 as a word, not the end of doubleclick.
            !(c.is_ascii() && rest.ends_with(|ch: char| ch.is_ascii_alphanumeric()))
        })
    });
    if !clicked {
        return None;
    }
    let alt = tidy(alt);
    // A converter's file name or a word for any picture is not a name.
    let generic = alt.contains('.')
        || ["image", "img", "icon", "图片", "图标"].contains(&alt.to_lowercase().as_str());
    Some(
        if alt.is_empty() || generic || alt.chars().count() > MAX_ALT_CHARS {
            "图标".to_string()
        } else {
            alt
        },
    )
}

/// Alt text longer than this is a description, not a button's name.
const MAX_ALT_CHARS: usize = 12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huawei_style_page() {
        let md = "# 更改时区<a name=\"ecs_03_0152\"></a>\n\n## 操作场景<a name=\"s1\"></a>\n\n默认时区为东八区。\n\n## 操作步骤\n\n1.  登录管理控制台。\n2.  选择“计算 \\> 弹性云服务器”。\n\n    ![](figures/a.png \"图\")\n\n    >![](public_sys-resources/icon-note.gif) **说明：** \n    >仅支持Linux。\n\n3.  单击“确定”。\n";
        let doc = parse(md);
        assert_eq!(doc.first_h1(), Some("更改时区"));
        assert_eq!(
            doc.blocks[1],
            Block::Heading {
                level: 2,
                text: "操作场景".into()
            }
        );
        let Block::List { start, items } = &doc.blocks[4] else {
            panic!("{:?}", doc.blocks)
        };
        assert_eq!(*start, Some(1));
        assert_eq!(items.len(), 3);
        assert_eq!(
            items[1][0],
            Block::Paragraph("选择“计算 > 弹性云服务器”。".into())
        );
        assert_eq!(
            items[1][1],
            Block::Quote(vec![Block::Paragraph("说明：仅支持Linux。".into())])
        );
    }

    #[test]
    fn an_image_the_text_says_to_click_is_named() {
        let md = "1.  在左上角单击![](figures/icon-region.png)，选择区域。\n2.  单击![编辑](e.png)修改名称。\n3.  点击 ![这是一张很长很长的界面截图说明文字](s.png)。\n\n如下图所示![](figures/a.png)\n\n![](figures/b.png)\n";
        let doc = parse(md);
        assert_eq!(
            blocks_text(&doc.blocks),
            "1. 在左上角单击图标，选择区域。\n2. 单击编辑修改名称。\n3. 点击图标。\n如下图所示"
        );
    }

    #[test]
    fn a_clicked_image_in_a_link_or_in_latin_text() {
        let doc = parse(
            "Click ![Save](s.png) to save. Click [![OK](ok.png)](https://x.com/ok), doubleclick![](d.png), 单击 [![确定](a.png)](u) 或单击![icon.png](i.png)。\n",
        );
        assert_eq!(
            blocks_text(&doc.blocks),
            "Click Save to save. Click OK, doubleclick, 单击确定 或单击图标。"
        );
        let texts: Vec<&str> = doc.links.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts, vec!["OK", "确定"]);
    }

    #[test]
    fn links_tables_and_code() {
        let md = "见[购买](../buy.md#a)和[外部](https://x.com)。\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n```\nsu - root\n```\n";
        let doc = parse(md);
        assert_eq!(doc.links.len(), 2);
        assert_eq!(doc.links[0].href, "../buy.md#a");
        assert_eq!(doc.links[0].text, "购买");
        assert_eq!(doc.link_chars, 4);
        assert_eq!(
            blocks_text(&doc.blocks),
            "见购买和外部。\na | b\n1 | 2\nsu - root"
        );
    }

    #[test]
    fn deep_nesting_is_flattened_not_recursed() {
        for md in [
            "> ".repeat(30_000),
            "- ".repeat(30_000),
            "1. ".repeat(20_000),
        ] {
            let doc = parse(&format!("{md}深处的文字\n\n后文。\n"));
            assert!(doc.flattened > 0);
            let text = blocks_text(&doc.blocks);
            assert!(text.contains("深处的文字"), "{}", &text[text.len() - 50..]);
            assert!(text.ends_with("后文。"));
            assert!(depth(&doc.blocks) <= MAX_NESTING);
        }
        assert_eq!(parse("> > - a\n").flattened, 0);
    }

    fn depth(blocks: &[Block]) -> usize {
        blocks
            .iter()
            .map(|b| match b {
                Block::Quote(inner) => 1 + depth(inner),
                Block::List { items, .. } => 2 + items.iter().map(|i| depth(i)).max().unwrap_or(0),
                _ => 0,
            })
            .max()
            .unwrap_or(0)
    }

    #[test]
    fn nested_lists_render_numbered_text() {
        let doc = parse("1. 登录。\n2. 设置：\n   1. 打开文件。\n   2. 保存。\n");
        assert_eq!(
            blocks_text(&doc.blocks),
            "1. 登录。\n2. 设置：\n   1. 打开文件。\n   2. 保存。"
        );
    }
}
