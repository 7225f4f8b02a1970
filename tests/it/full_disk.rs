//! A real full disk: the data directory is a size-limited tmpfs mount (root can mount one). Filling
//! it makes writes answer 507, never 503; once the filler is gone, writes succeed again without a
//! restart; and after a `kill -9` every acknowledged write is there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;

use crate::server::{TestResult, TestServer};

const DIM: usize = 64;
const BATCH: u64 = 50;

/// A tmpfs mounted for the length of a test.
struct Tmpfs {
    dir: tempfile::TempDir,
}

impl Tmpfs {
    /// Mounts a tmpfs of `size` (as `mount -o size=` reads it), or says why it cannot.
    fn mount(size: &str) -> Result<Self, String> {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .output()
            .map_err(|e| format!("cannot run mount: {e}"))?;
        if !out.status.success() {
            return Err(String::from_utf8_lossy(&out.stderr).trim().to_owned());
        }
        Ok(Self { dir })
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.dir.path())
            .status();
    }
}

/// Writes zeros to `path` until the file system refuses.
fn fill(path: &Path) -> std::io::Result<()> {
    let mut file = std::fs::File::create(path)?;
    let chunk = vec![0u8; 64 << 10];
    loop {
        if let Err(e) = file.write_all(&chunk) {
            return if e.raw_os_error() == Some(libc::ENOSPC) {
                Ok(())
            } else {
                Err(e)
            };
        }
    }
}

fn batch(first: u64) -> serde_json::Value {
    let points: Vec<_> = (first..first + BATCH)
        .map(|id| {
            let v: Vec<f32> = (0..DIM)
                .map(|d| ((id * 7 + d as u64) % 97) as f32)
                .collect();
            json!({"id": id, "vector": v, "payload": {"n": id}})
        })
        .collect();
    json!({ "points": points })
}

/// Sends one batch; returns its status.
fn upsert(server: &TestServer, first: u64) -> Result<u16, Box<dyn std::error::Error>> {
    let r = server.put_json("/collections/full/points?wait=true", &batch(first))?;
    Ok(r.status().as_u16())
}

#[test]
fn a_full_disk_answers_507_and_writes_resume_once_space_returns() -> TestResult {
    let mount = match Tmpfs::mount("8m") {
        Ok(m) => m,
        Err(why) => {
            eprintln!("SKIPPED a_full_disk_answers_507...: cannot mount a tmpfs ({why})");
            return Ok(());
        }
    };
    let data: PathBuf = mount.path().join("data");
    std::fs::create_dir(&data)?;
    let filler = mount.path().join("filler");
    let flags = ["--wal-segment-bytes", "262144"];
    let mut acknowledged = Vec::new();
    let mut next = 0u64;
    {
        let server = TestServer::start_in(&data, &flags)?;
        server.create_collection("full", DIM, "Dot")?;
        for _ in 0..4 {
            assert_eq!(upsert(&server, next)?, 200);
            acknowledged.push(next);
            next += BATCH;
        }
        for round in 0..2 {
            fill(&filler)?;
            let mut refused = 0;
            for _ in 0..200 {
                match upsert(&server, next)? {
                    200 => acknowledged.push(next),
                    507 => refused += 1,
                    other => {
                        return Err(format!(
                            "round {round}: a write on a full disk got {other}, not 507; log:\n{}",
                            server.log_text()
                        )
                        .into());
                    }
                }
                next += BATCH;
                if refused >= 3 {
                    break;
                }
            }
            assert!(refused >= 3, "round {round}: the disk never filled up");
            std::fs::remove_file(&filler)?;
            // Space is back: writes succeed again, with no restart.
            for _ in 0..3 {
                let status = upsert(&server, next)?;
                assert_eq!(
                    status,
                    200,
                    "round {round}: a write after space returned got {status}; log:\n{}",
                    server.log_text()
                );
                acknowledged.push(next);
                next += BATCH;
            }
        }
        server.kill9()?;
    }
    let server = TestServer::start_in(&data, &flags)?;
    server.wait_ready()?;
    let points = server.all_points("full")?;
    let ids: std::collections::BTreeSet<u64> =
        points.iter().filter_map(|p| p["id"].as_u64()).collect();
    for first in &acknowledged {
        for id in *first..*first + BATCH {
            assert!(ids.contains(&id), "acknowledged point {id} lost");
        }
    }
    // A refused batch may be neither stored nor lost half-way: each batch is all or nothing.
    for first in (0..next).step_by(BATCH as usize) {
        let stored = (first..first + BATCH).filter(|id| ids.contains(id)).count() as u64;
        assert!(
            stored == 0 || stored == BATCH,
            "batch {first} stored in part ({stored})"
        );
    }
    server.terminate()?;
    Ok(())
}
