//! `INSERT`, `UPSERT`, `UPDATE` and `DELETE`: through the collection's writer and WAL like the
//! REST writes, answered once the write is applied (REST's `wait=true`), so they carry the same
//! durability promise.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::super::velesql::ast::{Column, Delete, Expr, FieldStep, Insert, Span, Update};
use super::super::velesql::{ErrorCode, LoweredWhere, constant, lower_where};
use super::super::{Predicate, check_types, matching_ids};
use super::outcome::Outcome;
use super::{ExecError, Runner};
use crate::columns::{Payload, PayloadEdit, Value};
use crate::engine::{
    AckAt, Collection, EngineError, NewPoint, PointId, SelectedChange, Selector, WriteTicket,
};

impl Runner<'_, '_> {
    /// `INSERT` refuses ids that exist when the statement runs (checked on a read view just
    /// before the write is queued: an upsert of the same id by another client in between still
    /// wins, as it would a moment later); `UPSERT` overwrites.
    pub(super) fn insert(&self, insert: &Insert) -> Result<Outcome, ExecError> {
        let collection = self.collection(&insert.collection.name, insert.collection.span)?;
        let id_at = insert
            .columns
            .iter()
            .position(|c| matches!(c, Column::Id(_)));
        let vector_at = insert
            .columns
            .iter()
            .position(|c| matches!(c, Column::Vector(_)));
        let (Some(id_at), Some(vector_at)) = (id_at, vector_at) else {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "INSERT and UPSERT name the columns id and vector (and payload fields)",
                insert.span,
            ));
        };
        let mut points = Vec::with_capacity(insert.rows.len());
        let mut seen = BTreeSet::new();
        for row in &insert.rows {
            if row.values.len() != insert.columns.len() {
                return Err(self.error(
                    ErrorCode::InvalidValue,
                    format!(
                        "this row has {} values for {} columns",
                        row.values.len(),
                        insert.columns.len()
                    ),
                    row.span,
                ));
            }
            let id = self.point_id(&row.values[id_at])?;
            if !insert.upsert && !seen.insert(id) {
                return Err(self.error(
                    ErrorCode::InvalidValue,
                    format!("point {id} is inserted twice"),
                    row.values[id_at].span,
                ));
            }
            let vector = self.vector_of(&row.values[vector_at])?;
            let mut payload = Payload::new();
            for (column, value) in insert.columns.iter().zip(&row.values) {
                if let Column::Field(field) = column {
                    let value = constant(value, &self.lower_context())?;
                    self.set_path(&mut payload, &field.steps, value, field.span)?;
                }
            }
            points.push(NewPoint {
                id,
                vector: vector.into(),
                payload,
            });
        }
        if !insert.upsert {
            let existing = collection.read(|view| {
                points
                    .iter()
                    .find(|p| view.slot_of(p.id).is_some())
                    .map(|p| p.id)
            });
            if let Some(id) = existing {
                return Err(self.error(
                    ErrorCode::InvalidValue,
                    format!("point {id} exists: INSERT never overwrites (UPSERT does)"),
                    insert.span,
                ));
            }
        }
        let count = points.len() as u64;
        self.check_time(insert.span)?;
        let ticket = collection
            .upsert(points, AckAt::Applied)
            .map_err(|e| self.write_error(e, insert.span))?;
        self.wait(ticket, insert.span)?;
        Ok(Outcome::written(count))
    }

    pub(super) fn update(&self, update: &Update) -> Result<Outcome, ExecError> {
        let collection = self.collection(&update.collection.name, update.collection.span)?;
        let mut payload = Payload::new();
        for assignment in &update.assignments {
            let Column::Field(field) = &assignment.column else {
                return Err(self.error(
                    ErrorCode::Unsupported,
                    "UPDATE sets payload fields; change an id or a vector with UPSERT",
                    update.span,
                ));
            };
            let [FieldStep::Key(key)] = field.steps.as_slice() else {
                return Err(self.error(
                    ErrorCode::Unsupported,
                    "UPDATE sets top-level payload fields (SET meta = ... replaces the object)",
                    field.span,
                ));
            };
            let value = constant(&assignment.value, &self.lower_context())?;
            payload.insert(key.clone(), value);
        }
        let predicate = match &update.filter {
            Some(filter) => self.write_filter(filter)?,
            None => Predicate::All,
        };
        let change = SelectedChange::EditPayload(PayloadEdit::Set(payload));
        self.write_selected(
            &collection,
            predicate,
            change,
            update.filter.as_ref(),
            update.span,
        )
    }

    pub(super) fn delete(&self, delete: &Delete) -> Result<Outcome, ExecError> {
        let collection = self.collection(&delete.collection.name, delete.collection.span)?;
        let predicate = self.write_filter(&delete.filter)?;
        self.write_selected(
            &collection,
            predicate,
            SelectedChange::Delete,
            Some(&delete.filter),
            delete.span,
        )
    }

    /// The filter of a write: a predicate, without a vector search or similarity.
    pub(super) fn write_filter(&self, filter: &Expr) -> Result<Predicate, ExecError> {
        let LoweredWhere {
            predicate,
            near,
            min_similarity,
            // A write's MATCH is a filter: nothing is ranked.
            text: _,
            rest: _,
        } = lower_where(filter, &self.lower_context())?;
        if let Some(near) = near {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "a write selects points by filter; NEAR belongs to SELECT",
                near.span,
            ));
        }
        if let Some(floor) = min_similarity {
            return Err(self.no_score(floor.span));
        }
        Ok(predicate)
    }

    /// Writes the points `predicate` selects, selected by the writer in order with every other
    /// write; the number of points it selected.
    fn write_selected(
        &self,
        collection: &Arc<Collection>,
        predicate: Predicate,
        change: SelectedChange,
        filter: Option<&Expr>,
        span: Span,
    ) -> Result<Outcome, ExecError> {
        collection
            .read(|view| check_types(view, &predicate))
            .map_err(|e| {
                self.error(
                    ErrorCode::TypeMismatch,
                    e.to_string(),
                    filter.map_or(span, |f| f.span),
                )
            })?;
        self.check_time(span)?;
        let selected = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&selected);
        let select: Selector = Box::new(move |view| {
            let ids = matching_ids(view, &predicate);
            counter.store(ids.len() as u64, Ordering::Relaxed);
            ids
        });
        let ticket = collection
            .write_selected(select, change, AckAt::Applied)
            .map_err(|e| self.write_error(e, span))?;
        self.wait(ticket, span)?;
        Ok(Outcome::written(selected.load(Ordering::Relaxed)))
    }

    /// Waits for a write to be applied.
    fn wait(&self, ticket: WriteTicket, span: Span) -> Result<(), ExecError> {
        ticket
            .wait_blocking()
            .map(|_| ())
            .map_err(|e| self.write_error(e, span))
    }

    fn write_error(&self, e: EngineError, span: Span) -> ExecError {
        match e {
            EngineError::InvalidVector { .. } | EngineError::LimitExceeded { .. } => {
                self.error(ErrorCode::InvalidValue, e.to_string(), span)
            }
            other => self.engine_error(other, span),
        }
    }

    /// The point id `e` stands for: an unsigned integer or a UUID string.
    fn point_id(&self, e: &Expr) -> Result<PointId, ExecError> {
        let bad = || {
            self.error(
                ErrorCode::TypeMismatch,
                "a point id is an unsigned integer or a UUID string",
                e.span,
            )
        };
        match constant(e, &self.lower_context())? {
            Value::Int(i) => u64::try_from(i).map(PointId::Num).map_err(|_| bad()),
            Value::UInt(u) => Ok(PointId::Num(u)),
            Value::String(s) => uuid::Uuid::parse_str(&s)
                .map(PointId::Uuid)
                .map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// The vector `e` stands for: a list of numbers.
    fn vector_of(&self, e: &Expr) -> Result<Vec<f32>, ExecError> {
        let bad = || {
            self.error(
                ErrorCode::TypeMismatch,
                "a vector is a list of numbers like [0.1, 0.2] or a $parameter bound to one",
                e.span,
            )
        };
        let Value::Array(items) = constant(e, &self.lower_context())? else {
            return Err(bad());
        };
        items
            .iter()
            .map(|v| match v {
                #[expect(clippy::cast_possible_truncation, reason = "vectors are f32")]
                Value::Float(x) => Ok(*x as f32),
                #[expect(clippy::cast_precision_loss, reason = "vectors are f32")]
                Value::Int(i) => Ok(*i as f32),
                _ => Err(bad()),
            })
            .collect()
    }

    /// Sets the value at `steps` (keys only) in `payload`, creating objects on the way.
    fn set_path(
        &self,
        payload: &mut Payload,
        steps: &[FieldStep],
        value: Value,
        span: Span,
    ) -> Result<(), ExecError> {
        let keys_only = || {
            self.error(
                ErrorCode::Unsupported,
                "an inserted field is a key or a dotted path of keys (no [] steps)",
                span,
            )
        };
        let Some((FieldStep::Key(first), rest)) = steps.split_first() else {
            return Err(keys_only());
        };
        if rest.is_empty() {
            payload.insert(first.clone(), value);
            return Ok(());
        }
        let slot = payload
            .entry(first.clone())
            .or_insert_with(|| Value::Object(Payload::new()));
        let Value::Object(inner) = slot else {
            return Err(self.error(
                ErrorCode::InvalidValue,
                format!("{first} is given both a value and nested fields"),
                span,
            ));
        };
        self.set_path(inner, rest, value, span)
    }
}
