//! Point identity and the point records the engine stores and returns.

use std::fmt;
use std::str::FromStr;

use super::payload_path;
use crate::columns::Payload;
use crate::sparse::SparseVector;

/// A point id: an unsigned 64-bit integer or a UUID, like Qdrant's. Integers sort before UUIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PointId {
    /// A numeric id.
    Num(u64),
    /// A UUID id.
    Uuid(uuid::Uuid),
}

impl fmt::Display for PointId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Num(n) => write!(f, "{n}"),
            Self::Uuid(u) => write!(f, "{}", u.hyphenated()),
        }
    }
}

/// A string that is neither an unsigned integer nor a UUID.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("point id {0:?} is neither an unsigned 64-bit integer nor a UUID")]
pub struct BadPointId(pub String);

impl FromStr for PointId {
    type Err = BadPointId;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Ok(n) = s.parse::<u64>() {
            return Ok(Self::Num(n));
        }
        uuid::Uuid::parse_str(s)
            .map(Self::Uuid)
            .map_err(|_| BadPointId(s.chars().take(100).collect()))
    }
}

/// One named vector of a point: dense, or sparse (Qdrant's `{"indices", "values"}`).
#[derive(Debug, Clone, PartialEq)]
pub enum VectorValue {
    /// A dense vector.
    Dense(Vec<f32>),
    /// A checked sparse vector.
    Sparse(SparseVector),
}

impl From<Vec<f32>> for VectorValue {
    fn from(v: Vec<f32>) -> Self {
        Self::Dense(v)
    }
}

impl VectorValue {
    /// The dense vector, when this is one.
    #[must_use]
    pub fn dense(&self) -> Option<&[f32]> {
        match self {
            Self::Dense(v) => Some(v),
            Self::Sparse(_) => None,
        }
    }
}

/// A point's vectors, as written or read back.
#[derive(Debug, Clone, PartialEq)]
pub enum PointVectors {
    /// The unnamed vector, given as a bare array.
    Unnamed(Vec<f32>),
    /// Vectors by name (any subset of the declared ones, dense and sparse; `""` names the
    /// unnamed vector).
    Named(Vec<(String, VectorValue)>),
}

impl From<Vec<f32>> for PointVectors {
    fn from(v: Vec<f32>) -> Self {
        Self::Unnamed(v)
    }
}

impl PointVectors {
    /// The dense vector named `name` (`""`: the unnamed vector, bare or by name).
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&[f32]> {
        match self {
            Self::Unnamed(v) => name.is_empty().then_some(v.as_slice()),
            Self::Named(named) => named
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, v)| v.dense()),
        }
    }

    /// The sparse vector named `name`.
    #[must_use]
    pub fn sparse(&self, name: &str) -> Option<&SparseVector> {
        match self {
            Self::Unnamed(_) => None,
            Self::Named(named) => named.iter().find_map(|(n, v)| match v {
                VectorValue::Sparse(s) if n == name => Some(s),
                _ => None,
            }),
        }
    }

    /// The only vector, when there is exactly one and it is dense (the bare form of a
    /// one-vector answer).
    #[must_use]
    pub fn single(&self) -> Option<&[f32]> {
        match self {
            Self::Unnamed(v) => Some(v),
            Self::Named(named) => match named.as_slice() {
                [(_, v)] => v.dense(),
                _ => None,
            },
        }
    }

    /// Dense vectors by name, for tests and callers that know no sparse vector is involved.
    #[must_use]
    pub fn named_dense(named: Vec<(String, Vec<f32>)>) -> Self {
        Self::Named(
            named
                .into_iter()
                .map(|(n, v)| (n, VectorValue::Dense(v)))
                .collect(),
        )
    }
}

/// A point as written by a client: id, vectors (not yet validated) and payload.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPoint {
    /// The id.
    pub id: PointId,
    /// The dense vectors.
    pub vector: PointVectors,
    /// The payload.
    pub payload: Payload,
}

/// Which payload keys a read returns.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum PayloadSelector {
    /// The whole payload.
    All,
    /// No payload.
    #[default]
    None,
    /// Only these keys; a key may be a dotted path into nested objects (`"meta.author"`), and
    /// the result keeps the nesting (`{"meta": {"author": ...}}`).
    Include(Vec<String>),
    /// Everything except these keys or dotted paths.
    Exclude(Vec<String>),
}

impl PayloadSelector {
    /// Applies the selector to a stored payload.
    #[must_use]
    pub fn select(&self, payload: &Payload) -> Option<Payload> {
        match self {
            Self::None => None,
            Self::All => Some(payload.clone()),
            Self::Include(paths) => {
                let mut out = Payload::new();
                for path in paths {
                    if let Some(v) = payload_path::get(payload, path) {
                        payload_path::insert(&mut out, payload, path, v.clone());
                    }
                }
                Some(out)
            }
            Self::Exclude(paths) => {
                let mut out = payload.clone();
                for path in paths {
                    payload_path::remove(&mut out, path);
                }
                Some(out)
            }
        }
    }
}

/// What a read returns besides the id.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Projection {
    /// Which payload keys.
    pub payload: PayloadSelector,
    /// Whether the vectors are returned.
    pub with_vector: bool,
    /// Only these named vectors (`None`: every one the point carries).
    pub vector_names: Option<Vec<String>>,
}

/// A point as read back.
#[derive(Debug, Clone, PartialEq)]
pub struct PointRecord {
    /// The id.
    pub id: PointId,
    /// The payload, when requested.
    pub payload: Option<Payload>,
    /// The vectors, when requested.
    pub vector: Option<PointVectors>,
}

/// A search hit.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredPoint {
    /// The point.
    pub record: PointRecord,
    /// Its score under the collection's metric (see [`crate::vector::Metric`]).
    pub score: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_numbers_and_uuids_and_orders_numbers_first() {
        let n: PointId = "42".parse().unwrap_or(PointId::Num(0));
        let u: PointId = "550e8400-e29b-41d4-a716-446655440000"
            .parse()
            .unwrap_or(PointId::Num(0));
        assert_eq!(n, PointId::Num(42));
        assert!(matches!(u, PointId::Uuid(_)));
        assert_eq!(u.to_string(), "550e8400-e29b-41d4-a716-446655440000");
        assert!(n < u);
        assert!("-1".parse::<PointId>().is_err());
        assert!("../etc".parse::<PointId>().is_err());
    }
}
