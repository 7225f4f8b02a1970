//! Payload index requests. Plait builds no payload indexes yet (they arrive with payload
//! filtering); see `routes::payload_index` for why creating one is answered 200.

use serde::Deserialize;
use serde::Serialize;
use serde::de::IgnoredAny;
use utoipa::ToSchema;

/// Body of `PUT /collections/{name}/index`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateFieldIndex {
    /// The payload key to index.
    pub field_name: String,
    /// Qdrant's index type (`"keyword"`, `{"type": "text", ...}`...); not used.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub field_schema: Option<IgnoredAny>,
}

/// Result of a payload index request: nothing was built.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldIndexResult {
    /// Always `null`: no write was made.
    pub operation_id: Option<u64>,
    /// Always `completed`.
    pub status: &'static str,
}
