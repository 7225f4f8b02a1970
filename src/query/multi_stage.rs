//! Multi-stage queries (Qdrant's `prefetch`): a tree of [`Stage`]s run over one read view,
//! leaves first. Each stage finds or ranks candidates: a nearest-neighbour search (over the
//! whole collection when it has no prefetch, or re-scoring exactly the points its prefetches
//! found), optionally made diverse by MMR, a sparse-vector dot product over a sparse index
//! (likewise), a BM25 ranking over a text index (likewise), or a fusion of its prefetches'
//! ranked lists.
//!
//! Filters apply inside every stage before it ranks (a stage's own filter, and every filter of
//! the stages above it, which is how Qdrant propagates the top-level filter into prefetches),
//! through the planner of `plan.rs`, so a stage's `limit` is filled whenever that many points
//! match.
//!
//! It owns the order in which stages run and what each passes up; it never parses wire formats
//! (that is `api/`) and never touches storage.

use roaring::RoaringBitmap;

use super::compile::{CompileStats, matching_in};
use super::fusion::{Fusion, FusionError, RankedList};
use super::mmr::mmr;
use super::plan::filtered_nearest;
use super::predicate::Predicate;
use super::text_rank::{TextRankError, rank_text, rank_text_in};
use super::type_check::{TypeMismatch, check_types};
use crate::columns::FieldPath;
use crate::engine::{NearestParams, ReadView};
use crate::sparse::SparseVector;
use crate::vector::{ScoredSlot, VectorError, prepare};

/// One stage of a multi-stage query.
#[derive(Debug, Clone)]
pub struct Stage {
    /// Stages whose results this one ranks; none to search the whole collection.
    pub prefetch: Vec<Stage>,
    /// How this stage ranks.
    pub scoring: Scoring,
    /// Only points this filter matches (and every filter above).
    pub filter: Option<Predicate>,
    /// Most results passed up.
    pub limit: usize,
    /// Only results at least this good (in the stage's own score: a similarity or distance for
    /// a nearest search, the fused score for a fusion).
    pub score_threshold: Option<f32>,
    /// Search parameters of a nearest search over the whole collection.
    pub params: NearestParams,
}

/// How a stage ranks its candidates.
#[derive(Debug, Clone, PartialEq)]
pub enum Scoring {
    /// By closeness to a dense vector (as sent; prepared for the metric here), then made diverse
    /// when `mmr` is given.
    Nearest {
        /// The query vector.
        vector: Vec<f32>,
        /// The named vector searched (`None`: the unnamed vector, or the only one).
        using: Option<String>,
        /// Diversification of the final list.
        mmr: Option<Mmr>,
    },
    /// By dot product with a sparse vector of the named sparse vector (over the points the
    /// filters allow, or among what the prefetches found).
    Sparse {
        /// The query vector.
        vector: SparseVector,
        /// The sparse vector searched.
        using: String,
    },
    /// By fusing the prefetches' lists.
    Fusion(Fusion),
    /// By BM25 over the text index of `field` (a Plait extension): over the points the filters
    /// allow, or among what the prefetches found.
    Text {
        /// The text-indexed field.
        field: FieldPath,
        /// The words (query syntax in `text::TextQuery`).
        query: String,
    },
}

/// MMR settings (Qdrant's `mmr` of a `nearest` query).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Mmr {
    /// 0 keeps relevance order, 1 looks at diversity alone.
    pub diversity: f32,
    /// Nearest candidates the diverse list is chosen from.
    pub candidates_limit: usize,
}

/// A stage's result: slots best first, and which way its scores run.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Slots with their scores, best first.
    pub hits: Vec<ScoredSlot>,
    /// Whether a larger score is better.
    pub larger_is_better: bool,
}

/// Why a multi-stage query cannot run.
#[derive(Debug, thiserror::Error)]
pub enum MultiStageError {
    /// A query vector of the wrong dimension or with non-finite components.
    #[error("query vector: {0}")]
    Vector(#[from] VectorError),
    /// Fusion settings that do not fit the prefetches.
    #[error("{0}")]
    Fusion(#[from] FusionError),
    /// A filter condition that cannot match its field's index type.
    #[error("{0}")]
    Type(#[from] TypeMismatch),
    /// A vector name the collection does not declare, or no vector to search.
    #[error("{0}")]
    VectorName(#[from] crate::engine::VectorLookupError),
    /// A fusion without prefetches to fuse.
    #[error("a fusion query needs at least one prefetch to fuse")]
    NothingToFuse,
    /// A text query on a field without a text index.
    #[error("{0}")]
    Text(#[from] TextRankError),
}

/// Runs `stage` (and the stages under it) over `view`.
///
/// # Errors
/// [`MultiStageError`] for a bad vector, fusion settings or filter.
pub fn run(view: &ReadView<'_>, stage: &Stage) -> Result<Ranked, MultiStageError> {
    run_under(view, stage, &[])
}

fn run_under(
    view: &ReadView<'_>,
    stage: &Stage,
    above: &[&Predicate],
) -> Result<Ranked, MultiStageError> {
    let mut filters: Vec<&Predicate> = above.to_vec();
    if let Some(own) = stage.filter.as_ref() {
        check_types(view, own)?;
        filters.push(own);
    }
    let children = stage
        .prefetch
        .iter()
        .map(|child| run_under(view, child, &filters))
        .collect::<Result<Vec<_>, _>>()?;
    let filter = match filters.as_slice() {
        [] => None,
        [one] => Some((*one).clone()),
        many => Some(Predicate::And(many.iter().map(|p| (*p).clone()).collect())),
    };
    match &stage.scoring {
        Scoring::Nearest {
            vector,
            using,
            mmr: diverse,
        } => {
            let view = &view.in_space(view.config().search_space(using.as_deref())?);
            let metric = view.metric();
            let query = prepare(vector, view.dimension(), metric)?;
            let wanted = diverse.map_or(stage.limit, |m| m.candidates_limit.max(stage.limit));
            let mut params = stage.params;
            params.score_threshold = stage.score_threshold;
            let hits = if stage.prefetch.is_empty() {
                filtered_nearest(view, &query, wanted, params, filter.as_ref()).0
            } else {
                // Re-score exactly what the prefetches found (they applied every filter).
                let candidates: RoaringBitmap = children
                    .iter()
                    .flat_map(|c| c.hits.iter().map(|h| h.slot))
                    .collect();
                params.exact = true;
                view.nearest(&query, wanted, params, Some(&candidates))
            };
            let hits = match diverse {
                Some(m) => diversify(view, &hits, m.diversity, stage.limit),
                None => hits,
            };
            Ok(Ranked {
                hits,
                larger_is_better: metric.higher_is_better(),
            })
        }
        Scoring::Sparse { vector, using } => {
            let space = view.config().sparse_space(using)?;
            let hits = if stage.prefetch.is_empty() {
                let allowed = filter
                    .as_ref()
                    .filter(|p| !matches!(p, Predicate::All))
                    .map(|p| matching_in(view, p, view.live(), &mut CompileStats::default()));
                view.sparse_nearest(
                    space,
                    vector,
                    stage.limit,
                    allowed.as_ref(),
                    stage.score_threshold,
                )
            } else {
                let candidates: RoaringBitmap = children
                    .iter()
                    .flat_map(|c| c.hits.iter().map(|h| h.slot))
                    .collect();
                view.sparse_nearest(
                    space,
                    vector,
                    stage.limit,
                    Some(&candidates),
                    stage.score_threshold,
                )
            };
            Ok(Ranked {
                hits,
                larger_is_better: true,
            })
        }
        Scoring::Text { field, query } => {
            let mut hits = if stage.prefetch.is_empty() {
                rank_text(view, field, query, filter.as_ref(), stage.limit)?.0
            } else {
                let candidates: RoaringBitmap = children
                    .iter()
                    .flat_map(|c| c.hits.iter().map(|h| h.slot))
                    .collect();
                rank_text_in(view, field, query, &candidates, stage.limit)?
            };
            if let Some(t) = stage.score_threshold {
                hits.retain(|h| h.score >= t);
            }
            Ok(Ranked {
                hits,
                larger_is_better: true,
            })
        }
        Scoring::Fusion(fusion) => {
            if children.is_empty() {
                return Err(MultiStageError::NothingToFuse);
            }
            let lists: Vec<RankedList<u32>> = children
                .into_iter()
                .map(|c| RankedList {
                    hits: c.hits.into_iter().map(|h| (h.slot, h.score)).collect(),
                    larger_is_better: c.larger_is_better,
                })
                .collect();
            let mut hits: Vec<ScoredSlot> = fusion
                .fuse(&lists, stage.limit)?
                .into_iter()
                .map(|(slot, score)| ScoredSlot { slot, score })
                .collect();
            if let Some(t) = stage.score_threshold {
                hits.retain(|h| h.score >= t);
            }
            Ok(Ranked {
                hits,
                larger_is_better: true,
            })
        }
    }
}

/// `hits` (nearest first) reordered by MMR, at most `limit`, each keeping its score.
#[must_use]
pub fn diversify(
    view: &ReadView<'_>,
    hits: &[ScoredSlot],
    diversity: f32,
    limit: usize,
) -> Vec<ScoredSlot> {
    let metric = view.metric();
    // MMR wants "larger is more relevant": a distance is turned around.
    let sign = if metric.higher_is_better() { 1.0 } else { -1.0 };
    let candidates: Vec<(usize, f32)> = hits
        .iter()
        .enumerate()
        .map(|(i, h)| (i, sign * h.score))
        .collect();
    let vectors: Vec<Option<&[f32]>> = hits.iter().map(|h| view.vector(h.slot)).collect();
    let chosen = mmr(&candidates, diversity, limit, |i, j| {
        match (vectors[i], vectors[j]) {
            (Some(a), Some(b)) => sign * metric.score(a, b),
            _ => f32::NEG_INFINITY,
        }
    });
    chosen.into_iter().map(|(i, _)| hits[i]).collect()
}
