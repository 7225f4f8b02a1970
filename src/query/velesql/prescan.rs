//! The guards that run before the grammar: query length, nesting depth, and unterminated
//! strings, names and comments. One linear pass that never recurses, so a nesting bomb
//! (100 000 `(` or `NOT`s) is refused in microseconds instead of reaching the recursive parser.
//!
//! The same pass finds the comments, and [`blank_comments`] replaces them with spaces (line
//! breaks kept) for the grammar: byte offsets, and so spans, stay those of the original text.

use std::borrow::Cow;
use std::ops::Range;

use super::ast::Span;
use super::error::{ErrorCode, ParseError};
use super::limits::{MAX_NESTING, MAX_QUERY_BYTES};

/// Checks `text` against the guards; returns the byte ranges of its comments.
///
/// # Errors
/// `query_too_long`, `nesting_too_deep`, or `syntax_error` for an unterminated token.
pub(super) fn prescan(text: &str) -> Result<Vec<Range<usize>>, ParseError> {
    if text.len() > MAX_QUERY_BYTES {
        return Err(ParseError::new(
            text,
            ErrorCode::QueryTooLong,
            format!(
                "the query is {} bytes long; at most {MAX_QUERY_BYTES} bytes are accepted",
                text.len()
            ),
            Span::new(MAX_QUERY_BYTES, text.len()),
        ));
    }
    let bytes = text.as_bytes();
    // One entry per open bracket: the NOTs applying at that level. The nesting depth is the
    // number of open brackets plus every pending NOT.
    let mut comments = Vec::new();
    let mut levels: Vec<usize> = vec![0];
    let mut nots = 0usize;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' | b'"' => i = closing_quote(text, i, b)?,
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                let end = bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(bytes.len(), |n| i + n);
                comments.push(i..end);
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                let end = text[i + 2..]
                    .find("*/")
                    .map(|n| i + 2 + n + 2)
                    .ok_or_else(|| {
                        ParseError::new(
                            text,
                            ErrorCode::Syntax,
                            "this comment is never closed: a */ is missing",
                            Span::new(i, i + 2),
                        )
                    })?;
                comments.push(i..end);
                i = end;
                continue;
            }
            b'(' | b'[' => {
                levels.push(0);
                check_depth(text, levels.len() - 1 + nots, i)?;
            }
            b')' | b']' if levels.len() > 1 => {
                nots -= levels.pop().unwrap_or(0);
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let end = bytes[i..]
                    .iter()
                    .position(|c| !(c.is_ascii_alphanumeric() || *c == b'_'))
                    .map_or(bytes.len(), |n| i + n);
                let word = &text[i..end];
                if word.eq_ignore_ascii_case("not") {
                    if let Some(top) = levels.last_mut() {
                        *top += 1;
                    }
                    nots += 1;
                    check_depth(text, levels.len() - 1 + nots, i)?;
                } else if word.eq_ignore_ascii_case("and") || word.eq_ignore_ascii_case("or") {
                    // A NOT binds tighter than AND and OR: its operand has ended.
                    if let Some(top) = levels.last_mut() {
                        nots -= *top;
                        *top = 0;
                    }
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    Ok(comments)
}

/// `text` with the `comments` (byte ranges from [`prescan`]) replaced by spaces, byte for byte,
/// line breaks kept.
pub(super) fn blank_comments<'t>(text: &'t str, comments: &[Range<usize>]) -> Cow<'t, str> {
    if comments.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut from = 0;
    for range in comments {
        out.push_str(&text[from..range.start]);
        for c in text[range.clone()].chars() {
            if c == '\n' {
                out.push('\n');
            } else {
                out.extend(std::iter::repeat_n(' ', c.len_utf8()));
            }
        }
        from = range.end;
    }
    out.push_str(&text[from..]);
    Cow::Owned(out)
}

/// The index of the quote closing the one at `open` (`''` / `""` inside are escaped quotes).
fn closing_quote(text: &str, open: usize, quote: u8) -> Result<usize, ParseError> {
    let bytes = text.as_bytes();
    let mut i = open + 1;
    loop {
        match bytes[i..].iter().position(|&c| c == quote) {
            None => {
                let what = if quote == b'\'' {
                    "this string is never closed: a ' is missing"
                } else {
                    "this quoted name is never closed: a \" is missing"
                };
                return Err(ParseError::new(
                    text,
                    ErrorCode::Syntax,
                    what,
                    Span::new(open, open + 1),
                ));
            }
            Some(n) if bytes.get(i + n + 1) == Some(&quote) && quote == b'\'' => i += n + 2,
            Some(n) => return Ok(i + n),
        }
    }
}

fn check_depth(text: &str, depth: usize, at: usize) -> Result<(), ParseError> {
    if depth > MAX_NESTING {
        return Err(ParseError::new(
            text,
            ErrorCode::NestingTooDeep,
            format!(
                "the query nests deeper than {MAX_NESTING} levels (parentheses, brackets and NOTs)"
            ),
            Span::new(at, at + 1),
        ));
    }
    Ok(())
}
