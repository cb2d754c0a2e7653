//! wenda's integration tests: one binary, one module per area.

mod api;
mod cli;
mod common;
mod ingest;
mod relevance;
mod structure;
