//! Vector names and vector values on the wire, in Qdrant's shapes.
//!
//! A collection declares one unnamed vector or any number of named dense vectors. A point gives
//! its vector as a bare list (the unnamed vector) or as a map by name (`{"dense": [...],
//! "image": [...]}`); LangChain and LlamaIndex call the unnamed vector `""`
//! (`{"vector": {"": [...]}}`, `"using": ""`). Names are parsed here and checked against the
//! collection by the engine, which answers an unknown name with a 400 naming it: a name is never
//! ignored, so a client cannot get another vector's results with a 200.
//!
//! A sparse value (`{"indices": [...], "values": [...]}`) is checked here as it is read (pairs
//! in any order are sorted; a repeated index, mismatched lengths, too many entries or a value
//! that is not finite is refused naming the vector), so the engine only ever sees checked
//! sparse vectors; whether the name is a declared sparse vector is the engine's to say.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use utoipa::ToSchema;

use crate::engine::config::MAX_VECTOR_NAME_BYTES;
use crate::engine::{PointVectors, VectorValue};
use crate::sparse::SparseVector;

/// A vector name in a request (`using`, `with_vector`, a search's `vector.name`; `""` is the
/// unnamed vector), at most [`MAX_VECTOR_NAME_BYTES`] bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, ToSchema)]
#[schema(value_type = String)]
pub struct VectorName(pub String);

impl VectorName {
    /// The name.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Refuses a name longer than any a collection may declare.
fn check_name<E: de::Error>(name: &str) -> Result<(), E> {
    if name.len() > MAX_VECTOR_NAME_BYTES {
        return Err(E::custom(format!(
            "a vector name is at most {MAX_VECTOR_NAME_BYTES} bytes, got one of {}",
            name.len()
        )));
    }
    Ok(())
}

impl<'de> Deserialize<'de> for VectorName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        check_name(&name)?;
        Ok(Self(name))
    }
}

/// A sparse vector as sent: `{"indices": [...], "values": [...]}`, at most
/// [`crate::sparse::MAX_NON_ZEROS`] pairs, each index once.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SparseVector)]
pub struct WireSparseVector {
    /// Dimension indices (any order, each once).
    #[schema(max_items = 65_536)]
    pub indices: Vec<u32>,
    /// One finite weight per index.
    #[schema(max_items = 65_536)]
    pub values: Vec<f32>,
}

impl WireSparseVector {
    /// The checked vector; `what` names it in the message.
    ///
    /// # Errors
    /// A message naming `what` and the rule broken.
    pub fn check(self, what: &str) -> Result<SparseVector, String> {
        SparseVector::new(self.indices, self.values).map_err(|e| format!("{what}: {e}"))
    }
}

/// One vector as sent: a dense list, or a sparse `{"indices", "values"}` (not yet checked).
#[derive(Debug, Clone, PartialEq)]
pub enum OneVector {
    /// A dense vector.
    Dense(Vec<f32>),
    /// A sparse vector.
    Sparse(WireSparseVector),
}

impl OneVector {
    /// The engine's value, the sparse form checked; `name` names the vector in a message.
    ///
    /// # Errors
    /// A message naming the vector and the rule a sparse vector breaks.
    pub fn checked(self, name: &str) -> Result<VectorValue, String> {
        match self {
            Self::Dense(v) => Ok(VectorValue::Dense(v)),
            Self::Sparse(s) => s
                .check(&format!("sparse vector {name:?}"))
                .map(VectorValue::Sparse),
        }
    }
}

impl<'de> Deserialize<'de> for OneVector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneVector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of numbers, or {\"indices\": [...], \"values\": [...]}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(OneVector::Dense)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                WireSparseVector::deserialize(MapAccessDeserializer::new(map))
                    .map(OneVector::Sparse)
            }
        }
        d.deserialize_any(V)
    }
}

/// Reads a map by vector name, each value read as `T`; a repeated or overlong name is an error.
fn named_map<'de, A, T>(mut map: A) -> Result<Vec<(String, T)>, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    let mut out: Vec<(String, T)> = Vec::new();
    while let Some(name) = map.next_key::<String>()? {
        check_name::<A::Error>(&name)?;
        if out.iter().any(|(n, _)| *n == name) {
            return Err(de::Error::custom(format!(
                "the vector {name:?} is given twice"
            )));
        }
        let value = map.next_value::<T>()?;
        out.push((name, value));
    }
    Ok(out)
}

/// The engine's values of a map of named vectors, sparse ones checked.
fn checked_map<E: de::Error>(named: Vec<(String, OneVector)>) -> Result<PointVectors, E> {
    named
        .into_iter()
        .map(|(name, v)| v.checked(&name).map(|v| (name, v)))
        .collect::<Result<Vec<_>, _>>()
        .map(PointVectors::Named)
        .map_err(E::custom)
}

// The OpenAPI description of PointVector, which parses these shapes itself.
/// A point's vectors: `[...]` (the unnamed vector), or by name, each dense (`[...]`) or sparse
/// (`{"indices": [...], "values": [...]}`): any subset of the collection's named dense and
/// sparse vectors (`""` is the unnamed one).
#[derive(ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "describes the wire shapes; PointVector parses them"
)]
enum PointVectorShape {
    /// The unnamed dense vector.
    Dense(Vec<f32>),
    /// Vectors by name.
    Named(BTreeMap<String, VectorShape>),
}

/// One named vector: dense or sparse.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum VectorShape {
    /// A dense vector.
    Dense(Vec<f32>),
    /// A sparse vector.
    Sparse(WireSparseVector),
}

/// A point's vectors: `[...]` or `{"name": [...], ...}`.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(value_type = PointVectorShape)]
pub struct PointVector(pub PointVectors);

impl Default for PointVector {
    /// No vector: what a point of a collection of named vectors may omit.
    fn default() -> Self {
        Self(PointVectors::Named(Vec::new()))
    }
}

impl<'de> Deserialize<'de> for PointVector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PointVector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a list of numbers, or {\"name\": [numbers] or {\"indices\", \"values\"}, ...}",
                )
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PointVector, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq))
                    .map(|v| PointVector(PointVectors::Unnamed(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PointVector, A::Error> {
                checked_map(named_map::<A, OneVector>(map)?).map(PointVector)
            }
        }
        d.deserialize_any(V)
    }
}

// The OpenAPI description of BatchVectors, which parses these shapes itself.
/// A batch's vectors: `[[...], ...]` (the unnamed vector), or `{"name": [...], ...}` (one list
/// per name, one vector per id, each dense or sparse).
#[derive(ToSchema)]
#[serde(untagged)]
pub enum BatchVectorsShape {
    /// One unnamed dense vector per id.
    Dense(Vec<Vec<f32>>),
    /// Per name, one vector per id.
    Named(BTreeMap<String, Vec<VectorShape>>),
}

/// The vectors of a batch upsert.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchVectors {
    /// `[[...], ...]`: the unnamed vector of each id.
    Unnamed(Vec<Vec<f32>>),
    /// `{"name": [...]}`: per name, the vector of each id.
    Named(Vec<(String, Vec<OneVector>)>),
}

impl BatchVectors {
    /// The vectors of each of `n` ids.
    ///
    /// # Errors
    /// A message when a list does not have one vector per id.
    pub fn per_point(self, n: usize) -> Result<Vec<PointVectors>, String> {
        match self {
            Self::Unnamed(vectors) => {
                if vectors.len() != n {
                    return Err(format!("batch has {n} ids but {} vectors", vectors.len()));
                }
                Ok(vectors.into_iter().map(PointVectors::Unnamed).collect())
            }
            Self::Named(lists) => {
                let mut points: Vec<Vec<(String, VectorValue)>> = vec![Vec::new(); n];
                for (name, vectors) in lists {
                    if vectors.len() != n {
                        return Err(format!(
                            "batch has {n} ids but {} vectors named {name:?}",
                            vectors.len()
                        ));
                    }
                    for (point, v) in points.iter_mut().zip(vectors) {
                        point.push((name.clone(), v.checked(&name)?));
                    }
                }
                Ok(points.into_iter().map(PointVectors::Named).collect())
            }
        }
    }
}

impl<'de> Deserialize<'de> for BatchVectors {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BatchVectors;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of vectors, or {\"name\": [vectors], ...}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<BatchVectors, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(BatchVectors::Unnamed)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<BatchVectors, A::Error> {
                named_map(map).map(BatchVectors::Named)
            }
        }
        d.deserialize_any(V)
    }
}

/// `{"name": "dense", "vector": [...]}`, the named form of a search vector (the vector dense, or
/// sparse for a sparse vector's name).
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedSearchVector {
    /// The vector searched (`""`: the unnamed one).
    name: VectorName,
    /// The query vector.
    #[schema(value_type = VectorShape)]
    vector: OneVector,
}

// The OpenAPI description of SearchVector, which parses these shapes itself.
/// A search vector: `[...]`, or `{"name": "dense", "vector": [...]}`.
#[derive(ToSchema)]
#[serde(untagged)]
pub enum SearchVectorShape {
    /// The dense vector.
    Dense(Vec<f32>),
    /// A named vector.
    Named(NamedSearchVector),
}

/// The `vector` of a search: `[...]`, or `{"name": "dense", "vector": [...]}`, or
/// `{"name": "bm42", "vector": {"indices": [...], "values": [...]}}`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchVector {
    /// The name given (`None` for a bare list).
    pub name: Option<String>,
    /// The query vector (sparse ones checked).
    pub vector: VectorValue,
}

impl<'de> Deserialize<'de> for SearchVector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SearchVector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of numbers, or {\"name\": \"...\", \"vector\": [numbers]}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<SearchVector, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(|vector| SearchVector {
                    name: None,
                    vector: VectorValue::Dense(vector),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SearchVector, A::Error> {
                let named = NamedSearchVector::deserialize(MapAccessDeserializer::new(map))?;
                let vector = named
                    .vector
                    .checked(&named.name.0)
                    .map_err(de::Error::custom)?;
                Ok(SearchVector {
                    name: Some(named.name.0),
                    vector,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `with_vector`: `true`, `false`, or a list of vector names (`[]` returns none).
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[serde(untagged)]
pub enum WithVector {
    /// Whether to return the vector.
    Flag(bool),
    /// Only these vectors (`""`: the unnamed one).
    Names(Vec<VectorName>),
}

impl WithVector {
    /// Whether the vector is asked for.
    #[must_use]
    pub fn wanted(&self) -> bool {
        match self {
            Self::Flag(flag) => *flag,
            Self::Names(names) => !names.is_empty(),
        }
    }

    /// The vectors asked for by name (`None`: every one).
    #[must_use]
    pub fn names(&self) -> Option<Vec<String>> {
        match self {
            Self::Flag(_) => None,
            Self::Names(names) => Some(names.iter().map(|n| n.0.clone()).collect()),
        }
    }
}

/// What `with_vector` accepts, for the message refusing anything else. The message names the
/// field itself: inside a flattened struct (a search's options) the parser loses its path.
const WITH_VECTOR_ACCEPTS: &str = "`with_vector` takes `true`, `false`, or a list of vector \
    names, where \"\" is the unnamed vector";

/// Refuses a `with_vector` of another JSON type, saying what is accepted.
fn refuse_with_vector<E: de::Error>(got: de::Unexpected<'_>) -> E {
    E::custom(format!("{WITH_VECTOR_ACCEPTS}; got {got}"))
}

impl<'de> Deserialize<'de> for WithVector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = WithVector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(WITH_VECTOR_ACCEPTS)
            }
            fn visit_bool<E: de::Error>(self, flag: bool) -> Result<WithVector, E> {
                Ok(WithVector::Flag(flag))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<WithVector, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(WithVector::Names)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<WithVector, E> {
                Err(refuse_with_vector(de::Unexpected::Signed(v)))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<WithVector, E> {
                Err(refuse_with_vector(de::Unexpected::Unsigned(v)))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<WithVector, E> {
                Err(refuse_with_vector(de::Unexpected::Float(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<WithVector, E> {
                Err(refuse_with_vector(de::Unexpected::Str(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<WithVector, A::Error> {
                Err(refuse_with_vector(de::Unexpected::Map))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn vectors_parse_bare_and_by_name() -> Result<(), String> {
        assert_eq!(
            parse::<PointVector>("[1, 2]")?,
            PointVector(PointVectors::Unnamed(vec![1.0, 2.0]))
        );
        assert_eq!(
            parse::<PointVector>(r#"{"": [1, 2], "image": [3]}"#)?,
            PointVector(PointVectors::named_dense(vec![
                (String::new(), vec![1.0, 2.0]),
                ("image".into(), vec![3.0])
            ]))
        );
        assert_eq!(
            parse::<PointVector>("{}")?,
            PointVector(PointVectors::Named(Vec::new()))
        );
        assert_eq!(
            parse::<BatchVectors>(r#"{"a": [[1], [2]]}"#)?.per_point(2)?,
            vec![
                PointVectors::named_dense(vec![("a".into(), vec![1.0])]),
                PointVectors::named_dense(vec![("a".into(), vec![2.0])])
            ]
        );
        assert!(
            parse::<BatchVectors>(r#"{"a": [[1]]}"#)?
                .per_point(2)
                .is_err()
        );
        assert_eq!(
            parse::<SearchVector>(r#"{"name": "image", "vector": [3]}"#)?,
            SearchVector {
                name: Some("image".into()),
                vector: VectorValue::Dense(vec![3.0])
            }
        );
        assert_eq!(
            parse::<WithVector>(r#"["", "image"]"#)?.names(),
            Some(vec![String::new(), "image".into()])
        );
        assert!(!parse::<WithVector>("[]")?.wanted());
        assert!(parse::<WithVector>("true")?.wanted());
        assert_eq!(parse::<VectorName>(r#""image""#)?.as_str(), "image");
        Ok(())
    }

    #[test]
    fn sparse_values_parse_sorted_and_checked() -> Result<(), String> {
        let sparse = |i: Vec<u32>, v: Vec<f32>| {
            SparseVector::new(i, v)
                .map(VectorValue::Sparse)
                .map_err(|e| e.to_string())
        };
        assert_eq!(
            parse::<PointVector>(r#"{"": [1], "bm42": {"indices": [9, 1], "values": [0.5, 2]}}"#)?,
            PointVector(PointVectors::Named(vec![
                (String::new(), VectorValue::Dense(vec![1.0])),
                ("bm42".into(), sparse(vec![1, 9], vec![2.0, 0.5])?)
            ]))
        );
        assert_eq!(
            parse::<BatchVectors>(
                r#"{"s": [{"indices": [1], "values": [1]}, {"indices": [], "values": []}]}"#
            )?
            .per_point(2)?,
            vec![
                PointVectors::Named(vec![("s".into(), sparse(vec![1], vec![1.0])?)]),
                PointVectors::Named(vec![("s".into(), sparse(vec![], vec![])?)])
            ]
        );
        assert_eq!(
            parse::<SearchVector>(r#"{"name": "s", "vector": {"indices": [4], "values": [1]}}"#)?
                .vector,
            sparse(vec![4], vec![1.0])?
        );
        for (bad, says) in [
            (
                r#"{"s": {"indices": [1, 1], "values": [1, 2]}}"#,
                "more than once",
            ),
            (r#"{"s": {"indices": [1, 2], "values": [1]}}"#, "pair up"),
            (r#"{"s": {"indices": [1], "values": [1e39]}}"#, "finite"),
            (
                r#"{"s": {"indices": [-1], "values": [1]}}"#,
                "invalid value",
            ),
            (
                r#"{"s": {"indices": [1], "values": [1], "x": 1}}"#,
                "unknown field",
            ),
            (r#"{"s": {"indices": [1]}}"#, "missing field `values`"),
        ] {
            let message = parse::<PointVector>(bad).err().unwrap_or_default();
            assert!(message.contains(says), "{bad}: {message}");
        }
        let many = format!(
            r#"{{"s": {{"indices": [{}], "values": [{}]}}}}"#,
            (0..=65_536)
                .map(|i| i.to_string())
                .collect::<Vec<_>>()
                .join(","),
            vec!["1"; 65_537].join(",")
        );
        let message = parse::<PointVector>(&many).err().unwrap_or_default();
        assert!(message.contains("at most 65536"), "{message}");
        Ok(())
    }

    #[test]
    fn a_with_vector_of_another_type_says_what_is_accepted() {
        for bad in ["5", "-1", "1.5", r#""yes""#, r#"{"a": 1}"#] {
            let Err(message) = parse::<WithVector>(bad) else {
                panic!("with_vector {bad} was accepted");
            };
            assert!(message.starts_with(WITH_VECTOR_ACCEPTS), "{bad}: {message}");
        }
    }

    #[test]
    fn repeated_or_overlong_names_are_refused() {
        assert!(parse::<PointVector>(r#"{"": [1], "": [2]}"#).is_err());
        let long = format!(r#""{}""#, "x".repeat(MAX_VECTOR_NAME_BYTES + 1));
        assert!(parse::<VectorName>(&long).is_err());
    }
}
