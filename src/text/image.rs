//! The checkpoint image of a [`TextIndex`]: the postings with their positions, so that reopening
//! a collection does not re-tokenize every payload. Document lengths, the document count and
//! the total length are sums over the postings and are derived again on decode.
//!
//! ```text
//! image    := path, settings (see `settings`), bitmap wrong_type, u64 LE term count,
//!             count × (term, u64 LE n, n × posting)          terms in byte order
//! posting  := u32 LE slot (ascending), u32 LE tf (≥ 1), tf × u32 LE position (ascending)
//! path, term := u32 LE byte length, UTF-8
//! bitmap   := u64 LE byte length, roaring's portable serialization
//! ```

use std::collections::HashMap;

use roaring::RoaringBitmap;

use super::index::{PostingList, TextIndex};
use super::settings::{ByteReader, TextSettings};
use crate::columns::FieldPath;

/// Why a text index image cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("text index image is damaged: {0}")]
pub struct TextImageError(pub String);

fn put_str(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&u32::try_from(s.len()).unwrap_or(u32::MAX).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

/// Appends the image of `index` to `out`.
pub fn encode(index: &TextIndex, out: &mut Vec<u8>) {
    put_str(out, index.path.as_str());
    index.settings.encode(out);
    out.extend_from_slice(&(index.wrong_type.serialized_size() as u64).to_le_bytes());
    // Writing into a Vec cannot fail.
    let _ = index.wrong_type.serialize_into(&mut *out);
    let mut terms: Vec<(&String, &PostingList)> = index.postings.iter().collect();
    terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
    out.extend_from_slice(&(terms.len() as u64).to_le_bytes());
    for (term, list) in terms {
        put_str(out, term);
        out.extend_from_slice(&(list.slots.len() as u64).to_le_bytes());
        for ((slot, tf), positions) in list.slots.iter().zip(&list.tfs).zip(&list.positions) {
            out.extend_from_slice(&slot.to_le_bytes());
            out.extend_from_slice(&tf.to_le_bytes());
            for p in positions {
                out.extend_from_slice(&p.to_le_bytes());
            }
        }
    }
}

/// Reads one image from the front of `bytes`; returns the index and the bytes after it.
///
/// # Errors
/// [`TextImageError`] when the bytes are truncated or not a consistent image.
pub fn decode(bytes: &[u8]) -> Result<(TextIndex, &[u8]), TextImageError> {
    decode_inner(bytes).map_err(TextImageError)
}

fn decode_inner(bytes: &[u8]) -> Result<(TextIndex, &[u8]), String> {
    let mut r = ByteReader(bytes);
    let path = FieldPath::parse(&r.string()?).map_err(|e| e.to_string())?;
    let (settings, rest) = TextSettings::decode(r.0)?;
    r.0 = rest;
    let len = r.count()?;
    let wrong_type = RoaringBitmap::deserialize_from(r.take(len)?).map_err(|e| e.to_string())?;
    let count = r.count()?;
    let mut postings = HashMap::with_capacity(count);
    let mut previous: Option<String> = None;
    for _ in 0..count {
        let term = r.string()?;
        if term.is_empty() || previous.as_ref().is_some_and(|p| *p >= term) {
            return Err("terms are empty or not in ascending order".into());
        }
        let n = r.count()?;
        let mut list = PostingList::default();
        for _ in 0..n {
            let slot = r.u32()?;
            let tf = r.u32()?;
            if tf == 0 || list.slots.last().is_some_and(|&s| s >= slot) {
                return Err(format!("bad posting for slot {slot} of term {term:?}"));
            }
            if tf as usize > r.0.len() / 4 {
                return Err("truncated".into());
            }
            let positions: Box<[u32]> = (0..tf).map(|_| r.u32()).collect::<Result<_, _>>()?;
            if positions.windows(2).any(|w| w[0] >= w[1]) {
                return Err(format!("positions out of order for term {term:?}"));
            }
            list.slots.push(slot);
            list.tfs.push(tf);
            list.positions.push(positions);
        }
        if list.is_empty() {
            return Err(format!("term {term:?} has no postings"));
        }
        previous = Some(term.clone());
        postings.insert(term, list);
    }
    let mut index = TextIndex::new(path, settings);
    index.postings = postings;
    index.wrong_type = wrong_type;
    index.derive_statistics();
    Ok((index, r.0))
}
