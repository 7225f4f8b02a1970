//! Body and answer of `POST /collections/{name}/facet`, in Qdrant's shapes.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bounds::check_range;
use super::filter::{Filter, WireFilter, optional_predicate};
use super::unsupported::{SHARD_KEY, reject_present};
use crate::api::error::ApiError;
use crate::columns::FieldPath;
use crate::query::{FacetHit, Literal, Predicate};

/// Most values one facet answer may list.
pub const MAX_FACET_LIMIT: usize = 10_000;

/// Body of `POST /collections/{name}/facet`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct FacetRequest {
    /// The payload key whose values are counted.
    pub key: String,
    /// Values to return, most frequent first; default 10, at most 10000.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 10_000)]
    pub limit: Option<u64>,
    /// Count only the points this filter matches.
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
    /// Counts are always exact; accepted for compatibility.
    #[serde(default)]
    pub exact: Option<bool>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<IgnoredAny>,
}

impl FacetRequest {
    /// The field, the filter (every point when absent) and the limit.
    ///
    /// # Errors
    /// 400 for a malformed key or filter, 422 for a limit out of range or a `shard_key`.
    pub fn checked(&self) -> Result<(FieldPath, Predicate, usize), ApiError> {
        reject_present(&[("shard_key", &self.shard_key, SHARD_KEY)])?;
        let key = FieldPath::parse(&self.key).map_err(|e| ApiError::format(format!("key: {e}")))?;
        let limit = self.limit.unwrap_or(10);
        check_range("limit", limit, 1, MAX_FACET_LIMIT)?;
        let filter = optional_predicate(self.filter.as_ref())?.unwrap_or(Predicate::All);
        Ok((
            key,
            filter,
            usize::try_from(limit).unwrap_or(MAX_FACET_LIMIT),
        ))
    }
}

/// A counted value: a string, an integer or a boolean.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum FacetValue {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Bool(bool),
}

/// One value and how many points hold it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetValueHit {
    /// The value.
    pub value: FacetValue,
    /// Points holding it (a point holding it twice counts once).
    pub count: u64,
}

/// Result of a facet: values, most points first, ties in value order.
#[derive(Debug, Serialize, ToSchema)]
pub struct FacetResponse {
    /// The values.
    pub hits: Vec<FacetValueHit>,
}

impl From<Vec<FacetHit>> for FacetResponse {
    fn from(hits: Vec<FacetHit>) -> Self {
        Self {
            hits: hits
                .into_iter()
                .map(|h| FacetValueHit {
                    value: match h.value {
                        Literal::String(s) => FacetValue::String(s),
                        Literal::Int(i) => FacetValue::Integer(i),
                        Literal::Bool(b) => FacetValue::Bool(b),
                    },
                    count: h.count,
                })
                .collect(),
        }
    }
}
