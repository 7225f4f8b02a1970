//! The write-ahead log: one per collection, it orders every mutation of that collection.
//!
//! A log is a directory of segment files. Each record is framed with its length, a sequence number
//! and CRC32C checksums (see [`frame`]). The interface is deliberately narrow, [`WriteAheadLog`]:
//! append, wait until durable, replay from a sequence number, drop what a checkpoint covers, so that
//! a replicated log can later stand in for the local one.
//!
//! Segments are created at their full size with their space reserved ([`segment`]), so a full disk
//! refuses an append before anything is written and leaves the log usable. Each segment records how
//! far it was fsynced (its synced mark), so recovery ([`recovery`]) tells a torn tail (bad bytes
//! after the mark: a crash, cut off) from damage to acknowledged records (before the mark:
//! corruption, and opening fails). After a failed write or `fsync` inside reserved space the log is
//! poisoned and refuses every later append.
//!
//! This module never interprets record payloads.

pub mod archive;
#[cfg(test)]
mod bounded_read_tests;
#[cfg(test)]
mod disk_full_tests;
mod error;
pub mod frame;
pub mod reader;
pub mod recovery;
pub mod segment;
#[cfg(test)]
mod synced_mark_tests;
mod writer;

pub use error::WalError;
pub use recovery::{RecoveredLog, ScanMode, TailRepair, Visit, list_segments, replay_segment};
pub use writer::{LocalWal, WalOptions};

/// How long an acknowledged write may still be lost, chosen per collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Durability {
    /// A write is acknowledged only after its record is `fsync`ed. Nothing acknowledged is lost on
    /// a process crash or a power failure. Concurrent writers share `fsync`s (group commit).
    Fsync,
    /// A write is acknowledged after its record is handed to the operating system (`write`), and the
    /// log is `fsync`ed every flush interval. A process crash loses nothing acknowledged; a power
    /// failure or kernel crash can lose up to one flush interval.
    Flush,
    /// A write is acknowledged once it is buffered in the process; the buffer is written and
    /// `fsync`ed every flush interval. A process crash can lose up to one flush interval.
    None,
}

/// The narrow interface the engine writes through.
///
/// Records are numbered 1, 2, 3, ... in append order, and durability is a prefix: once
/// `wait_durable(s)` succeeds, every record through `s` is durable. The local log fails only with
/// I/O errors (then it is poisoned) and [`WalError::RecordTooLarge`]. A log reached over the
/// network (a replicated log) may also fail with these three, whose contract is:
///
/// - [`WalError::Unavailable`] from `append`: the record was **not** taken (no sequence number
///   used). The engine answers the write with 503 and `Retry-After`; nothing was stored. From
///   `wait_durable` or `sync_all`: as `Timeout`.
/// - [`WalError::Timeout`] from `wait_durable` or `sync_all`: the appended records may or may not
///   be durable, and the log keeps them in order either way; the call may be repeated. The engine
///   answers each write of the group with 503 and `Retry-After`, documented as *outcome unknown*
///   (never acknowledged), and before it logs anything else it waits for those records again:
///   once the log confirms them they are applied, so the log alone decides the outcome, the same
///   one a restart would replay. While the log cannot confirm them, new writes are refused with
///   503 and `Retry-After`, unlogged. `append` never times out: a log that cannot tell at once
///   whether it took a record takes it locally and settles durability in `wait_durable`.
/// - [`WalError::Fenced`] from any call: another writer owns the log now, and every later call
///   fails the same way. The engine stops writing: the collection refuses writes (503, no
///   `Retry-After`) and reports it in its health, `/readyz` and `/metrics`, like a poisoned log;
///   reads go on. Writes in flight are not acknowledged; their outcome is whatever the new owner
///   holds.
pub trait WriteAheadLog: Send + std::fmt::Debug {
    /// Appends one record and returns its sequence number. The record is not durable yet.
    ///
    /// # Errors
    /// [`WalError::Poisoned`] after an earlier I/O failure, or the I/O error of this append;
    /// [`WalError::Unavailable`] (nothing taken) or [`WalError::Fenced`] for a remote log.
    fn append(&mut self, payload: &[u8]) -> Result<u64, WalError>;

    /// Returns once every record up to `seq` is as durable as the log's [`Durability`] promises.
    ///
    /// # Errors
    /// The I/O error of the write or `fsync`; the log is poisoned afterwards. For a remote log,
    /// [`WalError::Timeout`] or [`WalError::Unavailable`] (outcome unknown, the log stays usable)
    /// and [`WalError::Fenced`].
    fn wait_durable(&mut self, seq: u64) -> Result<(), WalError>;

    /// Makes everything appended so far reach the disk (`write` + `fsync`), whatever the durability
    /// mode. Called on the flush-interval tick and before shutdown.
    ///
    /// # Errors
    /// The I/O error; the log is poisoned afterwards.
    fn sync_all(&mut self) -> Result<(), WalError>;

    /// Hands every record with a sequence number `>= from` to `visit`, in order, as it is read:
    /// recovery replays the log through this after a checkpoint, one record in memory at a time.
    /// Records that [`WriteAheadLog::truncate_through`] dropped are not visited. `visit` returning
    /// [`std::ops::ControlFlow::Break`] ends the replay early (the caller keeps its own reason).
    ///
    /// # Errors
    /// I/O errors and corruption found while reading; records before the error were visited.
    fn replay(&self, from: u64, visit: Visit<'_>) -> Result<(), WalError>;

    /// Forgets every record with a sequence number `<= seq` (they are in a durable checkpoint).
    ///
    /// # Errors
    /// I/O errors while starting a new segment or removing old ones.
    fn truncate_through(&mut self, seq: u64) -> Result<(), WalError>;

    /// Whether an earlier failure poisoned the log: every later append and sync is refused until
    /// the process restarts. A refused append that left the log usable (a full disk met while
    /// reserving a new segment) does not poison it.
    fn is_poisoned(&self) -> bool;

    /// The sequence number of the last appended record (0 when none ever was).
    fn last_seq(&self) -> u64;

    /// Bytes appended since the log was opened or last truncated.
    fn bytes_since_truncate(&self) -> u64;
}
