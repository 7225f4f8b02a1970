//! Edge writes resolve in queue order: both ends are checked against every write queued before
//! the edge write, so a delete queued just before it refuses it and a delete queued just after it
//! removes it; assigned ids never repeat, across a restart too.

use std::sync::mpsc;
use std::time::Duration;

use crate::columns::Payload;
use crate::engine::{
    AckAt, CollectionConfig, Engine, EngineError, EngineOptions, NewPoint, PointId,
};
use crate::graph::Edge;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn point(id: u64) -> NewPoint {
    NewPoint {
        id: PointId::Num(id),
        vector: vec![id as f32, 1.0].into(),
        payload: Payload::new(),
    }
}

fn edge(a: u64, b: u64) -> (Option<u64>, Edge<PointId>) {
    (
        None,
        Edge {
            source: PointId::Num(a),
            target: PointId::Num(b),
            label: "rel".into(),
            properties: Payload::new(),
        },
    )
}

#[test]
fn ends_are_checked_in_queue_order_and_ids_never_repeat() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = EngineOptions::new(dir.path().to_path_buf());
    {
        let engine = Engine::open(opts.clone())?;
        engine.recover_all();
        let c = engine.create("c", CollectionConfig::euclid_for_tests(2))?;
        c.upsert((1..=4).map(point).collect(), AckAt::Applied)?
            .wait_blocking()?;
        // Everything below queues up behind the held store, in this order.
        let (locked, is_locked) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let holder = std::thread::spawn({
            let c = std::sync::Arc::clone(&c);
            move || {
                let _write = c.lock_store_for_test();
                let _ = locked.send(());
                let _ = released.recv_timeout(Duration::from_secs(30));
            }
        });
        is_locked.recv()?;
        let gone = c.delete(vec![PointId::Num(4)], AckAt::Applied)?;
        let refused = c.upsert_edges(vec![edge(1, 2), edge(3, 4)], AckAt::Applied)?;
        let kept = c.upsert_edges(vec![edge(1, 2), edge(2, 3)], AckAt::Applied)?;
        let removed = c.delete(vec![PointId::Num(3)], AckAt::Applied)?;
        let _ = release.send(());
        gone.wait_blocking()?;
        assert!(matches!(
            refused.wait_blocking(),
            Err(EngineError::EdgeEndpointNotFound {
                index: 1,
                role: "target",
                id: PointId::Num(4)
            })
        ));
        let (_, ids) = kept.wait_blocking()?;
        assert_eq!(ids, vec![0, 1], "the refused write took no ids");
        removed.wait_blocking()?;
        holder.join().map_err(|_| "holder panicked")?;
        let left: Vec<u64> = c.read(|v| v.edges().iter().map(|e| e.id).collect());
        assert_eq!(left, vec![0], "deleting point 3 took edge 1 with it");
        c.delete_edges(vec![0], AckAt::Applied)?.wait_blocking()?;
        engine.shutdown();
    }
    let engine = Engine::open(opts)?;
    engine.recover_all();
    let c = engine.collection("c")?;
    let (_, ids) = c
        .upsert_edges(vec![edge(1, 2)], AckAt::Applied)?
        .wait_blocking()?;
    assert_eq!(
        ids,
        vec![2],
        "ids of deleted edges are not handed out again"
    );
    Ok(())
}
