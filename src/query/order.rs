//! Scrolling in the order of a payload field (Qdrant's `order_by`): points come in the order of
//! the values an integer, float or datetime index holds for them, ascending or descending,
//! optionally from a starting value, restricted to a filter. A point whose field holds several
//! values comes once, at its first value in that order. Fields without such an index cannot be
//! ordered by (the order would cost a sort of every payload per page).

use std::ops::Bound;

use roaring::RoaringBitmap;

use super::Predicate;
use super::compile::{CompileStats, matching_in};
use crate::columns::FieldPath;
use crate::columns::index::{Float, IndexKey, IndexSchema};
use crate::engine::{PointRecord, Projection, ReadView};

/// How to order a scroll.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderBy {
    /// The field.
    pub path: FieldPath,
    /// Largest values first.
    pub descending: bool,
    /// Start at this value (inclusive): a number, or a datetime in microseconds since the epoch
    /// for a datetime index.
    pub start_from: Option<StartFrom>,
}

/// Where an ordered scroll starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StartFrom {
    /// A number.
    Number(f64),
    /// An instant, in microseconds since the epoch.
    Instant(i64),
}

/// The value a point was ordered by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OrderValue {
    /// An integer (or a datetime, in microseconds since the epoch).
    Int(i64),
    /// A float.
    Float(f64),
}

/// Why a scroll cannot be ordered as asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    /// No index, or one that does not order its values.
    #[error(
        "`order_by` needs an integer, float or datetime index on field `{0}`; create one with \
         PUT /collections/{{name}}/index"
    )]
    NotOrdered(String),
    /// `start_from` of the wrong kind for the index.
    #[error("`order_by.start_from` for field `{0}` must be {1}")]
    BadStart(String, &'static str),
}

/// Up to `limit` points matching `filter` in the order `order` asks, with the value each was
/// ordered by.
///
/// # Errors
/// [`OrderError`] when the field has no ordered index or `start_from` does not fit it.
pub fn scroll_ordered(
    view: &ReadView<'_>,
    order: &OrderBy,
    filter: Option<&Predicate>,
    limit: usize,
    projection: &Projection,
) -> Result<Vec<(PointRecord, OrderValue)>, OrderError> {
    let field = order.path.as_str().to_owned();
    let index = view
        .field_index(&order.path)
        .filter(|i| i.schema().is_ordered())
        .ok_or_else(|| OrderError::NotOrdered(field.clone()))?;
    let start = match (order.start_from, index.schema()) {
        (None, _) => None,
        (Some(StartFrom::Instant(t)), IndexSchema::Datetime) => Some(IndexKey::Int(t)),
        (Some(StartFrom::Number(x)), IndexSchema::Float) => Some(IndexKey::Float(Float::new(x))),
        (Some(StartFrom::Number(x)), IndexSchema::Integer) => {
            // The first integer at or past `x` in the scroll's direction.
            let edge = if order.descending {
                x.floor()
            } else {
                x.ceil()
            };
            #[expect(clippy::cast_possible_truncation, reason = "saturating on purpose")]
            Some(IndexKey::Int(edge as i64))
        }
        (Some(_), IndexSchema::Datetime) => {
            return Err(OrderError::BadStart(field, "a datetime string"));
        }
        (Some(_), _) => return Err(OrderError::BadStart(field, "a number")),
    };
    let allowed = match filter {
        None => view.live().clone(),
        Some(p) => matching_in(view, p, view.live(), &mut CompileStats::default()),
    };
    let (lower, upper) = match (&start, order.descending) {
        (None, _) => (Bound::Unbounded, Bound::Unbounded),
        (Some(k), false) => (Bound::Included(k), Bound::Unbounded),
        (Some(k), true) => (Bound::Unbounded, Bound::Included(k)),
    };
    let mut seen = RoaringBitmap::new();
    let mut out = Vec::new();
    let postings = index.postings_in(lower, upper);
    let mut visit = |key: &IndexKey, slots: &RoaringBitmap| -> bool {
        for slot in (slots & &allowed).iter() {
            if !seen.insert(slot) {
                continue;
            }
            if let Some(record) = view.record(slot, projection) {
                let value = match key {
                    IndexKey::Float(f) => OrderValue::Float(f.get()),
                    IndexKey::Int(i) => OrderValue::Int(*i),
                    _ => continue,
                };
                out.push((record, value));
                if out.len() >= limit {
                    return false;
                }
            }
        }
        true
    };
    if order.descending {
        for (key, slots) in postings.rev() {
            if !visit(key, slots) {
                break;
            }
        }
    } else {
        for (key, slots) in postings {
            if !visit(key, slots) {
                break;
            }
        }
    }
    Ok(out)
}
