//! Collection settings and engine-wide options.

use std::path::PathBuf;
use std::time::Duration;

use crate::storage::wal::Durability;
use crate::vector::Metric;
use crate::vector::quantize::QuantizationConfig;

/// HNSW parameters, stored with each collection for the vector index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HnswParams {
    /// Links per node.
    pub m: usize,
    /// Candidate list size while building.
    pub ef_construction: usize,
    /// Below this many points, searches are exact.
    pub full_scan_threshold: usize,
}

impl Default for HnswParams {
    fn default() -> Self {
        Self {
            m: 16,
            ef_construction: 100,
            full_scan_threshold: 10_000,
        }
    }
}

/// Everything fixed when a collection is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CollectionConfig {
    /// Vector dimension.
    pub dimension: usize,
    /// Distance metric.
    pub metric: Metric,
    /// When writes are acknowledged.
    pub durability: Durability,
    /// Vector index parameters.
    pub hnsw: HnswParams,
    /// Compressed codes the graph is searched on (`None`: full precision only).
    pub quantization: Option<QuantizationConfig>,
    /// The vector was declared under the name `""`, as some clients declare the unnamed vector;
    /// the collection is described the same way. Nothing else depends on it.
    pub vector_named: bool,
}

impl CollectionConfig {
    /// A Euclid collection of `dimension` with `fsync` durability and default index settings,
    /// for tests.
    #[cfg(test)]
    pub(crate) fn euclid_for_tests(dimension: usize) -> Self {
        Self {
            dimension,
            metric: Metric::Euclid,
            durability: Durability::Fsync,
            hnsw: HnswParams::default(),
            quantization: None,
            vector_named: false,
        }
    }

    /// The vector index's build parameters.
    #[must_use]
    pub fn hnsw_config(&self) -> crate::vector::hnsw::HnswConfig {
        crate::vector::hnsw::HnswConfig {
            m: self.hnsw.m,
            ef_construction: self.hnsw.ef_construction,
        }
    }
}

/// Largest vector dimension accepted.
pub const MAX_DIMENSION: usize = 65_536;

/// Default of [`EngineOptions::write_queue_capacity`]: one full group commit waiting while
/// another is written.
pub const DEFAULT_WRITE_QUEUE_CAPACITY: usize = 256;

/// Default of [`EngineOptions::write_queue_bytes`]: 128 MiB of encoded writes per collection,
/// a few upserts of the largest body.
pub const DEFAULT_WRITE_QUEUE_BYTES: usize = 128 << 20;

/// Engine-wide options, from the server configuration.
#[derive(Debug, Clone)]
pub struct EngineOptions {
    /// The database directory.
    pub data_dir: PathBuf,
    /// Where snapshots are written, and the only directory `file://` recoveries read from.
    pub snapshots_dir: PathBuf,
    /// Largest snapshot an upload may carry.
    pub max_snapshot_upload_bytes: u64,
    /// Durability for collections that do not choose one.
    pub default_durability: Durability,
    /// WAL segment size.
    pub wal_segment_bytes: u64,
    /// A checkpoint is taken once this many WAL bytes accumulate.
    pub checkpoint_wal_bytes: u64,
    /// How often `flush`/`none` durability writes and syncs the WAL.
    pub flush_interval: Duration,
    /// Most collections the engine holds; each costs a writer thread.
    pub max_collections: usize,
    /// Writes each collection's queue holds while its writer is busy; a write past it is refused
    /// at once ([`crate::engine::EngineError::WriteQueueFull`]) instead of waiting.
    pub write_queue_capacity: usize,
    /// Bytes of encoded writes each collection's queue holds while its writer is busy; a write
    /// that does not fit is refused at once ([`crate::engine::EngineError::WriteQueueFull`]).
    /// An empty queue takes any one write.
    pub write_queue_bytes: usize,
    /// The WAL archive (see [`crate::engine::wal_archive`]): where WAL segments and checkpoints
    /// go instead of being deleted; `None` deletes them.
    pub wal_archive: Option<PathBuf>,
}

/// Default of [`EngineOptions::max_snapshot_upload_bytes`]: 16 GiB.
pub const DEFAULT_MAX_SNAPSHOT_UPLOAD_BYTES: u64 = 16 << 30;

/// Default of [`EngineOptions::max_collections`].
pub const DEFAULT_MAX_COLLECTIONS: usize = 1000;

impl EngineOptions {
    /// Defaults for a data directory.
    #[must_use]
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            snapshots_dir: data_dir.join("snapshots"),
            max_snapshot_upload_bytes: DEFAULT_MAX_SNAPSHOT_UPLOAD_BYTES,
            data_dir,
            default_durability: Durability::Fsync,
            wal_segment_bytes: 64 << 20,
            checkpoint_wal_bytes: 256 << 20,
            flush_interval: Duration::from_millis(200),
            max_collections: DEFAULT_MAX_COLLECTIONS,
            write_queue_capacity: DEFAULT_WRITE_QUEUE_CAPACITY,
            write_queue_bytes: DEFAULT_WRITE_QUEUE_BYTES,
            wal_archive: None,
        }
    }
}
