//! Bodies of the partial payload routes (`/points/payload`, `/payload/delete`, `/payload/clear`),
//! in Qdrant's shapes.

use serde::Deserialize;
use utoipa::ToSchema;

use super::WirePointId;
use crate::api::error::ApiError;
use crate::columns::Payload;
use crate::engine::PointId;

/// Body of `POST` (set keys) and `PUT` (overwrite) `/collections/{name}/points/payload`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SetPayload {
    /// The keys to set, or the new payload.
    #[schema(value_type = Object)]
    pub payload: Payload,
    /// The points to change.
    #[serde(default)]
    pub points: Option<Vec<WirePointId>>,
    /// Not supported yet (422 when present): payload filtering arrives with the columnstore.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde::de::IgnoredAny>,
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
    /// Not supported yet (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde::de::IgnoredAny>,
}

/// Body of `POST /collections/{name}/points/payload/clear`: `{"points": [...]}`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ClearPayload {
    /// The points whose payload is removed.
    #[serde(default)]
    pub points: Option<Vec<WirePointId>>,
    /// Not supported yet (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub filter: Option<serde::de::IgnoredAny>,
}

/// The ids a payload request names.
///
/// # Errors
/// 422 for a `filter` (not supported yet) or when `points` is missing.
pub fn selected_ids(
    points: Option<Vec<WirePointId>>,
    filter: Option<&serde::de::IgnoredAny>,
) -> Result<Vec<PointId>, ApiError> {
    if filter.is_some() {
        return Err(ApiError::unprocessable(
            "selecting points by `filter` is not supported yet (payload filtering arrives with \
             the columnstore); list them in `points`",
        ));
    }
    let ids =
        points.ok_or_else(|| ApiError::unprocessable("`points` (a list of ids) is required"))?;
    Ok(ids.into_iter().map(|id| id.0).collect())
}
