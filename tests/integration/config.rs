//! `wenda.toml`, `wenda config check`, precedence (flag > environment >
//! file > default), keys by environment reference, and the log format.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::common::*;
use crate::harness::{Process, agent};

fn wenda(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wenda"));
    cmd.args(args);
    for var in [
        "WENDA_ADDR",
        "WENDA_CONFIG",
        "WENDA_API_KEYS",
        "WENDA_ADMIN_KEYS",
        "WENDA_RATE_LIMIT",
        "WENDA_SESSIONS",
        "WENDA_LOG_FORMAT",
        "WENDA_CORPUS",
        "WENDA_INDEX",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("wenda runs")
}

fn check(file: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args = vec!["config", "check", "--config", file.to_str().unwrap()];
    args.extend(extra);
    wenda(&args, env)
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn effective(out: &Output) -> toml::Table {
    toml::from_str(&stdout(out)).expect("config check prints TOML")
}

#[test]
fn config_check_prints_the_effective_configuration_with_flag_over_env_over_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("wenda.toml");
    std::fs::write(
        &file,
        "addr = \"127.0.0.1:9001\"\ncorpora = [\"corpus\"]\nadmin_keys_env = \"MY_ADMIN_KEYS\"\n\n\
         [rate_limit]\nper_second = 7\n\n[answer]\nanswer = 0.7\n\n[ranking]\ntitle = 4.0\n\n\
         [sessions]\nttl = \"10m\"\n",
    )
    .unwrap();
    let env = [("MY_ADMIN_KEYS", "secret-key-one, secret-key-two")];
    let c = effective(&check(&file, &[], &env));
    assert_eq!(c["addr"].as_str(), Some("127.0.0.1:9001"));
    assert_eq!(c["rate_limit"]["per_second"].as_integer(), Some(7));
    assert_eq!(c["rate_limit"]["burst"].as_integer(), Some(60), "default");
    assert!((c["answer"]["answer"].as_float().unwrap() - 0.7).abs() < 1e-6);
    assert_eq!(c["ranking"]["title"].as_float(), Some(4.0));
    assert_eq!(c["sessions"]["ttl"].as_str(), Some("10m"));
    // Relative paths are relative to the file.
    let corpus = c["corpora"][0].as_str().unwrap();
    assert_eq!(Path::new(corpus), tmp.path().join("corpus"));
    let text = stdout(&check(&file, &[], &env));
    assert!(text.contains("admin keys: 2"), "{text}");
    assert!(!text.contains("secret-key"), "keys are never shown: {text}");

    let with_env = [
        ("MY_ADMIN_KEYS", "secret-key-one"),
        ("WENDA_ADDR", "127.0.0.1:9002"),
        ("WENDA_RATE_LIMIT", "9"),
    ];
    let c = effective(&check(&file, &[], &with_env));
    assert_eq!(c["addr"].as_str(), Some("127.0.0.1:9002"));
    assert_eq!(c["rate_limit"]["per_second"].as_integer(), Some(9));
    let c = effective(&check(
        &file,
        &["--addr", "127.0.0.1:9003", "--rate-limit", "11"],
        &with_env,
    ));
    assert_eq!(c["addr"].as_str(), Some("127.0.0.1:9003"));
    assert_eq!(c["rate_limit"]["per_second"].as_integer(), Some(11));
    // WENDA_ADMIN_KEYS (the flag's variable) wins over the file's reference.
    let text = stdout(&check(
        &file,
        &[],
        &[
            ("MY_ADMIN_KEYS", "secret-key-one"),
            ("WENDA_ADMIN_KEYS", "x,y,z"),
        ],
    ));
    assert!(text.contains("admin keys: 3"), "{text}");
}

fn error_of(file: &Path, text: &str, env: &[(&str, &str)]) -> String {
    std::fs::write(file, text).unwrap();
    let out = check(file, &[], env);
    assert!(!out.status.success(), "{text:?} was accepted");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn config_check_names_the_line_of_the_first_error() {
    let tmp = tempfile::tempdir().unwrap();
    let file = tmp.path().join("wenda.toml");
    let name = file.display().to_string();
    // A value of the wrong type: toml's own error, with its line.
    let err = error_of(
        &file,
        "addr = \"127.0.0.1:8080\"\n\n[rate_limit]\nburst = \"many\"\n",
        &[],
    );
    assert!(err.contains(&format!("{name}:4:")), "{err}");
    // An unknown key.
    let err = error_of(&file, "# comment\nadr = \"x\"\n", &[]);
    assert!(
        err.contains(&format!("{name}:2:")) && err.contains("adr"),
        "{err}"
    );
    // Broken TOML.
    let err = error_of(&file, "addr = \"127.0.0.1:8080\"\n[limits\n", &[]);
    assert!(err.contains(&format!("{name}:2:")), "{err}");
    // A value that parses but is not usable: the line of its key.
    let err = error_of(&file, "[rate_limit]\nper_second = 5\n\nburst = 0\n", &[]);
    assert!(
        err.contains(&format!("{name}:4: rate_limit.burst")),
        "{err}"
    );
    let err = error_of(&file, "[answer]\nclarify = 0.2\nanswer = 1.5\n", &[]);
    assert!(err.contains(&format!("{name}:3: answer.answer")), "{err}");
    // Keys never go in the file …
    let err = error_of(
        &file,
        "max_connections = 10\nadmin_keys = [\"secret\"]\n",
        &[],
    );
    assert!(
        err.contains(&format!("{name}:2:")) && err.contains("admin_keys_env"),
        "{err}"
    );
    // … and a variable the file names must be set.
    let err = error_of(&file, "api_keys_env = \"NOT_SET_ANYWHERE_42\"\n", &[]);
    assert!(
        err.contains(&format!("{name}:1:")) && err.contains("NOT_SET_ANYWHERE_42"),
        "{err}"
    );
    // A bad session store.
    let err = error_of(&file, "[sessions]\nstore = \"rediss://x\"\n", &[]);
    assert!(
        err.contains(&format!("{name}:2:")) && err.contains("TLS"),
        "{err}"
    );
}

#[test]
fn logs_are_json_lines_with_request_ids_and_never_colour_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    let index = tmp.path().join("index");
    let docset = data("docset");
    let logs = tmp.path().join("logs");
    let args = [
        "--corpus",
        docset.to_str().unwrap(),
        "--index",
        index.to_str().unwrap(),
        "--log-dir",
        logs.to_str().unwrap(),
    ];
    let mut json_args = args.to_vec();
    json_args.extend(["--log-format", "json"]);
    let server = Process::start(tmp.path(), "json", &json_args, &[]);
    let client = agent();
    let resp = client
        .get(format!("{}/api/topics", server.base))
        .header("x-request-id", "op-trace-7")
        .call()
        .unwrap();
    assert_eq!(resp.headers()["x-request-id"], "op-trace-7");
    let mut access = None;
    crate::harness::wait_for(
        "the access log line",
        std::time::Duration::from_secs(30),
        || {
            access = server
                .stderr()
                .lines()
                .filter_map(|l| serde_json::from_str::<Value>(l).ok())
                .find(|v| v["target"] == "wenda::access" && v["request_id"] == "op-trace-7");
            access.is_some()
        },
    );
    let access = access.unwrap();
    assert_eq!(access["route"], "/api/topics");
    assert_eq!(access["status"], 200);
    assert_eq!(access["method"], "GET");
    let log = server.stderr();
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            serde_json::from_str::<Value>(line).is_ok(),
            "not JSON: {line}"
        );
    }
    drop(server);

    // Text logs to a file carry no ANSI colours.
    let server = Process::start(tmp.path(), "text", &args, &[]);
    let _ = client
        .get(format!("{}/healthz", server.base))
        .call()
        .unwrap();
    crate::harness::wait_for(
        "an access log line",
        std::time::Duration::from_secs(30),
        || server.stderr().contains("wenda::access"),
    );
    let log = server.stderr();
    assert!(
        !log.contains('\u{1b}'),
        "ANSI escape in a redirected log: {log}"
    );
}

#[test]
fn the_configured_defaults_are_the_shipped_ones() {
    let shipped = wenda::answer::Policy::default();
    let configured = wenda::http::policy(&wenda::config::AnswerThresholds::default());
    assert_eq!(configured, shipped);
    let ranking = wenda::config::RankingWeights::default().ranking();
    assert_eq!(ranking, wenda::search::Ranking::default());
}
