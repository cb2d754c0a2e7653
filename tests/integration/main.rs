//! wenda's integration tests: one binary, one module per area.

mod answer;
mod api;
mod assist;
mod cli;
mod common;
mod dify;
mod feedback;
mod hostile;
mod ingest;
mod openapi;
mod properties;
mod relevance;
mod server;
mod structure;
