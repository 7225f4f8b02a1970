//! [`PowerCutFs`]: a [`RealFs`] that can lose power, for crash tests that `kill -9` cannot do.
//!
//! A killed process leaves the page cache behind, so a missing `fsync` goes unnoticed. This file
//! system keeps, beside the real files, a model of what a disk would hold after a power failure:
//!
//! - per file, its bytes as of its last `sync_data` (or `truncate`, which syncs);
//! - per directory, its entries as of its last `sync_dir`: a file created, renamed or removed
//!   since then is back to its old name (or gone, or back) after the cut.
//!
//! [`PowerCutFs::cut_power`] rewrites the real directory tree to that model and fails every later
//! call with `EIO`, as if the machine were off; a test then drops the engine and reopens the
//! directory with [`RealFs`]. With a scramble seed the cut also keeps a random subset of the
//! unsynced 512-byte blocks and a random part of unsynced growth, the way the kernel writes dirty
//! pages back in no particular order; without one it keeps only synced bytes.
//! [`PowerCutFs::cut_at_sync`] arms the cut to happen instead of the n-th sync, which models power
//! failing while an `fsync` is in flight: that sync's data is subject to the same lottery.
//!
//! Simplifications: directories are durable as soon as they are created, and `remove_dir_all` is
//! durable at once. Files written outside this seam (the `LOCK` file, memory-mapped working files)
//! are left alone. Files that exist under the root when the instance is made count as durable.

use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use parking_lot::Mutex;

use super::{FileSystem, ReadableFile, RealFs, WritableFile};

/// The granularity at which unsynced writes survive a cut or not (a disk sector).
const BLOCK: usize = 512;

/// A small deterministic generator (SplitMix64), so a cut is reproducible from its seed.
#[derive(Debug)]
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..=max`.
    fn up_to(&mut self, max: u64) -> u64 {
        if max == u64::MAX {
            self.next()
        } else {
            self.next() % (max + 1)
        }
    }
}

#[derive(Debug, Default)]
struct Model {
    /// Set once power is cut: every later call fails.
    cut: bool,
    /// The cut fires instead of this many-th sync (file or directory), 1-based, when armed.
    cut_at_sync: Option<(u64, Option<u64>)>,
    syncs: u64,
    next_id: u64,
    /// The names the running process sees: path -> file identity.
    live: HashMap<PathBuf, u64>,
    /// The names a disk would show after a cut: path -> file identity.
    durable: HashMap<PathBuf, u64>,
    /// Each file identity's bytes as of its last sync.
    synced: HashMap<u64, Vec<u8>>,
}

fn dead() -> io::Error {
    io::Error::other("power is cut")
}

impl Model {
    fn check(&self) -> io::Result<()> {
        if self.cut { Err(dead()) } else { Ok(()) }
    }

    fn new_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn live_path(&self, id: u64) -> Option<&PathBuf> {
        self.live.iter().find_map(|(p, &i)| (i == id).then_some(p))
    }

    /// Counts a sync; returns `true` when it is the one the cut was armed for (the cut is done).
    fn count_sync(&mut self) -> io::Result<bool> {
        self.syncs += 1;
        if let Some((at, scramble)) = self.cut_at_sync
            && self.syncs >= at
        {
            self.cut(scramble)?;
            return Ok(true);
        }
        Ok(false)
    }

    fn mark_synced(&mut self, id: u64) -> io::Result<()> {
        if let Some(path) = self.live_path(id) {
            let bytes = std::fs::read(path)?;
            self.synced.insert(id, bytes);
        }
        Ok(())
    }

    /// Rewrites the real tree to what a disk would hold after losing power now.
    fn cut(&mut self, scramble: Option<u64>) -> io::Result<()> {
        self.cut = true;
        let mut rng = scramble.map(SplitMix);
        // Everything is computed before anything is written, because names overlap.
        let mut after: Vec<(PathBuf, Vec<u8>)> = Vec::new();
        let mut durable: Vec<_> = self.durable.iter().map(|(p, &i)| (p.clone(), i)).collect();
        durable.sort();
        for (path, id) in durable {
            let old = self.synced.get(&id).cloned().unwrap_or_default();
            let bytes = match (rng.as_mut(), self.live_path(id)) {
                (Some(rng), Some(live)) => {
                    let new = std::fs::read(live).unwrap_or_default();
                    mix(&old, &new, rng)
                }
                _ => old,
            };
            after.push((path, bytes));
        }
        let doomed: Vec<PathBuf> = self
            .live
            .keys()
            .filter(|p| !self.durable.contains_key(*p))
            .cloned()
            .collect();
        for path in doomed {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
        }
        for (path, bytes) in after {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(&path, bytes)?;
        }
        Ok(())
    }
}

/// What a block-by-block race between writeback and the power cut leaves of `new` over `old`.
fn mix(old: &[u8], new: &[u8], rng: &mut SplitMix) -> Vec<u8> {
    let len = if new.len() > old.len() {
        old.len() + usize::try_from(rng.up_to((new.len() - old.len()) as u64)).unwrap_or(0)
    } else if rng.up_to(1) == 0 {
        old.len()
    } else {
        new.len()
    };
    let mut out = vec![0u8; len];
    for start in (0..len).step_by(BLOCK) {
        let end = (start + BLOCK).min(len);
        let from = if rng.up_to(1) == 0 { old } else { new };
        for (at, byte) in out[start..end].iter_mut().enumerate() {
            *byte = from.get(start + at).copied().unwrap_or(0);
        }
    }
    out
}

/// A file system whose power can be cut. Cheap to clone; clones share the model.
#[derive(Debug, Clone)]
pub struct PowerCutFs {
    model: Arc<Mutex<Model>>,
}

impl PowerCutFs {
    /// Models the tree under `root`; every file already there counts as durable.
    ///
    /// # Errors
    /// I/O errors while reading the existing tree.
    pub fn new(root: &Path) -> io::Result<Self> {
        let mut model = Model::default();
        let mut dirs = vec![root.to_path_buf()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir)? {
                let entry = entry?;
                let path = entry.path();
                if entry.file_type()?.is_dir() {
                    dirs.push(path);
                } else {
                    let id = model.new_id();
                    model.synced.insert(id, std::fs::read(&path)?);
                    model.live.insert(path.clone(), id);
                    model.durable.insert(path, id);
                }
            }
        }
        Ok(Self {
            model: Arc::new(Mutex::new(model)),
        })
    }

    /// Cuts the power now: the real tree becomes what a disk would hold, and every later call on
    /// this file system (and on files it opened) fails. `scramble` keeps a seeded random part of
    /// the unsynced writes; `None` keeps none of them.
    ///
    /// # Errors
    /// I/O errors while rewriting the tree.
    pub fn cut_power(&self, scramble: Option<u64>) -> io::Result<()> {
        let mut model = self.model.lock();
        if model.cut {
            return Ok(());
        }
        model.cut(scramble)
    }

    /// Arms the cut to happen instead of the `n`-th sync (1-based, files and directories), which
    /// then fails. `scramble` as for [`Self::cut_power`].
    pub fn cut_at_sync(&self, n: u64, scramble: Option<u64>) {
        self.model.lock().cut_at_sync = Some((n, scramble));
    }

    /// Whether the power has been cut.
    #[must_use]
    pub fn is_cut(&self) -> bool {
        self.model.lock().cut
    }

    fn open(&self, path: &Path, create: bool) -> io::Result<Box<dyn WritableFile>> {
        let mut model = self.model.lock();
        model.check()?;
        let inner = if create {
            RealFs.create(path)?
        } else {
            RealFs.open_write(path)?
        };
        let id = match model.live.get(path) {
            Some(&id) => id,
            None => {
                let id = model.new_id();
                model.live.insert(path.to_path_buf(), id);
                id
            }
        };
        Ok(Box::new(PowerCutFile {
            inner,
            id,
            model: Arc::clone(&self.model),
        }))
    }
}

#[derive(Debug)]
struct PowerCutFile {
    inner: Box<dyn WritableFile>,
    id: u64,
    model: Arc<Mutex<Model>>,
}

impl WritableFile for PowerCutFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        let model = self.model.lock();
        model.check()?;
        self.inner.write_all(buf)
    }

    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        let model = self.model.lock();
        model.check()?;
        self.inner.write_all_at(buf, offset)
    }

    fn allocate(&mut self, len: u64) -> io::Result<()> {
        let model = self.model.lock();
        model.check()?;
        self.inner.allocate(len)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        let mut model = self.model.lock();
        model.check()?;
        if model.count_sync()? {
            return Err(dead());
        }
        self.inner.sync_data()?;
        model.mark_synced(self.id)
    }
}

/// A file opened for reading; like every handle, it fails once the power is cut.
#[derive(Debug)]
struct PowerCutReadFile {
    inner: Box<dyn ReadableFile>,
    model: Arc<Mutex<Model>>,
}

impl ReadableFile for PowerCutReadFile {
    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.model.lock().check()?;
        self.inner.read_exact_at(buf, offset)
    }
}

impl FileSystem for PowerCutFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        self.model.lock().check()?;
        RealFs.create_dir_all(path)
    }

    fn open_write(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.open(path, false)
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        self.open(path, true)
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.model.lock().check()?;
        RealFs.read(path)
    }

    fn open_read(&self, path: &Path) -> io::Result<Box<dyn ReadableFile>> {
        self.model.lock().check()?;
        Ok(Box::new(PowerCutReadFile {
            inner: RealFs.open_read(path)?,
            model: Arc::clone(&self.model),
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut model = self.model.lock();
        model.check()?;
        RealFs.rename(from, to)?;
        if let Some(id) = model.live.remove(from) {
            model.live.insert(to.to_path_buf(), id);
        }
        Ok(())
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        let mut model = self.model.lock();
        model.check()?;
        RealFs.remove_file(path)?;
        model.live.remove(path);
        Ok(())
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        let mut model = self.model.lock();
        model.check()?;
        RealFs.remove_dir_all(path)?;
        model.live.retain(|p, _| !p.starts_with(path));
        model.durable.retain(|p, _| !p.starts_with(path));
        Ok(())
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        let mut model = self.model.lock();
        model.check()?;
        if model.count_sync()? {
            return Err(dead());
        }
        RealFs.sync_dir(path)?;
        model.durable.retain(|p, _| p.parent() != Some(path));
        let entries: Vec<_> = model
            .live
            .iter()
            .filter(|(p, _)| p.parent() == Some(path))
            .map(|(p, &i)| (p.clone(), i))
            .collect();
        model.durable.extend(entries);
        Ok(())
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        self.model.lock().check()?;
        RealFs.list_dir(path)
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        let mut model = self.model.lock();
        model.check()?;
        RealFs.truncate(path, len)?;
        if let Some(&id) = model.live.get(path) {
            model.mark_synced(id)?;
        }
        Ok(())
    }

    fn exists(&self, path: &Path) -> bool {
        RealFs.exists(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    #[test]
    fn a_cut_keeps_synced_bytes_and_synced_names_only() -> TestResult {
        let dir = tempfile::tempdir()?;
        let fs = PowerCutFs::new(dir.path())?;
        let synced = dir.path().join("synced");
        let unsynced_name = dir.path().join("unsynced-name");
        let renamed = dir.path().join("renamed");
        let mut f = fs.create(&synced)?;
        f.write_all(b"durable")?;
        f.sync_data()?;
        fs.sync_dir(dir.path())?;
        f.write_all(b" and lost")?;
        let mut g = fs.create(&unsynced_name)?;
        g.write_all(b"data synced, name not")?;
        g.sync_data()?;
        fs.rename(&synced, &renamed)?;
        fs.cut_power(None)?;
        assert_eq!(std::fs::read(&synced)?, b"durable");
        assert!(!unsynced_name.exists());
        assert!(!renamed.exists());
        assert!(f.write_all(b"x").is_err(), "writes after the cut must fail");
        assert!(fs.read(&synced).is_err());
        Ok(())
    }

    #[test]
    fn a_scrambled_cut_keeps_a_block_mix_of_old_and_new_bytes() -> TestResult {
        let mut saw_partial = false;
        for seed in 0..32 {
            let dir = tempfile::tempdir()?;
            let fs = PowerCutFs::new(dir.path())?;
            let path = dir.path().join("f");
            let mut f = fs.create(&path)?;
            f.write_all(&vec![1u8; 4 * BLOCK])?;
            f.sync_data()?;
            fs.sync_dir(dir.path())?;
            f.write_all_at(&vec![2u8; 4 * BLOCK], 0)?;
            f.write_all(&vec![3u8; 4 * BLOCK])?;
            fs.cut_power(Some(seed))?;
            let bytes = std::fs::read(&path)?;
            assert!(bytes.len() >= 4 * BLOCK && bytes.len() <= 8 * BLOCK);
            for (i, block) in bytes.chunks(BLOCK).enumerate() {
                let first = block[0];
                assert!(
                    block.iter().all(|&b| b == first),
                    "seed {seed}: torn block {i}"
                );
                let allowed: &[u8] = if i < 4 { &[1, 2] } else { &[0, 3] };
                assert!(
                    allowed.contains(&first),
                    "seed {seed}: block {i} holds {first}"
                );
            }
            let old_blocks = bytes[..4 * BLOCK]
                .chunks(BLOCK)
                .filter(|b| b[0] == 1)
                .count();
            saw_partial |= old_blocks > 0 && old_blocks < 4;
        }
        assert!(saw_partial, "no seed kept a partial mix");
        Ok(())
    }

    #[test]
    fn a_cut_armed_at_a_sync_fires_instead_of_it() -> TestResult {
        let dir = tempfile::tempdir()?;
        let fs = PowerCutFs::new(dir.path())?;
        let path = dir.path().join("f");
        fs.cut_at_sync(3, None);
        let mut f = fs.create(&path)?;
        f.write_all(b"one")?;
        f.sync_data()?; // 1
        fs.sync_dir(dir.path())?; // 2
        f.write_all(b"two")?;
        assert!(f.sync_data().is_err()); // 3: the cut
        assert!(fs.is_cut());
        assert_eq!(std::fs::read(&path)?, b"one");
        Ok(())
    }
}
