//! The `wenda` command: thin on purpose; the work is in the library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

/// jemalloc: under concurrent requests a profile showed glibc's allocator
/// high (consolidating and unlinking free chunks); jemalloc's per-thread
/// caches and size classes cost far less.
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

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
