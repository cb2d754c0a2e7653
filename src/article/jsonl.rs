//! Bulk import: one article per line,
//! `{"id","title","topic","body"(Markdown),"questions","url"}`.

use rayon::prelude::*;
use serde::Deserialize;

use super::frontmatter::OneOrMany;
use super::{Article, MAX_ID_CHARS, Meta, Problem, from_document, markdown};

#[derive(Deserialize)]
struct Record {
    id: Option<String>,
    title: Option<String>,
    topic: Option<OneOrMany>,
    #[serde(default)]
    body: String,
    questions: Option<OneOrMany>,
    url: Option<String>,
}

/// Parses a JSONL file. Broken lines are reported and skipped; the rest load.
/// Lines are parsed in parallel (rayon); articles and problems come back in
/// line order, as if read one by one.
pub fn parse(text: &str, path: &str, corpus: &str) -> (Vec<Article>, Vec<Problem>) {
    let stem = path.strip_suffix(".jsonl").unwrap_or(path);
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.trim().trim_start_matches('\u{feff}')))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    let parsed: Vec<(Option<Article>, Vec<Problem>)> = lines
        .into_par_iter()
        .with_min_len(16)
        .map(|(line_no, line)| parse_line(line, line_no, path, stem, corpus))
        .collect();
    let mut articles = Vec::with_capacity(parsed.len());
    let mut problems = Vec::new();
    for (article, line_problems) in parsed {
        problems.extend(line_problems);
        articles.extend(article);
    }
    (articles, problems)
}

/// One record: its article, if it makes one, and what is wrong with it.
fn parse_line(
    line: &str,
    line_no: usize,
    path: &str,
    stem: &str,
    corpus: &str,
) -> (Option<Article>, Vec<Problem>) {
    let record: Record = match serde_json::from_str(line) {
        Ok(r) => r,
        Err(e) => {
            return (
                None,
                vec![Problem::at(line_no, format!("invalid JSON line: {e}"))],
            );
        }
    };
    let mut problems = Vec::new();
    let doc = markdown::parse(&record.body);
    let title = record
        .title
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty());
    if title.is_none() && doc.first_h1().is_none() {
        problems.push(Problem::at(
            line_no,
            "record has no title and its body no heading",
        ));
        return (None, problems);
    }
    let fallback_id = format!("{stem}/{line_no}");
    let id = match record
        .id
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
    {
        Some(id) if id.char_indices().nth(MAX_ID_CHARS).is_some() => {
            problems.push(Problem::at(
                line_no,
                format!(
                    "id is {} characters, over the limit of {MAX_ID_CHARS}; using `{fallback_id}` instead",
                    id.chars().count()
                ),
            ));
            fallback_id
        }
        Some(id) => id,
        None => fallback_id,
    };
    let meta = Meta {
        id: Some(id),
        title,
        topic: record
            .topic
            .map(OneOrMany::into_topic_path)
            .unwrap_or_default(),
        questions: record
            .questions
            .map(OneOrMany::into_vec)
            .unwrap_or_default(),
        url: record.url.filter(|u| !u.trim().is_empty()),
    };
    let source = format!("{path}:{line_no}");
    let mut notes = Vec::new();
    let article = from_document(meta, doc, &source, corpus, "", &mut notes);
    if article.sections.is_empty() && article.questions.is_empty() {
        problems.push(Problem::at(line_no, "record has no body text"));
        return (None, problems);
    }
    problems.extend(notes.into_iter().map(|n| Problem::at(line_no, n)));
    (Some(article), problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_and_bad_lines() {
        let text = concat!(
            r#"{"id":"a","title":"如何修改公司名称？","topic":"其他","body":"请咨询生态经理。","questions":["公司改名"]}"#,
            "\n\n",
            "{not json}\n",
            r#"{"title":"","body":""}"#,
            "\n",
            r##"{"body":"# 从正文取标题\n\n正文。","topic":["A","B"]}"##,
            "\n"
        );
        let (articles, problems) = parse(text, "bulk.jsonl", "c");
        assert_eq!(articles.len(), 2);
        assert_eq!(articles[0].id, "a");
        assert_eq!(articles[0].path, "bulk.jsonl:1");
        assert_eq!(articles[0].questions, vec!["公司改名"]);
        assert_eq!(articles[1].id, "bulk/5");
        assert_eq!(articles[1].title, "从正文取标题");
        assert_eq!(articles[1].topic, vec!["A", "B"]);
        let lines: Vec<_> = problems.iter().map(|p| p.line).collect();
        assert_eq!(lines, vec![Some(3), Some(4)]);
    }
}
