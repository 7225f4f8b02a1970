//! Parser fuzzing: generated and mutated statements never panic, never hang, and every
//! refusal has a position inside the text. The saved corpus (`tests/velesql/corpus/`, mutated
//! conformance statements and hand-picked bombs) is replayed on every run.
//!
//! The longer run (the extended tier, a million inputs per property):
//!
//! ```text
//! PROPTEST_CASES=1000000 cargo test --release --lib query::velesql::fuzz_tests
//! ```
//!
//! A failing input found there is saved as a new file in the corpus.

use std::time::{Duration, Instant};

use proptest::collection::vec;
use proptest::prelude::*;

use super::parse;

const CONFORMANCE: &str = include_str!("../../../tests/velesql/conformance.txt");

/// Longest a single input may take to parse (the bound the testing catalogue sets).
const BUDGET: Duration = Duration::from_millis(100);

/// Parses `text` and checks what any answer must satisfy; returns how long parsing took.
fn check(text: &str) -> Result<Duration, String> {
    let start = Instant::now();
    let result = parse(text);
    let took = start.elapsed();
    match result {
        Ok(statements) => {
            let printed = statements
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ");
            match parse(&printed) {
                Ok(again) if again == statements => {}
                other => {
                    return Err(format!(
                        "canonical text {printed:?} reads back as {other:?}"
                    ));
                }
            }
        }
        Err(e) => {
            let lines = text.split('\n').count();
            if e.span.start > text.len()
                || e.span.end > text.len()
                || e.line == 0
                || e.line > lines
                || e.column == 0
                || e.message.is_empty()
                || !e.caret().ends_with('^')
            {
                return Err(format!("badly placed error {e:?}"));
            }
        }
    }
    Ok(took)
}

fn conformance_queries() -> Vec<String> {
    CONFORMANCE
        .lines()
        .filter_map(|l| l.strip_prefix("> "))
        .map(|q| q.replace("\\n", "\n").replace("\\t", "\t"))
        .collect()
}

#[test]
fn the_saved_corpus_replays_without_panic_or_hang() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/velesql/corpus");
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("corpus directory")
        .map(|e| e.expect("corpus entry").path())
        .collect();
    entries.sort();
    assert!(entries.len() >= 50, "corpus holds {} inputs", entries.len());
    for path in entries {
        let bytes = std::fs::read(&path).expect("corpus file");
        let text = String::from_utf8_lossy(&bytes);
        let took = check(&text).unwrap_or_else(|why| panic!("{}: {why}", path.display()));
        assert!(took < BUDGET, "{}: took {took:?}", path.display());
    }
}

/// An edit of a statement: delete, insert a token, repeat a slice, cut, or splice another one.
#[derive(Debug, Clone)]
enum Edit {
    Delete(usize, usize),
    Insert(usize, &'static str),
    Repeat(usize, usize, usize),
    Cut(usize),
    Splice(usize, usize, usize),
}

const TOKENS: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "'",
    "\"",
    "--",
    "/*",
    "*/",
    ";",
    ",",
    "NOT ",
    " AND ",
    " OR ",
    "$",
    "$v",
    "1e999",
    "-",
    "+",
    "=",
    "<>",
    "é",
    "\0",
    "\n",
    " IN (",
    " BETWEEN ",
    "NULL",
    "INTERVAL '",
    "NOW(",
    "COUNT(",
    "*",
    "''",
    "\\",
    "99999999999999999999",
    "EXPLAIN ",
    " WHERE ",
    ".",
    "[]",
    "0.",
    "similarity(",
    " MATCH ",
    "💥",
    " id ",
    " vector NEAR ",
];

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        (any::<usize>(), 1usize..10).prop_map(|(at, n)| Edit::Delete(at, n)),
        (any::<usize>(), prop::sample::select(TOKENS)).prop_map(|(at, t)| Edit::Insert(at, t)),
        (any::<usize>(), 1usize..20, 2usize..6).prop_map(|(at, n, k)| Edit::Repeat(at, n, k)),
        any::<usize>().prop_map(Edit::Cut),
        (any::<usize>(), any::<usize>(), any::<usize>())
            .prop_map(|(at, other, from)| Edit::Splice(at, other, from)),
    ]
}

/// The largest char boundary of `s` at or before `i % (len + 1)`.
fn boundary(s: &str, i: usize) -> usize {
    let mut i = i % (s.len() + 1);
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply(text: &str, edits: &[Edit], queries: &[String]) -> String {
    let mut s = text.to_owned();
    for edit in edits {
        s = match edit {
            Edit::Delete(at, n) => {
                let a = boundary(&s, *at);
                let b = boundary(&s, (a + n).min(s.len()));
                format!("{}{}", &s[..a], &s[b..])
            }
            Edit::Insert(at, token) => {
                let a = boundary(&s, *at);
                format!("{}{token}{}", &s[..a], &s[a..])
            }
            Edit::Repeat(at, n, k) => {
                let a = boundary(&s, *at);
                let b = boundary(&s, (a + n).min(s.len()));
                format!("{}{}{}", &s[..a], s[a..b].repeat(*k), &s[a..])
            }
            Edit::Cut(at) => s[..boundary(&s, *at)].to_owned(),
            Edit::Splice(at, other, from) => {
                let other = &queries[other % queries.len()];
                let a = boundary(&s, *at);
                format!("{}{}", &s[..a], &other[boundary(other, *from)..])
            }
        };
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn mutated_conformance_statements_never_panic(
        pick in any::<usize>(),
        edits in vec(edit(), 1..5),
    ) {
        let queries = conformance_queries();
        let text = apply(&queries[pick % queries.len()], &edits, &queries);
        let took = check(&text).map_err(TestCaseError::fail)?;
        prop_assert!(took < BUDGET * 10, "{:?} took {:?}", text, took);
    }

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        check(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn random_bytes_never_panic(bytes in vec(any::<u8>(), 0..200)) {
        check(&String::from_utf8_lossy(&bytes)).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn random_token_soup_never_panics(
        words in vec(
            prop_oneof![
                prop::sample::select(TOKENS).prop_map(str::to_owned),
                prop::sample::select(super::RESERVED).prop_map(str::to_owned),
                "[a-z]{1,4}",
                "[0-9]{1,3}",
            ],
            0..40,
        )
    ) {
        let soup = words.join(" ");
        check(&soup).map_err(TestCaseError::fail)?;
        check(&format!("SELECT * FROM c WHERE {soup}")).map_err(TestCaseError::fail)?;
    }
}
