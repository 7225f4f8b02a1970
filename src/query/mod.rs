//! The query layer: the [`Predicate`] every front end compiles to, its evaluation against a
//! payload, its compilation to slot bitmaps from the payload indexes, the planner that chooses
//! how a filtered search runs over one consistent read view of a collection, grouped
//! aggregates, the fusion (RRF, DBSF, weighted) and MMR diversification of ranked lists, and
//! the grouping of a ranking by a payload field (Qdrant's grouped search).
//!
//! [`velesql`] is the statement language's front end: text to syntax tree, and a `WHERE` clause
//! to a [`Predicate`].
//!
//! It sits above `engine/` (it reads collections through read views) and below `api/`: it never
//! imports axum, utoipa or `serde_json::Value`; the wire filter formats are converted to a
//! [`Predicate`] in `api/`.

mod aggregate;
mod compile;
mod estimate;
mod evaluate;
pub mod execute;
mod facet;
mod fusion;
pub mod graph;
mod group;
mod like;
mod mmr;
pub mod multi_stage;
mod order;
pub mod pattern;
mod plan;
mod predicate;
mod select;
mod text_match;
mod text_rank;
mod type_check;
pub mod velesql;

pub use crate::deadline;
pub use aggregate::{Aggregate, AggregateStats, GroupRow, Scalar, aggregate};
pub use compile::{CompileStats, fully_indexed, index_estimate, matching_in};
pub use estimate::index_bound;
pub use facet::{FacetHit, facet_counts};
pub use fusion::{DEFAULT_RRF_K, Fusion, FusionError, RankedList};
pub use group::{
    Group, GroupId, GroupSpec, MAX_GROUP_CANDIDATES, WIDENING, group_hits, grouped_search,
};
pub use like::{LikeError, LikePattern};
pub use mmr::{MAX_MMR_CANDIDATES, MAX_MMR_CHOSEN, mmr};
pub use multi_stage::{Mmr, MultiStageError, Ranked, Scoring, Stage};
pub use order::{OrderBy, OrderError, OrderValue, StartFrom, scroll_ordered};
pub use plan::{Explain, SAMPLE_SIZE, Strategy, filtered_nearest};
pub use predicate::{Condition, Interval, Literal, Predicate};
pub use select::{matching_ids, matching_slots, scroll_matching};
pub use text_match::{TextMatch, TextMatchKind};
pub use text_rank::{TextExplain, TextRankError, rank_text};
pub use type_check::{TypeMismatch, check_types};
