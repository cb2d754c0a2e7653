//! `wenda assist` and `wenda eval --assist`: tickets for support agents.

use std::io::{self, Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use wenda::answer::Answerer;
use wenda::assist::eval::{AssistReport, evaluate, read_tickets};
use wenda::assist::{
    AssistRequest, AssistResponse, QuestionStatus, assist as run_assist, gap_events,
};
use wenda::config::Limits;
use wenda::journal::Journal;
use wenda::{Error, Result};

use super::args::{AssistArgs, Source};
use super::commands::open_fresh;
use super::print::{self, escape};

/// Reads the ticket from a file or standard input (`-`), refusing what
/// `POST /api/assist` would refuse.
fn read_ticket(path: &Path) -> Result<String> {
    let bytes = if path == Path::new("-") {
        let mut buf = Vec::new();
        io::stdin()
            .lock()
            .read_to_end(&mut buf)
            .map_err(|source| Error::Terminal {
                stream: "stdin",
                source,
            })?;
        buf
    } else {
        std::fs::read(path).map_err(|e| Error::io(path, e))?
    };
    let name = if path == Path::new("-") {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let text = String::from_utf8(bytes)
        .map_err(|_| Error::Invalid(format!("{name}: the ticket is not UTF-8 text")))?;
    let max = Limits::default().ticket_chars;
    if text.chars().count() > max {
        return Err(Error::Invalid(format!(
            "{name}: the ticket is longer than {max} characters"
        )));
    }
    if text.trim().is_empty() {
        return Err(Error::Invalid(format!("{name}: the ticket is empty")));
    }
    Ok(text)
}

/// `wenda assist`.
pub fn assist(args: AssistArgs) -> Result<ExitCode> {
    let ticket = read_ticket(&args.ticket)?;
    let answerer = Answerer::new(Arc::new(open_fresh(&args.source)?));
    let resp = run_assist(
        &answerer,
        &AssistRequest {
            ticket,
            topic: args
                .topic
                .map(|t| wenda::article::frontmatter::split_topic_path(&t))
                .filter(|t| !t.is_empty()),
            ..Default::default()
        },
    )?;
    if let Some(dir) = &args.log_dir {
        let journal = Journal::open(dir)?;
        for event in gap_events(&resp) {
            journal.query(event);
        }
        journal.flush();
    }
    if args.json {
        print::json(&resp)?;
    } else {
        print::stdout(|w| response(w, &resp))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `wenda eval --assist`.
pub fn eval(tickets: &Path, source: &Source, json: bool) -> Result<ExitCode> {
    let (labelled, warnings) = read_tickets(tickets)?;
    for w in &warnings {
        eprintln!("warning: {w}");
    }
    let answerer = Answerer::new(Arc::new(open_fresh(source)?));
    let report = evaluate(&answerer, &labelled)?;
    if json {
        print::json(&report)?;
    } else {
        print::stdout(|w| eval_report(w, &report, tickets))?;
    }
    Ok(ExitCode::SUCCESS)
}

/// A ticket's questions, then the draft. Customer text is escaped.
fn response(w: &mut dyn Write, r: &AssistResponse) -> io::Result<()> {
    writeln!(w, "{} questions ({} ms)", r.questions.len(), r.took_ms)?;
    for q in &r.questions {
        writeln!(
            w,
            "\n{}. {}  [{} · confidence {:.2}]",
            q.n,
            escape(&q.question),
            q.status.as_str(),
            q.confidence
        )?;
        match q.status {
            QuestionStatus::Answered => {
                if let Some(a) = &q.article {
                    writeln!(w, "   article: {}  {}", a.title, a.link)?;
                    for s in &a.steps {
                        let path = if s.menu_path.is_empty() {
                            String::new()
                        } else {
                            format!("  ({})", s.menu_path.join(" > "))
                        };
                        writeln!(w, "     {}. {}{}", s.n, one_line(&s.text), path)?;
                    }
                }
            }
            QuestionStatus::Ambiguous => {
                for c in &q.choices {
                    writeln!(
                        w,
                        "   choice: {} ({:.2})  {}",
                        c.title, c.confidence, c.link
                    )?;
                }
            }
            QuestionStatus::NotCovered => writeln!(w, "   not covered by the help centre")?,
        }
        let others: Vec<String> = q
            .candidates
            .iter()
            .map(|c| format!("{} ({:.2})", c.title, c.confidence))
            .collect();
        if !others.is_empty() {
            writeln!(w, "   candidates: {}", others.join(" · "))?;
        }
    }
    if r.more_questions > 0 {
        writeln!(w, "\n({} more questions not looked up)", r.more_questions)?;
    }
    writeln!(w, "\n--- draft ---\n{}", escape_lines(&r.draft.text))
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes each line, keeping the line breaks.
fn escape_lines(s: &str) -> String {
    s.lines()
        .map(|l| escape(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

/// The figures, then every labelled question not found or not ranked first.
fn eval_report(w: &mut dyn Write, r: &AssistReport, file: &Path) -> io::Result<()> {
    writeln!(
        w,
        "{}: {} tickets, {} labelled questions ({} covered, {} not)",
        file.display(),
        r.tickets,
        r.labelled,
        r.covered,
        r.uncovered
    )?;
    writeln!(
        w,
        "questions found separately {}/{} ({:.3}), merged {}, spurious {}/{} found ({:.3})",
        r.found,
        r.labelled,
        r.split_accuracy,
        r.merged,
        r.spurious,
        r.found_questions,
        r.spurious_rate
    )?;
    writeln!(
        w,
        "per-question R@1 {:.3}   R@3 {:.3}   answered right {}  wrong {}   not covered marked {}/{}, covered marked not covered {}",
        r.recall_at_1,
        r.recall_at_3,
        r.answered_right,
        r.answered_wrong,
        r.uncovered_marked,
        r.uncovered,
        r.covered_marked_not_covered
    )?;
    writeln!(
        w,
        "per ticket: p50 {:.3} ms, max {:.3} ms",
        r.p50_ms, r.max_ms
    )?;
    for o in &r.outcomes {
        let first = o.rank == Some(1) || o.relevant.is_empty();
        if o.split == "found" && first {
            continue;
        }
        let rank = o.rank.map_or("-".to_string(), |r| r.to_string());
        writeln!(
            w,
            "  #{:<3} {:<6} [{rank:>1}] {}  want {}  got {}",
            o.ticket,
            o.split,
            escape(&one_line(&o.span)),
            o.relevant.join(" | "),
            o.got.join(" | ")
        )?;
    }
    for s in &r.spurious_questions {
        writeln!(
            w,
            "  #{:<3} spurious {}",
            s.ticket,
            escape(&one_line(&s.question))
        )?;
    }
    Ok(())
}
