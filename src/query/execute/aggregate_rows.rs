//! `SELECT` with aggregates: `GROUP BY` fields, `COUNT/SUM/AVG/MIN/MAX` (and `COUNT(DISTINCT)`),
//! `HAVING` and `ORDER BY` over the groups. The groups and aggregates come from
//! [`crate::query::aggregate`] (from index postings where they cover them); this module maps the
//! statement onto it and evaluates `HAVING` and the ordering on its rows.

use std::cmp::Ordering;
use std::sync::Arc;

use super::super::velesql::ast::{
    AggregateFn, CompareOp, Direction, Expr, ExprKind, Select, SelectItem,
};
use super::super::velesql::{ErrorCode, constant};
use super::super::{Aggregate, GroupRow, Predicate, Scalar, aggregate, check_types};
use super::outcome::{Outcome, PlanNode};
use super::row_value::compare_values;
use super::search::ExplainMode;
use super::{ExecError, MAX_ROWS, Runner};
use crate::columns::{FieldPath, Value};
use crate::engine::Collection;

/// What one output column of a grouped `SELECT` reads.
enum GroupColumn {
    /// The `i`-th grouping field.
    Key(usize),
    /// The `j`-th aggregate.
    Aggregate(usize),
}

impl Runner<'_, '_> {
    #[expect(clippy::too_many_lines, reason = "one statement's steps, in order")]
    pub(super) fn aggregate_select(
        &self,
        s: &Select,
        collection: &Arc<Collection>,
        predicate: &Predicate,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        self.no_search_settings(s)?;
        let mut keys: Vec<FieldPath> = Vec::new();
        for e in &s.group_by {
            let ExprKind::Field(field) = &e.kind else {
                return Err(self.error(
                    ErrorCode::InvalidCondition,
                    "GROUP BY takes payload fields",
                    e.span,
                ));
            };
            keys.push(self.field_path(field)?);
        }
        let mut aggregates: Vec<Aggregate> = Vec::new();
        let mut names = Vec::new();
        let mut columns = Vec::new();
        for item in &s.projection {
            let SelectItem::Expr { expr, alias } = item else {
                return Err(self.error(
                    ErrorCode::InvalidCondition,
                    "* cannot be selected with GROUP BY or aggregates: name the grouping fields \
                     and aggregates",
                    s.span,
                ));
            };
            let column = self.group_column(expr, &keys, &mut aggregates)?;
            names.push(
                alias
                    .as_ref()
                    .map_or_else(|| expr.to_string(), |a| a.name.clone()),
            );
            columns.push(column);
        }
        // HAVING and ORDER BY may name aggregates the list does not: compute those too.
        if let Some(having) = &s.having {
            self.collect_aggregates(having, &keys, &mut aggregates)?;
        }
        let mut order = Vec::new();
        for k in &s.order_by {
            let by_alias = match &k.expr.kind {
                ExprKind::Field(f) if f.steps.len() == 1 => {
                    names.iter().position(|n| *n == f.to_string())
                }
                _ => None,
            };
            let column = match by_alias {
                Some(i) => match columns[i] {
                    GroupColumn::Key(k) => GroupColumn::Key(k),
                    GroupColumn::Aggregate(j) => GroupColumn::Aggregate(j),
                },
                None => self.group_column(&k.expr, &keys, &mut aggregates)?,
            };
            order.push((column, k.direction.unwrap_or(Direction::Asc)));
        }
        let offset = self.count_clause(s.offset.as_ref())?.unwrap_or(0);
        let limit = self.count_clause(s.limit.as_ref())?;
        if limit.is_some_and(|l| l > MAX_ROWS) {
            return Err(self.error(
                ErrorCode::TooManyRows,
                format!("a statement returns at most {MAX_ROWS} rows"),
                s.limit.as_ref().map_or(s.span, |l| l.span),
            ));
        }
        let node = PlanNode::new("aggregate")
            .with("collection", collection.name())
            .with(
                "group_by",
                Value::Array(keys.iter().map(|k| Value::from(k.as_str())).collect()),
            )
            .with("aggregates", aggregates.len());
        if explain == Some(ExplainMode::Plan) {
            return Ok(self.plan_only(node, collection, predicate, s));
        }
        self.check_time(s.span)?;
        let (rows, stats) = collection
            .read(|view| {
                check_types(view, predicate)?;
                Ok(aggregate(view, predicate, &keys, &aggregates))
            })
            .map_err(|e: super::super::TypeMismatch| {
                self.error(
                    ErrorCode::TypeMismatch,
                    e.to_string(),
                    s.filter.as_ref().map_or(s.span, |f| f.span),
                )
            })?;
        self.check_time(s.span)?;
        let mut kept = Vec::new();
        for row in rows {
            let keep = match &s.having {
                Some(having) => truthy(&self.group_eval(having, &row, &keys, &aggregates)?),
                None => true,
            };
            if keep {
                kept.push(row);
            }
        }
        kept.sort_by(|a, b| {
            order
                .iter()
                .map(|(column, direction)| {
                    let o = compare_values(&cell(a, column), &cell(b, column));
                    match direction {
                        Direction::Asc => o,
                        Direction::Desc => o.reverse(),
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        let total = kept.len();
        let rows: Vec<Vec<Value>> = kept
            .iter()
            .skip(offset)
            .take(limit.unwrap_or(MAX_ROWS + 1))
            .map(|row| columns.iter().map(|c| cell(row, c)).collect())
            .collect();
        if limit.is_none() && rows.len() > MAX_ROWS {
            return Err(self.error(
                ErrorCode::TooManyRows,
                format!("{total} groups: a statement returns at most {MAX_ROWS} rows (use LIMIT)"),
                s.span,
            ));
        }
        let mut outcome = Outcome::table(names, rows);
        if explain == Some(ExplainMode::Analyze) {
            let filter = self.filter_plan(collection, predicate, s.filter.as_ref());
            outcome.plan = Some(
                node.with("groups", total)
                    .with("rows", outcome.rows.len())
                    .with("groups_from_index", stats.groups_from_index)
                    .with(
                        "aggregates_from_index",
                        u64::from(stats.aggregates_from_index),
                    )
                    .with("payloads_read", stats.payloads_read)
                    .child(filter),
            );
        }
        Ok(outcome)
    }

    /// The column an output expression reads: a grouping field or an aggregate (added to
    /// `aggregates` when new).
    fn group_column(
        &self,
        e: &Expr,
        keys: &[FieldPath],
        aggregates: &mut Vec<Aggregate>,
    ) -> Result<GroupColumn, ExecError> {
        match &e.kind {
            ExprKind::Field(field) => {
                let path = self.field_path(field)?;
                keys.iter()
                    .position(|k| *k == path)
                    .map(GroupColumn::Key)
                    .ok_or_else(|| {
                        self.error(
                            ErrorCode::InvalidCondition,
                            format!(
                                "{} is neither in GROUP BY nor inside an aggregate",
                                path.as_str()
                            ),
                            e.span,
                        )
                    })
            }
            ExprKind::Aggregate { .. } => {
                let a = self.aggregate_of(e)?;
                Ok(GroupColumn::Aggregate(
                    aggregates.iter().position(|x| *x == a).unwrap_or_else(|| {
                        aggregates.push(a);
                        aggregates.len() - 1
                    }),
                ))
            }
            _ => Err(self.error(
                ErrorCode::InvalidCondition,
                "with GROUP BY or aggregates, a column is a grouping field or an aggregate",
                e.span,
            )),
        }
    }

    /// Adds every aggregate inside `e` to `aggregates`.
    fn collect_aggregates(
        &self,
        e: &Expr,
        keys: &[FieldPath],
        aggregates: &mut Vec<Aggregate>,
    ) -> Result<(), ExecError> {
        match &e.kind {
            ExprKind::Aggregate { .. } => self.group_column(e, keys, aggregates).map(|_| ()),
            ExprKind::Compare { left, right, .. } => {
                self.collect_aggregates(left, keys, aggregates)?;
                self.collect_aggregates(right, keys, aggregates)
            }
            ExprKind::And(items) | ExprKind::Or(items) => items
                .iter()
                .try_for_each(|i| self.collect_aggregates(i, keys, aggregates)),
            ExprKind::Not(inner) => self.collect_aggregates(inner, keys, aggregates),
            ExprKind::Between {
                expr, low, high, ..
            } => {
                self.collect_aggregates(expr, keys, aggregates)?;
                self.collect_aggregates(low, keys, aggregates)?;
                self.collect_aggregates(high, keys, aggregates)
            }
            ExprKind::InList { expr, .. } | ExprKind::IsNull { expr, .. } => {
                self.collect_aggregates(expr, keys, aggregates)
            }
            _ => Ok(()),
        }
    }

    /// The [`Aggregate`] an aggregate expression asks for.
    fn aggregate_of(&self, e: &Expr) -> Result<Aggregate, ExecError> {
        let ExprKind::Aggregate {
            func,
            arg,
            distinct,
        } = &e.kind
        else {
            return Err(self.error(ErrorCode::InvalidCondition, "expected an aggregate", e.span));
        };
        let field = match arg.as_deref() {
            None => None,
            Some(Expr {
                kind: ExprKind::Field(field),
                ..
            }) => Some(self.field_path(field)?),
            Some(other) => {
                return Err(self.error(
                    ErrorCode::InvalidCondition,
                    "an aggregate takes a payload field (or * for COUNT)",
                    other.span,
                ));
            }
        };
        let needs_field = || {
            self.error(
                ErrorCode::InvalidCondition,
                "this aggregate takes a payload field",
                e.span,
            )
        };
        Ok(match (func, field, distinct) {
            (AggregateFn::Count, None, false) => Aggregate::CountAll,
            (AggregateFn::Count, Some(f), false) => Aggregate::Count(f),
            (AggregateFn::Count, Some(f), true) => Aggregate::CountDistinct(f),
            (AggregateFn::Sum, Some(f), false) => Aggregate::Sum(f),
            (AggregateFn::Avg, Some(f), false) => Aggregate::Avg(f),
            (AggregateFn::Min, Some(f), _) => Aggregate::Min(f),
            (AggregateFn::Max, Some(f), _) => Aggregate::Max(f),
            (_, None, _) => return Err(needs_field()),
            (_, Some(_), true) => {
                return Err(self.error(
                    ErrorCode::Unsupported,
                    "DISTINCT is supported in COUNT(DISTINCT field) only",
                    e.span,
                ));
            }
        })
    }

    /// The value of a `HAVING` expression on one group.
    fn group_eval(
        &self,
        e: &Expr,
        row: &GroupRow,
        keys: &[FieldPath],
        aggregates: &[Aggregate],
    ) -> Result<Value, ExecError> {
        let eval = |x: &Expr| self.group_eval(x, row, keys, aggregates);
        Ok(match &e.kind {
            ExprKind::Aggregate { .. } => {
                let a = self.aggregate_of(e)?;
                aggregates
                    .iter()
                    .position(|x| *x == a)
                    .and_then(|j| row.values.get(j))
                    .map_or(Value::Null, scalar_value)
            }
            ExprKind::Field(field) => {
                let path = self.field_path(field)?;
                keys.iter()
                    .position(|k| *k == path)
                    .and_then(|i| row.key.get(i))
                    .map(scalar_value)
                    .ok_or_else(|| {
                        self.error(
                            ErrorCode::InvalidCondition,
                            "HAVING reads grouping fields and aggregates",
                            e.span,
                        )
                    })?
            }
            ExprKind::Compare { left, op, right } => {
                let (a, b) = (eval(left)?, eval(right)?);
                if matches!(a, Value::Null) || matches!(b, Value::Null) {
                    Value::Null
                } else {
                    let o = compare_values(&a, &b);
                    Value::Bool(match op {
                        CompareOp::Eq => o.is_eq(),
                        CompareOp::NotEq => o.is_ne(),
                        CompareOp::Lt => o.is_lt(),
                        CompareOp::LtEq => o.is_le(),
                        CompareOp::Gt => o.is_gt(),
                        CompareOp::GtEq => o.is_ge(),
                    })
                }
            }
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let (v, lo, hi) = (eval(expr)?, eval(low)?, eval(high)?);
                if matches!(v, Value::Null) {
                    Value::Null
                } else {
                    let inside = compare_values(&v, &lo).is_ge() && compare_values(&v, &hi).is_le();
                    Value::Bool(inside != *negated)
                }
            }
            ExprKind::InList {
                expr,
                list,
                negated,
            } => {
                let v = eval(expr)?;
                let mut found = false;
                for item in list {
                    found |= compare_values(&v, &eval(item)?).is_eq();
                }
                Value::Bool(found != *negated)
            }
            ExprKind::IsNull { expr, negated } => {
                Value::Bool(matches!(eval(expr)?, Value::Null) != *negated)
            }
            ExprKind::And(items) => {
                let mut all = true;
                for item in items {
                    all &= truthy(&eval(item)?);
                }
                Value::Bool(all)
            }
            ExprKind::Or(items) => {
                let mut any = false;
                for item in items {
                    any |= truthy(&eval(item)?);
                }
                Value::Bool(any)
            }
            ExprKind::Not(inner) => Value::Bool(!truthy(&eval(inner)?)),
            _ => constant(e, &self.lower_context())?,
        })
    }
}

/// Whether a condition's value holds (`NULL` does not).
fn truthy(v: &Value) -> bool {
    matches!(v, Value::Bool(true))
}

/// One cell of a group's row.
fn cell(row: &GroupRow, column: &GroupColumn) -> Value {
    match column {
        GroupColumn::Key(i) => row.key.get(*i).map_or(Value::Null, scalar_value),
        GroupColumn::Aggregate(j) => row.values.get(*j).map_or(Value::Null, scalar_value),
    }
}

/// A scalar as a cell.
fn scalar_value(s: &Scalar) -> Value {
    match s {
        Scalar::Null => Value::Null,
        Scalar::Bool(b) => Value::Bool(*b),
        Scalar::Int(i) => Value::Int(*i),
        Scalar::Float(x) => Value::Float(*x),
        Scalar::String(t) => Value::String(t.clone()),
    }
}
