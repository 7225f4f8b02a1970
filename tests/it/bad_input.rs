//! Bad input gets a clear 4xx with a message, nothing of the request is stored, and the server
//! stays healthy.

use reqwest::Method;
use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn assert_error(r: reqwest::blocking::Response, status: u16) -> TestResult {
    let got = r.status().as_u16();
    let body: Value = r.json().unwrap_or(Value::Null);
    assert_eq!(got, status, "body: {body}");
    let message = body["status"]["error"].as_str().unwrap_or_default();
    assert!(!message.is_empty(), "no error message in {body}");
    Ok(())
}

fn count(s: &TestServer, name: &str) -> Result<u64, Box<dyn std::error::Error>> {
    let v: Value = s
        .post_json(&format!("/collections/{name}/points/count"), &json!({}))?
        .json()?;
    v["result"]["count"]
        .as_u64()
        .ok_or_else(|| "no count".into())
}

#[test]
fn invalid_vectors_are_rejected_and_nothing_of_the_request_is_stored() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("v", 3, "Cosine")?;
    let good = json!({"id": 1, "vector": [1.0, 2.0, 3.0]});
    // A wrong dimension is 400 (as Qdrant answers it); a value Plait refuses is 422.
    let cases = [
        (
            "wrong dimension",
            json!({"id": 2, "vector": [1.0, 2.0]}),
            400,
        ),
        ("empty vector", json!({"id": 2, "vector": []}), 400),
        ("too long", json!({"id": 2, "vector": vec![1.0; 4000]}), 400),
        (
            "overflows to infinity",
            json!({"id": 2, "vector": [1e39, 0.0, 0.0]}),
            422,
        ),
        (
            "zero vector with cosine",
            json!({"id": 2, "vector": [0.0, 0.0, 0.0]}),
            422,
        ),
    ];
    for (what, bad, status) in cases {
        let r = s.put_json(
            "/collections/v/points",
            &json!({"points": [good.clone(), bad]}),
        )?;
        assert_eq!(r.status(), status, "{what}");
        assert_eq!(
            count(&s, "v")?,
            0,
            "{what}: part of a rejected request was stored"
        );
    }
    // NaN and Infinity are not JSON: malformed.
    let r = s.send_raw(
        Method::PUT,
        "/collections/v/points",
        br#"{"points":[{"id":3,"vector":[NaN,1,2]}]}"#.to_vec(),
    )?;
    assert_error(r, 400)?;
    let r = s.send_raw(
        Method::PUT,
        "/collections/v/points",
        br#"{"points":[{"id":3,"vector":[Infinity,1,2]}]}"#.to_vec(),
    )?;
    assert_error(r, 400)?;
    // Bad ids and shapes are format errors (400); well-formed but inconsistent bodies are 422.
    for body in [
        json!({"points": [{"id": -1, "vector": [1.0, 2.0, 3.0]}]}),
        json!({"points": [{"id": "not-a-uuid", "vector": [1.0, 2.0, 3.0]}]}),
        json!({"points": [{"id": 1.5, "vector": [1.0, 2.0, 3.0]}]}),
        json!({"points": [{"id": 1, "vector": "abc"}]}),
        json!({"points": [{"id": 1, "vector": [1.0, 2.0, 3.0], "payload": [1, 2]}]}),
    ] {
        assert_error(s.put_json("/collections/v/points", &body)?, 400)?;
    }
    for body in [
        json!({"nothing": true}),
        json!({"batch": {"ids": [1, 2], "vectors": [[1.0, 2.0, 3.0]]}}),
    ] {
        assert_error(s.put_json("/collections/v/points", &body)?, 422)?;
    }
    // Bad query vectors.
    assert_error(
        s.post_json("/collections/v/points/query", &json!({"query": [1.0]}))?,
        400,
    )?;
    assert_error(
        s.post_json(
            "/collections/v/points/query",
            &json!({"query": [0.0, 0.0, 0.0]}),
        )?,
        422,
    )?;
    assert_error(
        s.post_json(
            "/collections/v/points/query",
            &json!({"query": [1.0, 1.0, 1.0], "limit": 100_000_000}),
        )?,
        422,
    )?;
    assert_error(
        s.post_json(
            "/collections/v/points/query",
            &json!({"query": [1.0, 1.0, 1.0], "filter": {"must": [{"key": "at", "geo_radius": {}}]}}),
        )?,
        422,
    )?;
    assert_eq!(count(&s, "v")?, 0);
    assert_eq!(
        s.put_json("/collections/v/points", &json!({"points": [good]}))?
            .status(),
        200
    );
    assert_eq!(count(&s, "v")?, 1);
    assert_eq!(s.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn malformed_json_unknown_collections_and_bad_settings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 2, "Dot")?;
    for raw in [
        &b"{"[..],
        b"not json",
        b"{\"points\": [",
        b"\xff\xfe",
        b"[]]",
    ] {
        let r = s.send_raw(Method::PUT, "/collections/c/points", raw.to_vec())?;
        assert!(
            matches!(r.status().as_u16(), 400 | 422),
            "{:?} -> {}",
            raw,
            r.status()
        );
    }
    let r = s
        .client
        .put(s.url("/collections/c/points"))
        .header("content-type", "text/plain")
        .body("{}")
        .send()?;
    assert_error(r, 415)?;
    // Deeply nested JSON is refused by the parser's depth limit, not a stack overflow.
    let deep = format!(
        "{{\"points\":[{{\"id\":1,\"vector\":[1,2],\"payload\":{{\"a\":{}{}}}}}]}}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    assert_error(
        s.send_raw(Method::PUT, "/collections/c/points", deep.into_bytes())?,
        400,
    )?;
    for path in [
        "/collections/missing/points/count",
        "/collections/missing/points/scroll",
        "/collections/missing/points/query",
    ] {
        let r = s.post_json(path, &json!({"query": [1.0, 2.0]}))?;
        assert_error(r, 404)?;
    }
    assert_error(
        s.put_json("/collections/missing/points", &json!({"points": []}))?,
        404,
    )?;
    assert_error(s.get("/collections/missing")?, 404)?;
    let exists: Value = s.get("/collections/missing/exists")?.json()?;
    assert_eq!(exists["result"]["exists"], false);
    for body in [
        json!({"vectors": {"size": 0, "distance": "Cosine"}}),
        json!({"vectors": {"size": 1_000_000, "distance": "Cosine"}}),
        json!({"vectors": {"size": 4, "distance": "Hamming"},
               "quantization_config": {"scalar": {"type": "int8"}}}),
        json!({"vectors": {"size": 4, "distance": "Cosine"}, "hnsw_config": {"m": 100000}}),
    ] {
        assert_error(s.put_json("/collections/bad", &body)?, 422)?;
    }
    for body in [
        json!({"vectors": {"size": 4, "distance": "Levenshtein"}}),
        json!({"vectors": {"size": -4, "distance": "Cosine"}}),
        json!({}),
    ] {
        assert_error(s.put_json("/collections/bad", &body)?, 400)?;
    }
    assert!(!dir.path().join("collections/bad").exists());
    assert_eq!(s.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn hostile_collection_names_are_refused_without_touching_the_file_system() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let s = TestServer::start_in(&data, &[])?;
    let long = "a".repeat(10 * 1024);
    let names: Vec<String> = vec![
        "%2E%2E".into(),
        "%2E".into(),
        "..%2F..%2Fetc".into(),
        "a%2Fb".into(),
        "a%5Cb".into(),
        "a%00b".into(),
        "%252e%252e".into(),
        "%C3%A0bc".into(),
        "%D0%B0bc".into(),
        "a%20b".into(),
        "-leading-dash".into(),
        "_leading".into(),
        "%E2%80%AEevil".into(),
        "name%0A".into(),
        long,
        "..%252f".into(),
        "%EF%BC%8E%EF%BC%8E".into(),
        "~".into(),
        "a.b".into(),
        "%2Fabs".into(),
    ];
    let body = serde_json::to_vec(&json!({"vectors": {"size": 2, "distance": "Dot"}}))?;
    let mut tried = 0;
    for name in &names {
        for (method, suffix, payload) in [
            ("PUT", "", &body[..]),
            ("GET", "", &b""[..]),
            ("DELETE", "", &b""[..]),
            ("GET", "/exists", &b""[..]),
            ("POST", "/points/count", &b"{}"[..]),
        ] {
            let status = s.raw_status(method, &format!("/collections/{name}{suffix}"), payload)?;
            let ok = if suffix == "/exists" {
                status == 200 || (400..500).contains(&status)
            } else {
                (400..500).contains(&status)
            };
            assert!(ok, "{method} {name}{suffix}: {status}");
            tried += 1;
        }
    }
    assert!(tried >= 100);
    let entries: Vec<_> = std::fs::read_dir(data.join("collections"))?.collect();
    assert!(entries.is_empty(), "hostile names left files: {entries:?}");
    let outside: Vec<_> = std::fs::read_dir(dir.path())?
        .filter_map(Result::ok)
        .map(|e| e.file_name())
        .collect();
    assert_eq!(outside, vec![std::ffi::OsString::from("data")]);
    assert_eq!(s.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn oversized_bodies_get_413_and_the_limit_itself_is_accepted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &["--max-body-bytes", "65536"])?;
    s.create_collection("big", 2, "Dot")?;
    let pad = |len: usize| {
        let head = br#"{"points":[{"id":1,"vector":[1,2]}]}"#;
        let mut body = head.to_vec();
        body.resize(len, b' ');
        body
    };
    let r = s.send_raw(Method::PUT, "/collections/big/points", pad(65536))?;
    assert_eq!(r.status(), 200);
    assert_error(
        s.send_raw(Method::PUT, "/collections/big/points", pad(65537))?,
        413,
    )?;
    // A body far over the limit is refused from its Content-Length, before it is read.
    // (Only the headers are sent: the server answers without reading the body.)
    assert_eq!(
        s.raw_status_declaring("PUT", "/collections/big/points", 10 << 20, b"")?,
        413
    );
    assert_eq!(s.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn a_bad_with_vector_says_what_is_accepted_on_every_route() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("w", 2, "Dot")?;
    for bad in [json!(5), json!({"a": 1}), json!("yes"), json!(1.5)] {
        for (path, mut body) in [
            ("query", json!({"query": [1.0, 2.0]})),
            ("search", json!({"vector": [1.0, 2.0], "limit": 1})),
            ("scroll", json!({})),
            ("", json!({"ids": [1]})),
            (
                "query/batch",
                json!({"searches": [{"query": [1.0, 2.0], "with_vector": bad.clone()}]}),
            ),
        ] {
            if !path.ends_with("batch") {
                body["with_vector"] = bad.clone();
            }
            let path = format!("/collections/w/points/{path}");
            let path = path.trim_end_matches('/');
            let r = s.post_json(path, &body)?;
            let got = r.status().as_u16();
            let answer: Value = r.json()?;
            let message = answer["status"]["error"].as_str().unwrap_or_default();
            assert_eq!(got, 400, "{path} {bad}: {answer}");
            assert!(
                message.contains("`with_vector`")
                    && message.contains("`true`, `false`")
                    && message.contains(r#""" is the unnamed vector"#)
                    && !message.contains("invalid type"),
                "{path} {bad}: {message}"
            );
        }
    }
    Ok(())
}
