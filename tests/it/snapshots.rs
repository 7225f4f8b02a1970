//! Snapshots: taken while writes go on, listed, downloaded, deleted, recovered (from a file
//! location, an upload, the CLI), and refused when damaged, truncated or named outside the
//! snapshots directory, leaving the collection as it was.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::server::{TestResult, TestServer};

fn vector_of(id: u64) -> Vec<f32> {
    let x = id as f32;
    vec![x, x + 0.5, -x, 1.0]
}

fn upsert(s: &TestServer, name: &str, ids: std::ops::Range<u64>) -> TestResult {
    let points: Vec<Value> = ids
        .map(|id| json!({"id": id, "vector": vector_of(id), "payload": {"n": id}}))
        .collect();
    let r = s.put_json(
        &format!("/collections/{name}/points?wait=true"),
        &json!({ "points": points }),
    )?;
    if r.status() != 200 {
        return Err(format!("upsert: {} {}", r.status(), r.text()?).into());
    }
    Ok(())
}

/// id -> (vector, payload) of every point.
fn points_of(
    s: &TestServer,
    name: &str,
) -> Result<BTreeMap<u64, Value>, Box<dyn std::error::Error>> {
    let mut out = BTreeMap::new();
    for p in s.all_points(name)? {
        let id = p["id"].as_u64().ok_or("non-numeric id")?;
        out.insert(id, json!([p["vector"], p["payload"]]));
    }
    Ok(out)
}

fn create_snapshot(s: &TestServer, name: &str) -> Result<Value, Box<dyn std::error::Error>> {
    let r = s
        .client
        .post(s.url(&format!("/collections/{name}/snapshots?wait=true")))
        .send()?;
    let status = r.status();
    let body: Value = r.json()?;
    if status != 200 {
        return Err(format!("create snapshot: {status} {body}").into());
    }
    Ok(body["result"].clone())
}

fn snapshot_path(data: &Path, collection: &str, snapshot: &Value) -> PathBuf {
    data.join("snapshots")
        .join(collection)
        .join(snapshot["name"].as_str().unwrap_or_default())
}

fn recover(
    s: &TestServer,
    name: &str,
    location: &str,
) -> reqwest::Result<reqwest::blocking::Response> {
    s.put_json(
        &format!("/collections/{name}/snapshots/recover"),
        &json!({ "location": location }),
    )
}

fn file_url(path: &Path) -> String {
    format!("file://{}", path.display())
}

fn sha256_hex(bytes: &[u8]) -> String {
    format!("{:x}", Sha256::digest(bytes))
}

#[test]
fn a_snapshot_taken_while_writes_go_on_holds_a_prefix_of_the_acknowledged_writes() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = Arc::new(TestServer::start_in(dir.path(), &[])?);
    s.create_collection("live", 4, "Euclid")?;
    // One writer, one point per request, each acknowledged once applied: the acknowledged ids
    // are always 0..acked.
    let acked = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (s, acked, stop) = (Arc::clone(&s), Arc::clone(&acked), Arc::clone(&stop));
        std::thread::spawn(move || -> Result<(), String> {
            let mut id = 0;
            while !stop.load(Ordering::SeqCst) {
                upsert(&s, "live", id..id + 1).map_err(|e| e.to_string())?;
                id += 1;
                acked.store(id, Ordering::SeqCst);
            }
            Ok(())
        })
    };
    while acked.load(Ordering::SeqCst) < 50 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let before = acked.load(Ordering::SeqCst);
    let snapshot = create_snapshot(&s, "live")?;
    let after = acked.load(Ordering::SeqCst);
    while acked.load(Ordering::SeqCst) < after + 20 {
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    stop.store(true, Ordering::SeqCst);
    writer.join().map_err(|_| "writer panicked")??;

    let archive = snapshot_path(dir.path(), "live", &snapshot);
    let r = recover(&s, "copy", &file_url(&archive))?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let copy = points_of(&s, "copy")?;
    let held = copy.len() as u64;
    assert!(
        held >= before,
        "the snapshot lost acknowledged writes: {held} < {before}"
    );
    assert!(
        held <= after + 1,
        "the snapshot holds writes never sent: {held} > {after} + 1"
    );
    let expected: BTreeMap<u64, Value> = (0..held)
        .map(|id| (id, json!([vector_of(id), {"n": id}])))
        .collect();
    assert_eq!(copy, expected, "the snapshot is not a prefix of the writes");
    // The live collection went on.
    assert!(points_of(&s, "live")?.len() as u64 > held);
    Ok(())
}

#[test]
fn snapshots_are_listed_downloaded_with_their_checksum_and_deleted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("docs", 4, "Cosine")?;
    upsert(&s, "docs", 1..30)?;
    let created = create_snapshot(&s, "docs")?;
    let name = created["name"].as_str().ok_or("no name")?.to_owned();
    assert!(
        name.starts_with("docs-") && name.ends_with(".snapshot"),
        "{name}"
    );
    let listed: Value = s.get("/collections/docs/snapshots")?.json()?;
    assert_eq!(listed["result"], json!([created.clone()]));
    let checksum = created["checksum"].as_str().ok_or("no checksum")?;

    let r = s.get(&format!("/collections/docs/snapshots/{name}"))?;
    assert_eq!(r.status(), 200);
    let length = r.content_length();
    let bytes = r.bytes()?;
    assert_eq!(length, Some(bytes.len() as u64));
    assert_eq!(created["size"], json!(bytes.len()));
    assert_eq!(sha256_hex(&bytes), checksum);

    let r = s
        .client
        .delete(s.url(&format!("/collections/docs/snapshots/{name}")))
        .send()?;
    assert_eq!(r.status(), 200);
    let listed: Value = s.get("/collections/docs/snapshots")?.json()?;
    assert_eq!(listed["result"], json!([]));
    assert_eq!(
        s.get(&format!("/collections/docs/snapshots/{name}"))?
            .status(),
        404
    );
    Ok(())
}

#[test]
fn recovering_replaces_the_collection_and_survives_a_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 4, "Euclid")?;
    upsert(&s, "c", 0..40)?;
    let snapshot = create_snapshot(&s, "c")?;
    let original = points_of(&s, "c")?;
    upsert(&s, "c", 40..60)?;
    let r = s.post_json(
        "/collections/c/points/delete?wait=true",
        &json!({"points": [1, 2, 3]}),
    )?;
    assert_eq!(r.status(), 200);
    assert_ne!(points_of(&s, "c")?, original);

    let archive = snapshot_path(dir.path(), "c", &snapshot);
    let r = recover(&s, "c", &file_url(&archive))?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    assert_eq!(points_of(&s, "c")?, original);
    // Writes go on after it, and searches answer.
    upsert(&s, "c", 100..101)?;
    let r = s.post_json(
        "/collections/c/points/search",
        &json!({"vector": vector_of(5), "limit": 1}),
    )?;
    let hit: Value = r.json()?;
    assert_eq!(hit["result"][0]["id"], 5);
    drop(s);

    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let mut expected = original;
    expected.insert(100, json!([vector_of(100), {"n": 100}]));
    assert_eq!(points_of(&s, "c")?, expected);
    Ok(())
}

#[test]
fn a_damaged_or_truncated_snapshot_is_refused_and_the_collection_is_untouched() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 4, "Euclid")?;
    upsert(&s, "c", 0..50)?;
    let snapshot = create_snapshot(&s, "c")?;
    upsert(&s, "c", 50..60)?;
    let before = points_of(&s, "c")?;
    let archive = snapshot_path(dir.path(), "c", &snapshot);
    let good = std::fs::read(&archive)?;
    let mid = good.len() / 2;
    let mut flipped = good.clone();
    flipped[mid] ^= 0x01;
    let cases: [(&str, Vec<u8>); 4] = [
        ("flipped", flipped),
        ("truncated", good[..mid].to_vec()),
        ("cut-at-a-block", good[..1024].to_vec()),
        ("empty", Vec::new()),
    ];
    for (what, bytes) in cases {
        // Without a checksum file, so the archive's own checks must catch it.
        let bad = archive.with_file_name(format!("{what}.snapshot"));
        std::fs::write(&bad, &bytes)?;
        let r = recover(&s, "c", &file_url(&bad))?;
        let status = r.status();
        let text = r.text()?;
        assert_eq!(status, 400, "{what}: {text}");
        assert!(text.contains("damaged"), "{what}: {text}");
        assert_eq!(points_of(&s, "c")?, before, "{what} changed the collection");
        // And into a new name: nothing is created.
        let r = recover(&s, "fresh", &file_url(&bad))?;
        assert_eq!(r.status(), 400, "{what}");
        assert_eq!(s.get("/collections/fresh")?.status(), 404, "{what}");
    }
    // With the checksum file beside the damaged archive, or a checksum given, the mismatch is
    // named.
    let mut flipped = good.clone();
    flipped[good.len() - 600] ^= 0x01;
    std::fs::write(&archive, &flipped)?;
    let r = recover(&s, "c", &file_url(&archive))?;
    assert_eq!(r.status(), 400);
    assert!(r.text()?.contains("SHA-256"));
    std::fs::write(&archive, &good)?;
    let r = s.put_json(
        "/collections/c/snapshots/recover",
        &json!({"location": file_url(&archive), "checksum": "0".repeat(64)}),
    )?;
    assert_eq!(r.status(), 400);
    assert_eq!(points_of(&s, "c")?, before);
    // The good one still recovers.
    let r = recover(&s, "c", &file_url(&archive))?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    assert_eq!(points_of(&s, "c")?.len(), 50);
    Ok(())
}

#[test]
fn an_uploaded_snapshot_recovers_into_a_new_collection() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("src", 4, "Dot")?;
    upsert(&s, "src", 0..25)?;
    let snapshot = create_snapshot(&s, "src")?;
    let name = snapshot["name"].as_str().ok_or("no name")?;
    let bytes = s
        .get(&format!("/collections/src/snapshots/{name}"))?
        .bytes()?
        .to_vec();
    let form = reqwest::blocking::multipart::Form::new().part(
        "snapshot",
        reqwest::blocking::multipart::Part::bytes(bytes.clone()).file_name("x.snapshot"),
    );
    let r = s
        .client
        .post(s.url(&format!(
            "/collections/uploaded/snapshots/upload?checksum={}",
            sha256_hex(&bytes)
        )))
        .multipart(form)
        .send()?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    assert_eq!(points_of(&s, "uploaded")?, points_of(&s, "src")?);
    // A wrong checksum, and a body that is not multipart.
    let form = reqwest::blocking::multipart::Form::new()
        .part("snapshot", reqwest::blocking::multipart::Part::bytes(bytes));
    let r = s
        .client
        .post(s.url(&format!(
            "/collections/other/snapshots/upload?checksum={}",
            "a".repeat(64)
        )))
        .multipart(form)
        .send()?;
    assert_eq!(r.status(), 400);
    let r = s.post_json("/collections/other/snapshots/upload", &json!({}))?;
    assert_eq!(r.status(), 415);
    assert_eq!(s.get("/collections/other")?.status(), 404);
    // Nothing of the uploads is left behind.
    let staging = dir.path().join("staging");
    let left = std::fs::read_dir(&staging)
        .map(Iterator::count)
        .unwrap_or(0);
    assert_eq!(left, 0, "uploads left in {}", staging.display());
    Ok(())
}

#[test]
fn snapshot_names_and_locations_outside_the_snapshots_directory_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 4, "Euclid")?;
    create_snapshot(&s, "c")?;
    for path in [
        "/collections/c/snapshots/..%2F..%2Fmanifest.json",
        "/collections/c/snapshots/..%2F..%2Fmanifest.snapshot",
        "/collections/c/snapshots/%2Fetc%2Fpasswd",
        "/collections/c/snapshots/.snapshot",
        "/snapshots/..%2Fmanifest.json",
        "/snapshots/%2Fetc%2Fhostname",
    ] {
        let r = s.get(path)?;
        assert_eq!(r.status(), 422, "{path}");
        let r = s.client.delete(s.url(path)).send()?;
        assert_eq!(r.status(), 422, "{path}");
    }
    assert!(dir.path().join("manifest.json").exists());
    let outside = dir.path().join("elsewhere.snapshot");
    std::fs::write(&outside, b"x")?;
    for location in [
        file_url(&outside),
        format!(
            "file://{}/snapshots/../elsewhere.snapshot",
            dir.path().display()
        ),
        "file:///etc/passwd".to_owned(),
        "http://127.0.0.1:1/x.snapshot".to_owned(),
        "snapshots/c/x.snapshot".to_owned(),
    ] {
        let r = recover(&s, "c", &location)?;
        let status = r.status();
        assert_eq!(status, 422, "{location}: {}", r.text()?);
    }
    let r = recover(
        &s,
        "c",
        &format!("file://{}/snapshots/c/none.snapshot", dir.path().display()),
    )?;
    assert_eq!(r.status(), 404);
    Ok(())
}

#[test]
fn a_full_snapshot_holds_every_collection_and_is_listed_and_deleted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("a", 4, "Euclid")?;
    s.create_collection("b", 4, "Euclid")?;
    upsert(&s, "a", 0..5)?;
    let r = s.client.post(s.url("/snapshots")).send()?;
    assert_eq!(r.status(), 200);
    let created: Value = r.json()?;
    let created = created["result"].clone();
    let name = created["name"].as_str().ok_or("no name")?.to_owned();
    assert!(name.starts_with("full-snapshot-"), "{name}");
    let listed: Value = s.get("/snapshots")?.json()?;
    assert_eq!(listed["result"], json!([created.clone()]));
    let bytes = s.get(&format!("/snapshots/{name}"))?.bytes()?;
    assert_eq!(
        Some(sha256_hex(&bytes).as_str()),
        created["checksum"].as_str()
    );
    let mut entries = Vec::new();
    for entry in tar::Archive::new(&bytes[..]).entries()? {
        entries.push(entry?.path()?.display().to_string());
    }
    assert_eq!(entries, ["full-snapshot.json", "a.snapshot", "b.snapshot"]);
    let r = s
        .client
        .delete(s.url(&format!("/snapshots/{name}")))
        .send()?;
    assert_eq!(r.status(), 200);
    assert_eq!(s.get(&format!("/snapshots/{name}"))?.status(), 404);
    Ok(())
}

#[test]
fn the_cli_creates_lists_downloads_and_restores() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("cli", 4, "Euclid")?;
    upsert(&s, "cli", 0..12)?;
    let plait = |args: &[&str]| -> Result<(bool, String, String), Box<dyn std::error::Error>> {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
            .arg("snapshot")
            .args(args)
            .env_remove("PLAIT_URL")
            .output()?;
        Ok((
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        ))
    };
    let url = s.base.clone();
    let (ok, created, err) = plait(&["create", "--url", &url, "--collection", "cli"])?;
    assert!(ok, "{err}");
    let name = created.split('\t').next().ok_or("no name")?.to_owned();
    let (ok, listed, err) = plait(&["list", "--url", &url, "--collection", "cli"])?;
    assert!(ok, "{err}");
    assert_eq!(listed, created);
    let out = dir.path().join("downloaded.snapshot");
    let out_arg = out.display().to_string();
    let (ok, _, err) = plait(&[
        "download",
        "--url",
        &url,
        "--collection",
        "cli",
        "--snapshot",
        &name,
        "--out",
        &out_arg,
    ])?;
    assert!(ok, "{err}");
    assert!(created.contains(&sha256_hex(&std::fs::read(&out)?)));
    let (ok, _, err) = plait(&[
        "restore",
        "--url",
        &url,
        "--collection",
        "restored",
        "--file",
        &out_arg,
    ])?;
    assert!(ok, "{err}");
    assert_eq!(points_of(&s, "restored")?, points_of(&s, "cli")?);
    // Errors: a clear message and a non-zero exit.
    let (ok, _, err) = plait(&[
        "download",
        "--url",
        &url,
        "--collection",
        "cli",
        "--snapshot",
        "none.snapshot",
    ])?;
    assert!(!ok);
    assert!(err.contains("404"), "{err}");
    std::fs::write(&out, b"not a snapshot")?;
    let (ok, _, err) = plait(&[
        "restore",
        "--url",
        &url,
        "--collection",
        "restored",
        "--file",
        &out_arg,
    ])?;
    assert!(!ok);
    assert!(err.contains("damaged"), "{err}");
    assert_eq!(points_of(&s, "restored")?.len(), 12);
    Ok(())
}

#[test]
fn an_upload_whose_body_stops_arriving_is_cut_off_by_the_request_timeout() -> TestResult {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &["--request-timeout-secs", "1"])?;
    let addr = s.base.trim_start_matches("http://").to_owned();
    let mut stream = std::net::TcpStream::connect(&addr)?;
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    write!(
        stream,
        "POST /collections/c/snapshots/upload HTTP/1.1\r\nHost: {addr}\r\n\
         Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 10000\r\n\
         Connection: close\r\n\r\n--b\r\nContent-Disposition: form-data; name=\"snapshot\"\r\n\r\nabc"
    )?;
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert_eq!(s.get("/collections/c")?.status(), 404);
    Ok(())
}

#[test]
fn what_a_crash_leaves_in_staging_is_moved_to_quarantine_at_start() -> TestResult {
    let dir = tempfile::tempdir()?;
    let leftover = dir.path().join("staging").join("c.1234");
    std::fs::create_dir_all(&leftover)?;
    std::fs::write(leftover.join("checkpoint.plait"), b"half a restore")?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(std::fs::read_dir(dir.path().join("staging"))?.count(), 0);
    let kept: Vec<PathBuf> = std::fs::read_dir(dir.path().join("quarantine"))?
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()?;
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(
        std::fs::read(kept[0].join("checkpoint.plait"))?,
        b"half a restore"
    );
    Ok(())
}

#[test]
fn a_collection_that_failed_to_open_is_replaced_by_its_snapshot() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.create_collection("c", 4, "Euclid")?;
    upsert(&s, "c", 0..20)?;
    let snapshot = create_snapshot(&s, "c")?;
    let before = points_of(&s, "c")?;
    let exit = s.terminate()?;
    assert!(exit.success(), "{exit}");
    std::fs::write(
        dir.path().join("collections/c/collection.json"),
        b"not json",
    )?;
    let s = TestServer::start_in(dir.path(), &[])?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while s.get("/readyz")?.status() != 503 {
        assert!(
            std::time::Instant::now() < deadline,
            "never reported failed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(s.get("/collections/c")?.status(), 503);
    let r = recover(
        &s,
        "c",
        &file_url(&snapshot_path(dir.path(), "c", &snapshot)),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    assert_eq!(points_of(&s, "c")?, before);
    assert_eq!(s.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn the_cli_restores_a_full_snapshot_into_another_server() -> TestResult {
    let from_dir = tempfile::tempdir()?;
    let from = TestServer::start_in(from_dir.path(), &[])?;
    from.create_collection("a", 4, "Euclid")?;
    from.create_collection("b", 4, "Dot")?;
    upsert(&from, "a", 0..15)?;
    upsert(&from, "b", 100..104)?;
    let r = from.post_json(
        "/collections/aliases",
        &json!({"actions": [{"create_alias": {"collection_name": "a", "alias_name": "prod"}}]}),
    )?;
    assert_eq!(r.status(), 200);
    let r: Value = from.client.post(from.url("/snapshots")).send()?.json()?;
    let name = r["result"]["name"].as_str().ok_or("no name")?.to_owned();
    let file = from_dir.path().join("snapshots").join(&name);

    let to_dir = tempfile::tempdir()?;
    let to = TestServer::start_in(to_dir.path(), &[])?;
    to.create_collection("a", 4, "Euclid")?;
    upsert(&to, "a", 500..510)?;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["snapshot", "restore", "--url", &to.base, "--file"])
        .arg(&file)
        .env_remove("PLAIT_URL")
        .output()?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for c in ["a", "b"] {
        assert_eq!(points_of(&to, c)?, points_of(&from, c)?, "{c}");
    }
    let aliases: Value = to.get("/aliases")?.json()?;
    assert_eq!(
        aliases["result"]["aliases"],
        json!([{"alias_name": "prod", "collection_name": "a"}])
    );
    // A damaged full snapshot: refused before anything is sent.
    let mut bytes = std::fs::read(&file)?;
    let mid = bytes.len() / 2;
    bytes[mid] ^= 1;
    let bad = to_dir.path().join("bad.snapshot");
    std::fs::write(&bad, &bytes)?;
    upsert(&to, "b", 900..901)?;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["snapshot", "restore", "--url", &to.base, "--file"])
        .arg(&bad)
        .env_remove("PLAIT_URL")
        .output()?;
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a usable full snapshot"));
    assert_eq!(points_of(&to, "b")?.len(), 5);
    Ok(())
}
