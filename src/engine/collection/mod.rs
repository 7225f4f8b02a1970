//! One collection: its settings, its in-memory state behind a read/write lock, and the handle to
//! its writer thread.
//!
//! Reads (get, scroll, count, search) take the read lock directly and run on the caller's thread.
//! Writes are validated and encoded on the caller's thread, then sent to the single writer
//! ([`writer`]), which orders them through the collection's WAL.

mod consolidation;
mod edge_write;
#[cfg(test)]
mod edge_write_tests;
mod expiry;
mod health;
mod index_image;
mod open;
mod point_store;
mod quant_image;
mod quant_trigger;
mod queue_bytes;
mod read_view;
pub mod record_codec;
mod selected_write;
#[cfg(test)]
mod selected_write_tests;
mod snapshot;
mod sparse_image;
mod sparse_space;
mod text_image;
pub mod vector_space;
#[cfg(test)]
mod wal_outage_tests;
#[cfg(test)]
mod write_queue_tests;
pub mod writer;

use std::sync::Arc;
use std::thread::JoinHandle;

use crossbeam_channel::{Sender, TrySendError};
use parking_lot::{Mutex, RwLock};
use tokio::sync::oneshot;

use edge_write::EdgeWrite;
pub use health::{HealthReport, Status};
pub use open::open;
pub use point_store::PointStore;
pub use read_view::{NearestParams, ReadView};
pub use record_codec::MAX_SPACES;
use record_codec::{Mutation, encode_mutation};
use selected_write::SelectedWrite;
pub use selected_write::{SelectedChange, Selector};
pub use snapshot::vectors_path;
pub use writer::{AckAt, WriteReceipt};
use writer::{Command, QueuedWrite};

pub use expiry::Ttl;
use health::Health;
use queue_bytes::QueueBytes;

use super::EngineError;
use super::config::CollectionConfig;
use super::config::VectorLookupError;
use super::error::QueueLimit;
use super::point::{
    NewPoint, PointId, PointRecord, PointVectors, Projection, ScoredPoint, VectorValue,
};
use crate::columns::index::IndexSchema;
use crate::columns::{FieldPath, PayloadEdit};
use crate::graph::{Edge, EdgeId};
use crate::metrics;
use crate::slot_index::SlotIndex;
use crate::text::TextSettings;
use crate::vector::quantize::QuantizedSearch;
use crate::vector::{ScoredSlot, prepare};
use point_store::{SpaceVectors, SparseVectors, StoredPoint};

/// Most points accepted in one upsert or delete request.
pub const MAX_BATCH_POINTS: usize = 100_000;
/// Most payload bytes one partial payload update may copy: each named point gets its own copy of
/// the payload, so the ids times the payload's encoded size are bounded, not each alone.
pub const MAX_PAYLOAD_EDIT_BYTES: usize = 256 << 20;
/// Most keys one payload delete may name.
pub const MAX_PAYLOAD_KEYS: usize = 1_000;
/// Largest `limit` (plus `offset`) for a search or scroll.
pub const MAX_LIMIT: usize = 100_000;
/// Most payload fields one collection may index.
pub const MAX_FIELD_INDEXES: usize = 100;
/// Most edges written or deleted in one request.
pub const MAX_BATCH_EDGES: usize = 100_000;
/// Longest edge label, in bytes (labels are types, not text; every edge of a type repeats it in
/// the WAL).
pub const MAX_LABEL_BYTES: usize = 256;

/// What one payload field index holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldIndexInfo {
    /// The indexed field.
    pub path: FieldPath,
    /// The type of values indexed.
    pub schema: IndexSchema,
    /// Points with at least one indexed value.
    pub points: u64,
    /// Points whose field holds a value of another type (stored, not indexed).
    pub wrong_type_points: u64,
    /// Distinct indexed values.
    pub distinct_values: u64,
    /// Approximate heap bytes of the index.
    pub heap_bytes: u64,
}

/// What one text index holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TextIndexInfo {
    /// The indexed field.
    pub path: FieldPath,
    /// Its analyzer and BM25 settings.
    pub settings: TextSettings,
    /// Points with at least one term.
    pub points: u64,
    /// Points whose field holds a value that is not a string (stored, not indexed).
    pub wrong_type_points: u64,
    /// Distinct terms.
    pub terms: u64,
    /// Approximate heap bytes of the index.
    pub heap_bytes: u64,
}

/// Largest HNSW candidate list (`hnsw_ef`) a search may ask for; larger values are clamped. It
/// equals [`MAX_LIMIT`], the most hits a search returns, since a list never needs to be longer
/// than the hits it must hold.
pub const MAX_EF: usize = MAX_LIMIT;

/// A search request, with the query vector not yet validated.
#[derive(Debug, Clone)]
pub struct SearchRequest {
    /// The query vector.
    pub vector: Vec<f32>,
    /// The named vector searched (`None`: the unnamed vector, or the only one).
    pub using: Option<String>,
    /// How many hits to return.
    pub limit: usize,
    /// How many best hits to skip first.
    pub offset: usize,
    /// Only hits at least this good (see [`crate::vector::Metric::passes_threshold`]).
    pub score_threshold: Option<f32>,
    /// What to return with each hit.
    pub projection: Projection,
    /// HNSW candidate list size; the collection's `ef_construction` when absent.
    pub ef: Option<usize>,
    /// Force exact (brute-force) search.
    pub exact: bool,
    /// How to use quantized codes, when the collection has them.
    pub quantization: QuantizedSearch,
}

/// Memory of a collection's memory-mapped vectors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VectorMemory {
    /// Bytes mapped.
    pub mapped_bytes: usize,
    /// Bytes of the mapping in memory now (page cache, from `mincore`).
    pub resident_bytes: usize,
}

/// A write waiting for its acknowledgement.
///
/// Dropping the ticket withdraws the write if the writer has not logged it yet: the writer skips
/// queued writes nobody waits for (a request that timed out or whose client went away). A write
/// already in the WAL is always applied, so a dropped ticket means "applied entirely or not at
/// all", never "partly".
#[derive(Debug)]
#[must_use = "dropping a WriteTicket withdraws a write the writer has not logged yet"]
pub struct WriteTicket {
    name: String,
    rx: oneshot::Receiver<Result<WriteReceipt, EngineError>>,
}

impl WriteTicket {
    /// Waits for the writer's answer.
    ///
    /// # Errors
    /// The write's error, or [`EngineError::ShuttingDown`] if the writer stopped first.
    pub async fn wait(self) -> Result<WriteReceipt, EngineError> {
        self.rx
            .await
            .unwrap_or(Err(EngineError::ShuttingDown { name: self.name }))
    }

    /// Blocks the current (non-async) thread until the writer answers.
    ///
    /// # Errors
    /// As [`WriteTicket::wait`].
    pub fn wait_blocking(self) -> Result<WriteReceipt, EngineError> {
        self.rx
            .blocking_recv()
            .unwrap_or(Err(EngineError::ShuttingDown { name: self.name }))
    }
}

/// An edge to write: its id, or `None` for the writer to assign one, and the edge.
pub type NewEdge = (Option<EdgeId>, Edge<PointId>);

/// An edge write waiting for its acknowledgement; like a [`WriteTicket`], dropping it withdraws
/// the write if the writer has not logged it yet.
#[derive(Debug)]
#[must_use = "dropping an EdgeTicket withdraws a write the writer has not logged yet"]
pub struct EdgeTicket {
    ticket: WriteTicket,
    ids: oneshot::Receiver<Vec<EdgeId>>,
}

impl EdgeTicket {
    /// Waits for the writer's answer: the receipt and the id of every edge, in request order.
    ///
    /// # Errors
    /// As [`WriteTicket::wait`].
    pub async fn wait(self) -> Result<(WriteReceipt, Vec<EdgeId>), EngineError> {
        let name = self.ticket.name.clone();
        let receipt = self.ticket.wait().await?;
        // The writer sends the ids before it logs the write, so they are here once it answered.
        let ids = self
            .ids
            .await
            .map_err(|_| EngineError::ShuttingDown { name })?;
        Ok((receipt, ids))
    }

    /// Blocks the current (non-async) thread until the writer answers.
    ///
    /// # Errors
    /// As [`WriteTicket::wait`].
    pub fn wait_blocking(self) -> Result<(WriteReceipt, Vec<EdgeId>), EngineError> {
        let name = self.ticket.name.clone();
        let receipt = self.ticket.wait_blocking()?;
        let ids = self
            .ids
            .blocking_recv()
            .map_err(|_| EngineError::ShuttingDown { name })?;
        Ok((receipt, ids))
    }
}

/// A thread holding a collection's store lock ([`Collection::hold_store_for_test`]).
#[cfg(test)]
#[derive(Debug)]
pub(crate) struct StoreHold {
    release: std::sync::mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

#[cfg(test)]
impl StoreHold {
    /// Releases the lock and waits for the holding thread.
    ///
    /// # Errors
    /// When the holding thread panicked.
    pub(crate) fn release(self) -> Result<(), &'static str> {
        let _ = self.release.send(());
        self.thread
            .join()
            .map_err(|_| "the store lock holder panicked")
    }
}

/// An open collection.
#[derive(Debug)]
pub struct Collection {
    name: String,
    config: CollectionConfig,
    store: Arc<RwLock<PointStore>>,
    health: Arc<Health>,
    tx: Sender<Command>,
    /// The byte budget of the queue behind `tx`, shared with the writer.
    queue_bytes: Arc<QueueBytes>,
    thread: Mutex<Option<JoinHandle<()>>>,
    /// The expiry setting (`ttl_field`), when points expire.
    ttl: Option<Ttl>,
}

impl Collection {
    /// The name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The payload key holding each point's expiry, when points expire.
    #[must_use]
    pub fn ttl_field(&self) -> Option<&str> {
        self.ttl.as_ref().map(|t| t.key.as_str())
    }

    /// Sets the expiry of every point to `seconds` from now (the per-write TTL).
    ///
    /// # Errors
    /// [`EngineError::InvalidSetting`] when the collection has no `ttl_field`.
    pub fn expire_in(&self, points: &mut [NewPoint], seconds: u64) -> Result<(), EngineError> {
        let Some(ttl) = &self.ttl else {
            return Err(EngineError::InvalidSetting {
                setting: "ttl_seconds",
                reason: format!(
                    "collection {} has no ttl_field; create it with one to give points a TTL",
                    self.name
                ),
            });
        };
        for p in points {
            ttl.expire_in(&mut p.payload, seconds);
        }
        Ok(())
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &CollectionConfig {
        &self.config
    }

    /// What the writer reports: whether writes are refused, checkpoints failing, repair running.
    #[must_use]
    pub fn health(&self) -> HealthReport {
        self.health.report()
    }

    /// Live points.
    #[must_use]
    pub fn len(&self) -> usize {
        self.read(|view| view.len())
    }

    /// Whether the collection has no points.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Points reachable through an HNSW graph, summed over the vector spaces (a space counts 0
    /// while its searches are exact by size).
    #[must_use]
    pub fn indexed_len(&self) -> usize {
        let store = self.store.read();
        self.config
            .vectors
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let carried = store.carried_len(i);
                if carried > v.params.hnsw.full_scan_threshold {
                    carried
                } else {
                    0
                }
            })
            .sum()
    }

    /// Bytes of vectors held: full precision (in the mapped files), and quantized codes (in
    /// memory; 0 before training).
    #[must_use]
    pub fn vector_bytes(&self) -> (usize, usize) {
        let store = self.store.read();
        (store.vector_bytes(), store.code_bytes())
    }

    /// Slots in the arena: live points, tombstones and free slots.
    #[must_use]
    pub fn slot_count(&self) -> usize {
        self.store.read().slot_count()
    }

    /// Deleted points whose slots wait for the graph repair (see `consolidation`).
    #[must_use]
    pub fn tombstones(&self) -> u64 {
        self.store.read().tombstones().len()
    }

    /// Approximate heap memory held by the points (graph, ids, payload slots, codes).
    #[must_use]
    pub fn heap_bytes(&self) -> usize {
        self.store.read().heap_bytes()
    }

    /// Memory of the vectors: mapped, and in memory now.
    #[must_use]
    pub fn vector_memory(&self) -> VectorMemory {
        let (mapped_bytes, resident_bytes) = self.store.read().vector_memory();
        VectorMemory {
            mapped_bytes,
            resident_bytes,
        }
    }

    /// Holds the store's write lock, as a long write slice does, for tests that check who waits.
    #[cfg(test)]
    pub(crate) fn lock_store_for_test(&self) -> parking_lot::RwLockWriteGuard<'_, PointStore> {
        self.store.write()
    }

    /// Holds the store's write lock on another thread until [`StoreHold::release`] (or for at
    /// most `most`), so the writer stops at its next write and readers wait.
    ///
    /// # Errors
    /// When the holding thread died before taking the lock.
    #[cfg(test)]
    pub(crate) fn hold_store_for_test(
        self: &Arc<Self>,
        most: std::time::Duration,
    ) -> Result<StoreHold, std::sync::mpsc::RecvError> {
        let (locked, is_locked) = std::sync::mpsc::channel();
        let (release, released) = std::sync::mpsc::channel::<()>();
        let collection = Arc::clone(self);
        let thread = std::thread::spawn(move || {
            let _write = collection.lock_store_for_test();
            let _ = locked.send(());
            let _ = released.recv_timeout(most);
        });
        is_locked.recv()?;
        Ok(StoreHold { release, thread })
    }

    fn send(&self, mutation: Mutation, ack: AckAt) -> Result<WriteTicket, EngineError> {
        let record = encode_mutation(&mutation);
        let bytes = record.len();
        if !self.queue_bytes.take(bytes) {
            metrics::REJECTED_REQUESTS
                .with_label_values(&["write"])
                .inc();
            return Err(EngineError::WriteQueueFull {
                name: self.name.clone(),
                limit: QueueLimit::Bytes(self.queue_bytes.budget()),
            });
        }
        // The writer gives the bytes back when it takes the write; a write never queued gives
        // them back here.
        self.send_command(|reply| {
            Command::Write(QueuedWrite {
                mutation,
                record,
                ack,
                reply,
            })
        })
        .inspect_err(|_| self.queue_bytes.give_back(bytes))
    }

    fn send_command(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<WriteReceipt, EngineError>>) -> Command,
    ) -> Result<WriteTicket, EngineError> {
        if let Some(reason) = self.health.writes_refused() {
            return Err(EngineError::WritesRefused {
                name: self.name.clone(),
                reason,
            });
        }
        let (reply, rx) = oneshot::channel();
        // Never blocks: a full queue is the client's signal to back off, and the caller may be
        // a thread the server needs for other requests.
        self.tx.try_send(make(reply)).map_err(|e| match e {
            TrySendError::Full(_) => {
                metrics::REJECTED_REQUESTS
                    .with_label_values(&["write"])
                    .inc();
                EngineError::WriteQueueFull {
                    name: self.name.clone(),
                    limit: QueueLimit::Writes(self.tx.capacity().unwrap_or(0)),
                }
            }
            TrySendError::Disconnected(_) => EngineError::ShuttingDown {
                name: self.name.clone(),
            },
        })?;
        Ok(WriteTicket {
            name: self.name.clone(),
            rx,
        })
    }

    /// Has the writer write the checkpoint images of the collection into `dir` (an empty staging
    /// directory), covering every write queued before this call, and returns the WAL sequence
    /// number they cover. Blocks until the writer is done; writes queue behind it meanwhile,
    /// reads go on.
    ///
    /// # Errors
    /// [`EngineError::WriteQueueFull`], [`EngineError::ShuttingDown`], and the checkpoint's I/O
    /// errors.
    pub fn snapshot_images_blocking(&self, dir: &std::path::Path) -> Result<u64, EngineError> {
        let (reply, rx) = oneshot::channel();
        let command = Command::Snapshot {
            dir: dir.to_path_buf(),
            reply,
        };
        self.tx.try_send(command).map_err(|e| match e {
            TrySendError::Full(_) => EngineError::WriteQueueFull {
                name: self.name.clone(),
                limit: QueueLimit::Writes(self.tx.capacity().unwrap_or(0)),
            },
            TrySendError::Disconnected(_) => EngineError::ShuttingDown {
                name: self.name.clone(),
            },
        })?;
        rx.blocking_recv().unwrap_or_else(|_| {
            Err(EngineError::ShuttingDown {
                name: self.name.clone(),
            })
        })
    }

    /// Queues a write of the points `select` picks. The writer runs `select` on the collection
    /// after every write queued before this one is applied and before any queued after it, so
    /// the selection and the change are one step to every other write (see `selected_write`).
    /// Over [`MAX_BATCH_POINTS`] selected points (or an edit over its limits) fails with
    /// [`EngineError::LimitExceeded`] and changes nothing.
    ///
    /// # Errors
    /// [`EngineError::WritesRefused`], [`EngineError::WriteQueueFull`],
    /// [`EngineError::ShuttingDown`]; the ticket carries the limit errors.
    pub fn write_selected(
        &self,
        select: Selector,
        change: SelectedChange,
        ack: AckAt,
    ) -> Result<WriteTicket, EngineError> {
        if let SelectedChange::EditPayload(edit) = &change {
            check_edit(0, edit)?;
        }
        self.send_command(|reply| {
            Command::WriteSelected(SelectedWrite {
                select,
                change,
                ack,
                reply,
            })
        })
    }

    /// Validates every point, then queues the upsert. If any vector is invalid nothing is queued.
    /// When an id appears more than once, the last occurrence wins (as in Qdrant) and the point is
    /// written once.
    ///
    /// # Errors
    /// [`EngineError::InvalidVector`], [`EngineError::LimitExceeded`],
    /// [`EngineError::WriteQueueFull`] or [`EngineError::ShuttingDown`].
    pub fn upsert(&self, points: Vec<NewPoint>, ack: AckAt) -> Result<WriteTicket, EngineError> {
        if points.len() > MAX_BATCH_POINTS {
            return Err(EngineError::LimitExceeded {
                what: "points in one request",
                limit: MAX_BATCH_POINTS,
                got: points.len(),
            });
        }
        let mut prepared = Vec::with_capacity(points.len());
        for p in points {
            if let Some(ttl) = &self.ttl {
                ttl.check(p.id, &p.payload)?;
            }
            let (vectors, sparse) = prepare_point(&self.config, p.id, p.vector)?;
            prepared.push(StoredPoint {
                id: p.id,
                vectors,
                sparse,
                payload: p.payload,
            });
        }
        self.send(Mutation::Upsert(last_of_each_id(prepared)), ack)
    }

    /// Queues a write of edges, each with its id or `None` for the writer to assign one. The
    /// writer checks that both ends of every edge exist when it logs the write (a missing one
    /// fails the whole write with [`EngineError::EdgeEndpointNotFound`], nothing stored). When an
    /// id appears more than once the last occurrence wins.
    ///
    /// # Errors
    /// [`EngineError::LimitExceeded`], [`EngineError::InvalidEdge`] (a label empty or too long),
    /// [`EngineError::WritesRefused`], [`EngineError::WriteQueueFull`] or
    /// [`EngineError::ShuttingDown`]; the ticket carries the missing ends.
    pub fn upsert_edges(&self, edges: Vec<NewEdge>, ack: AckAt) -> Result<EdgeTicket, EngineError> {
        if edges.len() > MAX_BATCH_EDGES {
            return Err(EngineError::LimitExceeded {
                what: "edges in one request",
                limit: MAX_BATCH_EDGES,
                got: edges.len(),
            });
        }
        for (index, (_, edge)) in edges.iter().enumerate() {
            if edge.label.is_empty() || edge.label.len() > MAX_LABEL_BYTES {
                return Err(EngineError::InvalidEdge {
                    index,
                    reason: format!(
                        "its label is {} bytes long; a label is 1 to {MAX_LABEL_BYTES} bytes",
                        edge.label.len()
                    ),
                });
            }
        }
        let (ids_tx, ids) = oneshot::channel();
        let ticket = self.send_command(|reply| {
            Command::WriteEdges(EdgeWrite {
                edges,
                ack,
                reply,
                ids: ids_tx,
            })
        })?;
        Ok(EdgeTicket { ticket, ids })
    }

    /// Queues the deletion of edges by id (ids that do not exist are ignored).
    ///
    /// # Errors
    /// [`EngineError::LimitExceeded`], [`EngineError::WriteQueueFull`] or
    /// [`EngineError::ShuttingDown`].
    pub fn delete_edges(&self, ids: Vec<EdgeId>, ack: AckAt) -> Result<WriteTicket, EngineError> {
        if ids.len() > MAX_BATCH_EDGES {
            return Err(EngineError::LimitExceeded {
                what: "edge ids in one request",
                limit: MAX_BATCH_EDGES,
                got: ids.len(),
            });
        }
        self.send(Mutation::DeleteEdges(ids), ack)
    }

    /// Queues the deletion of points by id (ids that do not exist are ignored).
    ///
    /// # Errors
    /// [`EngineError::LimitExceeded`], [`EngineError::WriteQueueFull`] or
    /// [`EngineError::ShuttingDown`].
    pub fn delete(&self, ids: Vec<PointId>, ack: AckAt) -> Result<WriteTicket, EngineError> {
        if ids.len() > MAX_BATCH_POINTS {
            return Err(EngineError::LimitExceeded {
                what: "ids in one request",
                limit: MAX_BATCH_POINTS,
                got: ids.len(),
            });
        }
        self.send(Mutation::Delete(ids), ack)
    }

    /// Queues a partial payload update of points by id (ids that do not exist are skipped).
    ///
    /// # Errors
    /// [`EngineError::LimitExceeded`], [`EngineError::WritesRefused`] or
    /// [`EngineError::ShuttingDown`].
    pub fn edit_payload(
        &self,
        ids: Vec<PointId>,
        edit: PayloadEdit,
        ack: AckAt,
    ) -> Result<WriteTicket, EngineError> {
        if ids.len() > MAX_BATCH_POINTS {
            return Err(EngineError::LimitExceeded {
                what: "ids in one request",
                limit: MAX_BATCH_POINTS,
                got: ids.len(),
            });
        }
        check_edit(ids.len(), &edit)?;
        if let (Some(ttl), PayloadEdit::Set(payload) | PayloadEdit::Overwrite(payload)) =
            (&self.ttl, &edit)
        {
            let named = ids.first().map_or_else(String::new, ToString::to_string);
            ttl.check(named, payload)?;
        }
        self.send(Mutation::EditPayload(ids, edit), ack)
    }

    /// Queues the creation of an index of payload field `path` for values of type `schema`. It
    /// covers every point stored before it and every later write; an index of the same field with
    /// the same schema is kept, one with another schema is replaced.
    ///
    /// # Errors
    /// [`EngineError::LimitExceeded`] past [`MAX_FIELD_INDEXES`] indexed fields,
    /// [`EngineError::WriteQueueFull`], [`EngineError::WritesRefused`] or
    /// [`EngineError::ShuttingDown`].
    pub fn create_field_index(
        &self,
        path: FieldPath,
        schema: IndexSchema,
        ack: AckAt,
    ) -> Result<WriteTicket, EngineError> {
        if schema != IndexSchema::Datetime {
            self.keep_expiry_index(&path)?;
        }
        self.check_index_room(&path)?;
        self.send(Mutation::CreateIndex(path, schema), ack)
    }

    /// Refuses a change that would replace or drop the datetime index of the `ttl_field`, which
    /// is how the writer finds expired points.
    fn keep_expiry_index(&self, path: &FieldPath) -> Result<(), EngineError> {
        match &self.ttl {
            Some(ttl) if ttl.path == *path => Err(EngineError::InvalidSetting {
                setting: "field_index",
                reason: format!(
                    "{path} is the collection's ttl_field; its datetime index cannot be dropped or replaced"
                ),
            }),
            _ => Ok(()),
        }
    }

    /// Queues a text index of payload field `path` with `settings` (already validated): once
    /// applied it covers every point stored before it and every later write. An index of the
    /// field with the same settings is kept; any other index of the field is replaced.
    ///
    /// # Errors
    /// As [`Collection::create_field_index`].
    pub fn create_text_index(
        &self,
        path: FieldPath,
        settings: TextSettings,
        ack: AckAt,
    ) -> Result<WriteTicket, EngineError> {
        self.keep_expiry_index(&path)?;
        self.check_index_room(&path)?;
        self.send(Mutation::CreateTextIndex(path, settings), ack)
    }

    /// Refuses a new index of `path` past [`MAX_FIELD_INDEXES`] indexed fields (payload and text
    /// indexes together); re-creating an index of an indexed field is always allowed.
    fn check_index_room(&self, path: &FieldPath) -> Result<(), EngineError> {
        let store = self.store.read();
        let (fields, texts) = (store.field_indexes(), store.text_indexes());
        let indexed = fields.len() + texts.len();
        let exists = fields.get(path).is_some() || texts.get(path).is_some();
        if !exists && indexed >= MAX_FIELD_INDEXES {
            return Err(EngineError::LimitExceeded {
                what: "indexed payload fields in one collection",
                limit: MAX_FIELD_INDEXES,
                got: indexed + 1,
            });
        }
        Ok(())
    }

    /// What each text index holds, by field.
    #[must_use]
    pub fn text_schema(&self) -> Vec<TextIndexInfo> {
        let store = self.store.read();
        store
            .text_indexes()
            .iter()
            .map(|i| TextIndexInfo {
                path: i.path().clone(),
                settings: i.settings().clone(),
                points: i.doc_count(),
                wrong_type_points: i.wrong_type_slots().len(),
                terms: i.term_count() as u64,
                heap_bytes: i.heap_bytes() as u64,
            })
            .collect()
    }

    /// Queues dropping the index of payload field `path` (nothing happens when there is none).
    ///
    /// # Errors
    /// [`EngineError::WriteQueueFull`], [`EngineError::WritesRefused`] or
    /// [`EngineError::ShuttingDown`].
    pub fn drop_field_index(
        &self,
        path: FieldPath,
        ack: AckAt,
    ) -> Result<WriteTicket, EngineError> {
        self.keep_expiry_index(&path)?;
        self.send(Mutation::DropIndex(path), ack)
    }

    /// What each payload field index holds, by field.
    #[must_use]
    pub fn payload_schema(&self) -> Vec<FieldIndexInfo> {
        let store = self.store.read();
        store
            .field_indexes()
            .iter()
            .map(|i| FieldIndexInfo {
                path: i.path().clone(),
                schema: i.schema(),
                points: i.indexed_points(),
                wrong_type_points: i.wrong_type_points(),
                distinct_values: i.distinct_values() as u64,
                heap_bytes: i.heap_bytes() as u64,
            })
            .collect()
    }

    /// Points by id, in the order asked, skipping ids that do not exist.
    #[must_use]
    pub fn get(&self, ids: &[PointId], projection: &Projection) -> Vec<PointRecord> {
        self.read(|view| {
            ids.iter()
                .filter_map(|&id| view.record(view.slot_of(id)?, projection))
                .collect()
        })
    }

    /// A page of points in id order from `from` (inclusive), and where the next page starts.
    ///
    /// # Errors
    /// [`EngineError::LimitExceeded`] for a limit over [`MAX_LIMIT`].
    pub fn scroll(
        &self,
        from: Option<PointId>,
        limit: usize,
        projection: &Projection,
    ) -> Result<(Vec<PointRecord>, Option<PointId>), EngineError> {
        check_limit(limit)?;
        Ok(self.read(|view| view.scroll(from, limit, projection)))
    }

    /// The space a query searches (see [`CollectionConfig::search_space`]).
    ///
    /// # Errors
    /// [`EngineError::VectorName`] for an unknown name, no vectors, or several and no name.
    pub fn search_space(&self, using: Option<&str>) -> Result<usize, EngineError> {
        self.config
            .search_space(using)
            .map_err(|source| EngineError::VectorName {
                id: "query".into(),
                source,
            })
    }

    /// Runs `plan` on one consistent view of the collection (under its read lock: keep it short,
    /// no I/O or waiting inside). Points whose expiry has passed are hidden from the view even
    /// before the writer deletes them. Vector searches on the view use its default space (the
    /// unnamed vector, or the first); [`ReadView::in_space`] picks another.
    pub fn read<R>(&self, plan: impl FnOnce(&ReadView<'_>) -> R) -> R {
        let store = self.store.read();
        read_view::with_view(&store, &self.config, self.ttl.as_ref(), plan)
    }

    /// Top-k search: exact below the collection's `full_scan_threshold` or when asked, HNSW
    /// otherwise; on a quantized collection the graph is walked on the codes (unless the request
    /// says `ignore`) and the candidates re-scored on `f32` vectors (unless `rescore` is off).
    ///
    /// # Errors
    /// [`EngineError::InvalidVector`] for a bad query vector, [`EngineError::LimitExceeded`].
    pub fn search(&self, req: &SearchRequest) -> Result<Vec<ScoredPoint>, EngineError> {
        self.search_planned(req, |view, query, k, params| {
            view.nearest(query, k, params, None)
        })
    }

    /// [`Collection::search`] with the nearest slots chosen by `plan` from one read view, given
    /// the query vector prepared for the metric, `k = limit + offset` and the search parameters
    /// (a query planner's entry point: it picks among the view's search primitives).
    ///
    /// # Errors
    /// As [`Collection::search`].
    pub fn search_planned(
        &self,
        req: &SearchRequest,
        plan: impl FnOnce(&ReadView<'_>, &[f32], usize, NearestParams) -> Vec<ScoredSlot>,
    ) -> Result<Vec<ScoredPoint>, EngineError> {
        check_limit(req.limit.saturating_add(req.offset))?;
        let space = self.search_space(req.using.as_deref())?;
        let params = &self.config.vectors[space].params;
        let query = prepare(&req.vector, params.dimension, params.metric).map_err(|source| {
            EngineError::InvalidVector {
                id: "query".into(),
                source,
            }
        })?;
        let k = req.limit + req.offset;
        let params = NearestParams {
            exact: req.exact,
            ef: req.ef,
            score_threshold: req.score_threshold,
            quantization: req.quantization,
        };
        Ok(self.read(|view| {
            plan(&view.in_space(space), &query, k, params)
                .into_iter()
                .skip(req.offset)
                .filter_map(|hit| {
                    Some(ScoredPoint {
                        record: view.record(hit.slot, &req.projection)?,
                        score: hit.score,
                    })
                })
                .collect()
        }))
    }

    /// Stops the writer after a final checkpoint and waits for its thread. Idempotent.
    ///
    /// # Errors
    /// The final checkpoint's error.
    pub fn shutdown_blocking(&self) -> Result<(), EngineError> {
        let (reply, rx) = oneshot::channel();
        let result = if self.tx.send(Command::Shutdown { reply }).is_ok() {
            rx.blocking_recv().unwrap_or(Ok(()))
        } else {
            Ok(())
        };
        if let Some(handle) = self.thread.lock().take() {
            let _ = handle.join();
        }
        result
    }
}

/// Loads the checkpoint images in `dir` as opening would, checking their checksums and decoding
/// every slot, and returns the sequence number they cover; the loaded store is dropped. A restore
/// runs this on a staging directory before it touches the live collection.
///
/// # Errors
/// As opening: [`EngineError::Checkpoint`] or [`EngineError::Undecodable`] for damaged images.
pub fn verify_images(
    fs: &dyn crate::storage::FileSystem,
    name: &str,
    dir: &std::path::Path,
    config: &CollectionConfig,
) -> Result<u64, EngineError> {
    snapshot::read(fs, name, dir, config).map(|(_, seq)| seq)
}

/// Checks a point's vectors against the collection's declared ones and prepares each dense one
/// for its metric: the dense vectors by space number and the sparse ones by sparse space number,
/// each in space order.
fn prepare_point(
    config: &CollectionConfig,
    id: PointId,
    vectors: PointVectors,
) -> Result<(SpaceVectors, SparseVectors), EngineError> {
    let named = |source| EngineError::VectorName {
        id: format!("point {id}"),
        source,
    };
    let mut given: Vec<(String, Vec<f32>)> = Vec::new();
    let mut sparse: SparseVectors = Vec::new();
    match vectors {
        PointVectors::Unnamed(v) => given.push((String::new(), v)),
        PointVectors::Named(list) => {
            for (name, value) in list {
                match value {
                    VectorValue::Dense(v) => given.push((name, v)),
                    VectorValue::Sparse(v) => {
                        let space = config.sparse_space(&name).map_err(named)?;
                        if sparse.iter().any(|(s, _)| *s == space) {
                            return Err(named(VectorLookupError::Duplicate { name }));
                        }
                        sparse.push((space, v));
                    }
                }
            }
        }
    }
    sparse.sort_by_key(|(s, _)| *s);
    let mut out: SpaceVectors = Vec::with_capacity(given.len());
    for (name, v) in given {
        let name = name.as_str();
        let space = config.space_of(name).map_err(named)?;
        if out.iter().any(|(s, _)| *s == space) {
            return Err(named(VectorLookupError::Duplicate {
                name: name.to_owned(),
            }));
        }
        let params = &config.vectors[space].params;
        let vector = prepare(&v, params.dimension, params.metric).map_err(|source| {
            EngineError::InvalidVector {
                id: if name.is_empty() {
                    id.to_string()
                } else {
                    format!("{id} (vector {name:?})")
                },
                source,
            }
        })?;
        out.push((space, vector));
    }
    if config.vectors_required() && out.len() < config.vectors.len() {
        return Err(named(VectorLookupError::Missing));
    }
    out.sort_by_key(|(s, _)| *s);
    Ok((out, sparse))
}

/// Keeps the last occurrence of each id, at the position of its first occurrence.
fn last_of_each_id(points: Vec<StoredPoint>) -> Vec<StoredPoint> {
    let mut position: std::collections::HashMap<PointId, usize> =
        std::collections::HashMap::with_capacity(points.len());
    let mut out: Vec<StoredPoint> = Vec::with_capacity(points.len());
    for p in points {
        match position.get(&p.id) {
            Some(&i) => out[i] = p,
            None => {
                position.insert(p.id, out.len());
                out.push(p);
            }
        }
    }
    out
}

/// Checks a payload edit of `ids` points against the bounds on what it copies and names.
fn check_edit(ids: usize, edit: &PayloadEdit) -> Result<(), EngineError> {
    match edit {
        PayloadEdit::Set(payload) | PayloadEdit::Overwrite(payload) => {
            let mut encoded = Vec::new();
            crate::columns::encode_payload(payload, &mut encoded);
            let copied = encoded.len().saturating_mul(ids);
            if copied > MAX_PAYLOAD_EDIT_BYTES {
                return Err(EngineError::LimitExceeded {
                    what: "payload bytes copied by one update (ids x encoded payload)",
                    limit: MAX_PAYLOAD_EDIT_BYTES,
                    got: copied,
                });
            }
        }
        PayloadEdit::DeleteKeys(keys) if keys.len() > MAX_PAYLOAD_KEYS => {
            return Err(EngineError::LimitExceeded {
                what: "payload keys in one delete",
                limit: MAX_PAYLOAD_KEYS,
                got: keys.len(),
            });
        }
        PayloadEdit::DeleteKeys(_) | PayloadEdit::Clear => {}
    }
    Ok(())
}

fn check_limit(limit: usize) -> Result<(), EngineError> {
    if limit > MAX_LIMIT {
        return Err(EngineError::LimitExceeded {
            what: "limit + offset",
            limit: MAX_LIMIT,
            got: limit,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::Payload;

    #[test]
    fn the_last_occurrence_of_an_id_wins_at_the_first_position() {
        let p = |id: u64, x: u32| {
            StoredPoint::from((PointId::Num(id), vec![(0, vec![x as f32])], Payload::new()))
        };
        let kept = last_of_each_id(vec![p(1, 10), p(2, 20), p(1, 11), p(3, 30), p(2, 21)]);
        let got: Vec<(PointId, u32)> = kept
            .into_iter()
            .map(|p| (p.id, p.vectors[0].1[0] as u32))
            .collect();
        assert_eq!(
            got,
            vec![
                (PointId::Num(1), 11),
                (PointId::Num(2), 21),
                (PointId::Num(3), 30)
            ]
        );
    }
}
