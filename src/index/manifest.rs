//! `wenda.json` in the index directory: what the index was built from, so a
//! server can tell whether it is out of date and query with the vocabulary
//! it was built with.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{FORMAT_VERSION, MANIFEST_FILE};
use crate::analysis::Vocabulary;
use crate::corpus::LoadOptions;
use crate::corpus::fingerprint::{Fingerprint, fingerprint};
use crate::{Error, Result};

/// One corpus directory the index was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CorpusEntry {
    /// The corpus name (knowledge id).
    pub name: String,
    /// Canonical path of the directory at build time.
    pub path: PathBuf,
    /// Its files at build time.
    pub fingerprint: Fingerprint,
}

/// What an index was built from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] at build time.
    pub format: u32,
    /// The wenda version that built it.
    pub wenda_version: String,
    /// Fingerprint of the built-in vocabulary (dictionary and synonyms)
    /// compiled into the wenda that built it.
    #[serde(default)]
    pub defaults: u64,
    /// The corpus directories, in order.
    pub corpora: Vec<CorpusEntry>,
    /// Number of articles indexed.
    pub articles: usize,
    /// Vocabulary used for analysis.
    pub vocabulary: Vocabulary,
}

impl Manifest {
    /// Reads the manifest of an index directory.
    pub fn read(index_dir: &Path) -> Result<Manifest> {
        let path = index_dir.join(MANIFEST_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
        serde_json::from_str(&text).map_err(|source| Error::Json {
            context: path.display().to_string(),
            source,
        })
    }

    /// Writes the manifest into an index directory.
    pub fn write(&self, index_dir: &Path) -> Result<()> {
        let path = index_dir.join(MANIFEST_FILE);
        let text = serde_json::to_string_pretty(self).map_err(|source| Error::Json {
            context: path.display().to_string(),
            source,
        })?;
        std::fs::write(&path, text).map_err(|e| Error::io(&path, e))
    }
}

/// Canonical form of a corpus path, for comparing builds.
pub fn canonical(dir: &Path) -> PathBuf {
    dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf())
}

/// Whether an index can serve the given corpora as they are now.
#[derive(Debug, Clone, PartialEq)]
pub enum Staleness {
    /// Built from these corpora and nothing changed since.
    Fresh,
    /// No index (or no manifest) in the directory.
    Missing,
    /// Built, but from something else or from older files.
    Stale(String),
}

/// Compares an index directory with the corpora it should serve.
pub fn staleness(index_dir: &Path, corpora: &[PathBuf]) -> Staleness {
    staleness_with(index_dir, corpora, &LoadOptions::default())
}

/// [`staleness`] for corpora read within the limits of `options`.
pub fn staleness_with(index_dir: &Path, corpora: &[PathBuf], options: &LoadOptions) -> Staleness {
    if !index_dir.join(MANIFEST_FILE).is_file() {
        return Staleness::Missing;
    }
    let manifest = match Manifest::read(index_dir) {
        Ok(m) => m,
        Err(e) => return Staleness::Stale(format!("manifest unreadable ({e})")),
    };
    if manifest.defaults != crate::analysis::vocabulary::defaults_fingerprint() {
        return Staleness::Stale("built with another built-in vocabulary".into());
    }
    if manifest.format != FORMAT_VERSION {
        return Staleness::Stale(format!(
            "index format {} differs from {FORMAT_VERSION}",
            manifest.format
        ));
    }
    let wanted: Vec<PathBuf> = corpora.iter().map(|c| canonical(c)).collect();
    let built: Vec<PathBuf> = manifest.corpora.iter().map(|c| c.path.clone()).collect();
    if wanted != built {
        return Staleness::Stale("built from other corpus directories".into());
    }
    for entry in &manifest.corpora {
        if fingerprint(&entry.path, options) != entry.fingerprint {
            return Staleness::Stale(format!("{} changed since the build", entry.path.display()));
        }
    }
    Staleness::Fresh
}
