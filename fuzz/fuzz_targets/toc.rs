//! A table of contents (`index.md`, `*bookmap*`) and topic lookups in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wenda::article::toc;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(entries) = toc::parse(&text) {
        let index = toc::TocIndex::new("dir/index.md", &entries);
        for e in &entries {
            if let Some(href) = &e.href
                && let Some(path) = toc::resolve_relative(index.dir(), href)
            {
                let _ = index.topic_for(&path, &e.title);
            }
        }
    }
});
