//! [`Engine`]: the catalog of a data directory.
//!
//! Entries of `collections/` that the manifest does not name are moved to `quarantine/`, never
//! deleted; a data directory whose manifest is missing while `collections/` is not empty is
//! refused at open.
//!
//! Every lookup by name ([`Engine::collection`], [`Engine::exists`]) also accepts an alias of the
//! collection (`alias_ops.rs`); aliases and collection names never overlap.
//!
//! Collections are registered as `Recovering` when the engine opens and switch to `Ready` or
//! `Failed` as [`Engine::recover_all`] opens them, so the server can answer health probes (and say
//! which collection is not ready) while recovery runs.

mod alias_ops;
mod snapshot_ops;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};

use super::aliases::{self, AliasTable};
use super::collection::record_codec::MAX_SPACES;
use super::collection::{self, AckAt, Collection};
use super::config::{
    CollectionConfig, EngineOptions, MAX_DIMENSION, MAX_VECTOR_NAME_BYTES, VectorParams,
};
use super::dir_lock::DirLock;
use super::{EngineError, manifest, name};
use crate::columns::index::IndexSchema;

/// Directory (in the data directory) where entries the manifest does not name are moved.
pub const QUARANTINE_DIR: &str = "quarantine";
use crate::metrics;
use crate::storage::{FileSystem, RealFs};

/// The state of one collection in the catalog.
#[derive(Debug, Clone)]
pub enum CollectionState {
    /// Being recovered after start-up.
    Recovering,
    /// Open and serving.
    Ready(Arc<Collection>),
    /// Could not be opened; the reason is kept for `/readyz` and error messages.
    Failed(Arc<str>),
}

/// The catalog of collections in one data directory.
#[derive(Debug)]
pub struct Engine {
    root: PathBuf,
    fs: Arc<dyn FileSystem>,
    opts: EngineOptions,
    collections: RwLock<BTreeMap<String, CollectionState>>,
    /// Replaced whole, after `aliases.json` holds the new table, so readers see each change
    /// entirely or not at all.
    aliases: RwLock<AliasTable>,
    /// Serialises create, delete and alias changes, which rewrite the manifest or the alias file.
    catalog_writes: Mutex<()>,
    _lock: DirLock,
}

impl Engine {
    /// Opens the data directory on the real file system; see [`Engine::open_with_fs`].
    ///
    /// # Errors
    /// As [`Engine::open_with_fs`].
    pub fn open(opts: EngineOptions) -> Result<Self, EngineError> {
        Self::open_with_fs(opts, Arc::new(RealFs))
    }

    /// Opens (creating when missing) the data directory, takes its lock, reads the manifest and
    /// registers every collection as recovering. Call [`Engine::recover_all`] next.
    ///
    /// # Errors
    /// [`EngineError::DirLocked`] when another process holds the directory; manifest and I/O
    /// errors.
    pub fn open_with_fs(opts: EngineOptions, fs: Arc<dyn FileSystem>) -> Result<Self, EngineError> {
        let root = opts.data_dir.clone();
        fs.create_dir_all(&root.join("collections"))
            .map_err(|e| EngineError::io("create", &root, e))?;
        let lock = DirLock::acquire(&root)?;
        let names = match manifest::read_manifest(fs.as_ref(), &root)? {
            Some(names) => names,
            None => {
                // No manifest: a new data directory, or one whose manifest was lost. With any
                // collection directory present, starting empty would orphan (and a later create
                // would clobber) real data, so refuse and let the operator decide.
                let dir = root.join("collections");
                let entries = fs
                    .list_dir(&dir)
                    .map_err(|e| EngineError::io("list", &dir, e))?;
                if !entries.is_empty() {
                    let mut names: Vec<String> = entries
                        .iter()
                        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .collect();
                    names.sort();
                    return Err(EngineError::ManifestMissing {
                        path: manifest::manifest_path(&root),
                        entries: names,
                    });
                }
                // A new data directory: its (empty) manifest is written now, durably, so that a
                // crash during the first create leaves an orphan to quarantine, never a data
                // directory without a manifest.
                manifest::write_manifest(fs.as_ref(), &root, &[])?;
                Vec::new()
            }
        };
        let alias_table = aliases::read(fs.as_ref(), &root)?;
        for (alias, target) in alias_table.iter() {
            if !names.iter().any(|n| n == target) {
                // Kept, not dropped: it answers 404 naming the collection until an operator
                // deletes or re-points it.
                tracing::warn!(
                    alias,
                    collection = target,
                    "alias names a collection the manifest does not list"
                );
            }
        }
        let engine = Self {
            root,
            fs,
            opts,
            collections: RwLock::new(
                names
                    .into_iter()
                    .map(|n| (n, CollectionState::Recovering))
                    .collect(),
            ),
            aliases: RwLock::new(alias_table),
            catalog_writes: Mutex::new(()),
            _lock: lock,
        };
        engine.quarantine_orphans()?;
        engine.quarantine_staging()?;
        engine.publish_state_metrics();
        Ok(engine)
    }

    /// A collection about to start a new history (created, or replaced by a snapshot) moves its
    /// predecessor's WAL archive aside, so the two histories never mix.
    fn retire_archive(&self, name: &str) -> Result<(), EngineError> {
        let Some(archive_dir) = &self.opts.wal_archive else {
            return Ok(());
        };
        crate::engine::wal_archive::retire(archive_dir, name)
            .map(|_| ())
            .map_err(|e| EngineError::io("retire the WAL archive of", archive_dir.join(name), e))
    }

    fn collection_dir(&self, name: &str) -> PathBuf {
        self.root.join("collections").join(name)
    }

    /// Moves entries of `collections/` that the manifest does not name (leftovers of an
    /// interrupted create or delete) into `quarantine/`. Nothing is ever deleted here: an entry
    /// the manifest does not explain may be somebody's data (a partial restore, a manifest edited
    /// by hand), and the operator decides what to do with it.
    fn quarantine_orphans(&self) -> Result<(), EngineError> {
        let dir = self.root.join("collections");
        let entries = self
            .fs
            .list_dir(&dir)
            .map_err(|e| EngineError::io("list", &dir, e))?;
        let known: Vec<String> = self.collections.read().keys().cloned().collect();
        for path in entries {
            let is_known = path
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| known.iter().any(|k| k == n));
            if !is_known {
                self.quarantine(&path)?;
            }
        }
        Ok(())
    }

    /// Moves `path` to `quarantine/<file name>.<unix seconds>[.n]` in the data directory and
    /// returns where it went.
    fn quarantine(&self, path: &Path) -> Result<PathBuf, EngineError> {
        let target_dir = self.root.join(QUARANTINE_DIR);
        self.fs
            .create_dir_all(&target_dir)
            .map_err(|e| EngineError::io("create", &target_dir, e))?;
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let base = path
            .file_name()
            .map_or_else(|| "entry".into(), |n| n.to_string_lossy().into_owned());
        let mut target = target_dir.join(format!("{base}.{stamp}"));
        let mut n = 1;
        while self.fs.exists(&target) {
            target = target_dir.join(format!("{base}.{stamp}.{n}"));
            n += 1;
        }
        tracing::warn!(
            from = %path.display(),
            to = %target.display(),
            "moving an entry the manifest does not name (an interrupted create or delete, or data \
             the manifest does not know) to quarantine; nothing is deleted"
        );
        self.fs
            .rename(path, &target)
            .map_err(|e| EngineError::io("quarantine", path, e))?;
        for parent in [path.parent(), Some(target_dir.as_path())]
            .into_iter()
            .flatten()
        {
            self.fs
                .sync_dir(parent)
                .map_err(|e| EngineError::io("sync", parent, e))?;
        }
        Ok(target)
    }

    /// Opens every registered collection, one after another. A collection that fails to open is
    /// marked failed (with the reason) and the others still open.
    pub fn recover_all(&self) {
        let names: Vec<String> = self.collections.read().keys().cloned().collect();
        for name in names {
            let dir = self.collection_dir(&name);
            let result = manifest::read_settings(self.fs.as_ref(), &dir).and_then(|config| {
                collection::open(Arc::clone(&self.fs), &name, &dir, config, &self.opts)
            });
            let state = match result {
                Ok(c) => CollectionState::Ready(Arc::new(c)),
                Err(e) => {
                    tracing::error!(collection = %name, error = %e, "collection failed to open");
                    CollectionState::Failed(e.to_string().into())
                }
            };
            let mut map = self.collections.write();
            if let Some(slot) = map.get_mut(&name) {
                *slot = state;
            }
        }
        self.publish_state_metrics();
    }

    fn publish_state_metrics(&self) {
        let (mut ready, mut recovering, mut failed) = (0, 0, 0);
        for state in self.collections.read().values() {
            match state {
                CollectionState::Ready(_) => ready += 1,
                CollectionState::Recovering => recovering += 1,
                CollectionState::Failed(_) => failed += 1,
            }
        }
        metrics::COLLECTIONS
            .with_label_values(&["ready"])
            .set(ready);
        metrics::COLLECTIONS
            .with_label_values(&["recovering"])
            .set(recovering);
        metrics::COLLECTIONS
            .with_label_values(&["failed"])
            .set(failed);
    }

    /// Every collection and its state, by name.
    #[must_use]
    pub fn states(&self) -> Vec<(String, CollectionState)> {
        self.collections
            .read()
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect()
    }

    /// Whether every collection is open.
    #[must_use]
    pub fn is_ready(&self) -> bool {
        self.collections
            .read()
            .values()
            .all(|s| matches!(s, CollectionState::Ready(_)))
    }

    /// The open collection `name`, or the one the alias `name` names.
    ///
    /// # Errors
    /// Not found, still recovering, or failed.
    pub fn collection(&self, name: &str) -> Result<Arc<Collection>, EngineError> {
        let name = self.resolve(name);
        let name = name.as_str();
        match self.collections.read().get(name) {
            Some(CollectionState::Ready(c)) => Ok(Arc::clone(c)),
            Some(CollectionState::Recovering) => Err(EngineError::CollectionRecovering {
                name: name.to_owned(),
            }),
            Some(CollectionState::Failed(reason)) => Err(EngineError::CollectionFailed {
                name: name.to_owned(),
                reason: Arc::clone(reason),
            }),
            None => Err(EngineError::CollectionNotFound {
                name: name.to_owned(),
            }),
        }
    }

    /// Whether a collection with this name, or the collection of an alias with this name, exists
    /// (in any state).
    #[must_use]
    pub fn exists(&self, name: &str) -> bool {
        self.collections.read().contains_key(&self.resolve(name))
    }

    fn check_config(config: &CollectionConfig) -> Result<(), EngineError> {
        if config.vectors.len() > MAX_SPACES {
            return Err(EngineError::InvalidSetting {
                setting: "vectors",
                reason: format!(
                    "at most {MAX_SPACES} named vectors, got {}",
                    config.vectors.len()
                ),
            });
        }
        for (i, v) in config.vectors.iter().enumerate() {
            if v.name.len() > MAX_VECTOR_NAME_BYTES || v.name.chars().any(char::is_control) {
                return Err(EngineError::InvalidSetting {
                    setting: "vectors",
                    reason: format!(
                        "a vector name is at most {MAX_VECTOR_NAME_BYTES} bytes without control \
                         characters, got {:?}",
                        v.name.chars().take(40).collect::<String>()
                    ),
                });
            }
            if config.vectors[..i].iter().any(|o| o.name == v.name) {
                return Err(EngineError::InvalidSetting {
                    setting: "vectors",
                    reason: format!("vector {:?} is declared twice", v.name),
                });
            }
            Self::check_vector(&v.name, &v.params)?;
        }
        Ok(())
    }

    /// Checks one declared vector's settings; `name` (empty for the unnamed vector) goes into
    /// the message.
    fn check_vector(name: &str, params: &VectorParams) -> Result<(), EngineError> {
        let of = if name.is_empty() {
            String::new()
        } else {
            format!("vector {name:?}: ")
        };
        if params.dimension == 0 || params.dimension > MAX_DIMENSION {
            return Err(EngineError::InvalidSetting {
                setting: "vectors.size",
                reason: format!(
                    "{of}must be between 1 and {MAX_DIMENSION}, got {}",
                    params.dimension
                ),
            });
        }
        let h = params.hnsw;
        if !(2..=128).contains(&h.m) {
            return Err(EngineError::InvalidSetting {
                setting: "hnsw_config.m",
                reason: format!("{of}must be between 2 and 128, got {}", h.m),
            });
        }
        if !(1..=4096).contains(&h.ef_construction) {
            return Err(EngineError::InvalidSetting {
                setting: "hnsw_config.ef_construct",
                reason: format!("{of}must be between 1 and 4096, got {}", h.ef_construction),
            });
        }
        if let Some(q) = &params.quantization {
            if params.metric.is_binary() {
                return Err(EngineError::InvalidSetting {
                    setting: "quantization_config",
                    reason: format!(
                        "{of}binary vectors (Hamming, Jaccard) are already bit-packed; \
                         quantization applies to float metrics only"
                    ),
                });
            }
            q.validate().map_err(|reason| EngineError::InvalidSetting {
                setting: "quantization_config",
                reason: format!("{of}{reason}"),
            })?;
        }
        Ok(())
    }

    /// Creates a collection.
    ///
    /// # Errors
    /// Invalid name or settings, [`EngineError::CollectionExists`], I/O errors.
    pub fn create(
        &self,
        name: &str,
        config: CollectionConfig,
    ) -> Result<Arc<Collection>, EngineError> {
        self.create_with_ttl(name, config, None)
    }

    /// [`Engine::create`], with `ttl_field` naming the top-level payload key whose datetime is
    /// each point's expiry (see `collection::expiry`); the key is indexed as a datetime at once.
    ///
    /// # Errors
    /// As [`Engine::create`]; [`EngineError::InvalidSetting`] for a `ttl_field` that is not a
    /// top-level key.
    pub fn create_with_ttl(
        &self,
        name: &str,
        config: CollectionConfig,
        ttl_field: Option<&str>,
    ) -> Result<Arc<Collection>, EngineError> {
        let ttl = ttl_field.map(collection::Ttl::new).transpose()?;
        let collection = self.create_collection(name, config, ttl_field)?;
        if let Some(ttl) = ttl {
            // Logged before any point can be written, so every point's expiry is indexed.
            collection
                .create_field_index(ttl.path, IndexSchema::Datetime, AckAt::Applied)?
                .wait_blocking()?;
        }
        Ok(collection)
    }

    fn create_collection(
        &self,
        name: &str,
        config: CollectionConfig,
        ttl_field: Option<&str>,
    ) -> Result<Arc<Collection>, EngineError> {
        name::validate(name)?;
        Self::check_config(&config)?;
        let _guard = self.catalog_writes.lock();
        if self.collections.read().contains_key(name) {
            return Err(EngineError::CollectionExists {
                name: name.to_owned(),
            });
        }
        self.check_room_for(name)?;
        let dir = self.collection_dir(name);
        if self.fs.exists(&dir) {
            // A leftover the manifest does not name (a delete whose removal failed): keep it.
            self.quarantine(&dir)?;
        }
        self.fs
            .create_dir_all(&dir)
            .map_err(|e| EngineError::io("create", &dir, e))?;
        let parent = self.root.join("collections");
        self.fs
            .sync_dir(&parent)
            .map_err(|e| EngineError::io("sync", &parent, e))?;
        manifest::write_settings_with_ttl(self.fs.as_ref(), &dir, &config, ttl_field)?;
        self.retire_archive(name)?;
        let collection = Arc::new(collection::open(
            Arc::clone(&self.fs),
            name,
            &dir,
            config,
            &self.opts,
        )?);
        let mut names: Vec<String> = self.collections.read().keys().cloned().collect();
        names.push(name.to_owned());
        if let Err(e) = manifest::write_manifest(self.fs.as_ref(), &self.root, &names) {
            let _ = collection.shutdown_blocking();
            let _ = self.fs.remove_dir_all(&dir);
            return Err(e);
        }
        self.collections.write().insert(
            name.to_owned(),
            CollectionState::Ready(Arc::clone(&collection)),
        );
        self.publish_state_metrics();
        tracing::info!(
            collection = name,
            vectors = %collection.config().declared_names(),
            "collection created"
        );
        Ok(collection)
    }

    /// Deletes a collection and its files. Returns whether it existed.
    ///
    /// # Errors
    /// [`EngineError::CollectionRecovering`] while it is being recovered; I/O errors.
    pub fn delete(&self, name: &str) -> Result<bool, EngineError> {
        name::validate(name)?;
        let _guard = self.catalog_writes.lock();
        let state = match self.collections.read().get(name) {
            None => return Ok(false),
            Some(CollectionState::Recovering) => {
                return Err(EngineError::CollectionRecovering {
                    name: name.to_owned(),
                });
            }
            Some(state) => state.clone(),
        };
        let names: Vec<String> = self
            .collections
            .read()
            .keys()
            .filter(|n| n.as_str() != name)
            .cloned()
            .collect();
        // The aliases go first: a crash before the manifest write leaves the collection without
        // its aliases (the delete was not acknowledged), never an alias naming a collection
        // that is gone.
        self.drop_aliases_of(name)?;
        manifest::write_manifest(self.fs.as_ref(), &self.root, &names)?;
        self.collections.write().remove(name);
        self.publish_state_metrics();
        if let CollectionState::Ready(c) = state {
            // The final checkpoint is wasted work here, but stopping cleanly keeps the writer's
            // files closed before they are removed.
            let _ = c.shutdown_blocking();
        }
        let dir = self.collection_dir(name);
        self.fs
            .remove_dir_all(&dir)
            .map_err(|e| EngineError::io("remove", &dir, e))?;
        tracing::info!(collection = name, "collection deleted");
        Ok(true)
    }

    /// Bytes the collection's files take on disk.
    #[must_use]
    pub fn disk_bytes(&self, name: &str) -> u64 {
        dir_size(&self.collection_dir(name))
    }

    /// Checkpoints and stops every collection. Called once at graceful shutdown.
    pub fn shutdown(&self) {
        for (name, state) in self.states() {
            if let CollectionState::Ready(c) = state
                && let Err(e) = c.shutdown_blocking()
            {
                tracing::error!(collection = %name, error = %e, "final checkpoint failed; the WAL still holds every acknowledged write");
            }
        }
    }
}

fn dir_size(path: &Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(path) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_size(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

impl Engine {
    /// Refuses a new collection `name` that an alias already takes, or one past
    /// `max_collections`.
    pub(super) fn check_room_for(&self, name: &str) -> Result<(), EngineError> {
        if let Some(collection) = self.aliases.read().target(name) {
            return Err(EngineError::NameIsAlias {
                name: name.to_owned(),
                collection: collection.to_owned(),
            });
        }
        if self.collections.read().len() >= self.opts.max_collections {
            return Err(EngineError::TooManyCollections {
                limit: self.opts.max_collections,
            });
        }
        Ok(())
    }
}
