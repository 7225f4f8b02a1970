//! Exact search against this machine's memory bandwidth, in the same run: 100,000 random vectors
//! of 384 dimensions (153.6 MB, far larger than the caches), one query at a time, k = 10, against
//! a read bandwidth measured with a summing scan (four independent accumulators) and a copy bandwidth measured with `memcpy`
//! (`copy_from_slice`) over a buffer of the same size. Best of 5 for each.
//!
//! `cargo bench --bench exact_bandwidth`

use std::time::Instant;

use plait::vector::{DenseVectors, Metric, top_k};

const N: usize = 100_000;
const DIM: usize = 384;
const ROUNDS: usize = 5;

fn best_of(mut f: impl FnMut() -> f64) -> f64 {
    (0..ROUNDS).map(|_| f()).fold(f64::INFINITY, f64::min)
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        return;
    }
    let mut state = 7u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32) / (1u64 << 24) as f32 - 0.5
    };
    let mut vectors = DenseVectors::new(DIM);
    let mut row = vec![0.0f32; DIM];
    for _ in 0..N {
        row.iter_mut().for_each(|x| *x = next());
        vectors.push(&row).expect("memory for the vectors");
    }
    let query: Vec<f32> = (0..DIM).map(|_| next()).collect();
    let bytes = (N * DIM * 4) as f64;

    let flat: Vec<f32> = (0..N * DIM).map(|i| (i % 97) as f32).collect();
    let mut dst = vec![0.0f32; N * DIM];
    let copy_s = best_of(|| {
        let t = Instant::now();
        dst.copy_from_slice(&flat);
        std::hint::black_box(&dst);
        t.elapsed().as_secs_f64()
    });
    let read_s = best_of(|| {
        let t = Instant::now();
        // Four independent 16-lane sums, so the scan is bound by memory, not by add latency.
        let (chunks, _) = flat.as_chunks::<64>();
        let mut acc = [0.0f32; 64];
        for c in chunks {
            for i in 0..64 {
                acc[i] += c[i];
            }
        }
        std::hint::black_box(acc);
        t.elapsed().as_secs_f64()
    });
    let slots = u32::try_from(N).unwrap_or(u32::MAX);
    let search_s = best_of(|| {
        let t = Instant::now();
        std::hint::black_box(top_k(&vectors, 0..slots, &query, Metric::Dot, 10, None));
        t.elapsed().as_secs_f64()
    });
    let gb = |s: f64| bytes / s / 1e9;
    println!(
        "| measurement ({} x {DIM}, {:.1} MB) | best of {ROUNDS} | GB/s |",
        N,
        bytes / 1e6
    );
    println!("|---|---|---|");
    println!(
        "| memcpy (bytes copied) | {:.2} ms | {:.2} |",
        copy_s * 1e3,
        gb(copy_s)
    );
    println!(
        "| read scan (sum of every float) | {:.2} ms | {:.2} |",
        read_s * 1e3,
        gb(read_s)
    );
    println!(
        "| exact top-10 search (dot) | {:.2} ms | {:.2} |",
        search_s * 1e3,
        gb(search_s)
    );
    println!(
        "\nexact search reads at {:.0}% of the read-scan bandwidth and {:.0}% of memcpy's",
        100.0 * read_s / search_s,
        100.0 * copy_s / search_s
    );
}
