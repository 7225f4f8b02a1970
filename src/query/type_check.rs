//! Conditions that cannot match the type a field is indexed as: a range on a keyword index, a
//! datetime range on a number index, a string match on an integer index... Almost always a
//! mistake (the wrong field, or the wrong index type), so it is refused, naming the field,
//! instead of quietly matching only the few values of another type the field may hold.
//! Fields without an index are not checked: their values may be of any type.

use super::predicate::{Condition, Literal, Predicate};
use crate::columns::FieldPath;
use crate::columns::index::IndexSchema;
use crate::engine::ReadView;

/// A condition whose values cannot be of the type its field is indexed as.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("field `{field}` is indexed as {schema}: {what}")]
pub struct TypeMismatch {
    /// The field.
    pub field: String,
    /// Its index type.
    pub schema: IndexSchema,
    /// Why the condition cannot match it.
    pub what: &'static str,
}

/// Checks every condition of `predicate` against the types its fields are indexed as.
///
/// # Errors
/// The first [`TypeMismatch`] found.
pub fn check_types(view: &ReadView<'_>, predicate: &Predicate) -> Result<(), TypeMismatch> {
    match predicate {
        Predicate::All | Predicate::HasId(_) => Ok(()),
        Predicate::And(items) | Predicate::Or(items) | Predicate::AtLeast { of: items, .. } => {
            items.iter().try_for_each(|p| check_types(view, p))
        }
        Predicate::Not(inner) => check_types(view, inner),
        // Paths inside `nested` are relative to an element: no index names them.
        Predicate::Nested { .. } => Ok(()),
        Predicate::Field(path, condition) => match view.field_index(path) {
            None => Ok(()),
            Some(index) => check(path, index.schema(), condition),
        },
    }
}

fn check(path: &FieldPath, schema: IndexSchema, condition: &Condition) -> Result<(), TypeMismatch> {
    let fail = |what| {
        Err(TypeMismatch {
            field: path.as_str().to_owned(),
            schema,
            what,
        })
    };
    match condition {
        Condition::NumberRange(_)
            if !matches!(schema, IndexSchema::Integer | IndexSchema::Float) =>
        {
            fail("a number range needs an integer or float index")
        }
        Condition::DatetimeRange(_) if schema != IndexSchema::Datetime => {
            fail("a datetime range needs a datetime index")
        }
        Condition::Like(_)
            if !matches!(
                schema,
                IndexSchema::Keyword | IndexSchema::Uuid | IndexSchema::Datetime
            ) =>
        {
            fail("LIKE matches strings")
        }
        Condition::Equals(l) => check_literal(schema, l).map_or(Ok(()), fail),
        Condition::AnyOf(ls) | Condition::NoneOf(ls) => ls
            .iter()
            .find_map(|l| check_literal(schema, l))
            .map_or(Ok(()), fail),
        _ => Ok(()),
    }
}

/// Why `literal` can never equal an indexed value of `schema`, if it cannot.
fn check_literal(schema: IndexSchema, literal: &Literal) -> Option<&'static str> {
    match (schema, literal) {
        (IndexSchema::Keyword | IndexSchema::Uuid | IndexSchema::Datetime, Literal::String(_))
        | (IndexSchema::Integer | IndexSchema::Float, Literal::Int(_))
        | (IndexSchema::Bool, Literal::Bool(_)) => None,
        (IndexSchema::Keyword | IndexSchema::Uuid | IndexSchema::Datetime, _) => {
            Some("it is matched with strings")
        }
        (IndexSchema::Integer | IndexSchema::Float, _) => Some("it is matched with integers"),
        (IndexSchema::Bool, _) => Some("it is matched with true or false"),
    }
}
