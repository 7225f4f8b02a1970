//! Payload values: the typed, JSON-shaped data attached to points, and their binary encoding.
//!
//! It also owns the payload field indexes ([`index`]). It never depends on
//! `serde_json::Value`: the API converts wire JSON into [`Value`] through serde.

mod datetime;
mod field_path;
pub mod index;
mod payload_edit;
mod value;
mod value_codec;

pub use datetime::parse_datetime;
pub use field_path::{FieldPath, FieldPathError, MAX_PATH_BYTES, MAX_PATH_STEPS};
pub use payload_edit::PayloadEdit;
pub use value::{Payload, Value};
pub use value_codec::{DecodeError, decode_payload, encode_payload};
