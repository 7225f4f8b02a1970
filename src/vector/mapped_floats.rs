//! [`MappedFloats`]: a growable array of `f32` in a memory map, backed by a file or by anonymous
//! memory.
//!
//! A file-backed array lives in the page cache: the kernel keeps the hot pages resident and can
//! evict cold ones, so an array larger than RAM still works. The file is a working copy that the
//! owner rewrites when it opens; it is never read back as a source of truth, and nothing here
//! syncs it. Growth reserves disk blocks up front (`posix_fallocate`), so a full disk is an error
//! from [`MappedFloats::reserve`] instead of a `SIGBUS` on a later store into a sparse page.
//!
//! Owns the mapping and its file; knows nothing about what the floats mean. It lives in `vector/`
//! rather than `storage/` because the file is memory, not a record: it holds no format, no
//! checksum and no durability promise (checkpoints carry the vectors), so only the vector arena
//! ([`super::DenseVectors`]) uses it.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::Path;

use memmap2::{MmapMut, MmapOptions};

const FLOAT: usize = std::mem::size_of::<f32>();
/// Smallest mapping made, in floats (64 KiB).
const MIN_CAPACITY: usize = 16 * 1024;

/// A growable `f32` array in a memory map.
#[derive(Debug)]
pub struct MappedFloats {
    /// `None` until the first reservation.
    map: Option<MmapMut>,
    /// The backing file, or `None` for anonymous memory.
    file: Option<File>,
    /// Floats in use.
    len: usize,
}

impl MappedFloats {
    /// An empty array in anonymous memory.
    #[must_use]
    pub fn anonymous() -> Self {
        Self {
            map: None,
            file: None,
            len: 0,
        }
    }

    /// An empty array backed by `path`, which is created or truncated.
    ///
    /// # Errors
    /// The I/O error from creating the file.
    pub fn create(path: &Path) -> io::Result<Self> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        Ok(Self {
            map: None,
            file: Some(file),
            len: 0,
        })
    }

    /// Floats in use.
    #[must_use]
    pub fn len(&self) -> usize {
        self.len
    }

    fn capacity(&self) -> usize {
        self.map.as_ref().map_or(0, |m| m.len() / FLOAT)
    }

    /// The floats in use.
    #[must_use]
    #[inline]
    pub fn as_slice(&self) -> &[f32] {
        match &self.map {
            // SAFETY: the map is page-aligned (so aligned for f32), at least `len * 4` bytes long
            // (`len` never exceeds the capacity), and every byte pattern is a valid f32. The
            // shared borrow of `self` keeps the map alive and unchanged for the slice's lifetime:
            // only `&mut self` methods write or remap.
            Some(map) => unsafe {
                std::slice::from_raw_parts(map.as_ptr().cast::<f32>(), self.len)
            },
            None => &[],
        }
    }

    /// The floats in use, writable.
    #[must_use]
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [f32] {
        match &mut self.map {
            // SAFETY: as in `as_slice`; the exclusive borrow of `self` makes this the only view.
            Some(map) => unsafe {
                std::slice::from_raw_parts_mut(map.as_mut_ptr().cast::<f32>(), self.len)
            },
            None => &mut [],
        }
    }

    /// Makes room for `additional` more floats without another allocation.
    ///
    /// # Errors
    /// The I/O error from growing the file (`ENOSPC` when the disk is full) or the mapping.
    pub fn reserve(&mut self, additional: usize) -> io::Result<()> {
        let needed = self
            .len
            .checked_add(additional)
            .ok_or_else(|| io::Error::other("vector arena size overflows"))?;
        if needed <= self.capacity() {
            return Ok(());
        }
        let capacity = needed.max(self.capacity() * 2).max(MIN_CAPACITY);
        let bytes = capacity
            .checked_mul(FLOAT)
            .ok_or_else(|| io::Error::other("vector arena size overflows"))?;
        let map = match &self.file {
            Some(file) => {
                allocate(file, bytes)?;
                // SAFETY: the file was opened (and truncated) by this value, which keeps it open
                // and never shares it, so nothing else resizes or writes it while mapped; the old
                // mapping is dropped below before any reader can see the new one (`&mut self`).
                unsafe { MmapOptions::new().len(bytes).map_mut(file)? }
            }
            None => {
                let mut map = MmapOptions::new().len(bytes).map_anon()?;
                map[..self.len * FLOAT].copy_from_slice(self.bytes_in_use());
                map
            }
        };
        self.map = Some(map);
        Ok(())
    }

    fn bytes_in_use(&self) -> &[u8] {
        self.map.as_ref().map_or(&[], |m| &m[..self.len * FLOAT])
    }

    /// Appends `values`, growing when needed.
    ///
    /// # Errors
    /// As [`MappedFloats::reserve`].
    pub fn extend_from_slice(&mut self, values: &[f32]) -> io::Result<()> {
        self.reserve(values.len())?;
        let start = self.len;
        self.len += values.len();
        self.as_mut_slice()[start..].copy_from_slice(values);
        Ok(())
    }

    /// Bytes mapped (the capacity).
    #[must_use]
    pub fn mapped_bytes(&self) -> usize {
        self.map.as_ref().map_or(0, |m| m.len())
    }

    /// Bytes of the mapping in memory now, from `mincore`: for a file-backed map, pages in the
    /// page cache whether or not this process has touched them; the mapped size
    /// when the kernel cannot tell.
    #[must_use]
    pub fn resident_bytes(&self) -> usize {
        self.map
            .as_ref()
            .map_or(0, |m| resident(m).unwrap_or(m.len()))
    }

    /// Tells the kernel the mapped pages are not needed soon: file-backed pages leave this
    /// process's resident set (they stay in the page cache until evicted) and are read back on
    /// the next access. Anonymous memory is left alone (dropping it would lose the data).
    pub fn release_resident(&self) {
        if let (Some(map), Some(_)) = (&self.map, &self.file) {
            // SAFETY: the mapping is shared and file-backed, so `MADV_DONTNEED` only unmaps the
            // pages from this process: their contents stay in the page cache and the file and are
            // read back on the next access. No reference into the pages is invalidated: slices
            // borrowed from `self` keep reading the same values. Failure is only lost advice.
            let _ = unsafe { map.unchecked_advise(memmap2::UncheckedAdvice::DontNeed) };
        }
    }
}

/// Grows `file` to `bytes` with its blocks allocated.
fn allocate(file: &File, bytes: usize) -> io::Result<()> {
    let len = libc::off_t::try_from(bytes)
        .map_err(|_| io::Error::other("vector file size exceeds the platform's file offsets"))?;
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        // SAFETY: a plain system call on a file descriptor this `File` owns and keeps open.
        let rc = unsafe { libc::posix_fallocate(file.as_raw_fd(), 0, len) };
        if rc != 0 {
            return Err(io::Error::from_raw_os_error(rc));
        }
        Ok(())
    }
    #[cfg(not(target_os = "linux"))]
    {
        file.set_len(u64::try_from(len).unwrap_or(u64::MAX))
    }
}

/// Resident bytes of `map` by `mincore`.
fn resident(map: &MmapMut) -> Option<usize> {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: `sysconf` has no memory-safety preconditions.
        let page = usize::try_from(unsafe { libc::sysconf(libc::_SC_PAGESIZE) }).ok()?;
        let pages = map.len().div_ceil(page);
        let mut flags = vec![0u8; pages];
        // SAFETY: the address and length describe a live mapping owned by `map` (page-aligned by
        // mmap), and `flags` has one byte per page of it, as mincore requires.
        let rc = unsafe {
            libc::mincore(
                map.as_ptr().cast_mut().cast::<libc::c_void>(),
                map.len(),
                flags.as_mut_ptr(),
            )
        };
        if rc != 0 {
            return None;
        }
        let resident_pages = flags.iter().filter(|f| **f & 1 == 1).count();
        Some((resident_pages * page).min(map.len()))
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = map;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_keeps_values_and_reports_mapped_and_resident_bytes() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join("v.f32");
        for mut arena in [
            MappedFloats::anonymous(),
            MappedFloats::create(&path).unwrap_or_else(|e| panic!("{e}")),
        ] {
            assert!(arena.len() == 0 && arena.as_slice().is_empty());
            let values: Vec<f32> = (0..100_000).map(|i| i as f32 * 0.5).collect();
            for chunk in values.chunks(333) {
                arena
                    .extend_from_slice(chunk)
                    .unwrap_or_else(|e| panic!("{e}"));
            }
            assert_eq!(arena.as_slice(), values.as_slice());
            arena.as_mut_slice()[7] = -1.0;
            assert_eq!(arena.as_slice()[7], -1.0);
            assert!(arena.mapped_bytes() >= values.len() * 4);
            assert!(arena.resident_bytes() >= 4096);
            assert!(arena.resident_bytes() <= arena.mapped_bytes());
            arena.release_resident();
            // Released file pages come back with their contents.
            assert_eq!(arena.as_slice()[7], -1.0);
            assert_eq!(arena.as_slice()[99_999], 99_999.0 * 0.5);
        }
        let on_disk = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        assert!(on_disk >= 400_000, "the file holds the floats: {on_disk}");
    }
}
