//! The crate-wide error type.

use std::path::PathBuf;

/// Everything that can go wrong inside wenda outside of per-file corpus
/// problems (those are [`crate::corpus::Warning`]s, never errors).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file or directory could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The search index could not be created, opened or queried.
    #[error("index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// An index directory exists but was not written by this version of wenda.
    #[error("{path}: {reason}; run `wenda ingest` to rebuild it")]
    IncompatibleIndex {
        /// The index directory.
        path: PathBuf,
        /// What does not match.
        reason: String,
    },
    /// A corpus directory given on the command line does not exist.
    #[error("corpus directory {0} does not exist or is not a directory")]
    MissingCorpus(PathBuf),
    /// A request's deadline passed before its work was done.
    #[error("the request took too long and was stopped")]
    Timeout,
    /// A configuration value or input file is not usable.
    #[error("{0}")]
    Invalid(String),
    /// JSON (de)serialisation of a stored artefact failed.
    #[error("{context}: {source}")]
    Json {
        /// What was being read or written.
        context: String,
        /// The underlying serde_json error.
        source: serde_json::Error,
    },
}

impl Error {
    /// Wraps an I/O error with the path it happened on.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
