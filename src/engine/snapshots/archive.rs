//! The snapshot archive: a tar whose first entry is a JSON manifest naming every other entry with
//! its size and SHA-256. Packing streams files in; unpacking streams entries out to a directory,
//! hashing as it goes, and accepts the result only when every entry is one the manifest names,
//! with its size and digest, and every named entry is there.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::{Component, Path};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::engine::EngineError;

/// `format` of a collection snapshot's manifest.
pub const COLLECTION_FORMAT: &str = "plait-snapshot";
/// `format` of a full snapshot's manifest.
pub const FULL_FORMAT: &str = "plait-full-snapshot";
/// The manifest version this build writes and reads.
pub const VERSION: u32 = 1;
/// Name of the manifest entry of a collection snapshot.
pub const COLLECTION_MANIFEST: &str = "snapshot.json";
/// Name of the manifest entry of a full snapshot.
pub const FULL_MANIFEST: &str = "full-snapshot.json";
/// Largest manifest read back; a real one is a few hundred bytes per entry.
const MAX_MANIFEST_BYTES: u64 = 4 << 20;
/// Most entries an archive may hold besides its manifest.
const MAX_ENTRIES: usize = 100_000;

/// One entry of an archive, as its manifest names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// File name inside the archive (one path component).
    pub name: String,
    /// Bytes.
    pub size: u64,
    /// SHA-256, lowercase hex.
    pub sha256: String,
}

/// The manifest of a collection snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CollectionManifest {
    /// [`COLLECTION_FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// The collection the snapshot was taken of.
    pub collection: String,
    /// The WAL sequence number the images cover: every write with a lower or equal number.
    pub seq: u64,
    /// When it was taken, RFC 3339.
    pub created: String,
    /// Every other entry: `collection.json` and the checkpoint images.
    pub files: Vec<Entry>,
}

/// The manifest of a full snapshot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FullManifest {
    /// [`FULL_FORMAT`].
    pub format: String,
    /// [`VERSION`].
    pub version: u32,
    /// When it was taken, RFC 3339.
    pub created: String,
    /// Each collection and the entry holding its snapshot.
    pub collections: BTreeMap<String, String>,
    /// The alias table: alias to collection.
    pub aliases: BTreeMap<String, String>,
    /// Every other entry.
    pub files: Vec<Entry>,
}

fn damaged(reason: impl Into<String>) -> EngineError {
    EngineError::SnapshotDamaged {
        reason: reason.into(),
    }
}

/// SHA-256 and size of a file.
///
/// # Errors
/// I/O errors.
pub fn describe_file(name: &str, path: &Path) -> io::Result<Entry> {
    let mut file = File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
    }
    Ok(Entry {
        name: name.to_owned(),
        size,
        sha256: format!("{:x}", hasher.finalize()),
    })
}

/// Writes a tar at `out` (through `out.tmp`, fsynced, renamed, directory fsynced): the manifest
/// entry first, then each `(name, path)` file.
///
/// # Errors
/// I/O errors; `out` is then absent or unchanged.
pub fn write_tar(
    out: &Path,
    manifest_name: &str,
    manifest: &[u8],
    files: &[(String, std::path::PathBuf)],
) -> Result<(), EngineError> {
    let mut tmp = out.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let io_err = |e| EngineError::io("write snapshot", out, e);
    let written = (|| -> io::Result<()> {
        let file = File::create(&tmp)?;
        let mut builder = tar::Builder::new(BufWriter::with_capacity(1 << 20, file));
        let mut header = tar::Header::new_gnu();
        header.set_size(manifest.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs()),
        );
        header.set_cksum();
        builder.append_data(&mut header, manifest_name, manifest)?;
        for (name, path) in files {
            let mut file = File::open(path)?;
            builder.append_file(name, &mut file)?;
        }
        let mut writer = builder.into_inner()?;
        writer.flush()?;
        writer
            .into_inner()
            .map_err(|e| e.into_error())?
            .sync_all()?;
        std::fs::rename(&tmp, out)?;
        if let Some(parent) = out.parent() {
            File::open(parent)?.sync_all()?;
        }
        Ok(())
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err(e));
    }
    Ok(())
}

/// Unpacks `archive` into the empty directory `dest`, checking every entry against the manifest
/// (`manifest_name`, the first entry), and returns the manifest's bytes. Only plain files with
/// one-component names are accepted, each at most once.
///
/// # Errors
/// [`EngineError::SnapshotDamaged`] for anything that does not match (a truncated archive, a
/// changed byte, an entry missing or unnamed); I/O errors writing `dest`.
pub fn unpack_verified(
    archive: &Path,
    manifest_name: &str,
    dest: &Path,
    files_of: impl Fn(&[u8]) -> Result<Vec<Entry>, EngineError>,
) -> Result<Vec<u8>, EngineError> {
    let file = File::open(archive).map_err(|e| EngineError::io("open", archive, e))?;
    let mut tar = tar::Archive::new(file);
    let entries = tar
        .entries()
        .map_err(|e| damaged(format!("not a tar archive: {e}")))?;
    let mut manifest: Option<(Vec<u8>, BTreeMap<String, Entry>)> = None;
    let mut seen = 0usize;
    for entry in entries {
        let mut entry = entry.map_err(|e| damaged(format!("unreadable archive entry: {e}")))?;
        if entry.header().entry_type() != tar::EntryType::Regular {
            return Err(damaged("an archive entry is not a plain file"));
        }
        let path = entry
            .path()
            .map_err(|e| damaged(format!("an entry name is unreadable: {e}")))?
            .into_owned();
        let mut components = path.components();
        let name = match (components.next(), components.next()) {
            (Some(Component::Normal(n)), None) => n.to_string_lossy().into_owned(),
            _ => {
                return Err(damaged(format!(
                    "entry {} is not a plain file name",
                    path.display()
                )));
            }
        };
        let Some((_, expected)) = manifest.as_mut() else {
            if name != manifest_name {
                return Err(damaged(format!(
                    "the first entry is {name:?}, not the manifest {manifest_name:?}"
                )));
            }
            if entry.size() > MAX_MANIFEST_BYTES {
                return Err(damaged("the manifest is too large"));
            }
            let mut bytes = Vec::new();
            entry
                .read_to_end(&mut bytes)
                .map_err(|e| damaged(format!("the manifest is unreadable: {e}")))?;
            let files = files_of(&bytes)?;
            if files.len() > MAX_ENTRIES {
                return Err(damaged("the manifest names too many entries"));
            }
            let mut by_name = BTreeMap::new();
            for f in files {
                if f.name == manifest_name
                    || f.name.contains(['/', '\\'])
                    || f.name.starts_with('.')
                {
                    return Err(damaged(format!("the manifest names {:?}", f.name)));
                }
                by_name.insert(f.name.clone(), f);
            }
            manifest = Some((bytes, by_name));
            continue;
        };
        let Some(want) = expected.remove(&name) else {
            return Err(damaged(format!(
                "entry {name:?} is not in the manifest, or appears twice"
            )));
        };
        seen += 1;
        let target = dest.join(&name);
        let got = copy_hashing(&mut entry, &target)
            .map_err(|e| damaged(format!("entry {name:?} is unreadable: {e}")))?;
        if got.0 != want.size || got.1 != want.sha256 {
            return Err(damaged(format!(
                "entry {name:?} differs from the manifest (size {} vs {}, or its SHA-256)",
                got.0, want.size
            )));
        }
    }
    let Some((bytes, missing)) = manifest else {
        return Err(damaged("the archive is empty"));
    };
    if let Some(name) = missing.keys().next() {
        return Err(damaged(format!(
            "entry {name:?} named by the manifest is missing (a truncated archive?); {seen} found"
        )));
    }
    File::open(dest)
        .and_then(|d| d.sync_all())
        .map_err(|e| EngineError::io("sync", dest, e))?;
    Ok(bytes)
}

/// Copies `from` into a new file `to`, fsynced; its size and SHA-256.
fn copy_hashing(from: &mut impl Read, to: &Path) -> io::Result<(u64, String)> {
    let mut out = File::create(to)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = from.read(&mut buf)?;
        if n == 0 {
            break;
        }
        size += n as u64;
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n])?;
    }
    out.sync_all()?;
    Ok((size, format!("{:x}", hasher.finalize())))
}

/// Parses a collection snapshot's manifest and checks its format and version.
///
/// # Errors
/// [`EngineError::SnapshotDamaged`].
pub fn parse_collection_manifest(bytes: &[u8]) -> Result<CollectionManifest, EngineError> {
    let m: CollectionManifest = serde_json::from_slice(bytes)
        .map_err(|e| damaged(format!("the manifest does not parse: {e}")))?;
    if m.format != COLLECTION_FORMAT || m.version != VERSION {
        return Err(damaged(format!(
            "format {:?} version {} is not a collection snapshot this build reads \
             ({COLLECTION_FORMAT:?} version {VERSION})",
            m.format, m.version
        )));
    }
    Ok(m)
}

/// Parses a full snapshot's manifest and checks its format and version.
///
/// # Errors
/// [`EngineError::SnapshotDamaged`].
pub fn parse_full_manifest(bytes: &[u8]) -> Result<FullManifest, EngineError> {
    let m: FullManifest = serde_json::from_slice(bytes)
        .map_err(|e| damaged(format!("the manifest does not parse: {e}")))?;
    if m.format != FULL_FORMAT || m.version != VERSION {
        return Err(damaged(format!(
            "format {:?} version {} is not a full snapshot this build reads",
            m.format, m.version
        )));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn files_of(bytes: &[u8]) -> Result<Vec<Entry>, EngineError> {
        parse_collection_manifest(bytes).map(|m| m.files)
    }

    /// The archive, and the length of its manifest.
    fn packed(dir: &Path) -> Result<(std::path::PathBuf, usize), Box<dyn std::error::Error>> {
        let a = dir.join("a.bin");
        std::fs::write(&a, vec![7u8; 5000])?;
        let manifest = CollectionManifest {
            format: COLLECTION_FORMAT.into(),
            version: VERSION,
            collection: "c".into(),
            seq: 3,
            created: String::new(),
            files: vec![describe_file("a.bin", &a)?],
        };
        let out = dir.join("c.snapshot");
        let bytes = serde_json::to_vec(&manifest)?;
        write_tar(&out, COLLECTION_MANIFEST, &bytes, &[("a.bin".into(), a)])?;
        Ok((out, bytes.len()))
    }

    #[test]
    fn a_packed_archive_unpacks_to_the_same_bytes() -> TestResult {
        let dir = tempfile::tempdir()?;
        let (out, _) = packed(dir.path())?;
        let dest = dir.path().join("dest");
        std::fs::create_dir(&dest)?;
        unpack_verified(&out, COLLECTION_MANIFEST, &dest, files_of)?;
        assert_eq!(std::fs::read(dest.join("a.bin"))?, vec![7u8; 5000]);
        Ok(())
    }

    #[test]
    fn every_flipped_byte_or_cut_is_refused() -> TestResult {
        let dir = tempfile::tempdir()?;
        let (out, manifest_len) = packed(dir.path())?;
        let good = std::fs::read(&out)?;
        // The manifest's header and body, the file's header and body. The padding of each
        // entry and the end-of-archive blocks carry nothing; the archive's own checksum (the
        // sidecar) covers them.
        let flips = (0..512 + manifest_len).chain(1024..1024 + 512 + 5000);
        for at in flips.step_by(37) {
            let mut bad = good.clone();
            bad[at] ^= 0x5a;
            std::fs::write(&out, &bad)?;
            let dest = dir.path().join(format!("flip{at}"));
            std::fs::create_dir(&dest)?;
            assert!(
                unpack_verified(&out, COLLECTION_MANIFEST, &dest, files_of).is_err(),
                "a flipped byte at {at} was accepted"
            );
        }
        for len in [0, 100, 600, 1500, 2000, 5000] {
            std::fs::write(&out, &good[..len])?;
            let dest = dir.path().join(format!("cut{len}"));
            std::fs::create_dir(&dest)?;
            assert!(
                unpack_verified(&out, COLLECTION_MANIFEST, &dest, files_of).is_err(),
                "a cut at {len} was accepted"
            );
        }
        Ok(())
    }
}
