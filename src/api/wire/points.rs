//! Point requests and responses.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::WirePointId;
use super::quantization::QuantizationSearchParams;
pub use super::vector_name::WithVector;
use super::vector_name::{BatchVectors, PointVector, SearchVector, VectorName};
use crate::api::error::ApiError;
use crate::columns::Payload;
use crate::engine::{
    NewPoint, PayloadSelector, PointRecord, Projection, ScoredPoint, SearchRequest,
};

/// A point to write.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct PointStruct {
    /// Its id.
    pub id: WirePointId,
    /// Its dense vector (`[...]` or `{"": [...]}`).
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
    pub ids: Vec<WirePointId>,
    /// Vectors, one per id (`[[...], ...]` or `{"": [[...], ...]}`).
    pub vectors: BatchVectors,
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
    pub points: Option<Vec<PointStruct>>,
    /// Points as parallel arrays.
    #[serde(default)]
    pub batch: Option<Batch>,
}

impl UpsertPoints {
    /// The points to write.
    ///
    /// # Errors
    /// 422 when neither or both forms are given, or the batch arrays differ in length.
    pub fn into_points(self) -> Result<Vec<NewPoint>, ApiError> {
        match (self.points, self.batch) {
            (Some(points), None) => Ok(points
                .into_iter()
                .map(|p| NewPoint {
                    id: p.id.0,
                    vector: p.vector.0,
                    payload: p.payload.unwrap_or_default(),
                })
                .collect()),
            (None, Some(batch)) => {
                let n = batch.ids.len();
                let vectors = batch.vectors.0;
                if vectors.len() != n {
                    return Err(ApiError::unprocessable(format!(
                        "batch has {n} ids but {} vectors",
                        vectors.len()
                    )));
                }
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
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum WithPayload {
    /// All or nothing.
    Flag(bool),
    /// Only these keys.
    Keys(Vec<String>),
    /// Include or exclude keys.
    Selector(PayloadKeys),
}

/// Keys to include or exclude.
#[derive(Debug, Clone, Deserialize, ToSchema)]
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
    let with_vector = with_vector.is_some_and(WithVector::wanted);
    Projection {
        payload,
        with_vector,
    }
}

/// Rejects a non-null `filter`: payload filtering arrives with the columnstore.
///
/// # Errors
/// 422 when a filter is present.
pub fn reject_filter(filter: Option<&serde::de::IgnoredAny>) -> Result<(), ApiError> {
    if filter.is_some() {
        return Err(ApiError::unprocessable(
            "`filter` is not supported yet: payload filtering arrives with the columnstore",
        ));
    }
    Ok(())
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
    /// Its vector, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<Vec<f32>>,
}

impl From<PointRecord> for Record {
    fn from(r: PointRecord) -> Self {
        Self {
            id: WirePointId(r.id),
            payload: r.payload,
            vector: r.vector,
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
    /// Its vector, when asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<Vec<f32>>,
}

impl From<ScoredPoint> for WireScoredPoint {
    fn from(s: ScoredPoint) -> Self {
        Self {
            id: WirePointId(s.record.id),
            version: 0,
            score: s.score,
            payload: s.record.payload,
            vector: s.record.vector,
        }
    }
}

/// Body of `POST /collections/{name}/points` (retrieve by ids).
#[derive(Debug, Deserialize, ToSchema)]
pub struct RetrievePoints {
    /// Ids to fetch; missing ones are skipped.
    pub ids: Vec<WirePointId>,
    /// Default `true`.
    #[serde(default)]
    pub with_payload: Option<WithPayload>,
    /// Default `false`.
    #[serde(default)]
    pub with_vector: Option<WithVector>,
}

/// Which points to delete: `{"points": [...]}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeletePoints {
    /// Ids to delete; missing ones are ignored.
    #[serde(default)]
    pub points: Option<Vec<WirePointId>>,
    /// Not supported yet (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde::de::IgnoredAny>,
}

/// Body of `POST /collections/{name}/points/count`.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CountRequest {
    /// Counts are always exact; accepted for compatibility.
    #[serde(default)]
    pub exact: Option<bool>,
    /// Not supported yet (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde::de::IgnoredAny>,
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
    pub limit: Option<usize>,
    /// Default `true`.
    #[serde(default)]
    pub with_payload: Option<WithPayload>,
    /// Default `false`.
    #[serde(default)]
    pub with_vector: Option<WithVector>,
    /// Not supported yet (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde::de::IgnoredAny>,
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
    /// Accepted for compatibility; the server's request timeout applies.
    pub timeout: Option<u64>,
}

/// The `query` of a query request: a vector, or `{"nearest": vector}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum QueryInput {
    /// A dense vector.
    Vector(Vec<f32>),
    /// `{"nearest": [...]}`.
    Nearest {
        /// The dense vector.
        nearest: Vec<f32>,
    },
}

/// Search parameters.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct SearchParams {
    /// HNSW candidate list size (default: the collection's `ef_construct`); larger is more
    /// accurate and slower.
    #[serde(default)]
    pub hnsw_ef: Option<usize>,
    /// Force exact (brute-force) search.
    #[serde(default)]
    pub exact: Option<bool>,
    /// How to use the collection's quantized codes.
    #[serde(default)]
    pub quantization: Option<QuantizationSearchParams>,
}

/// Options shared by both search bodies.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct SearchOptions {
    /// Best hits to skip, default 0.
    #[serde(default)]
    pub offset: Option<usize>,
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
    /// Not supported yet (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde::de::IgnoredAny>,
}

impl SearchOptions {
    /// The engine request for `vector` and `limit` with these options.
    ///
    /// # Errors
    /// 422 when a filter is present or the quantization options are invalid.
    pub fn into_request(self, vector: Vec<f32>, limit: usize) -> Result<SearchRequest, ApiError> {
        reject_filter(self.filter.as_ref())?;
        let quantization = self
            .params
            .as_ref()
            .and_then(|p| p.quantization.as_ref())
            .map(QuantizationSearchParams::to_engine)
            .transpose()?
            .unwrap_or_default();
        Ok(SearchRequest {
            vector,
            limit,
            offset: self.offset.unwrap_or(0),
            score_threshold: self.score_threshold,
            projection: projection(self.with_payload.as_ref(), self.with_vector.as_ref(), false),
            ef: self.params.as_ref().and_then(|p| p.hnsw_ef),
            exact: self.params.as_ref().and_then(|p| p.exact).unwrap_or(false),
            quantization,
        })
    }
}

/// Body of `POST /collections/{name}/points/query`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QueryRequest {
    /// The query vector.
    pub query: QueryInput,
    /// The vector to search: only `""`, the unnamed vector (the default).
    #[serde(default)]
    pub using: Option<VectorName>,
    /// Hits to return, default 10.
    #[serde(default)]
    pub limit: Option<usize>,
    /// Offset, thresholds, projection and parameters.
    #[serde(flatten)]
    pub options: SearchOptions,
}

/// Result of a query.
#[derive(Debug, Serialize, ToSchema)]
pub struct QueryResponse {
    /// Hits, best first.
    pub points: Vec<WireScoredPoint>,
}

/// Body of the older `POST /collections/{name}/points/search`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchRequestBody {
    /// The query vector: `[...]` or `{"name": "", "vector": [...]}`.
    pub vector: SearchVector,
    /// Hits to return.
    pub limit: usize,
    /// Offset, thresholds, projection and parameters.
    #[serde(flatten)]
    pub options: SearchOptions,
}
