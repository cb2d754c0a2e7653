//! Query terms: which words ask rather than say what about, the content of
//! a text, its matching units and their weights. Shared by ingest (title
//! features are computed once per article) and search (query plans and the
//! rerank), so it sits below both.

use std::collections::HashSet;

use super::chinese::{Analyzer, WordToken};
use super::normalize::is_cjk;

/// Words that ask rather than say what about (怎么, 如何, 吗 …).
pub const QUESTION_WORDS: &[&str] = &[
    "怎么",
    "怎么办",
    "怎么样",
    "怎样",
    "咋",
    "咋办",
    "如何",
    "吗",
    "呢",
    "吧",
    "啊",
    "呀",
    "嘛",
    "么",
    "哪里",
    "哪儿",
    "哪",
    "在",
    "什么",
    "啥",
    "是否",
    "能否",
    "可否",
    "可以",
    "能不能",
    "能",
    "会",
    "要",
    "想",
    "请问",
    "请",
    "我",
    "我们",
    "我的",
    "你",
    "您",
    "的",
    "了",
    "是",
    "有",
    "还",
    "还能",
    "都",
    "就",
    "一下",
    "该",
    "和",
    "与",
    "及",
    "哪些",
    "哪个",
    "有没有",
    // Colloquial fillers: rare in help text, so their rarity would make them
    // weigh like content words.
    "一直",
    "老是",
    "总是",
    "老",
    "经常",
    "突然",
    "好像",
    "已经",
    "现在",
    "刚才",
    "刚",
    "然后",
    "还是",
    "就是",
    "到底",
    "究竟",
    "为什么",
    "为啥",
    "怎么回事",
    "一下子",
    "那个",
    "这个",
    "东西",
    "有点",
    "有些",
    "一些",
    "比较",
    "特别",
    "非常",
    "很",
    "太",
    "能够",
    "需要",
    "应该",
    "打算",
    "准备",
    "希望",
    "想要",
    "麻烦",
    "帮忙",
    "帮我",
    "谢谢",
    "你好",
    "您好",
    "自己",
    "咱们",
    "他们",
    "它",
    "啥的",
    "之类",
    "什么的",
    "的话",
    "哦",
    "嗯",
    "呗",
    // What is left of “can't do it” (传不上去, 登不进去, 用不了) when the
    // segmenter splits the verb off: the verb says what about, these only
    // that it fails (the help-desk lexicon reads 无法, 失败 … from the verb).
    "不",
    "不了",
    "不到",
    "不上",
    "不掉",
    "不开",
    "不动",
    "不下",
    "不进",
    "不出",
    "不去",
    "上去",
    "进去",
    "下来",
    "出来",
    "起来",
];

/// Results a verb can be denied in a potential complement: 删不掉, 连不上,
/// 打不开, 停不下来 (can't delete, connect, open, stop).
const COMPLEMENTS: &[&str] = &[
    "了", "掉", "上", "到", "开", "动", "下", "进", "出", "起", "好", "成", "通", "住", "见", "回",
];

/// The verb of a “can't do it” word (删不掉 → 删, 停不下来 → 停, 登不进去 →
/// 登): one or two characters, 不, a result, and perhaps 来 or 去. `None`
/// for anything else.
pub fn denied_verb(word: &str) -> Option<&str> {
    let (verb, rest) = word.split_once('不')?;
    let n = verb.chars().count();
    // A verb that only asks (要不了, 想不到) says nothing to search.
    if !(1..=2).contains(&n) || !verb.chars().all(is_cjk) || is_question_word(verb) {
        return None;
    }
    // The result, perhaps followed by a direction (删不掉, 停不下来), or the
    // direction alone (进不去, 起不来).
    let result = rest
        .strip_suffix(['来', '去'])
        .filter(|r| !r.is_empty())
        .unwrap_or(rest);
    (COMPLEMENTS.contains(&result) || matches!(result, "来" | "去")).then_some(verb)
}

/// What kind of article a question asks for, read from how it is asked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    /// No telling: most questions ask how to do something.
    #[default]
    Any,
    /// What something is, how two things differ, which to choose.
    Concept,
}

/// Words with which people ask what something is or how things differ.
const CONCEPT_CUES: &[&str] = &[
    "区别",
    "差异",
    "不同",
    "不一样",
    "哪个好",
    "选哪个",
    "怎么选",
    "如何选择",
    "是什么",
    "什么是",
    "什么意思",
    "有哪些",
    "优缺点",
    "对比",
    "介绍",
    "原理",
    "作用",
];

/// Title words of pages that explain rather than instruct.
const EXPLAINING_TITLE_WORDS: &[&str] = &[
    "简介",
    "概述",
    "介绍",
    "什么是",
    "说明",
    "原理",
    "区别",
    "概念",
    "对比",
    "差异",
    "方式",
    "策略",
    "类型",
    "模式",
];

/// The intent of a question (normalised text).
pub fn intent_of(normalised: &str) -> Intent {
    if CONCEPT_CUES.iter().any(|c| normalised.contains(c)) {
        Intent::Concept
    } else {
        Intent::Any
    }
}

/// Whether a title says its page explains what something is (简介, 概述,
/// 区别 …) rather than how to do something.
pub fn explains(title: &str) -> bool {
    EXPLAINING_TITLE_WORDS.iter().any(|w| title.contains(w))
}

/// Whether a normalised word is a question word.
pub fn is_question_word(word: &str) -> bool {
    QUESTION_WORDS.contains(&word)
}

/// The query-relevant part of a text: its words minus question words,
/// normalised; adjacent words joined, gaps as one space.
pub fn content_of(analyzer: &Analyzer, text: &str) -> String {
    content_from(&analyzer.tokens(text))
}

/// [`content_of`] for text already analysed.
pub fn content_from(tokens: &[WordToken]) -> String {
    let mut out = String::new();
    let mut last_end: Option<usize> = None;
    for t in tokens.iter().filter(|t| t.main) {
        if is_question_word(&t.text) {
            last_end = None;
            continue;
        }
        if last_end != Some(t.from) && !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&t.text);
        last_end = Some(t.to);
    }
    out
}

/// Pairs of adjacent ideographs in runs of `content`.
pub fn bigrams(content: &str) -> Vec<String> {
    let mut out = Vec::new();
    for run in content.split(|c: char| !is_cjk(c)) {
        let chars: Vec<char> = run.chars().collect();
        for w in chars.windows(2) {
            out.push(w.iter().collect());
        }
    }
    out
}

/// The matching units of a text: its search-mode words (whole words and
/// the dictionary words inside them), question words left out.
pub fn units(analyzer: &Analyzer, text: &str) -> HashSet<String> {
    analyzer
        .tokens(text)
        .into_iter()
        .map(|t| t.text)
        .filter(|t| !is_question_word(t))
        .collect()
}

/// Matching units with their weights (inverse document frequency), sorted
/// by unit so that lookups are binary searches and comparisons one walk.
/// Each unit's first eight bytes are kept beside it as a big-endian
/// integer: ordering by that integer, then by the whole unit, is the
/// order of the units, and most comparisons end at the integer (the rerank
/// compares the units of every candidate's titles with the query's).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(from = "Vec<(String, f32)>", into = "Vec<(String, f32)>")]
pub struct Units {
    units: Vec<(String, f32)>,
    prefixes: Vec<u64>,
    /// Sum of the weights (the rerank divides by it for every candidate).
    total: f32,
}

/// The first eight bytes of a unit as a big-endian integer (zeros after a
/// shorter one): integers compare as the prefixes do.
fn prefix(unit: &str) -> u64 {
    let mut bytes = [0u8; 8];
    let n = unit.len().min(8);
    bytes[..n].copy_from_slice(&unit.as_bytes()[..n]);
    u64::from_be_bytes(bytes)
}

impl Units {
    /// The weight of a unit, if it is one of these.
    pub fn get(&self, unit: &str) -> Option<f32> {
        self.units
            .binary_search_by(|(u, _)| u.as_str().cmp(unit))
            .ok()
            .map(|i| self.units[i].1)
    }

    /// Whether `unit` is one of these.
    pub fn contains(&self, unit: &str) -> bool {
        self.get(unit).is_some()
    }

    /// Each unit and weight, sorted by unit, with whether `other` has the
    /// unit too: one walk over both sorted lists.
    pub fn marks<'a>(&'a self, other: &'a Units) -> impl Iterator<Item = (&'a str, f32, bool)> {
        self.pairs(other)
            .map(|(u, w, theirs)| (u, w, theirs.is_some()))
    }

    /// Each unit and weight, sorted by unit, with its weight in `other` if
    /// `other` has it: one walk over both sorted lists.
    pub fn pairs<'a>(
        &'a self,
        other: &'a Units,
    ) -> impl Iterator<Item = (&'a str, f32, Option<f32>)> {
        let mut at = 0;
        self.units
            .iter()
            .zip(&self.prefixes)
            .map(move |((u, w), &key)| {
                while at < other.units.len()
                    && (other.prefixes[at] < key
                        || (other.prefixes[at] == key && other.units[at].0.as_str() < u.as_str()))
                {
                    at += 1;
                }
                let theirs = (at < other.units.len()
                    && other.prefixes[at] == key
                    && other.units[at].0 == *u)
                    .then(|| other.units[at].1);
                (u.as_str(), *w, theirs)
            })
    }

    /// Units and weights, sorted by unit.
    pub fn iter(&self) -> impl Iterator<Item = (&str, f32)> {
        self.units.iter().map(|(u, w)| (u.as_str(), *w))
    }

    /// Sum of the weights.
    pub fn total(&self) -> f32 {
        self.total
    }
}

impl FromIterator<(String, f32)> for Units {
    fn from_iter<I: IntoIterator<Item = (String, f32)>>(iter: I) -> Self {
        let mut units: Vec<(String, f32)> = iter.into_iter().collect();
        units.sort_by(|a, b| a.0.cmp(&b.0));
        units.dedup_by(|a, b| a.0 == b.0);
        let prefixes = units.iter().map(|(u, _)| prefix(u)).collect();
        let total = units.iter().map(|(_, w)| w).sum();
        Units {
            units,
            prefixes,
            total,
        }
    }
}

impl From<Vec<(String, f32)>> for Units {
    fn from(units: Vec<(String, f32)>) -> Self {
        units.into_iter().collect()
    }
}

impl From<Units> for Vec<(String, f32)> {
    fn from(units: Units) -> Self {
        units.units
    }
}

/// Weighs units; units no article contains (weight 0) are dropped.
pub fn weigh(units: HashSet<String>, idf: impl Fn(&str) -> f32) -> Units {
    units
        .into_iter()
        .filter_map(|u| {
            let w = idf(&u);
            (w > 0.0).then_some((u, w))
        })
        .collect()
}

/// Inverse document frequency as BM25 computes it; 0 for unknown units.
pub fn idf(df: u64, docs: u64) -> f32 {
    if df == 0 {
        return 0.0;
    }
    (1.0 + (docs as f32 - df as f32 + 0.5) / (df as f32 + 0.5)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_verb_of_a_word_for_cannot() {
        for (word, verb) in [
            ("删不掉", Some("删")),
            ("连不上", Some("连")),
            ("打不开", Some("打")),
            ("停不下来", Some("停")),
            ("登不进去", Some("登")),
            ("启动不了", Some("启动")),
            ("收不到", Some("收")),
            ("进不去", Some("进")),
            ("起不来", Some("起")),
            // Not a verb denied a result.
            ("不支持", None),
            ("差不多", None),
            ("要不要", None),
            ("来不及", None),
            ("删不", None),
            ("重新启动不了", None),
            ("a不了", None),
            // A verb that only asks.
            ("要不了", None),
            ("想不到", None),
        ] {
            assert_eq!(denied_verb(word), verb, "{word}");
        }
    }

    #[test]
    fn marks_say_which_units_the_other_has() {
        let a: Units = ["云", "密码", "重置", "ecs"]
            .map(|u| (u.to_string(), 1.0))
            .into_iter()
            .collect();
        let b: Units = ["密码", "ecs", "实例"]
            .map(|u| (u.to_string(), 2.0))
            .into_iter()
            .collect();
        for (u, w, both) in a.marks(&b) {
            assert_eq!(both, b.contains(u), "{u}");
            assert_eq!(w, 1.0);
        }
        assert_eq!(a.marks(&b).filter(|m| m.2).count(), 2);
        assert_eq!(a.marks(&Units::default()).filter(|m| m.2).count(), 0);
    }

    #[test]
    fn units_sharing_their_first_eight_bytes_stay_apart() {
        // 云服务 and 云服务器 share their first eight bytes; "ab" is a
        // prefix of "ab\u{1}" and of "abcdefghij".
        let words = [
            "云服务器",
            "云服务",
            "云服",
            "ab",
            "ab\u{1}",
            "abcdefghij",
            "abcdefghi",
        ];
        let a: Units = words
            .iter()
            .enumerate()
            .map(|(i, u)| (u.to_string(), i as f32))
            .collect();
        let mut sorted = words.to_vec();
        sorted.sort();
        assert_eq!(a.iter().map(|(u, _)| u).collect::<Vec<_>>(), sorted);
        for (i, u) in words.iter().enumerate() {
            assert_eq!(a.get(u), Some(i as f32), "{u}");
        }
        assert_eq!(a.get("云服务器a"), None);
        assert_eq!(a.get("abcdefgh"), None);
        let b: Units = ["云服务", "abcdefghij", "abcdefgh"]
            .map(|u| (u.to_string(), 9.0))
            .into_iter()
            .collect();
        let both: Vec<_> = a.pairs(&b).filter(|p| p.2.is_some()).map(|p| p.0).collect();
        assert_eq!(both, vec!["abcdefghij", "云服务"]);
        assert!(a.pairs(&b).all(|(_, _, w)| w.is_none_or(|w| w == 9.0)));
        // Stored as the units alone; the prefixes come back on reading.
        let bytes = postcard::to_stdvec(&a).unwrap();
        assert_eq!(postcard::from_bytes::<Units>(&bytes).unwrap(), a);
    }

    mod units_against_a_map {
        use std::collections::BTreeMap;

        use proptest::prelude::*;

        use super::*;

        /// Units built of pieces that share leading bytes, hold NUL and
        /// end multi-byte characters across byte 8.
        fn unit() -> impl Strategy<Value = String> {
            let piece = prop::sample::select(vec![
                "",
                "\0",
                "\u{1}",
                "a",
                "ab",
                "abcdefg",
                "é",
                "云",
                "云服务",
                "器",
                "😀",
                "\u{ff}",
            ]);
            prop::collection::vec(piece, 0..5).prop_map(|p| p.concat())
        }

        fn pairs() -> impl Strategy<Value = Vec<(String, f32)>> {
            prop::collection::vec((unit(), 0.0f32..10.0), 0..24)
        }

        /// Units as they were stored before the prefixes: a newtype.
        #[derive(serde::Serialize)]
        struct Stored(Vec<(String, f32)>);

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(500))]

            /// Lookups, the walk beside another set and reading the stored
            /// form agree with a sorted map of the units (first weight kept).
            #[test]
            fn units_are_a_sorted_map(a in pairs(), b in pairs(), probes in prop::collection::vec(unit(), 0..8)) {
                let map = |v: &[(String, f32)]| {
                    let mut m = BTreeMap::new();
                    for (u, w) in v {
                        m.entry(u.clone()).or_insert(*w);
                    }
                    m
                };
                let (ma, mb) = (map(&a), map(&b));
                let ua: Units = a.iter().cloned().collect();
                let ub: Units = b.iter().cloned().collect();
                let want: Vec<(&str, f32)> = ma.iter().map(|(u, w)| (u.as_str(), *w)).collect();
                prop_assert_eq!(ua.iter().collect::<Vec<_>>(), want);
                for u in probes.iter().chain(mb.keys()).chain(ma.keys()) {
                    prop_assert_eq!(ua.get(u), ma.get(u).copied(), "{:?}", u);
                }
                let want: Vec<(&str, f32, Option<f32>)> = ma
                    .iter()
                    .map(|(u, w)| (u.as_str(), *w, mb.get(u).copied()))
                    .collect();
                prop_assert_eq!(ua.pairs(&ub).collect::<Vec<_>>(), want.clone());
                let marks: Vec<_> = want.iter().map(|&(u, w, o)| (u, w, o.is_some())).collect();
                prop_assert_eq!(ua.marks(&ub).collect::<Vec<_>>(), marks);
                let sorted: Vec<(String, f32)> = ma.clone().into_iter().collect();
                let stored = postcard::to_stdvec(&Stored(sorted.clone())).unwrap();
                prop_assert_eq!(postcard::to_stdvec(&ua).unwrap(), stored.clone());
                prop_assert_eq!(postcard::from_bytes::<Units>(&stored).unwrap(), ua);
            }
        }
    }

    #[test]
    fn content_drops_question_words_and_joins_adjacent_words() {
        let a = Analyzer::default();
        assert_eq!(
            content_of(&a, "伙伴提交PO后如何取消？"),
            "伙伴提交po后 取消"
        );
        assert_eq!(
            bigrams("伙伴提交po后 取消"),
            vec!["伙伴", "伴提", "提交", "取消"]
        );
    }

    #[test]
    fn units_are_words_without_question_words() {
        let a = Analyzer::default();
        let mut v: Vec<_> = units(&a, "如何解绑EIP？").into_iter().collect();
        v.sort();
        assert_eq!(v, vec!["eip", "解绑"]);
    }

    #[test]
    fn idf_and_weighed_units() {
        assert_eq!(idf(0, 10), 0.0);
        assert!(idf(1, 10) > idf(5, 10));
        let u = weigh(
            ["a".to_string(), "b".to_string(), "z".to_string()].into(),
            |w| if w == "z" { 0.0 } else { 1.5 },
        );
        assert_eq!(u.get("a"), Some(1.5));
        assert!(!u.contains("z"));
        assert_eq!(u.total(), 3.0);
    }
}
