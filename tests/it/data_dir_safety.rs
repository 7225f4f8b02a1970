//! The data directory is never destroyed on ambiguity: a missing manifest with collections present
//! refuses to start, and entries the manifest does not name are quarantined, not deleted.

use std::process::Command;

use plait::engine::{Engine, EngineError, EngineOptions};

use crate::engine_faults::reopen;
use crate::server::TestResult;

use crate::engine_faults::config;

#[test]
fn a_missing_manifest_with_collections_present_refuses_to_open_and_deletes_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = EngineOptions::new(dir.path().to_path_buf());
    {
        let engine = Engine::open(opts.clone())?;
        engine.create("kept", config())?;
        engine.shutdown();
    }
    std::fs::remove_file(dir.path().join("manifest.json"))?;
    match reopen(opts.clone()) {
        Err(EngineError::ManifestMissing { entries, .. }) => {
            assert_eq!(entries, vec!["kept".to_owned()]);
        }
        Err(e) => return Err(format!("expected ManifestMissing, got {e}").into()),
        Ok(_) => return Err("opened a data directory whose manifest is missing".into()),
    }
    assert!(dir.path().join("collections/kept/collection.json").exists());

    // The real binary exits with a message naming the problem, and still deletes nothing.
    let out = Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["serve", "--port", "0", "--data-dir"])
        .arg(dir.path())
        .env_remove("PLAIT_CONFIG")
        .output()?;
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("manifest.json is missing"), "{stderr}");
    assert!(dir.path().join("collections/kept/collection.json").exists());

    // An empty collections directory is a fresh start.
    let fresh = tempfile::tempdir()?;
    Engine::open(EngineOptions::new(fresh.path().to_path_buf()))?;
    Ok(())
}

#[test]
fn entries_the_manifest_does_not_name_are_quarantined_not_deleted() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = EngineOptions::new(dir.path().to_path_buf());
    {
        let engine = Engine::open(opts.clone())?;
        engine.create("named", config())?;
        engine.shutdown();
    }
    let stray = dir.path().join("collections/stray");
    std::fs::create_dir(&stray)?;
    std::fs::write(stray.join("precious.bin"), b"somebody's data")?;
    std::fs::write(dir.path().join("collections/loose-file"), b"more")?;
    let engine = reopen(opts)?;
    engine.recover_all();
    assert!(engine.collection("named").is_ok());
    assert!(!stray.exists());
    let quarantined: Vec<_> = std::fs::read_dir(dir.path().join("quarantine"))?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    assert_eq!(quarantined.len(), 2, "{quarantined:?}");
    let moved = quarantined
        .iter()
        .find(|p| {
            p.file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("stray."))
        })
        .ok_or("stray directory not in quarantine")?;
    assert_eq!(
        std::fs::read(moved.join("precious.bin"))?,
        b"somebody's data"
    );
    Ok(())
}
