//! A raw crawl file (`*.txt`): chrome, navigation, question titles, footers.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let (articles, _problems, _skipped) =
        wenda::article::parse_crawl_file(&text, "fuzz.txt", "fuzz");
    for a in &articles {
        let _ = (a.body_text(), a.steps_text());
    }
});
