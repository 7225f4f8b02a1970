//! The Python `qdrant-client` from PyPI, unchanged, against the real server. The script
//! `tests/qdrant_client/run.sh` installs it into `.venv-qdrant` (idempotently) and drives it.

use std::process::Command;

use crate::server::{TestResult, TestServer};

#[test]
fn python_qdrant_client_works_unchanged() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/tests/qdrant_client/run.sh"))
        .env("QDRANT_URL", &s.base)
        .env("PLAIT_SNAPSHOTS_DIR", dir.path().join("snapshots"))
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "qdrant-client scenario failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(stdout.contains("ALL CHECKS PASSED"), "{stdout}");
    assert!(
        !stderr.contains("incompatible"),
        "client warned about the version: {stderr}"
    );
    Ok(())
}
