//! Topic counts over every match of a query. Each document has one topic
//! path; which one is read from the index once, when the engine opens, so
//! counting a match is one array read and one increment (tantivy's facet
//! collector reads the facet column for every match, an eighth of a
//! search over 100,000 articles).

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use tantivy::collector::{Collector, SegmentCollector};
use tantivy::schema::{Facet, Field};
use tantivy::{DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// No topic.
const NONE: u32 = u32::MAX;

/// The topic of every document, per segment: an index into `paths`.
#[derive(Debug, Default)]
pub struct Topics {
    pub(super) paths: Vec<Vec<String>>,
    by_segment: HashMap<tantivy::index::SegmentId, Arc<[u32]>>,
}

impl Topics {
    /// Reads the topic facet of every document of `searcher`.
    pub fn read(searcher: &Searcher, field: Field) -> tantivy::Result<Topics> {
        let mut topics = Topics::default();
        let mut ids: HashMap<String, u32> = HashMap::new();
        let name = searcher.schema().get_field_name(field).to_string();
        for reader in searcher.segment_readers() {
            let facets = reader.facet_reader(&name)?;
            let mut local: Vec<u32> = vec![NONE; facets.num_facets()];
            let mut facet = Facet::root();
            let mut of_doc = Vec::with_capacity(reader.max_doc() as usize);
            for doc in 0..reader.max_doc() {
                let id = match facets.facet_ords(doc).next() {
                    Some(ord) => {
                        let slot = &mut local[ord as usize];
                        if *slot == NONE {
                            facets.facet_from_ord(ord, &mut facet)?;
                            let path = facet.to_path_string();
                            let next = topics.paths.len() as u32;
                            *slot = *ids.entry(path).or_insert_with(|| {
                                topics
                                    .paths
                                    .push(facet.to_path().into_iter().map(String::from).collect());
                                next
                            });
                        }
                        *slot
                    }
                    None => NONE,
                };
                of_doc.push(id);
            }
            topics
                .by_segment
                .insert(reader.segment_id(), Arc::from(of_doc));
        }
        Ok(topics)
    }

    /// A collector of the matches and of the counts of topics one level
    /// below `root` (the top level for an empty root) over them.
    pub fn counter<'a>(&'a self, root: &'a [String]) -> TopicCounter<'a> {
        TopicCounter { topics: self, root }
    }
}

/// Counts matches per topic (see [`Topics::counter`]).
pub struct TopicCounter<'a> {
    topics: &'a Topics,
    root: &'a [String],
}

/// A segment's share of a [`TopicCounter`].
pub struct SegmentTopicCounter {
    of_doc: Arc<[u32]>,
    counts: Vec<u32>,
    matches: usize,
}

impl Collector for TopicCounter<'_> {
    /// The matches, and each child of the root (its whole path) with its
    /// count.
    type Fruit = (usize, Vec<(Vec<String>, u64)>);
    type Child = SegmentTopicCounter;

    fn for_segment(
        &self,
        _: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTopicCounter> {
        let of_doc = self
            .topics
            .by_segment
            .get(&reader.segment_id())
            .cloned()
            .ok_or_else(|| {
                tantivy::TantivyError::InternalError("segment opened after the engine".into())
            })?;
        Ok(SegmentTopicCounter {
            of_doc,
            counts: vec![0; self.topics.paths.len()],
            matches: 0,
        })
    }

    fn requires_scoring(&self) -> bool {
        false
    }

    /// Counts per child of the root, by its last path component.
    fn merge_fruits(&self, segments: Vec<(Vec<u32>, usize)>) -> tantivy::Result<Self::Fruit> {
        let depth = self.root.len();
        let mut children: BTreeMap<&str, u64> = BTreeMap::new();
        let matches = segments.iter().map(|(_, n)| n).sum();
        for (counts, _) in &segments {
            for (id, &count) in counts.iter().enumerate() {
                let path = &self.topics.paths[id];
                if count == 0 || path.len() <= depth || path[..depth] != *self.root {
                    continue;
                }
                *children.entry(path[depth].as_str()).or_default() += u64::from(count);
            }
        }
        let children = children
            .into_iter()
            .map(|(child, count)| {
                let mut path = self.root.to_vec();
                path.push(child.to_string());
                (path, count)
            })
            .collect();
        Ok((matches, children))
    }
}

impl SegmentCollector for SegmentTopicCounter {
    type Fruit = (Vec<u32>, usize);

    fn collect(&mut self, doc: DocId, _: Score) {
        self.matches += 1;
        if let Some(&id) = self.of_doc.get(doc as usize)
            && id != NONE
        {
            self.counts[id as usize] += 1;
        }
    }

    fn harvest(self) -> (Vec<u32>, usize) {
        (self.counts, self.matches)
    }
}
