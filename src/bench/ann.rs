//! `plait bench ann`: build an HNSW index in-process over an fvecs base file, query it at several
//! `ef` values, and report recall@k against the ground truth, QPS and latency percentiles, then
//! build time, index bytes and resident memory. One JSON object per line with `--json`.
//!
//! With a quantization, the graph is still built on `f32` vectors (as a collection builds it);
//! then the quantizer is trained on a sample and every vector encoded, and each query walks the
//! graph on the codes, collecting `ceil(k · oversampling)` candidates that are re-scored on the
//! `f32` vectors (unless re-scoring is off) — the same search a quantized collection runs.

use std::path::PathBuf;
use std::time::Instant;

use rayon::prelude::*;
use serde::Serialize;

use super::fvecs::{VecsError, read_fvecs, read_ivecs};
use plait::vector::hnsw::{Hnsw, HnswConfig};
use plait::vector::quantize::{self, QuantizationConfig, Quantized, QuantizedSearch};
use plait::vector::{DenseVectors, FullPrecision, Metric, Space, prepare};

/// What to run.
#[derive(Debug, Clone)]
pub struct AnnBenchConfig {
    /// Base vectors (`.fvecs`).
    pub base: PathBuf,
    /// Query vectors (`.fvecs`).
    pub queries: PathBuf,
    /// Ground-truth neighbour ids per query (`.ivecs`, best first).
    pub groundtruth: PathBuf,
    /// Metric.
    pub metric: Metric,
    /// Neighbours per query.
    pub k: usize,
    /// HNSW links per node.
    pub m: usize,
    /// HNSW build candidate list.
    pub ef_construction: usize,
    /// Search candidate lists to measure.
    pub ef: Vec<usize>,
    /// Query threads.
    pub threads: usize,
    /// Build threads.
    pub build_threads: usize,
    /// Search on codes of this quantizer (`None`: `f32` only).
    pub quantization: Option<QuantizationConfig>,
    /// Oversampling and re-scoring of quantized searches.
    pub quantized_search: QuantizedSearch,
}

/// Why the benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum AnnBenchError {
    /// An input file is unreadable or malformed.
    #[error(transparent)]
    Vecs(#[from] VecsError),
    /// The inputs do not fit together.
    #[error("{0}")]
    Inputs(String),
    /// A thread pool could not be started.
    #[error("starting a thread pool: {0}")]
    Pool(#[from] rayon::ThreadPoolBuildError),
    /// Memory for the vectors could not be mapped.
    #[error("mapping memory for the vectors: {0}")]
    Memory(#[from] std::io::Error),
}

/// One line of results for one `ef`.
#[derive(Debug, Serialize)]
pub struct EfResult {
    /// The search candidate list size.
    pub ef: usize,
    /// Mean recall@k against the ground truth.
    pub recall: f64,
    /// Queries per second over all query threads.
    pub qps: f64,
    /// Median query latency in microseconds.
    pub p50_us: f64,
    /// 99th-percentile query latency in microseconds.
    pub p99_us: f64,
    /// CPU time of the whole process during the pass, per query, in microseconds. Unlike `qps`,
    /// it does not grow when other processes take the cores away, which makes it the steadier
    /// figure on a shared machine (with one query thread it is the cost of one search).
    pub cpu_us_per_query: f64,
}

/// The build line.
#[derive(Debug, Serialize)]
pub struct BuildResult {
    /// Wall time to insert every base vector.
    pub build_seconds: f64,
    /// Bytes of the graph plus the vectors searches walk it on (the codes when quantized).
    pub index_bytes: u64,
    /// Resident set size of the process after the run.
    pub rss_bytes: u64,
    /// Base vectors.
    pub points: usize,
    /// Build threads used.
    pub build_threads: usize,
    /// Distance kernels in use.
    pub kernels: &'static str,
    /// `none`, `sq8` or `pq-x4` .. `pq-x64`.
    pub quantization: String,
    /// Oversampling of quantized searches (1 without quantization).
    pub oversampling: f32,
    /// Whether quantized candidates are re-scored on `f32` vectors.
    pub rescore: bool,
    /// Seconds to train the quantizer and encode every vector (0 without quantization).
    pub train_seconds: f64,
    /// Bytes of the vectors the search walks the graph on: the codes when quantized, else `f32`.
    pub vector_bytes: u64,
    /// Bytes of the full-precision vectors.
    pub f32_vector_bytes: u64,
    /// Resident file-backed memory of the process after the searches (`RssFile`). When quantized,
    /// the f32 vectors sit in a file-backed map (as in a collection) whose pages are released
    /// from the process after training, so this counts what re-scoring read back (plus the
    /// binary's own pages).
    pub rss_file_bytes: u64,
    /// Resident anonymous memory of the process after the searches (`RssAnon`): the graph, the
    /// codes, and the f32 vectors when not quantized.
    pub rss_anon_bytes: u64,
}

/// Resident set size of this process, from `/proc/self/status` (0 where unavailable).
#[must_use]
pub fn rss_bytes() -> u64 {
    status_kb("VmRSS:")
}

/// A `kB` line of `/proc/self/status` in bytes (0 where unavailable).
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix(field))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// CPU time consumed so far by every thread of this process, in seconds (0 where unavailable).
fn process_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is a valid, writable timespec that outlives the call; the clock id is a
    // constant the C library defines.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_PROCESS_CPUTIME_ID, &raw mut ts) };
    if rc == 0 {
        ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
    } else {
        0.0
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() - 1) as f64 * p).round() as usize;
    sorted[idx.min(sorted.len() - 1)]
}

/// Runs the benchmark; calls `emit` with each result line as it is measured.
///
/// # Errors
/// [`AnnBenchError`] for unreadable or inconsistent inputs.
pub fn run(
    config: &AnnBenchConfig,
    mut emit: impl FnMut(&dyn erased::Line),
) -> Result<(), AnnBenchError> {
    let base = read_fvecs(&config.base)?;
    let queries = read_fvecs(&config.queries)?;
    let truth = read_ivecs(&config.groundtruth)?;
    let dim = base
        .first()
        .map(Vec::len)
        .ok_or_else(|| AnnBenchError::Inputs("empty base file".into()))?;
    if queries.first().map(Vec::len) != Some(dim) {
        return Err(AnnBenchError::Inputs(
            "queries and base differ in dimension".into(),
        ));
    }
    if truth.len() < queries.len() || truth.iter().any(|t| t.len() < config.k) {
        return Err(AnnBenchError::Inputs(format!(
            "ground truth needs at least {} ids for each of {} queries",
            config.k,
            queries.len()
        )));
    }
    // Quantized runs keep the f32 vectors in a file-backed map, as a collection does, so that
    // what stays resident after training is measurable.
    let vector_file = config
        .quantization
        .as_ref()
        .map(|_| std::env::temp_dir().join(format!("plait-bench-ann-{}.f32", std::process::id())));
    let prepare_all = |rows: &[Vec<f32>], file: Option<&std::path::Path>| {
        let mut v = match file {
            Some(path) => DenseVectors::in_file(path, dim)?,
            None => DenseVectors::new(dim),
        };
        for (i, row) in rows.iter().enumerate() {
            let p = prepare(row, dim, config.metric)
                .map_err(|e| AnnBenchError::Inputs(format!("row {i}: {e}")))?;
            v.push(&p)?;
        }
        Ok::<_, AnnBenchError>(v)
    };
    let vectors = prepare_all(&base, vector_file.as_deref())?;
    if let Some(path) = &vector_file {
        // The map stays valid after the name is gone; nothing is left behind on any exit.
        let _ = std::fs::remove_file(path);
    }
    let query_vectors = prepare_all(&queries, None)?;
    drop(base);
    // The rows were small allocations; hand their memory back so the RSS figures below show
    // the index, not the allocator's free lists.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases free heap memory; no live allocation is touched.
    unsafe {
        libc::malloc_trim(0);
    }

    let pool = |threads: usize| {
        rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
    };
    let (build_pool, query_pool) = (pool(config.build_threads)?, pool(config.threads)?);
    let mut index = Hnsw::new(HnswConfig {
        m: config.m,
        ef_construction: config.ef_construction,
    });
    let space = FullPrecision::new(&vectors, config.metric);
    let nodes: Vec<u32> = (0..u32::try_from(vectors.slots()).unwrap_or(u32::MAX)).collect();
    let started = Instant::now();
    build_pool.install(|| index.insert_many(&space, &nodes));
    let build_seconds = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let quantized: Option<Quantized> = config
        .quantization
        .as_ref()
        .map(|q| build_pool.install(|| quantize::train(q, config.metric, &vectors, &nodes)));
    let train_seconds = started.elapsed().as_secs_f64();
    if quantized.is_some() {
        vectors.release_resident();
    }

    let n_queries = query_vectors.slots();
    for &ef in &config.ef {
        let mut latencies = vec![0.0f64; n_queries];
        let mut found: Vec<Vec<u32>> = vec![Vec::new(); n_queries];
        let cpu_started = process_cpu_seconds();
        let started = Instant::now();
        let results: Vec<(f64, Vec<u32>)> = query_pool.install(|| {
            (0..n_queries)
                .into_par_iter()
                .map(|q| {
                    let t = Instant::now();
                    let raw = query_vectors.get(q as u32);
                    let slots: Vec<u32> = match &quantized {
                        Some(qz) => quantize::search(
                            qz,
                            &index,
                            &vectors,
                            config.metric,
                            raw,
                            config.k,
                            ef,
                            &|_| true,
                            config.quantized_search,
                        )
                        .into_iter()
                        .map(|h| h.slot)
                        .collect(),
                        None => index
                            .search(&space, &space.query(raw), config.k, ef, &|_| true)
                            .into_iter()
                            .map(|h| h.slot)
                            .collect(),
                    };
                    (t.elapsed().as_secs_f64() * 1e6, slots)
                })
                .collect()
        });
        let wall = started.elapsed().as_secs_f64();
        let cpu = process_cpu_seconds() - cpu_started;
        for (q, (us, ids)) in results.into_iter().enumerate() {
            latencies[q] = us;
            found[q] = ids;
        }
        let mut hits = 0usize;
        for (q, ids) in found.iter().enumerate() {
            let expected = &truth[q][..config.k];
            hits += ids
                .iter()
                .filter(|id| expected.contains(&(**id as i32)))
                .count();
        }
        latencies.sort_by(f64::total_cmp);
        emit(&EfResult {
            ef,
            recall: hits as f64 / (n_queries * config.k) as f64,
            qps: n_queries as f64 / wall,
            p50_us: percentile(&latencies, 0.5),
            p99_us: percentile(&latencies, 0.99),
            cpu_us_per_query: cpu * 1e6 / n_queries as f64,
        });
    }
    let f32_vector_bytes = vectors.bytes() as u64;
    let vector_bytes = quantized
        .as_ref()
        .map_or(f32_vector_bytes, |q| q.code_bytes() as u64);
    emit(&BuildResult {
        build_seconds,
        index_bytes: vector_bytes + index.heap_bytes() as u64,
        rss_bytes: rss_bytes(),
        points: vectors.slots(),
        build_threads: config.build_threads,
        kernels: plait::vector::distance::selected().name(),
        quantization: config
            .quantization
            .as_ref()
            .map_or_else(|| "none".to_owned(), quantization_name),
        oversampling: if quantized.is_some() {
            config.quantized_search.oversampling
        } else {
            1.0
        },
        rescore: quantized.is_some() && config.quantized_search.rescore,
        train_seconds,
        vector_bytes,
        f32_vector_bytes,
        rss_file_bytes: status_kb("RssFile:"),
        rss_anon_bytes: status_kb("RssAnon:"),
    });
    Ok(())
}

/// `sq8` or `pq-x16` etc.
fn quantization_name(q: &QuantizationConfig) -> String {
    match q.method {
        quantize::QuantizationMethod::Scalar { .. } => "sq8".into(),
        quantize::QuantizationMethod::Product { compression } => {
            format!("pq-{}", compression.name())
        }
    }
}

/// Result lines as serialisable values and as table rows.
pub mod erased {
    /// One result line.
    pub trait Line {
        /// The line as a JSON object.
        fn json(&self) -> String;
        /// The line as human-readable text.
        fn text(&self) -> String;
    }

    impl Line for super::EfResult {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
        fn text(&self) -> String {
            format!(
                "ef {:>5}  recall@k {:.4}  qps {:>9.1}  p50 {:>8.1} us  p99 {:>8.1} us  cpu {:>8.1} us/query",
                self.ef, self.recall, self.qps, self.p50_us, self.p99_us, self.cpu_us_per_query
            )
        }
    }

    impl Line for super::BuildResult {
        fn json(&self) -> String {
            serde_json::to_string(self).unwrap_or_default()
        }
        fn text(&self) -> String {
            format!(
                "build {:.2} s ({} points, {} threads, {} kernels)  index {:.1} MiB  rss {:.1} MiB  \
                 quantization {} (train {:.2} s, oversampling {}, rescore {})  vectors searched {:.1} MiB of f32 {:.1} MiB",
                self.build_seconds,
                self.points,
                self.build_threads,
                self.kernels,
                self.index_bytes as f64 / 1048576.0,
                self.rss_bytes as f64 / 1048576.0,
                self.quantization,
                self.train_seconds,
                self.oversampling,
                self.rescore,
                self.vector_bytes as f64 / 1048576.0,
                self.f32_vector_bytes as f64 / 1048576.0
            )
        }
    }
}
