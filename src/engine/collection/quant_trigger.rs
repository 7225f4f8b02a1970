//! [`QuantTrigger`]: when a quantized collection trains its quantizer, and installing the result.
//!
//! The rule (also in `vector::quantize` and `docs/ARCHITECTURE.md`): a collection with a
//! quantization setting trains once its live point count first reaches
//! [`quantize::training_threshold`], checked by the writer after each applied group and once
//! after recovery (which also covers a missing or damaged `quant.plait`). Training runs on the
//! writer thread under the store's *read* lock, so searches keep running while it samples, trains
//! and encodes every slot; only writes wait (they queue in the channel and commit afterwards).
//! The codes are then installed under a short write lock. Nothing else mutates the store in
//! between: the writer (or recovery, before the writer starts) is its only mutator.

use std::time::Instant;

use parking_lot::RwLock;

use super::point_store::PointStore;
use crate::engine::config::CollectionConfig;
use crate::metrics;
use crate::vector::quantize::{self, QuantizationConfig};

/// Decides when to train each quantized vector space, and trains.
#[derive(Debug, Clone)]
pub struct QuantTrigger {
    /// Per quantized space: its number, setting and the carried points that make training due.
    spaces: Vec<(usize, QuantizationConfig, usize)>,
}

impl QuantTrigger {
    /// The trigger for a collection's settings (never fires without a quantization setting).
    #[must_use]
    pub fn new(config: &CollectionConfig) -> Self {
        Self {
            spaces: config
                .vectors
                .iter()
                .enumerate()
                .filter_map(|(i, v)| {
                    let q = v.params.quantization?;
                    let threshold =
                        quantize::training_threshold(&q, v.params.hnsw.full_scan_threshold);
                    Some((i, q, threshold))
                })
                .collect(),
        }
    }

    /// Whether training is due now for some space (a quantization setting, no codes yet,
    /// enough live points carrying its vector).
    #[must_use]
    pub fn due(&self, store: &RwLock<PointStore>) -> bool {
        !self.spaces.is_empty() && {
            let guard = store.read();
            self.spaces
                .iter()
                .any(|&(space, _, threshold)| Self::space_due(&guard, space, threshold))
        }
    }

    fn space_due(store: &PointStore, space: usize, threshold: usize) -> bool {
        store.space(space).quantized().is_none() && store.carried_len(space) >= threshold
    }

    /// Trains and installs the quantizer of every space where it is due; returns whether it
    /// trained any.
    pub fn train_if_due(&self, name: &str, store: &RwLock<PointStore>) -> bool {
        let mut trained_any = false;
        for (space, config, threshold) in &self.spaces {
            let started = Instant::now();
            let trained = {
                let guard = store.read();
                if !Self::space_due(&guard, *space, *threshold) {
                    continue;
                }
                let live: Vec<u32> = guard.live_slots().collect();
                // On rayon's global pool: every core.
                guard.space(*space).train(config, &live)
            };
            let code_bytes = trained.code_bytes();
            store.write().space_mut(*space).set_quantized(trained);
            metrics::QUANTIZER_TRAININGS.inc();
            tracing::info!(
                collection = name,
                space,
                method = ?config.method,
                code_bytes,
                elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                "quantizer trained and every slot encoded"
            );
            trained_any = true;
        }
        trained_any
    }
}
