//! The server process as an operator sees it: an idle server uses no CPU, and logging to a full
//! disk or a closed pipe never takes it down.

use std::fs::OpenOptions;
use std::net::TcpListener;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::server::{TestResult, TestServer};

/// User + system CPU time of a process so far.
fn cpu_time(pid: u32) -> Result<Duration, Box<dyn std::error::Error>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').ok_or("bad stat")?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11).ok_or("no utime")?.parse()?;
    let stime: u64 = fields.get(12).ok_or("no stime")?.parse()?;
    // SAFETY: sysconf has no preconditions.
    let ticks = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    let ticks = u64::try_from(ticks).unwrap_or(100).max(1);
    Ok(Duration::from_millis((utime + stime) * 1000 / ticks))
}

#[test]
fn an_idle_server_with_collections_uses_almost_no_cpu() -> TestResult {
    let dir = tempfile::tempdir()?;
    let s = TestServer::start_in(dir.path(), &[])?;
    s.wait_ready()?;
    s.create_collection("idle_fsync", 4, "Cosine")?;
    let r = s.put_json(
        "/collections/idle_flush",
        &json!({"vectors": {"size": 4, "distance": "Dot"}, "durability": "flush"}),
    )?;
    assert_eq!(r.status(), 200, "{}", r.text()?);
    // Past the first flush interval, when the old writer loop started spinning.
    std::thread::sleep(Duration::from_millis(500));
    let before = cpu_time(s.pid())?;
    std::thread::sleep(Duration::from_secs(2));
    let used = cpu_time(s.pid())? - before;
    // A spinning writer burns ~2 s here (one core per collection); an idle one, a few ms.
    assert!(
        used < Duration::from_millis(200),
        "an idle server used {used:?} of CPU in 2 s"
    );
    Ok(())
}

fn free_port() -> Result<u16, Box<dyn std::error::Error>> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// Starts the binary with the given stderr/stdout, then checks it serves and survives writes
/// that make it log.
fn serves_despite_output(stdout: Stdio, stderr: Stdio) -> TestResult {
    let dir = tempfile::tempdir()?;
    let port = free_port()?;
    let mut child = Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["serve", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg("--data-dir")
        .arg(dir.path())
        .env_remove("PLAIT_CONFIG")
        .stdout(stdout)
        .stderr(stderr)
        .spawn()?;
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    let result = (|| -> TestResult {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Ok(r) = client.get(format!("{base}/readyz")).send()
                && r.status() == 200
            {
                break;
            }
            if let Some(status) = child.try_wait()? {
                return Err(format!("the server exited ({status}) while starting").into());
            }
            if Instant::now() > deadline {
                return Err("the server never became ready".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        for i in 0..3 {
            // Each create and delete logs a line.
            let name = format!("c{i}");
            let r = client
                .put(format!("{base}/collections/{name}"))
                .json(&json!({"vectors": {"size": 2, "distance": "Dot"}}))
                .send()?;
            assert_eq!(r.status(), 200);
            let r = client.delete(format!("{base}/collections/{name}")).send()?;
            assert_eq!(r.status(), 200);
        }
        assert_eq!(client.get(format!("{base}/livez")).send()?.status(), 200);
        if let Some(status) = child.try_wait()? {
            return Err(format!("the server exited ({status})").into());
        }
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    result
}

#[test]
fn logging_to_a_full_disk_never_stops_the_server() -> TestResult {
    let full = || OpenOptions::new().write(true).open("/dev/full");
    serves_despite_output(Stdio::from(full()?), Stdio::from(full()?))
}

#[test]
fn logging_to_a_closed_pipe_never_stops_the_server() -> TestResult {
    let (reader, writer) = std::io::pipe()?;
    drop(reader);
    let writer2 = writer.try_clone()?;
    serves_despite_output(Stdio::from(writer), Stdio::from(writer2))
}
