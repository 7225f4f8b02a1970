//! `order_by` of `points/scroll`, in Qdrant's shapes: `"field"` or `{"key": "field",
//! "direction": "asc" | "desc", "start_from": 10 | "2024-01-01T00:00:00Z"}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::ApiError;
use crate::api::wire::payload_index::field_path;
use crate::columns::parse_datetime;
use crate::query::{OrderBy, OrderValue, StartFrom};

/// How to order a scroll.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum WireOrderBy {
    /// A field name: ascending from the smallest value.
    Key(String),
    /// A field with a direction and a starting value.
    Detailed {
        /// The field.
        key: String,
        /// `asc` (default) or `desc`.
        #[serde(default)]
        direction: Option<Direction>,
        /// Start at this value (inclusive): a number, or a datetime string for a datetime index.
        #[serde(default)]
        start_from: Option<WireStart>,
    },
}

/// Scroll direction.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// Where an ordered scroll starts.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum WireStart {
    /// A number.
    Number(f64),
    /// A datetime.
    Datetime(String),
}

/// The value a point was ordered by.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum WireOrderValue {
    /// An integer (a datetime as microseconds since the epoch).
    Int(i64),
    /// A float.
    Float(f64),
}

impl From<OrderValue> for WireOrderValue {
    fn from(v: OrderValue) -> Self {
        match v {
            OrderValue::Int(i) => Self::Int(i),
            OrderValue::Float(f) => Self::Float(f),
        }
    }
}

impl WireOrderBy {
    /// The order asked for.
    ///
    /// # Errors
    /// 422 for a bad field name or a `start_from` that is neither a number nor a datetime.
    pub fn to_query(&self) -> Result<OrderBy, ApiError> {
        let (key, direction, start) = match self {
            Self::Key(key) => (key, None, None),
            Self::Detailed {
                key,
                direction,
                start_from,
            } => (key, *direction, start_from.as_ref()),
        };
        let path = field_path(key).map_err(|e| e.within("order_by"))?;
        let start_from = match start {
            None => None,
            Some(WireStart::Number(x)) => Some(StartFrom::Number(*x)),
            Some(WireStart::Datetime(text)) => Some(StartFrom::Instant(
                parse_datetime(text).ok_or_else(|| {
                    ApiError::unprocessable(
                        "`order_by.start_from` must be a number or an RFC 3339 datetime",
                    )
                })?,
            )),
        };
        Ok(OrderBy {
            path,
            descending: matches!(direction, Some(Direction::Desc)),
            start_from,
        })
    }
}
