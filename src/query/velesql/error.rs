//! [`ParseError`]: why a query was refused, where (byte span, 1-based line and column), under a
//! stable code clients can branch on, with a caret excerpt of the offending line for people.

use std::fmt;

use super::ast::Span;

/// What kind of error; [`ErrorCode::as_str`] is the stable code sent to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The text is not in the grammar.
    Syntax,
    /// Longer than [`super::MAX_QUERY_BYTES`].
    QueryTooLong,
    /// Parentheses or `NOT`s nested deeper than [`super::MAX_NESTING`].
    NestingTooDeep,
    /// More than [`super::MAX_STATEMENTS`] statements.
    TooManyStatements,
    /// A list (`IN`, `VALUES`, an array) longer than [`super::MAX_LIST_ITEMS`].
    ListTooLong,
    /// A literal that is well formed but means nothing: an integer out of range, a bad interval,
    /// a field path too long.
    InvalidLiteral,
    /// `DELETE` without `WHERE`.
    WhereRequired,
    /// A `$name` the request does not bind.
    UnboundParameter,
    /// A value of the wrong type for where it is used.
    TypeMismatch,
    /// A condition the filter language cannot express (`NEAR` under `OR`, a field compared with
    /// a field, ...).
    InvalidCondition,
    /// A feature the language reserves or refuses (a condition across two pattern variables).
    Unsupported,
    /// A collection (or indexed field) the statement names does not exist.
    NotFound,
    /// The collection to create exists already.
    AlreadyExists,
    /// A `WITH (...)` or collection setting that does not exist, or a value it cannot take.
    InvalidSetting,
    /// A value the statement cannot use: a vector of the wrong dimension, an id that is not a
    /// point id, an `INSERT` of an existing point...
    InvalidValue,
    /// The statement would return more rows than a query may.
    TooManyRows,
    /// The statement ran past the query's time limit and was stopped.
    Timeout,
    /// The statement was not run because an earlier one in the request failed.
    NotRun,
    /// The engine refused or failed the operation (overload, storage): the message says why.
    Engine,
}

impl ErrorCode {
    /// The stable code.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Syntax => "syntax_error",
            Self::QueryTooLong => "query_too_long",
            Self::NestingTooDeep => "nesting_too_deep",
            Self::TooManyStatements => "too_many_statements",
            Self::ListTooLong => "list_too_long",
            Self::InvalidLiteral => "invalid_literal",
            Self::WhereRequired => "where_required",
            Self::UnboundParameter => "unbound_parameter",
            Self::TypeMismatch => "type_mismatch",
            Self::InvalidCondition => "invalid_condition",
            Self::Unsupported => "unsupported",
            Self::NotFound => "not_found",
            Self::AlreadyExists => "already_exists",
            Self::InvalidSetting => "invalid_setting",
            Self::InvalidValue => "invalid_value",
            Self::TooManyRows => "too_many_rows",
            Self::Timeout => "timeout",
            Self::NotRun => "not_run",
            Self::Engine => "engine_error",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused query: what is wrong and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (line {line}, column {column})")]
pub struct ParseError {
    /// The stable code.
    pub code: ErrorCode,
    /// What is wrong, in words a user understands.
    pub message: String,
    /// The offending text, in bytes.
    pub span: Span,
    /// 1-based line of `span.start`.
    pub line: usize,
    /// 1-based column of `span.start`, in characters.
    pub column: usize,
    /// The offending line (a window of it when it is long) and the column within the excerpt.
    excerpt: String,
    excerpt_column: usize,
}

/// Longest excerpt of a line kept for [`ParseError::caret`], in characters.
const EXCERPT_CHARS: usize = 100;

impl ParseError {
    /// An error about `span` of `text`.
    #[must_use]
    pub fn new(text: &str, code: ErrorCode, message: impl Into<String>, span: Span) -> Self {
        let start = floor_char_boundary(text, span.start.min(text.len()));
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let line = text[..start].matches('\n').count() + 1;
        let column = text[line_start..start].chars().count() + 1;
        let line_text = text[line_start..line_end].trim_end_matches('\r');
        // A long line (a one-line query of kilobytes) is cut to a window around the column.
        let skip = (column - 1).saturating_sub(EXCERPT_CHARS / 2);
        let excerpt: String = line_text
            .chars()
            .skip(skip)
            .take(EXCERPT_CHARS)
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        Self {
            code,
            message: message.into(),
            span: Span::new(start, span.end.max(start).min(text.len())),
            line,
            column,
            excerpt,
            excerpt_column: column - skip,
        }
    }

    /// The offending line with a `^` under the column, as compilers show it:
    ///
    /// ```text
    /// SELECT * FORM c
    ///          ^
    /// ```
    #[must_use]
    pub fn caret(&self) -> String {
        format!(
            "{}\n{}^",
            self.excerpt,
            " ".repeat(self.excerpt_column.saturating_sub(1))
        )
    }
}

/// The largest char boundary at or before `i`.
fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_is_line_and_character_column_and_the_caret_points_at_it() {
        let text = "SELECT *\n  FROM ünï WHERE";
        let at = text.find("WHERE").expect("in text");
        let e = ParseError::new(text, ErrorCode::Syntax, "x", Span::new(at, at + 5));
        assert_eq!((e.line, e.column), (2, 12));
        assert_eq!(e.caret(), "  FROM ünï WHERE\n           ^");
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_column() {
        let text = format!("{}X{}", "a".repeat(5000), "b".repeat(5000));
        let e = ParseError::new(&text, ErrorCode::Syntax, "x", Span::new(5000, 5001));
        assert_eq!(e.column, 5001);
        let caret = e.caret();
        let (line, marks) = caret.split_once('\n').expect("two lines");
        assert!(line.chars().count() <= EXCERPT_CHARS);
        assert_eq!(line.chars().nth(marks.len() - 1), Some('X'));
    }

    #[test]
    fn a_span_past_the_end_or_inside_a_character_is_clamped() {
        let e = ParseError::new("é", ErrorCode::Syntax, "x", Span::new(1, 9));
        assert_eq!((e.span.start, e.span.end), (0, 2));
        let e = ParseError::new("ab", ErrorCode::Syntax, "x", Span::new(7, 9));
        assert_eq!((e.line, e.column), (1, 3));
    }
}
