//! Pinyin for typo-tolerant matching: toneless readings of words, which
//! syllables sound alike (代金卷/代金券: juan/quan), and splitting Latin
//! letters into pinyin syllables (`daijinquan`).

use std::collections::HashSet;
use std::sync::LazyLock;

use pinyin::{ToPinyin, ToPinyinMulti};

/// Every toneless syllable the pinyin tables know.
static SYLLABLES: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let mut set = HashSet::new();
    for cp in 0x4E00u32..=0x9FFF {
        if let Some(c) = char::from_u32(cp)
            && let Some(multi) = c.to_pinyin_multi()
        {
            for p in multi {
                set.insert(p.plain());
            }
        }
    }
    set
});

/// Longest toneless syllable (`zhuang`).
pub const MAX_SYLLABLE_LEN: usize = 6;

/// Whether `s` is a toneless pinyin syllable.
pub fn is_syllable(s: &str) -> bool {
    SYLLABLES.contains(s)
}

/// The toneless reading of each character (the most common reading), or
/// `None` when a character has none.
pub fn syllables(word: &str) -> Option<Vec<&'static str>> {
    word.chars()
        .map(|c| c.to_pinyin().map(|p| p.plain()))
        .collect()
}

/// The toneless reading of a word, syllables run together (`daijinquan`).
pub fn key(word: &str) -> Option<String> {
    syllables(word).map(|s| s.concat())
}

const INITIALS: &[&str] = &[
    "zh", "ch", "sh", "b", "p", "m", "f", "d", "t", "n", "l", "g", "k", "h", "j", "q", "x", "r",
    "z", "c", "s", "y", "w",
];

/// Splits a syllable into initial and final (`quan` → `q`, `uan`).
fn split(s: &str) -> (&str, &str) {
    INITIALS
        .iter()
        .find(|i| s.starts_with(**i) && s.len() > i.len())
        .map_or(("", s), |i| (&s[..i.len()], &s[i.len()..]))
}

/// Initials people confuse when typing by sound.
const NEAR_INITIALS: &[&[&str]] = &[
    &["z", "zh"],
    &["c", "ch"],
    &["s", "sh"],
    &["l", "n"],
    &["f", "h"],
    &["j", "q", "x"],
    &["b", "p"],
    &["d", "t"],
    &["g", "k"],
];
/// Finals people confuse (front and back nasals).
const NEAR_FINALS: &[&[&str]] = &[
    &["an", "ang"],
    &["en", "eng"],
    &["in", "ing"],
    &["ian", "iang"],
    &["uan", "uang"],
];

fn same_group(groups: &[&[&str]], a: &str, b: &str) -> bool {
    a == b || groups.iter().any(|g| g.contains(&a) && g.contains(&b))
}

/// Whether two syllables sound alike: equal, or one of initial and final
/// equal and the other a commonly confused pair.
pub fn syllables_near(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let ((ia, fa), (ib, fb)) = (split(a), split(b));
    (fa == fb && same_group(NEAR_INITIALS, ia, ib)) || (ia == ib && same_group(NEAR_FINALS, fa, fb))
}

/// Whether two characters can sound alike, over all their readings.
pub fn chars_near(a: char, b: char) -> bool {
    let readings = |c: char| -> Vec<&'static str> {
        c.to_pinyin_multi()
            .map(|m| m.into_iter().map(|p| p.plain()).collect())
            .unwrap_or_default()
    };
    let (ra, rb) = (readings(a), readings(b));
    ra.iter().any(|x| rb.iter().any(|y| syllables_near(x, y)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_syllables() {
        assert_eq!(key("代金券").as_deref(), Some("daijinquan"));
        assert_eq!(key("登录"), key("登陆"));
        assert_eq!(key("挂载"), key("挂在"));
        assert!(key("a1").is_none());
        assert!(is_syllable("zhuang") && is_syllable("le") && !is_syllable("tos"));
    }

    #[test]
    fn near_sounds() {
        assert!(chars_near('卷', '券'));
        assert!(syllables_near("zhi", "zi"));
        assert!(syllables_near("xin", "xing"));
        assert!(!syllables_near("juan", "jin"));
        assert!(!chars_near('券', '码'));
    }
}
