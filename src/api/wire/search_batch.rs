//! Batch search bodies: several searches of one collection in one request, answered in order.

use serde::Deserialize;
use utoipa::ToSchema;

use super::points::{QueryRequest, SearchRequestBody};

/// Most searches one batch may hold; one more is refused with 422. Each search is bounded by
/// its own `limit`, so this bounds the work and the answer of one request.
pub const MAX_BATCH_SEARCHES: usize = 256;

/// Body of `POST /collections/{name}/points/search/batch`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchBatchRequest {
    /// The searches (at most 256), each shaped as a body of `/points/search`.
    #[schema(max_items = 256)]
    pub searches: Vec<SearchRequestBody>,
}

/// Body of `POST /collections/{name}/points/query/batch`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QueryBatchRequest {
    /// The queries (at most 256), each shaped as a body of `/points/query`.
    #[schema(max_items = 256)]
    pub searches: Vec<QueryRequest>,
}
