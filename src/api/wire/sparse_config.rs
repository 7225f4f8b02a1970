//! `sparse_vectors` of a collection, in Qdrant's shape: `{"bm42": {"modifier": "idf", "index":
//! {"on_disk": false}}}`. Each sparse vector gets an in-memory inverted index; the settings
//! Plait cannot honour are refused by name (422), the ones that change nothing it returns are
//! accepted.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::ApiError;
use crate::engine::config::MAX_VECTOR_NAME_BYTES;
use crate::engine::{MAX_SPARSE_VECTORS, SparseVectorConfig};
use crate::sparse::Modifier;

/// How query weights of a sparse vector are scaled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum WireModifier {
    /// The plain dot product.
    #[default]
    None,
    /// Each query weight times its term's inverse document frequency,
    /// `ln(1 + (N - n + 0.5) / (n + 0.5))` over the points carrying the vector.
    Idf,
}

/// A sparse vector's index settings.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SparseIndexParams {
    /// Accepted and without effect: Plait's sparse search returns the exact top k with MaxScore
    /// pruning at every size, so there is nothing to switch at a threshold.
    #[serde(default)]
    pub full_scan_threshold: Option<u64>,
    /// `false` or absent: the index is held in memory; `true` is not supported (422).
    #[serde(default)]
    pub on_disk: Option<bool>,
    /// `"float32"` or absent; other types are not supported (422).
    #[serde(default)]
    pub datatype: Option<String>,
}

/// One sparse vector's settings.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SparseVectorParams {
    /// Index settings.
    #[serde(default)]
    pub index: Option<SparseIndexParams>,
    /// `"none"` (default) or `"idf"`.
    #[serde(default)]
    pub modifier: Option<WireModifier>,
}

/// One sparse vector as a collection describes it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SparseVectorDescription {
    /// How query weights are scaled.
    pub modifier: WireModifier,
}

/// The engine's sparse vectors for `map`, checked against the dense names `dense`.
///
/// # Errors
/// 422 for a name that is empty, too long or a dense vector's, for more than
/// [`MAX_SPARSE_VECTORS`], and for index settings Plait does not support.
pub fn to_engine(
    map: &BTreeMap<String, SparseVectorParams>,
    dense: &[&str],
) -> Result<Vec<SparseVectorConfig>, ApiError> {
    if map.len() > MAX_SPARSE_VECTORS {
        return Err(ApiError::unprocessable(format!(
            "a collection declares at most {MAX_SPARSE_VECTORS} sparse vectors, got {}",
            map.len()
        )));
    }
    map.iter()
        .map(|(name, params)| {
            if name.is_empty() || name.len() > MAX_VECTOR_NAME_BYTES {
                return Err(ApiError::unprocessable(format!(
                    "a sparse vector name is 1 to {MAX_VECTOR_NAME_BYTES} bytes, got {}",
                    name.len()
                )));
            }
            if dense.contains(&name.as_str()) {
                return Err(ApiError::unprocessable(format!(
                    "{name:?} names both a dense and a sparse vector; each name is one vector"
                )));
            }
            if let Some(index) = &params.index {
                if index.on_disk == Some(true) {
                    return Err(ApiError::unsupported(
                        &format!("sparse_vectors.{name}.index.on_disk"),
                        "sparse indexes on disk (`true`): sparse indexes are held in memory",
                    ));
                }
                if let Some(t) = index.datatype.as_deref()
                    && !t.eq_ignore_ascii_case("float32")
                {
                    return Err(ApiError::unsupported(
                        &format!("sparse_vectors.{name}.index.datatype"),
                        &format!("sparse weights stored as {t:?}: they are stored as float32"),
                    ));
                }
            }
            Ok(SparseVectorConfig {
                name: name.clone(),
                modifier: match params.modifier.unwrap_or_default() {
                    WireModifier::None => Modifier::None,
                    WireModifier::Idf => Modifier::Idf,
                },
            })
        })
        .collect()
}

/// How a collection describes its sparse vectors.
#[must_use]
pub fn describe(sparse: &[SparseVectorConfig]) -> BTreeMap<String, SparseVectorDescription> {
    sparse
        .iter()
        .map(|v| {
            let modifier = match v.modifier {
                Modifier::None => WireModifier::None,
                Modifier::Idf => WireModifier::Idf,
            };
            (v.name.clone(), SparseVectorDescription { modifier })
        })
        .collect()
}
