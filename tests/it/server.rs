//! `TestServer`: the real binary on `127.0.0.1:0`, with helpers to call it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reqwest::blocking::{Client, Response};
use serde_json::{Value, json};

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A blocking HTTPS client that trusts the certificates `roots` (PEM) and nothing else.
pub fn https_client(roots: &[&str]) -> Result<Client, Box<dyn std::error::Error>> {
    let mut builder = Client::builder()
        .timeout(Duration::from_secs(60))
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .tls_info(true);
    for pem in roots {
        builder = builder.add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes())?);
    }
    Ok(builder.build()?)
}

/// A running `plait serve`.
pub struct TestServer {
    child: Child,
    pub base: String,
    pub client: Client,
    pub log: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// Starts a server on `data_dir` with extra flags, and waits until it listens.
    pub fn start_in(data_dir: &Path, extra: &[&str]) -> Result<Self, Box<dyn std::error::Error>> {
        let client = Client::builder().timeout(Duration::from_secs(60)).build()?;
        Self::start_with_client(data_dir, extra, "http", client)
    }

    /// As [`TestServer::start_in`] for a server started with `--tls-cert` and `--tls-key` among
    /// `extra`: its client speaks HTTPS and trusts the certificates `roots` (PEM), nothing else.
    pub fn start_tls_in(
        data_dir: &Path,
        extra: &[&str],
        roots: &[&str],
    ) -> Result<Self, Box<dyn std::error::Error>> {
        Self::start_with_client(data_dir, extra, "https", https_client(roots)?)
    }

    fn start_with_client(
        data_dir: &Path,
        extra: &[&str],
        scheme: &str,
        client: Client,
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let mut child = Command::new(env!("CARGO_BIN_EXE_plait"))
            .args([
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                "0",
                "--log-format",
                "json",
            ])
            .arg("--data-dir")
            .arg(data_dir)
            .args(extra)
            .env_remove("PLAIT_CONFIG")
            .env_remove("PLAIT_API_KEY")
            .env_remove("PLAIT_READ_ONLY_API_KEY")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()?;
        let stderr = child.stderr.take().ok_or("no stderr")?;
        let log = Arc::new(Mutex::new(Vec::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let sink = Arc::clone(&log);
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if !sent
                    && let Ok(v) = serde_json::from_str::<Value>(&line)
                    && v["message"] == "plait listening"
                    && let Some(addr) = v["address"].as_str()
                {
                    let _ = tx.send(addr.to_owned());
                    sent = true;
                }
                if let Ok(mut l) = sink.lock() {
                    l.push(line);
                }
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                let lines = log.lock().map(|l| l.join("\n")).unwrap_or_default();
                return Err(format!("server did not start; log:\n{lines}").into());
            }
        };
        Ok(Self {
            child,
            base: format!("{scheme}://{addr}"),
            client,
            log,
        })
    }

    /// The address the server listens on (`127.0.0.1:port`).
    pub fn addr(&self) -> &str {
        self.base
            .split_once("://")
            .map_or(self.base.as_str(), |(_, a)| a)
    }

    /// Sends `signal` to the server.
    pub fn signal(&self, signal: i32) -> TestResult {
        let pid = i32::try_from(self.child.id())?;
        // SAFETY: `kill` with the pid of our own, not yet reaped child and a valid signal number
        // has no memory-safety preconditions.
        let rc = unsafe { libc::kill(pid, signal) };
        if rc != 0 {
            return Err(std::io::Error::last_os_error().into());
        }
        Ok(())
    }

    /// Waits until the log has `count` lines whose `message` is `message`.
    pub fn wait_for_log(&self, message: &str, count: usize) -> TestResult {
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            let seen = self
                .log
                .lock()
                .map(|l| {
                    l.iter()
                        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
                        .filter(|v| v["message"] == message)
                        .count()
                })
                .unwrap_or_default();
            if seen >= count {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err(format!(
            "no {count}th log line {message:?}; log:\n{}",
            self.log_text()
        )
        .into())
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn get(&self, path: &str) -> reqwest::Result<Response> {
        self.client.get(self.url(path)).send()
    }

    pub fn put_json(&self, path: &str, body: &Value) -> reqwest::Result<Response> {
        self.client.put(self.url(path)).json(body).send()
    }

    pub fn post_json(&self, path: &str, body: &Value) -> reqwest::Result<Response> {
        self.client.post(self.url(path)).json(body).send()
    }

    /// Sends a raw body with a JSON content type.
    pub fn send_raw(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Vec<u8>,
    ) -> reqwest::Result<Response> {
        self.client
            .request(method, self.url(path))
            .header("content-type", "application/json")
            .body(body)
            .send()
    }

    /// Waits until `/readyz` answers 200.
    pub fn wait_ready(&self) -> TestResult {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(r) = self.get("/readyz")
                && r.status() == 200
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("server never became ready".into())
    }

    pub fn create_collection(&self, name: &str, size: usize, distance: &str) -> TestResult {
        let r = self.put_json(
            &format!("/collections/{name}"),
            &json!({"vectors": {"size": size, "distance": distance}}),
        )?;
        if r.status() != 200 {
            return Err(format!("create failed: {} {}", r.status(), r.text()?).into());
        }
        Ok(())
    }

    /// Upserts `rows` as points `first_id`, `first_id + 1`, ... in batches of 1,000, each
    /// acknowledged once applied (`wait=true`).
    pub fn upsert_rows(&self, name: &str, rows: &[Vec<f32>], first_id: usize) -> TestResult {
        for (chunk_no, chunk) in rows.chunks(1000).enumerate() {
            let points: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, v)| json!({"id": first_id + chunk_no * 1000 + i, "vector": v}))
                .collect();
            let r = self.put_json(
                &format!("/collections/{name}/points?wait=true"),
                &json!({ "points": points }),
            )?;
            if r.status() != 200 {
                return Err(format!("upsert failed: {} {}", r.status(), r.text()?).into());
            }
        }
        Ok(())
    }

    /// Every point of a collection (ids, vectors, payloads), by scrolling.
    pub fn all_points(&self, name: &str) -> Result<Vec<Value>, Box<dyn std::error::Error>> {
        let mut out = Vec::new();
        let mut offset = Value::Null;
        loop {
            let mut body = json!({"limit": 1000, "with_payload": true, "with_vector": true});
            if !offset.is_null() {
                body["offset"] = offset.clone();
            }
            let r: Value = self
                .post_json(&format!("/collections/{name}/points/scroll"), &body)?
                .json()?;
            let points = r["result"]["points"].as_array().ok_or("no points")?;
            out.extend(points.iter().cloned());
            offset = r["result"]["next_page_offset"].clone();
            if offset.is_null() {
                return Ok(out);
            }
        }
    }

    /// The value of the metric sample whose name and labels are exactly `series` (for example
    /// `plait_hnsw_tombstones{collection="c"}`), if `/metrics` has it.
    pub fn metric(&self, series: &str) -> Result<Option<f64>, Box<dyn std::error::Error>> {
        let text = self.get("/metrics")?.text()?;
        Ok(text.lines().find_map(|l| {
            let (name, value) = l.rsplit_once(' ')?;
            (name == series).then(|| value.parse().ok())?
        }))
    }

    /// Waits until the background graph repair of `collection` has freed every tombstone.
    pub fn wait_repaired(&self, collection: &str) -> TestResult {
        let series = format!("plait_hnsw_tombstones{{collection=\"{collection}\"}}");
        let deadline = Instant::now() + Duration::from_secs(300);
        while Instant::now() < deadline {
            if self.metric(&series)? == Some(0.0) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("{collection}: tombstones never repaired").into())
    }

    /// Kills the process with SIGKILL and reaps it.
    pub fn kill9(mut self) -> std::io::Result<()> {
        self.child.kill()?;
        self.child.wait()?;
        Ok(())
    }

    /// Sends SIGTERM and waits for a clean exit; returns the exit status.
    pub fn terminate(mut self) -> Result<std::process::ExitStatus, Box<dyn std::error::Error>> {
        let pid = i32::try_from(self.child.id())?;
        // SAFETY: `kill` with a valid pid of our own child and a valid signal number has no
        // memory-safety preconditions.
        unsafe {
            libc::kill(pid, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.child.try_wait()? {
                return Ok(status);
            }
            if Instant::now() > deadline {
                return Err("server did not exit after SIGTERM".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Sends one request over a plain TCP connection, with the path exactly as given (HTTP clients
    /// normalise `..` and `%2E%2E` away), and returns the status code.
    pub fn raw_status(
        &self,
        method: &str,
        path: &str,
        body: &[u8],
    ) -> Result<u16, Box<dyn std::error::Error>> {
        self.raw_status_declaring(method, path, body.len(), body)
    }

    /// As [`TestServer::raw_status`], declaring `content_length` whatever `body` holds.
    pub fn raw_status_declaring(
        &self,
        method: &str,
        path: &str,
        content_length: usize,
        body: &[u8],
    ) -> Result<u16, Box<dyn std::error::Error>> {
        use std::io::{Read, Write};
        let addr = self.base.trim_start_matches("http://");
        let mut stream = std::net::TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            content_length
        )?;
        stream.write_all(body)?;
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        let code = response.split_whitespace().nth(1).ok_or("no status line")?;
        Ok(code.parse()?)
    }

    pub fn log_text(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
