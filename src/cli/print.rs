//! What the commands print for people (JSON output is serde's). Every
//! printer writes to a `Write` so that a closed pipe (`wenda report | head`)
//! ends the command quietly instead of panicking.

use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

use wenda::answer::AnswerResponse;
use wenda::answer::confidence::Calibration;
use wenda::eval::EvalReport;
use wenda::index::BuildReport;
use wenda::journal::Report;
use wenda::search::SearchResponse;
use wenda::{Error, Result};

/// Runs `print` on a buffered stdout; a reader that went away (broken
/// pipe) is not an error.
pub fn stdout(print: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> Result<()> {
    let mut out = io::BufWriter::new(io::stdout().lock());
    let result = print(&mut out).and_then(|()| out.flush());
    match result {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(source) => Err(Error::Terminal {
            stream: "stdout",
            source,
        }),
        Ok(()) => Ok(()),
    }
}

/// Pretty JSON on stdout.
pub fn json(value: &impl serde::Serialize) -> Result<()> {
    let text = serde_json::to_string_pretty(value).map_err(Error::json("output"))?;
    stdout(|w| writeln!(w, "{text}"))
}

/// Text from users (queries, comments, ids) made safe for a terminal:
/// control characters (ESC, CR, LF …) and bidirectional overrides are
/// shown as escapes, so a comment cannot clear the screen or forge lines.
pub fn escape(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// The ingest report, for people (on stderr).
pub fn build_report(w: &mut dyn Write, r: &BuildReport, index_dir: &Path) -> io::Result<()> {
    writeln!(
        w,
        "ingested {} articles in {} topics from {} into {} ({} ms)",
        r.articles,
        r.topics,
        r.corpora.join(", "),
        index_dir.display(),
        r.took_ms
    )?;
    writeln!(
        w,
        "  files: {} ({} not articles), tables of contents: {}, dictionary words: {}, synonym groups: {}",
        r.files,
        r.ignored_files,
        r.tocs.len(),
        r.dictionary_words,
        r.synonym_groups
    )?;
    writeln!(
        w,
        "  articles with steps: {}, links: {} resolved, {} external, {} unresolved",
        r.articles_with_steps,
        r.links.resolved,
        r.links.external,
        r.links.unresolved.len()
    )?;
    for u in &r.links.unresolved {
        writeln!(w, "    unresolved in {}: {}", u.article, escape(&u.text))?;
    }
    if !r.mined.is_empty() {
        writeln!(
            w,
            "  vocabulary mined from the corpus ({} pairs):",
            r.mined.len()
        )?;
        for p in &r.mined {
            let at = p
                .evidence
                .first()
                .map(|e| format!("{}:{}", e.file, e.line))
                .unwrap_or_default();
            writeln!(
                w,
                "    {} = {} ({}, {}×, {})",
                escape(&p.term),
                escape(&p.alias),
                p.kind.as_str(),
                p.count,
                escape(&at)
            )?;
        }
    }
    if !r.skipped.is_empty() {
        writeln!(w, "  skipped ({}):", r.skipped.len())?;
        for s in &r.skipped {
            writeln!(w, "    {}", escape(&s.to_string()))?;
        }
    }
    if r.warnings.is_empty() {
        writeln!(w, "  warnings: none")
    } else {
        writeln!(w, "  warnings ({}):", r.warnings.len())?;
        for warning in &r.warnings {
            writeln!(w, "    {}", escape(&warning.to_string()))?;
        }
        Ok(())
    }
}

/// Search hits, highlights in 【】.
pub fn hits(w: &mut dyn Write, resp: &SearchResponse) -> io::Result<()> {
    writeln!(w, "{} results ({} ms)", resp.total, resp.took_ms)?;
    for (i, h) in resp.hits.iter().enumerate() {
        let topic = if h.topic.is_empty() {
            String::new()
        } else {
            format!("  [{}]", wenda::search::topic_value(&h.topic))
        };
        writeln!(
            w,
            "{:>2}. {}{}  ({:.2}, {})",
            i + 1,
            h.title,
            topic,
            h.score,
            h.id
        )?;
        let snippet: String = h
            .snippet
            .pieces()
            .into_iter()
            .map(|(p, hit)| {
                if hit {
                    format!("【{p}】")
                } else {
                    p.to_string()
                }
            })
            .collect();
        writeln!(w, "    {}", escape(&snippet))?;
    }
    Ok(())
}

/// The gap report. Everything in it came from the public, so all of it is escaped.
pub fn gaps(w: &mut dyn Write, r: &Report, dir: &Path) -> io::Result<()> {
    writeln!(w, "from {}", dir.display())?;
    writeln!(w, "searches that found nothing:")?;
    for c in &r.zero_results {
        writeln!(w, "  {:>5}  {}", c.count, escape(&c.query))?;
    }
    writeln!(w, "questions handed over to a person:")?;
    for c in &r.handoffs {
        writeln!(w, "  {:>5}  {}", c.count, escape(&c.query))?;
    }
    writeln!(w, "ticket questions the help centre does not cover:")?;
    for c in &r.ticket_gaps {
        writeln!(w, "  {:>5}  {}", c.count, escape(&c.query))?;
    }
    writeln!(w, "articles marked unhelpful:")?;
    for v in &r.unhelpful {
        let comments: Vec<Cow<'_, str>> = v.comments.iter().map(|c| escape(c)).collect();
        writeln!(
            w,
            "  {:>5} unhelpful, {} helpful  {}  {}",
            v.unhelpful,
            v.helpful,
            escape(&v.article_id),
            comments.join(" / ")
        )?;
    }
    if r.unreadable_lines > 0 {
        writeln!(
            w,
            "({} log lines could not be read and were skipped)",
            r.unreadable_lines
        )?;
    }
    Ok(())
}

/// One answer: status, reason, confidence, then the reply.
pub fn answer(w: &mut dyn Write, r: &AnswerResponse) -> io::Result<()> {
    writeln!(
        w,
        "[{} · {} · confidence {:.2}{}]",
        r.status.as_str(),
        r.reason.as_str(),
        r.confidence,
        if r.handoff { " · handoff" } else { "" }
    )?;
    writeln!(w, "{}", r.reply)
}

/// Ranking quality and the queries that missed.
pub fn eval(w: &mut dyn Write, r: &EvalReport, file: &Path) -> io::Result<()> {
    writeln!(w, "{}: {} queries", file.display(), r.queries)?;
    writeln!(
        w,
        "MRR@10 {:.3}   R@1 {:.3}   R@5 {:.3}   R@10 {:.3}   p50 {:.3} ms   p99 {:.3} ms",
        r.mrr_at_10, r.recall_at_1, r.recall_at_5, r.recall_at_10, r.p50_ms, r.p99_ms
    )?;
    if !r.missed.is_empty() {
        writeln!(w, "not first ({}):", r.missed.len())?;
        for m in &r.missed {
            let rank = m.rank.map_or("-".to_string(), |r| r.to_string());
            writeln!(
                w,
                "  [{rank:>2}] {}  want {}  got {}",
                m.q,
                m.relevant.join(" | "),
                m.got.join(" | ")
            )?;
        }
    }
    Ok(())
}

/// The calibration table (Markdown).
pub fn calibration(
    w: &mut dyn Write,
    c: &Calibration,
    outcomes: &impl serde::Serialize,
) -> io::Result<()> {
    writeln!(
        w,
        "{} questions ({} answerable, {} not)",
        c.examples,
        c.answerable,
        c.examples - c.answerable
    )?;
    writeln!(w, "fitted model: {}", one_line(&c.fitted))?;
    writeln!(w, "shipped answer policy: {}", one_line(outcomes))?;
    writeln!(
        w,
        "| threshold | precision | coverage | false answers | shipped precision | shipped coverage | shipped false answers |"
    )?;
    writeln!(w, "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")?;
    for (p, q) in c.fitted_points.iter().zip(&c.shipped_points) {
        writeln!(
            w,
            "| {:.2} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            p.threshold,
            p.precision,
            p.coverage,
            p.false_answers,
            q.precision,
            q.coverage,
            q.false_answers
        )?;
    }
    Ok(())
}

/// A value as one line of JSON.
fn one_line(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// Learned questions, one a line.
pub fn learned(
    w: &mut dyn Write,
    list: &[wenda::search::learned::LearnedQuestion],
) -> io::Result<()> {
    if list.is_empty() {
        return writeln!(w, "nothing learned yet");
    }
    writeln!(
        w,
        "{:<16}  helpful unhelpful clicks  article — question",
        "id"
    )?;
    for q in list {
        writeln!(
            w,
            "{:<16}  {:>7} {:>9} {:>6}  {} — {}",
            q.id,
            q.helpful,
            q.unhelpful,
            q.clicks,
            escape(&q.article_id),
            escape(&q.question)
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape("清楚"), "清楚");
        assert_eq!(
            escape("a\u{1b}[2Jb\r\nc\u{202e}"),
            "a\\u{1b}[2Jb\\r\\nc\\u{202e}"
        );
    }
}
