//! [`QueryInput`]: the `query` of a query request or of a `prefetch`. Plait answers
//! nearest-neighbour queries on a dense vector, given bare (`[0.1, ...]`) or as
//! `{"nearest": [0.1, ...]}` (with an optional `"mmr": {"diversity", "candidates_limit"}` beside
//! it), and fusions of prefetches: `{"fusion": "rrf" | "dbsf"}`, `{"rrf": {"k", "weights"}}`, and
//! the Plait extension `{"weighted_fusion": {"weights": [...]}}` (min–max normalised scores,
//! weighted and summed); and (a Plait extension) BM25 ranking over a text index,
//! `{"text": {"field": "body", "query": "words"}}`. Qdrant's other query kinds (by point id, `recommend`, `discover`,
//! `context`, `order_by`, `sample`, `formula`) parse into [`QueryInput::Unsupported`] so the
//! handler can refuse them by name with a 422 instead of a parser message.

use std::fmt;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use utoipa::openapi::schema::{ArrayBuilder, KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{OneOfBuilder, Ref, RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

use super::vector_name::WireSparseVector;
use crate::api::error::ApiError;
use crate::query::{DEFAULT_RRF_K, Fusion};
use crate::sparse::SparseVector;

/// What the client asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum QueryInput {
    /// A dense vector, bare or as `{"nearest": [...]}`.
    Nearest(Vec<f32>),
    /// A sparse vector (checked), bare (`{"indices": [...], "values": [...]}`) or as
    /// `{"nearest": {"indices": [...], "values": [...]}}`; `using` names the sparse vector.
    Sparse(SparseVector),
    /// `{"nearest": [...], "mmr": {...}}`: the nearest points, made diverse.
    NearestMmr(Vec<f32>, WireMmr),
    /// A fusion of the prefetches' results.
    Fusion(Fusion),
    /// Plait extension: BM25 over the text index of a field.
    Text(TextQueryInput),
    /// A Qdrant query kind Plait does not implement, named as the client spelled it.
    Unsupported(String),
}

/// Qdrant's `mmr` beside a `nearest` query: maximal marginal relevance, the `limit` results
/// chosen from the `candidates_limit` nearest, trading relevance for diversity. Scores stay the
/// similarity to the query.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = Mmr)]
pub struct WireMmr {
    /// 0 keeps relevance order; 1 looks at diversity alone. Default 0.5 (Qdrant's).
    #[serde(default)]
    #[schema(minimum = 0.0, maximum = 1.0)]
    pub diversity: Option<f32>,
    /// Nearest points the diverse list is chosen from; the query's `limit` by default.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10_000)]
    pub candidates_limit: Option<u64>,
}

/// `{"rrf": {...}}`: reciprocal rank fusion of the prefetches.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RrfParams)]
struct WireRrf {
    /// The rank constant: a point at 0-based position `p` earns `1 / ((p + 1) / weight + k - 1)`.
    /// Default 2.
    #[serde(default)]
    #[schema(minimum = 1)]
    k: Option<u32>,
    /// One weight per prefetch (default 1 each).
    #[serde(default)]
    weights: Option<Vec<f32>>,
}

/// `{"weighted_fusion": {...}}` (Plait extension): each prefetch's scores min-max normalised to
/// [0, 1], multiplied by its weight, and summed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = WeightedFusionParams)]
struct WireWeighted {
    /// One weight per prefetch.
    weights: Vec<f32>,
}

impl QueryInput {
    /// The query vector.
    ///
    /// # Errors
    /// 422 naming the query kind when it is not a nearest-neighbour query on a vector.
    pub fn into_vector(self) -> Result<Vec<f32>, ApiError> {
        match self {
            Self::Nearest(v) => Ok(v),
            Self::NearestMmr(..) | Self::Fusion(_) | Self::Sparse(_) => {
                Err(ApiError::unprocessable(
                    "`mmr`, sparse and fusion queries are answered by `points/query` only",
                ))
            }
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

const EXPECTED: &str = "a dense vector (a list of numbers), a sparse vector \
                        {\"indices\": [...], \"values\": [...]}, {\"nearest\": [numbers]}, \
                        {\"fusion\": \"rrf\" | \"dbsf\"}, {\"rrf\": {...}}, \
                        {\"weighted_fusion\": {\"weights\": [...]}} or \
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
        // One query kind, and `mmr` beside `nearest`, in either order.
        let mut input: Option<QueryInput> = None;
        let mut mmr: Option<WireMmr> = None;
        // A bare sparse vector: its two keys, in either order.
        let mut indices: Option<Vec<u32>> = None;
        let mut values: Option<Vec<f32>> = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "mmr" && mmr.is_none() {
                mmr = Some(map.next_value::<WireMmr>()?);
                continue;
            }
            if key == "indices" && indices.is_none() && input.is_none() {
                indices = Some(map.next_value()?);
                continue;
            }
            if key == "values" && values.is_none() && input.is_none() {
                values = Some(map.next_value()?);
                continue;
            }
            if indices.is_some() || values.is_some() {
                return Err(de::Error::custom(format!(
                    "a sparse vector query has `indices` and `values` only, got `{key}` as well"
                )));
            }
            if input.is_some() {
                return Err(de::Error::custom(format!(
                    "`query` takes one key (and `mmr` beside `nearest`), got `{key}` as well"
                )));
            }
            input = Some(kind_value(&key, &mut map)?);
        }
        match (indices, values) {
            (None, None) => {}
            (Some(indices), Some(values)) => {
                if mmr.is_some() {
                    return Err(de::Error::custom(
                        "`mmr` diversifies dense nearest-neighbour queries only",
                    ));
                }
                return WireSparseVector { indices, values }
                    .check("sparse query vector")
                    .map(QueryInput::Sparse)
                    .map_err(de::Error::custom);
            }
            (Some(_), None) => return Err(de::Error::missing_field("values")),
            (None, Some(_)) => return Err(de::Error::missing_field("indices")),
        }
        match (input, mmr) {
            (None, None) => Err(de::Error::custom(format!(
                "empty object; expected {EXPECTED}"
            ))),
            (None, Some(_)) => Err(de::Error::custom(
                "`mmr` goes beside `nearest`: {\"nearest\": [...], \"mmr\": {...}}",
            )),
            (Some(input), None) => Ok(input),
            (Some(QueryInput::Nearest(v)), Some(m)) => Ok(QueryInput::NearestMmr(v, m)),
            (Some(unsupported @ QueryInput::Unsupported(_)), Some(_)) => Ok(unsupported),
            (Some(QueryInput::Sparse(_)), Some(_)) => Err(de::Error::custom(
                "`mmr` diversifies dense nearest-neighbour queries only",
            )),
            (Some(_), Some(_)) => Err(de::Error::custom("`mmr` goes beside `nearest` only")),
        }
    }
}

/// The query of kind `kind`, its value read from `map`.
fn kind_value<'de, A: MapAccess<'de>>(kind: &str, map: &mut A) -> Result<QueryInput, A::Error> {
    Ok(match kind {
        "nearest" => match map.next_value::<NearestTarget>()? {
            NearestTarget::Vector(v) => QueryInput::Nearest(v),
            NearestTarget::Sparse(v) => QueryInput::Sparse(v),
            NearestTarget::Other => {
                QueryInput::Unsupported("nearest (a point id or a multi-vector)".into())
            }
        },
        "fusion" => match map.next_value::<String>()?.as_str() {
            "rrf" => QueryInput::Fusion(Fusion::Rrf {
                k: DEFAULT_RRF_K,
                weights: None,
            }),
            "dbsf" => QueryInput::Fusion(Fusion::Dbsf),
            other => {
                return Err(de::Error::custom(format!(
                    "unknown fusion `{other}`; expected \"rrf\" or \"dbsf\" (or the `rrf` and \
                     `weighted_fusion` query kinds)"
                )));
            }
        },
        "rrf" => {
            let rrf = map.next_value::<WireRrf>()?;
            QueryInput::Fusion(Fusion::Rrf {
                k: rrf.k.unwrap_or(DEFAULT_RRF_K),
                weights: rrf.weights,
            })
        }
        "weighted_fusion" => QueryInput::Fusion(Fusion::Weighted {
            weights: map.next_value::<WireWeighted>()?.weights,
        }),
        "text" => QueryInput::Text(map.next_value::<TextQueryInput>()?),
        known if KNOWN_KINDS.contains(&known) => {
            map.next_value::<IgnoredAny>()?;
            QueryInput::Unsupported(kind.to_owned())
        }
        _ => {
            return Err(de::Error::custom(format!(
                "unknown query kind `{kind}`; expected {EXPECTED}"
            )));
        }
    })
}

/// Qdrant's query kinds Plait does not answer.
const KNOWN_KINDS: &[&str] = &[
    "recommend",
    "discover",
    "context",
    "order_by",
    "sample",
    "formula",
];

/// `nearest` holds a dense vector, a sparse vector, or (in Qdrant) a point id or a
/// multi-vector.
enum NearestTarget {
    Vector(Vec<f32>),
    Sparse(SparseVector),
    Other,
}

impl<'de> Deserialize<'de> for NearestTarget {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NearestTarget;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dense vector (a list of numbers) or a sparse vector")
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
                WireSparseVector::deserialize(de::value::MapAccessDeserializer::new(map))?
                    .check("sparse query vector")
                    .map(NearestTarget::Sparse)
                    .map_err(de::Error::custom)
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
            .item(Ref::from_schema_name("SparseVector"))
            .item(
                ObjectBuilder::new()
                    .property(
                        "nearest",
                        OneOfBuilder::new()
                            .item(dense_vector().description(Some("The dense vector.")))
                            .item(Ref::from_schema_name("SparseVector")),
                    )
                    .property("mmr", Ref::from_schema_name("Mmr"))
                    .required("nearest")
                    .description(Some("`{\"nearest\": [...]}`.")),
            )
            .item(
                ObjectBuilder::new()
                    .property(
                        "fusion",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .enum_values(Some(["rrf", "dbsf"])),
                    )
                    .required("fusion")
                    .description(Some(
                        "Fuse the prefetches' results: reciprocal rank fusion (k = 2) or \
                         distribution-based score fusion.",
                    )),
            )
            .item(
                ObjectBuilder::new()
                    .property("rrf", Ref::from_schema_name("RrfParams"))
                    .required("rrf")
                    .description(Some(
                        "Reciprocal rank fusion with its constant and one weight per prefetch.",
                    )),
            )
            .item(
                ObjectBuilder::new()
                    .property(
                        "weighted_fusion",
                        Ref::from_schema_name("WeightedFusionParams"),
                    )
                    .required("weighted_fusion")
                    .description(Some(
                        "Plait extension: each prefetch's scores min-max normalised to [0, 1], \
                         multiplied by its weight, and summed.",
                    )),
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
                "A dense query vector (`nearest`, optionally with `mmr`: `{\"nearest\": [...], \
                 \"mmr\": {\"diversity\": 0.5, \"candidates_limit\": 100}}`), a sparse query \
                 vector (`{\"indices\": [...], \"values\": [...]}`, bare or under `nearest`, \
                 with `using` naming the sparse vector), or a fusion of \
                 the prefetches, or (Plait extension) a BM25 text query. Other Qdrant query \
                 kinds (by point id, `recommend`, \
                 `discover`, `context`, `order_by`, `sample`, `formula`) are answered 422.",
            ))
            .into()
    }
}

impl ToSchema for QueryInput {
    fn name() -> std::borrow::Cow<'static, str> {
        "QueryInput".into()
    }

    fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
        schemas.push((WireMmr::name().into(), WireMmr::schema()));
        schemas.push((
            WireSparseVector::name().into_owned(),
            WireSparseVector::schema(),
        ));
        schemas.push((WireRrf::name().into(), WireRrf::schema()));
        schemas.push((WireWeighted::name().into(), WireWeighted::schema()));
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

    #[test]
    fn sparse_queries_parse_bare_and_under_nearest() -> Result<(), String> {
        let v = SparseVector::new(vec![1, 7], vec![0.5, 2.0]).map_err(|e| e.to_string())?;
        assert_eq!(
            parse(r#"{"indices": [7, 1], "values": [2, 0.5]}"#),
            Ok(QueryInput::Sparse(v.clone()))
        );
        assert_eq!(
            parse(r#"{"values": [0.5, 2], "indices": [1, 7]}"#),
            Ok(QueryInput::Sparse(v.clone()))
        );
        assert_eq!(
            parse(r#"{"nearest": {"indices": [1, 7], "values": [0.5, 2]}}"#),
            Ok(QueryInput::Sparse(v))
        );
        for (bad, says) in [
            (r#"{"indices": [1]}"#, "missing field `values`"),
            (r#"{"indices": [1, 1], "values": [1, 2]}"#, "more than once"),
            (
                r#"{"indices": [1], "values": [1], "fusion": "rrf"}"#,
                "`indices` and `values` only",
            ),
            (
                r#"{"nearest": {"indices": [1], "values": [1]}, "mmr": {}}"#,
                "dense",
            ),
            (
                r#"{"nearest": {"indices": [1], "values": [1], "x": 2}}"#,
                "unknown field `x`",
            ),
        ] {
            let message = parse(bad).err().unwrap_or_default();
            assert!(message.contains(says), "{bad}: {message}");
        }
        Ok(())
    }

    #[test]
    fn fusions_and_mmr_parse_in_qdrants_shapes() {
        assert_eq!(
            parse(r#"{"fusion": "rrf"}"#),
            Ok(QueryInput::Fusion(Fusion::Rrf {
                k: 2,
                weights: None
            }))
        );
        assert_eq!(
            parse(r#"{"fusion": "dbsf"}"#),
            Ok(QueryInput::Fusion(Fusion::Dbsf))
        );
        assert_eq!(
            parse(r#"{"rrf": {"k": 60, "weights": [3, 1]}}"#),
            Ok(QueryInput::Fusion(Fusion::Rrf {
                k: 60,
                weights: Some(vec![3.0, 1.0])
            }))
        );
        assert_eq!(
            parse(r#"{"weighted_fusion": {"weights": [0.7, 0.3]}}"#),
            Ok(QueryInput::Fusion(Fusion::Weighted {
                weights: vec![0.7, 0.3]
            }))
        );
        assert_eq!(
            parse(r#"{"nearest": [1, 0], "mmr": {"diversity": 0.5, "candidates_limit": 100}}"#),
            Ok(QueryInput::NearestMmr(
                vec![1.0, 0.0],
                WireMmr {
                    diversity: Some(0.5),
                    candidates_limit: Some(100)
                }
            ))
        );
        for (bad, says) in [
            (r#"{"fusion": "max"}"#, "unknown fusion `max`"),
            (r#"{"rrf": {"k": 2, "kk": 1}}"#, "unknown field `kk`"),
            (
                r#"{"nearest": [1], "mmr": {"lambda": 1}}"#,
                "unknown field `lambda`",
            ),
            (r#"{"nearest": [1], "mmr": {}, "x": 1}"#, "one key"),
        ] {
            let message = parse(bad).err().unwrap_or_default();
            assert!(message.contains(says), "{bad}: {message}");
        }
    }
}
