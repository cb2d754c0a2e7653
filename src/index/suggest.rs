//! Completions while typing, prepared at ingest: article titles, their
//! alternative questions and the corpus's words, found by what the user
//! has typed so far — the start of the text or of a word inside it, its
//! full pinyin (`daijinquan`, `dai jin`) or its pinyin initials (`djq`),
//! Chinese and pinyin mixed (`代j`), in any width or script (normalised
//! like queries).
//!
//! Two files in the index directory:
//!
//! - `suggest.fst`: an `fst` map whose keys are a group byte (how the key
//!   spells the text × where in the text it starts × what the text is),
//!   the spelling of the text from that start (at most [`KEY_UNITS`]
//!   characters), `\0`, the entry number and the start; the value packs the
//!   entry's weight and the length of the whole spelling. A prefix of what
//!   was typed is a range of keys, looked up without scanning the rest.
//! - `suggest.bin`: one record per entry (text, kind, article id, weight),
//!   decoded only for the suggestions shown.
//!
//! Groups are scanned best first (the typed text before pinyin before
//! initials; the start of the text before a word inside it; titles before
//! questions before words), and scanning stops once enough entries are
//! found, so a one-letter prefix at 100,000 articles costs a bounded scan.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use fst::{IntoStreamer, Map, MapBuilder, Streamer};
use pinyin::{ToPinyin, ToPinyinMulti};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::catalog::{Table, TableWriter};
use super::lexicon::Lexicon;
use crate::analysis::terms::is_question_word;
use crate::analysis::{Analyzer, is_cjk, normalize};
use crate::article::Article;
use crate::{Error, Result};

/// The prefix map.
pub const SUGGEST_FILE: &str = "suggest.fst";
/// The entries.
pub const SUGGEST_ENTRIES_FILE: &str = "suggest.bin";
/// Characters of a text spelled into a key from each start; a longer
/// prefix is looked up by its first `KEY_UNITS` characters and checked
/// against the text.
pub const KEY_UNITS: usize = 16;
/// Word starts inside one text that get keys of their own.
const MAX_STARTS: usize = 12;
/// Characters at the start of a key whose other readings (多音字: 重置 is
/// chongzhi, not zhongzhi) are spelled too, and the most spellings a key
/// may have.
const VARIANT_UNITS: usize = 4;
const MAX_VARIANTS: usize = 4;
/// Most suggestions one request may ask for.
pub const MAX_SUGGESTIONS: usize = 20;
/// Suggestions when the request does not say.
pub const DEFAULT_SUGGESTIONS: usize = 8;
/// Keys read per group, and per request, at most.
const GROUP_SCAN: usize = 4_000;
const TOTAL_SCAN: usize = 16_000;
/// Corpus words kept, most frequent first.
const MAX_WORDS: usize = 200_000;
/// Separates a key's spelling from its entry number.
const SEP: u8 = 0;

/// What a suggestion is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SuggestionKind {
    /// An article's title.
    Title,
    /// One of an article's alternative questions.
    Question,
    /// A word of the corpus (a query to complete).
    Word,
}

/// How what was typed matched the suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The characters themselves.
    Text,
    /// Full pinyin (`daijinquan`, `dai jin`, `代jin`).
    Pinyin,
    /// Pinyin initials (`djq`, `代j`).
    Initials,
}

/// A text that can be suggested, as ingest gives it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    /// The text as shown.
    pub text: String,
    /// Title, question or word.
    pub kind: SuggestionKind,
    /// The article it opens, for titles and questions.
    pub article: Option<String>,
    /// Popularity: among texts matched the same way, heavier ones come
    /// first (titles and questions: articles linking to the article, plus
    /// one; words: their document frequency).
    pub weight: u32,
}

/// One completion.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    /// The text to show (a title and a question as written; a word
    /// normalised).
    pub text: String,
    /// Title, question or word.
    pub kind: SuggestionKind,
    /// The article it opens, for titles and questions.
    pub article_id: Option<String>,
    /// The part of `text` that matched what was typed, as `[start, end)`
    /// character offsets.
    pub highlights: Vec<[usize; 2]>,
    /// How it matched.
    pub via: Via,
}

/// Spellings a key can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Spelling {
    Text,
    Pinyin,
    Initials,
}

const SPELLINGS: [Spelling; 3] = [Spelling::Text, Spelling::Pinyin, Spelling::Initials];
const KINDS: [SuggestionKind; 3] = [
    SuggestionKind::Title,
    SuggestionKind::Question,
    SuggestionKind::Word,
];

/// The group byte of a key: spelling, start (the whole text or a word
/// inside it), kind. Lower groups are better matches.
fn group(spelling: Spelling, inner: bool, kind: SuggestionKind) -> u8 {
    let s = match spelling {
        Spelling::Text => 0,
        Spelling::Pinyin => 1,
        Spelling::Initials => 2,
    };
    let k = match kind {
        SuggestionKind::Title => 0,
        SuggestionKind::Question => 1,
        SuggestionKind::Word => 2,
    };
    1 + (s * 2 + u8::from(inner)) * 3 + k
}

/// Every group in the order they are scanned for one spelling.
fn groups_of(spelling: Spelling) -> impl Iterator<Item = (u8, bool, SuggestionKind)> {
    [false, true].into_iter().flat_map(move |inner| {
        KINDS
            .into_iter()
            .filter(move |k| !(inner && *k == SuggestionKind::Word))
            .map(move |k| (group(spelling, inner, k), inner, k))
    })
}

/// One character of a normalised text, with where it came from.
#[derive(Debug, Clone, Copy)]
struct Unit {
    c: char,
    /// Character offset of the original character it came from.
    orig: usize,
}

/// The normalised characters of `text` other than white space, each with
/// the original character it came from, and the original's byte offsets
/// of each character (to map word starts).
fn units_of(text: &str) -> (Vec<Unit>, Vec<usize>) {
    let norm = normalize(text);
    let char_starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
    let mut units = Vec::with_capacity(norm.char_len());
    let mut unit_bytes = Vec::with_capacity(norm.char_len());
    for (i, c) in norm.text.chars().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        let (from, _) = norm.original_range_of_chars(i, i + 1);
        let orig = char_starts.partition_point(|&b| b < from);
        units.push(Unit { c, orig });
        unit_bytes.push(from);
    }
    (units, unit_bytes)
}

/// Ideographs whose second reading is common enough to be typed (重置 is
/// chongzhi, 弹性 tanxing, 银行 yinhang). Other ideographs are spelled by
/// their most common reading only: the pinyin tables also list rare
/// readings (部 pou), which would complete what nobody meant.
const TWO_READINGS: &str = "重行长还弹调传单参系卡区解查率便和省属差强种提称角折曾模校藏乐朝降数都地得着了应为处间供相几盛给薄血没只转尽奇创干背露结难好中当露划缝仇期";

/// The toneless readings of an ideograph, most common first, distinct.
fn readings(c: char) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    if let Some(p) = c.to_pinyin() {
        out.push(p.plain());
    }
    if TWO_READINGS.contains(c)
        && let Some(multi) = c.to_pinyin_multi()
    {
        for p in multi {
            let r = p.plain();
            if !out.contains(&r) {
                out.push(r);
            }
            if out.len() == 2 {
                break;
            }
        }
    }
    out
}

/// The most common reading of an ideograph.
fn first_reading(c: char) -> Option<&'static str> {
    c.to_pinyin().map(|p| p.plain())
}

/// Whether a character is spelled as itself in pinyin keys (letters and
/// digits); other characters that are no ideographs are left out.
fn spelled_as_itself(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

/// The spellings of `units` from `start` (at most [`KEY_UNITS`] of them),
/// with the byte length of the whole spelling from `start`.
fn spell(units: &[Unit], start: usize, spelling: Spelling) -> Vec<(String, usize)> {
    let rest = &units[start..];
    if spelling == Spelling::Text {
        let whole: usize = rest.iter().map(|u| u.c.len_utf8()).sum();
        let key: String = rest.iter().take(KEY_UNITS).map(|u| u.c).collect();
        return vec![(key, whole)];
    }
    // Each variant is built over the first KEY_UNITS units; the length of
    // the whole spelling uses the most common readings.
    let mut variants: Vec<String> = vec![String::new()];
    let mut whole = 0usize;
    for (i, u) in rest.iter().enumerate() {
        let options: Vec<&str> = if is_cjk(u.c) {
            let r = readings(u.c);
            if r.is_empty() {
                continue;
            }
            r
        } else if spelled_as_itself(u.c) {
            vec![]
        } else {
            continue;
        };
        let firsts: Vec<String> = if options.is_empty() {
            vec![u.c.to_string()]
        } else {
            let mut v: Vec<String> = options
                .iter()
                .map(|r| match spelling {
                    Spelling::Initials => r.chars().next().map(String::from).unwrap_or_default(),
                    _ => r.to_string(),
                })
                .collect();
            let mut seen = HashSet::new();
            v.retain(|s| !s.is_empty() && seen.insert(s.clone()));
            v
        };
        let Some(first) = firsts.first() else {
            continue;
        };
        whole += first.len();
        if i >= KEY_UNITS {
            continue;
        }
        let alternatives = if i < VARIANT_UNITS && variants.len() * 2 <= MAX_VARIANTS {
            &firsts[..firsts.len().min(2)]
        } else {
            &firsts[..1]
        };
        let mut next = Vec::with_capacity(variants.len() * alternatives.len());
        for v in &variants {
            for a in alternatives {
                next.push(format!("{v}{a}"));
            }
        }
        variants = next;
    }
    variants
        .into_iter()
        .filter(|v| !v.is_empty())
        .map(|v| (v, whole))
        .collect()
}

/// Where a text's keys start: its beginning and the start of each word
/// inside it (search mode, so the words inside compounds too), except
/// words that only ask (如何, 的).
fn starts(analyzer: &Analyzer, text: &str, unit_bytes: &[usize]) -> Vec<usize> {
    let mut out = vec![0usize];
    for t in analyzer.tokens(text) {
        if is_question_word(&t.text) {
            continue;
        }
        let u = unit_bytes.partition_point(|&b| b < t.from);
        if u > 0 && u < unit_bytes.len() && !out.contains(&u) {
            out.push(u);
        }
        if out.len() > MAX_STARTS {
            break;
        }
    }
    out
}

fn key(group: u8, spelled: &str, entry: u32, start: usize) -> Vec<u8> {
    let mut k = Vec::with_capacity(spelled.len() + 8);
    k.push(group);
    k.extend_from_slice(spelled.as_bytes());
    k.push(SEP);
    k.extend_from_slice(&entry.to_be_bytes());
    k.extend_from_slice(&(start.min(u16::MAX as usize) as u16).to_be_bytes());
    k
}

fn value(weight: u32, whole: usize) -> u64 {
    (u64::from(weight) << 32) | whole.min(u32::MAX as usize) as u64
}

/// The texts an index suggests: every title and question, and the
/// corpus's words (with `lexicon`'s document frequencies).
pub fn candidates(articles: &[Article], lexicon: &Lexicon) -> Vec<Candidate> {
    let mut linked: HashMap<&str, HashSet<&str>> = HashMap::new();
    for a in articles {
        for target in a.links.iter().filter_map(|l| l.id.as_deref()) {
            if target != a.id {
                linked.entry(target).or_default().insert(&a.id);
            }
        }
    }
    let mut out = Vec::new();
    for a in articles {
        let weight = 1 + linked.get(a.id.as_str()).map_or(0, |s| s.len() as u32);
        if !a.title.trim().is_empty() {
            out.push(Candidate {
                text: a.title.trim().to_string(),
                kind: SuggestionKind::Title,
                article: Some(a.id.clone()),
                weight,
            });
        }
        for q in &a.questions {
            if !q.trim().is_empty() && q.trim() != a.title.trim() {
                out.push(Candidate {
                    text: q.trim().to_string(),
                    kind: SuggestionKind::Question,
                    article: Some(a.id.clone()),
                    weight,
                });
            }
        }
    }
    let min_df = if lexicon.docs() >= 1_000 { 2 } else { 1 };
    let mut words: Vec<(String, u32)> = lexicon
        .words()
        .filter(|(w, df)| *df >= min_df && suggestible_word(w))
        .collect();
    words.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    words.truncate(MAX_WORDS);
    out.extend(words.into_iter().map(|(text, df)| Candidate {
        text,
        kind: SuggestionKind::Word,
        article: None,
        weight: df,
    }));
    out
}

/// Whether a word of the lexicon is worth suggesting: ideographs (2 to 8),
/// a Latin word (2 to 32 characters, mostly letters), or a short mix; not
/// a question word, a number or an identifier.
fn suggestible_word(w: &str) -> bool {
    if is_question_word(w) {
        return false;
    }
    let n = w.chars().count();
    let cjk = w.chars().filter(|c| is_cjk(*c)).count();
    if cjk == n {
        return (2..=8).contains(&n);
    }
    let letters = w.chars().filter(|c| c.is_ascii_alphabetic()).count();
    let ok_chars = w
        .chars()
        .all(|c| is_cjk(c) || c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '+'));
    let starts_well = w.chars().next().is_some_and(|c| c.is_alphabetic());
    if cjk > 0 {
        return ok_chars && starts_well && n <= 12 && letters + cjk == n;
    }
    ok_chars && starts_well && (2..=32).contains(&n) && letters * 4 >= n * 3
}

/// Writes `suggest.fst` and `suggest.bin` for `candidates` into `dir`.
pub fn write(dir: &Path, candidates: &[Candidate], analyzer: &Analyzer) -> Result<()> {
    let mut keys: Vec<(Vec<u8>, u64)> = candidates
        .par_iter()
        .enumerate()
        .flat_map_iter(|(e, c)| keys_of(analyzer, e as u32, c))
        .collect();
    keys.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    keys.dedup_by(|a, b| a.0 == b.0);
    let path = dir.join(SUGGEST_FILE);
    let file = std::fs::File::create(&path).map_err(|e| Error::io(&path, e))?;
    let bad = |e: fst::Error| Error::Invalid(format!("{}: {e}", path.display()));
    let mut map = MapBuilder::new(std::io::BufWriter::new(file)).map_err(bad)?;
    for (k, v) in keys {
        map.insert(k, v).map_err(bad)?;
    }
    map.finish().map_err(bad)?;
    let mut table = TableWriter::create(dir.join(SUGGEST_ENTRIES_FILE))?;
    for c in candidates {
        table.push(&postcard::to_stdvec(c).unwrap_or_default())?;
    }
    table.finish()
}

/// The keys of one candidate.
fn keys_of(analyzer: &Analyzer, entry: u32, c: &Candidate) -> Vec<(Vec<u8>, u64)> {
    let (units, unit_bytes) = units_of(&c.text);
    if units.is_empty() {
        return Vec::new();
    }
    let starts = match c.kind {
        SuggestionKind::Word => vec![0],
        _ => starts(analyzer, &c.text, &unit_bytes),
    };
    let mut out = Vec::new();
    for &s in &starts {
        for spelling in SPELLINGS {
            for (spelled, whole) in spell(&units, s, spelling) {
                out.push((
                    key(group(spelling, s > 0, c.kind), &spelled, entry, s),
                    value(c.weight, whole),
                ));
            }
        }
    }
    out
}

/// The suggestions of an open index.
pub struct Suggester {
    map: Map<Vec<u8>>,
    entries: Table,
}

impl std::fmt::Debug for Suggester {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Suggester")
            .field("entries", &self.entries.len())
            .field("keys", &self.map.len())
            .finish()
    }
}

/// How one reading of what was typed is looked up.
struct Reading {
    spelling: Spelling,
    /// The key prefix (spelled like the keys).
    prefix: String,
    /// Normalised characters the text must have from the start of the
    /// match (the ideographs typed before pinyin; or a typed text longer
    /// than a key).
    literal: Vec<char>,
    /// What was typed, as matched for highlighting (pinyin letters).
    typed: String,
}

/// A key found, before its entry is read.
#[derive(Debug, Clone, Copy)]
struct Found {
    rank: usize,
    exact: bool,
    weight: u32,
    whole: u32,
    entry: u32,
    start: u16,
    reading: usize,
}

/// Reads what was typed: the text itself; and when it has Latin letters
/// after any ideographs, as full pinyin and as initials.
fn readings_of(query: &str) -> Vec<Reading> {
    let units: Vec<char> = query.chars().filter(|c| !c.is_whitespace()).collect();
    if units.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Reading {
        spelling: Spelling::Text,
        prefix: units.iter().take(KEY_UNITS).collect(),
        literal: if units.len() > KEY_UNITS {
            units.clone()
        } else {
            Vec::new()
        },
        typed: String::new(),
    }];
    let head: Vec<char> = units.iter().copied().take_while(|c| is_cjk(*c)).collect();
    let tail: String = units[head.len()..]
        .iter()
        .filter(|c| spelled_as_itself(**c))
        .collect();
    let latin_tail = units[head.len()..].iter().all(|c| !is_cjk(*c))
        && tail.chars().any(|c| c.is_ascii_alphabetic());
    if !latin_tail || head.len() >= KEY_UNITS || tail.len() > KEY_UNITS * 6 {
        return out;
    }
    let mut pinyin = String::new();
    let mut initials = String::new();
    for c in &head {
        let Some(r) = first_reading(*c) else {
            return out;
        };
        pinyin.push_str(r);
        initials.push_str(&r[..1]);
    }
    out.push(Reading {
        spelling: Spelling::Pinyin,
        prefix: format!("{pinyin}{tail}"),
        literal: head.clone(),
        typed: tail.clone(),
    });
    if tail.len() + head.len() <= KEY_UNITS {
        out.push(Reading {
            spelling: Spelling::Initials,
            prefix: format!("{initials}{tail}"),
            literal: head,
            typed: tail,
        });
    }
    out
}

impl Suggester {
    /// Opens the suggestion files of an index directory.
    pub fn open(dir: &Path) -> Result<Suggester> {
        let path = dir.join(SUGGEST_FILE);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let map =
            Map::new(bytes).map_err(|e| Error::CorruptIndex(format!("{}: {e}", path.display())))?;
        let entries = Table::read(&dir.join(SUGGEST_ENTRIES_FILE))?;
        Ok(Suggester { map, entries })
    }

    /// Texts that can be suggested.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether nothing can be suggested.
    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    fn entry(&self, i: u32) -> Option<Candidate> {
        postcard::from_bytes(self.entries.get(i as usize)?).ok()
    }

    /// Up to `limit` completions of `typed`, best first: at most one per
    /// article, and no word or question that repeats a suggestion.
    pub fn suggest(&self, typed: &str, limit: usize) -> Vec<Suggestion> {
        let query = normalize(typed).text;
        let readings = readings_of(&query);
        let limit = limit.min(MAX_SUGGESTIONS);
        if readings.is_empty() || limit == 0 {
            return Vec::new();
        }
        let query_compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        let mut found: Vec<Found> = Vec::new();
        let mut entries: HashSet<u32> = HashSet::new();
        let mut scanned = 0usize;
        let mut rank = 0usize;
        'scan: for (ri, reading) in readings.iter().enumerate() {
            for (g, _, _) in groups_of(reading.spelling) {
                if entries.len() >= limit * 2 || scanned >= TOTAL_SCAN {
                    break 'scan;
                }
                let mut from = vec![g];
                from.extend_from_slice(reading.prefix.as_bytes());
                let mut to = from.clone();
                to.push(0xFF);
                let mut stream = self.map.range().ge(&from).lt(&to).into_stream();
                let mut n = 0usize;
                while let Some((k, v)) = stream.next() {
                    n += 1;
                    scanned += 1;
                    if n > GROUP_SCAN || scanned > TOTAL_SCAN {
                        break;
                    }
                    if k.len() < 7 {
                        continue;
                    }
                    let tail = &k[k.len() - 6..];
                    let entry = u32::from_be_bytes([tail[0], tail[1], tail[2], tail[3]]);
                    let start = u16::from_be_bytes([tail[4], tail[5]]);
                    let whole = (v & 0xFFFF_FFFF) as u32;
                    found.push(Found {
                        rank,
                        exact: whole as usize == reading.prefix.len() && reading.literal.is_empty(),
                        weight: (v >> 32) as u32,
                        whole,
                        entry,
                        start,
                        reading: ri,
                    });
                    entries.insert(entry);
                }
                rank += 1;
            }
        }
        found.sort_by(|a, b| {
            a.rank
                .cmp(&b.rank)
                .then(b.exact.cmp(&a.exact))
                .then(b.weight.cmp(&a.weight))
                .then(a.whole.cmp(&b.whole))
                .then(a.entry.cmp(&b.entry))
                .then(a.start.cmp(&b.start))
        });
        let mut out = Vec::with_capacity(limit);
        let mut taken_entries: HashSet<u32> = HashSet::new();
        let mut taken_articles: HashSet<String> = HashSet::new();
        let mut taken_texts: HashSet<String> = HashSet::new();
        for f in found {
            if out.len() >= limit {
                break;
            }
            if taken_entries.contains(&f.entry) {
                continue;
            }
            let Some(c) = self.entry(f.entry) else {
                continue;
            };
            let reading = &readings[f.reading];
            let (units, _) = units_of(&c.text);
            let start = f.start as usize;
            if start > units.len() {
                continue;
            }
            let rest = &units[start..];
            if rest.len() < reading.literal.len()
                || rest.iter().zip(&reading.literal).any(|(u, l)| u.c != *l)
            {
                continue;
            }
            let norm: String = units.iter().map(|u| u.c).collect();
            if c.kind == SuggestionKind::Word && norm == query_compact {
                continue;
            }
            // A word or question that reads like a suggestion already
            // shown adds nothing; titles alike stay (different articles,
            // told apart by their topics).
            if !taken_texts.insert(norm) && c.kind != SuggestionKind::Title {
                continue;
            }
            if let Some(a) = &c.article
                && !taken_articles.insert(a.clone())
            {
                continue;
            }
            taken_entries.insert(f.entry);
            let matched = match reading.spelling {
                Spelling::Text => query_compact.chars().count().min(rest.len()),
                Spelling::Pinyin | Spelling::Initials => {
                    let head = reading.literal.len();
                    head + covered(&rest[head..], &reading.typed, reading.spelling)
                }
            };
            let highlights = if matched == 0 {
                Vec::new()
            } else {
                let from = rest[0].orig;
                let to = rest[matched - 1].orig + 1;
                // Several normalised characters may come from one original.
                vec![[from, to.max(from + 1)]]
            };
            out.push(Suggestion {
                text: c.text,
                kind: c.kind,
                article_id: c.article,
                highlights,
                via: match reading.spelling {
                    Spelling::Text => Via::Text,
                    Spelling::Pinyin => Via::Pinyin,
                    Spelling::Initials => Via::Initials,
                },
            });
        }
        out
    }
}

/// How many of `units` the typed pinyin (or initials) covers, the last
/// one possibly in part.
fn covered(units: &[Unit], typed: &str, spelling: Spelling) -> usize {
    let mut rest = typed;
    let mut n = 0usize;
    for u in units {
        if rest.is_empty() {
            break;
        }
        let options: Vec<String> = if is_cjk(u.c) {
            readings(u.c)
                .into_iter()
                .map(|r| match spelling {
                    Spelling::Initials => r[..1].to_string(),
                    _ => r.to_string(),
                })
                .collect()
        } else if spelled_as_itself(u.c) {
            vec![u.c.to_string()]
        } else {
            // Punctuation is not typed in pinyin; it is covered when what
            // follows is.
            n += 1;
            continue;
        };
        if let Some(o) = options.iter().find(|o| rest.starts_with(o.as_str())) {
            rest = &rest[o.len()..];
            n += 1;
        } else if options.iter().any(|o| o.starts_with(rest)) {
            rest = "";
            n += 1;
        } else {
            break;
        }
    }
    n
}

/// The coverage of suggestions over a set of titles: for every title and
/// every prefix of it of `lengths` characters (and the pinyin initials of
/// that prefix), whether the title is among the first `top` suggestions.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Coverage {
    /// Character prefixes tried.
    pub prefixes: usize,
    /// … whose title was among the first `top`.
    pub prefixes_found: usize,
    /// Initials prefixes tried.
    pub initials: usize,
    /// … whose title was among the first `top`.
    pub initials_found: usize,
    /// Prefixes (of either kind) whose title was not found, for reading.
    pub missed: Vec<(String, String)>,
}

impl Coverage {
    /// Share of character prefixes found.
    pub fn prefix_rate(&self) -> f64 {
        self.prefixes_found as f64 / self.prefixes.max(1) as f64
    }

    /// Share of initials prefixes found.
    pub fn initials_rate(&self) -> f64 {
        self.initials_found as f64 / self.initials.max(1) as f64
    }

    /// Share of both found.
    pub fn rate(&self) -> f64 {
        (self.prefixes_found + self.initials_found) as f64
            / (self.prefixes + self.initials).max(1) as f64
    }
}

/// The pinyin initials of a text as a user types them: an ideograph's
/// first letter, letters and digits as themselves, nothing else.
pub fn initials(text: &str) -> String {
    let (units, _) = units_of(text);
    let mut out = String::new();
    for u in units {
        if is_cjk(u.c) {
            if let Some(r) = first_reading(u.c) {
                out.push_str(&r[..1]);
            }
        } else if spelled_as_itself(u.c) {
            out.push(u.c);
        }
    }
    out
}

/// Measures [`Coverage`] over `titles` (`(article id, title)`): each
/// prefix of `lengths` characters, typed as is and as initials.
pub fn coverage(
    suggester: &Suggester,
    titles: &[(String, String)],
    lengths: std::ops::RangeInclusive<usize>,
    top: usize,
) -> Coverage {
    let mut c = Coverage::default();
    for (id, title) in titles {
        let chars: Vec<char> = title.trim().chars().collect();
        let mut seen = HashSet::new();
        for k in lengths.clone() {
            if chars.len() < k {
                continue;
            }
            let prefix: String = chars[..k].iter().collect();
            if prefix.trim().chars().count() < k.min(2) {
                continue;
            }
            let hit = |q: &str| {
                suggester
                    .suggest(q, top)
                    .iter()
                    .any(|s| s.article_id.as_deref() == Some(id.as_str()))
            };
            c.prefixes += 1;
            if hit(&prefix) {
                c.prefixes_found += 1;
            } else {
                c.missed.push((prefix.clone(), title.clone()));
            }
            let ini = initials(&prefix);
            // The same initials from a shorter prefix (punctuation) count once.
            if ini.len() >= 2 && seen.insert(ini.clone()) {
                c.initials += 1;
                if hit(&ini) {
                    c.initials_found += 1;
                } else {
                    c.missed.push((ini, title.clone()));
                }
            }
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggester(cands: &[Candidate]) -> (tempfile::TempDir, Suggester) {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), cands, &Analyzer::default()).unwrap();
        let s = Suggester::open(dir.path()).unwrap();
        (dir, s)
    }

    fn title(text: &str, id: &str, weight: u32) -> Candidate {
        Candidate {
            text: text.into(),
            kind: SuggestionKind::Title,
            article: Some(id.into()),
            weight,
        }
    }

    fn word(text: &str, df: u32) -> Candidate {
        Candidate {
            text: text.into(),
            kind: SuggestionKind::Word,
            article: None,
            weight: df,
        }
    }

    fn texts(s: &[Suggestion]) -> Vec<&str> {
        s.iter().map(|s| s.text.as_str()).collect()
    }

    #[test]
    fn spellings_of_a_title() {
        let (units, _) = units_of("重置密码");
        let py = spell(&units, 0, Spelling::Pinyin);
        assert!(py.iter().any(|(s, _)| s == "zhongzhimima"), "{py:?}");
        assert!(py.iter().any(|(s, _)| s == "chongzhimima"), "{py:?}");
        let ini = spell(&units, 0, Spelling::Initials);
        assert!(ini.iter().any(|(s, _)| s == "czmm"), "{ini:?}");
        let (units, _) = units_of("登录 Linux 云服务器");
        let text = spell(&units, 0, Spelling::Text);
        assert_eq!(text[0].0, "登录linux云服务器");
        assert_eq!(initials("登录 Linux，云服务器"), "dllinuxyfwq");
    }

    #[test]
    fn prefix_word_start_pinyin_initials_and_mixed() {
        let (_d, s) = suggester(&[
            title("为客户下发代金券", "issue", 3),
            title("代金券使用规则", "rules", 1),
            title("重置密码", "reset", 1),
            word("代金券", 12),
            word("代理", 2),
        ]);
        // The start of a title first, then a word, then a word inside a title.
        assert_eq!(
            texts(&s.suggest("代金", 8)),
            ["代金券使用规则", "代金券", "为客户下发代金券"]
        );
        let djq = s.suggest("djq", 8);
        assert_eq!(djq[0].text, "代金券使用规则");
        assert_eq!(djq[0].via, Via::Initials);
        assert_eq!(djq[0].highlights, vec![[0, 3]]);
        assert!(texts(&djq).contains(&"代金券"));
        let full = s.suggest("daijin", 8);
        assert_eq!(full[0].text, "代金券使用规则");
        assert_eq!(full[0].highlights, vec![[0, 2]]);
        let spaced = s.suggest("dai jin q", 8);
        assert_eq!(texts(&spaced)[..2], ["代金券使用规则", "代金券"]);
        let mixed = s.suggest("代j", 8);
        assert!(texts(&mixed).contains(&"代金券"), "{mixed:?}");
        assert!(!texts(&mixed).contains(&"代理"), "{mixed:?}");
        // Another reading of 重 (chong).
        assert_eq!(texts(&s.suggest("czmm", 8)), ["重置密码"]);
        // Traditional and full width.
        assert_eq!(s.suggest("代金劵", 8).len(), 0, "劵 is not 券");
        assert_eq!(s.suggest("為客戶", 8)[0].text, "为客户下发代金券");
        assert_eq!(s.suggest("ｄｊｑ", 8)[0].text, "代金券使用规则");
        // Inside a title, the matched part is marked where it is.
        let inner = s.suggest("下发", 8);
        assert_eq!(inner[0].text, "为客户下发代金券");
        assert_eq!(inner[0].highlights, vec![[3, 5]]);
        assert!(s.suggest("xyzzy", 8).is_empty());
        // A rare reading (部 pou) completes nothing.
        let (_d2, s2) = suggester(&[word("部分", 9)]);
        assert!(s2.suggest("po", 8).is_empty());
        assert_eq!(texts(&s2.suggest("bf", 8)), ["部分"]);
        assert!(s.suggest("   ", 8).is_empty());
    }

    #[test]
    fn one_per_article_and_heavier_first() {
        let (_d, s) = suggester(&[
            title("云服务器概述", "a", 1),
            Candidate {
                text: "云服务器是什么".into(),
                kind: SuggestionKind::Question,
                article: Some("a".into()),
                weight: 1,
            },
            title("云服务器计费", "b", 5),
        ]);
        assert_eq!(
            texts(&s.suggest("云服务器", 8)),
            ["云服务器计费", "云服务器概述"]
        );
    }

    #[test]
    fn a_prefix_longer_than_a_key_is_checked_against_the_text() {
        let long = "弹性云服务器的一二三四五六七八九十甲乙丙丁";
        let (_d, s) = suggester(&[title(long, "long", 1)]);
        let typed: String = long.chars().take(KEY_UNITS + 3).collect();
        assert_eq!(texts(&s.suggest(&typed, 8)), [long]);
        let wrong = format!("{}错", long.chars().take(KEY_UNITS + 2).collect::<String>());
        assert!(s.suggest(&wrong, 8).is_empty());
    }

    #[test]
    fn words_worth_suggesting() {
        assert!(suggestible_word("代金券"));
        assert!(suggestible_word("linux"));
        assert!(!suggestible_word("如何"));
        assert!(!suggestible_word("2024"));
        assert!(!suggestible_word("i-7f3a9c21e5b04d18"));
        assert!(!suggestible_word("代"));
    }
}
