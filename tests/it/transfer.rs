//! `plait import` and `plait export` against real servers: one Plait copied into another point
//! by point, a JSONL round trip, fvecs with payloads, a bad line that stops the import with
//! nothing of its batch applied, a server refusal mid-import, resuming from an offset, and the
//! plain progress lines written when stderr is not a terminal.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use super::server::{TestResult, TestServer};

type Error = Box<dyn std::error::Error>;

/// `plait ARGS...` to completion.
fn plait(args: &[&str]) -> Result<Output, Error> {
    Ok(Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(args)
        .output()?)
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Fails with both streams unless the command exited 0.
fn succeeded(out: &Output) -> Result<(), Error> {
    if out.status.success() {
        return Ok(());
    }
    Err(format!(
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
    .into())
}

fn started() -> Result<(tempfile::TempDir, TestServer), Error> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_in(dir.path(), &[])?;
    server.wait_ready()?;
    Ok((dir, server))
}

/// A payload that uses every JSON type, varied by `i`.
fn payload(i: usize, rng: &mut StdRng) -> Value {
    json!({
        "text": format!("point {i} — ünïcødé \"quoted\" \\ {}", "x".repeat(i % 7)),
        "int": i64::try_from(i).unwrap_or_default() - 1000,
        "float": rng.random_range(-1e6..1e6_f64),
        "tiny": 0.1,
        "flag": i.is_multiple_of(2),
        "none": null,
        "list": [i, "two", 3.5, false, null, {"k": [i]}],
        "nested": {"a": {"b": {"c": i, "d": []}}, "e": {}},
    })
}

fn point_id(i: usize) -> Value {
    if i.is_multiple_of(3) {
        // Deterministic UUIDs, different for each i.
        json!(format!("5c56c793-69f3-4fbf-87e6-{:012x}", i))
    } else {
        json!(i * 7 + 1)
    }
}

/// Fills `name` (Dot distance, so vectors are stored as sent) with `n` random points with
/// payloads, in batches of 500.
fn fill(server: &TestServer, name: &str, n: usize, dim: usize) -> TestResult {
    server.create_collection(name, dim, "Dot")?;
    let mut rng = StdRng::seed_from_u64(14);
    let points: Vec<Value> = (0..n)
        .map(|i| {
            let vector: Vec<f32> = (0..dim).map(|_| rng.random_range(-1.0..1.0)).collect();
            let mut p = json!({"id": point_id(i), "vector": vector});
            if i % 10 != 9 {
                p["payload"] = payload(i, &mut rng);
            }
            p
        })
        .collect();
    for chunk in points.chunks(500) {
        let r = server.put_json(
            &format!("/collections/{name}/points?wait=true"),
            &json!({ "points": chunk }),
        )?;
        if r.status() != 200 {
            return Err(format!("upsert failed: {} {}", r.status(), r.text()?).into());
        }
    }
    Ok(())
}

/// Every point of `a` equals the point of `b` at the same place: the same id, the vector within
/// float tolerance, the payload exactly.
fn assert_same_points(a: &[Value], b: &[Value]) -> TestResult {
    assert_eq!(a.len(), b.len(), "point counts differ");
    for (x, y) in a.iter().zip(b) {
        assert_eq!(x["id"], y["id"]);
        assert_eq!(x["payload"], y["payload"], "payload of {}", x["id"]);
        let (vx, vy) = (
            x["vector"].as_array().ok_or("no vector")?,
            y["vector"].as_array().ok_or("no vector")?,
        );
        assert_eq!(vx.len(), vy.len());
        for (p, q) in vx.iter().zip(vy) {
            let (p, q) = (p.as_f64().ok_or("nan")?, q.as_f64().ok_or("nan")?);
            assert!(
                (p - q).abs() <= 1e-6 * p.abs().max(1.0),
                "{} {p} vs {q}",
                x["id"]
            );
        }
    }
    Ok(())
}

fn count(server: &TestServer, name: &str) -> Result<u64, Error> {
    let r: Value = server
        .post_json(&format!("/collections/{name}/points/count"), &json!({}))?
        .json()?;
    r["result"]["count"]
        .as_u64()
        .ok_or_else(|| format!("no count: {r}").into())
}

#[test]
fn import_from_a_running_server_copies_every_point() -> TestResult {
    let (_a, source) = started()?;
    let (_b, target) = started()?;
    fill(&source, "src", 3000, 24)?;
    let out = plait(&[
        "import",
        "--url",
        &target.base,
        "--collection",
        "dst",
        "--create",
        "--distance",
        "Dot",
        "--from-qdrant",
        &source.base,
        "--source-collection",
        "src",
        "--batch",
        "700",
    ])?;
    succeeded(&out)?;
    assert!(
        text(&out.stdout).starts_with("imported 3000 points in "),
        "{}",
        text(&out.stdout)
    );
    let info: Value = target.get("/collections/dst")?.json()?;
    assert_eq!(
        info["result"]["config"]["params"]["vectors"]["distance"],
        "Dot"
    );
    assert_same_points(&source.all_points("src")?, &target.all_points("dst")?)
}

#[test]
fn export_then_import_round_trips_through_jsonl() -> TestResult {
    let (_a, server) = started()?;
    fill(&server, "src", 1200, 8)?;
    let files = tempfile::tempdir()?;
    let file = files.path().join("src.jsonl");
    let file_arg = file.to_str().ok_or("path")?;
    let out = plait(&[
        "export",
        "--url",
        &server.base,
        "--collection",
        "src",
        "--out",
        file_arg,
        "--batch",
        "100",
    ])?;
    succeeded(&out)?;
    assert!(
        text(&out.stdout).starts_with("exported 1200 points in "),
        "{}",
        text(&out.stdout)
    );
    let written = std::fs::read_to_string(&file)?;
    assert_eq!(written.lines().count(), 1200);
    // Nothing but the output is left in its folder (the temporary file was renamed).
    assert_eq!(std::fs::read_dir(files.path())?.count(), 1);

    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "copy",
        "--create",
        "--distance",
        "Dot",
        "--from-jsonl",
        file_arg,
    ])?;
    succeeded(&out)?;
    assert_same_points(&server.all_points("src")?, &server.all_points("copy")?)
}

#[test]
fn export_of_a_missing_collection_fails_and_writes_nothing() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let file = files.path().join("out.jsonl");
    let out = plait(&[
        "export",
        "--url",
        &server.base,
        "--collection",
        "nope",
        "--out",
        file.to_str().ok_or("path")?,
    ])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("\"nope\" does not exist"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(std::fs::read_dir(files.path())?.count(), 0);
    Ok(())
}

fn write_fvecs(path: &Path, rows: &[Vec<f32>]) -> std::io::Result<()> {
    let mut bytes = Vec::new();
    for row in rows {
        bytes.extend_from_slice(&i32::try_from(row.len()).unwrap_or(0).to_le_bytes());
        for x in row {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    std::fs::write(path, bytes)
}

#[test]
fn fvecs_with_payload_lines_imports_ids_vectors_and_payloads() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let mut rng = StdRng::seed_from_u64(3);
    let rows: Vec<Vec<f32>> = (0..300)
        .map(|_| (0..12).map(|_| rng.random_range(-1.0..1.0)).collect())
        .collect();
    let vectors = files.path().join("base.fvecs");
    write_fvecs(&vectors, &rows)?;
    // Even rows name their id (as texts.jsonl does); odd rows take their row number.
    let payloads = files.path().join("texts.jsonl");
    let mut lines = String::new();
    for i in 0..rows.len() {
        let line = if i % 2 == 0 {
            json!({"id": 10_000 + i, "text": format!("row {i}"), "n": i})
        } else {
            json!({"text": format!("row {i}"), "n": i})
        };
        lines.push_str(&format!("{line}\n"));
    }
    std::fs::write(&payloads, lines)?;
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "words",
        "--create",
        "--distance",
        "Dot",
        "--from-fvecs",
        vectors.to_str().ok_or("path")?,
        "--payloads",
        payloads.to_str().ok_or("path")?,
        "--batch",
        "64",
    ])?;
    succeeded(&out)?;
    let mut expected: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let id = if i % 2 == 0 { 10_000 + i } else { i };
            json!({"id": id, "vector": v, "payload": {"text": format!("row {i}"), "n": i}})
        })
        .collect();
    expected.sort_by_key(|p| p["id"].as_u64());
    let got = server.all_points("words")?;
    assert_same_points(&expected, &got)?;

    // Without payloads, row n is point n.
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "bare",
        "--create",
        "--distance",
        "Dot",
        "--from-fvecs",
        vectors.to_str().ok_or("path")?,
    ])?;
    succeeded(&out)?;
    let got = server.all_points("bare")?;
    assert_eq!(got.len(), 300);
    assert_eq!(got[299]["id"], 299);
    Ok(())
}

#[test]
fn a_payload_file_of_the_wrong_length_is_refused_before_anything_is_sent() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let vectors = files.path().join("base.fvecs");
    write_fvecs(&vectors, &vec![vec![1.0, 2.0]; 10])?;
    let payloads = files.path().join("texts.jsonl");
    std::fs::write(&payloads, "{}\n".repeat(9))?;
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "c",
        "--create",
        "--from-fvecs",
        vectors.to_str().ok_or("path")?,
        "--payloads",
        payloads.to_str().ok_or("path")?,
    ])?;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("10 rows"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target_exists(&server, "c")?);
    Ok(())
}

fn target_exists(server: &TestServer, name: &str) -> Result<bool, Error> {
    Ok(server.get(&format!("/collections/{name}"))?.status() == 200)
}

/// A JSONL file of `n` lines of 4-d points `0..n`, with `bad` put in place of line `at` (1-based).
fn jsonl_with(path: &Path, n: usize, at: usize, bad: &str) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    for i in 0..n {
        if i + 1 == at {
            writeln!(file, "{bad}")?;
        } else {
            let v = [1.0, i as f32, 0.5, -2.0];
            writeln!(
                file,
                "{}",
                json!({"id": i, "vector": v, "payload": {"i": i}})
            )?;
        }
    }
    Ok(())
}

#[test]
fn a_bad_line_stops_the_import_naming_it_with_nothing_of_its_batch_applied() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let bad_lines = [
        (
            r#"{"id": 26, "vector": [1, 2, 3]}"#,
            "the vector has 3 components",
        ),
        (r#"{"id": 26, "vector": [1, 2, "x", 4]}"#, "vector"),
        (r#"{"id": "not-a-uuid", "vector": [1, 2, 3, 4]}"#, "UUID"),
        (
            r#"{"id": 26, "vector": [1, 2, 3, 4], "payload": [1]}"#,
            "payload",
        ),
        (r#"{"id": 26, "vector": [1, 2, 3, 4]"#, "EOF"),
        ("not json", "expected"),
    ];
    for (n, (bad, why)) in bad_lines.iter().enumerate() {
        let file = files.path().join(format!("bad{n}.jsonl"));
        jsonl_with(&file, 50, 27, bad)?;
        let collection = format!("c{n}");
        let out = plait(&[
            "import",
            "--url",
            &server.base,
            "--collection",
            &collection,
            "--create",
            "--from-jsonl",
            file.to_str().ok_or("path")?,
            "--batch",
            "10",
        ])?;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{bad}: {stderr}");
        assert!(stderr.contains("line 27 of"), "{bad}: {stderr}");
        assert!(stderr.contains(why), "{bad}: {stderr}");
        assert!(
            stderr.contains("20 points were imported"),
            "{bad}: {stderr}"
        );
        // Exactly the two batches before the bad one: lines 1-20, nothing of lines 21-30.
        assert_eq!(count(&server, &collection)?, 20, "{bad}");
        let ids: Vec<Value> = server
            .all_points(&collection)?
            .iter()
            .map(|p| p["id"].clone())
            .collect();
        assert_eq!(ids, (0..20).map(|i| json!(i)).collect::<Vec<_>>());
    }
    Ok(())
}

#[test]
fn a_batch_the_server_refuses_stops_the_import_naming_its_lines() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let file = files.path().join("zero.jsonl");
    // A zero vector is well formed, but a Cosine collection refuses it (422).
    jsonl_with(&file, 50, 35, r#"{"id": 34, "vector": [0, 0, 0, 0]}"#)?;
    server.create_collection("cos", 4, "Cosine")?;
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "cos",
        "--from-jsonl",
        file.to_str().ok_or("path")?,
        "--batch",
        "10",
    ])?;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("refused the batch of lines 31-40 of"),
        "{stderr}"
    );
    assert!(stderr.contains("422"), "{stderr}");
    assert_eq!(count(&server, "cos")?, 30);
    Ok(())
}

#[test]
fn a_missing_target_is_an_error_without_create() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let file = files.path().join("ok.jsonl");
    jsonl_with(&file, 5, 0, "")?;
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "absent",
        "--from-jsonl",
        file.to_str().ok_or("path")?,
    ])?;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("\"absent\" does not exist"), "{stderr}");
    assert!(stderr.contains("--create"), "{stderr}");
    assert!(!target_exists(&server, "absent")?);

    // A batch past the server's bound on one request is refused before anything is read.
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "absent",
        "--create",
        "--batch",
        "100001",
        "--from-jsonl",
        file.to_str().ok_or("path")?,
    ])?;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("between 1 and 100000"), "{stderr}");
    assert!(!target_exists(&server, "absent")?);
    Ok(())
}

/// Imports `src` of `source` into `name` of `target` in batches of 10, printing a progress line
/// after every batch.
fn import_scroll(
    source: &TestServer,
    target: &TestServer,
    name: &str,
    extra: &[&str],
) -> Result<Output, Error> {
    let mut args = vec![
        "import",
        "--url",
        &target.base,
        "--collection",
        name,
        "--create",
        "--distance",
        "Dot",
        "--from-qdrant",
        &source.base,
        "--source-collection",
        "src",
        "--batch",
        "10",
        "--progress-every",
        "0",
    ];
    args.extend_from_slice(extra);
    plait(&args)
}

#[test]
fn progress_lines_name_the_offset_to_resume_from_and_resuming_imports_only_the_rest() -> TestResult
{
    let (_a, server) = started()?;
    server.create_collection("src", 3, "Dot")?;
    let points: Vec<Value> = (0..100)
        .map(|i| json!({"id": i, "vector": [1.0, f64::from(i), 2.0], "payload": {"i": i}}))
        .collect();
    server.put_json(
        "/collections/src/points?wait=true",
        &json!({ "points": points }),
    )?;

    let out = import_scroll(&server, &server, "full", &[])?;
    succeeded(&out)?;
    // Not a terminal: plain lines on stderr, one per batch here, then the summary on stdout.
    let stderr = text(&out.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 10, "{stderr}");
    assert!(lines[2].starts_with("imported 30/100 points ("), "{stderr}");
    assert!(
        lines[2].contains(" points/s); resume with --resume-from 30"),
        "{stderr}"
    );
    assert!(
        text(&out.stdout).starts_with("imported 100 points in "),
        "{}",
        text(&out.stdout)
    );

    let out = import_scroll(&server, &server, "rest", &["--resume-from", "30"])?;
    succeeded(&out)?;
    let ids: Vec<u64> = server
        .all_points("rest")?
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect();
    assert_eq!(ids, (30..100).collect::<Vec<_>>());
    Ok(())
}

#[test]
fn an_import_stopped_by_the_target_says_where_to_resume() -> TestResult {
    let (_a, server) = started()?;
    server.create_collection("src", 3, "Dot")?;
    let points: Vec<Value> = (0..100)
        .map(|i| {
            // Dot accepts the zero vector; the Cosine target will not.
            let v = if i == 55 {
                [0.0; 3]
            } else {
                [1.0, f64::from(i), 2.0]
            };
            json!({"id": i, "vector": v})
        })
        .collect();
    server.put_json(
        "/collections/src/points?wait=true",
        &json!({ "points": points }),
    )?;
    server.create_collection("cos", 3, "Cosine")?;
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "cos",
        "--from-qdrant",
        &server.base,
        "--source-collection",
        "src",
        "--batch",
        "10",
    ])?;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("the page at source offset 50"), "{stderr}");
    assert!(stderr.contains("50 points were imported"), "{stderr}");
    assert!(stderr.contains("resume with --resume-from 50"), "{stderr}");
    assert_eq!(count(&server, "cos")?, 50);
    Ok(())
}

#[test]
fn on_a_terminal_the_progress_is_a_bar_with_rate_and_eta() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let file = files.path().join("points.jsonl");
    jsonl_with(&file, 2000, 0, "")?;
    let mut command = Command::new(env!("CARGO_BIN_EXE_plait"));
    command.args([
        "import",
        "--url",
        &server.base,
        "--collection",
        "c",
        "--create",
        "--batch",
        "100",
        "--progress-every",
        "0",
        "--from-jsonl",
        file.to_str().ok_or("path")?,
    ]);
    let mut pty = rexpect::session::spawn_command(command, Some(30_000))?;
    pty.exp_string("ETA")?;
    let (before, summary) =
        pty.exp_regex("imported 2000 points in [0-9.]+ s \\([0-9]+ points/s\\)")?;
    pty.exp_eof()?;
    assert!(summary.starts_with("imported 2000"), "{summary}");
    // The bar replaced the plain lines, which a pipe would have received after every batch.
    assert!(!before.contains("points ("), "{before}");
    assert_eq!(count(&server, "c")?, 2000);
    Ok(())
}

#[test]
fn a_bad_fvecs_row_or_payload_line_is_named_with_nothing_of_its_batch_applied() -> TestResult {
    let (_a, server) = started()?;
    let files = tempfile::tempdir()?;
    let mut rows = vec![vec![1.0_f32, 2.0]; 40];
    rows[15][1] = f32::NAN;
    let vectors = files.path().join("nan.fvecs");
    write_fvecs(&vectors, &rows)?;
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "nan",
        "--create",
        "--batch",
        "10",
        "--from-fvecs",
        vectors.to_str().ok_or("path")?,
    ])?;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("row 15 (0-based): component 1 is NaN"),
        "{stderr}"
    );
    assert_eq!(count(&server, "nan")?, 10);

    let good = files.path().join("good.fvecs");
    write_fvecs(&good, &vec![vec![1.0_f32, 2.0]; 40])?;
    let payloads = files.path().join("payloads.jsonl");
    let lines: Vec<String> = (0..40)
        .map(|i| {
            if i == 24 {
                "[1, 2]".to_owned()
            } else {
                json!({"i": i}).to_string()
            }
        })
        .collect();
    std::fs::write(&payloads, lines.join("\n"))?;
    let out = plait(&[
        "import",
        "--url",
        &server.base,
        "--collection",
        "pay",
        "--create",
        "--batch",
        "10",
        "--from-fvecs",
        good.to_str().ok_or("path")?,
        "--payloads",
        payloads.to_str().ok_or("path")?,
    ])?;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 25 of"), "{stderr}");
    assert!(stderr.contains("not a JSON object"), "{stderr}");
    assert_eq!(count(&server, "pay")?, 20);
    Ok(())
}

/// The extended tier: the shared 65,000-point wordnet set (`PLAIT_DATASET`, by default
/// `../shared/data/wordnet-minilm-384`) imported from fvecs and texts into one server, then from
/// that server into another, every point compared. Runs only with `PLAIT_TRANSFER_SHARED=1`
/// (minutes: both servers index every point).
#[test]
fn the_shared_dataset_moves_between_servers_point_for_point() -> TestResult {
    if std::env::var_os("PLAIT_TRANSFER_SHARED").is_none() {
        return Ok(());
    }
    let dataset = std::env::var("PLAIT_DATASET").unwrap_or_else(|_| {
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../shared/data/wordnet-minilm-384"
        )
        .to_owned()
    });
    let (_a, source) = started()?;
    let (_b, target) = started()?;
    let out = plait(&[
        "import",
        "--url",
        &source.base,
        "--collection",
        "wn",
        "--create",
        "--from-fvecs",
        &format!("{dataset}/base.fvecs"),
        "--payloads",
        &format!("{dataset}/texts.jsonl"),
    ])?;
    succeeded(&out)?;
    assert!(
        text(&out.stdout).starts_with("imported 65000 points"),
        "{}",
        text(&out.stdout)
    );
    let out = plait(&[
        "import",
        "--url",
        &target.base,
        "--collection",
        "wn",
        "--create",
        "--from-qdrant",
        &source.base,
        "--source-collection",
        "wn",
    ])?;
    succeeded(&out)?;
    let (a, b) = (source.all_points("wn")?, target.all_points("wn")?);
    assert_eq!(a.len(), 65_000);
    // Cosine stores unit vectors; these are unit already, so the copy must match closely.
    assert_same_points(&a, &b)?;
    assert_eq!(
        a[64_999]["payload"]["word"],
        json!(a[64_999]["payload"]["word"])
    );
    assert!(a[0]["payload"]["text"].is_string());
    Ok(())
}
