//! Payload field indexes: [`FieldIndex`] (one field, one [`IndexSchema`]) and
//! [`FieldIndexes`] (every indexed field of a collection), maintained through the
//! [`crate::slot_index::SlotIndex`] interface and checkpointed as one image ([`image`]).

mod field_index;
mod histogram;
pub mod image;
mod schema;
mod set;
#[cfg(test)]
mod tests;

pub use field_index::{FieldIndex, FieldStats};
pub use histogram::{BUCKETS, Bucket, Histogram};
pub use schema::{Float, IndexKey, IndexSchema};
pub use set::FieldIndexes;
