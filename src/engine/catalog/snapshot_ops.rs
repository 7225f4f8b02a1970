//! The catalog's side of snapshots: taking them (collection and full), listing and removing the
//! archives, and recovering a collection from one.
//!
//! Recovery never touches the live collection before the snapshot has passed every check
//! (archive checksum, manifest entries, the images' own checksums, loaded in a staging
//! directory). The swap then goes, under `catalog_writes`:
//!
//! 1. the manifest without the collection (a crash from here on leaves its directory unnamed,
//!    and the next start moves it to `quarantine/`);
//! 2. the old collection stops and its directory moves to `quarantine/`;
//! 3. the staging directory is renamed to `collections/<name>` and opened;
//! 4. the manifest with the collection again (a crash before it leaves the restored directory
//!    unnamed: quarantined at the next start, like the old one);
//! 5. the old directory is removed from `quarantine/`.
//!
//! At every step the data of both the old and the restored collection is somewhere on disk;
//! nothing is deleted before the new collection is named by the manifest. Staging directories
//! left by a crash are moved to `quarantine/` when the engine next opens.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::{CollectionState, Engine};
use crate::engine::collection::{self, Collection};
use crate::engine::snapshots::{self, SnapshotInfo, archive};
use crate::engine::{EngineError, manifest, name};

/// Directory of the data directory where snapshots are built and unpacked.
pub const STAGING_DIR: &str = "staging";

/// Names of the files a collection snapshot may carry besides its manifest, in archive order;
/// then, for a collection of several vectors, each later vector's graph and quantizer images
/// ([`space_files`]).
const COLLECTION_FILES: [&str; 7] = [
    "collection.json",
    "checkpoint.plait",
    "graph.plait",
    "quant.plait",
    "indexes.plait",
    "texts.plait",
    "sparse.plait",
];

/// The graph and quantizer images of the vector spaces after the first (`graph.1.plait`, ...),
/// for a collection of `spaces` vectors.
fn space_files(spaces: usize) -> impl Iterator<Item = String> {
    (1..spaces).flat_map(|i| [format!("graph.{i}.plait"), format!("quant.{i}.plait")])
}

/// Whether `name` is a file a collection snapshot may carry.
fn is_collection_file(name: &str) -> bool {
    COLLECTION_FILES.contains(&name) || space_files(collection::MAX_SPACES).any(|f| f == name)
}

impl Engine {
    /// Where snapshots of `collection` are kept.
    fn collection_snapshots_dir(&self, collection: &str) -> PathBuf {
        self.opts.snapshots_dir.join(collection)
    }

    /// A new, empty staging directory.
    fn new_staging(&self, what: &str) -> Result<PathBuf, EngineError> {
        let root = self.root.join(STAGING_DIR);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let mut dir = root.join(format!("{what}.{nanos}"));
        let mut n = 1;
        while dir.exists() {
            dir = root.join(format!("{what}.{nanos}.{n}"));
            n += 1;
        }
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io("create", &dir, e))?;
        Ok(dir)
    }

    /// Moves whatever a crash left in the staging directory to quarantine.
    pub(super) fn quarantine_staging(&self) -> Result<(), EngineError> {
        let root = self.root.join(STAGING_DIR);
        let Ok(entries) = std::fs::read_dir(&root) else {
            return Ok(());
        };
        for entry in entries.flatten() {
            self.quarantine(&entry.path())?;
        }
        Ok(())
    }

    /// Largest snapshot an upload may carry.
    #[must_use]
    pub fn max_snapshot_upload_bytes(&self) -> u64 {
        self.opts.max_snapshot_upload_bytes
    }

    /// A path in a fresh staging directory for an uploaded snapshot; remove it (with
    /// [`Engine::discard_upload`]) once done.
    ///
    /// # Errors
    /// I/O errors.
    pub fn upload_path(&self) -> Result<PathBuf, EngineError> {
        Ok(self.new_staging("upload")?.join("upload.snapshot"))
    }

    /// Removes an upload's staging directory.
    pub fn discard_upload(&self, path: &Path) {
        if let Some(dir) = path.parent() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }

    /// Packs a snapshot of the open collection `c` into `out` and returns the sequence number it
    /// covers.
    fn pack_collection(&self, c: &Collection, out: &Path) -> Result<u64, EngineError> {
        let staging = self.new_staging(c.name())?;
        let packed = (|| {
            let seq = c.snapshot_images_blocking(&staging)?;
            manifest::write_settings_with_ttl(
                self.fs.as_ref(),
                &staging,
                c.config(),
                c.ttl_field(),
            )?;
            let mut files = Vec::new();
            let mut entries = Vec::new();
            let names = COLLECTION_FILES
                .iter()
                .map(|&n| n.to_owned())
                .chain(space_files(c.config().vectors.len()));
            for name in names {
                let path = staging.join(&name);
                if path.exists() {
                    entries.push(
                        archive::describe_file(&name, &path)
                            .map_err(|e| EngineError::io("read", &path, e))?,
                    );
                    files.push((name, path));
                }
            }
            let manifest = archive::CollectionManifest {
                format: archive::COLLECTION_FORMAT.into(),
                version: archive::VERSION,
                collection: c.name().to_owned(),
                seq,
                created: chrono::Utc::now().to_rfc3339(),
                files: entries,
            };
            let bytes = serde_json::to_vec_pretty(&manifest)
                .map_err(|e| EngineError::io("encode snapshot manifest", out, e.into()))?;
            archive::write_tar(out, archive::COLLECTION_MANIFEST, &bytes, &files)?;
            Ok(seq)
        })();
        let _ = std::fs::remove_dir_all(&staging);
        packed
    }

    /// Takes a snapshot of a collection (or of the collection an alias names) while writes go on:
    /// it holds every write acknowledged before the call, at one WAL position.
    ///
    /// # Errors
    /// Not found, recovering or failed; [`EngineError::WriteQueueFull`]; I/O errors.
    pub fn create_snapshot(&self, name: &str) -> Result<SnapshotInfo, EngineError> {
        let c = self.collection(name)?;
        let dir = self.collection_snapshots_dir(c.name());
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io("create", &dir, e))?;
        let out = dir.join(snapshots::new_file_name(&dir, c.name()));
        let seq = self.pack_collection(&c, &out)?;
        let info = finish_archive(&out)?;
        tracing::info!(collection = c.name(), snapshot = %info.name, seq, bytes = info.size, "snapshot created");
        Ok(info)
    }

    /// The snapshots kept for a collection name (the collection need not exist any more).
    ///
    /// # Errors
    /// An invalid name; I/O errors.
    pub fn list_snapshots(&self, collection: &str) -> Result<Vec<SnapshotInfo>, EngineError> {
        let collection = self.resolve(collection);
        name::validate(&collection)?;
        let dir = self.collection_snapshots_dir(&collection);
        snapshots::list(&dir).map_err(|e| EngineError::io("list", &dir, e))
    }

    /// The file of a collection's snapshot.
    ///
    /// # Errors
    /// Invalid names; [`EngineError::SnapshotNotFound`].
    pub fn snapshot_file(&self, collection: &str, snapshot: &str) -> Result<PathBuf, EngineError> {
        let collection = self.resolve(collection);
        name::validate(&collection)?;
        snapshots::validate_name(snapshot)?;
        existing(
            self.collection_snapshots_dir(&collection).join(snapshot),
            snapshot,
        )
    }

    /// Removes a collection's snapshot and its checksum.
    ///
    /// # Errors
    /// Invalid names; [`EngineError::SnapshotNotFound`]; I/O errors.
    pub fn delete_snapshot(&self, collection: &str, snapshot: &str) -> Result<(), EngineError> {
        remove_archive(&self.snapshot_file(collection, snapshot)?)
    }

    /// The archive a `file://` location names, which must lie in the snapshots directory.
    ///
    /// # Errors
    /// [`EngineError::SnapshotLocation`] for any other scheme or place;
    /// [`EngineError::SnapshotNotFound`].
    pub fn snapshot_location(&self, location: &str) -> Result<PathBuf, EngineError> {
        let refuse = |reason: String| EngineError::SnapshotLocation {
            location: location.to_owned(),
            reason,
        };
        let Some(path) = location.strip_prefix("file://") else {
            let scheme = location.split_once("://").map_or("", |(s, _)| s);
            return Err(refuse(if scheme.is_empty() {
                "a location is a file:// URL".into()
            } else {
                format!(
                    "Plait recovers from file:// locations only (not {scheme}://); download the \
                     snapshot and upload it to /collections/{{name}}/snapshots/upload instead"
                )
            }));
        };
        let path = Path::new(path);
        if !path.is_absolute() {
            return Err(refuse("a file:// location holds an absolute path".into()));
        }
        let allowed = std::fs::canonicalize(&self.opts.snapshots_dir).map_err(|_| {
            refuse(format!(
                "the snapshots directory {} does not exist",
                self.opts.snapshots_dir.display()
            ))
        })?;
        let Ok(real) = std::fs::canonicalize(path) else {
            return Err(EngineError::SnapshotNotFound {
                name: path.display().to_string(),
            });
        };
        if !real.starts_with(&allowed) {
            return Err(refuse(format!(
                "only files in the snapshots directory ({}) may be recovered from",
                self.opts.snapshots_dir.display()
            )));
        }
        if !real.is_file() {
            return Err(EngineError::SnapshotNotFound {
                name: path.display().to_string(),
            });
        }
        Ok(real)
    }

    /// Replaces the collection `target` (or creates it) with the snapshot in `archive`, after
    /// checking the snapshot entirely: against `checksum` when given, else against the
    /// archive's sidecar when it has one, then every entry and image. A snapshot that fails any
    /// check changes nothing.
    ///
    /// # Errors
    /// [`EngineError::SnapshotDamaged`]; an invalid name; [`EngineError::CollectionRecovering`];
    /// [`EngineError::NameIsAlias`] and [`EngineError::TooManyCollections`] for a new
    /// collection; I/O errors.
    pub fn recover_snapshot(
        &self,
        target: &str,
        archive_path: &Path,
        checksum: Option<&str>,
    ) -> Result<(), EngineError> {
        let target = self.resolve(target);
        name::validate(&target)?;
        let expected = match checksum {
            Some(c) => Some(c.trim().to_ascii_lowercase()),
            None => std::fs::read_to_string(snapshots::checksum_path(archive_path))
                .ok()
                .map(|s| s.trim().to_ascii_lowercase()),
        };
        if let Some(expected) = expected {
            let actual = snapshots::sha256_file(archive_path)
                .map_err(|e| EngineError::io("read", archive_path, e))?;
            if actual != expected {
                return Err(EngineError::SnapshotDamaged {
                    reason: format!("its SHA-256 is {actual}, not the expected {expected}"),
                });
            }
        }
        let staging = self.new_staging(&target)?;
        let result = self
            .unpack_collection(&target, archive_path, &staging)
            .and_then(|()| self.install_restored(&target, &staging));
        if result.is_err() && staging.exists() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result
    }

    /// Unpacks and checks a collection snapshot in `staging`.
    fn unpack_collection(
        &self,
        target: &str,
        archive_path: &Path,
        staging: &Path,
    ) -> Result<(), EngineError> {
        let bytes = archive::unpack_verified(
            archive_path,
            archive::COLLECTION_MANIFEST,
            staging,
            |bytes| {
                let m = archive::parse_collection_manifest(bytes)?;
                if let Some(f) = m.files.iter().find(|f| !is_collection_file(&f.name)) {
                    return Err(EngineError::SnapshotDamaged {
                        reason: format!("the manifest names an unknown file {:?}", f.name),
                    });
                }
                Ok(m.files)
            },
        )?;
        let manifest = archive::parse_collection_manifest(&bytes)?;
        let damaged = |e: EngineError| EngineError::SnapshotDamaged {
            reason: e.to_string(),
        };
        let config = manifest::read_settings(self.fs.as_ref(), staging).map_err(damaged)?;
        Self::check_config(&config).map_err(damaged)?;
        let seq = collection::verify_images(self.fs.as_ref(), target, staging, &config)
            .map_err(damaged)?;
        // The working copies the check loaded the vectors into; opening writes them again.
        for space in 0..config.vectors.len() {
            let vectors = collection::vectors_path(staging, space);
            if vectors.exists() {
                std::fs::remove_file(&vectors)
                    .map_err(|e| EngineError::io("remove", &vectors, e))?;
            }
        }
        if seq != manifest.seq {
            return Err(EngineError::SnapshotDamaged {
                reason: format!(
                    "the images cover sequence {seq}, the manifest says {}",
                    manifest.seq
                ),
            });
        }
        Ok(())
    }

    /// Puts the checked snapshot in `staging` in the place of `name` (see the module doc for the
    /// order and what a crash at each step leaves).
    fn install_restored(&self, name: &str, staging: &Path) -> Result<(), EngineError> {
        let _guard = self.catalog_writes.lock();
        let old = self.collections.read().get(name).cloned();
        let mut quarantined = None;
        match old {
            Some(CollectionState::Recovering) => {
                return Err(EngineError::CollectionRecovering {
                    name: name.to_owned(),
                });
            }
            Some(state) => {
                let names: Vec<String> = self
                    .collections
                    .read()
                    .keys()
                    .filter(|n| n.as_str() != name)
                    .cloned()
                    .collect();
                manifest::write_manifest(self.fs.as_ref(), &self.root, &names)?;
                self.collections.write().remove(name);
                if let CollectionState::Ready(c) = state {
                    // Its final checkpoint keeps the old directory whole in quarantine.
                    let _ = c.shutdown_blocking();
                }
                quarantined = Some(self.quarantine(&self.collection_dir(name))?);
            }
            None => self.check_room_for(name)?,
        }
        let dir = self.collection_dir(name);
        if self.fs.exists(&dir) {
            self.quarantine(&dir)?;
        }
        self.fs
            .rename(staging, &dir)
            .map_err(|e| EngineError::io("rename", staging, e))?;
        for parent in [dir.parent(), staging.parent()].into_iter().flatten() {
            self.fs
                .sync_dir(parent)
                .map_err(|e| EngineError::io("sync", parent, e))?;
        }
        let config = manifest::read_settings(self.fs.as_ref(), &dir)?;
        self.retire_archive(name)?;
        let opened = Arc::new(collection::open(
            Arc::clone(&self.fs),
            name,
            &dir,
            config,
            &self.opts,
        )?);
        let mut names: Vec<String> = self.collections.read().keys().cloned().collect();
        names.push(name.to_owned());
        if let Err(e) = manifest::write_manifest(self.fs.as_ref(), &self.root, &names) {
            let _ = opened.shutdown_blocking();
            return Err(e);
        }
        self.collections
            .write()
            .insert(name.to_owned(), CollectionState::Ready(opened));
        self.publish_state_metrics();
        if let Some(old_dir) = quarantined
            && let Err(e) = self.fs.remove_dir_all(&old_dir)
        {
            tracing::warn!(path = %old_dir.display(), error = %e, "the replaced collection's directory stays in quarantine");
        }
        tracing::info!(collection = name, "collection recovered from a snapshot");
        Ok(())
    }

    /// Takes a full snapshot: one collection snapshot per open collection, the alias table and
    /// the list of collections, in one archive in the snapshots directory.
    ///
    /// # Errors
    /// As [`Engine::create_snapshot`] for any collection; I/O errors.
    pub fn create_full_snapshot(&self) -> Result<SnapshotInfo, EngineError> {
        let dir = self.opts.snapshots_dir.clone();
        std::fs::create_dir_all(&dir).map_err(|e| EngineError::io("create", &dir, e))?;
        let staging = self.new_staging("full-snapshot")?;
        let out = dir.join(snapshots::new_file_name(&dir, "full-snapshot"));
        let packed = (|| {
            let mut collections = std::collections::BTreeMap::new();
            let mut files = Vec::new();
            let mut entries = Vec::new();
            for (name, state) in self.states() {
                let CollectionState::Ready(c) = state else {
                    continue;
                };
                let file = format!("{name}{}", snapshots::SNAPSHOT_SUFFIX);
                let path = staging.join(&file);
                self.pack_collection(&c, &path)?;
                entries.push(
                    archive::describe_file(&file, &path)
                        .map_err(|e| EngineError::io("read", &path, e))?,
                );
                files.push((file.clone(), path));
                collections.insert(name, file);
            }
            let manifest = archive::FullManifest {
                format: archive::FULL_FORMAT.into(),
                version: archive::VERSION,
                created: chrono::Utc::now().to_rfc3339(),
                collections,
                aliases: self.aliases().into_iter().collect(),
                files: entries,
            };
            let bytes = serde_json::to_vec_pretty(&manifest)
                .map_err(|e| EngineError::io("encode snapshot manifest", &out, e.into()))?;
            archive::write_tar(&out, archive::FULL_MANIFEST, &bytes, &files)
        })();
        let _ = std::fs::remove_dir_all(&staging);
        packed?;
        let info = finish_archive(&out)?;
        tracing::info!(snapshot = %info.name, bytes = info.size, "full snapshot created");
        Ok(info)
    }

    /// The full snapshots.
    ///
    /// # Errors
    /// I/O errors.
    pub fn list_full_snapshots(&self) -> Result<Vec<SnapshotInfo>, EngineError> {
        let dir = &self.opts.snapshots_dir;
        snapshots::list(dir).map_err(|e| EngineError::io("list", dir, e))
    }

    /// The file of a full snapshot.
    ///
    /// # Errors
    /// An invalid name; [`EngineError::SnapshotNotFound`].
    pub fn full_snapshot_file(&self, snapshot: &str) -> Result<PathBuf, EngineError> {
        snapshots::validate_name(snapshot)?;
        existing(self.opts.snapshots_dir.join(snapshot), snapshot)
    }

    /// Removes a full snapshot and its checksum.
    ///
    /// # Errors
    /// An invalid name; [`EngineError::SnapshotNotFound`]; I/O errors.
    pub fn delete_full_snapshot(&self, snapshot: &str) -> Result<(), EngineError> {
        remove_archive(&self.full_snapshot_file(snapshot)?)
    }
}

/// Writes the checksum sidecar of a new archive and lists it.
fn finish_archive(out: &Path) -> Result<SnapshotInfo, EngineError> {
    let checksum = snapshots::sha256_file(out).map_err(|e| EngineError::io("read", out, e))?;
    snapshots::write_checksum(out, &checksum)
        .map_err(|e| EngineError::io("write checksum of", out, e))?;
    snapshots::describe(out).map_err(|e| EngineError::io("stat", out, e))
}

fn existing(path: PathBuf, snapshot: &str) -> Result<PathBuf, EngineError> {
    if path.is_file() {
        Ok(path)
    } else {
        Err(EngineError::SnapshotNotFound {
            name: snapshot.to_owned(),
        })
    }
}

fn remove_archive(path: &Path) -> Result<(), EngineError> {
    std::fs::remove_file(path).map_err(|e| EngineError::io("remove", path, e))?;
    let sidecar = snapshots::checksum_path(path);
    match std::fs::remove_file(&sidecar) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(EngineError::io("remove", &sidecar, e))
        }
        _ => Ok(()),
    }
}
