//! The naive exact search the benchmarks compare the engine with: every score in f64, a full sort,
//! the first k. Included by the benchmark programs with `#[path]`.

/// Indices of the `k` vectors of `base` with the highest dot product with `query`, best first.
pub fn top_k_dot(base: &[Vec<f32>], query: &[f32], k: usize) -> Vec<usize> {
    let mut scored: Vec<(f64, usize)> = base
        .iter()
        .enumerate()
        .map(|(i, v)| {
            (
                v.iter()
                    .zip(query)
                    .map(|(a, b)| f64::from(*a) * f64::from(*b))
                    .sum(),
                i,
            )
        })
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.into_iter().take(k).map(|(_, i)| i).collect()
}
