//! VelesQL `MATCH` over `POST /query` on a small knowledge graph held by the real binary:
//! one-, two- and three-hop patterns, incoming and undirected relationships, `DISTINCT`,
//! `ORDER BY`, a vector search joined with a pattern and a column filter, `EXISTS` in a
//! `SELECT`, the anchor `EXPLAIN` shows flipping when a filter becomes selective, every guard
//! one past its bound, cycles and self-loops, and the same answers after a restart.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn run(s: &TestServer, query: &str) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.post_json("/query", &json!({"query": query}))?;
    let status = r.status().as_u16();
    Ok((status, r.json()?))
}

/// The rows of the single statement of a successful answer.
fn rows(s: &TestServer, query: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let (status, body) = run(s, query)?;
    assert_eq!(status, 200, "{query}: {body}");
    Ok(body["result"]["statements"][0]["rows"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

/// The first column of each row, as strings.
fn names(s: &TestServer, query: &str) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    Ok(rows(s, query)?
        .iter()
        .map(|r| r[0].as_str().unwrap_or_default().to_owned())
        .collect())
}

/// The error code, column and status of a refused statement.
fn refused(s: &TestServer, query: &str) -> Result<(u16, String, u64), Box<dyn std::error::Error>> {
    let (status, body) = run(s, query)?;
    let e = &body["result"]["statements"][0]["error"];
    let e = if e.is_null() {
        &body["result"]["error"]
    } else {
        e
    };
    Ok((
        status,
        e["code"].as_str().unwrap_or_default().to_owned(),
        e["column"].as_u64().unwrap_or(0),
    ))
}

/// People, cities and countries; `knows` forms a cycle, `x` has a self-loop.
fn knowledge_graph(s: &TestServer) -> TestResult {
    s.create_collection("kg", 2, "Euclid")?;
    let points = json!([
        {"id": 1, "vector": [1.0, 0.0], "payload": {"labels": ["Person"], "name": "alice", "age": 30}},
        {"id": 2, "vector": [0.0, 1.0], "payload": {"labels": ["Person"], "name": "bob", "age": 40}},
        {"id": 3, "vector": [0.9, 0.1], "payload": {"labels": ["Person"], "name": "carol", "age": 50}},
        {"id": 4, "vector": [5.0, 5.0], "payload": {"labels": ["City"], "name": "paris"}},
        {"id": 5, "vector": [6.0, 5.0], "payload": {"labels": ["City"], "name": "rome"}},
        {"id": 6, "vector": [9.0, 9.0], "payload": {"labels": ["Country"], "name": "france"}},
        {"id": 7, "vector": [9.0, 8.0], "payload": {"labels": ["Country"], "name": "italy"}},
        {"id": 8, "vector": [3.0, 3.0], "payload": {"labels": "Thing", "name": "x"}},
    ]);
    let r = s.put_json(
        "/collections/kg/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let edges = json!([
        {"source": 1, "target": 2, "label": "knows", "properties": {"since": 2010}},
        {"source": 2, "target": 3, "label": "knows", "properties": {"since": 2015}},
        {"source": 3, "target": 1, "label": "knows", "properties": {"since": 2020}},
        {"source": 1, "target": 4, "label": "lives_in"},
        {"source": 2, "target": 5, "label": "lives_in"},
        {"source": 3, "target": 4, "label": "lives_in"},
        {"source": 4, "target": 6, "label": "in"},
        {"source": 5, "target": 7, "label": "in"},
        {"source": 8, "target": 8, "label": "self"},
    ]);
    let r = s.put_json("/collections/kg/edges?wait=true", &json!({"edges": edges}))?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    Ok(())
}

/// The queries whose answers must survive a restart, with their answers.
const ANSWERS: &[(&str, &[&str])] = &[
    (
        "MATCH (a:Person)-[r:lives_in]->(c:City) FROM kg RETURN a.name, c.name ORDER BY a.name",
        &["alice", "bob", "carol"],
    ),
    (
        "MATCH (a:Person)-[:lives_in]->(c)-[:in]->(k:Country {name: 'france'}) FROM kg \
         RETURN a.name ORDER BY a.name",
        &["alice", "carol"],
    ),
    (
        "MATCH (a {name: 'alice'})-[:knows*1..3]->(b) FROM kg RETURN b.name ORDER BY b.name",
        &["alice", "bob", "carol"],
    ),
    (
        "MATCH (a {name: 'alice'})-[:knows*2]->(b) FROM kg RETURN b.name",
        &["carol"],
    ),
    (
        "MATCH (c:City {name: 'paris'})<-[:lives_in]-(p) FROM kg RETURN p.name ORDER BY p.name",
        &["alice", "carol"],
    ),
    (
        "MATCH (a {name: 'bob'})-[:knows]-(b) FROM kg RETURN b.name ORDER BY b.name DESC",
        &["carol", "alice"],
    ),
    (
        "MATCH (p:Person)-[:lives_in]->(c) FROM kg RETURN DISTINCT c.name ORDER BY c.name",
        &["paris", "rome"],
    ),
    (
        "MATCH (a)-[r:knows]->(b) FROM kg WHERE r.since >= 2015 AND b.age > 30 \
         RETURN a.name ORDER BY r.since",
        &["bob"],
    ),
    (
        "MATCH (p:Person)-[:lives_in]->(c:City) FROM kg WHERE p.vector NEAR [1.0, 0.0] \
         AND c.name = 'paris' RETURN p.name, similarity() LIMIT 2",
        &["alice", "carol"],
    ),
    (
        "MATCH (p:Person)-[:lives_in]->(c:City) FROM kg WHERE p.vector NEAR [0.0, 1.0] \
         AND c.name = 'paris' RETURN p.name LIMIT 1",
        &["carol"],
    ),
    (
        "SELECT name FROM kg WHERE EXISTS (MATCH (p)-[:lives_in]->(c:City {name: 'rome'}))",
        &["bob"],
    ),
    (
        "SELECT name FROM kg WHERE labels = 'Person' \
         AND NOT EXISTS (MATCH (p)-[:lives_in]->(:City)-[:in]->(:Country {name: 'italy'}))",
        &["alice", "carol"],
    ),
    (
        "MATCH (a {name: 'x'})-[:self*1..5]->(b) FROM kg RETURN b.name",
        &["x"],
    ),
    (
        "MATCH (a {name: 'x'})-[:self]-(b) FROM kg RETURN b.name",
        &["x"],
    ),
    (
        "MATCH (a {name: 'x'})-[:self*0..5]-(b) FROM kg RETURN b.name",
        &["x"],
    ),
    (
        "MATCH (a:Person)-[:knows]->(b)-[:knows]->(c)-[:knows]->(d) FROM kg \
         RETURN d.name ORDER BY a.name",
        &["alice", "bob", "carol"],
    ),
];

fn check_answers(s: &TestServer) -> TestResult {
    for (query, want) in ANSWERS {
        assert_eq!(names(s, query)?, *want, "{query}");
    }
    Ok(())
}

#[test]
fn patterns_vectors_and_filters_answer_a_knowledge_graph_and_survive_a_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    knowledge_graph(&s)?;
    check_answers(&s)?;
    // Cells: ids, edge properties, similarity best first.
    let r = rows(
        &s,
        "MATCH (a:Person)-[r:knows]->(b) FROM kg WHERE a.id = 1 RETURN a.id, b.id, r.since, r.id",
    )?;
    assert_eq!(r.len(), 1);
    assert_eq!(r[0][0], json!(1));
    assert_eq!(r[0][1], json!(2));
    assert_eq!(r[0][2], json!(2010));
    let r = rows(
        &s,
        "MATCH (p:Person)-[:lives_in]->(c) FROM kg WHERE p.vector NEAR [1.0, 0.0] RETURN p.name, similarity()",
    )?;
    let scores: Vec<f64> = r.iter().filter_map(|r| r[1].as_f64()).collect();
    assert_eq!(scores.len(), 3);
    assert!(
        scores.windows(2).all(|w| w[0] <= w[1]),
        "euclid: nearest first: {scores:?}"
    );
    let s = {
        let status = s.terminate()?;
        assert!(status.success());
        let s = TestServer::start_in(dir.path(), &[])?;
        s.wait_ready()?;
        s
    };
    check_answers(&s)
}

fn plan_anchor(s: &TestServer, query: &str) -> Result<String, Box<dyn std::error::Error>> {
    let (status, body) = run(s, query)?;
    assert_eq!(status, 200, "{query}: {body}");
    let plan = &body["result"]["statements"][0]["plan"];
    Ok(plan["detail"]["anchor"]
        .as_str()
        .map(str::to_owned)
        .unwrap_or_else(|| plan.to_string()))
}

#[test]
fn explain_shows_the_anchor_flip_when_a_filter_becomes_selective() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    knowledge_graph(&s)?;
    rows(&s, "CREATE INDEX ON kg (labels) TYPE keyword")?;
    let query = "EXPLAIN MATCH (a:Person)-[:lives_in]->(c {name: 'rome'}) FROM kg RETURN a.name";
    // Without an index on `name`, `c` is a scan of every point with an edge (8); `a` has 3.
    assert_eq!(plan_anchor(&s, query)?, "a");
    rows(&s, "CREATE INDEX ON kg (name) TYPE keyword")?;
    assert_eq!(plan_anchor(&s, query)?, "c");
    let analyzed = rows(&s, &query.replace("EXPLAIN", "EXPLAIN ANALYZE"))?;
    assert!(analyzed.is_empty() || analyzed.len() == 1);
    let (_, body) = run(&s, &query.replace("EXPLAIN", "EXPLAIN ANALYZE"))?;
    let plan = &body["result"]["statements"][0]["plan"];
    assert_eq!(plan["detail"]["rows"], json!(1), "{plan}");
    assert_eq!(plan["detail"]["anchor_points"], json!(1), "{plan}");
    // The vector search anchors a pattern whose other filters are not selective.
    let near = "EXPLAIN MATCH (p:Person)-[:lives_in]->(c:City) FROM kg \
                WHERE p.vector NEAR [1.0, 0.0] RETURN p.name LIMIT 1";
    assert_eq!(plan_anchor(&s, near)?, "c");
    Ok(())
}

#[test]
fn guards_refuse_one_past_each_bound_with_a_position() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    knowledge_graph(&s)?;
    let ok = "MATCH (a)-[:knows*1..32]->(b) FROM kg RETURN b.id";
    assert_eq!(rows(&s, ok)?.len(), 9);
    let prefix = "MATCH (a)-[:knows";
    assert_eq!(
        refused(&s, "MATCH (a)-[:knows*1..33]->(b) FROM kg RETURN b.id")?,
        (400, "invalid_literal".into(), prefix.len() as u64 + 1)
    );
    assert_eq!(
        refused(&s, "MATCH (a)-[:knows*3..2]->(b) FROM kg RETURN b.id")?.1,
        "invalid_literal"
    );
    let sixteen = format!("MATCH (a){} FROM kg RETURN a.id", "-[]->()".repeat(16));
    assert_eq!(run(&s, &sixteen)?.0, 200);
    let seventeen = format!("MATCH (a){} FROM kg RETURN a.id", "-[]->()".repeat(17));
    assert_eq!(refused(&s, &seventeen)?.1, "list_too_long");
    let label = "l".repeat(256);
    assert_eq!(
        run(&s, &format!("MATCH (a:\"{label}\") FROM kg RETURN a.id"))?.0,
        200
    );
    let (status, code, _) = refused(&s, &format!("MATCH (a:\"{label}x\") FROM kg RETURN a.id"))?;
    assert_eq!((status, code.as_str()), (400, "invalid_literal"));
    assert_eq!(
        refused(&s, "MATCH (a)-[]->(b) FROM kg RETURN a.id LIMIT 10001")?.0,
        422
    );
    // Nesting bombs: parentheses past the parser's bound, and patterns inside patterns.
    let deep = format!(
        "MATCH {}(a){} FROM kg RETURN a.id",
        "(".repeat(70),
        ")".repeat(70)
    );
    assert_eq!(refused(&s, &deep)?.1, "nesting_too_deep");
    assert_eq!(
        refused(&s, "MATCH ((a)) FROM kg RETURN a.id")?.1,
        "syntax_error"
    );
    assert_eq!(
        refused(
            &s,
            "MATCH (a)-[]->(b) FROM kg WHERE EXISTS (MATCH (a)-[]->(c)) RETURN a.id"
        )?
        .1,
        "invalid_condition"
    );
    let many = (0..9)
        .map(|_| "EXISTS (MATCH (p)-[]->(q))")
        .collect::<Vec<_>>()
        .join(" AND ");
    assert_eq!(
        refused(&s, &format!("SELECT id FROM kg WHERE {many}"))?.1,
        "list_too_long"
    );
    // Other refusals, each positioned.
    for (query, code) in [
        (
            "MATCH (a)-[r:knows]->(b) FROM kg WHERE a.age = b.age RETURN a.id",
            "unsupported",
        ),
        ("MATCH (a), (b) FROM kg RETURN a.id", "invalid_condition"),
        (
            "MATCH (a)-[r:knows*1..2]->(b) FROM kg RETURN a.id",
            "invalid_condition",
        ),
        (
            "MATCH (a)-[]->(b) FROM kg WHERE name = 'x' RETURN a.id",
            "invalid_condition",
        ),
        ("MATCH (a)-[]->(b) FROM kg RETURN c.id", "invalid_condition"),
        (
            "MATCH (a)-[]->(b) FROM kg RETURN similarity()",
            "invalid_condition",
        ),
        ("MATCH (a)<-[]->(b) FROM kg RETURN a.id", "syntax_error"),
        ("MATCH (a)-[]->(b) IN kg RETURN a.id", "syntax_error"),
        ("MATCH (a)-[]->(b) RETURN a.id", "syntax_error"),
        ("MATCH (a)-[]->(b) FROM nowhere RETURN a.id", "not_found"),
    ] {
        let (status, got, column) = refused(&s, query)?;
        assert_eq!(got, code, "{query}");
        assert!((400..500).contains(&status), "{query}: {status}");
        assert!(column > 0, "{query}: positioned");
    }
    Ok(())
}

/// The shared WordNet graph (99,787 labelled edges over 65,000 rows): 1-, 2- and 3-hop `MATCH`
/// patterns from sampled rows (`hypernym` out and in, every label either way) and a fixed
/// two-hop chain, against walks over the edge list written here. Skipped (passing) when the
/// data set is not present.
#[test]
fn wordnet_matches_agree_with_walks_over_the_edge_list() -> TestResult {
    use std::collections::{BTreeSet, HashMap};
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/data/wordnet-minilm-384/edges.jsonl");
    let Ok(text) = std::fs::read_to_string(&path) else {
        eprintln!("skipped: {} not found", path.display());
        return Ok(());
    };
    let mut edges: Vec<(u64, u64, String)> = Vec::new();
    for line in text.lines() {
        let e: Value = serde_json::from_str(line)?;
        edges.push((
            e["source"].as_u64().ok_or("source")?,
            e["target"].as_u64().ok_or("target")?,
            e["label"].as_str().ok_or("label")?.to_owned(),
        ));
    }
    let row_count = edges.iter().map(|e| e.0.max(e.1)).max().unwrap_or(0) + 1;
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("wn", 2, "Dot")?;
    let vectors: Vec<Vec<f32>> = (0..row_count).map(|_| vec![1.0, 0.0]).collect();
    s.upsert_rows("wn", &vectors, 0)?;
    for chunk in edges.chunks(10_000) {
        let batch: Vec<Value> = chunk
            .iter()
            .map(|(a, b, label)| json!({"source": a, "target": b, "label": label}))
            .collect();
        let r = s.put_json("/collections/wn/edges?wait=true", &json!({"edges": batch}))?;
        assert_eq!(r.status(), 200);
    }
    // Neighbours by (direction, label filter).
    let mut out: HashMap<u64, Vec<(u64, &str)>> = HashMap::new();
    let mut inc: HashMap<u64, Vec<(u64, &str)>> = HashMap::new();
    for (a, b, l) in &edges {
        out.entry(*a).or_default().push((*b, l));
        inc.entry(*b).or_default().push((*a, l));
    }
    let step = |u: u64, dir: &str, label: Option<&str>| -> Vec<u64> {
        let mut next = Vec::new();
        let ok = |l: &str| label.is_none_or(|x| x == l);
        if dir != "in" {
            next.extend(
                out.get(&u)
                    .into_iter()
                    .flatten()
                    .filter(|e| ok(e.1))
                    .map(|e| e.0),
            );
        }
        if dir != "out" {
            next.extend(
                inc.get(&u)
                    .into_iter()
                    .flatten()
                    .filter(|e| ok(e.1))
                    .map(|e| e.0),
            );
        }
        next
    };
    // The nodes whose shortest walk of at least one hop from `start` has 1..=depth hops.
    let reach = |start: u64, dir: &str, label: Option<&str>, depth: u32| -> BTreeSet<u64> {
        let mut found = BTreeSet::new();
        let mut frontier: Vec<u64> = vec![start];
        let mut seen = BTreeSet::new();
        for _ in 0..depth {
            let mut next = Vec::new();
            for u in frontier {
                for v in step(u, dir, label) {
                    if seen.insert(v) {
                        found.insert(v);
                        if v != start {
                            next.push(v);
                        }
                    }
                }
            }
            frontier = next;
        }
        found
    };
    let mut compared = 0;
    for start in (0..row_count).step_by(6_500) {
        for (arrow, dir, label) in [
            (("-[:hypernym", "]->"), "out", Some("hypernym")),
            (("<-[:hypernym", "]-"), "in", Some("hypernym")),
            (("-[", "]-"), "both", None),
        ] {
            for depth in [1u32, 2, 3] {
                let query = format!(
                    "MATCH (a){}*1..{depth}{}(b) FROM wn WHERE a.id = {start} RETURN b.id LIMIT 10000",
                    arrow.0, arrow.1
                );
                let got: BTreeSet<u64> = rows_of_ids(&s, &query)?;
                assert_eq!(got, reach(start, dir, label, depth), "{query}");
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 10 * 3 * 3);
    // A chain of two one-hop steps: one row per pair of edges.
    let start = edges.iter().find(|e| e.2 == "hypernym").map_or(0, |e| e.0);
    let query = format!(
        "MATCH (a)-[:hypernym]->(b)-[:hypernym]->(c) FROM wn WHERE a.id = {start} RETURN c.id LIMIT 10000"
    );
    let mut want = Vec::new();
    for b in step(start, "out", Some("hypernym")) {
        want.extend(step(b, "out", Some("hypernym")));
    }
    want.sort_unstable();
    let mut got: Vec<u64> = rows(&s, &query)?
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect();
    got.sort_unstable();
    assert_eq!(got, want, "{query}");
    Ok(())
}

fn rows_of_ids(
    s: &TestServer,
    query: &str,
) -> Result<std::collections::BTreeSet<u64>, Box<dyn std::error::Error>> {
    Ok(rows(s, query)?
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect())
}

/// A vector search anchors a pattern whose other ends are scans of more points than it asks for;
/// when the pattern keeps too few of the nearest points, it asks for more until `LIMIT` rows.
#[test]
fn a_vector_anchor_asks_for_more_nearest_points_until_the_pattern_fills_the_limit() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("g", 2, "Euclid")?;
    // People 1..=60 at x = id; cities 1001 (common) and 1002 (rare: people 55..=60 live there).
    let mut points: Vec<Value> = (1..=60u64)
        .map(|i| json!({"id": i, "vector": [i as f32, 0.0], "payload": {"labels": "Person"}}))
        .collect();
    points.push(json!({"id": 1001, "vector": [500.0, 0.0], "payload": {"name": "common"}}));
    points.push(json!({"id": 1002, "vector": [600.0, 0.0], "payload": {"name": "rare"}}));
    let r = s.put_json(
        "/collections/g/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200);
    let edges: Vec<Value> = (1..=60u64)
        .map(|i| json!({"source": i, "target": if i >= 55 { 1002 } else { 1001 }, "label": "lives_in"}))
        .collect();
    let r = s.put_json("/collections/g/edges?wait=true", &json!({"edges": edges}))?;
    assert_eq!(r.status(), 200);
    let query = "MATCH (p)-[:lives_in]->(c) FROM g WHERE p.vector NEAR [0.0, 0.0] \
                 AND c.name = 'rare' RETURN p.id, similarity() LIMIT 3";
    let got: Vec<u64> = rows(&s, query)?
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect();
    assert_eq!(got, [55, 56, 57]);
    let (status, body) = run(&s, &format!("EXPLAIN ANALYZE {query}"))?;
    assert_eq!(status, 200, "{body}");
    let plan = &body["result"]["statements"][0]["plan"]["detail"];
    assert_eq!(plan["anchor"], json!("p"), "{plan}");
    assert_eq!(plan["anchor_access"], json!("vector_search"), "{plan}");
    assert!(plan["vector_rounds"].as_u64() >= Some(2), "{plan}");
    let plain =
        "MATCH (p)-[:lives_in]->(c) FROM g WHERE p.vector NEAR [10.2, 0.0] RETURN p.id LIMIT 2";
    let got: Vec<u64> = rows(&s, plain)?
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect();
    assert_eq!(got, [10, 11]);
    Ok(())
}

/// When the nearest points of a vector anchor fall short and another variable's filter has an
/// index bound, the next round searches only among the anchor points that complete a match
/// (expanded from that index), and `EXPLAIN ANALYZE` names the variable that narrowed it.
#[test]
fn a_short_vector_round_narrows_to_the_anchors_an_index_completes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("g", 2, "Euclid")?;
    // People 1..=60 at x = id; 20 `rare` cities (more than the 16 nearest points a LIMIT 3
    // match asks for first, so the vector search stays the anchor) and one `common` city.
    // People 55..=60 live in rare city 1001, the others in the common one.
    let mut points: Vec<Value> = (1..=60u64)
        .map(|i| json!({"id": i, "vector": [i as f32, 0.0], "payload": {"labels": "Person"}}))
        .collect();
    points.extend(
        (1001..=1020u64)
            .map(|i| json!({"id": i, "vector": [i as f32, 0.0], "payload": {"name": "rare"}})),
    );
    points.push(json!({"id": 1100, "vector": [1100.0, 0.0], "payload": {"name": "common"}}));
    let r = s.put_json(
        "/collections/g/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200);
    let edges: Vec<Value> = (1..=60u64)
        .map(|i| json!({"source": i, "target": if i >= 55 { 1001 } else { 1100 }, "label": "lives_in"}))
        .collect();
    let r = s.put_json("/collections/g/edges?wait=true", &json!({"edges": edges}))?;
    assert_eq!(r.status(), 200);
    rows(&s, "CREATE INDEX ON g (name) TYPE keyword")?;
    let query = "MATCH (p)-[:lives_in]->(c) FROM g WHERE p.vector NEAR [0.0, 0.0] \
                 AND c.name = 'rare' RETURN p.id, similarity() LIMIT 3";
    let got: Vec<u64> = rows(&s, query)?
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect();
    assert_eq!(got, [55, 56, 57]);
    let (status, body) = run(&s, &format!("EXPLAIN ANALYZE {query}"))?;
    assert_eq!(status, 200, "{body}");
    let plan = &body["result"]["statements"][0]["plan"]["detail"];
    assert_eq!(plan["anchor"], json!("p"), "{plan}");
    assert_eq!(plan["anchor_access"], json!("vector_search"), "{plan}");
    assert_eq!(plan["narrowed_by"], json!("c"), "{plan}");
    assert_eq!(plan["vector_rounds"], json!(2), "{plan}");
    Ok(())
}
