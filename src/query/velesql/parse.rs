//! [`parse`]: query text to statements. The guards run first ([`super::prescan`]), then the
//! pest grammar (`grammar.pest`), then the tree is built from pest's pairs, checking literals and
//! list lengths on the way ([`super::build`]).

use std::num::NonZeroUsize;
use std::sync::Once;

use pest::Parser as _;

use super::ast::{Span, Statement};
use super::build::Builder;
use super::error::{ErrorCode, ParseError};
use super::limits::MAX_STATEMENTS;
use super::prescan::{blank_comments, prescan};
use super::syntax_error::syntax_error;

/// The grammar, compiled by `pest_derive`.
#[derive(pest_derive::Parser)]
#[grammar = "query/velesql/grammar.pest"]
pub(super) struct Grammar;

/// Most rule calls pest may make for one query: a backstop against any input that makes the
/// grammar backtrack more than its (linear) design intends. The longest query accepted needs far
/// fewer (see the tests).
const MAX_RULE_CALLS: usize = 8_000_000;

static CALL_LIMIT: Once = Once::new();

/// Parses `text`: one or more statements separated by `;`.
///
/// # Errors
/// [`ParseError`] with its code and position: a guard (`query_too_long`, `nesting_too_deep`,
/// `too_many_statements`, `list_too_long`), `syntax_error`, `invalid_literal`, `where_required`
/// or `unsupported`.
pub fn parse(text: &str) -> Result<Vec<Statement>, ParseError> {
    let comments = prescan(text)?;
    let blanked = blank_comments(text, &comments);
    // pest reads this process-wide setting when a parse starts; VelesQL is its only user here.
    CALL_LIMIT.call_once(|| pest::set_call_limit(NonZeroUsize::new(MAX_RULE_CALLS)));
    let mut pairs = Grammar::parse(Rule::queries, &blanked).map_err(|e| syntax_error(text, &e))?;
    let statements: Vec<_> = pairs
        .next()
        .map(|queries| {
            queries
                .into_inner()
                .filter(|p| p.as_rule() != Rule::EOI)
                .collect()
        })
        .unwrap_or_default();
    if let Some(extra) = statements.get(MAX_STATEMENTS) {
        let s = extra.as_span();
        return Err(ParseError::new(
            text,
            ErrorCode::TooManyStatements,
            format!("a request holds at most {MAX_STATEMENTS} statements"),
            Span::new(s.start(), s.end()),
        ));
    }
    let builder = Builder::new(text);
    statements
        .into_iter()
        .map(|pair| builder.statement(pair))
        .collect()
}
