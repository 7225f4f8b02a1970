//! WAL damage. Segments are preallocated and carry a synced mark. A crash that leaves any prefix
//! of the unsynced appends keeps exactly the complete records; bit flips are always detected: in
//! acknowledged (synced) records they stop recovery with a clear error, even in the last record,
//! and after the mark they are cut as a torn tail.

use std::ops::ControlFlow;
use std::path::Path;
use std::sync::Arc;

use plait::storage::RealFs;
use plait::storage::wal::recovery::{RecoveredLog, ScanMode, scan};
use plait::storage::wal::{Durability, LocalWal, WalError, WalOptions, WriteAheadLog, segment};
use rand::{Rng, SeedableRng};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SEGMENT_BYTES: u64 = 1 << 16;

fn record(i: u64) -> Vec<u8> {
    (0..(i % 37 + 1))
        .map(|b| (b as u8).wrapping_mul(i as u8 | 1))
        .collect()
}

type Records = Vec<(u64, Vec<u8>)>;

/// Checks the log in `dir` without changing it, collecting every record.
fn check(dir: &Path) -> Result<(Records, RecoveredLog), WalError> {
    let mut records = Vec::new();
    let found = scan(&RealFs, dir, 1, ScanMode::Check, &mut |seq, payload| {
        records.push((seq, payload.to_vec()));
        ControlFlow::Continue(())
    })?;
    Ok((records, found))
}

/// The records a log replays from `from` on.
fn replayed(wal: &LocalWal, from: u64) -> Result<Records, WalError> {
    let mut records = Vec::new();
    wal.replay(from, &mut |seq, payload| {
        records.push((seq, payload.to_vec()));
        ControlFlow::Continue(())
    })?;
    Ok(records)
}

fn opts(durability: Durability) -> WalOptions {
    WalOptions {
        durability,
        segment_bytes: SEGMENT_BYTES,
    }
}

/// Writes `synced` records made durable one by one, then `unsynced` records written to the file
/// but never fsynced (`flush` durability), into a fresh one-segment log. Returns the segment bytes
/// and the end offset of each record.
fn write_log(
    dir: &Path,
    synced: u64,
    unsynced: u64,
) -> Result<(Vec<u8>, Vec<usize>), Box<dyn std::error::Error>> {
    let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir, opts(Durability::Flush), 0)?;
    let mut ends = Vec::new();
    let mut end = segment::HEADER_LEN;
    for i in 1..=synced + unsynced {
        let seq = wal.append(&record(i))?;
        wal.wait_durable(seq)?;
        if i <= synced {
            wal.sync_all()?;
        }
        end += plait::storage::wal::frame::HEADER_LEN + record(i).len();
        ends.push(end);
    }
    let bytes = std::fs::read(segment::path(dir, 1))?;
    assert_eq!(
        bytes.len() as u64,
        SEGMENT_BYTES,
        "the segment is preallocated"
    );
    assert!(bytes[end..].iter().all(|&b| b == 0));
    Ok((bytes, ends))
}

#[test]
fn a_crash_keeping_any_prefix_of_the_unsynced_appends_keeps_exactly_the_complete_records()
-> TestResult {
    let dir = tempfile::tempdir()?;
    let (bytes, ends) = write_log(dir.path(), 20, 40)?;
    let synced_end = ends[19];
    let mut cuts = 0;
    for cut in synced_end..=ends[ends.len() - 1] {
        let case = tempfile::tempdir()?;
        let mut crashed = bytes.clone();
        crashed[cut..].fill(0);
        std::fs::write(segment::path(case.path(), 1), &crashed)?;
        // A record survives when the zeroing left its bytes as they were (a record may end in
        // zeros, so this is not always `end <= cut`).
        let complete = ends.iter().filter(|&&e| crashed[..e] == bytes[..e]).count() as u64;
        let (mut wal, recovered) =
            LocalWal::open(Arc::new(RealFs), case.path(), opts(Durability::Fsync), 0)?;
        let records = replayed(&wal, 1)?;
        assert_eq!(records.len() as u64, complete, "cut at {cut}");
        for (seq, payload) in &records {
            assert_eq!(payload, &record(*seq));
        }
        if ends.contains(&cut) {
            assert!(
                recovered.tail.is_none(),
                "cut at {cut}: a clean end reported as torn"
            );
        }
        // The repaired log appends after the last complete record.
        let seq = wal.append(b"after")?;
        wal.wait_durable(seq)?;
        assert_eq!(seq, complete + 1);
        let (records, again) = check(case.path())?;
        assert_eq!(records.len() as u64, complete + 1);
        assert!(again.tail.is_none());
        cuts += 1;
    }
    assert!(cuts >= 1000, "only {cuts} cuts");
    // Losing synced bytes is not a torn tail: those records were acknowledged.
    for cut in [ends[0] + 3, ends[10], synced_end - 1] {
        let case = tempfile::tempdir()?;
        let mut crashed = bytes.clone();
        crashed[cut..].fill(0);
        std::fs::write(segment::path(case.path(), 1), &crashed)?;
        assert!(
            matches!(check(case.path()), Err(WalError::Corrupt { .. })),
            "cut at {cut} inside synced records went unnoticed"
        );
    }
    Ok(())
}

#[test]
fn bit_flips_are_always_detected() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (bytes, ends) = write_log(dir.path(), 80, 0)?;
    let data_end = ends[ends.len() - 1];
    let marks = segment::MARK_SLOTS[0]..segment::HEADER_LEN;
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut tails = 0;
    for trial in 0..1200 {
        // Half the flips land in the records, the rest anywhere in the preallocated file.
        let at = if trial % 2 == 0 {
            rng.random_range(0..data_end)
        } else {
            rng.random_range(0..bytes.len())
        };
        let mut damaged = bytes.clone();
        damaged[at] ^= 1 << rng.random_range(0..8);
        let case = tempfile::tempdir()?;
        std::fs::write(segment::path(case.path(), 1), &damaged)?;
        match check(case.path()) {
            Err(WalError::Corrupt { .. }) => {
                assert!(
                    at < data_end && !marks.contains(&at),
                    "trial {trial}: flip at {at} outside the records reported as corruption"
                );
            }
            Ok((records, recovered)) => {
                // A flip in one mark slot leaves the other, older mark; a flip in the zeros after
                // the records is a torn tail. Either way every acknowledged record is intact.
                assert!(
                    marks.contains(&at) || at >= data_end,
                    "trial {trial}: flip at {at} in an acknowledged record went undetected"
                );
                assert_eq!(records.len(), ends.len());
                for (seq, payload) in &records {
                    assert_eq!(payload, &record(*seq), "trial {trial}: wrong data served");
                }
                if at >= data_end {
                    assert!(recovered.tail.is_some());
                    tails += 1;
                }
            }
            Err(other) => return Err(format!("trial {trial}: unexpected {other}").into()),
        }
    }
    assert!(tails > 0);
    Ok(())
}

#[test]
fn damage_in_a_sealed_segment_or_a_missing_segment_is_corruption() -> TestResult {
    let dir = tempfile::tempdir()?;
    let opts = WalOptions {
        durability: Durability::Fsync,
        segment_bytes: 200,
    };
    {
        let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 0)?;
        for i in 1..=40 {
            let seq = wal.append(&record(i))?;
            wal.wait_durable(seq)?;
        }
    }
    let mut segments: Vec<_> = std::fs::read_dir(dir.path())?
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    segments.sort();
    assert!(segments.len() >= 3, "expected several segments");
    // Truncating a sealed segment inside its records is corruption, not a torn tail.
    let sealed = std::fs::read(&segments[0])?;
    std::fs::write(&segments[0], &sealed[..sealed.len() / 2])?;
    assert!(matches!(check(dir.path()), Err(WalError::Corrupt { .. })));
    std::fs::write(&segments[0], &sealed)?;
    assert_eq!(check(dir.path())?.0.len(), 40);
    // A missing middle segment is a gap.
    std::fs::remove_file(&segments[1])?;
    assert!(matches!(check(dir.path()), Err(WalError::Corrupt { .. })));
    Ok(())
}

#[test]
fn a_checkpoint_ahead_of_the_log_starts_a_fresh_segment_without_a_gap() -> TestResult {
    // A checkpoint can cover records that never reached the log (a failed, unacknowledged write
    // followed by a clean shutdown, or `none` durability). Appends after it must not leave a gap.
    let dir = tempfile::tempdir()?;
    let opts = opts(Durability::Fsync);
    {
        let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 0)?;
        for i in 1..=3 {
            let seq = wal.append(&record(i))?;
            wal.wait_durable(seq)?;
        }
    }
    let checkpoint_seq = 5; // covers 1..=5; 4 and 5 never reached the log
    {
        let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, checkpoint_seq)?;
        assert!(replayed(&wal, checkpoint_seq + 1)?.is_empty());
        let seq = wal.append(b"six")?;
        wal.wait_durable(seq)?;
        assert_eq!(seq, 6);
    }
    let (wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, checkpoint_seq)?;
    assert_eq!(
        replayed(&wal, checkpoint_seq + 1)?,
        vec![(6, b"six".to_vec())]
    );
    // Missing records between a checkpoint and the oldest segment are corruption.
    let err = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 2)
        .err()
        .ok_or("gap not detected")?;
    assert!(matches!(err, WalError::Corrupt { .. }), "{err}");
    Ok(())
}

#[test]
fn replay_hands_over_the_records_from_a_sequence_number_on() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (_, ends) = write_log(dir.path(), 12, 0)?;
    assert_eq!(ends.len(), 12);
    let opts = opts(Durability::Fsync);
    let (wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 0)?;
    let records = replayed(&wal, 5)?;
    assert_eq!(
        records.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (5..=12).collect::<Vec<u64>>()
    );
    for (seq, payload) in &records {
        assert_eq!(payload, &record(*seq));
    }
    assert!(replayed(&wal, 13)?.is_empty());
    // A visitor that breaks ends the replay at once.
    let mut visited = Vec::new();
    wal.replay(1, &mut |seq, _| {
        visited.push(seq);
        if seq == 3 {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })?;
    assert_eq!(visited, vec![1, 2, 3]);
    Ok(())
}
