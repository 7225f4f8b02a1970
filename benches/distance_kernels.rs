//! Our distance kernels against the `simsimd` crate in the same run, at dimensions 128, 384, 768
//! and 1536: dot product, squared Euclidean, cosine. `plait` is the kernel set selected for this CPU
//! (`PLAIT_KERNELS` pins one), `plait_scalar` the portable reference.
//!
//! `cargo bench --bench distance_kernels`

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use plait::vector::distance;
use simsimd::SpatialSimilarity;

fn vectors(dim: usize) -> (Vec<f32>, Vec<f32>) {
    let a = (0..dim)
        .map(|i| ((i * 7919) % 1000) as f32 / 1000.0 - 0.5)
        .collect();
    let b = (0..dim)
        .map(|i| ((i * 104_729) % 997) as f32 / 997.0 - 0.5)
        .collect();
    (a, b)
}

fn bench(c: &mut Criterion) {
    for dim in [128usize, 384, 768, 1536] {
        let (a, b) = vectors(dim);
        let (a, b) = (a.as_slice(), b.as_slice());
        let mut group = c.benchmark_group(format!("dim_{dim}"));
        group.bench_function(BenchmarkId::new("dot", "plait"), |r| {
            r.iter(|| distance::dot(std::hint::black_box(a), b))
        });
        group.bench_function(BenchmarkId::new("dot", "plait_scalar"), |r| {
            r.iter(|| distance::scalar::dot(std::hint::black_box(a), b));
        });
        group.bench_function(BenchmarkId::new("dot", "simsimd"), |r| {
            r.iter(|| <f32 as SpatialSimilarity>::dot(std::hint::black_box(a), b))
        });
        group.bench_function(BenchmarkId::new("l2sq", "plait"), |r| {
            r.iter(|| distance::l2_squared(std::hint::black_box(a), b));
        });
        group.bench_function(BenchmarkId::new("l2sq", "simsimd"), |r| {
            r.iter(|| <f32 as SpatialSimilarity>::l2sq(std::hint::black_box(a), b))
        });
        group.bench_function(BenchmarkId::new("cosine", "plait"), |r| {
            r.iter(|| distance::cosine(std::hint::black_box(a), b))
        });
        group.bench_function(BenchmarkId::new("cosine", "simsimd"), |r| {
            r.iter(|| <f32 as SpatialSimilarity>::cos(std::hint::black_box(a), b))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(std::time::Duration::from_millis(500)).measurement_time(std::time::Duration::from_secs(2));
    targets = bench
}
criterion_main!(benches);
