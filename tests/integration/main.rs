//! wenda's integration tests: one binary, one module per area.

mod api;
mod common;
mod ingest;
