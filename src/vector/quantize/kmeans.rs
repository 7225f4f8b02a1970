//! Bounded, deterministic k-means (Lloyd's algorithm) for product-quantization codebooks.
//!
//! Bounded: a fixed number of iterations over a sample the caller already capped, so training
//! time is predictable. Deterministic: the initial centroids are sample points chosen by a fixed
//! seed, so the same sample always gives the same codebook. An empty cluster is re-seeded with
//! the point farthest from its centroid.

/// Squared L2 distance (short subvectors: plain loop).
#[inline]
fn l2(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y) * (x - y)).sum()
}

/// The index of the centroid (of `k`, each `dim` long) nearest to `v`, and its squared distance.
#[must_use]
pub fn nearest(centroids: &[f32], dim: usize, v: &[f32]) -> (usize, f32) {
    let mut best = (0, f32::INFINITY);
    for (i, c) in centroids.chunks_exact(dim).enumerate() {
        let d = l2(v, c);
        if d < best.1 {
            best = (i, d);
        }
    }
    best
}

/// `k` centroids (back to back, `dim` each) for `points` (back to back, `dim` each) after
/// `iterations` rounds. With fewer distinct points than `k`, some centroids repeat.
#[must_use]
pub fn train(points: &[f32], dim: usize, k: usize, iterations: usize, seed: u64) -> Vec<f32> {
    let n = points.len().checked_div(dim).unwrap_or(0);
    if n == 0 || k == 0 {
        return vec![0.0; k * dim];
    }
    // Initial centroids: a seeded partial Fisher-Yates shuffle of the point indices.
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = seed | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for i in 0..k.min(n) {
        let j = i + (next() % (n - i) as u64) as usize;
        order.swap(i, j);
    }
    let mut centroids: Vec<f32> = (0..k)
        .flat_map(|i| points[order[i % n] * dim..][..dim].iter().copied())
        .collect();
    let mut assign = vec![0usize; n];
    let mut dist = vec![0.0f32; n];
    for _ in 0..iterations {
        for (p, v) in points.chunks_exact(dim).enumerate() {
            (assign[p], dist[p]) = nearest(&centroids, dim, v);
        }
        let mut sums = vec![0.0f64; k * dim];
        let mut counts = vec![0usize; k];
        for (p, v) in points.chunks_exact(dim).enumerate() {
            counts[assign[p]] += 1;
            for (s, &x) in sums[assign[p] * dim..][..dim].iter_mut().zip(v) {
                *s += f64::from(x);
            }
        }
        for c in 0..k {
            if counts[c] == 0 {
                // Re-seed with the worst-served point and stop it re-seeding another cluster.
                let far = (0..n)
                    .max_by(|&a, &b| dist[a].total_cmp(&dist[b]))
                    .unwrap_or(0);
                dist[far] = 0.0;
                centroids[c * dim..][..dim].copy_from_slice(&points[far * dim..][..dim]);
                continue;
            }
            for (x, s) in centroids[c * dim..][..dim]
                .iter_mut()
                .zip(&sums[c * dim..][..dim])
            {
                *x = (*s / counts[c] as f64) as f32;
            }
        }
    }
    centroids
}

#[cfg(test)]
mod tests {
    use super::{nearest, train};

    #[test]
    fn finds_well_separated_clusters() {
        // Four tight clusters in 2-D; with k = 4 every centroid lands on one cluster.
        let centres = [(0.0f32, 0.0f32), (10.0, 0.0), (0.0, 10.0), (10.0, 10.0)];
        let mut points = Vec::new();
        for i in 0..200 {
            let (x, y) = centres[i % 4];
            let jitter = (i as f32 * 0.37).sin() * 0.1;
            points.extend_from_slice(&[x + jitter, y - jitter]);
        }
        let c = train(&points, 2, 4, 10, 42);
        for &(x, y) in &centres {
            let (_, d) = nearest(&c, 2, &[x, y]);
            assert!(d < 0.05, "cluster ({x}, {y}) has no centroid: {c:?}");
        }
        assert_eq!(c, train(&points, 2, 4, 10, 42), "not deterministic");
    }

    #[test]
    fn fewer_points_than_centroids_repeats_points() {
        let c = train(&[1.0, 2.0, 3.0], 1, 8, 3, 1);
        assert_eq!(c.len(), 8);
        assert!(c.iter().all(|x| [1.0, 2.0, 3.0].contains(x)));
    }
}
