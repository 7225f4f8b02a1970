//! [`Source`]: where an import reads its points, one checked batch at a time, and [`Batch`]:
//! the points of one request with where they came from.

use super::error::TransferError;
use super::record::Record;

/// A batch of records, every one already checked, all of one dimension.
#[derive(Debug)]
pub struct Batch {
    /// The records, in source order.
    pub records: Vec<Record>,
    /// Where they came from, for messages: `lines 11-20 of a.jsonl`, `source offset 30`.
    pub origin: String,
    /// For a scrolling source, the offset the next batch starts at (`None` after the last).
    pub resume_after: Option<String>,
}

/// A reader of points for `plait import`.
pub trait Source {
    /// The number of points it holds, when known without reading them all.
    fn total(&self) -> Option<u64>;

    /// The next batch of at most `max` records (`None` when the source is exhausted). A record
    /// that fails its checks fails the whole batch, naming its line or offset.
    fn next_batch(&mut self, max: usize) -> Result<Option<Batch>, TransferError>;

    /// Where an interrupted import would resume before the first batch, if the source scrolls.
    fn resume_at_start(&self) -> Option<String> {
        None
    }
}
