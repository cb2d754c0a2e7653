//! A Markdown file with front matter, as ingest reads it: front matter,
//! blocks, structure (steps, console paths), limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut notes = Vec::new();
    if let Ok(article) =
        wenda::article::parse_markdown_file_noting(&text, "dir/fuzz.md", "fuzz", &mut notes)
    {
        // What the index and the answers read from an article.
        let _ = (
            article.body_text(),
            article.steps_text(),
            article.link_density(),
        );
        let _ = serde_json::to_string(&article).expect("an article serialises");
    }
});
