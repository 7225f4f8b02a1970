//! Admission control for reads that scan the store (search, query, scroll, retrieve): at most
//! `concurrent` run at once, at most `queued` more wait for a turn, and a request past both is
//! answered 503 with `Retry-After` at once instead of piling up.
//!
//! Waiting is in arrival order and ends with the request: a request that times out (or whose
//! client leaves) while waiting drops its place, so the work it would have done never starts.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::error::ApiError;
use crate::metrics;

/// The limits of a [`SearchGate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchLimits {
    /// Searches running at once.
    pub concurrent: usize,
    /// Searches waiting for a turn beyond those running.
    pub queued: usize,
}

/// Bounds the searches running and waiting; shared by every handler through `AppState`.
#[derive(Debug, Clone)]
pub struct SearchGate {
    running: Arc<Semaphore>,
    admitted: Arc<Semaphore>,
}

/// A turn to run one search; the turn ends when this is dropped, so the blocking closure that
/// does the work must own it.
#[derive(Debug)]
pub struct SearchPermit {
    _running: OwnedSemaphorePermit,
    _admitted: OwnedSemaphorePermit,
}

impl SearchGate {
    /// A gate with these limits (`concurrent` is at least 1).
    #[must_use]
    pub fn new(limits: SearchLimits) -> Self {
        let concurrent = limits.concurrent.max(1);
        Self {
            running: Arc::new(Semaphore::new(concurrent)),
            admitted: Arc::new(Semaphore::new(concurrent.saturating_add(limits.queued))),
        }
    }

    /// Waits for a turn, or answers 503 at once when the queue is full.
    ///
    /// # Errors
    /// A 503 with `Retry-After` when `concurrent + queued` searches are already admitted.
    pub async fn enter(&self) -> Result<SearchPermit, ApiError> {
        let full = || {
            metrics::REJECTED_REQUESTS
                .with_label_values(&["search"])
                .inc();
            ApiError::retry_later("too many searches are running or waiting; retry shortly")
        };
        let admitted = Arc::clone(&self.admitted)
            .try_acquire_owned()
            .map_err(|_| full())?;
        // The semaphores are never closed, so this only fails if that changes.
        let running = Arc::clone(&self.running)
            .acquire_owned()
            .await
            .map_err(|_| full())?;
        Ok(SearchPermit {
            _running: running,
            _admitted: admitted,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_gate_refuses_at_once_and_a_freed_turn_is_reused() -> Result<(), ApiError> {
        let gate = SearchGate::new(SearchLimits {
            concurrent: 1,
            queued: 1,
        });
        let first = gate.enter().await?;
        // The second waits for the first; the third finds the queue full.
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.map(drop) }
        });
        tokio::task::yield_now().await;
        let third = gate.enter().await;
        assert_eq!(
            third.map(drop).map_err(|e| e.status()),
            Err(axum::http::StatusCode::SERVICE_UNAVAILABLE)
        );
        drop(first);
        assert!(matches!(waiting.await, Ok(Ok(()))));
        gate.enter().await.map(drop)
    }

    #[tokio::test]
    async fn a_waiter_that_gives_up_frees_its_place() -> Result<(), ApiError> {
        let gate = SearchGate::new(SearchLimits {
            concurrent: 1,
            queued: 1,
        });
        let first = gate.enter().await?;
        let timed_out = tokio::time::timeout(std::time::Duration::from_millis(20), gate.enter());
        assert!(
            timed_out.await.is_err(),
            "the gate was full; the wait must time out"
        );
        // Its place in the queue is free again.
        let waiting = tokio::spawn({
            let gate = gate.clone();
            async move { gate.enter().await.map(drop) }
        });
        drop(first);
        assert!(matches!(waiting.await, Ok(Ok(()))));
        Ok(())
    }
}
