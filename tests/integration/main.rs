//! wenda's integration tests: one binary, one module per area.

mod admin;
mod answer;
mod api;
mod architecture;
mod assist;
mod boundary;
mod cli;
mod common;
mod config;
mod dify;
mod feedback;
mod harness;
mod hostile;
mod ingest;
mod learned;
mod metrics;
mod mined;
mod openapi;
mod properties;
mod relevance;
mod reload;
mod replicas;
mod server;
mod structure;
