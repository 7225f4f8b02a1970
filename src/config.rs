//! Server configuration: every setting, its default, and the precedence rule
//! CLI flag > environment variable (`PLAIT_*`) > config file > default.
//!
//! `config/plait.toml` in the repository lists every setting with its default and a comment. The
//! flag definitions live in `main.rs` (clap); they fill a [`Overrides`] that is laid over the file.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;

use crate::api::admission::SearchLimits;
use crate::engine::EngineOptions;
use crate::engine::config::{DEFAULT_WRITE_QUEUE_BYTES, DEFAULT_WRITE_QUEUE_CAPACITY};
use crate::engine::manifest::parse_durability;

/// Why the configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read config file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown or mistyped keys.
    #[error("invalid config file {path}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// A value is out of range.
    #[error("invalid setting {key}: {reason}")]
    Invalid {
        /// The setting.
        key: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// `[server]`: the HTTP listener.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind (0 picks a free port; the bound address is logged).
    pub port: u16,
    /// Largest accepted request body in bytes; larger bodies get 413.
    pub max_body_bytes: usize,
    /// A request that takes longer is answered with 408.
    pub request_timeout_secs: u64,
    /// How long graceful shutdown waits for in-flight requests before checkpointing anyway.
    pub shutdown_timeout_secs: u64,
    /// Threads that run the async runtime (HTTP, routing); 0 means one per CPU core.
    pub worker_threads: usize,
    /// Most threads of the blocking pool, where engine work and body parsing run.
    pub blocking_threads: usize,
    /// Searches (query, search, scroll, retrieve) running at once; 0 means two per CPU core.
    pub max_concurrent_searches: usize,
    /// Searches waiting for a turn beyond those running; past it a search gets 503.
    pub max_queued_searches: usize,
}

impl Default for ServerSettings {
    fn default() -> Self {
        Self {
            host: "127.0.0.1".into(),
            port: 8080,
            max_body_bytes: 32 << 20,
            request_timeout_secs: 30,
            shutdown_timeout_secs: 30,
            worker_threads: 0,
            blocking_threads: 512,
            max_concurrent_searches: 0,
            max_queued_searches: 256,
        }
    }
}

/// `[storage]`: the data directory and durability.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct StorageSettings {
    /// The data directory (created when missing).
    pub data_dir: PathBuf,
    /// Default durability for new collections: `fsync`, `flush` or `none`.
    pub durability: String,
    /// WAL segment size in bytes.
    pub wal_segment_bytes: u64,
    /// WAL bytes after which a checkpoint is written and the WAL truncated.
    pub checkpoint_wal_bytes: u64,
    /// Interval of the background WAL flush for `flush` and `none` durability, in milliseconds.
    pub flush_interval_ms: u64,
    /// Most collections the server holds; each costs a writer thread. Creating one more is 422.
    pub max_collections: usize,
    /// Writes each collection queues while its writer is busy; past it a write gets 503.
    pub write_queue_capacity: usize,
    /// Bytes of encoded writes each collection queues while its writer is busy; a write that
    /// does not fit gets 503 (an empty queue takes any one write).
    pub write_queue_bytes: usize,
    /// Where snapshots are written, and the only directory `file://` recoveries may read;
    /// empty means `<data_dir>/snapshots`.
    pub snapshots_dir: PathBuf,
    /// Largest snapshot accepted by `POST /collections/{name}/snapshots/upload`, in bytes.
    pub max_snapshot_upload_bytes: u64,
    /// The WAL archive for point-in-time restore: checkpoints and the WAL segments after them
    /// are kept there instead of deleted; empty means no archive.
    pub wal_archive: PathBuf,
}

impl Default for StorageSettings {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("./plait_data"),
            durability: "fsync".into(),
            wal_segment_bytes: 64 << 20,
            checkpoint_wal_bytes: 256 << 20,
            flush_interval_ms: 200,
            max_collections: crate::engine::config::DEFAULT_MAX_COLLECTIONS,
            write_queue_capacity: DEFAULT_WRITE_QUEUE_CAPACITY,
            write_queue_bytes: DEFAULT_WRITE_QUEUE_BYTES,
            snapshots_dir: PathBuf::new(),
            max_snapshot_upload_bytes: crate::engine::config::DEFAULT_MAX_SNAPSHOT_UPLOAD_BYTES,
            wal_archive: PathBuf::new(),
        }
    }
}

/// `[log]`: structured logging.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct LogSettings {
    /// A `tracing` filter: a level (`info`) or directives (`plait=debug,tower_http=info`).
    pub level: String,
    /// `plain` or `json`.
    pub format: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: "plain".into(),
        }
    }
}

/// A key as configured: `Debug` never shows it, so a settings dump cannot leak it.
#[derive(Clone, Default, Deserialize, PartialEq, Eq)]
#[serde(transparent)]
pub struct KeySetting(pub String);

impl std::fmt::Debug for KeySetting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            f.write_str("none")
        } else {
            f.write_str("<redacted>")
        }
    }
}

/// `[security]`: who may call the API.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct SecuritySettings {
    /// Admin API key (every route, and the key that signs access tokens); empty: none.
    pub api_key: KeySetting,
    /// Read-only API key (every read, no change); empty: none.
    pub read_only_api_key: KeySetting,
    /// A file of more keys, one per line: `admin KEY` or `read-only KEY` (`#` starts a comment);
    /// empty: none.
    pub api_key_file: PathBuf,
    /// Serve `/metrics` without a key even when keys are configured.
    pub open_metrics: bool,
    /// Serve `/docs` and `/openapi.json` without a key even when keys are configured.
    pub open_docs: bool,
    /// Listen on a non-loopback address without any key (refused otherwise).
    pub allow_unauthenticated: bool,
}

/// The keys of a configuration: admin keys and read-only keys.
#[derive(Default)]
pub struct Keys {
    /// Admin keys.
    pub admin: Vec<String>,
    /// Read-only keys.
    pub read_only: Vec<String>,
}

impl SecuritySettings {
    /// Every configured key, from the settings and the key file.
    ///
    /// # Errors
    /// [`ConfigError::Read`] when the key file cannot be read, [`ConfigError::Invalid`] for a
    /// line that is not `admin KEY` or `read-only KEY` (the message names the line, never the key).
    pub fn keys(&self) -> Result<Keys, ConfigError> {
        let mut keys = Keys::default();
        if !self.api_key.0.is_empty() {
            keys.admin.push(self.api_key.0.clone());
        }
        if !self.read_only_api_key.0.is_empty() {
            keys.read_only.push(self.read_only_api_key.0.clone());
        }
        if self.api_key_file.as_os_str().is_empty() {
            return Ok(keys);
        }
        let text = std::fs::read_to_string(&self.api_key_file).map_err(|e| ConfigError::Read {
            path: self.api_key_file.clone(),
            source: e,
        })?;
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            match line.split_once(char::is_whitespace) {
                Some(("admin", key)) if !key.trim().is_empty() => {
                    keys.admin.push(key.trim().to_owned())
                }
                Some(("read-only", key)) if !key.trim().is_empty() => {
                    keys.read_only.push(key.trim().to_owned());
                }
                _ => {
                    return Err(ConfigError::Invalid {
                        key: "security.api_key_file",
                        reason: format!(
                            "line {} of {} is not `admin KEY` or `read-only KEY`",
                            n + 1,
                            self.api_key_file.display()
                        ),
                    });
                }
            }
        }
        Ok(keys)
    }
}

/// `[tls]`: HTTPS. Both files empty: plain HTTP.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct TlsSettings {
    /// PEM file holding the certificate chain, the server's certificate first; empty: no TLS.
    pub cert_file: PathBuf,
    /// PEM file holding the certificate's private key (PKCS#8, PKCS#1 or SEC1); empty: no TLS.
    pub key_file: PathBuf,
}

impl TlsSettings {
    /// The certificate and key files when TLS is on.
    #[must_use]
    pub fn files(&self) -> Option<(&Path, &Path)> {
        (!self.cert_file.as_os_str().is_empty())
            .then_some((self.cert_file.as_path(), self.key_file.as_path()))
    }
}

/// `[cors]`: which browser origins may call the API. Empty: no CORS headers at all.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct CorsSettings {
    /// Origins such as `https://app.example.com`, or `"*"` for any origin.
    pub allow_origins: Vec<String>,
}

/// `[rate_limit]`: a token bucket per client (per API key when a valid one is sent, else per IP).
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitSettings {
    /// Tokens each client's bucket regains per second; 0 turns rate limiting off.
    pub requests_per_second: f64,
    /// Tokens a bucket holds when full: the requests a client may send at once.
    pub burst: u32,
    /// Most clients tracked at once; past it the least recently seen is forgotten.
    pub max_clients: usize,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            requests_per_second: 0.0,
            burst: 50,
            max_clients: 100_000,
        }
    }
}

/// Whether `host` names only this machine (a loopback address or `localhost`).
#[must_use]
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The whole configuration.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, default)]
pub struct Settings {
    /// `[server]`.
    pub server: ServerSettings,
    /// `[storage]`.
    pub storage: StorageSettings,
    /// `[log]`.
    pub log: LogSettings,
    /// `[security]`.
    pub security: SecuritySettings,
    /// `[tls]`.
    pub tls: TlsSettings,
    /// `[cors]`.
    pub cors: CorsSettings,
    /// `[rate_limit]`.
    pub rate_limit: RateLimitSettings,
}

/// Values from flags or the environment; `None` means "not given".
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    /// `--host` / `PLAIT_HOST`.
    pub host: Option<String>,
    /// `--port` / `PLAIT_PORT`.
    pub port: Option<u16>,
    /// `--data-dir` / `PLAIT_DATA_DIR`.
    pub data_dir: Option<PathBuf>,
    /// `--durability` / `PLAIT_DURABILITY`.
    pub durability: Option<String>,
    /// `--max-body-bytes` / `PLAIT_MAX_BODY_BYTES`.
    pub max_body_bytes: Option<usize>,
    /// `--request-timeout-secs` / `PLAIT_REQUEST_TIMEOUT_SECS`.
    pub request_timeout_secs: Option<u64>,
    /// `--shutdown-timeout-secs` / `PLAIT_SHUTDOWN_TIMEOUT_SECS`.
    pub shutdown_timeout_secs: Option<u64>,
    /// `--wal-segment-bytes` / `PLAIT_WAL_SEGMENT_BYTES`.
    pub wal_segment_bytes: Option<u64>,
    /// `--checkpoint-wal-bytes` / `PLAIT_CHECKPOINT_WAL_BYTES`.
    pub checkpoint_wal_bytes: Option<u64>,
    /// `--flush-interval-ms` / `PLAIT_FLUSH_INTERVAL_MS`.
    pub flush_interval_ms: Option<u64>,
    /// `--max-collections` / `PLAIT_MAX_COLLECTIONS`.
    pub max_collections: Option<usize>,
    /// `--worker-threads` / `PLAIT_WORKER_THREADS`.
    pub worker_threads: Option<usize>,
    /// `--blocking-threads` / `PLAIT_BLOCKING_THREADS`.
    pub blocking_threads: Option<usize>,
    /// `--max-concurrent-searches` / `PLAIT_MAX_CONCURRENT_SEARCHES`.
    pub max_concurrent_searches: Option<usize>,
    /// `--max-queued-searches` / `PLAIT_MAX_QUEUED_SEARCHES`.
    pub max_queued_searches: Option<usize>,
    /// `--write-queue-capacity` / `PLAIT_WRITE_QUEUE_CAPACITY`.
    pub write_queue_capacity: Option<usize>,
    /// `--write-queue-bytes` / `PLAIT_WRITE_QUEUE_BYTES`.
    pub write_queue_bytes: Option<usize>,
    /// `--snapshots-dir` / `PLAIT_SNAPSHOTS_DIR`.
    pub snapshots_dir: Option<PathBuf>,
    /// `--api-key` / `PLAIT_API_KEY`.
    pub api_key: Option<String>,
    /// `--read-only-api-key` / `PLAIT_READ_ONLY_API_KEY`.
    pub read_only_api_key: Option<String>,
    /// `--api-key-file` / `PLAIT_API_KEY_FILE`.
    pub api_key_file: Option<PathBuf>,
    /// `--open-metrics` / `PLAIT_OPEN_METRICS`.
    pub open_metrics: Option<bool>,
    /// `--open-docs` / `PLAIT_OPEN_DOCS`.
    pub open_docs: Option<bool>,
    /// `--allow-unauthenticated` / `PLAIT_ALLOW_UNAUTHENTICATED`.
    pub allow_unauthenticated: Option<bool>,
    /// `--max-snapshot-upload-bytes` / `PLAIT_MAX_SNAPSHOT_UPLOAD_BYTES`.
    pub max_snapshot_upload_bytes: Option<u64>,
    /// `--wal-archive` / `PLAIT_WAL_ARCHIVE`.
    pub wal_archive: Option<PathBuf>,
    /// `--log-level` / `PLAIT_LOG_LEVEL`.
    pub log_level: Option<String>,
    /// `--log-format` / `PLAIT_LOG_FORMAT`.
    pub log_format: Option<String>,
    /// `--tls-cert` / `PLAIT_TLS_CERT`.
    pub tls_cert: Option<PathBuf>,
    /// `--tls-key` / `PLAIT_TLS_KEY`.
    pub tls_key: Option<PathBuf>,
    /// `--cors-allow-origin` / `PLAIT_CORS_ALLOW_ORIGIN` (repeated or comma-separated).
    pub cors_allow_origins: Option<Vec<String>>,
    /// `--rate-limit-rps` / `PLAIT_RATE_LIMIT_RPS`.
    pub rate_limit_requests_per_second: Option<f64>,
    /// `--rate-limit-burst` / `PLAIT_RATE_LIMIT_BURST`.
    pub rate_limit_burst: Option<u32>,
    /// `--rate-limit-max-clients` / `PLAIT_RATE_LIMIT_MAX_CLIENTS`.
    pub rate_limit_max_clients: Option<usize>,
}

/// Smallest accepted `storage.checkpoint_wal_bytes`.
pub const MIN_CHECKPOINT_WAL_BYTES: u64 = 64 << 10;

impl Settings {
    /// Loads `file` (when given) over the defaults, then lays `overrides` on top and validates.
    ///
    /// # Errors
    /// [`ConfigError`] for an unreadable or invalid file or an out-of-range value.
    pub fn load(file: Option<&Path>, overrides: Overrides) -> Result<Self, ConfigError> {
        let mut s = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_path_buf(),
                    source,
                })?;
                toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: path.to_path_buf(),
                    message: e.to_string(),
                })?
            }
            None => Self::default(),
        };
        let o = overrides;
        if let Some(v) = o.host {
            s.server.host = v;
        }
        if let Some(v) = o.port {
            s.server.port = v;
        }
        if let Some(v) = o.data_dir {
            s.storage.data_dir = v;
        }
        if let Some(v) = o.durability {
            s.storage.durability = v;
        }
        if let Some(v) = o.max_body_bytes {
            s.server.max_body_bytes = v;
        }
        if let Some(v) = o.request_timeout_secs {
            s.server.request_timeout_secs = v;
        }
        if let Some(v) = o.shutdown_timeout_secs {
            s.server.shutdown_timeout_secs = v;
        }
        if let Some(v) = o.wal_segment_bytes {
            s.storage.wal_segment_bytes = v;
        }
        if let Some(v) = o.checkpoint_wal_bytes {
            s.storage.checkpoint_wal_bytes = v;
        }
        if let Some(v) = o.flush_interval_ms {
            s.storage.flush_interval_ms = v;
        }
        if let Some(v) = o.max_collections {
            s.storage.max_collections = v;
        }
        if let Some(v) = o.worker_threads {
            s.server.worker_threads = v;
        }
        if let Some(v) = o.blocking_threads {
            s.server.blocking_threads = v;
        }
        if let Some(v) = o.max_concurrent_searches {
            s.server.max_concurrent_searches = v;
        }
        if let Some(v) = o.max_queued_searches {
            s.server.max_queued_searches = v;
        }
        if let Some(v) = o.write_queue_capacity {
            s.storage.write_queue_capacity = v;
        }
        if let Some(v) = o.write_queue_bytes {
            s.storage.write_queue_bytes = v;
        }
        if let Some(v) = o.snapshots_dir {
            s.storage.snapshots_dir = v;
        }
        if let Some(v) = o.max_snapshot_upload_bytes {
            s.storage.max_snapshot_upload_bytes = v;
        }
        if let Some(v) = o.api_key {
            s.security.api_key = KeySetting(v);
        }
        if let Some(v) = o.read_only_api_key {
            s.security.read_only_api_key = KeySetting(v);
        }
        if let Some(v) = o.api_key_file {
            s.security.api_key_file = v;
        }
        if let Some(v) = o.open_metrics {
            s.security.open_metrics = v;
        }
        if let Some(v) = o.open_docs {
            s.security.open_docs = v;
        }
        if let Some(v) = o.allow_unauthenticated {
            s.security.allow_unauthenticated = v;
        }
        if let Some(v) = o.wal_archive {
            s.storage.wal_archive = v;
        }
        if let Some(v) = o.log_level {
            s.log.level = v;
        }
        if let Some(v) = o.log_format {
            s.log.format = v;
        }
        if let Some(v) = o.tls_cert {
            s.tls.cert_file = v;
        }
        if let Some(v) = o.tls_key {
            s.tls.key_file = v;
        }
        if let Some(v) = o.cors_allow_origins {
            s.cors.allow_origins = v;
        }
        if let Some(v) = o.rate_limit_requests_per_second {
            s.rate_limit.requests_per_second = v;
        }
        if let Some(v) = o.rate_limit_burst {
            s.rate_limit.burst = v;
        }
        if let Some(v) = o.rate_limit_max_clients {
            s.rate_limit.max_clients = v;
        }
        s.validate()?;
        Ok(s)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let invalid = |key, reason: &str| {
            Err(ConfigError::Invalid {
                key,
                reason: reason.to_owned(),
            })
        };
        if parse_durability(&self.storage.durability).is_none() {
            return invalid("storage.durability", "must be fsync, flush or none");
        }
        if !matches!(self.log.format.as_str(), "plain" | "json") {
            return invalid("log.format", "must be plain or json");
        }
        if self.server.max_body_bytes < 1024 {
            return invalid("server.max_body_bytes", "must be at least 1024");
        }
        if self.server.request_timeout_secs == 0 {
            return invalid("server.request_timeout_secs", "must be at least 1");
        }
        if self.storage.wal_segment_bytes < 4096 {
            return invalid("storage.wal_segment_bytes", "must be at least 4096");
        }
        if self.storage.checkpoint_wal_bytes < MIN_CHECKPOINT_WAL_BYTES {
            // Below this, nearly every write group would rewrite the whole checkpoint.
            return invalid(
                "storage.checkpoint_wal_bytes",
                "must be at least 65536 (64 KiB)",
            );
        }
        if self.storage.flush_interval_ms == 0 {
            return invalid("storage.flush_interval_ms", "must be at least 1");
        }
        if self.storage.max_collections == 0 {
            return invalid("storage.max_collections", "must be at least 1");
        }
        if self.server.blocking_threads == 0 {
            return invalid("server.blocking_threads", "must be at least 1");
        }
        if self.storage.write_queue_capacity == 0 {
            return invalid("storage.write_queue_capacity", "must be at least 1");
        }
        if self.storage.write_queue_bytes == 0 {
            return invalid("storage.write_queue_bytes", "must be at least 1");
        }
        if self.tls.cert_file.as_os_str().is_empty() != self.tls.key_file.as_os_str().is_empty() {
            return invalid(
                "tls",
                "cert_file and key_file go together: give both (--tls-cert and --tls-key) or neither",
            );
        }
        if self.cors.allow_origins.iter().any(|o| o.trim().is_empty()) {
            return invalid("cors.allow_origins", "an origin cannot be empty");
        }
        let rps = self.rate_limit.requests_per_second;
        if !(rps.is_finite() && rps >= 0.0) {
            return invalid(
                "rate_limit.requests_per_second",
                "must be a number of at least 0 (0 turns rate limiting off)",
            );
        }
        if self.rate_limit.burst == 0 {
            return invalid("rate_limit.burst", "must be at least 1");
        }
        if self.rate_limit.max_clients == 0 {
            return invalid("rate_limit.max_clients", "must be at least 1");
        }
        Ok(())
    }

    /// The engine options these settings describe.
    #[must_use]
    pub fn engine_options(&self) -> EngineOptions {
        let mut opts = EngineOptions::new(self.storage.data_dir.clone());
        if let Some(d) = parse_durability(&self.storage.durability) {
            opts.default_durability = d;
        }
        opts.wal_segment_bytes = self.storage.wal_segment_bytes;
        opts.checkpoint_wal_bytes = self.storage.checkpoint_wal_bytes;
        opts.flush_interval = Duration::from_millis(self.storage.flush_interval_ms);
        opts.max_collections = self.storage.max_collections;
        opts.write_queue_capacity = self.storage.write_queue_capacity;
        opts.write_queue_bytes = self.storage.write_queue_bytes;
        if !self.storage.snapshots_dir.as_os_str().is_empty() {
            opts.snapshots_dir.clone_from(&self.storage.snapshots_dir);
        }
        opts.max_snapshot_upload_bytes = self.storage.max_snapshot_upload_bytes;
        if !self.storage.wal_archive.as_os_str().is_empty() {
            opts.wal_archive = Some(self.storage.wal_archive.clone());
        }
        opts
    }

    /// Async runtime threads: the setting, or one per CPU core when it is 0.
    #[must_use]
    pub fn worker_threads(&self) -> usize {
        match self.server.worker_threads {
            0 => cores(),
            n => n,
        }
    }

    /// The search admission limits: the settings, with 0 concurrent meaning two per CPU core.
    #[must_use]
    pub fn search_limits(&self) -> SearchLimits {
        SearchLimits {
            concurrent: match self.server.max_concurrent_searches {
                0 => cores().saturating_mul(2),
                n => n,
            },
            queued: self.server.max_queued_searches,
        }
    }
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_config_file_equals_the_defaults() -> Result<(), ConfigError> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/plait.toml");
        assert_eq!(
            Settings::load(Some(&path), Overrides::default())?,
            Settings::default()
        );
        Ok(())
    }

    #[test]
    fn overrides_win_over_the_file_and_bad_values_are_rejected()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("p.toml");
        std::fs::write(&path, "[server]\nport = 9000\nhost = \"0.0.0.0\"\n")?;
        let s = Settings::load(
            Some(&path),
            Overrides {
                port: Some(9100),
                ..Overrides::default()
            },
        )?;
        assert_eq!(s.server.port, 9100);
        assert_eq!(s.server.host, "0.0.0.0");
        std::fs::write(&path, "[server]\nprot = 9000\n")?;
        assert!(matches!(
            Settings::load(Some(&path), Overrides::default()),
            Err(ConfigError::Parse { .. })
        ));
        let bad = Overrides {
            durability: Some("sometimes".into()),
            ..Overrides::default()
        };
        assert!(matches!(
            Settings::load(None, bad),
            Err(ConfigError::Invalid { .. })
        ));
        for (bytes, ok) in [
            (0, false),
            (MIN_CHECKPOINT_WAL_BYTES - 1, false),
            (MIN_CHECKPOINT_WAL_BYTES, true),
        ] {
            let o = Overrides {
                checkpoint_wal_bytes: Some(bytes),
                ..Overrides::default()
            };
            assert_eq!(
                Settings::load(None, o).is_ok(),
                ok,
                "checkpoint_wal_bytes {bytes}"
            );
        }
        for bad in [
            Overrides {
                write_queue_capacity: Some(0),
                ..Overrides::default()
            },
            Overrides {
                blocking_threads: Some(0),
                ..Overrides::default()
            },
            Overrides {
                write_queue_bytes: Some(0),
                ..Overrides::default()
            },
        ] {
            assert!(matches!(
                Settings::load(None, bad),
                Err(ConfigError::Invalid { .. })
            ));
        }
        let s = Settings::load(
            None,
            Overrides {
                worker_threads: Some(3),
                max_concurrent_searches: Some(5),
                max_queued_searches: Some(0),
                write_queue_capacity: Some(7),
                write_queue_bytes: Some(4096),
                ..Overrides::default()
            },
        )?;
        assert_eq!(s.worker_threads(), 3);
        assert_eq!(
            s.search_limits(),
            crate::api::admission::SearchLimits {
                concurrent: 5,
                queued: 0
            }
        );
        assert_eq!(s.engine_options().write_queue_capacity, 7);
        assert_eq!(s.engine_options().write_queue_bytes, 4096);
        Ok(())
    }

    #[test]
    fn tls_cors_and_rate_limit_come_from_the_file_and_flags_win()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("p.toml");
        std::fs::write(
            &path,
            "[tls]\ncert_file = \"c.pem\"\nkey_file = \"k.pem\"\n\
             [cors]\nallow_origins = [\"https://a.example\"]\n\
             [rate_limit]\nrequests_per_second = 2.5\nburst = 7\nmax_clients = 9\n",
        )?;
        let s = Settings::load(Some(&path), Overrides::default())?;
        assert_eq!(
            s.tls.files(),
            Some((Path::new("c.pem"), Path::new("k.pem")))
        );
        assert_eq!(s.cors.allow_origins, ["https://a.example"]);
        assert_eq!(
            s.rate_limit,
            RateLimitSettings {
                requests_per_second: 2.5,
                burst: 7,
                max_clients: 9
            }
        );
        let s = Settings::load(
            Some(&path),
            Overrides {
                tls_cert: Some("c2.pem".into()),
                tls_key: Some("k2.pem".into()),
                cors_allow_origins: Some(vec!["https://b.example".into()]),
                rate_limit_requests_per_second: Some(0.0),
                ..Overrides::default()
            },
        )?;
        assert_eq!(
            s.tls.files(),
            Some((Path::new("c2.pem"), Path::new("k2.pem")))
        );
        assert_eq!(s.cors.allow_origins, ["https://b.example"]);
        assert!(s.rate_limit.requests_per_second.abs() < f64::EPSILON);
        assert_eq!(Settings::default().tls.files(), None);
        for bad in [
            Overrides {
                tls_cert: Some("c.pem".into()),
                ..Overrides::default()
            },
            Overrides {
                tls_key: Some("k.pem".into()),
                ..Overrides::default()
            },
            Overrides {
                cors_allow_origins: Some(vec![" ".into()]),
                ..Overrides::default()
            },
            Overrides {
                rate_limit_requests_per_second: Some(f64::INFINITY),
                ..Overrides::default()
            },
            Overrides {
                rate_limit_burst: Some(0),
                ..Overrides::default()
            },
            Overrides {
                rate_limit_max_clients: Some(0),
                ..Overrides::default()
            },
        ] {
            assert!(matches!(
                Settings::load(None, bad),
                Err(ConfigError::Invalid { .. })
            ));
        }
        Ok(())
    }
}
