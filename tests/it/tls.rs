//! HTTPS against the real server, with certificates the test makes (`rcgen`): a client that
//! trusts the certificate gets answers; SIGHUP after the files are swapped serves the new
//! certificate to new connections while a connection opened before keeps working; a bad new
//! certificate or key on reload is logged and the old one kept; a missing or bad certificate
//! stops the start with a clear message; TLS does not lift the refusal to listen beyond loopback
//! without a key.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rcgen::{CertificateParams, DnType, KeyPair};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use rustls::{ClientConfig, ClientConnection, RootCertStore, StreamOwned};

use crate::server::{TestResult, TestServer, https_client};

/// A self-signed certificate for `127.0.0.1` and `localhost` named `name`: (certificate PEM,
/// private key PEM).
fn certificate(name: &str) -> Result<(String, String), Box<dyn std::error::Error>> {
    let mut params = CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])?;
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate()?;
    let cert = params.self_signed(&key)?;
    Ok((cert.pem(), key.serialize_pem()))
}

/// The certificate and key files the server reads.
struct Files {
    cert: PathBuf,
    key: PathBuf,
}

impl Files {
    fn new(dir: &Path, (cert, key): &(String, String)) -> Result<Self, std::io::Error> {
        let files = Self {
            cert: dir.join("server.crt"),
            key: dir.join("server.key"),
        };
        files.write(cert, key)?;
        Ok(files)
    }

    /// Replaces both files as an operator would: write aside, then rename over.
    fn write(&self, cert: &str, key: &str) -> Result<(), std::io::Error> {
        for (path, text) in [(&self.cert, cert), (&self.key, key)] {
            let aside = path.with_extension("new");
            std::fs::write(&aside, text)?;
            std::fs::rename(&aside, path)?;
        }
        Ok(())
    }

    fn flags(&self) -> Result<Vec<String>, &'static str> {
        let text = |p: &Path| p.to_str().map(str::to_owned).ok_or("path is not UTF-8");
        Ok(vec![
            "--tls-cert".to_owned(),
            text(&self.cert)?,
            "--tls-key".to_owned(),
            text(&self.key)?,
        ])
    }
}

/// A TLS connection made with rustls directly, so the test sees the certificate it was served
/// and can send several requests over this one connection.
struct Connection {
    stream: StreamOwned<ClientConnection, TcpStream>,
}

impl Connection {
    /// Connects to `addr`, trusting `roots` (PEM), and completes the handshake.
    fn open(addr: &str, roots: &[&str]) -> Result<Self, Box<dyn std::error::Error>> {
        Self::open_with(addr, roots, rustls::DEFAULT_VERSIONS)
    }

    /// As [`Connection::open`], offering only the TLS `versions`, and HTTP/2 before HTTP/1.1 by
    /// ALPN.
    fn open_with(
        addr: &str,
        roots: &[&str],
        versions: &[&'static rustls::SupportedProtocolVersion],
    ) -> Result<Self, Box<dyn std::error::Error>> {
        let mut store = RootCertStore::empty();
        for pem in roots {
            store.add(CertificateDer::from_pem_slice(pem.as_bytes())?)?;
        }
        let mut config =
            ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
                .with_protocol_versions(versions)?
                .with_root_certificates(store)
                .with_no_client_auth();
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let name = ServerName::try_from("127.0.0.1")?;
        let tcp = TcpStream::connect(addr)?;
        tcp.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut stream = StreamOwned::new(ClientConnection::new(Arc::new(config), name)?, tcp);
        stream.conn.complete_io(&mut stream.sock)?;
        Ok(Self { stream })
    }

    /// The certificate the server presented.
    fn served(&self) -> Result<Vec<u8>, &'static str> {
        self.stream
            .conn
            .peer_certificates()
            .and_then(|c| c.first())
            .map(|c| c.as_ref().to_vec())
            .ok_or("no peer certificate")
    }

    /// Sends `GET path` on this connection (keeping it open) and returns the status.
    fn get(&mut self, path: &str) -> Result<u16, Box<dyn std::error::Error>> {
        write!(
            self.stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        )?;
        self.stream.flush()?;
        let mut head = Vec::new();
        let mut byte = [0u8; 1];
        while !head.ends_with(b"\r\n\r\n") {
            if self.stream.read(&mut byte)? == 0 {
                return Err("connection closed mid-answer".into());
            }
            head.push(byte[0]);
        }
        let head = String::from_utf8(head)?;
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse().ok())?
            })
            .ok_or("no content-length")?;
        let mut body = vec![0u8; length];
        self.stream.read_exact(&mut body)?;
        let code = head.split_whitespace().nth(1).ok_or("no status line")?;
        Ok(code.parse()?)
    }
}

fn der(pem: &str) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    Ok(CertificateDer::from_pem_slice(pem.as_bytes())?
        .as_ref()
        .to_vec())
}

#[test]
fn https_answers_and_sighup_swaps_the_certificate_for_new_connections_only() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (first, second) = (certificate("first")?, certificate("second")?);
    let files = Files::new(dir.path(), &first)?;
    let flags = files.flags()?;
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = TestServer::start_tls_in(&dir.path().join("data"), &flags, &[&first.0, &second.0])?;
    assert!(s.base.starts_with("https://"), "{}", s.base);
    s.wait_ready()?;

    // A reqwest client trusting the certificate does real work.
    s.create_collection("c", 2, "Dot")?;
    let r = s.get("/collections/c")?;
    assert_eq!(r.status(), 200);
    let served = r
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .and_then(|i| i.peer_certificate().map(<[u8]>::to_vec));
    assert_eq!(served, Some(der(&first.0)?));
    // One trusting nothing is refused, and plain HTTP on the TLS port gets no answer.
    assert!(https_client(&[])?.get(s.url("/livez")).send().is_err());
    assert!(
        reqwest::blocking::get(format!("http://{}/livez", s.addr())).is_err(),
        "plain HTTP answered on the TLS port"
    );

    // A client that connects and never says anything holds up no one: the handshake runs on
    // its connection's own task.
    let silent = TcpStream::connect(s.addr())?;
    let mut before = Connection::open(s.addr(), &[&first.0, &second.0])?;
    assert_eq!(before.served()?, der(&first.0)?);
    assert_eq!(before.get("/livez")?, 200);
    // HTTP/1.1 is what ALPN settles on, and TLS 1.3 is the default.
    assert_eq!(before.stream.conn.alpn_protocol(), Some(&b"http/1.1"[..]));
    assert_eq!(
        before.stream.conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_3)
    );
    // TLS 1.2 is served too.
    let mut old_client = Connection::open_with(s.addr(), &[&first.0], &[&rustls::version::TLS12])?;
    assert_eq!(
        old_client.stream.conn.protocol_version(),
        Some(rustls::ProtocolVersion::TLSv1_2)
    );
    assert_eq!(old_client.get("/livez")?, 200);
    drop(silent);

    files.write(&second.0, &second.1)?;
    s.signal(libc::SIGHUP)?;
    s.wait_for_log("TLS certificate reloaded", 1)?;

    // A new connection gets the new certificate ...
    let mut after = Connection::open(s.addr(), &[&first.0, &second.0])?;
    assert_eq!(after.served()?, der(&second.0)?);
    assert_eq!(after.get("/collections")?, 200);
    // ... and the one opened before keeps working, on its own certificate.
    assert_eq!(before.get("/collections")?, 200);
    assert_eq!(before.get("/livez")?, 200);
    assert_eq!(before.served()?, der(&first.0)?);
    // A client that trusts only the new certificate is now served.
    let r = https_client(&[&second.0])?.get(s.url("/readyz")).send()?;
    assert_eq!(r.status(), 200);
    assert_eq!(
        s.metric("plait_tls_reloads_total{outcome=\"ok\"}")?,
        Some(1.0)
    );
    Ok(())
}

#[test]
fn a_bad_certificate_or_key_on_reload_keeps_the_old_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (first, other) = (certificate("first")?, certificate("other")?);
    let files = Files::new(dir.path(), &first)?;
    let flags = files.flags()?;
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = TestServer::start_tls_in(&dir.path().join("data"), &flags, &[&first.0])?;
    s.wait_ready()?;
    let roots = [first.0.as_str(), other.0.as_str()];

    // Not PEM at all; then a certificate with a key that is not its own; then no key file.
    let bad: [(&str, &str); 2] = [("not a certificate", &first.1), (&other.0, &first.1)];
    for (n, (cert, key)) in bad.iter().enumerate() {
        files.write(cert, key)?;
        s.signal(libc::SIGHUP)?;
        s.wait_for_log(
            "TLS reload failed; still serving the previous certificate",
            n + 1,
        )?;
        let mut c = Connection::open(s.addr(), &roots)?;
        assert_eq!(c.served()?, der(&first.0)?, "case {n}");
        assert_eq!(c.get("/livez")?, 200);
    }
    std::fs::remove_file(&files.key)?;
    s.signal(libc::SIGHUP)?;
    s.wait_for_log(
        "TLS reload failed; still serving the previous certificate",
        3,
    )?;
    let mut c = Connection::open(s.addr(), &roots)?;
    assert_eq!(c.served()?, der(&first.0)?);
    assert_eq!(c.get("/livez")?, 200);
    assert_eq!(
        s.metric("plait_tls_reloads_total{outcome=\"failed\"}")?,
        Some(3.0)
    );
    assert_eq!(
        s.metric("plait_tls_reloads_total{outcome=\"ok\"}")?,
        Some(0.0)
    );
    // The private key never reaches the log.
    let body: String = first
        .1
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert!(!s.log_text().contains(&body[..40]));
    Ok(())
}

/// `plait serve` with `extra`, expected to exit at once: (success, stderr).
fn serve_fails(data_dir: &Path, extra: &[&str]) -> Result<String, Box<dyn std::error::Error>> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(["serve", "--port", "0"])
        .arg("--data-dir")
        .arg(data_dir)
        .args(extra)
        .env_remove("PLAIT_API_KEY")
        .env_remove("PLAIT_CONFIG")
        .env_remove("PLAIT_TLS_CERT")
        .env_remove("PLAIT_TLS_KEY")
        .output()?;
    assert!(!out.status.success(), "started with {extra:?}");
    Ok(String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn a_missing_or_bad_certificate_stops_the_start_with_a_clear_message() -> TestResult {
    let dir = tempfile::tempdir()?;
    let data = dir.path().join("data");
    let (good, other) = (certificate("good")?, certificate("other")?);
    let files = Files::new(dir.path(), &good)?;
    let cert = files.cert.to_str().ok_or("path")?;
    let key = files.key.to_str().ok_or("path")?;
    let missing = dir.path().join("missing.crt");
    let missing = missing.to_str().ok_or("path")?;

    let stderr = serve_fails(&data, &["--tls-cert", missing, "--tls-key", key])?;
    assert!(
        stderr.contains("cannot start with the configured TLS certificate"),
        "{stderr}"
    );
    assert!(stderr.contains("missing.crt"), "{stderr}");

    let garbage = dir.path().join("garbage.crt");
    std::fs::write(&garbage, "hello")?;
    let stderr = serve_fails(
        &data,
        &[
            "--tls-cert",
            garbage.to_str().ok_or("path")?,
            "--tls-key",
            key,
        ],
    )?;
    assert!(stderr.contains("holds no PEM certificate"), "{stderr}");

    let wrong_key = dir.path().join("other.key");
    std::fs::write(&wrong_key, &other.1)?;
    let stderr = serve_fails(
        &data,
        &[
            "--tls-cert",
            cert,
            "--tls-key",
            wrong_key.to_str().ok_or("path")?,
        ],
    )?;
    assert!(
        stderr.contains("does not belong to the certificate"),
        "{stderr}"
    );

    let stderr = serve_fails(&data, &["--tls-cert", cert])?;
    assert!(
        stderr.contains("give both (--tls-cert and --tls-key)"),
        "{stderr}"
    );
    // Nothing was started: the data directory was never created.
    assert!(!data.exists());
    Ok(())
}

#[test]
fn tls_does_not_lift_the_refusal_to_listen_beyond_loopback_without_a_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let files = Files::new(dir.path(), &certificate("good")?)?;
    let flags = files.flags()?;
    let mut extra: Vec<&str> = flags.iter().map(String::as_str).collect();
    extra.extend(["--host", "0.0.0.0"]);
    let stderr = serve_fails(&dir.path().join("data"), &extra)?;
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0 without an API key"),
        "{stderr}"
    );
    Ok(())
}

/// `plait` run as a command-line client, with no key, URL or CA taken from the environment
/// unless `env` gives them: (exit status, stdout, stderr).
fn client(
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(Option<i32>, String, String), Box<dyn std::error::Error>> {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plait"))
        .args(args)
        .env_remove("PLAIT_API_KEY")
        .env_remove("PLAIT_URL")
        .env_remove("PLAIT_CA_CERT")
        .envs(env.iter().copied())
        .stdin(std::process::Stdio::null())
        .output()?;
    Ok((
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

/// The command-line clients against a server that speaks only HTTPS and wants a key: with
/// `--ca-cert` naming its self-signed certificate and `--api-key` (or `PLAIT_API_KEY`) they do
/// real work; without the certificate the handshake is refused, with a wrong key the 401 is
/// reported; the key never appears in what they print.
#[test]
fn command_line_clients_speak_https_and_send_the_key() -> TestResult {
    let dir = tempfile::tempdir()?;
    let pair = certificate("cli")?;
    let files = Files::new(dir.path(), &pair)?;
    let key = "cli-admin-key-8d1f0c";
    let mut flags = files.flags()?;
    flags.extend(["--api-key".to_owned(), key.to_owned()]);
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    let s = TestServer::start_tls_in(&dir.path().join("data"), &flags, &[&pair.0])?;
    let url = format!("https://{}", s.addr());
    let ca = files.cert.to_str().ok_or("path is not UTF-8")?;
    let mut printed = String::new();

    let (code, out, err) = client(
        &[
            "sql",
            "--url",
            &url,
            "--ca-cert",
            ca,
            "--api-key",
            key,
            "-c",
            "CREATE COLLECTION c (dimension = 2, metric = 'cosine'); \
             INSERT INTO c (id, vector) VALUES (7, [1, 0]); SELECT id FROM c",
        ],
        &[],
    )?;
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains('7'), "{out}");
    printed.push_str(&out);
    printed.push_str(&err);
    // The key from the environment, as the server takes its own.
    let (code, out, err) = client(
        &["sql", "--url", &url, "-c", "SHOW COLLECTIONS"],
        &[("PLAIT_API_KEY", key), ("PLAIT_CA_CERT", ca)],
    )?;
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains('c'), "{out}");
    printed.push_str(&out);
    printed.push_str(&err);

    // Snapshots over HTTPS.
    let snapshot = [
        "--url",
        &url,
        "--ca-cert",
        ca,
        "--api-key",
        key,
        "--collection",
        "c",
    ];
    let (code, out, err) = client(&[&["snapshot", "create"][..], &snapshot].concat(), &[])?;
    assert_eq!(code, Some(0), "{out}\n{err}");
    printed.push_str(&out);
    printed.push_str(&err);
    let (code, out, err) = client(&[&["snapshot", "list"][..], &snapshot].concat(), &[])?;
    assert_eq!(code, Some(0), "{out}\n{err}");
    assert!(out.contains(".snapshot"), "{out}");
    printed.push_str(&out);
    printed.push_str(&err);

    // The health probe checks the certificate too.
    let live = format!("{url}/livez");
    let (code, out, err) = client(&["healthcheck", "--url", &live, "--ca-cert", ca], &[])?;
    assert_eq!(code, Some(0), "{out}\n{err}");
    let (code, _, err) = client(&["healthcheck", "--url", &live], &[])?;
    assert_ne!(
        code,
        Some(0),
        "an unknown certificate passed the health check"
    );
    assert!(err.to_lowercase().contains("certificate"), "{err}");

    // Without the certificate the handshake fails, saying why; with a wrong key the server's
    // refusal is reported.
    let (code, out, err) = client(
        &[
            "sql",
            "--url",
            &url,
            "--api-key",
            key,
            "-c",
            "SHOW COLLECTIONS",
        ],
        &[],
    )?;
    assert_ne!(code, Some(0), "{out}");
    assert!(err.to_lowercase().contains("certificate"), "{err}");
    printed.push_str(&out);
    printed.push_str(&err);
    let (code, out, err) = client(
        &[
            "sql",
            "--url",
            &url,
            "--ca-cert",
            ca,
            "--api-key",
            "wrong-key",
            "-c",
            "SHOW COLLECTIONS",
        ],
        &[],
    )?;
    assert_ne!(code, Some(0), "{out}");
    assert!(err.contains("401"), "{err}");
    let (code, out, err) = client(&[&["snapshot", "list"][..], &snapshot[..4]].concat(), &[])?;
    assert_ne!(
        code,
        Some(0),
        "a snapshot list without a key was answered: {out}"
    );
    assert!(err.contains("401"), "{err}");
    // A CA file that holds no certificate is refused before anything is sent.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "")?;
    let (code, _, err) = client(
        &[
            "sql",
            "--url",
            &url,
            "--ca-cert",
            empty.to_str().ok_or("utf-8")?,
            "-c",
            "SHOW COLLECTIONS",
        ],
        &[],
    )?;
    assert_ne!(code, Some(0));
    assert!(err.contains("no PEM certificate"), "{err}");
    assert!(!printed.contains(key), "the key was printed:\n{printed}");
    Ok(())
}
