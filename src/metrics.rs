//! Every Prometheus metric Plait exports, declared in one place. The help text is the doc comment.
//!
//! Labels stay bounded: HTTP routes are labelled by their route template (never the raw path),
//! collections only by name and only up to [`MAX_COLLECTION_LABELS`] of them, never by point id.
//! This module must not depend on any other Plait module.

use std::sync::LazyLock;

use prometheus::{
    Encoder, Histogram, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGauge,
    IntGaugeVec, Opts, Registry, TextEncoder,
};

/// Collections beyond this many are not labelled individually in `plait_collection_points`.
pub const MAX_COLLECTION_LABELS: usize = 1000;

/// The registry `/metrics` renders.
pub static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::new);

fn register<C: prometheus::core::Collector + Clone + 'static>(c: C) -> C {
    // Registering can only fail on a duplicate name, which the unit test below rules out.
    let _ = REGISTRY.register(Box::new(c.clone()));
    c
}

fn counter(name: &str, help: &str) -> IntCounter {
    register(IntCounter::new(name, help).unwrap_or_else(|e| unreachable!("{name}: {e}")))
}

/// HTTP requests handled, by method, route template and status code.
pub static HTTP_REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "plait_http_requests_total",
                "HTTP requests handled, by method, route template and status code.",
            ),
            &["method", "route", "status"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// HTTP request latency in seconds, by method and route template.
pub static HTTP_LATENCY: LazyLock<HistogramVec> = LazyLock::new(|| {
    register(
        HistogramVec::new(
            HistogramOpts::new(
                "plait_http_request_duration_seconds",
                "HTTP request latency in seconds, by method and route template.",
            )
            .buckets(vec![
                0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
                10.0,
            ]),
            &["method", "route"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Requests refused with 503 because a bounded queue was full, by what was full: `search` (the
/// search admission queue) or `write` (a collection's write queue).
pub static REJECTED_REQUESTS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "plait_rejected_requests_total",
                "Requests refused with 503 because a bounded queue was full, by what was full: search (the search admission queue) or write (a collection's write queue).",
            ),
            &["queue"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Requests answered 429 by the per-client rate limit, by how the client was told apart: `key`
/// (a valid API key or token) or `ip` (its address).
pub static RATE_LIMITED: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "plait_rate_limited_requests_total",
                "Requests answered 429 by the per-client rate limit, by how the client was told apart: key (a valid API key or token) or ip (its address).",
            ),
            &["client"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Clients the rate limiter tracks now (bounded by `rate_limit.max_clients`).
pub static RATE_LIMIT_CLIENTS: LazyLock<IntGauge> = LazyLock::new(|| {
    register(
        IntGauge::new(
            "plait_rate_limit_clients",
            "Clients the rate limiter tracks now (bounded by rate_limit.max_clients).",
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// TLS certificate reloads on SIGHUP, by outcome: `ok`, or `failed` (the previous certificate is
/// kept).
pub static TLS_RELOADS: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "plait_tls_reloads_total",
                "TLS certificate reloads on SIGHUP, by outcome: ok, or failed (the previous certificate is kept).",
            ),
            &["outcome"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Queued work dropped before it started because its request had ended (timed out or the client
/// went away), by kind: `blocking` (work waiting for a blocking thread) or `write` (a write not
/// yet logged).
pub static ABANDONED_WORK: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "plait_abandoned_work_total",
                "Queued work dropped before it started because its request had ended (timed out or the client went away), by kind: blocking (waiting for a blocking thread) or write (a write not yet logged).",
            ),
            &["kind"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Live points per collection.
pub static COLLECTION_POINTS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new("plait_collection_points", "Live points per collection."),
            &["collection"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Bytes of vectors memory-mapped per collection.
pub static VECTOR_MAPPED_BYTES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_vector_mapped_bytes",
                "Bytes of vectors memory-mapped from each collection's vector file.",
            ),
            &["collection"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Bytes of each collection's mapped vector file in the page cache.
pub static VECTOR_RESIDENT_BYTES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_vector_resident_bytes",
                "Bytes of each collection's mapped vector file in the page cache at scrape time (mincore).",
            ),
            &["collection"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Bytes of vectors held per collection, by form: `f32` (full precision) and `codes` (quantized).
pub static COLLECTION_VECTOR_BYTES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_collection_vector_bytes",
                "Bytes of vectors held per collection, by form: f32 (full precision, in the mapped vector file) and codes (quantized, in memory).",
            ),
            &["collection", "form"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Quantizers trained (each encodes every slot of its collection).
pub static QUANTIZER_TRAININGS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_quantizer_trainings_total",
        "Quantizers trained (each encodes every slot of its collection).",
    )
});

/// Collections, by state (ready, recovering, failed).
pub static COLLECTIONS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_collections",
                "Collections, by state (ready, recovering, failed).",
            ),
            &["state"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Bytes written to write-ahead logs.
pub static WAL_BYTES: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_wal_written_bytes_total",
        "Bytes written to write-ahead logs.",
    )
});

/// Latency of write-ahead-log fsyncs in seconds.
pub static WAL_FSYNC_SECONDS: LazyLock<Histogram> = LazyLock::new(|| {
    register(
        Histogram::with_opts(
            HistogramOpts::new(
                "plait_wal_fsync_duration_seconds",
                "Latency of write-ahead-log fsyncs in seconds.",
            )
            .buckets(vec![
                0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
            ]),
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Write-ahead logs that refused further writes after an I/O failure.
pub static WAL_POISONED: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_wal_poisoned_total",
        "Write-ahead logs that refused further writes after an I/O failure.",
    )
});

/// Torn WAL tails cut off during recovery.
pub static WAL_TORN_TAILS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_wal_torn_tails_total",
        "Torn WAL tails cut off during recovery.",
    )
});

/// Records committed per group commit (one WAL write and, under fsync durability, one fsync).
pub static WAL_GROUP_SIZE: LazyLock<Histogram> = LazyLock::new(|| {
    register(
        Histogram::with_opts(
            HistogramOpts::new(
                "plait_wal_group_commit_records",
                "Records committed per group commit (one WAL write and, under fsync durability, one fsync).",
            )
            .buckets(vec![1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0]),
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// WAL segments copied into the WAL archive (`--wal-archive`).
pub static WAL_ARCHIVED_SEGMENTS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_wal_archived_segments_total",
        "WAL segments copied into the WAL archive.",
    )
});

/// Failures to archive a WAL segment or a checkpoint; an unarchived segment stays in the live WAL
/// and is tried again at the next checkpoint.
pub static WAL_ARCHIVE_ERRORS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_wal_archive_errors_total",
        "Failures to archive a WAL segment or a checkpoint (the segment stays in the live WAL and is retried).",
    )
});

/// Points deleted because their expiry (the collection's `ttl_field`) passed.
pub static TTL_EXPIRED: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_ttl_expired_points_total",
        "Points deleted because their expiry (the collection's ttl_field) passed.",
    )
});

/// Checkpoints written.
pub static CHECKPOINTS: LazyLock<IntCounter> =
    LazyLock::new(|| counter("plait_checkpoints_total", "Checkpoints written."));

/// Automatic checkpoints that failed (each is retried with back-off).
pub static CHECKPOINT_FAILURES: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_checkpoint_failures_total",
        "Automatic checkpoints that failed (each is retried with back-off).",
    )
});

/// Times a collection began refusing writes (a failed WAL write or fsync, a logged write that
/// could not be applied, or a dead writer thread); each lasts until restart.
pub static COLLECTION_WRITES_REFUSED: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_collection_writes_refused_total",
        "Times a collection began refusing writes until restart (failed WAL write or fsync, unappliable write, dead writer).",
    )
});

/// Collections by health: 1 for a collection's current status (green, yellow or red), 0 for the
/// others. Red means writes are refused; yellow, a checkpoint failing or a graph repair running.
pub static COLLECTION_STATUS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_collection_status",
                "1 for each collection's current status (green, yellow, red), 0 for the others. Red: writes refused; yellow: checkpoint failing or graph repair running.",
            ),
            &["collection", "status"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Time to recover a collection (load checkpoint, replay WAL) in seconds.
pub static RECOVERY_SECONDS: LazyLock<Histogram> = LazyLock::new(|| {
    register(
        Histogram::with_opts(
            HistogramOpts::new(
                "plait_recovery_duration_seconds",
                "Time to recover a collection (load checkpoint, replay WAL) in seconds.",
            )
            .buckets(vec![
                0.001, 0.01, 0.1, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0,
            ]),
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// WAL records replayed during recovery.
pub static RECOVERY_REPLAYED: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_recovery_replayed_records_total",
        "WAL records replayed during recovery.",
    )
});

/// HNSW graphs rebuilt from vectors at open because the graph image was missing, stale or damaged.
pub static HNSW_REBUILDS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_hnsw_rebuilds_total",
        "HNSW graphs rebuilt from vectors at open because the graph image was missing, stale or damaged.",
    )
});

/// VelesQL plan cache events: `hit`, `miss`, `eviction`, `invalidation`.
pub static PLAN_CACHE: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "plait_velesql_plan_cache_total",
                "VelesQL plan cache lookups and removals: hit, miss, eviction (full), \
                 invalidation (a named collection's schema or indexes changed).",
            ),
            &["event"],
        )
        .expect("valid metric"),
    )
});

/// Vector searches by the strategy the planner chose (`unfiltered`, `exact_scan`,
/// `graph_allow_list`, `graph_predicate`).
pub static FILTERED_SEARCHES: LazyLock<IntCounterVec> = LazyLock::new(|| {
    register(
        IntCounterVec::new(
            Opts::new(
                "plait_search_strategy_total",
                "Vector searches by the strategy the planner chose.",
            ),
            &["strategy"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Payload field indexes rebuilt from payloads at open because their image was missing, stale or
/// damaged.
pub static PAYLOAD_INDEX_REBUILDS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_payload_index_rebuilds_total",
        "Payload field indexes rebuilt from payloads at open because their image was missing, stale or damaged.",
    )
});

/// Deleted points per collection whose slots wait for the HNSW graph repair.
pub static HNSW_TOMBSTONES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_hnsw_tombstones",
                "Deleted points per collection whose slots wait for the HNSW graph repair.",
            ),
            &["collection"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Approximate memory held by each payload field index.
pub static PAYLOAD_INDEX_BYTES: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_payload_index_bytes",
                "Approximate memory held by each payload field index, by collection and field.",
            ),
            &["collection", "field"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// Vector slots per collection: live points, tombstones and free slots.
pub static COLLECTION_SLOTS: LazyLock<IntGaugeVec> = LazyLock::new(|| {
    register(
        IntGaugeVec::new(
            Opts::new(
                "plait_collection_slots",
                "Vector slots per collection: live points, tombstones and free slots.",
            ),
            &["collection"],
        )
        .unwrap_or_else(|e| unreachable!("{e}")),
    )
});

/// HNSW repair rounds completed (each frees the tombstones it started with).
pub static HNSW_REPAIRS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_hnsw_repairs_total",
        "HNSW repair rounds completed (each frees the tombstones it started with).",
    )
});

/// HNSW nodes whose neighbour lists were rebuilt by a repair.
pub static HNSW_REPAIRED_NODES: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_hnsw_repaired_nodes_total",
        "HNSW nodes whose neighbour lists were rebuilt by a repair.",
    )
});

/// Request body fields Plait does not know and ignored (a newer client may send them).
pub static HTTP_IGNORED_FIELDS: LazyLock<IntCounter> = LazyLock::new(|| {
    counter(
        "plait_http_ignored_fields_total",
        "Request body fields Plait does not know and ignored (a newer client may send them).",
    )
});

/// Touches every metric so that each appears in `/metrics` from the start, even before first use.
pub fn init() {
    LazyLock::force(&HTTP_REQUESTS);
    LazyLock::force(&HTTP_LATENCY);
    for queue in ["search", "write"] {
        REJECTED_REQUESTS.with_label_values(&[queue]);
    }
    for kind in ["blocking", "write"] {
        ABANDONED_WORK.with_label_values(&[kind]);
    }
    for client in ["key", "ip"] {
        RATE_LIMITED.with_label_values(&[client]);
    }
    LazyLock::force(&RATE_LIMIT_CLIENTS);
    for outcome in ["ok", "failed"] {
        TLS_RELOADS.with_label_values(&[outcome]);
    }
    LazyLock::force(&COLLECTION_POINTS);
    LazyLock::force(&COLLECTIONS);
    LazyLock::force(&VECTOR_MAPPED_BYTES);
    LazyLock::force(&VECTOR_RESIDENT_BYTES);
    LazyLock::force(&COLLECTION_VECTOR_BYTES);
    LazyLock::force(&QUANTIZER_TRAININGS);
    LazyLock::force(&WAL_BYTES);
    LazyLock::force(&WAL_FSYNC_SECONDS);
    LazyLock::force(&WAL_POISONED);
    LazyLock::force(&WAL_TORN_TAILS);
    LazyLock::force(&WAL_GROUP_SIZE);
    LazyLock::force(&WAL_ARCHIVED_SEGMENTS);
    LazyLock::force(&WAL_ARCHIVE_ERRORS);
    LazyLock::force(&TTL_EXPIRED);
    LazyLock::force(&CHECKPOINTS);
    LazyLock::force(&CHECKPOINT_FAILURES);
    LazyLock::force(&COLLECTION_WRITES_REFUSED);
    LazyLock::force(&COLLECTION_STATUS);
    LazyLock::force(&RECOVERY_SECONDS);
    LazyLock::force(&RECOVERY_REPLAYED);
    LazyLock::force(&HNSW_REBUILDS);
    LazyLock::force(&PAYLOAD_INDEX_REBUILDS);
    LazyLock::force(&FILTERED_SEARCHES);
    LazyLock::force(&HNSW_TOMBSTONES);
    LazyLock::force(&COLLECTION_SLOTS);
    LazyLock::force(&PAYLOAD_INDEX_BYTES);
    LazyLock::force(&HNSW_REPAIRS);
    LazyLock::force(&HNSW_REPAIRED_NODES);
    LazyLock::force(&HTTP_IGNORED_FIELDS);
    for event in ["hit", "miss", "eviction", "invalidation"] {
        PLAN_CACHE.with_label_values(&[event]);
    }
}

/// Renders every registered metric in the Prometheus text format.
#[must_use]
pub fn render() -> String {
    let mut out = Vec::new();
    // Encoding into a Vec cannot fail for well-formed metrics.
    let _ = TextEncoder::new().encode(&REGISTRY.gather(), &mut out);
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_metric_registers_once_and_renders_with_the_prefix() {
        super::init();
        super::WAL_BYTES.inc();
        let text = super::render();
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            assert!(line.starts_with("plait_"), "unprefixed metric line: {line}");
        }
        assert!(super::REGISTRY.gather().len() >= 8);
    }
}
