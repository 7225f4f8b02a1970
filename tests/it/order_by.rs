//! `points/scroll` with `order_by`: points in the order of an integer, float or datetime index,
//! each once, with `order_value`; `start_from` and filters narrow it; a field without such an
//! index is a 400 naming it.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn scroll(
    s: &TestServer,
    body: Value,
) -> Result<(Vec<u64>, Vec<Value>), Box<dyn std::error::Error>> {
    let r = s.post_json("/collections/c/points/scroll", &body)?;
    let status = r.status();
    let v: Value = r.json()?;
    assert_eq!(status, 200, "{body} -> {v}");
    assert_eq!(v["result"]["next_page_offset"], Value::Null, "{v}");
    let points = v["result"]["points"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    Ok((
        points.iter().filter_map(|p| p["id"].as_u64()).collect(),
        points.iter().map(|p| p["order_value"].clone()).collect(),
    ))
}

#[test]
fn scroll_orders_by_an_indexed_field_once_per_point() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    let r = s.put_json(
        "/collections/c/points?wait=true",
        &json!({"points": [
            {"id": 1, "vector": [1.0, 0.0], "payload": {"n": 5, "t": "2024-03-01T00:00:00Z"}},
            {"id": 2, "vector": [1.0, 0.0], "payload": {"n": 3, "t": "2024-01-01T00:00:00Z"}},
            {"id": 3, "vector": [1.0, 0.0], "payload": {"n": [1, 9], "t": "2024-06-01T00:00:00Z"}},
            {"id": 4, "vector": [1.0, 0.0], "payload": {}},
            {"id": 5, "vector": [1.0, 0.0], "payload": {"n": "x"}},
        ]}),
    )?;
    assert_eq!(r.status(), 200);
    for (field, schema) in [("n", "integer"), ("t", "datetime")] {
        let r = s.put_json(
            "/collections/c/index?wait=true",
            &json!({"field_name": field, "field_schema": schema}),
        )?;
        assert_eq!(r.status(), 200);
    }
    let (ids, values) = scroll(&s, json!({"order_by": "n", "limit": 10}))?;
    assert_eq!(ids, [3, 2, 1]);
    assert_eq!(values, [json!(1), json!(3), json!(5)]);
    let (ids, _) = scroll(&s, json!({"order_by": {"key": "n", "direction": "desc"}}))?;
    assert_eq!(ids, [3, 1, 2]);
    let (ids, _) = scroll(&s, json!({"order_by": {"key": "n", "start_from": 4}}))?;
    assert_eq!(ids, [1, 3]);
    let (ids, _) = scroll(&s, json!({"order_by": "n", "limit": 2}))?;
    assert_eq!(ids, [3, 2]);
    let (ids, _) = scroll(
        &s,
        json!({"order_by": "n", "filter": {"must": [{"has_id": [1, 2]}]}}),
    )?;
    assert_eq!(ids, [2, 1]);
    let (ids, _) = scroll(
        &s,
        json!({"order_by": {"key": "t", "direction": "desc", "start_from": "2024-05-01T00:00:00Z"}}),
    )?;
    assert_eq!(ids, [1, 2]);

    let r = s.post_json(
        "/collections/c/points/scroll",
        &json!({"order_by": "missing"}),
    )?;
    assert_eq!(r.status(), 400);
    assert!(r.text()?.contains("order_by"));
    let r = s.post_json(
        "/collections/c/points/scroll",
        &json!({"order_by": {"key": "t", "start_from": 5}}),
    )?;
    assert_eq!(r.status(), 400);
    let r = s.post_json(
        "/collections/c/points/scroll",
        &json!({"order_by": "n", "offset": 1}),
    )?;
    assert_eq!(r.status(), 422);
    let r = s.post_json(
        "/collections/c/points/scroll",
        &json!({"order_by": {"key": "n", "direction": "sideways"}}),
    )?;
    assert_eq!(r.status(), 400);
    Ok(())
}
