//! `WITH (...)` of a `SELECT` (how a search runs) and the settings of `CREATE COLLECTION`: names
//! checked, values typed, each mistake a positioned `invalid_setting`.

use super::super::velesql::ErrorCode;
use super::super::velesql::ast::{Setting, Span};
use super::super::velesql::constant;
use super::{ExecError, Runner};
use crate::columns::Value;
use crate::engine::manifest::{parse_durability, parse_metric};
use crate::engine::{CollectionConfig, HnswParams, MAX_EF, VectorParams};
use crate::query::MAX_MMR_CANDIDATES;
use crate::vector::quantize::{Compression, QuantizationConfig, QuantizationMethod};

/// How a search runs, from `WITH (...)`.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct SearchSettings {
    /// `ef_search`, or what `mode` implies.
    pub ef: Option<usize>,
    /// `mode = 'exact'`.
    pub exact: bool,
    /// `rescore`.
    pub rescore: Option<bool>,
    /// `oversampling`.
    pub oversampling: Option<f32>,
    /// `mmr`: the diversity of a maximal-marginal-relevance reordering (0 to 1).
    pub mmr: Option<f32>,
    /// `mmr_candidates`: nearest points MMR chooses from (the statement's rows by default).
    pub mmr_candidates: Option<usize>,
}

/// Beam sizes of the named modes.
const MODES: [(&str, usize); 3] = [("fast", 32), ("balanced", 128), ("accurate", 512)];

impl Runner<'_, '_> {
    /// The value of a setting, as a constant.
    fn setting_value(&self, s: &Setting) -> Result<Value, ExecError> {
        Ok(constant(&s.value, &self.lower_context())?)
    }

    fn bad_setting(&self, message: impl Into<String>, span: Span) -> ExecError {
        self.error(ErrorCode::InvalidSetting, message, span)
    }

    /// A positive integer setting no larger than `max`.
    fn count_setting(&self, s: &Setting, max: usize) -> Result<usize, ExecError> {
        match self.setting_value(s)? {
            Value::Int(i) if i >= 1 && usize::try_from(i).is_ok_and(|n| n <= max) => {
                Ok(usize::try_from(i).unwrap_or(max))
            }
            _ => Err(self.bad_setting(
                format!("{} is an integer from 1 to {max}", s.name.name),
                s.value.span,
            )),
        }
    }

    fn text_setting(&self, s: &Setting) -> Result<String, ExecError> {
        match self.setting_value(s)? {
            Value::String(text) => Ok(text.to_ascii_lowercase()),
            _ => Err(self.bad_setting(format!("{} is a string", s.name.name), s.value.span)),
        }
    }

    /// `WITH (ef_search = 128, mode = 'fast'|'balanced'|'accurate'|'exact', rescore = true,
    /// oversampling = 2.0, mmr = 0.5, mmr_candidates = 100)`.
    pub(super) fn search_settings(&self, with: &[Setting]) -> Result<SearchSettings, ExecError> {
        let mut out = SearchSettings::default();
        let mut mode_ef = None;
        for s in with {
            match s.name.name.to_ascii_lowercase().as_str() {
                "ef_search" | "ef" => out.ef = Some(self.count_setting(s, MAX_EF)?),
                "mode" => {
                    let mode = self.text_setting(s)?;
                    if mode == "exact" {
                        out.exact = true;
                    } else {
                        mode_ef = Some(
                            MODES
                                .iter()
                                .find(|(name, _)| *name == mode)
                                .map(|(_, ef)| *ef)
                                .ok_or_else(|| {
                                    self.bad_setting(
                                        "mode is 'fast', 'balanced', 'accurate' or 'exact'",
                                        s.value.span,
                                    )
                                })?,
                        );
                    }
                }
                "rescore" => match self.setting_value(s)? {
                    Value::Bool(b) => out.rescore = Some(b),
                    _ => return Err(self.bad_setting("rescore is true or false", s.value.span)),
                },
                "oversampling" => match self.setting_value(s)? {
                    #[expect(clippy::cast_possible_truncation, reason = "checked range")]
                    Value::Float(x) if (1.0..=100.0).contains(&x) => {
                        out.oversampling = Some(x as f32)
                    }
                    #[expect(clippy::cast_precision_loss, reason = "checked range")]
                    Value::Int(i) if (1..=100).contains(&i) => out.oversampling = Some(i as f32),
                    _ => {
                        return Err(self
                            .bad_setting("oversampling is a number from 1 to 100", s.value.span));
                    }
                },
                "mmr" => match self.setting_value(s)? {
                    #[expect(clippy::cast_possible_truncation, reason = "checked range")]
                    Value::Float(x) if (0.0..=1.0).contains(&x) => out.mmr = Some(x as f32),
                    Value::Int(i @ (0 | 1)) => out.mmr = Some(if i == 1 { 1.0 } else { 0.0 }),
                    _ => {
                        return Err(self.bad_setting(
                            "mmr (the diversity) is a number from 0 to 1",
                            s.value.span,
                        ));
                    }
                },
                "mmr_candidates" => {
                    out.mmr_candidates = Some(self.count_setting(s, MAX_MMR_CANDIDATES)?);
                }
                other => {
                    return Err(self.bad_setting(
                        format!(
                            "unknown search setting {other}: expected ef_search, mode, rescore, \
                             oversampling, mmr or mmr_candidates"
                        ),
                        s.name.span,
                    ));
                }
            }
        }
        if out.ef.is_none() {
            out.ef = mode_ef;
        }
        Ok(out)
    }

    /// `CREATE COLLECTION c (dimension = 384, metric = 'cosine') WITH (m = 16,
    /// ef_construction = 200, full_scan_threshold = 10000, quantization = 'sq8'|'pq',
    /// durability = 'fsync'|'flush'|'none')`.
    pub(super) fn collection_config(
        &self,
        settings: &[Setting],
        with: &[Setting],
        span: Span,
    ) -> Result<CollectionConfig, ExecError> {
        let mut dimension = None;
        let mut metric = None;
        for s in settings {
            match s.name.name.to_ascii_lowercase().as_str() {
                "dimension" | "size" => {
                    dimension = Some(self.count_setting(s, crate::engine::config::MAX_DIMENSION)?);
                }
                "metric" | "distance" => {
                    let name = self.text_setting(s)?;
                    metric = Some(parse_metric(&name).ok_or_else(|| {
                        self.bad_setting(
                            format!("unknown metric '{name}': cosine, dot, euclid, manhattan, ..."),
                            s.value.span,
                        )
                    })?);
                }
                other => {
                    return Err(self.bad_setting(
                        format!("unknown collection setting {other}: expected dimension or metric"),
                        s.name.span,
                    ));
                }
            }
        }
        let dimension = dimension
            .ok_or_else(|| self.bad_setting("a collection needs (dimension = N, ...)", span))?;
        let metric = metric.unwrap_or(crate::vector::Metric::Cosine);
        let mut hnsw = HnswParams::default();
        let mut quantization = None;
        let mut durability = self.request.default_durability;
        for s in with {
            match s.name.name.to_ascii_lowercase().as_str() {
                "m" => hnsw.m = self.count_setting(s, 128)?,
                "ef_construction" | "ef_construct" => {
                    hnsw.ef_construction = self.count_setting(s, MAX_EF)?;
                }
                "full_scan_threshold" => {
                    hnsw.full_scan_threshold = self.count_setting(s, usize::MAX >> 1)?;
                }
                "quantization" => {
                    let method = match self.text_setting(s)?.as_str() {
                        "sq8" | "scalar" => QuantizationMethod::Scalar { quantile: 0.99 },
                        "pq" | "product" => QuantizationMethod::Product {
                            compression: Compression::X16,
                        },
                        "none" => {
                            quantization = None;
                            continue;
                        }
                        _ => {
                            return Err(self.bad_setting(
                                "quantization is 'sq8', 'pq' or 'none'",
                                s.value.span,
                            ));
                        }
                    };
                    quantization = Some(QuantizationConfig {
                        method,
                        always_ram: true,
                    });
                }
                "durability" => {
                    let name = self.text_setting(s)?;
                    durability = parse_durability(&name).ok_or_else(|| {
                        self.bad_setting("durability is 'fsync', 'flush' or 'none'", s.value.span)
                    })?;
                }
                other => {
                    return Err(self.bad_setting(
                        format!(
                            "unknown collection option {other}: expected m, ef_construction, \
                             full_scan_threshold, quantization or durability"
                        ),
                        s.name.span,
                    ));
                }
            }
        }
        Ok(CollectionConfig::single(
            VectorParams {
                dimension,
                metric,
                hnsw,
                quantization,
            },
            durability,
        ))
    }
}
