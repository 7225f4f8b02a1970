//! Archived checkpoints: `checkpoints/<seq, 20 digits>/` holding a collection's checkpoint images,
//! its `collection.json` and `archived.json`.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{RestoreError, unix_ms_now};

const FORMAT: &str = "plait-archived-checkpoint";
const VERSION: u32 = 1;
/// The file that describes an archived checkpoint.
pub const DESCRIPTION: &str = "archived.json";

#[derive(Debug, Serialize, Deserialize)]
struct Description {
    format: String,
    version: u32,
    seq: u64,
    unix_ms: u64,
}

/// One archived checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedCheckpoint {
    /// The WAL sequence number its images cover.
    pub seq: u64,
    /// When it was archived (unix milliseconds): the collection held this state then.
    pub unix_ms: u64,
    /// Its directory.
    pub dir: PathBuf,
}

fn seq_name(seq: u64) -> String {
    format!("{seq:020}")
}

/// Whether a file of a collection directory belongs in an archived checkpoint: everything but
/// the vector working file (rebuilt on open), temporaries and the WAL.
fn is_image(path: &Path) -> bool {
    let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
        return false;
    };
    path.is_file() && name != "vectors.f32" && !name.ends_with(".tmp")
}

pub(super) fn archive(checkpoints_dir: &Path, collection_dir: &Path, seq: u64) -> io::Result<()> {
    let target = checkpoints_dir.join(seq_name(seq));
    if target.exists() {
        return Ok(());
    }
    if !checkpoints_dir.exists() {
        fs::create_dir_all(checkpoints_dir)?;
        if let Some(parent) = checkpoints_dir.parent() {
            fs::File::open(parent)?.sync_all()?;
            if let Some(top) = parent.parent() {
                fs::File::open(top)?.sync_all()?;
            }
        }
    }
    let staging = checkpoints_dir.join(format!("{}.tmp", seq_name(seq)));
    if staging.exists() {
        fs::remove_dir_all(&staging)?;
    }
    fs::create_dir(&staging)?;
    for entry in fs::read_dir(collection_dir)? {
        let path = entry?.path();
        if !is_image(&path) {
            continue;
        }
        let to = staging.join(path.file_name().unwrap_or_default());
        // A link needs no copy and no fsync of the bytes (already durable); another file system
        // gets a copy.
        if fs::hard_link(&path, &to).is_err() {
            fs::copy(&path, &to)?;
            fs::File::open(&to)?.sync_all()?;
        }
    }
    let description = Description {
        format: FORMAT.into(),
        version: VERSION,
        seq,
        unix_ms: unix_ms_now(),
    };
    let bytes = serde_json::to_vec_pretty(&description).map_err(io::Error::other)?;
    let path = staging.join(DESCRIPTION);
    fs::write(&path, bytes)?;
    fs::File::open(&path)?.sync_all()?;
    fs::File::open(&staging)?.sync_all()?;
    fs::rename(&staging, &target)?;
    fs::File::open(checkpoints_dir)?.sync_all()
}

pub(super) fn list(checkpoints_dir: &Path) -> Result<Vec<ArchivedCheckpoint>, RestoreError> {
    let io = |e| RestoreError::io("list", checkpoints_dir, e);
    if !checkpoints_dir.exists() {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for entry in fs::read_dir(checkpoints_dir).map_err(io)? {
        let dir = entry.map_err(io)?.path();
        let Some(name) = dir.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        if name.len() != 20 || !name.bytes().all(|b| b.is_ascii_digit()) {
            // `.tmp` leftovers of an interrupted archive, or foreign files.
            continue;
        }
        let path = dir.join(DESCRIPTION);
        let bytes = fs::read(&path).map_err(|e| RestoreError::io("read", &path, e))?;
        let d: Description =
            serde_json::from_slice(&bytes).map_err(|e| RestoreError::BadArchive {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        if d.format != FORMAT || d.version != VERSION || seq_name(d.seq) != name {
            return Err(RestoreError::BadArchive {
                path,
                reason: format!(
                    "format {:?} version {} sequence {} does not describe this directory",
                    d.format, d.version, d.seq
                ),
            });
        }
        out.push(ArchivedCheckpoint {
            seq: d.seq,
            unix_ms: d.unix_ms,
            dir,
        });
    }
    out.sort_by_key(|c| c.seq);
    Ok(out)
}

/// The image files of an archived checkpoint (everything but its description).
pub(super) fn files(checkpoint: &ArchivedCheckpoint) -> Result<Vec<PathBuf>, RestoreError> {
    let io = |e| RestoreError::io("list", &checkpoint.dir, e);
    let mut out = Vec::new();
    for entry in fs::read_dir(&checkpoint.dir).map_err(io)? {
        let path = entry.map_err(io)?.path();
        if path.file_name().is_some_and(|n| n != DESCRIPTION) && path.is_file() {
            out.push(path);
        }
    }
    Ok(out)
}
