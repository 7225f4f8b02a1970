//! The third checkpoint image, `quant.plait`: a collection's trained quantizer and the code of
//! every slot (body format in `vector::quantize::persist`; container in `storage::checkpoint`
//! with magic `PLAITQNT`).
//!
//! Same sequence-number rule as `graph.plait`: it is written after the points and the graph, for
//! the same WAL sequence number, and used only when its number and slot count match the points'.
//! Codes are stored rather than re-encoded because PQ encoding costs a nearest-centroid search
//! per subvector. A missing, damaged or mismatched image is never fatal: the store opens without
//! codes (searches use `f32`), a warning is logged when the collection was due to be quantized,
//! and the writer's trigger retrains after recovery (see `quant_trigger`).

use std::path::{Path, PathBuf};

use super::point_store::PointStore;
use crate::engine::EngineError;
use crate::engine::config::CollectionConfig;
use crate::storage::FileSystem;
use crate::storage::checkpoint::{self, QUANT_MAGIC};
use crate::vector::quantize::{self, Quantized, persist};

/// Path of a collection's quantizer image.
#[must_use]
pub fn quant_path(collection_dir: &Path) -> PathBuf {
    collection_dir.join("quant.plait")
}

/// Writes the quantizer image of `store` for sequence `seq` (nothing when it has no codes).
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
    let Some(q) = store.quantized() else {
        return Ok(());
    };
    super::snapshot::write_image(
        fs,
        name,
        &quant_path(collection_dir),
        QUANT_MAGIC,
        seq,
        &persist::encode(q),
    )
}

/// Installs the quantizer image for checkpoint `seq` into `store` when the collection is
/// quantized and the image is usable; logs why not otherwise.
pub fn install(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    config: &CollectionConfig,
    seq: u64,
    store: &mut PointStore,
) {
    let Some(qc) = &config.quantization else {
        return;
    };
    match load(fs, collection_dir, config, seq, store.slot_count()) {
        Ok(Some(q)) if q.quantizer().matches(qc) => store.set_quantized(q),
        Ok(found) => {
            let due =
                store.len() >= quantize::training_threshold(qc, config.hnsw.full_scan_threshold);
            if due {
                let reason = if found.is_some() {
                    "the image is for another quantization setting"
                } else {
                    "no quantizer image"
                };
                tracing::warn!(collection = name, reason, "quantizer will be retrained");
            }
        }
        Err(reason) => {
            tracing::warn!(collection = name, reason = %reason, "quantizer image unusable; it will be retrained");
        }
    }
}

/// The image for checkpoint `seq` (`None` when there is none), or why it cannot be used.
fn load(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    config: &CollectionConfig,
    seq: u64,
    slots: usize,
) -> Result<Option<Quantized>, String> {
    let Some((image_seq, body)) = checkpoint::read(fs, &quant_path(collection_dir), QUANT_MAGIC)
        .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    if image_seq != seq {
        return Err(format!(
            "quantizer image is for sequence {image_seq}, the points for {seq}"
        ));
    }
    persist::decode(&body, config.metric, config.dimension, slots)
        .map(Some)
        .map_err(|e| e.to_string())
}
