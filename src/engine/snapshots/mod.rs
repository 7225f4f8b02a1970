//! Snapshots: the archive a collection (or the whole server) is packed into, and the files of the
//! snapshots directory.
//!
//! A collection snapshot is a tar archive of the collection's checkpoint images for one WAL
//! sequence number (written by its writer, see `Collection::snapshot_images_blocking`), its
//! `collection.json`, and a manifest, `snapshot.json`, that names every other entry with its size
//! and SHA-256. The archive's own SHA-256 is kept beside it in `<name>.checksum`, as Qdrant does.
//! A restore checks the archive's checksum (given, or the sidecar), then every entry against the
//! manifest, then the images' own CRCs by loading them, all in a staging directory, before the
//! live collection is touched (`catalog/snapshot_ops.rs`).
//!
//! A full snapshot is a tar archive of one collection snapshot per collection plus the manifest
//! and the alias table, under its own manifest, `full-snapshot.json`.
//!
//! These files are read and written with `std::fs`, outside the `FileSystem` seam: tar streams
//! whole files, and nothing here is part of a collection's durable state.

pub mod archive;
mod files;
mod upload;

pub use files::{
    SnapshotInfo, checksum_path, describe, list, new_file_name, sha256_file, validate_name,
    write_checksum,
};
pub use upload::UploadFile;

/// File name ending of every snapshot archive.
pub const SNAPSHOT_SUFFIX: &str = ".snapshot";
/// File name ending of a snapshot's SHA-256 sidecar.
pub const CHECKSUM_SUFFIX: &str = ".checksum";
