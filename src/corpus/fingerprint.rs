//! A cheap summary of a corpus directory's files, to tell whether an index
//! built from it is out of date.

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use super::walk::{LoadOptions, list_files};

/// Count, total size and newest modification time of a corpus's files, and
/// the rules they were read under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Fingerprint {
    /// Number of files.
    pub files: u64,
    /// Sum of their sizes in bytes.
    pub bytes: u64,
    /// Newest modification time, nanoseconds since the Unix epoch.
    pub newest_mtime_ns: u128,
    /// [`LoadOptions::rules`] of the walk (empty in indexes built before
    /// it was recorded, which therefore count as stale).
    #[serde(default)]
    pub rules: String,
}

/// Fingerprints the files under `root` that loading with `options` would
/// look at (the same walk: hidden entries, links and special files excluded
/// by the same rules).
pub fn fingerprint(root: &Path, options: &LoadOptions) -> Fingerprint {
    let mut ignored = Vec::new();
    let mut fp = Fingerprint {
        rules: options.rules(),
        ..Fingerprint::default()
    };
    for file in list_files(root, options, &mut ignored) {
        fp.files += 1;
        fp.bytes += file.len;
        let mtime = file
            .modified
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
        let o = LoadOptions::default();
        let before = fingerprint(dir.path(), &o);
        assert_eq!(before.files, 1);
        std::fs::write(dir.path().join("b.md"), "# b\n\ntext").unwrap();
        let after = fingerprint(dir.path(), &o);
        assert_ne!(before, after);
        std::fs::write(dir.path().join(".hidden"), "x").unwrap();
        assert_eq!(fingerprint(dir.path(), &o).files, 2);
    }

    #[test]
    fn changes_with_the_rules() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.md"), "# a\n\ntext").unwrap();
        let default = fingerprint(dir.path(), &LoadOptions::default());
        let raised = LoadOptions {
            max_file_size: 1 << 30,
            ..LoadOptions::default()
        };
        assert_ne!(default, fingerprint(dir.path(), &raised));
    }
}
