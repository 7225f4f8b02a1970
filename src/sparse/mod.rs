//! Sparse vectors: the checked vector type and its bounds ([`SparseVector`], [`MAX_NON_ZEROS`],
//! [`MAX_INDEX`]), the inverted index of one sparse vector name ([`SparseIndex`]: term →
//! postings of slot and weight, maintained by the collection's writer in WAL order with the
//! slot-index life cycle, see [`SparsePoint`]), its checkpoint image ([`image`]), and dot-product
//! top-k with MaxScore pruning and the optional IDF modifier ([`Modifier`], [`search`]).
//!
//! It imports only `deadline` (a leaf), following `slot_index`'s life cycle by convention: never the engine
//! or the API, which own the vectors' storage and wire shapes and ask this module.

pub mod image;
mod index;
pub mod search;
#[cfg(test)]
mod tests;
mod vector;

pub use image::SparseImageError;
pub use index::{SparseIndex, SparsePoint, SparsePostings};
pub use search::{Modifier, SparseHit, idf};
pub use vector::{MAX_INDEX, MAX_NON_ZEROS, SparseError, SparseVector};
