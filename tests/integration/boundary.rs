//! The corpus boundary and hostile files: nothing outside the corpus root is
//! read or served; links, special files, loops, oversized files, deep nesting
//! and huge titles are warnings, never an aborted ingest.

use std::fs;
use std::path::Path;

use axum::http::StatusCode;
use wenda::corpus::{self, LoadOptions, Warning};
use wenda::http::{AppState, app};
use wenda::index::build_index_with;
use wenda::search::Engine;

use crate::common::*;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

fn following() -> LoadOptions {
    LoadOptions {
        follow_links: true,
        ..LoadOptions::default()
    }
}

fn warning_for<'a>(warnings: &'a [Warning], name: &str) -> &'a Warning {
    warnings
        .iter()
        .find(|w| w.file.ends_with(name))
        .unwrap_or_else(|| panic!("no warning for {name}: {warnings:?}"))
}

#[cfg(unix)]
#[tokio::test]
async fn a_link_to_a_file_outside_the_corpus_is_neither_indexed_nor_served() {
    let dir = tempfile::tempdir().unwrap();
    let secret = dir.path().join("secret.env");
    fs::write(&secret, "RETRIEVAL_KEY=hunter2-do-not-serve\n").unwrap();
    let root = dir.path().join("corpus");
    write(&root, "ok.md", "# 正常文章\n\n正文内容。\n");
    std::os::unix::fs::symlink(&secret, root.join("env.md")).unwrap();
    std::os::unix::fs::symlink(&secret, root.join("secret.txt")).unwrap();

    for options in [LoadOptions::default(), following()] {
        let index = dir.path().join(format!("index-{}", options.follow_links));
        let report = build_index_with(std::slice::from_ref(&root), &index, &options, None).unwrap();
        assert_eq!(report.articles, 1, "{:?}", report.warnings);
        for name in ["env.md", "secret.txt"] {
            let w = warning_for(&report.warnings, name);
            assert!(w.message.contains("symbolic link"), "{w}");
        }
        let engine = Engine::open(&index).unwrap();
        assert!(engine.catalog().ord_of("env").is_none());
        let router = app(AppState::new(engine));
        let (status, _) = get(router.clone(), "/api/articles/env").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, body) = search(router, "hunter2", "").await;
        assert_eq!(status, StatusCode::OK);
        assert!(hit_ids(&body).is_empty(), "{body}");
    }
}

#[cfg(unix)]
#[test]
fn links_inside_the_corpus_are_followed_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "docs/a.md", "# 甲\n\n甲的正文。\n");
    std::os::unix::fs::symlink(root.join("docs/a.md"), root.join("alias.md")).unwrap();
    std::os::unix::fs::symlink(root.join("docs"), root.join("more")).unwrap();
    std::os::unix::fs::symlink(root.join("docs"), root.join("same")).unwrap();

    let plain = corpus::load(std::slice::from_ref(&root)).unwrap();
    let ids: Vec<_> = plain.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["docs/a"]);
    assert!(
        warning_for(&plain.report.warnings, "alias.md")
            .message
            .contains("--follow-links")
    );

    let followed = corpus::load_with(std::slice::from_ref(&root), &following()).unwrap();
    let ids: Vec<_> = followed.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["alias", "docs/a", "more/a"]);
    // A second link to the same directory adds nothing.
    assert!(
        warning_for(&followed.report.warnings, "same")
            .message
            .contains("already read")
    );
}

#[cfg(unix)]
#[test]
fn link_loops_end_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "a.md", "# 甲\n\n正文。\n");
    write(&root, "sub/b.md", "# 乙\n\n正文。\n");
    // Three links to the parent in one folder once made the walk run forever.
    for name in ["up1", "up2", "up3"] {
        std::os::unix::fs::symlink("..", root.join("sub").join(name)).unwrap();
    }
    std::os::unix::fs::symlink("loop-b", root.join("loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", root.join("loop-b")).unwrap();

    for options in [LoadOptions::default(), following()] {
        let c = corpus::load_with(std::slice::from_ref(&root), &options).unwrap();
        assert_eq!(c.articles.len(), 2, "{:?}", c.report.warnings);
        for name in ["up1", "up2", "up3", "loop-a", "loop-b"] {
            warning_for(&c.report.warnings, name);
        }
        let fp = corpus::fingerprint::fingerprint(&root, &options);
        assert_eq!(fp.files, 2);
    }
}

#[cfg(unix)]
#[test]
fn a_link_to_a_device_is_not_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "ok.md", "# 甲\n\n正文。\n");
    std::os::unix::fs::symlink("/dev/zero", root.join("zero.md")).unwrap();
    for options in [LoadOptions::default(), following()] {
        let c = corpus::load_with(std::slice::from_ref(&root), &options).unwrap();
        assert_eq!(c.articles.len(), 1);
        warning_for(&c.report.warnings, "zero.md");
    }
}

#[cfg(unix)]
#[test]
fn a_fifo_does_not_hang_ingest() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "ok.md", "# 甲\n\n正文。\n");
    let fifo = root.join("pipe.md");
    match std::process::Command::new("mkfifo").arg(&fifo).status() {
        Ok(s) if s.success() => {}
        _ => {
            eprintln!("mkfifo is not available; skipping");
            return;
        }
    }
    std::os::unix::fs::symlink(&fifo, root.join("pipe-link.md")).unwrap();
    for options in [LoadOptions::default(), following()] {
        let c = corpus::load_with(std::slice::from_ref(&root), &options).unwrap();
        assert_eq!(c.articles.len(), 1);
        assert!(
            warning_for(&c.report.warnings, "pipe.md")
                .message
                .contains("FIFO")
        );
    }
}

#[test]
fn files_over_the_size_limit_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "small.md", "# 甲\n\n正文。\n");
    write(
        &root,
        "big.md",
        &format!("# 乙\n\n{}\n", "很长的正文。".repeat(200)),
    );
    let options = LoadOptions {
        max_file_size: 1000,
        ..LoadOptions::default()
    };
    let c = corpus::load_with(std::slice::from_ref(&root), &options).unwrap();
    let ids: Vec<_> = c.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["small"]);
    let w = warning_for(&c.report.warnings, "big.md");
    assert!(w.message.contains("over the limit of 1000 bytes"), "{w}");
    assert_eq!(corpus::load(&[root]).unwrap().articles.len(), 2);
}

#[test]
fn directories_past_the_depth_limit_are_warnings() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "a/a.md", "# 甲\n\n正文。\n");
    write(&root, "a/b/c/deep.md", "# 乙\n\n正文。\n");
    let options = LoadOptions {
        max_depth: 2,
        ..LoadOptions::default()
    };
    let c = corpus::load_with(std::slice::from_ref(&root), &options).unwrap();
    let ids: Vec<_> = c.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a/a"]);
    assert!(
        warning_for(&c.report.warnings, "b")
            .message
            .contains("levels deep")
    );
}

#[test]
fn deeply_nested_files_ingest_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    write(&root, "ok.md", "# 正常\n\n正文。\n");
    // 25-60 KB files that once overflowed the stack and aborted the ingest.
    write(
        &root,
        "quote.md",
        &format!("# 引用\n\n{}深处引用文字\n", ">".repeat(30_000)),
    );
    write(
        &root,
        "list.md",
        &format!("# 列表\n\n{}深处列表文字\n", "- ".repeat(30_000)),
    );
    write(
        &root,
        "bulk.jsonl",
        &format!(
            "{}\n",
            serde_json::json!({"id": "deep-json", "title": "深层", "body": "> ".repeat(20_000) + "深处记录文字"})
        ),
    );
    let index = dir.path().join("index");
    let report = build_index_with(
        std::slice::from_ref(&root),
        &index,
        &LoadOptions::default(),
        None,
    )
    .unwrap();
    assert_eq!(report.articles, 4, "{:?}", report.warnings);
    for name in ["quote.md", "list.md", "bulk.jsonl"] {
        let w = warning_for(&report.warnings, name);
        assert!(w.message.contains("flattened"), "{w}");
    }
    let engine = Engine::open(&index).unwrap();
    let hits = engine
        .search(&wenda::search::SearchRequest::new("深处列表文字"))
        .unwrap()
        .hits;
    assert_eq!(hits[0].id, "list");
}

#[test]
fn huge_titles_and_front_matter_ingest_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("corpus");
    let long = "长".repeat(200_000);
    write(
        &root,
        "h1.md",
        &format!("# {long}\n\n标题很长的文章正文。\n"),
    );
    write(
        &root,
        "front.md",
        &format!("---\ntitle: {long}\n---\n前言过大的文章正文。\n"),
    );
    write(
        &root,
        "bulk.jsonl",
        &format!(
            "{}\n",
            serde_json::json!({"id": "x".repeat(1000), "title": long, "body": "记录正文。"})
        ),
    );
    let c = corpus::load(std::slice::from_ref(&root)).unwrap();
    let ids: Vec<_> = c.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["bulk/1", "h1"], "{:?}", c.report.warnings);
    for a in &c.articles {
        assert_eq!(a.title.chars().count(), wenda::article::MAX_TITLE_CHARS + 1);
    }
    assert!(
        warning_for(&c.report.warnings, "h1.md")
            .message
            .contains("title is 200000 characters")
    );
    let front = warning_for(&c.report.warnings, "front.md");
    assert!(
        front.message.contains("front matter is over the limit"),
        "{front}"
    );
    let bulk: Vec<_> = c
        .report
        .warnings
        .iter()
        .filter(|w| w.file.ends_with("bulk.jsonl"))
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(bulk.len(), 2, "{bulk:?}");
    assert!(bulk.iter().all(|(line, _)| *line == Some(1)));
}
