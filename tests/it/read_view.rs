//! `Collection::read`: one consistent view from which a plan draws the live set, nearest
//! candidates within an allowed bitmap, payloads and records; the allowed search returns `k`
//! allowed points whenever `k` exist, through the graph and by scan alike.

use plait::columns::{Payload, Value};
use plait::engine::{
    AckAt, CollectionConfig, Engine, EngineOptions, HnswParams, NearestParams, NewPoint, PointId,
    Projection, VectorParams,
};
use plait::storage::wal::Durability;
use plait::vector::Metric;
use roaring::RoaringBitmap;

use crate::server::TestResult;

fn vector(i: u64) -> Vec<f32> {
    // Deterministic, spread out, no two equal.
    let x = i as f32;
    vec![
        (x * 0.37).sin(),
        (x * 0.11).cos(),
        (x * 0.73).sin() + 0.5,
        1.0,
    ]
}

#[test]
fn a_view_searches_within_an_allowed_set_and_reads_what_it_found() -> TestResult {
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(EngineOptions::new(dir.path().to_path_buf()))?;
    // 2,000 points go through the graph.
    let hnsw = HnswParams {
        full_scan_threshold: 100,
        ..HnswParams::default()
    };
    let c = engine.create(
        "v",
        CollectionConfig::single(
            VectorParams {
                dimension: 4,
                metric: Metric::Euclid,
                hnsw,
                quantization: None,
            },
            Durability::Fsync,
        ),
    )?;
    let points: Vec<NewPoint> = (0..2000)
        .map(|i| {
            let mut payload = Payload::new();
            payload.insert("i".into(), Value::Int(i64::try_from(i)?));
            Ok(NewPoint {
                id: PointId::Num(i),
                vector: vector(i).into(),
                payload,
            })
        })
        .collect::<Result<_, std::num::TryFromIntError>>()?;
    c.upsert(points, AckAt::Applied)?.wait_blocking()?;
    c.delete(vec![PointId::Num(6), PointId::Num(12)], AckAt::Applied)?
        .wait_blocking()?;

    let query = vector(5000);
    c.read(|view| -> TestResult {
        let live = view.live();
        assert_eq!(live.len(), 1998);
        assert_eq!(view.len(), 1998);
        // Points whose id is a multiple of 3, found by their payload, as a filter stage would.
        let allowed: RoaringBitmap = live
            .iter()
            .filter(|&s| matches!(view.payload(s).and_then(|p| p.get("i")), Some(Value::Int(i)) if i % 3 == 0))
            .collect();
        assert_eq!(allowed.len(), 665);
        for exact in [false, true] {
            let params = NearestParams {
                exact,
                ..NearestParams::default()
            };
            let hits = view.nearest(&query, 10, params, Some(&allowed));
            assert_eq!(hits.len(), 10, "exact {exact}");
            let brute = view.nearest(
                &query,
                10,
                NearestParams {
                    exact: true,
                    ..NearestParams::default()
                },
                Some(&allowed),
            );
            let same = hits
                .iter()
                .filter(|h| brute.iter().any(|b| b.slot == h.slot))
                .count();
            assert!(same >= 9, "exact {exact}: {same} of 10 agree with brute force");
            for h in &hits {
                let record = view
                    .record(h.slot, &Projection::default())
                    .ok_or("a hit that is not live")?;
                let PointId::Num(id) = record.id else {
                    return Err("uuid?".into());
                };
                assert_eq!(id % 3, 0);
                assert_ne!(id, 6);
                assert_ne!(id, 12);
            }
        }
        // A tiny allowed set is scanned: every allowed live point comes back.
        let few: RoaringBitmap = [view.slot_of(PointId::Num(30)).ok_or("30")?, 7].into_iter().collect();
        let hits = view.nearest(&query, 10, NearestParams::default(), Some(&few));
        assert_eq!(hits.len(), 2);
        // Deleted points are neither live nor readable.
        assert_eq!(view.slot_of(PointId::Num(6)), None);
        Ok(())
    })?;
    // A huge ef is clamped instead of allocating by it.
    let hits = c.read(|view| {
        view.nearest(
            &query,
            5,
            NearestParams {
                ef: Some(usize::MAX),
                ..NearestParams::default()
            },
            None,
        )
    });
    assert_eq!(hits.len(), 5);
    Ok(())
}
