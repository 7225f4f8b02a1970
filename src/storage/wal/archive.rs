//! The WAL archive's side in the storage layer: a segment that a checkpoint covers is copied
//! durably into the archive directory before the live log deletes it.
//!
//! The copy keeps the segment's name and bytes (header, synced mark, frames, preallocated zeros),
//! so an archived segment is read exactly like a live one. It goes through
//! [`durable_copy`](crate::storage::durable_copy): a crash leaves no segment or a whole one under
//! its final name, and the live segment is deleted only after the copy and the archive directory
//! are fsynced. A failure is reported ([`report_failure`]) and the segment stays live.

use std::path::Path;

use super::WalError;
use crate::metrics;
use crate::storage::FileSystem;
use crate::storage::durable_copy::{copy_durably, create_dir_durably};

/// Copies the segment at `path` into `archive_dir` (created when missing) under the same name.
///
/// # Errors
/// [`WalError::Io`] naming the archive path that failed.
pub fn archive_segment(
    fs: &dyn FileSystem,
    path: &Path,
    archive_dir: &Path,
) -> Result<(), WalError> {
    let name = path
        .file_name()
        .ok_or_else(|| WalError::io("archive", path, std::io::ErrorKind::InvalidInput.into()))?;
    create_dir_durably(fs, archive_dir)
        .map_err(|e| WalError::io("create WAL archive directory", archive_dir, e))?;
    let target = archive_dir.join(name);
    copy_durably(fs, path, &target).map_err(|e| WalError::io("archive segment to", &target, e))?;
    metrics::WAL_ARCHIVED_SEGMENTS.inc();
    Ok(())
}

/// Logs and counts a segment that could not be archived (and therefore stays in the live log).
pub fn report_failure(path: &Path, error: &WalError) {
    metrics::WAL_ARCHIVE_ERRORS.inc();
    tracing::error!(
        segment = %path.display(),
        error = %error,
        "cannot archive a WAL segment; it stays in the live WAL and is retried at the next checkpoint"
    );
}
