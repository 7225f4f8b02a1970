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
//!
//! Idle, it sleeps on the channel: with `fsync` durability and nothing due it blocks until a
//! command arrives; otherwise it wakes at the next deadline (the flush tick of `flush`/`none`
//! durability, or a checkpoint retry), never earlier.
//!
//! The rules that keep acknowledged writes safe:
//! - Room for every vector of a group is reserved before any record of the group is logged, so a
//!   full disk refuses those writes with nothing logged.
//! - A write is acknowledged as applied only once it is applied. When a logged write cannot be
//!   applied, it and every later one stay unapplied (the store is always a prefix of the log), the
//!   collection refuses writes (see [`Health`]), and the next start replays them.
//! - A checkpoint covers the last *applied* record, never a logged but unapplied one.
//! - A failed automatic checkpoint is retried with exponential back-off, not after every group.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};
use parking_lot::RwLock;
use tokio::sync::oneshot;

use super::consolidation::{self, Consolidation};
use super::edge_write::EdgeWrite;
use super::expiry::Ttl;
use super::health::Health;
use super::open::archive_checkpoint;
use super::point_store::PointStore;
use super::quant_trigger::QuantTrigger;
use super::queue_bytes::QueueBytes;
use super::read_view;
use super::record_codec::{Mutation, encode_mutation};
use super::selected_write::SelectedWrite;
use super::snapshot;
use crate::engine::EngineError;
use crate::engine::config::CollectionConfig;
use crate::engine::wal_archive::{CollectionArchive, unix_ms_now};
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
    /// Select points, then persist and apply a mutation of them (see `selected_write`).
    WriteSelected(SelectedWrite),
    /// Write the checkpoint images of the store as it is once every earlier command is applied
    /// into another directory (a snapshot's staging directory), leaving the collection's own
    /// checkpoint and WAL alone; answers the sequence number the images cover.
    Snapshot {
        /// Where the images go.
        dir: PathBuf,
        /// Where to reply.
        reply: oneshot::Sender<Result<u64, EngineError>>,
    },
    /// Check the ends of edges and assign their ids, then persist and apply them (see
    /// `edge_write`).
    WriteEdges(EdgeWrite),
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
    /// The collection's settings (for the read views of selected writes).
    pub config: CollectionConfig,
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
    /// The sequence number of the last record applied to the store; checkpoints cover at most
    /// this. At open, every recovered record is applied, so it is the log's last sequence number.
    pub applied_seq: u64,
    /// When to train the quantizer.
    pub quant: QuantTrigger,
    /// The consolidation round in progress, if any.
    pub consolidation: Option<Consolidation>,
    /// What the writer reports about the collection.
    pub health: Arc<Health>,
    /// Back-off of failed automatic checkpoints.
    pub checkpoint_retry: RetryBackoff,
    /// The queue's byte budget: what a write took is given back as it leaves the queue.
    pub queue_bytes: Arc<QueueBytes>,
    /// Logged records whose durability the log could not confirm (it was unavailable or timed
    /// out; see [`WriteAheadLog`]), in log order. Their writers were told the outcome is unknown;
    /// they are applied once the log confirms them, before anything else is logged. Always empty
    /// with the local log.
    pub in_doubt: Vec<(u64, Mutation)>,
    /// The collection's WAL archive: checkpoints are archived as they are written, and each
    /// group commit starts with a time mark.
    pub archive: Option<CollectionArchive>,
    /// The last time mark logged (unix milliseconds); marks never go backwards.
    pub last_time_mark: u64,
    /// The expiry setting: expired points are deleted through the log (see `expiry`).
    pub ttl: Option<Ttl>,
    /// When deleting expired points may be tried again after a failure (the log could not take
    /// the delete); reads hide those points meanwhile.
    pub expiry_retry: RetryBackoff,
}

/// Back-off for background work that failed (automatic checkpoints, deleting expired points):
/// the first retry waits
/// [`RetryBackoff::FIRST_DELAY`], each further failure doubles the wait up to
/// [`RetryBackoff::MAX_DELAY`]. A success resets it.
#[derive(Debug, Clone, Copy, Default)]
pub struct RetryBackoff {
    failures: u32,
    not_before: Option<Instant>,
}

impl RetryBackoff {
    /// Wait after the first failure.
    pub const FIRST_DELAY: Duration = Duration::from_secs(1);
    /// Longest wait between attempts.
    pub const MAX_DELAY: Duration = Duration::from_secs(60);

    /// Failures since the last success.
    #[must_use]
    pub fn failures(&self) -> u32 {
        self.failures
    }

    fn may_try(&self, now: Instant) -> bool {
        self.not_before.is_none_or(|t| now >= t)
    }

    fn failed(&mut self, now: Instant) {
        self.failures = self.failures.saturating_add(1);
        let doublings = self.failures.saturating_sub(1).min(16);
        let delay = Self::FIRST_DELAY
            .saturating_mul(1 << doublings)
            .min(Self::MAX_DELAY);
        self.not_before = Some(now + delay);
    }

    fn succeeded(&mut self) {
        *self = Self::default();
    }
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
        let mut next_sync = Instant::now() + self.flush_interval;
        let mut last_slice = Instant::now();
        loop {
            self.sync_if_due(&mut next_sync);
            self.expire_due(&mut next_sync);
            self.checkpoint_if_due();
            let background = self.consolidation.is_some() || consolidation::due(&self.store.read());
            self.health.set_repairing(background);
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
                let received = match self.wake_at(next_sync) {
                    // Nothing is due until a command arrives: sleep on the channel.
                    None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                    Some(deadline) => rx.recv_deadline(deadline),
                };
                match received {
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
                    Command::Write(w) => {
                        self.queue_bytes.give_back(w.record.len());
                        if w.reply.is_closed() {
                            // Nobody waits for it (the request timed out or its client left) and
                            // it is not logged yet: withdraw it rather than apply it behind the
                            // client's back.
                            metrics::ABANDONED_WORK.with_label_values(&["write"]).inc();
                        } else {
                            writes.push(w);
                        }
                    }
                    Command::WriteSelected(w) if w.reply.is_closed() => {
                        metrics::ABANDONED_WORK.with_label_values(&["write"]).inc();
                    }
                    Command::WriteSelected(w) => {
                        // Everything queued before it is applied first, so it selects from the
                        // state its place in the queue promises; nothing after it is logged yet.
                        self.commit(std::mem::take(&mut writes), &mut next_sync);
                        if let Some(resolved) = self.resolve(w) {
                            writes.push(resolved);
                        }
                    }
                    // Nobody waits for it: its request ended.
                    Command::Snapshot { reply, .. } if reply.is_closed() => {}
                    Command::Snapshot { dir, reply } => {
                        // Every write queued before it is applied first, so the images hold each
                        // write acknowledged before the snapshot was asked for.
                        self.commit(std::mem::take(&mut writes), &mut next_sync);
                        let _ = reply.send(self.snapshot_images(&dir));
                    }
                    Command::WriteEdges(w) if w.reply.is_closed() => {
                        metrics::ABANDONED_WORK.with_label_values(&["write"]).inc();
                    }
                    Command::WriteEdges(w) => {
                        // Both ends are checked against every write queued before it.
                        self.commit(std::mem::take(&mut writes), &mut next_sync);
                        let resolved = w.resolve(&self.store.read());
                        if let Some(resolved) = resolved {
                            writes.push(resolved);
                        }
                    }
                    Command::Shutdown { reply } => shutdown = Some(reply),
                }
            }
            self.commit(writes, &mut next_sync);
            self.checkpoint_if_due();
            if let Some(reply) = shutdown {
                let _ = reply.send(self.shutdown());
                return;
            }
        }
    }

    /// Runs a selected write's selector on the store as it is now (only this thread changes it)
    /// and returns the ordinary write it becomes, if any.
    fn resolve(&self, write: SelectedWrite) -> Option<QueuedWrite> {
        let store = self.store.read();
        read_view::with_view(&store, &self.config, self.ttl.as_ref(), |view| {
            write.resolve(view)
        })
    }

    /// Deletes the points whose expiry has passed, through the log like any delete.
    fn expire_due(&mut self, next_sync: &mut Instant) {
        let Some(ttl) = &self.ttl else {
            return;
        };
        if self.health.writes_refused().is_some() || !self.expiry_retry.may_try(Instant::now()) {
            return;
        }
        let ids = ttl.due(&self.store.read());
        if ids.is_empty() {
            return;
        }
        let count = ids.len() as u64;
        let mutation = Mutation::Delete(ids);
        let record = encode_mutation(&mutation);
        let (reply, mut answer) = oneshot::channel();
        let write = QueuedWrite {
            mutation,
            record,
            ack: AckAt::Applied,
            reply,
        };
        self.commit(vec![write], next_sync);
        // `commit` has answered before it returns.
        match answer.try_recv() {
            Ok(Ok(_)) => {
                metrics::TTL_EXPIRED.inc_by(count);
                self.expiry_retry.succeeded();
            }
            Ok(Err(e)) => {
                self.expiry_retry.failed(Instant::now());
                tracing::warn!(
                    collection = %self.name,
                    error = %e,
                    failures = self.expiry_retry.failures(),
                    "deleting expired points failed; retried after a back-off"
                );
            }
            Err(_) => {}
        }
    }

    /// When the writer must wake up even if no command arrives; `None` when nothing is due.
    fn wake_at(&self, next_sync: Instant) -> Option<Instant> {
        let expiry = self
            .ttl
            .as_ref()
            .filter(|_| self.health.writes_refused().is_none())
            .and_then(|ttl| match self.expiry_retry.not_before {
                // Points already due wait for the retry; none sooner can come due.
                Some(retry) => Some(retry),
                None => ttl.next(&self.store.read()),
            });
        let sync = (self.durability != Durability::Fsync).then_some(next_sync);
        let sync = match (sync, expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let retry = if self.checkpoint_wanted() {
            self.checkpoint_retry.not_before
        } else {
            None
        };
        match (sync, retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
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

    /// The answer to a write the log did not take or confirm: retry later for a transient
    /// failure, a failed write otherwise.
    fn log_error(&self, source: Arc<WalError>, outcome_unknown: bool) -> EngineError {
        if source.is_transient() {
            EngineError::LogUnavailable {
                name: self.name.clone(),
                source,
                outcome_unknown,
            }
        } else {
            EngineError::WriteFailed {
                name: self.name.clone(),
                source,
            }
        }
    }

    fn refused(&self, reason: Arc<str>) -> EngineError {
        EngineError::WritesRefused {
            name: self.name.clone(),
            reason,
        }
    }

    /// Refuses this and every later write: the log or the store can no longer be trusted to take
    /// them until a restart replays the log.
    fn refuse_writes(&self, reason: String) {
        tracing::error!(collection = %self.name, reason = %reason, "collection now refuses writes until restart");
        self.health.refuse_writes(reason);
        metrics::COLLECTION_WRITES_REFUSED.inc();
    }

    fn commit(&mut self, writes: Vec<QueuedWrite>, next_sync: &mut Instant) {
        if writes.is_empty() {
            return;
        }
        if let Some(reason) = self.health.writes_refused() {
            for w in writes {
                let _ = w.reply.send(Err(self.refused(Arc::clone(&reason))));
            }
            return;
        }
        let settled = self.settle_in_doubt(next_sync);
        if let Some(reason) = self.health.writes_refused() {
            for w in writes {
                let _ = w.reply.send(Err(self.refused(Arc::clone(&reason))));
            }
            return;
        }
        if let Err(source) = settled {
            for w in writes {
                let _ = w
                    .reply
                    .send(Err(self.log_error(Arc::clone(&source), false)));
            }
            return;
        }
        let writes = self.reserve_group(writes);
        let mut pending = Vec::with_capacity(writes.len() + 1);
        if !writes.is_empty() {
            self.time_mark(&mut pending);
        }
        for QueuedWrite {
            mutation,
            record,
            ack,
            reply,
        } in writes
        {
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
                Err(e) if e.is_transient() => {
                    // Nothing was taken; later writes try again.
                    let _ = reply.send(Err(self.log_error(Arc::new(e), false)));
                }
                Err(e) => {
                    // A full disk met while reserving a new segment leaves the log healthy: this
                    // write is refused (nothing of it logged) and later ones try again.
                    if self.wal.is_poisoned() || matches!(e, WalError::Fenced { .. }) {
                        self.refuse_writes(format!("the write-ahead log failed: {e}"));
                    }
                    let _ = reply.send(Err(self.write_failed(e)));
                }
            }
        }
        let Some(last) = pending.last().map(|p| p.seq) else {
            return;
        };
        metrics::WAL_GROUP_SIZE.observe(pending.len() as f64);
        match self.wal.wait_durable(last) {
            Err(e) if e.is_transient() => {
                // The log may hold these records or not; it keeps them in order, so the next
                // group asks again and applies them first if it does (`settle_in_doubt`).
                let shared = Arc::new(e);
                for p in pending {
                    if let Some(reply) = p.reply {
                        let _ = reply.send(Err(EngineError::LogUnavailable {
                            name: self.name.clone(),
                            source: Arc::clone(&shared),
                            outcome_unknown: true,
                        }));
                    }
                    self.in_doubt.push((p.seq, p.mutation));
                }
                return;
            }
            Err(e) => return self.group_failed(e, pending),
            Ok(()) => {}
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
        let mut pending = pending.into_iter();
        while let Some(Pending {
            seq,
            mutation,
            reply,
            ..
        }) = pending.next()
        {
            if let Err(reason) = self.apply_logged(seq, mutation, next_sync) {
                let rest = pending.by_ref().map(|p| p.reply);
                for reply in std::iter::once(reply).chain(rest).flatten() {
                    let _ = reply.send(Err(self.refused(Arc::clone(&reason))));
                }
                return;
            }
            if let Some(reply) = reply {
                let _ = reply.send(Ok(WriteReceipt { seq, applied: true }));
            }
        }
        if self.quant.due(&self.store) {
            // Training can take seconds: make what the log holds durable first, so the flush
            // interval's promise holds across it.
            sync_if_due(
                self.durability,
                self.flush_interval,
                self.wal.as_mut(),
                &self.name,
                &mut Instant::now(),
            );
            self.quant.train_if_due(&self.name, &self.store);
            *next_sync = Instant::now() + self.flush_interval;
        }
    }

    /// With a WAL archive, logs when the group is appended, unless the last mark says the same
    /// millisecond (point-in-time restore resolves a moment through these marks). A mark the log
    /// refuses is skipped: the group's own records meet the same error.
    fn time_mark(&mut self, pending: &mut Vec<Pending>) {
        if self.archive.is_none() {
            return;
        }
        let now = unix_ms_now().max(self.last_time_mark);
        if now == self.last_time_mark {
            return;
        }
        let mutation = Mutation::TimeMark(now);
        if let Ok(seq) = self.wal.append(&encode_mutation(&mutation)) {
            self.last_time_mark = now;
            pending.push(Pending {
                seq,
                mutation,
                ack: AckAt::Applied,
                reply: None,
            });
        }
    }

    /// The log failed to make a group durable (not a transient failure): nothing in it is
    /// acknowledged and the collection refuses writes.
    fn group_failed(&self, e: WalError, pending: Vec<Pending>) {
        // Nothing in this group is acknowledged, and none of it is applied in this process.
        // The records may or may not have reached the disk: whatever did is applied when the
        // collection next opens, after a clean shutdown and a crash alike (checkpoints never
        // cover an unapplied record).
        // Refused before anyone hears of the failure, so a client that checks the status
        // right after its error sees the collection red.
        let shared = Arc::new(e);
        self.refuse_writes(format!("the write-ahead log failed: {shared}"));
        for p in pending {
            if let Some(reply) = p.reply {
                let _ = reply.send(Err(EngineError::WriteFailed {
                    name: self.name.clone(),
                    source: Arc::clone(&shared),
                }));
            }
        }
    }

    /// Settles the records left in doubt by an unavailable or timed-out log before anything new
    /// is logged: once the log confirms them they are applied, in order, so the store stays a
    /// prefix of the log (a record that cannot be applied makes the collection refuse writes, as
    /// in [`Self::commit`]). While the log cannot confirm them, its error.
    fn settle_in_doubt(&mut self, next_sync: &mut Instant) -> Result<(), Arc<WalError>> {
        let Some(&(last, _)) = self.in_doubt.last() else {
            return Ok(());
        };
        if let Err(e) = self.wal.wait_durable(last) {
            if !e.is_transient() {
                self.refuse_writes(format!("the write-ahead log failed: {e}"));
            }
            return Err(Arc::new(e));
        }
        for (seq, mutation) in std::mem::take(&mut self.in_doubt) {
            if self.apply_logged(seq, mutation, next_sync).is_err() {
                break;
            }
        }
        Ok(())
    }

    /// Applies the logged record `seq` and advances `applied_seq`. When it cannot be applied,
    /// the collection refuses writes and the reason is returned: the store holds every record
    /// through `applied_seq` and nothing after, so this one and every later one stay in the log,
    /// unapplied, for the next start.
    fn apply_logged(
        &mut self,
        seq: u64,
        mutation: Mutation,
        next_sync: &mut Instant,
    ) -> Result<(), Arc<str>> {
        let (durability, interval) = (self.durability, self.flush_interval);
        let (wal, name) = (self.wal.as_mut(), self.name.as_str());
        let applied = apply_with(&self.store, mutation, &mut || {
            sync_if_due(durability, interval, wal, name, next_sync);
        });
        if let Err(e) = applied {
            let reason: Arc<str> = format!(
                "a logged write (sequence {seq}) could not be applied ({e}); it and later \
                 writes are in the log and are applied when the collection reopens"
            )
            .into();
            self.refuse_writes(reason.to_string());
            return Err(reason);
        }
        self.applied_seq = seq;
        Ok(())
    }

    /// Reserves room for the vectors of every upsert in the group at once. When the room cannot
    /// be had, the upserts are refused (nothing of them is logged) and the rest goes on.
    fn reserve_group(&mut self, writes: Vec<QueuedWrite>) -> Vec<QueuedWrite> {
        let needed: usize = writes
            .iter()
            .map(|w| match &w.mutation {
                Mutation::Upsert(points) => points.len(),
                Mutation::Delete(_)
                | Mutation::EditPayload(..)
                | Mutation::CreateIndex(..)
                | Mutation::CreateTextIndex(..)
                | Mutation::DropIndex(_)
                | Mutation::UpsertEdges(_)
                | Mutation::DeleteEdges(_)
                | Mutation::TimeMark(_) => 0,
            })
            .sum();
        if needed == 0 {
            return writes;
        }
        let Err(e) = self.store.write().reserve(needed) else {
            return writes;
        };
        let source = Arc::new(e);
        let mut kept = Vec::with_capacity(writes.len());
        for w in writes {
            if matches!(w.mutation, Mutation::Upsert(_)) {
                let _ = w.reply.send(Err(EngineError::VectorStorage {
                    name: self.name.clone(),
                    source: Arc::clone(&source),
                }));
            } else {
                kept.push(w);
            }
        }
        kept
    }

    fn sync_if_due(&mut self, next_sync: &mut Instant) {
        sync_if_due(
            self.durability,
            self.flush_interval,
            self.wal.as_mut(),
            &self.name,
            next_sync,
        );
    }

    /// Whether the WAL has grown enough to want a checkpoint.
    fn checkpoint_wanted(&self) -> bool {
        self.wal.bytes_since_truncate() >= self.checkpoint_wal_bytes
            && self.applied_seq > self.checkpoint_seq
    }

    /// Checkpoints when the WAL is large enough and no back-off is running.
    fn checkpoint_if_due(&mut self) {
        let now = Instant::now();
        if !self.checkpoint_wanted() || !self.checkpoint_retry.may_try(now) {
            return;
        }
        // A checkpoint can take seconds: what `flush`/`none` durability holds unsynced is made
        // durable first, so the flush interval's promise holds across it.
        let mut now_due = now;
        self.sync_if_due(&mut now_due);
        match self.checkpoint() {
            Ok(()) => {
                if self.checkpoint_retry.failures() > 0 {
                    tracing::info!(collection = %self.name, "automatic checkpoint succeeded again");
                }
                self.checkpoint_retry.succeeded();
                self.health.set_checkpoint_failing(None, 0);
            }
            Err(e) => {
                self.checkpoint_retry.failed(now);
                metrics::CHECKPOINT_FAILURES.inc();
                let failures = self.checkpoint_retry.failures();
                tracing::error!(collection = %self.name, error = %e, failures, "automatic checkpoint failed; retrying with back-off (the WAL keeps every write)");
                self.health
                    .set_checkpoint_failing(Some(e.to_string().into()), failures);
            }
        }
    }

    /// Writes a checkpoint of the current state and drops the WAL it covers.
    fn checkpoint(&mut self) -> Result<(), EngineError> {
        let seq = self.applied_seq;
        if seq == self.checkpoint_seq {
            return Ok(());
        }
        let started = Instant::now();
        {
            let store = self.store.read();
            snapshot::write(self.fs.as_ref(), &self.name, &self.dir, &store, seq)?;
        }
        if let Some(archive) = &self.archive {
            archive_checkpoint(archive, &self.name, &self.dir, seq);
        }
        self.checkpoint_seq = seq;
        self.wal
            .truncate_through(seq)
            .map_err(|e| self.write_failed(e))?;
        metrics::CHECKPOINTS.inc();
        tracing::info!(collection = %self.name, seq, elapsed_ms = started.elapsed().as_millis() as u64, "checkpoint written");
        Ok(())
    }

    /// Writes the images of the applied state into `dir` under the store's read lock (searches go
    /// on; writes wait behind it, as behind a checkpoint). The collection's own checkpoint and
    /// WAL are untouched.
    fn snapshot_images(&self, dir: &std::path::Path) -> Result<u64, EngineError> {
        let seq = self.applied_seq;
        let started = Instant::now();
        {
            let store = self.store.read();
            snapshot::write(self.fs.as_ref(), &self.name, dir, &store, seq)?;
        }
        tracing::info!(collection = %self.name, seq, elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX), "snapshot images written");
        Ok(seq)
    }

    fn shutdown(&mut self) -> Result<(), EngineError> {
        self.checkpoint()?;
        match self.wal.sync_all() {
            Ok(()) | Err(WalError::Poisoned) => Ok(()),
            Err(e) => Err(self.write_failed(e)),
        }
    }
}

/// `flush`/`none` durability: syncs the log once `next_sync` has passed and sets the next tick.
fn sync_if_due(
    durability: Durability,
    interval: Duration,
    wal: &mut dyn WriteAheadLog,
    name: &str,
    next_sync: &mut Instant,
) {
    if durability == Durability::Fsync {
        return;
    }
    let now = Instant::now();
    if now < *next_sync {
        return;
    }
    if let Err(e) = wal.sync_all()
        && !matches!(e, WalError::Poisoned)
    {
        tracing::error!(collection = %name, error = %e, "periodic WAL sync failed");
    }
    *next_sync = now + interval;
}

/// Applies one mutation, taking the write lock once per [`APPLY_SLICE`] points.
///
/// # Errors
/// The I/O error from growing the vector arena (only without a [`PointStore::reserve`] first).
pub fn apply(store: &RwLock<PointStore>, mutation: Mutation) -> std::io::Result<()> {
    apply_with(store, mutation, &mut || {})
}

/// [`apply`], calling `between_slices` after each slice (the writer keeps its flush tick there).
///
/// # Errors
/// As [`apply`].
pub fn apply_with(
    store: &RwLock<PointStore>,
    mutation: Mutation,
    between_slices: &mut dyn FnMut(),
) -> std::io::Result<()> {
    match mutation {
        Mutation::Upsert(points) => {
            let mut iter = points.into_iter().peekable();
            while iter.peek().is_some() {
                store.write().upsert_many(iter.by_ref().take(APPLY_SLICE))?;
                between_slices();
            }
        }
        Mutation::Delete(ids) => {
            for chunk in ids.chunks(APPLY_SLICE) {
                {
                    let mut guard = store.write();
                    for id in chunk {
                        guard.delete(*id);
                    }
                }
                between_slices();
            }
        }
        Mutation::EditPayload(ids, edit) => {
            for chunk in ids.chunks(APPLY_SLICE) {
                {
                    let mut guard = store.write();
                    for id in chunk {
                        guard.edit_payload(*id, &edit);
                    }
                }
                between_slices();
            }
        }
        Mutation::CreateIndex(path, schema) => {
            // Built under the read lock so searches go on; nothing can change the points in
            // between, because only this thread writes.
            let built = store.read().build_field_index(&path, schema);
            if let Some(index) = built {
                store.write().install_field_index(index);
            }
        }
        Mutation::CreateTextIndex(path, settings) => {
            // Tokenized under the read lock, as a payload index is built.
            let built = store.read().build_text_index(&path, &settings);
            if let Some(index) = built {
                store.write().install_text_index(index);
            }
        }
        Mutation::DropIndex(path) => {
            store.write().drop_field_index(&path);
        }
        Mutation::UpsertEdges(edges) => {
            let mut iter = edges.into_iter().peekable();
            while iter.peek().is_some() {
                store.write().upsert_edges(iter.by_ref().take(APPLY_SLICE));
                between_slices();
            }
        }
        Mutation::DeleteEdges(ids) => {
            for chunk in ids.chunks(APPLY_SLICE) {
                store.write().delete_edges(chunk);
                between_slices();
            }
        }
        // Only point-in-time restore reads it.
        Mutation::TimeMark(_) => {}
    }
    Ok(())
}
