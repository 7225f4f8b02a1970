//! The `plait` binary: `serve` runs the server; `openapi` prints the API document; `healthcheck`
//! probes a running server (for container health checks, so images need no curl); `bench ann`
//! runs the in-process HNSW benchmark, which lives here ([`bench`]) so the library carries no
//! benchmark code; `sql` is the VelesQL shell, a client of the HTTP API ([`sql_shell`]);
//! `import` and `export` move points between servers and files over HTTP ([`transfer`]).
//! `snapshot` takes, lists, downloads and restores snapshots over HTTP ([`snapshot_cli`]);
//! `restore` rebuilds a collection at a point in time from a WAL archive ([`restore_cli`]).

mod bench;
mod cli_http;
mod restore_cli;
mod snapshot_cli;
mod sql_shell;
mod transfer;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use plait::api::{self, AppState, HttpLimits};
use plait::config::{Overrides, Settings};
use plait::engine::Engine;
use tracing_subscriber::EnvFilter;

mod log_sink;

/// Plait: vector search, graph and columns in one database server.
#[derive(Debug, Parser)]
#[command(name = "plait", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the server.
    Serve(Box<ServeArgs>),
    /// Print the OpenAPI 3.1 document of the HTTP API.
    Openapi,
    /// Benchmarks that run components in-process (no HTTP).
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Exit 0 when GET URL answers 2xx within 3 seconds (for container health checks).
    Healthcheck {
        /// The URL to probe (http://, or https:// checked against --ca-cert and the system's
        /// trust store).
        #[arg(long, default_value = "http://127.0.0.1:8080/livez")]
        url: String,
        #[command(flatten)]
        access: cli_http::ServerAccess,
    },
    /// A VelesQL shell over HTTP: interactive, or `-c TEXT` / `-f FILE` for scripts.
    Sql(sql_shell::SqlArgs),
    #[command(flatten)]
    Transfer(transfer::TransferCommand),
    /// Take, list, download and restore snapshots of a running server over HTTP.
    #[command(subcommand)]
    Snapshot(snapshot_cli::SnapshotCommand),
    /// Rebuild a collection as it was at a WAL sequence number or a moment, from a WAL archive
    /// (offline: writes into a data directory no server is running on).
    Restore(Box<restore_cli::RestoreArgs>),
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Build an HNSW index over an fvecs file and measure recall@k, QPS and latency per ef.
    Ann(Box<AnnArgs>),
}

/// Arguments of `plait bench ann`.
#[derive(Debug, Args)]
struct AnnArgs {
    /// Base vectors (.fvecs).
    #[arg(long)]
    base: PathBuf,
    /// Query vectors (.fvecs).
    #[arg(long)]
    queries: PathBuf,
    /// Ground-truth neighbour ids per query, best first (.ivecs).
    #[arg(long)]
    groundtruth: PathBuf,
    /// cosine, dot, euclid, manhattan, chebyshev, canberra or bray_curtis.
    #[arg(long, default_value = "cosine")]
    metric: String,
    /// Neighbours per query.
    #[arg(long, default_value_t = 10)]
    k: usize,
    /// HNSW links per node.
    #[arg(long, default_value_t = 16)]
    m: usize,
    /// HNSW build candidate list size.
    #[arg(long, default_value_t = 200)]
    ef_construction: usize,
    /// Search candidate list sizes, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "10,20,40,80,160,320")]
    ef: Vec<usize>,
    /// Query threads.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Build threads [default: all cores].
    #[arg(long)]
    build_threads: Option<usize>,
    /// Search on quantized codes: sq8, or pq (with --pq-compression).
    #[arg(long)]
    quantization: Option<String>,
    /// SQ8 quantile (0.5..=1).
    #[arg(long, default_value_t = 0.99)]
    quantile: f32,
    /// PQ compression: x4, x8, x16, x32 or x64.
    #[arg(long, default_value = "x16")]
    pq_compression: String,
    /// Candidates per requested hit before re-scoring (at least 1).
    #[arg(long, default_value_t = 1.0)]
    oversampling: f32,
    /// Return the best candidates by their quantized keys, without re-scoring on f32 vectors.
    #[arg(long)]
    no_rescore: bool,
    /// One JSON object per line instead of a table.
    #[arg(long)]
    json: bool,
}

fn bench_ann(args: AnnArgs) -> anyhow::Result<()> {
    use plait::vector::quantize::{Compression, QuantizationConfig, QuantizationMethod};
    let method = match args.quantization.as_deref() {
        None => None,
        Some("sq8") => Some(QuantizationMethod::Scalar {
            quantile: args.quantile,
        }),
        Some("pq") => Some(QuantizationMethod::Product {
            compression: Compression::parse(&args.pq_compression).with_context(|| {
                format!(
                    "unknown --pq-compression {:?}; use x4, x8, x16, x32 or x64",
                    args.pq_compression
                )
            })?,
        }),
        Some(other) => bail!("unknown --quantization {other:?}; use sq8 or pq"),
    };
    let quantization = method.map(|method| QuantizationConfig {
        method,
        always_ram: true,
    });
    if let Some(q) = &quantization {
        q.validate().map_err(anyhow::Error::msg)?;
    }
    if !(args.oversampling.is_finite() && args.oversampling >= 1.0) {
        bail!(
            "--oversampling must be a number of at least 1, got {}",
            args.oversampling
        );
    }
    let metric = match args.metric.as_str() {
        "cosine" => plait::vector::Metric::Cosine,
        "dot" => plait::vector::Metric::Dot,
        "euclid" | "euclidean" | "l2" => plait::vector::Metric::Euclid,
        "manhattan" | "l1" => plait::vector::Metric::Manhattan,
        "chebyshev" => plait::vector::Metric::Chebyshev,
        "canberra" => plait::vector::Metric::Canberra,
        "bray_curtis" => plait::vector::Metric::BrayCurtis,
        "hamming" => plait::vector::Metric::Hamming,
        "jaccard" => plait::vector::Metric::Jaccard,
        other => bail!(
            "unknown metric {other:?}; use cosine, dot, euclid, manhattan, chebyshev, canberra, bray_curtis, hamming or jaccard"
        ),
    };
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
    let config = bench::ann::AnnBenchConfig {
        base: args.base,
        queries: args.queries,
        groundtruth: args.groundtruth,
        metric,
        k: args.k,
        m: args.m,
        ef_construction: args.ef_construction,
        ef: args.ef,
        threads: args.threads,
        build_threads: args.build_threads.unwrap_or(cores),
        quantization,
        quantized_search: plait::vector::quantize::QuantizedSearch {
            ignore: false,
            rescore: !args.no_rescore,
            oversampling: args.oversampling,
        },
    };
    let json = args.json;
    let mut out = std::io::stdout().lock();
    bench::ann::run(&config, |line| {
        let text = if json { line.json() } else { line.text() };
        // A closed pipe (`| head`) just ends the output.
        let _ = writeln!(out, "{text}").and_then(|()| out.flush());
    })?;
    Ok(())
}

/// Settings for `serve`. Precedence: flag > environment variable > config file > default. Every
/// setting is documented, with its default, in config/plait.toml.
#[derive(Debug, Args)]
struct ServeArgs {
    /// TOML config file (see config/plait.toml for every setting and its default).
    #[arg(long, env = "PLAIT_CONFIG")]
    config: Option<PathBuf>,
    /// Address to listen on [default: 127.0.0.1].
    #[arg(long, env = "PLAIT_HOST")]
    host: Option<String>,
    /// Port to listen on; 0 picks a free one [default: 8080].
    #[arg(long, env = "PLAIT_PORT")]
    port: Option<u16>,
    /// Data directory [default: ./plait_data].
    #[arg(long, env = "PLAIT_DATA_DIR")]
    data_dir: Option<PathBuf>,
    /// Default durability of new collections: fsync, flush or none [default: fsync].
    #[arg(long, env = "PLAIT_DURABILITY")]
    durability: Option<String>,
    /// Largest request body in bytes [default: 33554432].
    #[arg(long, env = "PLAIT_MAX_BODY_BYTES")]
    max_body_bytes: Option<usize>,
    /// Request timeout in seconds [default: 30].
    #[arg(long, env = "PLAIT_REQUEST_TIMEOUT_SECS")]
    request_timeout_secs: Option<u64>,
    /// How long shutdown waits for in-flight requests, in seconds [default: 30].
    #[arg(long, env = "PLAIT_SHUTDOWN_TIMEOUT_SECS")]
    shutdown_timeout_secs: Option<u64>,
    /// WAL segment size in bytes [default: 67108864].
    #[arg(long, env = "PLAIT_WAL_SEGMENT_BYTES")]
    wal_segment_bytes: Option<u64>,
    /// WAL bytes that trigger a checkpoint [default: 268435456].
    #[arg(long, env = "PLAIT_CHECKPOINT_WAL_BYTES")]
    checkpoint_wal_bytes: Option<u64>,
    /// WAL flush interval for flush/none durability, in milliseconds [default: 200].
    #[arg(long, env = "PLAIT_FLUSH_INTERVAL_MS")]
    flush_interval_ms: Option<u64>,
    /// Most collections the server holds (each costs a writer thread) [default: 1000].
    #[arg(long, env = "PLAIT_MAX_COLLECTIONS")]
    max_collections: Option<usize>,
    /// Async runtime threads; 0 means one per CPU core [default: 0].
    #[arg(long, env = "PLAIT_WORKER_THREADS")]
    worker_threads: Option<usize>,
    /// Most threads of the blocking pool (engine work, body parsing) [default: 512].
    #[arg(long, env = "PLAIT_BLOCKING_THREADS")]
    blocking_threads: Option<usize>,
    /// Searches running at once; 0 means two per CPU core [default: 0].
    #[arg(long, env = "PLAIT_MAX_CONCURRENT_SEARCHES")]
    max_concurrent_searches: Option<usize>,
    /// Searches waiting beyond those running; past it a search gets 503 [default: 256].
    #[arg(long, env = "PLAIT_MAX_QUEUED_SEARCHES")]
    max_queued_searches: Option<usize>,
    /// Writes queued per collection; past it a write gets 503 [default: 256].
    #[arg(long, env = "PLAIT_WRITE_QUEUE_CAPACITY")]
    write_queue_capacity: Option<usize>,
    /// Bytes of writes queued per collection; a write that does not fit gets 503
    /// [default: 134217728].
    #[arg(long, env = "PLAIT_WRITE_QUEUE_BYTES")]
    write_queue_bytes: Option<usize>,
    /// Snapshots directory; file:// recoveries read only from it [default: <data-dir>/snapshots].
    #[arg(long, env = "PLAIT_SNAPSHOTS_DIR")]
    snapshots_dir: Option<PathBuf>,
    /// Largest snapshot upload in bytes [default: 17179869184].
    #[arg(long, env = "PLAIT_MAX_SNAPSHOT_UPLOAD_BYTES")]
    max_snapshot_upload_bytes: Option<u64>,
    /// WAL archive directory for point-in-time restore; empty or absent means none.
    #[arg(long, env = "PLAIT_WAL_ARCHIVE")]
    wal_archive: Option<PathBuf>,
    /// Log filter: a level or tracing directives [default: info].
    #[arg(long, env = "PLAIT_LOG_LEVEL")]
    log_level: Option<String>,
    /// Log format: plain or json [default: plain].
    #[arg(long, env = "PLAIT_LOG_FORMAT")]
    log_format: Option<String>,
    /// Admin API key: every route; it also signs access tokens [default: none].
    #[arg(long, env = "PLAIT_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// Read-only API key: every read, no change [default: none].
    #[arg(long, env = "PLAIT_READ_ONLY_API_KEY", hide_env_values = true)]
    read_only_api_key: Option<String>,
    /// File of more keys, one per line: `admin KEY` or `read-only KEY` [default: none].
    #[arg(long, env = "PLAIT_API_KEY_FILE")]
    api_key_file: Option<PathBuf>,
    /// Serve /metrics without a key when keys are configured [default: false].
    #[arg(long, env = "PLAIT_OPEN_METRICS", num_args = 0..=1, default_missing_value = "true")]
    open_metrics: Option<bool>,
    /// Serve /docs and /openapi.json without a key when keys are configured [default: false].
    #[arg(long, env = "PLAIT_OPEN_DOCS", num_args = 0..=1, default_missing_value = "true")]
    open_docs: Option<bool>,
    /// Listen on a non-loopback address without any API key [default: false].
    #[arg(long, env = "PLAIT_ALLOW_UNAUTHENTICATED", num_args = 0..=1, default_missing_value = "true")]
    allow_unauthenticated: Option<bool>,
    /// Serve HTTPS with this PEM certificate chain; needs --tls-key; reloaded on SIGHUP
    /// [default: none, plain HTTP].
    #[arg(long, env = "PLAIT_TLS_CERT")]
    tls_cert: Option<PathBuf>,
    /// The PEM private key of --tls-cert [default: none].
    #[arg(long, env = "PLAIT_TLS_KEY")]
    tls_key: Option<PathBuf>,
    /// A browser origin allowed by CORS (repeat it, or separate with commas; `*` for any)
    /// [default: none, no CORS headers].
    #[arg(
        long = "cors-allow-origin",
        env = "PLAIT_CORS_ALLOW_ORIGIN",
        value_delimiter = ','
    )]
    cors_allow_origins: Vec<String>,
    /// Requests per second each client's bucket regains; 0 turns the rate limit off [default: 0].
    #[arg(long, env = "PLAIT_RATE_LIMIT_RPS")]
    rate_limit_rps: Option<f64>,
    /// Requests a client may send at once (its bucket's size) [default: 50].
    #[arg(long, env = "PLAIT_RATE_LIMIT_BURST")]
    rate_limit_burst: Option<u32>,
    /// Most clients the rate limiter tracks at once [default: 100000].
    #[arg(long, env = "PLAIT_RATE_LIMIT_MAX_CLIENTS")]
    rate_limit_max_clients: Option<usize>,
}

impl ServeArgs {
    fn overrides(self) -> (Option<PathBuf>, Overrides) {
        (
            self.config,
            Overrides {
                host: self.host,
                port: self.port,
                data_dir: self.data_dir,
                durability: self.durability,
                max_body_bytes: self.max_body_bytes,
                request_timeout_secs: self.request_timeout_secs,
                shutdown_timeout_secs: self.shutdown_timeout_secs,
                wal_segment_bytes: self.wal_segment_bytes,
                checkpoint_wal_bytes: self.checkpoint_wal_bytes,
                flush_interval_ms: self.flush_interval_ms,
                max_collections: self.max_collections,
                worker_threads: self.worker_threads,
                blocking_threads: self.blocking_threads,
                max_concurrent_searches: self.max_concurrent_searches,
                max_queued_searches: self.max_queued_searches,
                write_queue_capacity: self.write_queue_capacity,
                write_queue_bytes: self.write_queue_bytes,
                snapshots_dir: self.snapshots_dir,
                max_snapshot_upload_bytes: self.max_snapshot_upload_bytes,
                wal_archive: self.wal_archive,
                log_level: self.log_level,
                log_format: self.log_format,
                api_key: self.api_key,
                read_only_api_key: self.read_only_api_key,
                api_key_file: self.api_key_file,
                open_metrics: self.open_metrics,
                open_docs: self.open_docs,
                allow_unauthenticated: self.allow_unauthenticated,
                tls_cert: self.tls_cert,
                tls_key: self.tls_key,
                cors_allow_origins: (!self.cors_allow_origins.is_empty())
                    .then_some(self.cors_allow_origins),
                rate_limit_requests_per_second: self.rate_limit_rps,
                rate_limit_burst: self.rate_limit_burst,
                rate_limit_max_clients: self.rate_limit_max_clients,
            },
        )
    }
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => serve(*args),
        Command::Openapi => {
            let mut out = std::io::stdout().lock();
            out.write_all(api::openapi::document_json().as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write the OpenAPI document to standard output")
        }
        Command::Bench(BenchCommand::Ann(args)) => bench_ann(*args),
        Command::Healthcheck { url, access } => healthcheck(&url, &access),
        Command::Transfer(command) => std::process::exit(transfer::run(command)),
        Command::Snapshot(command) => snapshot_cli::run(command),
        Command::Restore(args) => restore_cli::run(*args),
        Command::Sql(args) => {
            let code = sql_shell::run(args)?;
            std::process::exit(code)
        }
    }
}

fn init_logging(settings: &Settings) -> anyhow::Result<()> {
    let filter = EnvFilter::try_new(&settings.log.level)
        .with_context(|| format!("invalid log level {:?}", settings.log.level))?;
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(|| log_sink::LossyStderr);
    if settings.log.format == "json" {
        builder.json().flatten_event(true).init();
    } else {
        builder.init();
    }
    Ok(())
}

fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let (config_file, overrides) = args.overrides();
    let settings = Settings::load(config_file.as_deref(), overrides)?;
    init_logging(&settings)?;
    let access = access_control(&settings)?;
    // Certificates and origins are checked before the data directory is touched, so that a bad
    // file or a typo stops the start at once.
    let tls = match settings.tls.files() {
        Some((cert, key)) => Some(
            plait::transport::CertStore::load(cert, key)
                .context("cannot start with the configured TLS certificate")?,
        ),
        None => None,
    };
    let policy = client_policy(&settings)?;
    plait::metrics::init();
    // Chooses (and logs) the distance kernels for this CPU once, before the first request.
    let _ = plait::vector::distance::selected();
    let engine = Arc::new(Engine::open(settings.engine_options())?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(settings.worker_threads())
        .max_blocking_threads(settings.server.blocking_threads)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(run_server(settings, engine, access, tls, policy))
}

/// The CORS allow-list and the rate limit the settings ask for.
fn client_policy(settings: &Settings) -> anyhow::Result<api::ClientPolicy> {
    let cors = api::cors::layer(&settings.cors.allow_origins)?;
    if cors.is_some() {
        tracing::info!(origins = ?settings.cors.allow_origins, "CORS allowed for these origins");
    }
    let limits = &settings.rate_limit;
    let rate_limit =
        api::rate_limit::Rate::new(limits.requests_per_second, limits.burst).map(|rate| {
            tracing::info!(
                requests_per_second = limits.requests_per_second,
                burst = limits.burst,
                max_clients = limits.max_clients,
                "per-client rate limit on"
            );
            Arc::new(api::rate_limit::RateLimiter::new(
                rate,
                std::num::NonZeroUsize::new(limits.max_clients)
                    .unwrap_or(std::num::NonZeroUsize::MIN),
            ))
        });
    Ok(api::ClientPolicy { cors, rate_limit })
}

/// The access control the settings ask for; refuses to serve beyond loopback without a key
/// unless `allow_unauthenticated` is set, and says so when it is.
fn access_control(settings: &Settings) -> anyhow::Result<api::access::AccessControl> {
    let keys = settings.security.keys()?;
    let access = api::access::AccessControl::new(
        &keys.admin,
        &keys.read_only,
        settings.security.open_metrics,
        settings.security.open_docs,
    );
    let host = &settings.server.host;
    if access.enabled() {
        tracing::info!(
            admin_keys = keys.admin.len(),
            read_only_keys = keys.read_only.len(),
            "API keys required"
        );
    } else if plait::config::is_loopback_host(host) {
        tracing::info!("no API key configured: every request is allowed (loopback only)");
    } else if settings.security.allow_unauthenticated {
        tracing::warn!(host = %host, "serving WITHOUT authentication on a non-loopback address (--allow-unauthenticated)");
    } else {
        anyhow::bail!(
            "refusing to listen on {host} without an API key: set --api-key (or \
             PLAIT_API_KEY, or [security] api_key), or pass --allow-unauthenticated"
        );
    }
    Ok(access)
}

async fn run_server(
    settings: Settings,
    engine: Arc<Engine>,
    access: api::access::AccessControl,
    tls: Option<Arc<plait::transport::CertStore>>,
    policy: api::ClientPolicy,
) -> anyhow::Result<()> {
    let access = Arc::new(access);
    let addr = format!("{}:{}", settings.server.host, settings.server.port);
    let tcp = tokio::net::TcpListener::bind(&addr)
        .await
        .with_context(|| format!("cannot listen on {addr}"))?;
    let local = tcp.local_addr()?;
    let listener = plait::transport::Listener::new(tcp, tls.as_ref())?;
    if let Some(store) = tls {
        plait::transport::reload_on_hangup(store)
            .context("cannot listen for SIGHUP, which reloads the TLS certificate")?;
    }
    tracing::info!(
        address = %local,
        scheme = if listener.is_tls() { "https" } else { "http" },
        data_dir = %settings.storage.data_dir.display(),
        "plait listening"
    );

    // Recovery runs in the background; /readyz answers 503 until it is done.
    let recovering = Arc::clone(&engine);
    let recovery = tokio::task::spawn_blocking(move || recovering.recover_all());

    let state = AppState {
        engine: Arc::clone(&engine),
        default_durability: settings.engine_options().default_durability,
        plan_cache: std::sync::Arc::new(plait::query::execute::PlanCache::new(
            plait::query::execute::DEFAULT_CAPACITY,
        )),
        searches: api::admission::SearchGate::new(settings.search_limits()),
        access,
    };
    let limits = HttpLimits {
        max_body_bytes: settings.server.max_body_bytes,
        max_snapshot_upload_bytes: settings.storage.max_snapshot_upload_bytes,
        request_timeout: Duration::from_secs(settings.server.request_timeout_secs),
    };
    let app = api::router_with(state, limits, policy)
        .into_make_service_with_connect_info::<api::PeerAddr>();
    let (drained_tx, drained_rx) = tokio::sync::oneshot::channel::<()>();
    let grace = Duration::from_secs(settings.server.shutdown_timeout_secs);
    let server = axum::serve(listener, app).with_graceful_shutdown(async move {
        shutdown_signal().await;
        tracing::info!("shutdown signal received; finishing in-flight requests");
        let _ = drained_tx.send(());
    });
    let serving = tokio::spawn(async move { server.await });
    // Wait for the server to stop, or for the grace period after the signal to run out.
    let served = tokio::select! {
        r = serving => Some(r),
        () = async {
            let _ = drained_rx.await;
            tokio::time::sleep(grace).await;
        } => None,
    };
    match served {
        Some(Ok(Ok(()))) => tracing::info!("HTTP server stopped"),
        Some(Ok(Err(e))) => tracing::error!(error = %e, "HTTP server failed"),
        Some(Err(e)) => tracing::error!(error = %e, "HTTP server task failed"),
        None => tracing::warn!("grace period over; checkpointing with requests still in flight"),
    }
    let _ = recovery.await;
    tokio::task::spawn_blocking(move || engine.shutdown())
        .await
        .context("shutdown task failed")?;
    tracing::info!("collections checkpointed; bye");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = term => {}
    }
}

fn healthcheck(url: &str, access: &cli_http::ServerAccess) -> anyhow::Result<()> {
    if url.starts_with("https://") {
        return healthcheck_tls(url, access);
    }
    let rest = url
        .strip_prefix("http://")
        .context("only http:// and https:// URLs are supported")?;
    let (authority, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(a, p)| (a, format!("/{p}")));
    let addr: SocketAddr = authority
        .to_socket_addrs()
        .with_context(|| format!("cannot resolve {authority}"))?
        .next()
        .with_context(|| format!("no address for {authority}"))?;
    let timeout = Duration::from_secs(3);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.take(64 * 1024).read_to_string(&mut response)?;
    let status_line = response.lines().next().unwrap_or_default();
    let code = status_line.split_whitespace().nth(1).unwrap_or_default();
    if code.starts_with('2') {
        // The exit status is the answer; a failed print must not turn it into a panic.
        let _ = writeln!(std::io::stdout(), "{status_line}");
        Ok(())
    } else {
        bail!("unhealthy: {status_line:?}")
    }
}

/// [`healthcheck`] over TLS: the same 3-second bound, the certificate checked.
fn healthcheck_tls(url: &str, access: &cli_http::ServerAccess) -> anyhow::Result<()> {
    let (http, _) = cli_http::client_with(url, access).map_err(anyhow::Error::msg)?;
    let response = http
        .get(url)
        .timeout(Duration::from_secs(3))
        .send()
        .map_err(|e| anyhow::anyhow!("cannot reach {url}: {}", cli_http::innermost(&e)))?;
    let status = response.status();
    if status.is_success() {
        let _ = writeln!(std::io::stdout(), "{status}");
        Ok(())
    } else {
        bail!("unhealthy: {status}")
    }
}
