//! Edge writes, resolved by the writer itself: it checks that both ends of every edge exist and
//! assigns ids to the edges written without one, against the collection exactly as it is about to
//! change it, so no delete can land between the check and the write and no two writes get the
//! same id.
//!
//! Like a selected write (`selected_write`), an edge write reaches the writer as its own command;
//! the writer applies every write queued before it, resolves it, and logs the result as an
//! ordinary `UpsertEdges` record with every id filled in: recovery replays ids, never assigns
//! them again.

use tokio::sync::oneshot;

use super::NewEdge;
use super::point_store::PointStore;
use super::record_codec::{Mutation, encode_mutation};
use super::writer::{AckAt, QueuedWrite, WriteReceipt};
use crate::engine::EngineError;
use crate::graph::{EdgeId, MAX_EDGE_ID};

/// An edge write waiting for the writer.
pub struct EdgeWrite {
    /// The edges, each with its id when the client gave one.
    pub edges: Vec<NewEdge>,
    /// When to reply.
    pub ack: AckAt,
    /// Where to reply.
    pub reply: oneshot::Sender<Result<WriteReceipt, EngineError>>,
    /// Where the ids go, in request order, once resolved (before the write is logged).
    pub ids: oneshot::Sender<Vec<EdgeId>>,
}

impl std::fmt::Debug for EdgeWrite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EdgeWrite")
            .field("edges", &self.edges.len())
            .field("ack", &self.ack)
            .finish_non_exhaustive()
    }
}

impl EdgeWrite {
    /// Checks both ends of every edge in `store` and assigns the missing ids, turning the write
    /// into an ordinary one; or answers the caller with the first missing end (nothing logged)
    /// and returns `None`.
    pub(super) fn resolve(self, store: &PointStore) -> Option<QueuedWrite> {
        let mut next = store.edges().next_id();
        let mut resolved = Vec::with_capacity(self.edges.len());
        let mut ids = Vec::with_capacity(self.edges.len());
        for (index, (id, edge)) in self.edges.into_iter().enumerate() {
            for (role, end) in [("source", edge.source), ("target", edge.target)] {
                if store.slot_of(end).is_none() {
                    let _ = self.reply.send(Err(EngineError::EdgeEndpointNotFound {
                        index,
                        role,
                        id: end,
                    }));
                    return None;
                }
            }
            let id = match id {
                Some(id) => id,
                None => {
                    // Never reused: above every id stored or given in this request so far.
                    let id = next;
                    next = next.saturating_add(1);
                    id
                }
            };
            if id > MAX_EDGE_ID {
                let _ = self.reply.send(Err(EngineError::LimitExceeded {
                    what: "edge id",
                    limit: usize::try_from(MAX_EDGE_ID).unwrap_or(usize::MAX),
                    got: usize::try_from(id).unwrap_or(usize::MAX),
                }));
                return None;
            }
            next = next.max(id.saturating_add(1));
            ids.push(id);
            resolved.push((id, edge));
        }
        let _ = self.ids.send(ids);
        let mutation = Mutation::UpsertEdges(resolved);
        let record = encode_mutation(&mutation);
        Some(QueuedWrite {
            mutation,
            record,
            ack: self.ack,
            reply: self.reply,
        })
    }
}
