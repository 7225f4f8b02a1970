//! Writing a [`PointStore`] into a checkpoint and reading it back (layout in `record_codec`).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::point_store::PointStore;
use super::record_codec::{Cursor, put_point};
use crate::engine::EngineError;
use crate::engine::config::CollectionConfig;
use crate::storage::FileSystem;
use crate::storage::checkpoint::{self, CheckpointWriter};

/// Path of a collection's checkpoint.
#[must_use]
pub fn checkpoint_path(collection_dir: &Path) -> PathBuf {
    collection_dir.join("checkpoint.plait")
}

/// Writes `store` as the checkpoint for WAL sequence `seq`, atomically.
///
/// # Errors
/// [`EngineError::Checkpoint`] on I/O failure; the previous checkpoint stays in place.
pub fn write(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    store: &PointStore,
    seq: u64,
) -> Result<(), EngineError> {
    let wrap = |e| EngineError::Checkpoint {
        name: name.to_owned(),
        source: Arc::new(e),
    };
    let mut w =
        CheckpointWriter::create(fs, &checkpoint_path(collection_dir), seq).map_err(wrap)?;
    let mut head = Vec::with_capacity(12);
    head.extend_from_slice(
        &u32::try_from(store.vectors().dim())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    head.extend_from_slice(&(store.len() as u64).to_le_bytes());
    w.write(&head).map_err(wrap)?;
    let mut buf = Vec::new();
    for (id, vector, payload) in store.iter_full() {
        buf.clear();
        put_point(&mut buf, id, vector, payload);
        w.write(&buf).map_err(wrap)?;
    }
    w.finish().map_err(wrap)
}

/// Loads the checkpoint of a collection: the store and the WAL sequence it covers, or an empty store
/// at sequence 0 when none exists.
///
/// # Errors
/// [`EngineError::Checkpoint`] when damaged, [`EngineError::Undecodable`] when its body is invalid.
pub fn read(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    config: &CollectionConfig,
) -> Result<(PointStore, u64), EngineError> {
    let dim = config.dimension;
    let mut store = PointStore::new(dim, config.metric, config.hnsw_config());
    // A temporary file is what a crash during a checkpoint leaves; the previous checkpoint (or
    // none) is still the valid one.
    let tmp = collection_dir.join("checkpoint.plait.tmp");
    if fs.exists(&tmp) {
        fs.remove_file(&tmp)
            .map_err(|e| EngineError::io("remove", &tmp, e))?;
    }
    let loaded = checkpoint::read(fs, &checkpoint_path(collection_dir)).map_err(|e| {
        EngineError::Checkpoint {
            name: name.to_owned(),
            source: Arc::new(e),
        }
    })?;
    let Some((seq, body)) = loaded else {
        return Ok((store, 0));
    };
    let undecodable = |e| EngineError::undecodable(name, "checkpoint", &e);
    let mut c = Cursor::new(&body);
    let stored_dim = c.u32().map_err(undecodable)? as usize;
    if stored_dim != dim {
        return Err(EngineError::Undecodable {
            name: name.to_owned(),
            what: "checkpoint",
            detail: format!("dimension {stored_dim} differs from the collection's {dim}"),
        });
    }
    let count = c.u64().map_err(undecodable)?;
    let points = (0..count)
        .map(|_| c.point(dim))
        .collect::<Result<Vec<_>, _>>()
        .map_err(undecodable)?;
    // One parallel index build over the whole image.
    store.upsert_many(points);
    if !c.is_empty() {
        return Err(EngineError::Undecodable {
            name: name.to_owned(),
            what: "checkpoint",
            detail: "trailing bytes after the last point".into(),
        });
    }
    Ok((store, seq))
}
