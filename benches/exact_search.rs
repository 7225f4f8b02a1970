//! Exact top-k search (the engine's kernel path) against a straightforward reference in the same
//! run: score every vector in f64, sort everything, take k. Both on the first 10,000 vectors of the
//! shared dataset (random vectors when it is absent), 384 dimensions, k = 10.
//!
//! `cargo bench --bench exact_search`

use criterion::{Criterion, criterion_group, criterion_main};
use plait::vector::{DenseVectors, Metric, top_k};

#[path = "fvecs/mod.rs"]
mod fvecs;
#[path = "reference/mod.rs"]
mod reference;

fn load() -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let dir = fvecs::dataset_dir();
    match (
        fvecs::read_fvecs(&dir.join("base.fvecs")),
        fvecs::read_fvecs(&dir.join("queries.fvecs")),
    ) {
        (Ok(mut base), Ok(mut queries)) => {
            base.truncate(10_000);
            queries.truncate(100);
            (base, queries)
        }
        _ => {
            let mut state = 1u64;
            let mut next = move || {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                ((state >> 40) as f32) / (1u64 << 24) as f32 - 0.5
            };
            let base = (0..10_000)
                .map(|_| (0..384).map(|_| next()).collect())
                .collect();
            let queries = (0..100)
                .map(|_| (0..384).map(|_| next()).collect())
                .collect();
            (base, queries)
        }
    }
}

fn bench(c: &mut Criterion) {
    let (base, queries) = load();
    let mut vectors = DenseVectors::new(base[0].len());
    for v in &base {
        vectors.push(v).expect("memory for the vectors");
    }
    let slots = u32::try_from(base.len()).unwrap_or(u32::MAX);
    let mut group = c.benchmark_group("exact_top10_10k_x_384");
    let mut q = 0;
    group.bench_function("plait_top_k", |b| {
        b.iter(|| {
            q = (q + 1) % queries.len();
            top_k(&vectors, 0..slots, &queries[q], Metric::Dot, 10, None)
        });
    });
    group.bench_function("reference_full_sort_f64", |b| {
        b.iter(|| {
            q = (q + 1) % queries.len();
            reference::top_k_dot(&base, &queries[q], 10)
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
