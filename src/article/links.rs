//! Cross-references between articles: Markdown links resolved by path,
//! prose references (请参见X, 参考X) resolved by title, exact first, then a
//! close match. Pure: works on parsed articles, no I/O.

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Serialize;

use super::structure::{Link, LinkKind, Step};
use super::toc::{parent_dir, resolve_relative};
use super::{Article, id_from_path};
use crate::analysis::normalize_str;

/// Words that introduce a reference to another article.
const REFERENCE_MARKERS: &[&str] = &["请参见", "参见", "请参考", "参考", "请查看", "详见"];
/// References that point nowhere in particular ("请参见这里", "参考本节").
const VAGUE_PREFIXES: &[&str] = &[
    "这里",
    "此处",
    "本节",
    "本章",
    "本文",
    "本部分",
    "下文",
    "上文",
    "以下",
    "如下",
    "下面",
    "上述",
    "后续",
    "图",
    "表",
    "附录",
    "示例",
    "样例",
    "上一",
    "下一",
    "对应",
    "相应",
    "界面",
];
/// Longest text taken as a referenced title, in characters.
const MAX_REFERENCE_CHARS: usize = 40;

/// References to other articles written in prose.
pub fn prose_references(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let mut rest = line;
        while let Some((at, marker)) = REFERENCE_MARKERS
            .iter()
            .filter_map(|m| rest.find(m).map(|i| (i, *m)))
            .min_by_key(|&(i, m)| (i, std::cmp::Reverse(m.len())))
        {
            let after = &rest[at + marker.len()..];
            let end = after
                .find(|c: char| {
                    matches!(
                        c,
                        '。' | '，'
                            | '；'
                            | ';'
                            | ','
                            | '！'
                            | '!'
                            | '？'
                            | '?'
                            | '（'
                            | '('
                            | '\n'
                    )
                })
                .unwrap_or(after.len());
            let target = clean_reference(&after[..end]);
            if is_specific(&target) {
                out.push(target);
            }
            rest = &after[end..];
        }
    }
    out.dedup();
    out
}

fn clean_reference(s: &str) -> String {
    let s = s.trim().trim_start_matches([':', '：']).trim_start();
    // 《文档名》中的“章节” names the document: keep what the brackets enclose.
    for (open, close) in [('《', '》'), ('“', '”'), ('「', '」')] {
        if let Some(inner) = s.strip_prefix(open)
            && let Some(end) = inner.find(close)
        {
            return inner[..end].trim().to_string();
        }
    }
    s.trim_matches(|c: char| {
        c.is_whitespace()
            || matches!(
                c,
                '《' | '》' | '“' | '”' | '「' | '」' | '"' | '[' | ']' | ':' | '：' | ')' | '）'
            )
    })
    .to_string()
}

fn is_specific(target: &str) -> bool {
    let n = target.chars().count();
    (2..=MAX_REFERENCE_CHARS).contains(&n) && !VAGUE_PREFIXES.iter().any(|p| target.starts_with(p))
}

/// A title reduced to what identifies it: normalised, letters and
/// ideographs only (no punctuation, spaces or question marks).
pub fn title_key(s: &str) -> String {
    normalize_str(s)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// Titles (and alternative questions) of the corpus, to resolve references,
/// with two indexes so that resolving one reference looks at a handful of
/// titles, not all of them: exact keys, and character bigram → titles.
struct Titles {
    exact: HashMap<String, String>,
    keys: Vec<(String, String)>,
    /// Sorted bigrams of each key (repeats kept), for [`dice_sorted`].
    sorted: Vec<Vec<(char, char)>>,
    /// Characters of the longest key.
    longest: usize,
    /// References resolved so far (the same reference recurs across a corpus).
    memo: RefCell<HashMap<String, Option<String>>>,
    /// Key → positions in `keys` (a title may be several articles' key).
    by_key: HashMap<String, Vec<u32>>,
    /// Character bigram → positions in `keys` of the titles that have it.
    by_gram: HashMap<(char, char), Vec<u32>>,
}

/// Character bigrams of a string, in order, repeats kept.
fn char_bigrams(s: &str) -> Vec<(char, char)> {
    let chars: Vec<char> = s.chars().collect();
    chars.windows(2).map(|w| (w[0], w[1])).collect()
}

impl Titles {
    fn new(articles: &[Article]) -> Titles {
        let mut exact = HashMap::new();
        let mut keys = Vec::new();
        let mut sorted = Vec::new();
        let mut by_key: HashMap<String, Vec<u32>> = HashMap::new();
        let mut by_gram: HashMap<(char, char), Vec<u32>> = HashMap::new();
        for a in articles {
            for t in std::iter::once(&a.title).chain(&a.questions) {
                let k = title_key(t);
                if k.is_empty() {
                    continue;
                }
                let at = keys.len() as u32;
                let mut grams = char_bigrams(&k);
                grams.sort_unstable();
                let mut distinct = grams.clone();
                distinct.dedup();
                for g in distinct {
                    by_gram.entry(g).or_default().push(at);
                }
                sorted.push(grams);
                by_key.entry(k.clone()).or_default().push(at);
                exact.entry(k.clone()).or_insert_with(|| a.id.clone());
                keys.push((k, a.id.clone()));
            }
        }
        let longest = keys
            .iter()
            .map(|(k, _)| k.chars().count())
            .max()
            .unwrap_or(0);
        Titles {
            exact,
            keys,
            sorted,
            longest,
            memo: RefCell::new(HashMap::new()),
            by_key,
            by_gram,
        }
    }

    /// The article a referenced title names: exact, else the unique closest
    /// title that contains it or is contained in it.
    fn resolve(&self, reference: &str) -> Option<String> {
        if let Some(known) = self.memo.borrow().get(reference) {
            return known.clone();
        }
        let found = self.resolve_uncached(reference);
        self.memo
            .borrow_mut()
            .insert(reference.to_string(), found.clone());
        found
    }

    fn resolve_uncached(&self, reference: &str) -> Option<String> {
        let k = title_key(reference);
        if let Some(id) = self.exact.get(&k) {
            return Some(id.clone());
        }
        let n = k.chars().count();
        if n < 4 {
            return None;
        }
        let contains = |t: &str| {
            let m = t.chars().count();
            if m < 4 || !(t.contains(&k) || k.contains(t)) {
                return None;
            }
            Some(n.min(m) as f32 / n.max(m) as f32)
        };
        match self.unique_best(&self.containment_candidates(&k), |at| {
            contains(&self.keys[at].0)
        }) {
            Some((score, id)) if score >= 0.6 => return Some(id.to_string()),
            Some(_) => return None,
            None => {}
        }
        // Wording that differs by a character or two (创建的密钥对 / 创建密钥对).
        let mut mine = char_bigrams(&k);
        mine.sort_unstable();
        match self.unique_best(&self.similar_candidates(&mine), |at| {
            Some(dice_sorted(&mine, &self.sorted[at]))
        }) {
            Some((score, id)) if score >= MIN_DICE => Some(id.to_string()),
            _ => None,
        }
    }

    /// Titles that may contain `k` or be contained in it: those with every
    /// bigram of `k` (postings intersected, rarest first), and the
    /// substrings of `k` that are titles.
    fn containment_candidates(&self, k: &str) -> Vec<u32> {
        let mut postings: Vec<&[u32]> = char_bigrams(k)
            .iter()
            .map(|g| self.by_gram.get(g).map_or(&[][..], Vec::as_slice))
            .collect();
        postings.sort_by_key(|p| p.len());
        let mut out: Vec<u32> = postings.first().map_or_else(Vec::new, |p| p.to_vec());
        for p in postings.iter().skip(1) {
            if out.is_empty() {
                break;
            }
            out.retain(|at| p.binary_search(at).is_ok());
        }
        let chars: Vec<(usize, char)> = k.char_indices().collect();
        for i in 0..chars.len() {
            for j in i + 4..=chars.len().min(i + self.longest) {
                let end = chars.get(j).map_or(k.len(), |c| c.0);
                if let Some(at) = self.by_key.get(&k[chars[i].0..end]) {
                    out.extend_from_slice(at);
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Titles that share enough bigrams with a key (its sorted bigrams
    /// `grams`) to reach [`MIN_DICE`]: such a title shares at least
    /// `MIN_DICE / (2 - MIN_DICE)` (2/3) of them, so it has one of the
    /// `len/3 + 1` rarest (prefix filtering), and its own number of bigrams
    /// is within the same ratio.
    fn similar_candidates(&self, grams: &[(char, char)]) -> Vec<u32> {
        let mut postings: Vec<&[u32]> = grams
            .iter()
            .map(|g| self.by_gram.get(g).map_or(&[][..], Vec::as_slice))
            .collect();
        postings.sort_by_key(|p| p.len());
        // (Rounded down a little: too many candidates cost time, too few a match.)
        let needed = (postings.len() as f32 * MIN_DICE / (2.0 - MIN_DICE) - 1e-3).ceil() as usize;
        let prefix = postings.len().saturating_sub(needed) + 1;
        let ratio = MIN_DICE / (2.0 - MIN_DICE) - 1e-3;
        let n = grams.len() as f32;
        let fits = |at: &u32| {
            let m = self.sorted[*at as usize].len() as f32;
            m >= ratio * n && n >= ratio * m
        };
        let mut out: Vec<u32> = postings
            .into_iter()
            .take(prefix)
            .flatten()
            .copied()
            .filter(fits)
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// Among the titles at `candidates`, the article whose title scores
    /// best, when no other article ties with it (titles of one article may
    /// score alike).
    fn unique_best(
        &self,
        candidates: &[u32],
        score: impl Fn(usize) -> Option<f32>,
    ) -> Option<(f32, &str)> {
        let mut best: Option<(f32, &str)> = None;
        let mut tie = false;
        for &at in candidates {
            let id = &self.keys[at as usize].1;
            let Some(s) = score(at as usize) else {
                continue;
            };
            match best {
                Some((b, bid)) if s < b || (s == b && bid == id) => {}
                Some((b, _)) if s == b => tie = true,
                _ => {
                    best = Some((s, id));
                    tie = false;
                }
            }
        }
        if tie { None } else { best }
    }
}

/// Least character-bigram overlap for two titles to count as the same.
const MIN_DICE: f32 = 0.8;

/// Dice coefficient of the character bigrams of two strings.
#[cfg(test)]
fn dice(a: &str, b: &str) -> f32 {
    let sorted = |s: &str| {
        let mut v = char_bigrams(s);
        v.sort_unstable();
        v
    };
    dice_sorted(&sorted(a), &sorted(b))
}

/// Dice coefficient of two sorted lists of bigrams (repeats kept).
fn dice_sorted(x: &[(char, char)], y: &[(char, char)]) -> f32 {
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0);
    while i < x.len() && j < y.len() {
        match x[i].cmp(&y[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * common as f32 / (x.len() + y.len()) as f32
}

/// An unresolved reference, for the ingest report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Unresolved {
    /// The article that makes the reference.
    pub article: String,
    /// What it references.
    pub text: String,
}

/// Counts of what link resolution found.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LinkReport {
    /// Links that lead to another article.
    pub resolved: usize,
    /// Links to web pages outside the corpus.
    pub external: usize,
    /// References that match no article.
    pub unresolved: Vec<Unresolved>,
}

/// Resolves every article's Markdown links and prose references into
/// [`Article::links`], and attaches to each step the links it names.
pub fn resolve(articles: &mut [Article]) -> LinkReport {
    let titles = Titles::new(articles);
    let mut by_path: HashMap<String, String> = HashMap::new();
    for a in articles.iter() {
        by_path.insert(a.path.clone(), a.id.clone());
        by_path.insert(id_from_path(&a.path), a.id.clone());
    }
    let mut report = LinkReport::default();
    for a in articles.iter_mut() {
        let dir = parent_dir(&a.path);
        let mut links: Vec<Link> = Vec::new();
        let push = |links: &mut Vec<Link>, link: Link| {
            if link.id.as_deref() == Some(a.id.as_str()) {
                return;
            }
            if !links
                .iter()
                .any(|l| l.id == link.id && l.url == link.url && l.text == link.text)
            {
                links.push(link);
            }
        };
        for raw in &a.raw_links {
            let href = raw.href.trim();
            if href.is_empty() || href.starts_with('#') {
                continue;
            }
            if href.contains("://") || href.starts_with("mailto:") {
                push(
                    &mut links,
                    link(&raw.text, None, Some(href), LinkKind::External),
                );
                continue;
            }
            let target = resolve_relative(&dir, href)
                .and_then(|p| {
                    by_path
                        .get(&p)
                        .or_else(|| by_path.get(&id_from_path(&p)))
                        .cloned()
                })
                .or_else(|| titles.resolve(&raw.text));
            match target {
                Some(id) => push(
                    &mut links,
                    link(&raw.text, Some(id), None, LinkKind::Article),
                ),
                None => push(
                    &mut links,
                    link(&raw.text, None, Some(href), LinkKind::Unresolved),
                ),
            }
        }
        let labelled: Vec<String> = a.raw_links.iter().map(|l| title_key(&l.text)).collect();
        for reference in prose_references(&a.body_text()) {
            // A reference written as a Markdown link is already resolved above.
            let key = title_key(&reference);
            if labelled
                .iter()
                .any(|l| !l.is_empty() && (key.contains(l.as_str()) || l.contains(key.as_str())))
            {
                continue;
            }
            for (text, id) in resolve_reference(&titles, &reference) {
                let kind = if id.is_some() {
                    LinkKind::Article
                } else {
                    LinkKind::Unresolved
                };
                push(&mut links, link(&text, id, None, kind));
            }
        }
        for l in &links {
            match l.kind {
                LinkKind::Article => report.resolved += 1,
                LinkKind::External => report.external += 1,
                LinkKind::Unresolved => report.unresolved.push(Unresolved {
                    article: a.id.clone(),
                    text: l.text.clone(),
                }),
            }
        }
        for p in &mut a.procedures {
            attach_to_steps(&mut p.steps, &links);
        }
        a.links = links;
    }
    report
}

fn link(text: &str, id: Option<String>, url: Option<&str>, kind: LinkKind) -> Link {
    Link {
        text: text.to_string(),
        id,
        url: url.map(str::to_string),
        kind,
    }
}

/// A reference as a whole, else split at 和/及/、/或 into several.
fn resolve_reference(titles: &Titles, reference: &str) -> Vec<(String, Option<String>)> {
    if let Some(id) = titles.resolve(reference) {
        return vec![(reference.to_string(), Some(id))];
    }
    let parts: Vec<&str> = reference
        .split(['和', '及', '、', '或'])
        .map(|p| p.trim_start_matches('以').trim())
        .filter(|p| is_specific(p))
        .collect();
    if parts.len() > 1 {
        let resolved: Vec<_> = parts
            .iter()
            .map(|p| (p.to_string(), titles.resolve(p)))
            .collect();
        if resolved.iter().any(|(_, id)| id.is_some()) {
            return resolved;
        }
    }
    vec![(reference.to_string(), None)]
}

fn attach_to_steps(steps: &mut [Step], links: &[Link]) {
    for s in steps {
        s.links = links
            .iter()
            .filter(|l| !l.text.is_empty() && s.text.contains(&l.text))
            .cloned()
            .collect();
        attach_to_steps(&mut s.substeps, links);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_in_prose() {
        assert_eq!(
            prose_references(
                "伙伴发放代金券请参见为客户下发代金券。客户查看代金券和使用代金券请参见如何查看代金券和如何使用代金券。"
            ),
            vec!["为客户下发代金券", "如何查看代金券和如何使用代金券"]
        );
        assert_eq!(
            prose_references("详情请参见《ECS API参考》，参考本节操作。请参见这里。"),
            vec!["ECS API参考"]
        );
    }

    #[test]
    fn document_names_in_brackets() {
        assert_eq!(
            prose_references("请参见《镜像服务用户指南》中“注册镜像”章节。"),
            vec!["镜像服务用户指南"]
        );
    }

    #[test]
    fn close_titles_resolve_and_far_ones_do_not() {
        let mut a = crate::article::parse_markdown_file(
            "# 通过puttygen.exe工具创建密钥对\n\n正文。\n",
            "p.md",
            "c",
        )
        .unwrap();
        a.questions.clear();
        let b = crate::article::parse_markdown_file("# 为客户下发代金券\n\n正文。\n", "v.md", "c")
            .unwrap();
        let titles = Titles::new(&[a, b]);
        assert_eq!(
            titles
                .resolve("通过puttygen.exe工具创建的密钥对")
                .as_deref(),
            Some("p")
        );
        assert_eq!(titles.resolve("伙伴为客户下发代金券").as_deref(), Some("v"));
        assert_eq!(titles.resolve("拓展客户"), None);
        assert!(dice("abcd", "abcd") == 1.0 && dice("ab", "cd") == 0.0);
    }

    #[test]
    fn title_keys_ignore_punctuation_and_script() {
        assert_eq!(
            title_key("激勵發放方式選擇錯誤，該如何處理？"),
            "激励发放方式选择错误该如何处理"
        );
    }
}
