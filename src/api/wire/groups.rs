//! Grouped searches, Qdrant's shapes: the bodies of `points/query/groups` (a `points/query` body)
//! and `points/search/groups` (a `points/search` body), each with `group_by`, `group_size` and
//! `limit` (groups, not hits), and the `{"groups": [{"id", "hits"}]}` they answer. Bounds: each of
//! `group_size` and `limit` at least 1, their product at most [`MAX_LIMIT`].
//!
//! It converts a body into the query layer's [`Stage`] and [`GroupSpec`]; the grouping itself is
//! `query::group`'s.

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::bounds::{MAX_LIMIT, check_range};
use super::points::{QueryInput, SearchOptions, WireScoredPoint};
use super::prefetch::{Prefetch, Prefetches, TopLevel};
use super::vector_name::{SearchVector, SearchVectorShape, VectorName};
use crate::api::error::ApiError;
use crate::columns::FieldPath;
use crate::engine::{Projection, VectorValue};
use crate::query::{GroupId, GroupSpec, Stage};

/// `group_size` when a query does not give it (Qdrant's default).
const DEFAULT_GROUP_SIZE: u64 = 3;

/// `limit` (groups) when a query does not give it (Qdrant's default).
const DEFAULT_GROUPS: u64 = 10;

/// Body of `POST /collections/{name}/points/query/groups`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct QueryGroupsRequest {
    /// Sub-requests whose results `query` ranks, as in `points/query`.
    #[serde(default)]
    #[schema(value_type = Option<Vec<Prefetch>>)]
    pub prefetch: Option<Prefetches>,
    /// The query, as in `points/query`.
    pub query: QueryInput,
    /// The vector to search, by name, as in `points/query`.
    #[serde(default)]
    pub using: Option<VectorName>,
    /// The payload field whose values name the groups (a path such as `doc.id` may be given).
    /// A point belongs to the group of each string or integer value it holds there (each
    /// element of an array); points without one are left out.
    pub group_by: String,
    /// Most hits per group, default 3.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    pub group_size: Option<u64>,
    /// Most groups, default 10; `limit × group_size` is at most 100000.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    pub limit: Option<u64>,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub with_lookup: Option<IgnoredAny>,
    /// Thresholds, projection and parameters, as in `points/query`.
    #[serde(flatten)]
    pub options: SearchOptions,
}

/// Body of `POST /collections/{name}/points/search/groups`.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SearchGroupsRequest {
    /// The query vector, as in `points/search`.
    #[schema(value_type = SearchVectorShape)]
    pub vector: SearchVector,
    /// The payload field whose values name the groups (see `points/query/groups`).
    pub group_by: String,
    /// Most hits per group.
    #[schema(minimum = 1, maximum = 100_000)]
    pub group_size: u64,
    /// Most groups; `limit × group_size` is at most 100000.
    #[schema(minimum = 1, maximum = 100_000)]
    pub limit: u64,
    /// Not supported (422 when present).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub with_lookup: Option<IgnoredAny>,
    /// Thresholds, projection and parameters, as in `points/search`.
    #[serde(flatten)]
    pub options: SearchOptions,
}

/// A grouped search as the query layer runs it.
#[derive(Debug)]
pub struct GroupedSearch {
    /// The ranking to group.
    pub stage: Stage,
    /// The field, group size and number of groups.
    pub spec: GroupSpec,
    /// What each hit returns.
    pub projection: Projection,
}

impl QueryGroupsRequest {
    /// The grouped search, checked against every bound.
    ///
    /// # Errors
    /// 422 naming the field at fault, as for `points/query`, and for the group fields.
    pub fn into_search(self) -> Result<GroupedSearch, ApiError> {
        let spec = group_spec(
            &self.group_by,
            self.group_size.unwrap_or(DEFAULT_GROUP_SIZE),
            self.limit.unwrap_or(DEFAULT_GROUPS),
            self.with_lookup.as_ref(),
        )?;
        grouped(
            spec,
            self.query,
            self.prefetch,
            self.using.map(|n| n.0),
            self.options,
        )
    }
}

impl SearchGroupsRequest {
    /// The grouped search, checked against every bound.
    ///
    /// # Errors
    /// 422 naming the field at fault, as for `points/search`, and for the group fields.
    pub fn into_search(self) -> Result<GroupedSearch, ApiError> {
        let spec = group_spec(
            &self.group_by,
            self.group_size,
            self.limit,
            self.with_lookup.as_ref(),
        )?;
        let query = match self.vector.vector {
            VectorValue::Dense(v) => QueryInput::Nearest(v),
            VectorValue::Sparse(v) => QueryInput::Sparse(v),
        };
        grouped(spec, query, None, self.vector.name, self.options)
    }
}

/// The group fields, checked.
fn group_spec(
    group_by: &str,
    group_size: u64,
    limit: u64,
    with_lookup: Option<&IgnoredAny>,
) -> Result<GroupSpec, ApiError> {
    if with_lookup.is_some() {
        return Err(ApiError::unsupported(
            "with_lookup",
            "looking group values up in another collection",
        ));
    }
    let key = FieldPath::parse(group_by)
        .map_err(|e| ApiError::unprocessable(format!("`group_by`: {e}")))?;
    check_range("group_size", group_size, 1, MAX_LIMIT)?;
    check_range("limit", limit, 1, MAX_LIMIT)?;
    check_range(
        "limit * group_size",
        limit.saturating_mul(group_size),
        1,
        MAX_LIMIT,
    )?;
    // Each was checked against a bound that fits a usize above.
    let fit = |v: u64| usize::try_from(v).unwrap_or(MAX_LIMIT);
    Ok(GroupSpec {
        key,
        group_size: fit(group_size),
        limit: fit(limit),
    })
}

/// The grouped search of `query` (over `prefetch`) with `options`.
fn grouped(
    spec: GroupSpec,
    query: QueryInput,
    prefetch: Option<Prefetches>,
    using: Option<String>,
    options: SearchOptions,
) -> Result<GroupedSearch, ApiError> {
    if options.params.as_ref().and_then(|p| p.explain) == Some(true) {
        return Err(ApiError::unprocessable(
            "`params.explain` is not supported by grouped searches: explain the search without \
             grouping",
        ));
    }
    let wanted = spec.limit * spec.group_size;
    let stage = TopLevel {
        query,
        prefetch,
        filter: options.filter.as_ref(),
        params: options.params.as_ref(),
        score_threshold: options.score_threshold,
        wanted,
        using,
    }
    .into_stage()?;
    // The other fields (projection, unsupported ones, quantization options) are checked as for
    // an ungrouped search of every hit.
    let search = options.into_request(
        Vec::new(),
        None,
        u64::try_from(wanted).unwrap_or(u64::MAX),
        0,
    )?;
    Ok(GroupedSearch {
        stage,
        spec,
        projection: search.request.projection,
    })
}

/// Result of a grouped search.
#[derive(Debug, Serialize, ToSchema)]
pub struct GroupsResult {
    /// Groups, in the order of their best hit.
    pub groups: Vec<PointGroup>,
}

/// One group.
#[derive(Debug, Serialize, ToSchema)]
pub struct PointGroup {
    /// The value of `group_by` its points hold.
    pub id: WireGroupId,
    /// Its best hits, best first, at most `group_size`.
    pub hits: Vec<WireScoredPoint>,
}

/// A group's value: a string or an integer.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = GroupId)]
pub enum WireGroupId {
    /// A string.
    String(String),
    /// An integer that fits in `i64`.
    Int(i64),
    /// An integer above `i64::MAX`.
    UInt(u64),
}

impl From<GroupId> for WireGroupId {
    fn from(id: GroupId) -> Self {
        match id {
            GroupId::String(s) => Self::String(s),
            GroupId::Int(i) => Self::Int(i),
            GroupId::UInt(u) => Self::UInt(u),
        }
    }
}
