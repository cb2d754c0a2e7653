//! The crate-wide error type: each variant says what happened — bad input,
//! a corrupt or incompatible index, I/O on a named file, the terminal, the
//! network — so callers (the CLI, the HTTP layer) can tell them apart.

use std::net::SocketAddr;
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
    /// Reading the terminal or writing to it failed (`stream` is `stdin`,
    /// `stdout` or `stderr`).
    #[error("{stream}: {source}")]
    Terminal {
        /// Which standard stream.
        stream: &'static str,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The async runtime could not be started.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// The server could not listen on its address.
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        /// The address asked for.
        addr: SocketAddr,
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
    /// The index was written by this version but its contents do not hold
    /// together (a bug or a damaged directory, not the user's input).
    #[error("the index is corrupt: {0}; run `wenda ingest` to rebuild it")]
    CorruptIndex(String),
    /// A corpus directory given on the command line does not exist.
    #[error("corpus directory {0} does not exist or is not a directory")]
    MissingCorpus(PathBuf),
    /// Input from the user — a flag, a configuration value, a query file —
    /// is not usable.
    #[error("{0}")]
    Invalid(String),
    /// The work's deadline passed before it finished (the request timed out).
    #[error("deadline exceeded")]
    DeadlineExceeded,
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

    /// Wraps a JSON error with what was being read or written
    /// (`.map_err(Error::json("manifest"))`).
    pub fn json(context: impl std::fmt::Display) -> impl FnOnce(serde_json::Error) -> Self {
        move |source| Error::Json {
            context: context.to_string(),
            source,
        }
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
