//! The answer of `POST /query` as the shell reads it: one [`StatementResult`] per statement,
//! or a [`QueryError`] for text that did not parse. Fields the shell does not show are not
//! declared, so a server that adds some stays readable.

use serde::Deserialize;
use serde_json::Value;

/// The `result` of the envelope.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueryResult {
    /// One entry per statement, in order.
    #[serde(default)]
    pub statements: Vec<StatementResult>,
    /// Set when the text did not parse at all (then `statements` is empty).
    #[serde(default)]
    pub error: Option<QueryError>,
}

/// What one statement did.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatementResult {
    /// Its kind: `select`, `insert`, `create_collection`, ...
    #[serde(default)]
    pub statement: String,
    /// Column names, in order.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Rows of JSON values, one per column.
    #[serde(default)]
    pub rows: Vec<Vec<Value>>,
    /// Points written, for writes.
    #[serde(default)]
    pub affected: Option<u64>,
    /// The plan tree, for `EXPLAIN`.
    #[serde(default)]
    pub plan: Option<PlanNode>,
    /// Milliseconds the server spent on it.
    #[serde(default)]
    pub time_ms: Option<f64>,
    /// Why it failed (`code` `not_run` for statements after a failed one).
    #[serde(default)]
    pub error: Option<QueryError>,
}

/// A node of an `EXPLAIN` plan.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PlanNode {
    /// What the node does.
    #[serde(default)]
    pub node: String,
    /// Its parameters and, for `EXPLAIN ANALYZE`, its measurements.
    #[serde(default)]
    pub detail: Option<Value>,
    /// The nodes feeding it.
    #[serde(default)]
    pub children: Vec<PlanNode>,
}

/// Why a statement or a request was refused.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct QueryError {
    /// Stable code: `syntax_error`, `not_found`, ...
    #[serde(default)]
    pub code: String,
    /// What is wrong.
    #[serde(default)]
    pub message: String,
    /// 1-based line within the statement text, when the error has a position (the column is
    /// shown by the caret).
    #[serde(default)]
    pub line: Option<usize>,
    /// The offending line with a `^` under the position.
    #[serde(default)]
    pub caret: Option<String>,
}

/// The whole response body, success or error.
#[derive(Debug, Deserialize)]
pub struct Envelope {
    /// Absent or null on errors outside the language (a 404 route, a 413 body, a 503).
    #[serde(default)]
    pub result: Option<QueryResult>,
    /// `"ok"`, or `{"error": "..."}`.
    #[serde(default)]
    pub status: Value,
}

impl Envelope {
    /// The message of an error envelope.
    #[must_use]
    pub fn error_message(&self) -> Option<&str> {
        self.status.get("error").and_then(Value::as_str)
    }
}
