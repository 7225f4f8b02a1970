//! Partial payload updates over HTTP (Qdrant's set, overwrite, delete keys, clear), each a WAL
//! record: they survive `kill -9` (replayed from the log) and a clean restart (in the checkpoint).

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn payloads(s: &TestServer) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let r = s.post_json(
        "/collections/p/points",
        &json!({"ids": [1, 2, 3, 4], "with_payload": true}),
    )?;
    assert_eq!(r.status(), 200);
    let body: Value = r.json()?;
    Ok(body["result"]
        .as_array()
        .ok_or("no result")?
        .iter()
        .map(|p| p["payload"].clone())
        .collect())
}

fn expected() -> Vec<Value> {
    vec![
        json!({"a": 2, "n": {"y": 2}, "new": true}),
        json!({}),
        json!({"only": 1}),
        json!({"a": 1, "n": {"x": 1, "y": 2}, "t": "keep"}),
    ]
}

#[test]
fn payload_edits_apply_in_order_and_survive_kill_9_and_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("p", 2, "Dot")?;
    let base = json!({"a": 1, "n": {"x": 1, "y": 2}, "t": "keep"});
    let points: Vec<Value> = (1..=4)
        .map(|id| json!({"id": id, "vector": [1.0, id as f32], "payload": base}))
        .collect();
    let r = s.put_json(
        "/collections/p/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200);

    let calls = [
        (
            reqwest::Method::POST,
            "/collections/p/points/payload",
            json!({"payload": {"a": 2, "new": true}, "points": [1, 2, 99]}),
        ),
        (
            reqwest::Method::PUT,
            "/collections/p/points/payload",
            json!({"payload": {"only": 1}, "points": [3]}),
        ),
        (
            reqwest::Method::POST,
            "/collections/p/points/payload/delete",
            json!({"keys": ["n.x", "t"], "points": [1]}),
        ),
        (
            reqwest::Method::POST,
            "/collections/p/points/payload/clear",
            json!({"points": [2]}),
        ),
    ];
    for (method, path, body) in &calls {
        let r = s
            .client
            .request(method.clone(), s.url(&format!("{path}?wait=true")))
            .json(body)
            .send()?;
        let status = r.status();
        let text = r.text()?;
        assert_eq!(status, 200, "{method} {path}: {text}");
        let v: Value = serde_json::from_str(&text)?;
        assert_eq!(v["result"]["status"], "completed");
    }
    assert_eq!(payloads(&s)?, expected());

    // Unsupported selectors are refused, not ignored.
    for body in [
        json!({"payload": {"a": 3}, "points": [1], "filter": {"must": []}}),
        json!({"payload": {"a": 3}, "points": [1], "key": "n"}),
        json!({"payload": {"a": 3}}),
    ] {
        let r = s.post_json("/collections/p/points/payload", &body)?;
        assert_eq!(r.status(), 422, "{body}");
    }
    assert_eq!(payloads(&s)?, expected());

    // kill -9: replayed from the WAL.
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(payloads(&s)?, expected());
    // A clean stop checkpoints; the edits are in the checkpoint then.
    assert!(s.terminate()?.success());
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(payloads(&s)?, expected());
    Ok(())
}

/// A payload update copies its payload into every named point: ids times payload size is
/// bounded (not each alone), and so is the number of keys one delete names.
#[test]
fn payload_edits_are_bounded_by_what_they_copy() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("p", 2, "Dot")?;
    // 64 KiB of payload for 4,096 ids is 256 MiB: at the limit, plus the encoding's few bytes.
    let big = "x".repeat(64 << 10);
    let ids: Vec<u64> = (0..4096).collect();
    let r = s.post_json(
        "/collections/p/points/payload",
        &json!({"payload": {"k": big}, "points": ids}),
    )?;
    assert_eq!(r.status(), 422, "{}", r.text()?);
    let ids: Vec<u64> = (0..4000).collect();
    let r = s.post_json(
        "/collections/p/points/payload?wait=true",
        &json!({"payload": {"k": big}, "points": ids}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let keys = |n: usize| (0..n).map(|i| format!("k{i}")).collect::<Vec<_>>();
    let r = s.post_json(
        "/collections/p/points/payload/delete?wait=true",
        &json!({"keys": keys(1000), "points": [1]}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let r = s.post_json(
        "/collections/p/points/payload/delete",
        &json!({"keys": keys(1001), "points": [1]}),
    )?;
    assert_eq!(r.status(), 422, "{}", r.text()?);
    Ok(())
}
