//! Bodies of the partial payload routes (`/points/payload`, `/payload/delete`, `/payload/clear`),
//! in Qdrant's shapes.

use serde::Deserialize;
use utoipa::ToSchema;

use super::WirePointId;
use super::bounds::MAX_POINTS_PER_REQUEST;
use super::filter::{Filter, Selection, WireFilter, selection};
use crate::api::error::ApiError;
use crate::columns::Payload;

/// Body of `POST` (set keys) and `PUT` (overwrite) `/collections/{name}/points/payload`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetPayload {
    /// The keys to set, or the new payload.
    #[schema(value_type = Object)]
    pub payload: Payload,
    /// The points to change.
    #[serde(default)]
    pub points: Option<Vec<WirePointId>>,
    /// Or every point this filter matches (at most 100000).
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
    /// Not supported yet (422 when present): setting keys under a nested path.
    #[serde(default)]
    pub key: Option<String>,
}

/// Body of `POST /collections/{name}/points/payload/delete`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeletePayload {
    /// Keys to remove; a dotted path (`a.b`) reaches into nested objects.
    pub keys: Vec<String>,
    /// The points to change.
    #[serde(default)]
    pub points: Option<Vec<WirePointId>>,
    /// Or every point this filter matches (at most 100000).
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
}

/// Body of `POST /collections/{name}/points/payload/clear`: `{"points": [...]}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClearPayload {
    /// The points whose payload is removed.
    #[serde(default)]
    pub points: Option<Vec<WirePointId>>,
    /// Or every point this filter matches (at most 100000).
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
}

/// The points a payload request names: listed in `points`, or matched by `filter`.
///
/// # Errors
/// 422 when both or neither are given or for too many ids; a bad filter.
pub fn selected(
    points: Option<Vec<WirePointId>>,
    filter: Option<&WireFilter>,
) -> Result<Selection, ApiError> {
    selection(points, filter, MAX_POINTS_PER_REQUEST)
}
