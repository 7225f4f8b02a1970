//! Payload index requests and the `payload_schema` of the collection info, in Qdrant's shapes.
//!
//! `field_schema` is a type name (`"keyword"`) or an object (`{"type": "integer", "range": true,
//! ...}`). Parameters that only tune how Qdrant lays an index out (`is_tenant`, `is_principal`,
//! `lookup`, `range`, `enable_hnsw`, `on_disk: false`, `memory: "pinned"`) are accepted and change
//! nothing about the answers: Plait keeps every index in memory and answers every condition
//! exactly. A `text` index takes the parameters of `text_index`. Index types and settings Plait
//! does not implement (`geo`, `on_disk: true`, other `memory` placements) are refused with a 422
//! naming them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::ApiError;
use crate::columns::FieldPath;
use crate::columns::index::{FieldStats, IndexKey, IndexSchema};
use crate::engine::{FieldIndexInfo, TextIndexInfo};
use crate::text::TextSettings;

/// What a create-index request asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum IndexDefinition {
    /// A payload field index of one type.
    Payload(FieldPath, IndexSchema),
    /// A full-text index.
    Text(FieldPath, TextSettings),
}

/// Body of `PUT /collections/{name}/index`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateFieldIndex {
    /// The payload field to index: a key, or a path (`meta.author`, `items[].sku`).
    pub field_name: String,
    /// The index type: `"keyword"`, `"integer"`, `"float"`, `"bool"`, `"datetime"`, `"uuid"`,
    /// `"text"`, or an object with `"type"` and Qdrant's parameters (for `text`: `tokenizer`
    /// `"word"` or `"whitespace"`, `lowercase`, `ascii_folding`, `min_token_len`,
    /// `max_token_len`, `stopwords`, `stemmer`, and Plait's BM25 `k1` (default 1.2, 0 to 10)
    /// and `b` (default 0.75, 0 to 1)).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub field_schema: Option<serde_json::Value>,
}

/// Parameters accepted in an object `field_schema` besides `type`.
const LAYOUT_HINTS: [&str; 5] = [
    "is_tenant",
    "is_principal",
    "lookup",
    "range",
    "enable_hnsw",
];

impl CreateFieldIndex {
    /// The field and index type asked for.
    ///
    /// # Errors
    /// 422 naming what is wrong or not supported.
    pub fn definition(&self) -> Result<IndexDefinition, ApiError> {
        let path = field_path(&self.field_name)?;
        let Some(schema) = &self.field_schema else {
            return Err(ApiError::unprocessable(
                "`field_schema` is required: one of keyword, integer, float, bool, datetime, \
                 uuid, text",
            ));
        };
        let type_name = match schema {
            serde_json::Value::String(name) if name == "text" => {
                return Ok(IndexDefinition::Text(path, TextSettings::default()));
            }
            serde_json::Value::String(name) => name.as_str(),
            serde_json::Value::Object(params)
                if params.get("type").and_then(serde_json::Value::as_str) == Some("text") =>
            {
                return Ok(IndexDefinition::Text(
                    path,
                    super::text_index::text_settings(params)?,
                ));
            }
            serde_json::Value::Object(params) => {
                for (key, value) in params {
                    match key.as_str() {
                        "type" => {}
                        k if LAYOUT_HINTS.contains(&k) => {
                            if !value.is_boolean() && !value.is_null() {
                                return Err(ApiError::unprocessable(format!(
                                    "`field_schema.{k}` must be true or false"
                                )));
                            }
                        }
                        "on_disk" => {
                            if value.as_bool() == Some(true) {
                                return Err(ApiError::unsupported(
                                    "field_schema.on_disk",
                                    "payload indexes on disk (every index is kept in memory)",
                                ));
                            }
                        }
                        "memory" => {
                            if !value.is_null() && value.as_str() != Some("pinned") {
                                return Err(ApiError::unsupported(
                                    "field_schema.memory",
                                    "index memory placements other than `pinned`",
                                ));
                            }
                        }
                        other => {
                            return Err(ApiError::unprocessable(format!(
                                "`field_schema.{}` is not a payload index parameter Plait knows",
                                other.chars().take(64).collect::<String>()
                            )));
                        }
                    }
                }
                params
                    .get("type")
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| {
                        ApiError::unprocessable("`field_schema.type` must be an index type name")
                    })?
            }
            _ => {
                return Err(ApiError::unprocessable(
                    "`field_schema` must be an index type name or an object with `type`",
                ));
            }
        };
        match IndexSchema::from_name(type_name) {
            Some(schema) => Ok(IndexDefinition::Payload(path, schema)),
            None if type_name == "geo" => Err(ApiError::unsupported(
                "field_schema",
                "geo indexes and geo filters",
            )),
            None => Err(ApiError::unprocessable(format!(
                "unknown payload index type {:?}: expected one of keyword, integer, float, bool, \
                 datetime, uuid, text",
                type_name.chars().take(64).collect::<String>()
            ))),
        }
    }
}

/// A field name from a request, parsed as a path.
///
/// # Errors
/// 422 naming what is wrong with it.
pub fn field_path(name: &str) -> Result<FieldPath, ApiError> {
    FieldPath::parse(name).map_err(|e| ApiError::unprocessable(format!("`field_name`: {e}")))
}

/// One entry of `payload_schema`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayloadIndexInfo {
    /// The index type.
    pub data_type: &'static str,
    /// The index parameters (text indexes: tokenizer, case, stop words, stemmer, BM25 `k1`
    /// and `b`).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub params: Option<serde_json::Value>,
    /// Points with at least one indexed value.
    pub points: u64,
    /// Plait extension: how the index is filled.
    pub plait: PlaitIndexInfo,
}

/// Plait's details about one payload index.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaitIndexInfo {
    /// Points whose field holds a value of another type: stored and returned, not indexed
    /// (filters still match them by reading the payload).
    pub wrong_type_points: u64,
    /// Distinct indexed values.
    pub distinct_values: u64,
    /// Approximate bytes of memory the index holds.
    pub memory_bytes: u64,
}

/// The `payload_schema` of a collection: its indexes by field.
#[must_use]
pub fn payload_schema(
    indexes: Vec<FieldIndexInfo>,
    texts: Vec<TextIndexInfo>,
) -> BTreeMap<String, PayloadIndexInfo> {
    let texts = texts.into_iter().map(|t| {
        (
            t.path.as_str().to_owned(),
            PayloadIndexInfo {
                data_type: "text",
                params: Some(super::text_index::text_params(&t.settings)),
                points: t.points,
                plait: PlaitIndexInfo {
                    wrong_type_points: t.wrong_type_points,
                    distinct_values: t.terms,
                    memory_bytes: t.heap_bytes,
                },
            },
        )
    });
    indexes
        .into_iter()
        .map(|i| {
            (
                i.path.as_str().to_owned(),
                PayloadIndexInfo {
                    data_type: i.schema.name(),
                    params: None,
                    points: i.points,
                    plait: PlaitIndexInfo {
                        wrong_type_points: i.wrong_type_points,
                        distinct_values: i.distinct_values,
                        memory_bytes: i.heap_bytes,
                    },
                },
            )
        })
        .chain(texts)
        .collect()
}

/// Plait extension: what the planner knows about an indexed field (`GET
/// /collections/{name}/index/{field_name}`).
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldIndexStats {
    /// The indexed field.
    pub field_name: String,
    /// The index type.
    pub data_type: &'static str,
    /// Distinct indexed values.
    pub distinct_values: u64,
    /// Points with at least one indexed value.
    pub indexed_points: u64,
    /// Points holding a value of another type (stored and returned, not indexed).
    pub wrong_type_points: u64,
    /// Live points where the field is missing, `null` or an empty array.
    pub missing_points: u64,
    /// Indexed (point, value) entries: more than `indexed_points` when arrays hold several.
    pub entries: u64,
    /// Equi-depth histogram of the values, lowest first (integer, float and datetime indexes;
    /// empty for the others). The planner estimates range filters from it.
    pub histogram: Vec<HistogramBucket>,
}

/// One histogram bucket.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistogramBucket {
    /// The largest value in the bucket (a number, or an RFC 3339 instant for datetime
    /// indexes); `null` for the last bucket, which is unbounded.
    #[schema(value_type = Option<f64>)]
    pub upper: Option<serde_json::Value>,
    /// Indexed (point, value) entries in the bucket.
    pub count: u64,
}

impl FieldIndexStats {
    /// The wire form of `stats` for the index of `path` with `schema`.
    #[must_use]
    pub fn new(path: &FieldPath, schema: IndexSchema, stats: FieldStats) -> Self {
        let upper = |key: &IndexKey| match key {
            IndexKey::Int(t) if schema == IndexSchema::Datetime => {
                chrono::DateTime::from_timestamp_micros(*t).map_or(serde_json::Value::Null, |d| {
                    serde_json::Value::String(
                        d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
                    )
                })
            }
            IndexKey::Int(i) => serde_json::Value::from(*i),
            IndexKey::Float(f) => serde_json::Value::from(f.get()),
            IndexKey::Bool(b) => serde_json::Value::Bool(*b),
            IndexKey::Text(s) => serde_json::Value::String(s.clone()),
            IndexKey::Uuid(u) => serde_json::Value::String(uuid::Uuid::from_u128(*u).to_string()),
        };
        Self {
            field_name: path.as_str().to_owned(),
            data_type: schema.name(),
            distinct_values: stats.distinct_values,
            indexed_points: stats.indexed_points,
            wrong_type_points: stats.wrong_type_points,
            missing_points: stats.missing_points,
            entries: stats.entries,
            histogram: stats
                .histogram
                .iter()
                .map(|b| HistogramBucket {
                    upper: b.upper.as_ref().map(upper),
                    count: b.count,
                })
                .collect(),
        }
    }
}
