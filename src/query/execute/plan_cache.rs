//! [`PlanCache`]: parsed statements by their normal form, so a statement sent again (an
//! application's few query shapes, with different `$parameters`, however it lays them out) skips
//! the parser. The key is [`NormalForm::key`]: the text without its layout (whitespace, comments,
//! trailing `;`). An entry keeps the text it was parsed from, which its syntax tree's spans point
//! into; a request that hits it with another layout runs with that text as its source and has
//! its errors' spans moved onto its own text word by word ([`Parsed::relocate`]), so every line,
//! column and caret is the sender's, and no other request's text is ever shown.
//!
//! An entry remembers which collections it names and their index generation; when one was
//! dropped, re-created or had an index created or dropped, the entry is invalid and parsed again.
//! Hits, misses, evictions and invalidations are counted in `plait_velesql_plan_cache_total`.

use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use parking_lot::Mutex;

use super::super::velesql::ast::{Span, Statement};
use super::super::velesql::{NormalForm, ParseError, parse};
use crate::engine::Engine;
use crate::metrics::PLAN_CACHE;

/// Entries kept by default.
pub const DEFAULT_CAPACITY: usize = 1024;

/// What a named collection was when an entry was made: which collection object (a dropped and
/// re-created one is another), and its index generation. `None` when it did not exist.
type Snapshot = Option<(usize, u64)>;

struct Entry {
    parsed: Parsed,
    collections: Vec<(String, Snapshot)>,
}

/// Statements parsed from a text: the text their spans point into, and its normal form.
#[derive(Debug, Clone)]
pub struct Parsed {
    /// The statements.
    pub statements: Arc<Vec<Statement>>,
    /// The text the statements' spans point into.
    pub source: Arc<str>,
    form: Option<Arc<NormalForm>>,
}

impl Parsed {
    /// `text` parsed, uncached.
    ///
    /// # Errors
    /// The parser's error.
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        Ok(Self {
            statements: Arc::new(parse(text)?),
            source: Arc::from(text),
            form: None,
        })
    }

    /// `span` of [`Self::source`] as a span of `text` (a layout of the same statements).
    #[must_use]
    pub fn relocate_span(&self, span: Span, text: &str) -> Span {
        if *self.source == *text {
            return span;
        }
        match (self.form.as_deref(), NormalForm::of(text)) {
            (Some(from), Some(to)) => from.relocate(span, &to),
            _ => span,
        }
    }

    /// `error`, about [`Self::source`], as an error about `text` (a layout of the same
    /// statements): unchanged when `text` is the source itself.
    #[must_use]
    pub fn relocate(&self, error: ParseError, text: &str) -> ParseError {
        if *self.source == *text {
            return error;
        }
        let span = self.relocate_span(error.span, text);
        ParseError::new(text, error.code, error.message, span)
    }
}

/// Parsed statements by normalized text, least recently used out first.
pub struct PlanCache {
    entries: Mutex<LruCache<String, Entry>>,
}

impl std::fmt::Debug for PlanCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlanCache")
            .field("len", &self.entries.lock().len())
            .finish()
    }
}

impl PlanCache {
    /// A cache of at most `capacity` entries (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// The statements of `text`, from the cache when an entry for its normal form is still
    /// valid, parsed (and cached) otherwise.
    ///
    /// # Errors
    /// The parser's error (errors are not cached).
    pub fn statements(&self, engine: &Engine, text: &str) -> Result<Parsed, ParseError> {
        let Some(form) = NormalForm::of(text) else {
            // A string or comment left open: the parser says where.
            return Parsed::parse(text);
        };
        if let Some(entry) = self.entries.lock().get(&form.key)
            && entry
                .collections
                .iter()
                .all(|(name, snapshot)| *snapshot == snapshot_of(engine, name))
        {
            PLAN_CACHE.with_label_values(&["hit"]).inc();
            return Ok(entry.parsed.clone());
        }
        let stale = self.entries.lock().pop(&form.key).is_some();
        if stale {
            PLAN_CACHE.with_label_values(&["invalidation"]).inc();
        }
        PLAN_CACHE.with_label_values(&["miss"]).inc();
        let mut parsed = Parsed::parse(text)?;
        let key = form.key.clone();
        parsed.form = Some(Arc::new(form));
        let mut names = Vec::new();
        for s in parsed.statements.iter() {
            collection_names(s, &mut names);
        }
        let collections = names
            .into_iter()
            .map(|n| {
                let snapshot = snapshot_of(engine, &n);
                (n, snapshot)
            })
            .collect();
        let evicted = self.entries.lock().push(
            key,
            Entry {
                parsed: parsed.clone(),
                collections,
            },
        );
        if evicted.is_some() {
            PLAN_CACHE.with_label_values(&["eviction"]).inc();
        }
        Ok(parsed)
    }
}

fn snapshot_of(engine: &Engine, name: &str) -> Snapshot {
    let c = engine.collection(name).ok()?;
    let generation = c.read(|view| view.field_indexes().generation());
    Some((Arc::as_ptr(&c) as usize, generation))
}

/// Adds the collections `s` names to `out`.
fn collection_names(s: &Statement, out: &mut Vec<String>) {
    let name = match s {
        Statement::Select(select) => &select.from.name,
        Statement::Match(m) => &m.from.name,
        Statement::Insert(i) => &i.collection.name,
        Statement::Update(u) => &u.collection.name,
        Statement::Delete(d) => &d.collection.name,
        Statement::CreateCollection(c) => &c.collection.name,
        Statement::DropCollection { collection, .. }
        | Statement::CreateIndex { collection, .. }
        | Statement::DropIndex { collection, .. }
        | Statement::Describe { collection } => &collection.name,
        Statement::ShowCollections => return,
        Statement::Explain { statement, .. } => return collection_names(statement, out),
    };
    if !out.contains(name) {
        out.push(name.clone());
    }
}
