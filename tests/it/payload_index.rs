//! Payload field indexes: `PUT /collections/{name}/index`, `DELETE .../index/{field}` and the
//! collection's `payload_schema`. An index covers the points stored before it and every later
//! write; it survives a clean restart (from its checkpoint image), a lost image (rebuilt from the
//! payloads, counted) and `kill -9` (its creation replayed from the WAL).

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

fn schema(s: &TestServer) -> Result<Value, Box<dyn std::error::Error>> {
    let described: Value = s.get("/collections/c")?.json()?;
    Ok(described["result"]["payload_schema"].clone())
}

/// `payload_schema` without the memory figures, which count allocated capacity: an index read
/// from its image is allocated exactly, one built point by point with room to grow, so the same
/// index can report a few bytes less after a restart.
fn contents(schema: &Value) -> Value {
    let mut out = schema.clone();
    if let Some(fields) = out.as_object_mut() {
        for info in fields.values_mut() {
            let bytes = info["plait"]["memory_bytes"].as_u64().unwrap_or(0);
            assert!(bytes > 0, "{info}");
            if let Some(plait) = info["plait"].as_object_mut() {
                plait.remove("memory_bytes");
            }
        }
    }
    out
}

fn create_index(s: &TestServer, field: &str, schema: Value) -> TestResult {
    let r = s.put_json(
        "/collections/c/index?wait=true",
        &json!({"field_name": field, "field_schema": schema}),
    )?;
    let status = r.status();
    let body: Value = r.json()?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"]["status"], "completed", "{body}");
    Ok(())
}

fn upsert(s: &TestServer, points: Value) -> TestResult {
    let r = s.put_json(
        "/collections/c/points?wait=true",
        &json!({"points": points}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    Ok(())
}

fn counts(schema: &Value, field: &str) -> (u64, u64, u64) {
    let f = &schema[field];
    (
        f["points"].as_u64().unwrap_or(u64::MAX),
        f["plait"]["wrong_type_points"].as_u64().unwrap_or(u64::MAX),
        f["plait"]["distinct_values"].as_u64().unwrap_or(u64::MAX),
    )
}

#[test]
fn indexes_cover_points_before_and_after_and_survive_restarts_lost_images_and_kill9() -> TestResult
{
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    upsert(
        &s,
        json!([
            {"id": 1, "vector": [1.0, 0.0], "payload": {"city": "Paris", "n": 3, "meta": {"author": "ann"}}},
            {"id": 2, "vector": [0.0, 1.0], "payload": {"city": ["Paris", "Oslo"], "n": 2.5, "t": "2024-01-01T00:00:00Z"}},
            {"id": 3, "vector": [1.0, 1.0], "payload": {"city": 7, "items": [{"sku": "a"}, {"sku": "b"}]}},
        ]),
    )?;
    // Created after the load: covers it. Wrong types are counted, not indexed.
    create_index(&s, "city", json!("keyword"))?;
    create_index(
        &s,
        "n",
        json!({"type": "integer", "lookup": true, "range": true}),
    )?;
    create_index(
        &s,
        "meta.author",
        json!({"type": "keyword", "is_tenant": true}),
    )?;
    create_index(&s, "items[].sku", json!("keyword"))?;
    let sch = schema(&s)?;
    assert_eq!(counts(&sch, "city"), (2, 1, 2), "{sch}");
    assert_eq!(sch["city"]["data_type"], "keyword");
    assert_eq!(counts(&sch, "n"), (1, 1, 1), "{sch}");
    assert_eq!(counts(&sch, "meta.author"), (1, 0, 1), "{sch}");
    assert_eq!(counts(&sch, "items[].sku"), (1, 0, 2), "{sch}");

    // Created before the next writes: covers upserts, updates, payload edits and deletes.
    create_index(&s, "t", json!("datetime"))?;
    upsert(
        &s,
        json!([
            {"id": 4, "vector": [0.5, 0.5], "payload": {"city": "Rome", "t": "2024-06-01", "n": 9}},
            {"id": 1, "vector": [1.0, 0.0], "payload": {"city": "Lima"}},
        ]),
    )?;
    let r = s.post_json(
        "/collections/c/points/payload?wait=true",
        &json!({"payload": {"city": "Oslo", "t": "yesterday"}, "points": [3]}),
    )?;
    assert_eq!(r.status(), 200);
    let r = s.post_json(
        "/collections/c/points/delete?wait=true",
        &json!({"points": [2]}),
    )?;
    assert_eq!(r.status(), 200);
    let sch = schema(&s)?;
    // city: 1 Lima, 3 Oslo, 4 Rome.
    assert_eq!(counts(&sch, "city"), (3, 0, 3), "{sch}");
    assert_eq!(counts(&sch, "n"), (1, 0, 1), "{sch}");
    assert_eq!(counts(&sch, "meta.author"), (0, 0, 0), "{sch}");
    assert_eq!(counts(&sch, "t"), (1, 1, 1), "{sch}");

    let r = s
        .client
        .delete(s.url("/collections/c/index/meta.author?wait=true"))
        .send()?;
    assert_eq!(r.status(), 200);
    let expected = schema(&s)?;
    assert!(expected.get("meta.author").is_none(), "{expected}");
    assert_eq!(expected.as_object().map(|o| o.len()), Some(4), "{expected}");

    // A clean restart reads the index image: nothing is rebuilt.
    s.terminate()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let reopened = schema(&s)?;
    assert_eq!(contents(&reopened), contents(&expected));
    assert_eq!(s.metric("plait_payload_index_rebuilds_total")?, Some(0.0));
    // The gauge and the collection info give the same figure.
    let city_bytes = s
        .metric("plait_payload_index_bytes{collection=\"c\",field=\"city\"}")?
        .ok_or("no memory gauge for the city index")?;
    assert_eq!(
        Some(city_bytes),
        reopened["city"]["plait"]["memory_bytes"].as_f64(),
        "{reopened}"
    );
    assert!(city_bytes > 0.0);

    // A lost image costs a rebuild of every index, never the index itself.
    s.terminate()?;
    let image = dir.path().join("collections/c/indexes.plait");
    assert!(image.exists(), "no index image at {}", image.display());
    std::fs::remove_file(&image)?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(contents(&schema(&s)?), contents(&expected));
    assert_eq!(s.metric("plait_payload_index_rebuilds_total")?, Some(4.0));

    // Created after the last checkpoint and then killed: replayed from the WAL.
    create_index(&s, "flag", json!("bool"))?;
    upsert(
        &s,
        json!([{"id": 5, "vector": [0.1, 0.2], "payload": {"flag": true, "city": "Oslo"}}]),
    )?;
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let sch = schema(&s)?;
    assert_eq!(counts(&sch, "flag"), (1, 0, 1), "{sch}");
    assert_eq!(counts(&sch, "city"), (4, 0, 3), "{sch}");
    Ok(())
}

#[test]
fn bad_index_requests_are_refused_with_a_reason() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    let refused = |body: Value, status: u16, says: &str| -> TestResult {
        let r = s.put_json("/collections/c/index", &body)?;
        let got = r.status().as_u16();
        let text = r.text()?;
        assert_eq!(got, status, "{body} -> {text}");
        assert!(text.contains(says), "{body} -> {text}");
        Ok(())
    };
    refused(
        json!({"field_name": "f", "field_schema": "colour"}),
        422,
        "unknown payload index type",
    )?;
    refused(
        json!({"field_name": "f", "field_schema": "geo"}),
        422,
        "geo",
    )?;
    refused(
        json!({"field_name": "f", "field_schema": {"type": "text", "tokenizer": "prefix"}}),
        422,
        "prefix",
    )?;
    refused(
        json!({"field_name": "f", "field_schema": {"type": "keyword", "on_disk": true}}),
        422,
        "on_disk",
    )?;
    refused(
        json!({"field_name": "f", "field_schema": {"type": "keyword", "shiny": true}}),
        422,
        "shiny",
    )?;
    refused(
        json!({"field_name": "f", "field_schema": 5}),
        422,
        "field_schema",
    )?;
    refused(json!({"field_name": "f"}), 422, "field_schema")?;
    refused(
        json!({"field_name": "", "field_schema": "keyword"}),
        422,
        "field_name",
    )?;
    refused(
        json!({"field_name": "a..b", "field_schema": "keyword"}),
        422,
        "field_name",
    )?;
    refused(
        json!({"field_name": "x".repeat(513), "field_schema": "keyword"}),
        422,
        "too long",
    )?;
    refused(json!({"field_schema": "keyword"}), 400, "field_name")?;
    let r = s.put_json(
        "/collections/missing/index",
        &json!({"field_name": "f", "field_schema": "keyword"}),
    )?;
    assert_eq!(r.status(), 404);
    let r = s
        .client
        .delete(s.url("/collections/missing/index/f"))
        .send()?;
    assert_eq!(r.status(), 404);
    let r = s.client.delete(s.url("/collections/c/index/a..b")).send()?;
    assert_eq!(r.status(), 422);

    // The cap on indexed fields, and one past it.
    for i in 0..100 {
        create_index(&s, &format!("f{i}"), json!("integer"))?;
    }
    refused(
        json!({"field_name": "f100", "field_schema": "integer"}),
        422,
        "indexed payload fields",
    )?;
    // Re-declaring an existing field is not a new one.
    create_index(&s, "f7", json!("keyword"))?;
    assert_eq!(schema(&s)?["f7"]["data_type"], "keyword");
    Ok(())
}

/// Counts of points matching `filter` on `field` and on its unindexed copy `field_copy`.
fn both_counts(
    s: &TestServer,
    field: &str,
    condition: Value,
) -> Result<(u64, u64), Box<dyn std::error::Error>> {
    let mut out = [0u64; 2];
    for (i, key) in [field.to_owned(), format!("{field}_copy")]
        .iter()
        .enumerate()
    {
        let mut cond = condition.clone();
        cond["key"] = json!(key);
        let v: Value = s
            .post_json(
                "/collections/c/points/count",
                &json!({"filter": {"must": [cond]}, "exact": true}),
            )?
            .json()?;
        out[i] = v["result"]["count"].as_u64().ok_or("no count")?;
    }
    Ok((out[0], out[1]))
}

#[test]
fn after_kill9_every_index_agrees_with_the_stored_payloads() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("c", 2, "Dot")?;
    // `tag` indexed before the load, `n` in the middle of it; `*_copy` never indexed: filters on
    // the copies are answered by reading payloads, the reference the indexes must agree with.
    create_index(&s, "tag", json!("keyword"))?;
    let point = |id: u64| {
        let tag = ["a", "b", "c"][(id % 3) as usize];
        let n = (id * 7) % 11;
        json!({"id": id, "vector": [1.0, id as f32], "payload": {
            "tag": tag, "tag_copy": tag, "n": n, "n_copy": n}})
    };
    upsert(&s, json!((0..150).map(point).collect::<Vec<_>>()))?;
    create_index(&s, "n", json!("integer"))?;
    upsert(&s, json!((150..300).map(point).collect::<Vec<_>>()))?;
    // Updates (each point takes its successor's payload), payload edits and deletes after both
    // indexes exist.
    let updated: Vec<Value> = (0..40)
        .map(|id| {
            let mut p = point(id + 1);
            p["id"] = json!(id);
            p
        })
        .collect();
    upsert(&s, json!(updated))?;
    let r = s.post_json(
        "/collections/c/points/payload?wait=true",
        &json!({"payload": {"tag": "z", "tag_copy": "z"}, "filter": {"must": [{"key": "n_copy", "range": {"lt": 3}}]}}),
    )?;
    assert_eq!(r.status(), 200);
    let r = s.post_json(
        "/collections/c/points/delete?wait=true",
        &json!({"filter": {"must": [{"key": "tag_copy", "match": {"value": "b"}}]}}),
    )?;
    assert_eq!(r.status(), 200);
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let mut checked = 0;
    for tag in ["a", "b", "c", "z"] {
        let (indexed, scanned) = both_counts(&s, "tag", json!({"match": {"value": tag}}))?;
        assert_eq!(indexed, scanned, "tag {tag}");
        checked += indexed;
    }
    for lo in 0..11 {
        let (indexed, scanned) = both_counts(&s, "n", json!({"range": {"gte": lo, "lt": lo + 3}}))?;
        assert_eq!(indexed, scanned, "n from {lo}");
    }
    let total: Value = s
        .post_json("/collections/c/points/count", &json!({}))?
        .json()?;
    assert_eq!(Some(checked), total["result"]["count"].as_u64());
    assert!(checked > 100, "{checked}");
    Ok(())
}
