//! The file-system seam: every byte of collection data (WAL, checkpoints, manifest, settings) goes
//! through [`FileSystem`]. Only the advisory `LOCK` file and the memory-mapped vector working file
//! (rebuilt on every open, never part of the durable state) are handled directly with `std::fs`.
//!
//! Production uses [`RealFs`]. Tests use [`FaultyFs`] to inject `ENOSPC`, failing writes and
//! failing `fsync` at chosen moments, and [`PowerCutFs`] to lose every byte and directory entry that
//! was not yet synced, so durability rules can be tested without a broken disk or a power switch.

mod faulty;
mod power_cut;
mod real;

use std::fmt::Debug;
use std::io;
use std::path::{Path, PathBuf};

pub use faulty::{FaultKind, FaultyFs};
pub use power_cut::PowerCutFs;
pub use real::RealFs;

/// A file opened for writing.
pub trait WritableFile: Send + Debug {
    /// Writes the whole buffer at the current position (the end of what this handle wrote so
    /// far; the start for a file from [`FileSystem::create`]).
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()>;
    /// Writes the whole buffer at byte `offset`, whatever the current position.
    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()>;
    /// Reserves disk blocks for bytes `0..len`, growing the file to at least `len` bytes (the
    /// new bytes read as zeros), so later writes inside that range cannot fail for lack of space.
    fn allocate(&mut self, len: u64) -> io::Result<()>;
    /// Makes the file's data durable (`fdatasync`).
    fn sync_data(&mut self) -> io::Result<()>;
}

/// A file opened for reading at chosen offsets, so a reader can hold a bounded window of it
/// instead of the whole file.
pub trait ReadableFile: Send + Debug {
    /// The file's length in bytes when it was opened.
    fn size(&self) -> u64;
    /// Fills `buf` with the bytes from `offset` on; `UnexpectedEof` when the file ends first.
    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()>;
}

/// The operations the storage layer needs from a file system.
pub trait FileSystem: Send + Sync + Debug {
    /// Creates a directory and its parents.
    fn create_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Opens an existing file for writing at chosen offsets, without truncating it.
    fn open_write(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// Creates (or truncates) a file for writing from the start.
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>>;
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Opens an existing file for reading a part at a time.
    fn open_read(&self, path: &Path) -> io::Result<Box<dyn ReadableFile>>;
    /// Atomically renames `from` to `to`, replacing `to`.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    fn remove_file(&self, path: &Path) -> io::Result<()>;
    /// Removes a directory and everything in it.
    fn remove_dir_all(&self, path: &Path) -> io::Result<()>;
    /// Makes a directory's entries (creations, renames, removals) durable.
    fn sync_dir(&self, path: &Path) -> io::Result<()>;
    /// Lists the entries of a directory (full paths, unsorted).
    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>>;
    /// Cuts a file to `len` bytes and makes the new length durable.
    fn truncate(&self, path: &Path, len: u64) -> io::Result<()>;
    /// Whether a path exists.
    fn exists(&self, path: &Path) -> bool;
}
