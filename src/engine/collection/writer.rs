//! The collection writer: one thread per collection that owns the WAL and is the only code that
//! mutates the [`PointStore`].
//!
//! Commands arrive on a channel. The writer takes every command already queued (up to
//! [`MAX_GROUP`]), appends them to the WAL, makes the group durable with one `write` + `fsync`
//! (group commit), acknowledges `wait=false` writers, applies the group to the store in short
//! write-lock slices so readers are never blocked for a whole batch, then acknowledges the rest.
//! It checkpoints when the WAL has grown past the configured size, and at shutdown. When its queue
//! is empty and the collection has enough tombstones, it repairs the graph around them one slice at
//! a time (`consolidation`), checking the queue between slices; under a steady stream of writes it
//! still runs one slice per `consolidation::MAX_DELAY`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};
use parking_lot::RwLock;
use tokio::sync::oneshot;

use super::consolidation::{self, Consolidation};
use super::point_store::PointStore;
use super::quant_trigger::QuantTrigger;
use super::record_codec::Mutation;
use super::snapshot;
use crate::engine::EngineError;
use crate::metrics;
use crate::storage::FileSystem;
use crate::storage::wal::{Durability, WalError, WriteAheadLog};

/// Most commands committed in one group.
const MAX_GROUP: usize = 256;
/// Points applied per write-lock acquisition.
const APPLY_SLICE: usize = 256;

/// When a write is acknowledged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AckAt {
    /// Once its WAL record is durable (Qdrant's `wait=false`, status `acknowledged`).
    Durable,
    /// Once it is also visible to reads (`wait=true`, status `completed`).
    Applied,
}

/// What an acknowledged write reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WriteReceipt {
    /// The WAL sequence number of the write (Qdrant's `operation_id`).
    pub seq: u64,
    /// Whether it was already visible to reads when acknowledged.
    pub applied: bool,
}

/// A command for the writer.
#[derive(Debug)]
pub enum Command {
    /// Persist and apply a mutation.
    Write(QueuedWrite),
    /// Checkpoint and stop.
    Shutdown {
        /// Where to reply.
        reply: oneshot::Sender<Result<(), EngineError>>,
    },
}

/// A mutation waiting for the writer.
#[derive(Debug)]
pub struct QueuedWrite {
    /// The mutation.
    pub mutation: Mutation,
    /// Its WAL record (encoded by the caller, off the writer thread).
    pub record: Vec<u8>,
    /// When to reply.
    pub ack: AckAt,
    /// Where to reply.
    pub reply: oneshot::Sender<Result<WriteReceipt, EngineError>>,
}

/// The writer's state; runs on its own thread via [`Writer::run`].
#[derive(Debug)]
pub struct Writer {
    /// Collection name (for errors and logs).
    pub name: String,
    /// Collection directory.
    pub dir: PathBuf,
    /// Durability of the WAL.
    pub durability: Durability,
    /// The file system.
    pub fs: Arc<dyn FileSystem>,
    /// The log.
    pub wal: Box<dyn WriteAheadLog>,
    /// The shared state.
    pub store: Arc<RwLock<PointStore>>,
    /// Checkpoint once this many WAL bytes accumulate.
    pub checkpoint_wal_bytes: u64,
    /// Tick for flushing `flush`/`none` durability.
    pub flush_interval: Duration,
    /// The sequence number the last checkpoint covers.
    pub checkpoint_seq: u64,
    /// When to train the quantizer.
    pub quant: QuantTrigger,
    /// The consolidation round in progress, if any.
    pub consolidation: Option<Consolidation>,
}

struct Pending {
    seq: u64,
    mutation: Mutation,
    ack: AckAt,
    reply: Option<oneshot::Sender<Result<WriteReceipt, EngineError>>>,
}

impl Writer {
    /// Processes commands until shutdown or until every sender is gone.
    pub fn run(mut self, rx: &Receiver<Command>) {
        let mut last_sync = Instant::now();
        let mut last_slice = Instant::now();
        loop {
            // `flush`/`none` durability: the log is synced at least every flush interval, whether
            // or not commands keep arriving.
            if self.durability != Durability::Fsync && last_sync.elapsed() >= self.flush_interval {
                self.sync_on_interval();
                last_sync = Instant::now();
            }
            let background = self.consolidation.is_some() || consolidation::due(&self.store.read());
            if background && last_slice.elapsed() >= consolidation::MAX_DELAY {
                // Under a steady stream of writes the queue is never empty: a slice now and then
                // keeps the round moving (and the arena from growing) at a bounded cost.
                self.consolidate_slice();
                last_slice = Instant::now();
            }
            let first = if background {
                // Background work runs only while no command waits.
                match rx.try_recv() {
                    Ok(cmd) => cmd,
                    Err(TryRecvError::Empty) => {
                        self.consolidate_slice();
                        last_slice = Instant::now();
                        continue;
                    }
                    Err(TryRecvError::Disconnected) => {
                        let _ = self.shutdown();
                        return;
                    }
                }
            } else {
                let wait = self.flush_interval.saturating_sub(last_sync.elapsed());
                match rx.recv_timeout(wait) {
                    Ok(cmd) => cmd,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => {
                        let _ = self.shutdown();
                        return;
                    }
                }
            };
            let mut group = vec![first];
            while group.len() < MAX_GROUP {
                match rx.try_recv() {
                    Ok(cmd) => group.push(cmd),
                    Err(_) => break,
                }
            }
            let mut writes = Vec::new();
            let mut shutdown = None;
            for cmd in group {
                match cmd {
                    // Nobody waits for it (the request timed out or its client left) and it is
                    // not logged yet: withdraw it rather than apply it behind the client's back.
                    Command::Write(w) if w.reply.is_closed() => {
                        metrics::ABANDONED_WORK.with_label_values(&["write"]).inc();
                    }
                    Command::Write(w) => writes.push(w),
                    Command::Shutdown { reply } => shutdown = Some(reply),
                }
            }
            self.commit(writes);
            if self.wal.bytes_since_truncate() >= self.checkpoint_wal_bytes
                && let Err(e) = self.checkpoint()
            {
                tracing::error!(collection = %self.name, error = %e, "automatic checkpoint failed");
            }
            if let Some(reply) = shutdown {
                let _ = reply.send(self.shutdown());
                return;
            }
        }
    }

    /// Starts a consolidation round when none runs, or advances the current one by a slice.
    fn consolidate_slice(&mut self) {
        let round = self
            .consolidation
            .get_or_insert_with(|| Consolidation::start(&self.store.read()));
        if round.step(&self.store, &self.name) {
            self.consolidation = None;
        }
    }

    fn write_failed(&self, e: WalError) -> EngineError {
        EngineError::WriteFailed {
            name: self.name.clone(),
            source: Arc::new(e),
        }
    }

    fn commit(&mut self, writes: Vec<QueuedWrite>) {
        if writes.is_empty() {
            return;
        }
        let mut pending = Vec::with_capacity(writes.len());
        for QueuedWrite {
            mutation,
            record,
            ack,
            reply,
        } in writes
        {
            // Room for the vectors first: a write that could not be applied is never logged.
            if let Mutation::Upsert(points) = &mutation
                && let Err(e) = self.store.write().reserve(points.len())
            {
                let _ = reply.send(Err(EngineError::VectorStorage {
                    name: self.name.clone(),
                    source: Arc::new(e),
                }));
                continue;
            }
            match self.wal.append(&record) {
                Ok(seq) => pending.push(Pending {
                    seq,
                    mutation,
                    ack,
                    reply: Some(reply),
                }),
                Err(WalError::RecordTooLarge { len, max }) => {
                    let _ = reply.send(Err(EngineError::LimitExceeded {
                        what: "encoded size of one write in bytes",
                        limit: max,
                        got: len,
                    }));
                }
                Err(e) => {
                    let _ = reply.send(Err(self.write_failed(e)));
                }
            }
        }
        let Some(last) = pending.last().map(|p| p.seq) else {
            return;
        };
        metrics::WAL_GROUP_SIZE.observe(pending.len() as f64);
        if let Err(e) = self.wal.wait_durable(last) {
            // Nothing in this group is acknowledged, and none of it is applied: the records may
            // or may not be on disk, and recovery after restart decides.
            let shared = Arc::new(e);
            for p in pending {
                if let Some(reply) = p.reply {
                    let _ = reply.send(Err(EngineError::WriteFailed {
                        name: self.name.clone(),
                        source: Arc::clone(&shared),
                    }));
                }
            }
            tracing::error!(collection = %self.name, error = %shared, "WAL write failed; collection now refuses writes");
            return;
        }
        for p in &mut pending {
            if p.ack == AckAt::Durable
                && let Some(reply) = p.reply.take()
            {
                let _ = reply.send(Ok(WriteReceipt {
                    seq: p.seq,
                    applied: false,
                }));
            }
        }
        for p in pending {
            if let Err(e) = apply(&self.store, p.mutation) {
                // Unreachable after the reservation above; if it ever happens the record is in
                // the log and a restart applies it.
                tracing::error!(collection = %self.name, error = %e, "a logged write could not be applied");
            }
            if let Some(reply) = p.reply {
                let _ = reply.send(Ok(WriteReceipt {
                    seq: p.seq,
                    applied: true,
                }));
            }
        }
        self.quant.train_if_due(&self.name, &self.store);
    }

    fn sync_on_interval(&mut self) {
        if self.durability != Durability::Fsync
            && let Err(e) = self.wal.sync_all()
            && !matches!(e, WalError::Poisoned)
        {
            tracing::error!(collection = %self.name, error = %e, "periodic WAL sync failed");
        }
    }

    /// Writes a checkpoint of the current state and drops the WAL it covers.
    fn checkpoint(&mut self) -> Result<(), EngineError> {
        let seq = self.wal.last_seq();
        if seq == self.checkpoint_seq {
            return Ok(());
        }
        let started = Instant::now();
        {
            let store = self.store.read();
            snapshot::write(self.fs.as_ref(), &self.name, &self.dir, &store, seq)?;
        }
        self.checkpoint_seq = seq;
        self.wal
            .truncate_through(seq)
            .map_err(|e| self.write_failed(e))?;
        metrics::CHECKPOINTS.inc();
        tracing::info!(collection = %self.name, seq, elapsed_ms = started.elapsed().as_millis() as u64, "checkpoint written");
        Ok(())
    }

    fn shutdown(&mut self) -> Result<(), EngineError> {
        self.checkpoint()?;
        match self.wal.sync_all() {
            Ok(()) | Err(WalError::Poisoned) => Ok(()),
            Err(e) => Err(self.write_failed(e)),
        }
    }
}

/// Applies one mutation, taking the write lock once per [`APPLY_SLICE`] points.
///
/// # Errors
/// The I/O error from growing the vector arena (only without a [`PointStore::reserve`] first).
pub fn apply(store: &RwLock<PointStore>, mutation: Mutation) -> std::io::Result<()> {
    match mutation {
        Mutation::Upsert(points) => {
            let mut iter = points.into_iter().peekable();
            while iter.peek().is_some() {
                store.write().upsert_many(iter.by_ref().take(APPLY_SLICE))?;
            }
        }
        Mutation::Delete(ids) => {
            for chunk in ids.chunks(APPLY_SLICE) {
                let mut guard = store.write();
                for id in chunk {
                    guard.delete(*id);
                }
            }
        }
    }
    Ok(())
}
