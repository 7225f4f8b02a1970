//! The catalog's side of aliases: resolving a name, changing the table, and dropping a deleted
//! collection's aliases. The table and its file are `engine/aliases.rs`.

use super::Engine;
use crate::engine::EngineError;
use crate::engine::aliases::{self, AliasAction};

impl Engine {
    /// The collection name `name` stands for: itself when a collection has that name (a
    /// collection name wins over a stale alias of the same name), else the collection of the
    /// alias `name`, else `name` unchanged (so the caller's "not found" names it).
    pub fn resolve(&self, name: &str) -> String {
        if self.collections.read().contains_key(name) {
            return name.to_owned();
        }
        self.aliases.read().target(name).unwrap_or(name).to_owned()
    }

    /// Applies `actions` in order, all or none, in one durable write of the alias file.
    ///
    /// # Errors
    /// As [`aliases::AliasTable::with_actions`] (nothing changed); I/O errors (the file and the
    /// table then still hold the previous aliases).
    pub fn update_aliases(&self, actions: &[AliasAction]) -> Result<(), EngineError> {
        let _guard = self.catalog_writes.lock();
        let next = {
            let collections = self.collections.read();
            self.aliases
                .read()
                .with_actions(actions, |n| collections.contains_key(n))?
        };
        aliases::write(self.fs.as_ref(), &self.root, &next)?;
        *self.aliases.write() = next;
        tracing::info!(actions = actions.len(), "aliases changed");
        Ok(())
    }

    /// Every alias and the collection it names, sorted by alias.
    #[must_use]
    pub fn aliases(&self) -> Vec<(String, String)> {
        self.aliases
            .read()
            .iter()
            .map(|(a, c)| (a.to_owned(), c.to_owned()))
            .collect()
    }

    /// The aliases of collection `name` (or of the collection the alias `name` names), with that
    /// collection's name, sorted by alias.
    ///
    /// # Errors
    /// [`EngineError::CollectionNotFound`].
    pub fn collection_aliases(&self, name: &str) -> Result<Vec<(String, String)>, EngineError> {
        let target = self.resolve(name);
        if !self.collections.read().contains_key(&target) {
            return Err(EngineError::CollectionNotFound {
                name: name.to_owned(),
            });
        }
        Ok(self
            .aliases
            .read()
            .iter()
            .filter(|(_, c)| *c == target)
            .map(|(a, c)| (a.to_owned(), c.to_owned()))
            .collect())
    }

    /// Removes the aliases of `collection` from the file, then from the table. Called with
    /// `catalog_writes` held.
    pub(super) fn drop_aliases_of(&self, collection: &str) -> Result<(), EngineError> {
        let next = {
            let table = self.aliases.read();
            if table.names_none_of(collection) {
                return Ok(());
            }
            table.without_collection(collection)
        };
        aliases::write(self.fs.as_ref(), &self.root, &next)?;
        *self.aliases.write() = next;
        Ok(())
    }
}
