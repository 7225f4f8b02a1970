//! Point requests and responses.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WirePointId;
use super::bounds::{MAX_HNSW_EF, MAX_LIMIT, MAX_POINTS_PER_REQUEST, check_len, check_range};
use super::filter::{Filter, Selection, WireFilter, optional_predicate, selection};
use super::prefetch::{Prefetch, Prefetches};
use super::quantization::QuantizationSearchParams;
pub use super::query_input::QueryInput;
use super::unsupported::{SHARD_KEY, reject_present};
pub use super::vector_name::WithVector;
use super::vector_name::{
    BatchVectors, BatchVectorsShape, PointVector, SearchVector, SearchVectorShape, VectorName,
};
use crate::api::error::ApiError;
use crate::columns::{FieldPath, Payload};
use crate::engine::{
    NewPoint, PayloadSelector, PointId, PointRecord, PointVectors, Projection, ScoredPoint,
    SearchRequest, VectorValue,
};
use crate::query::Predicate;
use crate::query::Stage;

/// A point to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PointStruct {
    /// Its id.
    pub id: WirePointId,
    /// Its dense vectors: `[...]` (the unnamed vector) or `{"name": [...], ...}` (any subset of
    /// the collection's named vectors; absent: none, for a collection of named vectors).
    #[serde(default)]
    pub vector: PointVector,
    /// Its payload (a JSON object).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Payload>,
}

/// Points as parallel arrays.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct Batch {
    /// Ids.
    #[schema(max_items = 100_000)]
    pub ids: Vec<WirePointId>,
    /// Vectors, one per id: `[[...], ...]`, or `{"name": [[...], ...], ...}` (absent: none).
    #[serde(default)]
    #[schema(value_type = Option<BatchVectorsShape>)]
    pub vectors: Option<BatchVectors>,
    /// Payloads, one per id, when given.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Object>>)]
    pub payloads: Option<Vec<Option<Payload>>>,
}

/// Body of `PUT /collections/{name}/points`: either `points` or `batch`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct UpsertPoints {
    /// Points as a list.
    #[serde(default)]
    #[schema(max_items = 100_000)]
    pub points: Option<Vec<PointStruct>>,
    /// Points as parallel arrays.
    #[serde(default)]
    pub batch: Option<Batch>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<IgnoredAny>,
    /// Plait extension: every point of the request expires this many seconds from now (its
    /// `ttl_field` payload key is set to that moment). Only for a collection with a `ttl_field`
    /// (400 otherwise).
    #[serde(default)]
    #[schema(minimum = 1, maximum = 3_153_600_000_u64)]
    pub ttl_seconds: Option<u64>,
}

/// Longest per-write TTL: 100 years.
pub const MAX_TTL_SECONDS: usize = 3_153_600_000;

impl UpsertPoints {
    /// The per-write TTL, checked against its bounds.
    ///
    /// # Errors
    /// 422 outside 1 ..= [`MAX_TTL_SECONDS`].
    pub fn ttl_seconds(&self) -> Result<Option<u64>, ApiError> {
        if let Some(s) = self.ttl_seconds {
            check_range("ttl_seconds", s, 1, MAX_TTL_SECONDS)?;
        }
        Ok(self.ttl_seconds)
    }

    /// The points to write.
    ///
    /// # Errors
    /// 422 when neither or both forms are given, or the batch arrays differ in length.
    pub fn into_points(self) -> Result<Vec<NewPoint>, ApiError> {
        reject_present(&[("shard_key", &self.shard_key, SHARD_KEY)])?;
        match (self.points, self.batch) {
            (Some(points), None) => {
                check_len("points", points.len(), MAX_POINTS_PER_REQUEST)?;
                Ok(points
                    .into_iter()
                    .map(|p| NewPoint {
                        id: p.id.0,
                        vector: p.vector.0,
                        payload: p.payload.unwrap_or_default(),
                    })
                    .collect())
            }
            (None, Some(batch)) => {
                let n = batch.ids.len();
                check_len("batch.ids", n, MAX_POINTS_PER_REQUEST)?;
                let vectors = batch
                    .vectors
                    .unwrap_or(BatchVectors::Named(Vec::new()))
                    .per_point(n)
                    .map_err(ApiError::unprocessable)?;
                let payloads = match batch.payloads {
                    Some(p) if p.len() != n => {
                        return Err(ApiError::unprocessable(format!(
                            "batch has {n} ids but {} payloads",
                            p.len()
                        )));
                    }
                    Some(p) => p,
                    None => vec![None; n],
                };
                Ok(batch
                    .ids
                    .into_iter()
                    .zip(vectors)
                    .zip(payloads)
                    .map(|((id, vector), payload)| NewPoint {
                        id: id.0,
                        vector,
                        payload: payload.unwrap_or_default(),
                    })
                    .collect())
            }
            _ => Err(ApiError::unprocessable(
                "the body must have exactly one of `points` or `batch`",
            )),
        }
    }
}

/// `with_payload`: `true`, `false`, a list of keys, or `{"include": [...]}` / `{"exclude": [...]}`.
/// A key may be a dotted path (`"meta.author"`) into nested objects.
#[derive(Debug, Clone, ToSchema)]
pub enum WithPayload {
    /// All or nothing.
    Flag(bool),
    /// Only these keys.
    Keys(Vec<String>),
    /// Include or exclude keys.
    Selector(PayloadKeys),
}

impl<'de> Deserialize<'de> for WithPayload {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(WithPayloadVisitor)
    }
}

struct WithPayloadVisitor;

impl<'de> serde::de::Visitor<'de> for WithPayloadVisitor {
    type Value = WithPayload;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(
            "`true`, `false`, a list of payload keys, or {\"include\": [keys]} / {\"exclude\": [keys]}",
        )
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(WithPayload::Flag(v))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Vec::<String>::deserialize(serde::de::value::SeqAccessDeserializer::new(seq))
            .map(WithPayload::Keys)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        PayloadKeys::deserialize(serde::de::value::MapAccessDeserializer::new(map))
            .map(WithPayload::Selector)
    }
}

/// Keys to include or exclude.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayloadKeys {
    /// Keys to return.
    #[serde(default)]
    pub include: Option<Vec<String>>,
    /// Keys to leave out.
    #[serde(default)]
    pub exclude: Option<Vec<String>>,
}

/// Builds an engine projection from the wire options, with defaults for absent ones.
#[must_use]
pub fn projection(
    with_payload: Option<&WithPayload>,
    with_vector: Option<&WithVector>,
    default_payload: bool,
) -> Projection {
    let payload = match with_payload {
        None if default_payload => PayloadSelector::All,
        None | Some(WithPayload::Flag(false)) => PayloadSelector::None,
        Some(WithPayload::Flag(true)) => PayloadSelector::All,
        Some(WithPayload::Keys(keys)) => PayloadSelector::Include(keys.clone()),
        Some(WithPayload::Selector(PayloadKeys {
            include: Some(keys),
            ..
        })) => PayloadSelector::Include(keys.clone()),
        Some(WithPayload::Selector(PayloadKeys {
            exclude: Some(keys),
            ..
        })) => PayloadSelector::Exclude(keys.clone()),
        Some(WithPayload::Selector(_)) => PayloadSelector::All,
    };
    Projection {
        payload,
        with_vector: with_vector.is_some_and(WithVector::wanted),
        vector_names: with_vector.and_then(WithVector::names),
    }
}

/// A point as returned.
#[derive(Debug, Serialize, ToSchema)]
pub struct Record {
    /// Its id.
    pub id: WirePointId,
    /// Its payload, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Payload>,
    /// Its vectors, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<WireVectors>,
    /// The value it was ordered by, in a scroll with `order_by` (a datetime as microseconds
    /// since the epoch).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_value: Option<crate::api::wire::order_by::WireOrderValue>,
}

impl From<PointRecord> for Record {
    fn from(r: PointRecord) -> Self {
        Self {
            id: WirePointId(r.id),
            payload: r.payload,
            vector: r.vector.map(Into::into),
            order_value: None,
        }
    }
}

/// A search hit.
#[derive(Debug, Serialize, ToSchema)]
pub struct WireScoredPoint {
    /// Its id.
    pub id: WirePointId,
    /// Always 0 (Plait does not version points).
    pub version: u64,
    /// Score under the collection's metric: similarity for Cosine and Dot (higher is closer),
    /// distance for Euclid and Manhattan (lower is closer).
    pub score: f32,
    /// Its payload, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub payload: Option<Payload>,
    /// Its vectors, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<WireVectors>,
}

/// A point's vectors as returned: the bare vector of a collection of one unnamed vector (and no
/// sparse vectors), a map by name otherwise (only the vectors the point carries).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WireVectors {
    /// The unnamed vector.
    Dense(Vec<f32>),
    /// Vectors by name.
    Named(std::collections::BTreeMap<String, WireVectorValue>),
}

/// One named vector as returned.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WireVectorValue {
    /// A dense vector.
    Dense(Vec<f32>),
    /// A sparse vector, indices ascending.
    Sparse {
        /// Dimension indices, ascending.
        indices: Vec<u32>,
        /// Their weights.
        values: Vec<f32>,
    },
}

impl From<VectorValue> for WireVectorValue {
    fn from(v: VectorValue) -> Self {
        match v {
            VectorValue::Dense(v) => Self::Dense(v),
            VectorValue::Sparse(s) => Self::Sparse {
                indices: s.indices().to_vec(),
                values: s.values().to_vec(),
            },
        }
    }
}

impl From<PointVectors> for WireVectors {
    fn from(v: PointVectors) -> Self {
        match v {
            PointVectors::Unnamed(v) => Self::Dense(v),
            PointVectors::Named(named) => {
                Self::Named(named.into_iter().map(|(n, v)| (n, v.into())).collect())
            }
        }
    }
}

impl From<ScoredPoint> for WireScoredPoint {
    fn from(s: ScoredPoint) -> Self {
        Self {
            id: WirePointId(s.record.id),
            version: 0,
            score: s.score,
            payload: s.record.payload,
            vector: s.record.vector.map(Into::into),
        }
    }
}

/// Body of `POST /collections/{name}/points` (retrieve by ids).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RetrievePoints {
    /// Ids to fetch, in this order; missing ones are skipped and repeated ones returned once.
    #[schema(max_items = 100_000)]
    pub ids: Vec<WirePointId>,
    /// Default `true`.
    #[serde(default)]
    pub with_payload: Option<WithPayload>,
    /// Default `false`.
    #[serde(default)]
    pub with_vector: Option<WithVector>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<IgnoredAny>,
}

impl RetrievePoints {
    /// The ids to fetch, first occurrence of each, in the order given.
    ///
    /// # Errors
    /// 422 for too many ids or a `shard_key`.
    pub fn unique_ids(&self) -> Result<Vec<PointId>, ApiError> {
        reject_present(&[("shard_key", &self.shard_key, SHARD_KEY)])?;
        check_len("ids", self.ids.len(), MAX_POINTS_PER_REQUEST)?;
        let mut seen = std::collections::HashSet::with_capacity(self.ids.len());
        Ok(self
            .ids
            .iter()
            .map(|id| id.0)
            .filter(|id| seen.insert(*id))
            .collect())
    }
}

/// Which points to delete: `{"points": [...]}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeletePoints {
    /// Ids to delete; missing ones are ignored.
    #[serde(default)]
    #[schema(max_items = 100_000)]
    pub points: Option<Vec<WirePointId>>,
    /// Or every point this filter matches (at most 100000).
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<IgnoredAny>,
}

impl DeletePoints {
    /// The points to delete.
    ///
    /// # Errors
    /// 422 for a `shard_key`, both or neither of ids and filter, too many ids; a bad filter.
    pub fn selection(self) -> Result<Selection, ApiError> {
        reject_present(&[("shard_key", &self.shard_key, SHARD_KEY)])?;
        selection(self.points, self.filter.as_ref(), MAX_POINTS_PER_REQUEST)
    }
}

/// Body of `POST /collections/{name}/points/count`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CountRequest {
    /// Counts are always exact; accepted for compatibility.
    #[serde(default)]
    pub exact: Option<bool>,
    /// Count only the points this filter matches.
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<IgnoredAny>,
}

impl CountRequest {
    /// The filter to count under, if any.
    ///
    /// # Errors
    /// 422 for a `shard_key`; a bad filter.
    pub fn predicate(&self) -> Result<Option<Predicate>, ApiError> {
        reject_present(&[("shard_key", &self.shard_key, SHARD_KEY)])?;
        optional_predicate(self.filter.as_ref())
    }
}

/// Result of a count.
#[derive(Debug, Serialize, ToSchema)]
pub struct CountResult {
    /// Number of points.
    pub count: u64,
}

/// Body of `POST /collections/{name}/points/scroll`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct ScrollRequest {
    /// Start at this id (inclusive); from the smallest id when absent.
    #[serde(default)]
    pub offset: Option<WirePointId>,
    /// Page size, default 10.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    pub limit: Option<u64>,
    /// Default `true`.
    #[serde(default)]
    pub with_payload: Option<WithPayload>,
    /// Default `false`.
    #[serde(default)]
    pub with_vector: Option<WithVector>,
    /// Only points this filter matches.
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
    /// Order by a payload field with an integer, float or datetime index instead of by id: a
    /// field name, or `{"key", "direction": "asc"|"desc", "start_from"}`. An ordered page has no
    /// `next_page_offset`; continue with `start_from` (the last `order_value`).
    #[serde(default)]
    pub order_by: Option<crate::api::wire::order_by::WireOrderBy>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<IgnoredAny>,
}

impl ScrollRequest {
    /// The page size.
    ///
    /// # Errors
    /// 422 for a limit out of `1..=MAX_LIMIT` or `shard_key`.
    pub fn checked_limit(&self) -> Result<usize, ApiError> {
        reject_present(&[("shard_key", &self.shard_key, SHARD_KEY)])?;
        let limit = self.limit.unwrap_or(10);
        check_range("limit", limit, 1, MAX_LIMIT)?;
        Ok(usize::try_from(limit).unwrap_or(MAX_LIMIT))
    }
}

/// Result of a scroll.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScrollResult {
    /// The page, in id order.
    pub points: Vec<Record>,
    /// The id the next page starts at; `null` on the last page.
    pub next_page_offset: Option<WirePointId>,
}

/// Status of a write.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    /// Durable in the WAL, maybe not yet visible to reads (`wait=false`).
    Acknowledged,
    /// Durable and visible to reads (`wait=true`).
    Completed,
}

/// Result of a write.
#[derive(Debug, Serialize, ToSchema)]
pub struct UpdateResult {
    /// The WAL sequence number of the write.
    pub operation_id: u64,
    /// Its status.
    pub status: UpdateStatus,
}

/// Query string of write routes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct WaitParam {
    /// Wait until the write is visible to reads (default `true` in Plait; the write is durable
    /// before any answer either way).
    pub wait: Option<bool>,
    /// Accepted for compatibility (at least 1); the server's request timeout applies.
    #[param(minimum = 1)]
    pub timeout: Option<u64>,
}

impl WaitParam {
    /// Checks the parameters' ranges.
    ///
    /// # Errors
    /// 422 for `timeout=0`.
    pub fn check(&self) -> Result<(), ApiError> {
        check_timeout(self.timeout)
    }
}

/// Query string of read and collection routes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct TimeoutParam {
    /// Accepted for compatibility (at least 1); the server's request timeout applies.
    #[param(minimum = 1)]
    pub timeout: Option<u64>,
}

impl TimeoutParam {
    /// Checks the parameter's range.
    ///
    /// # Errors
    /// 422 for `timeout=0`.
    pub fn check(&self) -> Result<(), ApiError> {
        check_timeout(self.timeout)
    }
}

fn check_timeout(timeout: Option<u64>) -> Result<(), ApiError> {
    if timeout == Some(0) {
        return Err(ApiError::unprocessable(
            "Validation error in query parameters: timeout must be at least 1 second, got 0",
        ));
    }
    Ok(())
}

/// Search parameters.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SearchParams {
    /// HNSW candidate list size (default: the collection's `ef_construct`); larger is more
    /// accurate and slower.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    pub hnsw_ef: Option<u64>,
    /// Force exact (brute-force) search.
    #[serde(default)]
    pub exact: Option<bool>,
    /// How to use the collection's quantized codes.
    #[serde(default)]
    pub quantization: Option<QuantizationSearchParams>,
    /// Plait extension: return how the search ran (`explain` next to the points of
    /// `points/query`): the strategy the planner chose for the filter, estimated and actual
    /// candidate counts, payloads read and time per stage.
    #[serde(default)]
    pub explain: Option<bool>,
}

/// One search as the API hands it to the planner.
#[derive(Debug)]
pub struct FilteredSearch {
    /// The engine's request.
    pub request: SearchRequest,
    /// The filter, if any.
    pub filter: Option<Predicate>,
    /// Whether the answer explains how the search ran.
    pub explain: bool,
    /// The stages of a multi-stage query (`prefetch`, fusion, `mmr`), which then replace the
    /// single search of `request` (whose projection, limit and offset still apply).
    pub stage: Option<Stage>,
    /// BM25 ranking over a text index instead of a vector search: the field and the words.
    pub text: Option<(FieldPath, String)>,
}

/// Options shared by both search bodies.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SearchOptions {
    /// Only hits at least this similar (Cosine, Dot) or at most this distant (Euclid, Manhattan).
    #[serde(default)]
    pub score_threshold: Option<f32>,
    /// Default `false`.
    #[serde(default)]
    pub with_payload: Option<WithPayload>,
    /// Default `false`.
    #[serde(default)]
    pub with_vector: Option<WithVector>,
    /// Search parameters.
    #[serde(default)]
    pub params: Option<SearchParams>,
    /// Only points this filter matches; `limit` hits come back whenever that many match.
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub lookup_from: Option<IgnoredAny>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub shard_key: Option<IgnoredAny>,
}

/// Paging of an ungrouped search, and the `group_by` it refuses (grouped searches have their
/// own routes).
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct Paging {
    /// Best hits to skip, default 0; `limit + offset` is at most 100000.
    #[serde(default)]
    #[schema(maximum = 100_000)]
    pub offset: Option<u64>,
    /// Not a field of this route (422 when present): grouped searches are answered by
    /// `points/query/groups` and `points/search/groups`.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub group_by: Option<IgnoredAny>,
}

impl Paging {
    /// The offset, refusing `group_by`.
    ///
    /// # Errors
    /// 422 naming `group_by` and the routes that group.
    pub fn offset(&self) -> Result<u64, ApiError> {
        if self.group_by.is_some() {
            return Err(ApiError::unprocessable(
                "`group_by` is not a field of this route: send grouped searches to \
                 `points/query/groups` (the body of `points/query`) or `points/search/groups` \
                 (the body of `points/search`)",
            ));
        }
        Ok(self.offset.unwrap_or(0))
    }
}

impl SearchOptions {
    /// The engine request for `vector`, `limit` and `offset` with these options, and the filter's
    /// predicate (none when every point is allowed).
    ///
    /// # Errors
    /// 422 for out-of-range numbers, unsupported fields or invalid quantization options; a bad
    /// filter.
    pub fn into_request(
        self,
        vector: Vec<f32>,
        using: Option<String>,
        limit: u64,
        offset: u64,
    ) -> Result<FilteredSearch, ApiError> {
        let predicate = optional_predicate(self.filter.as_ref())?;
        let explain = self
            .params
            .as_ref()
            .and_then(|p| p.explain)
            .unwrap_or(false);
        reject_present(&[
            (
                "lookup_from",
                &self.lookup_from,
                "looking vectors up in another collection",
            ),
            ("shard_key", &self.shard_key, SHARD_KEY),
        ])?;
        check_range("limit", limit, 0, MAX_LIMIT)?;
        check_range("limit + offset", limit.saturating_add(offset), 0, MAX_LIMIT)?;
        let ef = self.params.as_ref().and_then(|p| p.hnsw_ef);
        if let Some(ef) = ef {
            check_range("params.hnsw_ef", ef, 1, MAX_HNSW_EF)?;
        }
        let quantization = self
            .params
            .as_ref()
            .and_then(|p| p.quantization.as_ref())
            .map(QuantizationSearchParams::to_engine)
            .transpose()?
            .unwrap_or_default();
        // Each value was checked against a bound that fits a usize above.
        let fit = |v: u64| usize::try_from(v).unwrap_or(MAX_LIMIT);
        let request = SearchRequest {
            vector,
            using,
            limit: fit(limit),
            offset: fit(offset),
            score_threshold: self.score_threshold,
            projection: projection(self.with_payload.as_ref(), self.with_vector.as_ref(), false),
            ef: ef.map(fit),
            exact: self.params.as_ref().and_then(|p| p.exact).unwrap_or(false),
            quantization,
        };
        Ok(FilteredSearch {
            request,
            filter: predicate,
            explain,
            stage: None,
            text: None,
        })
    }
}

/// Body of `POST /collections/{name}/points/query`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QueryRequest {
    /// Sub-requests whose results `query` ranks: one or a list, nestable.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Prefetch>>)]
    pub prefetch: Option<Prefetches>,
    /// The query: a vector (optionally with `mmr`) or a fusion of the prefetches.
    pub query: QueryInput,
    /// The vector to search, by name (`""`: the unnamed vector); absent: the unnamed vector, or
    /// the collection's only vector. An unknown name is a 400 naming it.
    #[serde(default)]
    pub using: Option<VectorName>,
    /// Hits to return, default 10.
    #[serde(default)]
    #[schema(maximum = 100_000)]
    pub limit: Option<u64>,
    /// Offset, and the refused `group_by`.
    #[serde(flatten)]
    pub paging: Paging,
    /// Thresholds, projection and parameters.
    #[serde(flatten)]
    pub options: SearchOptions,
}

/// Result of a query.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryResponse {
    /// Hits, best first.
    pub points: Vec<WireScoredPoint>,
    /// Plait extension, with `params.explain`: how the search ran.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<crate::api::wire::explain::WireExplain>,
}

/// Body of the older `POST /collections/{name}/points/search`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchRequestBody {
    /// The query vector: `[...]`, or `{"name": "dense", "vector": [...]}` for a named vector, or
    /// `{"name": "bm42", "vector": {"indices": [...], "values": [...]}}` for a sparse vector.
    #[schema(value_type = SearchVectorShape)]
    pub vector: SearchVector,
    /// Hits to return.
    #[schema(maximum = 100_000)]
    pub limit: u64,
    /// Offset, and the refused `group_by`.
    #[serde(flatten)]
    pub paging: Paging,
    /// Thresholds, projection and parameters.
    #[serde(flatten)]
    pub options: SearchOptions,
}
