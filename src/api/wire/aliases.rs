//! Alias requests and answers in Qdrant's shapes: `POST /collections/aliases` takes
//! `{"actions": [{"create_alias": {...}}, {"delete_alias": {...}}, {"rename_alias": {...}}]}`, and
//! the listings answer `{"aliases": [{"alias_name", "collection_name"}]}`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bounds::check_len;
use crate::api::error::ApiError;
use crate::engine::AliasAction;
use crate::engine::aliases::MAX_ALIASES;

/// Body of `POST /collections/aliases`: changes applied in order, all or none.
#[derive(Debug, Deserialize, ToSchema)]
pub struct ChangeAliases {
    /// The changes, in order.
    #[schema(max_items = 10_000)]
    pub actions: Vec<AliasOperation>,
}

/// One change to the aliases.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AliasOperation {
    /// Points an alias at a collection, creating it or re-pointing an existing one.
    CreateAlias(CreateAlias),
    /// Removes an alias (nothing happens when there is no such alias, as in Qdrant).
    DeleteAlias(DeleteAlias),
    /// Renames an alias.
    RenameAlias(RenameAlias),
}

/// `create_alias`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CreateAlias {
    /// The collection; it must exist and be a collection, not an alias.
    pub collection_name: String,
    /// The alias: the rules of collection names, and no collection may have this name.
    pub alias_name: String,
}

/// `delete_alias`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct DeleteAlias {
    /// The alias.
    pub alias_name: String,
}

/// `rename_alias`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RenameAlias {
    /// The existing alias.
    pub old_alias_name: String,
    /// Its new name; an alias of that name is replaced.
    pub new_alias_name: String,
}

impl ChangeAliases {
    /// The engine's actions.
    ///
    /// # Errors
    /// 422 past [`MAX_ALIASES`] actions.
    pub fn into_actions(self) -> Result<Vec<AliasAction>, ApiError> {
        check_len("actions", self.actions.len(), MAX_ALIASES)?;
        Ok(self
            .actions
            .into_iter()
            .map(|a| match a {
                AliasOperation::CreateAlias(c) => AliasAction::Create {
                    alias: c.alias_name,
                    collection: c.collection_name,
                },
                AliasOperation::DeleteAlias(d) => AliasAction::Delete {
                    alias: d.alias_name,
                },
                AliasOperation::RenameAlias(r) => AliasAction::Rename {
                    from: r.old_alias_name,
                    to: r.new_alias_name,
                },
            })
            .collect())
    }
}

/// One alias and its collection.
#[derive(Debug, Serialize, ToSchema)]
pub struct AliasDescription {
    /// The alias.
    pub alias_name: String,
    /// The collection it names.
    pub collection_name: String,
}

/// Result of `GET /aliases` and `GET /collections/{name}/aliases`.
#[derive(Debug, Serialize, ToSchema)]
pub struct AliasesList {
    /// The aliases, sorted by alias name.
    pub aliases: Vec<AliasDescription>,
}

impl AliasesList {
    /// From the engine's `(alias, collection)` pairs.
    #[must_use]
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self {
            aliases: pairs
                .into_iter()
                .map(|(alias_name, collection_name)| AliasDescription {
                    alias_name,
                    collection_name,
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qdrant_request_bodies_parse_into_actions() -> Result<(), Box<dyn std::error::Error>> {
        let body = r#"{"actions": [
            {"delete_alias": {"alias_name": "prod"}},
            {"create_alias": {"collection_name": "v2", "alias_name": "prod"}},
            {"rename_alias": {"old_alias_name": "prod", "new_alias_name": "live"}}
        ]}"#;
        let parsed: ChangeAliases = serde_json::from_str(body)?;
        assert_eq!(
            parsed
                .into_actions()
                .map_err(|e| format!("{:?}", e.status()))?,
            [
                AliasAction::Delete {
                    alias: "prod".into()
                },
                AliasAction::Create {
                    alias: "prod".into(),
                    collection: "v2".into()
                },
                AliasAction::Rename {
                    from: "prod".into(),
                    to: "live".into()
                },
            ]
        );
        Ok(())
    }

    #[test]
    fn the_document_bounds_the_actions_as_the_check_does() -> Result<(), serde_json::Error> {
        let doc: serde_json::Value = serde_json::from_str(&crate::api::openapi::document_json())?;
        let actions = &doc["components"]["schemas"]["ChangeAliases"]["properties"]["actions"];
        assert_eq!(actions["maxItems"], MAX_ALIASES, "{actions}");
        Ok(())
    }
}
