//! Runs `tests/velesql/conformance.txt`, the language's conformance file.
//!
//! Format: a case starts with `> query` (`\n` and `\t` in it stand for a line break and a
//! tab). It is followed by `= canonical text` (statements joined by `; `), by
//! `! code line:column words...` for a query that must be refused (the message must contain the
//! words), or by nothing when the query is already in canonical form. Lines starting with `#`
//! and blank lines are comments. Every accepted case must also round-trip: its canonical text
//! parses to the same tree.

use super::parse;

const FILE: &str = include_str!("../../../tests/velesql/conformance.txt");

enum Expect<'a> {
    Canonical(String),
    Refused {
        code: &'a str,
        line: usize,
        column: usize,
        words: &'a str,
    },
}

fn cases() -> Vec<(usize, String, Expect<'static>)> {
    let lines: Vec<(usize, &str)> = FILE
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let (n, line) = lines[i];
        let query = line
            .strip_prefix("> ")
            .unwrap_or_else(|| panic!("conformance.txt:{n}: expected '> query', got {line:?}"))
            .replace("\\n", "\n")
            .replace("\\t", "\t");
        i += 1;
        let expect = match lines.get(i).map(|(_, l)| *l) {
            Some(l) if l.starts_with("= ") => {
                i += 1;
                Expect::Canonical(l[2..].to_owned())
            }
            Some(l) if l.starts_with("! ") => {
                i += 1;
                let mut parts = l[2..].splitn(3, ' ');
                let code = parts.next().unwrap_or_default();
                let (line, column) = parts
                    .next()
                    .and_then(|p| p.split_once(':'))
                    .and_then(|(a, b)| Some((a.parse().ok()?, b.parse().ok()?)))
                    .unwrap_or_else(|| panic!("conformance.txt:{n}: bad '! code line:col'"));
                Expect::Refused {
                    code,
                    line,
                    column,
                    words: parts.next().unwrap_or_default(),
                }
            }
            _ => Expect::Canonical(query.clone()),
        };
        out.push((n, query, expect));
    }
    out
}

fn canonical(query: &str) -> Result<String, super::ParseError> {
    parse(query).map(|statements| {
        statements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

#[test]
fn conformance_file_holds() {
    let cases = cases();
    let mut failures = Vec::new();
    let (mut accepted, mut refused) = (0, 0);
    for (n, query, expect) in &cases {
        let got = canonical(query);
        let ok = match (expect, &got) {
            (Expect::Canonical(want), Ok(text)) => {
                accepted += 1;
                let again = parse(text);
                let same = again.as_ref().ok() == parse(query).as_ref().ok();
                if !same {
                    failures.push(format!(
                        "conformance.txt:{n}: canonical text does not round-trip: {text}\n  {again:?}"
                    ));
                }
                text == want
            }
            (
                Expect::Refused {
                    code,
                    line,
                    column,
                    words,
                },
                Err(e),
            ) => {
                refused += 1;
                e.code.as_str() == *code
                    && e.line == *line
                    && e.column == *column
                    && e.message.contains(words)
            }
            _ => false,
        };
        if !ok {
            let actual = match &got {
                Ok(text) => format!("= {text}"),
                Err(e) => format!("! {} {}:{} {}", e.code, e.line, e.column, e.message),
            };
            failures.push(format!("conformance.txt:{n}: {query:?}\n  got: {actual}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(accepted >= 150, "only {accepted} accepted cases");
    assert!(refused >= 50, "only {refused} refused cases");
}
