//! Qdrant's snapshot shapes: `SnapshotDescription`, `SnapshotRecover` and the query parameters of
//! the snapshot routes.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::api::error::ApiError;
use crate::engine::SnapshotInfo;

/// One snapshot archive.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnapshotDescription {
    /// The file name, as the download and delete routes take it.
    pub name: String,
    /// When it was written, `YYYY-MM-DDTHH:MM:SS` in UTC.
    pub creation_time: Option<String>,
    /// Bytes.
    pub size: u64,
    /// SHA-256 of the archive, lowercase hex.
    pub checksum: Option<String>,
}

impl From<SnapshotInfo> for SnapshotDescription {
    fn from(i: SnapshotInfo) -> Self {
        Self {
            name: i.name,
            creation_time: i.creation_time,
            size: i.size,
            checksum: i.checksum,
        }
    }
}

/// Which copy wins when a cluster holds replicas; accepted for Qdrant's clients, and the same
/// on one node: the snapshot replaces the collection.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotPriority {
    /// Qdrant: recover without synchronising replicas.
    NoSync,
    /// Qdrant: the snapshot is the source of truth.
    Snapshot,
    /// Qdrant: the replicas are the source of truth.
    Replica,
}

/// Where to recover a collection from.
#[derive(Debug, Deserialize, ToSchema)]
pub struct SnapshotRecover {
    /// A `file://` URL of an archive in the server's snapshots directory, for example
    /// `file:///var/lib/plait/snapshots/docs/docs-2026-01-01-00-00-00.snapshot`. Other schemes
    /// are refused (422).
    pub location: String,
    /// See [`SnapshotPriority`].
    #[serde(default)]
    pub priority: Option<SnapshotPriority>,
    /// The archive's expected SHA-256 (hex); without it, the checksum file beside the archive is
    /// used when there is one.
    #[serde(default)]
    pub checksum: Option<String>,
    /// Accepted for Qdrant's clients (a key for a remote location); unused.
    #[serde(default)]
    pub api_key: Option<String>,
}

/// Query string of the snapshot-taking routes.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct SnapshotWait {
    /// Accepted for Qdrant's clients; the answer always comes once the snapshot is complete.
    pub wait: Option<bool>,
}

/// Query string of the upload route.
#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
pub struct UploadParams {
    /// Accepted for Qdrant's clients; the answer always comes once the recovery is complete.
    pub wait: Option<bool>,
    /// Accepted for Qdrant's clients; see `SnapshotRecover.priority`.
    #[param(value_type = Option<String>)]
    pub priority: Option<SnapshotPriority>,
    /// The uploaded archive's expected SHA-256 (hex).
    pub checksum: Option<String>,
}

/// Checks a hex SHA-256 given by a client.
///
/// # Errors
/// 422 when it is not 64 hex digits.
pub fn check_checksum(checksum: Option<&str>) -> Result<(), ApiError> {
    match checksum {
        Some(c) if c.len() != 64 || !c.bytes().all(|b| b.is_ascii_hexdigit()) => Err(
            ApiError::validation("checksum: a SHA-256 is 64 hexadecimal digits"),
        ),
        _ => Ok(()),
    }
}
