//! The property graph over REST: edge writes and reads, neighbours, traversals and shortest
//! paths; edges with properties across a clean restart, `kill -9` and a checkpoint; a crash test of
//! concurrent point and edge writes against an oracle; bad input.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn points(s: &TestServer, name: &str, ids: impl IntoIterator<Item = u64>) -> TestResult {
    let points: Vec<Value> = ids
        .into_iter()
        .map(|id| json!({"id": id, "vector": [1.0, id as f32], "payload": {"labels": if id % 2 == 0 { "Even" } else { "Odd" }}}))
        .collect();
    let r = s.put_json(
        &format!("/collections/{name}/points?wait=true"),
        &json!({ "points": points }),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    Ok(())
}

fn put_edges(
    s: &TestServer,
    name: &str,
    edges: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.put_json(
        &format!("/collections/{name}/edges?wait=true"),
        &json!({ "edges": edges }),
    )?;
    Ok((r.status().as_u16(), r.json()?))
}

fn post(
    s: &TestServer,
    path: &str,
    body: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.post_json(path, &body)?;
    Ok((r.status().as_u16(), r.json()?))
}

fn get(s: &TestServer, path: &str) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.get(path)?;
    Ok((r.status().as_u16(), r.json()?))
}

fn ids_of(result: &Value) -> Vec<u64> {
    result["result"]["ids"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_u64).collect())
        .unwrap_or_default()
}

fn reached(result: &Value) -> BTreeMap<u64, u64> {
    result["result"]["nodes"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|n| Some((n["id"].as_u64()?, n["depth"].as_u64()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Edges by id.
type Edges = BTreeMap<u64, Value>;

/// Every edge of `ids`, seen from the outgoing lists and from the incoming lists.
fn adjacency(
    s: &TestServer,
    name: &str,
    ids: &BTreeSet<u64>,
) -> Result<(Edges, Edges), Box<dyn std::error::Error>> {
    let mut out = BTreeMap::new();
    let mut inc = BTreeMap::new();
    for id in ids {
        for (direction, into) in [("out", &mut out), ("in", &mut inc)] {
            let (status, r) = get(
                s,
                &format!(
                    "/collections/{name}/points/{id}/neighbors?direction={direction}&limit=100000"
                ),
            )?;
            assert_eq!(status, 200, "{r}");
            for n in r["result"].as_array().ok_or("no list")? {
                let edge = n["edge"].clone();
                let edge_id = edge["id"].as_u64().ok_or("no id")?;
                let end = if direction == "out" {
                    "source"
                } else {
                    "target"
                };
                assert_eq!(edge[end].as_u64(), Some(*id), "{edge}");
                into.insert(edge_id, edge);
            }
        }
    }
    Ok((out, inc))
}

#[test]
fn edges_are_written_read_walked_and_deleted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("g", 2, "Dot")?;
    points(&s, "g", 1..=6)?;
    // 1 -> 2 -> 3 -> 4, 1 -> 5 (other label), 4 -> 1 closes a cycle, 3 -> 3 a self-loop.
    let (status, r) = put_edges(
        &s,
        "g",
        json!([
            {"source": 1, "target": 2, "label": "next", "properties": {"w": 1}},
            {"source": 2, "target": 3, "label": "next", "properties": {"w": 5}},
            {"id": 100, "source": 3, "target": 4, "label": "next", "properties": {"w": 1, "tag": "x"}},
            {"source": 1, "target": 5, "label": "other", "properties": {"w": 1}},
            {"source": 4, "target": 1, "label": "next", "properties": {"w": 1}},
            {"source": 3, "target": 3, "label": "next"},
        ]),
    )?;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["result"]["status"], "completed");
    let ids = ids_of(&r);
    assert_eq!(
        ids,
        vec![0, 1, 100, 101, 102, 103],
        "assigned ids skip past a given one"
    );

    let (status, e) = get(&s, "/collections/g/edges/100")?;
    assert_eq!(status, 200);
    assert_eq!(
        e["result"],
        json!({"id": 100, "source": 3, "target": 4, "label": "next", "properties": {"w": 1, "tag": "x"}})
    );
    assert_eq!(get(&s, "/collections/g/edges/999")?.0, 404);
    assert_eq!(get(&s, "/collections/g/edges/x")?.0, 400);

    let (_, n) = get(
        &s,
        "/collections/g/points/1/neighbors?direction=out&label=next",
    )?;
    let list = n["result"].as_array().ok_or("list")?;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["node"], 2);
    let (_, n) = get(&s, "/collections/g/points/3/neighbors?direction=both")?;
    let edges: Vec<u64> = n["result"]
        .as_array()
        .ok_or("list")?
        .iter()
        .filter_map(|x| x["edge"]["id"].as_u64())
        .collect();
    assert_eq!(
        edges,
        vec![100, 103, 1, 103],
        "out then in; the self-loop once each way"
    );
    assert_eq!(get(&s, "/collections/g/points/77/neighbors")?.0, 404);

    // Breadth-first around the cycle: each point once, at its distance.
    let (status, t) = post(
        &s,
        "/collections/g/graph/traverse",
        json!({"from": 1, "labels": ["next"], "min_depth": 0, "max_depth": 32, "return": "paths"}),
    )?;
    assert_eq!(status, 200, "{t}");
    assert_eq!(
        reached(&t),
        BTreeMap::from([(1, 0), (2, 1), (3, 2), (4, 3)])
    );
    assert_eq!(t["result"]["stopped"], Value::Null);
    assert_eq!(
        t["result"]["paths"][3],
        json!({"nodes": [1, 2, 3, 4], "edges": [0, 1, 100]})
    );
    // Node filter on the `labels` payload field, edge filter on properties.
    let (_, t) = post(
        &s,
        "/collections/g/graph/traverse",
        json!({"from": 1, "max_depth": 3, "direction": "both",
               "node_filter": {"must": [{"key": "labels", "match": {"value": "Even"}}]}}),
    )?;
    assert_eq!(reached(&t), BTreeMap::from([(2, 1), (4, 1)]));
    let (_, t) = post(
        &s,
        "/collections/g/graph/traverse",
        json!({"from": 1, "max_depth": 5, "edge_filter": {"must": [{"key": "w", "range": {"lte": 1}}]}}),
    )?;
    assert_eq!(reached(&t), BTreeMap::from([(2, 1), (5, 1)]));
    let (_, t) = post(
        &s,
        "/collections/g/graph/traverse",
        json!({"from": 1, "max_depth": 5, "limit": 2, "strategy": "dfs"}),
    )?;
    assert_eq!(reached(&t).len(), 2);
    assert_eq!(t["result"]["stopped"], "limit");

    let (status, p) = post(
        &s,
        "/collections/g/graph/shortest_path",
        json!({"from": 1, "to": 4}),
    )?;
    assert_eq!(status, 200, "{p}");
    assert_eq!(
        p["result"]["path"],
        json!({"nodes": [1, 2, 3, 4], "edges": [0, 1, 100]})
    );
    assert_eq!(p["result"]["cost"], 3.0);
    let (_, p) = post(
        &s,
        "/collections/g/graph/shortest_path",
        json!({"from": 2, "to": 1, "weight": "w"}),
    )?;
    assert_eq!(p["result"]["cost"], 7.0);
    let (_, p) = post(
        &s,
        "/collections/g/graph/shortest_path",
        json!({"from": 5, "to": 1}),
    )?;
    assert_eq!(p["result"]["found"], false);

    // Deleting an edge, then a point with edges: nothing dangles.
    let (status, _) = post(
        &s,
        "/collections/g/edges/delete?wait=true",
        json!({"ids": [101]}),
    )?;
    assert_eq!(status, 200);
    assert_eq!(get(&s, "/collections/g/edges/101")?.0, 404);
    let (status, _) = post(
        &s,
        "/collections/g/points/delete?wait=true",
        json!({"points": [3]}),
    )?;
    assert_eq!(status, 200);
    for gone in [1, 100, 103] {
        assert_eq!(
            get(&s, &format!("/collections/g/edges/{gone}"))?.0,
            404,
            "edge {gone}"
        );
    }
    let (_, n) = get(&s, "/collections/g/points/2/neighbors?direction=both")?;
    assert_eq!(n["result"].as_array().map(Vec::len), Some(1), "{n}");
    // A client-given id that exists replaces that edge.
    let (_, r) = put_edges(
        &s,
        "g",
        json!([{"id": 0, "source": 2, "target": 1, "label": "back"}]),
    )?;
    assert_eq!(ids_of(&r), vec![0]);
    let (_, e) = get(&s, "/collections/g/edges/0")?;
    assert_eq!(e["result"]["label"], "back");
    assert_eq!(e["result"]["source"], 2);
    Ok(())
}

#[test]
fn bad_graph_input_is_refused_clearly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("g", 2, "Dot")?;
    points(&s, "g", 1..=3)?;
    // An edge to a missing point: 404 naming it, and nothing of the request stored.
    let (status, r) = put_edges(
        &s,
        "g",
        json!([{"id": 5, "source": 1, "target": 2, "label": "a"}, {"source": 1, "target": 42, "label": "a"}]),
    )?;
    assert_eq!(status, 404, "{r}");
    let message = r["status"]["error"].as_str().unwrap_or_default();
    assert!(
        message.contains("target point 42 does not exist") && message.contains("edge 1"),
        "{message}"
    );
    assert_eq!(get(&s, "/collections/g/edges/5")?.0, 404);
    // Self-loops are allowed and walked once.
    let (status, _) = put_edges(
        &s,
        "g",
        json!([{"source": 1, "target": 1, "label": "self"}]),
    )?;
    assert_eq!(status, 200);
    let (_, t) = post(
        &s,
        "/collections/g/graph/traverse",
        json!({"from": 1, "max_depth": 32, "min_depth": 0}),
    )?;
    assert_eq!(reached(&t), BTreeMap::from([(1, 0)]));
    // Labels: empty and over 256 bytes refused; odd but valid text kept exactly.
    for label in [String::new(), "x".repeat(257)] {
        let (status, r) = put_edges(&s, "g", json!([{"source": 1, "target": 2, "label": label}]))?;
        assert_eq!(status, 422, "{r}");
    }
    let odd = "\u{0}\u{202e}<script>'; DROP TABLE edges;--\u{1F600}";
    let (status, r) = put_edges(&s, "g", json!([{"source": 1, "target": 2, "label": odd}]))?;
    assert_eq!(status, 200, "{r}");
    let id = ids_of(&r)[0];
    assert_eq!(
        get(&s, &format!("/collections/g/edges/{id}"))?.1["result"]["label"],
        odd
    );
    let (_, n) = get(
        &s,
        "/collections/g/points/1/neighbors?label=%00%E2%80%AE%3Cscript%3E%27%3B%20DROP%20TABLE%20edges%3B--%F0%9F%98%80",
    )?;
    assert_eq!(n["result"].as_array().map(Vec::len), Some(1), "{n}");
    let lone_surrogate = r#"{"edges": [{"source": 1, "target": 2, "label": "\ud800"}]}"#;
    assert_eq!(
        s.raw_status("PUT", "/collections/g/edges", lone_surrogate.as_bytes())?,
        400
    );
    // Ids past 2^63 - 1, depth 33, limits past their caps, min above max.
    let (status, _) = put_edges(
        &s,
        "g",
        json!([{"id": u64::MAX, "source": 1, "target": 2, "label": "a"}]),
    )?;
    assert_eq!(status, 422);
    for body in [
        json!({"from": 1, "max_depth": 33}),
        json!({"from": 1, "max_depth": 4_000_000_000u64}),
        json!({"from": 1, "limit": 100_001}),
        json!({"from": 1, "limit": 0}),
        json!({"from": 1, "min_depth": 3, "max_depth": 2}),
        json!({"from": 1, "labels": vec!["a"; 65]}),
    ] {
        let (status, r) = post(&s, "/collections/g/graph/traverse", body.clone())?;
        assert!(status == 422 || status == 400, "{body}: {status} {r}");
    }
    assert_eq!(
        post(
            &s,
            "/collections/g/graph/traverse",
            json!({"from": 1, "max_depth": 32})
        )?
        .0,
        200
    );
    assert_eq!(
        post(&s, "/collections/g/graph/traverse", json!({"from": 9}))?.0,
        404
    );
    assert_eq!(
        get(&s, "/collections/g/points/1/neighbors?limit=100001")?.0,
        422
    );
    assert_eq!(
        post(
            &s,
            "/collections/g/graph/shortest_path",
            json!({"from": 1, "to": 9})
        )?
        .0,
        404
    );
    // A negative weight is named.
    let (_, r) = put_edges(
        &s,
        "g",
        json!([{"id": 77, "source": 2, "target": 3, "label": "a", "properties": {"w": -1}}, {"source": 1, "target": 2, "label": "a", "properties": {"w": 1}}]),
    )?;
    assert_eq!(ids_of(&r).len(), 2);
    let (status, r) = post(
        &s,
        "/collections/g/graph/shortest_path",
        json!({"from": 1, "to": 3, "weight": "w"}),
    )?;
    assert_eq!(status, 422, "{r}");
    assert!(
        r["status"]["error"]
            .as_str()
            .unwrap_or_default()
            .contains("edge 77"),
        "{r}"
    );
    // One past the batch bound.
    let many: Vec<Value> = (0..100_001)
        .map(|_| json!({"source": 1, "target": 1, "label": "a"}))
        .collect();
    let (status, r) = put_edges(&s, "g", Value::Array(many))?;
    assert_eq!(status, 422, "{r}");
    let (status, _) = post(
        &s,
        "/collections/g/edges/delete",
        json!({"ids": vec![1; 100_001]}),
    )?;
    assert_eq!(status, 422);
    Ok(())
}

fn edge_state(s: &TestServer, ids: &[u64]) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    ids.iter()
        .map(|id| Ok(get(s, &format!("/collections/g/edges/{id}"))?.1["result"].clone()))
        .collect()
}

#[test]
fn edges_with_properties_survive_restarts_crashes_and_checkpoints() -> TestResult {
    for (how, flags) in [
        ("clean restart", &[][..]),
        ("kill -9, replayed from the WAL", &[][..]),
        (
            "kill -9 after a checkpoint",
            &["--checkpoint-wal-bytes", "65536"][..],
        ),
    ] {
        let dir = tempfile::tempdir()?;
        let s = TestServer::start_in(dir.path(), flags)?;
        s.create_collection("g", 2, "Dot")?;
        points(&s, "g", 1..=4)?;
        let (status, r) = put_edges(
            &s,
            "g",
            json!([
                {"source": 1, "target": 2, "label": "is_a", "properties": {"since": 1999, "note": "ü", "nested": {"a": [1, 2.5, null]}}},
                {"source": 2, "target": 3, "label": "part_of", "properties": {"w": 0.25}},
                {"source": 3, "target": 4, "label": "is_a"},
                {"source": 4, "target": 1, "label": "is_a"},
            ]),
        )?;
        assert_eq!(status, 200, "{how}: {r}");
        let ids = ids_of(&r);
        // One deleted edge and one deleted point, whose edges go with it.
        post(
            &s,
            "/collections/g/edges/delete?wait=true",
            json!({"ids": [ids[1]]}),
        )?;
        post(
            &s,
            "/collections/g/points/delete?wait=true",
            json!({"points": [4]}),
        )?;
        let before = edge_state(&s, &ids)?;
        assert_eq!(
            before[0]["properties"]["nested"]["a"],
            json!([1, 2.5, null]),
            "{how}"
        );
        assert!(
            before[1].is_null() && before[2].is_null() && before[3].is_null(),
            "{how}: {before:?}"
        );
        if flags.is_empty() {
            assert!(
                !s.log_text().contains("checkpoint written"),
                "{how}: no checkpoint yet"
            );
        } else {
            // 64 KiB more of WAL: the writer checkpoints everything above with it.
            let filler = json!({"points": [{"id": 50, "vector": [0.0, 1.0], "payload": {"pad": "x".repeat(70_000)}}]});
            assert_eq!(
                s.put_json("/collections/g/points?wait=true", &filler)?
                    .status(),
                200
            );
            let deadline = std::time::Instant::now() + Duration::from_secs(10);
            while !s.log_text().contains("checkpoint written") {
                assert!(std::time::Instant::now() < deadline, "{how}: no checkpoint");
                std::thread::sleep(Duration::from_millis(20));
            }
        }
        if how == "clean restart" {
            assert!(s.terminate()?.success());
        } else {
            s.kill9()?;
        }
        let s = TestServer::start_in(dir.path(), flags)?;
        s.wait_ready()?;
        assert_eq!(edge_state(&s, &ids)?, before, "{how}");
        let (out, inc) = adjacency(&s, "g", &BTreeSet::from([1, 2, 3]))?;
        assert_eq!(out.keys().collect::<Vec<_>>(), vec![&ids[0]], "{how}");
        assert_eq!(out, inc, "{how}");
        // The id counter survives too: a new edge never takes a deleted edge's id.
        let (_, r) = put_edges(&s, "g", json!([{"source": 1, "target": 3, "label": "new"}]))?;
        assert!(ids_of(&r)[0] > ids[3], "{how}: {r}");
    }
    Ok(())
}

#[derive(Default)]
struct Oracle {
    /// Acknowledged point upserts not followed by an acknowledged delete.
    present: BTreeSet<u64>,
    /// Points whose fate the crash decides.
    uncertain_points: BTreeSet<u64>,
    /// Acknowledged edges by request number: (id, source, target).
    edges: BTreeMap<u64, (u64, u64, u64)>,
    /// Edge requests sent but not answered.
    uncertain_edges: BTreeMap<u64, (u64, u64)>,
}

fn graph_writer(
    base: String,
    oracle: Arc<Mutex<Oracle>>,
    counter: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
    seed: u64,
) {
    let Ok(client) = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
    else {
        return;
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    while !stop.load(Ordering::Relaxed) {
        let roll = rng.random_range(0..10);
        let present: Vec<u64> = oracle
            .lock()
            .map(|o| o.present.iter().copied().collect())
            .unwrap_or_default();
        if roll < 3 || present.len() < 4 {
            let id = counter.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut o) = oracle.lock() {
                o.uncertain_points.insert(id);
            }
            let r = client
                .put(format!("{base}/collections/g/points?wait=true"))
                .json(&json!({"points": [{"id": id, "vector": [1.0, 0.0]}]}))
                .send();
            if matches!(&r, Ok(resp) if resp.status() == 200)
                && let Ok(mut o) = oracle.lock()
            {
                o.uncertain_points.remove(&id);
                o.present.insert(id);
            }
        } else if roll < 4 {
            let victim = present[rng.random_range(0..present.len())];
            if let Ok(mut o) = oracle.lock() {
                o.present.remove(&victim);
                o.uncertain_points.insert(victim);
            }
            let r = client
                .post(format!("{base}/collections/g/points/delete?wait=true"))
                .json(&json!({"points": [victim]}))
                .send();
            if matches!(&r, Ok(resp) if resp.status() == 200)
                && let Ok(mut o) = oracle.lock()
            {
                o.uncertain_points.remove(&victim);
            }
        } else {
            let request = counter.fetch_add(1, Ordering::Relaxed);
            let (a, b) = (
                present[rng.random_range(0..present.len())],
                present[rng.random_range(0..present.len())],
            );
            if let Ok(mut o) = oracle.lock() {
                o.uncertain_edges.insert(request, (a, b));
            }
            let r = client
                .put(format!("{base}/collections/g/edges?wait={}", rng.random_bool(0.5)))
                .json(&json!({"edges": [{"source": a, "target": b, "label": "rel", "properties": {"request": request, "pad": "p".repeat(1000)}}]}))
                .send()
                .and_then(|r| Ok((r.status().as_u16(), r.json::<Value>()?)));
            if let Ok((status, body)) = r
                && let Ok(mut o) = oracle.lock()
            {
                if status == 200 {
                    o.uncertain_edges.remove(&request);
                    if let Some(id) = body["result"]["ids"][0].as_u64() {
                        o.edges.insert(request, (id, a, b));
                    }
                } else if status == 404 {
                    // An end was deleted first: refused, nothing stored.
                    o.uncertain_edges.remove(&request);
                }
            }
        }
    }
}

#[test]
fn concurrent_point_and_edge_writes_survive_kill_9_without_dangling_edges() -> TestResult {
    let dir = tempfile::tempdir()?;
    // Checkpoints land during the run too (edges carry 1 KB of padding).
    let flags = ["--checkpoint-wal-bytes", "65536"];
    let mut s = TestServer::start_in(dir.path(), &flags)?;
    s.create_collection("g", 2, "Dot")?;
    let oracle = Arc::new(Mutex::new(Oracle::default()));
    let counter = Arc::new(AtomicU64::new(0));
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut checked_edges = 0;
    for cycle in 0..4u64 {
        let stop = Arc::new(AtomicBool::new(false));
        let handles: Vec<_> = (0..3)
            .map(|w| {
                let (base, o, c, st) = (
                    s.base.clone(),
                    Arc::clone(&oracle),
                    Arc::clone(&counter),
                    Arc::clone(&stop),
                );
                std::thread::spawn(move || graph_writer(base, o, c, st, cycle * 10 + w))
            })
            .collect();
        std::thread::sleep(Duration::from_millis(rng.random_range(400..1200)));
        s.kill9()?;
        stop.store(true, Ordering::Relaxed);
        for h in handles {
            h.join().map_err(|_| "writer panicked")?;
        }
        s = TestServer::start_in(dir.path(), &flags)?;
        s.wait_ready()?;
        let found: BTreeSet<u64> = s
            .all_points("g")?
            .iter()
            .filter_map(|p| p["id"].as_u64())
            .collect();
        let mut o = oracle.lock().map_err(|_| "poisoned")?;
        for id in &o.present {
            assert!(
                found.contains(id),
                "cycle {cycle}: acknowledged point {id} lost"
            );
        }
        let (out, inc) = adjacency(&s, "g", &found)?;
        assert_eq!(out, inc, "cycle {cycle}: the two directions disagree");
        let mut by_request = BTreeMap::new();
        for (id, edge) in &out {
            let (a, b) = (
                edge["source"].as_u64().ok_or("source")?,
                edge["target"].as_u64().ok_or("target")?,
            );
            assert!(
                found.contains(&a) && found.contains(&b),
                "cycle {cycle}: edge {id} dangles: {edge}"
            );
            let request = edge["properties"]["request"].as_u64().ok_or("request")?;
            let expected = o
                .edges
                .get(&request)
                .map(|&(_, x, y)| (x, y))
                .or_else(|| o.uncertain_edges.get(&request).copied());
            assert_eq!(expected, Some((a, b)), "cycle {cycle}: phantom edge {edge}");
            if let Some(&(known, _, _)) = o.edges.get(&request) {
                assert_eq!(
                    known, *id,
                    "cycle {cycle}: edge of request {request} changed id"
                );
            }
            assert_eq!(
                get(&s, &format!("/collections/g/edges/{id}"))?.1["result"],
                *edge
            );
            by_request.insert(request, *id);
        }
        for (request, &(id, a, b)) in &o.edges {
            if found.contains(&a)
                && found.contains(&b)
                && o.present.contains(&a)
                && o.present.contains(&b)
            {
                assert_eq!(
                    by_request.get(request),
                    Some(&id),
                    "cycle {cycle}: acknowledged edge {id} ({a} -> {b}) lost"
                );
                checked_edges += 1;
            }
        }
        // What survived is now certain; what did not is gone.
        let uncertain = std::mem::take(&mut o.uncertain_points);
        for id in uncertain {
            if found.contains(&id) {
                o.present.insert(id);
            } else {
                o.present.remove(&id);
            }
        }
        let uncertain = std::mem::take(&mut o.uncertain_edges);
        for (request, (a, b)) in uncertain {
            if let Some(&id) = by_request.get(&request) {
                o.edges.insert(request, (id, a, b));
            }
        }
        o.edges
            .retain(|request, _| by_request.contains_key(request));
    }
    assert!(
        checked_edges > 50,
        "too few acknowledged edges checked ({checked_edges})"
    );
    Ok(())
}

/// The shared WordNet graph (99,787 labelled edges over 65,000 rows): 2- and 3-hop traversals
/// from sampled rows, all labels and `hypernym` alone, both ways, against a BFS over the edge list.
/// Skipped (passing) when the data set is not present.
#[test]
fn wordnet_traversals_match_a_bfs_over_the_edge_list() -> TestResult {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/wordnet-minilm-384/edges.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} not found", path.display());
        return Ok(());
    };
    let mut edges = Vec::new();
    for line in text.lines() {
        let e: Value = serde_json::from_str(line)?;
        let (a, b) = (
            e["source"].as_u64().ok_or("source")?,
            e["target"].as_u64().ok_or("target")?,
        );
        edges.push((
            a,
            b,
            e["label"].as_str().ok_or("label")?.to_owned(),
            e["lexical"].clone(),
        ));
    }
    let rows = edges.iter().map(|e| e.0.max(e.1)).max().unwrap_or(0) + 1;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("wn", 2, "Dot")?;
    let vectors: Vec<Vec<f32>> = (0..rows).map(|_| vec![1.0, 0.0]).collect();
    s.upsert_rows("wn", &vectors, 0)?;
    for chunk in edges.chunks(10_000) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|(a, b, label, lexical)| json!({"source": a, "target": b, "label": label, "properties": {"lexical": lexical}}))
            .collect();
        let (status, r) = put_edges(&s, "wn", Value::Array(batch))?;
        assert_eq!(status, 200, "{r}");
    }
    let mut compared = 0;
    for start in (0..rows).step_by(4_999) {
        for (direction, labels) in [
            ("out", None),
            ("both", None),
            ("out", Some("hypernym")),
            ("in", Some("hypernym")),
        ] {
            for depth in [2u32, 3] {
                let mut body = json!({"from": start, "direction": direction, "max_depth": depth, "limit": 100_000});
                if let Some(l) = labels {
                    body["labels"] = json!([l]);
                }
                let (status, t) = post(&s, "/collections/wn/graph/traverse", body)?;
                assert_eq!(status, 200, "{t}");
                assert_eq!(t["result"]["stopped"], Value::Null);
                // Plain BFS over the edge list.
                let mut dist = BTreeMap::from([(start, 0u64)]);
                let mut frontier = vec![start];
                for d in 1..=u64::from(depth) {
                    let set: BTreeSet<u64> = frontier.iter().copied().collect();
                    let mut next = Vec::new();
                    for (a, b, label, _) in &edges {
                        if labels.is_some_and(|l| l != label) {
                            continue;
                        }
                        let mut step = |x: u64, y: u64| {
                            if set.contains(&x) && !dist.contains_key(&y) {
                                dist.insert(y, d);
                                next.push(y);
                            }
                        };
                        if direction != "in" {
                            step(*a, *b);
                        }
                        if direction != "out" {
                            step(*b, *a);
                        }
                    }
                    frontier = next;
                }
                dist.remove(&start);
                assert_eq!(
                    reached(&t),
                    dist,
                    "from {start} {direction} {labels:?} depth {depth}"
                );
                compared += dist.len();
            }
        }
    }
    eprintln!("wordnet: {compared} reached nodes compared");
    assert!(compared > 1_000, "only {compared} reached nodes compared");
    Ok(())
}
