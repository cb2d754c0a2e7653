//! Raw HTML inside Markdown (tables, anchors, links) reduced to text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = wenda::article::html::html_to_text(&text);
});
