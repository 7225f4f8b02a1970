//! HNSW through the real server: recall against exact search on the shared dataset (a fixed
//! subset) or random vectors, `hnsw_ef` and `exact` honoured, and deletes never returned.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

/// The first `n` base vectors and 50 queries of the shared dataset, or random unit vectors when it
/// is not beside the repository.
pub fn data(n: usize) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    data_with_queries(n, 50)
}

/// The first `n` base vectors and `q` queries of the shared dataset, or random vectors (24
/// dimensions) when it is not beside the repository.
pub fn data_with_queries(n: usize, q: usize) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/wordnet-minilm-384");
    let read = |name: &str, rows: usize| -> Option<Vec<Vec<f32>>> {
        let bytes = std::fs::read(dir.join(name)).ok()?;
        let dim = i32::from_le_bytes(bytes.get(0..4)?.try_into().ok()?) as usize;
        let row = 4 + dim * 4;
        Some(
            bytes
                .chunks_exact(row)
                .take(rows)
                .map(|r| {
                    r[4..]
                        .chunks_exact(4)
                        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                        .collect()
                })
                .collect(),
        )
    };
    if let (Some(base), Some(queries)) = (read("base.fvecs", n), read("queries.fvecs", q)) {
        return (base, queries);
    }
    let mut state = 99u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 40) as f32) / (1u64 << 24) as f32 - 0.5
    };
    let mut random_rows = |rows: usize| {
        (0..rows)
            .map(|_| (0..24).map(|_| next()).collect())
            .collect()
    };
    (random_rows(n), random_rows(q))
}

/// The ids of the 10 nearest points to `q` in `collection`, with search `params`.
pub fn top10(
    s: &TestServer,
    collection: &str,
    q: &[f32],
    params: &Value,
) -> Result<Vec<u64>, Box<dyn std::error::Error>> {
    let r: Value = s
        .post_json(
            &format!("/collections/{collection}/points/query"),
            &json!({"query": q, "limit": 10, "params": params}),
        )?
        .json()?;
    Ok(ids(&r))
}

pub fn ids(r: &Value) -> Vec<u64> {
    r["result"]["points"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[test]
fn hnsw_recall_against_exact_search_and_deletes() -> TestResult {
    let (base, queries) = data(4000);
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    let r = s.put_json(
        "/collections/ann",
        &json!({"vectors": {"size": base[0].len(), "distance": "Cosine"}, "hnsw_config": {"m": 16, "ef_construct": 100, "full_scan_threshold": 1000}}),
    )?;
    assert_eq!(r.status(), 200);
    s.upsert_rows("ann", &base, 0)?;
    let info: Value = s.get("/collections/ann")?.json()?;
    assert_eq!(info["result"]["indexed_vectors_count"], 4000);
    // Delete every tenth point; it must never come back from either search.
    let deleted: Vec<u64> = (0..4000).step_by(10).collect();
    assert_eq!(
        s.post_json(
            "/collections/ann/points/delete",
            &json!({"points": deleted})
        )?
        .status(),
        200
    );
    let (mut hits, mut total) = (0, 0);
    for q in &queries {
        let exact = top10(&s, "ann", q, &json!({"exact": true}))?;
        let approx = top10(&s, "ann", q, &json!({"hnsw_ef": 64}))?;
        assert_eq!(approx.len(), 10);
        assert!(
            approx.iter().all(|id| id % 10 != 0),
            "a deleted point was returned"
        );
        assert!(exact.iter().all(|id| id % 10 != 0));
        hits += approx.iter().filter(|id| exact.contains(id)).count();
        total += exact.len();
    }
    let recall = hits as f64 / total as f64;
    eprintln!("HNSW recall@10 through the server: {recall}");
    assert!(recall >= 0.95, "recall@10 {recall}");
    // After a restart the graph is rebuilt from the stored vectors and agrees with them.
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let mut found = 0;
    for id in (1..4000u64).step_by(37).filter(|id| id % 10 != 0) {
        let r: Value = s
            .post_json(
                "/collections/ann/points/query",
                &json!({"query": base[id as usize], "limit": 1}),
            )?
            .json()?;
        found += usize::from(ids(&r) == vec![id]);
    }
    assert!(
        found >= 95,
        "only {found} points found by their own vector after restart"
    );
    Ok(())
}

#[test]
fn the_graph_is_reopened_from_its_image_and_rebuilt_when_damaged() -> TestResult {
    let (base, queries) = data(1500);
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    let r = s.put_json(
        "/collections/g",
        &json!({"vectors": {"size": base[0].len(), "distance": "Cosine"}, "hnsw_config": {"full_scan_threshold": 100}}),
    )?;
    assert_eq!(r.status(), 200);
    let points: Vec<Value> = base
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"id": i, "vector": v}))
        .collect();
    assert_eq!(
        s.put_json("/collections/g/points", &json!({"points": points}))?
            .status(),
        200
    );
    // Free some slots (enough for the graph repair to release them), then leave a few tombstones
    // (too few to repair), so that the image must keep slot numbers, released slots and stale
    // vectors.
    let deleted: Vec<u64> = (0..1500).step_by(7).collect();
    assert_eq!(
        s.post_json("/collections/g/points/delete", &json!({"points": deleted}))?
            .status(),
        200
    );
    s.wait_repaired("g")?;
    let tombstones = [1u64, 2, 3, 4, 5, 8, 9, 10, 11, 12];
    assert_eq!(
        s.post_json(
            "/collections/g/points/delete",
            &json!({"points": tombstones})
        )?
        .status(),
        200
    );
    assert_eq!(
        s.metric("plait_hnsw_tombstones{collection=\"g\"}")?,
        Some(10.0)
    );
    let before: Vec<Vec<u64>> = queries
        .iter()
        .map(|q| {
            s.post_json(
                "/collections/g/points/query",
                &json!({"query": q, "limit": 10}),
            )
            .and_then(|r| r.json::<Value>())
            .map(|v| ids(&v))
        })
        .collect::<Result<_, _>>()?;
    s.terminate()?; // a clean stop writes points and graph images
    assert!(dir.path().join("collections/g/graph.plait").exists());

    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert!(
        s.get("/metrics")?
            .text()?
            .contains("plait_hnsw_rebuilds_total 0")
    );
    for (q, expected) in queries.iter().zip(&before) {
        let got = top10(&s, "g", q, &json!({}))?;
        assert_eq!(&got, expected, "the reopened graph answers differently");
        assert!(got.iter().all(|id| id % 7 != 0 && !tombstones.contains(id)));
    }
    s.kill9()?;

    // Damage the graph image: the collection still opens, rebuilds the graph and says so.
    let path = dir.path().join("collections/g/graph.plait");
    let mut bytes = std::fs::read(&path)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&path, &bytes)?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert!(
        s.get("/metrics")?
            .text()?
            .contains("plait_hnsw_rebuilds_total 1")
    );
    assert!(s.log_text().contains("HNSW graph rebuilt"));
    let (mut hits, mut total) = (0, 0);
    for q in &queries {
        let exact = top10(&s, "g", q, &json!({"exact": true}))?;
        let approx = top10(&s, "g", q, &json!({}))?;
        hits += approx.iter().filter(|id| exact.contains(id)).count();
        total += exact.len();
    }
    assert!(hits as f64 / total as f64 >= 0.95);
    Ok(())
}

#[test]
fn extra_distances_are_selectable_and_ranked_like_a_reference() -> TestResult {
    type Reference = fn(&[f32], &[f32]) -> f32;
    let cases: [(&str, Reference); 3] = [
        ("Chebyshev", |a, b| {
            a.iter()
                .zip(b)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f32::max)
        }),
        ("Canberra", |a, b| {
            a.iter()
                .zip(b)
                .map(|(x, y)| {
                    if x.abs() + y.abs() > 0.0 {
                        (x - y).abs() / (x.abs() + y.abs())
                    } else {
                        0.0
                    }
                })
                .sum()
        }),
        ("BrayCurtis", |a, b| {
            let num: f32 = a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum();
            let den: f32 = a.iter().zip(b).map(|(x, y)| (x + y).abs()).sum();
            if den > 0.0 { num / den } else { 0.0 }
        }),
    ];
    let (base, queries) = data(300);
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    for (distance, reference) in cases {
        let name = distance.to_lowercase();
        s.create_collection(&name, base[0].len(), distance)?;
        let points: Vec<Value> = base
            .iter()
            .enumerate()
            .map(|(i, v)| json!({"id": i, "vector": v}))
            .collect();
        assert_eq!(
            s.put_json(
                &format!("/collections/{name}/points"),
                &json!({"points": points})
            )?
            .status(),
            200
        );
        let info: Value = s.get(&format!("/collections/{name}"))?.json()?;
        assert_eq!(
            info["result"]["config"]["params"]["vectors"]["distance"],
            distance
        );
        for q in queries.iter().take(10) {
            let mut expected: Vec<(f32, u64)> = base
                .iter()
                .enumerate()
                .map(|(i, v)| (reference(q, v), i as u64))
                .collect();
            expected.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let r: Value = s
                .post_json(
                    &format!("/collections/{name}/points/query"),
                    &json!({"query": q, "limit": 5}),
                )?
                .json()?;
            let got = r["result"]["points"].as_array().ok_or("points")?;
            for (hit, (score, _)) in got.iter().zip(&expected) {
                let s = hit["score"].as_f64().ok_or("score")? as f32;
                assert!(
                    (s - score).abs() <= 1e-4 * score.abs().max(1.0),
                    "{distance}: score {s} vs {score}"
                );
            }
            assert_eq!(got.len(), 5);
        }
    }
    Ok(())
}
