//! Text normalisation shared by indexing and querying: NFKC (full width to
//! half width, compatibility forms), lower case, traditional to simplified
//! Chinese. Every normalised character remembers where it came from, so
//! tokens found in normalised text map back to byte offsets of the original.

use unicode_normalization::UnicodeNormalization;
use zhconv::{Variant, zhconv};

/// Normalised text with a map back to the original.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// The normalised text.
    pub text: String,
    /// For each char of `text`: its byte offset in `text` (kept apart and
    /// narrow so that binary searches stay in cache).
    starts: Vec<u32>,
    /// For each char of `text`: the byte range of the original character
    /// it came from.
    origins: Vec<(u32, u32)>,
}

impl Normalized {
    /// Maps a byte range of the normalised text to a byte range of the original.
    pub fn original_range(&self, from: usize, to: usize) -> (usize, usize) {
        let (a, b) = (self.char_index(from), self.char_index(to.max(1) - 1));
        if to == 0 {
            return self.original_range_of_chars(a, a);
        }
        self.original_range_of_chars(a, b + 1)
    }

    /// Byte offset in `text` of each normalised character.
    pub fn char_starts(&self) -> &[u32] {
        &self.starts
    }

    /// Number of normalised characters.
    pub fn char_len(&self) -> usize {
        self.starts.len()
    }

    /// Index of the normalised character at (or containing) a byte offset
    /// of the normalised text; `char_len()` at the end.
    pub fn char_index(&self, byte: usize) -> usize {
        if byte >= self.text.len() {
            return self.starts.len();
        }
        let byte = byte as u32;
        match self.starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    /// Byte range of the original text covered by normalised characters
    /// `from..to` (character indices).
    pub fn original_range_of_chars(&self, from: usize, to: usize) -> (usize, usize) {
        let n = self.origins.len();
        if from >= to || from >= n {
            let at = match self.origins.get(from) {
                Some(o) => o.0,
                None => self.origins.last().map_or(0, |o| o.1),
            };
            return (at as usize, at as usize);
        }
        let to = to.min(n);
        let start = self.origins[from].0;
        (start as usize, self.origins[to - 1].1.max(start) as usize)
    }
}

/// A [`Normalized`] as stored beside its original: the normalised text and
/// the original characters that did not become exactly one normalised
/// character (index among the original's characters, how many they became).
/// With the original at hand, the offset map is rebuilt in one pass.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct StoredNormalized {
    /// The normalised text.
    pub text: String,
    /// `(original char index, normalised chars)` where that is not 1.
    pub counts: Vec<(u32, u8)>,
}

impl Normalized {
    /// The compact form of `self`, the normalisation of `original`.
    pub fn to_stored(&self, original: &str) -> StoredNormalized {
        let mut counts = Vec::new();
        let mut k = 0usize;
        for (i, (at, c)) in original.char_indices().enumerate() {
            let span = (at as u32, (at + c.len_utf8()) as u32);
            let n = self.origins[k..].iter().take_while(|o| **o == span).count();
            k += n;
            if n != 1 {
                counts.push((i as u32, n.min(u8::MAX as usize) as u8));
            }
        }
        StoredNormalized {
            text: self.text.clone(),
            counts,
        }
    }

    /// Rebuilds the offset map of a stored normalisation of `original`;
    /// normalises again if the two do not fit together. The flag says
    /// whether the stored form was used (false: normalised again).
    pub fn from_stored(original: &str, stored: StoredNormalized) -> (Normalized, bool) {
        let mut starts = Vec::with_capacity(stored.text.len());
        starts.extend(stored.text.char_indices().map(|(at, _)| at as u32));
        let mut origins = Vec::with_capacity(starts.len());
        let mut exceptions = stored.counts.iter().peekable();
        for (i, (at, c)) in original.char_indices().enumerate() {
            let n = match exceptions.peek() {
                Some((j, n)) if *j as usize == i => {
                    exceptions.next();
                    *n as usize
                }
                _ => 1,
            };
            let span = (at as u32, (at + c.len_utf8()) as u32);
            origins.extend(std::iter::repeat_n(span, n));
        }
        if origins.len() != starts.len() {
            return (normalize(original), false);
        }
        let norm = Normalized {
            text: stored.text,
            starts,
            origins,
        };
        (norm, true)
    }
}

/// Normalises one character to zero or more characters (before t2s).
fn fold_char(c: char, out: &mut Vec<char>) {
    // Most of a Chinese text: unified ideographs have no compatibility
    // form and no case, so NFKC and lower-casing leave them as they are.
    if is_unified_ideograph(c) {
        out.push(c);
        return;
    }
    // Control characters (other than line breaks and tabs) are noise.
    if c.is_control() && c != '\n' && c != '\t' {
        out.push(' ');
        return;
    }
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    for n in std::iter::once(c).nfkc() {
        out.extend(n.to_lowercase());
    }
}

/// CJK Unified Ideographs, the main block (U+4E00..U+9FFF).
fn is_unified_ideograph(c: char) -> bool {
    matches!(c as u32, 0x4E00..=0x9FFF)
}

/// Normalises `original`, keeping the offset map.
pub fn normalize(original: &str) -> Normalized {
    let mut chars: Vec<char> = Vec::with_capacity(original.len());
    let mut origin: Vec<(usize, usize)> = Vec::with_capacity(original.len());
    let mut buf = Vec::with_capacity(4);
    let mut any_cjk = false;
    for (at, c) in original.char_indices() {
        buf.clear();
        fold_char(c, &mut buf);
        for &n in &buf {
            any_cjk |= is_cjk(n);
            chars.push(n);
            origin.push((at, at + c.len_utf8()));
        }
    }
    if any_cjk {
        to_simplified(&mut chars);
    }
    let mut text = String::with_capacity(chars.len());
    let mut starts = Vec::with_capacity(chars.len());
    let mut origins = Vec::with_capacity(chars.len());
    for (c, (from, to)) in chars.into_iter().zip(origin) {
        starts.push(text.len() as u32);
        origins.push((from as u32, to as u32));
        text.push(c);
    }
    Normalized {
        text,
        starts,
        origins,
    }
}

/// Normalises without keeping the offset map.
pub fn normalize_str(s: &str) -> String {
    normalize(s).text
}

/// Traditional to simplified, keeping one character for one character.
/// zhconv converts whole phrases (臺灣→台湾, 記憶體→内存); where a
/// conversion would change the length of a run of ideographs, that run is
/// converted character by character instead so the offset map stays exact.
fn to_simplified(chars: &mut [char]) {
    if convert_same_length(chars) {
        return;
    }
    let mut start = 0;
    while start < chars.len() {
        if !is_cjk(chars[start]) {
            start += 1;
            continue;
        }
        let end = chars[start..]
            .iter()
            .position(|c| !is_cjk(*c))
            .map_or(chars.len(), |n| start + n);
        let run = &mut chars[start..end];
        if !convert_same_length(run) {
            for c in run.iter_mut() {
                convert_same_length(std::slice::from_mut(c));
            }
        }
        start = end;
    }
}

/// Converts `chars` in place when the conversion keeps their number.
fn convert_same_length(chars: &mut [char]) -> bool {
    let s: String = chars.iter().collect();
    let converted = zhconv(&s, Variant::ZhCN);
    if converted.chars().count() != chars.len() {
        return false;
    }
    for (slot, c) in chars.iter_mut().zip(converted.chars()) {
        *slot = c;
    }
    true
}

/// Whether `c` is a CJK ideograph (the characters jieba segments).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2EBEF | 0x30000..=0x3134F)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_ideographs_fold_as_nfkc_and_lower_case_fold_them() {
        let (mut fast, mut slow) = (Vec::new(), Vec::new());
        for c in ('\u{4E00}'..='\u{9FFF}').chain(['\u{3400}', '\u{F900}', 'Ａ', '①']) {
            fast.clear();
            slow.clear();
            fold_char(c, &mut fast);
            for n in std::iter::once(c).nfkc() {
                slow.extend(n.to_lowercase());
            }
            assert_eq!(fast, slow, "U+{:04X}", c as u32);
        }
    }

    #[test]
    fn full_width_case_and_traditional() {
        assert_eq!(normalize_str("ＰＯ　取消"), "po 取消");
        assert_eq!(normalize_str("激勵發放方式選錯了"), "激励发放方式选错了");
        assert_eq!(normalize_str("ECS，ＶＰＣ！"), "ecs,vpc!");
    }

    #[test]
    fn offsets_map_back_to_the_original() {
        let original = "ＰＯ提交";
        let n = normalize(original);
        assert_eq!(n.text, "po提交");
        // "提交" is bytes 2..8 normalised, 6..12 in the original.
        assert_eq!(n.original_range(2, 8), (6, 12));
        assert_eq!(
            &original[n.original_range(0, 2).0..n.original_range(0, 2).1],
            "ＰＯ"
        );
    }

    #[test]
    fn stored_form_rebuilds_the_same_offset_map() {
        for original in ["ＰＯ提交後", "①号和ⅫＡ", "plain text", "", "控制\u{1}字符"]
        {
            let n = normalize(original);
            let stored = n.to_stored(original);
            assert_eq!(
                Normalized::from_stored(original, stored),
                (n, true),
                "{original}"
            );
        }
        // A stored form of another text does not fit: normalised again,
        // and said so.
        let other = normalize("别的文字").to_stored("别的文字");
        assert_eq!(
            Normalized::from_stored("ＰＯ提交後", other),
            (normalize("ＰＯ提交後"), false)
        );
        assert!(
            normalize("ECS云服务器")
                .to_stored("ECS云服务器")
                .counts
                .is_empty()
        );
    }

    #[test]
    fn expansions_share_the_original_span() {
        let n = normalize("①号");
        assert_eq!(n.text, "1号");
        assert_eq!(n.original_range(0, 1), (0, 3));
    }
}
