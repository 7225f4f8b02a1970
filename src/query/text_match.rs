//! [`TextMatch`]: Qdrant's full-text conditions (`match: {"text": …}`: every term present;
//! `{"text_any": …}`: some term present; `{"phrase": …}`: the terms adjacent and in order) and
//! VelesQL's `field MATCH 'words'`, answered two ways that agree:
//!
//! - with a text index on the field, from its postings, the query going through the index's own
//!   analyzer (so stop words, stemming and folding apply as they did when indexing);
//! - without one, from the payload: the field's strings (an array's elements one after another,
//!   never adjacent across elements, as the index treats them) analysed with the default
//!   analyzer (Unicode words, lowercase, nothing else). This is a term match, not Qdrant's
//!   unindexed substring match: `"cat"` does not match `"concatenate"`, with or without an index.
//!
//! A condition that analyses to no term (only punctuation or stop words) matches nothing.

use std::sync::{Arc, LazyLock};

use roaring::RoaringBitmap;

use crate::columns::Value;
use crate::text::{Analyzer, TextIndex, TextQuery, TextSettings, Token, matching_slots};

/// How the words of a text condition must occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextMatchKind {
    /// Every term (`match: {"text"}`, VelesQL `MATCH`).
    All,
    /// At least one term (`match: {"text_any"}`).
    Any,
    /// The terms adjacent and in order (`match: {"phrase"}`).
    Phrase,
}

/// A full-text condition on one field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextMatch {
    /// The words as given.
    pub text: String,
    /// How they must occur.
    pub kind: TextMatchKind,
}

/// The analyzer of fields without a text index.
static DEFAULT_ANALYZER: LazyLock<Arc<Analyzer>> =
    LazyLock::new(|| Arc::new(Analyzer::new(&TextSettings::default())));

impl TextMatch {
    /// A condition of `kind` on `text`.
    #[must_use]
    pub fn new(text: impl Into<String>, kind: TextMatchKind) -> Self {
        Self {
            text: text.into(),
            kind,
        }
    }

    /// The query this condition is, through `analyzer`.
    #[must_use]
    pub fn query(&self, analyzer: &Analyzer) -> TextQuery {
        match self.kind {
            TextMatchKind::All => TextQuery::all_of(analyzer, &self.text),
            TextMatchKind::Phrase => TextQuery::phrase(analyzer, &self.text),
            TextMatchKind::Any => {
                let mut q = TextQuery::all_of(analyzer, &self.text);
                for c in &mut q.clauses {
                    c.occur = crate::text::Occur::Should;
                }
                q
            }
        }
    }

    /// Whether a field whose leaves are `leaves` matches, read from the payload with the default
    /// analyzer.
    #[must_use]
    pub fn holds(&self, leaves: &[&Value]) -> bool {
        let analyzer: &Analyzer = &DEFAULT_ANALYZER;
        let mut tokens: Vec<Token> = Vec::new();
        let mut next = 0u32;
        let mut add = |v: &Value| {
            if let Value::String(s) = v {
                next = analyzer
                    .analyze_into(s, next, &mut tokens)
                    .saturating_add(1);
            }
        };
        for leaf in leaves {
            match leaf {
                Value::Array(items) => items.iter().for_each(&mut add),
                other => add(other),
            }
        }
        let positions_of = |term: &str| -> Vec<u32> {
            tokens
                .iter()
                .filter(|t| t.term == term)
                .map(|t| t.position)
                .collect()
        };
        self.query(analyzer).matches_document(&positions_of)
    }

    /// The slots of `index` that match.
    #[must_use]
    pub fn index_answer(&self, index: &TextIndex) -> RoaringBitmap {
        matching_slots(index, &self.query(index.analyzer()))
    }

    /// An upper bound on the matching slots from posting sizes alone.
    #[must_use]
    pub fn index_estimate(&self, index: &TextIndex) -> u64 {
        let query = self.query(index.analyzer());
        let sizes = query
            .scoring_terms()
            .into_iter()
            .map(|t| index.postings(t).map_or(0, |l| l.len() as u64));
        match self.kind {
            TextMatchKind::Any => sizes.sum(),
            TextMatchKind::All | TextMatchKind::Phrase => sizes.min().unwrap_or(0),
        }
    }
}
