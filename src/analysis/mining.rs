//! Vocabulary mined from the corpus being indexed: the pairs of words a
//! help centre itself says mean the same, each with the lines that say so.
//!
//! Nothing here knows any product. Three kinds of evidence are read:
//!
//! - **definitions** written in the text: 「透明数据加密（Transparent Data
//!   Encryption，简称TDE）」, 「X（以下简称Y）」, 「Y是X的简称」, 「X（ABC）」,
//!   「X又称Y」, 「X也叫Y」, 「X（即Y）」;
//! - **a term beside its acronym** (「云数据库RDS」): accepted only when the
//!   pair recurs, the term ends in a noun, and the term is mostly followed by
//!   that acronym wherever it occurs — 「成功连接RDS」 is as frequent in an
//!   RDS guide, but 连接 is a verb and is followed by everything;
//! - **variant spellings** (帐号/账号, 登陆/登录): two words of the corpus
//!   that sound the same, differ in one character and are used in the same
//!   surroundings.
//!
//! Mining takes two passes over the text so that it stays linear: the first
//! ([`Miner::observe`]) finds candidates, the second
//! ([`Candidates::count`]) counts how the candidates are used everywhere,
//! and [`Candidates::finish`] keeps the pairs that pass.

use std::collections::{HashMap, HashSet};

use aho_corasick::{AhoCorasick, MatchKind};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

use super::Analyzer;
use super::normalize::{is_cjk, normalize_str};
use super::pinyin;

/// How a pair was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MinedKind {
    /// The text defines one as the other (简称, 又称, 也叫, 即, a parenthesised acronym).
    Definition,
    /// A term written right beside its Latin acronym, again and again.
    Acronym,
    /// Two spellings of one word.
    Variant,
}

impl MinedKind {
    /// The stable name used in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            MinedKind::Definition => "definition",
            MinedKind::Acronym => "acronym",
            MinedKind::Variant => "variant",
        }
    }
}

/// Where a pair was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Evidence {
    /// The file (as the corpus report names it; `path:line` for JSONL records).
    pub file: String,
    /// 1-based line in that file.
    pub line: usize,
    /// The words around the find.
    pub text: String,
}

/// Two ways the corpus writes one thing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct MinedPair {
    /// The longer, descriptive form (透明数据加密, 账号).
    pub term: String,
    /// The other form (TDE, 帐号).
    pub alias: String,
    /// How it was found.
    pub kind: MinedKind,
    /// How many times the corpus says so.
    pub count: usize,
    /// The first places it does (at most [`MAX_EVIDENCE`]).
    pub evidence: Vec<Evidence>,
}

/// Places kept per pair.
pub const MAX_EVIDENCE: usize = 3;
/// Longest term read before or after a definition marker, in characters.
const MAX_TERM_CHARS: usize = 12;
/// Most words in a mined term.
const MAX_TERM_WORDS: usize = 6;
/// Han characters kept to the left of an acronym in the first pass.
const LEFT_RUN_CHARS: usize = 8;
/// Times a term must stand beside its acronym …
const MIN_ACRONYM_COUNT: usize = 3;
/// … in at least this many files …
const MIN_ACRONYM_FILES: usize = 2;
/// … and the share of the term's occurrences followed by the acronym.
const MIN_ACRONYM_SHARE: f32 = 0.3;
/// Times a 「X，即Y」 pair must occur (the form is also used for clauses).
const MIN_NAMELY_COUNT: usize = 2;
/// Times a 「X（ABC）」 pair must occur (brackets also hold captions and examples).
const MIN_BRACKETED_COUNT: usize = 2;
/// Occurrences of the rarer spelling of a variant.
const MIN_VARIANT_COUNT: usize = 2;
/// Occurrences of the commoner spelling of a variant.
const MIN_VARIANT_MAJOR: usize = 5;
/// Similarity of the surroundings two spellings must share.
const MIN_VARIANT_SIMILARITY: f32 = 0.35;
/// Longest variant word, in characters.
const MAX_VARIANT_CHARS: usize = 4;
/// Characters looked at on each side of a variant for its surroundings.
const CONTEXT_SCAN: usize = 8;
/// Distinct (run, acronym) pairs kept from the first pass; past this, only
/// pairs already seen are counted (a file of random acronyms cannot make
/// the table grow without end).
const MAX_BESIDE: usize = 200_000;

/// Words that start a clause rather than a term: a term read backwards from
/// a definition stops before them.
const STOP_WORDS: &[&str] = &[
    "使用",
    "通过",
    "支持",
    "开启",
    "关闭",
    "提供",
    "采用",
    "利用",
    "基于",
    "调用",
    "选择",
    "购买",
    "创建",
    "配置",
    "设置",
    "进入",
    "登录",
    "单击",
    "点击",
    "是",
    "为",
    "即",
    "将",
    "把",
    "被",
    "对",
    "在",
    "从",
    "向",
    "与",
    "和",
    "及",
    "或",
    "等",
    "的",
    "了",
    "可",
    "可以",
    "需要",
    "请",
    "该",
    "此",
    "其",
    "各",
    "每",
    "所有",
    "已",
    "已经",
    "会",
    "能",
    "由",
    "若",
    "如果",
    "当",
    "例如",
    "包括",
    "称为",
    "叫做",
    "作为",
    "用于",
    "属于",
    "位于",
    "下载",
    "安装",
    "访问",
    "连接",
    "查看",
    "修改",
    "删除",
    "添加",
    "绑定",
    "解绑",
    "开通",
    "申请",
    "部署",
    "实现",
    "完成",
    "集成",
    "接入",
    "一个",
    "这个",
    "您",
    "用户",
    "如",
    "并",
    "也",
    "又",
    "还",
    "都",
    "中",
    "上",
    "下",
    "后",
    "前",
    "小于",
    "大于",
    "等于",
    "超过",
    "低于",
    "高于",
    "不能",
    "不得",
    "必须",
    "应",
    "应该",
    "时",
    "里",
    "内",
    "外",
    "以",
    "于",
    "给",
    "让",
    "使",
    "到",
    "去",
    "来",
    "有",
    "无",
    "不",
    "没有",
    "上传",
    "传到",
    "上传到",
    "存储到",
    "保存",
    "保存到",
    "写入",
    "发送",
    "发送到",
    "存放",
    "导入",
    "导出",
    "迁移到",
    "加入",
    "进行",
    "获取",
    "打开",
    "启用",
    "停用",
    "开始",
    "结束",
];

/// Part-of-speech tags (jieba's) of words that cannot be part of a term.
const STOP_TAGS: &[&str] = &[
    "p", "c", "u", "uj", "ul", "uz", "ug", "ud", "uv", "d", "r", "m", "q", "y", "e", "o", "zg", "f",
];

/// Characters too common to tell two words' surroundings apart.
const FUNCTION_CHARS: &[char] = &[
    '的', '了', '是', '在', '和', '与', '及', '或', '将', '把', '被', '为', '对', '从', '到', '也',
    '都', '就', '并', '等', '个', '该', '此', '其', '一', '不', '有', '中', '上', '下', '可', '以',
];

/// Acronyms that name no one thing: protocols, units, formats.
const GENERIC_ACRONYMS: &[&str] = &[
    "API", "URL", "URI", "DNS", "SSL", "TLS", "HTTP", "HTTPS", "TCP", "UDP", "ICMP", "CPU", "GPU",
    "NPU", "SQL", "SSH", "RAM", "ROM", "DDL", "DML", "JSON", "XML", "YAML", "UTC", "GMT", "SDK",
    "CLI", "UUID", "IP", "ID", "OS", "GB", "MB", "KB", "TB", "PB", "GIB", "MIB", "KIB", "TIB",
    "IOPS", "QPS", "TPS", "PDF", "CSV", "TXT", "ZIP", "PNG", "JPG", "HTML", "CSS", "FAQ", "AND",
    "OR", "NOT", "NULL", "TRUE", "FALSE", "ON", "OFF", "OK", "YES", "NO", "GET", "PUT", "POST",
    "DELETE", "HEAD", "PATCH", "IPV", "IPV4", "IPV6", "MAC", "VLAN", "NTP", "FTP", "SFTP", "SMTP",
    "LAN", "WAN", "BGP", "ARP", "NIC", "SSD", "HDD", "SAS", "SATA", "NVME", "RAID", "ISO", "UI",
    "GUI", "TOKEN", "KEY", "ALL", "ANY", "MIN", "MAX", "AVG", "SUM", "NEW", "OLD", "VS",
];

static DEFINED_SHORT: LazyLock<Regex> = LazyLock::new(|| {
    // 「（…，简称TDE）」「（以下简称“控制台”）」「（简称DRS）」
    Regex::new(r"[（(]\s*(?:([A-Za-z][A-Za-z0-9 .&/-]{2,60}?)\s*[，,;；]\s*)?(?:以下)?(?:简称|缩写为|缩写)\s*[:：]?\s*[“\x22「『]?([^）)”\x22」』，,。；;\s]{1,20})[”\x22」』]?\s*[）)]")
        .expect("valid pattern")
});
static ABBREVIATION_OF: LazyLock<Regex> = LazyLock::new(|| {
    // 「TDE是透明数据加密的简称」「TDE为…的缩写」
    Regex::new(
        r"([A-Za-z0-9\p{Han}]{2,16})\s*(?:是|为)\s*([A-Za-z0-9\p{Han} ]{2,30}?)\s*的(?:简称|缩写)",
    )
    .expect("valid pattern")
});
static ALSO_CALLED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:又称为|又称|也称为|也称|也叫做|也叫|又叫做|又叫|俗称)").expect("valid pattern")
});
static PAREN_ACRONYM: LazyLock<Regex> = LazyLock::new(|| {
    // 「虚拟私有云（VPC）」 and 「VPC（虚拟私有云）」
    Regex::new(r"[（(]\s*([A-Z][A-Za-z0-9]{1,9}|[\p{Han}]{2,12})\s*[）)]").expect("valid pattern")
});
static PAREN_NAMELY: LazyLock<Regex> = LazyLock::new(|| {
    // 「…（即Y）」 and 「…，即Y，」
    Regex::new(
        r"(?:[（(]即\s*([^）)，,。；;]{2,12})[）)]|[，,]即\s*([A-Za-z0-9\p{Han}]{2,12})[，,。；;])",
    )
    .expect("valid pattern")
});
static ACRONYM: LazyLock<Regex> = LazyLock::new(|| {
    // An upper-case run right after a Han character, not inside a Latin word.
    Regex::new(r"\p{Han}([A-Z][A-Z0-9]{2,7})(?:[^A-Za-z0-9]|$)").expect("valid pattern")
});

fn is_acronym(s: &str) -> bool {
    let letters = s.chars().filter(|c| c.is_ascii_uppercase()).count();
    s.chars().all(|c| c.is_ascii_alphanumeric())
        && letters >= 2
        && s.chars().next().is_some_and(|c| c.is_ascii_uppercase())
        && s.chars().filter(|c| c.is_ascii_lowercase()).count() <= 1
        && !GENERIC_ACRONYMS.contains(&s.to_ascii_uppercase().as_str())
}

/// Words of a term, read backwards from the end of `before` (a term stops at
/// punctuation, a stop word or a function word).
fn term_before(analyzer: &Analyzer, before: &str) -> Option<String> {
    let run: String = {
        let tail: Vec<char> = before
            .chars()
            .rev()
            .take_while(|c| is_cjk(*c) || c.is_ascii_alphanumeric())
            .take(MAX_TERM_CHARS + 8)
            .collect();
        tail.into_iter().rev().collect()
    };
    let tags = analyzer.tags(&run);
    let mut kept: Vec<&str> = Vec::new();
    for (word, tag) in tags.iter().rev() {
        let chars: usize = kept.iter().map(|w| w.chars().count()).sum();
        if STOP_WORDS.contains(&word.as_str())
            || STOP_TAGS.contains(&tag.as_str())
            || kept.len() >= MAX_TERM_WORDS
            || chars + word.chars().count() > MAX_TERM_CHARS
        {
            break;
        }
        kept.push(word);
    }
    kept.reverse();
    let term: String = kept.concat();
    term_ok(&term).then_some(term)
}

/// Words of a term read forwards from the start of `after`.
fn term_after(analyzer: &Analyzer, after: &str) -> Option<String> {
    let run: String = after
        .chars()
        .take_while(|c| is_cjk(*c) || c.is_ascii_alphanumeric())
        .take(MAX_TERM_CHARS + 8)
        .collect();
    let tags = analyzer.tags(&run);
    let mut kept: Vec<&str> = Vec::new();
    for (word, tag) in &tags {
        let chars: usize = kept.iter().map(|w| w.chars().count()).sum();
        if STOP_WORDS.contains(&word.as_str())
            || STOP_TAGS.contains(&tag.as_str())
            || kept.len() >= MAX_TERM_WORDS
            || chars + word.chars().count() > MAX_TERM_CHARS
        {
            break;
        }
        kept.push(word);
    }
    let term: String = kept.concat();
    term_ok(&term).then_some(term)
}

/// Which table a definition goes to: they pass different checks.
#[derive(Debug, Clone, Copy)]
enum Store {
    /// Explicit (简称, 又称): kept when seen once.
    Defined,
    /// 「X，即ABC」: kept when seen [`MIN_NAMELY_COUNT`] times.
    Namely,
    /// 「X（ABC）」: kept unless X is bracketed with several acronyms
    /// (「挂载磁盘（KVM）」「挂载磁盘（XEN）」 are captions, not names).
    Bracketed,
}

/// The last `n` words of `before`'s trailing run (not past punctuation).
fn last_words(analyzer: &Analyzer, before: &str, n: usize) -> Option<String> {
    if n == 0 {
        return None;
    }
    let run: String = {
        let tail: Vec<char> = before
            .chars()
            .rev()
            .take_while(|c| is_cjk(*c) || c.is_ascii_alphanumeric())
            .take(MAX_TERM_CHARS + 8)
            .collect();
        tail.into_iter().rev().collect()
    };
    let tags = analyzer.tags(&run);
    let start = tags.len().checked_sub(n)?;
    let term: String = tags[start..].iter().map(|(w, _)| w.as_str()).collect();
    term_ok(&term).then_some(term)
}

/// A term worth pairing: at least two characters, some of them Han or an acronym.
fn term_ok(term: &str) -> bool {
    let n = term.chars().count();
    (2..=MAX_TERM_CHARS + 2).contains(&n)
        && (term.chars().any(is_cjk) || is_acronym(term))
        && !term.chars().all(|c| c.is_ascii_digit())
}

/// A short excerpt of `line` around byte `at`.
fn excerpt(line: &str, at: usize) -> String {
    let start = line[..at.min(line.len())]
        .char_indices()
        .rev()
        .nth(24)
        .map_or(0, |(i, _)| i);
    line[start..]
        .chars()
        .take(64)
        .collect::<String>()
        .trim()
        .to_string()
}

#[derive(Debug, Default)]
struct Found {
    kind: Option<MinedKind>,
    count: usize,
    evidence: Vec<Evidence>,
    /// Where the last statement was (file, line, byte).
    last: Option<(String, usize, usize)>,
}

impl Found {
    fn add(&mut self, kind: MinedKind, file: &str, line: usize, at: usize, text: String) {
        // One statement read two ways (「（Static Content Encryption，简称SCE）」
        // gives the same term by its words and by its English name) counts once.
        let place = (file.to_string(), line, at);
        if self.last.as_ref() == Some(&place) {
            return;
        }
        self.last = Some(place);
        self.kind.get_or_insert(kind);
        self.count += 1;
        if self.evidence.len() < MAX_EVIDENCE {
            self.evidence.push(Evidence {
                file: file.to_string(),
                line,
                text,
            });
        }
    }
}

/// A Han run seen right before an acronym.
#[derive(Debug, Default)]
struct Beside {
    count: usize,
    /// Times the acronym ended there (punctuation, space, end of line)
    /// rather than running on into Han text (「私网NAT网关」).
    bounded: usize,
    files: HashSet<String>,
    evidence: Vec<Evidence>,
}

/// The first pass over a corpus.
pub struct Miner<'a> {
    analyzer: &'a Analyzer,
    /// (term, alias) → where, for definitions.
    defined: HashMap<(String, String), Found>,
    /// (term, alias) → where, for 「X，即Y」.
    namely: HashMap<(String, String), Found>,
    /// (term, acronym) → where, for 「X（ABC）」.
    bracketed: HashMap<(String, String), Found>,
    /// (Han run before, acronym) → where.
    beside: HashMap<(String, String), Beside>,
}

impl std::fmt::Debug for Miner<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Miner")
            .field("defined", &self.defined.len())
            .field("beside", &self.beside.len())
            .finish()
    }
}

impl<'a> Miner<'a> {
    /// A miner that reads terms with `analyzer`'s dictionary.
    pub fn new(analyzer: &'a Analyzer) -> Self {
        Miner {
            analyzer,
            defined: HashMap::new(),
            namely: HashMap::new(),
            bracketed: HashMap::new(),
            beside: HashMap::new(),
        }
    }

    /// Reads one file (or record) for definitions and acronyms. `file` names
    /// it in the evidence; `first_line` is the line `text` starts on.
    pub fn observe(&mut self, file: &str, first_line: usize, text: &str) {
        for (i, line) in text.lines().enumerate() {
            if line.len() > 4096 || !line.chars().any(is_cjk) {
                // Definitions are sentences; a huge line is data, not prose.
                if line.len() > 4096 {
                    self.observe_acronyms(file, first_line + i, line);
                }
                continue;
            }
            self.observe_line(file, first_line + i, line);
        }
    }

    fn observe_line(&mut self, file: &str, line_no: usize, line: &str) {
        let mut define = |term: &str, alias: &str, at: usize, kind: MinedKind, store: Store| {
            let (term, alias) = (term.trim(), alias.trim());
            if term.is_empty() || alias.is_empty() || normalize_str(term) == normalize_str(alias) {
                return;
            }
            // 「服务（以下简称ABC）」: a two-character head word names nothing.
            if is_acronym(alias) && term.chars().count() < 3 {
                return;
            }
            let map = match store {
                Store::Defined => &mut self.defined,
                Store::Namely => &mut self.namely,
                Store::Bracketed => &mut self.bracketed,
            };
            map.entry((term.to_string(), alias.to_string()))
                .or_default()
                .add(kind, file, line_no, at, excerpt(line, at));
        };
        for c in DEFINED_SHORT.captures_iter(line) {
            let whole = c.get(0).expect("match");
            let alias = &c[2];
            let before = &line[..whole.start()];
            // An abbreviation is shorter than what it stands for: a Han
            // alias as long as the words before it means those words were
            // cut short (「离线同步服务（以下简称快同步）」 is not 服务).
            if let Some(term) = term_before(self.analyzer, before)
                .filter(|t| is_acronym(alias) || alias.chars().count() < t.chars().count())
            {
                define(
                    &term,
                    alias,
                    whole.start(),
                    MinedKind::Definition,
                    Store::Defined,
                );
            }
            // With an English name, the Chinese term has about as many
            // words: 「华为云密钥管理服务（Key Management Service…）」.
            if let Some(english) = c.get(1) {
                let n = english
                    .as_str()
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .filter(|w| {
                        !w.is_empty()
                            && ![
                                "and", "of", "the", "for", "to", "in", "on", "a", "an", "with",
                            ]
                            .contains(&w.to_ascii_lowercase().as_str())
                    })
                    .count();
                if let Some(term) = last_words(self.analyzer, before, n) {
                    define(
                        &term,
                        alias,
                        whole.start(),
                        MinedKind::Definition,
                        Store::Defined,
                    );
                }
            }
        }
        for c in ABBREVIATION_OF.captures_iter(line) {
            let whole = c.get(0).expect("match");
            let alias = c.get(1).expect("group");
            let short = term_before(self.analyzer, alias.as_str());
            let long = term_after(self.analyzer, &c[2]);
            if let (Some(short), Some(long)) = (short, long) {
                define(
                    &long,
                    &short,
                    whole.start(),
                    MinedKind::Definition,
                    Store::Defined,
                );
            }
        }
        for m in ALSO_CALLED.find_iter(line) {
            let before = term_before(self.analyzer, &line[..m.start()]);
            let after = term_after(self.analyzer, &line[m.end()..]);
            if let (Some(a), Some(b)) = (before, after) {
                define(&a, &b, m.start(), MinedKind::Definition, Store::Defined);
            }
        }
        for c in PAREN_ACRONYM.captures_iter(line) {
            let whole = c.get(0).expect("match");
            let inside = &c[1];
            if is_acronym(inside) {
                if let Some(term) = term_before(self.analyzer, &line[..whole.start()])
                    && term.chars().any(is_cjk)
                {
                    define(
                        &term,
                        inside,
                        whole.start(),
                        MinedKind::Definition,
                        Store::Bracketed,
                    );
                }
            } else if inside.chars().all(is_cjk) {
                // 「VPC（虚拟私有云）」: an acronym right before the bracket.
                let before: String = line[..whole.start()]
                    .chars()
                    .rev()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                let joined = line[..whole.start() - before.len()]
                    .chars()
                    .next_back()
                    .is_some_and(|c| {
                        c.is_ascii_punctuation() && c != '(' || c.is_ascii_alphanumeric()
                    });
                if is_acronym(&before) && !joined && term_ok(inside) {
                    define(
                        inside,
                        &before,
                        whole.start(),
                        MinedKind::Definition,
                        Store::Defined,
                    );
                }
            }
        }
        for c in PAREN_NAMELY.captures_iter(line) {
            let whole = c.get(0).expect("match");
            let inside = c.get(1).or_else(|| c.get(2)).expect("one group");
            let before = term_before(self.analyzer, &line[..whole.start()]);
            let after = term_after(self.analyzer, inside.as_str());
            // 「即」 also starts clauses; only an acronym on one side makes
            // it a name.
            if let (Some(a), Some(b)) = (before, after)
                && (is_acronym(&a) || is_acronym(&b))
            {
                define(&a, &b, whole.start(), MinedKind::Definition, Store::Namely);
            }
        }
        self.observe_acronyms(file, line_no, line);
    }

    fn observe_acronyms(&mut self, file: &str, line_no: usize, line: &str) {
        for c in ACRONYM.captures_iter(line) {
            let acr = c.get(1).expect("group");
            if !is_acronym(acr.as_str()) {
                continue;
            }
            let run: String = line[..acr.start()]
                .chars()
                .rev()
                .take_while(|c| is_cjk(*c))
                .take(LEFT_RUN_CHARS)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            if run.chars().count() < 2 {
                continue;
            }
            let key = (run, acr.as_str().to_string());
            if self.beside.len() >= MAX_BESIDE && !self.beside.contains_key(&key) {
                continue;
            }
            let b = self.beside.entry(key).or_default();
            b.count += 1;
            let next = line[acr.end()..].chars().next();
            if !next.is_some_and(is_cjk) {
                b.bounded += 1;
            }
            if b.files.len() < MIN_ACRONYM_FILES {
                b.files.insert(file.to_string());
            }
            if b.evidence.len() < MAX_EVIDENCE {
                b.evidence.push(Evidence {
                    file: file.to_string(),
                    line: line_no,
                    text: excerpt(line, acr.start()),
                });
            }
        }
    }

    /// Ends the first pass. `words` are the corpus's words with the number of
    /// articles each occurs in (the index's term dictionary): variant
    /// spellings are looked for among them.
    pub fn candidates<'w>(self, words: impl IntoIterator<Item = (&'w str, u32)>) -> Candidates {
        // Terms beside acronyms: the run's last words, nouns only.
        let mut beside: HashMap<(String, String), Beside> = HashMap::new();
        // In a fixed order, so that the evidence kept is the same every run.
        let mut runs: Vec<((String, String), Beside)> = self.beside.into_iter().collect();
        runs.sort_by(|a, b| a.0.cmp(&b.0));
        for ((run, acr), b) in runs {
            let Some(term) = noun_tail(self.analyzer, &run) else {
                continue;
            };
            if term.chars().count() < 3 {
                continue;
            }
            let slot = beside.entry((term, acr)).or_default();
            slot.count += b.count;
            slot.bounded += b.bounded;
            slot.files.extend(b.files);
            slot.evidence.extend(b.evidence);
        }
        for b in beside.values_mut() {
            b.evidence
                .sort_by(|x, y| (&x.file, x.line).cmp(&(&y.file, y.line)));
            b.evidence.truncate(MAX_EVIDENCE);
        }
        beside.retain(|_, b| {
            b.count >= MIN_ACRONYM_COUNT
                && b.files.len() >= MIN_ACRONYM_FILES
                && 2 * b.bounded >= b.count
        });

        // Variant spellings: same sound, one character apart.
        let mut by_sound: HashMap<String, Vec<(String, u32)>> = HashMap::new();
        for (w, df) in words {
            let n = w.chars().count();
            if (2..=MAX_VARIANT_CHARS).contains(&n)
                && w.chars().all(is_cjk)
                && df > 0
                && self.analyzer.knows(w)
                && let Some(k) = pinyin::key(w)
            {
                by_sound.entry(k).or_default().push((w.to_string(), df));
            }
        }
        let mut variants: Vec<(String, String)> = Vec::new();
        for group in by_sound.values() {
            if group.len() < 2 || group.len() > 8 {
                continue;
            }
            for (i, (a, _)) in group.iter().enumerate() {
                for (b, _) in &group[i + 1..] {
                    if differ_by_one(a, b) {
                        variants.push((a.clone(), b.clone()));
                    }
                }
            }
        }
        variants.sort();

        let mut needles: Vec<String> = Vec::new();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut needle = |s: &str| -> usize {
            *index.entry(s.to_string()).or_insert_with(|| {
                needles.push(s.to_string());
                needles.len() - 1
            })
        };
        let beside_ids: Vec<((String, String), Beside, usize)> = beside
            .into_iter()
            .map(|(k, b)| {
                let id = needle(&k.0);
                (k, b, id)
            })
            .collect();
        let variant_ids: Vec<(usize, usize)> = variants
            .iter()
            .map(|(a, b)| (needle(a), needle(b)))
            .collect();
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::Standard)
            .build(&needles)
            .ok();
        Candidates {
            defined: self.defined,
            namely: self.namely,
            bracketed: self.bracketed,
            beside: beside_ids,
            variants: variant_ids,
            counts: vec![0; needles.len()],
            contexts: vec![HashMap::new(); needles.len()],
            places: vec![Vec::new(); needles.len()],
            files: vec![HashSet::new(); needles.len()],
            file_count: 0,
            needles,
            automaton,
        }
    }
}

/// The trailing nouns of a Han run: the term an acronym may stand for.
fn noun_tail(analyzer: &Analyzer, run: &str) -> Option<String> {
    let tags = analyzer.tags(run);
    let (last, last_tag) = tags.last()?;
    if !is_noun(last_tag) || STOP_WORDS.contains(&last.as_str()) {
        return None;
    }
    let mut kept: Vec<&str> = Vec::new();
    for (word, tag) in tags.iter().rev() {
        if STOP_WORDS.contains(&word.as_str())
            || !(is_noun(tag) || tag.starts_with('a') || tag == "vn" || tag == "b")
        {
            break;
        }
        kept.push(word);
    }
    kept.reverse();
    let term = kept.concat();
    (term.chars().count() >= 2).then_some(term)
}

/// Whether a jieba tag names a noun (or a word the user dictionary added,
/// which has no tag of its own).
fn is_noun(tag: &str) -> bool {
    tag.starts_with('n') || tag == "vn" || tag == "x" || tag == "eng" || tag.is_empty()
}

fn differ_by_one(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    a.len() == b.len() && a.iter().zip(&b).filter(|(x, y)| x != y).count() == 1
}

/// The second pass: how the candidates are used across the corpus.
pub struct Candidates {
    defined: HashMap<(String, String), Found>,
    namely: HashMap<(String, String), Found>,
    bracketed: HashMap<(String, String), Found>,
    beside: Vec<((String, String), Beside, usize)>,
    variants: Vec<(usize, usize)>,
    needles: Vec<String>,
    automaton: Option<AhoCorasick>,
    counts: Vec<usize>,
    /// Characters around each occurrence of a needle.
    contexts: Vec<HashMap<(char, bool), u32>>,
    /// First places each needle occurs.
    places: Vec<Vec<Evidence>>,
    /// Files (by order of [`Candidates::count`] calls) each needle occurs in.
    files: Vec<HashSet<u32>>,
    /// Calls to [`Candidates::count`].
    file_count: u32,
}

impl std::fmt::Debug for Candidates {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Candidates")
            .field("needles", &self.needles.len())
            .finish()
    }
}

impl Candidates {
    /// Reads one file (or record) again, in the same form as
    /// [`Miner::observe`] saw it.
    pub fn count(&mut self, file: &str, first_line: usize, text: &str) {
        let Some(ac) = &self.automaton else {
            return;
        };
        let file_id = self.file_count;
        self.file_count += 1;
        for (i, line) in text.lines().enumerate() {
            for m in ac.find_overlapping_iter(line) {
                let id = m.pattern().as_usize();
                self.counts[id] += 1;
                self.files[id].insert(file_id);
                let ctx = &mut self.contexts[id];
                // A bounded look around: a run of function characters must
                // not make every match rescan its line.
                let before = line[..m.start()]
                    .chars()
                    .rev()
                    .take(CONTEXT_SCAN)
                    .filter(|c| !FUNCTION_CHARS.contains(c))
                    .take(2);
                let after = line[m.end()..]
                    .chars()
                    .take(CONTEXT_SCAN)
                    .filter(|c| !FUNCTION_CHARS.contains(c))
                    .take(2);
                for (c, left) in before.map(|c| (c, true)).chain(after.map(|c| (c, false))) {
                    if is_cjk(c) || c.is_alphanumeric() {
                        *ctx.entry((c, left)).or_insert(0) += 1;
                    }
                }
                if self.places[id].len() < MAX_EVIDENCE {
                    self.places[id].push(Evidence {
                        file: file.to_string(),
                        line: first_line + i,
                        text: excerpt(line, m.start()),
                    });
                }
            }
        }
    }

    /// The pairs that pass, sorted by kind, then term.
    pub fn finish(self) -> Vec<MinedPair> {
        let mut out: Vec<MinedPair> = Vec::new();
        let pair = |(term, alias): (String, String), f: Found| MinedPair {
            term,
            alias,
            kind: f.kind.unwrap_or(MinedKind::Definition),
            count: f.count,
            evidence: f.evidence,
        };
        out.extend(self.defined.into_iter().map(|(k, f)| pair(k, f)));
        out.extend(
            self.namely
                .into_iter()
                .filter(|(_, f)| f.count >= MIN_NAMELY_COUNT)
                .map(|(k, f)| pair(k, f)),
        );
        let mut acronyms_of: HashMap<&str, usize> = HashMap::new();
        for (term, _) in self.bracketed.keys() {
            *acronyms_of.entry(term.as_str()).or_insert(0) += 1;
        }
        let ambiguous: HashSet<String> = acronyms_of
            .into_iter()
            .filter(|(_, n)| *n > 1)
            .map(|(t, _)| t.to_string())
            .collect();
        out.extend(
            self.bracketed
                .into_iter()
                .filter(|((term, _), f)| {
                    !ambiguous.contains(term) && f.count >= MIN_BRACKETED_COUNT
                })
                .map(|(k, f)| pair(k, f)),
        );
        for ((term, acr), b, id) in self.beside {
            let share = b.count as f32 / self.counts[id].max(1) as f32;
            if share >= MIN_ACRONYM_SHARE {
                out.push(MinedPair {
                    term,
                    alias: acr,
                    kind: MinedKind::Acronym,
                    count: b.count,
                    evidence: b.evidence,
                });
            }
        }
        for (a, b) in self.variants {
            let (na, nb) = (self.counts[a], self.counts[b]);
            let (major, minor) = if na >= nb { (a, b) } else { (b, a) };
            if self.counts[minor] < MIN_VARIANT_COUNT || self.counts[major] < MIN_VARIANT_MAJOR {
                continue;
            }
            if similarity(&self.contexts[a], &self.contexts[b]) < MIN_VARIANT_SIMILARITY {
                continue;
            }
            // A writer picks one spelling: variants share surroundings but
            // rarely a file, while two different words meet in files at
            // about as often as chance says.
            let (fa, fb) = (&self.files[a], &self.files[b]);
            let both = fa.intersection(fb).count() as f32;
            let expected = fa.len() as f32 * fb.len() as f32 / self.file_count.max(1) as f32;
            if both > 0.5 * expected.max(1.0) {
                continue;
            }
            let mut evidence = self.places[major].clone();
            evidence.truncate(1);
            evidence.extend(self.places[minor].iter().take(MAX_EVIDENCE - 1).cloned());
            out.push(MinedPair {
                term: self.needles[major].clone(),
                alias: self.needles[minor].clone(),
                kind: MinedKind::Variant,
                count: self.counts[minor],
                evidence,
            });
        }
        // 「Broker进程垃圾回收（GC）」 and 「垃圾回收（GC）」: the shortest term
        // that others end with stands for them all.
        // Only a shorter term seen more often counts as the core.
        let mut terms_of: HashMap<String, Vec<(String, usize)>> = HashMap::new();
        for p in &out {
            terms_of
                .entry(p.alias.clone())
                .or_default()
                .push((p.term.clone(), p.count));
        }
        out.retain(|p| {
            !terms_of[&p.alias].iter().any(|(t, n)| {
                t != &p.term
                    && *n > p.count
                    && t.chars().count() >= 3
                    && p.term.ends_with(t.as_str())
            })
        });
        // One pair per spelling, keeping the best-attested kind.
        out.sort_by(|x, y| {
            (x.kind as u8, &x.term, &x.alias).cmp(&(y.kind as u8, &y.term, &y.alias))
        });
        let mut seen: HashSet<(String, String)> = HashSet::new();
        out.retain(|p| {
            let (a, b) = (normalize_str(&p.term), normalize_str(&p.alias));
            let key = if a <= b { (a, b) } else { (b, a) };
            seen.insert(key)
        });
        out
    }
}

/// Cosine similarity of two context distributions.
fn similarity(a: &HashMap<(char, bool), u32>, b: &HashMap<(char, bool), u32>) -> f32 {
    let dot: f64 = a
        .iter()
        .filter_map(|(k, x)| b.get(k).map(|y| f64::from(*x) * f64::from(*y)))
        .sum();
    let norm = |m: &HashMap<(char, bool), u32>| {
        m.values()
            .map(|v| f64::from(*v).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let d = norm(a) * norm(b);
    if d == 0.0 { 0.0 } else { (dot / d) as f32 }
}

/// Mines a set of texts in memory: both passes in one call (tests, small
/// corpora). `texts` are `(file, text)`; `words` as for [`Miner::candidates`].
pub fn mine<'w>(
    analyzer: &Analyzer,
    texts: &[(&str, &str)],
    words: impl IntoIterator<Item = (&'w str, u32)>,
) -> Vec<MinedPair> {
    let mut miner = Miner::new(analyzer);
    for (file, text) in texts {
        miner.observe(file, 1, text);
    }
    let mut c = miner.candidates(words);
    for (file, text) in texts {
        c.count(file, 1, text);
    }
    c.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(texts: &[(&str, &str)], words: &[(&str, u32)]) -> Vec<(String, String, MinedKind)> {
        let a = Analyzer::default();
        mine(&a, texts, words.iter().copied())
            .into_iter()
            .map(|p| (p.term, p.alias, p.kind))
            .collect()
    }

    fn has(found: &[(String, String, MinedKind)], term: &str, alias: &str) -> bool {
        found.iter().any(|(t, a, _)| t == term && a == alias)
    }

    #[test]
    fn definitions_written_in_the_text() {
        let text = "您可以开启透明数据加密（Transparent Data Encryption，简称TDE）保护数据。\n\
                    使用数据复制服务（Data Replication Service，简称DRS）迁移。\n\
                    进入云监控服务（以下简称“云监控”）页面。\n\
                    ACL是访问控制列表的简称。\n\
                    弹性公网IP又称浮动IP，可以绑定。\n\
                    创建一个虚拟私有云（VPC）。选择虚拟私有云（VPC）。\n\
                    远程登录功能（即VNC方式）。\n\
                    星河笔记的离线同步服务（以下简称快同步）会上传修改。\n";
        let found = pairs(&[("guide/a.md", text)], &[]);
        assert!(has(&found, "透明数据加密", "TDE"), "{found:?}");
        assert!(has(&found, "数据复制服务", "DRS"), "{found:?}");
        assert!(has(&found, "云监控服务", "云监控"), "{found:?}");
        assert!(has(&found, "访问控制列表", "ACL"), "{found:?}");
        assert!(has(&found, "弹性公网IP", "浮动IP"), "{found:?}");
        assert!(has(&found, "虚拟私有云", "VPC"), "{found:?}");
        assert!(!has(&found, "服务", "快同步"), "{found:?}");
        assert!(
            !found.iter().any(|(_, a, _)| a.contains("VNC")),
            "{found:?}"
        );
    }

    #[test]
    fn captions_in_brackets_are_not_names() {
        let text = "挂载磁盘（KVM）\n挂载磁盘（XEN）\n挂载磁盘（KVM）\n挂载磁盘（XEN）\n示例场景（RBAC）\n";
        let found = pairs(&[("a.md", text)], &[]);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn the_shortest_common_term_stands_for_longer_ones() {
        let text =
            "垃圾回收（GC）时间。进程垃圾回收（GC）。垃圾回收（GC）。Broker进程垃圾回收（GC）。\n";
        let found = pairs(&[("a.md", text)], &[]);
        assert!(has(&found, "垃圾回收", "GC"), "{found:?}");
        assert!(!has(&found, "进程垃圾回收", "GC"), "{found:?}");
    }

    #[test]
    fn evidence_names_file_and_line() {
        let a = Analyzer::default();
        let found = mine(
            &a,
            &[(
                "guide/tde.md",
                "# 标题\n\n开启透明数据加密（Transparent Data Encryption，简称TDE）。",
            )],
            [],
        );
        let p = found.iter().find(|p| p.alias == "TDE").expect("mined");
        assert_eq!(p.evidence[0].file, "guide/tde.md");
        assert_eq!(p.evidence[0].line, 3);
        assert!(p.evidence[0].text.contains("简称TDE"));
    }

    #[test]
    fn a_term_beside_its_acronym_needs_to_recur_and_belong_to_it() {
        let mut texts: Vec<(String, String)> = Vec::new();
        for i in 0..6 {
            texts.push((
                format!("f{i}.md"),
                "欢迎使用云数据库RDS。购买云数据库RDS，成功连接RDS即可使用。\n\
                 您可以连接ECS，也可以连接ELB，或连接数据库。进入私网NAT网关页面。\n"
                    .to_string(),
            ));
        }
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect();
        let found = pairs(&refs, &[]);
        assert!(has(&found, "云数据库", "RDS"), "{found:?}");
        assert!(
            !found.iter().any(|(t, _, _)| t.contains("连接")),
            "a verb before an acronym is not its name: {found:?}"
        );
        assert!(
            !found.iter().any(|(_, a, _)| a == "NAT"),
            "an acronym inside a longer term (NAT网关) is not apposition: {found:?}"
        );
        // Once is not enough.
        let once = pairs(&[("f.md", "购买云数据库RDS。")], &[]);
        assert!(!has(&once, "云数据库", "RDS"), "{once:?}");
    }

    #[test]
    fn variant_spellings_used_alike_but_not_together() {
        let mut texts: Vec<(String, String)> = Vec::new();
        for i in 0..8 {
            let account = if i % 2 == 0 { "帐号" } else { "账号" };
            texts.push((
                format!("f{i}.md"),
                format!(
                    "登录{account}后修改{account}密码。使用{account}登录控制台。\n\
                     请依次填写参数，不要一次填写参数。权限设置完成。\n"
                ),
            ));
        }
        let refs: Vec<(&str, &str)> = texts
            .iter()
            .map(|(f, t)| (f.as_str(), t.as_str()))
            .collect();
        let found = pairs(
            &refs,
            &[
                ("帐号", 4),
                ("账号", 4),
                ("依次", 8),
                ("一次", 8),
                ("权限", 8),
            ],
        );
        assert!(
            found.iter().any(|(t, a, k)| *k == MinedKind::Variant
                && [t.as_str(), a.as_str()].contains(&"帐号")
                && [t.as_str(), a.as_str()].contains(&"账号")),
            "{found:?}"
        );
        assert!(
            !found.iter().any(|(t, _, _)| t == "依次" || t == "一次"),
            "words that meet in the same files are different words: {found:?}"
        );
    }

    #[test]
    fn nothing_to_mine_in_plain_text() {
        let found = pairs(&[("a.md", "单击确定。然后重启云服务器（可选）。")], &[]);
        assert!(found.is_empty(), "{found:?}");
    }
}
