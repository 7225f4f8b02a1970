//! Route handlers, one file per resource.

pub mod aliases;
pub mod collections;
pub mod facet;
pub mod graph;
pub mod groups;
pub mod health;
pub mod payload;
pub mod payload_index;
pub mod points;
pub mod query;
pub mod search;
pub mod service;
pub mod snapshots;

use axum::http::StatusCode;
use tokio::sync::oneshot;

use super::error::ApiError;
use crate::metrics;

/// Runs engine work (anything that takes a store lock, parses a body or scans data) on the
/// blocking pool, so the async workers stay free for other requests, `/livez` included.
///
/// The work belongs to the request: if the request ends (it timed out, or its client went away)
/// before a blocking thread picks the work up, the work is dropped without running. Once started
/// it runs to completion.
async fn on_blocking_pool<T, F>(work: F) -> Result<T, ApiError>
where
    F: FnOnce() -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    // `held` is dropped with this future; the closure checks for that before starting.
    let (probe, held) = oneshot::channel::<()>();
    let task = tokio::task::spawn_blocking(move || {
        if probe.is_closed() {
            metrics::ABANDONED_WORK
                .with_label_values(&["blocking"])
                .inc();
            return None;
        }
        Some(work())
    });
    let outcome = task.await;
    drop(held);
    match outcome {
        Ok(Some(result)) => result,
        // Unreachable: `held` lived until the task finished.
        Ok(None) => Err(internal()),
        Err(e) => {
            tracing::error!(error = %e, "blocking task failed");
            Err(internal())
        }
    }
}

fn internal() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal error; the server log has the details under this request's x-request-id",
    )
}
