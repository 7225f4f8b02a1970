//! Collection aliases: the alias table, the changes a request may make to it, and `aliases.json`,
//! the file that keeps it.
//!
//! An alias is a second name for one collection. The table maps each alias to its collection and
//! lives next to the manifest in the data directory. A change request is a list of actions applied
//! in order to a copy of the table; the copy replaces the file in one `atomic_write` and only then
//! the table readers see, so a request takes effect entirely or not at all, and readers never see
//! it half done (a re-point written as `delete_alias` + `create_alias` never leaves the alias
//! missing).
//!
//! A data directory without `aliases.json` (every directory written before aliases existed) has
//! no aliases. A file that exists but does not parse stops start-up: opening without it would
//! silently send every request made through an alias to a 404.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{EngineError, name};
use crate::storage::{FileSystem, atomic_write};

const FORMAT: &str = "plait-aliases";
const VERSION: u32 = 1;

/// Most aliases a data directory holds. The whole table is rewritten on every change, so this
/// bounds the size of that write (about 260 bytes an alias at the longest names).
pub const MAX_ALIASES: usize = 10_000;

/// One change to the alias table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AliasAction {
    /// Points `alias` at `collection`, creating it or re-pointing it when it exists.
    Create {
        /// The alias.
        alias: String,
        /// The collection it names; must exist.
        collection: String,
    },
    /// Removes `alias`; nothing happens when there is no such alias.
    Delete {
        /// The alias.
        alias: String,
    },
    /// Gives the collection `from` names the new alias `to` instead (replacing `to` if it exists).
    Rename {
        /// The existing alias.
        from: String,
        /// Its new name.
        to: String,
    },
}

/// Every alias of a data directory, by alias name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasTable {
    by_alias: BTreeMap<String, String>,
}

impl AliasTable {
    /// The collection `alias` names, if it is an alias.
    #[must_use]
    pub fn target(&self, alias: &str) -> Option<&str> {
        self.by_alias.get(alias).map(String::as_str)
    }

    /// Every `(alias, collection)` pair, sorted by alias.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.by_alias.iter().map(|(a, c)| (a.as_str(), c.as_str()))
    }

    /// Whether no alias names `collection`.
    #[must_use]
    pub fn names_none_of(&self, collection: &str) -> bool {
        self.by_alias.values().all(|c| c != collection)
    }

    /// The table without the aliases of `collection`.
    #[must_use]
    pub fn without_collection(&self, collection: &str) -> Self {
        Self {
            by_alias: self
                .by_alias
                .iter()
                .filter(|(_, c)| c.as_str() != collection)
                .map(|(a, c)| (a.clone(), c.clone()))
                .collect(),
        }
    }

    /// Applies `actions` in order to a copy of the table and returns it; the table itself is left
    /// as it was, so a failing action leaves nothing half applied. `is_collection` says whether a
    /// collection of that name exists.
    ///
    /// # Errors
    /// [`EngineError::InvalidAlias`] for a name collection names could not take;
    /// [`EngineError::CollectionNotFound`] when a created alias names no collection;
    /// [`EngineError::AliasNameTaken`] when an alias would take a collection's name;
    /// [`EngineError::AliasNotFound`] when a renamed alias does not exist;
    /// [`EngineError::LimitExceeded`] past [`MAX_ALIASES`].
    pub fn with_actions(
        &self,
        actions: &[AliasAction],
        is_collection: impl Fn(&str) -> bool,
    ) -> Result<Self, EngineError> {
        let mut next = self.clone();
        for action in actions {
            match action {
                AliasAction::Create { alias, collection } => {
                    check_name(alias)?;
                    if !is_collection(collection) {
                        return Err(EngineError::CollectionNotFound {
                            name: collection.clone(),
                        });
                    }
                    if is_collection(alias) {
                        return Err(EngineError::AliasNameTaken {
                            name: alias.clone(),
                        });
                    }
                    next.by_alias.insert(alias.clone(), collection.clone());
                }
                AliasAction::Delete { alias } => {
                    check_name(alias)?;
                    next.by_alias.remove(alias);
                }
                AliasAction::Rename { from, to } => {
                    check_name(from)?;
                    check_name(to)?;
                    let Some(collection) = next.by_alias.remove(from) else {
                        return Err(EngineError::AliasNotFound { name: from.clone() });
                    };
                    if is_collection(to) {
                        return Err(EngineError::AliasNameTaken { name: to.clone() });
                    }
                    next.by_alias.insert(to.clone(), collection);
                }
            }
        }
        if next.by_alias.len() > MAX_ALIASES {
            return Err(EngineError::LimitExceeded {
                what: "the number of aliases",
                limit: MAX_ALIASES,
                got: next.by_alias.len(),
            });
        }
        Ok(next)
    }
}

fn check_name(alias: &str) -> Result<(), EngineError> {
    name::validate(alias).map_err(|source| EngineError::InvalidAlias {
        name: alias.to_owned(),
        source,
    })
}

#[derive(Debug, Serialize, Deserialize)]
struct AliasFile {
    format: String,
    version: u32,
    aliases: BTreeMap<String, String>,
}

/// Path of the alias file in a data directory.
#[must_use]
pub fn aliases_path(root: &Path) -> PathBuf {
    root.join("aliases.json")
}

/// Reads the alias table; an empty one when the data directory has no alias file.
///
/// # Errors
/// [`EngineError::AliasesUnreadable`] when the file exists but is not a valid alias file (the
/// server must not start without the aliases it holds); I/O errors.
pub fn read(fs: &dyn FileSystem, root: &Path) -> Result<AliasTable, EngineError> {
    let path = aliases_path(root);
    if !fs.exists(&path) {
        return Ok(AliasTable::default());
    }
    let bytes = fs
        .read(&path)
        .map_err(|e| EngineError::io("read", &path, e))?;
    let bad = |reason: String| EngineError::AliasesUnreadable {
        path: path.clone(),
        reason,
    };
    let file: AliasFile = serde_json::from_slice(&bytes).map_err(|e| bad(e.to_string()))?;
    if file.format != FORMAT || file.version != VERSION {
        return Err(bad(format!(
            "format {:?} version {} is not {FORMAT:?} version {VERSION}",
            file.format, file.version
        )));
    }
    for (alias, collection) in &file.aliases {
        for n in [alias, collection] {
            name::validate(n).map_err(|e| bad(format!("{n:?}: {e}")))?;
        }
    }
    Ok(AliasTable {
        by_alias: file.aliases,
    })
}

/// Replaces the alias file atomically and durably.
///
/// # Errors
/// I/O errors; the file then still holds its previous table.
pub fn write(fs: &dyn FileSystem, root: &Path, table: &AliasTable) -> Result<(), EngineError> {
    let path = aliases_path(root);
    let file = AliasFile {
        format: FORMAT.into(),
        version: VERSION,
        aliases: table.by_alias.clone(),
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| EngineError::AliasesUnreadable {
        path: path.clone(),
        reason: e.to_string(),
    })?;
    atomic_write(fs, &path, &bytes).map_err(|e| EngineError::io("write", &path, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::storage::fs::RealFs;

    fn create(alias: &str, collection: &str) -> AliasAction {
        AliasAction::Create {
            alias: alias.into(),
            collection: collection.into(),
        }
    }

    fn pairs(t: &AliasTable) -> Vec<(&str, &str)> {
        t.iter().collect()
    }

    fn is_ab(name: &str) -> bool {
        name == "a" || name == "b"
    }

    #[test]
    fn actions_apply_in_order_and_a_failure_changes_nothing() -> Result<(), EngineError> {
        let t = AliasTable::default().with_actions(&[create("x", "a"), create("y", "a")], is_ab)?;
        // Re-pointing an existing alias is a create, as in Qdrant.
        let t = t.with_actions(
            &[
                AliasAction::Delete { alias: "x".into() },
                create("x", "b"),
                AliasAction::Rename {
                    from: "y".into(),
                    to: "z".into(),
                },
            ],
            is_ab,
        )?;
        assert_eq!(pairs(&t), [("x", "b"), ("z", "a")]);
        let failing = [
            AliasAction::Delete { alias: "x".into() },
            create("w", "missing"),
        ];
        assert!(matches!(
            t.with_actions(&failing, is_ab),
            Err(EngineError::CollectionNotFound { .. })
        ));
        assert_eq!(pairs(&t), [("x", "b"), ("z", "a")]);
        Ok(())
    }

    #[test]
    fn names_are_checked_and_collection_names_are_refused() {
        let t = AliasTable::default();
        let cases = [
            (create("a", "b"), "AliasNameTaken"),
            (create("-x", "a"), "InvalidAlias"),
            (AliasAction::Delete { alias: "".into() }, "InvalidAlias"),
            (
                AliasAction::Rename {
                    from: "nope".into(),
                    to: "x".into(),
                },
                "AliasNotFound",
            ),
        ];
        for (action, want) in cases {
            let got = t.with_actions(std::slice::from_ref(&action), is_ab);
            let ok = match got {
                Err(EngineError::AliasNameTaken { .. }) => want == "AliasNameTaken",
                Err(EngineError::InvalidAlias { .. }) => want == "InvalidAlias",
                Err(EngineError::AliasNotFound { .. }) => want == "AliasNotFound",
                _ => false,
            };
            assert!(ok, "{action:?}: wanted {want}");
        }
        // Deleting an alias that does not exist is not an error (Qdrant's behaviour).
        assert!(
            t.with_actions(&[AliasAction::Delete { alias: "x".into() }], is_ab)
                .is_ok()
        );
    }

    #[test]
    fn the_number_of_aliases_is_bounded() -> Result<(), EngineError> {
        let actions: Vec<_> = (0..MAX_ALIASES)
            .map(|i| create(&format!("x{i}"), "a"))
            .collect();
        let t = AliasTable::default().with_actions(&actions, is_ab)?;
        assert!(matches!(
            t.with_actions(&[create("one-more", "a")], is_ab),
            Err(EngineError::LimitExceeded { .. })
        ));
        Ok(())
    }

    #[test]
    fn the_file_round_trips_is_optional_and_is_refused_when_damaged()
    -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let fs = RealFs;
        assert_eq!(read(&fs, dir.path())?, AliasTable::default());
        let t = AliasTable::default().with_actions(&[create("x", "a")], is_ab)?;
        write(&fs, dir.path(), &t)?;
        assert_eq!(read(&fs, dir.path())?, t);
        let path = aliases_path(dir.path());
        let damaged = [
            "{\"format\": \"plait-aliases\", \"version\": 1, \"aliases\": {\"x\": ".to_owned(),
            r#"{"format": "plait-aliases", "version": 2, "aliases": {}}"#.to_owned(),
            r#"{"format": "plait-aliases", "version": 1, "aliases": {"../x": "a"}}"#.to_owned(),
            String::new(),
        ];
        for text in damaged {
            std::fs::write(&path, &text)?;
            assert!(
                matches!(
                    read(&fs, dir.path()),
                    Err(EngineError::AliasesUnreadable { .. })
                ),
                "{text}"
            );
            assert!(path.exists(), "the damaged file must stay for the operator");
        }
        Ok(())
    }
}
