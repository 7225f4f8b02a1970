//! [`TextIndex`]: the inverted index of one text payload field. Each term maps to a
//! [`PostingList`] (slots ascending, with the term's frequency and positions in each), and each
//! slot to its document length in terms; together with the document count and the total length
//! they are everything BM25 needs ([`super::bm25`]).
//!
//! A field holding a string is one document; an array of strings is one document whose elements
//! follow each other with one unused position between them, so a phrase never spans two elements.
//! Values of other types are stored but not indexed; the slots holding any are counted.

use std::collections::HashMap;
use std::sync::Arc;

use roaring::RoaringBitmap;

use super::analyzer::{Analyzer, Token};
use super::settings::TextSettings;
use crate::columns::{FieldPath, Value};
use crate::slot_index::{SlotIndex, SlotPoint};

/// The slots holding one term, ascending, with per-slot frequency and positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PostingList {
    pub(super) slots: Vec<u32>,
    pub(super) tfs: Vec<u32>,
    pub(super) positions: Vec<Box<[u32]>>,
    /// At least the largest frequency in the list (kept on removal: it only loosens the bound
    /// top-k pruning uses, never breaks it).
    pub(super) max_tf: u32,
}

impl PostingList {
    /// Number of slots holding the term.
    #[must_use]
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether no slot holds the term.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// The slots holding the term, ascending.
    #[must_use]
    pub fn slots(&self) -> &[u32] {
        &self.slots
    }

    /// The slots as a bitmap.
    #[must_use]
    pub fn bitmap(&self) -> RoaringBitmap {
        RoaringBitmap::from_sorted_iter(self.slots.iter().copied()).unwrap_or_default()
    }

    /// The positions of the term in `slot`, ascending (empty when absent).
    #[must_use]
    pub fn positions_in(&self, slot: u32) -> &[u32] {
        match self.slots.binary_search(&slot) {
            Ok(at) => &self.positions[at],
            Err(_) => &[],
        }
    }

    fn put(&mut self, slot: u32, positions: Box<[u32]>) {
        let tf = u32::try_from(positions.len()).unwrap_or(u32::MAX);
        self.max_tf = self.max_tf.max(tf);
        match self.slots.binary_search(&slot) {
            Ok(at) => {
                self.tfs[at] = tf;
                self.positions[at] = positions;
            }
            Err(at) => {
                self.slots.insert(at, slot);
                self.tfs.insert(at, tf);
                self.positions.insert(at, positions);
            }
        }
    }

    fn take(&mut self, slot: u32) {
        if let Ok(at) = self.slots.binary_search(&slot) {
            self.slots.remove(at);
            self.tfs.remove(at);
            self.positions.remove(at);
        }
    }
}

/// The full-text index of one payload field.
#[derive(Debug, Clone)]
pub struct TextIndex {
    pub(super) path: FieldPath,
    pub(super) settings: TextSettings,
    pub(super) analyzer: Arc<Analyzer>,
    pub(super) postings: HashMap<String, PostingList>,
    /// Terms per slot (0: no document there).
    pub(super) doc_len: Vec<u32>,
    /// Slots with at least one term.
    pub(super) docs: RoaringBitmap,
    /// Sum of `doc_len`.
    pub(super) total_len: u64,
    /// At most the shortest document length (kept on removal, like `max_tf`).
    pub(super) min_len: u32,
    /// Slots holding a value that is not a string.
    pub(super) wrong_type: RoaringBitmap,
}

/// Equal when they index the same documents of the same field the same way.
impl PartialEq for TextIndex {
    fn eq(&self, other: &Self) -> bool {
        self.path == other.path
            && self.settings == other.settings
            && self.postings == other.postings
            && self.docs == other.docs
            && self.total_len == other.total_len
            && self.wrong_type == other.wrong_type
            && self
                .docs
                .iter()
                .all(|s| self.doc_len(s) == other.doc_len(s))
    }
}

impl TextIndex {
    /// An empty index of `path` analysed as `settings` say.
    #[must_use]
    pub fn new(path: FieldPath, settings: TextSettings) -> Self {
        let analyzer = Arc::new(Analyzer::new(&settings));
        Self {
            path,
            settings,
            analyzer,
            postings: HashMap::new(),
            doc_len: Vec::new(),
            docs: RoaringBitmap::new(),
            total_len: 0,
            min_len: u32::MAX,
            wrong_type: RoaringBitmap::new(),
        }
    }

    /// The indexed field.
    #[must_use]
    pub fn path(&self) -> &FieldPath {
        &self.path
    }

    /// The analyzer and BM25 settings.
    #[must_use]
    pub fn settings(&self) -> &TextSettings {
        &self.settings
    }

    /// The analyzer documents and queries go through.
    #[must_use]
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The postings of `term`, if any slot holds it.
    #[must_use]
    pub fn postings(&self, term: &str) -> Option<&PostingList> {
        self.postings.get(term)
    }

    /// Number of distinct terms.
    #[must_use]
    pub fn term_count(&self) -> usize {
        self.postings.len()
    }

    /// Slots holding at least one term.
    #[must_use]
    pub fn doc_slots(&self) -> &RoaringBitmap {
        &self.docs
    }

    /// Number of documents (slots with at least one term): BM25's `N`.
    #[must_use]
    pub fn doc_count(&self) -> u64 {
        self.docs.len()
    }

    /// Sum of every document's length in terms.
    #[must_use]
    pub fn total_len(&self) -> u64 {
        self.total_len
    }

    /// Length in terms of the document in `slot` (0 when none).
    #[must_use]
    pub fn doc_len(&self, slot: u32) -> u32 {
        self.doc_len.get(slot as usize).copied().unwrap_or(0)
    }

    /// Slots holding a value that is not a string (stored, not indexed).
    #[must_use]
    pub fn wrong_type_slots(&self) -> &RoaringBitmap {
        &self.wrong_type
    }

    /// The terms of the field in `point`, grouped with their positions; reports whether a
    /// value of another type was met.
    fn terms_of(&self, point: SlotPoint<'_>) -> (HashMap<String, Vec<u32>>, u32, bool) {
        let mut tokens: Vec<Token> = Vec::new();
        let mut wrong = false;
        let mut next = 0u32;
        self.path
            .for_each_value(point.payload, &mut |value| match value {
                Value::String(s) => {
                    // One unused position between elements: no phrase crosses them.
                    next = self
                        .analyzer
                        .analyze_into(s, next, &mut tokens)
                        .saturating_add(1);
                }
                Value::Null => {}
                _ => wrong = true,
            });
        let len = u32::try_from(tokens.len()).unwrap_or(u32::MAX);
        let mut by_term: HashMap<String, Vec<u32>> = HashMap::new();
        for t in tokens {
            by_term.entry(t.term).or_default().push(t.position);
        }
        (by_term, len, wrong)
    }

    fn set_len(&mut self, slot: u32, len: u32) {
        let at = slot as usize;
        if self.doc_len.len() <= at {
            self.doc_len.resize(at + 1, 0);
        }
        let old = std::mem::replace(&mut self.doc_len[at], len);
        self.total_len = self.total_len - u64::from(old) + u64::from(len);
        if len > 0 {
            self.docs.insert(slot);
            self.min_len = self.min_len.min(len);
        } else {
            self.docs.remove(slot);
        }
    }

    /// Recomputes the derived statistics (`doc_len`, `docs`, `total_len`, `min_len`,
    /// `max_tf`) from the postings.
    pub(super) fn derive_statistics(&mut self) {
        self.doc_len.clear();
        self.docs.clear();
        self.total_len = 0;
        self.min_len = u32::MAX;
        let mut lens: Vec<u32> = Vec::new();
        for list in self.postings.values_mut() {
            list.max_tf = list.tfs.iter().copied().max().unwrap_or(0);
            for (&slot, &tf) in list.slots.iter().zip(&list.tfs) {
                let at = slot as usize;
                if lens.len() <= at {
                    lens.resize(at + 1, 0);
                }
                lens[at] = lens[at].saturating_add(tf);
            }
        }
        for (slot, len) in lens.iter().enumerate() {
            if *len > 0 {
                self.set_len(u32::try_from(slot).unwrap_or(u32::MAX), *len);
            }
        }
    }

    /// Approximate heap bytes: postings (slot, frequency, positions), term strings, lengths.
    fn heap(&self) -> usize {
        let lists: usize = self
            .postings
            .iter()
            .map(|(term, list)| {
                let positions: usize = list.positions.iter().map(|p| p.len() * 4 + 16).sum();
                term.capacity()
                    + 64
                    + list.slots.capacity() * 8
                    + positions
                    + list.positions.capacity() * 16
            })
            .sum();
        lists + self.doc_len.capacity() * 4 + self.docs.serialized_size()
    }
}

impl SlotIndex for TextIndex {
    fn insert(&mut self, point: SlotPoint<'_>) {
        let (terms, len, wrong) = self.terms_of(point);
        for (term, positions) in terms {
            self.postings
                .entry(term)
                .or_default()
                .put(point.slot, positions.into_boxed_slice());
        }
        self.set_len(point.slot, len);
        if wrong {
            self.wrong_type.insert(point.slot);
        }
    }

    fn remove(&mut self, point: SlotPoint<'_>) {
        let (terms, _, _) = self.terms_of(point);
        for term in terms.keys() {
            if let Some(list) = self.postings.get_mut(term) {
                list.take(point.slot);
                if list.is_empty() {
                    self.postings.remove(term);
                }
            }
        }
        self.set_len(point.slot, 0);
        self.wrong_type.remove(point.slot);
    }

    fn release(&mut self, slots: &RoaringBitmap) {
        // A released slot held a tombstone that `remove` already took out; clear anything left
        // anyway, because the next point stored there is another point.
        if self.docs.is_disjoint(slots) && self.wrong_type.is_disjoint(slots) {
            return;
        }
        self.postings.retain(|_, list| {
            let mut at = 0;
            while at < list.slots.len() {
                if slots.contains(list.slots[at]) {
                    list.slots.remove(at);
                    list.tfs.remove(at);
                    list.positions.remove(at);
                } else {
                    at += 1;
                }
            }
            !list.is_empty()
        });
        for slot in slots {
            if (slot as usize) < self.doc_len.len() {
                self.set_len(slot, 0);
            }
        }
        self.wrong_type -= slots;
    }

    fn rebuild(&mut self, points: &mut dyn Iterator<Item = SlotPoint<'_>>) {
        self.postings.clear();
        self.doc_len.clear();
        self.docs.clear();
        self.total_len = 0;
        self.min_len = u32::MAX;
        self.wrong_type.clear();
        for point in points {
            self.insert(point);
        }
        self.derive_statistics();
    }

    fn encode(&self, out: &mut Vec<u8>) {
        super::image::encode(self, out);
    }

    fn heap_bytes(&self) -> usize {
        self.heap()
    }
}
