//! Property test: random payloads (nested objects, arrays, nulls, mixed types) and random
//! filters; the ids that query (exact), scroll and count return equal those of a naive reference
//! evaluator written here, independently of the server's, from Qdrant's documented semantics.

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const POINTS: u64 = 24;

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        (0i64..4).prop_map(|i| json!(i)),
        (0i64..4).prop_map(|i| json!(i as f64 + 0.5)),
        Just(json!(1.0)),
        prop::sample::select(vec!["x", "y", "z"]).prop_map(|s| json!(s)),
        any::<bool>().prop_map(|b| json!(b)),
    ]
}

fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => scalar(),
        2 => prop::collection::vec(scalar(), 0..4).prop_map(Value::Array),
        1 => Just(json!({"x": 1})),
    ]
}

fn item() -> impl Strategy<Value = Value> {
    (prop::sample::select(vec!["x", "y"]), 0i64..3).prop_map(|(k, v)| json!({"k": k, "v": v}))
}

fn payload() -> impl Strategy<Value = Value> {
    (
        prop::option::of(field_value()),
        prop::option::of(field_value()),
        prop::option::of(prop::collection::vec(item(), 0..3)),
    )
        .prop_map(|(a, mx, items)| {
            let mut p = serde_json::Map::new();
            if let Some(a) = a {
                p.insert("a".into(), a);
            }
            if let Some(x) = mx {
                p.insert("m".into(), json!({ "x": x }));
            }
            if let Some(items) = items {
                p.insert("items".into(), Value::Array(items));
            }
            Value::Object(p)
        })
}

fn key() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["a", "m.x", "items[].k", "nope"])
}

fn literal() -> impl Strategy<Value = Value> {
    prop_oneof![
        (0i64..4).prop_map(|i| json!(i)),
        prop::sample::select(vec!["x", "y", "z"]).prop_map(|s| json!(s)),
        any::<bool>().prop_map(|b| json!(b)),
    ]
}

fn list() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::collection::vec(0i64..4, 0..3).prop_map(|v| json!(v)),
        prop::collection::vec(prop::sample::select(vec!["x", "y", "z"]), 0..3)
            .prop_map(|v| json!(v)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        (key(), literal()).prop_map(|(k, v)| json!({"key": k, "match": {"value": v}})),
        (key(), list()).prop_map(|(k, v)| json!({"key": k, "match": {"any": v}})),
        (key(), list()).prop_map(|(k, v)| json!({"key": k, "match": {"except": v}})),
        (key(), 0i64..4, 0i64..4, any::<bool>()).prop_map(|(k, lo, hi, open)| {
            let lower = if open { "gt" } else { "gte" };
            json!({"key": k, "range": {(lower): lo as f64 - 0.5, "lte": hi}})
        }),
        (key(), 0u64..3).prop_map(|(k, n)| json!({"key": k, "values_count": {"gte": n}})),
        key().prop_map(|k| json!({"is_null": {"key": k}})),
        key().prop_map(|k| json!({"is_empty": {"key": k}})),
        prop::collection::vec(0..POINTS + 2, 0..4).prop_map(|ids| json!({"has_id": ids})),
        (prop::sample::select(vec!["x", "y"]), 0i64..3).prop_map(|(k, v)| json!({"nested": {
            "key": "items",
            "filter": {"must": [{"key": "k", "match": {"value": k}}, {"key": "v", "range": {"gte": v}}]}
        }})),
    ]
}

fn filter() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(3, 24, 3, |inner| {
        let conditions = prop::collection::vec(inner, 0..3);
        prop_oneof![
            conditions.clone().prop_map(|c| json!({"must": c})),
            conditions.clone().prop_map(|c| json!({"should": c})),
            conditions.clone().prop_map(|c| json!({"must_not": c})),
            (conditions, 0usize..3)
                .prop_map(|(c, n)| json!({"min_should": {"conditions": c, "min_count": n}})),
        ]
    })
}

// ---- The reference evaluator. ----

/// The leaves a key reaches (an array at the end is one leaf).
fn leaves<'a>(payload: &'a Value, key: &str) -> Vec<&'a Value> {
    let mut current = vec![payload];
    for step in key.split('.') {
        let (name, each) = match step.strip_suffix("[]") {
            Some(name) => (name, true),
            None => (step, false),
        };
        let mut next = Vec::new();
        for v in current {
            if let Some(child) = v.get(name) {
                match (each, child) {
                    (true, Value::Array(items)) => next.extend(items.iter()),
                    (true, _) => {}
                    (false, child) => next.push(child),
                }
            }
        }
        current = next;
    }
    current
}

/// Each leaf, or each element of a leaf that is an array.
fn values<'a>(leaves: &[&'a Value]) -> Vec<&'a Value> {
    leaves
        .iter()
        .flat_map(|l| match l {
            Value::Array(items) => items.iter().collect::<Vec<_>>(),
            other => vec![*other],
        })
        .collect()
}

/// Typed equality: integers only equal integers stored as integers.
fn same(stored: &Value, wanted: &Value) -> bool {
    match (stored, wanted) {
        (Value::Number(a), Value::Number(b)) => {
            a.is_i64() && b.is_i64() && a.as_i64() == b.as_i64()
        }
        (Value::String(a), Value::String(b)) => a == b,
        (Value::Bool(a), Value::Bool(b)) => a == b,
        _ => false,
    }
}

fn in_range(x: f64, range: &Value) -> bool {
    let bound = |name: &str| range.get(name).and_then(Value::as_f64);
    bound("gt").is_none_or(|b| x > b)
        && bound("gte").is_none_or(|b| x >= b)
        && bound("lt").is_none_or(|b| x < b)
        && bound("lte").is_none_or(|b| x <= b)
}

fn field_holds(payload: &Value, c: &Value) -> bool {
    let key = c["key"].as_str().unwrap_or_default();
    let leaves = leaves(payload, key);
    if let Some(count) = c.get("values_count") {
        if leaves.is_empty() {
            return in_range(0.0, count);
        }
        return leaves.iter().any(|l| {
            let n = match l {
                Value::Null => 0,
                Value::Array(items) => items.len(),
                _ => 1,
            };
            in_range(n as f64, count)
        });
    }
    let values = values(&leaves);
    if let Some(range) = c.get("range") {
        return values.iter().any(|v| {
            v.as_f64()
                .is_some_and(|x| v.is_number() && in_range(x, range))
        });
    }
    let m = &c["match"];
    if let Some(v) = m.get("value") {
        return values.iter().any(|s| same(s, v));
    }
    if let Some(Value::Array(list)) = m.get("any") {
        return values.iter().any(|s| list.iter().any(|l| same(s, l)));
    }
    if let Some(Value::Array(list)) = m.get("except") {
        return values
            .iter()
            .any(|s| !s.is_null() && !list.iter().any(|l| same(s, l)));
    }
    unreachable!("generated conditions are covered: {c}")
}

fn condition_holds(id: Option<u64>, payload: &Value, c: &Value) -> bool {
    if c.get("key").is_some() {
        return field_holds(payload, c);
    }
    if let Some(k) = c.get("is_null") {
        let key = k["key"].as_str().unwrap_or_default();
        return leaves(payload, key).iter().any(|l| l.is_null());
    }
    if let Some(k) = c.get("is_empty") {
        let key = k["key"].as_str().unwrap_or_default();
        return leaves(payload, key)
            .iter()
            .all(|l| l.is_null() || l.as_array().is_some_and(Vec::is_empty));
    }
    if let Some(Value::Array(ids)) = c.get("has_id") {
        return id.is_some_and(|id| ids.iter().any(|i| i.as_u64() == Some(id)));
    }
    if let Some(n) = c.get("nested") {
        let key = n["key"].as_str().unwrap_or_default();
        return payload
            .get(key)
            .and_then(Value::as_array)
            .is_some_and(|items| {
                items
                    .iter()
                    .any(|item| item.is_object() && filter_holds(None, item, &n["filter"]))
            });
    }
    filter_holds(id, payload, c)
}

fn filter_holds(id: Option<u64>, payload: &Value, f: &Value) -> bool {
    let list = |name: &str| f.get(name).and_then(Value::as_array);
    let holds = |c: &Value| condition_holds(id, payload, c);
    list("must").is_none_or(|cs| cs.iter().all(holds))
        && list("should").is_none_or(|cs| cs.iter().any(holds))
        && list("must_not").is_none_or(|cs| !cs.iter().any(holds))
        && f.get("min_should").is_none_or(|m| {
            let need = m["min_count"].as_u64().unwrap_or(0) as usize;
            let conditions = m["conditions"].as_array().map_or(&[][..], Vec::as_slice);
            conditions.iter().filter(|c| holds(c)).count() >= need
        })
}

fn post(s: &TestServer, path: &str, body: &Value) -> Result<Value, TestCaseError> {
    let r = s
        .post_json(path, body)
        .map_err(|e| TestCaseError::fail(e.to_string()))?;
    let status = r.status();
    let text = r.text().map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(status, 200, "{} {}: {}", path, body, text);
    let v: Value = serde_json::from_str(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok(v["result"].clone())
}

fn ids(points: &Value) -> Vec<u64> {
    points
        .as_array()
        .map(|a| a.iter().filter_map(|p| p["id"].as_u64()).collect())
        .unwrap_or_default()
}

#[test]
fn query_scroll_and_count_agree_with_a_reference_evaluator() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let mut runner = TestRunner::new(Config {
        cases: 32,
        failure_persistence: None,
        ..Config::default()
    });
    let case = std::cell::Cell::new(0u32);
    let strategy = (
        prop::collection::vec(payload(), POINTS as usize),
        prop::collection::vec(filter(), 8),
    );
    runner
        .run(&strategy, |(payloads, filters)| {
            case.set(case.get() + 1);
            let name = format!("r{}", case.get());
            let r = s
                .put_json(
                    &format!("/collections/{name}"),
                    &json!({"vectors": {"size": 2, "distance": "Dot"}}),
                )
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(r.status(), 200);
            // The vector [1, id] scores `id` against [0, 1]: best first is highest id first.
            let points: Vec<Value> = payloads
                .iter()
                .enumerate()
                .map(|(i, p)| json!({"id": i as u64 + 1, "vector": [1.0, i as f32 + 1.0], "payload": p}))
                .collect();
            let r = s
                .put_json(
                    &format!("/collections/{name}/points?wait=true"),
                    &json!({ "points": points }),
                )
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(r.status(), 200);
            for f in &filters {
                // A generated filter may be a bare condition: as a `must` it is one either way.
                let f = &json!({ "must": [f] });
                let expected: Vec<u64> = (1..=POINTS)
                    .filter(|&id| filter_holds(Some(id), &payloads[(id - 1) as usize], f))
                    .collect();
                let count = post(&s, &format!("/collections/{name}/points/count"), &json!({"filter": f}))?;
                prop_assert_eq!(count["count"].as_u64(), Some(expected.len() as u64), "count {}", f);
                let mut scrolled = Vec::new();
                let mut offset = Value::Null;
                loop {
                    let page = post(
                        &s,
                        &format!("/collections/{name}/points/scroll"),
                        &json!({"filter": f, "limit": 5, "offset": offset}),
                    )?;
                    scrolled.extend(ids(&page["points"]));
                    offset = page["next_page_offset"].clone();
                    if offset.is_null() {
                        break;
                    }
                }
                prop_assert_eq!(&scrolled, &expected, "scroll {}", f);
                let hits = post(
                    &s,
                    &format!("/collections/{name}/points/query"),
                    &json!({"query": [0.0, 1.0], "limit": POINTS, "filter": f, "params": {"exact": true}}),
                )?;
                let mut best_first = expected.clone();
                best_first.reverse();
                prop_assert_eq!(ids(&hits["points"]), best_first, "query {}", f);
            }
            Ok(())
        })
        .map_err(|e| format!("{e}"))?;
    Ok(())
}
