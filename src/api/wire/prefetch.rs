//! [`Prefetch`]: Qdrant's `prefetch` of a query request (one object or a list, nestable), and
//! its conversion, with the rest of a query request, into the query layer's multi-stage
//! [`Stage`] tree. Bounds: [`MAX_PREFETCH_DEPTH`] levels, [`MAX_PREFETCHES`] prefetches in all,
//! each `limit` within [`MAX_LIMIT`]; with `mmr`, `limit` within [`MAX_MMR_CHOSEN`] and
//! `mmr.candidates_limit` within [`MAX_MMR_CANDIDATES`].

use serde::de::{self, IgnoredAny};
use serde::{Deserialize, Deserializer};
use utoipa::ToSchema;

use super::bounds::{MAX_HNSW_EF, MAX_LIMIT, check_range, check_text_query};
use super::filter::{Filter, WireFilter, optional_predicate};
use super::payload_index::field_path;
use super::points::SearchParams;
use super::quantization::QuantizationSearchParams;
use super::query_input::{QueryInput, WireMmr};
use super::vector_name::VectorName;
use crate::api::error::ApiError;
use crate::engine::NearestParams;
use crate::query::{MAX_MMR_CANDIDATES, MAX_MMR_CHOSEN, Mmr, Scoring, Stage};

/// Most nested levels of `prefetch`.
pub const MAX_PREFETCH_DEPTH: usize = 8;

/// Most prefetches in one query, at every level together.
pub const MAX_PREFETCHES: usize = 64;

/// `mmr.diversity` when not given (Qdrant's default).
const DEFAULT_MMR_DIVERSITY: f32 = 0.5;

/// Results of a prefetch without `limit`.
const DEFAULT_PREFETCH_LIMIT: u64 = 10;

/// One sub-request of a query: its results are what the stage above it ranks.
#[derive(Debug, Deserialize, ToSchema)]
pub struct Prefetch {
    /// Sub-requests of this one.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Prefetch>>, no_recursion)]
    pub prefetch: Option<Prefetches>,
    /// How this prefetch ranks: a dense vector (`nearest`, with `mmr`), a sparse vector (with
    /// `using`), BM25 over a text index (`text`, a Plait extension), or a fusion of its own
    /// prefetches. Required.
    #[serde(default)]
    pub query: Option<QueryInput>,
    /// The vector this prefetch searches, by name (`""`: the unnamed vector; absent: the unnamed
    /// vector, or the collection's only one; a sparse query needs the sparse vector's name).
    #[serde(default)]
    pub using: Option<VectorName>,
    /// Only points this filter (and every filter above) matches.
    #[serde(default)]
    #[schema(value_type = Option<Filter>)]
    pub filter: Option<WireFilter>,
    /// Search parameters of a nearest search.
    #[serde(default)]
    pub params: Option<SearchParams>,
    /// Only results at least this good, in this prefetch's own score.
    #[serde(default)]
    pub score_threshold: Option<f32>,
    /// Results passed up, default 10.
    #[serde(default)]
    #[schema(maximum = 100_000)]
    pub limit: Option<u64>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub lookup_from: Option<IgnoredAny>,
}

/// One prefetch or a list of them, as Qdrant accepts.
#[derive(Debug)]
pub struct Prefetches(pub Vec<Prefetch>);

impl<'de> Deserialize<'de> for Prefetches {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Through a value so that an error inside names its own field, not "no variant matched".
        let value = serde_json::Value::deserialize(d)?;
        if value.is_array() {
            Vec::<Prefetch>::deserialize(value)
                .map(Self)
                .map_err(de::Error::custom)
        } else {
            Prefetch::deserialize(value)
                .map(|p| Self(vec![p]))
                .map_err(de::Error::custom)
        }
    }
}

/// The top of a query request, as its stage is made from it.
#[derive(Debug)]
pub struct TopLevel<'a> {
    /// `query`.
    pub query: QueryInput,
    /// `prefetch`.
    pub prefetch: Option<Prefetches>,
    /// `filter`.
    pub filter: Option<&'a WireFilter>,
    /// `params`.
    pub params: Option<&'a SearchParams>,
    /// `score_threshold`.
    pub score_threshold: Option<f32>,
    /// `limit + offset`.
    pub wanted: usize,
    /// The named vector the top-level nearest query searches.
    pub using: Option<String>,
}

/// Counts prefetches against [`MAX_PREFETCHES`] while a tree is converted.
struct Budget {
    prefetches: usize,
}

impl TopLevel<'_> {
    /// Whether this query needs the multi-stage path (a prefetch, a fusion, or MMR).
    #[must_use]
    pub fn is_multi_stage(query: &QueryInput, prefetch: Option<&Prefetches>) -> bool {
        prefetch.is_some()
            || matches!(
                query,
                QueryInput::Fusion(_) | QueryInput::NearestMmr(..) | QueryInput::Sparse(_)
            )
    }

    /// The stage tree.
    ///
    /// # Errors
    /// 422 naming the bound or setting at fault, or an unsupported query kind or field.
    pub fn into_stage(self) -> Result<Stage, ApiError> {
        let mut budget = Budget { prefetches: 0 };
        let prefetch = convert_all(self.prefetch, 1, &mut budget)?;
        Ok(Stage {
            prefetch,
            scoring: scoring(self.query, self.using, self.wanted)?,
            filter: optional_predicate(self.filter)?,
            limit: self.wanted,
            score_threshold: self.score_threshold,
            params: nearest_params(self.params)?,
        })
    }
}

fn convert_all(
    prefetch: Option<Prefetches>,
    depth: usize,
    budget: &mut Budget,
) -> Result<Vec<Stage>, ApiError> {
    let Some(Prefetches(list)) = prefetch else {
        return Ok(Vec::new());
    };
    if depth > MAX_PREFETCH_DEPTH {
        return Err(ApiError::unprocessable(format!(
            "`prefetch` nests at most {MAX_PREFETCH_DEPTH} levels deep"
        )));
    }
    budget.prefetches += list.len();
    if budget.prefetches > MAX_PREFETCHES {
        return Err(ApiError::unprocessable(format!(
            "a query holds at most {MAX_PREFETCHES} prefetches in all"
        )));
    }
    list.into_iter()
        .enumerate()
        .map(|(i, p)| convert(p, depth, budget).map_err(|e| e.within(&format!("prefetch[{i}]"))))
        .collect()
}

fn convert(p: Prefetch, depth: usize, budget: &mut Budget) -> Result<Stage, ApiError> {
    if p.lookup_from.is_some() {
        return Err(ApiError::unprocessable(
            "`lookup_from` is not supported: Plait looks vectors up in the queried collection only",
        ));
    }
    let limit = p.limit.unwrap_or(DEFAULT_PREFETCH_LIMIT);
    check_range("limit", limit, 1, MAX_LIMIT)?;
    let limit = usize::try_from(limit).unwrap_or(MAX_LIMIT);
    let Some(query) = p.query else {
        return Err(ApiError::unprocessable(
            "a prefetch needs a `query` (a dense vector or a fusion): a prefetch listing points \
             by id is not supported",
        ));
    };
    let prefetch = convert_all(p.prefetch, depth + 1, budget)?;
    Ok(Stage {
        prefetch,
        scoring: scoring(query, p.using.map(|n| n.0), limit)?,
        filter: optional_predicate(p.filter.as_ref())?,
        limit,
        score_threshold: p.score_threshold,
        params: nearest_params(p.params.as_ref())?,
    })
}

fn scoring(query: QueryInput, using: Option<String>, limit: usize) -> Result<Scoring, ApiError> {
    match query {
        QueryInput::Nearest(vector) => Ok(Scoring::Nearest {
            vector,
            using,
            mmr: None,
        }),
        QueryInput::NearestMmr(vector, mmr) => Ok(Scoring::Nearest {
            vector,
            using,
            mmr: Some(mmr_settings(mmr, limit)?),
        }),
        QueryInput::Sparse(vector) => Ok(Scoring::Sparse {
            vector,
            using: using.ok_or_else(|| {
                ApiError::unprocessable(
                    "a sparse query needs `using`: the name of the sparse vector it searches",
                )
            })?,
        }),
        QueryInput::Fusion(fusion) => Ok(Scoring::Fusion(fusion)),
        QueryInput::Text(text) => {
            check_text_query("query.text.query", &text.query)?;
            Ok(Scoring::Text {
                field: field_path(&text.field).map_err(|_| {
                    ApiError::unprocessable("`query.text.field` is not a field path")
                })?,
                query: text.query,
            })
        }
        other => other.into_vector().map(|vector| Scoring::Nearest {
            vector,
            using,
            mmr: None,
        }),
    }
}

fn mmr_settings(mmr: WireMmr, limit: usize) -> Result<Mmr, ApiError> {
    let diversity = mmr.diversity.unwrap_or(DEFAULT_MMR_DIVERSITY);
    if !(0.0..=1.0).contains(&diversity) {
        return Err(ApiError::unprocessable(format!(
            "`mmr.diversity` is between 0 and 1, got {diversity}"
        )));
    }
    check_range("limit (with `mmr`)", limit as u64, 1, MAX_MMR_CHOSEN)?;
    let candidates = mmr.candidates_limit.unwrap_or(limit as u64);
    check_range("mmr.candidates_limit", candidates, 1, MAX_MMR_CANDIDATES)?;
    Ok(Mmr {
        diversity,
        candidates_limit: usize::try_from(candidates).unwrap_or(MAX_MMR_CANDIDATES),
    })
}

fn nearest_params(params: Option<&SearchParams>) -> Result<NearestParams, ApiError> {
    let ef = params.and_then(|p| p.hnsw_ef);
    if let Some(ef) = ef {
        check_range("params.hnsw_ef", ef, 1, MAX_HNSW_EF)?;
    }
    if params.and_then(|p| p.explain).unwrap_or(false) {
        return Err(ApiError::unprocessable(
            "`params.explain` is not supported with `prefetch`, fusion or `mmr`: explain a \
             single search",
        ));
    }
    Ok(NearestParams {
        exact: params.and_then(|p| p.exact).unwrap_or(false),
        ef: ef.and_then(|e| usize::try_from(e).ok()),
        score_threshold: None,
        quantization: params
            .and_then(|p| p.quantization.as_ref())
            .map(QuantizationSearchParams::to_engine)
            .transpose()?
            .unwrap_or_default(),
    })
}
