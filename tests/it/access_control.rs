//! API keys and access tokens against the real server: the whole table of `docs/access.md`
//! (every route and every VelesQL statement kind, for each kind of credential), the table's
//! coverage of the OpenAPI document, refusing to listen beyond loopback without a key, and no
//! credential or payload in the logs of a full scenario at trace level.

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use reqwest::Method;
use reqwest::blocking::RequestBuilder;
use serde_json::{Value, json};

use crate::server::{TestResult, TestServer};

const ADMIN: &str = "admin-key-8f3c2a91d7";
const READ_ONLY: &str = "read-key-41b7e0c5aa";

fn token(claims: &Value) -> Result<String, Box<dyn std::error::Error>> {
    Ok(encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(ADMIN.as_bytes()),
    )?)
}

fn in_an_hour() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        + 3600
}

/// A column's label and its credential (`None`: no credential).
type Credentials = Vec<(&'static str, Option<String>)>;

/// The credentials of the table's columns, in its order.
fn credentials() -> Result<Credentials, Box<dyn std::error::Error>> {
    Ok(vec![
        ("admin", Some(ADMIN.to_owned())),
        ("read-only", Some(READ_ONLY.to_owned())),
        (
            "token rw on c",
            Some(token(
                &json!({"access": [{"collection": "c", "access": "rw"}], "exp": in_an_hour()}),
            )?),
        ),
        (
            "token r on c",
            Some(token(
                &json!({"access": [{"collection": "c", "access": "r"}], "exp": in_an_hour()}),
            )?),
        ),
        ("none", None),
    ])
}

fn with_credential(
    builder: RequestBuilder,
    credential: Option<&str>,
    bearer: bool,
) -> RequestBuilder {
    match credential {
        Some(c) if bearer => builder.bearer_auth(c),
        Some(c) => builder.header("api-key", c),
        None => builder,
    }
}

/// The rows of the markdown table that follows `heading` in docs/access.md: the cells of each.
fn table(heading: &str) -> Result<Vec<Vec<String>>, Box<dyn std::error::Error>> {
    let text =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/access.md"))?;
    let after = text.split_once(heading).ok_or("heading missing")?.1;
    Ok(after
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().trim_matches('`').to_owned())
                .collect()
        })
        .collect())
}

fn start(extra: &[&str]) -> Result<(TestServer, tempfile::TempDir), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let mut args = vec!["--api-key", ADMIN, "--read-only-api-key", READ_ONLY];
    args.extend_from_slice(extra);
    let server = TestServer::start_in(dir.path(), &args)?;
    Ok((server, dir))
}

/// A server with keys, ready, holding the collection `c` (2 dimensions, cosine).
fn start_with_c(
    extra: &[&str],
) -> Result<(TestServer, tempfile::TempDir), Box<dyn std::error::Error>> {
    let (server, dir) = start(extra)?;
    server.wait_ready()?;
    admin_put(
        &server,
        "/collections/c",
        &json!({"vectors": {"size": 2, "distance": "Cosine"}}),
    )?;
    Ok((server, dir))
}

fn admin_put(server: &TestServer, path: &str, body: &Value) -> TestResult {
    let r = server
        .client
        .put(server.url(path))
        .header("api-key", ADMIN)
        .json(body)
        .send()?;
    if !r.status().is_success() {
        return Err(format!("PUT {path}: {} {}", r.status(), r.text()?).into());
    }
    Ok(())
}

#[test]
fn every_route_of_the_access_table_answers_as_the_table_says() -> TestResult {
    let (server, _dir) = start_with_c(&[])?;
    let rows = table("## Routes")?;
    let credentials = credentials()?;
    let mut wrong = Vec::new();
    for (n, row) in rows.iter().enumerate() {
        let [method, route, expected @ ..] = row.as_slice() else {
            return Err(format!("row {n} has too few cells: {row:?}").into());
        };
        let path = route
            .replace("{name}", "c")
            .replace("{id}", "1")
            .replace("{field_name}", "tag")
            .replace("{snapshot}", "none.snapshot");
        let method = Method::from_bytes(method.as_bytes())?;
        // The admin goes last: its request may change what the others would see.
        for ((label, credential), allowed) in credentials.iter().zip(expected).rev() {
            let builder = server
                .client
                .request(method.clone(), server.url(&path))
                .header("content-type", "application/json")
                .body("{}");
            let bearer = n % 2 == 0;
            let status = with_credential(builder, credential.as_deref(), bearer)
                .send()?
                .status();
            let refused = status == 401 || status == 403;
            let ok = match allowed.as_str() {
                "yes" => !refused,
                "no" => refused && (credential.is_some() || status == 401),
                other => return Err(format!("cell {other:?} in row {row:?}").into()),
            };
            if !ok {
                wrong.push(format!(
                    "{method} {path} with {label}: {status}, table says {allowed}"
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "answers that differ from docs/access.md:\n{}",
        wrong.join("\n")
    );
    Ok(())
}

#[test]
fn the_access_table_lists_every_operation_of_the_openapi_document_once() -> TestResult {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("openapi/openapi.json"),
    )?)?;
    let mut operations: Vec<String> = doc["paths"]
        .as_object()
        .ok_or("no paths")?
        .iter()
        .flat_map(|(path, ops)| {
            ops.as_object()
                .into_iter()
                .flat_map(|o| o.keys())
                .map(move |m| format!("{} {path}", m.to_uppercase()))
        })
        .collect();
    let mut rows: Vec<String> = table("## Routes")?
        .iter()
        .map(|r| format!("{} {}", r[0], r[1]))
        .collect();
    operations.sort();
    rows.sort();
    assert_eq!(rows, operations);
    // Every route some credential is refused declares 401 and 403 for generated clients; the
    // open ones declare neither.
    for row in table("## Routes")? {
        let declared = crate::openapi_document::declared(&doc, &row[0], &row[1]);
        let guarded = row[2..].iter().any(|c| c == "no");
        for status in ["401", "403"] {
            assert_eq!(
                declared.contains(status),
                guarded,
                "{} {} and {status}",
                row[0],
                row[1]
            );
        }
    }
    Ok(())
}

#[test]
fn every_statement_of_the_velesql_table_is_allowed_or_refused_as_it_says() -> TestResult {
    let credentials = credentials()?;
    let rows = table("## VelesQL statements")?;
    let mut wrong = Vec::new();
    for row in &rows {
        let [statement, expected @ ..] = row.as_slice() else {
            return Err(format!("short row {row:?}").into());
        };
        for ((label, credential), allowed) in credentials.iter().zip(expected) {
            // A fresh server each time, so an allowed write or schema change cannot change
            // what the next credential sees.
            let (server, _dir) = start_with_c(&[])?;
            admin_put(
                &server,
                "/collections/other",
                &json!({"vectors": {"size": 2, "distance": "Cosine"}}),
            )?;
            let builder = server
                .client
                .post(server.url("/query"))
                .json(&json!({"query": statement}));
            let response = with_credential(builder, credential.as_deref(), false).send()?;
            let status = response.status();
            let refused = status == 401 || status == 403;
            let ok = if allowed == "yes" {
                status.is_success()
            } else {
                refused
            };
            if !ok {
                wrong.push(format!(
                    "{statement} with {label}: {status} {}",
                    response.text()?
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "statements answered against docs/access.md:\n{}",
        wrong.join("\n")
    );
    Ok(())
}

#[test]
fn a_request_mixing_an_allowed_read_with_a_forbidden_write_changes_nothing() -> TestResult {
    let (server, _dir) = start_with_c(&[])?;
    let r = server
        .client
        .post(server.url("/query"))
        .header("api-key", READ_ONLY)
        .json(&json!({"query": "SELECT id FROM c LIMIT 1; UPSERT INTO c (id, vector) VALUES (1, [1, 0])"}))
        .send()?;
    assert_eq!(r.status(), 403);
    let body: Value = r.json()?;
    assert!(
        body["status"]["error"]
            .as_str()
            .unwrap_or("")
            .contains("statement 2"),
        "{body}"
    );
    let count: Value = server
        .client
        .post(server.url("/collections/c/points/count"))
        .header("api-key", ADMIN)
        .json(&json!({"exact": true}))
        .send()?
        .json()?;
    assert_eq!(count["result"]["count"], 0);
    Ok(())
}

#[test]
fn tokens_that_are_forged_expired_or_unenforceable_get_401_and_aliases_reach_scoped_collections()
-> TestResult {
    let (server, _dir) = start_with_c(&[])?;
    let r = server
        .client
        .post(server.url("/collections/aliases"))
        .header("api-key", ADMIN)
        .json(&json!({"actions": [{"create_alias": {"collection_name": "c", "alias_name": "a"}}]}))
        .send()?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let forged = encode(
        &Header::new(Algorithm::HS256),
        &json!({"access": "m"}),
        &EncodingKey::from_secret(b"not-the-admin-key"),
    )?;
    let expired = token(&json!({"access": "m", "exp": 1_000_000}))?;
    let value_exists = token(&json!({"access": "m", "value_exists": {"collection": "c"}}))?;
    for (bad, message) in [
        (forged.as_str(), "not valid"),
        (expired.as_str(), "expired"),
        (value_exists.as_str(), "value_exists"),
        ("wrong-key", "not valid"),
    ] {
        let r = server
            .client
            .get(server.url("/collections/c"))
            .bearer_auth(bad)
            .send()?;
        assert_eq!(r.status(), 401);
        assert_eq!(
            r.headers().get("www-authenticate").map(|v| v.as_bytes()),
            Some(&b"Bearer"[..])
        );
        let text = r.text()?;
        assert!(text.contains(message), "{text}");
        assert!(
            !text.contains(bad),
            "the answer echoes the credential: {text}"
        );
    }
    let scoped = token(&json!({"access": [{"collection": "c", "access": "r"}]}))?;
    let through_alias = server
        .client
        .get(server.url("/collections/a"))
        .bearer_auth(&scoped)
        .send()?;
    assert_eq!(through_alias.status(), 200);
    let other = server
        .client
        .get(server.url("/collections/b"))
        .bearer_auth(&scoped)
        .send()?;
    assert_eq!(other.status(), 403);
    // Health probes never need a key.
    assert_eq!(server.get("/readyz")?.status(), 200);
    Ok(())
}

#[test]
fn metrics_and_docs_open_only_when_configured() -> TestResult {
    let (closed, _d1) = start(&[])?;
    assert_eq!(closed.get("/metrics")?.status(), 401);
    assert_eq!(closed.get("/openapi.json")?.status(), 401);
    let (open, _d2) = start(&["--open-metrics", "--open-docs"])?;
    assert_eq!(open.get("/metrics")?.status(), 200);
    assert_eq!(open.get("/openapi.json")?.status(), 200);
    assert_eq!(open.get("/docs")?.status(), 200);
    assert_eq!(open.get("/collections")?.status(), 401);
    Ok(())
}

#[test]
fn without_a_key_the_server_refuses_a_non_loopback_address_unless_told() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["serve", "--host", "0.0.0.0", "--port", "0"])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("PLAIT_API_KEY")
        .env_remove("PLAIT_CONFIG")
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0 without an API key"),
        "{stderr}"
    );
    assert!(
        !dir.path().join("collections").exists() || std::fs::read_dir(dir.path())?.count() == 0
    );

    let mut allowed = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
        .args([
            "serve",
            "--host",
            "0.0.0.0",
            "--port",
            "0",
            "--allow-unauthenticated",
        ])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("PLAIT_API_KEY")
        .env_remove("PLAIT_CONFIG")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    let stderr = allowed.stderr.take().ok_or("no stderr")?;
    let mut seen = Vec::new();
    for line in std::io::BufRead::lines(std::io::BufReader::new(stderr)) {
        let line = line?;
        let listening = line.contains("plait listening");
        seen.push(line);
        if listening {
            break;
        }
    }
    allowed.kill()?;
    allowed.wait()?;
    let log = seen.join("\n");
    assert!(log.contains("plait listening"), "{log}");
    assert!(log.contains("WITHOUT authentication"), "{log}");
    Ok(())
}

#[test]
fn no_key_token_or_payload_reaches_the_logs_even_at_trace_level() -> TestResult {
    let (server, _dir) = start_with_c(&["--log-level", "trace"])?;
    let marker = "payload-marker-5d1e9b";
    let scoped = token(&json!({"access": [{"collection": "c", "access": "rw"}]}))?;
    let r = server
        .client
        .put(server.url("/collections/c/points?wait=true"))
        .bearer_auth(&scoped)
        .json(&json!({"points": [{"id": 1, "vector": [1.0, 0.0], "payload": {"secret": marker}}]}))
        .send()?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    let r = server
        .client
        .post(server.url("/collections/c/points/query"))
        .header("api-key", READ_ONLY)
        .json(&json!({"query": [1.0, 0.0], "with_payload": true}))
        .send()?;
    assert!(r.text()?.contains(marker));
    let _ = server
        .client
        .get(server.url("/collections/c"))
        .header("api-key", "wrong-guess-key")
        .send()?;
    let _ = server
        .client
        .post(server.url("/query"))
        .header("api-key", READ_ONLY)
        .json(&json!({"query": format!("UPSERT INTO c (id, vector, secret) VALUES (2, [0, 1], '{marker}')")}))
        .send()?;
    let metrics = server
        .client
        .get(server.url("/metrics"))
        .header("api-key", ADMIN)
        .send()?
        .text()?;
    let log = server.log_text();
    assert!(
        log.len() > 1000,
        "the trace log is too short to mean anything"
    );
    for secret in [ADMIN, READ_ONLY, scoped.as_str(), "wrong-guess-key", marker] {
        assert!(!log.contains(secret), "the log holds {secret}");
        assert!(!metrics.contains(secret), "the metrics hold {secret}");
    }
    Ok(())
}

#[test]
fn python_qdrant_client_with_api_keys_and_a_token() -> TestResult {
    let (server, _dir) = start(&[])?;
    server.wait_ready()?;
    let scoped = token(&json!({"access": [{"collection": "scoped", "access": "rw"}]}))?;
    let root = env!("CARGO_MANIFEST_DIR");
    let out = std::process::Command::new("bash")
        .arg(format!("{root}/tests/qdrant_client/run.sh"))
        .arg("api_keys.py")
        .env("QDRANT_URL", &server.base)
        .env("PLAIT_ADMIN_KEY", ADMIN)
        .env("PLAIT_READ_KEY", READ_ONLY)
        .env("PLAIT_TOKEN", &scoped)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout:\n{stdout}\nstderr:\n{stderr}");
    assert!(stdout.contains("ALL CHECKS PASSED"), "{stdout}");
    Ok(())
}
