//! Expiry (TTL): a collection created with `ttl_field` deletes each point once the datetime in
//! that payload key has passed (or `ttl_seconds` on the write), through the WAL, so the deletion
//! survives a restart and `kill -9`, takes the point's edges along, and is counted in
//! `/metrics`. A value that is not a datetime is refused.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn create_ttl_collection(s: &TestServer) -> TestResult {
    let r = s.put_json(
        "/collections/t",
        &json!({"vectors": {"size": 2, "distance": "Euclid"}, "ttl_field": "expires_at"}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    Ok(())
}

fn upsert(s: &TestServer, body: &Value) -> Res<(u16, Value)> {
    let r = s.put_json("/collections/t/points?wait=true", body)?;
    Ok((r.status().as_u16(), r.json()?))
}

fn ids(s: &TestServer) -> Res<Vec<u64>> {
    Ok(s.all_points("t")?
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect())
}

fn wait_for_ids(s: &TestServer, want: &[u64], within: Duration) -> Res<Duration> {
    let started = Instant::now();
    loop {
        let got = ids(s)?;
        if got == want {
            return Ok(started.elapsed());
        }
        if started.elapsed() > within {
            return Err(format!("still {got:?}, want {want:?}").into());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn point(id: u64, payload: Value) -> Value {
    json!({"id": id, "vector": [id as f32, 1.0], "payload": payload})
}

#[test]
fn expired_points_are_deleted_through_the_wal_and_stay_deleted() -> TestResult {
    let data = tempfile::tempdir()?;
    let s = TestServer::start_in(data.path(), &[])?;
    s.wait_ready()?;
    create_ttl_collection(&s)?;
    let before = s.metric("plait_ttl_expired_points_total")?.unwrap_or(0.0);
    let far = json!({"expires_at": "2999-01-01T00:00:00Z"});
    let (status, _) = upsert(
        &s,
        &json!({"points": [point(6, far.clone()), point(7, far.clone()), point(8, far),
                           point(9, json!({"kind": "never expires"})),
                           point(10, json!({"expires_at": "2000-01-01T00:00:00Z"}))]}),
    )?;
    assert_eq!(status, 200);
    let written = Instant::now();
    let (status, _) = upsert(
        &s,
        &json!({"points": (1..=5).map(|id| point(id, json!({"n": id}))).collect::<Vec<_>>(),
                "ttl_seconds": 1}),
    )?;
    assert_eq!(status, 200);
    let r = s.put_json(
        "/collections/t/edges?wait=true",
        &json!({"edges": [{"source": 1, "target": 6, "label": "l"},
                          {"source": 6, "target": 7, "label": "l"}]}),
    )?;
    assert_eq!(r.status(), 200);
    let p: Value = s.get("/collections/t/points/3")?.json()?;
    let expires = p["result"]["payload"]["expires_at"]
        .as_str()
        .ok_or("ttl_seconds sets the ttl_field")?;
    assert!(expires.ends_with('Z'), "{expires}");

    wait_for_ids(&s, &[6, 7, 8, 9], Duration::from_secs(10))?;
    let took = written.elapsed();
    assert!(
        took < Duration::from_secs(3),
        "deleted soon after expiry: {took:?}"
    );
    assert_eq!(s.get("/collections/t/points/1")?.status(), 404);
    let n: Value = s
        .get("/collections/t/points/6/neighbors?direction=both")?
        .json()?;
    let edges: Vec<u64> = n["result"]
        .as_array()
        .ok_or("neighbors")?
        .iter()
        .filter_map(|e| e["node"].as_u64())
        .collect();
    assert_eq!(edges, vec![7], "the expired point's edge went with it");
    let after = s.metric("plait_ttl_expired_points_total")?.unwrap_or(0.0);
    assert_eq!(after - before, 6.0, "points 1-5 and 10 expired");

    // Deleted through the log: a clean restart and a kill -9 both keep them deleted.
    s.terminate()?;
    let s = TestServer::start_in(data.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(ids(&s)?, vec![6, 7, 8, 9]);
    let (status, _) = upsert(
        &s,
        &json!({"points": [point(20, json!({})), point(21, json!({}))], "ttl_seconds": 1}),
    )?;
    assert_eq!(status, 200);
    wait_for_ids(&s, &[6, 7, 8, 9], Duration::from_secs(10))?;
    s.kill9()?;
    let s = TestServer::start_in(data.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(ids(&s)?, vec![6, 7, 8, 9]);
    s.terminate()?;
    Ok(())
}

#[test]
fn expiry_values_that_are_not_datetimes_are_refused() -> TestResult {
    let data = tempfile::tempdir()?;
    let s = TestServer::start_in(data.path(), &[])?;
    s.wait_ready()?;
    create_ttl_collection(&s)?;
    for bad in [
        json!(12),
        json!("soon"),
        json!({"at": "2030-01-01"}),
        json!(null),
    ] {
        let (status, body) = upsert(
            &s,
            &json!({"points": [point(1, json!({"expires_at": bad}))]}),
        )?;
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.to_string().contains("expires_at"), "{body}");
    }
    let (status, _) = upsert(&s, &json!({"points": [point(1, json!({}))]}))?;
    assert_eq!(status, 200);
    let r = s.post_json(
        "/collections/t/points/payload?wait=true",
        &json!({"payload": {"expires_at": false}, "points": [1]}),
    )?;
    assert_eq!(r.status(), 400);
    let (status, body) = upsert(
        &s,
        &json!({"points": [point(2, json!({}))], "ttl_seconds": 0}),
    )?;
    assert_eq!(status, 422, "{body}");
    assert_eq!(ids(&s)?, vec![1], "nothing of a refused write stored");
    // The expiry index stays: it is how expired points are found.
    let r = s
        .client
        .delete(s.url("/collections/t/index/expires_at?wait=true"))
        .send()?;
    assert_eq!(r.status(), 422);
    let r = s.put_json(
        "/collections/t/index?wait=true",
        &json!({"field_name": "expires_at", "field_schema": "keyword"}),
    )?;
    assert_eq!(r.status(), 422);

    // A collection without ttl_field refuses ttl_seconds; a nested ttl_field is refused.
    s.create_collection("plain", 2, "Euclid")?;
    let r = s.put_json(
        "/collections/plain/points?wait=true",
        &json!({"points": [point(1, json!({}))], "ttl_seconds": 60}),
    )?;
    assert_eq!(r.status(), 422);
    assert!(r.text()?.contains("ttl_field"));
    let r = s.put_json(
        "/collections/nested",
        &json!({"vectors": {"size": 2, "distance": "Euclid"}, "ttl_field": "a.b"}),
    )?;
    assert_eq!(r.status(), 422);
    assert_eq!(s.get("/collections/nested")?.status(), 404);
    s.terminate()?;
    Ok(())
}

/// A snapshot keeps the collection's `ttl_field`: the collection recovered from it still refuses
/// an expiry that is not a datetime, and still deletes what expires.
#[test]
fn a_snapshot_keeps_the_expiry_setting() -> TestResult {
    let data = tempfile::tempdir()?;
    let s = TestServer::start_in(data.path(), &[])?;
    s.wait_ready()?;
    create_ttl_collection(&s)?;
    let (status, body) = upsert(
        &s,
        &json!({"points": [point(1, json!({"expires_at": "2999-01-01T00:00:00Z"}))]}),
    )?;
    assert_eq!(status, 200, "{body}");
    let r = s
        .client
        .post(s.url("/collections/t/snapshots?wait=true"))
        .send()?;
    assert_eq!(r.status(), 200);
    let snapshot: Value = r.json()?;
    let name = snapshot["result"]["name"]
        .as_str()
        .ok_or("no snapshot name")?;
    let location = format!(
        "file://{}",
        data.path().join("snapshots").join("t").join(name).display()
    );
    let r = s.put_json(
        "/collections/copy/snapshots/recover",
        &json!({ "location": location }),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let r = s.put_json(
        "/collections/copy/points?wait=true",
        &json!({"points": [point(2, json!({"expires_at": 5}))]}),
    )?;
    assert_eq!(r.status(), 400, "{}", r.text()?);
    let soon = (chrono::Utc::now() + chrono::Duration::milliseconds(300)).to_rfc3339();
    let r = s.put_json(
        "/collections/copy/points?wait=true",
        &json!({"points": [point(3, json!({"expires_at": soon}))]}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let started = Instant::now();
    loop {
        let left: Vec<u64> = s
            .all_points("copy")?
            .iter()
            .filter_map(|p| p["id"].as_u64())
            .collect();
        if left == [1] {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "the recovered collection did not expire point 3: {left:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}
