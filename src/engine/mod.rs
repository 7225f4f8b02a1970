//! The engine: the catalog of collections in a data directory, and each collection's single writer
//! and concurrent readers.
//!
//! It owns collection life cycles (create, open/recover, delete, shutdown) and the rules that keep
//! the manifest and the collection directories consistent. It must never import `axum`, `utoipa`
//! or `serde_json::Value`: the API layer translates wire types into the types here.

pub mod aliases;
mod catalog;
pub mod collection;
pub mod config;
mod dir_lock;
mod error;
pub mod manifest;
pub mod name;
mod payload_path;
pub mod point;
pub mod snapshots;
pub mod wal_archive;

/// The storage types the engine's interface names, so that `api/` never reaches into `storage/`.
pub use crate::storage::wal::{Durability, WalError};
pub use aliases::AliasAction;
pub use catalog::{CollectionState, Engine};
pub use collection::{
    AckAt, Collection, EdgeTicket, FieldIndexInfo, HealthReport, MAX_EF, MAX_FIELD_INDEXES,
    NearestParams, ReadView, SearchRequest, SelectedChange, Selector, Status, TextIndexInfo,
    VectorMemory, WriteReceipt, WriteTicket,
};
pub use config::{
    CollectionConfig, EngineOptions, HnswParams, MAX_SPARSE_VECTORS, NamedVector,
    SparseVectorConfig, VectorLayout, VectorLookupError, VectorParams,
};
pub use error::{EngineError, QueueLimit};
pub use point::{
    NewPoint, PayloadSelector, PointId, PointRecord, PointVectors, Projection, ScoredPoint,
    VectorValue,
};
pub use snapshots::SnapshotInfo;
