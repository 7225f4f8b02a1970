//! [`IndexSchema`]: the type a payload field index is built for, and which payload values it
//! indexes ([`IndexSchema::key_of`]).

use std::cmp::Ordering;
use std::fmt;

use crate::columns::{Value, parse_datetime};

/// The type of a payload field index, as Qdrant names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexSchema {
    /// Strings, matched exactly.
    Keyword,
    /// Integers that fit in `i64`: equality and ranges.
    Integer,
    /// Any number, as `f64`: ranges.
    Float,
    /// `true` / `false`.
    Bool,
    /// RFC 3339 strings, as instants: ranges.
    Datetime,
    /// UUID strings, in any of UUID's spellings.
    Uuid,
}

impl IndexSchema {
    /// Every schema, in the order of their codes.
    pub const ALL: [Self; 6] = [
        Self::Keyword,
        Self::Integer,
        Self::Float,
        Self::Bool,
        Self::Datetime,
        Self::Uuid,
    ];

    /// The name Qdrant gives this type (`"keyword"`, `"integer"`, ...).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Keyword => "keyword",
            Self::Integer => "integer",
            Self::Float => "float",
            Self::Bool => "bool",
            Self::Datetime => "datetime",
            Self::Uuid => "uuid",
        }
    }

    /// The schema called `name`, if any.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The byte that stands for this schema in WAL records and images.
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Keyword => 1,
            Self::Integer => 2,
            Self::Float => 3,
            Self::Bool => 4,
            Self::Datetime => 5,
            Self::Uuid => 6,
        }
    }

    /// The schema a code stands for.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// Whether the index orders its keys numerically (answers ranges).
    #[must_use]
    pub fn is_ordered(self) -> bool {
        matches!(self, Self::Integer | Self::Float | Self::Datetime)
    }

    /// The key one payload value is indexed under, or `None` when the value is not of this type
    /// (it stays stored, unindexed). `null` is never a key.
    #[must_use]
    pub fn key_of(self, value: &Value) -> Option<IndexKey> {
        match (self, value) {
            (Self::Keyword, Value::String(s)) => Some(IndexKey::Text(s.clone())),
            (Self::Integer, Value::Int(i)) => Some(IndexKey::Int(*i)),
            (Self::Float, Value::Int(i)) => Some(IndexKey::Float(Float::new(*i as f64))),
            (Self::Float, Value::UInt(u)) => Some(IndexKey::Float(Float::new(*u as f64))),
            (Self::Float, Value::Float(f)) => Some(IndexKey::Float(Float::new(*f))),
            (Self::Bool, Value::Bool(b)) => Some(IndexKey::Bool(*b)),
            (Self::Datetime, Value::String(s)) => parse_datetime(s).map(IndexKey::Int),
            (Self::Uuid, Value::String(s)) => uuid::Uuid::parse_str(s)
                .ok()
                .map(|u| IndexKey::Uuid(u.as_u128())),
            _ => None,
        }
    }
}

impl fmt::Display for IndexSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One indexed value. An index holds keys of one kind only: `Text` (keyword), `Int` (integer;
/// datetime as microseconds since the epoch), `Float`, `Bool` or `Uuid`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum IndexKey {
    /// A boolean.
    Bool(bool),
    /// An integer, or an instant in microseconds.
    Int(i64),
    /// A finite float.
    Float(Float),
    /// A string.
    Text(String),
    /// A UUID.
    Uuid(u128),
}

/// A finite `f64` with a total order (`-0.0` is stored as `0.0`, so they are one key).
#[derive(Debug, Clone, Copy)]
pub struct Float(f64);

impl Float {
    /// Wraps `x`, folding `-0.0` into `0.0`.
    #[must_use]
    pub fn new(x: f64) -> Self {
        Self(if x == 0.0 { 0.0 } else { x })
    }

    /// The value.
    #[must_use]
    pub fn get(self) -> f64 {
        self.0
    }
}

impl PartialEq for Float {
    fn eq(&self, other: &Self) -> bool {
        self.0.total_cmp(&other.0) == Ordering::Equal
    }
}
impl Eq for Float {}
impl PartialOrd for Float {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Float {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.total_cmp(&other.0)
    }
}
impl std::hash::Hash for Float {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.0.to_bits().hash(state);
    }
}
