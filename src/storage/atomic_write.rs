//! Atomic replacement of a small file: write a temporary sibling, fsync it, rename it over the
//! target, fsync the directory. A crash at any point leaves either the old or the new contents.

use std::io;
use std::path::Path;

use super::FileSystem;

/// Replaces `path` with `bytes` atomically and durably.
///
/// # Errors
/// Any I/O error; the target then still holds its previous contents.
pub fn atomic_write(fs: &dyn FileSystem, path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent"))?;
    let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut file = fs.create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_data()?;
    drop(file);
    fs.rename(&tmp, path)?;
    fs.sync_dir(dir)
}
