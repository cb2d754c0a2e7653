//! The `wenda` binary: flags, environment, output and exit codes.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::*;

fn wenda(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(args)
        .env_remove("WENDA_CORPUS")
        .env_remove("WENDA_INDEX")
        .env("RUST_LOG", "warn")
        .output()
        .expect("wenda runs")
}

fn json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

#[test]
fn ingest_search_and_eval_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let docset = data("docset");
    let (docset, index) = (docset.to_str().unwrap(), index.to_str().unwrap());

    let report = json(&wenda(&[
        "ingest", "--corpus", docset, "--index", index, "--json",
    ]));
    assert_eq!(report["articles"], 8);
    assert_eq!(report["tocs"].as_array().unwrap().len(), 1);
    assert_eq!(report["warnings"].as_array().unwrap().len(), 0);

    let found = json(&wenda(&[
        "search", "时区", "--corpus", docset, "--index", index, "--json", "--limit", "2",
    ]));
    assert_eq!(found["hits"][0]["id"], "sub/更改时区");
    assert!(found["hits"].as_array().unwrap().len() <= 2);

    // An index named without its corpus is checked against the corpus it
    // was built from, not rebuilt from the bundled one in the working
    // directory.
    let alone = json(&wenda(&["search", "时区", "--index", index, "--json"]));
    assert_eq!(alone["hits"][0]["id"], "sub/更改时区");
    let manifest = std::fs::read_to_string(Path::new(index).join("wenda.json")).unwrap();
    assert!(manifest.contains("docset"), "{manifest}");

    let queries = data("docset_queries.jsonl");
    let eval_with = |extra: &[&str]| {
        let mut args = vec![
            "eval",
            queries.to_str().unwrap(),
            "--corpus",
            docset,
            "--index",
            index,
            "--json",
        ];
        args.extend_from_slice(extra);
        wenda(&args)
    };
    let out = eval_with(&[]);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    let eval = json(&out);
    assert_eq!(eval["queries"], 5);
    assert!(stderr.contains("docset_queries.jsonl:6"), "{stderr}");
    let r10 = eval["recall_at_10"].as_f64().unwrap();
    assert!(
        r10 > 0.0 && r10 < 1.0,
        "one query has no relevant article: {eval}"
    );
    assert!(
        eval["missed"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["q"] == "这个问题没有答案")
    );
    assert_eq!(eval["timed_searches"], 5);
    // Timed like the Lucene baseline: warmed up, several rounds; the same
    // rankings, percentiles over every timed search.
    let warm = json(&eval_with(&["--warmup-ms", "1", "--rounds", "3"]));
    assert_eq!(warm["timed_searches"], 15);
    for figure in [
        "queries",
        "mrr_at_10",
        "recall_at_1",
        "recall_at_10",
        "missed",
    ] {
        assert_eq!(warm[figure], eval[figure], "{figure}");
    }
    let out = wenda(&["eval", queries.to_str().unwrap(), "--rounds", "0"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "no timed round is a usage error"
    );
}

#[test]
fn human_output_and_environment_variables() {
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["search", "独角兽"])
        .env("WENDA_CORPUS", data("docset"))
        .env("WENDA_INDEX", tmp.path().join("idx"))
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("未收录的文章"), "{stdout}");
    assert!(stdout.contains("【独角兽】"), "{stdout}");
    // The index was built on first use and reported on stderr.
    assert!(String::from_utf8_lossy(&out.stderr).contains("ingested 8 articles"));
}

#[test]
fn errors_exit_non_zero_with_a_message() {
    let out = wenda(&[
        "search",
        "x",
        "--corpus",
        "/definitely/not/here",
        "--index",
        "/tmp/wenda-never",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("does not exist"), "{stderr}");
    let out = wenda(&["search", "x", "--limit", "0"]);
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn calibrate_fits_the_confidence_model_and_reports_operating_points() {
    let tmp = tempfile::tempdir().unwrap();
    let docset = data("docset");
    let set = |file: &str| format!("{}={}", docset.display(), data(file).display());
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["calibrate", "--json", "--set"])
        .arg(set("docset_queries.jsonl"))
        .arg("--set")
        .arg(set("docset_unanswerable.jsonl"))
        .env("TMPDIR", tmp.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let r = json(&out);
    assert_eq!(r["examples"], 8, "5 answerable + 3 unanswerable");
    assert_eq!(r["fitted"]["weights"].as_array().unwrap().len(), 6);
    let points = r["fitted_points"].as_array().unwrap();
    assert_eq!(points.len(), 19);
    for p in points {
        for k in ["precision", "coverage", "false_answers"] {
            let x = p[k].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&x), "{k} {x}");
        }
    }
    // Coverage can only fall as the threshold rises.
    let cov: Vec<f64> = points
        .iter()
        .map(|p| p["coverage"].as_f64().unwrap())
        .collect();
    assert!(cov.windows(2).all(|w| w[0] >= w[1]), "{cov:?}");
    assert!(r["shipped_points"].is_array());
    // --rows: one line per question, what the policy saw and did.
    let rows_file = tmp.path().join("rows.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["calibrate", "--set"])
        .arg(set("docset_queries.jsonl"))
        .arg("--set")
        .arg(set("docset_unanswerable.jsonl"))
        .arg("--rows")
        .arg(&rows_file)
        .env("TMPDIR", tmp.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert!(out.status.success());
    let rows: Vec<serde_json::Value> = std::fs::read_to_string(&rows_file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 8);
    assert_eq!(rows.iter().filter(|r| r["answerable"] == true).count(), 5);
    for r in &rows {
        assert!(r["set"].as_str().unwrap().ends_with(".jsonl"), "{r}");
        let n = r["features"].as_array().unwrap().len();
        assert_eq!(r["correct"].as_array().unwrap().len(), n, "{r}");
        assert_eq!(r["titles"].as_array().unwrap().len(), n, "{r}");
        assert!(
            ["answered", "clarify", "no_answer"].contains(&r["status"].as_str().unwrap()),
            "{r}"
        );
        // An unanswerable question has no right hit.
        if r["answerable"] == false {
            assert!(r["correct"].as_array().unwrap().iter().all(|c| c == false));
        }
    }
    let out = wenda(&["calibrate", "--set", "no-equals-sign"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("CORPUS_DIR=QUERIES.jsonl"));
}

#[test]
fn calibrate_refuses_an_unwritable_rows_file_before_running_any_set() {
    let tmp = tempfile::tempdir().unwrap();
    let rows = tmp.path().join("no-such-dir").join("rows.jsonl");
    // The set's query file is missing too: the rows path is named first,
    // before a long run would be thrown away for it.
    let set = format!(
        "{}={}",
        data("docset").display(),
        tmp.path().join("missing.jsonl").display()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["calibrate", "--set", &set, "--rows"])
        .arg(&rows)
        .env("TMPDIR", tmp.path())
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("rows.jsonl"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn answer_and_chat_from_the_command_line() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let docset = data("docset");
    let (docset, index) = (docset.to_str().unwrap(), index.to_str().unwrap());
    let v = json(&wenda(&[
        "answer",
        "时区怎么改",
        "--corpus",
        docset,
        "--index",
        index,
        "--json",
    ]));
    assert_eq!(v["status"], "answered");
    assert_eq!(v["answer"]["id"], "sub/更改时区");
    let mut child = Command::new(env!("CARGO_BIN_EXE_wenda"))
        .args(["chat", "--corpus", docset, "--index", index])
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all("时区怎么改\n下一步\n转人工\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("[answered · confident_match"), "{text}");
    assert!(text.contains("[answered · step"), "{text}");
    assert!(text.contains("第 1 步"), "{text}");
    assert!(text.contains("[no_answer · human_requested"), "{text}");
}

#[test]
fn export_writes_one_record_per_article_and_eval_turns_parts_off() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("idx");
    let docset = data("docset");
    let (docset, index) = (docset.to_str().unwrap(), index.to_str().unwrap());
    let out = wenda(&["export", "--corpus", docset, "--index", index]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 8);
    for r in &records {
        let keys: Vec<_> = r.as_object().unwrap().keys().cloned().collect();
        assert_eq!(keys, vec!["body", "id", "title"], "{r}");
    }
    let timezone = records.iter().find(|r| r["id"] == "sub/更改时区").unwrap();
    assert!(timezone["body"].as_str().unwrap().contains("时区"));
    let queries = data("docset_queries.jsonl");
    let queries = queries.to_str().unwrap();
    let all = json(&wenda(&[
        "eval", queries, "--corpus", docset, "--index", index, "--json",
    ]));
    let without = json(&wenda(&[
        "eval",
        queries,
        "--corpus",
        docset,
        "--index",
        index,
        "--json",
        "--without",
        "grams,synonyms,typos,pinyin,rerank",
    ]));
    assert_eq!(without["queries"], all["queries"]);
    let out = wenda(&["eval", queries, "--without", "everything"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown part is a usage error"
    );
}

#[test]
fn serve_refuses_a_bad_configuration_before_any_work() {
    let out = wenda(&[
        "serve",
        "--corpus",
        "/definitely/not/here",
        "--cors-origin",
        "*",
    ]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("CORS origin `*`"), "{stderr}");
    assert!(
        !stderr.contains("does not exist"),
        "checked before the corpus: {stderr}"
    );
}
