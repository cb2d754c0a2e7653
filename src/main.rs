//! The `wenda` command: thin on purpose; the work is in the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(code) => code,
        Err(err) => {
            // wenda's errors carry their cause in their message.
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}
