//! Runs a client scenario script (which installs its pinned client on first use) against a fresh
//! real server, and fails with the script's output.

use std::process::Command;

use crate::server::{TestResult, TestServer};

/// Runs `tests/<script>` with `QDRANT_URL` pointing at a new server; the script must exit 0 and
/// print `ALL CHECKS PASSED`.
pub fn run_scenario(script: &str) -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let root = env!("CARGO_MANIFEST_DIR");
    let out = Command::new("bash")
        .arg(format!("{root}/tests/{script}"))
        .env("QDRANT_URL", &s.base)
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("ALL CHECKS PASSED"),
        "{script} failed\nstdout:\n{stdout}\nstderr:\n{stderr}\nserver log:\n{}",
        s.log_text()
    );
    Ok(())
}
