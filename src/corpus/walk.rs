//! The corpus boundary: which files under a corpus root are read, and how.
//!
//! The walk (walkdir) does not follow symbolic links unless asked to, and
//! then only to targets inside the corpus root; it reads regular files only
//! (never FIFOs, sockets or devices), stops at a depth limit, notices loops,
//! and reads no file past a size limit. Everything it leaves out is a
//! [`Warning`] naming the file.

use std::collections::HashSet;
use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use walkdir::WalkDir;

use super::Warning;

/// Largest file read by default: 10 MiB.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 10 * 1024 * 1024;
/// Deepest directory level read by default (the root is level 0).
pub const DEFAULT_MAX_DEPTH: usize = 32;

/// How far loading may reach into the file system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadOptions {
    /// Follow symbolic links whose target lies inside the corpus root.
    /// Off by default: every link is then a warning.
    pub follow_links: bool,
    /// Files larger than this many bytes are skipped with a warning.
    pub max_file_size: u64,
    /// Directories deeper than this are not read (with a warning).
    pub max_depth: usize,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            follow_links: false,
            max_file_size: DEFAULT_MAX_FILE_SIZE,
            max_depth: DEFAULT_MAX_DEPTH,
        }
    }
}

impl LoadOptions {
    /// The options as a short stable string, recorded with the index so
    /// that a change of rules rebuilds it.
    pub fn rules(&self) -> String {
        format!(
            "links={};max_file_size={};max_depth={}",
            if self.follow_links { "inside" } else { "no" },
            self.max_file_size,
            self.max_depth
        )
    }
}

/// A regular file the walk accepted.
#[derive(Debug, Clone)]
pub struct FoundFile {
    /// The path under the root as walked (what warnings and ids use).
    pub path: PathBuf,
    /// What to open: the walked path, or the checked target of a link.
    pub open: PathBuf,
    /// Size in bytes when listed.
    pub len: u64,
    /// Modification time when listed.
    pub modified: Option<SystemTime>,
}

fn warn(warnings: &mut Vec<Warning>, path: &Path, message: impl Into<String>) {
    warnings.push(Warning {
        file: path.display().to_string(),
        line: None,
        message: message.into(),
    });
}

fn is_hidden(entry: &walkdir::DirEntry) -> bool {
    entry.depth() > 0 && entry.file_name().to_string_lossy().starts_with('.')
}

/// What kind of non-regular file a file type is, in words.
fn kind_of(ft: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_block_device() || ft.is_char_device() {
            return "a device";
        }
    }
    if ft.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

/// Lists the regular files of a corpus directory, sorted by path, skipping
/// hidden entries. Links, special files, too-deep directories, loops and
/// unreadable directories become warnings.
pub fn list_files(
    root: &Path,
    options: &LoadOptions,
    warnings: &mut Vec<Warning>,
) -> Vec<FoundFile> {
    let canonical_root = match root.canonicalize() {
        Ok(r) => r,
        Err(e) => {
            warn(warnings, root, format!("directory cannot be read: {e}"));
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    // With links followed, each directory a link leads to is read through
    // one link only, so that links cannot multiply the walk.
    let mut linked_dirs: HashSet<PathBuf> = HashSet::new();
    let mut walk = WalkDir::new(root)
        .follow_links(options.follow_links)
        .max_depth(options.max_depth)
        .sort_by_file_name()
        .into_iter();
    while let Some(next) = walk.next() {
        let entry = match next {
            Ok(e) => e,
            Err(e) => {
                let path = e.path().unwrap_or(root).to_path_buf();
                let message = match (e.loop_ancestor(), e.io_error()) {
                    (Some(ancestor), _) => format!(
                        "symbolic link loop back to {}; not followed",
                        ancestor.display()
                    ),
                    (None, Some(io)) if io.kind() == std::io::ErrorKind::NotFound => {
                        "broken symbolic link; skipped".to_string()
                    }
                    (None, Some(io)) => format!("cannot be read: {io}"),
                    (None, None) => format!("cannot be read: {e}"),
                };
                warn(warnings, &path, message);
                continue;
            }
        };
        if is_hidden(&entry) {
            if entry.file_type().is_dir() {
                walk.skip_current_dir();
            }
            continue;
        }
        let ft = entry.file_type();
        let mut open = entry.path().to_path_buf();
        if entry.depth() > 0 && entry.path_is_symlink() {
            if !options.follow_links {
                warn(
                    warnings,
                    entry.path(),
                    "symbolic link not followed (--follow-links allows links inside the corpus)",
                );
                continue;
            }
            match entry.path().canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) => open = target,
                Ok(target) => {
                    warn(
                        warnings,
                        entry.path(),
                        format!(
                            "symbolic link to {}, outside the corpus; not followed",
                            target.display()
                        ),
                    );
                    if ft.is_dir() {
                        walk.skip_current_dir();
                    }
                    continue;
                }
                Err(e) => {
                    warn(warnings, entry.path(), format!("broken symbolic link: {e}"));
                    if ft.is_dir() {
                        walk.skip_current_dir();
                    }
                    continue;
                }
            }
        }
        if ft.is_dir() {
            if open != entry.path() && !linked_dirs.insert(open.clone()) {
                warn(
                    warnings,
                    entry.path(),
                    format!(
                        "directory {} already read through another link; not read again",
                        open.display()
                    ),
                );
                walk.skip_current_dir();
                continue;
            }
            if entry.depth() > 0 && entry.depth() >= options.max_depth {
                warn(
                    warnings,
                    entry.path(),
                    format!(
                        "directory more than {} levels deep; not read",
                        options.max_depth
                    ),
                );
            }
            continue;
        }
        if !ft.is_file() {
            warn(
                warnings,
                entry.path(),
                format!("{}, not a regular file; skipped", kind_of(ft)),
            );
            continue;
        }
        let meta = entry.metadata().ok();
        out.push(FoundFile {
            path: entry.path().to_path_buf(),
            open,
            len: meta.as_ref().map_or(0, |m| m.len()),
            modified: meta.and_then(|m| m.modified().ok()),
        });
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    out
}

/// Opens a listed file for reading without following a link swapped in
/// since the walk (unless links are followed) and without blocking on a
/// FIFO swapped in since the walk.
fn open(path: &Path, options: &LoadOptions) -> std::io::Result<File> {
    let mut open = std::fs::OpenOptions::new();
    open.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if !options.follow_links {
            flags |= libc::O_NOFOLLOW;
        }
        open.custom_flags(flags);
    }
    #[cfg(not(unix))]
    let _ = options;
    open.open(path)
}

/// Reads a listed file as UTF-8 text, at most `max_file_size` bytes of it.
/// Unreadable, oversized, non-regular, non-UTF-8 and empty files are
/// warnings (under `shown`).
pub fn read_text(
    file: &FoundFile,
    shown: &str,
    options: &LoadOptions,
    warnings: &mut Vec<Warning>,
) -> Option<String> {
    let warn = |warnings: &mut Vec<Warning>, line: Option<usize>, message: String| {
        warnings.push(Warning {
            file: shown.to_string(),
            line,
            message,
        })
    };
    let max = options.max_file_size;
    let too_big = |len: u64| {
        format!("file is {len} bytes, over the limit of {max} bytes (--max-file-size); skipped")
    };
    if file.len > max {
        warn(warnings, None, too_big(file.len));
        return None;
    }
    let handle = match open(&file.open, options) {
        Ok(h) => h,
        Err(e) => {
            warn(warnings, None, format!("cannot be read: {e}"));
            return None;
        }
    };
    match handle.metadata() {
        Ok(m) if !m.is_file() => {
            warn(
                warnings,
                None,
                format!("{}, not a regular file; skipped", kind_of(m.file_type())),
            );
            return None;
        }
        Ok(m) if m.len() > max => {
            warn(warnings, None, too_big(m.len()));
            return None;
        }
        Ok(_) => {}
        Err(e) => {
            warn(warnings, None, format!("cannot be read: {e}"));
            return None;
        }
    }
    let mut bytes = Vec::with_capacity(file.len.min(max) as usize);
    if let Err(e) = handle.take(max.saturating_add(1)).read_to_end(&mut bytes) {
        warn(warnings, None, format!("cannot be read: {e}"));
        return None;
    }
    if bytes.len() as u64 > max {
        warn(
            warnings,
            None,
            format!("file grew past the limit of {max} bytes while being read; skipped"),
        );
        return None;
    }
    match String::from_utf8(bytes) {
        Ok(text) if text.trim().is_empty() => {
            warn(warnings, None, "file is empty".into());
            None
        }
        Ok(text) => Some(text),
        Err(e) => {
            let valid = e.utf8_error().valid_up_to();
            let line = e.as_bytes()[..valid]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            warn(
                warnings,
                Some(line),
                format!("not valid UTF-8 (byte {valid}); save the file as UTF-8"),
            );
            None
        }
    }
}
