//! Full text: the analyzer that turns strings into terms ([`Analyzer`], configured by
//! [`TextSettings`] in Qdrant's shape), the inverted index of one payload field ([`TextIndex`],
//! a [`crate::slot_index::SlotIndex`] the collection's writer maintains in WAL order, with its
//! own checkpoint image), the query model ([`TextQuery`]: should, must and must-not terms and
//! phrases), boolean matching for filters ([`matching_slots`]) and BM25 ranking with MaxScore
//! top-k pruning ([`bm25`]).
//!
//! It imports `columns` (payload values, field paths) and `slot_index` only: the engine owns
//! the indexes and the query layer asks them.

mod analyzer;
pub mod bm25;
pub mod image;
mod index;
mod matching;
mod query;
mod set;
mod settings;
#[cfg(test)]
mod tests;

/// Longest full-text query or text condition, in bytes (UTF-8): far more than a person types,
/// and it bounds the terms one query looks up. Every front end checks it.
pub const MAX_QUERY_BYTES: usize = 4096;

pub use analyzer::{Analyzer, Token};
pub use bm25::{Bm25, Hit};
pub use image::TextImageError;
pub use index::{PostingList, TextIndex};
pub use matching::{clause_slots, matching_slots};
pub use query::{Clause, Occur, TextQuery, clause_present};
pub use set::TextIndexes;
pub use settings::{
    DEFAULT_B, DEFAULT_K1, MAX_CUSTOM_STOPWORDS, MAX_TOKEN_LEN_BOUND, SettingsError, TextSettings,
    Tokenizer,
};
