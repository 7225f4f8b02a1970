//! Collection aliases, in Qdrant's shapes: `POST /collections/aliases` applies its actions in
//! order, all or none; `GET /aliases` and `GET /collections/{name}/aliases` list them; every route
//! that takes a collection name takes an alias. Aliases are durable (`kill -9` right after the
//! answer, a power cut at every sync of the change), are dropped with their collection, and a
//! damaged alias file stops start-up instead of being ignored.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use plait::engine::{AliasAction, Engine, EngineError, EngineOptions};
use plait::storage::fs::PowerCutFs;
use serde_json::{Value, json};

use crate::engine_faults::{config, reopen};
use crate::server::{TestResult, TestServer};

fn change(s: &TestServer, actions: &Value) -> Result<(u16, Value), Box<dyn std::error::Error>> {
    let r = s.post_json("/collections/aliases", &json!({ "actions": actions }))?;
    let status = r.status().as_u16();
    Ok((status, r.json()?))
}

fn create_alias(collection: &str, alias: &str) -> Value {
    json!({"create_alias": {"collection_name": collection, "alias_name": alias}})
}

fn delete_alias(alias: &str) -> Value {
    json!({"delete_alias": {"alias_name": alias}})
}

fn rename_alias(from: &str, to: &str) -> Value {
    json!({"rename_alias": {"old_alias_name": from, "new_alias_name": to}})
}

/// `(alias, collection)` pairs of a listing.
fn listed(s: &TestServer, path: &str) -> Result<Vec<(String, String)>, Box<dyn std::error::Error>> {
    let r = s.get(path)?;
    if r.status() != 200 {
        return Err(format!("GET {path}: {} {}", r.status(), r.text()?).into());
    }
    let body: Value = r.json()?;
    let aliases = body["result"]["aliases"].as_array().ok_or("no aliases")?;
    Ok(aliases
        .iter()
        .map(|a| {
            (
                a["alias_name"].as_str().unwrap_or("?").to_owned(),
                a["collection_name"].as_str().unwrap_or("?").to_owned(),
            )
        })
        .collect())
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, c)| ((*a).to_owned(), (*c).to_owned()))
        .collect()
}

fn started() -> Result<(tempfile::TempDir, TestServer), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    Ok((dir, s))
}

#[test]
fn aliases_are_created_listed_renamed_and_deleted() -> TestResult {
    let (_dir, s) = started()?;
    s.create_collection("a", 2, "Dot")?;
    s.create_collection("b", 2, "Dot")?;
    let (status, body) = change(
        &s,
        &json!([
            create_alias("a", "x"),
            create_alias("a", "y"),
            create_alias("b", "z")
        ]),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["result"], true, "{body}");
    assert_eq!(body["status"], "ok", "{body}");
    assert!(body["time"].is_number(), "{body}");
    assert_eq!(
        listed(&s, "/aliases")?,
        pairs(&[("x", "a"), ("y", "a"), ("z", "b")])
    );
    assert_eq!(
        listed(&s, "/collections/a/aliases")?,
        pairs(&[("x", "a"), ("y", "a")])
    );
    // Through an alias, the listing is that of its collection.
    assert_eq!(listed(&s, "/collections/z/aliases")?, pairs(&[("z", "b")]));

    // Rename, delete, and re-point an existing alias with create_alias (Qdrant does the same).
    let (status, body) = change(
        &s,
        &json!([
            rename_alias("y", "w"),
            delete_alias("z"),
            create_alias("b", "x")
        ]),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(listed(&s, "/aliases")?, pairs(&[("w", "a"), ("x", "b")]));
    // Deleting an alias that does not exist changes nothing and is not an error, as in Qdrant
    // (clients switch with delete + create before the alias first exists).
    let (status, body) = change(
        &s,
        &json!([delete_alias("never"), create_alias("a", "new")]),
    )?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        listed(&s, "/aliases")?,
        pairs(&[("new", "a"), ("w", "a"), ("x", "b")])
    );
    assert_eq!(listed(&s, "/collections/b/aliases")?, pairs(&[("x", "b")]));
    assert_eq!(
        s.get("/collections/missing/aliases")?.status().as_u16(),
        404
    );
    Ok(())
}

#[test]
fn every_collection_route_accepts_an_alias() -> TestResult {
    let (_dir, s) = started()?;
    s.create_collection("target", 2, "Dot")?;
    s.create_collection("other", 2, "Dot")?;
    let (status, body) = change(&s, &json!([create_alias("target", "live")]))?;
    assert_eq!(status, 200, "{body}");

    let ok = |method: &str, path: &str, body: Option<Value>| -> Result<Value, String> {
        let url = s.url(path);
        let request = match method {
            "GET" => s.client.get(url),
            "PUT" => s.client.put(url),
            _ => s.client.post(url),
        };
        let request = match body {
            Some(b) => request.json(&b),
            None => request,
        };
        let r = request.send().map_err(|e| e.to_string())?;
        let status = r.status();
        let text = r.text().map_err(|e| e.to_string())?;
        if status != 200 {
            return Err(format!("{method} {path}: {status} {text}"));
        }
        serde_json::from_str(&text).map_err(|e| e.to_string())
    };
    ok(
        "PUT",
        "/collections/live/points?wait=true",
        Some(json!({"points": [
            {"id": 1, "vector": [1, 0], "payload": {"k": "a"}},
            {"id": 2, "vector": [0, 1], "payload": {"k": "b"}},
        ]})),
    )?;
    // The points went into the collection itself, not into something named `live`.
    let info = ok("GET", "/collections/target", None)?;
    assert_eq!(info["result"]["points_count"], 2, "{info}");
    let info = ok("GET", "/collections/live", None)?;
    assert_eq!(info["result"]["points_count"], 2, "{info}");
    assert!(
        info["result"]["plait"]["disk_bytes"].as_u64() > Some(0),
        "{info}"
    );
    assert_eq!(
        ok("GET", "/collections/live/exists", None)?["result"]["exists"],
        true
    );
    let hits = ok(
        "POST",
        "/collections/live/points/search",
        Some(json!({"vector": [1, 0], "limit": 1})),
    )?;
    assert_eq!(hits["result"][0]["id"], 1, "{hits}");
    let hits = ok(
        "POST",
        "/collections/live/points/query",
        Some(json!({"query": [0, 1], "limit": 1})),
    )?;
    assert_eq!(hits["result"]["points"][0]["id"], 2, "{hits}");
    let page = ok(
        "POST",
        "/collections/live/points/scroll",
        Some(json!({"limit": 10})),
    )?;
    assert_eq!(
        page["result"]["points"].as_array().map(Vec::len),
        Some(2),
        "{page}"
    );
    let count = ok("POST", "/collections/live/points/count", Some(json!({})))?;
    assert_eq!(count["result"]["count"], 2, "{count}");
    ok(
        "POST",
        "/collections/live/points/payload?wait=true",
        Some(json!({"payload": {"seen": true}, "points": [1]})),
    )?;
    let point = ok("GET", "/collections/target/points/1", None)?;
    assert_eq!(point["result"]["payload"]["seen"], true, "{point}");
    ok(
        "PUT",
        "/collections/live/index?wait=true",
        Some(json!({"field_name": "k", "field_schema": "keyword"})),
    )?;
    ok("GET", "/collections/live/index/k", None)?;
    let facet = ok("POST", "/collections/live/facet", Some(json!({"key": "k"})))?;
    assert_eq!(
        facet["result"]["hits"].as_array().map(Vec::len),
        Some(2),
        "{facet}"
    );
    ok(
        "POST",
        "/collections/live/points/delete?wait=true",
        Some(json!({"points": [2]})),
    )?;
    let count = ok("POST", "/collections/target/points/count", Some(json!({})))?;
    assert_eq!(count["result"]["count"], 1, "{count}");
    let other = ok("POST", "/collections/other/points/count", Some(json!({})))?;
    assert_eq!(other["result"]["count"], 0, "{other}");

    // Deleting by an alias name deletes nothing: the alias is not a collection (Qdrant answers
    // the same), so a client dropping "its" collection never drops the one an alias names.
    let r = s.client.delete(s.url("/collections/live")).send()?;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>()?["result"], false);
    assert_eq!(listed(&s, "/aliases")?, pairs(&[("live", "target")]));
    let count = ok("POST", "/collections/live/points/count", Some(json!({})))?;
    assert_eq!(count["result"]["count"], 1, "{count}");
    Ok(())
}

#[test]
fn a_switch_in_one_request_never_leaves_the_alias_missing() -> TestResult {
    let (_dir, s) = started()?;
    for (name, id) in [("blue", 1), ("green", 2)] {
        s.create_collection(name, 2, "Dot")?;
        let r = s.put_json(
            &format!("/collections/{name}/points?wait=true"),
            &json!({"points": [{"id": id, "vector": [1, 0]}]}),
        )?;
        assert_eq!(r.status(), 200);
    }
    let (status, body) = change(&s, &json!([create_alias("blue", "prod")]))?;
    assert_eq!(status, 200, "{body}");

    let done = AtomicBool::new(false);
    let reads = AtomicUsize::new(0);
    let seen = [AtomicUsize::new(0), AtomicUsize::new(0)];
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| -> TestResult {
        for _ in 0..2 {
            scope.spawn(|| {
                while !done.load(Ordering::SeqCst) {
                    let r = s.post_json(
                        "/collections/prod/points/query",
                        &json!({"query": [1, 0], "limit": 1}),
                    );
                    let outcome = r.map_err(|e| e.to_string()).and_then(|r| {
                        let status = r.status();
                        let body: Value = r.json().map_err(|e| e.to_string())?;
                        if status == 200 {
                            Ok(body["result"]["points"][0]["id"].as_u64())
                        } else {
                            Err(format!("{status} {body}"))
                        }
                    });
                    reads.fetch_add(1, Ordering::SeqCst);
                    match outcome {
                        Ok(Some(id @ (1 | 2))) => {
                            seen[usize::try_from(id - 1).unwrap_or(0)]
                                .fetch_add(1, Ordering::SeqCst);
                        }
                        other => {
                            if let Ok(mut f) = failures.lock() {
                                f.push(format!("{other:?}"));
                            }
                        }
                    }
                }
            });
        }
        let result = (0..200).try_for_each(|i| -> TestResult {
            let to = if i % 2 == 0 { "green" } else { "blue" };
            let (status, body) =
                change(&s, &json!([delete_alias("prod"), create_alias(to, "prod")]))?;
            if status != 200 {
                return Err(format!("switch {i}: {status} {body}").into());
            }
            Ok(())
        });
        done.store(true, Ordering::SeqCst);
        result
    })?;
    let failures = failures.lock().map_err(|_| "poisoned")?;
    assert!(
        failures.is_empty(),
        "{} of {} reads through the alias failed during the switches, first: {}",
        failures.len(),
        reads.load(Ordering::SeqCst),
        failures[0]
    );
    // Both collections answered through the alias, so the readers did overlap the switches.
    assert!(
        seen.iter().all(|n| n.load(Ordering::SeqCst) > 0),
        "reads saw blue {} and green {} times",
        seen[0].load(Ordering::SeqCst),
        seen[1].load(Ordering::SeqCst)
    );
    assert_eq!(listed(&s, "/aliases")?, pairs(&[("prod", "blue")]));
    Ok(())
}

#[test]
fn aliases_survive_kill_9_right_after_the_answer_and_a_restart() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("a", 2, "Dot")?;
    s.create_collection("b", 2, "Dot")?;
    s.upsert_rows("b", &[vec![1.0, 0.0]], 7)?;
    let (status, body) = change(&s, &json!([create_alias("a", "x"), create_alias("a", "y")]))?;
    assert_eq!(status, 200, "{body}");
    let (status, body) = change(&s, &json!([delete_alias("x"), create_alias("b", "x")]))?;
    assert_eq!(status, 200, "{body}");
    s.kill9()?;

    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(listed(&s, "/aliases")?, pairs(&[("x", "b"), ("y", "a")]));
    let hits: Value = s
        .post_json(
            "/collections/x/points/query",
            &json!({"query": [1, 0], "limit": 1}),
        )?
        .json()?;
    assert_eq!(hits["result"]["points"][0]["id"], 7, "{hits}");
    let (status, body) = change(&s, &json!([rename_alias("y", "z")]))?;
    assert_eq!(status, 200, "{body}");
    let exit = s.terminate()?;
    assert!(exit.success(), "{exit}");

    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(listed(&s, "/aliases")?, pairs(&[("x", "b"), ("z", "a")]));
    Ok(())
}

#[test]
fn dropping_a_collection_drops_its_aliases() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("a", 2, "Dot")?;
    s.create_collection("b", 2, "Dot")?;
    let (status, body) = change(&s, &json!([create_alias("a", "x"), create_alias("b", "y")]))?;
    assert_eq!(status, 200, "{body}");
    let r = s.client.delete(s.url("/collections/a")).send()?;
    assert_eq!(r.json::<Value>()?["result"], true);
    assert_eq!(listed(&s, "/aliases")?, pairs(&[("y", "b")]));
    assert_eq!(s.get("/collections/x")?.status().as_u16(), 404);
    // A new collection of the old name does not inherit the dropped alias.
    s.create_collection("a", 2, "Dot")?;
    assert_eq!(listed(&s, "/collections/a/aliases")?, pairs(&[]));
    // The name the alias freed can now be a collection.
    s.create_collection("x", 2, "Dot")?;
    s.kill9()?;

    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    assert_eq!(listed(&s, "/aliases")?, pairs(&[("y", "b")]));
    Ok(())
}

#[test]
fn conflicts_and_bad_changes_are_refused_and_change_nothing() -> TestResult {
    let (_dir, s) = started()?;
    s.create_collection("a", 2, "Dot")?;
    s.create_collection("b", 2, "Dot")?;
    let (status, body) = change(&s, &json!([create_alias("a", "x")]))?;
    assert_eq!(status, 200, "{body}");
    let before = listed(&s, "/aliases")?;

    let long = "n".repeat(129);
    let cases: Vec<(Value, u16, &str)> = vec![
        // An alias may not take a collection's name, by create or by rename.
        (json!([create_alias("a", "b")]), 409, "collection"),
        (json!([rename_alias("x", "b")]), 409, "collection"),
        // The target must be a collection, not a missing name or another alias.
        (json!([create_alias("missing", "y")]), 404, "missing"),
        (json!([create_alias("x", "y")]), 404, "`x`"),
        (json!([rename_alias("nope", "y")]), 404, "nope"),
        // Alias names follow collection names' rules.
        (json!([create_alias("a", "-y")]), 422, "alias"),
        (json!([create_alias("a", "a/b")]), 422, "alias"),
        (json!([create_alias("a", "")]), 422, "alias"),
        (json!([create_alias("a", &long)]), 422, "alias"),
        (json!([delete_alias("..")]), 422, "alias"),
        // All or none: the valid actions before a failing one are not applied.
        (
            json!([
                delete_alias("x"),
                create_alias("b", "y"),
                create_alias("missing", "z")
            ]),
            404,
            "missing",
        ),
        // Shapes Qdrant would not accept either.
        (
            json!([{"frobnicate_alias": {"alias_name": "y"}}]),
            400,
            "Format error",
        ),
        (
            json!([{"create_alias": {"alias_name": "y"}}]),
            400,
            "collection_name",
        ),
        (json!("create_alias"), 400, "Format error"),
    ];
    for (actions, want, says) in cases {
        let (status, body) = change(&s, &actions)?;
        let message = body["status"]["error"].as_str().unwrap_or_default();
        assert_eq!(status, want, "{actions}: {body}");
        assert!(message.contains(says), "{actions}: {message}");
        assert_eq!(
            listed(&s, "/aliases")?,
            before,
            "{actions} changed the aliases"
        );
    }
    let r = s.post_json(
        "/collections/aliases?timeout=0",
        &json!({"actions": [create_alias("a", "y")]}),
    )?;
    assert_eq!(r.status(), 422);
    let r = s
        .client
        .post(s.url("/collections/aliases"))
        .body(r#"{"actions": []}"#)
        .send()?;
    assert_eq!(r.status(), 415);
    assert_eq!(listed(&s, "/aliases")?, before);
    let r = s.post_json(
        "/collections/aliases?timeout=5",
        &json!({"actions": [create_alias("a", "y")]}),
    )?;
    assert_eq!(r.status(), 200);

    // A collection may not take an alias's name.
    let r = s.put_json(
        "/collections/x",
        &json!({"vectors": {"size": 2, "distance": "Dot"}}),
    )?;
    assert_eq!(r.status(), 409);
    let body: Value = r.json()?;
    assert!(
        body["status"]["error"]
            .as_str()
            .is_some_and(|m| m.contains("alias of collection `a`")),
        "{body}"
    );
    Ok(())
}

#[test]
fn the_aliases_and_the_actions_of_a_request_are_bounded() -> TestResult {
    const MAX: usize = plait::engine::aliases::MAX_ALIASES;
    let (_dir, s) = started()?;
    s.create_collection("a", 2, "Dot")?;
    let too_many: Vec<Value> = (0..=MAX).map(|i| delete_alias(&format!("x{i}"))).collect();
    let (status, body) = change(&s, &Value::Array(too_many))?;
    assert_eq!(status, 422, "{body}");
    let at_cap: Vec<Value> = (0..MAX)
        .map(|i| create_alias("a", &format!("x{i}")))
        .collect();
    let (status, body) = change(&s, &Value::Array(at_cap))?;
    assert_eq!(status, 200, "{body}");
    assert_eq!(listed(&s, "/aliases")?.len(), MAX);
    let (status, body) = change(&s, &json!([create_alias("a", "one-more")]))?;
    assert_eq!(status, 422, "{body}");
    // Re-pointing at the cap adds nothing, so it is allowed.
    let (status, body) = change(&s, &json!([delete_alias("x0"), create_alias("a", "x0")]))?;
    assert_eq!(status, 200, "{body}");
    Ok(())
}

#[test]
fn a_damaged_alias_file_stops_start_up_and_is_kept() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = EngineOptions::new(dir.path().to_path_buf());
    let file = dir.path().join("aliases.json");
    {
        let engine = Engine::open(opts.clone())?;
        engine.create("a", config())?;
        // A data directory that never had an alias has no alias file: older directories look
        // exactly like this and must open as before.
        assert!(!file.exists());
        engine.shutdown();
    }
    {
        let engine = reopen(opts.clone())?;
        engine.recover_all();
        assert!(engine.collection("a").is_ok());
        assert!(engine.aliases().is_empty());
        engine.update_aliases(&[AliasAction::Create {
            alias: "x".into(),
            collection: "a".into(),
        }])?;
        engine.shutdown();
    }
    let good = std::fs::read(&file)?;
    let damaged = &good[..good.len() / 2];
    std::fs::write(&file, damaged)?;
    match reopen(opts.clone()) {
        Err(EngineError::AliasesUnreadable { path, .. }) => assert_eq!(path, file),
        Err(e) => return Err(format!("expected AliasesUnreadable, got {e}").into()),
        Ok(_) => return Err("opened a data directory whose alias file is damaged".into()),
    }

    // The real binary exits with a message naming the file, and leaves it as it was.
    let out = Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .env_remove("PLAIT_CONFIG")
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("aliases.json") && stderr.contains("alias file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&file)?, damaged);

    // Restored from a backup, the directory opens with its aliases.
    std::fs::write(&file, &good)?;
    let engine = reopen(opts)?;
    assert_eq!(engine.aliases(), [("x".to_owned(), "a".to_owned())]);
    Ok(())
}

/// A power cut at each sync of an alias change (and after it): the table afterwards is the old
/// one or the new one, never a mix or a damaged file, and the new one whenever the change was
/// acknowledged.
#[test]
fn a_power_cut_during_an_alias_change_keeps_the_old_or_the_new_table() -> TestResult {
    let old = vec![("x".to_owned(), "a".to_owned())];
    let new = vec![
        ("x".to_owned(), "b".to_owned()),
        ("y".to_owned(), "b".to_owned()),
    ];
    for (cut_at, scramble) in
        [1, 2, 3, 1, 2, 3]
            .into_iter()
            .zip([None, None, None, Some(7), Some(11), Some(13)])
    {
        let dir = tempfile::tempdir()?;
        let opts = EngineOptions::new(dir.path().to_path_buf());
        {
            let engine = Engine::open(opts.clone())?;
            engine.create("a", config())?;
            engine.create("b", config())?;
            engine.update_aliases(&[AliasAction::Create {
                alias: "x".into(),
                collection: "a".into(),
            }])?;
            engine.shutdown();
        }
        let fs = PowerCutFs::new(dir.path())?;
        fs.cut_at_sync(cut_at, scramble);
        let acknowledged = {
            let engine = Engine::open_with_fs(opts.clone(), Arc::new(fs.clone()))?;
            let result = engine.update_aliases(&[
                AliasAction::Delete { alias: "x".into() },
                AliasAction::Create {
                    alias: "x".into(),
                    collection: "b".into(),
                },
                AliasAction::Create {
                    alias: "y".into(),
                    collection: "b".into(),
                },
            ]);
            fs.cut_power(scramble)?;
            result.is_ok()
        };
        let engine = reopen(opts)?;
        let after = engine.aliases();
        if acknowledged {
            assert_eq!(
                after, new,
                "cut at sync {cut_at}: an acknowledged change was lost"
            );
        } else {
            assert!(
                after == old || after == new,
                "cut at sync {cut_at}: {after:?}"
            );
        }
    }
    Ok(())
}
