//! Quantization settings of a collection and per-query quantization options, in Qdrant's shapes:
//! `{"scalar": {"type": "int8", "quantile": 0.99, "always_ram": true}}`,
//! `{"product": {"compression": "x16", "always_ram": true}}` and search
//! `params.quantization = {"ignore": false, "rescore": true, "oversampling": 2.0}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::ApiError;
use crate::vector::quantize::{
    Compression, QuantizationConfig, QuantizationMethod, QuantizedSearch,
};

/// Default fraction of each dimension's values kept inside the SQ8 range.
const DEFAULT_QUANTILE: f32 = 0.99;

/// A collection's quantization: scalar int8 or product quantization.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuantizationConfigWire {
    /// Scalar int8: one byte per component (4× smaller than `f32`).
    Scalar(ScalarQuantization),
    /// Product quantization: one byte per group of components.
    Product(ProductQuantization),
}

/// The only scalar type: `int8`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ScalarType {
    /// One unsigned byte per component.
    Int8,
}

/// Scalar quantization settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScalarQuantization {
    /// Always `int8`.
    #[serde(rename = "type")]
    pub kind: ScalarType,
    /// Fraction of each dimension's values inside the trained range, 0.5..=1 (default 0.99);
    /// the rest are clamped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantile: Option<f32>,
    /// Accepted for compatibility: codes are always held in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_ram: Option<bool>,
}

/// PQ compression ratio against `f32` vectors.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CompressionRatio {
    /// One component per byte.
    X4,
    /// Two components per byte.
    X8,
    /// Four components per byte.
    X16,
    /// Eight components per byte.
    X32,
    /// Sixteen components per byte.
    X64,
}

/// Product quantization settings.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ProductQuantization {
    /// Compression ratio; when it does not divide the dimension the last subvector is shorter.
    pub compression: CompressionRatio,
    /// Accepted for compatibility: codes are always held in memory.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub always_ram: Option<bool>,
}

impl From<CompressionRatio> for Compression {
    fn from(c: CompressionRatio) -> Self {
        match c {
            CompressionRatio::X4 => Self::X4,
            CompressionRatio::X8 => Self::X8,
            CompressionRatio::X16 => Self::X16,
            CompressionRatio::X32 => Self::X32,
            CompressionRatio::X64 => Self::X64,
        }
    }
}

impl From<Compression> for CompressionRatio {
    fn from(c: Compression) -> Self {
        match c {
            Compression::X4 => Self::X4,
            Compression::X8 => Self::X8,
            Compression::X16 => Self::X16,
            Compression::X32 => Self::X32,
            Compression::X64 => Self::X64,
        }
    }
}

impl From<&QuantizationConfigWire> for QuantizationConfig {
    fn from(w: &QuantizationConfigWire) -> Self {
        match w {
            QuantizationConfigWire::Scalar(s) => Self {
                method: QuantizationMethod::Scalar {
                    quantile: s.quantile.unwrap_or(DEFAULT_QUANTILE),
                },
                always_ram: s.always_ram.unwrap_or(true),
            },
            QuantizationConfigWire::Product(p) => Self {
                method: QuantizationMethod::Product {
                    compression: p.compression.into(),
                },
                always_ram: p.always_ram.unwrap_or(true),
            },
        }
    }
}

impl From<&QuantizationConfig> for QuantizationConfigWire {
    fn from(q: &QuantizationConfig) -> Self {
        match q.method {
            QuantizationMethod::Scalar { quantile } => Self::Scalar(ScalarQuantization {
                kind: ScalarType::Int8,
                quantile: Some(quantile),
                always_ram: Some(q.always_ram),
            }),
            QuantizationMethod::Product { compression } => Self::Product(ProductQuantization {
                compression: compression.into(),
                always_ram: Some(q.always_ram),
            }),
        }
    }
}

/// Per-query quantization options.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct QuantizationSearchParams {
    /// Search on full-precision vectors even where codes exist (default `false`).
    #[serde(default)]
    pub ignore: Option<bool>,
    /// Re-score the candidates found on codes with full-precision vectors (default `true`).
    #[serde(default)]
    pub rescore: Option<bool>,
    /// Candidates collected per requested hit before re-scoring, at least 1 (default 1).
    #[serde(default)]
    pub oversampling: Option<f64>,
}

impl QuantizationSearchParams {
    /// The engine options.
    ///
    /// # Errors
    /// 422 when `oversampling` is below 1 or not finite.
    pub fn to_engine(&self) -> Result<QuantizedSearch, ApiError> {
        let defaults = QuantizedSearch::default();
        let oversampling = match self.oversampling {
            None => defaults.oversampling,
            // Bounded above so the f32 conversion is exact enough and the candidate count sane.
            Some(o) if o.is_finite() && (1.0..=1000.0).contains(&o) => o as f32,
            Some(o) => {
                return Err(ApiError::unprocessable(format!(
                    "params.quantization.oversampling must be between 1 and 1000, got {o}"
                )));
            }
        };
        Ok(QuantizedSearch {
            ignore: self.ignore.unwrap_or(defaults.ignore),
            rescore: self.rescore.unwrap_or(defaults.rescore),
            oversampling,
        })
    }
}
