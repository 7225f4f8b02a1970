//! [`ParamValue`]: a value bound to a `$name` by the request, never spliced into the text. The
//! API turns the request's JSON `params` into these through [`crate::columns::Value`].

use std::collections::BTreeMap;

use crate::columns::Value;

/// The values a request binds, by name (without the `$`).
pub type Params = BTreeMap<String, ParamValue>;

/// One bound value: a scalar or a list (a vector, or the items of an `IN (...)`).
#[derive(Debug, Clone, PartialEq)]
pub enum ParamValue {
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
    /// Any other number (always finite).
    Float(f64),
    /// A string.
    String(String),
    /// A list.
    List(Vec<ParamValue>),
}

/// A parameter value of a kind no statement can use: an object.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a parameter is a single value or a list, not an object")]
pub struct ObjectParam;

impl TryFrom<Value> for ParamValue {
    type Error = ObjectParam;

    fn try_from(value: Value) -> Result<Self, ObjectParam> {
        Ok(match value {
            Value::Null => Self::Null,
            Value::Bool(b) => Self::Bool(b),
            Value::Int(i) => Self::Int(i),
            Value::UInt(u) => Self::UInt(u),
            Value::Float(x) => Self::Float(x),
            Value::String(s) => Self::String(s),
            Value::Array(items) => Self::List(
                items
                    .into_iter()
                    .map(Self::try_from)
                    .collect::<Result<_, _>>()?,
            ),
            Value::Object(_) => return Err(ObjectParam),
        })
    }
}

impl From<ParamValue> for Value {
    fn from(value: ParamValue) -> Self {
        match value {
            ParamValue::Null => Self::Null,
            ParamValue::Bool(b) => Self::Bool(b),
            ParamValue::Int(i) => Self::Int(i),
            ParamValue::UInt(u) => Self::UInt(u),
            ParamValue::Float(x) => Self::Float(x),
            ParamValue::String(s) => Self::String(s),
            ParamValue::List(items) => Self::Array(items.into_iter().map(Self::from).collect()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_values_convert_both_ways_and_objects_are_refused() {
        let v = Value::Array(vec![
            Value::Int(-1),
            Value::UInt(u64::MAX),
            Value::Float(0.5),
            Value::String("a".into()),
            Value::Null,
            Value::Bool(true),
        ]);
        let p = ParamValue::try_from(v.clone()).expect("no object");
        assert_eq!(Value::from(p), v);
        let object = Value::Object(BTreeMap::new());
        assert_eq!(
            ParamValue::try_from(Value::Array(vec![object])),
            Err(ObjectParam)
        );
    }
}
