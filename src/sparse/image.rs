//! The checkpoint image of a [`SparseIndex`]: its postings, so that reopening a collection
//! does not re-index every sparse vector. The document set and the weight bounds are derived
//! again on decode.
//!
//! ```text
//! image    := "SPIX", u16 LE version (1), u64 LE term count,
//!             count × (u32 LE term, u64 LE n (≥ 1), n × posting)    terms ascending
//! posting  := u32 LE slot (ascending within the term), f32 LE weight (finite)
//! ```
//!
//! Decoding checks every count against the bytes left before allocating, and every order and
//! value the index relies on, so damaged bytes are an error, never a panic or a wrong index.

use std::collections::HashMap;

use super::index::{SparseIndex, SparsePostings};
use super::vector::MAX_INDEX;

const MAGIC: &[u8; 4] = b"SPIX";
const VERSION: u16 = 1;
/// Bytes of one posting.
const POSTING: usize = 8;

/// Why a sparse index image cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SparseImageError {
    /// The bytes end inside the image.
    #[error("sparse index image is truncated")]
    Truncated,
    /// Not a sparse index image.
    #[error("sparse index image has a bad magic number")]
    BadMagic,
    /// Written by a version this build does not read.
    #[error("sparse index image version {0} is not supported")]
    Version(u16),
    /// The bytes do not describe a consistent index.
    #[error("sparse index image is damaged: {0}")]
    Damaged(String),
}

/// Appends the image of `index` to `out`.
pub fn encode(index: &SparseIndex, out: &mut Vec<u8>) {
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let mut terms: Vec<(&u32, &SparsePostings)> = index.postings.iter().collect();
    terms.sort_unstable_by_key(|t| *t.0);
    out.extend_from_slice(&(terms.len() as u64).to_le_bytes());
    out.reserve(terms.iter().map(|t| 12 + t.1.len() * POSTING).sum());
    for (term, list) in terms {
        out.extend_from_slice(&term.to_le_bytes());
        out.extend_from_slice(&(list.len() as u64).to_le_bytes());
        for (slot, weight) in list.slots.iter().zip(&list.weights) {
            out.extend_from_slice(&slot.to_le_bytes());
            out.extend_from_slice(&weight.to_le_bytes());
        }
    }
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn array<const N: usize>(&mut self) -> Result<[u8; N], SparseImageError> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or(SparseImageError::Truncated)?;
        self.0 = rest;
        Ok(*head)
    }

    fn u32(&mut self) -> Result<u32, SparseImageError> {
        self.array().map(u32::from_le_bytes)
    }

    /// A count of items of `size` bytes each, checked against the bytes left so that a damaged
    /// count cannot make the reader allocate more than the input.
    fn count(&mut self, size: usize) -> Result<usize, SparseImageError> {
        let n = usize::try_from(u64::from_le_bytes(self.array()?))
            .map_err(|_| SparseImageError::Truncated)?;
        if n.checked_mul(size).is_none_or(|bytes| bytes > self.0.len()) {
            return Err(SparseImageError::Truncated);
        }
        Ok(n)
    }
}

/// Reads one image from the front of `bytes`; returns the index and the bytes after it.
///
/// # Errors
/// [`SparseImageError`] when the bytes are truncated, of another version or inconsistent.
pub fn decode(bytes: &[u8]) -> Result<(SparseIndex, &[u8]), SparseImageError> {
    let mut r = Reader(bytes);
    if &r.array::<4>()? != MAGIC {
        return Err(SparseImageError::BadMagic);
    }
    let version = u16::from_le_bytes(r.array()?);
    if version != VERSION {
        return Err(SparseImageError::Version(version));
    }
    // Each term takes at least one posting besides its own 12 bytes.
    let count = r.count(12 + POSTING)?;
    let mut index = SparseIndex::new();
    index.postings = HashMap::with_capacity(count);
    let mut previous: Option<u32> = None;
    for _ in 0..count {
        let term = r.u32()?;
        if term > MAX_INDEX || previous.is_some_and(|p| p >= term) {
            return Err(SparseImageError::Damaged(format!(
                "term {term} is out of range or out of order"
            )));
        }
        let n = r.count(POSTING)?;
        if n == 0 {
            return Err(SparseImageError::Damaged(format!(
                "term {term} has no postings"
            )));
        }
        let mut slots = Vec::with_capacity(n);
        let mut weights = Vec::with_capacity(n);
        for _ in 0..n {
            let slot = r.u32()?;
            let weight = f32::from_le_bytes(r.array()?);
            if slots.last().is_some_and(|&s| s >= slot) || !weight.is_finite() {
                return Err(SparseImageError::Damaged(format!(
                    "bad posting for slot {slot} of term {term}"
                )));
            }
            slots.push(slot);
            weights.push(weight);
        }
        index.docs.extend(slots.iter().copied());
        let mut list = SparsePostings {
            slots,
            weights,
            max_weight: 0.0,
            min_weight: 0.0,
        };
        list.derive_bounds();
        index.postings.insert(term, list);
        previous = Some(term);
    }
    Ok((index, r.0))
}
