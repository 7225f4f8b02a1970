//! The REST API end to end: collection life cycle, points, search, health, metrics, shutdown.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

#[test]
fn collection_and_point_life_cycle() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("docs", 3, "Dot")?;
    let again = s.put_json(
        "/collections/docs",
        &json!({"vectors": {"size": 3, "distance": "Dot"}}),
    )?;
    assert_eq!(again.status(), 409);

    let r = s.put_json(
        "/collections/docs/points?wait=true",
        &json!({"points": [
            {"id": 1, "vector": [1.0, 0.0, 0.0], "payload": {"title": "one", "n": 1, "tags": ["a", "b"]}},
            {"id": 2, "vector": [0.0, 1.0, 0.0]},
            {"id": "7b0e5a52-3e3a-4c8d-9f1e-4f4a4e0b9c11", "vector": [0.5, 0.5, 0.0], "payload": {"big": 18446744073709551615u64}}
        ]}),
    )?;
    assert_eq!(r.status(), 200);
    let body: Value = r.json()?;
    assert_eq!(body["result"]["status"], "completed");
    assert_eq!(body["status"], "ok");

    let r: Value = s
        .post_json(
            "/collections/docs/points/query",
            &json!({"query": [1.0, 0.1, 0.0], "limit": 2, "with_payload": true}),
        )?
        .json()?;
    let points = r["result"]["points"].as_array().ok_or("points")?;
    assert_eq!(points.len(), 2);
    assert_eq!(points[0]["id"], 1);
    assert_eq!(points[0]["payload"]["tags"], json!(["a", "b"]));
    assert!(
        points[0]["score"].as_f64().ok_or("score")?
            >= points[1]["score"].as_f64().ok_or("score")?
    );

    let one: Value = s
        .get("/collections/docs/points/7b0e5a52-3e3a-4c8d-9f1e-4f4a4e0b9c11")?
        .json()?;
    assert_eq!(
        one["result"]["payload"]["big"],
        json!(18446744073709551615u64)
    );
    assert_eq!(one["result"]["vector"], json!([0.5, 0.5, 0.0]));
    assert_eq!(s.get("/collections/docs/points/99")?.status(), 404);
    assert_eq!(s.get("/collections/docs/points/not-an-id")?.status(), 400);

    let count: Value = s
        .post_json("/collections/docs/points/count", &json!({"exact": true}))?
        .json()?;
    assert_eq!(count["result"]["count"], 3);
    let r = s.post_json(
        "/collections/docs/points/delete?wait=true",
        &json!({"points": [2, 99]}),
    )?;
    assert_eq!(r.status(), 200);
    let count: Value = s
        .client
        .post(s.url("/collections/docs/points/count"))
        .send()?
        .json()?;
    assert_eq!(count["result"]["count"], 2);

    let info: Value = s.get("/collections/docs")?.json()?;
    assert_eq!(info["result"]["points_count"], 2);
    assert_eq!(
        info["result"]["config"]["params"]["vectors"]["distance"],
        "Dot"
    );
    assert_eq!(info["result"]["plait"]["durability"], "fsync");
    assert!(
        info["result"]["plait"]["disk_bytes"]
            .as_u64()
            .ok_or("disk")?
            > 0
    );

    let list: Value = s.get("/collections")?.json()?;
    assert_eq!(list["result"]["collections"], json!([{"name": "docs"}]));
    let deleted: Value = s.client.delete(s.url("/collections/docs")).send()?.json()?;
    assert_eq!(deleted["result"], true);
    let deleted: Value = s.client.delete(s.url("/collections/docs")).send()?.json()?;
    assert_eq!(deleted["result"], false);
    assert_eq!(s.get("/collections/docs")?.status(), 404);
    assert!(!dir.path().join("collections/docs").exists());
    Ok(())
}

#[test]
fn scroll_pages_through_every_point_once_in_id_order() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("pages", 2, "Euclid")?;
    let points: Vec<Value> = (0..257u64)
        .rev()
        .map(|i| json!({"id": i * 3, "vector": [i as f32, 1.0], "payload": {"i": i}}))
        .collect();
    assert_eq!(
        s.put_json("/collections/pages/points", &json!({"points": points}))?
            .status(),
        200
    );
    let mut seen = Vec::new();
    let mut offset = Value::Null;
    loop {
        let r: Value = s
            .post_json(
                "/collections/pages/points/scroll",
                &json!({"limit": 50, "offset": offset}),
            )?
            .json()?;
        for p in r["result"]["points"].as_array().ok_or("points")? {
            seen.push(p["id"].as_u64().ok_or("id")?);
        }
        offset = r["result"]["next_page_offset"].clone();
        if offset.is_null() {
            break;
        }
    }
    let expected: Vec<u64> = (0..257u64).map(|i| i * 3).collect();
    assert_eq!(seen, expected);
    Ok(())
}

#[test]
fn search_is_exact_against_a_brute_force_reference() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("exact", 8, "Euclid")?;
    let mut state = 12345u64;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((state >> 33) as f32 / (1u64 << 31) as f32) - 0.5
    };
    let vectors: Vec<Vec<f32>> = (0..500).map(|_| (0..8).map(|_| next()).collect()).collect();
    let points: Vec<Value> = vectors
        .iter()
        .enumerate()
        .map(|(i, v)| json!({"id": i, "vector": v}))
        .collect();
    assert_eq!(
        s.put_json("/collections/exact/points", &json!({"points": points}))?
            .status(),
        200
    );
    for q in 0..20 {
        let query: Vec<f32> = (0..8).map(|_| next()).collect();
        let mut reference: Vec<(f32, usize)> = vectors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                (
                    v.iter()
                        .zip(&query)
                        .map(|(a, b)| (a - b) * (a - b))
                        .sum::<f32>()
                        .sqrt(),
                    i,
                )
            })
            .collect();
        reference.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        let r: Value = s
            .post_json(
                "/collections/exact/points/query",
                &json!({"query": {"nearest": query}, "limit": 10}),
            )?
            .json()?;
        let got: Vec<u64> = r["result"]["points"]
            .as_array()
            .ok_or("points")?
            .iter()
            .filter_map(|p| p["id"].as_u64())
            .collect();
        let want: Vec<u64> = reference.iter().take(10).map(|(_, i)| *i as u64).collect();
        assert_eq!(got, want, "query {q}");
    }
    Ok(())
}

#[test]
fn health_metrics_openapi_and_docs_are_served() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(s.get("/livez")?.status(), 200);
    assert_eq!(s.get("/healthz")?.status(), 200);
    let root: Value = s.get("/")?.json()?;
    assert_eq!(root["title"], "plait");
    s.create_collection("m", 2, "Cosine")?;
    s.put_json(
        "/collections/m/points",
        &json!({"points": [{"id": 1, "vector": [1.0, 2.0]}]}),
    )?;
    let metrics = s.get("/metrics")?.text()?;
    for name in [
        "plait_http_requests_total{method=\"PUT\",route=\"/collections/{name}/points\",status=\"200\"}",
        "plait_http_request_duration_seconds_bucket",
        "plait_collection_points{collection=\"m\"} 1",
        "plait_wal_written_bytes_total",
        "plait_wal_fsync_duration_seconds_count",
        "plait_recovery_duration_seconds",
    ] {
        assert!(metrics.contains(name), "missing {name} in /metrics");
    }
    let doc: Value = s.get("/openapi.json")?.json()?;
    assert!(doc["openapi"].as_str().ok_or("openapi")?.starts_with("3.1"));
    let page = s.get("/docs")?.text()?;
    assert!(page.contains("openapi.json"));
    let r = s.get("/no/such/route")?;
    assert_eq!(r.status(), 404);
    assert!(r.headers().contains_key("x-request-id"));
    Ok(())
}

#[test]
fn sigterm_checkpoints_and_a_restart_finds_everything() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("keep", 2, "Dot")?;
    s.put_json(
        "/collections/keep/points",
        &json!({"points": [{"id": 5, "vector": [1.0, 2.0], "payload": {"k": "v"}}]}),
    )?;
    let status = s.terminate()?;
    assert!(status.success(), "exit status {status}");
    assert!(
        dir.path()
            .join("collections/keep/checkpoint.plait")
            .exists()
    );
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let points = s.all_points("keep")?;
    assert_eq!(
        points,
        vec![json!({"id": 5, "payload": {"k": "v"}, "vector": [1.0, 2.0]})]
    );
    Ok(())
}

#[test]
fn a_second_server_on_the_same_data_dir_fails_clearly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let _first = TestServer::start_in(dir.path(), &[])?;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("locked by another Plait process"),
        "{stderr}"
    );
    Ok(())
}
