//! The byte image of an HNSW graph, stored beside a collection checkpoint (`graph.plait`, magic
//! `PLAITHNS`, in the checkpoint container) so that opening a collection does not rebuild it.
//!
//! ```text
//! u32 m, u32 ef_construction, u32 node count, u32 entry node (u32::MAX: none), u8 entry level
//! per node: u8 level, then for each level 0..=level: u32 count, count × u32 neighbour
//! ```
//! All little-endian. A released node (see `repair`) is level 0 with an empty list (5 bytes); the
//! entry point is absent when every node has been released. Decoding checks every count and id against the limits, so a damaged image
//! (one that passed the container checksum by a bug) is rejected, never trusted.

use zerocopy::FromBytes;
use zerocopy::little_endian::U32;

use super::{Hnsw, HnswConfig};

/// Why a graph image was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphDecodeError {
    /// The bytes end early or run on.
    #[error("graph image has the wrong length")]
    Length,
    /// A field is out of range.
    #[error("graph image field out of range: {0}")]
    Range(&'static str),
    /// The image was built with other parameters.
    #[error("graph image was built with m = {found}, the collection uses {expected}")]
    Parameters {
        /// The collection's `m`.
        expected: u32,
        /// The image's `m`.
        found: u32,
    },
}

fn put(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// Splits a byte off the front of `rest`.
fn take_u8(rest: &mut &[u8]) -> Result<u8, GraphDecodeError> {
    let (&b, tail) = rest.split_first().ok_or(GraphDecodeError::Length)?;
    *rest = tail;
    Ok(b)
}

/// Splits a little-endian `u32` off the front of `rest`.
fn take_u32(rest: &mut &[u8]) -> Result<u32, GraphDecodeError> {
    let (v, tail) = U32::read_from_prefix(rest).map_err(|_| GraphDecodeError::Length)?;
    *rest = tail;
    Ok(v.get())
}

/// Splits `count` little-endian `u32`s off the front of `rest` (no copy: `U32` is unaligned).
fn take_u32s<'a>(rest: &mut &'a [u8], count: usize) -> Result<&'a [U32], GraphDecodeError> {
    let (ids, tail) =
        <[U32]>::ref_from_prefix_with_elems(rest, count).map_err(|_| GraphDecodeError::Length)?;
    *rest = tail;
    Ok(ids)
}

impl Hnsw {
    /// The graph's byte image.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let n = self.graph.capacity();
        let mut out = Vec::with_capacity(17 + n * (1 + 4 * (1 + self.graph.m0)));
        put(&mut out, u32::try_from(self.graph.m).unwrap_or(u32::MAX));
        put(
            &mut out,
            u32::try_from(self.ef_construction).unwrap_or(u32::MAX),
        );
        put(&mut out, u32::try_from(n).unwrap_or(u32::MAX));
        let entry = *self.entry.lock();
        put(&mut out, entry.map_or(u32::MAX, |(node, _)| node));
        out.push(entry.map_or(0, |(_, level)| level));
        let mut neighbors = Vec::new();
        for node in 0..u32::try_from(n).unwrap_or(u32::MAX) {
            let level = self.graph.level(node);
            out.push(level);
            for l in 0..=level {
                self.graph.neighbors(node, l, &mut neighbors);
                put(&mut out, u32::try_from(neighbors.len()).unwrap_or(0));
                for id in &neighbors {
                    put(&mut out, *id);
                }
            }
        }
        out
    }

    /// Rebuilds a graph from its image; `nodes` is how many slots the collection has.
    ///
    /// # Errors
    /// [`GraphDecodeError`] when the image does not fit the collection or is malformed.
    pub fn decode(
        bytes: &[u8],
        config: HnswConfig,
        nodes: usize,
    ) -> Result<Self, GraphDecodeError> {
        let mut rest = bytes;
        let m = take_u32(&mut rest)?;
        let expected = u32::try_from(config.m.max(2)).unwrap_or(u32::MAX);
        if m != expected {
            return Err(GraphDecodeError::Parameters { expected, found: m });
        }
        let _ef_construction = take_u32(&mut rest)?;
        let n = take_u32(&mut rest)? as usize;
        if n != nodes {
            return Err(GraphDecodeError::Range(
                "node count differs from the collection's slots",
            ));
        }
        let entry = take_u32(&mut rest)?;
        let mut index = Hnsw::new(config);
        index.graph.grow(n);
        let entry_level = take_u8(&mut rest)?;
        let mut ids = Vec::new();
        for node in 0..u32::try_from(n).unwrap_or(u32::MAX) {
            let level = take_u8(&mut rest)?;
            if level > 31 {
                return Err(GraphDecodeError::Range("level"));
            }
            if index.graph.init_node(node, level) != level {
                return Err(GraphDecodeError::Range("level does not fit the node"));
            }
            for l in 0..=level {
                let count = take_u32(&mut rest)? as usize;
                if count > index.graph.max_neighbors(l) {
                    return Err(GraphDecodeError::Range("neighbour count"));
                }
                ids.clear();
                for id in take_u32s(&mut rest, count)? {
                    let id = id.get();
                    if id as usize >= n {
                        return Err(GraphDecodeError::Range("neighbour id"));
                    }
                    ids.push(id);
                }
                index.graph.set_neighbors(node, l, &ids);
            }
        }
        if !rest.is_empty() {
            return Err(GraphDecodeError::Length);
        }
        if entry != u32::MAX {
            if entry as usize >= n || index.graph.level(entry) != entry_level {
                return Err(GraphDecodeError::Range("entry point"));
            }
            *index.entry.lock() = Some((entry, entry_level));
        }
        // No entry point with nodes allocated: every node was released (deleted and repaired).
        Ok(index)
    }
}
