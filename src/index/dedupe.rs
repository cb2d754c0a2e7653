//! Near-duplicate articles (the same page published twice under two
//! titles), found once at ingest so that a result list shows each page
//! once. Each body gets a one-permutation MinHash sketch over character
//! shingles (one hash per shingle, the smallest in each of 128 bins), and
//! locality-sensitive banding puts similar sketches in a shared bucket: an
//! article is compared only with the first member of each bucket it falls
//! in, never with every other article.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Characters per shingle.
const SHINGLE: usize = 5;
/// Bins of a sketch.
const BINS: usize = 128;
/// Bins per band; `BINS / ROWS` bands.
const ROWS: usize = 4;
/// Estimated Jaccard similarity from which two bodies are the same page.
pub const DUPLICATE_SIMILARITY: f32 = 0.85;
/// Bodies shorter than this many characters are never called duplicates
/// (short FAQ answers legitimately repeat each other).
const MIN_CHARS: usize = 200;
/// A bin no shingle fell into.
const EMPTY: u32 = u32::MAX;

/// A one-permutation MinHash sketch of a text.
pub type Signature = [u32; BINS];

/// The sketch of `text` (whitespace ignored), or `None` when it is too
/// short to judge.
pub fn signature(text: &str) -> Option<Signature> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < MIN_CHARS {
        return None;
    }
    let mut sig = [EMPTY; BINS];
    for w in chars.windows(SHINGLE) {
        let mut h = DefaultHasher::new();
        w.hash(&mut h);
        let x = h.finish();
        let bin = (x % BINS as u64) as usize;
        // The high bits decide the order within a bin; never EMPTY.
        let v = ((x >> 32) as u32).min(EMPTY - 1);
        sig[bin] = sig[bin].min(v);
    }
    Some(sig)
}

/// Estimated Jaccard similarity of two sketches: equal bins among those
/// where either text has a shingle.
pub fn similarity(a: &Signature, b: &Signature) -> f32 {
    let (mut used, mut equal) = (0usize, 0usize);
    for (x, y) in a.iter().zip(b) {
        if *x == EMPTY && *y == EMPTY {
            continue;
        }
        used += 1;
        equal += usize::from(x == y);
    }
    if used == 0 {
        0.0
    } else {
        equal as f32 / used as f32
    }
}

/// Groups texts as they come: [`Groups::add`] returns, for each text, the
/// index of the first text it duplicates (its own when none).
#[derive(Debug, Default)]
pub struct Groups {
    /// Hash of band number and band values → first text filed there (a
    /// collision only costs one more comparison).
    buckets: HashMap<u64, u32>,
    /// Group of each text added so far.
    group: Vec<u32>,
    /// Sketch of the first text of each bucket, by text index.
    kept: HashMap<u32, Signature>,
}

impl Groups {
    /// Files the next text's sketch; returns its group.
    pub fn add(&mut self, signature: Option<Signature>) -> usize {
        let me = self.group.len() as u32;
        let Some(sig) = signature else {
            self.group.push(me);
            return me as usize;
        };
        let mut group = me;
        let mut first_anywhere = true;
        for band in 0..BINS / ROWS {
            let rows = &sig[band * ROWS..(band + 1) * ROWS];
            if rows.contains(&EMPTY) {
                continue;
            }
            let mut h = DefaultHasher::new();
            (band, rows).hash(&mut h);
            let key = h.finish();
            match self.buckets.get(&key) {
                Some(&other) => {
                    if let Some(os) = self.kept.get(&other)
                        && similarity(&sig, os) >= DUPLICATE_SIMILARITY
                    {
                        group = group.min(self.group[other as usize]);
                    }
                }
                None => {
                    self.buckets.insert(key, me);
                    if first_anywhere {
                        self.kept.insert(me, sig);
                        first_anywhere = false;
                    }
                }
            }
        }
        self.group.push(group);
        group as usize
    }
}

/// For each text, the index of the first text it duplicates (itself when
/// it duplicates none).
pub fn groups(signatures: &[Option<Signature>]) -> Vec<usize> {
    let mut g = Groups::default();
    signatures.iter().map(|s| g.add(*s)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_page_twice_is_one_group_and_different_pages_are_not() {
        let base: String = (1..30)
            .map(|i| format!("第{i}步，登录控制台并检查第{i}台云服务器的状态。"))
            .collect();
        let twin = format!("{base}另外，操作前请确认已备份数据。");
        let other: String = (1..30)
            .map(|i| format!("购买第{i}块云硬盘后挂载到云服务器并初始化。"))
            .collect();
        let sigs: Vec<_> = [&base, &twin, &other, &"短文本".to_string(), &base]
            .iter()
            .map(|t| signature(t))
            .collect();
        assert!(sigs[3].is_none());
        assert_eq!(groups(&sigs), vec![0, 0, 2, 3, 0]);
        assert!(similarity(sigs[0].as_ref().unwrap(), sigs[2].as_ref().unwrap()) < 0.5);
    }
}
