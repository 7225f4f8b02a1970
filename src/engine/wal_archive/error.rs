//! Why a point-in-time restore was refused.

use std::path::PathBuf;

use crate::engine::EngineError;
use crate::storage::wal::WalError;

/// Why a point-in-time restore was refused. Nothing is left in the data directory when it is.
#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    /// The archive holds nothing for the collection.
    #[error("the WAL archive has no collection {collection:?} (looked in {path})")]
    NoArchive {
        /// The collection.
        collection: String,
        /// Where it looked.
        path: PathBuf,
    },
    /// The archive holds no checkpoint of the collection to start from.
    #[error("the WAL archive has no checkpoint of the collection in {path}")]
    NoCheckpoint {
        /// The checkpoints directory.
        path: PathBuf,
    },
    /// The target lies before the oldest archived checkpoint.
    #[error(
        "the target {target} lies before the oldest archived checkpoint ({oldest}); the archive cannot go back that far"
    )]
    TargetBeforeOldest {
        /// The target as given.
        target: String,
        /// The oldest checkpoint, described.
        oldest: String,
    },
    /// The target lies after the last record the archive (and the live WAL, when given) holds.
    #[error(
        "the target sequence {target} lies after the last record available ({last}); add --live-data-dir to read the live WAL, or choose an earlier target"
    )]
    TargetBeyondEnd {
        /// The target.
        target: u64,
        /// The last sequence number available.
        last: u64,
    },
    /// Records between two segments (or between the checkpoint and the first segment) are
    /// missing.
    #[error(
        "gap in the archived WAL: records {from} to {to} are missing (the next segment is {next})"
    )]
    Gap {
        /// The first missing sequence number.
        from: u64,
        /// The last missing sequence number.
        to: u64,
        /// The segment after the gap.
        next: PathBuf,
    },
    /// A segment is damaged.
    #[error("damaged WAL segment: {0}")]
    Damaged(#[source] WalError),
    /// A record passed its checksums but does not decode.
    #[error("WAL record {seq} in {path} does not decode: {detail}")]
    Undecodable {
        /// Its sequence number.
        seq: u64,
        /// The segment.
        path: PathBuf,
        /// The decoder's message.
        detail: String,
    },
    /// The data directory already has the collection (restore never overwrites).
    #[error(
        "the data directory {data_dir} already has a collection {collection:?}; restore into another data directory or delete it first"
    )]
    Exists {
        /// The collection.
        collection: String,
        /// The data directory.
        data_dir: PathBuf,
    },
    /// An archive file is not what it should be.
    #[error("invalid archive file {path}: {reason}")]
    BadArchive {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// The collection name is not valid.
    #[error("invalid collection name {name:?}: {reason}")]
    BadName {
        /// The name.
        name: String,
        /// Why.
        reason: String,
    },
    /// The data directory's lock, manifest or settings (a running server holds the lock).
    #[error(transparent)]
    Engine(#[from] EngineError),
    /// An I/O error.
    #[error("cannot {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

impl RestoreError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }
}
