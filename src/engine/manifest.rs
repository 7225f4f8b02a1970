//! The manifest: the authoritative list of collections in a data directory, and each collection's
//! settings file. Both are small JSON documents replaced atomically.
//!
//! A collection exists exactly when the manifest names it. Creating writes the collection's
//! directory first and the manifest last; deleting rewrites the manifest first and removes the
//! directory last. A directory that the manifest does not name is a leftover of an interrupted
//! create or delete (or data the manifest does not know) and is moved to `quarantine/` at
//! start-up, never deleted.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::EngineError;
use super::config::{
    CollectionConfig, HnswParams, NamedVector, SparseVectorConfig, VectorLayout, VectorParams,
};
use crate::sparse::Modifier;
use crate::storage::wal::Durability;
use crate::storage::{FileSystem, atomic_write};
use crate::vector::Metric;
use crate::vector::quantize::{Compression, QuantizationConfig, QuantizationMethod};

const MANIFEST_FORMAT: &str = "plait-manifest";
const SETTINGS_FORMAT: &str = "plait-collection";
/// Version of both JSON documents.
const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct ManifestFile {
    format: String,
    version: u32,
    collections: Vec<String>,
}

/// Path of the manifest in a data directory.
#[must_use]
pub fn manifest_path(root: &Path) -> PathBuf {
    root.join("manifest.json")
}

/// Reads the manifest, or `None` when there is none.
///
/// # Errors
/// [`EngineError::Manifest`] when it exists but is not a valid manifest.
pub fn read_manifest(fs: &dyn FileSystem, root: &Path) -> Result<Option<Vec<String>>, EngineError> {
    let path = manifest_path(root);
    if !fs.exists(&path) {
        return Ok(None);
    }
    let bytes = fs
        .read(&path)
        .map_err(|e| EngineError::io("read", &path, e))?;
    let bad = |reason: String| EngineError::Manifest {
        path: path.clone(),
        reason,
    };
    let file: ManifestFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if file.format != MANIFEST_FORMAT || file.version != VERSION {
        return Err(bad(format!(
            "format {:?} version {} is not {MANIFEST_FORMAT:?} version {VERSION}",
            file.format, file.version
        )));
    }
    Ok(Some(file.collections))
}

/// Replaces the manifest atomically.
///
/// # Errors
/// I/O errors.
pub fn write_manifest(
    fs: &dyn FileSystem,
    root: &Path,
    collections: &[String],
) -> Result<(), EngineError> {
    let path = manifest_path(root);
    let file = ManifestFile {
        format: MANIFEST_FORMAT.into(),
        version: VERSION,
        collections: collections.to_vec(),
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| EngineError::Manifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    atomic_write(fs, &path, &bytes).map_err(|e| EngineError::io("write", &path, e))
}

/// `collection.json`. A collection of one unnamed vector keeps the flat layout every earlier
/// version wrote (its vector's settings at the top level); a collection of named vectors has
/// `vectors`, a list in declaration order (possibly empty), and no top-level vector fields.
#[derive(Debug, Serialize, Deserialize)]
struct SettingsFile {
    format: String,
    version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    dimension: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    metric: Option<String>,
    durability: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hnsw_m: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hnsw_ef_construction: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hnsw_full_scan_threshold: Option<usize>,
    /// Absent in files written before quantization existed, and for collections without it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantization: Option<QuantizationSettings>,
    /// Absent (false) in files written before vector names were accepted, and for collections
    /// whose vector was declared without a name.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    vector_named: bool,
    /// The top-level payload key whose datetime is a point's expiry (absent: points never
    /// expire, and in every file written before expiry existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ttl_field: Option<String>,
    /// The named vectors, in declaration order; absent for one unnamed vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    vectors: Option<Vec<VectorSettings>>,
    /// The sparse vectors, in declaration order; absent (none) in files written before sparse
    /// vectors existed, and for collections without them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    sparse_vectors: Vec<SparseSettings>,
}

/// One sparse vector as stored.
#[derive(Debug, Serialize, Deserialize)]
struct SparseSettings {
    name: String,
    /// `"none"` or `"idf"`.
    modifier: String,
}

impl SparseSettings {
    fn from_config(v: &SparseVectorConfig) -> Self {
        Self {
            name: v.name.clone(),
            modifier: match v.modifier {
                Modifier::None => "none",
                Modifier::Idf => "idf",
            }
            .into(),
        }
    }

    fn to_config(&self) -> Result<SparseVectorConfig, String> {
        let modifier = match self.modifier.as_str() {
            "none" => Modifier::None,
            "idf" => Modifier::Idf,
            other => return Err(format!("sparse vector modifier {other:?}")),
        };
        Ok(SparseVectorConfig {
            name: self.name.clone(),
            modifier,
        })
    }
}

/// One named vector as stored.
#[derive(Debug, Serialize, Deserialize)]
struct VectorSettings {
    name: String,
    dimension: usize,
    metric: String,
    hnsw_m: usize,
    hnsw_ef_construction: usize,
    hnsw_full_scan_threshold: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantization: Option<QuantizationSettings>,
}

impl VectorSettings {
    fn from_config(v: &NamedVector) -> Self {
        Self {
            name: v.name.clone(),
            dimension: v.params.dimension,
            metric: metric_name(v.params.metric).into(),
            hnsw_m: v.params.hnsw.m,
            hnsw_ef_construction: v.params.hnsw.ef_construction,
            hnsw_full_scan_threshold: v.params.hnsw.full_scan_threshold,
            quantization: v
                .params
                .quantization
                .as_ref()
                .map(QuantizationSettings::from_config),
        }
    }

    fn to_config(&self) -> Result<NamedVector, String> {
        Ok(NamedVector {
            name: self.name.clone(),
            params: VectorParams {
                dimension: self.dimension,
                metric: parse_metric(&self.metric)
                    .ok_or_else(|| format!("metric {:?}", self.metric))?,
                hnsw: HnswParams {
                    m: self.hnsw_m,
                    ef_construction: self.hnsw_ef_construction,
                    full_scan_threshold: self.hnsw_full_scan_threshold,
                },
                quantization: self
                    .quantization
                    .as_ref()
                    .map(QuantizationSettings::to_config)
                    .transpose()?,
            },
        })
    }
}

/// A collection's quantization setting as stored: `{"method": "scalar", "quantile": 0.99}` or
/// `{"method": "product", "compression": "x16"}`, with `always_ram`.
#[derive(Debug, Serialize, Deserialize)]
struct QuantizationSettings {
    method: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    quantile: Option<f32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    compression: Option<String>,
    #[serde(default)]
    always_ram: bool,
}

impl QuantizationSettings {
    fn from_config(q: &QuantizationConfig) -> Self {
        let (method, quantile, compression) = match q.method {
            QuantizationMethod::Scalar { quantile } => ("scalar", Some(quantile), None),
            QuantizationMethod::Product { compression } => {
                ("product", None, Some(compression.name().to_owned()))
            }
        };
        Self {
            method: method.into(),
            quantile,
            compression,
            always_ram: q.always_ram,
        }
    }

    fn to_config(&self) -> Result<QuantizationConfig, String> {
        let method = match (
            self.method.as_str(),
            self.quantile,
            self.compression.as_deref(),
        ) {
            ("scalar", Some(quantile), None) => QuantizationMethod::Scalar { quantile },
            ("product", None, Some(c)) => QuantizationMethod::Product {
                compression: Compression::parse(c).ok_or_else(|| format!("compression {c:?}"))?,
            },
            _ => return Err(format!("quantization {self:?}")),
        };
        let config = QuantizationConfig {
            method,
            always_ram: self.always_ram,
        };
        config.validate()?;
        Ok(config)
    }
}

/// The name a metric is stored under.
#[must_use]
pub fn metric_name(m: Metric) -> &'static str {
    match m {
        Metric::Cosine => "cosine",
        Metric::Dot => "dot",
        Metric::Euclid => "euclid",
        Metric::Manhattan => "manhattan",
        Metric::Chebyshev => "chebyshev",
        Metric::Canberra => "canberra",
        Metric::BrayCurtis => "bray_curtis",
        Metric::Hamming => "hamming",
        Metric::Jaccard => "jaccard",
    }
}

/// The name a durability mode is stored and configured under.
#[must_use]
pub fn durability_name(d: Durability) -> &'static str {
    match d {
        Durability::Fsync => "fsync",
        Durability::Flush => "flush",
        Durability::None => "none",
    }
}

/// Parses a durability name (`fsync`, `flush`, `none`).
#[must_use]
pub fn parse_durability(s: &str) -> Option<Durability> {
    match s {
        "fsync" => Some(Durability::Fsync),
        "flush" => Some(Durability::Flush),
        "none" => Some(Durability::None),
        _ => None,
    }
}

/// The metric a manifest (or a request) names, in lower case.
pub fn parse_metric(s: &str) -> Option<Metric> {
    match s {
        "cosine" => Some(Metric::Cosine),
        "dot" => Some(Metric::Dot),
        "euclid" => Some(Metric::Euclid),
        "manhattan" => Some(Metric::Manhattan),
        "chebyshev" => Some(Metric::Chebyshev),
        "canberra" => Some(Metric::Canberra),
        "bray_curtis" => Some(Metric::BrayCurtis),
        "hamming" => Some(Metric::Hamming),
        "jaccard" => Some(Metric::Jaccard),
        _ => None,
    }
}

/// Path of a collection's settings file.
#[must_use]
pub fn settings_path(collection_dir: &Path) -> PathBuf {
    collection_dir.join("collection.json")
}

/// Writes a collection's settings atomically.
///
/// # Errors
/// I/O errors.
pub fn write_settings(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    config: &CollectionConfig,
) -> Result<(), EngineError> {
    write_settings_with_ttl(fs, collection_dir, config, None)
}

/// [`write_settings`], with the payload key that holds each point's expiry.
///
/// # Errors
/// I/O errors.
pub fn write_settings_with_ttl(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    config: &CollectionConfig,
    ttl_field: Option<&str>,
) -> Result<(), EngineError> {
    let path = settings_path(collection_dir);
    let mut file = SettingsFile {
        format: SETTINGS_FORMAT.into(),
        version: VERSION,
        dimension: None,
        metric: None,
        durability: durability_name(config.durability).into(),
        hnsw_m: None,
        hnsw_ef_construction: None,
        hnsw_full_scan_threshold: None,
        quantization: None,
        vector_named: config.layout == VectorLayout::UnnamedByName,
        ttl_field: ttl_field.map(str::to_owned),
        vectors: None,
        sparse_vectors: config
            .sparse_vectors
            .iter()
            .map(SparseSettings::from_config)
            .collect(),
    };
    match (config.layout, config.vectors.as_slice()) {
        (VectorLayout::Unnamed | VectorLayout::UnnamedByName, [only]) => {
            let p = &only.params;
            file.dimension = Some(p.dimension);
            file.metric = Some(metric_name(p.metric).into());
            file.hnsw_m = Some(p.hnsw.m);
            file.hnsw_ef_construction = Some(p.hnsw.ef_construction);
            file.hnsw_full_scan_threshold = Some(p.hnsw.full_scan_threshold);
            file.quantization = p
                .quantization
                .as_ref()
                .map(QuantizationSettings::from_config);
        }
        _ => {
            file.vectors = Some(
                config
                    .vectors
                    .iter()
                    .map(VectorSettings::from_config)
                    .collect(),
            );
        }
    }
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| EngineError::Manifest {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    atomic_write(fs, &path, &bytes).map_err(|e| EngineError::io("write", &path, e))
}

/// Reads a collection's settings.
///
/// # Errors
/// [`EngineError::Manifest`] when the file is missing or invalid.
pub fn read_settings(
    fs: &dyn FileSystem,
    collection_dir: &Path,
) -> Result<CollectionConfig, EngineError> {
    let path = settings_path(collection_dir);
    let bad = |reason: String| EngineError::Manifest {
        path: path.clone(),
        reason,
    };
    let bytes = fs.read(&path).map_err(|e| bad(e.to_string()))?;
    let file: SettingsFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if file.format != SETTINGS_FORMAT || file.version != VERSION {
        return Err(bad(format!(
            "unsupported format {:?} version {}",
            file.format, file.version
        )));
    }
    let durability = parse_durability(&file.durability)
        .ok_or_else(|| bad(format!("durability {:?}", file.durability)))?;
    let sparse_vectors = file
        .sparse_vectors
        .iter()
        .map(SparseSettings::to_config)
        .collect::<Result<Vec<_>, _>>()
        .map_err(bad)?;
    if let Some(vectors) = &file.vectors {
        return Ok(CollectionConfig {
            vectors: vectors
                .iter()
                .map(VectorSettings::to_config)
                .collect::<Result<_, _>>()
                .map_err(bad)?,
            sparse_vectors,
            layout: VectorLayout::Named,
            durability,
        });
    }
    let (Some(dimension), Some(metric), Some(m), Some(ef_construction), Some(full_scan_threshold)) = (
        file.dimension,
        file.metric.as_deref(),
        file.hnsw_m,
        file.hnsw_ef_construction,
        file.hnsw_full_scan_threshold,
    ) else {
        return Err(bad("neither a vector's settings nor `vectors`".into()));
    };
    let params = VectorParams {
        dimension,
        metric: parse_metric(metric).ok_or_else(|| bad(format!("metric {metric:?}")))?,
        hnsw: HnswParams {
            m,
            ef_construction,
            full_scan_threshold,
        },
        quantization: file
            .quantization
            .as_ref()
            .map(QuantizationSettings::to_config)
            .transpose()
            .map_err(bad)?,
    };
    let mut config = CollectionConfig::single(params, durability);
    config.sparse_vectors = sparse_vectors;
    if file.vector_named {
        config.layout = VectorLayout::UnnamedByName;
    }
    Ok(config)
}

/// The payload key that holds each point's expiry, when the collection has one; `None` also when
/// the directory has no settings file (a collection being opened in a test).
///
/// # Errors
/// [`EngineError::Manifest`] when the file exists but is not valid.
pub fn read_ttl_field(
    fs: &dyn FileSystem,
    collection_dir: &Path,
) -> Result<Option<String>, EngineError> {
    let path = settings_path(collection_dir);
    if !fs.exists(&path) {
        return Ok(None);
    }
    let bad = |reason: String| EngineError::Manifest {
        path: path.clone(),
        reason,
    };
    let bytes = fs.read(&path).map_err(|e| bad(e.to_string()))?;
    let file: SettingsFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    Ok(file.ttl_field)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::fs::RealFs;

    fn params(quantization: Option<QuantizationConfig>) -> VectorParams {
        VectorParams {
            dimension: 8,
            metric: Metric::Dot,
            hnsw: HnswParams::default(),
            quantization,
        }
    }

    fn config(quantization: Option<QuantizationConfig>) -> CollectionConfig {
        CollectionConfig::single(params(quantization), Durability::Fsync)
    }

    #[test]
    fn quantization_settings_round_trip_and_are_optional() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let fs = RealFs;
        for q in [
            None,
            Some(QuantizationConfig {
                method: QuantizationMethod::Scalar { quantile: 0.95 },
                always_ram: true,
            }),
            Some(QuantizationConfig {
                method: QuantizationMethod::Product {
                    compression: Compression::X32,
                },
                always_ram: false,
            }),
        ] {
            write_settings(&fs, dir.path(), &config(q))?;
            assert_eq!(read_settings(&fs, dir.path())?, config(q));
        }
        // A file written before quantization existed has no `quantization` field.
        let old = r#"{"format": "plait-collection", "version": 1, "dimension": 8, "metric": "dot",
            "durability": "fsync", "hnsw_m": 16, "hnsw_ef_construction": 100,
            "hnsw_full_scan_threshold": 10000}"#;
        std::fs::write(settings_path(dir.path()), old)?;
        assert_eq!(read_settings(&fs, dir.path())?, config(None));
        let bad = old.replace(
            "10000}",
            r#"10000, "quantization": {"method": "scalar", "quantile": 7.0}}"#,
        );
        std::fs::write(settings_path(dir.path()), bad)?;
        assert!(read_settings(&fs, dir.path()).is_err());
        Ok(())
    }

    #[test]
    fn a_vector_declared_by_name_round_trips() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let fs = RealFs;
        let named = CollectionConfig {
            layout: VectorLayout::UnnamedByName,
            ..config(None)
        };
        write_settings(&fs, dir.path(), &named)?;
        assert_eq!(read_settings(&fs, dir.path())?, named);
        Ok(())
    }

    #[test]
    fn named_vectors_and_none_round_trip() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let fs = RealFs;
        let named = |vectors| CollectionConfig {
            vectors,
            sparse_vectors: Vec::new(),
            layout: VectorLayout::Named,
            durability: Durability::Flush,
        };
        let two = named(vec![
            NamedVector {
                name: "dense".into(),
                params: params(None),
            },
            NamedVector {
                name: "image".into(),
                params: VectorParams {
                    dimension: 3,
                    metric: Metric::Cosine,
                    ..params(Some(QuantizationConfig {
                        method: QuantizationMethod::Scalar { quantile: 0.99 },
                        always_ram: false,
                    }))
                },
            },
        ]);
        let sparse = |v: &[(&str, Modifier)]| {
            v.iter()
                .map(|(n, modifier)| SparseVectorConfig {
                    name: (*n).into(),
                    modifier: *modifier,
                })
                .collect::<Vec<_>>()
        };
        let mut with_sparse = two.clone();
        with_sparse.sparse_vectors = sparse(&[("bm42", Modifier::Idf), ("splade", Modifier::None)]);
        let mut only_sparse = named(Vec::new());
        only_sparse.sparse_vectors = sparse(&[("bm25", Modifier::Idf)]);
        let mut unnamed_and_sparse = config(None);
        unnamed_and_sparse.sparse_vectors = sparse(&[("text", Modifier::None)]);
        for config in [
            two,
            named(Vec::new()),
            with_sparse,
            only_sparse,
            unnamed_and_sparse,
        ] {
            write_settings(&fs, dir.path(), &config)?;
            assert_eq!(read_settings(&fs, dir.path())?, config);
        }
        Ok(())
    }

    /// A single unnamed vector is still written in the flat layout every earlier version read.
    #[test]
    fn one_unnamed_vector_keeps_the_flat_layout() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        write_settings(&RealFs, dir.path(), &config(None))?;
        let text = std::fs::read_to_string(settings_path(dir.path()))?;
        assert!(
            text.contains("\"dimension\": 8") && !text.contains("\"vectors\""),
            "{text}"
        );
        Ok(())
    }
}
