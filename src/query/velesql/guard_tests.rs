//! The parser's guards: each bound at its limit and one past it, nesting bombs refused quickly,
//! and the reserved words of the grammar and of `keywords.rs` in step.

use std::time::{Duration, Instant};

use super::ast::{ExprKind, Statement};
use super::{
    ErrorCode, MAX_LIST_ITEMS, MAX_NESTING, MAX_QUERY_BYTES, MAX_STATEMENTS, RESERVED, parse,
};

/// Parses `text`, which must be refused with `code` within `budget`.
fn refused_quickly(text: &str, code: ErrorCode, budget: Duration) -> super::ParseError {
    let start = Instant::now();
    let e = refused(text);
    let took = start.elapsed();
    assert_eq!(e.code, code, "{}", e.message);
    assert!(took < budget, "took {took:?}");
    assert!(e.span.start <= text.len(), "span inside the text");
    e
}

/// The error for `text`, without printing a tree when there is none.
fn refused(text: &str) -> super::ParseError {
    match parse(text) {
        Ok(_) => panic!("accepted: {}", &text[..text.len().min(80)]),
        Err(e) => e,
    }
}

#[test]
fn nesting_bombs_are_refused_quickly_without_overflowing_the_stack() {
    let budget = Duration::from_millis(100);
    // Past the length limit, the length guard answers first.
    for bomb in [
        format!("SELECT * FROM c WHERE {}", "(".repeat(100_000)),
        format!("SELECT * FROM c WHERE {}a = 1", "NOT ".repeat(100_000)),
    ] {
        refused_quickly(&bomb, ErrorCode::QueryTooLong, budget);
    }
    // Within it, the nesting guard.
    for bomb in [
        format!("SELECT * FROM c WHERE {}", "(".repeat(60_000)),
        format!("SELECT * FROM c WHERE {}a = 1", "NOT ".repeat(16_000)),
        format!("SELECT * FROM c WHERE {}a = 1", "NOT (".repeat(12_000)),
        format!("SELECT * FROM c WHERE a IN {}", "[".repeat(60_000)),
        "(".repeat(MAX_QUERY_BYTES),
    ] {
        let e = refused_quickly(&bomb, ErrorCode::NestingTooDeep, budget);
        assert_eq!(e.line, 1);
    }
}

#[test]
fn nesting_at_the_limit_parses_and_one_more_level_is_refused() {
    // Each `NOT (` is two levels.
    let at_limit = |extra: usize| {
        let levels = MAX_NESTING / 2;
        format!(
            "SELECT * FROM c WHERE {}a = 1{}{}",
            "NOT (".repeat(levels),
            ")".repeat(levels),
            " AND NOT b = 1".repeat(extra)
        )
    };
    assert!(parse(&at_limit(0)).is_ok());
    // AND ends a NOT's reach: a flat chain of NOTs is not deep.
    assert!(parse(&at_limit(100)).is_ok());
    let one_more = format!("SELECT * FROM c WHERE {}a = 1", "(".repeat(MAX_NESTING + 1));
    let e = refused(&one_more);
    assert_eq!(e.code, ErrorCode::NestingTooDeep);
    assert_eq!(e.column, "SELECT * FROM c WHERE ".len() + MAX_NESTING + 1);
    let nots = format!(
        "SELECT * FROM c WHERE {}a = 1",
        "NOT ".repeat(MAX_NESTING + 1)
    );
    assert_eq!(
        parse(&nots).map_err(|e| e.code).err(),
        Some(ErrorCode::NestingTooDeep)
    );
    let nots = format!("SELECT * FROM c WHERE {}a = 1", "NOT ".repeat(MAX_NESTING));
    assert!(parse(&nots).is_ok());
}

/// pest's own stack probe is off (Plait builds pest without `std`, which costs a quarter of the
/// parse time), so the pre-scan's nesting bound is what keeps the parser's recursion small: the
/// deepest accepted statements parse on a thread with a quarter of a blocking-pool thread's
/// 2 MiB stack.
#[test]
fn the_deepest_accepted_statements_parse_on_a_small_stack() {
    let deepest = [
        format!(
            "SELECT * FROM c WHERE {}a = 1{}",
            "(".repeat(MAX_NESTING),
            ")".repeat(MAX_NESTING)
        ),
        format!("SELECT * FROM c WHERE {}a = 1", "NOT ".repeat(MAX_NESTING)),
        format!(
            "SELECT * FROM c WHERE a IN ({}1{})",
            "[".repeat(MAX_NESTING - 1),
            "]".repeat(MAX_NESTING - 1)
        ),
    ];
    let parsed = std::thread::Builder::new()
        .stack_size(512 * 1024)
        .spawn(move || {
            deepest
                .iter()
                .map(|q| parse(q).map(|_| ()).map_err(|e| e.code))
                .collect::<Vec<_>>()
        })
        .expect("thread")
        .join()
        .expect("no stack overflow");
    assert!(parsed.iter().all(Result::is_ok), "{parsed:?}");
}

#[test]
fn brackets_inside_strings_names_and_comments_do_not_count_as_nesting() {
    let hidden = "(".repeat(MAX_NESTING * 4);
    let text =
        format!("SELECT \"{hidden}\" FROM c WHERE a = '{hidden}' -- {hidden}\n /* {hidden} */");
    assert!(parse(&text).is_ok());
}

#[test]
fn queries_past_the_length_limit_are_refused_before_parsing() {
    let pad = |n: usize| format!("SELECT * FROM c WHERE a = '{}'", "x".repeat(n));
    let base = pad(0).len();
    assert!(parse(&pad(MAX_QUERY_BYTES - base)).is_ok());
    let e = refused_quickly(
        &pad(MAX_QUERY_BYTES - base + 1),
        ErrorCode::QueryTooLong,
        Duration::from_millis(100),
    );
    assert_eq!(e.span.start, MAX_QUERY_BYTES);
    refused_quickly(
        &"(".repeat(10 * MAX_QUERY_BYTES),
        ErrorCode::QueryTooLong,
        Duration::from_millis(100),
    );
}

#[test]
fn statements_past_the_limit_are_refused_at_the_first_extra_one() {
    let many = |n: usize| vec!["SHOW COLLECTIONS"; n].join("; ");
    assert_eq!(
        parse(&many(MAX_STATEMENTS)).map(|s| s.len()).ok(),
        Some(MAX_STATEMENTS)
    );
    let e = refused(&many(MAX_STATEMENTS + 1));
    assert_eq!(e.code, ErrorCode::TooManyStatements);
    assert_eq!(e.column, MAX_STATEMENTS * "SHOW COLLECTIONS; ".len() + 1);
}

#[test]
fn every_kind_of_list_is_bounded() {
    let items = |n: usize| vec!["1"; n].join(", ");
    let cases = [
        |l: &str| format!("SELECT * FROM c WHERE a IN ({l})"),
        |l: &str| format!("SELECT * FROM c WHERE a CONTAINS ALL ({l})"),
        |l: &str| format!("SELECT * FROM c WHERE vector NEAR [{l}]"),
        |l: &str| format!("INSERT INTO c (id) VALUES {}", l.replace('1', "(1)")),
        |l: &str| format!("INSERT INTO c (id) VALUES ({l})"),
        |l: &str| format!("SELECT * FROM c ORDER BY {}", l.replace('1', "a")),
        |l: &str| format!("SELECT {} FROM c", l.replace('1', "a")),
        |l: &str| format!("SELECT * FROM c WHERE a = {}", l.replace(", ", " + ")),
    ];
    for case in cases {
        let ok = case(&items(MAX_LIST_ITEMS));
        assert!(parse(&ok).is_ok(), "{}", &ok[..60]);
        let text = case(&items(MAX_LIST_ITEMS + 1));
        let e = refused(&text);
        assert_eq!(
            e.code,
            ErrorCode::ListTooLong,
            "{}: {}",
            &text[..60],
            e.message
        );
        assert!(
            e.span.start > text.len() / 2,
            "the error names the first extra item"
        );
    }
}

#[test]
fn the_longest_accepted_list_parses_quickly() {
    let text = format!(
        "SELECT * FROM c WHERE vector NEAR [{}]",
        vec!["-0.123456789"; MAX_LIST_ITEMS].join(",")
    );
    let start = Instant::now();
    let statements = parse(&text).expect("parses");
    assert!(start.elapsed() < Duration::from_secs(1));
    let Some(Statement::Select(select)) = statements.first() else {
        panic!("a select");
    };
    let Some(ExprKind::Near { query, .. }) = select.filter.as_ref().map(|f| &f.kind) else {
        panic!("a search");
    };
    assert!(matches!(&query.kind, ExprKind::Array(items) if items.len() == MAX_LIST_ITEMS));
}

#[test]
fn a_query_of_the_longest_length_made_of_small_conditions_parses_within_the_rule_budget() {
    let head = "SELECT * FROM c WHERE a = 1";
    let term = " AND (b IN (1, 'x') OR NOT c.d[] >= -2.5e3)";
    let n = (MAX_QUERY_BYTES - head.len()) / term.len();
    let text = format!("{head}{}", term.repeat(n));
    assert!(text.len() > MAX_QUERY_BYTES - term.len());
    let start = Instant::now();
    let statements = parse(&text).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(statements.len(), 1);
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn reserved_words_need_quotes_and_other_keywords_do_not() {
    for word in RESERVED {
        let bare = format!("SELECT * FROM {word}");
        assert!(parse(&bare).is_err(), "{word} accepted bare");
        let quoted = format!("SELECT \"{word}\" FROM c WHERE \"{word}\" = 1");
        assert!(parse(&quoted).is_ok(), "{word} refused quoted");
    }
    for word in [
        "type",
        "index",
        "collection",
        "count",
        "now",
        "show",
        "drop",
        "update",
        "delete",
        "insert",
        "exists",
        "analyze",
        "explain",
        "describe",
        "similarity",
        "sum",
        "if",
        "into",
        "create",
        "upsert",
        "collections",
        "android",
        "ordered",
        "nothing",
        "island",
        "asking",
    ] {
        let text = format!("SELECT {word} FROM {word} WHERE {word} = 1 ORDER BY {word}");
        assert!(parse(&text).is_ok(), "{word} refused as a name");
    }
}

#[test]
fn errors_carry_a_caret_under_the_offending_token() {
    let e = refused("SELECT *\nFROM c\nWHERE a = = 1");
    assert_eq!((e.line, e.column), (3, 11));
    assert_eq!(e.caret(), "WHERE a = = 1\n          ^");
    assert_eq!(e.code.as_str(), "syntax_error");
    assert!(e.to_string().contains("line 3, column 11"), "{e}");
}

#[test]
fn comments_keep_the_positions_of_what_follows_them() {
    let e = refused("SELECT /* é\n ü */ * -- ö\nFORM c");
    assert_eq!((e.line, e.column), (3, 1));
    assert_eq!(e.caret(), "FORM c\n^");
    let e = refused("SELECT /* ünï */ * FORM c");
    assert_eq!((e.line, e.column), (1, 20));
    assert_eq!(
        &"SELECT /* ünï */ * FORM c"[e.span.start..e.span.end],
        "FORM"
    );
}
