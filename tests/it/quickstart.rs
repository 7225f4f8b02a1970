//! The curl quickstart in README.md, run as written against a real server (only the address is
//! substituted).

use std::process::Command;

use crate::server::{TestResult, TestServer};

#[test]
fn readme_quickstart_runs_as_written() -> TestResult {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))?;
    let start = readme
        .find("<!-- quickstart:start -->")
        .ok_or("quickstart start marker missing")?;
    let end = readme
        .find("<!-- quickstart:end -->")
        .ok_or("quickstart end marker missing")?;
    let block = &readme[start..end];
    let script: String = block
        .split("```bash")
        .skip(1)
        .filter_map(|chunk| chunk.split("```").next())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        script.contains("curl"),
        "no curl commands found in the quickstart"
    );
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    let script = script.replace("http://localhost:8080", &s.base);
    let out = Command::new("bash")
        .arg("-euo")
        .arg("pipefail")
        .arg("-c")
        .arg(format!("set -x\n{script}"))
        .output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "quickstart failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    // Every response in the quickstart is a success envelope.
    for line in stdout.lines().filter(|l| l.starts_with('{')) {
        let v: serde_json::Value = serde_json::from_str(line)?;
        assert_eq!(v["status"], "ok", "{line}");
    }
    assert!(
        stdout.contains("\"score\""),
        "the quickstart search printed no hits:\n{stdout}"
    );
    Ok(())
}
