//! [`FaultyFs`]: a [`RealFs`] that fails on purpose, for durability tests.
//!
//! A fault is armed for the n-th call of one kind (`write`, `allocate` or `fsync`) counted across
//! every file the instance opened. Once it fires, it keeps firing for that kind, the way a full disk
//! or a dead device keeps failing, until [`FaultyFs::heal`] (space was freed, the device came back).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{FileSystem, ReadableFile, RealFs, WritableFile};

/// Which operation fails, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// `write` fails with `ENOSPC` (disk full).
    WriteNoSpace,
    /// `write` fails with `EIO`.
    WriteIo,
    /// `fsync` fails with `EIO`.
    SyncIo,
    /// Reserving blocks (`allocate`) fails with `ENOSPC`; writes into reserved space still work,
    /// as on a real file system that has run out of free blocks.
    AllocateNoSpace,
}

#[derive(Debug)]
struct Plan {
    kind: FaultKind,
    /// The fault fires on the call with this 1-based number and every later one.
    from_call: u64,
    writes: AtomicU64,
    syncs: AtomicU64,
    allocations: AtomicU64,
    healed: AtomicBool,
}

impl Plan {
    fn on_write(&self) -> io::Result<()> {
        let n = self.writes.fetch_add(1, Ordering::SeqCst) + 1;
        if self.healed.load(Ordering::SeqCst) {
            return Ok(());
        }
        match self.kind {
            FaultKind::WriteNoSpace if n >= self.from_call => {
                Err(io::Error::from_raw_os_error(28)) // ENOSPC
            }
            FaultKind::WriteIo if n >= self.from_call => Err(io::Error::from_raw_os_error(5)),
            _ => Ok(()),
        }
    }

    fn on_sync(&self) -> io::Result<()> {
        let n = self.syncs.fetch_add(1, Ordering::SeqCst) + 1;
        if self.kind == FaultKind::SyncIo
            && n >= self.from_call
            && !self.healed.load(Ordering::SeqCst)
        {
            return Err(io::Error::from_raw_os_error(5)); // EIO
        }
        Ok(())
    }

    fn on_allocate(&self) -> io::Result<()> {
        let n = self.allocations.fetch_add(1, Ordering::SeqCst) + 1;
        if self.kind == FaultKind::AllocateNoSpace
            && n >= self.from_call
            && !self.healed.load(Ordering::SeqCst)
        {
            return Err(io::Error::from_raw_os_error(28)); // ENOSPC
        }
        Ok(())
    }
}

/// A file system that injects one planned fault.
#[derive(Debug, Clone)]
pub struct FaultyFs {
    plan: Arc<Plan>,
}

impl FaultyFs {
    /// Fails every call of `kind` from the `from_call`-th one (1-based) on.
    #[must_use]
    pub fn new(kind: FaultKind, from_call: u64) -> Self {
        Self {
            plan: Arc::new(Plan {
                kind,
                from_call,
                writes: AtomicU64::new(0),
                syncs: AtomicU64::new(0),
                allocations: AtomicU64::new(0),
                healed: AtomicBool::new(false),
            }),
        }
    }

    /// Stops the fault from firing again: the disk has room again, or the device is back.
    pub fn heal(&self) {
        self.plan.healed.store(true, Ordering::SeqCst);
    }
}

#[derive(Debug)]
struct FaultyFile {
    inner: Box<dyn WritableFile>,
    plan: Arc<Plan>,
}

impl WritableFile for FaultyFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.plan.on_write()?;
        self.inner.write_all(buf)
    }

    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.plan.on_write()?;
        self.inner.write_all_at(buf, offset)
    }

    fn allocate(&mut self, len: u64) -> io::Result<()> {
        self.plan.on_allocate()?;
        self.inner.allocate(len)
    }

    fn sync_data(&mut self) -> io::Result<()> {
        self.plan.on_sync()?;
        self.inner.sync_data()
    }
}

impl FileSystem for FaultyFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        RealFs.create_dir_all(path)
    }

    fn open_write(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let inner = RealFs.open_write(path)?;
        Ok(Box::new(FaultyFile {
            inner,
            plan: Arc::clone(&self.plan),
        }))
    }

    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        let inner = RealFs.create(path)?;
        Ok(Box::new(FaultyFile {
            inner,
            plan: Arc::clone(&self.plan),
        }))
    }

    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        RealFs.read(path)
    }

    fn open_read(&self, path: &Path) -> io::Result<Box<dyn ReadableFile>> {
        RealFs.open_read(path)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        RealFs.rename(from, to)
    }

    fn remove_file(&self, path: &Path) -> io::Result<()> {
        RealFs.remove_file(path)
    }

    fn remove_dir_all(&self, path: &Path) -> io::Result<()> {
        RealFs.remove_dir_all(path)
    }

    fn sync_dir(&self, path: &Path) -> io::Result<()> {
        self.plan.on_sync()?;
        RealFs.sync_dir(path)
    }

    fn list_dir(&self, path: &Path) -> io::Result<Vec<PathBuf>> {
        RealFs.list_dir(path)
    }

    fn truncate(&self, path: &Path, len: u64) -> io::Result<()> {
        RealFs.truncate(path, len)
    }

    fn exists(&self, path: &Path) -> bool {
        RealFs.exists(path)
    }
}
