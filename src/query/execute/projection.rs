//! The `SELECT` list of a statement that returns points (not groups): which columns, named how,
//! and what the engine must read for them.

use super::super::velesql::ErrorCode;
use super::super::velesql::ast::{ExprKind, FieldRef, SelectItem, Span};
use super::super::velesql::field_path;
use super::row_value::{field_value, id_value, vector_value};
use super::{ExecError, Runner};
use crate::columns::{FieldPath, Value};
use crate::engine::{PayloadSelector, PointRecord, PointVectors, Projection, VectorValue};

/// One column of a point row.
#[derive(Debug, Clone, PartialEq)]
pub enum PointColumn {
    /// The point id.
    Id,
    /// The search score.
    Score,
    /// The vector.
    Vector,
    /// The whole payload (`*`).
    Payload,
    /// One payload field.
    Field(FieldPath),
}

/// The columns of point rows and their names.
#[derive(Debug, Clone, PartialEq)]
pub struct PointColumns {
    /// Names, in order.
    pub names: Vec<String>,
    /// What each holds.
    pub columns: Vec<PointColumn>,
}

impl PointColumns {
    /// What the engine must read for these columns.
    #[must_use]
    pub fn engine_projection(&self) -> Projection {
        let payload = self
            .columns
            .iter()
            .any(|c| matches!(c, PointColumn::Payload | PointColumn::Field(_)));
        Projection {
            payload: if payload {
                PayloadSelector::All
            } else {
                PayloadSelector::None
            },
            with_vector: self.columns.contains(&PointColumn::Vector),
            vector_names: None,
        }
    }

    /// The row of `record` (with `score` for a search hit).
    #[must_use]
    pub fn row(&self, record: &PointRecord, score: Option<f32>) -> Vec<Value> {
        self.columns
            .iter()
            .map(|c| match c {
                PointColumn::Id => id_value(record.id),
                PointColumn::Score => score.map_or(Value::Null, |s| Value::Float(f64::from(s))),
                PointColumn::Vector => record.vector.as_ref().map_or(Value::Null, vectors_value),
                PointColumn::Payload => record.payload.clone().map_or(Value::Null, Value::Object),
                PointColumn::Field(path) => field_value(path, record.payload.as_ref()),
            })
            .collect()
    }
}

impl Runner<'_, '_> {
    /// The payload path `field` names.
    pub(super) fn field_path(&self, field: &FieldRef) -> Result<FieldPath, ExecError> {
        Ok(field_path(field, self.source)?)
    }

    /// The columns of a `SELECT` returning points; `search` says whether there is a score.
    pub(super) fn point_columns(
        &self,
        items: &[SelectItem],
        search: bool,
    ) -> Result<PointColumns, ExecError> {
        let mut names = Vec::new();
        let mut columns = Vec::new();
        for item in items {
            match item {
                SelectItem::Wildcard(_) => {
                    names.push("id".to_owned());
                    columns.push(PointColumn::Id);
                    if search {
                        names.push("score".to_owned());
                        columns.push(PointColumn::Score);
                    }
                    names.push("payload".to_owned());
                    columns.push(PointColumn::Payload);
                }
                SelectItem::Expr { expr, alias } => {
                    let (name, column) = match &expr.kind {
                        ExprKind::Id => ("id".to_owned(), PointColumn::Id),
                        ExprKind::Vector => ("vector".to_owned(), PointColumn::Vector),
                        ExprKind::Score | ExprKind::Similarity(_) => {
                            if !search {
                                return Err(self.no_score(expr.span));
                            }
                            ("score".to_owned(), PointColumn::Score)
                        }
                        ExprKind::Field(field) => {
                            let path = self.field_path(field)?;
                            (path.as_str().to_owned(), PointColumn::Field(path))
                        }
                        _ => {
                            return Err(self.error(
                                ErrorCode::InvalidCondition,
                                "a column is *, id, vector, score, similarity() or a payload field \
                                 (aggregates need GROUP BY or only aggregates)",
                                expr.span,
                            ));
                        }
                    };
                    names.push(alias.as_ref().map_or(name, |a| a.name.clone()));
                    columns.push(column);
                }
            }
        }
        Ok(PointColumns { names, columns })
    }

    /// The error for a score asked of a statement without a vector search.
    pub(super) fn no_score(&self, span: Span) -> ExecError {
        self.error(
            ErrorCode::InvalidCondition,
            "score and similarity() need a vector search: add WHERE vector NEAR $v",
            span,
        )
    }
}

/// A point's vectors as a row value: the bare vector of a collection of one unnamed vector, an
/// object by name otherwise.
fn vectors_value(vectors: &PointVectors) -> Value {
    match vectors {
        PointVectors::Unnamed(v) => vector_value(v),
        PointVectors::Named(named) => Value::Object(
            named
                .iter()
                .map(|(name, v)| {
                    let value = match v {
                        VectorValue::Dense(v) => vector_value(v),
                        VectorValue::Sparse(s) => Value::Object(
                            [
                                (
                                    "indices".to_owned(),
                                    Value::Array(
                                        s.indices()
                                            .iter()
                                            .map(|&i| Value::UInt(u64::from(i)))
                                            .collect(),
                                    ),
                                ),
                                ("values".to_owned(), vector_value(s.values())),
                            ]
                            .into_iter()
                            .collect(),
                        ),
                    };
                    (name.clone(), value)
                })
                .collect(),
        ),
    }
}
