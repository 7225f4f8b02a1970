//! A compiled HTTP load generator for Plait (or any server speaking Qdrant's REST API).
//!
//! It keeps one HTTP/1.1 keep-alive connection per simulated client, sends request bodies built
//! before the clock starts, and by default runs on one thread, so that on a machine shared with
//! the server it costs far less CPU than the server does; it reports its own CPU time per request
//! next to the server's (read from `/proc/<pid>` with `--server-pid`) to show that it is not the
//! bottleneck. Workloads:
//!
//! - `ingest`: create the collection and upsert the dataset in batches (`wait=true`, so each
//!   answer means durable under the collection's durability), then check the count;
//! - `search`: one pass over every query to measure recall against the ground truth, then
//!   `--connections` clients searching for `--seconds`;
//! - `mixed`: searches with one upsert every `--write-every` requests, new ids each time; the ids
//!   of acknowledged upserts can be written out and checked later with `verify` (after a
//!   `kill -9` and restart, for example).
//!
//! `cargo bench --bench loadgen -- --help`; `benches/http_load.sh` runs the usual set.

mod connection;
mod dataset;
mod latency;
mod process_stats;
mod requests;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use clap::{Parser, Subcommand};
use serde_json::json;

use connection::{Connection, Prepared};
use latency::Tally;

type LoadResult<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

#[derive(Parser)]
#[command(about = "HTTP load generator for Plait")]
struct Args {
    /// Server address (host:port).
    #[arg(long, global = true, default_value = "127.0.0.1:6333")]
    host: String,
    /// Collection to use.
    #[arg(long, global = true, default_value = "loadgen")]
    collection: String,
    /// Dataset directory (fvecs); `$PLAIT_DATASET` or ../shared/data/wordnet-minilm-384.
    #[arg(long, global = true)]
    dataset: Option<PathBuf>,
    /// Server process id, to report its CPU time, memory and open files.
    #[arg(long, global = true)]
    server_pid: Option<u32>,
    /// Generator threads (1: one thread drives every connection).
    #[arg(long, global = true, default_value_t = 1)]
    threads: usize,
    /// Also write the figures as one JSON object to this file.
    #[arg(long, global = true)]
    json_out: Option<PathBuf>,
    /// Print a progress line this often (seconds; 0: never).
    #[arg(long, global = true, default_value_t = 0)]
    report_every: u64,
    /// Passed by `cargo bench`; ignored.
    #[arg(long, global = true, hide = true)]
    bench: bool,
    #[command(subcommand)]
    workload: Workload,
}

#[derive(Subcommand)]
enum Workload {
    /// Create the collection and upsert the dataset's base rows.
    Ingest {
        #[arg(long, default_value_t = 1000)]
        batch: usize,
        #[arg(long, default_value_t = 1)]
        connections: usize,
        /// The collection's durability: fsync, flush or none.
        #[arg(long, default_value = "fsync")]
        durability: String,
        /// Upsert only the first N rows.
        #[arg(long)]
        rows: Option<usize>,
        #[arg(long, default_value_t = 16)]
        m: usize,
        #[arg(long, default_value_t = 200)]
        ef_construct: usize,
    },
    /// Search with a fixed set of queries.
    Search {
        #[arg(long, default_value_t = 1)]
        connections: usize,
        #[arg(long, default_value_t = 20.0)]
        seconds: f64,
        #[arg(long)]
        ef: Option<usize>,
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Exact search instead of the HNSW graph.
        #[arg(long)]
        exact: bool,
    },
    /// Searches with an upsert every `write_every` requests.
    Mixed {
        #[arg(long, default_value_t = 8)]
        connections: usize,
        #[arg(long, default_value_t = 60.0)]
        seconds: f64,
        #[arg(long, default_value_t = 10)]
        write_every: u64,
        /// Points per upsert.
        #[arg(long, default_value_t = 10)]
        batch: usize,
        #[arg(long)]
        ef: Option<usize>,
        /// Write the ids of acknowledged upserts here, one per line.
        #[arg(long)]
        acked_out: Option<PathBuf>,
        /// Pause between requests of one connection (milliseconds), to hold a rate below capacity.
        #[arg(long, default_value_t = 0)]
        pause_ms: u64,
    },
    /// Check that every id in a file (one per line) is present.
    Verify {
        #[arg(long)]
        acked: PathBuf,
    },
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = if args.threads <= 1 {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
    } else {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(args.threads)
            .enable_all()
            .build()
    };
    let runtime = match runtime {
        Ok(r) => r,
        Err(e) => {
            eprintln!("loadgen: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(run(args)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::from(2)
        }
    }
}

/// Sends one request on a fresh connection and requires a 2xx answer.
async fn send_ok(host: &str, request: &Prepared) -> LoadResult<connection::Answer> {
    let answer = Connection::open(host).await?.send(request).await?;
    if !(200..300).contains(&answer.status) {
        return Err(format!(
            "{} {} answered {}: {}",
            request.method,
            request.path,
            answer.status,
            String::from_utf8_lossy(&answer.body)
        )
        .into());
    }
    Ok(answer)
}

fn load_dataset(args: &Args, rows: Option<usize>) -> LoadResult<dataset::Dataset> {
    let dir = args.dataset.clone().unwrap_or_else(dataset::dataset_dir);
    dataset::load(&dir, rows).map_err(|e| format!("dataset {}: {e}", dir.display()).into())
}

/// What the server and the generator spent over a run.
struct Costs {
    server_start: Option<process_stats::Reading>,
    own_start: Duration,
    started: Instant,
}

impl Costs {
    fn start(server_pid: Option<u32>) -> Self {
        Self {
            server_start: server_pid.and_then(process_stats::read),
            own_start: process_stats::own_cpu(),
            started: Instant::now(),
        }
    }

    /// Lines and JSON fields for `requests` requests.
    fn finish(
        &self,
        server_pid: Option<u32>,
        requests: u64,
        figures: &mut serde_json::Value,
    ) -> Vec<String> {
        let elapsed = self.started.elapsed();
        let per = |d: Duration| d.as_secs_f64() * 1000.0 / requests.max(1) as f64;
        let own = process_stats::own_cpu().saturating_sub(self.own_start);
        let mut lines = vec![format!(
            "generator CPU {:.3} ms per request ({:.0}% of one core)",
            per(own),
            own.as_secs_f64() * 100.0 / elapsed.as_secs_f64()
        )];
        figures["client_cpu_ms_per_request"] = json!(per(own));
        if let (Some(start), Some(end)) =
            (self.server_start, server_pid.and_then(process_stats::read))
        {
            let cpu = end.cpu.saturating_sub(start.cpu);
            let growth = (end.rss_bytes as f64 / start.rss_bytes.max(1) as f64 - 1.0) * 100.0;
            lines.push(format!(
                "server CPU {:.3} ms per request ({:.0}% of one core); RSS {:.1} -> {:.1} MiB ({growth:+.1}%); open files {} -> {}",
                per(cpu),
                cpu.as_secs_f64() * 100.0 / elapsed.as_secs_f64(),
                start.rss_bytes as f64 / 1048576.0,
                end.rss_bytes as f64 / 1048576.0,
                start.open_files,
                end.open_files
            ));
            figures["server_cpu_ms_per_request"] = json!(per(cpu));
            figures["server_rss_start_bytes"] = json!(start.rss_bytes);
            figures["server_rss_end_bytes"] = json!(end.rss_bytes);
            figures["server_rss_growth_percent"] = json!(growth);
            figures["server_open_files_start"] = json!(start.open_files);
            figures["server_open_files_end"] = json!(end.open_files);
        }
        lines
    }
}

async fn run(args: Args) -> LoadResult<bool> {
    let mut figures = json!({});
    let ok = match &args.workload {
        Workload::Ingest {
            batch,
            connections,
            durability,
            rows,
            m,
            ef_construct,
        } => {
            ingest(
                &args,
                *batch,
                *connections,
                durability,
                *rows,
                *m,
                *ef_construct,
                &mut figures,
            )
            .await?
        }
        Workload::Search {
            connections,
            seconds,
            ef,
            limit,
            exact,
        } => {
            search(
                &args,
                *connections,
                *seconds,
                *ef,
                *limit,
                *exact,
                &mut figures,
            )
            .await?
        }
        Workload::Mixed {
            connections,
            seconds,
            write_every,
            batch,
            ef,
            acked_out,
            pause_ms,
        } => {
            mixed(
                &args,
                *connections,
                *seconds,
                *write_every,
                *batch,
                *ef,
                acked_out.as_ref(),
                *pause_ms,
                &mut figures,
            )
            .await?
        }
        Workload::Verify { acked } => verify(&args, acked, &mut figures).await?,
    };
    if let Some(path) = &args.json_out {
        std::fs::write(path, serde_json::to_string_pretty(&figures)?)?;
    }
    Ok(ok)
}

#[allow(clippy::too_many_arguments)]
async fn ingest(
    args: &Args,
    batch: usize,
    connections: usize,
    durability: &str,
    rows: Option<usize>,
    m: usize,
    ef_construct: usize,
    figures: &mut serde_json::Value,
) -> LoadResult<bool> {
    let data = load_dataset(args, rows)?;
    let host = args.host.as_str();
    let _ = Connection::open(host)
        .await?
        .send(&requests::delete_collection(&args.collection))
        .await?;
    let dim = data.base.first().map_or(0, Vec::len);
    send_ok(
        host,
        &requests::create_collection(&args.collection, dim, m, ef_construct, durability),
    )
    .await?;
    // Bodies first, so building JSON is not timed.
    let bodies: Arc<Vec<Prepared>> = Arc::new(
        data.base
            .chunks(batch.max(1))
            .enumerate()
            .map(|(i, chunk)| requests::upsert(&args.collection, (i * batch) as u64, chunk))
            .collect(),
    );
    let next = Arc::new(AtomicU64::new(0));
    let costs = Costs::start(args.server_pid);
    let mut tasks = Vec::new();
    for _ in 0..connections.max(1) {
        let bodies = Arc::clone(&bodies);
        let next = Arc::clone(&next);
        let host = host.to_owned();
        tasks.push(tokio::spawn(async move {
            let mut tally = Tally::default();
            let mut conn = Connection::open(&host).await?;
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(body) = bodies.get(i) else { break };
                let answer = conn.send(body).await?;
                if !(200..300).contains(&answer.status) {
                    return Err(format!(
                        "upsert answered {}: {}",
                        answer.status,
                        String::from_utf8_lossy(&answer.body)
                    )
                    .into());
                }
                tally.record(answer.status, answer.latency);
            }
            LoadResult::Ok(tally)
        }));
    }
    let mut tally = Tally::default();
    for t in tasks {
        tally.merge(t.await??);
    }
    let elapsed = costs.started.elapsed();
    let points = data.base.len() as f64;
    let answer = send_ok(host, &requests::count(&args.collection)).await?;
    let counted = serde_json::from_slice::<serde_json::Value>(&answer.body)?["result"]["count"]
        .as_u64()
        .unwrap_or(0);
    println!(
        "ingest: {} points in batches of {batch}, {connections} connection(s), durability {durability}: {:.1} s, {:.0} points/s; count after {counted}",
        data.base.len(),
        elapsed.as_secs_f64(),
        points / elapsed.as_secs_f64()
    );
    println!("batches: {}", tally.summary(elapsed).line());
    figures["points_per_second"] = json!(points / elapsed.as_secs_f64());
    figures["seconds"] = json!(elapsed.as_secs_f64());
    figures["counted"] = json!(counted);
    for line in costs.finish(args.server_pid, data.base.len() as u64, figures) {
        println!("{line} (per point)");
    }
    Ok(counted == data.base.len() as u64)
}

/// Recall@limit of the first answers against the ground truth (when the whole base is loaded).
async fn measure_recall(
    host: &str,
    bodies: &[Prepared],
    truth: &[Vec<u64>],
    limit: usize,
) -> LoadResult<f64> {
    let mut conn = Connection::open(host).await?;
    let mut found = 0usize;
    let mut wanted = 0usize;
    for (body, truth) in bodies.iter().zip(truth) {
        let answer = conn.send(body).await?;
        if answer.status != 200 {
            return Err(format!(
                "search answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            )
            .into());
        }
        let got = requests::answer_ids(&answer.body);
        let top: Vec<u64> = truth.iter().take(limit).copied().collect();
        found += got.iter().filter(|id| top.contains(id)).count();
        wanted += top.len();
    }
    Ok(found as f64 / wanted.max(1) as f64)
}

/// One request of a run: its kind (an index into the tallies), and for an upsert the ids it writes.
struct Pick {
    kind: usize,
    request: Prepared,
    writes: Option<std::ops::Range<u64>>,
}

/// What a run saw: a tally per kind, the id ranges of acknowledged upserts, and its length.
struct Driven {
    tallies: Vec<Tally>,
    acked: Vec<std::ops::Range<u64>>,
    elapsed: Duration,
}

/// Drives `connections` clients for `seconds`; `pick(connection, n)` gives each one's n-th request.
async fn drive<F>(
    host: &str,
    connections: usize,
    seconds: f64,
    report_every: u64,
    pause: Duration,
    pick: F,
) -> LoadResult<Driven>
where
    F: Fn(usize, u64) -> Option<Pick> + Send + Sync + 'static,
{
    let pick = Arc::new(pick);
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..connections.max(1) {
        let (pick, stop, done, failed, host) = (
            Arc::clone(&pick),
            Arc::clone(&stop),
            Arc::clone(&done),
            Arc::clone(&failed),
            host.to_owned(),
        );
        tasks.push(tokio::spawn(async move {
            let mut tallies: Vec<Tally> = Vec::new();
            let mut acked = Vec::new();
            let mut conn = Connection::open(&host).await?;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let Some(Pick {
                    kind,
                    request,
                    writes,
                }) = pick(c, n)
                else {
                    break;
                };
                n += 1;
                if tallies.len() <= kind {
                    tallies.resize_with(kind + 1, Tally::default);
                }
                match conn.send(&request).await {
                    Ok(answer) => {
                        tallies[kind].record(answer.status, answer.latency);
                        if (200..300).contains(&answer.status) {
                            acked.extend(writes);
                        } else {
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    Err(_) => {
                        tallies[kind].transport_errors += 1;
                        failed.fetch_add(1, Ordering::Relaxed);
                        conn = Connection::open(&host).await?;
                    }
                }
                done.fetch_add(1, Ordering::Relaxed);
                if !pause.is_zero() {
                    tokio::time::sleep(pause).await;
                }
            }
            LoadResult::Ok((tallies, acked))
        }));
    }
    let deadline = started + Duration::from_secs_f64(seconds);
    let mut last = (Instant::now(), 0u64);
    while Instant::now() < deadline {
        let step = if report_every == 0 {
            deadline - Instant::now()
        } else {
            Duration::from_secs(report_every).min(deadline - Instant::now())
        };
        tokio::time::sleep(step).await;
        if report_every > 0 {
            let now = (Instant::now(), done.load(Ordering::Relaxed));
            println!(
                "  {:>6.0} s: {:.0} requests/s, {} failed so far",
                started.elapsed().as_secs_f64(),
                (now.1 - last.1) as f64 / (now.0 - last.0).as_secs_f64(),
                failed.load(Ordering::Relaxed)
            );
            last = now;
        }
    }
    stop.store(true, Ordering::Relaxed);
    let elapsed = started.elapsed();
    let mut merged: Vec<Tally> = Vec::new();
    let mut all_acked = Vec::new();
    for t in tasks {
        let (tallies, acked) = t.await??;
        all_acked.extend(acked);
        for (kind, tally) in tallies.into_iter().enumerate() {
            if merged.len() <= kind {
                merged.resize_with(kind + 1, Tally::default);
            }
            merged[kind].merge(tally);
        }
    }
    Ok(Driven {
        tallies: merged,
        acked: all_acked,
        elapsed,
    })
}

async fn search(
    args: &Args,
    connections: usize,
    seconds: f64,
    ef: Option<usize>,
    limit: usize,
    exact: bool,
    figures: &mut serde_json::Value,
) -> LoadResult<bool> {
    let data = load_dataset(args, None)?;
    let bodies = requests::searches(&args.collection, &data.queries, limit, ef, exact);
    let recall = measure_recall(&args.host, &bodies, &data.truth, limit).await?;
    let bodies = Arc::new(bodies);
    let costs = Costs::start(args.server_pid);
    let n = bodies.len();
    let picked = Arc::clone(&bodies);
    let driven = drive(
        &args.host,
        connections,
        seconds,
        args.report_every,
        Duration::ZERO,
        move |c, i| {
            // Each connection starts at its own offset so they do not send the same query at once.
            Some(Pick {
                kind: 0,
                request: picked[(c * 97 + i as usize) % n].clone(),
                writes: None,
            })
        },
    )
    .await?;
    let elapsed = driven.elapsed;
    let tally = driven.tallies.into_iter().next().unwrap_or_default();
    let summary = tally.summary(elapsed);
    println!(
        "search: {connections} connection(s), limit {limit}, ef {}, exact {exact}: recall@{limit} {recall:.4}",
        ef.map_or("default".to_owned(), |e| e.to_string())
    );
    println!("searches: {}", summary.line());
    figures["recall"] = json!(recall);
    figures["qps"] = json!(summary.per_second);
    figures["p50_ms"] = json!(summary.p50_ms);
    figures["p99_ms"] = json!(summary.p99_ms);
    figures["failures"] = json!(tally.failures());
    for line in costs.finish(args.server_pid, tally.count(), figures) {
        println!("{line}");
    }
    Ok(tally.failures() == 0)
}

#[allow(clippy::too_many_arguments)]
async fn mixed(
    args: &Args,
    connections: usize,
    seconds: f64,
    write_every: u64,
    batch: usize,
    ef: Option<usize>,
    acked_out: Option<&PathBuf>,
    pause_ms: u64,
    figures: &mut serde_json::Value,
) -> LoadResult<bool> {
    let data = load_dataset(args, None)?;
    let searches = Arc::new(requests::searches(
        &args.collection,
        &data.queries,
        10,
        ef,
        false,
    ));
    let base = Arc::new(data.base);
    // New points get ids far above the dataset's, one block of `batch` per upsert.
    let next_block = Arc::new(AtomicU64::new(0));
    let collection = args.collection.clone();
    let write_every = write_every.max(1);
    let costs = Costs::start(args.server_pid);
    let (picks, blocks) = (Arc::clone(&searches), Arc::clone(&next_block));
    let rows = Arc::clone(&base);
    let driven = drive(
        &args.host,
        connections,
        seconds,
        args.report_every,
        Duration::from_millis(pause_ms),
        move |c, i| {
            if i % write_every == write_every - 1 {
                let block = blocks.fetch_add(1, Ordering::Relaxed);
                let first = 1_000_000_000 + block * batch as u64;
                let start = (block as usize * batch) % rows.len().max(1);
                let chunk: Vec<Vec<f32>> = (0..batch)
                    .map(|k| rows[(start + k) % rows.len()].clone())
                    .collect();
                Some(Pick {
                    kind: 1,
                    request: requests::upsert(&collection, first, &chunk),
                    writes: Some(first..first + batch as u64),
                })
            } else {
                Some(Pick {
                    kind: 0,
                    request: picks[(c * 97 + i as usize) % picks.len()].clone(),
                    writes: None,
                })
            }
        },
    )
    .await?;
    let elapsed = driven.elapsed;
    if let Some(path) = acked_out {
        let mut out = String::new();
        for id in driven.acked.iter().flat_map(Clone::clone) {
            out.push_str(&id.to_string());
            out.push('\n');
        }
        std::fs::write(path, out)?;
    }
    let mut tallies = driven.tallies.into_iter();
    let reads = tallies.next().unwrap_or_default();
    let writes = tallies.next().unwrap_or_default();
    println!(
        "mixed: {connections} connection(s), one upsert of {batch} every {write_every} requests, {seconds} s"
    );
    println!("searches: {}", reads.summary(elapsed).line());
    println!("upserts:  {}", writes.summary(elapsed).line());
    let total = reads.count() + writes.count();
    figures["search"] = json!({"per_second": reads.summary(elapsed).per_second, "p50_ms": reads.summary(elapsed).p50_ms, "p99_ms": reads.summary(elapsed).p99_ms, "failures": reads.failures()});
    figures["upsert"] = json!({"per_second": writes.summary(elapsed).per_second, "p50_ms": writes.summary(elapsed).p50_ms, "p99_ms": writes.summary(elapsed).p99_ms, "failures": writes.failures()});
    for line in costs.finish(args.server_pid, total, figures) {
        println!("{line}");
    }
    Ok(reads.failures() + writes.failures() == 0)
}

async fn verify(args: &Args, acked: &PathBuf, figures: &mut serde_json::Value) -> LoadResult<bool> {
    let text = std::fs::read_to_string(acked)?;
    let ids: Vec<u64> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    let mut conn = Connection::open(&args.host).await?;
    let mut found = 0usize;
    for chunk in ids.chunks(1000) {
        let answer = conn
            .send(&requests::retrieve(&args.collection, chunk))
            .await?;
        if answer.status != 200 {
            return Err(format!(
                "retrieve answered {}: {}",
                answer.status,
                String::from_utf8_lossy(&answer.body)
            )
            .into());
        }
        let v: serde_json::Value = serde_json::from_slice(&answer.body)?;
        found += v["result"].as_array().map_or(0, Vec::len);
    }
    println!(
        "verify: {found} of {} acknowledged points present",
        ids.len()
    );
    figures["acknowledged"] = json!(ids.len());
    figures["present"] = json!(found);
    Ok(found == ids.len())
}
