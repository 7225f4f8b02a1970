//! [`LocalWal`]: the write-ahead log on the local file system.
//!
//! Appends are encoded into an in-memory buffer; [`WriteAheadLog::wait_durable`] writes the buffer
//! and, under [`Durability::Fsync`], `fsync`s it and then the segment's synced mark. The collection
//! writer calls it once per group of commands, which is what makes concurrent writers share one
//! `fsync` pair (group commit).
//!
//! Space is reserved a segment at a time: a segment is created at its full size with its blocks
//! allocated, before the first record that needs it is accepted. A full disk therefore fails that
//! `append` cleanly, with nothing written, and the log stays usable: the next append tries to
//! create the segment again. Only a failed `write` or `fsync` inside reserved space poisons the log,
//! because then the state of the unsynced bytes on disk is unknown.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use super::recovery::{self, RecoveredLog, ScanMode, Visit, list_segments};
use super::{Durability, WalError, WriteAheadLog, archive, frame, segment};
use crate::metrics;
use crate::storage::{FileSystem, WritableFile};

/// In [`Durability::None`] mode, the buffer is written once it grows past this many bytes.
const NONE_MODE_BUFFER_LIMIT: usize = 1 << 20;

/// Options for opening a [`LocalWal`].
#[derive(Debug, Clone, Copy)]
pub struct WalOptions {
    /// The durability promise.
    pub durability: Durability,
    /// The size a segment is created (and its space reserved) at; a record too large for it gets
    /// a segment of its own size.
    pub segment_bytes: u64,
}

/// The local write-ahead log of one collection.
#[derive(Debug)]
pub struct LocalWal {
    fs: Arc<dyn FileSystem>,
    dir: PathBuf,
    opts: WalOptions,
    /// First sequence numbers of the segments on disk, ascending; the last one is `current`.
    segments: Vec<u64>,
    current: Option<Box<dyn WritableFile>>,
    /// Reserved size of the current segment.
    capacity: u64,
    /// End of the current segment's frames, the buffered ones included.
    current_len: u64,
    /// End of the frames written to the current segment (the buffer goes here next).
    written_len: u64,
    /// The mark slot the next synced mark goes to.
    next_mark_slot: usize,
    buf: Vec<u8>,
    next_seq: u64,
    written_seq: u64,
    synced_seq: u64,
    poisoned: bool,
    bytes_since_truncate: u64,
    /// Where segments go instead of being deleted (`--wal-archive`), when set.
    archive: Option<PathBuf>,
}

impl LocalWal {
    /// Opens (creating when missing) the log in `dir`: checks every segment (a window at a time),
    /// repairs a torn tail, and returns the log with what recovery found. The records themselves
    /// are read afterwards, streaming, through [`WriteAheadLog::replay`].
    ///
    /// # Errors
    /// Corruption that is not a torn tail, and I/O errors.
    pub fn open(
        fs: Arc<dyn FileSystem>,
        dir: &Path,
        opts: WalOptions,
        checkpoint_seq: u64,
    ) -> Result<(Self, RecoveredLog), WalError> {
        Self::open_archiving(fs, dir, opts, checkpoint_seq, None)
    }

    /// [`LocalWal::open`], with every segment a checkpoint covers copied durably into `archive`
    /// before it leaves `dir` (see [`super::archive`]). A segment that cannot be archived stays
    /// in `dir` and is tried again at the next truncation.
    ///
    /// # Errors
    /// As [`LocalWal::open`]; also when covered segments cannot be archived and keeping them
    /// would leave a gap in the live log.
    pub fn open_archiving(
        fs: Arc<dyn FileSystem>,
        dir: &Path,
        opts: WalOptions,
        checkpoint_seq: u64,
        archive: Option<&Path>,
    ) -> Result<(Self, RecoveredLog), WalError> {
        if !fs.exists(dir) {
            fs.create_dir_all(dir)
                .map_err(|e| WalError::io("create", dir, e))?;
            if let Some(parent) = dir.parent() {
                fs.sync_dir(parent)
                    .map_err(|e| WalError::io("sync", parent, e))?;
            }
        }
        let mut recovered =
            recovery::scan(fs.as_ref(), dir, u64::MAX, ScanMode::Repair, &mut |_, _| {
                ControlFlow::Continue(())
            })?;
        if let Some(&first) = recovered.segments.first()
            && first > checkpoint_seq + 1
        {
            // Records between the checkpoint and the oldest segment are missing.
            return Err(WalError::Corrupt {
                path: segment::path(dir, first),
                offset: 0,
                reason: format!(
                    "oldest segment starts at sequence {first} but the checkpoint ends at {checkpoint_seq}"
                ),
            });
        }
        if checkpoint_seq >= recovered.last_seq && !recovered.segments.is_empty() {
            // The checkpoint covers every record on disk, and possibly records that never reached
            // the log (not yet written under `none`, or failed and never acknowledged). Appending
            // to the old segment would leave a gap in the sequence, so the covered segments go and
            // the next append starts a fresh segment at `checkpoint_seq + 1`.
            let mut kept = false;
            for &first in &recovered.segments {
                let path = segment::path(dir, first);
                if let Some(archive) = archive
                    && let Err(e) = archive::archive_segment(fs.as_ref(), &path, archive)
                {
                    if recovered.last_seq < checkpoint_seq {
                        // Kept, the segment would sit before a gap in the live log.
                        return Err(e);
                    }
                    archive::report_failure(&path, &e);
                    kept = true;
                    break;
                }
                fs.remove_file(&path)
                    .map_err(|e| WalError::io("remove", &path, e))?;
            }
            fs.sync_dir(dir).map_err(|e| WalError::io("sync", dir, e))?;
            if kept {
                // The unarchived segments stay (they end at `checkpoint_seq`, so the next segment
                // follows them without a gap) and are archived at the next truncation.
                recovered.segments = list_segments(fs.as_ref(), dir)?;
            } else {
                recovered.segments.clear();
            }
            recovered.last_segment = None;
        }
        let last_seq = recovered.last_seq.max(checkpoint_seq);
        // The newest segment is reopened for appends when it is of the current version and has
        // room left; otherwise the next append starts a new one.
        let segments = recovered.segments.clone();
        let mut current = None;
        let (mut capacity, mut current_len, mut next_mark_slot) = (0, 0, 0);
        if let Some(last) = recovered.last_segment
            && !segments.is_empty()
            && last.version == segment::VERSION
            && last.valid_len < last.capacity
        {
            let path = segment::path(dir, last.first);
            current = Some(
                fs.open_write(&path)
                    .map_err(|e| WalError::io("open", &path, e))?,
            );
            capacity = last.capacity;
            current_len = last.valid_len;
            next_mark_slot = 1 - last.mark_slot;
        }
        let wal = Self {
            fs,
            dir: dir.to_path_buf(),
            opts,
            segments,
            current,
            capacity,
            current_len,
            written_len: current_len,
            next_mark_slot,
            buf: Vec::new(),
            next_seq: last_seq + 1,
            written_seq: last_seq,
            synced_seq: last_seq,
            poisoned: false,
            bytes_since_truncate: 0,
            archive: archive.map(Path::to_path_buf),
        };
        Ok((wal, recovered))
    }

    fn poison<T>(&mut self, err: WalError) -> Result<T, WalError> {
        self.poisoned = true;
        metrics::WAL_POISONED.inc();
        Err(err)
    }

    /// Writes the buffered frames to the current segment.
    fn write_buffer(&mut self) -> Result<(), WalError> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let Some(file) = self.current.as_mut() else {
            return Ok(());
        };
        if let Err(e) = file.write_all_at(&self.buf, self.written_len) {
            let path = self.current_path();
            return self.poison(WalError::io("write", path, e));
        }
        metrics::WAL_BYTES.inc_by(self.buf.len() as u64);
        self.written_len += self.buf.len() as u64;
        self.buf.clear();
        self.written_seq = self.next_seq - 1;
        Ok(())
    }

    fn current_path(&self) -> PathBuf {
        segment::path(&self.dir, self.segments.last().copied().unwrap_or(0))
    }

    /// Writes the buffer, `fsync`s the frames, then writes and `fsync`s the synced mark covering
    /// them. The mark goes second so that it never claims bytes the disk may not hold.
    fn sync_current(&mut self) -> Result<(), WalError> {
        self.write_buffer()?;
        if self.synced_seq == self.written_seq {
            return Ok(());
        }
        let Some(file) = self.current.as_mut() else {
            return Ok(());
        };
        let started = Instant::now();
        let mark = segment::encode_mark(self.written_len);
        let slot = segment::MARK_SLOTS[self.next_mark_slot] as u64;
        let result = file
            .sync_data()
            .map_err(|e| ("fsync", e))
            .and_then(|()| {
                file.write_all_at(&mark, slot)
                    .map_err(|e| ("write mark", e))
            })
            .and_then(|()| file.sync_data().map_err(|e| ("fsync mark", e)));
        if let Err((op, e)) = result {
            let path = self.current_path();
            return self.poison(WalError::io(op, path, e));
        }
        metrics::WAL_FSYNC_SECONDS.observe(started.elapsed().as_secs_f64());
        self.next_mark_slot ^= 1;
        self.synced_seq = self.written_seq;
        Ok(())
    }

    /// Seals the current segment (everything in it synced) and starts a new one at `next_seq`,
    /// reserving room for at least `frame_len` bytes of frames.
    ///
    /// A failure before the new segment holds a header is cleaned up (the file removed) and
    /// returned without poisoning the log: nothing was accepted, so a later append may simply try
    /// again, for example once disk space has been freed.
    fn start_segment(&mut self, frame_len: u64) -> Result<(), WalError> {
        self.sync_current()?;
        self.current = None;
        let first = self.next_seq;
        let path = segment::path(&self.dir, first);
        let capacity = self
            .opts
            .segment_bytes
            .max(segment::HEADER_LEN as u64 + frame_len);
        let result = (|| {
            let mut file = self.fs.create(&path).map_err(|e| ("create segment", e))?;
            file.allocate(capacity)
                .map_err(|e| ("reserve segment space", e))?;
            file.write_all_at(&segment::encode_header(first), 0)
                .map_err(|e| ("write segment header", e))?;
            file.sync_data().map_err(|e| ("fsync segment", e))?;
            self.fs
                .sync_dir(&self.dir)
                .map_err(|e| ("fsync WAL directory", e))?;
            Ok::<_, (&'static str, std::io::Error)>(file)
        })();
        match result {
            Ok(file) => {
                self.current = Some(file);
                self.capacity = capacity;
                self.current_len = segment::HEADER_LEN as u64;
                self.written_len = self.current_len;
                self.next_mark_slot = 1;
                self.segments.push(first);
                Ok(())
            }
            Err((op, e)) => {
                let err = WalError::io(op, &path, e);
                let cleaned = match self.fs.remove_file(&path) {
                    Ok(()) => true,
                    Err(e) => e.kind() == std::io::ErrorKind::NotFound,
                } && self.fs.sync_dir(&self.dir).is_ok();
                if cleaned { Err(err) } else { self.poison(err) }
            }
        }
    }
}

impl WriteAheadLog for LocalWal {
    fn is_poisoned(&self) -> bool {
        self.poisoned
    }

    fn append(&mut self, payload: &[u8]) -> Result<u64, WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        if payload.len() > frame::MAX_PAYLOAD {
            return Err(WalError::RecordTooLarge {
                len: payload.len(),
                max: frame::MAX_PAYLOAD,
            });
        }
        let frame_len = (frame::HEADER_LEN + payload.len()) as u64;
        if self.current.is_none() || self.current_len + frame_len > self.capacity {
            self.start_segment(frame_len)?;
        }
        let seq = self.next_seq;
        frame::encode(seq, payload, &mut self.buf);
        self.current_len += frame_len;
        self.bytes_since_truncate += frame_len;
        self.next_seq += 1;
        if self.opts.durability == Durability::None && self.buf.len() >= NONE_MODE_BUFFER_LIMIT {
            self.write_buffer()?;
        }
        Ok(seq)
    }

    fn wait_durable(&mut self, seq: u64) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        match self.opts.durability {
            Durability::Fsync if self.synced_seq < seq => self.sync_current(),
            Durability::Flush if self.written_seq < seq => self.write_buffer(),
            Durability::Fsync | Durability::Flush | Durability::None => Ok(()),
        }
    }

    fn sync_all(&mut self) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        self.sync_current()
    }

    fn replay(&self, from: u64, visit: Visit<'_>) -> Result<(), WalError> {
        recovery::scan(self.fs.as_ref(), &self.dir, from, ScanMode::Replay, visit).map(|_| ())
    }

    fn truncate_through(&mut self, seq: u64) -> Result<(), WalError> {
        if self.poisoned {
            return Err(WalError::Poisoned);
        }
        let last = self.next_seq - 1;
        if seq >= last && self.current.is_some() {
            // Everything is checkpointed: close the current segment so it can go too. The next
            // append starts a fresh segment at `next_seq`.
            self.sync_current()?;
            self.current = None;
            self.current_len = 0;
        }
        // Segment i holds sequence numbers [segments[i], segments[i+1]); the open one is kept.
        let keep_from = if self.current.is_some() {
            self.segments.len() - 1
        } else {
            self.segments.len()
        };
        let mut removed = 0;
        for i in 0..keep_from {
            let end = self.segments.get(i + 1).copied().unwrap_or(self.next_seq);
            if end - 1 > seq {
                break;
            }
            let path = segment::path(&self.dir, self.segments[i]);
            if let Some(archive) = &self.archive
                && let Err(e) = archive::archive_segment(self.fs.as_ref(), &path, archive)
            {
                // Never delete what the archive lacks: the segment stays in the live log (which
                // grows) and the next truncation tries again, oldest first, so the archive has no
                // gap behind it.
                archive::report_failure(&path, &e);
                break;
            }
            if let Err(e) = self.fs.remove_file(&path) {
                return self.poison(WalError::io("remove", path, e));
            }
            removed += 1;
        }
        self.segments.drain(..removed);
        if removed > 0
            && let Err(e) = self.fs.sync_dir(&self.dir)
        {
            let dir = self.dir.clone();
            return self.poison(WalError::io("sync", dir, e));
        }
        self.bytes_since_truncate = 0;
        Ok(())
    }

    fn last_seq(&self) -> u64 {
        self.next_seq - 1
    }

    fn bytes_since_truncate(&self) -> u64 {
        self.bytes_since_truncate
    }
}
