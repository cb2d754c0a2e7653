//! A JSONL bulk import: one record a line, Markdown bodies.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (articles, _problems) = wenda::article::jsonl::parse(&text, "fuzz.jsonl", "fuzz");
    for a in &articles {
        let _ = (a.body_text(), a.steps_text());
    }
});
