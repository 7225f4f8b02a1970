//! [`Predicate`]: the one filter tree every front end compiles to (Qdrant's JSON filter today,
//! VelesQL's WHERE clause next). It names payload fields by [`FieldPath`] and point ids by
//! [`PointId`]; it knows nothing of wire formats or of how it will be answered (evaluation against
//! a payload, bitmaps from indexes, or both: see the planner).

use std::collections::BTreeSet;

use super::like::LikePattern;
use super::text_match::TextMatch;
use crate::columns::FieldPath;
use crate::engine::PointId;

/// A condition on points.
#[derive(Debug, Clone, PartialEq)]
pub enum Predicate {
    /// Every point (an empty filter).
    All,
    /// Every one of these holds (an empty list holds).
    And(Vec<Predicate>),
    /// At least one of these holds (an empty list does not hold).
    Or(Vec<Predicate>),
    /// This does not hold.
    Not(Box<Predicate>),
    /// At least `min` of these hold (Qdrant's `min_should`).
    AtLeast {
        /// How many must hold.
        min: usize,
        /// The candidates.
        of: Vec<Predicate>,
    },
    /// The point's id is one of these.
    HasId(BTreeSet<PointId>),
    /// A condition on the values of one payload field.
    Field(FieldPath, Condition),
    /// Some element of the array of objects at `path` satisfies `inner`, whose field paths are
    /// relative to that element (Qdrant's `nested`: every condition on the same element).
    Nested {
        /// The array of objects.
        path: FieldPath,
        /// The condition one element must satisfy.
        inner: Box<Predicate>,
    },
}

/// A condition on the values one field holds (each element of an array counts as a value).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// Some value equals this.
    Equals(Literal),
    /// Some value equals one of these.
    AnyOf(Vec<Literal>),
    /// Qdrant's `except`: some value equals none of these.
    NoneOf(Vec<Literal>),
    /// Some value is a number inside this range.
    NumberRange(Interval<f64>),
    /// Some value is a datetime (RFC 3339 string) inside this range, in microseconds since the
    /// Unix epoch (UTC).
    DatetimeRange(Interval<i64>),
    /// Some leaf the path reaches is `null` (as in Qdrant, an array holding `null` is not itself
    /// `null`).
    IsNull,
    /// The field is missing, `null`, or an empty array.
    IsEmpty,
    /// The number of values (array length; 1 for a scalar) is inside this range.
    ValuesCount(Interval<u64>),
    /// Some value is a string matching this `LIKE` / `ILIKE` pattern (never indexed).
    Like(LikePattern),
    /// The field's text holds these words (see `text_match`).
    Text(TextMatch),
}

/// A value compared for equality.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Literal {
    /// A string (keyword, UUID text, ...).
    String(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
}

/// An interval with optional inclusive or exclusive ends.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Interval<T> {
    /// Lower end: the value and whether it is included.
    pub lower: Option<(T, bool)>,
    /// Upper end: the value and whether it is included.
    pub upper: Option<(T, bool)>,
}

impl<T: PartialOrd + Copy> Interval<T> {
    /// Whether `x` lies inside.
    #[must_use]
    pub fn contains(&self, x: T) -> bool {
        let above = match self.lower {
            None => true,
            Some((lo, true)) => x >= lo,
            Some((lo, false)) => x > lo,
        };
        let below = match self.upper {
            None => true,
            Some((hi, true)) => x <= hi,
            Some((hi, false)) => x < hi,
        };
        above && below
    }
}

impl Predicate {
    /// Whether a full-text condition appears anywhere in the tree.
    #[must_use]
    pub fn has_text_condition(&self) -> bool {
        match self {
            Self::All | Self::HasId(_) => false,
            Self::Field(_, condition) => matches!(condition, Condition::Text(_)),
            Self::And(items) | Self::Or(items) | Self::AtLeast { of: items, .. } => {
                items.iter().any(Self::has_text_condition)
            }
            Self::Not(inner) | Self::Nested { inner, .. } => inner.has_text_condition(),
        }
    }

    /// Number of nodes in the tree (conditions and connectives), for size limits.
    #[must_use]
    pub fn node_count(&self) -> usize {
        match self {
            Self::All | Self::HasId(_) | Self::Field(..) => 1,
            Self::And(items) | Self::Or(items) | Self::AtLeast { of: items, .. } => {
                1 + items.iter().map(Self::node_count).sum::<usize>()
            }
            Self::Not(inner) | Self::Nested { inner, .. } => 1 + inner.node_count(),
        }
    }
}
