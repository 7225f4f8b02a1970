//! Vector names and vector values on the wire, in Qdrant's shapes.
//!
//! A collection declares one unnamed vector or any number of named dense vectors. A point gives
//! its vector as a bare list (the unnamed vector) or as a map by name (`{"dense": [...],
//! "image": [...]}`); LangChain and LlamaIndex call the unnamed vector `""`
//! (`{"vector": {"": [...]}}`, `"using": ""`). Names are parsed here and checked against the
//! collection by the engine, which answers an unknown name with a 400 naming it: a name is never
//! ignored, so a client cannot get another vector's results with a 200.
//!
//! A sparse value (`{"indices": [...], "values": [...]}`) parses as [`VectorValue::Sparse`] and
//! is refused with a message naming sparse vectors, so that supporting them later changes what
//! that variant carries, not the shapes accepted.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use utoipa::ToSchema;

use crate::engine::PointVectors;
use crate::engine::config::MAX_VECTOR_NAME_BYTES;

/// The message refusing a sparse vector value under `name`.
fn sparse_refused(name: &str) -> String {
    format!(
        "sparse vectors are not supported yet: vector {name:?} is given as \
         {{\"indices\", \"values\"}}; give each dense vector as a list of numbers"
    )
}

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

/// One vector value in a map of named vectors: a dense list, or a sparse `{indices, values}`.
#[derive(Debug, Clone, PartialEq)]
pub enum VectorValue<T> {
    /// A dense vector (or, in a batch, a list of them).
    Dense(T),
    /// A sparse vector, not supported yet: refused where the map is read.
    Sparse,
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for VectorValue<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(std::marker::PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = VectorValue<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of numbers, or {\"indices\": [...], \"values\": [...]}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                T::deserialize(SeqAccessDeserializer::new(seq)).map(VectorValue::Dense)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny::deserialize(MapAccessDeserializer::new(map))?;
                Ok(VectorValue::Sparse)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

/// Reads a map of named vectors; a repeated name or a sparse value is an error.
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
        match map.next_value::<VectorValue<T>>()? {
            VectorValue::Dense(v) => out.push((name, v)),
            VectorValue::Sparse => return Err(de::Error::custom(sparse_refused(&name))),
        }
    }
    Ok(out)
}

// The OpenAPI description of PointVector, which parses these shapes itself.
/// A point's vectors: `[...]` (the unnamed vector), or `{"name": [...], ...}` by name (any
/// subset of the collection's named vectors; `""` is the unnamed one).
#[derive(ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "describes the wire shapes; PointVector parses them"
)]
enum PointVectorShape {
    /// The unnamed dense vector.
    Dense(Vec<f32>),
    /// Dense vectors by name.
    Named(BTreeMap<String, Vec<f32>>),
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
                f.write_str("a list of numbers, or {\"name\": [numbers], ...}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PointVector, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq))
                    .map(|v| PointVector(PointVectors::Unnamed(v)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PointVector, A::Error> {
                named_map(map).map(|named| PointVector(PointVectors::Named(named)))
            }
        }
        d.deserialize_any(V)
    }
}

// The OpenAPI description of BatchVectors, which parses these shapes itself.
/// A batch's vectors: `[[...], ...]` (the unnamed vector), or `{"name": [[...], ...], ...}`
/// (one list per name, one vector per id).
#[derive(ToSchema)]
#[serde(untagged)]
pub enum BatchVectorsShape {
    /// One unnamed dense vector per id.
    Dense(Vec<Vec<f32>>),
    /// Per name, one dense vector per id.
    Named(BTreeMap<String, Vec<Vec<f32>>>),
}

/// The vectors of a batch upsert.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchVectors {
    /// `[[...], ...]`: the unnamed vector of each id.
    Unnamed(Vec<Vec<f32>>),
    /// `{"name": [[...], ...]}`: per name, the vector of each id.
    Named(Vec<(String, Vec<Vec<f32>>)>),
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
                let mut points: Vec<Vec<(String, Vec<f32>)>> = vec![Vec::new(); n];
                for (name, vectors) in lists {
                    if vectors.len() != n {
                        return Err(format!(
                            "batch has {n} ids but {} vectors named {name:?}",
                            vectors.len()
                        ));
                    }
                    for (point, v) in points.iter_mut().zip(vectors) {
                        point.push((name.clone(), v));
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

/// `{"name": "dense", "vector": [...]}`, the named form of a search vector.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NamedSearchVector {
    /// The vector searched (`""`: the unnamed one).
    name: VectorName,
    /// The dense vector.
    #[schema(value_type = Vec<f32>)]
    vector: VectorValue<Vec<f32>>,
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

/// The `vector` of a search: `[...]`, or `{"name": "dense", "vector": [...]}`.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchVector {
    /// The name given (`None` for a bare list).
    pub name: Option<String>,
    /// The dense vector.
    pub vector: Vec<f32>,
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
                Vec::deserialize(SeqAccessDeserializer::new(seq))
                    .map(|vector| SearchVector { name: None, vector })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SearchVector, A::Error> {
                let named = NamedSearchVector::deserialize(MapAccessDeserializer::new(map))?;
                match named.vector {
                    VectorValue::Dense(vector) => Ok(SearchVector {
                        name: Some(named.name.0),
                        vector,
                    }),
                    VectorValue::Sparse => Err(de::Error::custom(sparse_refused(&named.name.0))),
                }
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
            PointVector(PointVectors::Named(vec![
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
                PointVectors::Named(vec![("a".into(), vec![1.0])]),
                PointVectors::Named(vec![("a".into(), vec![2.0])])
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
                vector: vec![3.0]
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
    fn sparse_values_are_refused_naming_sparse_vectors() {
        for (what, result) in [
            (
                "point",
                parse::<PointVector>(r#"{"bm42": {"indices": [1], "values": [0.5]}}"#).map(drop),
            ),
            (
                "batch",
                parse::<BatchVectors>(r#"{"bm42": {"indices": [1], "values": [0.5]}}"#).map(drop),
            ),
            (
                "search",
                parse::<SearchVector>(
                    r#"{"name": "bm42", "vector": {"indices": [1], "values": [0.5]}}"#,
                )
                .map(drop),
            ),
        ] {
            let Err(message) = result else {
                panic!("{what}: a sparse vector was accepted");
            };
            assert!(
                message.contains("sparse vectors") && message.contains("bm42"),
                "{what}: {message}"
            );
        }
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
