//! `points/query/groups` and `points/search/groups`: Qdrant's grouped search ("the best chunks
//! of the best documents"), checked against groups computed here by brute force from the exact
//! ungrouped ranking of every matching point: string, integer and array-valued keys, points
//! without the key or with other value types left out, filters applied before grouping, a
//! dominant group that makes the server widen its ranking, named vectors, and bad input.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

type Error = Box<dyn std::error::Error>;

/// Groups as the test computes them: each group's id and its hits' (id, score), best first.
type Groups = Vec<(Value, Vec<(Value, f64)>)>;

const POINTS: u64 = 400;
const DIM: usize = 6;

/// A deterministic pseudo-random vector for point `i` (no two points tie on a score).
fn vector(i: u64, salt: u64) -> Vec<f32> {
    let mut x = i
        .wrapping_mul(6_364_136_223_846_793_005)
        .wrapping_add(1_442_695_040_888_963_407 ^ salt);
    (0..DIM)
        .map(|_| {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            ((x >> 33) % 2000) as f32 / 1000.0 - 1.0
        })
        .collect()
}

/// The payload of point `i`: `doc` a string for most, an integer for some, an array of both for
/// some, a float or a bool (no group) for some, missing for some; `lang` for filters; `topic`
/// "common" for all but 5 far-away points; `meta.doc` nested.
fn payload(i: u64) -> Value {
    let mut p = serde_json::Map::new();
    let doc = match i % 11 {
        0 => json!(i % 7),
        1 => json!([format!("d{}", i % 13), i % 7, format!("d{}", i % 13)]),
        2 => json!(1.5),
        3 => json!(true),
        4 => Value::Null,
        _ => json!(format!("d{}", i % 13)),
    };
    if i % 17 != 5 {
        p.insert("doc".into(), doc);
    }
    p.insert(
        "lang".into(),
        json!(if i.is_multiple_of(3) { "fr" } else { "en" }),
    );
    p.insert(
        "topic".into(),
        if i >= POINTS - 5 {
            json!(format!("t{i}"))
        } else {
            json!("common")
        },
    );
    p.insert("meta".into(), json!({"doc": format!("m{}", i % 5)}));
    Value::Object(p)
}

fn ok_result(r: reqwest::blocking::Response) -> Result<Value, Error> {
    let status = r.status();
    let body: Value = r.json()?;
    assert_eq!(status, 200, "{body}");
    Ok(body["result"].clone())
}

/// A collection of one unnamed vector, or (`named`) of `a` and `b`.
fn collection(s: &TestServer, name: &str, named: bool) -> TestResult {
    let vectors = if named {
        json!({"a": {"size": DIM, "distance": "Cosine"}, "b": {"size": DIM, "distance": "Euclid"}})
    } else {
        json!({"size": DIM, "distance": "Dot"})
    };
    ok_result(s.put_json(
        &format!("/collections/{name}"),
        &json!({"vectors": vectors}),
    )?)?;
    let points: Vec<Value> = (0..POINTS)
        .map(|i| {
            let v = if named {
                json!({"a": vector(i, 1), "b": vector(i, 2)})
            } else {
                // The last five points point away from every query below.
                let mut v = vector(i, 0);
                if i >= POINTS - 5 {
                    v.iter_mut().for_each(|x| *x = -x.abs() - 2.0);
                }
                json!(v)
            };
            json!({"id": i, "vector": v, "payload": payload(i)})
        })
        .collect();
    ok_result(s.put_json(
        &format!("/collections/{name}/points?wait=true"),
        &json!({"points": points}),
    )?)?;
    Ok(())
}

/// The group values of a point: each string or integer at `key` (a dotted path), once.
fn group_values(payload: &Value, key: &str) -> Vec<Value> {
    let mut at = payload;
    for part in key.split('.') {
        at = &at[part];
    }
    let items = match at {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    let mut out: Vec<Value> = Vec::new();
    for v in items {
        if (v.is_string() || v.is_i64() || v.is_u64()) && !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

/// Groups computed from the exact ranking of every point `base` (a `points/query` body without
/// `limit`) matches: in the order of their best hit, at most `group_size` hits each, `limit`
/// groups. Each group is its id and its hits' (id, score).
fn brute_force(
    s: &TestServer,
    name: &str,
    base: &Value,
    key: &str,
    group_size: usize,
    limit: usize,
) -> Result<Groups, Error> {
    let mut body = base.clone();
    body["limit"] = json!(POINTS);
    body["with_payload"] = json!(true);
    body["params"] = json!({"exact": true});
    let ranking = ok_result(s.post_json(&format!("/collections/{name}/points/query"), &body)?)?;
    let mut groups: Groups = Vec::new();
    for hit in ranking["points"].as_array().ok_or("points")? {
        let scored = (hit["id"].clone(), hit["score"].as_f64().ok_or("score")?);
        for id in group_values(&hit["payload"], key) {
            match groups.iter_mut().find(|(g, _)| *g == id) {
                Some((_, hits)) if hits.len() < group_size => hits.push(scored.clone()),
                Some(_) => {}
                None => groups.push((id, vec![scored.clone()])),
            }
        }
    }
    groups.truncate(limit);
    Ok(groups)
}

/// Asserts that a `{"groups": [...]}` answer is `want`, scores to rounding.
fn assert_groups(got: &Value, want: &[(Value, Vec<(Value, f64)>)], what: &str) -> TestResult {
    let got = got["groups"].as_array().ok_or("groups")?;
    let summary = |g: &Value| -> Vec<Value> {
        g["hits"]
            .as_array()
            .map(|h| h.iter().map(|p| p["id"].clone()).collect())
            .unwrap_or_default()
    };
    let got_ids: Vec<(Value, Vec<Value>)> =
        got.iter().map(|g| (g["id"].clone(), summary(g))).collect();
    let want_ids: Vec<(Value, Vec<Value>)> = want
        .iter()
        .map(|(id, hits)| (id.clone(), hits.iter().map(|h| h.0.clone()).collect()))
        .collect();
    assert_eq!(got_ids, want_ids, "{what}");
    for (g, (_, hits)) in got.iter().zip(want) {
        for (p, (_, score)) in g["hits"].as_array().ok_or("hits")?.iter().zip(hits) {
            let s = p["score"].as_f64().ok_or("score")?;
            assert!((s - score).abs() < 1e-4, "{what}: score {s} != {score}");
        }
    }
    Ok(())
}

#[test]
fn groups_match_a_brute_force_grouping_of_the_exact_ranking() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    collection(&s, "g", false)?;
    // Positive, so the five far-away points rank last.
    let q: Vec<f32> = vector(1000, 0).iter().map(|x| x.abs() + 0.1).collect();
    let lang_en = json!({"must": [{"key": "lang", "match": {"value": "en"}}]});

    // (base query, key, group_size, limit)
    let cases = [
        (json!({"query": q}), "doc", 3, 10),
        (json!({"query": q}), "doc", 1, 4),
        (json!({"query": q}), "doc", 5, 30),
        (json!({"query": q, "filter": lang_en}), "doc", 2, 6),
        (json!({"query": q}), "meta.doc", 4, 3),
        // Every top hit is "common": the other groups lie at the bottom of the ranking.
        (json!({"query": q}), "topic", 2, 4),
        (json!({"query": q, "score_threshold": 0.0}), "doc", 3, 5),
    ];
    for (base, key, group_size, limit) in cases {
        let want = brute_force(&s, "g", &base, key, group_size, limit)?;
        let what = format!("{base} by {key}, {group_size} x {limit}");
        for exact in [true, false] {
            let mut body = base.clone();
            body["group_by"] = json!(key);
            body["group_size"] = json!(group_size);
            body["limit"] = json!(limit);
            body["params"] = json!({"exact": exact});
            body["with_payload"] = json!(true);
            let got = ok_result(s.post_json("/collections/g/points/query/groups", &body)?)?;
            assert_groups(&got, &want, &format!("query/groups {what}"))?;
            // The same through the older body.
            body["vector"] = body["query"].take();
            let got = ok_result(s.post_json("/collections/g/points/search/groups", &body)?)?;
            assert_groups(&got, &want, &format!("search/groups {what}"))?;
        }
    }

    // Enough groups to fill are found even far down the ranking, and their ids are the values.
    let topics = ok_result(s.post_json(
        "/collections/g/points/query/groups",
        &json!({"query": q, "group_by": "topic", "group_size": 1, "limit": 6}),
    )?)?;
    let ids: Vec<&Value> = topics["groups"]
        .as_array()
        .ok_or("groups")?
        .iter()
        .map(|g| &g["id"])
        .collect();
    assert_eq!(ids.len(), 6, "{topics}");
    assert_eq!(ids[0], "common");

    // Defaults: 10 groups of 3; payload off unless asked; an integer group id is a number.
    let got = ok_result(s.post_json(
        "/collections/g/points/query/groups",
        &json!({"query": q, "group_by": "doc"}),
    )?)?;
    let groups = got["groups"].as_array().ok_or("groups")?;
    assert_eq!(groups.len(), 10);
    assert!(
        groups
            .iter()
            .all(|g| g["hits"].as_array().map(Vec::len) == Some(3))
    );
    assert!(groups.iter().all(|g| g["hits"][0].get("payload").is_none()));
    assert!(groups.iter().any(|g| g["id"].is_u64()), "{got}");
    assert!(groups.iter().any(|g| g["id"].is_string()), "{got}");

    // A key no point holds: no groups.
    let none = ok_result(s.post_json(
        "/collections/g/points/query/groups",
        &json!({"query": q, "group_by": "nowhere"}),
    )?)?;
    assert_eq!(none, json!({"groups": []}));
    Ok(())
}

#[test]
fn named_vectors_are_grouped_like_the_unnamed_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    collection(&s, "n", true)?;
    for (using, salt) in [("a", 1), ("b", 2)] {
        let q = vector(2000, salt);
        let base = json!({"query": q, "using": using});
        let want = brute_force(&s, "n", &base, "doc", 2, 5)?;
        let got = ok_result(s.post_json(
            "/collections/n/points/query/groups",
            &json!({"query": q, "using": using, "group_by": "doc", "group_size": 2, "limit": 5}),
        )?)?;
        assert_groups(&got, &want, &format!("query/groups using {using}"))?;
        let got = ok_result(s.post_json(
            "/collections/n/points/search/groups",
            &json!({"vector": {"name": using, "vector": q}, "group_by": "doc", "group_size": 2,
                    "limit": 5, "with_vector": [using]}),
        )?)?;
        assert_groups(&got, &want, &format!("search/groups {using}"))?;
        let hit = &got["groups"][0]["hits"][0];
        assert!(hit["vector"][using].is_array(), "{hit}");
    }
    // A fusion of two prefetches groups its fused ranking.
    let fused = ok_result(s.post_json(
        "/collections/n/points/query/groups",
        &json!({
            "prefetch": [
                {"query": vector(3000, 1), "using": "a", "limit": 50},
                {"query": vector(3000, 2), "using": "b", "limit": 50}
            ],
            "query": {"fusion": "rrf"},
            "group_by": "doc", "group_size": 2, "limit": 3
        }),
    )?)?;
    let groups = fused["groups"].as_array().ok_or("groups")?;
    assert_eq!(groups.len(), 3, "{fused}");
    // A vector the collection does not declare is refused, naming it.
    let r = s.post_json(
        "/collections/n/points/query/groups",
        &json!({"query": vector(1, 1), "using": "c", "group_by": "doc"}),
    )?;
    assert_eq!(r.status(), 400);
    let body: Value = r.json()?;
    let error = body["status"]["error"].as_str().ok_or("an error")?;
    assert!(error.contains("vector \"c\""), "{error}");
    Ok(())
}

#[test]
fn bad_group_requests_are_refused_naming_the_field() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    collection(&s, "g", false)?;
    let q = vector(1, 0);
    let query = "/collections/g/points/query/groups";
    let search = "/collections/g/points/search/groups";
    let cases = [
        (query, json!({"query": q}), 400, "group_by"),
        (
            search,
            json!({"vector": q, "group_size": 1, "limit": 1}),
            400,
            "group_by",
        ),
        (
            search,
            json!({"vector": q, "group_by": "doc", "limit": 1}),
            400,
            "group_size",
        ),
        (
            search,
            json!({"vector": q, "group_by": "doc", "group_size": 1}),
            400,
            "limit",
        ),
        (
            query,
            json!({"query": q, "group_by": "doc", "group_size": 0}),
            422,
            "group_size",
        ),
        (
            query,
            json!({"query": q, "group_by": "doc", "limit": 0}),
            422,
            "limit",
        ),
        (
            search,
            json!({"vector": q, "group_by": "doc", "group_size": 0, "limit": 1}),
            422,
            "group_size",
        ),
        // One past the cap on `limit × group_size`; the cap itself is accepted below.
        (
            query,
            json!({"query": q, "group_by": "doc", "group_size": 1000, "limit": 101}),
            422,
            "limit * group_size",
        ),
        (
            search,
            json!({"vector": q, "group_by": "doc", "group_size": 100_001, "limit": 1}),
            422,
            "group_size",
        ),
        (
            query,
            json!({"query": q, "group_by": "doc", "with_lookup": "docs"}),
            422,
            "with_lookup",
        ),
        (
            search,
            json!({"vector": q, "group_by": "doc", "group_size": 1, "limit": 1,
                   "with_lookup": {"collection": "docs"}}),
            422,
            "with_lookup",
        ),
        (query, json!({"query": q, "group_by": ""}), 422, "group_by"),
        (
            query,
            json!({"query": q, "group_by": "a..b"}),
            422,
            "group_by",
        ),
        (
            query,
            json!({"query": q, "group_by": "doc", "params": {"explain": true}}),
            422,
            "explain",
        ),
    ];
    for (path, body, status, field) in cases {
        let r = s.post_json(path, &body)?;
        let got = r.status().as_u16();
        let text = r.text()?;
        assert_eq!(got, status, "{path} {body}: {text}");
        assert!(
            text.contains(field),
            "{path} {body}: {text} does not name {field}"
        );
    }
    // The cap itself.
    ok_result(s.post_json(
        query,
        &json!({"query": q, "group_by": "doc", "group_size": 1000, "limit": 100}),
    )?)?;
    // `null` is absent, as Qdrant's clients send it.
    ok_result(s.post_json(
        search,
        &json!({"vector": q, "group_by": "doc", "group_size": 1, "limit": 1,
                "with_lookup": null}),
    )?)?;
    // The ungrouped routes refuse `group_by`, pointing to the grouped ones.
    for (path, body) in [
        (
            "search",
            json!({"vector": q, "limit": 1, "group_by": "doc"}),
        ),
        ("query", json!({"query": q, "group_by": "doc"})),
    ] {
        let r = s.post_json(&format!("/collections/g/points/{path}"), &body)?;
        assert_eq!(r.status(), 422);
        let text = r.text()?;
        assert!(text.contains(&format!("points/{path}/groups")), "{text}");
    }
    let r = s.post_json(
        "/collections/missing/points/query/groups",
        &json!({"query": q, "group_by": "doc"}),
    )?;
    assert_eq!(r.status(), 404);
    Ok(())
}
