//! Vector quantization: compressed codes that the HNSW graph is traversed on, with the final
//! candidates re-scored on the full-precision vectors.
//!
//! This module owns the two quantizers ([`sq8`]: scalar int8, one byte per component; [`pq`]:
//! product quantization, one byte per subvector), their training ([`train`]), the slot-addressed
//! code store ([`codes`]), the SIMD kernels for SQ8 ([`kernels`]), the search that walks the
//! graph on codes and re-scores ([`search`]) and the byte image of a trained quantizer
//! ([`persist`]). Each quantizer is a [`crate::vector::Space`]. It never touches point ids,
//! payloads, locks or files: callers hand it vectors and slots.
//!
//! ## Training trigger
//!
//! A collection with a quantization setting trains once, when its live point count first
//! reaches [`training_threshold`]: the larger of the collection's `full_scan_threshold` and
//! [`SQ8_MIN_TRAIN_POINTS`] (SQ8) or [`PQ_MIN_TRAIN_POINTS`] (PQ, so that each of the 256
//! centroids per subspace has several points). Below it every search is exact on `f32` anyway.
//! Training samples at most [`MAX_SAMPLE`] stored vectors (evenly spaced over the slots, so it is
//! deterministic), then every slot is encoded; from then on each upsert encodes its vector in
//! the same write slice that indexes it. A trained quantizer is never retrained, except when its
//! checkpoint image is missing or damaged.

pub mod codes;
pub mod kernels;
mod kmeans;
pub mod persist;
pub mod pq;
pub mod search;
pub mod sq8;
pub mod train;

pub use codes::Codes;
pub use pq::Pq;
pub use search::{QuantizedSearch, search};
pub use sq8::Sq8;
pub use train::train;

/// Most vectors a quantizer is trained on.
pub const MAX_SAMPLE: usize = 10_000;
/// Fewest live points before SQ8 trains.
pub const SQ8_MIN_TRAIN_POINTS: usize = 256;
/// Fewest live points before PQ trains.
pub const PQ_MIN_TRAIN_POINTS: usize = 2048;

/// PQ compression ratio against `f32` vectors: `x16` stores 4 components per byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    /// One component per byte.
    X4,
    /// Two components per byte.
    X8,
    /// Four components per byte.
    X16,
    /// Eight components per byte.
    X32,
    /// Sixteen components per byte.
    X64,
}

impl Compression {
    /// Components per subvector (each stored in one byte).
    #[must_use]
    pub fn sub_dim(self) -> usize {
        match self {
            Self::X4 => 1,
            Self::X8 => 2,
            Self::X16 => 4,
            Self::X32 => 8,
            Self::X64 => 16,
        }
    }

    /// The Qdrant spelling (`x4` .. `x64`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::X4 => "x4",
            Self::X8 => "x8",
            Self::X16 => "x16",
            Self::X32 => "x32",
            Self::X64 => "x64",
        }
    }

    /// Parses the Qdrant spelling.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::X4, Self::X8, Self::X16, Self::X32, Self::X64]
            .into_iter()
            .find(|c| c.name() == s)
    }
}

/// Which quantizer a collection uses.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum QuantizationMethod {
    /// Scalar int8, with the quantile of each dimension's values kept in range (0.5..=1).
    Scalar {
        /// Fraction of values inside the trained range.
        quantile: f32,
    },
    /// Product quantization.
    Product {
        /// Compression ratio.
        compression: Compression,
    },
}

/// The quantization setting of a collection.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantizationConfig {
    /// The quantizer.
    pub method: QuantizationMethod,
    /// Accepted for Qdrant compatibility: codes are always held in memory.
    pub always_ram: bool,
}

// Quantiles are validated finite when a collection is created, so equality is reflexive.
impl Eq for QuantizationConfig {}

impl QuantizationConfig {
    /// Whether the setting is usable; the reason when not.
    ///
    /// # Errors
    /// A description of the bad value.
    pub fn validate(&self) -> Result<(), String> {
        match self.method {
            QuantizationMethod::Scalar { quantile } if !(0.5..=1.0).contains(&quantile) => Err(
                format!("scalar quantile must be between 0.5 and 1, got {quantile}"),
            ),
            QuantizationMethod::Scalar { .. } | QuantizationMethod::Product { .. } => Ok(()),
        }
    }
}

/// Live points at which a collection with `config` trains its quantizer.
#[must_use]
pub fn training_threshold(config: &QuantizationConfig, full_scan_threshold: usize) -> usize {
    let floor = match config.method {
        QuantizationMethod::Scalar { .. } => SQ8_MIN_TRAIN_POINTS,
        QuantizationMethod::Product { .. } => PQ_MIN_TRAIN_POINTS,
    };
    full_scan_threshold.max(floor)
}

/// A trained quantizer.
#[derive(Debug, Clone, PartialEq)]
pub enum Quantizer {
    /// Scalar int8.
    Sq8(Sq8),
    /// Product quantization.
    Pq(Pq),
}

impl Quantizer {
    /// Bytes per code.
    #[must_use]
    pub fn code_width(&self) -> usize {
        match self {
            Self::Sq8(q) => q.code_width(),
            Self::Pq(q) => q.code_width(),
        }
    }

    /// Encodes `v` into `out` (`code_width` long).
    pub fn encode(&self, v: &[f32], out: &mut [u8]) {
        match self {
            Self::Sq8(q) => q.encode(v, out),
            Self::Pq(q) => q.encode(v, out),
        }
    }

    /// Whether this quantizer is of the kind `config` asks for (a checkpoint image of another
    /// kind is not used).
    #[must_use]
    pub fn matches(&self, config: &QuantizationConfig) -> bool {
        match (self, config.method) {
            (Self::Sq8(_), QuantizationMethod::Scalar { .. }) => true,
            (Self::Pq(q), QuantizationMethod::Product { compression }) => {
                q.sub_dim() == compression.sub_dim().min(q.dim())
            }
            _ => false,
        }
    }
}

/// A trained quantizer and the code of every slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Quantized {
    quantizer: Quantizer,
    codes: Codes,
}

impl Quantized {
    /// A quantizer with codes (their widths must agree).
    #[must_use]
    pub fn new(quantizer: Quantizer, codes: Codes) -> Option<Self> {
        (codes.width() == quantizer.code_width()).then_some(Self { quantizer, codes })
    }

    /// The quantizer.
    #[must_use]
    pub fn quantizer(&self) -> &Quantizer {
        &self.quantizer
    }

    /// The codes.
    #[must_use]
    pub fn codes(&self) -> &Codes {
        &self.codes
    }

    /// Encodes `v` as the code of `slot` (growing the code store for a new slot).
    pub fn encode_slot(&mut self, slot: u32, v: &[f32]) {
        let mut code = vec![0u8; self.quantizer.code_width()];
        self.quantizer.encode(v, &mut code);
        self.codes.set(slot, &code);
    }

    /// Bytes held by the codes.
    #[must_use]
    pub fn code_bytes(&self) -> usize {
        self.codes.heap_bytes()
    }
}
