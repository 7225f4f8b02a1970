//! Deletes and re-inserts through the real server: after deleting and re-inserting 30 % of the
//! points (new ids, new vectors) several times, with the background graph repair in between,
//! recall@10 stays within 0.01 of a fresh build over the same final points; the slot arena and the
//! checkpoint do not grow. After rounds of updating 30 % of the points (same ids, new vectors)
//! recall stays within 0.006 of a fresh build. A kill -9 while rounds and checkpoints overlap loses no delete.
//!
//! The default size keeps a debug build fast; `PLAIT_CHURN_POINTS=20000` (with `--release`) runs
//! the full-size version of both churn tests.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};
use crate::vector_index::{data_with_queries, top10};

const ROUNDS: usize = 3;
/// Stale links from in-place updates pile up round after round, so the update test runs more.
const UPDATE_ROUNDS: usize = 5;
const QUERIES: usize = 200;

fn points_body(rows: &BTreeMap<u64, usize>, base: &[Vec<f32>]) -> Vec<Value> {
    rows.iter()
        .map(|(id, row)| json!({"id": id, "vector": base[*row]}))
        .collect()
}

fn upsert(s: &TestServer, collection: &str, points: &[Value]) -> TestResult {
    for chunk in points.chunks(1000) {
        let r = s.put_json(
            &format!("/collections/{collection}/points?wait=true"),
            &json!({"points": chunk}),
        )?;
        assert_eq!(r.status(), 200, "{}", r.text()?);
    }
    Ok(())
}

fn create(s: &TestServer, collection: &str, dim: usize) -> TestResult {
    let r = s.put_json(
        &format!("/collections/{collection}"),
        &json!({"vectors": {"size": dim, "distance": "Cosine"},
                "hnsw_config": {"m": 16, "ef_construct": 100, "full_scan_threshold": 100}}),
    )?;
    assert_eq!(r.status(), 200);
    Ok(())
}

fn slots(s: &TestServer, collection: &str) -> Result<f64, Box<dyn std::error::Error>> {
    s.metric(&format!(
        "plait_collection_slots{{collection=\"{collection}\"}}"
    ))?
    .ok_or_else(|| "no slot gauge".into())
}

/// Recall@10 of `collection` at `hnsw_ef` 64 against exact search, over `queries`.
fn recall(
    s: &TestServer,
    collection: &str,
    queries: &[Vec<f32>],
) -> Result<f64, Box<dyn std::error::Error>> {
    let (mut hits, mut total) = (0, 0);
    for q in queries {
        let exact = top10(s, collection, q, &json!({"exact": true}))?;
        let approx = top10(s, collection, q, &json!({"hnsw_ef": 64}))?;
        hits += approx.iter().filter(|id| exact.contains(id)).count();
        total += exact.len();
    }
    Ok(hits as f64 / total as f64)
}

#[test]
fn churning_30_percent_keeps_recall_of_a_fresh_build_and_reuses_slots() -> TestResult {
    let n = churn_points();
    let churn = n * 3 / 10;
    let (base, queries) = data_with_queries(n + ROUNDS * churn, QUERIES);
    let dim = base[0].len();
    let dir = tempfile::tempdir()?;
    let mut s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "churn", dim)?;
    // id -> dataset row of the point that id holds now.
    let mut live: BTreeMap<u64, usize> = (0..n).map(|i| (i as u64, i)).collect();
    upsert(&s, "churn", &points_body(&live, &base))?;
    assert_eq!(slots(&s, "churn")?, n as f64);

    let checkpoint = dir.path().join("collections/churn/checkpoint.plait");
    let mut first_checkpoint = 0;
    for round in 0..ROUNDS {
        // Delete 30 % of the current points, spread over the id space.
        let gone: Vec<u64> = live
            .keys()
            .copied()
            .filter(|id| (id.wrapping_mul(0x9E37_79B9) >> 7).wrapping_add(round as u64) % 10 < 3)
            .take(churn)
            .collect();
        let r = s.post_json(
            "/collections/churn/points/delete?wait=true",
            &json!({"points": gone}),
        )?;
        assert_eq!(r.status(), 200);
        for id in &gone {
            live.remove(id);
        }
        // Deleted points are out of results at once, before any repair.
        for q in queries.iter().take(20) {
            let got = top10(&s, "churn", q, &json!({"hnsw_ef": 64}))?;
            assert!(
                got.iter().all(|id| live.contains_key(id)),
                "a deleted point came back"
            );
        }
        s.wait_repaired("churn")?;
        // Re-insert as many points with new ids and new vectors; they take the freed slots.
        let fresh_rows = n + round * churn..n + round * churn + gone.len();
        let added: BTreeMap<u64, usize> = fresh_rows
            .map(|row| ((row + 1_000_000) as u64, row))
            .collect();
        upsert(&s, "churn", &points_body(&added, &base))?;
        live.extend(added);
        assert_eq!(
            slots(&s, "churn")?,
            n as f64,
            "the slot arena grew in round {round}"
        );
        // A clean restart writes a checkpoint; it must not grow from round to round.
        s.terminate()?;
        let size = std::fs::metadata(&checkpoint)?.len();
        if round == 0 {
            first_checkpoint = size;
        }
        eprintln!("round {round}: checkpoint {size} bytes");
        assert!(
            size <= first_checkpoint,
            "checkpoint grew: {size} > {first_checkpoint}"
        );
        s = TestServer::start_in(dir.path(), &[])?;
        s.wait_ready()?;
    }
    let metrics = s.get("/metrics")?.text()?;
    assert!(
        metrics.contains("plait_hnsw_rebuilds_total 0"),
        "the graph was rebuilt"
    );

    create(&s, "fresh", dim)?;
    upsert(&s, "fresh", &points_body(&live, &base))?;
    let churned = recall(&s, "churn", &queries)?;
    let fresh = recall(&s, "fresh", &queries)?;
    eprintln!(
        "recall@10 at ef 64 over {n} points, {QUERIES} queries: churned {churned}, fresh build {fresh}"
    );
    assert!(
        churned >= fresh - 0.01,
        "churned {churned} vs fresh {fresh}"
    );
    Ok(())
}

fn churn_points() -> usize {
    std::env::var("PLAIT_CHURN_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6000)
}

#[test]
fn updating_30_percent_in_place_keeps_recall_of_a_fresh_build() -> TestResult {
    let n = churn_points();
    let churn = n * 3 / 10;
    let (base, queries) = data_with_queries(n + UPDATE_ROUNDS * churn, QUERIES);
    let dim = base[0].len();
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    create(&s, "upd", dim)?;
    let mut live: BTreeMap<u64, usize> = (0..n).map(|i| (i as u64, i)).collect();
    upsert(&s, "upd", &points_body(&live, &base))?;
    for round in 0..UPDATE_ROUNDS {
        // Give 30 % of the ids, spread over the id space, a new vector.
        let changed: Vec<u64> = live
            .keys()
            .copied()
            .filter(|id| (id.wrapping_mul(0x9E37_79B9) >> 7).wrapping_add(round as u64) % 10 < 3)
            .take(churn)
            .collect();
        let rows = n + round * churn..;
        let updated: BTreeMap<u64, usize> = changed.iter().copied().zip(rows).collect();
        upsert(&s, "upd", &points_body(&updated, &base))?;
        live.extend(updated);
        s.wait_repaired("upd")?;
        // One round of repair frees the old places, so the arena stays within one round's worth.
        let slots_now = slots(&s, "upd")?;
        assert!(
            slots_now <= (n + churn) as f64,
            "{slots_now} slots for {n} points after round {round}"
        );
    }
    let stored = s.all_points("upd")?;
    assert_eq!(stored.len(), n, "updates changed the point count");

    create(&s, "fresh", dim)?;
    upsert(&s, "fresh", &points_body(&live, &base))?;
    let updated = recall(&s, "upd", &queries)?;
    let fresh = recall(&s, "fresh", &queries)?;
    eprintln!(
        "recall@10 at ef 64 over {n} points, {QUERIES} queries: updated {updated}, fresh build {fresh}"
    );
    // Measured at the default size (debug build): gaps of 0.001 to 0.0025 over five runs; with
    // updates re-inserted in place (links into the old place kept) 0.009 and 0.011.
    assert!(
        updated >= fresh - 0.006,
        "updated {updated} vs fresh {fresh}"
    );
    Ok(())
}

#[test]
fn kill_9_during_repair_and_checkpoints_keeps_every_acknowledged_delete() -> TestResult {
    let n = 3000usize;
    let churn = n * 3 / 10;
    let (base, queries) = data_with_queries(n + 3 * churn, 30);
    let dim = base[0].len();
    let dir = tempfile::tempdir()?;
    // Small checkpoint threshold: checkpoints land in the middle of repair rounds.
    let flags = ["--checkpoint-wal-bytes", "300000"];
    let s = TestServer::start_in(dir.path(), &flags)?;
    create(&s, "k", dim)?;
    let mut live: BTreeMap<u64, usize> = (0..n).map(|i| (i as u64, i)).collect();
    upsert(&s, "k", &points_body(&live, &base))?;
    let mut deleted = Vec::new();
    for round in 0..2 {
        let gone: Vec<u64> = live
            .keys()
            .copied()
            .skip(round)
            .step_by(3)
            .take(churn)
            .collect();
        let r = s.post_json(
            "/collections/k/points/delete?wait=true",
            &json!({"points": gone}),
        )?;
        assert_eq!(r.status(), 200);
        for id in &gone {
            live.remove(id);
        }
        deleted.extend(gone);
        // No waiting for the repair: inserts arrive while the round runs.
        let rows = n + round * churn..n + (round + 1) * churn;
        let added: BTreeMap<u64, usize> = rows.map(|row| ((row + 1_000_000) as u64, row)).collect();
        upsert(&s, "k", &points_body(&added, &base))?;
        live.extend(added);
    }
    s.kill9()?;

    let s = TestServer::start_in(dir.path(), &flags)?;
    s.wait_ready()?;
    let ids: Vec<u64> = s
        .all_points("k")?
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect();
    assert_eq!(
        ids,
        live.keys().copied().collect::<Vec<_>>(),
        "the point set changed"
    );
    let check = |s: &TestServer| -> TestResult {
        for q in &queries {
            let got = top10(s, "k", q, &json!({"hnsw_ef": 64}))?;
            assert_eq!(got.len(), 10);
            assert!(
                got.iter().all(|id| live.contains_key(id)),
                "a deleted point came back"
            );
        }
        Ok(())
    };
    check(&s)?;
    s.wait_repaired("k")?;
    check(&s)?;
    let recall = recall(&s, "k", &queries)?;
    eprintln!("recall@10 after kill -9 and repair: {recall}");
    assert!(recall >= 0.95, "recall {recall}");
    // Without waiting for the repair the arena grew by at most the deletes; once repaired, the
    // freed slots take the next inserts.
    let slots_now = slots(&s, "k")?;
    assert!(
        slots_now <= (n + 2 * churn) as f64,
        "{slots_now} slots for {n} points"
    );
    let rows = n + 2 * churn..n + 3 * churn;
    let added: BTreeMap<u64, usize> = rows.map(|row| ((row + 1_000_000) as u64, row)).collect();
    upsert(&s, "k", &points_body(&added, &base))?;
    assert_eq!(
        slots(&s, "k")?,
        slots_now,
        "inserts after the repair did not reuse slots"
    );
    Ok(())
}
