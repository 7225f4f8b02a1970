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

/// Decides when to train, and trains.
#[derive(Debug, Clone, Copy)]
pub struct QuantTrigger {
    config: Option<QuantizationConfig>,
    threshold: usize,
}

impl QuantTrigger {
    /// The trigger for a collection's settings (never fires without a quantization setting).
    #[must_use]
    pub fn new(config: &CollectionConfig) -> Self {
        Self {
            config: config.quantization,
            threshold: config.quantization.map_or(usize::MAX, |q| {
                quantize::training_threshold(&q, config.hnsw.full_scan_threshold)
            }),
        }
    }

    /// Whether training is due now (a quantization setting, no codes yet, enough points).
    #[must_use]
    pub fn due(&self, store: &RwLock<PointStore>) -> bool {
        self.config.is_some() && {
            let guard = store.read();
            guard.quantized().is_none() && guard.len() >= self.threshold
        }
    }

    /// Trains and installs the quantizer when it is due; returns whether it did.
    pub fn train_if_due(&self, name: &str, store: &RwLock<PointStore>) -> bool {
        let Some(config) = &self.config else {
            return false;
        };
        let started = Instant::now();
        let trained = {
            let guard = store.read();
            if guard.quantized().is_some() || guard.len() < self.threshold {
                return false;
            }
            let live: Vec<u32> = guard.live_slots().collect();
            // On rayon's global pool: every core.
            quantize::train(config, guard.metric(), guard.vectors(), &live)
        };
        let code_bytes = trained.code_bytes();
        store.write().set_quantized(trained);
        metrics::QUANTIZER_TRAININGS.inc();
        tracing::info!(
            collection = name,
            method = ?config.method,
            code_bytes,
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "quantizer trained and every slot encoded"
        );
        true
    }
}
