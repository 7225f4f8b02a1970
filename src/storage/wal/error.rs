//! Errors of the write-ahead log.

use std::io;
use std::path::PathBuf;
use std::time::Duration;

/// What can go wrong in the write-ahead log.
#[derive(Debug, thiserror::Error)]
pub enum WalError {
    /// An I/O operation failed.
    #[error("WAL I/O error during {op} on {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A record or header in the middle of the log is damaged; the log cannot be trusted past it.
    #[error("WAL corrupt in {path} at byte {offset}: {reason}")]
    Corrupt {
        /// The segment file.
        path: PathBuf,
        /// Byte offset of the damaged frame or header.
        offset: u64,
        /// What check failed.
        reason: String,
    },
    /// An earlier write or `fsync` failed; the log refuses writes until the process restarts,
    /// because the state of the unsynced bytes on disk is unknown. (A full disk when reserving a
    /// new segment does not poison the log: nothing had been written.)
    #[error("WAL refuses writes after an earlier I/O failure; restart the server to recover")]
    Poisoned,
    /// The log cannot be reached now (a replicated log lost its quorum or its connection). The
    /// log is not poisoned and a later call may succeed. See [`super::WriteAheadLog`] for what
    /// it means for each call.
    #[error("the write-ahead log is unavailable: {reason}")]
    Unavailable {
        /// Why, as the log knows it.
        reason: String,
    },
    /// Another writer took over this log (a newer leader fenced this one out). This node must
    /// stop writing to it: every later append and sync fails the same way.
    #[error("another writer took over the write-ahead log: {reason}")]
    Fenced {
        /// Who or what took over, as the log knows it.
        reason: String,
    },
    /// The log did not confirm durability in time: the records may or may not be durable, and
    /// the log keeps them in order either way.
    #[error(
        "the write-ahead log did not confirm durability within {after:?}; the outcome is unknown"
    )]
    Timeout {
        /// How long the caller waited.
        after: Duration,
    },
    /// A record is larger than a frame can carry.
    #[error("WAL record of {len} bytes exceeds the limit of {max} bytes")]
    RecordTooLarge {
        /// The record length.
        len: usize,
        /// The maximum.
        max: usize,
    },
}

impl WalError {
    /// Whether this is the file system reporting a full disk (`ENOSPC`).
    #[must_use]
    pub fn is_disk_full(&self) -> bool {
        matches!(self, Self::Io { source, .. } if source.raw_os_error() == Some(28))
    }

    /// Whether the log could not be reached or did not answer in time ([`Self::Unavailable`],
    /// [`Self::Timeout`]): the call may succeed later, and the log is not poisoned.
    #[must_use]
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. } | Self::Timeout { .. })
    }

    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
