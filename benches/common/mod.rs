//! What every benchmark reads: the corpus to index.

use std::path::PathBuf;

/// `WENDA_BENCH_CORPUS`, else the ECS guide in ../shared, else the bundled
/// corpus (with a note).
pub fn corpus_dir() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    match std::env::var_os("WENDA_BENCH_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => {
            let ecs = root.join("../shared/corpora/huaweicloud-ecs-guide");
            if ecs.is_dir() {
                ecs
            } else {
                eprintln!("note: ../shared is absent; benchmarking the bundled corpus");
                root.join("corpus")
            }
        }
    }
}
