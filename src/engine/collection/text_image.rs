//! The fifth checkpoint image, `texts.plait`: every text index of a collection (body format in
//! `text::image`; container in `storage::checkpoint` with magic `PLAITTXT`).
//!
//! Which fields have text indexes, and with which settings, is part of the points image (see
//! `snapshot`), so a lost image only costs re-tokenizing the payloads. Same sequence-number rule
//! as `indexes.plait`: used only when its number matches the points' and it holds an index of
//! the same field with the same settings; otherwise the index is rebuilt from the stored
//! payloads, with a warning and `plait_payload_index_rebuilds_total`. Written only when the
//! collection has a text index: without one no image is read, so a stale file is harmless.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::point_store::PointStore;
use crate::columns::FieldPath;
use crate::engine::EngineError;
use crate::metrics;
use crate::storage::FileSystem;
use crate::storage::checkpoint::TEXT_MAGIC;
use crate::text::{TextIndex, TextIndexes, TextSettings};

/// Path of a collection's text index image.
#[must_use]
pub fn text_path(collection_dir: &Path) -> PathBuf {
    collection_dir.join("texts.plait")
}

/// Writes the text index image of `store` for sequence `seq`, when it has text indexes.
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
    if store.text_indexes().is_empty() {
        return Ok(());
    }
    super::snapshot::write_image(
        fs,
        name,
        &text_path(collection_dir),
        TEXT_MAGIC,
        seq,
        &store.text_indexes().encode(),
    )
}

/// Installs into `store` a text index for each of `definitions`: from the image of checkpoint
/// `seq` when it holds a usable one, re-tokenized from the payloads otherwise.
pub fn install(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    seq: u64,
    definitions: Vec<(FieldPath, TextSettings)>,
    store: &mut PointStore,
) {
    if definitions.is_empty() {
        return;
    }
    let mut images = match load(fs, collection_dir, seq, store.slot_count()) {
        Ok(images) => images,
        Err(reason) => {
            tracing::warn!(collection = name, reason = %reason, "text index image unusable");
            Vec::new()
        }
    };
    let mut texts = TextIndexes::default();
    let mut missing = Vec::new();
    for (path, settings) in definitions {
        match images
            .iter()
            .position(|i| *i.path() == path && *i.settings() == settings)
        {
            Some(at) => texts.install(images.swap_remove(at)),
            None => missing.push((path, settings)),
        }
    }
    store.set_text_indexes(texts);
    for (path, settings) in missing {
        let started = Instant::now();
        if let Some(index) = store.build_text_index(&path, &settings) {
            store.install_text_index(index);
        }
        metrics::PAYLOAD_INDEX_REBUILDS.inc();
        tracing::warn!(
            collection = name,
            field = %path,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "text index rebuilt from the stored payloads"
        );
    }
}

/// The indexes in the image for checkpoint `seq`, or why it cannot be used.
fn load(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    seq: u64,
    slots: usize,
) -> Result<Vec<TextIndex>, String> {
    let body = super::snapshot::image_for(
        fs,
        &text_path(collection_dir),
        TEXT_MAGIC,
        seq,
        "text index",
    )?;
    let indexes = TextIndexes::decode(&body).map_err(|e| e.to_string())?;
    let bound = u32::try_from(slots).unwrap_or(u32::MAX);
    if indexes.iter().any(|i| {
        i.doc_slots().max().is_some_and(|m| m >= bound)
            || i.wrong_type_slots().max().is_some_and(|m| m >= bound)
    }) {
        return Err("text index image names slots the points image does not have".into());
    }
    Ok(indexes)
}
