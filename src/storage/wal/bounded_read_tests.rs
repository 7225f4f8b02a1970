//! Reading a log back holds a bounded window of it, never a whole (preallocated) segment: the
//! largest single read is a read chunk or one frame, whichever is larger.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use super::{Durability, LocalWal, WalOptions, WriteAheadLog, frame};
use crate::storage::{FileSystem, ReadableFile, RealFs, WritableFile};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// The largest read the log may ask for apart from one whole frame.
const WINDOW: u64 = 1 << 16;

/// A [`RealFs`] that remembers the largest number of bytes one call asked it to read.
#[derive(Debug, Default, Clone)]
struct CountingFs {
    largest_read: Arc<AtomicU64>,
    bytes_read: Arc<AtomicU64>,
}

impl CountingFs {
    fn saw_read(&self, n: u64) {
        self.largest_read.fetch_max(n, Ordering::SeqCst);
        self.bytes_read.fetch_add(n, Ordering::SeqCst);
    }

    fn reset(&self) {
        self.largest_read.store(0, Ordering::SeqCst);
        self.bytes_read.store(0, Ordering::SeqCst);
    }
}

#[derive(Debug)]
struct CountingFile {
    inner: Box<dyn ReadableFile>,
    fs: CountingFs,
}

impl ReadableFile for CountingFile {
    fn size(&self) -> u64 {
        self.inner.size()
    }

    fn read_exact_at(&mut self, buf: &mut [u8], offset: u64) -> io::Result<()> {
        self.fs.saw_read(buf.len() as u64);
        self.inner.read_exact_at(buf, offset)
    }
}

impl FileSystem for CountingFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        RealFs.create_dir_all(path)
    }
    fn open_write(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        RealFs.open_write(path)
    }
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        RealFs.create(path)
    }
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let bytes = RealFs.read(path)?;
        self.saw_read(bytes.len() as u64);
        Ok(bytes)
    }
    fn open_read(&self, path: &Path) -> io::Result<Box<dyn ReadableFile>> {
        Ok(Box::new(CountingFile {
            inner: RealFs.open_read(path)?,
            fs: self.clone(),
        }))
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

fn record(i: u64) -> Vec<u8> {
    let len = if i == 700 { 200_000 } else { 100 };
    vec![u8::try_from(i % 251).unwrap_or(0); len]
}

#[test]
fn recovery_reads_a_window_at_a_time_not_whole_segments() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = WalOptions {
        durability: Durability::Fsync,
        segment_bytes: 4 << 20,
    };
    {
        let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 0)?;
        for i in 1..=2000 {
            let seq = wal.append(&record(i))?;
            wal.wait_durable(seq)?;
        }
    }
    // Records 1..=2000 take about 0.6 MB of a 4 MiB segment; the rest is preallocated zeros.
    let fs = CountingFs::default();
    let (wal, _) = LocalWal::open(Arc::new(fs.clone()), dir.path(), opts, 0)?;
    let largest_frame = (frame::HEADER_LEN + record(700).len()) as u64;
    let bound = WINDOW.max(largest_frame);
    let largest = fs.largest_read.load(Ordering::SeqCst);
    assert!(
        largest <= bound,
        "opening read {largest} bytes at once (bound {bound})"
    );
    fs.reset();
    let mut seen = 0u64;
    wal.replay(1, &mut |seq, payload| {
        seen += 1;
        assert_eq!(payload, record(seq).as_slice());
        std::ops::ControlFlow::Continue(())
    })?;
    assert_eq!(seen, 2000);
    let largest = fs.largest_read.load(Ordering::SeqCst);
    assert!(
        largest <= bound,
        "replay read {largest} bytes at once (bound {bound})"
    );
    // Replay stops at the last record: it does not read the preallocated zeros after it.
    let read = fs.bytes_read.load(Ordering::SeqCst);
    assert!(
        read < 1 << 20,
        "replay read {read} bytes of a 4 MiB segment"
    );
    Ok(())
}
