//! Values of result cells: a point id, a payload field (one leaf as itself, several as a list,
//! none as `NULL`), a vector, a score.

use std::cmp::Ordering;

use crate::columns::{FieldPath, Payload, Value};
use crate::engine::PointId;

/// A point id as a cell: an integer, or a UUID string.
#[must_use]
pub fn id_value(id: PointId) -> Value {
    match id {
        PointId::Num(n) => Value::from(n),
        PointId::Uuid(u) => Value::String(u.to_string()),
    }
}

/// What `path` holds in `payload`: its one leaf, the list of its leaves when it reaches several
/// (`items[].sku`), `NULL` when it reaches none.
#[must_use]
pub fn field_value(path: &FieldPath, payload: Option<&Payload>) -> Value {
    let Some(payload) = payload else {
        return Value::Null;
    };
    path.with_leaves(payload, |leaves| match leaves {
        [] => Value::Null,
        [one] => (*one).clone(),
        many => Value::Array(many.iter().map(|v| (*v).clone()).collect()),
    })
}

/// A vector as a cell.
#[must_use]
pub fn vector_value(vector: &[f32]) -> Value {
    Value::Array(vector.iter().map(|x| Value::Float(f64::from(*x))).collect())
}

/// A total order of cells for sorting: booleans, then numbers by value, then strings, lists and
/// objects, with `NULL` after everything (so `ASC` puts nulls last and `DESC` first, as
/// PostgreSQL does).
#[must_use]
pub fn compare_values(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Bool(_) => 0,
            Value::Int(_) | Value::UInt(_) | Value::Float(_) => 1,
            Value::String(_) => 2,
            Value::Array(_) => 3,
            Value::Object(_) => 4,
            Value::Null => 5,
        }
    }
    #[expect(
        clippy::cast_precision_loss,
        reason = "numbers compare as f64, ties by kind"
    )]
    fn number(v: &Value) -> Option<(f64, u8)> {
        match v {
            Value::Int(i) => Some((*i as f64, 0)),
            Value::UInt(u) => Some((*u as f64, 0)),
            Value::Float(x) => Some((*x, 1)),
            _ => None,
        }
    }
    match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::String(x), Value::String(y)) => x.cmp(y),
        (Value::Int(x), Value::Int(y)) => x.cmp(y),
        (Value::Array(x), Value::Array(y)) => x
            .iter()
            .zip(y)
            .map(|(p, q)| compare_values(p, q))
            .find(|o| o.is_ne())
            .unwrap_or_else(|| x.len().cmp(&y.len())),
        _ => match (number(a), number(b)) {
            (Some((x, kx)), Some((y, ky))) => x.total_cmp(&y).then(kx.cmp(&ky)),
            _ => rank(a).cmp(&rank(b)),
        },
    }
}
