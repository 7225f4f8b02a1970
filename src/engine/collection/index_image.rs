//! The fourth checkpoint image, `indexes.plait`: every payload field index of a collection (body
//! format in `columns::index::image`; container in `storage::checkpoint` with magic `PLAITIDX`).
//!
//! Which fields are indexed, and as what, is part of the points image itself (its closing
//! section, see `snapshot`), so a lost index image never loses an index: it only costs a
//! rebuild. Same sequence-number rule as `graph.plait`: written after the points for the same
//! WAL sequence number and used only when its number matches theirs and it holds an index of
//! the same field and schema. A missing, damaged or mismatched image is never fatal: the index is
//! rebuilt from the stored payloads, with a warning and `plait_payload_index_rebuilds_total`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::point_store::PointStore;
use crate::columns::FieldPath;
use crate::columns::index::{FieldIndex, FieldIndexes, IndexSchema};
use crate::engine::EngineError;
use crate::metrics;
use crate::storage::FileSystem;
use crate::storage::checkpoint::INDEX_MAGIC;

/// Path of a collection's payload index image.
#[must_use]
pub fn index_path(collection_dir: &Path) -> PathBuf {
    collection_dir.join("indexes.plait")
}

/// Writes the payload index image of `store` for sequence `seq` (an empty image when it has no
/// index, so that a stale one never lingers).
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
    super::snapshot::write_image(
        fs,
        name,
        &index_path(collection_dir),
        INDEX_MAGIC,
        seq,
        &store.field_indexes().encode(),
    )
}

/// Installs into `store` an index for each of `definitions`: from the image of checkpoint `seq`
/// when it holds a usable one, rebuilt from the payloads otherwise.
pub fn install(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    seq: u64,
    definitions: Vec<(FieldPath, IndexSchema)>,
    store: &mut PointStore,
) {
    if definitions.is_empty() {
        return;
    }
    let mut images = match load(fs, collection_dir, seq, store.slot_count()) {
        Ok(images) => images,
        Err(reason) => {
            tracing::warn!(collection = name, reason = %reason, "payload index image unusable");
            Vec::new()
        }
    };
    let mut fields = FieldIndexes::default();
    let mut missing = Vec::new();
    for (path, schema) in definitions {
        match images
            .iter()
            .position(|i| *i.path() == path && i.schema() == schema)
        {
            Some(at) => fields.install(images.swap_remove(at)),
            None => missing.push((path, schema)),
        }
    }
    store.set_field_indexes(fields);
    for (path, schema) in missing {
        let started = Instant::now();
        if let Some(index) = store.build_field_index(&path, schema) {
            store.install_field_index(index);
        }
        metrics::PAYLOAD_INDEX_REBUILDS.inc();
        tracing::warn!(
            collection = name,
            field = %path,
            schema = %schema,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "payload index rebuilt from the stored payloads"
        );
    }
}

/// The indexes in the image for checkpoint `seq`, or why it cannot be used.
fn load(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    seq: u64,
    slots: usize,
) -> Result<Vec<FieldIndex>, String> {
    let body = super::snapshot::image_for(
        fs,
        &index_path(collection_dir),
        INDEX_MAGIC,
        seq,
        "payload index",
    )?;
    let indexes = FieldIndexes::decode(&body).map_err(|e| e.to_string())?;
    let bound = u32::try_from(slots).unwrap_or(u32::MAX);
    if indexes
        .iter()
        .any(|i| i.indexed_slots().max().is_some_and(|m| m >= bound))
    {
        return Err("payload index image names slots the points image does not have".into());
    }
    Ok(indexes)
}
