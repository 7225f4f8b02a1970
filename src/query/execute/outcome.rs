//! What a statement returns: [`Outcome`] (columns, rows, points written, a plan), and
//! [`StatementResult`], one per statement of a request.

use super::ExecError;
use crate::columns::Value;

/// A statement's result.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Outcome {
    /// Column names, in order.
    pub columns: Vec<String>,
    /// Rows, each with one value per column.
    pub rows: Vec<Vec<Value>>,
    /// Points written, for writes.
    pub affected: Option<u64>,
    /// For `EXPLAIN`: how the statement runs (or ran, with `ANALYZE`).
    pub plan: Option<PlanNode>,
}

impl Outcome {
    /// A result with columns and rows.
    #[must_use]
    pub fn table(columns: Vec<String>, rows: Vec<Vec<Value>>) -> Self {
        Self {
            columns,
            rows,
            ..Self::default()
        }
    }

    /// A write's result.
    #[must_use]
    pub fn written(affected: u64) -> Self {
        Self {
            affected: Some(affected),
            ..Self::default()
        }
    }
}

/// One step of a plan: what it does, its details (estimates, and measurements with `ANALYZE`),
/// and the steps that feed it.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanNode {
    /// The step (`vector_search`, `filter`, `aggregate`, ...).
    pub node: String,
    /// Named details, in order.
    pub detail: Vec<(String, Value)>,
    /// Its inputs.
    pub children: Vec<PlanNode>,
}

impl PlanNode {
    /// A step with no details or inputs yet.
    #[must_use]
    pub fn new(node: &str) -> Self {
        Self {
            node: node.to_owned(),
            detail: Vec::new(),
            children: Vec::new(),
        }
    }

    /// Adds a detail.
    #[must_use]
    pub fn with(mut self, name: &str, value: impl Into<Value>) -> Self {
        self.detail.push((name.to_owned(), value.into()));
        self
    }

    /// Adds an input.
    #[must_use]
    pub fn child(mut self, child: PlanNode) -> Self {
        self.children.push(child);
        self
    }
}

/// One statement's result within a request.
#[derive(Debug)]
pub struct StatementResult {
    /// The statement's kind (`select`, `insert`, ...).
    pub kind: &'static str,
    /// What it returned, or why it failed.
    pub outcome: Result<Outcome, ExecError>,
    /// Microseconds it took.
    pub micros: u64,
}
