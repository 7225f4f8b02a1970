//! Recovery through the real server: a damaged WAL makes only its collection fail, `/readyz` says
//! which, and the other collections keep serving.

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

#[test]
fn corrupt_wal_record_fails_its_collection_and_readyz_names_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("good", 2, "Dot")?;
    s.create_collection("broken", 2, "Dot")?;
    for i in 0..5 {
        for name in ["good", "broken"] {
            let r = s.put_json(
                &format!("/collections/{name}/points"),
                &json!({"points": [{"id": i, "vector": [1.0, i as f32]}]}),
            )?;
            assert_eq!(r.status(), 200);
        }
    }
    s.kill9()?;
    // Flip a byte inside the second record of `broken`'s WAL (not its last one).
    let wal = dir
        .path()
        .join("collections/broken/wal/00000000000000000001.wal");
    let mut bytes = std::fs::read(&wal)?;
    // Segment header (64) + five frames of 20 header bytes and a 26-byte upsert record each,
    // then the zeros of the preallocated segment.
    let data_end = 64 + 5 * 46;
    assert_eq!(
        bytes[64 + 4 * 46..64 + 4 * 46 + 4],
        26u32.to_le_bytes(),
        "record layout changed; update this test"
    );
    assert!(bytes[data_end..].iter().all(|&b| b == 0));
    let at = 64 + 46 + 30;
    bytes[at] ^= 0x40;
    std::fs::write(&wal, &bytes)?;

    let s = TestServer::start_in(dir.path(), &[])?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let ready: Value = loop {
        let r = s.get("/readyz")?;
        let status = r.status();
        let body: Value = r.json()?;
        // Wait until recovery is over: `good` may still be replaying when `broken` has failed.
        if body["not_ready"].as_array().is_some_and(|a| {
            a.iter().any(|c| c["state"] == "failed") && a.iter().all(|c| c["state"] != "recovering")
        }) {
            assert_eq!(status, 503);
            break body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "broken collection never reported: {body}"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let failed = &ready["not_ready"][0];
    assert_eq!(failed["collection"], "broken");
    assert!(
        failed["error"]
            .as_str()
            .unwrap_or_default()
            .contains("corrupt"),
        "{failed}"
    );
    let r = s.post_json("/collections/broken/points/count", &json!({}))?;
    assert_eq!(r.status(), 503);
    let count: Value = s
        .post_json("/collections/good/points/count", &json!({}))?
        .json()?;
    assert_eq!(count["result"]["count"], 5);
    assert!(s.log_text().contains("collection failed to open"));
    Ok(())
}

#[test]
fn torn_tail_is_cut_and_counted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("t", 2, "Dot")?;
    for i in 0..3 {
        s.put_json(
            "/collections/t/points",
            &json!({"points": [{"id": i, "vector": [1.0, 2.0]}]}),
        )?;
    }
    s.kill9()?;
    let wal = dir
        .path()
        .join("collections/t/wal/00000000000000000001.wal");
    // A crash in the middle of a fourth append: part of a frame after the synced records.
    let mut bytes = std::fs::read(&wal)?;
    let data_end = 64 + 3 * 46;
    assert!(bytes[data_end..].iter().all(|&b| b == 0));
    bytes.copy_within(data_end - 46..data_end - 36, data_end);
    std::fs::write(&wal, &bytes)?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let count: Value = s
        .post_json("/collections/t/points/count", &json!({}))?
        .json()?;
    assert_eq!(count["result"]["count"], 3);
    assert!(
        s.get("/metrics")?
            .text()?
            .contains("plait_wal_torn_tails_total 1")
    );
    // Writes continue after the repaired tail.
    let r = s.put_json(
        "/collections/t/points",
        &json!({"points": [{"id": 9, "vector": [1.0, 2.0]}]}),
    )?;
    assert_eq!(r.status(), 200);
    Ok(())
}

#[test]
fn flush_durability_survives_kill_9_and_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    let r = s.put_json(
        "/collections/fl",
        &json!({"vectors": {"size": 2, "distance": "Euclid"}, "durability": "flush"}),
    )?;
    assert_eq!(r.status(), 200);
    for i in 0..50u64 {
        let r = s.put_json(
            "/collections/fl/points?wait=false",
            &json!({"points": [{"id": i, "vector": [i as f32, 0.5]}]}),
        )?;
        let body: Value = r.json()?;
        assert_eq!(body["result"]["status"], "acknowledged");
    }
    let info: Value = s.get("/collections/fl")?.json()?;
    assert_eq!(info["result"]["plait"]["durability"], "flush");
    s.kill9()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let points = s.all_points("fl")?;
    assert_eq!(
        points.len(),
        50,
        "flush durability lost writes on a process crash"
    );
    let info: Value = s.get("/collections/fl")?.json()?;
    assert_eq!(info["result"]["plait"]["durability"], "flush");
    Ok(())
}
