//! WAL damage: truncation at every byte offset of the last records keeps exactly the complete
//! records; bit flips are always detected: in the newest record they are cut as a torn tail, in
//! any earlier record they stop recovery with a clear error.

use std::path::Path;
use std::sync::Arc;

use plait::storage::RealFs;
use plait::storage::wal::recovery::scan;
use plait::storage::wal::{Durability, LocalWal, WalError, WalOptions, WriteAheadLog, segment};
use rand::{Rng, SeedableRng};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn record(i: u64) -> Vec<u8> {
    (0..(i % 37 + 1))
        .map(|b| (b as u8).wrapping_mul(i as u8 | 1))
        .collect()
}

/// Writes `n` records into a fresh one-segment log and returns the segment bytes and the end
/// offset of each record.
fn write_log(dir: &Path, n: u64) -> Result<(Vec<u8>, Vec<usize>), Box<dyn std::error::Error>> {
    let opts = WalOptions {
        durability: Durability::Fsync,
        segment_bytes: 1 << 30,
    };
    let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir, opts, 0)?;
    let mut ends = Vec::new();
    let mut end = segment::HEADER_LEN;
    for i in 1..=n {
        let seq = wal.append(&record(i))?;
        wal.wait_durable(seq)?;
        end += plait::storage::wal::frame::HEADER_LEN + record(i).len();
        ends.push(end);
    }
    let bytes = std::fs::read(segment::path(dir, 1))?;
    assert_eq!(bytes.len(), end);
    Ok((bytes, ends))
}

#[test]
fn truncation_at_every_offset_of_the_last_records_keeps_exactly_the_complete_ones() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (bytes, ends) = write_log(dir.path(), 60)?;
    let first_checked = ends[ends.len() - 40];
    let mut truncations = 0;
    for cut in first_checked..=bytes.len() {
        let case = tempfile::tempdir()?;
        std::fs::write(segment::path(case.path(), 1), &bytes[..cut])?;
        let complete = ends.iter().filter(|&&e| e <= cut).count() as u64;
        let opts = WalOptions {
            durability: Durability::Fsync,
            segment_bytes: 1 << 30,
        };
        let (mut wal, recovered) = LocalWal::open(Arc::new(RealFs), case.path(), opts, 0)?;
        assert_eq!(recovered.records.len() as u64, complete, "cut at {cut}");
        for (seq, payload) in &recovered.records {
            assert_eq!(payload, &record(*seq));
        }
        assert_eq!(
            recovered.tail.is_some(),
            !ends.contains(&cut) && cut > segment::HEADER_LEN
        );
        // The repaired log appends after the last complete record.
        let seq = wal.append(b"after")?;
        wal.wait_durable(seq)?;
        assert_eq!(seq, complete + 1);
        let again = scan(&RealFs, case.path(), 1, false)?;
        assert_eq!(again.records.len() as u64, complete + 1);
        assert!(again.tail.is_none());
        truncations += 1;
    }
    assert!(truncations >= 1000, "only {truncations} truncations");
    Ok(())
}

#[test]
fn bit_flips_are_always_detected() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (bytes, ends) = write_log(dir.path(), 80)?;
    let last_start = ends[ends.len() - 2];
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    for trial in 0..1200 {
        let at = rng.random_range(0..bytes.len());
        let mut damaged = bytes.clone();
        damaged[at] ^= 1 << rng.random_range(0..8);
        let case = tempfile::tempdir()?;
        std::fs::write(segment::path(case.path(), 1), &damaged)?;
        match scan(&RealFs, case.path(), 1, false) {
            Err(WalError::Corrupt { offset, .. }) => {
                assert!(
                    at < last_start,
                    "trial {trial}: flip at {at} in the last record reported as corruption at {offset}"
                );
            }
            Ok(recovered) => {
                // Only damage to the newest record may be treated as a torn tail, and then
                // exactly the records before it survive, intact.
                assert!(
                    at >= last_start,
                    "trial {trial}: flip at {at} went undetected"
                );
                assert_eq!(recovered.records.len(), ends.len() - 1);
                assert!(recovered.tail.is_some());
                for (seq, payload) in &recovered.records {
                    assert_eq!(payload, &record(*seq), "trial {trial}: wrong data served");
                }
            }
            Err(other) => return Err(format!("trial {trial}: unexpected {other}").into()),
        }
    }
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
    // Truncating a sealed segment is corruption, not a torn tail.
    let sealed = std::fs::read(&segments[0])?;
    std::fs::write(&segments[0], &sealed[..sealed.len() - 3])?;
    assert!(matches!(
        scan(&RealFs, dir.path(), 1, false),
        Err(WalError::Corrupt { .. })
    ));
    std::fs::write(&segments[0], &sealed)?;
    assert_eq!(scan(&RealFs, dir.path(), 1, false)?.records.len(), 40);
    // A missing middle segment is a gap.
    std::fs::remove_file(&segments[1])?;
    assert!(matches!(
        scan(&RealFs, dir.path(), 1, false),
        Err(WalError::Corrupt { .. })
    ));
    Ok(())
}

#[test]
fn a_checkpoint_ahead_of_the_log_starts_a_fresh_segment_without_a_gap() -> TestResult {
    // A checkpoint can cover records that never reached the log (a failed, unacknowledged write
    // followed by a clean shutdown, or `none` durability). Appends after it must not leave a gap.
    let dir = tempfile::tempdir()?;
    let opts = WalOptions {
        durability: Durability::Fsync,
        segment_bytes: 1 << 30,
    };
    {
        let (mut wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 0)?;
        for i in 1..=3 {
            let seq = wal.append(&record(i))?;
            wal.wait_durable(seq)?;
        }
    }
    let checkpoint_seq = 5; // covers 1..=5; 4 and 5 never reached the log
    {
        let (mut wal, recovered) =
            LocalWal::open(Arc::new(RealFs), dir.path(), opts, checkpoint_seq)?;
        assert!(recovered.records.is_empty());
        let seq = wal.append(b"six")?;
        wal.wait_durable(seq)?;
        assert_eq!(seq, 6);
    }
    let (_, recovered) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, checkpoint_seq)?;
    assert_eq!(recovered.records, vec![(6, b"six".to_vec())]);
    // Missing records between a checkpoint and the oldest segment are corruption.
    let err = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 2)
        .err()
        .ok_or("gap not detected")?;
    assert!(matches!(err, WalError::Corrupt { .. }), "{err}");
    Ok(())
}

#[test]
fn read_from_returns_the_records_from_a_sequence_number_on() -> TestResult {
    let dir = tempfile::tempdir()?;
    let (_, ends) = write_log(dir.path(), 12)?;
    assert_eq!(ends.len(), 12);
    let opts = WalOptions {
        durability: Durability::Fsync,
        segment_bytes: 1 << 30,
    };
    let (wal, _) = LocalWal::open(Arc::new(RealFs), dir.path(), opts, 0)?;
    let records = wal.read_from(5)?;
    assert_eq!(
        records.iter().map(|(seq, _)| *seq).collect::<Vec<_>>(),
        (5..=12).collect::<Vec<u64>>()
    );
    for (seq, payload) in &records {
        assert_eq!(payload, &record(*seq));
    }
    assert!(wal.read_from(13)?.is_empty());
    Ok(())
}
