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
use crate::engine::config::{CollectionConfig, VectorParams};
use crate::storage::FileSystem;
use crate::storage::checkpoint::{self, QUANT_MAGIC};
use crate::vector::quantize::{self, Quantized, persist};

/// Path of the quantizer image of space `space`.
#[must_use]
pub fn quant_path(collection_dir: &Path, space: usize) -> PathBuf {
    collection_dir.join(super::snapshot::space_file("quant", space, "plait"))
}

/// Writes the quantizer image of every space of `store` that has codes, for sequence `seq`.
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
    for (space, vectors) in store.spaces().iter().enumerate() {
        let Some(q) = vectors.quantized() else {
            continue;
        };
        super::snapshot::write_image(
            fs,
            name,
            &quant_path(collection_dir, space),
            QUANT_MAGIC,
            seq,
            &persist::encode(q),
        )?;
    }
    Ok(())
}

/// Installs the quantizer image of each quantized space for checkpoint `seq` into `store` when
/// it is usable; logs why not otherwise.
pub fn install(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    config: &CollectionConfig,
    seq: u64,
    store: &mut PointStore,
) {
    for (space, declared) in config.vectors.iter().enumerate() {
        let params = &declared.params;
        let Some(qc) = &params.quantization else {
            continue;
        };
        match load(fs, collection_dir, space, params, seq, store.slot_count()) {
            Ok(Some(q)) if q.quantizer().matches(qc) => store.space_mut(space).set_quantized(q),
            Ok(found) => {
                let due = store.carried_len(space)
                    >= quantize::training_threshold(qc, params.hnsw.full_scan_threshold);
                if due {
                    let reason = if found.is_some() {
                        "the image is for another quantization setting"
                    } else {
                        "no quantizer image"
                    };
                    tracing::warn!(
                        collection = name,
                        space,
                        reason,
                        "quantizer will be retrained"
                    );
                }
            }
            Err(reason) => {
                tracing::warn!(collection = name, space, reason = %reason, "quantizer image unusable; it will be retrained");
            }
        }
    }
}

/// The image of space `space` for checkpoint `seq` (`None` when there is none), or why it cannot
/// be used.
fn load(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    space: usize,
    params: &VectorParams,
    seq: u64,
    slots: usize,
) -> Result<Option<Quantized>, String> {
    let Some((image_seq, body)) =
        checkpoint::read(fs, &quant_path(collection_dir, space), QUANT_MAGIC)
            .map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    if image_seq != seq {
        return Err(format!(
            "quantizer image is for sequence {image_seq}, the points for {seq}"
        ));
    }
    persist::decode(&body, params.metric, params.dimension, slots)
        .map(Some)
        .map_err(|e| e.to_string())
}
