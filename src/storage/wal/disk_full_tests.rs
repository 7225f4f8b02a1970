//! A full disk when a segment's space is reserved refuses that append cleanly: nothing is
//! written, the log is not poisoned, and appends succeed again once space returns.

use std::sync::Arc;

use super::recovery::{ScanMode, collect, list_segments};
use super::{Durability, LocalWal, WalError, WalOptions, WriteAheadLog};
use crate::storage::RealFs;
use crate::storage::fs::{FaultKind, FaultyFs};

type TestResult = Result<(), Box<dyn std::error::Error>>;

#[test]
fn a_full_disk_refuses_the_append_and_appends_resume_once_space_returns() -> TestResult {
    let dir = tempfile::tempdir()?;
    // The first segment gets its space; every later reservation meets a full disk.
    let fs = FaultyFs::new(FaultKind::AllocateNoSpace, 2);
    let opts = WalOptions {
        durability: Durability::Fsync,
        segment_bytes: 4096,
    };
    let (mut wal, _) = LocalWal::open(Arc::new(fs.clone()), dir.path(), opts, 0)?;
    let payload = vec![7u8; 1000];
    let mut acknowledged = 0u64;
    let refused = loop {
        match wal.append(&payload) {
            Ok(seq) => {
                wal.wait_durable(seq)?;
                acknowledged = seq;
            }
            Err(e) => break e,
        }
        assert!(acknowledged < 10, "the reservation never ran out");
    };
    assert!(refused.is_disk_full(), "{refused}");
    assert!(acknowledged >= 3);
    // Still refused, and still for lack of space rather than poisoned.
    let again = wal
        .append(&payload)
        .err()
        .ok_or("append succeeded on a full disk")?;
    assert!(again.is_disk_full(), "{again}");
    assert!(!matches!(again, WalError::Poisoned));
    assert_eq!(
        list_segments(&RealFs, dir.path())?,
        vec![1],
        "a failed segment was left behind"
    );
    fs.heal();
    let seq = wal.append(&payload)?;
    wal.wait_durable(seq)?;
    assert_eq!(
        seq,
        acknowledged + 1,
        "no sequence number was lost to the refusal"
    );
    drop(wal);
    let (records, recovered) = collect(&RealFs, dir.path(), 1, ScanMode::Check)?;
    assert_eq!(records.len() as u64, acknowledged + 1);
    assert!(recovered.tail.is_none());
    Ok(())
}
