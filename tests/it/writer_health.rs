//! The collection writer's health, in process: checkpoint failures back off and clear by
//! themselves, a writer that panics turns the collection red instead of failing writes silently,
//! and duplicate ids in one batch are written once (last write wins).

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use plait::columns::Payload;
use plait::engine::{
    AckAt, Engine, EngineError, EngineOptions, NewPoint, PointId, Projection, Status,
};
use plait::storage::fs::{FileSystem, ReadableFile, RealFs, WritableFile};
use plait::storage::wal::WalError;

type TestResult = Result<(), Box<dyn std::error::Error>>;

use crate::engine_faults::config;

fn point(id: u64, x: f32) -> NewPoint {
    NewPoint {
        id: PointId::Num(id),
        vector: vec![x, 1.0, 2.0, 3.0].into(),
        payload: Payload::new(),
    }
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if done() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Err(format!("timed out waiting for {what}").into())
}

#[test]
fn failed_checkpoints_back_off_report_yellow_and_recover_by_themselves() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut opts = EngineOptions::new(dir.path().to_path_buf());
    opts.checkpoint_wal_bytes = 200; // every group wants a checkpoint
    let engine = Engine::open(opts.clone())?;
    let c = engine.create("cp", config())?;
    // A directory where the checkpoint's temporary file goes makes every checkpoint fail, while
    // the WAL (another directory) keeps working.
    let blocker = dir.path().join("collections/cp/checkpoint.plait.tmp");
    std::fs::create_dir(&blocker)?;
    for id in 0..40 {
        c.upsert(vec![point(id, id as f32)], AckAt::Applied)?
            .wait_blocking()?;
    }
    let health = c.health();
    assert!(health.checkpoint_failing.is_some(), "{health:?}");
    assert_eq!(health.status(), Status::Yellow);
    // Retried with back-off (first retry after 1 s), not after each of the 40 groups.
    assert!(
        (1..=2).contains(&health.checkpoint_failures),
        "{} checkpoint attempts failed for 40 writes in well under a second",
        health.checkpoint_failures
    );
    assert!(health.writes_refused.is_none());
    std::fs::remove_dir(&blocker)?;
    // The retry comes without any further write.
    wait_for("the checkpoint to succeed again", || {
        c.health().checkpoint_failing.is_none()
    })?;
    assert_eq!(c.health().status(), Status::Green);
    assert_eq!(c.health().checkpoint_failures, 0);
    assert!(dir.path().join("collections/cp/checkpoint.plait").exists());
    engine.shutdown();
    drop(c);
    drop(engine);
    let engine = crate::engine_faults::reopen(opts)?;
    engine.recover_all();
    assert_eq!(engine.collection("cp")?.len(), 40);
    Ok(())
}

/// A file system whose files panic on `sync_data` once armed: a stand-in for a bug in the writer.
#[derive(Debug)]
struct PanickingFs {
    armed: Arc<AtomicBool>,
}

#[derive(Debug)]
struct PanickingFile {
    inner: Box<dyn WritableFile>,
    armed: Arc<AtomicBool>,
}

impl WritableFile for PanickingFile {
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.inner.write_all(buf)
    }
    fn write_all_at(&mut self, buf: &[u8], offset: u64) -> io::Result<()> {
        self.inner.write_all_at(buf, offset)
    }
    fn allocate(&mut self, len: u64) -> io::Result<()> {
        self.inner.allocate(len)
    }
    fn sync_data(&mut self) -> io::Result<()> {
        assert!(!self.armed.load(Ordering::SeqCst), "injected writer bug");
        self.inner.sync_data()
    }
}

impl FileSystem for PanickingFs {
    fn create_dir_all(&self, path: &Path) -> io::Result<()> {
        RealFs.create_dir_all(path)
    }
    fn open_write(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        Ok(Box::new(PanickingFile {
            inner: RealFs.open_write(path)?,
            armed: Arc::clone(&self.armed),
        }))
    }
    fn create(&self, path: &Path) -> io::Result<Box<dyn WritableFile>> {
        Ok(Box::new(PanickingFile {
            inner: RealFs.create(path)?,
            armed: Arc::clone(&self.armed),
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

#[test]
fn a_writer_that_panics_turns_the_collection_red_and_writes_are_refused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let armed = Arc::new(AtomicBool::new(false));
    let fs = Arc::new(PanickingFs {
        armed: Arc::clone(&armed),
    });
    let engine = Engine::open_with_fs(EngineOptions::new(dir.path().to_path_buf()), fs)?;
    let c = engine.create("p", config())?;
    c.upsert(vec![point(1, 1.0)], AckAt::Applied)?
        .wait_blocking()?;
    assert_eq!(c.health().status(), Status::Green);
    armed.store(true, Ordering::SeqCst);
    let failed = c
        .upsert(vec![point(2, 2.0)], AckAt::Applied)?
        .wait_blocking();
    assert!(
        failed.is_err(),
        "a write whose fsync panicked was acknowledged"
    );
    wait_for("the collection to turn red", || {
        c.health().status() == Status::Red
    })?;
    let reason = c.health().writes_refused.unwrap_or_default();
    assert!(reason.contains("writer thread stopped"), "{reason}");
    assert!(reason.contains("injected writer bug"), "{reason}");
    match c.upsert(vec![point(3, 3.0)], AckAt::Applied) {
        Err(EngineError::WritesRefused { .. }) => {}
        other => return Err(format!("expected WritesRefused, got {other:?}").into()),
    }
    // Reads go on.
    assert_eq!(c.get(&[PointId::Num(1)], &Projection::default()).len(), 1);
    Ok(())
}

#[test]
fn duplicate_ids_in_one_batch_are_written_once_and_the_last_wins() -> TestResult {
    let dir = tempfile::tempdir()?;
    let engine = Engine::open(EngineOptions::new(dir.path().to_path_buf()))?;
    let c = engine.create("d", config())?;
    let batch = vec![
        point(7, 1.0),
        point(8, 2.0),
        point(7, 3.0),
        point(7, 4.0),
        point(8, 5.0),
    ];
    c.upsert(batch, AckAt::Applied)?.wait_blocking()?;
    assert_eq!(c.len(), 2);
    assert_eq!(c.slot_count(), 2, "each id takes one slot");
    assert_eq!(c.tombstones(), 0);
    let with_vector = Projection {
        with_vector: true,
        ..Projection::default()
    };
    let got = c.get(&[PointId::Num(7), PointId::Num(8)], &with_vector);
    let firsts: Vec<f32> = got
        .iter()
        .filter_map(|r| r.vector.as_ref().and_then(|v| v.single()).map(|v| v[0]))
        .collect();
    assert_eq!(firsts, vec![4.0, 5.0]);
    Ok(())
}

/// A write whose `fsync` failed was answered with an error, but its bytes reached the file: it
/// is applied when the collection next opens, after a clean shutdown just as after a crash
/// (before, a clean shutdown's checkpoint covered and dropped it while a crash replayed it).
#[test]
fn a_write_answered_with_an_fsync_error_has_the_same_outcome_after_a_clean_shutdown() -> TestResult
{
    use plait::storage::fs::{FaultKind, FaultyFs};
    let mut checked = 0;
    for from_call in 1..=30 {
        let dir = tempfile::tempdir()?;
        let opts = EngineOptions::new(dir.path().to_path_buf());
        let mut failed = None;
        {
            let fs = Arc::new(FaultyFs::new(FaultKind::SyncIo, from_call));
            let Ok(engine) = Engine::open_with_fs(opts.clone(), fs) else {
                continue;
            };
            let Ok(c) = engine.create("s", config()) else {
                continue;
            };
            for id in 0..6 {
                match c
                    .upsert(vec![point(id, id as f32)], AckAt::Applied)
                    .and_then(plait::engine::WriteTicket::wait_blocking)
                {
                    Ok(_) => {}
                    // The fsync of the records (or of the synced mark after them) failed: the
                    // records' bytes were written.
                    Err(EngineError::WriteFailed { source, .. })
                        if matches!(
                            *source,
                            WalError::Io {
                                op: "fsync" | "fsync mark",
                                ..
                            }
                        ) =>
                    {
                        failed = Some(id);
                        break;
                    }
                    // Anything else (the segment could not be created): nothing was written.
                    Err(EngineError::WriteFailed { .. }) => {
                        assert_eq!(c.health().status(), Status::Red);
                        break;
                    }
                    Err(e) => return Err(format!("unexpected {e}").into()),
                }
            }
            if failed.is_some() {
                assert_eq!(c.health().status(), Status::Red);
            }
            engine.shutdown();
        }
        let Some(id) = failed else { continue };
        let engine = crate::engine_faults::reopen(opts)?;
        engine.recover_all();
        let c = engine.collection("s")?;
        assert_eq!(
            c.get(&[PointId::Num(id)], &Projection::default()).len(),
            1,
            "fault at sync {from_call}: the write that failed at fsync (its bytes written) was dropped by the clean shutdown"
        );
        assert_eq!(c.len(), usize::try_from(id)? + 1);
        checked += 1;
    }
    assert!(checked >= 3, "only {checked} runs hit a write");
    Ok(())
}
