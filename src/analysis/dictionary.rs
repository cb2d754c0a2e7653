//! User dictionaries in jieba's format: `word [freq] [tag]` per line,
//! `#` comments allowed.

use super::UserWord;

/// A line of a vocabulary file that could not be used.
#[derive(Debug, Clone, PartialEq)]
pub struct LineProblem {
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// Parses a user dictionary; bad lines are reported and skipped.
pub fn parse_dictionary(text: &str) -> (Vec<UserWord>, Vec<LineProblem>) {
    let mut words = Vec::new();
    let mut problems = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = parts.next().unwrap_or_default().to_string();
        let freq = match parts.next() {
            None => None,
            Some(f) => match f.parse::<usize>() {
                Ok(n) => Some(n),
                Err(_) => {
                    problems.push(LineProblem {
                        line: i + 1,
                        message: format!("frequency `{f}` is not a whole number"),
                    });
                    continue;
                }
            },
        };
        words.push(UserWord { word, freq });
    }
    (words, problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_frequencies_comments_and_errors() {
        let (words, problems) = parse_dictionary("# 领域词\n伙伴中心\n代金券 2000 n\n坏行 abc\n\n");
        assert_eq!(
            words,
            vec![
                UserWord {
                    word: "伙伴中心".into(),
                    freq: None
                },
                UserWord {
                    word: "代金券".into(),
                    freq: Some(2000)
                },
            ]
        );
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].line, 4);
    }
}
