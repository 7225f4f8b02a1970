//! Selected writes resolve in queue order: the selector sees every write queued before it
//! applied, and none queued after it; what it selected is what the log replays.

use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use crate::columns::{Payload, PayloadEdit, Value};
use crate::engine::{
    AckAt, CollectionConfig, Engine, EngineOptions, HnswParams, NewPoint, PayloadSelector, PointId,
    Projection, SelectedChange,
};
use crate::storage::wal::Durability;
use crate::vector::Metric;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn point(id: u64) -> NewPoint {
    NewPoint {
        id: PointId::Num(id),
        vector: vec![id as f32, 1.0].into(),
        payload: Payload::new(),
    }
}

fn config() -> CollectionConfig {
    CollectionConfig::single(
        crate::engine::VectorParams {
            dimension: 2,
            metric: Metric::Euclid,
            hnsw: HnswParams::default(),
            quantization: None,
        },
        Durability::Fsync,
    )
}

fn ids_of(engine: &Engine) -> Result<Vec<(u64, bool)>, Box<dyn std::error::Error>> {
    let all: Vec<PointId> = (1..=6).map(PointId::Num).collect();
    Ok(engine
        .collection("c")?
        .get(
            &all,
            &Projection {
                payload: PayloadSelector::All,
                with_vector: false,
                vector_names: None,
            },
        )
        .into_iter()
        .filter_map(|r| match r.id {
            PointId::Num(n) => Some((n, r.payload.is_some_and(|p| p.contains_key("seen")))),
            PointId::Uuid(_) => None,
        })
        .collect())
}

#[test]
fn a_selected_write_sees_exactly_the_writes_queued_before_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = EngineOptions::new(dir.path().to_path_buf());
    let expected = vec![(1, true), (3, true), (5, false), (6, false)];
    {
        let engine = Engine::open(opts.clone())?;
        engine.recover_all();
        let c = engine.create("c", config())?;
        // Hold the store so that everything below queues up behind the writer.
        let (locked, is_locked) = mpsc::channel();
        let (release, released) = mpsc::channel::<()>();
        let holder = std::thread::spawn({
            let c = Arc::clone(&c);
            move || {
                let _write = c.lock_store_for_test();
                let _ = locked.send(());
                let _ = released.recv_timeout(Duration::from_secs(30));
            }
        });
        is_locked.recv()?;
        let before = c.upsert((1..=4).map(point).collect(), AckAt::Applied)?;
        let seen = Arc::new(Mutex::new(0usize));
        let even = c.write_selected(
            Box::new({
                let seen = Arc::clone(&seen);
                move |view| {
                    if let Ok(mut n) = seen.lock() {
                        *n = view.len();
                    }
                    view.ids_from(None)
                        .map(|(id, _)| id)
                        .filter(|id| matches!(id, PointId::Num(n) if n % 2 == 0))
                        .collect()
                }
            }),
            SelectedChange::Delete,
            AckAt::Applied,
        )?;
        let mut mark = Payload::new();
        mark.insert("seen".into(), Value::Bool(true));
        let marked = c.write_selected(
            Box::new(|view| view.ids_from(None).map(|(id, _)| id).collect()),
            SelectedChange::EditPayload(PayloadEdit::Set(mark)),
            AckAt::Applied,
        )?;
        let after = c.upsert((5..=6).map(point).collect(), AckAt::Applied)?;
        let _ = release.send(());
        before.wait_blocking()?;
        even.wait_blocking()?;
        marked.wait_blocking()?;
        after.wait_blocking()?;
        holder.join().map_err(|_| "holder panicked")?;
        assert_eq!(*seen.lock().map_err(|_| "poisoned")?, 4);
        assert_eq!(ids_of(&engine)?, expected);
        // After a restart: the same points, not a new selection.
        drop(c);
        engine.shutdown();
    }
    let engine = Engine::open(opts)?;
    engine.recover_all();
    assert_eq!(ids_of(&engine)?, expected);
    Ok(())
}

#[test]
fn a_selection_past_the_batch_bound_changes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(EngineOptions::new(dir.path().to_path_buf()))?;
    engine.recover_all();
    let c = engine.create("c", config())?;
    c.upsert((1..=2).map(point).collect(), AckAt::Applied)?
        .wait_blocking()?;
    let too_many = u64::try_from(super::MAX_BATCH_POINTS)? + 1;
    let refused = c
        .write_selected(
            Box::new(move |_| (1..=too_many).map(PointId::Num).collect()),
            SelectedChange::Delete,
            AckAt::Applied,
        )?
        .wait_blocking();
    assert!(
        matches!(refused, Err(crate::engine::EngineError::LimitExceeded { got, .. }) if got as u64 == too_many),
        "{refused:?}"
    );
    let at_bound = c
        .write_selected(
            Box::new(move |_| (1..too_many).map(PointId::Num).collect()),
            SelectedChange::Delete,
            AckAt::Applied,
        )?
        .wait_blocking();
    assert!(at_bound.is_ok(), "{at_bound:?}");
    assert!(c.is_empty());
    engine.shutdown();
    Ok(())
}
