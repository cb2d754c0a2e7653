//! A cheap summary of a corpus directory's files, to tell whether an index
//! built from it is out of date.

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::list_files;

/// Count, total size and newest modification time of a corpus's files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Fingerprint {
    /// Number of files.
    pub files: u64,
    /// Sum of their sizes in bytes.
    pub bytes: u64,
    /// Newest modification time, nanoseconds since the Unix epoch.
    pub newest_mtime_ns: u128,
}

/// Fingerprints the files under `root` (hidden entries excluded, as in loading).
pub fn fingerprint(root: &Path) -> Fingerprint {
    let mut ignored = Vec::new();
    let mut fp = Fingerprint::default();
    for path in list_files(root, &mut ignored) {
        let Ok(meta) = std::fs::metadata(&path) else {
            continue;
        };
        fp.files += 1;
        fp.bytes += meta.len();
        let mtime = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_nanos());
        fp.newest_mtime_ns = fp.newest_mtime_ns.max(mtime);
    }
    fp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_when_a_file_is_added_or_edited() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "# a\n\ntext").unwrap();
        let before = fingerprint(dir.path());
        assert_eq!(before.files, 1);
        std::fs::write(dir.path().join("b.md"), "# b\n\ntext").unwrap();
        let after = fingerprint(dir.path());
        assert_ne!(before, after);
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        assert_eq!(fingerprint(dir.path()).files, 2);
    }
}
