//! `POST /query`: a VelesQL request and its answer (a Plait extension). Each statement reports
//! its columns and rows, points written, a plan for `EXPLAIN`, its time, or its error with a
//! stable code, a line, a column and a caret excerpt of the query.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::ApiError;
use crate::columns::Value;
use crate::query::execute::{ExecError, Outcome, PlanNode, StatementResult};
use crate::query::velesql::{ErrorCode, ParamValue, Params, ParseError};

/// Body of `POST /query`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VelesqlRequest {
    /// One or more VelesQL statements separated by `;`.
    pub query: String,
    /// Values of the `$name` parameters, by name (numbers, strings, booleans, null, lists).
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: BTreeMap<String, Value>,
}

impl VelesqlRequest {
    /// The parameters as the language binds them.
    ///
    /// # Errors
    /// 400 naming a parameter bound to an object.
    pub fn params(&self) -> Result<Params, ApiError> {
        self.params
            .iter()
            .map(|(name, value)| {
                ParamValue::try_from(value.clone())
                    .map(|v| (name.clone(), v))
                    .map_err(|e| {
                        ApiError::new(StatusCode::BAD_REQUEST, format!("params.{name}: {e}"))
                    })
            })
            .collect()
    }
}

/// The answer: one entry per statement, in order (none when the text does not parse; `error`
/// then says why).
#[derive(Debug, Serialize, ToSchema)]
pub struct VelesqlResponse {
    /// Each statement's result.
    pub statements: Vec<VelesqlStatement>,
    /// Why the text was refused before anything ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<VelesqlError>,
}

/// One statement's result.
#[derive(Debug, Serialize, ToSchema)]
pub struct VelesqlStatement {
    /// `select`, `match`, `insert`, `upsert`, `update`, `delete`, `create_collection`,
    /// `drop_collection`, `create_index`, `drop_index`, `show_collections`, `describe` or
    /// `explain`.
    pub statement: &'static str,
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows: one JSON value per column.
    #[schema(value_type = Vec<Vec<Object>>)]
    pub rows: Vec<Vec<Value>>,
    /// Points written, for writes.
    pub affected: Option<u64>,
    /// For `EXPLAIN`: the plan tree.
    pub plan: Option<VelesqlPlan>,
    /// Milliseconds the statement took.
    pub time_ms: f64,
    /// Why the statement failed (or `not_run` after an earlier failure).
    pub error: Option<VelesqlError>,
}

/// A step of a plan.
#[derive(Debug, Serialize, ToSchema)]
pub struct VelesqlPlan {
    /// What the step does.
    pub node: String,
    /// Its details: estimates, and with `EXPLAIN ANALYZE` what was measured.
    #[schema(value_type = Object)]
    pub detail: BTreeMap<String, Value>,
    /// The steps feeding it.
    #[schema(no_recursion)]
    pub children: Vec<VelesqlPlan>,
}

/// An error in a query.
#[derive(Debug, Serialize, ToSchema)]
pub struct VelesqlError {
    /// Stable code: `syntax_error`, `not_found`, `type_mismatch`, `timeout`, ...
    pub code: &'static str,
    /// What is wrong.
    pub message: String,
    /// 1-based line, when the error has a position.
    pub line: Option<usize>,
    /// 1-based column, when the error has a position.
    pub column: Option<usize>,
    /// The offending line with a `^` under the column.
    pub caret: Option<String>,
}

impl From<&ParseError> for VelesqlError {
    fn from(e: &ParseError) -> Self {
        Self {
            code: e.code.as_str(),
            message: e.message.clone(),
            line: Some(e.line),
            column: Some(e.column),
            caret: Some(e.caret()),
        }
    }
}

impl From<PlanNode> for VelesqlPlan {
    fn from(p: PlanNode) -> Self {
        Self {
            node: p.node,
            detail: p.detail.into_iter().collect(),
            children: p.children.into_iter().map(Self::from).collect(),
        }
    }
}

impl VelesqlStatement {
    /// The answer of one statement, with the error answer (status, message, retry hint) when
    /// it failed.
    #[expect(clippy::cast_precision_loss, reason = "a duration in milliseconds")]
    #[must_use]
    pub fn of(r: StatementResult) -> (Self, Option<ApiError>) {
        let time_ms = r.micros as f64 / 1000.0;
        let mut answer = Self {
            statement: r.kind,
            columns: Vec::new(),
            rows: Vec::new(),
            affected: None,
            plan: None,
            time_ms,
            error: None,
        };
        match r.outcome {
            Ok(Outcome {
                columns,
                rows,
                affected,
                plan,
            }) => {
                answer.columns = columns;
                answer.rows = rows;
                answer.affected = affected;
                answer.plan = plan.map(VelesqlPlan::from);
                (answer, None)
            }
            Err(ExecError::Statement(e)) => {
                answer.error = Some(VelesqlError::from(&e));
                let status = status_of(e.code);
                (answer, Some(ApiError::new(status, e.message)))
            }
            Err(ExecError::Engine(e)) => {
                let api = ApiError::from(e);
                answer.error = Some(VelesqlError {
                    code: ErrorCode::Engine.as_str(),
                    message: api.message().to_owned(),
                    line: None,
                    column: None,
                    caret: None,
                });
                (answer, Some(api))
            }
        }
    }
}

/// The HTTP status of a statement error.
#[must_use]
pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::AlreadyExists => StatusCode::CONFLICT,
        ErrorCode::InvalidSetting | ErrorCode::InvalidValue | ErrorCode::TooManyRows => {
            StatusCode::UNPROCESSABLE_ENTITY
        }
        ErrorCode::Timeout => StatusCode::REQUEST_TIMEOUT,
        ErrorCode::Engine => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::BAD_REQUEST,
    }
}
