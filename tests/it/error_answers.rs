//! What a client gets back when a request is wrong: Qdrant's status codes (400 for a body of the
//! wrong shape or a wrong vector dimension, 422 for a value out of range or a feature Plait lacks),
//! messages that say what is accepted, and the JSON error envelope on every error answer.

use reqwest::Method;
use serde_json::{Value, json};

use crate::input_bounds::expect_error;
use crate::server::{TestResult, TestServer};

#[test]
fn status_codes_follow_qdrant() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 4, "Dot")?;
    let message = expect_error(
        s.put_json(
            "/collections/c/points",
            &json!({"points": [{"id": 1, "vector": [1.0, 2.0, 3.0]}]}),
        )?,
        400,
    )?;
    assert!(
        message.starts_with("Wrong input: Vector dimension error: expected dim: 4, got 3"),
        "{message}"
    );
    let message = expect_error(
        s.post_json("/collections/c/points/query", &json!({"query": [1.0]}))?,
        400,
    )?;
    assert!(message.contains("expected dim: 4, got 1"), "{message}");
    let message = expect_error(
        s.put_json(
            "/collections/c/points",
            &json!({"points": [{"id": 1, "vector": "x"}]}),
        )?,
        400,
    )?;
    assert!(
        message.starts_with("Format error in JSON body: points[0].vector"),
        "{message}"
    );
    let message = expect_error(
        s.send_raw(
            Method::PUT,
            "/collections/c/points",
            b"{\"points\": [".to_vec(),
        )?,
        400,
    )?;
    assert!(
        message.starts_with("Format error in JSON body"),
        "{message}"
    );
    let message = expect_error(
        s.post_json(
            "/collections/c/points/query",
            &json!({"query": [1.0, 0.0, 0.0, 0.0], "params": {"hnsw_ef": 0}}),
        )?,
        422,
    )?;
    assert!(
        message.starts_with("Validation error in JSON body"),
        "{message}"
    );
    Ok(())
}

#[test]
fn unsupported_shapes_say_what_is_accepted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 2, "Dot")?;
    for (path, body, expected) in [
        (
            "/collections/c/points/query",
            json!({"query": {"bogus": [1.0, 0.0]}}),
            "unknown query kind `bogus`",
        ),
        (
            "/collections/c/points/query",
            json!({"query": true}),
            "a dense vector",
        ),
        (
            "/collections/c/points/query",
            json!({"query": [1.0, 0.0], "with_payload": 5}),
            "include",
        ),
    ] {
        let message = expect_error(s.post_json(path, &body)?, 400)?;
        assert!(message.contains(expected), "{body}: {message}");
        assert!(!message.contains("untagged"), "{body}: {message}");
    }
    Ok(())
}

#[test]
fn fields_naming_features_plait_lacks_are_refused_by_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 2, "Dot")?;
    s.upsert_rows("c", &[vec![1.0, 0.0]], 1)?;
    let q = json!([1.0, 0.0]);
    let point_requests = [
        (
            "query",
            json!({"query": q, "prefetch": {"filter": {"must": []}}}),
            "prefetch listing points by id",
        ),
        (
            "query",
            json!({"query": {"formula": {"sum": []}}}),
            "formula",
        ),
        (
            "query",
            json!({"query": q, "lookup_from": {"collection": "x"}}),
            "lookup_from",
        ),
        ("query", json!({"query": q, "group_by": "doc"}), "group_by"),
        ("query", json!({"query": q, "shard_key": "a"}), "shard_key"),
        (
            "query",
            json!({"query": {"recommend": {"positive": [1]}}}),
            "recommend",
        ),
        (
            "query",
            json!({"query": {"discover": {"target": 1, "context": []}}}),
            "discover",
        ),
        ("query", json!({"query": {"context": []}}), "context"),
        ("query", json!({"query": {"fusion": "rrf"}}), "fusion"),
        ("query", json!({"query": {"order_by": "price"}}), "order_by"),
        ("query", json!({"query": {"sample": "random"}}), "sample"),
        ("query", json!({"query": 1}), "point id"),
        ("query", json!({"query": {"nearest": 1}}), "nearest"),
        (
            "search",
            json!({"vector": q, "limit": 1, "shard_key": "a"}),
            "shard_key",
        ),
        ("scroll", json!({"shard_key": "a"}), "shard_key"),
        ("count", json!({"shard_key": "a"}), "shard_key"),
        (
            "delete",
            json!({"points": [1], "shard_key": "a"}),
            "shard_key",
        ),
    ];
    for (route, body, field) in point_requests {
        let r = s.post_json(&format!("/collections/c/points/{route}"), &body)?;
        let message = expect_error(r, 422)?;
        assert!(message.contains(field), "{route} {body}: {message}");
    }
    let r = s.post_json(
        "/collections/c/points",
        &json!({"ids": [1], "shard_key": "a"}),
    )?;
    assert!(expect_error(r, 422)?.contains("shard_key"));
    let r = s.put_json(
        "/collections/c/points",
        &json!({"points": [{"id": 2, "vector": q}], "shard_key": "a"}),
    )?;
    assert!(expect_error(r, 422)?.contains("shard_key"));
    assert_eq!(
        s.all_points("c")?.len(),
        1,
        "a refused upsert stored points"
    );
    let vectors = json!({"size": 2, "distance": "Dot"});
    for (extra, field) in [
        (
            json!({"sparse_vectors": {"text": {"index": {"on_disk": true}}}}),
            "sparse_vectors.text.index.on_disk",
        ),
        (json!({"sharding_method": "custom"}), "sharding_method"),
        (json!({"init_from": {"collection": "c"}}), "init_from"),
        (json!({"wal_config": {"wal_capacity_mb": 32}}), "wal_config"),
        (
            json!({"optimizers_config": {"indexing_threshold": 0}}),
            "optimizers_config",
        ),
        (
            json!({"strict_mode_config": {"enabled": true}}),
            "strict_mode_config",
        ),
        (json!({"on_disk_payload": true}), "on_disk_payload"),
        (
            json!({"vectors": {"size": 2, "distance": "Dot", "on_disk": false}}),
            "on_disk",
        ),
        (
            json!({"vectors": {"size": 2, "distance": "Dot", "multivector_config": {"comparator": "max_sim"}}}),
            "multivector_config",
        ),
    ] {
        let mut body = json!({"vectors": vectors});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            b.extend(e.clone());
        }
        let message = expect_error(s.put_json("/collections/new", &body)?, 422)?;
        assert!(message.contains(field), "{body}: {message}");
    }
    assert_eq!(s.get("/collections/new")?.status(), 404);
    // The values that match what Plait does, and nulls, are accepted.
    let r = s.put_json(
        "/collections/new",
        &json!({"vectors": {"size": 2, "distance": "Dot", "on_disk": true},
                "on_disk_payload": false, "sparse_vectors": null, "wal_config": null}),
    )?;
    assert_eq!(r.status(), 200);
    Ok(())
}

#[test]
fn unknown_fields_are_ignored_and_counted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 2, "Dot")?;
    s.upsert_rows("c", &[vec![1.0, 0.0]], 1)?;
    let series = "plait_http_ignored_fields_total";
    let before = s.metric(series)?.ok_or("no ignored-fields metric")?;
    let r = s.post_json(
        "/collections/c/points",
        &json!({"ids": [1], "a_field_from_the_future": {"x": 1}}),
    )?;
    assert_eq!(r.status(), 200);
    let after = s.metric(series)?.ok_or("no ignored-fields metric")?;
    assert_eq!(after - before, 1.0);
    Ok(())
}

#[test]
fn every_error_answer_carries_the_envelope() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &["--max-body-bytes", "4096"])?;
    s.create_collection("c", 2, "Dot")?;
    // 405: the route exists, the method does not.
    let r = s.get("/collections/c/points/query")?;
    let allow = r.headers().get("allow").and_then(|v| v.to_str().ok());
    assert!(allow.is_some_and(|a| a.contains("POST")), "{allow:?}");
    let message = expect_error(r, 405)?;
    assert!(message.contains("not allowed"), "{message}");
    let r = s.client.delete(s.url("/collections/c/points")).send()?;
    expect_error(r, 405)?;
    // 404: no such route, no such collection, no such point.
    expect_error(s.get("/no/such/route")?, 404)?;
    expect_error(s.get("/collections/missing")?, 404)?;
    expect_error(s.get("/collections/c/points/77")?, 404)?;
    // 413: declared too large, and streamed too large (chunked, no length).
    let big = vec![b' '; 8192];
    expect_error(
        s.send_raw(Method::PUT, "/collections/c/points", big.clone())?,
        413,
    )?;
    // A reader body has no known length, so it is sent chunked and cut off while being read.
    // The server answers before the client has sent it all and closes the connection, so the
    // client may see the connection end before it reads the answer (a transport race, not an
    // answer): such attempts are repeated, and one must read the 413 with its envelope.
    let mut answered = None;
    for _ in 0..5 {
        let sent = s
            .client
            .put(s.url("/collections/c/points"))
            .header("content-type", "application/json")
            .body(reqwest::blocking::Body::new(std::io::Cursor::new(
                big.clone(),
            )))
            .send();
        match sent {
            Ok(r) => {
                answered = Some(r);
                break;
            }
            Err(e) if e.is_request() => continue,
            Err(e) => return Err(e.into()),
        }
    }
    let r = answered.ok_or("every chunked upload lost its answer to the connection closing")?;
    assert_eq!(r.status(), 413);
    let body: Value = r.json().unwrap_or(Value::Null);
    assert!(body["status"]["error"].is_string(), "{body}");
    // 415: not JSON.
    let r = s
        .client
        .put(s.url("/collections/c/points"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()?;
    expect_error(r, 415)?;
    Ok(())
}

#[test]
fn a_timed_out_request_gets_408_with_the_envelope() -> TestResult {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &["--request-timeout-secs", "1"])?;
    s.create_collection("c", 2, "Dot")?;
    // Declare a body and never send it: the handler waits for it until the timeout answers.
    let addr = s.base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(30)))?;
    write!(
        stream,
        "PUT /collections/c/points HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n"
    )?;
    // Read the head, then exactly the body its Content-Length announces.
    let mut response = Vec::new();
    let mut buf = [0u8; 4096];
    let complete = |r: &[u8]| {
        let text = String::from_utf8_lossy(r);
        let (head, body) = text.split_once("\r\n\r\n")?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                l.to_ascii_lowercase()
                    .strip_prefix("content-length:")
                    .map(|v| v.trim().to_owned())
            })?
            .parse()
            .ok()?;
        (body.len() >= length).then_some(())
    };
    while complete(&response).is_none() {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        response.extend_from_slice(&buf[..n]);
    }
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    let body = text.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: Value = serde_json::from_str(body)?;
    assert!(
        body["status"]["error"]
            .as_str()
            .is_some_and(|e| e.contains("timeout")),
        "{body}"
    );
    Ok(())
}
