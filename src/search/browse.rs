//! Browsing: the articles under a topic, in corpus order (the order of
//! the table of contents where there is one), a page at a time.

use tantivy::Term;
use tantivy::collector::DocSetCollector;
use tantivy::query::TermQuery;
use tantivy::schema::{Facet, IndexRecordOption};

use super::{Engine, Entry};
use crate::Result;

/// One page of the articles under a topic.
#[derive(Debug)]
pub struct Listing<'a> {
    /// Articles under the topic in all.
    pub total: usize,
    /// The page: each article's ordinal and entry.
    pub entries: Vec<(usize, &'a Entry)>,
}

impl Engine {
    /// The articles under `topic` (all articles without one), skipping
    /// `offset` and keeping `limit`.
    pub fn browse(
        &self,
        topic: Option<&[String]>,
        offset: usize,
        limit: usize,
    ) -> Result<Listing<'_>> {
        let page = |ords: &mut dyn Iterator<Item = usize>| -> Vec<(usize, &Entry)> {
            ords.skip(offset)
                .take(limit)
                .filter_map(|o| self.catalog.entry(o).map(|e| (o, e)))
                .collect()
        };
        let Some(topic) = topic.filter(|t| !t.is_empty()) else {
            let total = self.catalog.len();
            return Ok(Listing {
                total,
                entries: page(&mut (0..total)),
            });
        };
        let query = TermQuery::new(
            Term::from_facet(self.fields.topic, &Facet::from_path(topic)),
            IndexRecordOption::Basic,
        );
        let docs = self.reader.searcher().search(&query, &DocSetCollector)?;
        let mut ords: Vec<usize> = docs
            .into_iter()
            .filter_map(|addr| self.catalog.ord_at(addr))
            .collect();
        ords.sort_unstable();
        Ok(Listing {
            total: ords.len(),
            entries: page(&mut ords.into_iter()),
        })
    }
}
