//! Vector names on the wire. Qdrant clients may name a collection's vectors; LangChain and
//! LlamaIndex call the one unnamed vector `""` (`{"vectors": {"": {...}}}`, `{"vector": {"": [...]}}`,
//! `"using": ""`). A Plait collection has exactly one unnamed vector, so `""` is accepted everywhere
//! as that vector, and any other name is refused while parsing, with a message that says named
//! vectors are not supported: a name is never ignored, so a client cannot get another vector's
//! results with a 200.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::value::{MapAccessDeserializer, SeqAccessDeserializer};
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use utoipa::ToSchema;

/// The one message for every refused name.
fn unsupported(name: &str) -> String {
    format!(
        "named vectors are not supported yet: a collection has one unnamed vector, which may be \
         called \"\"; got the vector name {name:?}"
    )
}

/// Accepts `""`, the name clients give the unnamed vector.
fn check<E: de::Error>(name: &str) -> Result<(), E> {
    if name.is_empty() {
        Ok(())
    } else {
        Err(E::custom(unsupported(name)))
    }
}

/// A vector name in a request (`using`, `with_vector`, a search's `vector.name`): only `""`, the
/// unnamed vector. Any other name fails to parse (422).
#[derive(Debug, Clone, Default, PartialEq, Eq, ToSchema)]
#[schema(value_type = String)]
pub struct VectorName(String);

impl<'de> Deserialize<'de> for VectorName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        check(&name)?;
        Ok(Self(name))
    }
}

/// Reads `{"": value}`, the form that names the unnamed vector; any other key, a repeated key or
/// an empty map is an error.
fn only_unnamed<'de, A, T>(mut map: A) -> Result<T, A::Error>
where
    A: MapAccess<'de>,
    T: Deserialize<'de>,
{
    let mut value = None;
    while let Some(name) = map.next_key::<String>()? {
        check::<A::Error>(&name)?;
        if value.is_some() {
            return Err(de::Error::custom("the vector \"\" is given twice"));
        }
        value = Some(map.next_value::<T>()?);
    }
    value.ok_or_else(|| de::Error::custom("no vector given: the map of vectors is empty"))
}

// The OpenAPI description of PointVector, which parses these shapes itself.
/// A point's vector: `[...]`, or `{"": [...]}` (the unnamed vector by its name; no other name).
#[derive(ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "describes the wire shapes; PointVector parses them"
)]
enum PointVectorShape {
    /// The dense vector.
    Dense(Vec<f32>),
    /// `{"": [...]}`: the unnamed vector, by its name `""`.
    Named(BTreeMap<String, Vec<f32>>),
}

/// A point's vector: `[...]`, or `{"": [...]}` as clients that name the unnamed vector send it.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(value_type = PointVectorShape)]
pub struct PointVector(pub Vec<f32>);

impl<'de> Deserialize<'de> for PointVector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PointVector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of numbers, or {\"\": [numbers]}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<PointVector, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(PointVector)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PointVector, A::Error> {
                only_unnamed(map).map(PointVector)
            }
        }
        d.deserialize_any(V)
    }
}

// The OpenAPI description of BatchVectors, which parses these shapes itself.
/// A batch's vectors: `[[...], ...]`, or `{"": [[...], ...]}` (no other name).
#[derive(ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "describes the wire shapes; BatchVectors parses them"
)]
enum BatchVectorsShape {
    /// One dense vector per id.
    Dense(Vec<Vec<f32>>),
    /// `{"": [[...], ...]}`: the unnamed vectors, by their name `""`.
    Named(BTreeMap<String, Vec<Vec<f32>>>),
}

/// The vectors of a batch upsert: `[[...], ...]` or `{"": [[...], ...]}`.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(value_type = BatchVectorsShape)]
pub struct BatchVectors(pub Vec<Vec<f32>>);

impl<'de> Deserialize<'de> for BatchVectors {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BatchVectors;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of vectors, or {\"\": [vectors]}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<BatchVectors, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(BatchVectors)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<BatchVectors, A::Error> {
                only_unnamed(map).map(BatchVectors)
            }
        }
        d.deserialize_any(V)
    }
}

/// `{"name": "", "vector": [...]}`, the named form of a search vector.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
struct NamedSearchVector {
    /// Only `""`, the unnamed vector.
    #[expect(
        dead_code,
        reason = "parsing checks the name; the value is always \"\""
    )]
    name: VectorName,
    /// The dense vector.
    vector: Vec<f32>,
}

// The OpenAPI description of SearchVector, which parses these shapes itself.
/// A search vector: `[...]`, or `{"name": "", "vector": [...]}` (no other name).
#[derive(ToSchema)]
#[serde(untagged)]
#[expect(
    dead_code,
    reason = "describes the wire shapes; SearchVector parses them"
)]
enum SearchVectorShape {
    /// The dense vector.
    Dense(Vec<f32>),
    /// The unnamed vector by its name `""`.
    Named(NamedSearchVector),
}

/// The `vector` of a search: `[...]`, or `{"name": "", "vector": [...]}`.
#[derive(Debug, Clone, PartialEq, ToSchema)]
#[schema(value_type = SearchVectorShape)]
pub struct SearchVector(pub Vec<f32>);

impl<'de> Deserialize<'de> for SearchVector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = SearchVector;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list of numbers, or {\"name\": \"\", \"vector\": [numbers]}")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<SearchVector, A::Error> {
                Vec::deserialize(SeqAccessDeserializer::new(seq)).map(SearchVector)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<SearchVector, A::Error> {
                NamedSearchVector::deserialize(MapAccessDeserializer::new(map))
                    .map(|named| SearchVector(named.vector))
            }
        }
        d.deserialize_any(V)
    }
}

/// `with_vector`: `true`, `false`, or a list of vector names, where only `""` exists (`[""]`
/// returns the vector, `[]` does not).
#[derive(Debug, Clone, PartialEq, Eq, ToSchema)]
#[serde(untagged)]
pub enum WithVector {
    /// Whether to return the vector.
    Flag(bool),
    /// Vector names; only `""`, the unnamed vector.
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
}

/// What `with_vector` accepts, for the message refusing anything else. The message names the
/// field itself: inside a flattened struct (a search's options) the parser loses its path.
const WITH_VECTOR_ACCEPTS: &str = "`with_vector` takes `true`, `false`, or a list of vector \
    names, where \"\" is the unnamed vector (the one vector of a Plait collection)";

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

/// The entry of the unnamed vector in a map of named vector settings, `{"": settings}`; any
/// other name is refused.
///
/// # Errors
/// A message naming the unsupported feature for another name, or saying the map is empty.
pub fn unnamed_entry<T>(map: &BTreeMap<String, T>) -> Result<&T, String> {
    if let Some(name) = map.keys().find(|name| !name.is_empty()) {
        return Err(unsupported(name));
    }
    map.get("")
        .ok_or_else(|| "no vector given: the map of vectors is empty".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse<T: for<'de> Deserialize<'de>>(json: &str) -> Result<T, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn the_empty_name_is_the_unnamed_vector_in_every_form() -> Result<(), String> {
        assert_eq!(parse::<PointVector>("[1, 2]")?, PointVector(vec![1.0, 2.0]));
        assert_eq!(
            parse::<PointVector>(r#"{"": [1, 2]}"#)?,
            PointVector(vec![1.0, 2.0])
        );
        assert_eq!(
            parse::<BatchVectors>(r#"{"": [[1], [2]]}"#)?,
            BatchVectors(vec![vec![1.0], vec![2.0]])
        );
        assert_eq!(
            parse::<SearchVector>(r#"{"name": "", "vector": [3]}"#)?,
            SearchVector(vec![3.0])
        );
        assert_eq!(
            parse::<WithVector>(r#"[""]"#)?,
            WithVector::Names(vec![VectorName::default()])
        );
        assert!(parse::<WithVector>(r#"[""]"#)?.wanted());
        assert!(!parse::<WithVector>("[]")?.wanted());
        assert!(parse::<WithVector>("true")?.wanted());
        assert_eq!(parse::<VectorName>(r#""""#)?, VectorName::default());
        Ok(())
    }

    #[test]
    fn any_other_name_is_refused_naming_the_feature() {
        for (what, result) in [
            ("point", parse::<PointVector>(r#"{"image": [1]}"#).map(drop)),
            (
                "batch",
                parse::<BatchVectors>(r#"{"image": [[1]]}"#).map(drop),
            ),
            (
                "search",
                parse::<SearchVector>(r#"{"name": "image", "vector": [1]}"#).map(drop),
            ),
            (
                "with_vector",
                parse::<WithVector>(r#"["", "image"]"#).map(drop),
            ),
            ("using", parse::<VectorName>(r#""image""#).map(drop)),
            (
                "map",
                unnamed_entry(&BTreeMap::from([("image".to_owned(), 1)])).map(drop),
            ),
            (
                "two",
                unnamed_entry(&BTreeMap::from([(String::new(), 1), ("b".to_owned(), 2)])).map(drop),
            ),
        ] {
            let Err(message) = result else {
                panic!("{what}: a vector name other than \"\" was accepted");
            };
            assert!(message.contains("named vectors"), "{what}: {message}");
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
    fn empty_or_repeated_maps_are_refused() {
        assert!(parse::<PointVector>("{}").is_err());
        assert!(parse::<PointVector>(r#"{"": [1], "": [2]}"#).is_err());
        assert!(unnamed_entry(&BTreeMap::<String, u8>::new()).is_err());
    }
}
