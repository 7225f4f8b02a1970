//! Crash test: concurrent writers, `kill -9` at a random moment, restart, and every acknowledged
//! write is there with its exact vector and payload; nothing that was never sent appears, and
//! acknowledged deletes stay deleted. `PLAIT_CRASH_CYCLES` raises the cycle count (extended tier).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const DIM: usize = 8;
const WRITERS: u64 = 4;

fn vector_of(id: u64) -> Vec<f32> {
    (0..DIM)
        .map(|i| ((id * 31 + i as u64 * 7) % 1000) as f32 / 7.0 - 50.0)
        .collect()
}

fn payload_of(id: u64) -> Value {
    json!({"id": id, "text": format!("point number {id}"), "nested": {"even": id.is_multiple_of(2)}})
}

#[derive(Default)]
struct Ledger {
    /// Acknowledged upserts not followed by an acknowledged delete.
    present: BTreeSet<u64>,
    /// Acknowledged deletes.
    deleted: BTreeSet<u64>,
    /// Sent but not acknowledged (the crash may or may not have kept them).
    uncertain: BTreeSet<u64>,
}

fn writer_loop(
    base: String,
    ledger: Arc<Mutex<Ledger>>,
    next_id: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    seed: u64,
) {
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build();
    let Ok(client) = client else { return };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::Relaxed) {
        let delete = rng.random_bool(0.15);
        if delete {
            let victim = ledger
                .lock()
                .ok()
                .and_then(|l| l.present.iter().next().copied());
            let Some(victim) = victim else { continue };
            if let Ok(mut l) = ledger.lock() {
                l.present.remove(&victim);
                l.uncertain.insert(victim);
            }
            let r = client
                .post(format!("{base}/collections/crash/points/delete?wait=true"))
                .json(&json!({"points": [victim]}))
                .send();
            if matches!(&r, Ok(resp) if resp.status() == 200)
                && let Ok(mut l) = ledger.lock()
            {
                l.uncertain.remove(&victim);
                l.deleted.insert(victim);
            }
            continue;
        }
        let n = rng.random_range(1..=20);
        let first = next_id.fetch_add(n, Ordering::Relaxed);
        let ids: Vec<u64> = (first..first + n).collect();
        let points: Vec<Value> = ids
            .iter()
            .map(|&id| json!({"id": id, "vector": vector_of(id), "payload": payload_of(id)}))
            .collect();
        if let Ok(mut l) = ledger.lock() {
            l.uncertain.extend(ids.iter().copied());
        }
        let r = client
            .put(format!(
                "{base}/collections/crash/points?wait={}",
                rng.random_bool(0.5)
            ))
            .json(&json!({"points": points}))
            .send();
        if matches!(&r, Ok(resp) if resp.status() == 200)
            && let Ok(mut l) = ledger.lock()
        {
            for id in &ids {
                l.uncertain.remove(id);
                l.present.insert(*id);
            }
        }
    }
}

fn verify(
    s: &TestServer,
    ledger: &Ledger,
    cycle: usize,
) -> Result<usize, Box<dyn std::error::Error>> {
    let points = s.all_points("crash")?;
    let mut found: BTreeMap<u64, Value> = BTreeMap::new();
    for p in points {
        let id = p["id"].as_u64().ok_or("id")?;
        assert!(
            found.insert(id, p).is_none(),
            "cycle {cycle}: duplicate id {id}"
        );
    }
    for id in &ledger.present {
        let p = found
            .get(id)
            .ok_or_else(|| format!("cycle {cycle}: acknowledged point {id} lost"))?;
        let vector: Vec<f32> = p["vector"]
            .as_array()
            .ok_or("vector")?
            .iter()
            .filter_map(Value::as_f64)
            .map(|x| x as f32)
            .collect();
        assert_eq!(vector, vector_of(*id), "cycle {cycle}: vector of {id}");
        assert_eq!(
            p["payload"],
            payload_of(*id),
            "cycle {cycle}: payload of {id}"
        );
    }
    for id in &ledger.deleted {
        assert!(
            !found.contains_key(id),
            "cycle {cycle}: deleted point {id} came back"
        );
    }
    for id in found.keys() {
        assert!(
            ledger.present.contains(id) || ledger.uncertain.contains(id),
            "cycle {cycle}: phantom point {id}"
        );
    }
    let count: Value = s
        .post_json("/collections/crash/points/count", &json!({}))?
        .json()?;
    assert_eq!(count["result"]["count"].as_u64(), Some(found.len() as u64));
    Ok(ledger.present.len())
}

#[test]
fn acknowledged_writes_survive_kill_9() -> TestResult {
    let cycles: usize = std::env::var("PLAIT_CRASH_CYCLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir()?;
    // A small checkpoint threshold so crashes also land around checkpoints and WAL truncation.
    let flags = [
        "--checkpoint-wal-bytes",
        "200000",
        "--wal-segment-bytes",
        "50000",
    ];
    let mut s = TestServer::start_in(dir.path(), &flags)?;
    // A low full-scan threshold, so that searches go through the HNSW graph.
    let r = s.put_json(
        "/collections/crash",
        &json!({"vectors": {"size": DIM, "distance": "Euclid"}, "hnsw_config": {"full_scan_threshold": 50}}),
    )?;
    assert_eq!(r.status(), 200);
    let ledger = Arc::new(Mutex::new(Ledger::default()));
    let next_id = Arc::new(AtomicU64::new(0));
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let mut acknowledged_total = 0;
    for cycle in 0..cycles {
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..WRITERS)
            .map(|w| {
                let (base, ledger, next_id, stop) = (
                    s.base.clone(),
                    Arc::clone(&ledger),
                    Arc::clone(&next_id),
                    Arc::clone(&stop),
                );
                let seed = (cycle as u64) * 100 + w;
                std::thread::spawn(move || writer_loop(base, ledger, next_id, stop, seed))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.random_range(100..600)));
        s.kill9()?;
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            h.join().map_err(|_| "writer panicked")?;
        }
        s = TestServer::start_in(dir.path(), &flags)?;
        s.wait_ready()?;
        let l = ledger.lock().map_err(|_| "poisoned")?;
        acknowledged_total = verify(&s, &l, cycle)?;
        drop(l);
        // Whatever survived is now certain; the rest is gone for good.
        let found: BTreeSet<u64> = s
            .all_points("crash")?
            .iter()
            .filter_map(|p| p["id"].as_u64())
            .collect();
        let mut l = ledger.lock().map_err(|_| "poisoned")?;
        let uncertain = std::mem::take(&mut l.uncertain);
        for id in uncertain {
            if found.contains(&id) {
                l.present.insert(id);
                l.deleted.remove(&id);
            } else {
                l.deleted.insert(id);
            }
        }
    }
    assert!(
        acknowledged_total > 100,
        "too few acknowledged writes ({acknowledged_total}) to mean anything"
    );
    Ok(())
}
