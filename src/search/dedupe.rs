//! Near-duplicate articles (the same page published twice under two
//! titles), found once at start-up with MinHash over character shingles and
//! locality-sensitive banding, so a result list shows each page once.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

/// Characters per shingle.
const SHINGLE: usize = 5;
/// Hash functions in a signature.
const HASHES: usize = 128;
/// Rows per band; `HASHES / ROWS` bands.
const ROWS: usize = 4;
/// Estimated Jaccard similarity from which two bodies are the same page.
pub const DUPLICATE_SIMILARITY: f32 = 0.85;
/// Bodies shorter than this many characters are never called duplicates
/// (short FAQ answers legitimately repeat each other).
const MIN_CHARS: usize = 200;

/// A MinHash signature of a text.
pub type Signature = [u32; HASHES];

fn mix(x: u64, i: usize) -> u32 {
    // A cheap family of hash functions: xor with a seed, multiply, fold.
    let seed = 0x9E37_79B9_7F4A_7C15u64.wrapping_mul(i as u64 + 1);
    let y = (x ^ seed).wrapping_mul(0xBF58_476D_1CE4_E5B9 | 1);
    (y >> 32) as u32 ^ (y as u32)
}

/// The signature of `text` (whitespace ignored), or `None` when it is too
/// short to judge.
pub fn signature(text: &str) -> Option<Signature> {
    let chars: Vec<char> = text.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < MIN_CHARS {
        return None;
    }
    let mut sig = [u32::MAX; HASHES];
    for w in chars.windows(SHINGLE) {
        let mut h = DefaultHasher::new();
        w.hash(&mut h);
        let x = h.finish();
        for (i, slot) in sig.iter_mut().enumerate() {
            *slot = (*slot).min(mix(x, i));
        }
    }
    Some(sig)
}

/// Estimated Jaccard similarity of two signatures.
pub fn similarity(a: &Signature, b: &Signature) -> f32 {
    a.iter().zip(b).filter(|(x, y)| x == y).count() as f32 / HASHES as f32
}

/// For each text, the index of the first text it duplicates (itself when
/// it duplicates none).
pub fn groups(signatures: &[Option<Signature>]) -> Vec<usize> {
    let mut parent: Vec<usize> = (0..signatures.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for band in 0..HASHES / ROWS {
        let mut buckets: HashMap<&[u32], Vec<usize>> = HashMap::new();
        for (i, sig) in signatures.iter().enumerate() {
            if let Some(sig) = sig {
                buckets
                    .entry(&sig[band * ROWS..(band + 1) * ROWS])
                    .or_default()
                    .push(i);
            }
        }
        for members in buckets.values().filter(|m| m.len() > 1) {
            for (k, &a) in members.iter().enumerate() {
                for &b in &members[k + 1..] {
                    let (sa, sb) = (signatures[a].as_ref(), signatures[b].as_ref());
                    if let (Some(sa), Some(sb)) = (sa, sb)
                        && similarity(sa, sb) >= DUPLICATE_SIMILARITY
                    {
                        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
                        let (lo, hi) = (ra.min(rb), ra.max(rb));
                        parent[hi] = lo;
                    }
                }
            }
        }
    }
    (0..signatures.len())
        .map(|i| find(&mut parent, i))
        .collect()
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
        let sigs: Vec<_> = [&base, &twin, &other, &"短文本".to_string()]
            .iter()
            .map(|t| signature(t))
            .collect();
        assert!(sigs[3].is_none());
        assert_eq!(groups(&sigs), vec![0, 0, 2, 3]);
    }
}
