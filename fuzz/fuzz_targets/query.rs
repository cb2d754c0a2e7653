//! Query planning and search: any text a search box can send (cut to the
//! 1,000 characters the HTTP API accepts), on the bundled corpus's index,
//! built once per fuzzing process.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use wenda::search::{Engine, SearchRequest};

/// The index lives in a temporary directory for the whole run.
static ENGINE: OnceLock<(tempfile::TempDir, Engine)> = OnceLock::new();

fn engine() -> &'static Engine {
    &ENGINE
        .get_or_init(|| {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let index = dir.path().join("index");
            let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../corpus");
            wenda::index::build_index(&[corpus], &index, None).expect("the index builds");
            let engine = Engine::open(&index).expect("the index opens");
            (dir, engine)
        })
        .1
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let query: String = text.chars().take(1000).collect();
    if query.trim().is_empty() {
        return;
    }
    let mut req = SearchRequest::new(query);
    req.limit = 10;
    let _ = engine().search(&req);
});
