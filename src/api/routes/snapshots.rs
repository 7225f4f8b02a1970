//! `/collections/{name}/snapshots…` and `/snapshots…`: take, list, download and delete snapshots,
//! and recover a collection from one (a `file://` location in the snapshots directory, or an
//! upload), in Qdrant's shapes.
//!
//! Taking and recovering run on the blocking pool (the writer writes the images; reads go on).
//! A download streams the archive; an upload streams into a staging file through a blocking
//! thread, bounded by `storage.max_snapshot_upload_bytes` instead of the body limit.

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio_util::io::ReaderStream;

use super::on_blocking_pool;
use crate::api::AppState;
use crate::api::envelope::{ErrorBody, ok};
use crate::api::error::ApiError;
use crate::api::extract::{JsonBody, Path, Query};
use crate::api::wire::snapshots::{
    SnapshotDescription, SnapshotRecover, SnapshotWait, UploadParams, check_checksum,
};
use crate::engine::snapshots::UploadFile;

/// Takes a snapshot of a collection while writes go on: it holds every write acknowledged
/// before the request, at one WAL position.
#[utoipa::path(post, path = "/collections/{name}/snapshots", tag = "snapshots", operation_id = "create_snapshot",
    params(("name" = String, Path, description = "A collection, or an alias of one"), SnapshotWait),
    responses(
        (status = 200, description = "Taken", body = inline(crate::api::envelope::Envelope<SnapshotDescription>)),
        (status = 400, description = "A path segment that is not UTF-8, or a malformed query string", body = ErrorBody),
        (status = 404, description = "No such collection", body = ErrorBody),
        (status = 422, description = "An invalid collection name", body = ErrorBody),
        (status = 503, description = "The collection is recovering, failed, or its write queue is full", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn create(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(_wait): Query<SnapshotWait>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let info = on_blocking_pool(move || Ok(state.engine.create_snapshot(&name)?)).await?;
    Ok(ok(SnapshotDescription::from(info), started))
}

/// Lists the snapshots kept for a collection name.
#[utoipa::path(get, path = "/collections/{name}/snapshots", tag = "snapshots", operation_id = "list_snapshots",
    params(("name" = String, Path, description = "A collection (it need not exist any more), or an alias of one")),
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<SnapshotDescription>>)),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 422, description = "An invalid collection name", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn list(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let list = on_blocking_pool(move || Ok(state.engine.list_snapshots(&name)?)).await?;
    let list: Vec<SnapshotDescription> = list.into_iter().map(Into::into).collect();
    Ok(ok(list, started))
}

/// Downloads a collection's snapshot (streamed, `application/octet-stream`).
#[utoipa::path(get, path = "/collections/{name}/snapshots/{snapshot}", tag = "snapshots", operation_id = "get_snapshot",
    params(
        ("name" = String, Path, description = "A collection, or an alias of one"),
        ("snapshot" = String, Path, description = "A snapshot file name, as listed"),
    ),
    responses(
        (status = 200, description = "The archive", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 404, description = "No such snapshot", body = ErrorBody),
        (status = 422, description = "An invalid collection or snapshot name", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    Path((name, snapshot)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let file = on_blocking_pool(move || Ok(state.engine.snapshot_file(&name, &snapshot)?)).await?;
    stream_file(&file).await
}

/// Deletes a collection's snapshot and its checksum file.
#[utoipa::path(delete, path = "/collections/{name}/snapshots/{snapshot}", tag = "snapshots", operation_id = "delete_snapshot",
    params(
        ("name" = String, Path, description = "A collection, or an alias of one"),
        ("snapshot" = String, Path, description = "A snapshot file name, as listed"),
        SnapshotWait,
    ),
    responses(
        (status = 200, description = "Deleted; result is true", body = inline(crate::api::envelope::Envelope<bool>)),
        (status = 400, description = "A path segment that is not UTF-8, or a malformed query string", body = ErrorBody),
        (status = 404, description = "No such snapshot", body = ErrorBody),
        (status = 422, description = "An invalid collection or snapshot name", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn delete(
    State(state): State<AppState>,
    Path((name, snapshot)): Path<(String, String)>,
    Query(_wait): Query<SnapshotWait>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    on_blocking_pool(move || Ok(state.engine.delete_snapshot(&name, &snapshot)?)).await?;
    Ok(ok(true, started))
}

/// Replaces a collection (or creates it) with a snapshot in the server's snapshots directory.
/// The snapshot is checked entirely first (checksum, every entry, the images); a damaged one
/// changes nothing.
#[utoipa::path(put, path = "/collections/{name}/snapshots/recover", tag = "snapshots", operation_id = "recover_from_snapshot",
    params(("name" = String, Path, description = "The collection to replace or create, or an alias of one"), SnapshotWait),
    request_body = SnapshotRecover,
    responses(
        (status = 200, description = "Recovered; result is true", body = inline(crate::api::envelope::Envelope<bool>)),
        (status = 400, description = "Malformed JSON or a body of the wrong shape; or a damaged, truncated or foreign snapshot (nothing changed)", body = ErrorBody),
        (status = 404, description = "No snapshot at that location", body = ErrorBody),
        (status = 415, description = "The body is not declared as application/json", body = ErrorBody),
        (status = 422, description = "A location that is not a file:// URL in the snapshots directory, an invalid name or checksum, or the collection limit reached", body = ErrorBody),
        (status = 503, description = "The collection is recovering", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn recover(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(_wait): Query<SnapshotWait>,
    body: JsonBody<SnapshotRecover>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    on_blocking_pool(move || {
        let body = body.parse()?;
        check_checksum(body.checksum.as_deref())?;
        let archive = state.engine.snapshot_location(&body.location)?;
        state
            .engine
            .recover_snapshot(&name, &archive, body.checksum.as_deref())?;
        Ok(())
    })
    .await?;
    Ok(ok(true, started))
}

/// Replaces a collection (or creates it) with an uploaded snapshot: `multipart/form-data` with
/// the archive in the field `snapshot`. Checked as a recovery from a file is; the upload is not
/// kept.
#[utoipa::path(post, path = "/collections/{name}/snapshots/upload", tag = "snapshots", operation_id = "recover_from_uploaded_snapshot",
    params(("name" = String, Path, description = "The collection to replace or create, or an alias of one"), UploadParams),
    request_body(content_type = "multipart/form-data", content = inline(UploadForm)),
    responses(
        (status = 200, description = "Recovered; result is true", body = inline(crate::api::envelope::Envelope<bool>)),
        (status = 400, description = "Not a multipart body with a `snapshot` field; or a damaged, truncated or foreign snapshot (nothing changed)", body = ErrorBody),
        (status = 413, description = "The snapshot is over `storage.max_snapshot_upload_bytes`", body = ErrorBody),
        (status = 415, description = "The body is not multipart/form-data", body = ErrorBody),
        (status = 422, description = "An invalid name or checksum, or the collection limit reached", body = ErrorBody),
        (status = 503, description = "The collection is recovering", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn upload(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(params): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    check_checksum(params.checksum.as_deref())?;
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| multer::parse_boundary(v).ok())
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "an upload is multipart/form-data (with a boundary), the archive in the field `snapshot`",
            )
        })?;
    let limit = state.engine.max_snapshot_upload_bytes();
    let constraints = multer::Constraints::new()
        .allowed_fields(vec!["snapshot"])
        .size_limit(multer::SizeLimit::new().per_field(limit));
    let mut form =
        multer::Multipart::with_constraints(body.into_data_stream(), boundary, constraints);
    let engine = std::sync::Arc::clone(&state.engine);
    let file = on_blocking_pool(move || Ok(UploadFile::create(&engine)?)).await?;
    let path = file.path().to_path_buf();
    let _discard = Discard {
        engine: std::sync::Arc::clone(&state.engine),
        path: path.clone(),
    };
    let (tx, mut rx) = tokio::sync::mpsc::channel::<axum::body::Bytes>(8);
    let writer = tokio::task::spawn_blocking(move || {
        let mut file = file;
        while let Some(chunk) = rx.blocking_recv() {
            file.write(&chunk)?;
        }
        file.finish()
    });
    let mut found = false;
    while let Some(mut field) = form.next_field().await.map_err(multipart_error)? {
        if field.name() != Some("snapshot") || found {
            continue;
        }
        found = true;
        while let Some(chunk) = field.chunk().await.map_err(multipart_error)? {
            if tx.send(chunk).await.is_err() {
                break;
            }
        }
    }
    drop(tx);
    let written = writer.await.map_err(|e| {
        tracing::error!(error = %e, "snapshot upload writer failed");
        super::internal()
    })?;
    written.map_err(ApiError::from)?;
    if !found {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "the multipart body has no field `snapshot`",
        ));
    }
    on_blocking_pool(move || {
        let recovered = state
            .engine
            .recover_snapshot(&name, &path, params.checksum.as_deref());
        // Gone before the answer; `Discard` covers the requests that end earlier.
        state.engine.discard_upload(&path);
        recovered?;
        Ok(())
    })
    .await?;
    Ok(ok(true, started))
}

/// The multipart form of an upload.
#[derive(Debug, utoipa::ToSchema)]
#[expect(
    dead_code,
    reason = "it only describes the form in the OpenAPI document"
)]
pub struct UploadForm {
    /// The snapshot archive.
    #[schema(value_type = String, format = Binary)]
    snapshot: Vec<u8>,
}

/// Removes an upload's staging file however the request ends.
struct Discard {
    engine: std::sync::Arc<crate::engine::Engine>,
    path: std::path::PathBuf,
}

impl Drop for Discard {
    fn drop(&mut self) {
        let engine = std::sync::Arc::clone(&self.engine);
        let path = std::mem::take(&mut self.path);
        // Removing a large file can take a while: not on an async worker.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            runtime.spawn_blocking(move || engine.discard_upload(&path));
        } else {
            engine.discard_upload(&path);
        }
    }
}

fn multipart_error(e: multer::Error) -> ApiError {
    match e {
        multer::Error::FieldSizeExceeded { limit, .. }
        | multer::Error::StreamSizeExceeded { limit } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "the snapshot is over the upload limit of {limit} bytes (storage.max_snapshot_upload_bytes)"
            ),
        ),
        other => ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("the multipart body does not parse: {other}"),
        ),
    }
}

/// Takes a full snapshot: every collection's snapshot, the collection list and the aliases.
#[utoipa::path(post, path = "/snapshots", tag = "snapshots", operation_id = "create_full_snapshot",
    params(SnapshotWait),
    responses(
        (status = 200, description = "Taken", body = inline(crate::api::envelope::Envelope<SnapshotDescription>)),
        (status = 400, description = "A malformed query string", body = ErrorBody),
        (status = 503, description = "A collection's write queue is full", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn create_full(
    State(state): State<AppState>,
    Query(_wait): Query<SnapshotWait>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    let info = on_blocking_pool(move || Ok(state.engine.create_full_snapshot()?)).await?;
    Ok(ok(SnapshotDescription::from(info), started))
}

/// Lists the full snapshots.
#[utoipa::path(get, path = "/snapshots", tag = "snapshots", operation_id = "list_full_snapshots",
    responses(
        (status = 200, body = inline(crate::api::envelope::Envelope<Vec<SnapshotDescription>>)),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn list_full(State(state): State<AppState>) -> Result<Response, ApiError> {
    let started = Instant::now();
    let list = on_blocking_pool(move || Ok(state.engine.list_full_snapshots()?)).await?;
    let list: Vec<SnapshotDescription> = list.into_iter().map(Into::into).collect();
    Ok(ok(list, started))
}

/// Downloads a full snapshot (streamed, `application/octet-stream`).
#[utoipa::path(get, path = "/snapshots/{snapshot}", tag = "snapshots", operation_id = "get_full_snapshot",
    params(("snapshot" = String, Path, description = "A snapshot file name, as listed")),
    responses(
        (status = 200, description = "The archive", content_type = "application/octet-stream", body = Vec<u8>),
        (status = 400, description = "A path segment that is not UTF-8", body = ErrorBody),
        (status = 404, description = "No such snapshot", body = ErrorBody),
        (status = 422, description = "An invalid snapshot name", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn download_full(
    State(state): State<AppState>,
    Path(snapshot): Path<String>,
) -> Result<Response, ApiError> {
    let file = on_blocking_pool(move || Ok(state.engine.full_snapshot_file(&snapshot)?)).await?;
    stream_file(&file).await
}

/// Deletes a full snapshot and its checksum file.
#[utoipa::path(delete, path = "/snapshots/{snapshot}", tag = "snapshots", operation_id = "delete_full_snapshot",
    params(("snapshot" = String, Path, description = "A snapshot file name, as listed"), SnapshotWait),
    responses(
        (status = 200, description = "Deleted; result is true", body = inline(crate::api::envelope::Envelope<bool>)),
        (status = 400, description = "A path segment that is not UTF-8, or a malformed query string", body = ErrorBody),
        (status = 404, description = "No such snapshot", body = ErrorBody),
        (status = 422, description = "An invalid snapshot name", body = ErrorBody),
        (status = 500, description = "Internal error (the server log has the details)", body = ErrorBody),
    ))]
pub async fn delete_full(
    State(state): State<AppState>,
    Path(snapshot): Path<String>,
    Query(_wait): Query<SnapshotWait>,
) -> Result<Response, ApiError> {
    let started = Instant::now();
    on_blocking_pool(move || Ok(state.engine.delete_full_snapshot(&snapshot)?)).await?;
    Ok(ok(true, started))
}

/// Streams an archive with its length.
async fn stream_file(path: &std::path::Path) -> Result<Response, ApiError> {
    let opened = async {
        let file = tokio::fs::File::open(path).await?;
        let len = file.metadata().await?.len();
        Ok::<_, std::io::Error>((file, len))
    }
    .await;
    let (file, len) = opened.map_err(|e| {
        tracing::error!(path = %path.display(), error = %e, "cannot open a snapshot for download");
        super::internal()
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut response =
        Body::from_stream(ReaderStream::with_capacity(file, 1 << 20)).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(response)
}
