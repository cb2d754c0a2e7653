//! wenda (问答): search and answers for Chinese help-centre content.
//!
//! Data flows one way: corpus files → [`article`] (pure parsing) →
//! [`analysis`] → [`index`] → [`search`] → HTTP ([`http`]) and CLI.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod analysis;
pub mod answer;
pub mod article;
pub mod assist;
pub mod config;
pub mod corpus;
mod error;
pub mod eval;
pub mod http;
pub mod index;
pub mod journal;
pub mod live;
pub mod search;

pub use error::{Error, Result};
