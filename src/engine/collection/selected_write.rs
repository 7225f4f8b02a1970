//! Writes whose points are chosen by the writer itself: a delete or a payload edit "of every point
//! that matches", resolved against the collection exactly as the writer is about to change it.
//!
//! The caller hands a [`Selector`] (a closure over a [`ReadView`]) instead of ids. The writer runs
//! it after applying every write queued before it and before logging anything queued after it, so
//! no other write lands between choosing the points and changing them. What the selector returns
//! is logged as an ordinary delete or payload-edit record of those ids: recovery replays ids, never
//! re-runs a selection, so a replay changes exactly the points the first run changed. The engine
//! never sees how the selector chooses (the query layer's predicates stay above it).

use tokio::sync::oneshot;

use super::read_view::ReadView;
use super::record_codec::{Mutation, encode_mutation};
use super::writer::{AckAt, QueuedWrite, WriteReceipt};
use super::{MAX_BATCH_POINTS, check_edit};
use crate::columns::PayloadEdit;
use crate::engine::EngineError;
use crate::engine::point::PointId;

/// Chooses the points a write applies to, from one consistent view of the collection.
pub type Selector = Box<dyn FnOnce(&ReadView<'_>) -> Vec<PointId> + Send>;

/// What a selected write does to the points it selects.
#[derive(Debug)]
pub enum SelectedChange {
    /// Delete them.
    Delete,
    /// Change their payloads.
    EditPayload(PayloadEdit),
}

/// A write waiting for the writer to select its points.
pub struct SelectedWrite {
    /// Picks the points.
    pub select: Selector,
    /// What happens to them.
    pub change: SelectedChange,
    /// When to reply.
    pub ack: AckAt,
    /// Where to reply.
    pub reply: oneshot::Sender<Result<WriteReceipt, EngineError>>,
}

impl std::fmt::Debug for SelectedWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SelectedWrite")
            .field("change", &self.change)
            .field("ack", &self.ack)
            .finish_non_exhaustive()
    }
}

impl SelectedWrite {
    /// Runs the selector on `view` and turns the write into an ordinary one for those ids, or
    /// answers the caller with the limit it breaks (nothing logged) and returns `None`.
    pub(super) fn resolve(self, view: &ReadView<'_>) -> Option<QueuedWrite> {
        let ids = (self.select)(view);
        let checked = if ids.len() > MAX_BATCH_POINTS {
            Err(EngineError::LimitExceeded {
                what: "points selected by one write",
                limit: MAX_BATCH_POINTS,
                got: ids.len(),
            })
        } else {
            match &self.change {
                SelectedChange::Delete => Ok(()),
                SelectedChange::EditPayload(edit) => check_edit(ids.len(), edit),
            }
        };
        if let Err(e) = checked {
            let _ = self.reply.send(Err(e));
            return None;
        }
        let mutation = match self.change {
            SelectedChange::Delete => Mutation::Delete(ids),
            SelectedChange::EditPayload(edit) => Mutation::EditPayload(ids, edit),
        };
        let record = encode_mutation(&mutation);
        Some(QueuedWrite {
            mutation,
            record,
            ack: self.ack,
            reply: self.reply,
        })
    }
}
