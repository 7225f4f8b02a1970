//! Every size a client sends is bounded: the bound itself is accepted, one past it is a 4xx with a
//! message, and the server keeps answering either way.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

/// Asserts `status` and a non-empty error message in Plait's envelope; returns the message.
pub fn expect_error(
    r: reqwest::blocking::Response,
    status: u16,
) -> Result<String, Box<dyn std::error::Error>> {
    let got = r.status().as_u16();
    let body: Value = r.json().unwrap_or(Value::Null);
    assert_eq!(got, status, "body: {body}");
    let message = body["status"]["error"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "no error message in {body}");
    Ok(message.to_owned())
}

/// A collection searched through its graph: more points than its `full_scan_threshold`.
fn graph_collection(s: &TestServer, name: &str) -> TestResult {
    let r = s.put_json(
        &format!("/collections/{name}"),
        &json!({"vectors": {"size": 4, "distance": "Dot"},
                "hnsw_config": {"full_scan_threshold": 10}}),
    )?;
    assert_eq!(r.status(), 200);
    let rows: Vec<Vec<f32>> = (0..64u8)
        .map(|i| {
            let x = f32::from(i);
            vec![x, 1.0, x.sin(), x.cos()]
        })
        .collect();
    s.upsert_rows(name, &rows, 0)
}

fn query_with_ef(s: &TestServer, ef: &Value) -> reqwest::Result<reqwest::blocking::Response> {
    s.post_json(
        "/collections/g/points/query",
        &json!({"query": [1.0, 1.0, 0.0, 0.0], "limit": 3, "params": {"hnsw_ef": ef}}),
    )
}

#[test]
fn hnsw_ef_is_bounded_and_a_huge_one_never_takes_the_server_down() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    graph_collection(&s, "g")?;
    for huge in [json!(1_000_000_000_000_u64), json!(u64::MAX), json!(0)] {
        let message = expect_error(query_with_ef(&s, &huge)?, 422)?;
        assert!(message.contains("hnsw_ef"), "{message}");
        assert_eq!(s.get("/livez")?.status(), 200, "after hnsw_ef {huge}");
    }
    let at_cap: Value = query_with_ef(&s, &json!(100_000))?.json()?;
    assert_eq!(at_cap["result"]["points"].as_array().map(Vec::len), Some(3));
    expect_error(query_with_ef(&s, &json!(100_001))?, 422)?;
    let r = s.post_json(
        "/collections/g/points/search",
        &json!({"vector": [1.0, 1.0, 0.0, 0.0], "limit": 3, "params": {"hnsw_ef": u64::MAX}}),
    )?;
    expect_error(r, 422)?;
    assert_eq!(s.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn id_lists_and_page_sizes_are_capped_and_duplicates_come_back_once() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 2, "Dot")?;
    s.upsert_rows("c", &[vec![1.0, 0.0], vec![0.0, 1.0], vec![1.0, 1.0]], 1)?;
    // Retrieve: repeated ids are answered once, in first-seen order.
    let r: Value = s
        .post_json(
            "/collections/c/points",
            &json!({"ids": [3, 1, 3, 2, 1, 99]}),
        )?
        .json()?;
    let ids: Vec<u64> = r["result"]
        .as_array()
        .ok_or("no result")?
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect();
    assert_eq!(ids, [3, 1, 2]);
    let ids = |n: u64| json!((0..n).collect::<Vec<u64>>());
    let r = s.post_json("/collections/c/points", &json!({"ids": ids(100_000)}))?;
    assert_eq!(r.status(), 200);
    expect_error(
        s.post_json("/collections/c/points", &json!({"ids": ids(100_001)}))?,
        422,
    )?;
    // Delete: the same cap (the ids at the cap do not exist but 1..=3, which are deleted).
    expect_error(
        s.post_json(
            "/collections/c/points/delete",
            &json!({"points": ids(100_001)}),
        )?,
        422,
    )?;
    assert_eq!(s.all_points("c")?.len(), 3);
    let r = s.post_json(
        "/collections/c/points/delete",
        &json!({"points": ids(100_000)}),
    )?;
    assert_eq!(r.status(), 200);
    assert_eq!(s.all_points("c")?.len(), 0);
    // Upsert: one past the cap is refused before anything is stored.
    let points: Vec<Value> = (0..100_001u64)
        .map(|i| json!({"id": i, "vector": [1.0, 0.0]}))
        .collect();
    let message = expect_error(
        s.put_json("/collections/c/points", &json!({ "points": points }))?,
        422,
    )?;
    assert!(message.contains("100000"), "{message}");
    // Scroll: `limit: 0` would page forever; it is refused, as are limits past the cap.
    for bad in [0, 100_001] {
        let message = expect_error(
            s.post_json("/collections/c/points/scroll", &json!({"limit": bad}))?,
            422,
        )?;
        assert!(message.contains("limit"), "{message}");
    }
    let r = s.post_json("/collections/c/points/scroll", &json!({"limit": 100_000}))?;
    assert_eq!(r.status(), 200);
    // Search: `limit + offset` at most 100000.
    let query = |limit: u64, offset: u64| {
        s.post_json(
            "/collections/c/points/query",
            &json!({"query": [1.0, 0.0], "limit": limit, "offset": offset}),
        )
    };
    assert_eq!(query(99_999, 1)?.status(), 200);
    expect_error(query(100_000, 1)?, 422)?;
    expect_error(query(1, u64::MAX)?, 422)?;
    assert_eq!(s.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn answers_with_vectors_are_bounded_by_limit_times_dimension() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    // 8 Mi components per answer: 2048 vectors of dimension 4096.
    let dim = 4096;
    let fits = (1usize << 23) / dim;
    s.create_collection("wide", dim, "Dot")?;
    s.upsert_rows("wide", &[vec![0.5; dim]], 0)?;
    let ids = |n: usize| json!((0..n as u64).collect::<Vec<u64>>());
    for (n, status) in [(fits, 200), (fits + 1, 422)] {
        let r = s.post_json(
            "/collections/wide/points",
            &json!({"ids": ids(n), "with_vector": true}),
        )?;
        assert_eq!(r.status(), status, "retrieve {n}");
        let r = s.post_json(
            "/collections/wide/points/scroll",
            &json!({"limit": n, "with_vector": true}),
        )?;
        assert_eq!(r.status(), status, "scroll {n}");
        let r = s.post_json(
            "/collections/wide/points/query",
            &json!({"query": vec![0.5; dim], "limit": n, "with_vector": true}),
        )?;
        assert_eq!(r.status(), status, "query {n}");
        // A batch's searches are bounded together: two halves fit exactly when one whole does.
        let halves = [n / 2, n - n / 2];
        let r = s.post_json(
            "/collections/wide/points/query/batch",
            &json!({"searches": halves.map(|limit| {
                json!({"query": vec![0.5; dim], "limit": limit, "with_vector": true})
            })}),
        )?;
        assert_eq!(r.status(), status, "query batch {n}");
        let r = s.post_json(
            "/collections/wide/points/search/batch",
            &json!({"searches": halves.map(|limit| {
                json!({"vector": vec![0.5; dim], "limit": limit, "with_vector": true})
            })}),
        )?;
        assert_eq!(r.status(), status, "search batch {n}");
    }
    // Without vectors the same sizes are fine.
    let r = s.post_json(
        "/collections/wide/points/scroll",
        &json!({"limit": fits + 1}),
    )?;
    assert_eq!(r.status(), 200);
    Ok(())
}

#[test]
fn the_number_of_collections_is_capped() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &["--max-collections", "3"])?;
    for name in ["a", "b", "c"] {
        s.create_collection(name, 2, "Dot")?;
    }
    let r = s.put_json(
        "/collections/d",
        &json!({"vectors": {"size": 2, "distance": "Dot"}}),
    )?;
    let message = expect_error(r, 422)?;
    assert!(message.contains("max_collections"), "{message}");
    assert!(!dir.path().join("collections/d").exists());
    assert_eq!(
        s.client.delete(s.url("/collections/a")).send()?.status(),
        200
    );
    s.create_collection("d", 2, "Dot")?;
    Ok(())
}

#[test]
fn vectors_whose_scores_would_overflow_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    // The bound on a vector's squared length is f32::MAX / 8.
    let bound = f64::from(f32::MAX) / 8.0;
    for distance in ["Dot", "Euclid"] {
        let name = distance.to_lowercase();
        s.create_collection(&name, 2, distance)?;
        let path = format!("/collections/{name}/points?wait=true");
        // 2e19² = 4e38 overflows f32 as a dot product.
        let r = s.put_json(
            &path,
            &json!({"points": [{"id": 1, "vector": [2e19, 0.0]}]}),
        )?;
        let message = expect_error(r, 422)?;
        assert!(message.contains("too long"), "{message}");
        let r = s.post_json(
            &format!("/collections/{name}/points/query"),
            &json!({"query": [2e19, 0.0]}),
        )?;
        expect_error(r, 422)?;
        // At the bound both points are stored and every score is a number.
        let at = (bound.sqrt() * 0.999_999) as f32;
        let r = s.put_json(
            &path,
            &json!({"points": [{"id": 1, "vector": [at, 0.0]}, {"id": 2, "vector": [-at, 0.0]}]}),
        )?;
        assert_eq!(r.status(), 200, "{distance}");
        let hits: Value = s
            .post_json(
                &format!("/collections/{name}/points/query"),
                &json!({"query": [at, 0.0]}),
            )?
            .json()?;
        let hits = hits["result"]["points"].as_array().ok_or("no points")?;
        assert_eq!(hits.len(), 2);
        for h in hits {
            assert!(
                h["score"].as_f64().is_some_and(f64::is_finite),
                "{distance}: {h}"
            );
        }
    }
    Ok(())
}

#[test]
fn zero_and_negative_settings_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    let vectors = json!({"size": 2, "distance": "Dot"});
    for setting in [
        "shard_number",
        "replication_factor",
        "write_consistency_factor",
    ] {
        for bad in [0, -1] {
            let r = s.put_json(
                "/collections/bad",
                &json!({"vectors": vectors, setting: bad}),
            )?;
            let message = expect_error(r, 422)?;
            assert!(message.contains(setting), "{message}");
        }
        let r = s.put_json("/collections/bad", &json!({"vectors": vectors, setting: 2}))?;
        expect_error(r, 422)?;
    }
    assert_eq!(s.get("/collections/bad")?.status(), 404);
    let r = s.put_json(
        "/collections/one",
        &json!({"vectors": vectors, "shard_number": 1, "replication_factor": 1,
                "write_consistency_factor": 1}),
    )?;
    assert_eq!(r.status(), 200);
    // `?timeout=0` is refused; 1 is fine.
    let body = json!({"points": [{"id": 1, "vector": [1.0, 0.0]}]});
    expect_error(s.put_json("/collections/one/points?timeout=0", &body)?, 422)?;
    let r = s.post_json(
        "/collections/one/points/delete?timeout=0",
        &json!({"points": [1]}),
    )?;
    expect_error(r, 422)?;
    let edit = json!({"points": [1], "payload": {"a": 1}, "keys": ["a"]});
    for path in ["payload", "payload/delete", "payload/clear"] {
        let r = s.post_json(&format!("/collections/one/points/{path}?timeout=0"), &edit)?;
        expect_error(r, 422)?;
    }
    expect_error(
        s.put_json("/collections/one/points/payload?timeout=0", &edit)?,
        422,
    )?;
    assert_eq!(
        s.put_json("/collections/one/points?timeout=1", &body)?
            .status(),
        200
    );
    let query = json!({"query": [1.0, 0.0]});
    expect_error(
        s.post_json("/collections/one/points/query?timeout=0", &query)?,
        422,
    )?;
    let r = s.post_json("/collections/one/points/query?timeout=5", &query)?;
    assert_eq!(r.status(), 200);
    let r = s.post_json(
        "/collections/one/points/search?timeout=0",
        &json!({"vector": [1.0, 0.0], "limit": 1}),
    )?;
    expect_error(r, 422)?;
    let r = s.put_json("/collections/two?timeout=0", &json!({"vectors": vectors}))?;
    expect_error(r, 422)?;
    // Names: 128 bytes is the limit.
    let r = s.put_json(
        &format!("/collections/{}", "n".repeat(128)),
        &json!({"vectors": vectors}),
    )?;
    assert_eq!(r.status(), 200);
    let r = s.put_json(
        &format!("/collections/{}", "n".repeat(129)),
        &json!({"vectors": vectors}),
    )?;
    let message = expect_error(r, 422)?;
    assert!(message.contains("128"), "{message}");
    Ok(())
}

#[test]
fn payload_nesting_is_bounded_by_the_parser() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("p", 2, "Dot")?;
    // serde_json refuses documents nested deeper than 128 levels; the body itself takes 3
    // (object, `points` list, point), so a payload may nest 125 levels.
    let nested = |depth: usize| {
        let mut v = json!(1);
        for _ in 0..depth {
            v = json!({ "a": v });
        }
        v
    };
    let body = |depth: usize| json!({"points": [{"id": 1, "vector": [1.0, 0.0], "payload": nested(depth)}]});
    let r = s.put_json("/collections/p/points?wait=true", &body(124))?;
    assert_eq!(r.status(), 200);
    let stored: Value = s.get("/collections/p/points/1")?.json()?;
    assert_eq!(stored["result"]["payload"], nested(124));
    expect_error(s.put_json("/collections/p/points", &body(125))?, 400)?;
    Ok(())
}
