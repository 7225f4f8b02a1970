//! VelesQL, the statement language: its grammar (`grammar.pest`), the syntax tree with source
//! spans ([`ast`]), the parser with its guards ([`parse`]), positioned errors ([`ParseError`]),
//! the canonical text of a statement (`Display`), and the lowering of a `WHERE` clause to the
//! [`Predicate`](super::Predicate) every front end compiles to ([`lower_where`]).
//!
//! It owns the language only: running statements belongs to the executor above it.

pub mod ast;
mod build;
mod constant;
mod error;
mod interval;
mod keywords;
mod limits;
mod lower;
mod normal_form;
mod params;
mod parse;
mod prescan;
mod print;
mod print_pattern;
mod syntax_error;

pub use constant::{constant, field_path, format_instant};
pub use error::{ErrorCode, ParseError};
pub use interval::{IntervalError, parse_interval};
pub use keywords::{RESERVED, is_bare_name, is_reserved};
pub use limits::{
    MAX_EXISTS, MAX_LIST_ITEMS, MAX_NESTING, MAX_PATTERN_LABELS, MAX_PATTERN_PARTS,
    MAX_PATTERN_RELATIONSHIPS, MAX_QUERY_BYTES, MAX_STATEMENTS,
};
pub use lower::{
    ExistsResolver, LowerContext, LoweredWhere, NearQuery, SimilarityFloor, TextRanking,
    lower_where,
};
pub use normal_form::NormalForm;
pub use params::{ObjectParam, ParamValue, Params};
pub use parse::parse;

#[cfg(test)]
mod conformance_tests;
#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod guard_tests;
#[cfg(test)]
mod lower_tests;
#[cfg(test)]
mod roundtrip_tests;
