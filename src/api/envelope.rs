//! The response envelope every JSON route uses, as Qdrant does: `{result, status, time}`.

use std::time::Instant;

use axum::Json;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

/// A successful response.
#[derive(Debug, Serialize, ToSchema)]
pub struct Envelope<T> {
    /// The answer.
    pub result: T,
    /// Always `"ok"` on success.
    #[schema(example = "ok")]
    pub status: &'static str,
    /// Seconds spent handling the request.
    pub time: f64,
}

/// Wraps `result` in the envelope, timing from `started`.
pub fn ok<T: Serialize>(result: T, started: Instant) -> Response {
    Json(Envelope {
        result,
        status: "ok",
        time: started.elapsed().as_secs_f64(),
    })
    .into_response()
}

/// The error body: `{"status": {"error": "..."}, "time": 0.0}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    /// What went wrong.
    pub status: ErrorStatus,
    /// Seconds spent handling the request.
    pub time: f64,
}

/// The `status` object of an error body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorStatus {
    /// A human-readable message.
    pub error: String,
}
