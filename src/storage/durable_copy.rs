//! Durable copy of a file into another directory, possibly on another file system: the bytes go
//! to a temporary sibling of the target, which is fsynced, renamed into place, and the target
//! directory fsynced. A crash at any point leaves either no target or the whole copy, never a
//! short one under the final name.

use std::io;
use std::path::Path;

use super::FileSystem;

/// Bytes copied per read and write.
const CHUNK: usize = 1 << 20;

/// Copies `src` to `dst` durably (see the module doc). An existing `dst` is replaced.
///
/// # Errors
/// Any I/O error; `dst` then holds its previous contents (or does not exist).
pub fn copy_durably(fs: &dyn FileSystem, src: &Path, dst: &Path) -> io::Result<()> {
    let dir = dst
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no parent"))?;
    let mut tmp_name = dst.file_name().unwrap_or_default().to_os_string();
    tmp_name.push(".tmp");
    let tmp = dir.join(tmp_name);
    let mut from = fs.open_read(src)?;
    let mut to = fs.create(&tmp)?;
    let len = from.size();
    let mut buf = vec![0u8; CHUNK];
    let mut at = 0u64;
    while at < len {
        let n = usize::try_from(len - at).map_or(CHUNK, |left| left.min(CHUNK));
        from.read_exact_at(&mut buf[..n], at)?;
        to.write_all(&buf[..n])?;
        at += n as u64;
    }
    to.sync_data()?;
    drop(to);
    fs.rename(&tmp, dst)?;
    fs.sync_dir(dir)
}

/// Creates `dir` and its missing parents, fsyncing each parent whose entries changed so the new
/// directories survive a crash.
///
/// # Errors
/// Any I/O error.
pub fn create_dir_durably(fs: &dyn FileSystem, dir: &Path) -> io::Result<()> {
    if fs.exists(dir) {
        return Ok(());
    }
    if let Some(parent) = dir.parent()
        && !parent.as_os_str().is_empty()
    {
        create_dir_durably(fs, parent)?;
        fs.create_dir_all(dir)?;
        fs.sync_dir(parent)
    } else {
        fs.create_dir_all(dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::RealFs;

    #[test]
    fn a_copy_holds_every_byte_and_leaves_no_temporary_file() -> io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let src = tmp.path().join("a");
        let bytes: Vec<u8> = (0..(CHUNK * 2 + 17)).map(|i| (i % 251) as u8).collect();
        std::fs::write(&src, &bytes)?;
        let dst_dir = tmp.path().join("x/y");
        create_dir_durably(&RealFs, &dst_dir)?;
        let dst = dst_dir.join("b");
        copy_durably(&RealFs, &src, &dst)?;
        assert_eq!(std::fs::read(&dst)?, bytes);
        assert!(!dst_dir.join("b.tmp").exists());
        Ok(())
    }
}
