//! The files of a snapshots directory: archive names (Qdrant's
//! `<collection>-<YYYY-MM-DD-HH-MM-SS>.snapshot`), their checksum sidecars, and listing.

use std::io::{self, Read};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{CHECKSUM_SUFFIX, SNAPSHOT_SUFFIX};
use crate::engine::EngineError;

/// Longest snapshot file name accepted (the usual file-system limit).
const MAX_NAME_BYTES: usize = 255;

/// One snapshot archive as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotInfo {
    /// The file name.
    pub name: String,
    /// When the archive was last modified (written), as `YYYY-MM-DDTHH:MM:SS` in UTC, Qdrant's
    /// form; `None` when the file system does not say.
    pub creation_time: Option<String>,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the archive, lowercase hex, from its sidecar; `None` without one.
    pub checksum: Option<String>,
}

/// Checks a snapshot file name: `[A-Za-z0-9._-]`, not starting with a dot, ending in
/// `.snapshot`. No separator can appear, so a name never leaves its directory.
///
/// # Errors
/// [`EngineError::InvalidSnapshotName`].
pub fn validate_name(name: &str) -> Result<(), EngineError> {
    let bad = |reason: &str| EngineError::InvalidSnapshotName {
        name: name.to_owned(),
        reason: reason.to_owned(),
    };
    if name.len() > MAX_NAME_BYTES {
        return Err(bad("longer than 255 bytes"));
    }
    if !name.ends_with(SNAPSHOT_SUFFIX) || name.len() == SNAPSHOT_SUFFIX.len() {
        return Err(bad("a snapshot name ends with `.snapshot`"));
    }
    if name.starts_with('.') {
        return Err(bad("a snapshot name does not start with a dot"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(bad(
            "a snapshot name holds only letters, digits, `.`, `_` and `-`",
        ));
    }
    Ok(())
}

/// A name for a new archive of `prefix` (a collection name, or `full-snapshot`) in `dir` that no
/// file there has yet: Qdrant's `<prefix>-<YYYY-MM-DD-HH-MM-SS>.snapshot`, with `-<n>` added
/// before the suffix when a snapshot was already taken that second.
#[must_use]
pub fn new_file_name(dir: &Path, prefix: &str) -> String {
    let stamp = chrono::Utc::now().format("%Y-%m-%d-%H-%M-%S");
    let mut name = format!("{prefix}-{stamp}{SNAPSHOT_SUFFIX}");
    let mut n = 1;
    while dir.join(&name).exists() {
        name = format!("{prefix}-{stamp}-{n}{SNAPSHOT_SUFFIX}");
        n += 1;
    }
    name
}

/// The sidecar holding the SHA-256 of `archive`.
#[must_use]
pub fn checksum_path(archive: &Path) -> PathBuf {
    let mut path = archive.as_os_str().to_owned();
    path.push(CHECKSUM_SUFFIX);
    PathBuf::from(path)
}

/// SHA-256 of a file, lowercase hex.
///
/// # Errors
/// I/O errors.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(format!("{:x}", hasher.finalize()))
}

/// Writes the checksum sidecar of `archive` (Qdrant's form: the hex digest alone).
///
/// # Errors
/// I/O errors.
pub fn write_checksum(archive: &Path, checksum: &str) -> io::Result<()> {
    let path = checksum_path(archive);
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, checksum)?;
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, &path)
}

/// Every snapshot archive in `dir`, by name; an empty list when `dir` does not exist.
///
/// # Errors
/// I/O errors other than a missing directory.
pub fn list(dir: &Path) -> io::Result<Vec<SnapshotInfo>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry?;
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if validate_name(&name).is_err() {
            continue;
        }
        let meta = entry.metadata()?;
        if !meta.is_file() {
            continue;
        }
        out.push(info(&entry.path(), name, &meta));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// The listing of one archive.
///
/// # Errors
/// I/O errors.
pub fn describe(path: &Path) -> io::Result<SnapshotInfo> {
    let meta = std::fs::metadata(path)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(info(path, name, &meta))
}

fn info(path: &Path, name: String, meta: &std::fs::Metadata) -> SnapshotInfo {
    let creation_time = meta.modified().ok().map(|t| {
        chrono::DateTime::<chrono::Utc>::from(t)
            .format("%Y-%m-%dT%H:%M:%S")
            .to_string()
    });
    let checksum = std::fs::read_to_string(checksum_path(path))
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty());
    SnapshotInfo {
        name,
        creation_time,
        size: meta.len(),
        checksum,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_could_leave_the_directory_are_refused() {
        for bad in [
            "../x.snapshot",
            "a/b.snapshot",
            "/abs.snapshot",
            ".snapshot",
            "..snapshot",
            ".hidden.snapshot",
            "x.tar",
            "x.snapshot\0",
            "x y.snapshot",
        ] {
            assert!(validate_name(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["c-2026-01-01-00-00-00.snapshot", "full-snapshot-1.snapshot"] {
            assert!(validate_name(good).is_ok(), "{good:?} refused");
        }
    }
}
