//! The synced-mark rule: damage before a segment's synced mark is corruption that names the
//! record, damage after it is a torn tail that is cut, even with valid stale frames behind a hole.

use std::path::Path;
use std::sync::Arc;

use super::recovery::{ScanMode, collect, collect_replay};
use super::{Durability, LocalWal, WalError, WalOptions, WriteAheadLog, frame, segment};
use crate::storage::RealFs;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn opts(durability: Durability) -> WalOptions {
    WalOptions {
        durability,
        segment_bytes: 1 << 16,
    }
}

fn record(i: u64) -> Vec<u8> {
    vec![u8::try_from(i % 251).unwrap_or(0); 40]
}

/// Offset of the frame of record `seq` in the first segment (all records are 40 bytes).
fn frame_at(seq: u64) -> usize {
    segment::HEADER_LEN + usize::try_from(seq - 1).unwrap_or(0) * (frame::HEADER_LEN + 40)
}

/// Appends `synced` records made durable one by one, then `unsynced` records written to the file
/// but never fsynced (`flush` durability), and closes the log.
fn write(dir: &Path, synced: u64, unsynced: u64) -> TestResult {
    let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir, opts(Durability::Flush), 0)?;
    for i in 1..=synced {
        let seq = wal.append(&record(i))?;
        wal.wait_durable(seq)?;
        wal.sync_all()?;
    }
    for i in synced + 1..=synced + unsynced {
        let seq = wal.append(&record(i))?;
        wal.wait_durable(seq)?;
    }
    Ok(())
}

fn damage(dir: &Path, at: usize, f: impl Fn(&mut [u8])) -> TestResult {
    let path = segment::path(dir, 1);
    let mut bytes = std::fs::read(&path)?;
    f(&mut bytes[at..]);
    std::fs::write(&path, bytes)?;
    Ok(())
}

#[test]
fn damage_to_the_last_acknowledged_record_is_corruption_naming_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    write(dir.path(), 5, 0)?;
    damage(dir.path(), frame_at(5) + frame::HEADER_LEN + 3, |b| {
        b[0] ^= 0x10
    })?;
    match collect(&RealFs, dir.path(), 1, ScanMode::Repair) {
        Err(WalError::Corrupt { offset, reason, .. }) => {
            assert_eq!(offset, frame_at(5) as u64);
            assert!(reason.contains("record 5"), "{reason}");
        }
        other => return Err(format!("expected corruption, got {other:?}").into()),
    }
    Ok(())
}

#[test]
fn a_hole_after_the_mark_followed_by_stale_frames_is_a_torn_tail() -> TestResult {
    let dir = tempfile::tempdir()?;
    write(dir.path(), 3, 5)?;
    // Power failed during write-back: record 5's block never reached the disk, 6..8 did.
    damage(dir.path(), frame_at(5), |b| {
        b[..frame::HEADER_LEN + 40].fill(0);
    })?;
    let (mut wal, recovered) =
        LocalWal::open(Arc::new(RealFs), dir.path(), opts(Durability::Fsync), 0)?;
    let records = collect_replay(&wal, 1)?;
    let seqs: Vec<u64> = records.iter().map(|(s, _)| *s).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    let tail = recovered.tail.ok_or("torn tail not reported")?;
    assert_eq!(tail.offset, frame_at(5) as u64);
    // The stale frames were wiped: new records take their sequence numbers without clashing.
    for i in 5..=6 {
        let seq = wal.append(&[9u8; 7])?;
        wal.wait_durable(seq)?;
        assert_eq!(seq, i);
    }
    drop(wal);
    let (records, again) = collect(&RealFs, dir.path(), 1, ScanMode::Check)?;
    assert_eq!(records.len(), 6);
    assert_eq!(records[5], (6, vec![9u8; 7]));
    assert!(again.tail.is_none());
    Ok(())
}

#[test]
fn whole_frames_after_the_mark_are_kept_and_the_mark_moves_past_them() -> TestResult {
    let dir = tempfile::tempdir()?;
    write(dir.path(), 2, 3)?;
    let (records, recovered) = collect(&RealFs, dir.path(), 1, ScanMode::Repair)?;
    assert_eq!(records.len(), 5);
    assert!(
        recovered.tail.is_none(),
        "zeros after the last frame are no tail"
    );
    let bytes = std::fs::read(segment::path(dir.path(), 1))?;
    assert_eq!(segment::synced_end(&bytes)?.0, frame_at(6) as u64);
    // Now the fifth record is covered: damaging it is corruption.
    damage(dir.path(), frame_at(5) + 1, |b| b[0] ^= 1)?;
    assert!(matches!(
        collect(&RealFs, dir.path(), 1, ScanMode::Check),
        Err(WalError::Corrupt { .. })
    ));
    Ok(())
}

#[test]
fn a_torn_mark_write_falls_back_to_the_other_slot() -> TestResult {
    let dir = tempfile::tempdir()?;
    write(dir.path(), 4, 0)?;
    let bytes = std::fs::read(segment::path(dir.path(), 1))?;
    let (end, slot) = segment::synced_end(&bytes)?;
    assert_eq!(end, frame_at(5) as u64);
    damage(dir.path(), segment::MARK_SLOTS[slot] + 2, |b| b[0] ^= 0xff)?;
    let bytes = std::fs::read(segment::path(dir.path(), 1))?;
    assert_eq!(segment::synced_end(&bytes)?.0, frame_at(4) as u64);
    assert_eq!(collect(&RealFs, dir.path(), 1, ScanMode::Check)?.0.len(), 4);
    // Both slots damaged: the header cannot say what was acknowledged.
    damage(dir.path(), segment::MARK_SLOTS[1 - slot] + 2, |b| {
        b[0] ^= 0xff
    })?;
    assert!(matches!(
        collect(&RealFs, dir.path(), 1, ScanMode::Check),
        Err(WalError::Corrupt { .. })
    ));
    Ok(())
}

#[test]
fn a_file_cut_before_its_mark_is_corruption() -> TestResult {
    let dir = tempfile::tempdir()?;
    write(dir.path(), 4, 0)?;
    let path = segment::path(dir.path(), 1);
    let bytes = std::fs::read(&path)?;
    std::fs::write(&path, &bytes[..frame_at(4) + 10])?;
    assert!(matches!(
        collect(&RealFs, dir.path(), 1, ScanMode::Check),
        Err(WalError::Corrupt { .. })
    ));
    Ok(())
}

#[test]
fn version_1_segments_are_still_read_and_never_appended_to() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut bytes =
        segment::encode_header_version(1, segment::VERSION_1)[..segment::HEADER_LEN_V1].to_vec();
    for i in 1..=3 {
        frame::encode(i, &record(i), &mut bytes);
    }
    bytes.extend_from_slice(&[1, 2, 3]); // a torn tail, old style
    std::fs::write(segment::path(dir.path(), 1), &bytes)?;
    let (mut wal, recovered) =
        LocalWal::open(Arc::new(RealFs), dir.path(), opts(Durability::Fsync), 0)?;
    assert_eq!(collect_replay(&wal, 1)?.len(), 3);
    assert!(recovered.tail.is_some());
    let seq = wal.append(b"four")?;
    wal.wait_durable(seq)?;
    assert_eq!(seq, 4);
    assert!(
        segment::path(dir.path(), 4).exists(),
        "appends go to a new segment"
    );
    drop(wal);
    assert_eq!(collect(&RealFs, dir.path(), 1, ScanMode::Check)?.0.len(), 4);
    Ok(())
}
