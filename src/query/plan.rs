//! The planner for filtered vector search: how the `k` nearest points that satisfy a predicate
//! are found in one read view, and an [`Explain`] of what it did.
//!
//! Strategies, chosen by the expected cost (the model the HNSW allow-list search uses: a scan of
//! `c` allowed points scores `c`, a graph walk with beam `ef` at selectivity `s` visits about
//! `ef · m0 / s` points, each costing `WALK_COST` scored ones; scan when
//! `c² <= WALK_COST · ef · m0 · n`). When indexes cannot answer the filter, payload reads
//! dominate: a scan reads all `n` payloads first, the walk about `ef · m0 / s` of them, so the scan
//! is chosen only when `c <= ef · m0` (`reads_fewer_payloads`):
//! - [`Strategy::ExactScan`]: score every allowed point (very selective filters, small or exact
//!   collections). The allowed set comes from indexes, or from reading payloads when it must.
//! - [`Strategy::GraphAllowList`]: walk the graph accepting only slots in the allowed bitmap (the
//!   filter is answered by indexes, so the bitmap is cheap). The walk falls back to a scan when it
//!   comes back short, so `limit` results come back whenever that many points match.
//! - [`Strategy::GraphPredicate`]: the filter needs payloads and is not selective (estimated by
//!   evaluating a sample of points): walk the graph evaluating the predicate on each candidate it
//!   meets, without computing the whole allowed set; if the walk comes back short, compute the set
//!   and scan it ([`Explain::fell_back`]).
//!
//! Before sampling a filter indexes cannot fully answer, the planner asks the index statistics
//! (posting sizes, histograms: [`super::index_bound`]) how far indexes narrow it: an `and` with
//! a selective indexed condition leaves few points whose payloads must be read, and when reading
//! them costs no more than sampling and walking would (`bound <= 512 + ef · m0 · n / bound`), the
//! matching set is computed exactly and searched like a fully indexed one.
//!
//! It never mutates anything; every count in the explanation is measured, not estimated, except
//! `estimated_candidates` and `index_bound`.

use std::time::Instant;

use roaring::RoaringBitmap;

use super::compile::{CompileStats, fully_indexed, matching_in};
use super::estimate::index_bound;
use super::predicate::Predicate;
use crate::engine::{NearestParams, ReadView};
use crate::metrics;
use crate::vector::{ScoredSlot, distance_count};

/// Points evaluated to estimate the selectivity of a filter indexes cannot answer.
pub const SAMPLE_SIZE: u64 = 512;

/// How a filtered search ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// No filter: a plain search.
    Unfiltered,
    /// Every allowed point scored.
    ExactScan,
    /// A graph walk restricted to the allowed bitmap.
    GraphAllowList,
    /// A graph walk evaluating the predicate on each candidate.
    GraphPredicate,
}

impl Strategy {
    /// The name used in explanations and metric labels.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Unfiltered => "unfiltered",
            Self::ExactScan => "exact_scan",
            Self::GraphAllowList => "graph_allow_list",
            Self::GraphPredicate => "graph_predicate",
        }
    }
}

/// What the planner did for one search.
#[derive(Debug, Clone, PartialEq)]
pub struct Explain {
    /// The strategy that produced the hits.
    pub strategy: Strategy,
    /// Whether indexes answered the whole filter (the allowed set is then exact and cheap).
    pub fully_indexed: bool,
    /// Points expected to match: exact when indexes answer the filter or narrow it to few
    /// points (whose payloads are then read), from a sample otherwise.
    pub estimated_candidates: u64,
    /// At most about this many points match, by index statistics alone (posting sizes and
    /// histograms), when indexes bound the filter.
    pub index_bound: Option<u64>,
    /// Points known to match (the allowed set), when it was computed.
    pub candidates: Option<u64>,
    /// Live points in the collection.
    pub live_points: u64,
    /// A graph walk came back short and the allowed points were scanned instead.
    pub fell_back: bool,
    /// The graph beam size used (0 for a scan).
    pub ef: usize,
    /// Filter conditions answered from indexes.
    pub index_conditions: u32,
    /// Filter conditions answered by reading payloads.
    pub scanned_conditions: u32,
    /// Payloads read to evaluate the filter (sample, allowed set and walk together).
    pub payloads_read: u64,
    /// Microseconds spent on the filter (estimate and allowed set).
    pub filter_micros: u64,
    /// Distances computed to find the nearest points (graph walk, scan and re-scoring together).
    pub distances: u64,
    /// Microseconds spent finding the nearest points.
    pub search_micros: u64,
}

/// The `k` nearest live points to `query` satisfying `predicate` (all live points when `None`),
/// best first, and how they were found. `k` hits come back whenever `k` matching points pass the
/// score threshold.
#[must_use]
pub fn filtered_nearest(
    view: &ReadView<'_>,
    query: &[f32],
    k: usize,
    params: NearestParams,
    predicate: Option<&Predicate>,
) -> (Vec<ScoredSlot>, Explain) {
    let live_points = view.len() as u64;
    let exactly = view.searches_exactly(&params);
    let ef = if exactly { 0 } else { view.beam(k, &params) };
    let mut explain = Explain {
        strategy: Strategy::Unfiltered,
        fully_indexed: true,
        estimated_candidates: live_points,
        index_bound: None,
        candidates: None,
        live_points,
        fell_back: false,
        ef,
        index_conditions: 0,
        scanned_conditions: 0,
        payloads_read: 0,
        filter_micros: 0,
        distances: 0,
        search_micros: 0,
    };
    let Some(predicate) = predicate.filter(|p| !matches!(p, Predicate::All)) else {
        let started = Instant::now();
        let (hits, distances) = distance_count::counting(|| view.nearest(query, k, params, None));
        explain.distances = distances;
        explain.search_micros = micros(started);
        count(Strategy::Unfiltered);
        return (hits, explain);
    };
    let mut stats = CompileStats::default();
    let filter_started = Instant::now();
    explain.fully_indexed = fully_indexed(view, predicate);
    let mut allowed: Option<RoaringBitmap> = None;
    explain.index_bound = index_bound(view, predicate);
    // Indexes narrow the filter to few enough points that reading their payloads costs no more
    // than a walk would: compute the matching set exactly instead of estimating it.
    let narrow = explain.index_bound.is_some_and(|bound| {
        // Reading the narrowed set's payloads against sampling and then walking, which reads
        // at least as many as a walk at the bound's selectivity.
        reads_fewer_payloads(
            bound.saturating_sub(SAMPLE_SIZE),
            view.walk_visits(bound, ef.max(k)),
        )
    });
    // A text condition is answered from the set, never node by node: the payload path uses the
    // default analyzer, a text index its own, and one search must not mix the two.
    if explain.fully_indexed || exactly || narrow || predicate.has_text_condition() {
        let set = matching_in(view, predicate, view.live(), &mut stats);
        explain.estimated_candidates = set.len();
        allowed = Some(set);
    } else {
        explain.estimated_candidates = estimate(view, predicate, &mut stats);
    }
    explain.filter_micros = micros(filter_started);

    let scan = exactly
        || match allowed {
            Some(_) => view.prefers_scan(explain.estimated_candidates, ef.max(k)),
            None => reads_fewer_payloads(
                view.slot_count() as u64,
                view.walk_visits(explain.estimated_candidates, ef.max(k)),
            ),
        };
    let search_started = Instant::now();
    let (hits, distances) = distance_count::counting(|| {
        let request = Request {
            view,
            query,
            k,
            params,
            predicate,
        };
        request.run(allowed, scan, &mut explain, &mut stats)
    });
    explain.distances = distances;
    explain.search_micros = micros(search_started);
    explain.index_conditions = stats.index_conditions;
    explain.scanned_conditions = stats.scanned_conditions;
    explain.payloads_read = stats.payloads_read;
    count(explain.strategy);
    (hits, explain)
}

/// One filtered search, between planning and answering.
struct Request<'v, 'q> {
    view: &'q ReadView<'v>,
    query: &'q [f32],
    k: usize,
    params: NearestParams,
    predicate: &'q Predicate,
}

impl Request<'_, '_> {
    /// The search stage: runs the chosen strategy over `allowed` (when the planner computed it),
    /// recording the strategy (and any fallback) in `explain`.
    fn run(
        &self,
        allowed: Option<RoaringBitmap>,
        scan: bool,
        explain: &mut Explain,
        stats: &mut CompileStats,
    ) -> Vec<ScoredSlot> {
        let Self {
            view,
            query,
            k,
            params,
            predicate,
        } = *self;
        if let (Some(set), false) = (&allowed, scan) {
            explain.strategy = Strategy::GraphAllowList;
            explain.candidates = Some(set.len());
            view.nearest(query, k, params, Some(set))
        } else if !scan {
            explain.strategy = Strategy::GraphPredicate;
            let read = std::cell::Cell::new(0u64);
            let accept = |slot: u32| {
                read.set(read.get() + 1);
                match (view.id_at(slot), view.payload(slot)) {
                    (Some(id), Some(payload)) => predicate.matches(id, payload),
                    _ => false,
                }
            };
            let walked = view.nearest_where(query, k, params, &accept);
            stats.payloads_read += read.get();
            if walked.len() >= k {
                walked
            } else {
                explain.fell_back = true;
                let set = matching_in(view, predicate, view.live(), stats);
                scan_matching(view, query, k, params, &set, explain)
            }
        } else {
            explain.strategy = Strategy::ExactScan;
            let set = allowed.unwrap_or_else(|| matching_in(view, predicate, view.live(), stats));
            scan_matching(view, query, k, params, &set, explain)
        }
    }
}

/// The `k` best of the matching points `set`, every one scored.
fn scan_matching(
    view: &ReadView<'_>,
    query: &[f32],
    k: usize,
    params: NearestParams,
    set: &RoaringBitmap,
    explain: &mut Explain,
) -> Vec<ScoredSlot> {
    explain.candidates = Some(set.len());
    let exact = NearestParams {
        exact: true,
        ..params
    };
    view.nearest(query, k, exact, Some(set))
}

/// Whether reading `payloads` payloads costs no more than reading `walk` of them along a graph
/// walk (payload reads dominate both sides; each is one predicate evaluation).
///
/// For a filter indexes cannot answer, a scan must first read every payload (`slots` of them) to
/// find the matching set, while the predicate walk reads about `walk_visits` of them. Measured on
/// the 65,000-point wordnet set (`cargo bench --bench filtered_search`, docs/benchmarks.md): the
/// walk was 2x to 8x faster than that scan at 1% and 10% selectivity, as this rule chooses.
#[expect(clippy::cast_precision_loss, reason = "an estimate")]
fn reads_fewer_payloads(payloads: u64, walk: f64) -> bool {
    payloads as f64 <= walk
}

/// Matching points expected among the live ones, from an evenly spread sample of them.
fn estimate(view: &ReadView<'_>, predicate: &Predicate, stats: &mut CompileStats) -> u64 {
    let live = view.live();
    let n = live.len();
    if n <= SAMPLE_SIZE {
        return matching_in(view, predicate, live, stats).len();
    }
    let step = n / SAMPLE_SIZE;
    let sample: RoaringBitmap = live
        .iter()
        .step_by(usize::try_from(step).unwrap_or(usize::MAX))
        .take(usize::try_from(SAMPLE_SIZE).unwrap_or(usize::MAX))
        .collect();
    let hits = matching_in(view, predicate, &sample, stats).len();
    (hits * n).div_ceil(sample.len().max(1))
}

fn micros(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn count(strategy: Strategy) {
    metrics::FILTERED_SEARCHES
        .with_label_values(&[strategy.name()])
        .inc();
}
