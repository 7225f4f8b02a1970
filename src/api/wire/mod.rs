//! Wire types: the JSON shapes of requests and responses, following Qdrant's REST API so that its
//! clients work unchanged. Conversions into engine types live next to each type.

pub mod bounds;
pub mod collections;
pub mod point_id;
pub mod points;
pub mod quantization;
pub mod query_input;
pub mod unsupported;

pub use point_id::WirePointId;
