//! The main query run as its [`ScoreTree`]: every term's postings read once,
//! gathered by document, and each document's term scores combined by the
//! tree. tantivy's nested maxima and sums give the same scores but build a
//! union scorer (with buffers for 4,096 documents) per concept and per query,
//! which on help centres of a few hundred articles costs more than reading
//! the postings (from a few thousand documents the unions pay off:
//! [`super::Retrieval::tree_below`]).

use std::sync::Arc;

use rustc_hash::FxHashMap;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::fieldnorm::FieldNormReader;
use tantivy::index::SegmentId;
use tantivy::postings::{BlockSegmentPostings, Postings, SegmentPostings, TermInfo};
use tantivy::query::{Bm25StatisticsProvider, EnableScoring, Explanation, Query, Scorer, Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{
    DocAddress, DocId, DocSet, InvertedIndexReader, Score, Searcher, SegmentOrdinal, SegmentReader,
    TERMINATED, Term,
};

use super::query::{ScoreProgram, ScoreTree};

/// A [`ScoreTree`] as a tantivy query.
#[derive(Debug, Clone)]
pub struct TreeQuery {
    tree: Arc<ScoreTree>,
    /// Each leaf's term and boost, in the order of [`ScoreTree::terms`].
    leaves: Arc<Vec<(Term, Score)>>,
}

impl TreeQuery {
    /// The query that scores documents as `tree` does.
    pub fn new(tree: ScoreTree) -> TreeQuery {
        let leaves = tree
            .terms()
            .into_iter()
            .map(|(field, word, boost)| (Term::from_field_text(field, word), boost))
            .collect();
        TreeQuery {
            tree: Arc::new(tree),
            leaves: Arc::new(leaves),
        }
    }
}

// BM25 as tantivy computes it (`tantivy::query::Bm25Weight`), so that the
// scores are the ones its term queries give: the same constants and the
// same operations in the same order. A test compares the two.
const K1: Score = 1.2;
const B: Score = 0.75;

fn idf(doc_freq: u64, docs: u64) -> Score {
    let x = (docs.saturating_sub(doc_freq) as Score + 0.5) / (doc_freq as Score + 0.5);
    (1.0 + x).ln()
}

/// The length part of BM25's denominator for each field-norm code, given
/// the field's average length.
fn length_norms(average: Score) -> Box<[Score; 256]> {
    let mut norms = Box::new([0.0; 256]);
    for (id, norm) in norms.iter_mut().enumerate() {
        let length = FieldNormReader::id_to_fieldnorm(id as u8);
        *norm = K1 * (1.0 - B + B * length as Score / average);
    }
    norms
}

impl Query for TreeQuery {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        Ok(Box::new(self.tree_weight(scoring)?))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        for (term, _) in self.leaves.iter() {
            visitor(term, false);
        }
    }
}

impl TreeQuery {
    /// The statistics the tree's leaves score with: once per distinct term
    /// and per field. Each term is looked up once per segment, and its
    /// document frequency is the sum of those lookups when the statistics
    /// are the searcher's own (as tantivy's `Searcher::doc_freq` sums
    /// them), so the dictionary is read once per term and segment.
    fn tree_weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<TreeWeight> {
        for (term, _) in self.leaves.iter() {
            let entry = scoring.schema().get_field_entry(term.field());
            if !entry.is_indexed() {
                return Err(tantivy::TantivyError::SchemaError(format!(
                    "field {:?} is not indexed",
                    entry.name()
                )));
            }
        }
        let mut terms: Vec<TermStats> = Vec::new();
        let mut fields: Vec<FieldStats> = Vec::new();
        let mut leaves = Vec::with_capacity(self.leaves.len());
        let docs = match scoring {
            EnableScoring::Enabled {
                statistics_provider,
                ..
            } => Some((statistics_provider, statistics_provider.total_num_docs()?)),
            EnableScoring::Disabled { .. } => None,
        };
        let mut seen: FxHashMap<&Term, usize> = FxHashMap::default();
        seen.reserve(self.leaves.len());
        for (term, boost) in self.leaves.iter() {
            let at = match seen.get(term) {
                Some(&at) => at,
                None => {
                    let field = term.field();
                    let field_at = match fields.iter().position(|f| f.field == field) {
                        Some(at) => at,
                        None => {
                            let norms = match docs {
                                Some((stats, n)) => length_norms(
                                    stats.total_num_tokens(field)? as Score / n as Score,
                                ),
                                None => Box::new([0.0; 256]),
                            };
                            fields.push(FieldStats { field, norms });
                            fields.len() - 1
                        }
                    };
                    terms.push(TermStats {
                        term: term.clone(),
                        field: field_at,
                        weight: 1.0,
                    });
                    seen.insert(term, terms.len() - 1);
                    terms.len() - 1
                }
            };
            leaves.push((at, *boost));
        }
        let searcher = match scoring {
            EnableScoring::Enabled { searcher, .. } => Some(searcher),
            EnableScoring::Disabled { searcher_opt, .. } => searcher_opt,
        };
        let segments = match searcher {
            Some(searcher) => searcher
                .segment_readers()
                .iter()
                .map(|reader| SegmentTerms::of(reader, &terms, &fields))
                .collect::<tantivy::Result<Vec<_>>>()?,
            None => Vec::new(),
        };
        if let Some((stats, n)) = docs {
            let own = searcher.is_some_and(|searcher| {
                std::ptr::addr_eq(stats as *const dyn Bm25StatisticsProvider, searcher)
            });
            for (at, t) in terms.iter_mut().enumerate() {
                let doc_freq = if own {
                    segments
                        .iter()
                        .filter_map(|s| s.infos[at].as_ref())
                        .map(|info| u64::from(info.doc_freq))
                        .sum()
                } else {
                    stats.doc_freq(&t.term)?
                };
                t.weight = idf(doc_freq, n) * (1.0 + K1);
            }
        }
        Ok(TreeWeight {
            tree: Arc::clone(&self.tree),
            scoring: docs.is_some(),
            terms,
            fields,
            leaves,
            segments,
        })
    }

    /// `candidates` scored by the tree, the best `keep` first; ties go to
    /// the earlier document, as in tantivy's top docs. Seeking each term
    /// to each candidate costs far less than scoring every match.
    pub fn rescore(
        &self,
        searcher: &Searcher,
        mut candidates: Vec<(Score, DocAddress)>,
        keep: usize,
    ) -> tantivy::Result<Vec<(Score, DocAddress)>> {
        let weight = self.tree_weight(EnableScoring::enabled_from_searcher(searcher))?;
        candidates.sort_by_key(|&(_, addr)| addr);
        let mut segment = None;
        // The leaves whose term the segment has, with their postings; the
        // others score nothing anywhere in it.
        let mut scorers: Vec<(usize, LeafScorer<'_>)> = Vec::new();
        let mut scores: Vec<Option<Score>> = vec![None; weight.leaves.len()];
        let program = ScoreProgram::of(&self.tree);
        let mut stack = Vec::new();
        for (score, addr) in &mut candidates {
            if segment != Some(addr.segment_ord) {
                let reader = searcher.segment_reader(addr.segment_ord);
                scorers.clear();
                for leaf in 0..weight.leaves.len() {
                    if let Some(scorer) = weight.leaf(reader, leaf, 1.0)? {
                        scorers.push((leaf, scorer));
                    }
                }
                scores.fill(None);
                segment = Some(addr.segment_ord);
            }
            for (leaf, scorer) in &mut scorers {
                scores[*leaf] = scorer.score_at(addr.doc_id);
            }
            *score = program.score(&scores, &mut stack).unwrap_or(0.0);
        }
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates.truncate(keep);
        Ok(candidates)
    }

    /// Hands `collector` every document a sum of terms matches (the tree
    /// of [`ScoreTree::retrieval_tree`]) with its score, in document order,
    /// within the documents `filter` matches if there is one, and returns
    /// what it made of them. Each term's postings are read a block at a
    /// time and added into one score per document of the segment: the
    /// union of every match, which the two-step search counts and picks its
    /// candidates from, without tantivy's union of term scorers (it steps
    /// every scorer through windows of 4,096 documents, costing several
    /// times as much per posting). The scores are the union's to the bit:
    /// both add a document's terms from 0 in the tree's order (tantivy's
    /// union keeps its scorers in clause order), and a filter adds nothing.
    /// Where the terms have few postings beside the segment's documents,
    /// (document, score) pairs are sorted instead ([`SPARSE_SHARE`]).
    pub fn collect_sum<C: Collector>(
        &self,
        searcher: &Searcher,
        filter: Option<&dyn Query>,
        collector: &C,
    ) -> tantivy::Result<C::Fruit> {
        self.collect_sum_with(searcher, filter, collector, SPARSE_SHARE)
    }

    /// [`TreeQuery::collect_sum`], gathering pairs in a segment where the
    /// terms have fewer postings than `sparse_share` × its documents.
    pub(super) fn collect_sum_with<C: Collector>(
        &self,
        searcher: &Searcher,
        filter: Option<&dyn Query>,
        collector: &C,
        sparse_share: f64,
    ) -> tantivy::Result<C::Fruit> {
        let flat = matches!(&*self.tree, ScoreTree::Sum(children)
            if children.iter().all(|c| matches!(c, ScoreTree::Term(..))));
        if !flat {
            return Err(tantivy::TantivyError::InvalidArgument(
                "collect_sum needs a sum of terms".into(),
            ));
        }
        collector.check_schema(searcher.schema())?;
        let weight = self.tree_weight(EnableScoring::enabled_from_searcher(searcher))?;
        let filter = filter
            .map(|f| f.weight(EnableScoring::disabled_from_searcher(searcher)))
            .transpose()?;
        let mut fruits = Vec::with_capacity(searcher.segment_readers().len());
        let mut union = Union::default();
        for (ord, reader) in searcher.segment_readers().iter().enumerate() {
            let max_doc = reader.max_doc() as usize;
            let sparse = weight
                .postings_in(reader)
                .is_some_and(|n| (n as f64) < max_doc as f64 * sparse_share);
            let mut eval = Evaluation::new(&weight, reader, 1.0);
            let alive = reader.alive_bitset();
            let mut segment = collector.for_segment(ord as SegmentOrdinal, reader)?;
            if sparse {
                // Few postings: (document, score) pairs, sorted by document
                // (stably, so a document's scores still add in the terms'
                // order), and the filter sought to each match.
                let pairs = &mut union.pairs;
                pairs.clear();
                for _ in 0..weight.leaves.len() {
                    eval.leaf_into(|doc, score| pairs.push((doc, score)))?;
                }
                pairs.sort_by_key(|&(doc, _)| doc);
                let mut filter = filter.as_ref().map(|f| f.scorer(reader, 1.0)).transpose()?;
                let mut at = 0;
                while let Some(&(doc, _)) = pairs.get(at) {
                    let mut score: Score = 0.0;
                    while let Some(&(_, s)) = pairs.get(at).filter(|p| p.0 == doc) {
                        score += s;
                        at += 1;
                    }
                    let allowed = filter.as_mut().is_none_or(|f| {
                        let mut d = f.doc();
                        if d < doc {
                            d = f.seek(doc);
                        }
                        d == doc
                    });
                    if allowed && alive.is_none_or(|alive| alive.is_alive(doc)) {
                        segment.collect(doc, score);
                    }
                }
                fruits.push(segment.harvest());
                continue;
            }
            let Union {
                scores,
                matched,
                allowed,
                ..
            } = &mut union;
            scores.clear();
            scores.resize(max_doc, 0.0 as Score);
            matched.clear();
            matched.resize(max_doc.div_ceil(64), 0u64);
            for _ in 0..weight.leaves.len() {
                eval.leaf_into(|doc, score| {
                    scores[doc as usize] += score;
                    set_bit(matched, doc);
                })?;
            }
            if let Some(filter) = &filter {
                allowed.clear();
                allowed.resize(matched.len(), 0u64);
                let mut docs = filter.scorer(reader, 1.0)?;
                let mut doc = docs.doc();
                while doc != TERMINATED {
                    set_bit(allowed, doc);
                    doc = docs.advance();
                }
                for (m, a) in matched.iter_mut().zip(allowed.iter()) {
                    *m &= a;
                }
            }
            for (at, &word) in matched.iter().enumerate() {
                let mut bits = word;
                while bits != 0 {
                    let doc = (at * 64) as DocId + bits.trailing_zeros();
                    bits &= bits - 1;
                    if alive.is_none_or(|alive| alive.is_alive(doc)) {
                        segment.collect(doc, scores[doc as usize]);
                    }
                }
            }
            fruits.push(segment.harvest());
        }
        collector.merge_fruits(fruits)
    }
}

/// Below this many postings per document of a segment, the union gathers
/// (document, score) pairs and sorts them rather than keeping a score for
/// every document of the segment and reading the filter whole: a query
/// that matches few documents then costs what its postings cost, however
/// large the index.
const SPARSE_SHARE: f64 = 1.0 / 16.0;

/// Marks `doc` in a bit set of 64 documents to a word.
fn set_bit(bits: &mut [u64], doc: DocId) {
    bits[doc as usize / 64] |= 1 << (doc % 64);
}

/// The buffers of [`TreeQuery::collect_sum`], kept from segment to segment.
#[derive(Default)]
struct Union {
    /// Per document of the segment: its score so far.
    scores: Vec<Score>,
    /// Per document: whether a term matched it, 64 to a word.
    matched: Vec<u64>,
    /// Per document: whether the filter lets it through.
    allowed: Vec<u64>,
    /// Sparse segments: every posting as (document, score).
    pairs: Vec<(DocId, Score)>,
}

struct TermStats {
    term: Term,
    /// Index of its field in [`TreeWeight::fields`].
    field: usize,
    /// idf × (1 + k1).
    weight: Score,
}

struct FieldStats {
    field: Field,
    norms: Box<[Score; 256]>,
}

struct TreeWeight {
    tree: Arc<ScoreTree>,
    scoring: bool,
    terms: Vec<TermStats>,
    fields: Vec<FieldStats>,
    /// Per leaf: its term (index in `terms`) and its boost.
    leaves: Vec<(usize, Score)>,
    /// The terms as each segment of the searcher has them.
    segments: Vec<SegmentTerms>,
}

/// What one segment has of a query's terms.
struct SegmentTerms {
    id: SegmentId,
    /// Per field (as in [`TreeWeight::fields`]): the segment's index of it.
    indexes: Vec<Arc<InvertedIndexReader>>,
    /// Per term (as in [`TreeWeight::terms`]): its entry, if the segment
    /// has the term.
    infos: Vec<Option<TermInfo>>,
}

impl SegmentTerms {
    fn of(
        reader: &SegmentReader,
        terms: &[TermStats],
        fields: &[FieldStats],
    ) -> tantivy::Result<SegmentTerms> {
        let indexes = fields
            .iter()
            .map(|f| reader.inverted_index(f.field))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let infos = terms
            .iter()
            .map(|t| indexes[t.field].get_term_info(&t.term))
            .collect::<std::io::Result<Vec<_>>>()?;
        Ok(SegmentTerms {
            id: reader.segment_id(),
            indexes,
            infos,
        })
    }
}

/// One leaf's postings in a segment, scored.
struct LeafScorer<'a> {
    postings: SegmentPostings,
    lengths: Option<FieldNormReader>,
    norms: &'a [Score; 256],
    weight: Score,
}

impl LeafScorer<'_> {
    /// The score at `doc` if the term is there; postings only move forward,
    /// so documents are asked in order.
    fn score_at(&mut self, doc: DocId) -> Option<Score> {
        let mut at = self.postings.doc();
        if at < doc {
            at = self.postings.seek(doc);
        }
        (at == doc).then(|| self.score())
    }

    fn score(&self) -> Score {
        let tf = self.postings.term_freq() as Score;
        let norm = match &self.lengths {
            Some(lengths) => self.norms[lengths.fieldnorm_id(self.postings.doc()) as usize],
            None => 0.0,
        };
        self.weight * (tf / (tf + norm))
    }
}

impl TreeWeight {
    /// Where leaf `leaf`'s postings are in a segment (`None` if its term is
    /// not there): the field's index and the term's entry.
    fn locate(
        &self,
        reader: &SegmentReader,
        leaf: usize,
    ) -> tantivy::Result<Option<(Arc<InvertedIndexReader>, TermInfo)>> {
        let stats = &self.terms[self.leaves[leaf].0];
        let id = reader.segment_id();
        let (index, info) = match self.segments.iter().find(|s| s.id == id) {
            Some(segment) => (
                Arc::clone(&segment.indexes[stats.field]),
                segment.infos[self.leaves[leaf].0].clone(),
            ),
            None => {
                let index = reader.inverted_index(self.fields[stats.field].field)?;
                let info = index.get_term_info(&stats.term)?;
                (index, info)
            }
        };
        Ok(info.map(|info| (index, info)))
    }

    /// How many postings the leaves have in a segment (`None` if the
    /// weight did not look the segment up).
    fn postings_in(&self, reader: &SegmentReader) -> Option<u64> {
        let id = reader.segment_id();
        let segment = self.segments.iter().find(|s| s.id == id)?;
        Some(
            self.leaves
                .iter()
                .filter_map(|&(t, _)| segment.infos[t].as_ref())
                .map(|info| u64::from(info.doc_freq))
                .sum(),
        )
    }

    /// The postings option the leaves read with.
    fn option(&self) -> IndexRecordOption {
        if self.scoring {
            IndexRecordOption::WithFreqs
        } else {
            IndexRecordOption::Basic
        }
    }

    /// The lengths a leaf of `field` scores with (as tantivy's term
    /// scorer: a field without norms counts every document as one token
    /// long); `None` when not scoring.
    fn lengths(
        &self,
        reader: &SegmentReader,
        field: usize,
    ) -> tantivy::Result<Option<FieldNormReader>> {
        if !self.scoring {
            return Ok(None);
        }
        Ok(Some(
            reader
                .fieldnorms_readers()
                .get_field(self.fields[field].field)?
                .unwrap_or_else(|| FieldNormReader::constant(reader.max_doc(), 1)),
        ))
    }

    /// idf × (1 + k1) of leaf `leaf` times its boost times `boost`.
    fn leaf_weight(&self, leaf: usize, boost: Score) -> Score {
        let (t, b) = self.leaves[leaf];
        let boost = b * boost;
        if boost == 1.0 {
            self.terms[t].weight
        } else {
            self.terms[t].weight * boost
        }
    }

    /// The postings of leaf `leaf` in a segment (`None` if its term is not
    /// there), scored with the leaf's boost times `boost`.
    fn leaf(
        &self,
        reader: &SegmentReader,
        leaf: usize,
        boost: Score,
    ) -> tantivy::Result<Option<LeafScorer<'_>>> {
        let Some((index, info)) = self.locate(reader, leaf)? else {
            return Ok(None);
        };
        let field = self.terms[self.leaves[leaf].0].field;
        Ok(Some(LeafScorer {
            postings: index.read_postings_from_terminfo(&info, self.option())?,
            lengths: self.lengths(reader, field)?,
            norms: &self.fields[field].norms,
            weight: self.leaf_weight(leaf, boost),
        }))
    }

    /// The documents of a segment the tree matches, in order, with scores.
    fn matches(
        &self,
        reader: &SegmentReader,
        boost: Score,
    ) -> tantivy::Result<Vec<(DocId, Score)>> {
        Evaluation::new(self, reader, boost).node(&self.tree, 0)
    }
}

impl Weight for TreeWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        Ok(Box::new(Listed {
            matches: self.matches(reader, boost)?,
            at: 0,
        }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let mut scores = Vec::with_capacity(self.leaves.len());
        for leaf in 0..self.leaves.len() {
            let score = self.leaf(reader, leaf, 1.0)?;
            scores.push(score.and_then(|mut s| s.score_at(doc)));
        }
        match self.tree.score(&scores) {
            Some(score) => Ok(Explanation::new("wenda score tree", score)),
            None => Err(tantivy::TantivyError::InvalidArgument(format!(
                "document {doc} does not match"
            ))),
        }
    }

    fn for_each(
        &self,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score),
    ) -> tantivy::Result<()> {
        for (doc, score) in self.matches(reader, 1.0)? {
            callback(doc, score);
        }
        Ok(())
    }
}

/// A tree evaluated bottom-up over one segment: each node's matches as a
/// list in document order, combined child by child in the tree's order (the
/// order tantivy's scorers add in, so the floats agree).
struct Evaluation<'a> {
    weight: &'a TreeWeight,
    reader: &'a SegmentReader,
    boost: Score,
    /// The next leaf, in the order of [`ScoreTree::terms`].
    leaf: usize,
    /// One accumulator per depth of the tree (a node combines its children
    /// in its own while they use the ones below).
    accs: Vec<Accumulator>,
    /// Per field: a block reader and its lengths, reused from leaf to leaf
    /// (a fresh reader per leaf copied a kilobyte of buffers each time).
    blocks: Vec<Option<(BlockSegmentPostings, Option<FieldNormReader>)>>,
}

type Matches = Vec<(DocId, Score)>;

impl<'a> Evaluation<'a> {
    fn new(weight: &'a TreeWeight, reader: &'a SegmentReader, boost: Score) -> Evaluation<'a> {
        Evaluation {
            weight,
            reader,
            boost,
            leaf: 0,
            accs: Vec::new(),
            blocks: (0..weight.fields.len()).map(|_| None).collect(),
        }
    }

    fn node(&mut self, node: &ScoreTree, depth: usize) -> tantivy::Result<Matches> {
        match node {
            ScoreTree::Term(..) => {
                let mut out = Vec::new();
                self.leaf_into(|doc, score| out.push((doc, score)))?;
                Ok(out)
            }
            ScoreTree::Sum(children) => self.combine(children, depth, |_, total| total),
            ScoreTree::Max(children, tie) => {
                let tie = *tie;
                self.combine(children, depth, |max, total| max + (total - max) * tie)
            }
            ScoreTree::Required(must, optional) => {
                let must = self.node(must, depth)?;
                let extra = self.combine(optional, depth, |_, total| total)?;
                // Both lists are in document order: walk them together.
                let mut extra = extra.into_iter().peekable();
                Ok(must
                    .into_iter()
                    .map(|(doc, m)| {
                        while extra.next_if(|&(d, _)| d < doc).is_some() {}
                        match extra.next_if(|&(d, _)| d == doc) {
                            Some((_, o)) => (doc, m + o),
                            None => (doc, m),
                        }
                    })
                    .collect())
            }
        }
    }

    /// Every posting of the next leaf, scored, in document order (read a
    /// block at a time; the same scores as [`LeafScorer::score`]).
    fn leaf_into(&mut self, mut each: impl FnMut(DocId, Score)) -> tantivy::Result<()> {
        let leaf = self.leaf;
        self.leaf += 1;
        let weight = self.weight;
        let Some((index, info)) = weight.locate(self.reader, leaf)? else {
            return Ok(());
        };
        let field = weight.terms[weight.leaves[leaf].0].field;
        let slot = &mut self.blocks[field];
        match slot {
            Some((postings, _)) => index.reset_block_postings_from_terminfo(&info, postings)?,
            None => {
                let postings = index.read_block_postings_from_terminfo(&info, weight.option())?;
                *slot = Some((postings, weight.lengths(self.reader, field)?));
            }
        }
        let Some((postings, lengths)) = slot else {
            return Ok(());
        };
        let norms = &weight.fields[field].norms;
        let w = weight.leaf_weight(leaf, self.boost);
        loop {
            let docs = postings.docs();
            if docs.is_empty() {
                break;
            }
            match lengths {
                Some(lengths) => {
                    // `freq` rather than `freqs`: a field without
                    // frequencies reads as ones, as a posting's term
                    // frequency does.
                    for (i, &doc) in docs.iter().enumerate() {
                        let tf = postings.freq(i) as Score;
                        let norm = norms[lengths.fieldnorm_id(doc) as usize];
                        each(doc, w * (tf / (tf + norm)));
                    }
                }
                // Not scoring: every posting counts the leaf's weight (a
                // posting's score without lengths is weight × tf / tf).
                None => {
                    for &doc in docs {
                        each(doc, w);
                    }
                }
            }
            postings.advance();
        }
        Ok(())
    }

    /// The children's matches added up per document in the children's
    /// order, each finished by `finish(max, sum)`; term children are read
    /// straight from their postings.
    fn combine(
        &mut self,
        children: &[ScoreTree],
        depth: usize,
        finish: impl Fn(Score, Score) -> Score,
    ) -> tantivy::Result<Matches> {
        if self.accs.len() <= depth {
            self.accs.push(Accumulator::new(self.reader.max_doc()));
        }
        for child in children {
            if let ScoreTree::Term(..) = child {
                let mut acc = std::mem::take(&mut self.accs[depth]);
                let read = self.leaf_into(|doc, score| acc.add(doc, score));
                self.accs[depth] = acc;
                read?;
            } else {
                let list = self.node(child, depth + 1)?;
                let acc = &mut self.accs[depth];
                for (doc, score) in list {
                    acc.add(doc, score);
                }
            }
        }
        Ok(self.accs[depth].finish(finish))
    }
}

/// Per-document running maximum and sum over one segment.
#[derive(Default)]
struct Accumulator {
    max: Vec<Score>,
    total: Vec<Score>,
    seen: Vec<bool>,
    docs: Vec<DocId>,
}

impl Accumulator {
    fn new(max_doc: DocId) -> Accumulator {
        let n = max_doc as usize;
        Accumulator {
            max: vec![0.0; n],
            total: vec![0.0; n],
            seen: vec![false; n],
            docs: Vec::new(),
        }
    }

    fn add(&mut self, doc: DocId, score: Score) {
        let d = doc as usize;
        if !self.seen[d] {
            self.seen[d] = true;
            self.max[d] = 0.0;
            self.total[d] = 0.0;
            self.docs.push(doc);
        }
        self.max[d] = self.max[d].max(score);
        self.total[d] += score;
    }

    /// The documents added since the last call, each scored by
    /// `finish(max, sum)`, in document order; empties the accumulator.
    fn finish(&mut self, finish: impl Fn(Score, Score) -> Score) -> Matches {
        let mut out = Vec::with_capacity(self.docs.len());
        if self.docs.len() * 16 > self.seen.len() {
            // Many documents: reading the marks in order beats sorting.
            for (d, seen) in self.seen.iter_mut().enumerate() {
                if *seen {
                    *seen = false;
                    out.push((d as DocId, finish(self.max[d], self.total[d])));
                }
            }
        } else {
            self.docs.sort_unstable();
            for &doc in &self.docs {
                let d = doc as usize;
                self.seen[d] = false;
                out.push((doc, finish(self.max[d], self.total[d])));
            }
        }
        self.docs.clear();
        out
    }
}

/// Matches computed up front, handed out in order.
struct Listed {
    matches: Vec<(DocId, Score)>,
    at: usize,
}

impl DocSet for Listed {
    fn advance(&mut self) -> DocId {
        self.at = (self.at + 1).min(self.matches.len());
        self.doc()
    }

    fn doc(&self) -> DocId {
        self.matches.get(self.at).map_or(TERMINATED, |m| m.0)
    }

    fn size_hint(&self) -> u32 {
        (self.matches.len() - self.at) as u32
    }
}

impl Scorer for Listed {
    fn score(&mut self) -> Score {
        self.matches.get(self.at).map_or(0.0, |m| m.1)
    }
}
