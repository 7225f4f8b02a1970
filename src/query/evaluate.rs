//! [`Predicate::matches`]: whether one point satisfies a predicate, decided from its id and its
//! payload alone (no index), with Qdrant's semantics.
//!
//! What a field condition reads: the *leaves* its path reaches (an array at the end is one leaf).
//! When the path reaches nothing (missing field, wrong shape on the way), the condition sees an
//! empty field: `is_empty` holds, a `values_count` counts 0, everything else fails. Otherwise:
//! - `match`, `range`: some leaf, or some element of a leaf that is an array, satisfies it.
//!   Types never coerce: `"1"` is not `1`, and `1.0` is not the integer `1`.
//! - `except` (`NoneOf`): some value is not `null` and not one of the list (a value of another type
//!   than the list's counts as "not one of them"); an empty array has no such value.
//! - `values_count`: some leaf's count is inside the range (`null` counts 0, an array its length,
//!   any other value 1).
//! - `is_null`: some leaf is `null` (an array holding `null` is not itself `null`).
//! - `is_empty`: every leaf is `null` or an empty array (so a missing field is empty).
//! - `like`: some string value matches the pattern (other types never do).
//! - text (`match: {"text"}`, `{"phrase"}`): the field's strings, as one document, hold the
//!   words (see `text_match`).
//! - `nested`: some element of the array at the path is an object satisfying the inner predicate,
//!   whose paths are relative to that element; `has_id` never holds inside it.

use crate::columns::{Payload, Value, parse_datetime};
use crate::engine::PointId;

use super::predicate::{Condition, Literal, Predicate};

impl Predicate {
    /// Whether the point `id` with `payload` satisfies this predicate.
    #[must_use]
    pub fn matches(&self, id: PointId, payload: &Payload) -> bool {
        self.holds(Some(id), payload)
    }

    /// `id` is `None` inside a `nested` element, which has no id of its own.
    fn holds(&self, id: Option<PointId>, payload: &Payload) -> bool {
        match self {
            Self::All => true,
            Self::And(items) => items.iter().all(|p| p.holds(id, payload)),
            Self::Or(items) => items.iter().any(|p| p.holds(id, payload)),
            Self::Not(inner) => !inner.holds(id, payload),
            Self::AtLeast { min, of } => {
                *min == 0
                    || of
                        .iter()
                        .filter(|p| p.holds(id, payload))
                        .take(*min)
                        .count()
                        == *min
            }
            Self::HasId(ids) => id.is_some_and(|id| ids.contains(&id)),
            Self::Field(path, condition) => {
                path.with_leaves(payload, |leaves| condition.holds(leaves))
            }
            Self::Nested { path, inner } => path.leaves(payload).into_iter().any(|leaf| {
                let Value::Array(items) = leaf else {
                    return false;
                };
                items.iter().any(|item| match item {
                    Value::Object(element) => inner.holds(None, element),
                    _ => false,
                })
            }),
        }
    }
}

impl Condition {
    /// Whether the field whose leaves are `leaves` satisfies this condition.
    fn holds(&self, leaves: &[&Value]) -> bool {
        match self {
            Self::IsEmpty => leaves.iter().all(|leaf| match leaf {
                Value::Null => true,
                Value::Array(items) => items.is_empty(),
                _ => false,
            }),
            Self::IsNull => leaves.iter().any(|leaf| matches!(leaf, Value::Null)),
            Self::Text(text) => text.holds(leaves),
            Self::ValuesCount(range) => {
                if leaves.is_empty() {
                    return range.contains(0);
                }
                leaves.iter().any(|leaf| {
                    let count = match leaf {
                        Value::Null => 0,
                        Value::Array(items) => items.len(),
                        _ => 1,
                    };
                    range.contains(u64::try_from(count).unwrap_or(u64::MAX))
                })
            }
            _ => leaves.iter().any(|leaf| match leaf {
                Value::Array(items) => items.iter().any(|v| self.value_holds(v)),
                other => self.value_holds(other),
            }),
        }
    }

    /// Whether one value (a leaf, or one element of a leaf that is an array) satisfies a value
    /// condition.
    fn value_holds(&self, value: &Value) -> bool {
        match self {
            Self::Equals(literal) => equals(value, literal),
            Self::AnyOf(list) => list.iter().any(|l| equals(value, l)),
            Self::NoneOf(list) => match value {
                Value::Null => false,
                _ => !list.iter().any(|l| equals(value, l)),
            },
            Self::NumberRange(range) => match value {
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "ranges compare as f64, as Qdrant's do"
                )]
                Value::Int(i) => range.contains(*i as f64),
                #[expect(
                    clippy::cast_precision_loss,
                    reason = "ranges compare as f64, as Qdrant's do"
                )]
                Value::UInt(u) => range.contains(*u as f64),
                Value::Float(f) => range.contains(*f),
                _ => false,
            },
            Self::DatetimeRange(range) => match value {
                Value::String(text) => parse_datetime(text).is_some_and(|t| range.contains(t)),
                _ => false,
            },
            Self::Like(pattern) => match value {
                Value::String(text) => pattern.matches(text),
                _ => false,
            },
            Self::IsNull | Self::IsEmpty | Self::ValuesCount(_) | Self::Text(_) => false,
        }
    }
}

/// Equality without coercion: a string equals only that string, an integer only that integer
/// (never a float), a boolean only that boolean.
fn equals(value: &Value, literal: &Literal) -> bool {
    match (value, literal) {
        (Value::String(s), Literal::String(l)) => s == l,
        (Value::Int(i), Literal::Int(l)) => i == l,
        (Value::Bool(b), Literal::Bool(l)) => b == l,
        _ => false,
    }
}

#[cfg(test)]
#[path = "evaluate_tests.rs"]
mod tests;
