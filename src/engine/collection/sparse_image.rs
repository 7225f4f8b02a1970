//! The sixth checkpoint image, `sparse.plait`: the inverted index of every sparse vector of a
//! collection (each body in `sparse::image`'s format; container in `storage::checkpoint` with
//! magic `PLAITSPX`), so that reopening does not index every stored sparse vector again.
//!
//! ```text
//! body := u32 LE n (the collection's sparse vectors), n × sparse index image, in declaration order
//! ```
//!
//! The sparse vectors themselves are primary data in the points image (see `snapshot`); this
//! image is derived. Same sequence-number rule as `texts.plait`: used only when its number
//! matches the points' and each index holds exactly the stored vectors (same slots, same number
//! of entries); otherwise every index is rebuilt from the stored vectors, with a warning and
//! `plait_payload_index_rebuilds_total`. Written only when the collection declares sparse
//! vectors.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::point_store::PointStore;
use crate::engine::EngineError;
use crate::metrics;
use crate::sparse::{SparseIndex, image};
use crate::storage::FileSystem;
use crate::storage::checkpoint::SPARSE_MAGIC;

/// Path of a collection's sparse index image.
#[must_use]
pub fn sparse_path(collection_dir: &Path) -> PathBuf {
    collection_dir.join("sparse.plait")
}

/// Writes the sparse index image of `store` for sequence `seq`, when it has sparse vectors.
///
/// # Errors
/// [`EngineError::Checkpoint`] on I/O failure.
pub fn write(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    store: &PointStore,
    seq: u64,
) -> Result<(), EngineError> {
    let spaces = store.sparse_spaces();
    if spaces.is_empty() {
        return Ok(());
    }
    let mut body = Vec::new();
    body.extend_from_slice(
        &u32::try_from(spaces.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for space in spaces {
        space.index().encode(&mut body);
    }
    super::snapshot::write_image(
        fs,
        name,
        &sparse_path(collection_dir),
        SPARSE_MAGIC,
        seq,
        &body,
    )
}

/// Installs the index of every sparse space of `store` (whose stored vectors are already in
/// place): from the image of checkpoint `seq` when it is usable, rebuilt otherwise.
pub fn install(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    seq: u64,
    store: &mut PointStore,
) {
    let count = store.sparse_spaces().len();
    if count == 0 {
        return;
    }
    let loaded = load(fs, collection_dir, seq, count).and_then(|indexes| {
        let agrees = store
            .sparse_spaces()
            .iter()
            .zip(&indexes)
            .all(|(space, index)| space.agrees_with(index));
        if agrees {
            Ok(indexes)
        } else {
            Err("sparse index image disagrees with the stored sparse vectors".into())
        }
    });
    match loaded {
        Ok(indexes) => {
            for (i, index) in indexes.into_iter().enumerate() {
                if let Some(space) = store.sparse_space_mut(i) {
                    space.set_index(index);
                }
            }
        }
        Err(reason) => {
            tracing::warn!(collection = name, reason = %reason, "sparse index image unusable");
            let started = Instant::now();
            for i in 0..count {
                if let Some(space) = store.sparse_space_mut(i) {
                    space.rebuild_index();
                }
            }
            metrics::PAYLOAD_INDEX_REBUILDS.inc();
            tracing::warn!(
                collection = name,
                elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "sparse indexes rebuilt from the stored sparse vectors"
            );
        }
    }
}

/// The `count` indexes in the image for checkpoint `seq`, or why it cannot be used.
fn load(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    seq: u64,
    count: usize,
) -> Result<Vec<SparseIndex>, String> {
    let body = super::snapshot::image_for(
        fs,
        &sparse_path(collection_dir),
        SPARSE_MAGIC,
        seq,
        "sparse index",
    )?;
    let (head, mut rest) = body
        .split_first_chunk::<4>()
        .ok_or("sparse index image is truncated")?;
    let stored = u32::from_le_bytes(*head) as usize;
    if stored != count {
        return Err(format!(
            "sparse index image holds {stored} indexes, the collection declares {count}"
        ));
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let (index, after) = image::decode(rest).map_err(|e| e.to_string())?;
        out.push(index);
        rest = after;
    }
    if !rest.is_empty() {
        return Err("trailing bytes after the sparse indexes".into());
    }
    Ok(out)
}
