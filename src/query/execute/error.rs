//! [`ExecError`]: why a statement failed: a positioned error in the statement (the language's
//! [`ParseError`], with codes for what only running can find: a missing collection, a value of
//! the wrong dimension, too many rows, the time limit), or the engine's own error (overload,
//! storage), which the API maps to its status.

use super::super::velesql::ast::Span;
use super::super::velesql::{ErrorCode, ParseError};
use crate::engine::EngineError;

/// A statement's failure.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Something in the statement, at a position.
    #[error("{0}")]
    Statement(ParseError),
    /// The engine refused or failed the operation.
    #[error("{0}")]
    Engine(EngineError),
}

impl ExecError {
    /// An error of `code` about `span` of `text`.
    #[must_use]
    pub fn at(text: &str, code: ErrorCode, message: impl Into<String>, span: Span) -> Self {
        Self::Statement(ParseError::new(text, code, message, span))
    }

    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            Self::Statement(e) => e.code.as_str(),
            Self::Engine(_) => ErrorCode::Engine.as_str(),
        }
    }
}

impl From<ParseError> for ExecError {
    fn from(e: ParseError) -> Self {
        Self::Statement(e)
    }
}
