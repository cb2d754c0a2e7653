//! The live index on disk: generations behind one pointer.
//!
//! The index path a user names (`--index index`, by default `index`) is a
//! symbolic link to the current *generation*, a complete index directory
//! beside it (`index.gen-000007`). A build never writes into the
//! directory being served: it reserves the next generation, builds into
//! it ([`crate::index::build_index`]), and only a complete, validated
//! generation is published by replacing the link (a new link renamed
//! over the old one, which is atomic). Whoever opens the index path —
//! a server starting, a server following the pointer, `wenda search` —
//! sees either the old generation or the new one, whole.
//!
//! Every writer works this way (`wenda ingest`, a server's `--watch`,
//! `POST /api/admin/reindex`, SIGHUP), so one `wenda ingest` can build the
//! index that several servers share: they follow the link (see
//! `http::reload`). An index directory of the layout before generations
//! (a plain directory at the index path) is moved into the first
//! generation when a new one is published.
//!
//! Old generations are removed once they are `keep` generations behind;
//! a process still reading one keeps its open files (Unix semantics).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::index::BuildReport;
use crate::{Error, Result};

/// Generations kept behind the current one unless told otherwise.
pub const DEFAULT_KEEP: usize = 2;

/// The parent directory and file name of an index path.
fn split(link: &Path) -> Result<(PathBuf, String)> {
    let name = link
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "index path {} must name a directory (not `/` or `..`)",
                link.display()
            ))
        })?;
    let parent = match link.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((parent, name))
}

/// The directory of generation `n` of `link`.
fn generation_dir(parent: &Path, name: &str, n: u64) -> PathBuf {
    parent.join(format!("{name}.gen-{n:06}"))
}

/// The generation number of a directory named `{name}.gen-N`.
fn generation_number(file_name: &str, name: &str) -> Option<u64> {
    file_name
        .strip_prefix(name)?
        .strip_prefix(".gen-")?
        .parse()
        .ok()
}

/// The generations of `link` on disk, oldest first.
pub fn generations(link: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let (parent, name) = split(link)?;
    let entries = match std::fs::read_dir(&parent) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&parent, e)),
    };
    let mut found: Vec<(u64, PathBuf)> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let n = generation_number(&e.file_name().to_string_lossy(), &name)?;
            Some((n, e.path()))
        })
        .collect();
    found.sort();
    Ok(found)
}

/// The directory the index path stands for now: the generation its link
/// points to, or the path itself when it is a plain index directory
/// (the layout before generations); `None` when there is nothing there.
pub fn current(link: &Path) -> Option<PathBuf> {
    let meta = std::fs::symlink_metadata(link).ok()?;
    if meta.file_type().is_symlink() {
        let target = std::fs::read_link(link).ok()?;
        let dir = if target.is_relative() {
            // The same parent `build` and `publish` use, so that paths compare equal.
            split(link).ok()?.0.join(target)
        } else {
            target
        };
        return dir.is_dir().then_some(dir);
    }
    meta.is_dir().then(|| link.to_path_buf())
}

/// Reserves the next generation directory (created empty, so that two
/// builders never pick the same one).
fn reserve(link: &Path) -> Result<PathBuf> {
    let (parent, name) = split(link)?;
    std::fs::create_dir_all(&parent).map_err(|e| Error::io(&parent, e))?;
    let mut n = generations(link)?.last().map_or(1, |(n, _)| n + 1);
    loop {
        let dir = generation_dir(&parent, &name, n);
        match std::fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
            Err(e) => return Err(Error::io(&dir, e)),
        }
    }
}

/// Builds a new generation of `link` from `corpora`, without publishing
/// it. On failure nothing is left behind.
pub fn build(
    corpora: &[PathBuf],
    link: &Path,
    options: &crate::corpus::LoadOptions,
    progress: Option<crate::index::build::Progress<'_>>,
) -> Result<(PathBuf, BuildReport)> {
    let dir = reserve(link)?;
    match crate::index::build_index_with(corpora, &dir, options, progress) {
        Ok(report) => Ok((dir, report)),
        Err(e) => {
            discard(&dir);
            Err(e)
        }
    }
}

/// Removes a generation that was built but not published.
pub fn discard(dir: &Path) {
    if let Err(e) = std::fs::remove_dir_all(dir) {
        tracing::warn!(dir = %dir.display(), error = %e, "could not remove an unused index generation");
    }
}

/// Makes `generation` the one `link` stands for, atomically.
#[cfg(unix)]
pub fn publish(link: &Path, generation: &Path) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let (parent, name) = split(link)?;
    let target = generation
        .file_name()
        .ok_or_else(|| Error::Invalid(format!("{} is not a generation", generation.display())))?;
    if let Ok(meta) = std::fs::symlink_metadata(link)
        && meta.is_dir()
    {
        adopt_plain_directory(link, &parent, &name)?;
    }
    let tmp = parent.join(format!(
        ".{name}.link-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_file(&tmp);
    std::os::unix::fs::symlink(target, &tmp).map_err(|e| Error::io(&tmp, e))?;
    if let Err(e) = std::fs::rename(&tmp, link) {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(link, e));
    }
    Ok(())
}

/// Without symbolic links the generation replaces the index directory
/// (not atomic; wenda is built for Unix servers).
#[cfg(not(unix))]
pub fn publish(link: &Path, generation: &Path) -> Result<()> {
    if link.exists() {
        std::fs::remove_dir_all(link).map_err(|e| Error::io(link, e))?;
    }
    std::fs::rename(generation, link).map_err(|e| Error::io(link, e))
}

/// An index directory of the layout before generations becomes the
/// oldest generation, so that the link can take its name.
#[cfg(unix)]
fn adopt_plain_directory(link: &Path, parent: &Path, name: &str) -> Result<()> {
    let mut n = 0;
    loop {
        let dir = generation_dir(parent, name, n);
        if !dir.exists() {
            tracing::info!(from = %link.display(), to = %dir.display(), "moving the index into its first generation");
            return std::fs::rename(link, &dir).map_err(|e| Error::io(link, e));
        }
        n += 1;
        if n > 1_000_000 {
            return Err(Error::Invalid(format!(
                "no free generation name beside {}",
                link.display()
            )));
        }
    }
}

/// Removes generations more than `keep` behind the current one. Ones
/// newer than the current (being built by another process) stay.
pub fn collect_garbage(link: &Path, keep: usize) -> Result<usize> {
    let Some(current) = current(link) else {
        return Ok(0);
    };
    let (_, name) = split(link)?;
    let Some(now) = current
        .file_name()
        .and_then(|n| generation_number(&n.to_string_lossy(), &name))
    else {
        return Ok(0);
    };
    let older: Vec<PathBuf> = generations(link)?
        .into_iter()
        .filter(|(n, _)| *n < now)
        .map(|(_, dir)| dir)
        .collect();
    let remove = older.len().saturating_sub(keep);
    for dir in &older[..remove] {
        std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    Ok(remove)
}

/// Builds a generation and publishes it: what `wenda ingest` does.
pub fn rebuild(
    corpora: &[PathBuf],
    link: &Path,
    options: &crate::corpus::LoadOptions,
    keep: usize,
    progress: Option<crate::index::build::Progress<'_>>,
) -> Result<BuildReport> {
    let (dir, report) = build(corpora, link, options, progress)?;
    if let Err(e) = publish(link, &dir) {
        discard(&dir);
        return Err(e);
    }
    if let Err(e) = collect_garbage(link, keep) {
        tracing::warn!(error = %e, "could not remove old index generations");
    }
    Ok(report)
}

/// Bytes in the files under `dir` (the index's size on disk).
pub fn size_on_disk(dir: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => size_on_disk(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_bare_index_name_resolves_to_the_path_builds_use() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("index");
        let dir = fake_generation(&link);
        publish(&link, &dir).unwrap();
        assert_eq!(current(&link).unwrap(), dir);
        let (parent, _) = split(Path::new("index")).unwrap();
        assert_eq!(parent, Path::new("."));
    }

    fn fake_generation(link: &Path) -> PathBuf {
        let dir = reserve(link).unwrap();
        std::fs::write(dir.join("wenda.json"), "{}").unwrap();
        dir
    }

    #[test]
    fn publishing_replaces_the_link_and_old_generations_go() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("index");
        assert_eq!(current(&link), None);
        let first = fake_generation(&link);
        publish(&link, &first).unwrap();
        assert_eq!(current(&link).unwrap(), first);
        let mut made = vec![first];
        for _ in 0..4 {
            let next = fake_generation(&link);
            publish(&link, &next).unwrap();
            assert_eq!(current(&link).unwrap(), next);
            made.push(next);
        }
        assert_eq!(collect_garbage(&link, 2).unwrap(), 2);
        let left: Vec<PathBuf> = generations(&link)
            .unwrap()
            .into_iter()
            .map(|(_, d)| d)
            .collect();
        assert_eq!(left, made[2..].to_vec());
        // The link is relative, so the directory can move.
        assert!(std::fs::read_link(&link).unwrap().is_relative());
    }

    #[test]
    fn a_plain_index_directory_becomes_the_first_generation() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("index");
        std::fs::create_dir(&link).unwrap();
        std::fs::write(link.join("wenda.json"), "old").unwrap();
        assert_eq!(current(&link).unwrap(), link);
        let next = fake_generation(&link);
        publish(&link, &next).unwrap();
        assert_eq!(current(&link).unwrap(), next);
        let gens = generations(&link).unwrap();
        assert_eq!(gens.len(), 2);
        assert_eq!(
            std::fs::read_to_string(gens[0].1.join("wenda.json")).unwrap(),
            "old"
        );
    }

    #[test]
    fn a_failed_build_leaves_nothing_behind() {
        let tmp = tempfile::tempdir().unwrap();
        let link = tmp.path().join("index");
        let missing = tmp.path().join("no-such-corpus");
        assert!(build(&[missing], &link, &Default::default(), None).is_err());
        assert!(generations(&link).unwrap().is_empty());
        assert_eq!(current(&link), None);
    }
}
