//! [`rank_text`]: the `k` best points for a full-text query by BM25 alone, among the points a
//! filter allows, from one read view. The filter is compiled to a bitmap first (indexes and
//! payloads, as every filter is), then the field's text index ranks inside it with MaxScore
//! pruning (`text::bm25`), so `k` hits come back whenever `k` allowed points match.

use std::time::Instant;

use roaring::RoaringBitmap;

use super::compile::{CompileStats, matching_in};
use super::predicate::Predicate;
use crate::columns::FieldPath;
use crate::engine::ReadView;
use crate::text::{TextQuery, bm25};
use crate::vector::ScoredSlot;

/// Why a text ranking cannot run.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextRankError {
    /// BM25 needs the statistics of a text index.
    #[error(
        "field `{field}` has no text index: create one (`PUT /collections/{{name}}/index` with \
         `\"field_schema\": {{\"type\": \"text\"}}`, or VelesQL `CREATE INDEX ... TYPE text`) to \
         rank by BM25"
    )]
    NoTextIndex {
        /// The field named.
        field: String,
    },
}

/// How a text ranking ran, for `explain`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TextExplain {
    /// Points the filter allowed (`None` without a filter).
    pub allowed: Option<u64>,
    /// Query clauses after analysis.
    pub clauses: u32,
    /// Microseconds compiling the filter.
    pub filter_micros: u64,
    /// Microseconds ranking.
    pub rank_micros: u64,
    /// Filter work.
    pub compile: CompileStats,
}

/// The `k` best live points of `field` for `text` (query syntax in `text::TextQuery`) among
/// those `filter` allows, best first, with their BM25 scores.
///
/// # Errors
/// [`TextRankError::NoTextIndex`] when the field has no text index.
pub fn rank_text(
    view: &ReadView<'_>,
    field: &FieldPath,
    text: &str,
    filter: Option<&Predicate>,
    k: usize,
) -> Result<(Vec<ScoredSlot>, TextExplain), TextRankError> {
    let index = view
        .text_index(field)
        .ok_or_else(|| TextRankError::NoTextIndex {
            field: field.as_str().to_owned(),
        })?;
    let mut explain = TextExplain::default();
    let started = Instant::now();
    let allowed: Option<RoaringBitmap> = filter
        .filter(|p| !matches!(p, Predicate::All))
        .map(|p| matching_in(view, p, view.live(), &mut explain.compile));
    explain.allowed = allowed.as_ref().map(RoaringBitmap::len);
    explain.filter_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    let query = TextQuery::parse(index.analyzer(), text);
    explain.clauses = u32::try_from(query.clauses.len()).unwrap_or(u32::MAX);
    let started = Instant::now();
    let hits = bm25::top_k(index, &query, view.restrict(allowed.as_ref()), k);
    explain.rank_micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    Ok((scored(hits), explain))
}

/// BM25 hits as scored slots.
fn scored(hits: Vec<bm25::Hit>) -> Vec<ScoredSlot> {
    hits.into_iter()
        .map(|h| ScoredSlot {
            slot: h.slot,
            #[expect(
                clippy::cast_possible_truncation,
                reason = "scores go out as f32, as every score does"
            )]
            score: h.score as f32,
        })
        .collect()
}

/// The `k` best points of `field` for `text` among `candidates` (slots another stage found, its
/// filters already applied), best first, with their BM25 scores.
///
/// # Errors
/// [`TextRankError::NoTextIndex`] when the field has no text index.
pub fn rank_text_in(
    view: &ReadView<'_>,
    field: &FieldPath,
    text: &str,
    candidates: &RoaringBitmap,
    k: usize,
) -> Result<Vec<ScoredSlot>, TextRankError> {
    let index = view
        .text_index(field)
        .ok_or_else(|| TextRankError::NoTextIndex {
            field: field.as_str().to_owned(),
        })?;
    let query = TextQuery::parse(index.analyzer(), text);
    Ok(scored(bm25::top_k(index, &query, Some(candidates), k)))
}
