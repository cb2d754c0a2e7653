//! The `wenda` command: flags (`args`), one function per command
//! (`commands`), and what they print for people (`print`).

mod args;
mod assist;
mod commands;
mod print;

use std::io::IsTerminal;
use std::process::ExitCode;

pub use args::Cli;
use args::{Command, ConfigAction};
use wenda::Result;
use wenda::config::LogFormat;

/// Runs one command. Logging starts once the log format is known (for
/// `serve`, after its configuration is read).
pub fn run(cli: Cli) -> Result<ExitCode> {
    if let Command::Serve(args) = cli.command {
        let config = args.config()?;
        init_logging(config.log.format);
        return commands::serve(config);
    }
    let format = std::env::var("WENDA_LOG_FORMAT")
        .ok()
        .and_then(|f| f.parse().ok())
        .unwrap_or_default();
    init_logging(format);
    match cli.command {
        Command::Ingest { source, json } => commands::ingest(&source, json),
        Command::Serve(_) => unreachable!("handled above"),
        Command::Config {
            action: ConfigAction::Check(args),
        } => commands::config_check(args.config()?),
        Command::Report { logs, top, json } => commands::report(&logs.log_dir, top, json),
        Command::Learned { logs, forget, json } => {
            commands::learned(&logs.log_dir, forget.as_deref(), json)
        }
        Command::Search(args) => commands::search(args),
        Command::Eval {
            queries,
            assist,
            replay,
            source,
            json,
            without,
            warmup_ms,
            rounds,
        } => match (assist, replay, queries) {
            (Some(tickets), _, _) => assist::eval(&tickets, &source, json),
            (None, Some(pairs), _) => commands::replay(&pairs, &source, json, &without),
            (None, None, Some(queries)) => {
                let timing = wenda::eval::Timing {
                    warmup: std::time::Duration::from_millis(warmup_ms),
                    rounds: rounds as usize,
                };
                commands::eval(&queries, &source, json, &without, timing)
            }
            (None, None, None) => Err(wenda::Error::Invalid(
                "eval needs a query file, --assist FILE or --replay FILE".into(),
            )),
        },
        Command::Assist(args) => assist::assist(args),
        Command::Answer {
            question,
            source,
            json,
        } => commands::answer(question, &source, json),
        Command::Chat { source } => commands::chat(&source),
        Command::Calibrate { sets, json, rows } => {
            commands::calibrate(&sets, json, rows.as_deref())
        }
        Command::Export { source } => commands::export(&source),
    }
}

/// The log format in effect: with JSON logs, reports meant for people on
/// stderr become log events too.
static LOG_FORMAT: std::sync::OnceLock<LogFormat> = std::sync::OnceLock::new();

/// Whether stderr carries JSON lines only.
fn json_logs() -> bool {
    LOG_FORMAT.get() == Some(&LogFormat::Json)
}

/// Logs to stderr as text (colours only on a terminal) or as JSON lines;
/// `RUST_LOG` chooses what is logged.
fn init_logging(format: LogFormat) {
    let _ = LOG_FORMAT.set(format);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("wenda=info,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let result = match format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .try_init(),
    };
    if let Err(e) = result {
        eprintln!("warning: logging not started: {e}");
    }
}
