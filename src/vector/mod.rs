//! Dense vectors: metrics and their score convention, distance kernels, validation, the vector
//! arena and exact (brute-force) top-k search.
//!
//! This module owns numeric work on `f32` vectors. It knows nothing about point ids, payloads,
//! collections or persistence: callers address vectors by dense slot numbers.

pub mod binary;
pub mod cpu;
pub mod distance;
pub mod distance_count;
pub mod exact;
pub mod hnsw;
mod mapped_floats;
mod metric;
pub mod quantize;
mod ranked;
mod space;
mod store;
#[cfg(test)]
mod test_data;
mod validate;

pub use binary::{BinarySpace, BinaryVectors};
pub use exact::{ScoredSlot, top_k, top_k_in};
pub use metric::Metric;
pub use ranked::Ranked;
pub use space::{FullPrecision, Space};
pub use store::DenseVectors;
pub use validate::{VectorError, prepare};
