//! Collection requests and responses.

use std::collections::BTreeMap;

use serde::de::{self, IgnoredAny};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;

use super::quantization::QuantizationConfigWire;
use super::sparse_config::{self, SparseVectorDescription, SparseVectorParams};
use super::unsupported::reject_present;
use crate::api::error::ApiError;
use crate::engine::Durability;
use crate::engine::{
    CollectionConfig, HnswParams, NamedVector, VectorLayout, VectorParams as EngineVectorParams,
};
use crate::vector::Metric;

/// A distance metric, spelled as Qdrant spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub enum Distance {
    /// Cosine similarity (higher is closer); vectors are stored normalised.
    Cosine,
    /// Dot product (higher is closer).
    Dot,
    /// Euclidean distance (lower is closer).
    Euclid,
    /// Manhattan distance (lower is closer).
    Manhattan,
    /// Chebyshev (L-infinity) distance (lower is closer; Plait extension).
    Chebyshev,
    /// Canberra distance (lower is closer; Plait extension).
    Canberra,
    /// Bray-Curtis dissimilarity (lower is closer; Plait extension).
    BrayCurtis,
    /// Hamming distance between binary vectors: every component must be 0 or 1; stored
    /// bit-packed (lower is closer; Plait extension).
    Hamming,
    /// Jaccard distance `1 - |a∧b| / |a∨b|` between binary vectors: every component must be 0 or
    /// 1; stored bit-packed (lower is closer; Plait extension).
    Jaccard,
}

impl From<Distance> for Metric {
    fn from(d: Distance) -> Self {
        match d {
            Distance::Cosine => Self::Cosine,
            Distance::Dot => Self::Dot,
            Distance::Euclid => Self::Euclid,
            Distance::Manhattan => Self::Manhattan,
            Distance::Chebyshev => Self::Chebyshev,
            Distance::Canberra => Self::Canberra,
            Distance::BrayCurtis => Self::BrayCurtis,
            Distance::Hamming => Self::Hamming,
            Distance::Jaccard => Self::Jaccard,
        }
    }
}

impl From<Metric> for Distance {
    fn from(m: Metric) -> Self {
        match m {
            Metric::Cosine => Self::Cosine,
            Metric::Dot => Self::Dot,
            Metric::Euclid => Self::Euclid,
            Metric::Manhattan => Self::Manhattan,
            Metric::Chebyshev => Self::Chebyshev,
            Metric::Canberra => Self::Canberra,
            Metric::BrayCurtis => Self::BrayCurtis,
            Metric::Hamming => Self::Hamming,
            Metric::Jaccard => Self::Jaccard,
        }
    }
}

/// When writes to a collection are acknowledged (a Plait extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WireDurability {
    /// After the WAL record is fsynced (the default): nothing acknowledged is lost.
    Fsync,
    /// After write(2); the WAL is fsynced every flush interval.
    Flush,
    /// Once buffered in the process; written and fsynced every flush interval.
    None,
}

impl From<WireDurability> for Durability {
    fn from(d: WireDurability) -> Self {
        match d {
            WireDurability::Fsync => Self::Fsync,
            WireDurability::Flush => Self::Flush,
            WireDurability::None => Self::None,
        }
    }
}

impl From<Durability> for WireDurability {
    fn from(d: Durability) -> Self {
        match d {
            Durability::Fsync => Self::Fsync,
            Durability::Flush => Self::Flush,
            Durability::None => Self::None,
        }
    }
}

/// The settings of one dense vector.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct VectorParams {
    /// Vector dimension (1..=65536).
    pub size: usize,
    /// Distance metric.
    pub distance: Distance,
    /// HNSW settings of this vector, over the collection's `hnsw_config` (each field given here
    /// wins).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hnsw_config: Option<HnswConfigDiff>,
    /// Quantization of this vector, instead of the collection's `quantization_config`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantization_config: Option<QuantizationConfigWire>,
    /// `true` or absent: vectors always live in a memory-mapped file, as Qdrant's `on_disk: true`
    /// keeps them; `false` (vectors held in RAM) is not supported (422).
    #[serde(default, skip_serializing)]
    pub on_disk: Option<bool>,
    /// Not supported (422 when present).
    #[serde(default, skip_serializing)]
    #[schema(value_type = Option<Object>)]
    pub multivector_config: Option<IgnoredAny>,
}

impl VectorParams {
    /// Vector settings as stored.
    #[must_use]
    pub fn new(size: usize, distance: Distance) -> Self {
        Self {
            size,
            distance,
            hnsw_config: None,
            quantization_config: None,
            on_disk: None,
            multivector_config: None,
        }
    }

    /// The engine's settings of this vector, its own HNSW and quantization settings over the
    /// collection's.
    fn to_engine(
        &self,
        hnsw: &HnswConfigDiff,
        quantization: Option<&QuantizationConfigWire>,
    ) -> EngineVectorParams {
        let defaults = HnswParams::default();
        let own = self.hnsw_config.clone().unwrap_or_default();
        EngineVectorParams {
            dimension: self.size,
            metric: self.distance.into(),
            hnsw: HnswParams {
                m: own.m.or(hnsw.m).unwrap_or(defaults.m),
                ef_construction: own
                    .ef_construct
                    .or(hnsw.ef_construct)
                    .unwrap_or(defaults.ef_construction),
                full_scan_threshold: own
                    .full_scan_threshold
                    .or(hnsw.full_scan_threshold)
                    .unwrap_or(defaults.full_scan_threshold),
            },
            quantization: self
                .quantization_config
                .as_ref()
                .or(quantization)
                .map(Into::into),
        }
    }

    /// How a named vector is described: with its own HNSW and quantization settings.
    fn describe_named(p: &EngineVectorParams) -> Self {
        Self {
            hnsw_config: Some(HnswConfigDiff {
                m: Some(p.hnsw.m),
                ef_construct: Some(p.hnsw.ef_construction),
                full_scan_threshold: Some(p.hnsw.full_scan_threshold),
            }),
            quantization_config: p.quantization.as_ref().map(Into::into),
            ..Self::new(p.dimension, p.metric.into())
        }
    }
}

/// A collection's `vectors`: `{size, distance}` (one unnamed vector), or named vectors
/// `{"dense": {size, distance}, ...}` (`{}`: none, a collection of payloads and edges only;
/// `{"": {...}}` alone is the unnamed vector, as clients that name it send it). A collection is
/// described in the form it was created with.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum VectorsConfig {
    /// The unnamed vector's settings.
    Unnamed(VectorParams),
    /// Named vectors, each with its settings.
    Named(BTreeMap<String, VectorParams>),
}

impl<'de> Deserialize<'de> for VectorsConfig {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // The two forms are both JSON objects; the settings form is the one with settings keys.
        let value = serde_json::Value::deserialize(d)?;
        let settings_form =
            !value.is_object() || value.get("size").is_some() || value.get("distance").is_some();
        if settings_form {
            VectorParams::deserialize(value).map(Self::Unnamed)
        } else {
            BTreeMap::deserialize(value).map(Self::Named)
        }
        .map_err(de::Error::custom)
    }
}

impl VectorsConfig {
    /// Describes a collection's vectors in the form they were created with.
    #[must_use]
    pub fn describe(config: &CollectionConfig) -> Self {
        match (config.layout, config.vectors.as_slice()) {
            (VectorLayout::Unnamed, [only]) => Self::Unnamed(VectorParams::new(
                only.params.dimension,
                only.params.metric.into(),
            )),
            (VectorLayout::UnnamedByName, [only]) => Self::Named(BTreeMap::from([(
                only.name.clone(),
                VectorParams::new(only.params.dimension, only.params.metric.into()),
            )])),
            _ => Self::Named(
                config
                    .vectors
                    .iter()
                    .map(|v| (v.name.clone(), VectorParams::describe_named(&v.params)))
                    .collect(),
            ),
        }
    }

    /// Every declared vector's wire settings, by name (`""` for the unnamed one).
    fn entries(&self) -> Vec<(&str, &VectorParams)> {
        match self {
            Self::Unnamed(params) => vec![("", params)],
            Self::Named(map) => map.iter().map(|(n, p)| (n.as_str(), p)).collect(),
        }
    }

    /// How the vectors are declared.
    fn layout(&self) -> VectorLayout {
        match self {
            Self::Unnamed(_) => VectorLayout::Unnamed,
            Self::Named(map) if map.len() == 1 && map.contains_key("") => {
                VectorLayout::UnnamedByName
            }
            Self::Named(_) => VectorLayout::Named,
        }
    }
}

/// HNSW settings (stored now, used by the vector index).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HnswConfigDiff {
    /// Links per node (2..=128, default 16).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<usize>,
    /// Candidate list size while building (1..=4096, default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ef_construct: Option<usize>,
    /// Below this many points searches are exact (default 10000).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_scan_threshold: Option<usize>,
}

/// Body of `PUT /collections/{name}`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
pub struct CreateCollection {
    /// Dense vector settings; `{}` declares none (a collection of payloads and edges). Required,
    /// so that a body without it is a 400 rather than a collection without vectors.
    pub vectors: VectorsConfig,
    /// Sparse vectors by name (`{"bm42": {"modifier": "idf"}}`): each gets an inverted index;
    /// a point carries any subset of them. Names differ from the dense vectors' names.
    #[serde(default)]
    pub sparse_vectors: Option<BTreeMap<String, SparseVectorParams>>,
    /// HNSW settings.
    #[serde(default)]
    pub hnsw_config: Option<HnswConfigDiff>,
    /// Durability of this collection; the server default when absent (Plait extension).
    #[serde(default)]
    pub durability: Option<WireDurability>,
    /// Compressed codes to search on (none when absent).
    #[serde(default)]
    pub quantization_config: Option<QuantizationConfigWire>,
    /// Plait extension: the top-level payload key whose datetime (RFC 3339) is each point's
    /// expiry. The key is indexed as a datetime; a write whose value there is not a datetime is
    /// refused (400); expired points are deleted through the WAL. Fixed at creation.
    #[serde(default)]
    #[schema(max_length = 256)]
    pub ttl_field: Option<String>,
    /// 1 when given (a collection is one shard); other values are refused (422).
    #[serde(default)]
    pub shard_number: Option<i64>,
    /// 1 when given (Plait does not replicate); other values are refused (422).
    #[serde(default)]
    pub replication_factor: Option<i64>,
    /// 1 when given; other values are refused (422).
    #[serde(default)]
    pub write_consistency_factor: Option<i64>,
    /// `false` or absent: payloads are held in memory; `true` is not supported (422).
    #[serde(default)]
    pub on_disk_payload: Option<bool>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub sharding_method: Option<IgnoredAny>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub init_from: Option<IgnoredAny>,
    /// Not supported (422 when present): the WAL is configured per server.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub wal_config: Option<IgnoredAny>,
    /// Not supported (422 when present): Plait has no segment optimizer.
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub optimizers_config: Option<IgnoredAny>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub strict_mode_config: Option<IgnoredAny>,
}

/// 422 unless a cluster setting is absent or 1.
fn single_node_setting(name: &str, value: Option<i64>, what: &str) -> Result<(), ApiError> {
    match value {
        None | Some(1) => Ok(()),
        Some(v) if v < 1 => Err(ApiError::validation(format!(
            "{name} must be at least 1, got {v}"
        ))),
        Some(v) => Err(ApiError::unprocessable(format!(
            "`{name}` of {v} is not supported: {what}; leave it out or set it to 1"
        ))),
    }
}

impl CreateCollection {
    /// Refuses settings Plait cannot honour: cluster settings other than 1 and fields naming
    /// Qdrant features it does not implement.
    ///
    /// # Errors
    /// 422 naming the setting.
    pub fn check(&self) -> Result<(), ApiError> {
        let single = "a collection is one shard on one node";
        single_node_setting("shard_number", self.shard_number, single)?;
        single_node_setting("replication_factor", self.replication_factor, single)?;
        single_node_setting(
            "write_consistency_factor",
            self.write_consistency_factor,
            single,
        )?;
        for (_, vectors) in self.vectors.entries() {
            if vectors.on_disk == Some(false) {
                return Err(ApiError::unsupported(
                    "vectors.on_disk",
                    "vectors held in RAM (`false`): vectors always live in a memory-mapped \
                     file, which is what `on_disk: true` asks for",
                ));
            }
            reject_present(&[(
                "vectors.multivector_config",
                &vectors.multivector_config,
                "multi-vectors",
            )])?;
        }
        if self.on_disk_payload == Some(true) {
            return Err(ApiError::unsupported(
                "on_disk_payload",
                "payloads on disk (`true`): payloads are held in memory",
            ));
        }
        reject_present(&[
            (
                "sharding_method",
                &self.sharding_method,
                "sharding (a collection is one shard)",
            ),
            (
                "init_from",
                &self.init_from,
                "copying points from another collection",
            ),
            (
                "wal_config",
                &self.wal_config,
                "a per-collection WAL configuration (the server's settings apply)",
            ),
            (
                "optimizers_config",
                &self.optimizers_config,
                "a segment optimizer",
            ),
            (
                "strict_mode_config",
                &self.strict_mode_config,
                "strict mode",
            ),
        ])
    }

    /// The engine configuration this request asks for.
    ///
    /// # Errors
    /// 422 for sparse vector settings Plait refuses (see `sparse_config::to_engine`).
    pub fn to_config(&self, default_durability: Durability) -> Result<CollectionConfig, ApiError> {
        let dense: Vec<&str> = self.vectors.entries().into_iter().map(|(n, _)| n).collect();
        let sparse_vectors = match &self.sparse_vectors {
            Some(map) => sparse_config::to_engine(map, &dense)?,
            None => Vec::new(),
        };
        let hnsw = self.hnsw_config.clone().unwrap_or_default();
        let quantization = self.quantization_config.as_ref();
        Ok(CollectionConfig {
            vectors: self
                .vectors
                .entries()
                .into_iter()
                .map(|(name, params)| NamedVector {
                    name: name.to_owned(),
                    params: params.to_engine(&hnsw, quantization),
                })
                .collect(),
            sparse_vectors,
            layout: self.vectors.layout(),
            durability: self.durability.map_or(default_durability, Into::into),
        })
    }
}

/// One entry of the collection list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionDescription {
    /// The name.
    pub name: String,
}

/// Result of `GET /collections`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionsList {
    /// Every collection, by name.
    pub collections: Vec<CollectionDescription>,
}

/// Result of `GET /collections/{name}/exists`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionExistence {
    /// Whether it exists.
    pub exists: bool,
}

/// Collection parameters, in Qdrant's shape.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionParams {
    /// Vector settings, in the form the collection was created with.
    pub vectors: VectorsConfig,
    /// Sparse vectors by name (absent when the collection has none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sparse_vectors: BTreeMap<String, SparseVectorDescription>,
    /// Always 1 (Plait does not shard).
    pub shard_number: u32,
    /// Always 1 (Plait does not replicate).
    pub replication_factor: u32,
    /// Always 1.
    pub write_consistency_factor: u32,
    /// Payloads are held in memory and persisted in the WAL and checkpoints.
    pub on_disk_payload: bool,
}

/// HNSW settings as stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct HnswConfig {
    /// Links per node.
    pub m: usize,
    /// Candidate list size while building.
    pub ef_construct: usize,
    /// Below this many points searches are exact.
    pub full_scan_threshold: usize,
}

/// Optimizer settings, in Qdrant's shape (Plait has no optimizer; fixed values).
#[derive(Debug, Serialize, ToSchema)]
pub struct OptimizersConfig {
    /// Always 0.
    pub default_segment_number: u32,
    /// Always 0: Plait flushes through its WAL and checkpoints instead.
    pub flush_interval_sec: u64,
}

/// The configuration of a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionConfigView {
    /// Parameters.
    pub params: CollectionParams,
    /// HNSW settings.
    pub hnsw_config: HnswConfig,
    /// Optimizer settings.
    pub optimizer_config: OptimizersConfig,
    /// Quantization, `null` when the collection has none.
    pub quantization_config: Option<QuantizationConfigWire>,
}

/// Plait-specific facts about a collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlaitCollectionInfo {
    /// Durability of writes.
    pub durability: WireDurability,
    /// Bytes of the collection's files on disk.
    pub disk_bytes: u64,
    /// Approximate bytes of heap memory held by its graph, ids and payloads.
    pub memory_bytes: u64,
    /// Bytes of vectors memory-mapped from the collection's vector file.
    pub vector_mapped_bytes: u64,
    /// Bytes of the mapped vector file in memory (the page cache) now, from `mincore`; the rest
    /// is only on disk.
    pub vector_resident_bytes: u64,
    /// Why the collection refuses writes (status `red`), until the server restarts; absent when
    /// it takes writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub writes_refused: Option<String>,
    /// The last automatic checkpoint error while checkpoints keep failing (status `yellow`); the
    /// WAL still holds every acknowledged write, and the checkpoint is retried with back-off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checkpoint_error: Option<String>,
    /// Automatic checkpoints failed in a row (0 after a success).
    pub checkpoint_failures: u32,
    /// Whether a graph repair round (after deletes) is running (status `yellow`).
    pub repairing: bool,
}

/// Qdrant's optimizer status: `"ok"`, or `{"error": "..."}`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum OptimizerStatus {
    /// `"ok"`.
    Ok(&'static str),
    /// Background maintenance (here: checkpoints) is failing.
    Error {
        /// What fails.
        error: String,
    },
}

/// Result of `GET /collections/{name}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct CollectionInfo {
    /// `green`: all is well; `yellow`: a graph repair runs or checkpoints are failing (writes
    /// go on); `red`: writes are refused until restart (see `plait.writes_refused`).
    pub status: &'static str,
    /// `"ok"`, or `{"error": ...}` while automatic checkpoints fail.
    pub optimizer_status: OptimizerStatus,
    /// Always 1.
    pub segments_count: u32,
    /// Live points.
    pub points_count: u64,
    /// Points searched through the HNSW graph (0 while the collection is at or below
    /// `full_scan_threshold` and searches are exact).
    pub indexed_vectors_count: u64,
    /// Configuration.
    pub config: CollectionConfigView,
    /// Payload field indexes, by field.
    pub payload_schema:
        std::collections::BTreeMap<String, crate::api::wire::payload_index::PayloadIndexInfo>,
    /// Plait extension.
    pub plait: PlaitCollectionInfo,
}
