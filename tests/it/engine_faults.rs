//! Simulated disk faults through the file-system seam: a failed `fsync` or a full disk never
//! acknowledges the write, the collection then refuses writes, and after a restart every write
//! acknowledged before the fault is there.

use std::sync::Arc;

use plait::columns::Payload;
use plait::engine::{
    AckAt, CollectionConfig, Engine, EngineError, EngineOptions, HnswParams, NewPoint, PointId,
    Projection, VectorParams,
};
use plait::storage::fs::{FaultKind, FaultyFs};
use plait::storage::wal::Durability;
use plait::vector::Metric;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A 4-dimensional `Dot` collection with `fsync` durability, for engine-level tests.
pub(crate) fn config() -> CollectionConfig {
    CollectionConfig::single(
        VectorParams {
            dimension: 4,
            metric: Metric::Dot,
            hnsw: HnswParams::default(),
            quantization: None,
        },
        Durability::Fsync,
    )
}

fn point(id: u64) -> NewPoint {
    NewPoint {
        id: PointId::Num(id),
        vector: vec![id as f32, 1.0, 2.0, 3.0].into(),
        payload: Payload::new(),
    }
}

/// Opens the engine again after the first one was dropped. Another test in this process may be
/// spawning a server at that moment: the forked child holds a copy of every descriptor (the
/// `LOCK` file's included) until its `exec` closes them, and the `flock` lives as long as any copy.
/// So a `DirLocked` here is retried for a moment instead of failing the test.
pub(crate) fn reopen(opts: EngineOptions) -> Result<Engine, EngineError> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        match Engine::open(opts.clone()) {
            Err(EngineError::DirLocked { .. }) if std::time::Instant::now() < deadline => {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

fn run_with_fault(kind: FaultKind, from_call: u64) -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut opts = EngineOptions::new(dir.path().to_path_buf());
    opts.checkpoint_wal_bytes = 2_000; // checkpoints (and their writes) happen during the run too
    let mut acknowledged = Vec::new();
    let mut failed_at = None;
    {
        let engine =
            match Engine::open_with_fs(opts.clone(), Arc::new(FaultyFs::new(kind, from_call))) {
                Ok(engine) => engine,
                // The fault hit the new data directory's manifest: nothing was acknowledged, and
                // the directory (with no collection in it) must still open afterwards.
                Err(_) => {
                    let engine = reopen(opts)?;
                    engine.recover_all();
                    assert!(engine.states().is_empty());
                    return Ok(());
                }
            };
        let collection = match engine.create("f", config()) {
            Ok(c) => c,
            Err(_) => return Ok(()), // the fault hit creation itself: nothing was acknowledged
        };
        for id in 0..40 {
            match collection
                .upsert(vec![point(id)], AckAt::Applied)
                .and_then(plait::engine::WriteTicket::wait_blocking)
            {
                Ok(_) => {
                    assert!(
                        failed_at.is_none(),
                        "{kind:?}@{from_call}: write {id} acknowledged after a failure"
                    );
                    acknowledged.push(id);
                }
                Err(EngineError::WriteFailed { source, .. }) => {
                    if kind == FaultKind::WriteNoSpace && failed_at.is_none() {
                        assert!(
                            source.is_disk_full()
                                || matches!(*source, plait::storage::wal::WalError::Poisoned)
                        );
                    }
                    failed_at.get_or_insert(id);
                }
                // After the first failure the collection refuses writes until restart.
                Err(EngineError::WritesRefused { .. }) if failed_at.is_some() => {
                    assert!(collection.health().writes_refused.is_some());
                }
                Err(other) => {
                    return Err(format!("{kind:?}@{from_call}: unexpected {other}").into());
                }
            }
        }
        engine.shutdown();
    }
    let engine = reopen(opts)?;
    engine.recover_all();
    let collection = match engine.collection("f") {
        Ok(c) => c,
        // Creation failed before the manifest named the collection: it was never acknowledged.
        Err(EngineError::CollectionNotFound { .. }) if acknowledged.is_empty() => return Ok(()),
        Err(e) => return Err(format!("{kind:?}@{from_call}: reopen failed: {e}").into()),
    };
    let ids: Vec<PointId> = acknowledged.iter().map(|&i| PointId::Num(i)).collect();
    let found = collection.get(
        &ids,
        &Projection {
            with_vector: true,
            ..Projection::default()
        },
    );
    assert_eq!(
        found.len(),
        acknowledged.len(),
        "{kind:?}@{from_call}: acknowledged writes lost"
    );
    for r in found {
        let PointId::Num(id) = r.id else {
            return Err("uuid?".into());
        };
        assert_eq!(r.vector, Some(vec![id as f32, 1.0, 2.0, 3.0].into()));
    }
    engine.shutdown();
    Ok(())
}

#[test]
fn no_acknowledged_write_is_lost_and_none_is_acknowledged_after_a_fault() -> TestResult {
    let mut fault_points = 0;
    for kind in [
        FaultKind::SyncIo,
        FaultKind::WriteNoSpace,
        FaultKind::WriteIo,
    ] {
        for from_call in 1..=170 {
            run_with_fault(kind, from_call)?;
            fault_points += 1;
        }
    }
    assert!(fault_points >= 500);
    Ok(())
}
