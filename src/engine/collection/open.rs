//! Opening a collection: load the checkpoint, open the WAL (which checks and repairs it), replay
//! the records after the checkpoint as the log streams them, start the writer.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use parking_lot::{Mutex, RwLock};

use super::expiry::Ttl;
use super::health::Health;
use super::point_store::PointStore;
use super::quant_trigger::QuantTrigger;
use super::queue_bytes::QueueBytes;
use super::record_codec::decode_mutation;
use super::writer::{RetryBackoff, Writer, apply};
use super::{Collection, snapshot};
use crate::engine::config::{CollectionConfig, EngineOptions};
use crate::engine::wal_archive::CollectionArchive;
use crate::engine::{EngineError, manifest};
use crate::metrics;
use crate::storage::FileSystem;
use crate::storage::wal::{LocalWal, WalOptions, WriteAheadLog};

/// Opens (or creates, when the directory is empty) the collection stored in `dir`.
///
/// # Errors
/// [`EngineError::Checkpoint`], [`EngineError::Wal`] or [`EngineError::Undecodable`] when the
/// stored state is damaged; I/O errors.
pub fn open(
    fs: Arc<dyn FileSystem>,
    name: &str,
    dir: &Path,
    config: CollectionConfig,
    opts: &EngineOptions,
) -> Result<Collection, EngineError> {
    let started = Instant::now();
    let (store, checkpoint_seq) = snapshot::read(fs.as_ref(), name, dir, &config)?;
    let wal_opts = WalOptions {
        durability: config.durability,
        segment_bytes: opts.wal_segment_bytes,
    };
    let archive = opts
        .wal_archive
        .as_deref()
        .map(|d| CollectionArchive::new(d, name));
    if let Some(archive) = &archive {
        // Every archived record must follow an archived checkpoint: the one it opens from (for a
        // new collection, sequence 0 and its settings alone) is the base of what comes next.
        archive_checkpoint(archive, name, dir, checkpoint_seq);
    }
    let archive_wal = archive.as_ref().map(CollectionArchive::wal_dir);
    let (wal, recovered) = LocalWal::open_archiving(
        Arc::clone(&fs),
        &dir.join("wal"),
        wal_opts,
        checkpoint_seq,
        archive_wal.as_deref(),
    )
    .map_err(|e| EngineError::Wal {
        name: name.to_owned(),
        source: Arc::new(e),
    })?;
    if let Some(tail) = &recovered.tail {
        metrics::WAL_TORN_TAILS.inc();
        tracing::warn!(
            collection = name,
            path = %tail.path.display(),
            offset = tail.offset,
            dropped_bytes = tail.dropped_bytes,
            reason = %tail.reason,
            "cut a torn WAL tail (an append interrupted by a crash; it was never acknowledged)"
        );
    }
    start(
        Stored {
            fs,
            name,
            dir,
            config,
            opts,
            store,
            checkpoint_seq,
            started,
            archive,
        },
        Box::new(wal),
    )
}

/// Archives the checkpoint images in `dir` (for `seq`); a failure is logged and counted, never
/// fatal: the WAL segments are what must not be lost, and they stay live until archived.
pub(crate) fn archive_checkpoint(archive: &CollectionArchive, name: &str, dir: &Path, seq: u64) {
    if let Err(e) = archive.archive_checkpoint(dir, seq) {
        metrics::WAL_ARCHIVE_ERRORS.inc();
        tracing::error!(collection = name, seq, archive = %archive.root().display(), error = %e, "cannot archive a checkpoint");
    }
}

/// A collection's checkpoint, read back, and where the collection lives.
pub(crate) struct Stored<'a> {
    pub fs: Arc<dyn FileSystem>,
    pub name: &'a str,
    pub dir: &'a Path,
    pub config: CollectionConfig,
    pub opts: &'a EngineOptions,
    /// The points as of the checkpoint.
    pub store: PointStore,
    /// The sequence number the checkpoint covers.
    pub checkpoint_seq: u64,
    /// When opening began.
    pub started: Instant,
    /// The collection's WAL archive, when the server keeps one.
    pub archive: Option<CollectionArchive>,
}

/// The part of opening that works with any [`WriteAheadLog`]: replays the records after the
/// checkpoint into the store and starts the writer on the log.
///
/// # Errors
/// [`EngineError::Wal`] when the log cannot be read, [`EngineError::Undecodable`] for a record
/// that does not decode; the error of spawning the writer thread.
pub(crate) fn start(
    stored: Stored<'_>,
    wal: Box<dyn WriteAheadLog>,
) -> Result<Collection, EngineError> {
    let store_lock = RwLock::new(stored.store);
    // Records are applied as the log streams them, one in memory at a time.
    let mut replayed = 0u64;
    let mut failed = None;
    wal.replay(
        stored.checkpoint_seq + 1,
        &mut |seq, bytes| match replay_record(&store_lock, stored.name, &stored.config, seq, bytes)
        {
            Ok(()) => {
                replayed += 1;
                ControlFlow::Continue(())
            }
            Err(e) => {
                failed = Some(e);
                ControlFlow::Break(())
            }
        },
    )
    .map_err(|e| EngineError::Wal {
        name: stored.name.to_owned(),
        source: Arc::new(e),
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    let quant = QuantTrigger::new(&stored.config);
    quant.train_if_due(stored.name, &store_lock);
    let store = Arc::new(store_lock);
    metrics::RECOVERY_REPLAYED.inc_by(replayed);
    metrics::RECOVERY_SECONDS.observe(stored.started.elapsed().as_secs_f64());
    tracing::info!(
        collection = stored.name,
        points = store.read().len(),
        replayed_records = replayed,
        elapsed_ms = u64::try_from(stored.started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "collection recovered"
    );
    let ttl = manifest::read_ttl_field(stored.fs.as_ref(), stored.dir)?
        .map(|key| Ttl::new(&key))
        .transpose()?;
    let health = Arc::new(Health::default());
    let queue_bytes = Arc::new(QueueBytes::new(stored.opts.write_queue_bytes));
    let applied_seq = wal.last_seq().max(stored.checkpoint_seq);
    let writer = Writer {
        name: stored.name.to_owned(),
        config: stored.config.clone(),
        dir: stored.dir.to_path_buf(),
        durability: stored.config.durability,
        fs: stored.fs,
        wal,
        store: Arc::clone(&store),
        checkpoint_wal_bytes: stored.opts.checkpoint_wal_bytes,
        flush_interval: stored.opts.flush_interval,
        checkpoint_seq: stored.checkpoint_seq,
        applied_seq,
        quant,
        consolidation: None,
        health: Arc::clone(&health),
        checkpoint_retry: RetryBackoff::default(),
        expiry_retry: RetryBackoff::default(),
        queue_bytes: Arc::clone(&queue_bytes),
        in_doubt: Vec::new(),
        archive: stored.archive,
        last_time_mark: 0,
        ttl: ttl.clone(),
    };
    // Bounded so that a writer that falls behind pushes back on clients (503) instead of
    // queueing without limit.
    let (tx, rx) = crossbeam_channel::bounded(stored.opts.write_queue_capacity.max(1));
    let supervised = Arc::clone(&health);
    let thread_name = stored.name.to_owned();
    let thread = std::thread::Builder::new()
        .name(format!("writer-{}", stored.name))
        .spawn(move || {
            // A panic in the writer must not leave the collection looking healthy while every
            // write fails: it turns into a refusal the status, `/readyz` and `/metrics` report.
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| writer.run(&rx)));
            if let Err(panic) = outcome {
                let what = panic_message(panic.as_ref());
                tracing::error!(collection = %thread_name, panic = %what, "the writer thread panicked");
                supervised.refuse_writes(format!("the writer thread stopped: {what}"));
                metrics::COLLECTION_WRITES_REFUSED.inc();
            }
        })
        .map_err(|e| EngineError::io("spawn writer thread", stored.dir, e))?;
    Ok(Collection {
        name: stored.name.to_owned(),
        config: stored.config,
        store,
        health,
        tx,
        queue_bytes,
        thread: Mutex::new(Some(thread)),
        ttl,
    })
}

/// Decodes one logged record and applies it to the store being recovered.
fn replay_record(
    store: &RwLock<PointStore>,
    name: &str,
    config: &CollectionConfig,
    seq: u64,
    bytes: &[u8],
) -> Result<(), EngineError> {
    let mutation = decode_mutation(bytes, &config.dimensions(), config.sparse_vectors.len())
        .map_err(|e| EngineError::Undecodable {
            name: name.to_owned(),
            what: "WAL record",
            detail: format!("sequence {seq}: {e}"),
        })?;
    apply(store, mutation).map_err(|e| EngineError::VectorStorage {
        name: name.to_owned(),
        source: Arc::new(e),
    })
}

/// The text of a panic payload (`panic!` with a literal or a formatted message).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "a panic without a message".to_owned()
    }
}
