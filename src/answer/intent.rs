//! What a chat message asks of the conversation, beyond a search: a person,
//! a step of the current procedure, one of the choices offered, or more
//! about the last topic.

use super::session::Candidate;
use crate::analysis::normalize_str;
use crate::article::links::title_key;

/// Phrases that ask for a person.
const HUMAN: &[&str] = &[
    "转人工",
    "人工客服",
    "人工服务",
    "人工坐席",
    "找人工",
    "要人工",
    "接人工",
    "真人客服",
    "联系客服",
    "客服电话",
    "找客服",
    "人工咨询",
];

/// Whether the message asks for a human agent.
pub fn wants_human(message: &str) -> bool {
    let m = normalize_str(message);
    HUMAN.iter().any(|h| m.contains(h)) || m.trim() == "人工"
}

/// A move through the steps of the current article.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepMove {
    /// The step after the one read last.
    Next,
    /// The step before the one read last.
    Previous,
    /// The step read last, again.
    Repeat,
    /// A step by its number (1-based).
    Number(usize),
}

/// The value of a number written in digits or Chinese numerals (一 … 九十九).
pub fn number(s: &str) -> Option<usize> {
    let s = s.trim();
    if let Ok(n) = s.parse::<usize>() {
        return Some(n);
    }
    let digit = |c: char| "零一二三四五六七八九".chars().position(|d| d == c);
    let chars: Vec<char> = s
        .chars()
        .map(|c| if c == '两' { '二' } else { c })
        .collect();
    match chars.as_slice() {
        ['十'] => Some(10),
        [d] => digit(*d).filter(|n| *n > 0),
        ['十', d] => digit(*d).map(|n| 10 + n),
        [t, '十'] => digit(*t).map(|n| n * 10),
        [t, '十', d] => Some(digit(*t)? * 10 + digit(*d)?),
        _ => None,
    }
}

/// The number between `prefix` and `suffix` in `text` (第三步 → 3).
fn numbered(text: &str, prefix: &str, suffixes: &[&str]) -> Option<usize> {
    let at = text.find(prefix)? + prefix.len();
    let rest = &text[at..];
    let end = rest
        .char_indices()
        .find(|(_, c)| !(c.is_ascii_digit() || "零一二两三四五六七八九十".contains(*c)))
        .map_or(rest.len(), |(i, _)| i);
    let after = &rest[end..];
    if suffixes.is_empty() || suffixes.iter().any(|s| after.starts_with(s)) {
        number(&rest[..end])
    } else {
        None
    }
}

/// Whether the message moves through the steps (下一步, 第三步在哪里点 …).
pub fn step_move(message: &str) -> Option<StepMove> {
    let m = normalize_str(message);
    let m = m.trim();
    if let Some(n) = numbered(m, "第", &["步"]).or_else(|| numbered(m, "步骤", &[])) {
        return Some(StepMove::Number(n));
    }
    let short = m.chars().count() <= 8;
    if m.contains("上一步") {
        return Some(StepMove::Previous);
    }
    if m.contains("下一步")
        || (short
            && ["然后呢", "接下来", "继续", "然后"]
                .iter()
                .any(|w| m.contains(w)))
    {
        return Some(StepMove::Next);
    }
    if short
        && ["再说一遍", "重复", "没听清", "再说一次"]
            .iter()
            .any(|w| m.contains(w))
    {
        return Some(StepMove::Repeat);
    }
    None
}

/// Which offered choice the message picks: by number (2, 第二个, 选1) or by
/// (part of) its title.
pub fn choice(message: &str, candidates: &[Candidate]) -> Option<usize> {
    let m = normalize_str(message);
    let m = m.trim().trim_end_matches(['。', '.', '!', '！']);
    let by_number = number(m)
        .or_else(|| numbered(m, "第", &["个", "条", "项", "篇"]))
        .or_else(|| {
            m.strip_prefix("选")
                .and_then(|r| number(r.trim_start_matches('第').trim_end_matches(['个', '条'])))
        });
    if let Some(n) = by_number {
        return (1..=candidates.len()).contains(&n).then(|| n - 1);
    }
    let key = title_key(m);
    if key.chars().count() < 2 {
        return None;
    }
    let matches: Vec<usize> = candidates
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            let t = title_key(&c.title);
            t.contains(&key) || key.contains(&t)
        })
        .map(|(i, _)| i)
        .collect();
    (matches.len() == 1).then(|| matches[0])
}

/// Words that open a follow-up about what was just discussed.
const FOLLOW_UP_OPENERS: &[&str] = &[
    "那",
    "那么",
    "这个",
    "这",
    "它",
    "还有",
    "另外",
    "那如果",
    "如果",
    "然后",
    "那要",
    "那该",
];

/// Whether the message leans on the previous question (那怎么取消？).
pub fn opens_follow_up(message: &str) -> bool {
    let m = normalize_str(message);
    let m = m.trim();
    FOLLOW_UP_OPENERS.iter().any(|o| m.starts_with(o))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(title: &str) -> Candidate {
        Candidate {
            id: title.into(),
            title: title.into(),
            confidence: 0.5,
        }
    }

    #[test]
    fn people_are_asked_for_in_many_ways() {
        for m in ["转人工", "我要人工客服", "人工", "帮我联系客服"] {
            assert!(wants_human(m), "{m}");
        }
        for m in ["人工智能是什么", "考试券"] {
            assert!(!wants_human(m), "{m}");
        }
    }

    #[test]
    fn numbers_and_steps() {
        assert_eq!(number("三"), Some(3));
        assert_eq!(number("十二"), Some(12));
        assert_eq!(number("二十"), Some(20));
        assert_eq!(number("7"), Some(7));
        assert_eq!(step_move("第三步在哪里点？"), Some(StepMove::Number(3)));
        assert_eq!(step_move("步骤2"), Some(StepMove::Number(2)));
        assert_eq!(step_move("下一步"), Some(StepMove::Next));
        assert_eq!(step_move("然后呢"), Some(StepMove::Next));
        assert_eq!(step_move("上一步是什么"), Some(StepMove::Previous));
        assert_eq!(step_move("再说一遍"), Some(StepMove::Repeat));
        assert_eq!(step_move("怎么取消PO"), None);
    }

    #[test]
    fn choices_by_number_or_title() {
        let cands = [c("如何使用伙伴下发的代金券？"), c("为客户下发代金券")];
        assert_eq!(choice("2", &cands), Some(1));
        assert_eq!(choice("第一个", &cands), Some(0));
        assert_eq!(choice("选2", &cands), Some(1));
        assert_eq!(choice("为客户下发代金券", &cands), Some(1));
        assert_eq!(choice("3", &cands), None);
        assert_eq!(
            choice("代金券", &cands),
            None,
            "ambiguous part of both titles"
        );
    }

    #[test]
    fn follow_ups_open_with_a_reference() {
        assert!(opens_follow_up("那怎么取消？"));
        assert!(!opens_follow_up("PO怎么取消"));
    }
}
