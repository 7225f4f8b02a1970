//! Readers during writes: a read that starts after a write was acknowledged always sees it, and
//! searches keep being answered while a large batch is being written.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

#[test]
fn reads_never_miss_an_acknowledged_write() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("ryw", 4, "Dot")?;
    let acked = Arc::new(AtomicU64::new(0)); // ids 1..=acked are acknowledged
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (base, acked, stop) = (s.base.clone(), Arc::clone(&acked), Arc::clone(&stop));
        std::thread::spawn(move || -> Result<(), String> {
            let http = reqwest::blocking::Client::new();
            let mut id = 0u64;
            while !stop.load(Ordering::Relaxed) {
                id += 1;
                let r = http
                    .put(format!("{base}/collections/ryw/points?wait=true"))
                    .json(&json!({"points": [{"id": id, "vector": [id as f32, 1.0, 0.0, 0.0]}]}))
                    .send()
                    .map_err(|e| e.to_string())?;
                if r.status() != 200 {
                    return Err(format!("write {id}: {}", r.status()));
                }
                acked.store(id, Ordering::SeqCst);
            }
            Ok(())
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (base, acked) = (s.base.clone(), Arc::clone(&acked));
            std::thread::spawn(move || -> Result<u64, String> {
                let http = reqwest::blocking::Client::new();
                let mut reads = 0;
                let deadline = Instant::now() + Duration::from_secs(4);
                while Instant::now() < deadline {
                    let id = acked.load(Ordering::SeqCst);
                    if id == 0 {
                        continue;
                    }
                    let r = http
                        .get(format!("{base}/collections/ryw/points/{id}"))
                        .send()
                        .map_err(|e| e.to_string())?;
                    if r.status() != 200 {
                        return Err(format!(
                            "acknowledged point {id} not visible: {}",
                            r.status()
                        ));
                    }
                    let c: Value = http
                        .post(format!("{base}/collections/ryw/points/count"))
                        .json(&json!({}))
                        .send()
                        .and_then(reqwest::blocking::Response::json)
                        .map_err(|e| e.to_string())?;
                    if c["result"]["count"].as_u64().unwrap_or(0) < id {
                        return Err(format!("count below acknowledged {id}"));
                    }
                    reads += 2;
                }
                Ok(reads)
            })
        })
        .collect();
    let mut reads = 0;
    for r in readers {
        reads += r.join().map_err(|_| "reader panicked")??;
    }
    stop.store(true, Ordering::Relaxed);
    writer.join().map_err(|_| "writer panicked")??;
    assert!(reads > 500, "only {reads} reads");
    Ok(())
}

#[test]
fn searches_are_answered_while_a_large_batch_is_written() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("big", 64, "Euclid")?;
    let seed: Vec<Value> = (0..1000u64)
        .map(|i| json!({"id": i, "vector": vec![i as f32; 64]}))
        .collect();
    assert_eq!(
        s.put_json("/collections/big/points", &json!({"points": seed}))?
            .status(),
        200
    );
    let batch: Vec<Value> = (1000..61_000u64)
        .map(|i| json!({"id": i, "vector": vec![(i % 977) as f32; 64]}))
        .collect();
    let body = json!({"points": batch});
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (url, done) = (
            s.url("/collections/big/points?wait=true"),
            Arc::clone(&done),
        );
        std::thread::spawn(move || -> Result<Duration, String> {
            let started = Instant::now();
            let r = reqwest::blocking::Client::new()
                .put(url)
                .json(&body)
                .send()
                .map_err(|e| e.to_string())?;
            done.store(true, Ordering::SeqCst);
            if r.status() != 200 {
                return Err(format!("batch: {}", r.status()));
            }
            Ok(started.elapsed())
        })
    };
    let mut answered_during = 0;
    while !done.load(Ordering::SeqCst) {
        let r = s.post_json(
            "/collections/big/points/query",
            &json!({"query": vec![3.0; 64], "limit": 3}),
        )?;
        assert_eq!(r.status(), 200);
        if !done.load(Ordering::SeqCst) {
            answered_during += 1;
        }
    }
    let took = writer.join().map_err(|_| "writer panicked")??;
    assert!(
        answered_during >= 3,
        "only {answered_during} searches answered during a {took:?} batch"
    );
    let count: Value = s
        .post_json("/collections/big/points/count", &json!({}))?
        .json()?;
    assert_eq!(count["result"]["count"], 61_000);
    Ok(())
}
