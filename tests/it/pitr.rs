//! Point-in-time restore: a scripted workload (upserts that overwrite, deletes, payload edits,
//! edges) against a server with `--wal-archive` and checkpoints every 64 KiB of WAL, the full
//! state recorded after chosen acknowledged writes with their `operation_id` and the time, then
//! `plait restore` to each recorded point into a fresh data directory and a server started on it
//! must show exactly that state. Also after `kill -9` (reading the live WAL), when archiving
//! fails for a while (segments stay live, nothing lost), and the refusals.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const DIM: usize = 16;
/// Every edge starts at a point whose id is this modulo 15.
const EDGE_SOURCE: u64 = 7;

type Res<T> = Result<T, Box<dyn std::error::Error>>;

fn archiving_server(data: &Path, archive: &Path) -> Res<TestServer> {
    let archive = archive.to_str().ok_or("path")?;
    let s = TestServer::start_in(
        data,
        &[
            "--wal-archive",
            archive,
            "--checkpoint-wal-bytes",
            "65536",
            "--wal-segment-bytes",
            "16384",
        ],
    )?;
    s.wait_ready()?;
    Ok(s)
}

fn vector_of(id: u64, round: u64) -> Vec<f32> {
    (0..DIM as u64)
        .map(|i| ((id * 31 + i * 7 + round * 13) % 97) as f32 / 9.0 - 5.0)
        .collect()
}

/// Sends one write (`wait=true`) and returns its `operation_id`.
fn write(s: &TestServer, method: &str, path: &str, body: &Value) -> Res<u64> {
    let url = s.url(&format!("/collections/c{path}?wait=true"));
    let r = match method {
        "PUT" => s.client.put(url),
        _ => s.client.post(url),
    }
    .json(body)
    .send()?;
    let status = r.status();
    let v: Value = r.json()?;
    if status != 200 {
        return Err(format!("{method} {path}: {status} {v}").into());
    }
    v["result"]["operation_id"]
        .as_u64()
        .ok_or_else(|| format!("no operation_id in {v}").into())
}

/// Round `r` of the workload; returns the `operation_id` of its last write. Points overlap from
/// round to round (overwrites); every third round deletes points (one of them the source of an
/// edge, which goes with it), another edits payloads and writes an edge and deletes an older one.
fn round(s: &TestServer, r: u64) -> Res<u64> {
    let points: Vec<Value> = (r * 15..r * 15 + 30)
        .map(|id| {
            json!({"id": id, "vector": vector_of(id, r),
                   "payload": {"round": r, "tag": format!("t{}", id % 3), "text": "x".repeat(40)}})
        })
        .collect();
    let mut seq = write(s, "PUT", "/points", &json!({ "points": points }))?;
    if r % 3 == 1 {
        let mut ids: Vec<u64> = (0..4).map(|k| r * 15 + k * 5).collect();
        if r >= 3 {
            ids.push((r - 1) * 15 + EDGE_SOURCE);
        }
        seq = write(s, "POST", "/points/delete", &json!({ "points": ids }))?;
    }
    if r % 3 == 2 {
        write(
            s,
            "POST",
            "/points/payload",
            &json!({"payload": {"edited": r}, "points": [r * 15 + 20, r * 15 + 21]}),
        )?;
        let source = (r + 1) * 15 + EDGE_SOURCE;
        seq = write(
            s,
            "PUT",
            "/edges",
            &json!({"edges": [{"id": r, "source": source, "target": source + 1,
                               "label": "next", "properties": {"r": r}}]}),
        )?;
        if r >= 8 {
            seq = write(s, "POST", "/edges/delete", &json!({"ids": [r - 6]}))?;
        }
    }
    Ok(seq)
}

/// Every point (id, vector, payload) and every out-edge of every point, in id order.
fn state(s: &TestServer) -> Res<Value> {
    let points = s.all_points("c")?;
    let mut edges = Vec::new();
    for p in &points {
        let id = &p["id"];
        if id.as_u64().is_none_or(|id| id % 15 != EDGE_SOURCE) {
            continue;
        }
        let r: Value = s
            .get(&format!(
                "/collections/c/points/{id}/neighbors?direction=out&limit=1000"
            ))?
            .json()?;
        edges.push(r["result"].clone());
    }
    Ok(json!({"points": points, "edges": edges}))
}

fn plait(args: &[&str]) -> Res<Output> {
    Ok(Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(args)
        .output()?)
}

fn restore(archive: &Path, to: &[&str], data: &Path, live: Option<&Path>) -> Res<Output> {
    let mut args = vec![
        "restore",
        "--archive",
        archive.to_str().ok_or("path")?,
        "--collection",
        "c",
        "--data-dir",
        data.to_str().ok_or("path")?,
    ];
    args.extend_from_slice(to);
    if let Some(live) = live {
        args.extend_from_slice(&["--live-data-dir", live.to_str().ok_or("path")?]);
    }
    plait(&args)
}

/// Restores to `to` into a fresh data directory, starts a server on it and returns its state
/// and what `plait restore` printed.
fn restored_state(archive: &Path, to: &[&str], live: Option<&Path>) -> Res<(Value, String)> {
    let dir = tempfile::tempdir()?;
    let out = restore(archive, to, dir.path(), live)?;
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        return Err(format!(
            "restore {to:?} failed: {}{stdout}",
            String::from_utf8_lossy(&out.stderr)
        )
        .into());
    }
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let st = state(&s)?;
    s.terminate()?;
    Ok((st, stdout))
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn create(s: &TestServer) -> TestResult {
    s.create_collection("c", DIM, "Euclid")
}

fn archived_checkpoints(archive: &Path) -> Res<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(archive.join("c/checkpoints"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_none())
        .collect();
    out.sort();
    Ok(out)
}

fn segments(dir: &Path) -> Res<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "wal"))
        .collect();
    out.sort();
    Ok(out)
}

/// A recorded moment: the last acknowledged write's sequence number, a time after its
/// acknowledgement and before the next write was sent, and the state then.
struct Moment {
    seq: u64,
    time: String,
    state: Value,
}

fn record(s: &TestServer, seq: u64) -> Res<Moment> {
    let state = state(s)?;
    let time = now_rfc3339();
    // The next write's time mark falls in a later millisecond than `time`.
    std::thread::sleep(Duration::from_millis(5));
    Ok(Moment { seq, time, state })
}

#[test]
fn restores_the_exact_state_at_each_recorded_sequence_number_and_moment() -> TestResult {
    let data = tempfile::tempdir()?;
    let archive = tempfile::tempdir()?;
    let s = archiving_server(data.path(), archive.path())?;
    create(&s)?;
    let empty = record(&s, 0)?;
    let mut moments = vec![];
    for r in 0..36 {
        let seq = round(&s, r)?;
        if [1, 8, 20, 35].contains(&r) {
            moments.push(record(&s, seq)?);
        }
    }
    // A clean stop checkpoints and archives every segment, so the archive alone holds it all.
    s.terminate()?;
    let checkpoints = archived_checkpoints(archive.path())?;
    assert!(
        checkpoints.len() >= 4,
        "several checkpoints were archived: {checkpoints:?}"
    );
    assert!(segments(&archive.path().join("c/wal"))?.len() >= 4);

    for m in &moments {
        let seq = m.seq.to_string();
        let (got, printed) = restored_state(archive.path(), &["--to-seq", &seq], None)?;
        assert_eq!(got, m.state, "restored to sequence {seq}");
        assert!(printed.contains(&format!("to sequence {seq}")), "{printed}");
        let (got, _) = restored_state(archive.path(), &["--to-time", &m.time], None)?;
        assert_eq!(got, m.state, "restored to {}", m.time);
    }
    // The last moment starts from a later checkpoint than the empty one.
    let last = moments.last().ok_or("moments")?;
    let (_, printed) = restored_state(archive.path(), &["--to-seq", &last.seq.to_string()], None)?;
    assert!(
        !printed.contains("archived checkpoint 0 "),
        "a later checkpoint is the base: {printed}"
    );
    let (got, _) = restored_state(archive.path(), &["--to-time", &empty.time], None)?;
    assert_eq!(got, empty.state, "right after creation: empty");
    Ok(())
}

#[test]
fn after_kill_9_the_live_wal_continues_the_archive() -> TestResult {
    let data = tempfile::tempdir()?;
    let archive = tempfile::tempdir()?;
    let s = archiving_server(data.path(), archive.path())?;
    create(&s)?;
    let mut seq = 0;
    for r in 0..14 {
        seq = round(&s, r)?;
    }
    let before = record(&s, seq)?;
    for r in 14..17 {
        seq = round(&s, r)?;
    }
    let last = record(&s, seq)?;
    s.kill9()?;

    // The last writes are only in the live WAL: the archive alone cannot reach them.
    let dir = tempfile::tempdir()?;
    let out = restore(
        archive.path(),
        &["--to-seq", &last.seq.to_string()],
        dir.path(),
        None,
    )?;
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("after the last record available"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("collections/c").exists());

    let live = Some(data.path());
    for m in [&before, &last] {
        let (got, _) = restored_state(archive.path(), &["--to-seq", &m.seq.to_string()], live)?;
        assert_eq!(got, m.state, "sequence {}", m.seq);
        let (got, _) = restored_state(archive.path(), &["--to-time", &m.time], live)?;
        assert_eq!(got, m.state, "time {}", m.time);
    }
    // The crashed server's own directory still opens, with every acknowledged write.
    let s = TestServer::start_in(data.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(state(&s)?, last.state);
    s.terminate()?;
    Ok(())
}

#[test]
fn a_segment_that_cannot_be_archived_stays_live_until_it_can() -> TestResult {
    let data = tempfile::tempdir()?;
    let archive = tempfile::tempdir()?;
    let s = archiving_server(data.path(), archive.path())?;
    create(&s)?;
    // The archive's WAL directory cannot be created: a file holds its name.
    let blocked = archive.path().join("c/wal");
    std::fs::write(&blocked, b"not a directory")?;
    let mut seq = 0;
    for r in 0..24 {
        seq = round(&s, r)?;
    }
    let errors = s.metric("plait_wal_archive_errors_total")?.unwrap_or(0.0);
    assert!(errors >= 1.0, "archive errors counted: {errors}");
    let live_wal = data.path().join("collections/c/wal");
    let live = segments(&live_wal)?;
    assert!(
        live.len() >= 4,
        "checkpointed segments stay in the live WAL: {live:?}"
    );
    assert!(
        live[0].ends_with("00000000000000000001.wal"),
        "the first segment is still there: {live:?}"
    );
    let first = record(&s, seq)?;
    // The shutdown checkpoint cannot archive either: still nothing deleted.
    s.terminate()?;
    assert!(segments(&live_wal)?.len() >= live.len());

    // Once the archive works again, opening archives the backlog, oldest first...
    std::fs::remove_file(&blocked)?;
    let s = archiving_server(data.path(), archive.path())?;
    assert!(segments(&live_wal)?.is_empty(), "archived at open");
    // ...and later checkpoints archive as usual.
    for r in 24..48 {
        seq = round(&s, r)?;
    }
    let second = record(&s, seq)?;
    s.terminate()?;
    assert!(segments(&live_wal)?.is_empty());
    for m in [&first, &second] {
        let (got, _) = restored_state(archive.path(), &["--to-seq", &m.seq.to_string()], None)?;
        assert_eq!(got, m.state, "sequence {}", m.seq);
    }
    Ok(())
}

/// Runs a restore that must be refused, and checks that it left the manifest as it was.
fn refusal(archive: &Path, to: &[&str], data: &Path, live: Option<&Path>) -> Res<String> {
    let manifest = || std::fs::read_to_string(data.join("manifest.json")).unwrap_or_default();
    let before = manifest();
    let out = restore(archive, to, data, live)?;
    assert!(!out.status.success(), "{to:?} must be refused");
    assert_eq!(manifest(), before, "nothing registered");
    Ok(String::from_utf8_lossy(&out.stderr).into_owned())
}

fn copy_dir(from: &Path, to: &Path) -> Res<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let p = e?.path();
        let dest = to.join(p.file_name().ok_or("name")?);
        if p.is_dir() {
            copy_dir(&p, &dest)?;
        } else {
            std::fs::copy(&p, &dest)?;
        }
    }
    Ok(())
}

#[test]
fn restore_refuses_what_it_cannot_do_exactly_and_never_overwrites() -> TestResult {
    let data = tempfile::tempdir()?;
    let archive = tempfile::tempdir()?;
    let s = archiving_server(data.path(), archive.path())?;
    create(&s)?;
    let mut seq = 0;
    for r in 0..20 {
        seq = round(&s, r)?;
    }
    let end = seq.to_string();

    // A data directory a server runs on is locked.
    let err = refusal(archive.path(), &["--to-seq", "1"], data.path(), None)?;
    assert!(err.contains("locked"), "{err}");
    s.terminate()?;
    // One that has the collection is never overwritten.
    let err = refusal(archive.path(), &["--to-seq", "1"], data.path(), None)?;
    assert!(err.contains("already has a collection"), "{err}");

    let fresh = tempfile::tempdir()?;
    let err = refusal(
        archive.path(),
        &["--to-time", "2001-01-01T00:00:00Z"],
        fresh.path(),
        None,
    )?;
    assert!(
        err.contains("before the oldest archived checkpoint"),
        "{err}"
    );
    let err = refusal(
        archive.path(),
        &["--to-seq", "999999999"],
        fresh.path(),
        None,
    )?;
    assert!(err.contains("after the last record available"), "{err}");
    let err = refusal(
        archive.path(),
        &["--to-time", "yesterday"],
        fresh.path(),
        None,
    )?;
    assert!(err.contains("RFC 3339"), "{err}");

    // A segment missing from the middle: a gap, named.
    let gappy = tempfile::tempdir()?;
    copy_dir(archive.path(), gappy.path())?;
    let segs = segments(&gappy.path().join("c/wal"))?;
    assert!(segs.len() >= 3, "{segs:?}");
    std::fs::remove_file(&segs[1])?;
    let oldest_only: Vec<PathBuf> = archived_checkpoints(gappy.path())?;
    for later in &oldest_only[1..] {
        // Without later checkpoints the gap cannot be stepped over.
        std::fs::remove_dir_all(later)?;
    }
    let err = refusal(gappy.path(), &["--to-seq", &end], fresh.path(), None)?;
    assert!(err.contains("gap in the archived WAL"), "{err}");
    assert!(err.contains(&segs[2].display().to_string()), "{err}");

    // A damaged segment: refused, naming the file.
    let damaged = tempfile::tempdir()?;
    copy_dir(archive.path(), damaged.path())?;
    for later in &archived_checkpoints(damaged.path())?[1..] {
        std::fs::remove_dir_all(later)?;
    }
    let segs = segments(&damaged.path().join("c/wal"))?;
    let mut bytes = std::fs::read(&segs[0])?;
    bytes[200] ^= 0xFF;
    std::fs::write(&segs[0], bytes)?;
    let err = refusal(damaged.path(), &["--to-seq", &end], fresh.path(), None)?;
    assert!(err.contains("damaged WAL segment"), "{err}");
    assert!(err.contains(&segs[0].display().to_string()), "{err}");

    // Without the oldest checkpoint, an early sequence number is out of reach.
    let trimmed = tempfile::tempdir()?;
    copy_dir(archive.path(), trimmed.path())?;
    std::fs::remove_dir_all(&archived_checkpoints(trimmed.path())?[0])?;
    let err = refusal(trimmed.path(), &["--to-seq", "1"], fresh.path(), None)?;
    assert!(
        err.contains("before the oldest archived checkpoint"),
        "{err}"
    );

    assert!(!fresh.path().join("collections/c").exists());
    let staging = fresh.path().join("staging");
    assert!(
        !staging.exists() || std::fs::read_dir(&staging)?.count() == 0,
        "no staging leftovers"
    );
    Ok(())
}

#[test]
fn a_new_collection_under_an_archived_name_starts_a_new_history() -> TestResult {
    let data = tempfile::tempdir()?;
    let archive = tempfile::tempdir()?;
    let s = archiving_server(data.path(), archive.path())?;
    create(&s)?;
    let mut seq = 0;
    for r in 0..3 {
        seq = round(&s, r)?;
    }
    let old = record(&s, seq)?;
    assert_eq!(
        s.client.delete(s.url("/collections/c")).send()?.status(),
        200
    );
    create(&s)?;
    let new_seq = round(&s, 7)?;
    let new = record(&s, new_seq)?;
    s.terminate()?;

    let retired: Vec<PathBuf> = std::fs::read_dir(archive.path())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().contains("c.retired-"))
        .collect();
    assert_eq!(retired.len(), 1, "the first history moved aside");
    let (got, _) = restored_state(archive.path(), &["--to-seq", &new.seq.to_string()], None)?;
    assert_eq!(got, new.state, "the new history alone");
    // The deleted collection's history can still be restored, under its own name.
    let old_archive = tempfile::tempdir()?;
    std::fs::rename(&retired[0], old_archive.path().join("c"))?;
    let (got, _) = restored_state(
        old_archive.path(),
        &["--to-seq", &old.seq.to_string()],
        None,
    )?;
    assert_eq!(got, old.state);
    Ok(())
}
