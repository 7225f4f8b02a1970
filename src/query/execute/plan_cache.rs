//! [`PlanCache`]: parsed statements by their text, so a statement sent again (an application's
//! few query shapes, with different `$parameters`) skips the parser. The key is the text as
//! sent, with trailing whitespace and `;` ignored: a normalization that moved characters (folding
//! spaces or case) would make the syntax tree's spans, and so every later error's line and
//! column, point at the wrong place of the text the user sent. An entry
//! remembers which collections it names and their index generation; when one was dropped,
//! re-created or had an index created or dropped, the entry is invalid and parsed again.
//! Hits, misses, evictions and invalidations are counted in `plait_velesql_plan_cache_total`.

use std::num::NonZeroUsize;
use std::sync::Arc;

use lru::LruCache;
use parking_lot::Mutex;

use super::super::velesql::ast::Statement;
use super::super::velesql::{ParseError, parse};
use crate::engine::Engine;
use crate::metrics::PLAN_CACHE;

/// Entries kept by default.
pub const DEFAULT_CAPACITY: usize = 1024;

/// What a named collection was when an entry was made: which collection object (a dropped and
/// re-created one is another), and its index generation. `None` when it did not exist.
type Snapshot = Option<(usize, u64)>;

struct Entry {
    statements: Arc<Vec<Statement>>,
    collections: Vec<(String, Snapshot)>,
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

    /// The statements of `text`, from the cache when an entry is still valid, parsed (and
    /// cached) otherwise.
    ///
    /// # Errors
    /// The parser's error (errors are not cached).
    pub fn statements(
        &self,
        engine: &Engine,
        text: &str,
    ) -> Result<Arc<Vec<Statement>>, ParseError> {
        let key = text.trim_end().trim_end_matches(';').to_owned();
        if let Some(entry) = self.entries.lock().get(&key)
            && entry
                .collections
                .iter()
                .all(|(name, snapshot)| *snapshot == snapshot_of(engine, name))
        {
            PLAN_CACHE.with_label_values(&["hit"]).inc();
            return Ok(Arc::clone(&entry.statements));
        }
        let stale = self.entries.lock().pop(&key).is_some();
        if stale {
            PLAN_CACHE.with_label_values(&["invalidation"]).inc();
        }
        PLAN_CACHE.with_label_values(&["miss"]).inc();
        let statements = Arc::new(parse(text)?);
        let mut names = Vec::new();
        for s in statements.iter() {
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
                statements: Arc::clone(&statements),
                collections,
            },
        );
        if evicted.is_some() {
            PLAN_CACHE.with_label_values(&["eviction"]).inc();
        }
        Ok(statements)
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
