//! Loading corpora: front matter, tables of contents, JSONL, broken files,
//! and index freshness.

use std::fs;
use std::path::Path;

use wenda::corpus;
use wenda::index::{Staleness, build_index, staleness};
use wenda::search::SearchRequest;

use crate::common::*;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

#[test]
fn bundled_corpus_loads_cleanly_with_front_matter() {
    let c = corpus::load(&[repo().join("corpus")]).unwrap();
    assert!(c.report.warnings.is_empty(), "{:?}", c.report.warnings);
    assert!(c.articles.len() >= 15);
    for a in &c.articles {
        assert!(
            a.id.chars()
                .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '-'),
            "{} is not an ascii slug",
            a.id
        );
        assert!(!a.topic.is_empty(), "{} has no topic", a.id);
        assert!(!a.title.is_empty());
    }
    let po = c.articles.iter().find(|a| a.id == "po-cancel").unwrap();
    assert_eq!(po.topic, vec!["共享给华为(PO)"]);
    assert!(po.questions.iter().any(|q| q.contains("撤回")));
    assert_eq!(c.names, vec!["corpus"]);
}

#[test]
fn toc_docset_gets_topic_paths_and_the_toc_is_not_an_article() {
    let c = corpus::load(&[data("docset")]).unwrap();
    assert!(c.report.warnings.is_empty(), "{:?}", c.report.warnings);
    assert_eq!(c.report.tocs.len(), 1);
    let topic = |id: &str| {
        c.articles
            .iter()
            .find(|a| a.id == id)
            .unwrap_or_else(|| panic!("{id} missing"))
            .topic
            .clone()
    };
    assert_eq!(topic("包年-包月计费"), vec!["实例", "计费模式"]);
    assert_eq!(topic("重置密码"), vec!["实例", "管理实例"]);
    assert_eq!(topic("sub/配置安全组规则"), vec!["网络"]);
    // A link-less TOC entry gives its ancestors to the article of that title.
    assert_eq!(topic("管理实例"), vec!["实例"]);
    // Linked at the top level, or in no TOC at all: no topic, still indexed.
    assert!(topic("网络").is_empty());
    assert!(topic("未收录").is_empty());
    assert!(
        !c.articles
            .iter()
            .any(|a| a.id == "index" || a.id == "README")
    );
    // Anchors and images gone, notes and tables flattened to text.
    let tz = c.articles.iter().find(|a| a.id == "sub/更改时区").unwrap();
    assert_eq!(tz.title, "更改时区");
    let body = tz.body_text();
    assert!(!body.contains("<a") && !body.contains("figures/") && !body.contains("!["));
    assert!(body.contains("“控制台 > 设置 > 时区”"), "{body}");
    assert!(body.contains("修改后需要重启才能生效"), "{body}");
    let pw = c.articles.iter().find(|a| a.id == "重置密码").unwrap();
    assert!(
        pw.body_text().contains("Linux | 支持"),
        "{}",
        pw.body_text()
    );
}

#[test]
fn jsonl_bulk_import_loads_good_lines_and_names_bad_ones() {
    let c = corpus::load(&[data("bulk")]).unwrap();
    let ids: Vec<_> = c.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, vec!["bulk-vpn", "bulk/5"]);
    let vpn = &c.articles[0];
    assert_eq!(vpn.topic, vec!["网络", "VPN"]);
    assert_eq!(vpn.url.as_deref(), Some("https://example.com/vpn"));
    assert_eq!(vpn.questions, vec!["VPN怎么建"]);
    let lines: Vec<_> = c
        .report
        .warnings
        .iter()
        .map(|w| (w.file.ends_with("bulk.jsonl"), w.line))
        .collect();
    assert_eq!(
        lines,
        vec![(true, Some(2)), (true, Some(3)), (true, Some(4))],
        "{:?}",
        c.report.warnings
    );
    assert!(c.report.warnings[2].message.contains("duplicate id"));
}

#[test]
fn broken_files_are_warnings_naming_the_file_and_the_rest_is_indexed() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    // Files load in path order: the first of two equal ids wins.
    write(
        root,
        "good.md",
        "---\nid: good\ntitle: 好文章\ntopic: 其他\n---\n正文内容。\n",
    );
    write(
        root,
        "zz-dup.md",
        "---\nid: good\ntitle: 重复\n---\n重复的 id。\n",
    );
    write(root, "empty.md", "  \n\n");
    write(
        root,
        "bad-front.md",
        "---\nid: x\ntitle: [未闭合\n---\n正文\n",
    );
    write(root, "unclosed.md", "---\nid: y\n正文\n");
    write(root, "title-only.md", "# 只有标题\n");
    fs::write(root.join("latin1.md"), b"# caf\xe9\n\ntext\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("missing-target.md"), root.join("dangling.md")).unwrap();
    write(root, "figure.png", "not an article");

    let index_dir = root.join("index-out");
    let report = build_index(&[root.to_path_buf()], &index_dir, None).unwrap();
    assert_eq!(report.articles, 1);
    assert_eq!(report.ignored_files, 1);
    let warned = |name: &str| {
        report
            .warnings
            .iter()
            .find(|w| w.file.ends_with(name))
            .unwrap_or_else(|| panic!("no warning for {name}: {:?}", report.warnings))
            .clone()
    };
    assert!(warned("zz-dup.md").message.contains("duplicate id `good`"));
    assert!(warned("empty.md").message.contains("empty"));
    let bad = warned("bad-front.md");
    assert!(bad.message.contains("malformed front matter") && bad.line.is_some());
    assert_eq!(warned("unclosed.md").line, Some(1));
    assert!(warned("title-only.md").message.contains("no text"));
    let latin = warned("latin1.md");
    assert!(latin.message.contains("UTF-8") && latin.line == Some(1));
    #[cfg(unix)]
    assert!(warned("dangling.md").message.contains("symbolic link"));

    let engine = wenda::search::Engine::open(&index_dir).unwrap();
    let hits = engine.search(&SearchRequest::new("正文内容")).unwrap().hits;
    assert_eq!(hits[0].id, "good");
}

#[test]
fn a_missing_corpus_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = build_index(&[dir.path().join("nope")], &dir.path().join("i"), None).unwrap_err();
    assert!(err.to_string().contains("does not exist"));
}

#[test]
fn a_foreign_directory_is_never_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("precious");
    write(&target, "notes.txt", "keep me");
    let err = build_index(&[data("docset")], &target, None).unwrap_err();
    assert!(err.to_string().contains("holds no wenda index"));
    assert_eq!(
        fs::read_to_string(target.join("notes.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn index_goes_stale_when_the_corpus_changes_and_rebuilds_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let corpus_dir = dir.path().join("c");
    write(&corpus_dir, "a.md", "# 第一篇\n\n苹果。\n");
    let index_dir = dir.path().join("idx");
    let corpora = vec![corpus_dir.clone()];
    assert_eq!(staleness(&index_dir, &corpora), Staleness::Missing);
    build_index(&corpora, &index_dir, None).unwrap();
    assert_eq!(staleness(&index_dir, &corpora), Staleness::Fresh);
    write(&corpus_dir, "b.md", "# 第二篇\n\n香蕉。\n");
    assert!(matches!(
        staleness(&index_dir, &corpora),
        Staleness::Stale(_)
    ));
    assert!(matches!(
        staleness(&index_dir, &[data("docset")]),
        Staleness::Stale(_)
    ));
    build_index(&corpora, &index_dir, None).unwrap();
    assert_eq!(staleness(&index_dir, &corpora), Staleness::Fresh);
    let engine = wenda::search::Engine::open(&index_dir).unwrap();
    assert_eq!(engine.catalog().len(), 2);
    assert_eq!(
        engine.search(&SearchRequest::new("香蕉")).unwrap().hits[0].id,
        "b"
    );
}

#[test]
fn user_dictionary_of_the_corpus_keeps_domain_words_whole() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    write(root, "a.md", "# 麒麟券\n\n麒麟券的说明。\n");
    write(root, "b.md", "# 麒麟\n\n麒麟的说明。\n");
    let (_d, plain) = build(&[root.to_path_buf()]);
    assert!(
        !plain
            .analyzer()
            .words("麒麟券")
            .contains(&"麒麟券".to_string())
    );
    write(root, "dict.txt", "麒麟券\n");
    let (_d2, tuned) = build(&[root.to_path_buf()]);
    assert!(
        tuned
            .analyzer()
            .words("麒麟券")
            .contains(&"麒麟券".to_string())
    );
    assert_eq!(
        tuned.search(&SearchRequest::new("麒麟券")).unwrap().hits[0].id,
        "a"
    );
}

#[test]
fn guides_of_one_help_centre_may_share_file_names() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("guide-a"), tmp.path().join("guide-b"));
    write(&a, "概述.md", "# 概述\n\n甲产品的概述。\n");
    write(&b, "概述.md", "# 概述\n\n乙产品的概述。\n");
    write(&b, "其他.md", "# 其他\n\n见[概述](概述.md)。\n");
    let c = corpus::load(&[a, b]).unwrap();
    assert!(c.report.warnings.is_empty(), "{:?}", c.report.warnings);
    let mut ids: Vec<&str> = c.articles.iter().map(|x| x.id.as_str()).collect();
    ids.sort();
    assert_eq!(ids, vec!["guide-b/概述", "其他", "概述"]);
    // Links inside the second guide still find its own page.
    let other = c.articles.iter().find(|x| x.id == "其他").unwrap();
    assert_eq!(other.links[0].id.as_deref(), Some("guide-b/概述"));
}

#[test]
fn a_table_of_contents_with_a_doubled_extension_is_recognised() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path().join("guide");
    write(
        &d,
        "index.md.md",
        "# 用户指南\n\n-   [监听器](监听器.md)\n    -   [添加监听器](添加监听器.md)\n",
    );
    write(&d, "监听器.md", "# 监听器\n\n监听器的概念。\n");
    write(&d, "添加监听器.md", "# 添加监听器\n\n1. 单击添加。\n");
    let c = corpus::load(&[d]).unwrap();
    assert_eq!(c.report.tocs.len(), 1, "{:?}", c.report);
    let add = c.articles.iter().find(|x| x.id == "添加监听器").unwrap();
    assert_eq!(add.topic, vec!["监听器"]);
    assert!(!c.articles.iter().any(|x| x.id.starts_with("index")));
}

/// A corpus of several files, one JSONL file long enough to be parsed in
/// many parallel pieces, with broken lines here and there.
fn mixed_corpus(root: &Path) {
    let mut big = String::new();
    for i in 1..=2_500 {
        if i % 400 == 0 {
            big.push_str("{broken\n");
        } else if i % 999 == 0 {
            big.push_str("{\"title\":\"\",\"body\":\"\"}\n");
        } else {
            big.push_str(&format!(
                "{{\"id\":\"r{i}\",\"title\":\"第{i}篇\",\"body\":\"正文{i}。\"}}\n"
            ));
        }
    }
    write(root, "a.jsonl", &big);
    write(root, "b.md", "# 乙\n\n乙的正文。\n");
    write(
        root,
        "c.jsonl",
        "{\"id\":\"c1\",\"title\":\"丙\",\"body\":\"丙。\"}\nnot json\n{\"id\":\"r7\",\"title\":\"重\",\"body\":\"重。\"}\n",
    );
    write(root, "sub/d.md", "# 丁\n\n丁的正文。\n");
}

#[test]
fn parallel_loading_keeps_articles_and_warnings_in_file_and_line_order() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mixed");
    mixed_corpus(&root);
    let c = corpus::load(std::slice::from_ref(&root)).unwrap();
    let mut expected: Vec<String> = (1..=2_500)
        .filter(|i| i % 400 != 0 && i % 999 != 0)
        .map(|i| format!("r{i}"))
        .collect();
    expected.extend(["b", "c1", "sub/d"].map(String::from));
    let ids: Vec<&str> = c.articles.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, expected);
    let file = |rel: &str| root.join(rel).display().to_string();
    let mut want: Vec<(String, Option<usize>)> = (1..=2_500)
        .filter(|i| i % 400 == 0 || i % 999 == 0)
        .map(|i| (file("a.jsonl"), Some(i)))
        .collect();
    want.push((file("c.jsonl"), Some(2)));
    want.push((file("c.jsonl"), Some(3)));
    let got: Vec<(String, Option<usize>)> = c
        .report
        .warnings
        .iter()
        .map(|w| (w.file.clone(), w.line))
        .collect();
    assert_eq!(got, want, "{:?}", c.report.warnings);
    assert!(
        c.report
            .warnings
            .last()
            .unwrap()
            .message
            .contains("duplicate id `r7`")
    );
}

#[test]
fn each_text_reads_records_in_file_and_line_order() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("mixed");
    mixed_corpus(&root);
    let mut seen: Vec<(String, usize)> = Vec::new();
    let mut first = String::new();
    corpus::each_text(
        std::slice::from_ref(&root),
        &corpus::LoadOptions::default(),
        |file, line, text| {
            if seen.is_empty() {
                first = text.to_string();
            }
            seen.push((file.rsplit('/').next().unwrap().to_string(), line));
        },
    );
    let mut want: Vec<(String, usize)> = (1..=2_500)
        .filter(|i| i % 400 != 0)
        .map(|i| ("a.jsonl".to_string(), i))
        .collect();
    want.push(("b.md".into(), 1));
    want.extend([1, 3].map(|l| ("c.jsonl".to_string(), l)));
    want.push(("d.md".into(), 1));
    assert_eq!(seen, want);
    assert_eq!(first, "第1篇。正文1。");
}
