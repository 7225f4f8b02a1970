//! Request fields that name Qdrant features Plait does not implement. Ignoring them would answer
//! with a 200 and results that do not honour the request (unfiltered, ungrouped, unsharded), so
//! each is declared on its wire type as `Option<IgnoredAny>` and refused by name with a 422 when
//! present and not `null`. Fields Plait has never heard of are a different case: they are
//! ignored, as Qdrant ignores them (see `api::extract`).

use serde::de::IgnoredAny;

use crate::api::error::ApiError;

/// A declared-but-unsupported field: its name, its value when sent, and what it asks for.
pub type Feature<'a> = (&'a str, &'a Option<IgnoredAny>, &'a str);

/// 422 naming the first field that is present.
///
/// # Errors
/// [`ApiError::unsupported`] for the first present field.
pub fn reject_present(fields: &[Feature<'_>]) -> Result<(), ApiError> {
    match fields.iter().find(|(_, value, _)| value.is_some()) {
        Some((name, _, what)) => Err(ApiError::unsupported(name, what)),
        None => Ok(()),
    }
}

/// What `shard_key` asks for, shared by every point route.
pub const SHARD_KEY: &str = "user-defined sharding (a collection is one shard)";
