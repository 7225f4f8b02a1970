//! Writing a [`PointStore`] into a checkpoint and reading it back.
//!
//! Two images per checkpoint, both in the checkpoint container and both for the same WAL sequence
//! number: `checkpoint.plait` (every slot: live points with id, vector and payload; tombstones with
//! their stale vector, because the graph still routes through them; released slots as one byte)
//! and `graph.plait` (the HNSW graph, see `vector::hnsw::persist`). Slots keep their numbers across a restart, so the graph's
//! node ids stay valid. A missing, damaged or mismatched graph image is not fatal: the graph is
//! rebuilt from the vectors, with a warning and `plait_hnsw_rebuilds_total`. A quantized
//! collection writes a third image, `quant.plait` (see `quant_image`), under the same rules, and
//! a collection with payload field indexes a fourth, `indexes.plait` (see `index_image`).
//!
//! Loading writes every slot's vector into the collection's memory-mapped working file
//! `vectors.f32`, which is recreated on every open: the checkpoint and the WAL are the truth, the
//! working file is only where the live vectors sit (in the page cache).
//!
//! ```text
//! checkpoint body := u32 LE dimension, u64 LE slot count, per slot:
//!     1 u8, point (see record_codec)          a live point
//!     0 u8, dimension × f32 LE                a tombstone's stale vector
//!     2 u8                                    a free (released) slot
//! then (version 4) the payload index definitions:
//!     u32 LE n, n × (u32 LE length, UTF-8 field path, u8 schema code)
//! then (version 5) the text index definitions and the edges, primary data like the points
//! (never a derived image):
//!     u32 LE n, n × (u32 LE length, UTF-8 field path, text settings)
//!     u64 LE next edge id, u64 LE count, count × edge (see record_codec)
//! then (version 6, only for collections other than one unnamed vector) the vector spaces:
//!     u32 LE spaces, per space: u8 0 (every slot carries it) | u8 1, u32 LE n, n bytes of a
//!     serialized roaring bitmap of the slots carrying it;
//!     then per space after the first: u64 LE n, n × (u32 LE slot, dimension × f32 LE)
//! then (version 7, only for collections declaring sparse vectors, after a version 6 section)
//! the sparse vectors of the live points:
//!     u32 LE n (declared sparse vectors), per sparse vector in declaration order:
//!     u64 LE count, count × (u32 LE slot (ascending, live), sparse vector (see record_codec))
//! ```
//!
//! The first space's vectors sit in the slots (zeros where a slot does not carry it; nothing
//! when the collection has no vectors, whose dimension is written as 0). Each space has its own
//! graph and quantizer images: `graph.plait` and `quant.plait` for the first, `graph.<i>.plait`
//! and `quant.<i>.plait` for space `i` after it.
//!
//! A collection with text indexes writes a fifth image, `texts.plait` (see `text_image`), and
//! one with sparse vectors a sixth, `sparse.plait` (see `sparse_image`). The edges' adjacency is
//! not stored: it is rebuilt from the edges when the checkpoint is read.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::point_store::{PointStore, RestoredSlot, SlotImage};
use super::record_codec::{Cursor, put_edge, put_point, put_sparse_vector};
use super::sparse_space::SparseSpace;
use super::vector_space::VectorSpace;
use super::{index_image, quant_image, sparse_image, text_image};
use crate::columns::FieldPath;
use crate::columns::index::IndexSchema;
use crate::engine::EngineError;
use crate::engine::config::CollectionConfig;
use crate::engine::point::PointId;
use crate::graph::EdgeStore;
use crate::metrics;
use crate::storage::FileSystem;
use crate::storage::checkpoint::{self, CheckpointError, CheckpointWriter, GRAPH_MAGIC, MAGIC};
use crate::text::TextSettings;
use crate::vector::DenseVectors;
use crate::vector::hnsw::Hnsw;

/// Slot flag: a tombstone and its stale vector.
const TOMBSTONE: u8 = 0;
/// Slot flag: a live point.
const LIVE: u8 = 1;
/// Slot flag: a released slot (no bytes follow).
const FREE: u8 = 2;

/// Path of a collection's checkpoint.
#[must_use]
pub fn checkpoint_path(collection_dir: &Path) -> PathBuf {
    collection_dir.join("checkpoint.plait")
}

/// Path of the memory-mapped vector working file of space `space`.
#[must_use]
pub fn vectors_path(collection_dir: &Path, space: usize) -> PathBuf {
    collection_dir.join(space_file("vectors", space, "f32"))
}

/// Path of the graph image of space `space`.
#[must_use]
pub fn graph_path(collection_dir: &Path, space: usize) -> PathBuf {
    collection_dir.join(space_file("graph", space, "plait"))
}

/// `stem.ext` for the first space (the names files had before spaces existed), `stem.i.ext`
/// after it.
pub(super) fn space_file(stem: &str, space: usize, ext: &str) -> String {
    if space == 0 {
        format!("{stem}.{ext}")
    } else {
        format!("{stem}.{space}.{ext}")
    }
}

/// Writes `store` (points, then graph) as the checkpoint for WAL sequence `seq`, atomically.
///
/// # Errors
/// [`EngineError::Checkpoint`] on I/O failure; the previous checkpoint stays in place.
pub fn write(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    store: &PointStore,
    seq: u64,
) -> Result<(), EngineError> {
    let wrap = |e| EngineError::Checkpoint {
        name: name.to_owned(),
        source: Arc::new(e),
    };
    let mut w =
        CheckpointWriter::create(fs, &checkpoint_path(collection_dir), MAGIC, seq).map_err(wrap)?;
    let mut head = Vec::with_capacity(12);
    let first_dim = store.spaces().first().map_or(0, |s| s.vectors().dim());
    head.extend_from_slice(&u32::try_from(first_dim).unwrap_or(u32::MAX).to_le_bytes());
    head.extend_from_slice(&(store.slot_count() as u64).to_le_bytes());
    w.write(&head).map_err(wrap)?;
    let mut buf = Vec::new();
    for slot in store.iter_slots() {
        buf.clear();
        match slot {
            SlotImage::Live(id, vector, payload) => {
                buf.push(LIVE);
                put_point(&mut buf, id, vector, payload);
            }
            SlotImage::Tombstone(vector) => {
                buf.push(TOMBSTONE);
                for x in vector {
                    buf.extend_from_slice(&x.to_le_bytes());
                }
            }
            SlotImage::Free => buf.push(FREE),
        }
        w.write(&buf).map_err(wrap)?;
    }
    buf.clear();
    let definitions = store.field_indexes().definitions();
    buf.extend_from_slice(
        &u32::try_from(definitions.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for (path, schema) in &definitions {
        let text = path.as_str();
        buf.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
        buf.extend_from_slice(text.as_bytes());
        buf.push(schema.code());
    }
    let texts = store.text_indexes().definitions();
    buf.extend_from_slice(&u32::try_from(texts.len()).unwrap_or(u32::MAX).to_le_bytes());
    for (path, settings) in &texts {
        let text = path.as_str();
        buf.extend_from_slice(&u32::try_from(text.len()).unwrap_or(u32::MAX).to_le_bytes());
        buf.extend_from_slice(text.as_bytes());
        settings.encode(&mut buf);
    }
    w.write(&buf).map_err(wrap)?;
    let edges = store.edges();
    buf.clear();
    buf.extend_from_slice(&edges.next_id().to_le_bytes());
    buf.extend_from_slice(&(edges.len() as u64).to_le_bytes());
    w.write(&buf).map_err(wrap)?;
    for edge in edges.iter() {
        buf.clear();
        put_edge(&mut buf, edge.id, &edge.to_edge());
        w.write(&buf).map_err(wrap)?;
    }
    if let [only] = store.spaces()
        && only.required()
        && store.sparse_spaces().is_empty()
    {
        // One unnamed vector: the image ends after the edges, as before spaces existed.
    } else {
        write_spaces(&mut w, store).map_err(wrap)?;
    }
    if !store.sparse_spaces().is_empty() {
        write_sparse(&mut w, store).map_err(wrap)?;
    }
    w.finish().map_err(wrap)?;
    // The graph images go second; if a crash comes between, a graph image's sequence number
    // does not match the points' and that graph is rebuilt on open.
    for (i, space) in store.spaces().iter().enumerate() {
        write_image(
            fs,
            name,
            &graph_path(collection_dir, i),
            GRAPH_MAGIC,
            seq,
            &space.index().encode(),
        )?;
    }
    quant_image::write(fs, name, collection_dir, store, seq)?;
    index_image::write(fs, name, collection_dir, store, seq)?;
    text_image::write(fs, name, collection_dir, store, seq)?;
    sparse_image::write(fs, name, collection_dir, store, seq)
}

/// Writes the version 7 section: the sparse vectors of the live points, per sparse space.
fn write_sparse(w: &mut CheckpointWriter<'_>, store: &PointStore) -> Result<(), CheckpointError> {
    let spaces = store.sparse_spaces();
    w.write(
        &u32::try_from(spaces.len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    )?;
    let mut buf = Vec::new();
    for space in spaces {
        let vectors = space.sorted();
        w.write(&(vectors.len() as u64).to_le_bytes())?;
        for (slot, vector) in vectors {
            buf.clear();
            buf.extend_from_slice(&slot.to_le_bytes());
            put_sparse_vector(&mut buf, vector);
            w.write(&buf)?;
        }
    }
    Ok(())
}

/// Reads the version 7 section for a collection declaring `declared` sparse vectors, over a
/// store of `live` slots.
fn read_sparse(
    c: &mut Cursor<'_>,
    declared: usize,
    live: &roaring::RoaringBitmap,
) -> Result<Vec<Vec<(u32, crate::sparse::SparseVector)>>, String> {
    let count = c.u32().map_err(|e| e.to_string())? as usize;
    if count != declared {
        return Err(format!(
            "{count} sparse vectors stored, the collection declares {declared}"
        ));
    }
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let n = c.u64().map_err(|e| e.to_string())?;
        if n > live.len() {
            return Err(format!(
                "{n} sparse vectors stored for a space, over the {} live points",
                live.len()
            ));
        }
        let mut vectors = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        let mut previous: Option<u32> = None;
        for _ in 0..n {
            let slot = c.u32().map_err(|e| e.to_string())?;
            if !live.contains(slot) || previous.is_some_and(|p| p >= slot) {
                return Err(format!(
                    "a sparse vector stored for slot {slot}, not a live slot in order"
                ));
            }
            previous = Some(slot);
            vectors.push((slot, c.sparse_vector().map_err(|e| e.to_string())?));
        }
        out.push(vectors);
    }
    Ok(out)
}

/// Writes the version 6 section: which slots carry each space, and the vectors of the spaces
/// after the first.
fn write_spaces(w: &mut CheckpointWriter<'_>, store: &PointStore) -> Result<(), CheckpointError> {
    let mut buf = Vec::new();
    buf.extend_from_slice(
        &u32::try_from(store.spaces().len())
            .unwrap_or(u32::MAX)
            .to_le_bytes(),
    );
    for space in store.spaces() {
        match space.present() {
            None => buf.push(0),
            Some(present) => {
                buf.push(1);
                let mut bytes = Vec::new();
                present
                    .serialize_into(&mut bytes)
                    .map_err(|source| CheckpointError::Io {
                        op: "serialize a presence bitmap",
                        path: PathBuf::new(),
                        source,
                    })?;
                buf.extend_from_slice(
                    &u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_le_bytes(),
                );
                buf.extend_from_slice(&bytes);
            }
        }
    }
    w.write(&buf)?;
    for space in store.spaces().iter().skip(1) {
        let carried: Vec<u32> = (0..u32::try_from(store.slot_count()).unwrap_or(u32::MAX))
            .filter(|&slot| {
                (store.id_at(slot).is_some() || store.tombstones().contains(slot))
                    && space.carries(slot)
            })
            .collect();
        w.write(&(carried.len() as u64).to_le_bytes())?;
        for slot in carried {
            buf.clear();
            buf.extend_from_slice(&slot.to_le_bytes());
            for x in space.vectors().get(slot) {
                buf.extend_from_slice(&x.to_le_bytes());
            }
            w.write(&buf)?;
        }
    }
    Ok(())
}

/// The version 6 section as read: each space's presence (`None`: every slot) and the vectors of
/// the spaces after the first.
type SpacesSection = Vec<(Option<roaring::RoaringBitmap>, Vec<(u32, Vec<f32>)>)>;

/// Reads the version 6 section for a collection whose spaces have dimensions `dims`.
fn read_spaces(c: &mut Cursor<'_>, dims: &[usize], slots: u64) -> Result<SpacesSection, String> {
    let count = c.u32().map_err(|e| e.to_string())? as usize;
    if count != dims.len() {
        return Err(format!(
            "{count} vector spaces stored, the collection declares {}",
            dims.len()
        ));
    }
    let mut out: SpacesSection = Vec::with_capacity(count);
    for _ in 0..count {
        let present = match c.u8().map_err(|e| e.to_string())? {
            0 => None,
            1 => {
                let len = c.u32().map_err(|e| e.to_string())? as usize;
                let bytes = c.bytes(len).map_err(|e| e.to_string())?;
                let bitmap = roaring::RoaringBitmap::deserialize_from(bytes)
                    .map_err(|e| format!("presence bitmap: {e}"))?;
                if bitmap.max().is_some_and(|m| u64::from(m) >= slots) {
                    return Err("a presence bitmap names a slot past the last".into());
                }
                Some(bitmap)
            }
            other => return Err(format!("unknown presence flag {other}")),
        };
        out.push((present, Vec::new()));
    }
    for (space, dim) in dims.iter().enumerate().skip(1) {
        let n = c.u64().map_err(|e| e.to_string())?;
        if n > slots {
            return Err(format!(
                "{n} vectors stored for a space, over the {slots} slots"
            ));
        }
        let mut vectors = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
        for _ in 0..n {
            let slot = c.u32().map_err(|e| e.to_string())?;
            if u64::from(slot) >= slots {
                return Err(format!("a vector stored for slot {slot}, past the last"));
            }
            vectors.push((slot, c.vector(*dim).map_err(|e| e.to_string())?));
        }
        out[space].1 = vectors;
    }
    Ok(out)
}

/// Writes one index image (`body`, in the checkpoint container with `magic`) for WAL sequence
/// `seq`, atomically.
///
/// # Errors
/// [`EngineError::Checkpoint`] on I/O failure; the previous image stays in place.
pub fn write_image(
    fs: &dyn FileSystem,
    name: &str,
    path: &Path,
    magic: &[u8; 8],
    seq: u64,
    body: &[u8],
) -> Result<(), EngineError> {
    let wrap = |e| EngineError::Checkpoint {
        name: name.to_owned(),
        source: Arc::new(e),
    };
    let mut w = CheckpointWriter::create(fs, path, magic, seq).map_err(wrap)?;
    w.write(body).map_err(wrap)?;
    w.finish().map_err(wrap)
}

/// Loads the checkpoint of a collection: the store (with its graph) and the WAL sequence it covers,
/// or an empty store at sequence 0 when none exists.
///
/// # Errors
/// [`EngineError::Checkpoint`] when damaged, [`EngineError::Undecodable`] when its body is invalid.
pub fn read(
    fs: &dyn FileSystem,
    name: &str,
    collection_dir: &Path,
    config: &CollectionConfig,
) -> Result<(PointStore, u64), EngineError> {
    let dims = config.dimensions();
    let dim = dims.first().copied().unwrap_or(0);
    // Temporary files are what a crash during a checkpoint leaves; the previous images (or none)
    // are still the valid ones.
    let mut images = vec![
        checkpoint_path(collection_dir),
        index_image::index_path(collection_dir),
        text_image::text_path(collection_dir),
        sparse_image::sparse_path(collection_dir),
    ];
    for space in 0..dims.len() {
        images.push(graph_path(collection_dir, space));
        images.push(quant_image::quant_path(collection_dir, space));
    }
    for path in images {
        let mut tmp = path.into_os_string();
        tmp.push(".tmp");
        let tmp = PathBuf::from(tmp);
        if fs.exists(&tmp) {
            fs.remove_file(&tmp)
                .map_err(|e| EngineError::io("remove", &tmp, e))?;
        }
    }
    let loaded = checkpoint::read(fs, &checkpoint_path(collection_dir), MAGIC).map_err(|e| {
        EngineError::Checkpoint {
            name: name.to_owned(),
            source: Arc::new(e),
        }
    })?;
    let mut spaces = Vec::with_capacity(config.vectors.len());
    for (i, declared) in config.vectors.iter().enumerate() {
        let file = vectors_path(collection_dir, i);
        let vectors = DenseVectors::in_file(&file, declared.params.dimension)
            .map_err(|e| EngineError::io("create", &file, e))?;
        spaces.push(VectorSpace::new(
            declared.name.clone(),
            vectors,
            declared.params.metric,
            declared.params.hnsw_config(),
            config.vectors_required(),
        ));
    }
    let sparse_spaces = || {
        config
            .sparse_vectors
            .iter()
            .map(|v| SparseSpace::new(v.name.clone(), v.modifier))
            .collect()
    };
    let Some((seq, body)) = loaded else {
        return Ok((PointStore::new(spaces).with_sparse(sparse_spaces()), 0));
    };
    let undecodable = |e| EngineError::undecodable(name, "checkpoint", &e);
    let mut c = Cursor::new(&body);
    let stored_dim = c.u32().map_err(undecodable)? as usize;
    if stored_dim != dim {
        return Err(EngineError::Undecodable {
            name: name.to_owned(),
            what: "checkpoint",
            detail: format!("dimension {stored_dim} differs from the collection's {dim}"),
        });
    }
    let count = c.u64().map_err(undecodable)?;
    if count > body.len() as u64 {
        return Err(EngineError::Undecodable {
            name: name.to_owned(),
            what: "checkpoint",
            detail: format!("slot count {count} exceeds the body"),
        });
    }
    let mut slots = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
    for _ in 0..count {
        slots.push(match c.u8().map_err(undecodable)? {
            LIVE => {
                let (id, vector, payload) = c.point(dim).map_err(undecodable)?;
                RestoredSlot::Live(id, vector, payload)
            }
            TOMBSTONE => RestoredSlot::Tombstone(c.vector(dim).map_err(undecodable)?),
            FREE => RestoredSlot::Free,
            other => {
                return Err(EngineError::Undecodable {
                    name: name.to_owned(),
                    what: "checkpoint",
                    detail: format!("unknown slot flag {other}"),
                });
            }
        });
    }
    let damaged = |detail| EngineError::Undecodable {
        name: name.to_owned(),
        what: "checkpoint",
        detail,
    };
    // Version 3 and older images end after the slots: no index definitions; version 4 ends
    // after the payload index definitions: no text indexes, no edges.
    let definitions = if c.is_empty() {
        Vec::new()
    } else {
        read_definitions(&mut c).map_err(damaged)?
    };
    let (text_definitions, edges) = if c.is_empty() {
        (Vec::new(), EdgeStore::default())
    } else {
        let texts = read_text_definitions(&mut c).map_err(damaged)?;
        (texts, read_edges(&mut c).map_err(damaged)?)
    };
    // Version 5 and older images end after the edges: one unnamed vector every slot carries.
    let spaces_section = if c.is_empty() {
        if dims.len() != 1 || !config.sparse_vectors.is_empty() {
            return Err(damaged(format!(
                "no vector spaces stored, the collection declares {}",
                dims.len()
            )));
        }
        None
    } else {
        Some(read_spaces(&mut c, &dims, count).map_err(damaged)?)
    };
    let mut store = PointStore::restore(spaces, slots)
        .map_err(|e| EngineError::io("grow", vectors_path(collection_dir, 0), e))?
        .with_sparse(sparse_spaces());
    // Images without sparse vectors end after the vector spaces.
    let sparse_section = if config.sparse_vectors.is_empty() {
        Vec::new()
    } else if c.is_empty() {
        return Err(damaged(format!(
            "no sparse vectors stored, the collection declares {}",
            config.sparse_vectors.len()
        )));
    } else {
        read_sparse(&mut c, config.sparse_vectors.len(), store.live_bitmap()).map_err(damaged)?
    };
    if !c.is_empty() {
        return Err(damaged("trailing bytes after the vector spaces".into()));
    }
    for (space, (present, vectors)) in spaces_section.into_iter().flatten().enumerate() {
        store.restore_space(space, present.as_ref(), vectors);
    }
    for (space, vectors) in sparse_section.into_iter().enumerate() {
        if let Some(target) = store.sparse_space_mut(space) {
            target.restore(vectors);
        }
    }
    let mut rebuild = Vec::new();
    for (space, declared) in config.vectors.iter().enumerate() {
        let hnsw = declared.params.hnsw_config();
        match load_graph(fs, collection_dir, space, hnsw, seq, store.slot_count()) {
            Ok(index) => store.space_mut(space).set_index(index),
            Err(reason) => {
                tracing::warn!(collection = name, vector = %declared.name, reason = %reason, "HNSW graph image unusable");
                rebuild.push((space, hnsw));
            }
        }
    }
    if !rebuild.is_empty() {
        let started = Instant::now();
        store.rebuild_indexes(&rebuild);
        metrics::HNSW_REBUILDS.inc();
        tracing::warn!(
            collection = name,
            slots = store.slot_count(),
            elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            "HNSW graph rebuilt from the stored vectors"
        );
    }
    quant_image::install(fs, name, collection_dir, config, seq, &mut store);
    index_image::install(fs, name, collection_dir, seq, definitions, &mut store);
    text_image::install(fs, name, collection_dir, seq, text_definitions, &mut store);
    sparse_image::install(fs, name, collection_dir, seq, &mut store);
    store.set_edges(edges);
    Ok((store, seq))
}

/// The payload index definitions that close a version 4 points image.
fn read_definitions(c: &mut Cursor<'_>) -> Result<Vec<(FieldPath, IndexSchema)>, String> {
    let count = c.u32().map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for _ in 0..count {
        let text = c.string().map_err(|e| e.to_string())?;
        let path = FieldPath::parse(&text).map_err(|e| e.to_string())?;
        let code = c.u8().map_err(|e| e.to_string())?;
        let schema =
            IndexSchema::from_code(code).ok_or_else(|| format!("unknown index type {code}"))?;
        out.push((path, schema));
    }
    Ok(out)
}

/// The text index definitions of a version 5 points image.
fn read_text_definitions(c: &mut Cursor<'_>) -> Result<Vec<(FieldPath, TextSettings)>, String> {
    let count = c.u32().map_err(|e| e.to_string())?;
    let mut texts = Vec::new();
    for _ in 0..count {
        let text = c.string().map_err(|e| e.to_string())?;
        let path = FieldPath::parse(&text).map_err(|e| e.to_string())?;
        texts.push((path, c.text_settings().map_err(|e| e.to_string())?));
    }
    Ok(texts)
}

/// The edges that close a version 5 points image.
fn read_edges(c: &mut Cursor<'_>) -> Result<EdgeStore<PointId>, String> {
    let next_id = c.u64().map_err(|e| e.to_string())?;
    let count = c.u64().map_err(|e| e.to_string())?;
    let mut edges = EdgeStore::default();
    for _ in 0..count {
        let (id, edge) = c.edge().map_err(|e| e.to_string())?;
        edges.insert(id, edge);
    }
    edges.raise_next_id(next_id);
    Ok(edges)
}

/// The graph image of space `space` for checkpoint `seq`, or why it cannot be used.
fn load_graph(
    fs: &dyn FileSystem,
    collection_dir: &Path,
    space: usize,
    hnsw: crate::vector::hnsw::HnswConfig,
    seq: u64,
    slots: usize,
) -> Result<Hnsw, String> {
    let path = graph_path(collection_dir, space);
    let body = image_for(fs, &path, GRAPH_MAGIC, seq, "graph")?;
    Hnsw::decode(&body, hnsw, slots).map_err(|e| e.to_string())
}

/// The body of the derived image at `path` (`what`: "graph", "payload index", ...) when it is
/// there and was written for checkpoint `seq`, or why it cannot be used (it is then rebuilt).
pub(super) fn image_for(
    fs: &dyn FileSystem,
    path: &Path,
    magic: &[u8; 8],
    seq: u64,
    what: &str,
) -> Result<Vec<u8>, String> {
    let (image_seq, body) = checkpoint::read(fs, path, magic)
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no {what} image"))?;
    if image_seq != seq {
        return Err(format!(
            "{what} image is for sequence {image_seq}, the points for {seq}"
        ));
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::columns::{Payload, Value};
    use crate::graph::Edge;
    use crate::storage::RealFs;

    fn live_point(body: &mut Vec<u8>, id: u64) {
        body.push(LIVE);
        put_point(body, PointId::Num(id), &[1.0, 2.0], &Payload::new());
    }

    /// A version 4 body, laid out by hand as that version wrote it: it ends after the index
    /// definitions, with no edge section, and still opens (with no edges).
    #[test]
    fn a_checkpoint_from_before_edges_opens_without_edges() -> Result<(), Box<dyn std::error::Error>>
    {
        let dir = tempfile::tempdir()?;
        let mut body = Vec::new();
        body.extend_from_slice(&2u32.to_le_bytes());
        body.extend_from_slice(&2u64.to_le_bytes());
        live_point(&mut body, 1);
        live_point(&mut body, 2);
        body.extend_from_slice(&0u32.to_le_bytes());
        write_image(&RealFs, "c", &checkpoint_path(dir.path()), MAGIC, 7, &body)?;
        let config = CollectionConfig::euclid_for_tests(2);
        let (store, seq) = read(&RealFs, "c", dir.path(), &config)?;
        assert_eq!((seq, store.len(), store.edges().len()), (7, 2, 0));
        assert_eq!(store.edges().next_id(), 0);
        Ok(())
    }

    #[test]
    fn edges_and_their_id_counter_round_trip_through_a_checkpoint()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let config = CollectionConfig::euclid_for_tests(2);
        let (mut store, _) = read(&RealFs, "c", dir.path(), &config)?;
        store.upsert_many([
            (PointId::Num(1), vec![(0, vec![1.0, 0.0])], Payload::new()),
            (PointId::Num(2), vec![(0, vec![0.0, 1.0])], Payload::new()),
        ])?;
        let mut properties = Payload::new();
        properties.insert("w".into(), Value::Float(0.5));
        let edge = Edge {
            source: PointId::Num(1),
            target: PointId::Num(2),
            label: "knows".into(),
            properties,
        };
        store.upsert_edges([(3, edge.clone()), (9, edge.clone())]);
        store.delete_edges(&[9]);
        write(&RealFs, "c", dir.path(), &store, 5)?;
        drop(store);
        let (back, seq) = read(&RealFs, "c", dir.path(), &config)?;
        assert_eq!(seq, 5);
        assert_eq!(back.edges().len(), 1);
        assert_eq!(back.edges().get(3).map(|e| e.to_edge()), Some(edge));
        assert_eq!(
            back.edges().next_id(),
            10,
            "a deleted edge's id is not handed out again"
        );
        Ok(())
    }
}
