//! Reading a support ticket the way an agent does: what the customer asks,
//! without the wrapping. Pure text in, questions out — no index, no I/O.
//!
//! The reader marks what is not the customer's own words about their
//! problem (greetings, thanks and apologies, signatures, quoted history,
//! chat lines of the agent, speaker labels, ticket, order and instance
//! numbers), cuts what remains into sentences, and groups the sentences
//! into questions: a sentence that asks starts a question unless it
//! continues the one before it on the same line (or in the same numbered
//! item) — no connector such as 另外 or 顺便问下 between them, and either a
//! content word in common or an opener that leans back (还…, 如果…);
//! sentences that only tell (我们是代售客户，调账后没看到) join the question
//! they explain. Every question keeps its byte span in the original ticket.
//!
//! Everything is a single pass over lines, each line scanned a constant
//! number of times, so reading is linear in the ticket's length.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};
use std::sync::LazyLock;

use aho_corasick::{AhoCorasick, Anchored, Input, MatchKind, StartKind};
use regex::Regex;
use serde::Serialize;
use utoipa::ToSchema;

/// A byte range of the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// Bytes shared with `other`.
    pub fn overlap(self, other: Span) -> usize {
        self.end
            .min(other.end)
            .saturating_sub(self.start.max(other.start))
    }

    /// Length in bytes.
    pub fn len(self) -> usize {
        self.end.saturating_sub(self.start)
    }

    /// Whether the span is empty.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

/// What kind of wrapping a stretch of the ticket is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Noise {
    /// Greetings, thanks, apologies, sign-offs, urgency (您好, 谢谢, 急).
    Courtesy,
    /// Announcing questions rather than asking them (有几个问题想咨询一下).
    Preamble,
    /// Name, company, phone, e-mail, “发自我的iPhone”.
    Signature,
    /// Earlier mail quoted below the message, `>` lines.
    Quoted,
    /// Mail headers and transcript headings (主题：, 【在线咨询】).
    Header,
    /// What the agent said in a chat transcript.
    Agent,
    /// Speaker labels and times in a chat transcript (14:21 客户：).
    Speaker,
    /// Ticket, order, instance and account numbers.
    Identifier,
    /// Phone numbers and e-mail addresses inside the text.
    Contact,
    /// List markers (1. / 一、 / ①) and connectors (另外, 顺便问下).
    Marker,
}

/// A stretch of the ticket the reader left out, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Stripped {
    /// What it is.
    pub kind: Noise,
    /// Where it is.
    pub span: Span,
}

/// One question of the customer's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    /// From the first to the last byte of the question and its context.
    pub span: Span,
    /// The sentences that ask, without noise.
    pub ask: String,
    /// The sentences that explain it, without noise (may be empty).
    pub context: String,
    /// The ask from its first asking clause, for a heading.
    pub headline: String,
    /// Only the clauses of the ask that ask (a search without the telling).
    pub core: String,
}

impl Question {
    /// Context and ask together, as one text to search.
    pub fn full_text(&self) -> String {
        if self.context.is_empty() {
            self.ask.clone()
        } else {
            format!("{} {}", self.context, self.ask)
        }
    }
}

/// A ticket read: its questions in order and what was left out.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    /// The customer's questions, in the order asked.
    pub questions: Vec<Question>,
    /// What the reader left out, in order, adjacent stretches of one kind merged.
    pub stripped: Vec<Stripped>,
}

/// Reads a ticket. Never fails. A ticket where nothing asks is read as its
/// subject line, else as the problem it tells; one with nothing but noise
/// gives no questions.
pub fn read(ticket: &str) -> Reading {
    let mut mask = Mask::new(ticket.len());
    let lines = lines(ticket);
    let mut subject = None;
    let kinds = mark_lines(ticket, &lines, &mut mask, &mut subject);
    let units = units(ticket, &lines, &kinds, &mut mask);
    let mut questions = group(&units);
    if questions.is_empty() {
        // No sentence asks. The subject line, if any, says what the mail
        // is about; else a problem told without a question (服务器连不上了。)
        // still asks for help, all of it.
        let subject = subject
            .map(|line| units_of_subject(ticket, line, &mut Mask::new(ticket.len())))
            .unwrap_or_default();
        let ask = if subject.is_empty() { units } else { subject };
        if !ask.is_empty() {
            questions.push(finish(Building::new(Vec::new(), ask)));
        }
    }
    Reading {
        questions,
        stripped: mask.runs(),
    }
}

/// A subject line read as the question's text, without its 关于 … 的咨询.
fn units_of_subject(text: &str, line: Line, mask: &mut Mask) -> Vec<Unit> {
    let s = &text[line.start..line.end];
    // ASCII lower case keeps byte offsets.
    let lower = s.to_ascii_lowercase();
    // Re: / 回复： prefixes and 关于 … 的咨询 wrapping.
    let mut start = 0;
    for p in [
        "re:",
        "re：",
        "回复:",
        "回复：",
        "答复:",
        "答复：",
        "fw:",
        "转发：",
    ] {
        if let Some(rest) = lower.trim_start().strip_prefix(p) {
            start = lower.len() - rest.len();
        }
    }
    mask.mark(line.start, line.start + start, Noise::Header);
    let body = Line {
        start: line.start + start,
        end: line.end,
    };
    units(text, &[body], &[LineKind::Content], mask)
        .into_iter()
        .map(|mut u| {
            let t = u.text();
            let cut_front = ["关于"]
                .iter()
                .find(|w| t.starts_with(**w))
                .map_or(0, |w| w.chars().count());
            let cut_back = ["的咨询", "咨询", "的问题", "问题", "求助"]
                .iter()
                .find(|w| t.ends_with(**w) && t.chars().count() > w.chars().count() + cut_front)
                .map_or(0, |w| w.chars().count());
            u.chars.drain(..cut_front);
            u.chars.truncate(u.chars.len() - cut_back);
            u.asks = true;
            u
        })
        .filter(|u| !u.chars.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------
// The mask: which bytes are left out, and why.

struct Mask {
    kinds: Vec<Option<Noise>>,
}

impl Mask {
    fn new(len: usize) -> Mask {
        Mask {
            kinds: vec![None; len],
        }
    }

    /// Marks `range` unless already marked.
    fn mark(&mut self, start: usize, end: usize, kind: Noise) {
        let end = end.min(self.kinds.len());
        for k in self.kinds.iter_mut().take(end).skip(start) {
            if k.is_none() {
                *k = Some(kind);
            }
        }
    }

    fn is_kept(&self, i: usize) -> bool {
        self.kinds.get(i).is_some_and(Option::is_none)
    }

    fn has(&self, start: usize, end: usize, kind: Noise) -> bool {
        self.kinds[start..end.min(self.kinds.len())].contains(&Some(kind))
    }

    /// Runs of one kind. Marker runs are left out: list numbers and
    /// connectors are structure, not noise to show.
    fn runs(&self) -> Vec<Stripped> {
        let mut out: Vec<Stripped> = Vec::new();
        let mut i = 0;
        while i < self.kinds.len() {
            let Some(kind) = self.kinds[i] else {
                i += 1;
                continue;
            };
            let start = i;
            while i < self.kinds.len() && self.kinds[i] == Some(kind) {
                i += 1;
            }
            if kind != Noise::Marker {
                out.push(Stripped {
                    kind,
                    span: Span { start, end: i },
                });
            }
        }
        out
    }
}

/// The kept characters of `range`, with their offsets.
fn kept(text: &str, start: usize, end: usize, mask: &Mask) -> Vec<(usize, char)> {
    text[start..end]
        .char_indices()
        .map(|(i, c)| (start + i, c))
        .filter(|(i, _)| mask.is_kept(*i))
        .collect()
}

// ---------------------------------------------------------------------------
// Lines.

#[derive(Debug, Clone, Copy)]
struct Line {
    start: usize,
    end: usize,
}

fn lines(text: &str) -> Vec<Line> {
    let mut out = Vec::new();
    let mut start = 0;
    for piece in text.split_inclusive('\n') {
        let body = piece.trim_end_matches(['\n', '\r']);
        out.push(Line {
            start,
            end: start + body.len(),
        });
        start += piece.len();
    }
    out
}

/// How a line was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LineKind {
    /// Nothing but whitespace: ends a paragraph.
    Blank,
    /// Left out whole.
    Noise,
    /// Has the customer's words.
    Content,
    /// Has the customer's words, said in a chat transcript.
    Chat,
}

static SPEAKER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*(?:[\[【][^\]】\n]{0,40}[\]】]\s*)?(?:\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?\s*)?(?:\d{1,2}[:：]\d{2}(?:[:：]\d{2})?\s*)?([^\s：:（(\[【\]】]{1,12})\s*(?:[（(]([^）)\n]{0,30})[）)])?\s*[：:]",
    )
    .expect("speaker pattern")
});

/// A speaker heading on a line of its own, as chat exports write it:
/// “客服小美 14:03”, “张三 2026-03-05 14:02:11”.
static SPEAKER_HEADING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^\s*([^\s：:]{1,16}?)\s*(?:[（(][^）)\n]{0,30}[）)])?\s+(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}\s+)?\d{1,2}:\d{2}(?::\d{2})?\s*$",
    )
    .expect("speaker heading pattern")
});

static LABELLED_ID: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)(?:工单编号|工单号|工单ID|工单|服务单号|订单编号|订单号|订单ID|订单|实例\s*ID|实例编号|实例|伙伴\s*ID|伙伴编号|客户\s*ID|客户编号|客户账号|客户帐号|账号\s*ID|帐号\s*ID|账户\s*ID|用户\s*ID|租户\s*ID|账号|帐号|PO\s*号|PO\s*编号|报备编号|报备号|项目编号|合同编号|合同号|流水号|单号|编号|case\s*(?:id|no\.?)|ticket\s*(?:id|no\.?)?|order\s*(?:id|no\.?)|instance\s*id|request\s*id)\s*[：:#＃]?\s*([A-Za-z0-9][A-Za-z0-9_.\-]{3,}(?:\s*[、,，/]\s*[A-Za-z0-9][A-Za-z0-9_.\-]{3,})*)",
    )
    .expect("identifier pattern")
});

static TOKEN: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"[A-Za-z0-9][A-Za-z0-9_.\-]*").expect("token pattern"));

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}").expect("e-mail pattern")
});

static PHONE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\+?\d+(?:[ \-]\d+)*").expect("phone pattern"));

static ENUMERATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.、．)）:：]|[０-９]{1,2}\s*[.、．)）:：]|[-•·*]\s+|[一二三四五六七八九十]{1,3}\s*[、.．:：]|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]|第\s*[一二三四五六七八九十\d]{1,2}\s*(?:个|点|条|项)?\s*(?:问题)?\s*[，,、:：.。\s]|[Qq]\d{1,2}\s*[.:：、\s]|问题\s*[一二三四五六七八九十\d]{1,2}\s*[.:：、\s])\s*",
    )
    .expect("enumeration pattern")
});

/// List numbers that may also open a sentence inside a line.
static INLINE_ENUMERATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:[(（]\s*\d{1,2}\s*[)）]|\d{1,2}\s*[.、．)）]|[０-９]{1,2}\s*[.、．)）]|[一二三四五六七八九十]{1,3}\s*、|[①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳]|第\s*[一二三四五六七八九十\d]{1,2}\s*(?:个|点|条|项)?\s*(?:问题)?\s*[，,、:：])\s*",
    )
    .expect("inline enumeration pattern")
});

/// The length in characters of a list number at `chars[at..]` (after any
/// spaces), if one is there and something follows it.
fn enumeration_at(chars: &[(usize, char)], at: usize, marker: &Regex) -> Option<usize> {
    let spaces = chars[at.min(chars.len())..]
        .iter()
        .take_while(|(_, c)| c.is_whitespace())
        .count();
    let from = at + spaces;
    let head: String = chars
        .get(from..)?
        .iter()
        .take(16)
        .map(|(_, c)| *c)
        .collect();
    let m = marker.find(&head)?;
    let n = head[..m.end()].chars().count();
    // “1.5G” and “2.0版本” are not items; nor is a number with nothing after.
    let next_is_digit = chars.get(from + n).is_some_and(|(_, c)| c.is_ascii_digit());
    (from + n < chars.len() && !next_is_digit).then_some(spaces + n)
}

/// Lines that start quoted history: everything from here on is earlier mail.
fn starts_quote(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    // A marker line: the phrase between rules, little else (not a sentence
    // that mentions the original mail).
    let bare = lower.trim_matches(|c: char| "-—–=_*~ 　".contains(c));
    let marker = [
        "原始邮件",
        "原邮件",
        "以下是引用",
        "original message",
        "original",
        "转发邮件",
        "forwarded message",
    ]
    .iter()
    .any(|p| bare.contains(p) && bare.chars().count() <= p.chars().count() + 8);
    marker
        || ["发件人：", "发件人:", "from:", "from："]
            .iter()
            .any(|p| lower.starts_with(p))
        || ((t.ends_with("写道：") || t.ends_with("写道:") || lower.ends_with("wrote:"))
            && t.chars().count() <= 200)
        || (t.len() >= 8 && t.chars().all(|c| c == '_'))
}

/// The text of a subject line (主题：…, Subject: …), if the line is one.
fn subject_of(text: &str, line: Line) -> Option<Line> {
    let s = &text[line.start..line.end];
    let lower = s.to_ascii_lowercase();
    let label = ["主题", "subject"]
        .iter()
        .find(|l| lower.trim_start().starts_with(**l))?;
    let at = s.find([':', '：'])?;
    let lead = s.len() - s.trim_start().len();
    (at >= lead + label.len()).then(|| Line {
        start: line.start + at + s[at..].chars().next().map_or(1, char::len_utf8),
        end: line.end,
    })
}

fn is_header(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    [
        "主题：",
        "主题:",
        "subject:",
        "subject：",
        "收件人：",
        "收件人:",
        "抄送：",
        "抄送:",
        "发送时间：",
        "发送时间:",
        "发件时间：",
        "to:",
        "cc:",
        "sent:",
        "date:",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// “发自我的iPhone”, “Sent from my Huawei phone”, “—— 来自企业微信”.
fn is_device_line(t: &str) -> bool {
    let t = t.trim_start_matches(['-', '—', '–', '_', ' ', '\u{3000}']);
    let lower = t.to_ascii_lowercase();
    t.chars().count() <= 40
        && [
            "发自",
            "来自",
            "sent from",
            "sent with",
            "get outlook",
            "从我的",
        ]
        .iter()
        .any(|p| lower.starts_with(p))
}

/// A signature separator line (“——”, “--”, “---”), possibly with a short
/// signature after it.
fn is_separator(t: &str) -> bool {
    let rest = t.trim_start_matches(['-', '—', '–', '_', '=', '~', '～']);
    rest.len() < t.len() && t.len() - rest.len() >= 2 && {
        let rest = rest.trim();
        rest.is_empty() || (rest.chars().count() <= 40 && !asks(rest))
    }
}

/// A line of a contact block: 联系人：张三, 公司：…, Tel: …
fn is_contact_label(t: &str) -> bool {
    const LABELS: &[&str] = &[
        "联系人",
        "姓名",
        "公司",
        "单位",
        "部门",
        "职位",
        "职务",
        "联系电话",
        "联系方式",
        "电话",
        "手机",
        "座机",
        "邮箱",
        "地址",
        "微信",
        "qq",
        "tel",
        "mobile",
        "phone",
        "email",
        "e-mail",
        "fax",
        "传真",
        "m",
        "t",
        "e",
        "w",
    ];
    let lower = t.to_ascii_lowercase();
    LABELS.iter().any(|l| {
        lower
            .strip_prefix(l)
            .is_some_and(|rest| rest.trim_start().starts_with(['：', ':']))
    })
}

/// Roles in a chat transcript: `Some(true)` for the agent's side,
/// `Some(false)` for the customer's.
fn role(who: &str) -> Option<bool> {
    let who = who.to_ascii_lowercase();
    const AGENT: &[&str] = &[
        "客服",
        "人工客服",
        "在线客服",
        "智能客服",
        "坐席",
        "机器人",
        "小助手",
        "助手",
        "工程师",
        "技术支持",
        "售后",
        "服务台",
        "agent",
        "support",
        "bot",
    ];
    const CUSTOMER: &[&str] = &[
        "客户",
        "用户",
        "访客",
        "顾客",
        "买家",
        "我",
        "游客",
        "来访者",
        "咨询人",
        "customer",
        "user",
        "visitor",
        "client",
        "me",
    ];
    // 客服小李 and 华为云客服-小美 are speakers; 客服您好 is a greeting.
    let greeting = is_filler(&who) || is_salutation(&squeeze(&who));
    let matches = |roles: &[&str]| {
        roles.iter().any(|r| {
            who == *r
                || (!greeting
                    && (who
                        .strip_prefix(r)
                        .is_some_and(|rest| rest.chars().count() <= 4)
                        || (r.chars().count() >= 2 && who.contains(r))))
        })
    };
    if matches(AGENT) {
        Some(true)
    } else if matches(CUSTOMER) {
        Some(false)
    } else {
        None
    }
}

fn ascii_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Marks identifiers, e-mail addresses and phone numbers in a line.
fn mark_identifiers(text: &str, line: Line, mask: &mut Mask) {
    let s = &text[line.start..line.end];
    let before = |i: usize| s[..i].chars().next_back();
    let after = |i: usize| s[i..].chars().next();
    // Identifiers, addresses and numbers are ASCII: most lines have none.
    if !s.bytes().any(|b| b.is_ascii_alphanumeric()) {
        return;
    }
    for m in EMAIL.find_iter(s) {
        mask.mark(line.start + m.start(), line.start + m.end(), Noise::Contact);
    }
    for caps in LABELLED_ID.captures_iter(s) {
        let (Some(all), Some(id)) = (caps.get(0), caps.get(1)) else {
            continue;
        };
        let ok = id.as_str().chars().any(|c| c.is_ascii_digit() || c == '_')
            && !before(all.start()).is_some_and(|c| c.is_ascii_alphabetic());
        if ok {
            let end = all.end() - trailing_dots(id.as_str());
            mask.mark(
                line.start + all.start(),
                line.start + end,
                Noise::Identifier,
            );
        }
    }
    for m in PHONE.find_iter(s) {
        let p = m.as_str();
        let digits = p.chars().filter(char::is_ascii_digit).count();
        let bounded = !before(m.start()).is_some_and(ascii_word)
            && !after(m.end()).is_some_and(|c| ascii_word(c) || c == '.');
        // Written like a phone number: +86…, groups, or a mobile number.
        let shaped =
            p.starts_with('+') || p.contains([' ', '-']) || (digits == 11 && p.starts_with('1'));
        if (7..=15).contains(&digits) && bounded && shaped && !is_date(p) {
            mask.mark(line.start + m.start(), line.start + m.end(), Noise::Contact);
        }
    }
    for m in TOKEN.find_iter(s) {
        if before(m.start()).is_some_and(ascii_word) {
            continue;
        }
        let token = m.as_str();
        if is_identifier(token) {
            let end = m.end() - trailing_dots(token);
            mask.mark(line.start + m.start(), line.start + end, Noise::Identifier);
        }
    }
}

fn trailing_dots(s: &str) -> usize {
    s.len() - s.trim_end_matches(['.', '-']).len()
}

fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() == 3 && parts[0].len() == 4 && parts[1].len() <= 2 && parts[2].len() <= 2
}

/// Instance ids (i-0b8e44d2c9a1), long numbers, codes like CS2026030188213,
/// PO-20260301-0071 or PRJ-2026-01-0932, hexadecimal request ids.
fn is_identifier(token: &str) -> bool {
    let token = token.trim_end_matches(['.', '-']);
    let digits = token.chars().filter(char::is_ascii_digit).count();
    let letters = token.chars().filter(char::is_ascii_alphabetic).count();
    if token.len() >= 8
        && token.starts_with("i-")
        && token[2..].chars().all(|c| c.is_ascii_alphanumeric())
        && digits >= 2
    {
        return true;
    }
    if letters == 0 && digits >= 8 && !is_date(token) {
        return true;
    }
    // A short letter prefix, then digits (with separators): CS2026…, PTN-5538201.
    let prefix = token.chars().take_while(char::is_ascii_alphabetic).count();
    let rest = &token[prefix..];
    if (1..=6).contains(&prefix)
        && digits >= 6
        && rest
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '_')
        && rest.chars().any(|c| c.is_ascii_digit())
    {
        return true;
    }
    // Hexadecimal ids: long, letters and digits mixed, nothing else.
    token.len() >= 12
        && digits >= 4
        && letters >= 2
        && token.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
}

/// Characters of a line that are neither marked nor space or punctuation.
fn residue(text: &str, line: Line, mask: &Mask) -> String {
    kept(text, line.start, line.end, mask)
        .into_iter()
        .map(|(_, c)| c)
        .filter(|c| !c.is_whitespace() && !is_punct(*c))
        .collect()
}

fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation()
        || matches!(
            c,
            '，' | '。'
                | '！'
                | '？'
                | '；'
                | '：'
                | '、'
                | '（'
                | '）'
                | '【'
                | '】'
                | '《'
                | '》'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '…'
                | '—'
                | '–'
                | '～'
                | '·'
                | '「'
                | '」'
                | '『'
                | '』'
                | '｜'
                | '〔'
                | '〕'
                | '\u{3000}'
        )
}

/// Decides each line's kind and marks the noise in it.
fn mark_lines(
    text: &str,
    lines: &[Line],
    mask: &mut Mask,
    subject: &mut Option<Line>,
) -> Vec<LineKind> {
    let mut kinds = Vec::with_capacity(lines.len());
    let mut quoted = false;
    let mut content_seen = false;
    // After a closing (谢谢, Best regards) or a separator: short lines that
    // do not ask are the signature.
    let mut signature = false;
    // In a chat export with speaker headings, whether the agent is talking.
    let mut agent_talking = false;
    for &line in lines {
        let t = text[line.start..line.end].trim();
        let whole = |mask: &mut Mask, kind| mask.mark(line.start, line.end, kind);
        if t.is_empty() {
            kinds.push(LineKind::Blank);
            continue;
        }
        if quoted || t.starts_with('>') || t.starts_with('＞') {
            whole(mask, Noise::Quoted);
            kinds.push(LineKind::Noise);
            continue;
        }
        if starts_quote(t) {
            if content_seen {
                quoted = true;
                whole(mask, Noise::Quoted);
            } else {
                whole(mask, Noise::Header);
            }
            kinds.push(LineKind::Noise);
            continue;
        }
        if is_header(t) {
            if subject.is_none() && !quoted {
                *subject = subject_of(text, line);
            }
            whole(mask, Noise::Header);
            kinds.push(LineKind::Noise);
            continue;
        }
        if is_device_line(t) {
            whole(mask, Noise::Signature);
            signature = true;
            kinds.push(LineKind::Noise);
            continue;
        }
        if !asks(t) && is_separator(t) {
            whole(mask, Noise::Signature);
            signature = true;
            kinds.push(LineKind::Noise);
            continue;
        }
        let s = &text[line.start..line.end];
        if s.contains(':')
            && let Some(caps) = SPEAKER_HEADING.captures(s)
            && let Some(who) = caps.get(1)
        {
            agent_talking = role(who.as_str()) == Some(true);
            whole(mask, Noise::Speaker);
            kinds.push(LineKind::Noise);
            continue;
        }
        if agent_talking {
            whole(mask, Noise::Agent);
            kinds.push(LineKind::Noise);
            continue;
        }
        let mut kind = LineKind::Content;
        if s.contains([':', '：'])
            && let Some(caps) = SPEAKER.captures(s)
            && let (Some(all), Some(who)) = (caps.get(0), caps.get(1))
        {
            // 小智（机器人）： — the part in brackets may say the role.
            let aside = caps.get(2).and_then(|a| role(a.as_str()));
            match role(who.as_str()).or(aside) {
                Some(true) => {
                    whole(mask, Noise::Agent);
                    kinds.push(LineKind::Noise);
                    continue;
                }
                Some(false) => {
                    mask.mark(line.start, line.start + all.end(), Noise::Speaker);
                    kind = LineKind::Chat;
                    signature = false;
                }
                None => {}
            }
        }
        mark_identifiers(text, line, mask);
        let rest = residue(text, line, mask);
        let kept_text: String = kept(text, line.start, line.end, mask)
            .into_iter()
            .map(|(_, c)| c)
            .collect();
        let kept_trim = kept_text.trim();
        let has_contact = mask.has(line.start, line.end, Noise::Contact);
        if rest.is_empty() {
            whole(
                mask,
                if has_contact {
                    Noise::Signature
                } else {
                    Noise::Identifier
                },
            );
            kinds.push(LineKind::Noise);
            continue;
        }
        // 【工单对话记录】, [在线客服 2026-03-05 14:02]
        if (kept_trim.starts_with('[') || kept_trim.starts_with('【'))
            && (kept_trim.ends_with(']') || kept_trim.ends_with('】'))
            && !asks(kept_trim)
        {
            whole(mask, Noise::Header);
            kinds.push(LineKind::Noise);
            continue;
        }
        let short = rest.chars().count() <= 40 && !asks(kept_trim);
        let signature_like = short
            && kind != LineKind::Chat
            && ((has_contact && rest.chars().count() <= 20)
                || is_contact_label(kept_trim)
                || kept_trim.contains(" | ")
                || kept_trim.contains('｜')
                || kept_trim.contains(" / "));
        if signature_like || (signature && short && kind != LineKind::Chat) {
            whole(mask, Noise::Signature);
            signature = true;
            kinds.push(LineKind::Noise);
            continue;
        }
        signature = false;
        let closing = mark_courtesy(text, line, mask);
        if !mask_leaves_words(text, line, mask) {
            // Only courtesy on this line: after a closing, the signature.
            signature = closing && kind != LineKind::Chat;
            kinds.push(LineKind::Noise);
            continue;
        }
        content_seen = true;
        kinds.push(kind);
    }
    kinds
}

fn mask_leaves_words(text: &str, line: Line, mask: &Mask) -> bool {
    !residue(text, line, mask).is_empty()
}

/// Marks courtesy and preamble clauses of a line; whether the line holds a
/// closing (thanks, regards).
fn mark_courtesy(text: &str, line: Line, mask: &mut Mask) -> bool {
    let chars = kept(text, line.start, line.end, mask);
    let mut closing = false;
    let mut i = 0;
    while i < chars.len() {
        // A clause runs to the next clause separator; the separator goes with it.
        let start = i;
        while i < chars.len() && !is_clause_end(chars[i].1) {
            i += 1;
        }
        let clause_end = i;
        while i < chars.len() && (is_clause_end(chars[i].1) || chars[i].1.is_whitespace()) {
            i += 1;
        }
        let clause: String = chars[start..clause_end].iter().map(|(_, c)| *c).collect();
        let from = chars[start].0;
        let to = chars.get(i).map_or(line.end, |(o, _)| *o);
        match classify_clause(&clause) {
            Some(Noise::Courtesy) => {
                closing |= is_closing(&clause);
                mask.mark(from, to, Noise::Courtesy);
            }
            Some(kind) => mask.mark(from, to, kind),
            None => {
                // Courtesy words at either end of a clause, set off by
                // spaces: “亲 在吗 我想问…”, “…怎么弄 谢谢亲”.
                let clause_chars = &chars[start..clause_end];
                let words = space_words(clause_chars);
                let word = |k: usize| -> String {
                    let (a, b) = words[k];
                    clause_chars[a..b].iter().map(|(_, c)| *c).collect()
                };
                let (mut lo, mut hi) = (0, words.len());
                while hi - lo >= 2 && is_filler(&word(lo)) {
                    lo += 1;
                }
                while hi - lo >= 2 && is_filler(&word(hi - 1)) {
                    closing |= is_closing(&word(hi - 1));
                    hi -= 1;
                }
                if lo > 0 {
                    let from = clause_chars[words[0].0].0;
                    mask.mark(from, clause_chars[words[lo].0].0, Noise::Courtesy);
                }
                if hi < words.len() {
                    let from = clause_chars[words[hi - 1].1].0;
                    let last = words[words.len() - 1].1;
                    let to = clause_chars.get(last).map_or(to, |(o, _)| *o);
                    mask.mark(from, to, Noise::Courtesy);
                }
            }
        }
    }
    closing
}

/// Words of a clause separated by whitespace, as index ranges.
fn space_words(chars: &[(usize, char)]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        while i < chars.len() && chars[i].1.is_whitespace() {
            i += 1;
        }
        let start = i;
        while i < chars.len() && !chars[i].1.is_whitespace() {
            i += 1;
        }
        if i > start {
            out.push((start, i));
        }
    }
    out
}

fn is_clause_end(c: char) -> bool {
    matches!(
        c,
        '，' | ',' | '。' | '！' | '!' | '？' | '?' | '；' | ';' | '：' | ':' | '~' | '～' | '…'
    )
}

/// Greetings, thanks, apologies, sign-offs and particles.
const COURTESY: &[&str] = &[
    "您好",
    "你好",
    "你们好",
    "大家好",
    "各位好",
    "各位",
    "早上好",
    "上午好",
    "中午好",
    "下午好",
    "晚上好",
    "hi",
    "hello",
    "hey",
    "dear",
    "哈喽",
    "嗨",
    "在吗",
    "在不在",
    "在么",
    "在的吗",
    "客服",
    "亲",
    "老师",
    "谢谢",
    "多谢",
    "谢啦",
    "感谢",
    "非常",
    "万分",
    "十分",
    "支持",
    "帮助",
    "辛苦",
    "麻烦",
    "打扰",
    "不好意思",
    "抱歉",
    "又来",
    "盼复",
    "盼回复",
    "期待",
    "回复",
    "静候佳音",
    "尽快",
    "急",
    "紧急",
    "着急",
    "很",
    "比较",
    "在线等",
    "bestregards",
    "kindregards",
    "regards",
    "best",
    "thanks",
    "thankyou",
    "thx",
    "cheers",
    "此致",
    "敬礼",
    "祝好",
    "顺祝商祺",
    "商祺",
    "祝",
    "工作顺利",
    "一切顺利",
    "哈哈",
    "哈",
    "啦",
    "啊",
    "呀",
    "哦",
    "喔",
    "嗯",
    "的",
    "了",
    "一下",
    "请",
    "您",
    "你",
    "你们",
    "好的",
    "好",
    "ok",
    "okay",
    "以上",
];

/// Words of clauses that announce questions instead of asking them.
const PREAMBLE: &[&str] = &[
    "有", "以下", "下面", "如下", "几个", "几", "两个", "三个", "四个", "五个", "一个", "个", "两",
    "三", "一些", "些", "多个", "问题", "事项", "事情", "事", "情况", "疑问", "想", "要", "需要",
    "统一", "一起", "集中", "咨询", "请教", "确认", "了解", "问", "下", "还", "还有", "另外", "另",
    "新", "我", "我们", "我司", "我方", "这边", "近期", "最近", "现在", "目前", "帮忙", "看看",
    "向", "跟", "和", "遇到", "碰到", "方面", "关于",
];

const CLOSING: &[&str] = &[
    "谢", "感谢", "辛苦", "麻烦", "盼复", "regards", "best", "thank", "thx", "此致", "敬礼", "祝",
    "cheers",
];

/// The clause with spaces and punctuation removed, lower-cased.
fn squeeze(clause: &str) -> String {
    clause
        .chars()
        .filter(|c| !c.is_whitespace() && !is_punct(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Words to read a clause with, longest first at each position.
struct Vocabulary(AhoCorasick);

impl Vocabulary {
    fn new(lists: &[&[&str]]) -> Vocabulary {
        let words: Vec<&str> = lists.iter().flat_map(|l| l.iter().copied()).collect();
        Vocabulary(
            AhoCorasick::builder()
                .match_kind(MatchKind::LeftmostLongest)
                .start_kind(StartKind::Anchored)
                .build(words)
                .expect("vocabulary automaton"),
        )
    }
}

static COURTESY_WORDS: LazyLock<Vocabulary> = LazyLock::new(|| Vocabulary::new(&[COURTESY]));
static FILLER_WORDS: LazyLock<Vocabulary> =
    LazyLock::new(|| Vocabulary::new(&[COURTESY, PREAMBLE]));

/// Whether `s` is made only of words from `vocab` (longest match first).
fn made_of(s: &str, vocab: &Vocabulary) -> bool {
    let mut at = 0;
    while at < s.len() {
        match vocab
            .0
            .find(Input::new(s).range(at..).anchored(Anchored::Yes))
        {
            Some(m) if m.end() > at => at = m.end(),
            _ => return false,
        }
    }
    true
}

fn is_filler(clause: &str) -> bool {
    let s = squeeze(clause);
    !s.is_empty() && (made_of(&s, &COURTESY_WORDS) || is_salutation(&s))
}

/// 尊敬的华为云伙伴支持团队
/// 王工您好, 华为云团队你好
fn is_salutation(s: &str) -> bool {
    let addressed = ["您好", "你好", "你们好"].iter().any(|g| {
        s.strip_suffix(g)
            .is_some_and(|who| who.chars().count() <= 12)
    });
    ((s.starts_with("尊敬的") && s.chars().count() <= 24) || addressed) && !asks(s)
}

fn is_closing(clause: &str) -> bool {
    let s = squeeze(clause);
    CLOSING.iter().any(|w| s.contains(w))
}

/// Courtesy, preamble, or a clause with content (`None`).
fn classify_clause(clause: &str) -> Option<Noise> {
    let s = squeeze(clause);
    if s.is_empty() {
        return None;
    }
    if made_of(&s, &COURTESY_WORDS) || is_salutation(&s) {
        return Some(Noise::Courtesy);
    }
    if made_of(&s, &FILLER_WORDS) {
        return Some(Noise::Preamble);
    }
    None
}

// ---------------------------------------------------------------------------
// Whether a text asks.

static ASKS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[？?]|怎么|怎样|如何|哪[里儿个些家种边位]|在哪|什么|为什么|为何|多少|多久|多长时间|几点|几天|几号|第几|是否|能否|可否|是不是|能不能|可不可以|会不会|有没有|要不要|需不需要|用不用|行不行|对不对|咋|请问|想问|请教|求助|请告知|麻烦告知|告诉我|请指导|指导一下|请协助|请帮忙|请帮我|麻烦帮|帮忙处理|求解|求指导|请提供|帮忙看|帮忙查|帮我看|帮我查|不知道|不清楚|吗(?:$|[\s，,。！!；;~～…])|呢(?:$|[\s，,。！!；;~～…])",
    )
    .expect("question pattern")
});

/// Whether a text asks something.
pub fn asks(text: &str) -> bool {
    ASKS.is_match(text)
}

// ---------------------------------------------------------------------------
// Sentences.

/// A sentence (or a part of one split at a connector) of kept text.
#[derive(Debug, Clone)]
struct Unit {
    /// Kept characters with their offsets.
    chars: Vec<(usize, char)>,
    /// Lines joined by a trailing comma share a group.
    group: usize,
    /// Paragraph (blank lines separate paragraphs).
    para: usize,
    /// The numbered item it belongs to, if any.
    item: Option<usize>,
    /// Whether it starts a numbered item.
    item_start: bool,
    /// Whether it asks.
    asks: bool,
    /// Whether it opens with a connector (另外, 还有, 顺便问下 …).
    connector: bool,
    /// Whether it leans on the sentence before (如果, 那么 …).
    dependent: bool,
    /// Its content words ([`content_words`]).
    words: Vec<u64>,
}

impl Unit {
    fn text(&self) -> String {
        self.chars.iter().map(|(_, c)| *c).collect()
    }

    fn span(&self) -> Span {
        let start = self.chars.first().map_or(0, |(o, _)| *o);
        let end = self.chars.last().map_or(0, |(o, c)| o + c.len_utf8());
        Span { start, end }
    }
}

/// Connectors that open a new question.
const CONNECTORS: &[&str] = &[
    "另外",
    "此外",
    "还有",
    "以及",
    "顺便问下",
    "顺便问一下",
    "顺便问问",
    "顺便请教",
    "顺便",
    "顺带问下",
    "顺带问一下",
    "再问下",
    "再问一下",
    "还想问",
    "还想请教",
    "另一个问题",
    "另外一个问题",
    "另问",
    "其次",
    "再者",
    "然后还有",
    "最后",
    "其他的问题",
    "btw",
];

/// 还有 that asks rather than connects: 还有没有, 还有什么.
const NOT_CONNECTORS: &[&str] = &[
    "还有没有",
    "还有什么",
    "还有别的",
    "还有其他",
    "还有其它",
    "还有哪",
    "还有多少",
    "还有办法",
    "还有救",
    "还有效",
    "最后一步",
    "最后的",
];

const DEPENDENT: &[&str] = &[
    "如果",
    "若",
    "要是",
    "假如",
    "万一",
    "那么",
    "那",
    "否则",
    "不然",
    "这样的话",
    "这种情况",
];

/// The length in bytes of a connector at the start of `s`, if any.
fn connector_at(s: &str) -> Option<usize> {
    let lower = s.to_ascii_lowercase();
    if NOT_CONNECTORS.iter().any(|w| lower.starts_with(w)) {
        return None;
    }
    CONNECTORS
        .iter()
        .filter(|w| lower.starts_with(**w))
        .map(|w| w.len())
        .max()
        // Lower-casing keeps the length of these ASCII and CJK words.
        .filter(|n| s.is_char_boundary(*n))
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '。' | '！' | '!' | '？' | '?' | '；' | ';')
}

/// Cuts the content lines into units.
fn units(text: &str, lines: &[Line], kinds: &[LineKind], mask: &mut Mask) -> Vec<Unit> {
    let mut out: Vec<Unit> = Vec::new();
    let mut para = 0;
    let mut group = 0;
    let mut item: Option<usize> = None;
    let mut items = 0;
    let mut joined = false; // the previous line ended with a comma
    for (line, kind) in lines.iter().zip(kinds) {
        match kind {
            LineKind::Blank => {
                para += 1;
                item = None;
                joined = false;
                continue;
            }
            LineKind::Noise => continue,
            LineKind::Content | LineKind::Chat => {}
        }
        let mut chars = kept(text, line.start, line.end, mask);
        trim_chars(&mut chars);
        if chars.is_empty() {
            continue;
        }
        if !joined {
            group += 1;
        }
        if kind == &LineKind::Chat && enumeration_at(&chars, 0, &ENUMERATION).is_none() {
            // Each chat message is its own item of talk.
            item = None;
        }
        let mut i = 0;
        while i < chars.len() {
            // A numbered item starts here? (At the start of the line, or
            // after a sentence or clause on it: 1.A怎么办？2.B在哪里？)
            let mut item_start = false;
            let marker = if i == 0 {
                &ENUMERATION
            } else {
                &INLINE_ENUMERATION
            };
            if let Some(n) = enumeration_at(&chars, i, marker) {
                let to = chars.get(i + n).map_or(line.end, |(o, _)| *o);
                mask.mark(chars[i].0, to, Noise::Marker);
                i += n;
                items += 1;
                item = Some(items);
                item_start = true;
            }
            let start = i;
            let mut end = i;
            let mut connector = false;
            // Connector at the start of this piece?
            let rest: String = chars[i..].iter().take(8).map(|(_, c)| *c).collect();
            if let Some(n) = connector_at(&rest) {
                let k = rest[..n].chars().count();
                connector = true;
                let to = chars.get(i + k).map_or(line.end, |(o, _)| *o);
                mask.mark(chars[i].0, to, Noise::Marker);
                end = i + k;
            }
            while end < chars.len() {
                let c = chars[end].1;
                end += 1;
                if is_sentence_end(c) {
                    // Keep a run of terminators together: ？？, ?!
                    while end < chars.len() && is_sentence_end(chars[end].1) {
                        end += 1;
                    }
                    break;
                }
                // A connector or a list number after a comma or a space
                // starts a new piece.
                if (is_clause_end(c) || c.is_whitespace()) && end < chars.len() {
                    let rest: String = chars[end..].iter().take(8).map(|(_, c)| *c).collect();
                    if connector_at(rest.trim_start()).is_some()
                        || enumeration_at(&chars, end, &INLINE_ENUMERATION).is_some()
                    {
                        break;
                    }
                }
            }
            i = end;
            let mut piece: Vec<(usize, char)> = chars[start..end].to_vec();
            if connector {
                let rest: String = piece.iter().take(8).map(|(_, c)| *c).collect();
                if let Some(n) = connector_at(&rest) {
                    piece.drain(..rest[..n].chars().count());
                }
            }
            trim_chars(&mut piece);
            if piece.iter().all(|(_, c)| c.is_whitespace() || is_punct(*c)) {
                continue;
            }
            let t: String = piece.iter().map(|(_, c)| *c).collect();
            let dependent = DEPENDENT.iter().any(|w| t.starts_with(w));
            out.push(Unit {
                words: content_words(&t),
                asks: asks(&t),
                chars: piece,
                group,
                para,
                item,
                item_start,
                connector,
                dependent,
            });
        }
        // A line ending in a comma, or a long line cut without punctuation
        // (a mail client's hard wrap), goes on on the next line.
        let last = chars.last().map(|(_, c)| *c);
        let width: usize = chars
            .iter()
            .map(|(_, c)| if c.is_ascii() { 1 } else { 2 })
            .sum();
        joined = matches!(last, Some('，' | ',' | '、'))
            || (width >= 70 && last.is_some_and(|c| !is_sentence_end(c) && !is_punct(c)));
    }
    out
}

/// Drops leading and trailing whitespace and separators (keeps a final ？).
fn trim_chars(chars: &mut Vec<(usize, char)>) {
    let lead = chars
        .iter()
        .take_while(|(_, c)| {
            c.is_whitespace() || matches!(c, '，' | ',' | '、' | '：' | ':' | '。' | '；' | ';')
        })
        .count();
    chars.drain(..lead);
    while chars
        .last()
        .is_some_and(|(_, c)| c.is_whitespace() || matches!(c, '，' | ',' | '、' | '：' | ':'))
    {
        chars.pop();
    }
}

// ---------------------------------------------------------------------------
// Questions.

struct Building {
    context: Vec<Unit>,
    ask: Vec<Unit>,
    trailing: Vec<Unit>,
    /// Content words of all its units so far (kept as units join, so that
    /// grouping stays linear in the ticket's length).
    words: HashSet<u64>,
}

impl Building {
    fn new(context: Vec<Unit>, ask: Vec<Unit>) -> Building {
        let mut b = Building {
            context: Vec::new(),
            ask: Vec::new(),
            trailing: Vec::new(),
            words: HashSet::new(),
        };
        for u in &context {
            b.words.extend(&u.words);
        }
        for u in &ask {
            b.words.extend(&u.words);
        }
        b.context = context;
        b.ask = ask;
        b
    }

    fn last(&self) -> &Unit {
        self.trailing
            .last()
            .or(self.ask.last())
            .expect("a question has an asking unit")
    }
}

/// Groups units into questions.
fn group(units: &[Unit]) -> Vec<Question> {
    let mut built: Vec<Building> = Vec::new();
    let mut pending: Vec<Unit> = Vec::new();
    for u in units {
        // Context from another paragraph or item explains nothing here.
        if let Some(p) = pending.first()
            && (p.para != u.para || (u.item_start && p.item.is_some()))
        {
            pending.clear();
        }
        let last = built.last();
        let same_item = |q: &Building| u.item.is_some() && q.last().item == u.item && !u.item_start;
        let same_line = |q: &Building| {
            q.last().group == u.group && q.last().item == u.item && pending.is_empty()
        };
        if u.asks {
            let merge = last.is_some_and(|q| {
                // A numbered item is one question on its line; a line
                // after it continues it only if it leans on it or shares
                // its topic — as two questions on one line do.
                !u.connector
                    && ((same_item(q) && q.last().group == u.group)
                        || (same_line(q) && (leans(u) || related(q, u)))
                        || (same_item(q) && (leans(u) || (related(q, u) && !opens(u))))
                        || (u.dependent && q.last().para == u.para && q.last().item == u.item))
            });
            if merge && let Some(q) = built.last_mut() {
                for p in &pending {
                    q.words.extend(&p.words);
                }
                q.words.extend(&u.words);
                q.ask.append(&mut q.trailing);
                q.ask.append(&mut pending);
                q.ask.push(u.clone());
            } else {
                built.push(Building::new(std::mem::take(&mut pending), vec![u.clone()]));
            }
        } else if last
            .is_some_and(|q| pending.is_empty() && !u.item_start && (same_line(q) || same_item(q)))
        {
            // Telling after asking, on the same line or in the same item;
            // the rest of a sentence wrapped onto the next line belongs to
            // the ask itself.
            if let Some(q) = built.last_mut() {
                q.words.extend(&u.words);
                let cut_short = q.trailing.is_empty()
                    && q.last().group == u.group
                    && q.last()
                        .chars
                        .last()
                        .is_some_and(|(_, c)| !is_sentence_end(*c));
                if cut_short {
                    q.ask.push(u.clone());
                } else {
                    q.trailing.push(u.clone());
                }
            }
        } else {
            pending.push(u.clone());
        }
    }
    built.into_iter().map(finish).collect()
}

/// Whether a sentence leans on the one before it: it opens with 还, 这, 那 …
/// (as in 还需要做别的什么吗), or is too short to stand alone.
fn leans(u: &Unit) -> bool {
    let t = u.text();
    u.dependent
        || LEANING.iter().any(|w| t.starts_with(w))
        || t.chars().filter(|c| c.is_alphanumeric()).count() < 6
}

/// Whether a sentence opens with a new question: 请问, 想问 …
fn opens(u: &Unit) -> bool {
    let t = u.text();
    [
        "请问",
        "想问",
        "我想问",
        "另问",
        "想咨询",
        "我想咨询",
        "想了解",
        "我想了解",
        "请教",
    ]
    .iter()
    .any(|w| t.starts_with(w))
}

/// Openers of a sentence that continues the one before on its line.
const LEANING: &[&str] = &[
    "还", "这", "它", "那", "也", "该", "此", "并", "而且", "同时", "然后",
];

/// Whether a sentence shares a content word (a pair of ideographs, or a
/// Latin word) with the question so far: two questions on one line are
/// one unless they are about different things.
fn related(q: &Building, u: &Unit) -> bool {
    u.words.iter().any(|w| q.words.contains(w))
}

/// Pairs of adjacent ideographs and lower-cased Latin words of two or more
/// letters, without the pairs every question has (怎么, 可以 …), as hashes.
fn content_words(t: &str) -> Vec<u64> {
    const FUNCTION: &[&str] = &[
        "怎么", "么办", "什么", "可以", "能不", "不能", "是不", "不是", "会不", "不会", "有没",
        "没有", "我们", "请问", "需要", "如何", "哪里", "一下", "现在", "还能", "能否", "是否",
        "怎样", "哪些", "多少", "要怎", "么操", "操作", "可不", "不可", "以吗", "要不", "不要",
        "的话", "时候", "以后", "之后", "我的", "你们",
    ];
    let hash = |s: &str| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        s.hash(&mut h);
        h.finish()
    };
    let ideograph = |c: char| ('\u{4E00}'..='\u{9FFF}').contains(&c);
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    let mut pair = String::with_capacity(8);
    for c in t.chars() {
        if let Some(p) = prev
            && ideograph(p)
            && ideograph(c)
        {
            pair.clear();
            pair.push(p);
            pair.push(c);
            if !FUNCTION.contains(&pair.as_str()) {
                out.push(hash(&pair));
            }
        }
        prev = Some(c);
    }
    for word in t.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.len() >= 2 {
            out.push(hash(&word.to_ascii_lowercase()));
        }
    }
    out
}

fn finish(b: Building) -> Question {
    let all = b.context.iter().chain(&b.ask).chain(&b.trailing);
    let start = all.clone().map(|u| u.span().start).min().unwrap_or(0);
    let end = all.map(|u| u.span().end).max().unwrap_or(0);
    let join = |units: &[Unit]| clean(&units.iter().map(Unit::text).collect::<Vec<_>>().join(""));
    let mut context_units = b.context.clone();
    context_units.extend(b.trailing.iter().cloned());
    Question {
        span: Span { start, end },
        ask: join(&b.ask),
        context: join(&context_units),
        headline: headline(&b.ask),
        core: core(&b.ask),
    }
}

/// The clauses of the ask that ask, joined.
fn core(ask: &[Unit]) -> String {
    let mut out = String::new();
    for u in ask {
        let t = u.text();
        let mut clause_start = 0;
        for (i, c) in t.char_indices().chain([(t.len(), '，')]) {
            if is_clause_end(c) {
                let end = (i + c.len_utf8()).min(t.len());
                if asks(&t[clause_start..i]) {
                    out.push_str(&t[clause_start..end]);
                }
                clause_start = end;
            }
        }
    }
    clean(&out)
}

/// The ask from its first asking clause on.
fn headline(ask: &[Unit]) -> String {
    let Some(first) = ask.first() else {
        return String::new();
    };
    let t = first.text();
    let mut cut = 0;
    let mut clause_start = 0;
    for (i, c) in t.char_indices().chain([(t.len(), '，')]) {
        if is_clause_end(c) || c == ' ' {
            if asks(&t[clause_start..i]) {
                cut = clause_start;
                break;
            }
            clause_start = (i + c.len_utf8()).min(t.len());
        }
    }
    let mut out = t[cut..].to_string();
    for u in &ask[1..] {
        out.push_str(&u.text());
    }
    clean(&out)
}

/// Tidies text with holes: empty brackets, doubled punctuation, spaces.
fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        // Brackets left empty by a removed identifier: （）, ()
        if matches!(c, '（' | '(' | '[' | '【')
            && let Some(&next) = chars.peek()
        {
            let close = match c {
                '（' => '）',
                '(' => ')',
                '[' => ']',
                _ => '】',
            };
            if next == close {
                chars.next();
                continue;
            }
            if matches!(next, '，' | ',' | '、' | '：' | ':' | ' ') {
                // （，规格4核8G） → （规格4核8G）
                out.push(c);
                while chars
                    .peek()
                    .is_some_and(|n| matches!(n, '，' | ',' | '、' | '：' | ':' | ' '))
                {
                    chars.next();
                }
                continue;
            }
        }
        if c.is_whitespace() {
            if !out.is_empty() && !out.ends_with(' ') {
                out.push(' ');
            }
            continue;
        }
        let last = out.trim_end().chars().next_back();
        if is_clause_end(c) || c == '、' {
            // No punctuation after punctuation or at the start.
            match last {
                None => continue,
                Some(l) if is_clause_end(l) || l == '、' => {
                    // Keep the stronger mark: ？ over ， .
                    if is_sentence_end(c) && !is_sentence_end(l) {
                        let trimmed = out.trim_end().len() - l.len_utf8();
                        out.truncate(trimmed);
                        out.push(c);
                    }
                    continue;
                }
                _ => {}
            }
            if out.ends_with(' ') {
                out.pop();
            }
        }
        out.push(c);
    }
    let out = out.trim();
    out.trim_start_matches(|c: char| is_clause_end(c) || c == '、')
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn asks_of(ticket: &str) -> Vec<String> {
        read(ticket).questions.into_iter().map(|q| q.ask).collect()
    }

    #[test]
    fn a_mail_with_greeting_signature_and_quote_has_one_question() {
        let t = "您好，\n\n我司上周申请了考试券。请问考试券在哪里查看？\n\n谢谢！\n李明\n深圳云启科技有限公司 | 解决方案部\n电话：0755-8866 1234\n邮箱：liming@yunqi-tech.cn\n\n-----原始邮件-----\n发件人：a@b.com\n主题：通知\n\n考试券已下发，请问还有什么问题吗？";
        let r = read(t);
        assert_eq!(r.questions.len(), 1, "{r:?}");
        let q = &r.questions[0];
        assert_eq!(q.ask, "请问考试券在哪里查看？");
        assert_eq!(q.context, "我司上周申请了考试券。");
        assert_eq!(
            &t[q.span.start..q.span.end],
            "我司上周申请了考试券。请问考试券在哪里查看？"
        );
        for kind in [Noise::Courtesy, Noise::Signature, Noise::Quoted] {
            assert!(
                r.stripped.iter().any(|s| s.kind == kind),
                "{kind:?} in {r:?}"
            );
        }
        let quoted = r.stripped.iter().find(|s| s.kind == Noise::Quoted).unwrap();
        assert!(t[quoted.span.start..].starts_with("-----原始邮件-----"));
    }

    #[test]
    fn numbered_questions_are_separate_and_identifiers_go() {
        let t = "各位好：\n\n我是渠道经理王芳，工单号：20260311087。有几个问题想咨询一下：\n\n1. PO填错了，已提交的PO要怎么取消\n2. 公司名称怎么修改？\n3. 另外想了解一下，返点什么时候到账？\n\n感谢支持！\n\n王芳\n手机：138 0571 2233";
        let asks = asks_of(t);
        assert_eq!(
            asks,
            vec![
                "PO填错了，已提交的PO要怎么取消",
                "公司名称怎么修改？",
                "想了解一下，返点什么时候到账？"
            ]
        );
        let r = read(t);
        assert!(r.questions.iter().all(|q| !q.full_text().contains("2026")));
        assert_eq!(r.questions[0].headline, "已提交的PO要怎么取消");
    }

    #[test]
    fn a_chat_keeps_the_customer_and_drops_the_agent() {
        let t = "[在线客服 2026-03-05 14:02]\n客户：hi 在吗\n客服：您好，请问有什么可以帮您？\n客户：总经销商给我们发了代金券额度\n客户：怎么给客户下发代金券啊 在伙伴中心哪个菜单\n客服：好的，请稍等\n客户：还有 客户收到代金券以后怎么用\n客户：急 谢谢";
        let r = read(t);
        let asks: Vec<_> = r.questions.iter().map(|q| q.ask.as_str()).collect();
        assert_eq!(
            asks,
            vec![
                "怎么给客户下发代金券啊 在伙伴中心哪个菜单",
                "客户收到代金券以后怎么用"
            ]
        );
        assert_eq!(r.questions[0].context, "总经销商给我们发了代金券额度");
        assert!(r.stripped.iter().any(|s| s.kind == Noise::Agent));
        assert!(r.stripped.iter().any(|s| s.kind == Noise::Speaker));
    }

    #[test]
    fn sentences_on_one_line_stay_one_question_unless_a_connector_splits_them() {
        assert_eq!(
            asks_of("发放方式选错了，现在还能改过来吗？如果改不了，有没有什么补救的办法。"),
            vec!["发放方式选错了，现在还能改过来吗？如果改不了，有没有什么补救的办法。"]
        );
        assert_eq!(
            asks_of("请问A怎么开通？另外B在哪里看？"),
            vec!["请问A怎么开通？", "B在哪里看？"]
        );
        assert_eq!(
            asks_of("重装会不会清掉数据盘？\n重装以后IP会不会变"),
            vec!["重装会不会清掉数据盘？", "重装以后IP会不会变"]
        );
    }

    #[test]
    fn context_after_a_question_on_its_line_stays_with_it() {
        let r = read(
            "请问忘记root密码怎么重置？服务器上跑着业务，尽量不要重装。\n\n另外，时区怎么改？",
        );
        assert_eq!(r.questions.len(), 2);
        assert_eq!(r.questions[0].context, "服务器上跑着业务，尽量不要重装。");
        assert_eq!(r.questions[1].ask, "时区怎么改？");
        assert_eq!(r.questions[1].context, "");
    }

    #[test]
    fn signatures_without_a_closing_and_device_lines_go() {
        let r = read("你好，请问自动申请激励在哪里关闭？\n\n发自我的iPhone");
        assert_eq!(r.questions.len(), 1);
        assert!(r.stripped.iter().any(|s| s.kind == Noise::Signature));
        let r = read("能不能换一个新的公网IP？\n\nThanks\nAlex Zhou\n上海星河电商 技术部");
        assert_eq!(r.questions.len(), 1);
        assert_eq!(r.questions[0].ask, "能不能换一个新的公网IP？");
    }

    #[test]
    fn quoted_lines_and_wrote_headers_are_history() {
        let t = "新问题：客户拓展页面在哪里进？\n\n在 2026年3月6日 16:40，卢刚 <lugang@x.com> 写道：\n> 您好，请问PO怎么撤回？";
        let r = read(t);
        assert_eq!(r.questions.len(), 1);
        assert!(r.questions[0].ask.contains("客户拓展页面在哪里进"));
    }

    #[test]
    fn identifiers_are_recognised() {
        for id in [
            "i-7f3a9c21e5b04d18",
            "20260311087",
            "CS2026030188213",
            "PO-20260301-0071",
            "PTN-5538201",
            "PRJ-2026-01-0932",
        ] {
            assert!(is_identifier(id), "{id}");
        }
        for word in [
            "HCIP",
            "P2s",
            "2019",
            "zhangwei1988",
            "CentOS",
            "100G",
            "8核16G",
            "2026-12-31",
        ] {
            assert!(!is_identifier(word), "{word}");
        }
        let r = read("我们的ECS（订单号 CS20260301992，规格4核8G）CPU满了，怎么升级规格？");
        assert_eq!(
            r.questions[0].full_text(),
            "我们的ECS（规格4核8G）CPU满了，怎么升级规格？"
        );
    }

    #[test]
    fn nothing_to_ask_gives_no_questions() {
        assert!(read("").questions.is_empty());
        assert!(
            read("谢谢！\n\n李明\n电话：0755-8866 1234")
                .questions
                .is_empty()
        );
        assert!(read("\n\n   \r\n").questions.is_empty());
    }

    #[test]
    fn questions_about_different_things_on_one_line_are_split() {
        assert_eq!(
            asks_of(
                "您好，请问PO提交了还能撤回吗？公司名称变更了伙伴中心怎么改？账号名能不能改？谢谢"
            ),
            vec![
                "请问PO提交了还能撤回吗？",
                "公司名称变更了伙伴中心怎么改？",
                "账号名能不能改？"
            ]
        );
        // Sharing a topic, or leaning on the sentence before, keeps them one.
        assert_eq!(asks_of("驱动要怎么安装？有没有自动安装的方式。").len(), 1);
        assert_eq!(
            asks_of("点开通就可以完成关联吗？还需要做别的什么吗？").len(),
            1
        );
    }

    #[test]
    fn chat_exports_with_speaker_headings_drop_what_the_agent_says() {
        let t = "张三 14:02\n你好，请问代金券怎么下发给客户\n客服小美 14:03\n您好，请问您是哪类伙伴？\n张三 14:04\n还有考试券在哪里查看";
        assert_eq!(
            asks_of(t),
            vec!["请问代金券怎么下发给客户", "考试券在哪里查看"]
        );
        let t = "华为云客服-小美：您好，很高兴为您服务\n小智（机器人）：请问有什么可以帮您？\n我：PO提交后怎么撤回啊\n我：急急急";
        assert_eq!(asks_of(t), vec!["PO提交后怎么撤回啊"]);
        // A greeting to the agent is not the agent speaking.
        assert_eq!(
            asks_of("客服您好：PO提交后怎么撤回？"),
            vec!["PO提交后怎么撤回？"]
        );
    }

    #[test]
    fn bullets_chatty_fillers_and_other_quote_styles() {
        let t = "您好：\n- 考试券在哪里查看\n- 证书状态怎么同步\n\n---- 回复的原邮件 ----\n请问还有问题吗";
        assert_eq!(asks_of(t), vec!["考试券在哪里查看", "证书状态怎么同步"]);
        assert_eq!(
            asks_of("亲 在吗 我想问下考试券怎么用 还有证书状态在哪看 谢谢亲"),
            vec!["我想问下考试券怎么用", "证书状态在哪看"]
        );
    }

    #[test]
    fn without_a_question_the_subject_or_the_problem_is_the_question() {
        let r =
            read("主题：关于代金券下发的咨询\n\n王工您好：\n\n附件是合同扫描件。\n\n以上，谢谢");
        assert_eq!(r.questions.len(), 1);
        assert_eq!(r.questions[0].ask, "代金券下发");
        assert_eq!(
            asks_of("你好\n我们的服务器远程桌面连不上了，重启也不行。\n发自我的华为手机"),
            vec!["我们的服务器远程桌面连不上了，重启也不行。"]
        );
    }

    #[test]
    fn numbers_inside_a_line_and_hard_wrapped_lines() {
        let t = "您好，有两个问题：1.考试券在哪里查看？2.证书状态怎么同步？\n问题一：PO怎么撤回\n问题二：公司名称怎么改\n请问在伙伴中心的哪个页面可以查看伙伴下发给我们公司的代金券以及代金券的\n有效期和使用范围\n";
        assert_eq!(
            asks_of(t),
            vec![
                "考试券在哪里查看？",
                "证书状态怎么同步？",
                "PO怎么撤回",
                "公司名称怎么改",
                "请问在伙伴中心的哪个页面可以查看伙伴下发给我们公司的代金券以及代金券的有效期和使用范围"
            ]
        );
        // Version numbers and sizes are not list numbers.
        assert_eq!(asks_of("系统盘从40G扩到1.5T，2.0版本怎么操作？").len(), 1);
    }

    #[test]
    fn a_sentence_that_mentions_the_original_mail_is_not_a_quote() {
        let t = "我在原始邮件里问过代金券的事，一直没人回复。\n请问代金券在哪里查看？";
        assert_eq!(asks_of(t), vec!["请问代金券在哪里查看？"]);
        let t = "请问代金券在哪里查看？\n\n---- 回复的原邮件 ----\n请问还有问题吗";
        assert_eq!(asks_of(t), vec!["请问代金券在哪里查看？"]);
    }

    #[test]
    fn spans_overlap_and_len() {
        let a = Span { start: 0, end: 10 };
        let b = Span { start: 5, end: 20 };
        assert_eq!(a.overlap(b), 5);
        assert_eq!(b.len(), 15);
        assert_eq!(Span { start: 30, end: 40 }.overlap(a), 0);
    }

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        fn ticket() -> impl Strategy<Value = String> {
            prop::string::string_regex(
                "[\\PC\\u{4E00}-\\u{4E80}\\u{FF01}-\\u{FF5E}。，？！：；、（）【】“”—…①②一二三 \\t\\r\\n>:\\-_|/@.0-9a-zA-Z😀\\u{0}-\\u{1F}]{0,300}",
            )
            .unwrap()
        }

        fn phrase() -> impl Strategy<Value = String> {
            prop::sample::select(vec![
                "您好，",
                "谢谢！\n",
                "\n\n",
                "请问代金券怎么用？",
                "另外",
                "还有 ",
                "1. ",
                "2、",
                "客户：",
                "客服：您好\n",
                "-----原始邮件-----\n",
                "发件人：",
                "> ",
                "工单号：2026031108",
                "i-7f3a9c21e5b0",
                "电话：0755-8866 1234\n",
                "——\n",
                "我们是代售客户，",
                "吗",
                "？",
                "。",
                "如果改不了，",
                "顺便问下",
                "①",
                "（实例ID：i-0b8e44d2c9a1）",
            ])
            .prop_map(str::to_string)
        }

        fn check(t: &str) -> Result<(), TestCaseError> {
            let r = read(t);
            let mut last_end = 0;
            for q in &r.questions {
                prop_assert!(q.span.start <= q.span.end && q.span.end <= t.len());
                prop_assert!(t.is_char_boundary(q.span.start) && t.is_char_boundary(q.span.end));
                prop_assert!(
                    q.span.start >= last_end,
                    "questions are disjoint and in order"
                );
                last_end = q.span.end;
                prop_assert!(!q.ask.is_empty());
            }
            let mut last = 0;
            for s in &r.stripped {
                prop_assert!(
                    s.span.start >= last && s.span.start < s.span.end && s.span.end <= t.len()
                );
                prop_assert!(t.is_char_boundary(s.span.start) && t.is_char_boundary(s.span.end));
                last = s.span.end;
            }
            Ok(())
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn arbitrary_text_never_panics_and_spans_are_valid(t in ticket()) {
                check(&t)?;
            }

            #[test]
            fn ticket_like_text_never_panics_and_spans_are_valid(parts in prop::collection::vec(phrase(), 0..40)) {
                check(&parts.concat())?;
            }
        }
    }
}
