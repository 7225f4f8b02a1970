//! The WAL archive (`plait serve --wal-archive DIR`): what point-in-time restore reads.
//!
//! Per collection, `DIR/<collection>/` holds `wal/`, every WAL segment a checkpoint let the
//! writer drop (copied there by `storage::wal::archive` before the live copy is deleted), and
//! `checkpoints/<seq>/`, the checkpoint images and `collection.json` as of each checkpoint the
//! writer took, plus `archived.json` (the sequence number and when it was archived). Opening a
//! collection archives its current checkpoint too (sequence 0, an empty collection, for a new
//! one), so every record in the archive follows some archived checkpoint.
//!
//! With an archive the writer starts each group commit with a time mark record (unix
//! milliseconds, skipped when the previous mark holds the same millisecond), so a restore to a
//! moment resolves to a sequence number to the millisecond: every write acknowledged before that
//! moment is included, every write sent after it is not.
//!
//! A collection created under a name the archive already holds, or replaced by a snapshot
//! recovery, starts a new history: its predecessor's archive is renamed to
//! `DIR/<collection>.retired-<unix ms>/` ([`retire`]), never mixed with the new one.
//!
//! Checkpoint files are hard-linked into the archive when it is on the same file system (the
//! writer replaces images by rename, never in place, so a link keeps the archived bytes) and
//! copied otherwise. These files use `std::fs`, outside the `FileSystem` seam, as snapshots do.
//! [`restore`] rebuilds a collection from the archive offline.

mod checkpoints;
mod error;
pub mod restore;

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub use checkpoints::ArchivedCheckpoint;
pub use error::RestoreError;

/// One collection's part of the WAL archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionArchive {
    root: PathBuf,
}

impl CollectionArchive {
    /// The archive of `collection` under the archive directory `archive_dir`.
    #[must_use]
    pub fn new(archive_dir: &Path, collection: &str) -> Self {
        Self {
            root: archive_dir.join(collection),
        }
    }

    /// Where the collection's archive lives.
    #[must_use]
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The archived WAL segments.
    #[must_use]
    pub fn wal_dir(&self) -> PathBuf {
        self.root.join("wal")
    }

    /// The archived checkpoints, one directory per sequence number.
    #[must_use]
    pub fn checkpoints_dir(&self) -> PathBuf {
        self.root.join("checkpoints")
    }

    /// Archives the checkpoint images of `collection_dir` (which cover `seq`) with its
    /// `collection.json`, unless the archive has that sequence number already.
    ///
    /// # Errors
    /// The I/O error; a partly written archived checkpoint never carries its final name.
    pub fn archive_checkpoint(&self, collection_dir: &Path, seq: u64) -> std::io::Result<()> {
        checkpoints::archive(&self.checkpoints_dir(), collection_dir, seq)
    }

    /// Every archived checkpoint, by ascending sequence number.
    ///
    /// # Errors
    /// The I/O error of listing, or an unreadable `archived.json`.
    pub fn checkpoints(&self) -> Result<Vec<ArchivedCheckpoint>, RestoreError> {
        checkpoints::list(&self.checkpoints_dir())
    }
}

/// Moves the archive of `collection` aside (see the module doc) when there is one; returns
/// where it went.
///
/// # Errors
/// The I/O error of the rename.
pub fn retire(archive_dir: &Path, collection: &str) -> std::io::Result<Option<PathBuf>> {
    let root = archive_dir.join(collection);
    if !root.exists() {
        return Ok(None);
    }
    let to = archive_dir.join(format!("{collection}.retired-{}", unix_ms_now()));
    std::fs::rename(&root, &to)?;
    std::fs::File::open(archive_dir)?.sync_all()?;
    tracing::info!(collection, retired = %to.display(), "a new history of the collection begins; its earlier WAL archive was moved aside");
    Ok(Some(to))
}

/// Milliseconds since the Unix epoch (0 for a clock before it).
#[must_use]
pub fn unix_ms_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
