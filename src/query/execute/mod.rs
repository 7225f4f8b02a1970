//! Running VelesQL statements: each parsed [`Statement`] against the engine, in order, through
//! the same writer, WAL and planner the REST API uses, with the results as typed columns and
//! rows ([`Outcome`]) or a positioned error ([`ExecError`]).
//!
//! It owns the meaning of statements (what a `SELECT` returns, what an `UPDATE` writes) and the
//! guards while they run (rows returned, time); it never parses text (that is `velesql`) and never
//! speaks HTTP (that is `api/`).

mod access;
mod aggregate_rows;
mod error;
mod match_compile;
mod match_query;
#[cfg(test)]
mod match_reference_tests;
mod outcome;
mod plan_cache;
mod projection;
mod row_value;
mod schema;
mod search;
mod settings;
mod staged_select;
mod text_index_settings;
mod write;

use std::time::{Duration, Instant};

pub use access::{Level, Need, need_of};
pub use error::ExecError;
pub use outcome::{Outcome, PlanNode, StatementResult};
pub use plan_cache::{DEFAULT_CAPACITY, Parsed, PlanCache};

use super::deadline;
use super::velesql::ast::{Span, Statement};
use super::velesql::{ErrorCode, LowerContext, Params, ParseError};
use crate::engine::{Collection, Durability, Engine, EngineError};
use std::sync::Arc;

/// Most rows one statement returns.
pub const MAX_ROWS: usize = 10_000;

/// Rows a vector search returns without `LIMIT`.
pub const DEFAULT_SEARCH_LIMIT: usize = 10;

/// Longest a request may run by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One request: its text, parameters, the instant `NOW()` names and when it must stop.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// The engine.
    pub engine: &'a Engine,
    /// The statements' text.
    pub text: &'a str,
    /// The `$name` bindings.
    pub params: &'a Params,
    /// `NOW()`, in microseconds since the Unix epoch (UTC).
    pub now_micros: i64,
    /// When the statements must stop.
    pub deadline: Instant,
    /// Durability of collections created without choosing one.
    pub default_durability: Durability,
    /// Where parsed statements are kept between requests, if anywhere.
    pub cache: Option<&'a PlanCache>,
    /// Who may run what: every statement is checked before the first one runs.
    pub gate: Option<Gate<'a>>,
}

/// A check of what each statement needs ([`need_of`]); its error is the refusal's message.
#[derive(Clone, Copy)]
pub struct Gate<'a>(pub &'a (dyn Fn(Need<'_>) -> Result<(), String> + Sync));

impl std::fmt::Debug for Gate<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Gate")
    }
}

/// Why nothing of a request ran.
#[derive(Debug, Clone, thiserror::Error)]
pub enum RunError {
    /// The text does not parse.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The gate refused statement `statement` (0-based).
    #[error("statement {}: {message}", statement + 1)]
    Denied {
        /// Which statement.
        statement: usize,
        /// The gate's message.
        message: String,
    },
}

/// Runs every statement of `request.text` in order. After a statement fails the later ones are
/// not run (each reports [`ErrorCode::NotRun`]).
///
/// # Errors
/// [`RunError::Parse`] when the text does not parse, [`RunError::Denied`] when the gate refuses a
/// statement: nothing runs.
pub fn run(request: &Request<'_>) -> Result<Vec<StatementResult>, RunError> {
    let parsed = match request.cache {
        Some(cache) => cache.statements(request.engine, request.text)?,
        None => Parsed::parse(request.text)?,
    };
    if let Some(Gate(gate)) = request.gate {
        for (statement, parsed) in parsed.statements.iter().enumerate() {
            gate(need_of(parsed)).map_err(|message| RunError::Denied { statement, message })?;
        }
    }
    let runner = Runner {
        request,
        source: &parsed.source,
    };
    let mut results = Vec::with_capacity(parsed.statements.len());
    let mut failed = false;
    for statement in parsed.statements.iter() {
        let kind = kind_of(statement);
        if failed {
            results.push(StatementResult {
                kind,
                outcome: Err(ExecError::at(
                    request.text,
                    ErrorCode::NotRun,
                    "not run: an earlier statement in this request failed",
                    parsed.relocate_span(span_of(statement), request.text),
                )),
                micros: 0,
            });
            continue;
        }
        let started = Instant::now();
        // The loops under the statement (filters, aggregates, the HNSW walk, exact scans) stop
        // once the deadline passes; the statement then fails.
        let outcome = deadline::within(request.deadline, || runner.statement(statement))
            .unwrap_or_else(|_| {
                Err(runner.error(
                    ErrorCode::Timeout,
                    "the query ran past its time limit and was stopped",
                    span_of(statement),
                ))
            })
            // Spans point into the text the statements were parsed from, which may be another
            // layout of this request's text (a plan-cache hit).
            .map_err(|e| match e {
                ExecError::Statement(e) => ExecError::Statement(parsed.relocate(e, request.text)),
                other => other,
            });
        failed = outcome.is_err();
        results.push(StatementResult {
            kind,
            outcome,
            micros: u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
        });
    }
    Ok(results)
}

/// The name of a statement's kind, as results report it.
#[must_use]
pub fn kind_of(statement: &Statement) -> &'static str {
    match statement {
        Statement::Select(_) => "select",
        Statement::Match(_) => "match",
        Statement::Insert(i) if i.upsert => "upsert",
        Statement::Insert(_) => "insert",
        Statement::Update(_) => "update",
        Statement::Delete(_) => "delete",
        Statement::CreateCollection(_) => "create_collection",
        Statement::DropCollection { .. } => "drop_collection",
        Statement::CreateIndex { .. } => "create_index",
        Statement::DropIndex { .. } => "drop_index",
        Statement::ShowCollections => "show_collections",
        Statement::Describe { .. } => "describe",
        Statement::Explain { .. } => "explain",
    }
}

/// Where a statement is, as well as its syntax tree says.
fn span_of(statement: &Statement) -> Span {
    match statement {
        Statement::Select(s) => s.span,
        Statement::Match(m) => m.span,
        Statement::Insert(i) => i.span,
        Statement::Update(u) => u.span,
        Statement::Delete(d) => d.span,
        Statement::CreateCollection(c) => c.span,
        Statement::DropCollection { collection, .. }
        | Statement::CreateIndex { collection, .. }
        | Statement::DropIndex { collection, .. }
        | Statement::Describe { collection } => collection.span,
        Statement::ShowCollections => Span::default(),
        Statement::Explain { statement, .. } => span_of(statement),
    }
}

/// Runs statements of one request.
struct Runner<'r, 'a> {
    request: &'r Request<'a>,
    /// The text the statements' spans point into: the request's own, or the layout of it that
    /// the plan cache parsed.
    source: &'r str,
}

impl Runner<'_, '_> {
    fn statement(&self, statement: &Statement) -> Result<Outcome, ExecError> {
        self.check_time(span_of(statement))?;
        match statement {
            Statement::Select(select) => self.select(select, None),
            Statement::Match(m) => self.match_query(m, None),
            Statement::Insert(insert) => self.insert(insert),
            Statement::Update(update) => self.update(update),
            Statement::Delete(delete) => self.delete(delete),
            Statement::CreateCollection(create) => self.create_collection(create),
            Statement::DropCollection {
                if_exists,
                collection,
            } => self.drop_collection(collection, *if_exists),
            Statement::CreateIndex {
                collection,
                field,
                kind,
                with,
            } => self.create_index(collection, field, kind.as_ref(), with),
            Statement::DropIndex { collection, field } => self.drop_index(collection, field),
            Statement::ShowCollections => Ok(self.show_collections()),
            Statement::Describe { collection } => self.describe(collection),
            Statement::Explain { analyze, statement } => self.explain(statement, *analyze),
        }
    }

    /// The context `WHERE` clauses and constants are lowered in.
    fn lower_context(&self) -> LowerContext<'_> {
        LowerContext {
            exists: None,
            source: self.source,
            params: self.request.params,
            now_micros: self.request.now_micros,
        }
    }

    /// The collection `name` (written at `span`) names.
    fn collection(&self, name: &str, span: Span) -> Result<Arc<Collection>, ExecError> {
        self.request
            .engine
            .collection(name)
            .map_err(|e| self.engine_error(e, span))
    }

    /// An engine error about the text at `span`: a missing collection is positioned there.
    fn engine_error(&self, e: EngineError, span: Span) -> ExecError {
        match e {
            EngineError::CollectionNotFound { .. } => {
                ExecError::at(self.source, ErrorCode::NotFound, e.to_string(), span)
            }
            EngineError::CollectionExists { .. } => {
                ExecError::at(self.source, ErrorCode::AlreadyExists, e.to_string(), span)
            }
            other => ExecError::Engine(other),
        }
    }

    /// An error of `code` about the text at `span`.
    fn error(&self, code: ErrorCode, message: impl Into<String>, span: Span) -> ExecError {
        ExecError::at(self.source, code, message, span)
    }

    /// Fails once the request's deadline has passed.
    fn check_time(&self, span: Span) -> Result<(), ExecError> {
        if Instant::now() >= self.request.deadline {
            return Err(self.error(
                ErrorCode::Timeout,
                "the query ran past its time limit and was stopped",
                span,
            ));
        }
        Ok(())
    }
}
