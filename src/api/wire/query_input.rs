//! [`QueryInput`]: the `query` of a query request. Plait answers nearest-neighbour queries on a
//! dense vector, given bare (`[0.1, ...]`) or as `{"nearest": [0.1, ...]}`, and (a Plait
//! extension) BM25 ranking over a text index, `{"text": {"field": "body", "query": "words"}}`.
//! Qdrant's other query
//! kinds (by point id, `recommend`, `discover`, `context`, `fusion`, `order_by`, `sample`, ...)
//! parse into [`QueryInput::Unsupported`] so the handler can refuse them by name with a 422
//! instead of a parser message.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{OneOfBuilder, Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use crate::api::error::ApiError;

/// What the client asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryInput {
    /// A dense vector, bare or as `{"nearest": [...]}`.
    Nearest(Vec<f32>),
    /// Plait extension: BM25 over the text index of a field.
    Text(TextQueryInput),
    /// A Qdrant query kind Plait does not implement, named as the client spelled it.
    Unsupported(String),
}

impl QueryInput {
    /// The query vector.
    ///
    /// # Errors
    /// 422 naming the query kind when it is not a nearest-neighbour query on a vector.
    pub fn into_vector(self) -> Result<Vec<f32>, ApiError> {
        match self {
            Self::Nearest(v) => Ok(v),
            Self::Text(_) => Err(ApiError::unprocessable(
                "a `text` query is answered by `points/query` alone",
            )),
            Self::Unsupported(kind) => Err(ApiError::unprocessable(format!(
                "`query` by {kind} is not supported: Plait answers nearest-neighbour queries on a \
                 dense vector, given as `[0.1, ...]` or `{{\"nearest\": [0.1, ...]}}`"
            ))),
        }
    }
}

/// `{"text": {"field": "body", "query": "words"}}`: the points whose `field` best matches
/// `query` by BM25 (the field needs a text index). Query syntax: words (any may match), `+word`
/// (must), `-word` (must not), `"a phrase"`.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextQueryInput {
    /// The text-indexed payload field.
    pub field: String,
    /// The words, 1 to 4096 bytes.
    #[schema(min_length = 1, max_length = 4096)]
    pub query: String,
}

const EXPECTED: &str = "a dense vector (a list of numbers), {\"nearest\": [numbers]} or \
                        {\"text\": {\"field\": ..., \"query\": ...}}";

struct QueryVisitor;

impl<'de> Visitor<'de> for QueryVisitor {
    type Value = QueryInput;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(EXPECTED)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::<f32>::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(QueryInput::Nearest)
    }

    // A bare point id asks for the neighbours of a stored point.
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(QueryInput::Unsupported("point id".into()))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(QueryInput::Unsupported("point id".into()))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let Some(kind) = map.next_key::<String>()? else {
            return Err(de::Error::custom(format!(
                "empty object; expected {EXPECTED}"
            )));
        };
        let input = if kind == "nearest" {
            match map.next_value::<NearestTarget>()? {
                NearestTarget::Vector(v) => QueryInput::Nearest(v),
                NearestTarget::Other => QueryInput::Unsupported(
                    "nearest (a point id, sparse, multi or named vector)".into(),
                ),
            }
        } else if kind == "text" {
            QueryInput::Text(map.next_value::<TextQueryInput>()?)
        } else if KNOWN_KINDS.contains(&kind.as_str()) {
            map.next_value::<IgnoredAny>()?;
            QueryInput::Unsupported(kind)
        } else {
            return Err(de::Error::custom(format!(
                "unknown query kind `{kind}`; expected {EXPECTED}"
            )));
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format!(
                "`query` takes one key, got `{extra}` as well"
            )));
        }
        Ok(input)
    }
}

/// Qdrant's query kinds other than `nearest`.
const KNOWN_KINDS: &[&str] = &[
    "recommend",
    "discover",
    "context",
    "fusion",
    "rrf",
    "order_by",
    "sample",
    "formula",
    "mmr",
];

/// `nearest` holds a dense vector, or (in Qdrant) a point id, a sparse, multi or named vector.
enum NearestTarget {
    Vector(Vec<f32>),
    Other,
}

impl<'de> Deserialize<'de> for NearestTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NearestTarget;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dense vector (a list of numbers)")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                // A list of lists (a multi-vector) fails here with the element's path.
                Vec::<f32>::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(NearestTarget::Vector)
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(NearestTarget::Other)
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
                Ok(NearestTarget::Other)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(NearestTarget::Other)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for QueryInput {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(QueryVisitor)
    }
}

fn dense_vector() -> ArrayBuilder {
    ArrayBuilder::new().items(
        ObjectBuilder::new()
            .schema_type(Type::Number)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Float))),
    )
}

impl PartialSchema for QueryInput {
    fn schema() -> RefOr<Schema> {
        OneOfBuilder::new()
            .item(dense_vector().description(Some("A dense vector.")))
            .item(
                ObjectBuilder::new()
                    .property(
                        "nearest",
                        dense_vector().description(Some("The dense vector.")),
                    )
                    .required("nearest")
                    .description(Some("`{\"nearest\": [...]}`.")),
            )
            .item(
                ObjectBuilder::new()
                    .property("text", Ref::from_schema_name("TextQueryInput"))
                    .required("text")
                    .description(Some(
                        "Plait extension: rank by BM25 over the text index of `text.field` \
                         (`{\"text\": {\"field\": \"body\", \"query\": \"words\"}}`). \
                         The filter applies before ranking; scores are BM25 scores.",
                    )),
            )
            .description(Some(
                "A dense query vector, or a BM25 text query. Other Qdrant query kinds (by point id, `recommend`, \
                 `discover`, `context`, `fusion`, `order_by`, `sample`, ...) are answered 422.",
            ))
            .into()
    }
}

impl ToSchema for QueryInput {
    fn name() -> std::borrow::Cow<'static, str> {
        "QueryInput".into()
    }

    // The text query is a named component, so generated clients get one model for it.
    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((
            TextQueryInput::name().into_owned(),
            TextQueryInput::schema(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<QueryInput, String> {
        serde_json::from_str(json).map_err(|e| e.to_string())
    }

    #[test]
    fn vectors_parse_and_other_kinds_are_named() {
        assert_eq!(parse("[1, 2.5]"), Ok(QueryInput::Nearest(vec![1.0, 2.5])));
        assert_eq!(
            parse(r#"{"nearest": [1, 2]}"#),
            Ok(QueryInput::Nearest(vec![1.0, 2.0]))
        );
        assert_eq!(
            parse(r#"{"recommend": {"positive": [1]}}"#),
            Ok(QueryInput::Unsupported("recommend".into()))
        );
        assert_eq!(parse("7"), Ok(QueryInput::Unsupported("point id".into())));
        let unknown = parse(r#"{"bogus": 1}"#).err().unwrap_or_default();
        assert!(unknown.contains("unknown query kind `bogus`"), "{unknown}");
        let not_a_number = parse(r#"["a"]"#).err().unwrap_or_default();
        assert!(!not_a_number.contains("untagged"), "{not_a_number}");
        let two = parse(r#"{"nearest": [1], "fusion": "rrf"}"#)
            .err()
            .unwrap_or_default();
        assert!(two.contains("one key"), "{two}");
        assert_eq!(
            parse(r#"{"text": {"field": "body", "query": "quick fox"}}"#),
            Ok(QueryInput::Text(TextQueryInput {
                field: "body".into(),
                query: "quick fox".into()
            }))
        );
        let extra = parse(r#"{"text": {"field": "b", "query": "q", "boost": 2}}"#)
            .err()
            .unwrap_or_default();
        assert!(extra.contains("boost"), "{extra}");
    }
}
