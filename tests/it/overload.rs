//! Overload through the real server: runtime and queue sizes come from flags, and a search past
//! the admission queue is answered 503 with `Retry-After` and counted in `/metrics`.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

#[test]
fn searches_past_the_queue_get_503_with_retry_after_and_are_counted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = Arc::new(TestServer::start_in(
        dir.path(),
        &[
            "--worker-threads",
            "1",
            "--max-concurrent-searches",
            "1",
            "--max-queued-searches",
            "0",
        ],
    )?);
    s.wait_ready()?;
    s.create_collection("c", 64, "Euclid")?;
    let rows: Vec<Vec<f32>> = (0..2000)
        .map(|i| (0..64).map(|d| ((i * 31 + d * 7) % 97) as f32).collect())
        .collect();
    s.upsert_rows("c", &rows, 0)?;
    let refused = Arc::new(AtomicUsize::new(0));
    let answered = Arc::new(AtomicUsize::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let deadline = Instant::now() + Duration::from_secs(20);
    let clients: Vec<_> = (0..8)
        .map(|_| {
            let (s, refused, answered, stop) = (
                Arc::clone(&s),
                Arc::clone(&refused),
                Arc::clone(&answered),
                Arc::clone(&stop),
            );
            std::thread::spawn(move || -> Result<(), String> {
                let body = json!({"query": vec![1.0_f32; 64], "limit": 100, "params": {"exact": true}, "with_vector": true});
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    let r = s
                        .post_json("/collections/c/points/query", &body)
                        .map_err(|e| e.to_string())?;
                    match r.status().as_u16() {
                        200 => {
                            answered.fetch_add(1, Ordering::Relaxed);
                        }
                        503 => {
                            if r.headers().get("retry-after").is_none() {
                                return Err("503 without Retry-After".into());
                            }
                            let v: Value = r.json().map_err(|e| e.to_string())?;
                            if v["status"]["error"].as_str().is_none() {
                                return Err(format!("503 without the error envelope: {v}"));
                            }
                            refused.fetch_add(1, Ordering::Relaxed);
                            stop.store(true, Ordering::Relaxed);
                        }
                        other => return Err(format!("unexpected status {other}")),
                    }
                }
                Ok(())
            })
        })
        .collect();
    for c in clients {
        c.join().map_err(|_| "client panicked")??;
    }
    assert!(
        refused.load(Ordering::Relaxed) > 0,
        "no search was refused in {} answered",
        answered.load(Ordering::Relaxed)
    );
    let counted = s
        .metric("plait_rejected_requests_total{queue=\"search\"}")?
        .ok_or("no rejection metric")?;
    assert!(counted >= 1.0, "rejections counted: {counted}");
    // Once the load stops, searches are answered again.
    assert_eq!(
        s.post_json(
            "/collections/c/points/query",
            &json!({"query": vec![1.0_f32; 64]})
        )?
        .status(),
        200
    );
    Ok(())
}

#[test]
fn livez_answers_within_500_ms_while_searches_counts_and_writes_saturate_the_server() -> TestResult
{
    let dir = tempfile::tempdir()?;
    // One async worker: a single handler that blocked it would stall /livez.
    let s = Arc::new(TestServer::start_in(
        dir.path(),
        &["--worker-threads", "1"],
    )?);
    s.wait_ready()?;
    s.create_collection("c", 64, "Euclid")?;
    let rows: Vec<Vec<f32>> = (0..3000)
        .map(|i| (0..64).map(|d| ((i * 31 + d * 7) % 97) as f32).collect())
        .collect();
    s.upsert_rows("c", &rows, 0)?;
    let stop = Arc::new(AtomicBool::new(false));
    let kinds = ["query", "query", "count", "get", "upsert", "upsert"];
    let load: Vec<_> = kinds
        .into_iter()
        .enumerate()
        .map(|(n, kind)| {
            let (s, stop) = (Arc::clone(&s), Arc::clone(&stop));
            std::thread::spawn(move || {
                let mut i = 0_u64;
                while !stop.load(Ordering::Relaxed) {
                    i += 1;
                    let _ = match kind {
                        "query" => s.post_json(
                            "/collections/c/points/query",
                            &json!({"query": vec![1.0_f32; 64], "limit": 100, "params": {"exact": true}, "with_payload": true, "with_vector": true}),
                        ),
                        "count" => s.post_json("/collections/c/points/count", &json!({})),
                        "get" => s.get(&format!("/collections/c/points/{}", i % 3000)),
                        _ => {
                            let points: Vec<Value> = (0..200)
                                .map(|k| json!({"id": 10_000 + n as u64 * 1_000_000 + i * 200 + k, "vector": vec![k as f32; 64]}))
                                .collect();
                            s.put_json("/collections/c/points", &json!({ "points": points }))
                        }
                    };
                }
            })
        })
        .collect();
    let mut worst = Duration::ZERO;
    let until = Instant::now() + Duration::from_secs(5);
    while Instant::now() < until {
        let started = Instant::now();
        let status = s.get("/livez")?.status();
        worst = worst.max(started.elapsed());
        assert_eq!(status, 200);
        std::thread::sleep(Duration::from_millis(50));
    }
    stop.store(true, Ordering::Relaxed);
    for t in load {
        t.join().map_err(|_| "load thread panicked")?;
    }
    assert!(worst < Duration::from_millis(500), "/livez took {worst:?}");
    Ok(())
}
