//! Qdrant filters over HTTP: every route that takes one (query, search and their batches,
//! scroll, count, facet, delete and the payload edits by filter), the size bounds, and a filtered
//! HNSW search that still fills its `limit`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const CITIES: [&str; 3] = ["London", "Berlin", "Moscow"];

/// Points 1..=30: `city` cycles over [`CITIES`], `n` is the id, `tags` holds "even" or "odd" and
/// "big" above 20, `at` is a day of May 2024; the vector `[1, id]` scores `id` against `[0, 1]`.
fn seed(s: &TestServer, name: &str) -> TestResult {
    s.create_collection(name, 2, "Dot")?;
    let points: Vec<Value> = (1..=30u64)
        .map(|id| {
            let mut tags = vec![if id % 2 == 0 { "even" } else { "odd" }];
            if id > 20 {
                tags.push("big");
            }
            json!({"id": id, "vector": [1.0, id as f32], "payload": {
                "city": CITIES[(id % 3) as usize], "n": id, "tags": tags,
                "at": format!("2024-05-{id:02}T12:00:00Z"),
                "items": [{"k": "a", "v": id % 5}, {"k": "b", "v": id % 7}],
            }})
        })
        .collect();
    let r = s.put_json(
        &format!("/collections/{name}/points?wait=true"),
        &json!({ "points": points }),
    )?;
    assert_eq!(r.status(), 200);
    Ok(())
}

fn ok(r: reqwest::blocking::Response) -> Result<Value, Box<dyn std::error::Error>> {
    let status = r.status();
    let text = r.text()?;
    assert_eq!(status, 200, "{text}");
    Ok(serde_json::from_str::<Value>(&text)?["result"].clone())
}

fn ids(points: &Value) -> Vec<u64> {
    points
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default()
}

fn count(s: &TestServer, name: &str, filter: &Value) -> Result<u64, Box<dyn std::error::Error>> {
    let r = ok(s.post_json(
        &format!("/collections/{name}/points/count"),
        &json!({ "filter": filter }),
    )?)?;
    r["count"].as_u64().ok_or_else(|| "no count".into())
}

/// Every id the filter matches, by scrolling pages of `page` points.
fn scroll_ids(
    s: &TestServer,
    name: &str,
    filter: &Value,
    page: u64,
) -> Result<Vec<u64>, Box<dyn std::error::Error>> {
    let mut out = Vec::new();
    let mut offset = Value::Null;
    loop {
        let r = ok(s.post_json(
            &format!("/collections/{name}/points/scroll"),
            &json!({"filter": filter, "limit": page, "offset": offset, "with_payload": false}),
        )?)?;
        let got = ids(&r["points"]);
        assert!(got.len() as u64 <= page);
        out.extend(got);
        offset = r["next_page_offset"].clone();
        if offset.is_null() {
            return Ok(out);
        }
    }
}

#[test]
fn filters_select_points_in_every_read_route() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    seed(&s, "f")?;
    let london = json!({"must": [{"key": "city", "match": {"value": "London"}}]});
    let london_ids: Vec<u64> = (1..=30).filter(|id| id % 3 == 0).collect();
    assert_eq!(count(&s, "f", &london)?, 10);
    assert_eq!(scroll_ids(&s, "f", &london, 3)?, london_ids);
    assert_eq!(scroll_ids(&s, "f", &london, 10)?, london_ids);

    // Best first: the score is the id.
    let mut best: Vec<u64> = london_ids.clone();
    best.reverse();
    let query = ok(s.post_json(
        "/collections/f/points/query",
        &json!({"query": [0.0, 1.0], "limit": 4, "filter": london}),
    )?)?;
    assert_eq!(ids(&query["points"]), best[..4]);
    let search = ok(s.post_json(
        "/collections/f/points/search",
        &json!({"vector": [0.0, 1.0], "limit": 4, "offset": 1, "filter": london}),
    )?)?;
    assert_eq!(ids(&search), best[1..5]);
    let odd_or_big = json!({"should": [{"key": "tags", "match": {"value": "odd"}},
                                       {"key": "tags", "match": {"value": "big"}}],
                            "must_not": [{"key": "n", "range": {"lt": 25}}]});
    let batch = ok(s.post_json(
        "/collections/f/points/query/batch",
        &json!({"searches": [{"query": [0.0, 1.0], "limit": 3, "filter": odd_or_big},
                             {"query": [0.0, 1.0], "limit": 2}]}),
    )?)?;
    assert_eq!(ids(&batch[0]["points"]), [30, 29, 28]);
    assert_eq!(ids(&batch[1]["points"]), [30, 29]);
    let batch = ok(s.post_json(
        "/collections/f/points/search/batch",
        &json!({"searches": [{"vector": [0.0, 1.0], "limit": 10, "filter": {"must": [{"has_id": [3, 5, 999]}]}}]}),
    )?)?;
    assert_eq!(ids(&batch[0]), [5, 3]);

    // Datetime ranges, nested conditions on one element, values_count, min_should, except.
    let may_week = json!({"must": [{"key": "at", "range": {"gte": "2024-05-03T00:00:00Z", "lt": "2024-05-06"}}]});
    assert_eq!(scroll_ids(&s, "f", &may_week, 10)?, [3, 4, 5]);
    let nested = json!({"must": [{"nested": {"key": "items", "filter": {"must": [
        {"key": "k", "match": {"value": "b"}}, {"key": "v", "match": {"value": 0}}]}}}]});
    assert_eq!(scroll_ids(&s, "f", &nested, 10)?, [7, 14, 21, 28]);
    let two_tags = json!({"must": [{"key": "tags", "values_count": {"gte": 2}}]});
    assert_eq!(count(&s, "f", &two_tags)?, 10);
    let min_should = json!({"min_should": {"min_count": 2, "conditions": [
        {"key": "city", "match": {"value": "Berlin"}}, {"key": "tags", "match": {"value": "big"}},
        {"key": "n", "range": {"gt": 27}}]}});
    assert_eq!(scroll_ids(&s, "f", &min_should, 10)?, [22, 25, 28, 29, 30]);
    let except = json!({"must": [{"key": "city", "match": {"except": ["London", "Berlin"]}}]});
    assert_eq!(count(&s, "f", &except)?, 10);

    // A field nobody has matches nothing, and is no error.
    let missing = json!({"must": [{"key": "no.such[].field", "match": {"value": "x"}}]});
    assert_eq!(count(&s, "f", &missing)?, 0);
    let none = ok(s.post_json(
        "/collections/f/points/query",
        &json!({"query": [0.0, 1.0], "filter": missing}),
    )?)?;
    assert_eq!(ids(&none["points"]), Vec::<u64>::new());

    // Facets: points per value, most first, ties in value order; under a filter.
    let facet = ok(s.post_json("/collections/f/facet", &json!({"key": "tags"}))?)?;
    assert_eq!(
        facet,
        json!({"hits": [{"value": "even", "count": 15}, {"value": "odd", "count": 15},
                        {"value": "big", "count": 10}]})
    );
    let facet = ok(s.post_json(
        "/collections/f/facet",
        &json!({"key": "city", "limit": 2, "exact": true, "filter": {"must": [{"key": "n", "range": {"lte": 4}}]}}),
    )?)?;
    assert_eq!(
        facet,
        json!({"hits": [{"value": "Berlin", "count": 2}, {"value": "London", "count": 1}]})
    );
    Ok(())
}

fn payloads(s: &TestServer) -> Result<Vec<(u64, Value)>, Box<dyn std::error::Error>> {
    Ok(s.all_points("w")?
        .iter()
        .map(|p| (p["id"].as_u64().unwrap_or(0), p["payload"].clone()))
        .collect())
}

#[test]
fn deletes_and_payload_edits_by_filter_apply_and_survive_kill_9() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("w", 2, "Dot")?;
    let points: Vec<Value> = (1..=6u64)
        .map(|id| json!({"id": id, "vector": [1.0, id as f32], "payload": {"n": id, "keep": true}}))
        .collect();
    ok(s.put_json("/collections/w/points", &json!({ "points": points }))?)?;
    let small = json!({"must": [{"key": "n", "range": {"lte": 3}}]});
    let write = |method: &str, path: &str, body: Value| -> TestResult {
        let r = s
            .client
            .request(reqwest::Method::from_bytes(method.as_bytes())?, s.url(path))
            .json(&body)
            .send()?;
        let result = ok(r)?;
        assert_eq!(result["status"], "completed", "{method} {path}");
        Ok(())
    };
    write(
        "POST",
        "/collections/w/points/payload",
        json!({"payload": {"small": true}, "filter": small}),
    )?;
    write(
        "PUT",
        "/collections/w/points/payload",
        json!({"payload": {"n": 6, "replaced": true}, "filter": {"must": [{"key": "n", "match": {"value": 6}}]}}),
    )?;
    write(
        "POST",
        "/collections/w/points/payload/delete",
        json!({"keys": ["keep"], "filter": {"must": [{"key": "n", "match": {"any": [2, 4]}}]}}),
    )?;
    write(
        "POST",
        "/collections/w/points/payload/clear",
        json!({"filter": {"must": [{"key": "n", "match": {"value": 5}}]}}),
    )?;
    write(
        "POST",
        "/collections/w/points/delete",
        json!({"filter": {"must": [{"key": "small", "match": {"value": true}}, {"key": "n", "match": {"value": 1}}]}}),
    )?;
    let expected = vec![
        (2, json!({"n": 2, "small": true})),
        (3, json!({"n": 3, "keep": true, "small": true})),
        (4, json!({"n": 4})),
        (5, json!({})),
        (6, json!({"n": 6, "replaced": true})),
    ];
    assert_eq!(payloads(&s)?, expected);
    // A filter that matches nothing changes nothing and is no error.
    write(
        "POST",
        "/collections/w/points/delete",
        json!({"filter": {"must": [{"key": "zzz", "match": {"value": 1}}]}}),
    )?;
    assert_eq!(payloads(&s)?, expected);
    // Both selectors, or neither, are refused.
    for body in [json!({"points": [2], "filter": {}}), json!({})] {
        let r = s.post_json("/collections/w/points/delete", &body)?;
        assert_eq!(r.status(), 422, "{body}");
    }

    // The log holds the ids each filter selected: a replay changes exactly those points.
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(payloads(&s)?, expected);
    Ok(())
}

#[test]
fn a_nesting_bomb_and_oversized_filters_are_refused_quickly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    seed(&s, "b")?;
    let depth = 100_000;
    let bomb = format!(
        r#"{{"filter": {}{{}}{}}}"#,
        r#"{"must": ["#.repeat(depth),
        "]}".repeat(depth)
    );
    for route in ["points/count", "points/scroll", "points/delete", "facet"] {
        let body = if route == "facet" {
            bomb.replacen('{', r#"{"key": "city", "#, 1)
        } else {
            bomb.clone()
        };
        let started = Instant::now();
        let r = s
            .client
            .post(s.url(&format!("/collections/b/{route}")))
            .header("content-type", "application/json")
            .body(body)
            .send()?;
        assert_eq!(r.status(), 400, "{route}");
        let text = r.text()?;
        assert!(text.contains("recursion limit"), "{route}: {text}");
        assert!(started.elapsed() < Duration::from_secs(5), "{route}");
    }
    // Within the JSON parser's limit, the filter's own depth bound answers.
    let deep = format!(
        r#"{{"filter": {}{{}}{}}}"#,
        r#"{"must": ["#.repeat(20),
        "]}".repeat(20)
    );
    let r = s
        .client
        .post(s.url("/collections/b/points/count"))
        .header("content-type", "application/json")
        .body(deep)
        .send()?;
    assert_eq!(r.status(), 400);
    assert!(r.text()?.contains("nested deeper than 16"));
    let huge_any: Vec<u64> = (0..10_001).collect();
    let r = s.post_json(
        "/collections/b/points/count",
        &json!({"filter": {"must": [{"key": "n", "match": {"any": huge_any}}]}}),
    )?;
    assert_eq!(r.status(), 422);
    let r = s.post_json(
        "/collections/b/points/count",
        &json!({"filter": {"must": [{"key": "n", "range": {"gte": "cheap"}}]}}),
    )?;
    assert_eq!(r.status(), 400);
    assert!(r.text()?.contains("filter.must[0].range.gte"));
    for (limit, status) in [(10_000, 200), (10_001, 422)] {
        let r = s.post_json(
            "/collections/b/facet",
            &json!({"key": "city", "limit": limit}),
        )?;
        assert_eq!(r.status(), status, "facet limit {limit}");
    }
    // The server still answers, and nothing was deleted.
    assert_eq!(count(&s, "b", &json!({}))?, 30);
    Ok(())
}

#[test]
fn filtered_hnsw_search_fills_limit_at_one_percent() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let r = s.put_json(
        "/collections/h",
        &json!({"vectors": {"size": 8, "distance": "Euclid"},
                "hnsw_config": {"full_scan_threshold": 10, "m": 8, "ef_construct": 32}}),
    )?;
    assert_eq!(r.status(), 200);
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 1000) as f32 / 1000.0
    };
    for chunk in 0..4u64 {
        let points: Vec<Value> = (0..1000u64)
            .map(|i| {
                let id = chunk * 1000 + i;
                let v: Vec<f32> = (0..8).map(|_| next()).collect();
                json!({"id": id, "vector": v, "payload": {"rare": id % 100 == 0}})
            })
            .collect();
        ok(s.put_json(
            "/collections/h/points?wait=true",
            &json!({ "points": points }),
        )?)?;
    }
    let rare = json!({"must": [{"key": "rare", "match": {"value": true}}]});
    for ef in [1, 10, 64] {
        let query: Vec<f32> = (0..8).map(|_| next()).collect();
        let approx = ok(s.post_json(
            "/collections/h/points/query",
            &json!({"query": query, "limit": 10, "filter": rare, "params": {"hnsw_ef": ef}}),
        )?)?;
        let got = ids(&approx["points"]);
        assert_eq!(got.len(), 10, "ef {ef}: {got:?}");
        assert!(got.iter().all(|id| id % 100 == 0), "ef {ef}: {got:?}");
        let exact = ok(s.post_json(
            "/collections/h/points/query",
            &json!({"query": query, "limit": 10, "filter": rare, "params": {"exact": true}}),
        )?)?;
        assert_eq!(ids(&exact["points"]).len(), 10);
    }
    Ok(())
}
