//! The router over a fresh engine holding one collection `c` (Euclid, `fsync`), for the api
//! module's in-process tests.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use super::admission::{SearchGate, SearchLimits};
use super::{AppState, HttpLimits, router};
use crate::engine::Durability;
use crate::engine::{Collection, CollectionConfig, Engine, EngineOptions};

/// A router, its collection `c`, and the data directory they live in.
pub(crate) struct TestRouter {
    pub(crate) app: Router,
    pub(crate) collection: Arc<Collection>,
    _dir: tempfile::TempDir,
}

/// What a test varies.
pub(crate) struct TestLimits {
    /// The dimension of `c`.
    pub(crate) dimension: usize,
    /// The search gate's bounds.
    pub(crate) searches: SearchLimits,
    /// `write_queue_capacity`.
    pub(crate) write_queue: usize,
    /// `write_queue_bytes`.
    pub(crate) write_queue_bytes: usize,
    /// Largest body.
    pub(crate) max_body_bytes: usize,
    /// Request timeout.
    pub(crate) timeout: Duration,
}

/// Opens an engine in a new temporary directory, creates `c` and builds the router over it.
pub(crate) fn test_router(limits: TestLimits) -> Result<TestRouter, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut opts = EngineOptions::new(dir.path().to_path_buf());
    opts.write_queue_capacity = limits.write_queue;
    opts.write_queue_bytes = limits.write_queue_bytes;
    let engine = Arc::new(Engine::open(opts)?);
    engine.recover_all();
    let collection = engine.create("c", CollectionConfig::euclid_for_tests(limits.dimension))?;
    let state = AppState {
        engine,
        default_durability: Durability::Fsync,
        plan_cache: Arc::new(crate::query::execute::PlanCache::new(16)),
        searches: SearchGate::new(limits.searches),
        access: Arc::new(crate::api::access::AccessControl::default()),
    };
    let http = HttpLimits {
        max_body_bytes: limits.max_body_bytes,
        max_snapshot_upload_bytes: limits.max_body_bytes as u64,
        request_timeout: limits.timeout,
    };
    Ok(TestRouter {
        app: router(state, http),
        collection,
        _dir: dir,
    })
}
