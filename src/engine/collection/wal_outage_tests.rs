//! What a collection does when its log reports the errors of a replicated log (unavailable,
//! timeout, fenced), driven through [`ScriptedLog`], an in-memory [`WriteAheadLog`] whose next
//! failures a test chooses. Opening replays through the trait as well.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;

use super::open::{Stored, start};
use super::record_codec::{Mutation, encode_mutation};
use super::{Collection, snapshot};
use crate::columns::Payload;
use crate::engine::{
    AckAt, CollectionConfig, EngineError, EngineOptions, HnswParams, NewPoint, PointId, Projection,
    Status,
};
use crate::storage::RealFs;
use crate::storage::wal::{Durability, Visit, WalError, WriteAheadLog};
use crate::vector::Metric;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A failure the log reports until the test clears it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    Unavailable,
    Timeout,
    Fenced,
}

impl Failure {
    fn error(self) -> WalError {
        match self {
            Self::Unavailable => WalError::Unavailable {
                reason: "no quorum".into(),
            },
            Self::Timeout => WalError::Timeout {
                after: Duration::from_secs(5),
            },
            Self::Fenced => WalError::Fenced {
                reason: "node 2 holds the lease".into(),
            },
        }
    }
}

#[derive(Debug, Default)]
struct LogState {
    /// Every record taken, in order (never truncated here: no checkpoint runs in these tests).
    records: Vec<(u64, Vec<u8>)>,
    durable_through: u64,
    fail_append: Option<Failure>,
    fail_sync: Option<Failure>,
    fenced: bool,
}

/// An in-memory log that keeps what it was given and fails when told to. Clones share state.
#[derive(Debug, Clone, Default)]
struct ScriptedLog(Arc<Mutex<LogState>>);

impl ScriptedLog {
    fn check(state: &mut LogState, failure: Option<Failure>) -> Result<(), WalError> {
        if state.fenced {
            return Err(Failure::Fenced.error());
        }
        match failure {
            Some(Failure::Fenced) => {
                state.fenced = true;
                Err(Failure::Fenced.error())
            }
            Some(f) => Err(f.error()),
            None => Ok(()),
        }
    }

    fn seqs(&self) -> Vec<u64> {
        self.0.lock().records.iter().map(|(s, _)| *s).collect()
    }
}

impl WriteAheadLog for ScriptedLog {
    fn append(&mut self, payload: &[u8]) -> Result<u64, WalError> {
        let mut state = self.0.lock();
        let failure = state.fail_append;
        Self::check(&mut state, failure)?;
        let seq = state.records.len() as u64 + 1;
        state.records.push((seq, payload.to_vec()));
        Ok(seq)
    }

    fn wait_durable(&mut self, seq: u64) -> Result<(), WalError> {
        let mut state = self.0.lock();
        let failure = state.fail_sync;
        Self::check(&mut state, failure)?;
        state.durable_through = state.durable_through.max(seq);
        Ok(())
    }

    fn sync_all(&mut self) -> Result<(), WalError> {
        let last = self.last_seq();
        self.wait_durable(last)
    }

    fn replay(&self, from: u64, visit: Visit<'_>) -> Result<(), WalError> {
        let records = self.0.lock().records.clone();
        for (seq, payload) in records.iter().filter(|(s, _)| *s >= from) {
            if visit(*seq, payload).is_break() {
                break;
            }
        }
        Ok(())
    }

    fn truncate_through(&mut self, _seq: u64) -> Result<(), WalError> {
        Ok(())
    }

    fn is_poisoned(&self) -> bool {
        false
    }

    fn last_seq(&self) -> u64 {
        self.0.lock().records.len() as u64
    }

    fn bytes_since_truncate(&self) -> u64 {
        0
    }
}

fn config() -> CollectionConfig {
    CollectionConfig::single(
        crate::engine::VectorParams {
            dimension: 2,
            metric: Metric::Euclid,
            hnsw: HnswParams::default(),
            quantization: None,
        },
        Durability::Fsync,
    )
}

fn point(id: u64) -> NewPoint {
    NewPoint {
        id: PointId::Num(id),
        vector: vec![id as f32, 1.0].into(),
        payload: Payload::new(),
    }
}

fn upsert(c: &Collection, id: u64) -> Result<u64, EngineError> {
    c.upsert(vec![point(id)], AckAt::Applied)?
        .wait_blocking()
        .map(|r| r.seq)
}

fn present(c: &Collection, ids: &[u64]) -> Vec<u64> {
    let ids: Vec<PointId> = ids.iter().map(|&i| PointId::Num(i)).collect();
    c.get(&ids, &Projection::default())
        .into_iter()
        .filter_map(|r| match r.id {
            PointId::Num(n) => Some(n),
            PointId::Uuid(_) => None,
        })
        .collect()
}

/// Opens a collection on `log` (whose records are replayed) in a fresh directory.
fn open_on(dir: &std::path::Path, log: &ScriptedLog) -> Result<Collection, EngineError> {
    let opts = EngineOptions::new(dir.to_path_buf());
    let (store, checkpoint_seq) = snapshot::read(&RealFs, "c", dir, &config())?;
    start(
        Stored {
            fs: Arc::new(RealFs),
            name: "c",
            dir,
            config: config(),
            opts: &opts,
            store,
            checkpoint_seq,
            started: Instant::now(),
            archive: None,
        },
        Box::new(log.clone()),
    )
}

#[test]
fn opening_replays_the_log_through_the_trait() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = ScriptedLog::default();
    {
        let mut writer = log.clone();
        for id in [1, 2] {
            let p = point(id);
            let crate::engine::PointVectors::Unnamed(v) = p.vector else {
                unreachable!("test points are unnamed")
            };
            let m = Mutation::Upsert(vec![(p.id, vec![(0, v)], p.payload).into()]);
            writer.append(&encode_mutation(&m))?;
        }
    }
    let c = open_on(dir.path(), &log)?;
    assert_eq!(present(&c, &[1, 2]), vec![1, 2]);
    // A visitor that stops ends the replay: the trait's early exit is honoured.
    let mut seen = Vec::new();
    log.replay(1, &mut |seq, _| {
        seen.push(seq);
        ControlFlow::Break(())
    })?;
    assert_eq!(seen, vec![1]);
    c.shutdown_blocking()?;
    Ok(())
}

#[test]
fn an_unavailable_log_refuses_the_write_unlogged_and_stays_writable() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = ScriptedLog::default();
    let c = open_on(dir.path(), &log)?;
    log.0.lock().fail_append = Some(Failure::Unavailable);
    match upsert(&c, 1) {
        Err(EngineError::LogUnavailable {
            outcome_unknown: false,
            ref source,
            ..
        }) if matches!(source.as_ref(), WalError::Unavailable { .. }) => {}
        other => return Err(format!("expected LogUnavailable, got {other:?}").into()),
    }
    assert!(log.seqs().is_empty(), "a refused write was logged");
    assert_eq!(c.health().status(), Status::Green);
    log.0.lock().fail_append = None;
    assert_eq!(upsert(&c, 2)?, 1);
    assert_eq!(present(&c, &[1, 2]), vec![2]);
    c.shutdown_blocking()?;
    Ok(())
}

#[test]
fn a_timed_out_write_is_unknown_and_the_log_settles_it_before_the_next_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = ScriptedLog::default();
    let c = open_on(dir.path(), &log)?;
    log.0.lock().fail_sync = Some(Failure::Timeout);
    match upsert(&c, 1) {
        Err(EngineError::LogUnavailable {
            outcome_unknown: true,
            ..
        }) => {}
        other => return Err(format!("expected an unknown outcome, got {other:?}").into()),
    }
    assert_eq!(log.seqs(), vec![1], "the timed-out record stays in the log");
    assert!(
        present(&c, &[1]).is_empty(),
        "an unconfirmed write is visible"
    );
    assert_eq!(
        c.health().status(),
        Status::Green,
        "a timeout is not a failure"
    );
    // While the log still cannot confirm it, a new write is refused before it is logged.
    match upsert(&c, 2) {
        Err(EngineError::LogUnavailable {
            outcome_unknown: false,
            ..
        }) => {}
        other => return Err(format!("expected a refusal, got {other:?}").into()),
    }
    assert_eq!(log.seqs(), vec![1]);
    // The log confirms: the earlier write is applied first, then the new one.
    log.0.lock().fail_sync = None;
    assert_eq!(upsert(&c, 3)?, 2);
    assert_eq!(present(&c, &[1, 2, 3]), vec![1, 3]);
    c.shutdown_blocking()?;
    Ok(())
}

#[test]
fn a_fenced_log_makes_the_collection_refuse_writes_like_a_poisoned_one() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = ScriptedLog::default();
    let c = open_on(dir.path(), &log)?;
    assert_eq!(upsert(&c, 1)?, 1);
    log.0.lock().fail_append = Some(Failure::Fenced);
    match upsert(&c, 2) {
        Err(EngineError::WriteFailed { ref source, .. })
            if matches!(source.as_ref(), WalError::Fenced { .. }) => {}
        other => return Err(format!("expected a fenced failure, got {other:?}").into()),
    }
    let health = c.health();
    assert_eq!(health.status(), Status::Red);
    let reason = health.writes_refused.ok_or("no reason reported")?;
    assert!(reason.contains("another writer"), "{reason}");
    assert!(matches!(
        upsert(&c, 3),
        Err(EngineError::WritesRefused { .. })
    ));
    assert_eq!(present(&c, &[1, 2, 3]), vec![1], "reads go on");
    Ok(())
}

/// A collection whose points expire at their `expires_at`, on `log`.
fn open_expiring_on(dir: &std::path::Path, log: &ScriptedLog) -> Result<Collection, EngineError> {
    crate::engine::manifest::write_settings_with_ttl(&RealFs, dir, &config(), Some("expires_at"))?;
    let c = open_on(dir, log)?;
    c.create_field_index(
        crate::columns::FieldPath::parse("expires_at").map_err(|e| {
            EngineError::InvalidSetting {
                setting: "test",
                reason: e.to_string(),
            }
        })?,
        crate::columns::index::IndexSchema::Datetime,
        AckAt::Applied,
    )?
    .wait_blocking()?;
    Ok(c)
}

fn expiring_point(id: u64, seconds: i64) -> NewPoint {
    let at = chrono::Utc::now() + chrono::Duration::milliseconds(seconds * 1000);
    let mut p = point(id);
    p.payload.insert(
        "expires_at".into(),
        crate::columns::Value::String(at.to_rfc3339()),
    );
    p
}

/// Every read of a view: point lookup, scroll, count, the live set, exact and graph searches.
fn seen_by_every_read(c: &Collection) -> Result<Vec<u64>, Box<dyn std::error::Error>> {
    let got = present(c, &[1, 2, 3]);
    let (page, _) = c.scroll(None, 10, &Projection::default())?;
    let scrolled: Vec<PointId> = page.into_iter().map(|r| r.id).collect();
    let hits = c.search(&super::SearchRequest {
        vector: vec![1.0, 1.0],
        using: None,
        limit: 10,
        offset: 0,
        score_threshold: None,
        projection: Projection::default(),
        ef: None,
        exact: true,
        quantization: crate::vector::quantize::QuantizedSearch::default(),
    })?;
    let found: Vec<PointId> = hits.into_iter().map(|h| h.record.id).collect();
    let ids: Vec<PointId> = got.iter().map(|&n| PointId::Num(n)).collect();
    assert_eq!(scrolled, ids, "scroll disagrees with get");
    let mut found_sorted = found;
    found_sorted.sort();
    assert_eq!(found_sorted, ids, "search disagrees with get");
    assert_eq!(c.len(), got.len(), "count disagrees with get");
    assert_eq!(c.read(|v| v.live().len()), got.len() as u64);
    Ok(got)
}

#[test]
fn expired_points_are_hidden_from_reads_while_the_log_cannot_take_their_deletion() -> TestResult {
    let dir = tempfile::tempdir()?;
    let log = ScriptedLog::default();
    let c = open_expiring_on(dir.path(), &log)?;
    c.upsert(
        vec![expiring_point(1, 1), point(2), expiring_point(3, 3600)],
        AckAt::Applied,
    )?
    .wait_blocking()?;
    assert_eq!(seen_by_every_read(&c)?, vec![1, 2, 3]);
    let records = log.seqs().len();
    // The writer cannot log the deletion, so point 1 stays stored past its expiry.
    log.0.lock().fail_append = Some(Failure::Unavailable);
    std::thread::sleep(Duration::from_millis(1_300));
    assert_eq!(
        c.store.read().len(),
        3,
        "the expired point was deleted unlogged"
    );
    assert_eq!(log.seqs().len(), records);
    assert_eq!(seen_by_every_read(&c)?, vec![2, 3]);
    // Once the log takes writes, the writer deletes it through the log; reads never change.
    log.0.lock().fail_append = None;
    let deadline = Instant::now() + Duration::from_secs(10);
    while c.store.read().len() == 3 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        c.store.read().len(),
        2,
        "the expired point was never deleted"
    );
    assert!(log.seqs().len() > records, "the deletion was not logged");
    assert_eq!(seen_by_every_read(&c)?, vec![2, 3]);
    c.shutdown_blocking()?;
    Ok(())
}
