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

/// One dense vector's settings: what a collection declares per vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorParams {
    /// Vector dimension.
    pub dimension: usize,
    /// Distance metric.
    pub metric: Metric,
    /// Vector index parameters.
    pub hnsw: HnswParams,
    /// Compressed codes the graph is searched on (`None`: full precision only).
    pub quantization: Option<QuantizationConfig>,
}

impl VectorParams {
    /// The vector index's build parameters.
    #[must_use]
    pub fn hnsw_config(&self) -> crate::vector::hnsw::HnswConfig {
        crate::vector::hnsw::HnswConfig {
            m: self.hnsw.m,
            ef_construction: self.hnsw.ef_construction,
        }
    }
}

/// A dense vector a collection declares: its name (`""` for the unnamed vector) and settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedVector {
    /// The name points and queries use.
    pub name: String,
    /// Its settings.
    pub params: VectorParams,
}

/// How a collection declared its dense vectors, which decides how they are described and
/// whether a point must carry one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VectorLayout {
    /// One unnamed vector (`"vectors": {"size": ..}`); every point carries it.
    Unnamed,
    /// One vector declared under the name `""` (`"vectors": {"": {..}}`), as some clients declare
    /// the unnamed vector: it behaves as [`VectorLayout::Unnamed`] and is described by name.
    UnnamedByName,
    /// Named vectors (possibly none): a point carries any subset of them.
    Named,
}

/// A sparse vector a collection declares (Qdrant's `sparse_vectors`): its name and how query
/// weights are scaled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SparseVectorConfig {
    /// The name points and queries use (never `""`, never a dense vector's name).
    pub name: String,
    /// `Idf` scales each query weight by its term's inverse document frequency.
    pub modifier: crate::sparse::Modifier,
}

/// Most sparse vectors one collection may declare: a sparse space number is one byte in a
/// tag-14 WAL record.
pub const MAX_SPARSE_VECTORS: usize = 64;

/// Everything fixed when a collection is created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CollectionConfig {
    /// The dense vectors, in declaration order; a vector's position is its space number in the
    /// store, the WAL and the checkpoint, so it never changes.
    pub vectors: Vec<NamedVector>,
    /// The sparse vectors, in declaration order; a position is a sparse space number, fixed like
    /// a dense one. Their names differ from every dense vector's.
    pub sparse_vectors: Vec<SparseVectorConfig>,
    /// How the vectors were declared.
    pub layout: VectorLayout,
    /// When writes are acknowledged.
    pub durability: Durability,
}

/// A vector name a collection does not declare, or a query that needs a vector the collection
/// cannot supply.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VectorLookupError {
    /// No vector of that name.
    #[error("vector {name:?} is not declared by this collection (its vectors: {declared})")]
    Unknown {
        /// The name asked for.
        name: String,
        /// The declared names, quoted and comma-separated.
        declared: String,
    },
    /// The collection has no dense vector at all.
    #[error("this collection has no dense vectors, so it cannot be searched by vector")]
    NoVectors,
    /// A point without the vector every point of this collection carries.
    #[error("the point has no vector, and every point of this collection carries one")]
    Missing,
    /// A vector named twice in one point.
    #[error("vector {name:?} is given twice")]
    Duplicate {
        /// The name.
        name: String,
    },
    /// A dense vector given or asked for under a sparse vector's name.
    #[error(
        "vector {name:?} is a sparse vector: give it as {{\"indices\": [...], \"values\": [...]}}"
    )]
    NotDense {
        /// The name.
        name: String,
    },
    /// A sparse vector given or asked for under a name that is not a declared sparse vector.
    #[error("sparse vector {name:?} is not declared by this collection (its vectors: {declared})")]
    NotSparse {
        /// The name.
        name: String,
        /// The declared names, quoted and comma-separated.
        declared: String,
    },
    /// Several vectors and no name.
    #[error("this collection has several named vectors ({declared}); name one with `using`")]
    Ambiguous {
        /// The declared names, quoted and comma-separated.
        declared: String,
    },
}

impl CollectionConfig {
    /// A collection of one unnamed vector.
    #[must_use]
    pub fn single(params: VectorParams, durability: Durability) -> Self {
        Self {
            vectors: vec![NamedVector {
                name: String::new(),
                params,
            }],
            sparse_vectors: Vec::new(),
            layout: VectorLayout::Unnamed,
            durability,
        }
    }

    /// A Euclid collection of `dimension` with `fsync` durability and default index settings,
    /// for tests.
    #[cfg(test)]
    pub(crate) fn euclid_for_tests(dimension: usize) -> Self {
        Self::single(
            VectorParams {
                dimension,
                metric: Metric::Euclid,
                hnsw: HnswParams::default(),
                quantization: None,
            },
            Durability::Fsync,
        )
    }

    /// Whether every point must carry every declared vector (the unnamed layouts).
    #[must_use]
    pub fn vectors_required(&self) -> bool {
        self.layout != VectorLayout::Named
    }

    /// The space number of the vector named `name`.
    ///
    /// # Errors
    /// [`VectorLookupError::Unknown`].
    pub fn space_of(&self, name: &str) -> Result<usize, VectorLookupError> {
        if self.sparse_space_of(name).is_some() {
            return Err(VectorLookupError::NotDense {
                name: name.to_owned(),
            });
        }
        self.vectors
            .iter()
            .position(|v| v.name == name)
            .ok_or_else(|| VectorLookupError::Unknown {
                name: name.to_owned(),
                declared: self.declared_names(),
            })
    }

    /// The space a query searches: the one named `using`, or without a name the unnamed vector,
    /// or else the only vector.
    ///
    /// # Errors
    /// [`VectorLookupError`]: an unknown name, no vectors, or several and no name.
    pub fn search_space(&self, using: Option<&str>) -> Result<usize, VectorLookupError> {
        if let Some(name) = using {
            if self.vectors.is_empty() {
                return Err(VectorLookupError::NoVectors);
            }
            return self.space_of(name);
        }
        match self.vectors.len() {
            0 => Err(VectorLookupError::NoVectors),
            1 => Ok(0),
            _ => self
                .vectors
                .iter()
                .position(|v| v.name.is_empty())
                .ok_or_else(|| VectorLookupError::Ambiguous {
                    declared: self.declared_names(),
                }),
        }
    }

    /// The sparse space number of the sparse vector named `name`.
    ///
    /// # Errors
    /// [`VectorLookupError::NotSparse`] when no sparse vector has that name.
    pub fn sparse_space(&self, name: &str) -> Result<usize, VectorLookupError> {
        self.sparse_space_of(name)
            .ok_or_else(|| VectorLookupError::NotSparse {
                name: name.to_owned(),
                declared: self.declared_names(),
            })
    }

    /// The sparse space number of the sparse vector named `name`, when one is declared.
    #[must_use]
    pub fn sparse_space_of(&self, name: &str) -> Option<usize> {
        self.sparse_vectors.iter().position(|v| v.name == name)
    }

    /// Checks that every name in `names` (a `with_vector` list) is declared.
    ///
    /// # Errors
    /// [`VectorLookupError::Unknown`] for the first name that is not.
    pub fn check_names(&self, names: &[String]) -> Result<(), VectorLookupError> {
        names.iter().try_for_each(|name| {
            if self.sparse_space_of(name).is_some() {
                Ok(())
            } else {
                self.space_of(name).map(drop)
            }
        })
    }

    /// The declared names, quoted, for messages.
    #[must_use]
    pub fn declared_names(&self) -> String {
        if self.vectors.is_empty() && self.sparse_vectors.is_empty() {
            return "none".to_owned();
        }
        self.vectors
            .iter()
            .map(|v| format!("{:?}", v.name))
            .chain(
                self.sparse_vectors
                    .iter()
                    .map(|v| format!("{:?} (sparse)", v.name)),
            )
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The settings of the first vector (the unnamed one in the unnamed layouts), when any.
    #[must_use]
    pub fn primary(&self) -> Option<&VectorParams> {
        self.vectors.first().map(|v| &v.params)
    }

    /// The components of every vector together: the most one point returns with its vectors.
    #[must_use]
    pub fn total_dimension(&self) -> usize {
        self.vectors.iter().map(|v| v.params.dimension).sum()
    }

    /// The dimension of each space, in space order.
    #[must_use]
    pub fn dimensions(&self) -> Vec<usize> {
        self.vectors.iter().map(|v| v.params.dimension).collect()
    }
}

/// Longest vector name, in bytes.
pub const MAX_VECTOR_NAME_BYTES: usize = 128;

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
