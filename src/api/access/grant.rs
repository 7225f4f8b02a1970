//! What a request's credential allows: everything, reading everything, or some collections.

use crate::query::execute::{Level, Need};

/// The access a key or token gives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grant {
    /// An admin key, a token with `"access": "m"`, or a server without keys: everything.
    Admin,
    /// A read-only key or a token with `"access": "r"`: every read, no change.
    ReadAll,
    /// A token listing collections, each readable or also writable; nothing server-wide.
    Collections(Vec<(String, Level)>),
}

/// Why a grant does not cover a need: the message of the 403.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forbidden(pub String);

fn verb(level: Level) -> &'static str {
    match level {
        Level::Read => "read",
        Level::Write => "write to",
        Level::Manage => "create, drop or restore",
    }
}

impl Grant {
    /// Whether this grant covers `need`; `target` gives the collection an alias names (the name
    /// itself when it is not an alias), so a token for a collection also reaches it through its
    /// aliases, and a token naming an alias reaches the collection behind it.
    ///
    /// # Errors
    /// [`Forbidden`] naming what was missing.
    pub fn allows(&self, need: Need<'_>, target: impl Fn(&str) -> String) -> Result<(), Forbidden> {
        match self {
            Self::Admin => Ok(()),
            Self::ReadAll if need.level == Level::Read => Ok(()),
            Self::ReadAll => Err(Forbidden(format!(
                "this key gives read-only access; to {} {} needs an admin key",
                verb(need.level),
                need.collection
                    .map_or_else(|| "the server".to_owned(), |c| format!("collection {c:?}"))
            ))),
            Self::Collections(list) => {
                let Some(name) = need.collection else {
                    return Err(Forbidden(
                        "this token is limited to some collections; server-wide operations need \
                         a key or a token with global access"
                            .to_owned(),
                    ));
                };
                if need.level == Level::Manage {
                    return Err(Forbidden(format!(
                        "to {} collection {name:?} needs the admin key or a token with \"access\": \"m\"",
                        verb(need.level)
                    )));
                }
                let behind = target(name);
                let granted = list
                    .iter()
                    .filter(|(c, _)| *c == name || *c == behind || target(c) == behind)
                    .map(|(_, level)| *level)
                    .max();
                match granted {
                    Some(level) if level >= need.level => Ok(()),
                    Some(_) => Err(Forbidden(format!(
                        "this token may only read collection {name:?}"
                    ))),
                    None => Err(Forbidden(format!(
                        "this token gives no access to collection {name:?}"
                    ))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn need(level: Level, collection: Option<&str>) -> Need<'_> {
        Need { level, collection }
    }

    fn same(name: &str) -> String {
        name.to_owned()
    }

    #[test]
    fn read_only_grants_reads_only() {
        let g = Grant::ReadAll;
        assert!(g.allows(need(Level::Read, Some("c")), same).is_ok());
        assert!(g.allows(need(Level::Read, None), same).is_ok());
        assert!(g.allows(need(Level::Write, Some("c")), same).is_err());
        assert!(g.allows(need(Level::Manage, None), same).is_err());
    }

    #[test]
    fn a_collection_token_reaches_its_collections_and_their_aliases_only() {
        let g = Grant::Collections(vec![("c".into(), Level::Write), ("r".into(), Level::Read)]);
        let alias = |n: &str| {
            if n == "a" {
                "c".to_owned()
            } else {
                n.to_owned()
            }
        };
        assert!(g.allows(need(Level::Write, Some("c")), alias).is_ok());
        assert!(g.allows(need(Level::Write, Some("a")), alias).is_ok());
        assert!(g.allows(need(Level::Read, Some("r")), alias).is_ok());
        assert!(g.allows(need(Level::Write, Some("r")), alias).is_err());
        assert!(g.allows(need(Level::Read, Some("other")), alias).is_err());
        assert!(g.allows(need(Level::Manage, Some("c")), alias).is_err());
        assert!(g.allows(need(Level::Read, None), alias).is_err());
    }
}
