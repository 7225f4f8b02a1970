//! VelesQL over `POST /query` against the real binary: every statement kind, errors with their
//! code, position and status, random WHERE clauses that must select what the JSON filter and a
//! reference evaluation select, and writes that survive `kill -9`.

use std::collections::BTreeSet;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

/// Runs `query` with `params`; the status and the body.
fn run(
    s: &TestServer,
    query: &str,
    params: Value,
) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.post_json("/query", &json!({"query": query, "params": params}))?;
    let status = r.status().as_u16();
    Ok((status, r.json()?))
}

/// The statements of a successful answer.
fn ok(
    s: &TestServer,
    query: &str,
    params: Value,
) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
    let (status, body) = run(s, query, params)?;
    assert_eq!(status, 200, "{query}: {body}");
    Ok(body["result"]["statements"]
        .as_array()
        .cloned()
        .unwrap_or_default())
}

fn rows(statement: &Value) -> Vec<Value> {
    statement["rows"].as_array().cloned().unwrap_or_default()
}

fn first_column_ids(statement: &Value) -> Vec<u64> {
    rows(statement)
        .iter()
        .filter_map(|r| r[0].as_u64())
        .collect()
}

#[test]
fn every_statement_kind_runs_and_a_search_matches_the_json_api() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let done = ok(
        &s,
        "CREATE COLLECTION docs (dimension = 2, metric = 'euclid') WITH (m = 8, durability = 'fsync');
         CREATE INDEX ON docs (pos) TYPE keyword",
        json!({}),
    )?;
    assert_eq!(done.len(), 2);
    let mut values = Vec::new();
    for id in 1..=40u64 {
        let pos = ["n", "v", "a"][(id % 3) as usize];
        values.push(format!(
            "({id}, [{id}, {}], '{pos}', {}, 'w{id}')",
            id % 5,
            id % 7
        ));
    }
    let inserted = ok(
        &s,
        &format!(
            "INSERT INTO docs (id, vector, pos, n, meta.word) VALUES {}",
            values.join(", ")
        ),
        json!({}),
    )?;
    assert_eq!(inserted[0]["affected"], 40);
    // An index created after the load, with its type inferred from the values.
    let created = ok(&s, "CREATE INDEX ON docs (n)", json!({}))?;
    assert_eq!(rows(&created[0]), vec![json!(["n", "integer"])]);

    // The same filtered search through VelesQL and the JSON API.
    let q = json!([10.2, 3.0]);
    let answer = ok(
        &s,
        "SELECT id, score, pos AS p FROM docs
         WHERE vector NEAR $q AND pos = 'n' AND n >= 2 LIMIT 4",
        json!({"q": q}),
    )?;
    assert_eq!(answer[0]["columns"], json!(["id", "score", "p"]));
    let json_api: Value = s
        .post_json(
            "/collections/docs/points/query",
            &json!({"query": q, "limit": 4, "filter": {"must": [
                {"key": "pos", "match": {"value": "n"}}, {"key": "n", "range": {"gte": 2}}]}}),
        )?
        .json()?;
    let expected: Vec<u64> = json_api["result"]["points"]
        .as_array()
        .map(|p| p.iter().filter_map(|h| h["id"].as_u64()).collect())
        .unwrap_or_default();
    assert_eq!(first_column_ids(&answer[0]), expected);
    assert_eq!(expected.len(), 4);
    // Without LIMIT a search returns 10 rows.
    let ten = ok(
        &s,
        "SELECT id FROM docs WHERE vector NEAR [0, 0]",
        json!({}),
    )?;
    assert_eq!(rows(&ten[0]).len(), 10);

    // Scans: id order, ORDER BY several keys, OFFSET.
    let scan = ok(
        &s,
        "SELECT id, n FROM docs WHERE n BETWEEN 1 AND 2 ORDER BY n DESC, id ASC LIMIT 3 OFFSET 1",
        json!({}),
    )?;
    let got: Vec<Value> = rows(&scan[0]);
    assert_eq!(got, vec![json!([9, 2]), json!([16, 2]), json!([23, 2])]);

    // Aggregates, from postings where indexes cover them.
    let first_thirty: Vec<String> = (1..=30).map(|i| i.to_string()).collect();
    let grouped = ok(
        &s,
        &format!(
            "SELECT pos, COUNT(*) AS c, SUM(n), MIN(meta.word), COUNT(DISTINCT n) FROM docs
             WHERE id IN ({}) GROUP BY pos HAVING COUNT(*) >= 10 AND SUM(n) > 0
             ORDER BY c DESC, pos",
            first_thirty.join(", ")
        ),
        json!({}),
    )?;
    let mut expected_groups = Vec::new();
    for pos in ["a", "n", "v"] {
        let ids: Vec<u64> = (1..=30u64)
            .filter(|id| ["n", "v", "a"][(id % 3) as usize] == pos)
            .collect();
        let sum: u64 = ids.iter().map(|id| id % 7).sum();
        let min_word = ids
            .iter()
            .map(|id| format!("w{id}"))
            .min()
            .unwrap_or_default();
        let distinct: BTreeSet<u64> = ids.iter().map(|id| id % 7).collect();
        expected_groups.push(json!([pos, ids.len(), sum, min_word, distinct.len()]));
    }
    assert_eq!(rows(&grouped[0]), expected_groups);
    let explained = ok(
        &s,
        "EXPLAIN ANALYZE SELECT pos, COUNT(*) FROM docs GROUP BY pos",
        json!({}),
    )?;
    assert_eq!(explained[0]["plan"]["detail"]["groups_from_index"], true);

    // Writes report the points they touched; EXPLAIN of a write runs nothing.
    let writes = ok(
        &s,
        "EXPLAIN DELETE FROM docs WHERE pos = 'a';
         UPDATE docs SET flag = TRUE, n = NULL WHERE pos = 'v' AND id IN (1, 4, 7, 8);
         DELETE FROM docs WHERE id IN (1, 2, 3, 999);
         UPSERT INTO docs (id, vector, pos) VALUES (1, [1, 1], 'x');
         SELECT COUNT(*) FROM docs WHERE flag = TRUE;
         SELECT id, pos, n FROM docs WHERE id = 1 OR id = 4 ORDER BY id",
        json!({}),
    )?;
    assert_eq!(writes[0]["plan"]["node"], "delete");
    assert_eq!(writes[1]["affected"], 3, "{}", writes[1]);
    assert_eq!(writes[2]["affected"], 3);
    assert_eq!(writes[3]["affected"], 1);
    assert_eq!(
        rows(&writes[4]),
        vec![json!([2])],
        "ids 4 and 7: 1 was deleted and written anew"
    );
    assert_eq!(
        rows(&writes[5]),
        vec![json!([1, "x", null]), json!([4, "v", null])]
    );

    // Schema: SHOW, DESCRIBE, DROP INDEX, DROP COLLECTION [IF EXISTS].
    let schema = ok(
        &s,
        "SHOW COLLECTIONS; DESCRIBE docs; DROP INDEX ON docs (n); DESCRIBE docs;
         DROP COLLECTION docs; DROP COLLECTION IF EXISTS docs; SHOW COLLECTIONS",
        json!({}),
    )?;
    assert_eq!(rows(&schema[0]), vec![json!(["docs", 38, "ready"])]);
    let described: Vec<Value> = rows(&schema[1]);
    assert!(
        described.contains(&json!(["dimension", 2])),
        "{described:?}"
    );
    assert!(described.contains(&json!(["metric", "euclid"])));
    assert!(described.contains(&json!(["m", 8])));
    assert!(described.iter().any(|r| r[0] == "index n"));
    assert!(!rows(&schema[3]).iter().any(|r| r[0] == "index n"));
    assert_eq!(rows(&schema[6]), Vec::<Value>::new());
    Ok(())
}

/// A query, the status and code it must get, and the line and column when it has one.
type ErrorCase = (&'static str, u16, &'static str, Option<(u64, u64)>);

#[test]
fn errors_carry_a_code_a_position_and_a_status() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    ok(&s, "CREATE COLLECTION c (dimension = 2)", json!({}))?;
    let cases: [ErrorCase; 10] = [
        (
            "EXPLAIN ANALYZE DELETE FROM c WHERE n = 1",
            400,
            "unsupported",
            Some((1, 17)),
        ),
        ("SELECT id\nFORM c", 400, "syntax_error", Some((2, 1))),
        ("SELECT id FROM nope", 404, "not_found", Some((1, 16))),
        (
            "CREATE COLLECTION c (dimension = 2)",
            409,
            "already_exists",
            Some((1, 19)),
        ),
        (
            "SELECT id FROM c WHERE vector NEAR [1, 2, 3]",
            422,
            "invalid_value",
            None,
        ),
        (
            "SELECT id FROM c WHERE n = $missing",
            400,
            "unbound_parameter",
            Some((1, 28)),
        ),
        ("SELECT id FROM c LIMIT 10001", 422, "too_many_rows", None),
        (
            "SELECT id FROM c WITH (ef_search = 0)",
            422,
            "invalid_setting",
            None,
        ),
        ("DELETE FROM c", 400, "where_required", None),
        (
            "SELECT score FROM c",
            400,
            "invalid_condition",
            Some((1, 8)),
        ),
    ];
    for (query, status, code, position) in cases {
        let (got, body) = run(&s, query, json!({}))?;
        assert_eq!(got, status, "{query}: {body}");
        let error = if body["result"]["error"].is_object() {
            body["result"]["error"].clone()
        } else {
            body["result"]["statements"][0]["error"].clone()
        };
        assert_eq!(error["code"], code, "{query}: {body}");
        assert!(body["status"]["error"].is_string(), "{body}");
        if let Some((line, column)) = position {
            assert_eq!(
                (error["line"].as_u64(), error["column"].as_u64()),
                (Some(line), Some(column)),
                "{query}: {error}"
            );
            let caret = error["caret"].as_str().unwrap_or_default();
            assert!(caret.ends_with('^'), "{caret}");
        }
    }
    // A failing statement stops the ones after it; the ones before it ran.
    let (status, body) = run(
        &s,
        "UPSERT INTO c (id, vector) VALUES (1, [1, 0]); SELECT id FROM nope; UPSERT INTO c (id, vector) VALUES (2, [0, 1])",
        json!({}),
    )?;
    assert_eq!(status, 404);
    let statements = body["result"]["statements"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(statements[0]["affected"], 1);
    assert_eq!(statements[1]["error"]["code"], "not_found");
    assert_eq!(statements[2]["error"]["code"], "not_run");
    let count = ok(&s, "SELECT COUNT(*) FROM c", json!({}))?;
    assert_eq!(rows(&count[0]), vec![json!([1])]);

    // Bounds: one byte past the query length, a nesting bomb, a parameter that is an object.
    let long = format!("SELECT id FROM c WHERE n IN ({})", "1,".repeat(40_000));
    let (status, body) = run(&s, &long, json!({}))?;
    assert_eq!(status, 400, "{body}");
    let bomb = format!(
        "SELECT id FROM c WHERE {}n = 1{}",
        "(".repeat(100_000),
        ")".repeat(100_000)
    );
    let started = std::time::Instant::now();
    let (status, body) = run(&s, &bomb, json!({}))?;
    assert_eq!(status, 400);
    assert!(
        body["result"]["error"]["code"] == "nesting_too_deep"
            || body["result"]["error"]["code"] == "query_too_long",
        "{}",
        body["result"]["error"]
    );
    assert!(started.elapsed().as_secs() < 5);
    let (status, _) = run(&s, "SELECT id FROM c WHERE n = $o", json!({"o": {"a": 1}}))?;
    assert_eq!(status, 400);
    // A list parameter spread into IN counts its items against the list bound.
    let ids = |n: u64| json!({"ids": (0..n).collect::<Vec<u64>>()});
    let (status, _) = run(&s, "SELECT id FROM c WHERE id IN ($ids)", ids(4096))?;
    assert_eq!(status, 200);
    let (status, body) = run(&s, "SELECT id FROM c WHERE n IN (1, $ids)", ids(4096))?;
    assert_eq!(status, 400);
    assert_eq!(
        body["result"]["statements"][0]["error"]["code"], "list_too_long",
        "{body}"
    );
    Ok(())
}

/// A random condition over the seeded points, as VelesQL text, as a Qdrant JSON filter, and as
/// a reference evaluation.
enum Cond {
    KeyIs(&'static str),
    KeyIn(Vec<&'static str>),
    NAtLeast(i64),
    NBetween(i64, i64),
    FBelow(f64),
    TagsContain(&'static str),
    KeyIsNull,
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

const KEYS: [&str; 4] = ["red", "green", "blue", "teal"];

fn random_cond(rng: &mut StdRng, depth: u32) -> Cond {
    let leaf = depth == 0 || rng.random_bool(0.5);
    if leaf {
        match rng.random_range(0..7) {
            0 => Cond::KeyIs(KEYS[rng.random_range(0..4)]),
            1 => Cond::KeyIn(vec![
                KEYS[rng.random_range(0..4)],
                KEYS[rng.random_range(0..4)],
            ]),
            2 => Cond::NAtLeast(rng.random_range(-2..12)),
            3 => {
                let a = rng.random_range(0..10);
                Cond::NBetween(a, a + rng.random_range(0..5))
            }
            4 => Cond::FBelow(f64::from(rng.random_range(0..20)) / 2.0),
            5 => Cond::TagsContain(["x", "y", "z"][rng.random_range(0..3)]),
            _ => Cond::KeyIsNull,
        }
    } else {
        match rng.random_range(0..3) {
            0 => Cond::Not(Box::new(random_cond(rng, depth - 1))),
            1 => Cond::And(
                (0..rng.random_range(2..4))
                    .map(|_| random_cond(rng, depth - 1))
                    .collect(),
            ),
            _ => Cond::Or(
                (0..rng.random_range(2..4))
                    .map(|_| random_cond(rng, depth - 1))
                    .collect(),
            ),
        }
    }
}

impl Cond {
    fn sql(&self) -> String {
        match self {
            Self::KeyIs(k) => format!("k = '{k}'"),
            Self::KeyIn(ks) => format!(
                "k IN ({})",
                ks.iter()
                    .map(|k| format!("'{k}'"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Self::NAtLeast(n) => format!("n >= {n}"),
            Self::NBetween(a, b) => format!("n BETWEEN {a} AND {b}"),
            Self::FBelow(x) => format!("f < {x:?}"),
            Self::TagsContain(t) => format!("tags CONTAINS '{t}'"),
            Self::KeyIsNull => "k IS NULL".to_owned(),
            Self::Not(c) => format!("NOT ({})", c.sql()),
            Self::And(cs) => format!(
                "({})",
                cs.iter().map(Cond::sql).collect::<Vec<_>>().join(" AND ")
            ),
            Self::Or(cs) => format!(
                "({})",
                cs.iter().map(Cond::sql).collect::<Vec<_>>().join(" OR ")
            ),
        }
    }

    fn filter(&self) -> Value {
        let must = |c: Value| json!({"must": [c]});
        match self {
            Self::KeyIs(k) => must(json!({"key": "k", "match": {"value": k}})),
            Self::KeyIn(ks) => must(json!({"key": "k", "match": {"any": ks}})),
            Self::NAtLeast(n) => must(json!({"key": "n", "range": {"gte": n}})),
            Self::NBetween(a, b) => must(json!({"key": "n", "range": {"gte": a, "lte": b}})),
            Self::FBelow(x) => must(json!({"key": "f", "range": {"lt": x}})),
            Self::TagsContain(t) => must(json!({"key": "tags", "match": {"value": t}})),
            // SQL's IS NULL: missing, null or an empty list, which is Qdrant's is_empty.
            Self::KeyIsNull => must(json!({"is_empty": {"key": "k"}})),
            Self::Not(c) => json!({"must_not": [c.filter()]}),
            Self::And(cs) => json!({"must": cs.iter().map(Cond::filter).collect::<Vec<_>>()}),
            Self::Or(cs) => json!({"should": cs.iter().map(Cond::filter).collect::<Vec<_>>()}),
        }
    }

    /// Qdrant's semantics: a missing field matches no value condition; arrays match by element.
    fn holds(&self, p: &Value) -> bool {
        match self {
            Self::KeyIs(k) => p["k"] == *k,
            Self::KeyIn(ks) => ks.iter().any(|k| p["k"] == *k),
            Self::NAtLeast(n) => p["n"].as_i64().is_some_and(|v| v >= *n),
            Self::NBetween(a, b) => p["n"].as_i64().is_some_and(|v| v >= *a && v <= *b),
            Self::FBelow(x) => p["f"].as_f64().is_some_and(|v| v < *x),
            Self::TagsContain(t) => p["tags"]
                .as_array()
                .is_some_and(|a| a.iter().any(|v| v == t)),
            Self::KeyIsNull => p
                .get("k")
                .is_none_or(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty)),
            Self::Not(c) => !c.holds(p),
            Self::And(cs) => cs.iter().all(|c| c.holds(p)),
            Self::Or(cs) => cs.iter().any(|c| c.holds(p)),
        }
    }
}

#[test]
fn random_where_clauses_select_what_json_filters_and_a_reference_select() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("r", 2, "Dot")?;
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let mut payloads = Vec::new();
    let mut points = Vec::new();
    for id in 0..300u64 {
        let mut p = serde_json::Map::new();
        match rng.random_range(0..6) {
            0 => {}
            1 => {
                p.insert("k".into(), Value::Null);
            }
            _ => {
                p.insert("k".into(), json!(KEYS[rng.random_range(0..4)]));
            }
        }
        if rng.random_bool(0.9) {
            p.insert("n".into(), json!(rng.random_range(0..12)));
        }
        if rng.random_bool(0.8) {
            p.insert("f".into(), json!(f64::from(rng.random_range(0..20)) / 2.0));
        }
        let tags: Vec<&str> = ["x", "y", "z"]
            .into_iter()
            .filter(|_| rng.random_bool(0.4))
            .collect();
        p.insert("tags".into(), json!(tags));
        let p = Value::Object(p);
        points.push(json!({"id": id, "vector": [1.0, id as f32], "payload": p}));
        payloads.push((id, p));
    }
    let r = s.put_json(
        "/collections/r/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200);
    // Half the fields indexed: answers must not depend on it.
    for (field, schema) in [("k", "keyword"), ("n", "integer")] {
        let r = s.put_json(
            "/collections/r/index?wait=true",
            &json!({"field_name": field, "field_schema": schema}),
        )?;
        assert_eq!(r.status(), 200);
    }
    for case in 0..150 {
        let cond = random_cond(&mut rng, 3);
        let expected: BTreeSet<u64> = payloads
            .iter()
            .filter(|(_, p)| cond.holds(p))
            .map(|(id, _)| *id)
            .collect();
        let query = format!("SELECT id FROM r WHERE {} LIMIT 1000", cond.sql());
        let through_sql: BTreeSet<u64> = first_column_ids(&ok(&s, &query, json!({}))?[0])
            .into_iter()
            .collect();
        let scrolled: Value = s
            .post_json(
                "/collections/r/points/scroll",
                &json!({"filter": cond.filter(), "limit": 1000}),
            )?
            .json()?;
        let through_json: BTreeSet<u64> = scrolled["result"]["points"]
            .as_array()
            .map(|ps| ps.iter().filter_map(|p| p["id"].as_u64()).collect())
            .unwrap_or_default();
        assert_eq!(through_sql, expected, "case {case}: {query}");
        assert_eq!(through_json, expected, "case {case}: {}", cond.filter());
        // COUNT(*) agrees with the rows.
        let counted = ok(
            &s,
            &format!("SELECT COUNT(*) FROM r WHERE {}", cond.sql()),
            json!({}),
        )?;
        assert_eq!(
            rows(&counted[0]),
            vec![json!([expected.len()])],
            "case {case}"
        );
        // ORDER BY with a page: the scan keeps only the best OFFSET + LIMIT points as it reads
        // (cutting its buffer many times over 300 points); the page must be the reference's.
        let mut ordered: Vec<(i64, u64)> = payloads
            .iter()
            .filter(|(id, p)| expected.contains(id) && p["n"].is_i64())
            .map(|(id, p)| (-p["n"].as_i64().unwrap_or_default(), *id))
            .collect();
        ordered.sort_unstable();
        let page: Vec<u64> = ordered.iter().skip(3).take(7).map(|(_, id)| *id).collect();
        let query = format!(
            "SELECT id FROM r WHERE ({}) AND n >= 0 ORDER BY n DESC, id LIMIT 7 OFFSET 3",
            cond.sql()
        );
        assert_eq!(
            first_column_ids(&ok(&s, &query, json!({}))?[0]),
            page,
            "case {case}: {query}"
        );
    }
    // What ORDER BY keeps is bounded, whatever matches: one past the bound is refused before
    // anything is read, naming the OFFSET.
    let (status, body) = run(
        &s,
        "SELECT id FROM r ORDER BY n LIMIT 10 OFFSET 99990",
        json!({}),
    )?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = run(
        &s,
        "SELECT id FROM r ORDER BY n LIMIT 10 OFFSET 99991",
        json!({}),
    )?;
    assert_eq!(status, 422, "{body}");
    let error = &body["result"]["statements"][0]["error"];
    assert_eq!(error["code"], "too_many_rows", "{body}");
    assert_eq!(error["column"], 45, "{error}");
    Ok(())
}

#[test]
fn velesql_writes_survive_kill_9() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    ok(
        &s,
        "CREATE COLLECTION w (dimension = 2) WITH (durability = 'fsync')",
        json!({}),
    )?;
    for id in 0..60u64 {
        ok(
            &s,
            "UPSERT INTO w (id, vector, n, tag) VALUES ($id, $v, $id, 'new')",
            json!({"id": id, "v": [1.0, id as f32]}),
        )?;
    }
    let updated = ok(&s, "UPDATE w SET tag = 'old' WHERE n < 20", json!({}))?;
    assert_eq!(updated[0]["affected"], 20);
    let deleted = ok(&s, "DELETE FROM w WHERE n >= 50", json!({}))?;
    assert_eq!(deleted[0]["affected"], 10);
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let after = ok(
        &s,
        "SELECT COUNT(*) FROM w; SELECT tag, COUNT(*) FROM w GROUP BY tag ORDER BY tag; SELECT MAX(n) FROM w",
        json!({}),
    )?;
    assert_eq!(rows(&after[0]), vec![json!([50])]);
    assert_eq!(
        rows(&after[1]),
        vec![json!(["new", 30]), json!(["old", 20])]
    );
    assert_eq!(rows(&after[2]), vec![json!([49])]);
    Ok(())
}

#[test]
fn the_plan_cache_hits_repeated_text_and_forgets_it_when_indexes_change() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    ok(
        &s,
        "CREATE COLLECTION p (dimension = 2); UPSERT INTO p (id, vector, k) VALUES (1, [1, 0], 'a')",
        json!({}),
    )?;
    let count = |event: &str| -> Result<f64, Box<dyn std::error::Error>> {
        Ok(s.metric(&format!(
            "plait_velesql_plan_cache_total{{event=\"{event}\"}}"
        ))?
        .unwrap_or(0.0))
    };
    let query = "SELECT id FROM p WHERE k = $k";
    let before = (count("hit")?, count("miss")?, count("invalidation")?);
    for k in ["a", "b", "a"] {
        ok(&s, query, json!({"k": k}))?;
    }
    assert_eq!(count("miss")? - before.1, 1.0, "parsed once");
    assert_eq!(
        count("hit")? - before.0,
        2.0,
        "then served from the cache, whatever the parameters"
    );
    // The key is the statement without its layout: other spacing, line breaks and comments
    // hit the same entry.
    let relaid = "  SELECT id\n  FROM p -- the points\n  WHERE /* key */ k = $k ;";
    assert_eq!(
        first_column_ids(&ok(&s, relaid, json!({"k": "a"}))?[0]),
        vec![1]
    );
    assert_eq!(
        count("miss")? - before.1,
        1.0,
        "another layout is no new parse"
    );
    assert_eq!(count("hit")? - before.0, 3.0);
    // An error found while running a cached statement points into the text this request sent,
    // not the layout the entry was parsed from.
    let failing = "SELECT id FROM p WHERE k = $k LIMIT 20000";
    let (status, body) = run(&s, failing, json!({"k": "a"}))?;
    assert_eq!(status, 422, "{body}");
    let relaid_failing = "SELECT id\nFROM p\n   WHERE k = $k\n    LIMIT   20000";
    let (status, body) = run(&s, relaid_failing, json!({"k": "a"}))?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(
        count("miss")? - before.1,
        2.0,
        "the second layout was a hit"
    );
    let error = &body["result"]["statements"][0]["error"];
    let (line, column) = (error["line"].as_u64(), error["column"].as_u64());
    let (Some(line), Some(column)) = (line, column) else {
        return Err(format!("no position: {error}").into());
    };
    let at_line = relaid_failing
        .lines()
        .nth(line as usize - 1)
        .unwrap_or_default();
    let from_column: String = at_line.chars().skip(column as usize - 1).collect();
    assert!(
        from_column.starts_with("LIMIT") || from_column.starts_with("20000"),
        "line {line} column {column} of the sent text: {from_column:?} ({error})"
    );
    assert!(
        error["caret"]
            .as_str()
            .unwrap_or_default()
            .contains("LIMIT   20000"),
        "the excerpt is this request's own text: {error}"
    );
    ok(&s, "CREATE INDEX ON p (k) TYPE keyword", json!({}))?;
    let answer = ok(&s, query, json!({"k": "a"}))?;
    assert_eq!(first_column_ids(&answer[0]), vec![1]);
    assert_eq!(
        count("invalidation")? - before.2,
        1.0,
        "the index changed what the entry was made for"
    );
    assert_eq!(
        count("miss")? - before.1,
        4.0,
        "the query, the failing one, CREATE INDEX, the query again"
    );
    Ok(())
}

#[test]
fn search_settings_thresholds_and_string_conditions_work_as_documented() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let created = ok(
        &s,
        "CREATE COLLECTION t (dimension = 2, metric = 'cosine') WITH (quantization = 'sq8', ef_construction = 64);
         DESCRIBE t;
         INSERT INTO t (id, vector, title, tags) VALUES
           (1, [1, 0], 'Graph databases', ['db', 'graph']),
           (2, [0.8, 0.6], 'graph theory', ['math']),
           (3, [0, 1], 'Vector search', ['db', 'vector'])",
        json!({}),
    )?;
    assert!(rows(&created[1]).contains(&json!(["quantization", "sq8"])));
    let q = json!({"q": [1.0, 0.0]});
    // similarity() > x keeps the hits above the threshold (cosine: 1, 0.8, 0).
    let above = ok(
        &s,
        "SELECT id FROM t WHERE vector NEAR $q AND similarity(vector, $q) > 0.5",
        q.clone(),
    )?;
    assert_eq!(first_column_ids(&above[0]), vec![1, 2]);
    for with in [
        "mode = 'exact'",
        "mode = 'fast'",
        "ef_search = 7",
        "mode = 'accurate', rescore = false, oversampling = 2",
    ] {
        let got = ok(
            &s,
            &format!("SELECT id FROM t WHERE vector NEAR $q LIMIT 3 WITH ({with})"),
            q.clone(),
        )?;
        assert_eq!(first_column_ids(&got[0]), vec![1, 2, 3], "{with}");
    }
    let (status, body) = run(
        &s,
        "SELECT id FROM t WHERE vector NEAR $q WITH (mode = 'quick')",
        q,
    )?;
    assert_eq!(status, 422, "{body}");
    for (condition, ids) in [
        ("title LIKE 'graph%'", vec![2]),
        ("title ILIKE 'graph%'", vec![1, 2]),
        ("title NOT LIKE '%a%'", Vec::<u64>::new()),
        ("tags CONTAINS ANY ('math', 'vector')", vec![2, 3]),
        ("tags CONTAINS ALL ('db', 'graph')", vec![1]),
        ("tags CONTAINS 'db' AND NOT title LIKE 'V%'", vec![1]),
    ] {
        let got = ok(
            &s,
            &format!("SELECT id FROM t WHERE {condition} ORDER BY id"),
            json!({}),
        )?;
        assert_eq!(first_column_ids(&got[0]), ids, "{condition}");
    }
    Ok(())
}
