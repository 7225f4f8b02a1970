//! Turning pest's error (the rules it tried at the furthest position it reached) into a sentence:
//! grammar rule names become words a user knows ("an expression", "a name", "the end of the
//! statement"), and the text found there is quoted.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::ast::Span;
use super::error::{ErrorCode, ParseError};
use super::keywords::is_reserved;
use super::parse::Rule;

/// Words that start a statement, in the order the message lists them.
const STATEMENT_KEYWORDS: &[Rule] = &[
    Rule::SELECT,
    Rule::MATCH,
    Rule::INSERT,
    Rule::UPSERT,
    Rule::UPDATE,
    Rule::DELETE,
    Rule::CREATE,
    Rule::DROP_,
    Rule::SHOW,
    Rule::DESCRIBE,
    Rule::EXPLAIN,
];

/// Rules that are whole statements (pest names one when none of its words matched).
const STATEMENT_RULES: &[Rule] = &[
    Rule::queries,
    Rule::explain,
    Rule::select,
    Rule::match_query,
    Rule::insert,
    Rule::update,
    Rule::delete,
    Rule::create_collection,
    Rule::drop_collection,
    Rule::create_index,
    Rule::drop_index,
    Rule::show_collections,
    Rule::describe,
];

/// Rules that start a value: when pest tried several, the message says "an expression".
const VALUE_STARTS: &[Rule] = &[
    Rule::term_word,
    Rule::number,
    Rule::string,
    Rule::TRUE,
    Rule::FALSE,
    Rule::NULL,
    Rule::param,
    Rule::array,
    Rule::INTERVAL,
    Rule::NOW,
    Rule::SIMILARITY,
    Rule::COUNT,
    Rule::SUM,
    Rule::AVG,
    Rule::MIN,
    Rule::MAX,
    Rule::aggregate_fn,
    Rule::parenthesized,
    Rule::id_column,
    Rule::vector_column,
    Rule::score_column,
    Rule::field,
    Rule::step,
    Rule::name,
    Rule::quoted_name,
    Rule::bare_name,
    Rule::NOT,
];

/// Operators that may follow a value in a condition.
const OPERATORS: &[Rule] = &[
    Rule::compare_op,
    Rule::comparison,
    Rule::is_null,
    Rule::in_list,
    Rule::between,
    Rule::like,
    Rule::contains,
    Rule::near,
    Rule::text_match,
    Rule::add_op,
    Rule::IS,
    Rule::IN,
    Rule::BETWEEN,
    Rule::LIKE,
    Rule::ILIKE,
    Rule::CONTAINS,
    Rule::NEAR,
    Rule::MATCH,
];

/// The error for `error`, a failed parse of `text`.
pub(super) fn syntax_error(text: &str, error: &Error<Rule>) -> ParseError {
    let at = match error.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    let found = found_at(text, at);
    let span = Span::new(at, at + found.len());
    let message = match &error.variant {
        ErrorVariant::CustomError { message } => {
            return ParseError::new(
                text,
                ErrorCode::NestingTooDeep,
                format!("the query is too complex to parse ({message})"),
                span,
            );
        }
        ErrorVariant::ParsingError { positives, .. } => {
            let expected = expected(positives);
            let found_words = if found.is_empty() {
                "the end of the query".to_owned()
            } else if is_reserved(found) && wants_name(positives) {
                format!(
                    "the keyword {} (write \"{found}\" to use it as a name)",
                    found.to_ascii_uppercase()
                )
            } else if is_reserved(found) {
                format!("the keyword {}", found.to_ascii_uppercase())
            } else {
                format!("`{found}`")
            };
            if expected.is_empty() {
                format!("unexpected {found_words}")
            } else {
                format!("expected {expected}, found {found_words}")
            }
        }
    };
    ParseError::new(text, ErrorCode::Syntax, message, span)
}

/// Whether a name would have fitted where the parse stopped.
fn wants_name(positives: &[Rule]) -> bool {
    positives.iter().any(|r| {
        matches!(
            r,
            Rule::name
                | Rule::bare_name
                | Rule::field
                | Rule::step
                | Rule::column
                | Rule::select_item
                | Rule::projection
                | Rule::value
                | Rule::condition
                | Rule::conjunction
                | Rule::negation
                | Rule::predicate
        )
    })
}

/// "a, b or c" for the rules pest expected.
fn expected(positives: &[Rule]) -> String {
    let mut words: Vec<String> = Vec::new();
    let push = |words: &mut Vec<String>, w: String| {
        if !words.contains(&w) {
            words.push(w);
        }
    };
    if positives
        .iter()
        .any(|r| STATEMENT_KEYWORDS.contains(r) || STATEMENT_RULES.contains(r))
    {
        push(
            &mut words,
            "a statement (SELECT, MATCH, INSERT, UPSERT, UPDATE, DELETE, CREATE, DROP, SHOW, \
             DESCRIBE or EXPLAIN)"
                .to_owned(),
        );
    }
    let value_starts = positives
        .iter()
        .filter(|r| VALUE_STARTS.contains(r))
        .count();
    let operators = positives.iter().filter(|r| OPERATORS.contains(r)).count();
    for rule in positives {
        if STATEMENT_KEYWORDS.contains(rule) || STATEMENT_RULES.contains(rule) {
            continue;
        }
        // `+` and `-` may follow almost any value: named only when nothing else fits.
        if *rule == Rule::add_op && positives.len() > 2 {
            continue;
        }
        if value_starts > 2 && VALUE_STARTS.contains(rule) {
            push(&mut words, "an expression".to_owned());
            continue;
        }
        if operators > 2 && OPERATORS.contains(rule) {
            push(
                &mut words,
                "an operator (=, <, IN, LIKE, IS NULL, ...)".to_owned(),
            );
            continue;
        }
        push(&mut words, describe(*rule));
    }
    match words.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

/// A rule in words.
fn describe(rule: Rule) -> String {
    let words = match rule {
        Rule::EOI => "the end of the statement",
        Rule::condition | Rule::conjunction | Rule::negation | Rule::predicate => "a condition",
        Rule::value | Rule::list | Rule::order_key | Rule::term_word => "a value",
        Rule::projection | Rule::select_item => "*, a field or an expression",
        Rule::column => "a column (id, vector or a field)",
        Rule::row => "a row of values in parentheses",
        Rule::assignment => "column = value",
        Rule::name | Rule::bare_name | Rule::quoted_name => "a name",
        Rule::field | Rule::step => "a field name",
        Rule::index_suffix | Rule::index_number => "an array index",
        Rule::number => "a number",
        Rule::integer => "a whole number",
        Rule::string => "a 'string'",
        Rule::param => "a $parameter",
        Rule::array => "a [list]",
        Rule::compare_op => "a comparison (=, !=, <, <=, >, >=)",
        Rule::add_op => "+/-",
        Rule::star => "*",
        Rule::lparen => "(",
        Rule::rparen => ")",
        Rule::rbracket => "]",
        Rule::equals => "=",
        Rule::settings | Rule::setting => "(name = value, ...)",
        Rule::if_exists => "IF EXISTS",
        Rule::id_column => "id",
        Rule::vector_column => "vector",
        Rule::score_column => "score",
        Rule::aggregate_fn => "an aggregate (COUNT, SUM, AVG, MIN, MAX)",
        Rule::patterns | Rule::path_pattern | Rule::node_pattern => "a node pattern (a:Label)",
        Rule::relationship | Rule::rel_start => "a relationship (-[:LABEL]->, <-[]-, -[]-)",
        Rule::rel_end => "the end of the relationship (-> or -)",
        Rule::node_labels | Rule::rel_types | Rule::label_name | Rule::label_word => "a label",
        Rule::node_props | Rule::node_prop => "{key: value}",
        Rule::rel_range | Rule::hop_count | Rule::hop_dots => "a hop range (*1..3)",
        Rule::return_clause => "RETURN",
        Rule::return_item => "a value to return (a.id, a.field)",
        _ => {
            let name = format!("{rule:?}");
            // Keyword rules are named as the keyword is written (`ANY_`: `ANY` is taken by pest).
            let keyword = name.trim_end_matches('_');
            if keyword.chars().all(|c| c.is_ascii_uppercase()) {
                return keyword.to_owned();
            }
            return name.replace('_', " ");
        }
    };
    words.to_owned()
}

/// The token at byte `at` of `text` (a word or number of at most 40 characters, or one
/// character), or "" at the end.
fn found_at(text: &str, at: usize) -> &str {
    let rest = text.get(at..).unwrap_or_default();
    let mut end = 0;
    for (i, c) in rest.char_indices().take(40) {
        if !(c.is_alphanumeric() || c == '_' || c == '$' || c == '.') {
            break;
        }
        end = i + c.len_utf8();
    }
    if end > 0 {
        return &rest[..end];
    }
    rest.chars().next().map_or("", |c| &rest[..c.len_utf8()])
}
