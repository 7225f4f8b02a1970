//! Wire types: the JSON shapes of requests and responses, following Qdrant's REST API so that its
//! clients work unchanged. Conversions into engine types live next to each type.

pub mod aliases;
pub mod bounds;
pub mod collections;
pub mod explain;
pub mod facet;
pub mod filter;
pub mod graph;
pub mod groups;
pub mod order_by;
pub mod payload;
pub mod payload_index;
pub mod point_id;
pub mod points;
pub mod prefetch;
pub mod quantization;
pub mod query;
pub mod query_input;
pub mod search_batch;
pub mod snapshots;
pub mod sparse_config;
pub mod text_index;
pub mod unsupported;
pub mod vector_name;

pub use point_id::WirePointId;
