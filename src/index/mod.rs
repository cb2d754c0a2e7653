//! The index directory: tantivy's schema and files, everything serving
//! needs prepared beside them at ingest (per-article entries, bodies,
//! lexicon, duplicate groups, topic tree), building it from a corpus, and
//! the manifest that says what it was built from.

pub mod build;
pub mod catalog;
pub mod dedupe;
pub mod lexicon;
pub mod manifest;
pub mod suggest;

use std::sync::Arc;

use tantivy::schema::{
    FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::TextAnalyzer;

use crate::analysis::chinese::NORMALIZED_TOKENIZER_NAME;
use crate::analysis::ngram::{GRAM_TOKENIZER_NAME, GramTokenizer, NORMALIZED_GRAM_TOKENIZER_NAME};
use crate::analysis::{Analyzer, ChineseTokenizer, TOKENIZER_NAME};

pub use build::{BuildReport, build_index, build_index_with};
pub use catalog::Catalog;
pub use manifest::{Manifest, Staleness, staleness, staleness_with};

/// Name of the file, inside the index directory, that describes the build.
pub const MANIFEST_FILE: &str = "wenda.json";

/// Version of the index layout and of what ingest prepares with the
/// analysis (question words, title units); a different version means rebuild.
pub const FORMAT_VERSION: u32 = 14;

/// Handles to the schema's fields.
#[derive(Debug, Clone, Copy)]
pub struct Fields {
    /// The article id, indexed whole.
    pub id: Field,
    /// Position of the article in the catalog (fast field).
    pub ord: Field,
    /// Title text.
    pub title: Field,
    /// Alternative questions.
    pub questions: Field,
    /// Section headings.
    pub headings: Field,
    /// Step texts and console paths.
    pub steps: Field,
    /// Body text, normalised by ingest before it is indexed.
    pub body: Field,
    /// Character n-grams of title and questions.
    pub title_grams: Field,
    /// Character n-grams of the body (which holds headings and steps),
    /// normalised by ingest before it is indexed.
    pub body_grams: Field,
    /// Topic path as a facet.
    pub topic: Field,
    /// Corpus name, indexed whole.
    pub corpus: Field,
    /// The whole article as JSON, stored only.
    pub source: Field,
}

impl Fields {
    /// Finds the fields in an existing schema.
    pub fn from_schema(schema: &Schema) -> tantivy::Result<Fields> {
        let f = |name: &str| schema.get_field(name);
        Ok(Fields {
            id: f("id")?,
            ord: f("ord")?,
            title: f("title")?,
            questions: f("questions")?,
            headings: f("headings")?,
            steps: f("steps")?,
            body: f("body")?,
            title_grams: f("title_grams")?,
            body_grams: f("body_grams")?,
            topic: f("topic")?,
            corpus: f("corpus")?,
            source: f("source")?,
        })
    }

    /// The text fields searched by queries.
    pub fn text_fields(&self) -> [Field; 5] {
        [
            self.title,
            self.questions,
            self.headings,
            self.steps,
            self.body,
        ]
    }
}

/// The index schema.
pub fn schema() -> Schema {
    let mut b = Schema::builder();
    let text_with = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        )
    };
    let text = text_with(TOKENIZER_NAME);
    b.add_text_field("id", STRING);
    b.add_u64_field("ord", FAST | INDEXED);
    b.add_text_field("title", text.clone());
    b.add_text_field("questions", text.clone());
    b.add_text_field("headings", text.clone());
    b.add_text_field("steps", text.clone());
    b.add_text_field("body", text_with(NORMALIZED_TOKENIZER_NAME));
    let grams_with = |tokenizer: &str| {
        TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(tokenizer)
                .set_index_option(IndexRecordOption::WithFreqs),
        )
    };
    b.add_text_field("title_grams", grams_with(GRAM_TOKENIZER_NAME));
    b.add_text_field("body_grams", grams_with(NORMALIZED_GRAM_TOKENIZER_NAME));
    b.add_facet_field("topic", FacetOptions::default());
    b.add_text_field("corpus", STRING);
    b.add_text_field("source", STORED);
    b.build()
}

/// Registers the Chinese analyzer under [`TOKENIZER_NAME`], the n-gram
/// tokenizer under [`GRAM_TOKENIZER_NAME`], and both for normalised text.
pub fn register_analyzer(index: &tantivy::Index, analyzer: Arc<Analyzer>) {
    let tokenizers = index.tokenizers();
    tokenizers.register(
        TOKENIZER_NAME,
        TextAnalyzer::from(ChineseTokenizer::new(analyzer.clone())),
    );
    tokenizers.register(
        NORMALIZED_TOKENIZER_NAME,
        TextAnalyzer::from(ChineseTokenizer::for_normalized(analyzer)),
    );
    tokenizers.register(
        GRAM_TOKENIZER_NAME,
        TextAnalyzer::from(GramTokenizer::default()),
    );
    tokenizers.register(
        NORMALIZED_GRAM_TOKENIZER_NAME,
        TextAnalyzer::from(GramTokenizer::normalized()),
    );
}
