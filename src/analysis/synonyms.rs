//! Synonym groups (`synonyms.txt`): one group per line, words separated by
//! commas. Applied at query time only, with less weight than the words the
//! user typed.

use std::collections::HashMap;

use aho_corasick::AhoCorasick;

use super::Analyzer;
use super::dictionary::LineProblem;
use super::normalize::{is_cjk, normalize_str};
use super::terms::is_question_word;

/// Parses synonym groups; lines with fewer than two words are reported.
/// Words are kept as written (normalised when the groups are used).
pub fn parse_synonyms(text: &str) -> (Vec<Vec<String>>, Vec<LineProblem>) {
    let mut groups = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut words: Vec<String> = Vec::new();
        for w in line.split([',', '，', '、']) {
            let w = w.trim();
            if !w.is_empty() && !words.iter().any(|x| x == w) {
                words.push(w.to_string());
            }
        }
        if words.len() < 2 {
            problems.push(LineProblem {
                line: i + 1,
                message: "a synonym group needs at least two words".into(),
            });
            continue;
        }
        groups.push(words);
    }
    (groups, problems)
}

/// A member of a group: its normalised text and its words.
#[derive(Debug, Clone, Default)]
struct Member {
    text: String,
    words: Vec<String>,
    /// The words of `text` that are not question words, as a query plan
    /// reads an expansion (split once here, not per query).
    content: Vec<String>,
}

/// Synonym groups ready for matching against normalised queries.
#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    groups: Vec<Vec<Member>>,
    /// Per group: whether it says how people ask (the help-desk lexicon)
    /// rather than what a product is called.
    generic: Vec<bool>,
    /// Every member's text, to find in one pass the groups a query may
    /// mention (pattern `i` is a member of group `member_group[i]`).
    members: Option<AhoCorasick>,
    member_group: Vec<usize>,
    /// Pattern of each group's first member (the others follow it).
    first_member: Vec<usize>,
    /// The groups each member text and member word belongs to.
    by_word: HashMap<String, Vec<usize>>,
}

/// A word of the query that belongs to a group, and the rest of its group.
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion {
    /// The member found in the query (normalised).
    pub matched: String,
    /// The other members (normalised).
    pub others: Vec<String>,
    /// Each other member's words, question words left out.
    pub others_content: Vec<Vec<String>>,
    /// The group says how people ask, not what anything is called.
    pub generic: bool,
}

impl Synonyms {
    /// Normalises the groups and splits members into words with `analyzer`.
    pub fn new(groups: &[Vec<String>], analyzer: &Analyzer) -> Self {
        Synonyms::tagged(
            &groups
                .iter()
                .map(|g| (g.clone(), false))
                .collect::<Vec<_>>(),
            analyzer,
        )
    }

    /// [`Synonyms::new`] over groups each marked generic (how people ask)
    /// or not (what things are called).
    pub fn tagged(tagged: &[(Vec<String>, bool)], analyzer: &Analyzer) -> Self {
        let groups: Vec<Vec<Member>> = tagged
            .iter()
            .map(|(g, _)| {
                g.iter()
                    .map(|w| {
                        let text = normalize_str(w);
                        let content = analyzer
                            .words(&text)
                            .into_iter()
                            .filter(|w| !is_question_word(w))
                            .collect();
                        Member {
                            words: analyzer.words(w),
                            text,
                            content,
                        }
                    })
                    .collect()
            })
            .collect();
        let mut texts: Vec<&str> = Vec::new();
        let mut member_group = Vec::new();
        let mut first_member = Vec::with_capacity(groups.len());
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            first_member.push(texts.len());
            for m in group {
                texts.push(&m.text);
                member_group.push(g);
                for w in std::iter::once(&m.text).chain(&m.words) {
                    let of = by_word.entry(w.clone()).or_default();
                    if of.last() != Some(&g) {
                        of.push(g);
                    }
                }
            }
        }
        // Without the automaton (it cannot fail on these few short
        // patterns), every group is a candidate: slower, same answer.
        let members = AhoCorasick::new(&texts).ok();
        Synonyms {
            generic: tagged.iter().map(|(_, g)| *g).collect(),
            members,
            member_group,
            first_member,
            by_word,
            groups,
        }
    }

    /// Number of groups.
    pub fn len(&self) -> usize {
        self.groups.len()
    }

    /// Whether there are no groups.
    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The groups that a normalised query mentions. A member of two or more
    /// ideographs matches anywhere in the query; a Latin member or a single
    /// ideograph only as a whole word (`words` are the query's words); a
    /// member of several words when the query has all of them, in any order
    /// (忘记云服务器密码 has 忘记密码). Words a first round of synonyms brings
    /// in count for a second round (忘了 → 忘记, then 忘记 + 密码 → 重置密码).
    pub fn expansions(&self, query: &str, words: &[String]) -> Vec<Expansion> {
        let mut out: Vec<Expansion> = Vec::new();
        let mut matched = vec![false; self.groups.len()];
        let mut known: Vec<String> = words.to_vec();
        // A group can match only if one of its members is in the query's
        // text or one of its member words is known: those are looked up,
        // and only their groups are checked.
        // The members found in the text, by pattern (sorted), and their
        // groups.
        let found_in_text: Option<Vec<usize>> = self.members.as_ref().map(|members| {
            let mut found: Vec<usize> = members
                .find_overlapping_iter(query)
                .map(|m| m.pattern().as_usize())
                .collect();
            found.sort_unstable();
            found.dedup();
            found
        });
        let in_text: Vec<usize> = match &found_in_text {
            Some(found) => found.iter().map(|&p| self.member_group[p]).collect(),
            None => (0..self.groups.len()).collect(),
        };
        // Whether the text has a member: what the automaton found, else a
        // search of the text.
        let in_query = |g: usize, i: usize, text: &str| match &found_in_text {
            Some(found) => found.binary_search(&(self.first_member[g] + i)).is_ok(),
            None => query.contains(text),
        };
        for _round in 0..2 {
            let mut candidates = in_text.clone();
            for w in &known {
                candidates.extend(self.by_word.get(w).into_iter().flatten());
            }
            candidates.sort_unstable();
            candidates.dedup();
            let mut added: Vec<String> = Vec::new();
            for g in candidates {
                if matched[g] {
                    continue;
                }
                let group = &self.groups[g];
                // The longest member found wins: 忘记密码 over 密码.
                let found = group
                    .iter()
                    .enumerate()
                    .filter(|(i, m)| {
                        contains_member(query, &known, &m.text, || in_query(g, *i, &m.text))
                            || (m.words.len() > 1 && m.words.iter().all(|w| known.contains(w)))
                    })
                    .map(|(_, m)| m)
                    .max_by_key(|m| m.text.chars().count());
                if let Some(m) = found {
                    matched[g] = true;
                    let others: Vec<&Member> = group.iter().filter(|x| x.text != m.text).collect();
                    added.extend(others.iter().flat_map(|o| o.words.iter().cloned()));
                    out.push(Expansion {
                        matched: m.text.clone(),
                        others: others.iter().map(|o| o.text.clone()).collect(),
                        others_content: others.iter().map(|o| o.content.clone()).collect(),
                        generic: self.generic[g],
                    });
                }
            }
            if added.is_empty() {
                break;
            }
            known.extend(added);
        }
        out
    }
}

/// Whether the query has `member`: anywhere in its text (`in_text` says,
/// for a member of two or more ideographs), else as one of its `words`.
fn contains_member(
    query: &str,
    words: &[String],
    member: &str,
    in_text: impl FnOnce() -> bool,
) -> bool {
    let ideographs = member.chars().filter(|c| is_cjk(*c)).count();
    if ideographs >= 2 {
        return in_text();
    }
    if words.iter().any(|w| w == member) {
        return true;
    }
    // A Latin member also matches as a whole word inside mixed text ("eip解绑").
    member.chars().all(|c| c.is_ascii_alphanumeric())
        && query.match_indices(member).any(|(at, m)| {
            let before = query[..at].chars().next_back();
            let after = query[at + m.len()..].chars().next();
            !before.is_some_and(|c| c.is_ascii_alphanumeric())
                && !after.is_some_and(|c| c.is_ascii_alphanumeric())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_member_of_two_groups_brings_in_both() {
        let a = Analyzer::default();
        let groups = vec![
            vec!["开通".to_string(), "启用".to_string()],
            vec!["购买".to_string(), "开通".to_string()],
            vec!["开通服务".to_string(), "开服务".to_string()],
        ];
        let s = Synonyms::new(&groups, &a);
        let mut others: Vec<String> = s
            .expansions("怎么开通服务", &a.words("怎么开通服务"))
            .into_iter()
            .flat_map(|e| e.others)
            .collect();
        others.sort();
        assert_eq!(others, ["启用", "开服务", "购买"]);
    }

    #[test]
    fn parse_groups_and_problems() {
        let (groups, problems) = parse_synonyms("# c\n代金券,优惠券\nPO，机会点、PO\n孤单\n");
        assert_eq!(groups, vec![vec!["代金券", "优惠券"], vec!["PO", "机会点"]]);
        assert_eq!(problems[0].line, 4);
    }

    #[test]
    fn matching_by_substring_and_whole_words() {
        let s = Synonyms::new(
            &[
                vec!["EIP".into(), "弹性公网IP".into()],
                vec!["忘记密码".into(), "重置密码".into()],
                vec!["密码".into(), "口令".into()],
                vec!["加".into(), "新增".into()],
                vec!["忘记".into(), "忘了".into()],
            ],
            &Analyzer::default(),
        );
        let words = |q: &str| q.split(' ').map(str::to_string).collect::<Vec<_>>();
        let e = s.expansions("eip解绑", &words("eip 解绑"));
        assert_eq!(e[0].others, vec!["弹性公网ip"]);
        // Each other member comes split into its words, as a plan reads it.
        let a = Analyzer::default();
        for (other, content) in e[0].others.iter().zip(&e[0].others_content) {
            assert_eq!(content, &a.words(other), "{other}");
        }
        assert!(!e[0].others_content[0].is_empty());
        let asked = Synonyms::new(&[vec!["计费".into(), "如何收费".into()]], &a);
        let e = asked.expansions("计费方式", &words("计费 方式"));
        assert_eq!(
            e[0].others_content,
            vec![vec!["收费".to_string()]],
            "如何 is a question word"
        );
        assert!(s.expansions("zeipx", &words("zeipx")).is_empty());
        let e = s.expansions("忘记密码了", &words("忘记 密码 了"));
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].matched, "忘记密码");
        assert!(s.expansions("加入安全组", &words("加入 安全组")).is_empty());
        // Words apart, and a second round through 忘了 → 忘记.
        let e = s.expansions("忘记云服务器密码", &words("忘记 云服务器 密码"));
        assert_eq!(e[0].others, vec!["重置密码"]);
        let e = s.expansions("密码忘了", &words("密码 忘了"));
        assert!(e.iter().any(|x| x.others == vec!["重置密码"]), "{e:?}");
    }

    /// Looking up the groups a query may mention finds what checking every
    /// group finds, in the same order, on the shipped lexicon and queries
    /// of every kind of member (ideographs, Latin words, single ideographs,
    /// members of several words, second rounds).
    #[test]
    fn looked_up_groups_are_every_group_that_matches() {
        let analyzer = Analyzer::default();
        let mut groups: Vec<(Vec<String>, bool)> =
            crate::analysis::helpdesk::tagged_groups().collect();
        groups.push((vec!["EIP".into(), "弹性公网IP".into()], false));
        groups.push((vec!["忘记密码".into(), "重置密码".into()], false));
        let indexed = Synonyms::tagged(&groups, &analyzer);
        let every = Synonyms {
            members: None,
            ..indexed.clone()
        };
        let queries = [
            "eip解绑怎么弄",
            "忘了云服务器密码怎么办",
            "登不上去了",
            "多少钱一个月",
            "在哪里开通",
            "打不开网页",
            "怎么关掉自动续费",
            "哪个好",
            "有效期多久",
        ];
        let mut expanded = 0;
        for q in queries {
            let norm = normalize_str(q);
            let words = analyzer.words(q);
            let got = indexed.expansions(&norm, &words);
            assert_eq!(got, every.expansions(&norm, &words), "{q}");
            expanded += usize::from(!got.is_empty());
        }
        assert!(expanded >= 7, "{expanded}");
    }
}
