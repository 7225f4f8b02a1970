//! End-to-end HTTP measurements against the real release binary on loopback, on the shared
//! dataset (`wordnet-minilm-384`, 65,000 x 384, cosine):
//!
//! - upsert throughput in points/s, batches of 100 and 1,000, durability `fsync`, 1 and 4 clients;
//! - exact-search latency (p50/p99 over 300 queries, one client, k = 10) at 10,000 and 65,000
//!   points (`params.exact`), next to the same search in-process (no HTTP) and a naive full-sort
//!   reference;
//! - a restart: process start to `/readyz` 200 with every collection reopened from its checkpoint
//!   and graph image, next to the time it took to load the largest one;
//! - HNSW search latency over HTTP on the full dataset after the restart;
//! - a 100,000-point collection (the dataset plus 35,000 perturbed copies of its rows) in a data
//!   directory of its own: load time (HNSW built as points arrive), reopen time to `/readyz` 200,
//!   and reopen time when the graph image is removed and must be rebuilt.
//!
//! `cargo bench --bench http_end_to_end` (set `PLAIT_DATASET` to use another fvecs directory).

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use plait::vector::{DenseVectors, Metric, top_k};
use serde_json::{Value, json};

#[path = "fvecs/mod.rs"]
mod fvecs;
#[path = "reference/mod.rs"]
mod reference;

type BenchResult<T> = Result<T, Box<dyn std::error::Error>>;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_ready(base: &str) -> BenchResult<()> {
    let http = client()?;
    loop {
        if let Ok(r) = http.get(format!("{base}/readyz")).send()
            && r.status() == 200
        {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Stops the server with SIGTERM (it checkpoints) and waits for it to exit.
fn stop(mut server: Server) -> BenchResult<()> {
    let pid = i32::try_from(server.child.id())?;
    // SAFETY: `kill` on our own child's pid with a valid signal has no memory-safety preconditions.
    unsafe {
        libc::kill(pid, libc::SIGTERM);
    }
    server.child.wait()?;
    Ok(())
}

fn start(data_dir: &std::path::Path) -> BenchResult<Server> {
    let mut child = Command::new(env!("CARGO_BIN_EXE_plait"))
        .args([
            "serve",
            "--port",
            "0",
            "--log-format",
            "json",
            "--log-level",
            "plait=info,plait::api=warn",
        ])
        .arg("--data-dir")
        .arg(data_dir)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    let stderr = child.stderr.take().ok_or("stderr")?;
    let mut lines = BufReader::new(stderr).lines();
    let addr = loop {
        let line = lines.next().ok_or("server exited")??;
        let v: Value = serde_json::from_str(&line).unwrap_or(Value::Null);
        if let Some(a) = v["address"].as_str() {
            break a.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    Ok(Server {
        child,
        base: format!("http://{addr}"),
    })
}

fn client() -> BenchResult<reqwest::blocking::Client> {
    Ok(reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(300))
        .build()?)
}

fn create(base: &str, name: &str) -> BenchResult<()> {
    let r = client()?
        .put(format!("{base}/collections/{name}"))
        .json(&json!({"vectors": {"size": 384, "distance": "Cosine"}}))
        .send()?;
    if r.status() != 200 {
        return Err(format!("create: {}", r.text()?).into());
    }
    Ok(())
}

/// Uploads `base[..n]` in batches with `clients` concurrent clients; returns points per second.
fn upload(
    server: &str,
    name: &str,
    base: &[Vec<f32>],
    n: usize,
    batch: usize,
    clients: usize,
) -> BenchResult<f64> {
    let bodies: Vec<String> = (0..n)
        .step_by(batch)
        .map(|start| {
            let points: Vec<Value> = (start..(start + batch).min(n))
                .map(|i| json!({"id": i, "vector": base[i], "payload": {"row": i}}))
                .collect();
            json!({"points": points}).to_string()
        })
        .collect();
    let started = Instant::now();
    std::thread::scope(|scope| -> BenchResult<()> {
        let handles: Vec<_> = (0..clients)
            .map(|c| {
                let mine: Vec<&String> = bodies.iter().skip(c).step_by(clients).collect();
                scope.spawn(move || -> Result<(), String> {
                    let http = client().map_err(|e| e.to_string())?;
                    for body in mine {
                        let r = http
                            .put(format!("{server}/collections/{name}/points?wait=true"))
                            .header("content-type", "application/json")
                            .body(body.clone())
                            .send()
                            .map_err(|e| e.to_string())?;
                        if r.status() != 200 {
                            return Err(format!("upsert status {}", r.status()));
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| "upload thread panicked")??;
        }
        Ok(())
    })?;
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

struct Latency {
    p50_ms: f64,
    p99_ms: f64,
    mean_ms: f64,
}

fn latency(mut samples: Vec<f64>) -> Latency {
    samples.sort_by(f64::total_cmp);
    Latency {
        p50_ms: percentile(&samples, 0.5),
        p99_ms: percentile(&samples, 0.99),
        mean_ms: samples.iter().sum::<f64>() / samples.len() as f64,
    }
}

fn http_search_exact(server: &str, name: &str, queries: &[Vec<f32>]) -> BenchResult<Latency> {
    http_search_with(server, name, queries, &json!({"exact": true}))
}

fn http_search(server: &str, name: &str, queries: &[Vec<f32>]) -> BenchResult<Latency> {
    http_search_with(server, name, queries, &json!({}))
}

fn http_search_with(
    server: &str,
    name: &str,
    queries: &[Vec<f32>],
    params: &Value,
) -> BenchResult<Latency> {
    let http = client()?;
    let mut samples = Vec::with_capacity(queries.len());
    for q in queries {
        let body = json!({"query": q, "limit": 10, "params": params}).to_string();
        let started = Instant::now();
        let r = http
            .post(format!("{server}/collections/{name}/points/query"))
            .header("content-type", "application/json")
            .body(body)
            .send()?;
        let _ = r.bytes()?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(latency(samples))
}

fn in_process_search(base: &[Vec<f32>], queries: &[Vec<f32>]) -> (Latency, Latency) {
    let mut vectors = DenseVectors::new(base[0].len());
    for v in base {
        vectors.push(v).expect("memory for the vectors");
    }
    let slots = u32::try_from(base.len()).unwrap_or(u32::MAX);
    let mut ours = Vec::new();
    let mut naive = Vec::new();
    for q in queries {
        let started = Instant::now();
        std::hint::black_box(top_k(&vectors, 0..slots, q, Metric::Cosine, 10, None));
        ours.push(started.elapsed().as_secs_f64() * 1000.0);
        let started = Instant::now();
        std::hint::black_box(reference::top_k_dot(base, q, 10));
        naive.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    (latency(ours), latency(naive))
}

fn main() -> BenchResult<()> {
    if std::env::args().any(|a| a == "--list") {
        return Ok(());
    }
    let dir = fvecs::dataset_dir();
    let base = fvecs::read_fvecs(&dir.join("base.fvecs"))?;
    let queries: Vec<Vec<f32>> = fvecs::read_fvecs(&dir.join("queries.fvecs"))?
        .into_iter()
        .take(300)
        .collect();
    println!(
        "dataset {} : {} x {}",
        dir.display(),
        base.len(),
        base[0].len()
    );
    let data = tempfile::tempdir()?;
    let server = start(data.path())?;

    println!("\n| upsert (fsync) | clients | points | points/s |\n|---|---|---|---|");
    for (batch, clients) in [(100, 1), (100, 4), (1000, 1), (1000, 4)] {
        let name = format!("up_{batch}_{clients}");
        create(&server.base, &name)?;
        let n = 20_000;
        let rate = upload(&server.base, &name, &base, n, batch, clients)?;
        println!("| batches of {batch} | {clients} | {n} | {rate:.0} |");
    }

    println!(
        "\n| exact search, k=10 | points | p50 ms | p99 ms | mean ms |\n|---|---|---|---|---|"
    );
    let mut load_seconds = 0.0;
    for n in [10_000, base.len()] {
        let name = format!("search_{n}");
        create(&server.base, &name)?;
        let started = Instant::now();
        upload(&server.base, &name, &base, n, 1000, 2)?;
        load_seconds = started.elapsed().as_secs_f64();
        let http = http_search_exact(&server.base, &name, &queries)?;
        let (ours, naive) = in_process_search(&base[..n], &queries);
        println!(
            "| HTTP /points/query | {n} | {:.2} | {:.2} | {:.2} |",
            http.p50_ms, http.p99_ms, http.mean_ms
        );
        println!(
            "| in-process top_k | {n} | {:.2} | {:.2} | {:.2} |",
            ours.p50_ms, ours.p99_ms, ours.mean_ms
        );
        println!(
            "| in-process naive f64 full sort | {n} | {:.2} | {:.2} | {:.2} |",
            naive.p50_ms, naive.p99_ms, naive.mean_ms
        );
        println!(
            "| ratio naive / top_k (mean) | {n} | | | {:.2}x |",
            naive.mean_ms / ours.mean_ms
        );
    }
    // Restart: the last collection (the whole dataset, HNSW-indexed) is reopened from its
    // checkpoint and graph image, with no rebuild.
    stop(server)?;
    let started = Instant::now();
    let server = start(data.path())?;
    wait_ready(&server.base)?;
    let reopen = started.elapsed().as_secs_f64();
    let metrics = client()?
        .get(format!("{}/metrics", server.base))
        .send()?
        .text()?;
    let rebuilds = metrics
        .lines()
        .find(|l| l.starts_with("plait_hnsw_rebuilds_total"))
        .unwrap_or("?");
    println!(
        "\n| restart (6 collections, {} points in all) | seconds |\n|---|---|",
        base.len() + 10_000 + 4 * 20_000
    );
    println!(
        "| loading {} points over HTTP (fsync, HNSW built as they arrive) | {load_seconds:.2} |",
        base.len()
    );
    println!("| process start to /readyz 200 (checkpoint + graph image) | {reopen:.2} |");
    println!("| {rebuilds} |  |");
    let hnsw = http_search(&server.base, &format!("search_{}", base.len()), &queries)?;
    println!(
        "\n| HNSW search (ef = ef_construct 100), k=10 | points | p50 ms | p99 ms | mean ms |\n|---|---|---|---|---|"
    );
    println!(
        "| HTTP /points/query | {} | {:.2} | {:.2} | {:.2} |",
        base.len(),
        hnsw.p50_ms,
        hnsw.p99_ms,
        hnsw.mean_ms
    );
    stop(server)?;
    reopen_100k(&base)
}

/// Loads 100,000 points into one collection, then times three reopenings: from the checkpoint
/// and graph image, and with the graph image deleted (a full rebuild from the vectors).
fn reopen_100k(base: &[Vec<f32>]) -> BenchResult<()> {
    let n = 100_000;
    let mut rows: Vec<Vec<f32>> = base.iter().take(n).cloned().collect();
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    while rows.len() < n {
        let src = &base[rows.len() % base.len()];
        let row = src
            .iter()
            .map(|x| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                x + ((state >> 40) as f32 / (1u64 << 24) as f32 - 0.5) * 0.05
            })
            .collect();
        rows.push(row);
    }
    let data = tempfile::tempdir()?;
    let server = start(data.path())?;
    create(&server.base, "big")?;
    let started = Instant::now();
    upload(&server.base, "big", &rows, n, 1000, 2)?;
    let load = started.elapsed().as_secs_f64();
    stop(server)?;
    let mut reopen = Vec::new();
    for rebuild in [false, false, true] {
        if rebuild {
            std::fs::remove_file(data.path().join("collections/big/graph.plait"))?;
        }
        let started = Instant::now();
        let server = start(data.path())?;
        wait_ready(&server.base)?;
        reopen.push(started.elapsed().as_secs_f64());
        stop(server)?;
    }
    println!(
        "\n| one collection, {n} x {} points | seconds |\n|---|---|",
        rows[0].len()
    );
    println!("| loading over HTTP (fsync, HNSW built as points arrive) | {load:.2} |");
    println!(
        "| reopen to /readyz 200 (checkpoint + graph image), run 1 | {:.2} |",
        reopen[0]
    );
    println!(
        "| reopen to /readyz 200 (checkpoint + graph image), run 2 | {:.2} |",
        reopen[1]
    );
    println!(
        "| reopen to /readyz 200 with graph.plait deleted (rebuild) | {:.2} |",
        reopen[2]
    );
    Ok(())
}
