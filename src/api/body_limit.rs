//! Refuses a request whose declared `Content-Length` is over the body limit before reading any of
//! it. Bodies without a length (chunked) are cut off by `DefaultBodyLimit` while being read.
//! Snapshot uploads have their own, larger limit, enforced as the upload streams
//! (`routes/snapshots.rs`).

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;

/// Answers 413 at once for a declared body over `max` bytes (over `max_upload` bytes for a
/// snapshot upload).
pub async fn reject_declared_oversize(
    State((max, max_upload)): State<(usize, u64)>,
    req: Request,
    next: Next,
) -> Response {
    let max = if is_snapshot_upload(req.uri().path()) {
        max_upload
    } else {
        max as u64
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(len) = declared
        && len > max
    {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("request body of {len} bytes is over the limit of {max} bytes"),
        )
        .into_response();
    }
    next.run(req).await
}

/// `POST /collections/{name}/snapshots/upload`, which streams to disk under its own limit.
fn is_snapshot_upload(path: &str) -> bool {
    path.strip_prefix("/collections/")
        .and_then(|rest| rest.strip_suffix("/snapshots/upload"))
        .is_some_and(|name| !name.is_empty() && !name.contains('/'))
}
