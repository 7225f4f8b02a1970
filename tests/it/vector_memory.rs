//! Vectors live in a memory-mapped working file: mapped and resident bytes are reported, and the
//! file is rebuilt from the checkpoint and WAL when the server restarts.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn gauge(metrics: &str, name: &str, collection: &str) -> Option<f64> {
    let prefix = format!("{name}{{collection=\"{collection}\"}} ");
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .and_then(|v| v.trim().parse().ok())
}

fn vector_of(i: usize, dim: usize) -> Vec<f32> {
    (0..dim)
        .map(|d| ((i * 31 + d * 7) % 97) as f32 - 48.0)
        .collect()
}

#[test]
fn vectors_are_mapped_reported_and_rebuilt_after_a_crash() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (n, dim) = (3000usize, 64usize);
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("mem", dim, "Euclid")?;
    let rows: Vec<Vec<f32>> = (0..n).map(|i| vector_of(i, dim)).collect();
    s.upsert_rows("mem", &rows, 0)?;
    let file = dir.path().join("collections/mem/vectors.f32");
    let on_disk = std::fs::metadata(&file)?.len();
    assert!(
        on_disk as usize >= n * dim * 4,
        "vector file {on_disk} bytes"
    );

    let metrics = s.get("/metrics")?.text()?;
    let mapped = gauge(&metrics, "plait_vector_mapped_bytes", "mem").ok_or("mapped gauge")?;
    let resident = gauge(&metrics, "plait_vector_resident_bytes", "mem").ok_or("resident gauge")?;
    assert!(mapped >= (n * dim * 4) as f64, "mapped {mapped}");
    assert!(
        resident > 0.0 && resident <= mapped,
        "resident {resident} of {mapped}"
    );
    let info: Value = s.get("/collections/mem")?.json()?;
    assert_eq!(
        info["result"]["plait"]["vector_mapped_bytes"],
        mapped as u64
    );

    // The working file is not trusted after a crash: it is rebuilt, and the vectors come back
    // exactly as acknowledged.
    s.kill9()?;
    std::fs::write(&file, b"garbage")?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let r: Value = s
        .post_json(
            "/collections/mem/points",
            &json!({"ids": [0, 1234, n - 1], "with_vector": true}),
        )?
        .json()?;
    let points = r["result"].as_array().ok_or("points")?;
    assert_eq!(points.len(), 3);
    for p in points {
        let id = p["id"].as_u64().ok_or("id")? as usize;
        let got: Vec<f32> = serde_json::from_value(p["vector"].clone())?;
        assert_eq!(got, vector_of(id, dim), "point {id}");
    }
    let hits: Value = s
        .post_json(
            "/collections/mem/points/search",
            &json!({"vector": vector_of(77, dim), "limit": 1}),
        )?
        .json()?;
    assert_eq!(hits["result"][0]["id"], 77);
    Ok(())
}
