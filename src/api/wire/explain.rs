//! `explain`: how a search ran, as `points/query` returns it with `params.explain` (a Plait
//! extension).

use serde::Serialize;
use utoipa::ToSchema;

use crate::query::Explain;

/// How one search ran.
#[derive(Debug, Serialize, ToSchema)]
pub struct WireExplain {
    /// `unfiltered`, `exact_scan` (every matching point scored), `graph_allow_list` (an HNSW walk
    /// accepting only matching points, answered by payload indexes), `graph_predicate` (an
    /// HNSW walk evaluating the filter on each candidate) or `text_bm25` (BM25 over a text
    /// index, MaxScore top-k among the points the filter allows).
    pub strategy: &'static str,
    /// Whether payload indexes answered the whole filter.
    pub fully_indexed: bool,
    /// Points expected to match: exact when payload indexes answer the filter or narrow it to
    /// few points (whose payloads are then read), from a sample of payloads otherwise.
    pub estimated_candidates: u64,
    /// At most about this many points match by payload-index statistics alone (posting sizes
    /// and histograms), when indexes bound the filter.
    pub index_bound: Option<u64>,
    /// Points known to match, when the planner computed the set.
    pub candidates: Option<u64>,
    /// Live points in the collection.
    pub live_points: u64,
    /// The graph walk came back short and the matching points were scanned instead.
    pub fell_back: bool,
    /// HNSW beam size (0 for an exact search).
    pub ef: usize,
    /// Filter conditions answered from payload indexes.
    pub index_conditions: u32,
    /// Filter conditions answered by reading payloads.
    pub scanned_conditions: u32,
    /// Payloads read to evaluate the filter.
    pub payloads_read: u64,
    /// Microseconds spent computing the filter (estimate and matching set).
    pub filter_micros: u64,
    /// Distances computed to find the nearest points (graph walk, scan and re-scoring).
    pub distances: u64,
    /// Microseconds spent finding the nearest points.
    pub search_micros: u64,
}

impl WireExplain {
    /// How a BM25 text ranking ran, in a collection of `live_points` points.
    #[must_use]
    pub fn text(e: &crate::query::TextExplain, live_points: u64) -> Self {
        Self {
            strategy: "text_bm25",
            fully_indexed: e.compile.scanned_conditions == 0,
            estimated_candidates: e.allowed.unwrap_or(live_points),
            index_bound: None,
            candidates: e.allowed,
            live_points,
            fell_back: false,
            ef: 0,
            index_conditions: e.compile.index_conditions,
            scanned_conditions: e.compile.scanned_conditions,
            payloads_read: e.compile.payloads_read,
            filter_micros: e.filter_micros,
            distances: 0,
            search_micros: e.rank_micros,
        }
    }
}

impl From<Explain> for WireExplain {
    fn from(e: Explain) -> Self {
        Self {
            strategy: e.strategy.name(),
            fully_indexed: e.fully_indexed,
            estimated_candidates: e.estimated_candidates,
            index_bound: e.index_bound,
            candidates: e.candidates,
            live_points: e.live_points,
            fell_back: e.fell_back,
            ef: e.ef,
            index_conditions: e.index_conditions,
            scanned_conditions: e.scanned_conditions,
            payloads_read: e.payloads_read,
            filter_micros: e.filter_micros,
            distances: e.distances,
            search_micros: e.search_micros,
        }
    }
}
