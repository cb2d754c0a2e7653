//! The `wenda` command: flags (`args`), one function per command
//! (`commands`), and what they print for people (`print`).

mod args;
mod assist;
mod commands;
mod print;

use std::process::ExitCode;

pub use args::Cli;
use args::Command;
use wenda::Result;

/// Runs one command.
pub fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::Ingest { source, json } => commands::ingest(&source, json),
        Command::Serve(args) => commands::serve(args.config()?),
        Command::Report { logs, top, json } => commands::report(&logs.log_dir, top, json),
        Command::Search(args) => commands::search(args),
        Command::Eval {
            queries,
            assist,
            source,
            json,
            without,
        } => match (assist, queries) {
            (Some(tickets), _) => assist::eval(&tickets, &source, json),
            (None, Some(queries)) => commands::eval(&queries, &source, json, &without),
            (None, None) => Err(wenda::Error::Invalid(
                "eval needs a query file or --assist FILE".into(),
            )),
        },
        Command::Assist(args) => assist::assist(args),
        Command::Answer {
            question,
            source,
            json,
        } => commands::answer(question, &source, json),
        Command::Chat { source } => commands::chat(&source),
        Command::Calibrate { sets, json } => commands::calibrate(&sets, json),
        Command::Export { source } => commands::export(&source),
    }
}
