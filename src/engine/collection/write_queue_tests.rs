//! The write queue: it is bounded by bytes as well as by count, and a write nobody waits for any
//! more is withdrawn if the writer has not logged it yet, and never reappears after a restart.

use std::time::{Duration, Instant};

use crate::columns::Payload;
use crate::engine::{
    AckAt, CollectionConfig, Engine, EngineOptions, NewPoint, PointId, Projection,
};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn point(id: u64) -> NewPoint {
    NewPoint {
        id: PointId::Num(id),
        vector: vec![id as f32, 1.0].into(),
        payload: Payload::new(),
    }
}

fn present(engine: &Engine, ids: &[u64]) -> Result<Vec<u64>, Box<dyn std::error::Error>> {
    let ids: Vec<PointId> = ids.iter().map(|&i| PointId::Num(i)).collect();
    Ok(engine
        .collection("c")?
        .get(&ids, &Projection::default())
        .into_iter()
        .filter_map(|r| match r.id {
            PointId::Num(n) => Some(n),
            PointId::Uuid(_) => None,
        })
        .collect())
}

#[test]
fn a_queued_write_whose_ticket_is_dropped_is_never_applied_nor_logged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = EngineOptions::new(dir.path().to_path_buf());
    {
        let engine = Engine::open(opts.clone())?;
        engine.recover_all();
        let c = engine.create("c", CollectionConfig::euclid_for_tests(2))?;
        let hold = c.hold_store_for_test(Duration::from_secs(30))?;
        // The writer takes the first write and waits for the store lock with it (or, if it was
        // already waiting for the lock at the top of its loop, all three writes queue up); either
        // way the second write is dropped while it is still queued, before it is logged.
        let first = c.upsert(vec![point(1)], AckAt::Applied)?;
        let deadline = Instant::now() + Duration::from_secs(2);
        while !c.tx.is_empty() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(5));
        }
        drop(c.upsert(vec![point(2)], AckAt::Applied)?);
        let third = c.upsert(vec![point(3)], AckAt::Applied)?;
        hold.release()?;
        first.wait_blocking()?;
        third.wait_blocking()?;
        assert_eq!(present(&engine, &[1, 2, 3])?, vec![1, 3]);
        engine.shutdown();
    }
    let engine = Engine::open(opts)?;
    engine.recover_all();
    assert_eq!(present(&engine, &[1, 2, 3])?, vec![1, 3]);
    Ok(())
}

#[test]
fn a_write_one_byte_past_the_queue_byte_budget_is_refused_at_once() -> TestResult {
    use super::record_codec::{Mutation, encode_mutation};
    use crate::engine::{EngineError, QueueLimit};

    let dir = tempfile::tempdir()?;
    let one = |id: u64| {
        encode_mutation(&Mutation::Upsert(vec![
            (
                PointId::Num(id),
                vec![(0, vec![id as f32, 1.0])],
                Payload::new(),
            )
                .into(),
        ]))
        .len()
    };
    // Room for the second and third writes, one byte short of the fourth.
    let mut opts = EngineOptions::new(dir.path().to_path_buf());
    opts.write_queue_bytes = one(2) + one(3) + one(4) - 1;
    let engine = Engine::open(opts)?;
    engine.recover_all();
    let c = engine.create("c", CollectionConfig::euclid_for_tests(2))?;
    let hold = c.hold_store_for_test(Duration::from_secs(30))?;
    // Once the writer has taken the first write off the queue (its bytes are back), it waits for
    // the held store lock before logging it, so what follows stays queued.
    let first = c.upsert(vec![point(1)], AckAt::Applied)?;
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while c.queue_bytes.queued() > 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "the writer never took the first write"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let second = c.upsert(vec![point(2)], AckAt::Applied)?;
    let third = c.upsert(vec![point(3)], AckAt::Applied)?;
    let refused = c.upsert(vec![point(4)], AckAt::Applied);
    assert!(
        matches!(
            refused,
            Err(EngineError::WriteQueueFull {
                limit: QueueLimit::Bytes(_),
                ..
            })
        ),
        "a write past the byte budget was queued: {refused:?}"
    );
    hold.release()?;
    first.wait_blocking()?;
    second.wait_blocking()?;
    third.wait_blocking()?;
    assert_eq!(present(&engine, &[1, 2, 3, 4])?, vec![1, 2, 3]);
    // The writer gave the budget back: the queue takes the refused write now.
    c.upsert(vec![point(4)], AckAt::Applied)?.wait_blocking()?;
    assert_eq!(present(&engine, &[4])?, vec![4]);
    engine.shutdown();
    Ok(())
}
