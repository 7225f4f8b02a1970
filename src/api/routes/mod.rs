//! Route handlers, one file per resource.

pub mod collections;
pub mod health;
pub mod payload;
pub mod payload_index;
pub mod points;
pub mod search;
pub mod service;

use axum::http::StatusCode;

use super::error::ApiError;

/// Runs CPU-bound engine work on the blocking pool.
async fn on_blocking_pool<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(work).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "blocking task failed");
        Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error; the server log has the details under this request's x-request-id",
        ))
    })
}
