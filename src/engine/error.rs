//! [`EngineError`]: everything the engine can report. The API maps each variant to a status.

use std::io;
use std::path::PathBuf;
use std::sync::Arc;

use super::name::NameError;
use super::point::PointId;
use crate::columns::DecodeError;
use crate::storage::checkpoint::CheckpointError;
use crate::storage::wal::WalError;
use crate::vector::VectorError;

/// An error from the engine.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The collection name is not allowed.
    #[error(transparent)]
    InvalidName(#[from] NameError),
    /// No collection has this name.
    #[error("collection `{name}` does not exist")]
    CollectionNotFound {
        /// The name asked for.
        name: String,
    },
    /// A collection with this name already exists.
    #[error("collection `{name}` already exists")]
    CollectionExists {
        /// The name.
        name: String,
    },
    /// The alias name is not allowed (aliases follow the rules of collection names).
    #[error("invalid alias name {name:?}: {source}")]
    InvalidAlias {
        /// The name asked for.
        name: String,
        /// What is wrong with it.
        source: NameError,
    },
    /// No alias has this name.
    #[error("alias `{name}` does not exist")]
    AliasNotFound {
        /// The name asked for.
        name: String,
    },
    /// An alias may not take the name of a collection.
    #[error("`{name}` is the name of a collection; an alias cannot take it")]
    AliasNameTaken {
        /// The name.
        name: String,
    },
    /// A collection may not take the name of an alias.
    #[error(
        "`{name}` is an alias of collection `{collection}`; delete the alias first or choose another name"
    )]
    NameIsAlias {
        /// The name.
        name: String,
        /// The collection the alias names.
        collection: String,
    },
    /// The collection is still being recovered after a restart.
    #[error("collection `{name}` is still recovering; retry shortly")]
    CollectionRecovering {
        /// The name.
        name: String,
    },
    /// The collection failed to open (for example a corrupt WAL); see `/readyz`.
    #[error("collection `{name}` failed to open: {reason}")]
    CollectionFailed {
        /// The name.
        name: String,
        /// Why it failed.
        reason: Arc<str>,
    },
    /// A collection setting is out of range.
    #[error("invalid collection setting `{setting}`: {reason}")]
    InvalidSetting {
        /// The setting.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// A vector in the request was rejected; nothing of the request was stored.
    #[error("invalid vector for point {id}: {source}")]
    InvalidVector {
        /// The point the vector belongs to (or the query).
        id: String,
        /// What is wrong with it.
        source: VectorError,
    },
    /// A vector name in the request is not declared, a required vector is missing, or a query
    /// cannot tell which vector to search; nothing of the request was stored.
    #[error("{id}: {source}")]
    VectorName {
        /// The point the vector belongs to (`point 7`), or `query`.
        id: String,
        /// What is wrong.
        source: super::config::VectorLookupError,
    },
    /// The point does not exist.
    #[error("point {id} does not exist")]
    PointNotFound {
        /// The id asked for.
        id: PointId,
    },
    /// An edge names a source or target point that does not exist (checked by the writer when
    /// it logs the edge, so a concurrent delete cannot slip between the check and the write).
    #[error("edge {index} of the request: its {role} point {id} does not exist")]
    EdgeEndpointNotFound {
        /// The edge's position in the request (from 0).
        index: usize,
        /// `source` or `target`.
        role: &'static str,
        /// The missing point.
        id: PointId,
    },
    /// An edge of the request is malformed; nothing of the request was stored.
    #[error("edge {index} of the request: {reason}")]
    InvalidEdge {
        /// The edge's position in the request (from 0).
        index: usize,
        /// What is wrong with it.
        reason: String,
    },
    /// A point's expiry field (the collection's `ttl_field`) holds something other than a
    /// datetime; nothing of the request was stored.
    #[error(
        "point {id}: the expiry field {field:?} must be a datetime string (RFC 3339), got {got}"
    )]
    InvalidExpiry {
        /// The point.
        id: String,
        /// The collection's `ttl_field`.
        field: String,
        /// What it held.
        got: String,
    },
    /// The edge does not exist.
    #[error("edge {id} does not exist")]
    EdgeNotFound {
        /// The id asked for.
        id: u64,
    },
    /// A request goes past a documented limit.
    #[error("{what} is {got}; the limit is {limit}")]
    LimitExceeded {
        /// The limited quantity.
        what: &'static str,
        /// The limit.
        limit: usize,
        /// What the request asked for.
        got: usize,
    },
    /// The server already holds as many collections as it is configured for (each costs a
    /// writer thread and open files).
    #[error(
        "the server holds {limit} collections, its limit (`storage.max_collections`); delete one or raise the limit"
    )]
    TooManyCollections {
        /// The configured limit.
        limit: usize,
    },
    /// The memory-mapped vector file could not grow (the disk is full, or mapping failed); the
    /// write was refused before it was logged, so nothing changed.
    #[error("collection `{name}` has no room for more vectors: {source}")]
    VectorStorage {
        /// The collection.
        name: String,
        /// The I/O error.
        source: Arc<io::Error>,
    },
    /// The WAL failed to take the write; nothing was acknowledged. A full disk
    /// ([`WalError::is_disk_full`]) refuses only the writes that need new space; any other failure
    /// poisons the log and the collection refuses writes until restart.
    #[error("collection `{name}` could not persist the write: {source}")]
    WriteFailed {
        /// The collection.
        name: String,
        /// The WAL error.
        source: Arc<WalError>,
    },
    /// The write-ahead log could not be reached, or did not confirm the write in time
    /// ([`WalError::is_transient`]); the write was not acknowledged and the client should retry
    /// shortly. With `outcome_unknown` the record had been logged: if the log turns out to hold
    /// it, it is applied before any later write (and a restart replays it); otherwise nothing was
    /// logged.
    #[error("collection `{name}`: {source}; {}", outcome_text(*.outcome_unknown))]
    LogUnavailable {
        /// The collection.
        name: String,
        /// The WAL error.
        source: Arc<WalError>,
        /// Whether the write may have been stored after all.
        outcome_unknown: bool,
    },
    /// The collection refuses writes until the server restarts (its WAL failed or was fenced by
    /// another writer, a logged write could not be applied, or its writer stopped); reads go on.
    /// See the collection's status.
    #[error("collection `{name}` refuses writes until the server restarts: {reason}")]
    WritesRefused {
        /// The collection.
        name: String,
        /// The root cause.
        reason: Arc<str>,
    },
    /// The WAL could not be opened or read.
    #[error("collection `{name}`: {source}")]
    Wal {
        /// The collection.
        name: String,
        /// The WAL error.
        source: Arc<WalError>,
    },
    /// A checkpoint could not be read or written.
    #[error("collection `{name}`: {source}")]
    Checkpoint {
        /// The collection.
        name: String,
        /// The checkpoint error.
        source: Arc<CheckpointError>,
    },
    /// A WAL record or checkpoint passed its checksum but does not decode: a bug or a
    /// format-version mismatch.
    #[error("collection `{name}`: undecodable {what}: {detail}")]
    Undecodable {
        /// The collection.
        name: String,
        /// Which structure.
        what: &'static str,
        /// The decoding problem.
        detail: String,
    },
    /// A file-system operation outside the WAL failed.
    #[error("I/O error during {op} on {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// The path.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// Another process holds the data directory.
    #[error(
        "data directory {path} is locked by another Plait process; stop it or choose another --data-dir"
    )]
    DirLocked {
        /// The directory.
        path: PathBuf,
    },
    /// The manifest cannot be read.
    #[error("manifest {path} is unreadable: {reason}")]
    Manifest {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The alias file exists but cannot be read. Starting without it would send every request
    /// made through an alias to a 404, so the data directory is not opened.
    #[error(
        "alias file {path} is unreadable: {reason}; Plait will not start without the aliases it \
         holds: restore aliases.json from a backup, or move it away to start with no aliases"
    )]
    AliasesUnreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// The manifest is missing while collection directories exist: starting would orphan them.
    #[error(
        "{path} is missing but the data directory holds collection directories ({entries:?}); \
         Plait will not guess: restore manifest.json from a backup, or move the collections \
         directory away to start empty"
    )]
    ManifestMissing {
        /// Where the manifest should be.
        path: PathBuf,
        /// The names found under `collections/`.
        entries: Vec<String>,
    },
    /// The collection's write queue is full: the writer is behind. Nothing was queued; the client
    /// should retry shortly.
    #[error("collection `{name}` has {limit}; retry shortly")]
    WriteQueueFull {
        /// The collection.
        name: String,
        /// The bound its queue reached.
        limit: QueueLimit,
    },
    /// A snapshot name that is not one Plait writes (it could name a file outside the snapshots
    /// directory, or not an archive).
    #[error("invalid snapshot name {name:?}: {reason}")]
    InvalidSnapshotName {
        /// The name asked for.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// No snapshot has this name.
    #[error("snapshot `{name}` does not exist")]
    SnapshotNotFound {
        /// The name asked for.
        name: String,
    },
    /// A snapshot location Plait cannot recover from.
    #[error("cannot recover from {location:?}: {reason}")]
    SnapshotLocation {
        /// The location as given.
        location: String,
        /// Why.
        reason: String,
    },
    /// The snapshot is damaged, truncated or not a Plait snapshot; nothing was changed.
    #[error("the snapshot is damaged or not a Plait snapshot, and nothing was changed: {reason}")]
    SnapshotDamaged {
        /// What did not match.
        reason: String,
    },
    /// The collection is shutting down (deleted, or the server is stopping).
    #[error("collection `{name}` is shutting down")]
    ShuttingDown {
        /// The collection.
        name: String,
    },
}

fn outcome_text(outcome_unknown: bool) -> &'static str {
    if outcome_unknown {
        "the write may or may not have been stored (a read shows which); retry shortly"
    } else {
        "nothing was stored; retry shortly"
    }
}

impl EngineError {
    pub(crate) fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            op,
            path: path.into(),
            source,
        }
    }

    pub(crate) fn undecodable(name: &str, what: &'static str, e: &DecodeError) -> Self {
        Self::Undecodable {
            name: name.to_owned(),
            what,
            detail: e.to_string(),
        }
    }
}

/// The bound a full write queue reached ([`EngineError::WriteQueueFull`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueLimit {
    /// `write_queue_capacity`: this many writes are queued.
    Writes(usize),
    /// `write_queue_bytes`: the queued writes hold this many bytes, or would with this one.
    Bytes(usize),
}

impl std::fmt::Display for QueueLimit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Writes(n) => write!(f, "{n} writes queued already"),
            Self::Bytes(n) => write!(
                f,
                "writes queued up to its write queue's byte budget ({n} bytes) already"
            ),
        }
    }
}
