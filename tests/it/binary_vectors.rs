//! Hamming and Jaccard collections: 0/1 vectors only, bit-packed search that scores like the
//! reference formulas, exact and through the graph, before and after a restart.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn bits(seed: u64, dim: usize) -> Vec<f32> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..dim)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // About one component in three is set.
            f32::from(u8::from(x.is_multiple_of(3)))
        })
        .collect()
}

fn hamming(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).filter(|(x, y)| x != y).count() as f32
}

fn jaccard(a: &[f32], b: &[f32]) -> f32 {
    let inter = a
        .iter()
        .zip(b)
        .filter(|(x, y)| **x == 1.0 && **y == 1.0)
        .count() as f32;
    let union = a
        .iter()
        .zip(b)
        .filter(|(x, y)| **x == 1.0 || **y == 1.0)
        .count() as f32;
    if union == 0.0 {
        0.0
    } else {
        1.0 - inter / union
    }
}

fn scores(
    s: &TestServer,
    name: &str,
    q: &[f32],
    params: &Value,
) -> Result<Vec<f32>, Box<dyn std::error::Error>> {
    let r: Value = s
        .post_json(
            &format!("/collections/{name}/points/search"),
            &json!({"vector": q, "limit": 10, "params": params}),
        )?
        .json()?;
    let hits = r["result"].as_array().ok_or("result")?;
    hits.iter()
        .map(|h| {
            h["score"]
                .as_f64()
                .map(|x| x as f32)
                .ok_or_else(|| "score".into())
        })
        .collect()
}

#[test]
fn binary_collections_search_like_the_reference_formulas() -> TestResult {
    type Reference = fn(&[f32], &[f32]) -> f32;
    let (n, dim) = (3000usize, 200usize);
    let base: Vec<Vec<f32>> = (0..n as u64).map(|i| bits(i + 1, dim)).collect();
    let queries: Vec<Vec<f32>> = (0..20u64).map(|i| bits(1_000_000 + i, dim)).collect();
    let dir = tempfile::tempdir()?;
    let mut s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let cases: [(&str, Reference); 2] = [("Hamming", hamming), ("Jaccard", jaccard)];
    for (distance, _) in cases {
        let name = distance.to_lowercase();
        let r = s.put_json(
            &format!("/collections/{name}"),
            &json!({"vectors": {"size": dim, "distance": distance},
                    "hnsw_config": {"full_scan_threshold": 100, "m": 16, "ef_construct": 100}}),
        )?;
        assert_eq!(r.status(), 200);
        s.upsert_rows(&name, &base, 0)?;
        // A component other than 0 or 1 is refused, naming the problem.
        let mut bad = base[0].clone();
        bad[5] = 0.5;
        let r = s.put_json(
            &format!("/collections/{name}/points"),
            &json!({"points": [{"id": 1, "vector": bad}]}),
        )?;
        assert_eq!(r.status(), 422);
        assert!(r.text()?.contains("binary"));
    }
    for round in 0..2 {
        for (distance, reference) in cases {
            let name = distance.to_lowercase();
            let (mut found, mut total) = (0usize, 0usize);
            for q in &queries {
                let mut expected: Vec<f32> = base.iter().map(|v| reference(q, v)).collect();
                expected.sort_by(f32::total_cmp);
                expected.truncate(10);
                let exact = scores(&s, &name, q, &json!({"exact": true}))?;
                assert_eq!(exact.len(), 10);
                for (got, want) in exact.iter().zip(&expected) {
                    assert!((got - want).abs() <= 1e-5, "{distance}: {got} vs {want}");
                }
                // Through the graph: the distances found are among the true ten best (ties make
                // ids ambiguous, so compare the multiset of distances).
                let approx = scores(&s, &name, q, &json!({"hnsw_ef": 128}))?;
                let mut pool = expected.clone();
                for a in &approx {
                    if let Some(at) = pool.iter().position(|e| (e - a).abs() <= 1e-5) {
                        pool.remove(at);
                        found += 1;
                    }
                }
                total += expected.len();
            }
            let recall = found as f64 / total as f64;
            assert!(recall >= 0.9, "{distance} round {round}: recall {recall}");
        }
        // The packed form is rebuilt from the checkpoint and the WAL after a crash.
        s.kill9()?;
        s = TestServer::start_in(dir.path(), &[])?;
        s.wait_ready()?;
    }
    Ok(())
}
