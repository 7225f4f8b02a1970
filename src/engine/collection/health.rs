//! [`Health`]: what a collection's writer reports about itself, shared with readers.
//!
//! The writer is the only code that changes it; everything else (collection info, `/readyz`,
//! `/metrics`, the write path) reads it. Three things can go wrong for a collection that opened:
//!
//! - **Writes refused** (red): the WAL failed a write or `fsync` (it is poisoned), a logged write
//!   could not be applied, or the writer thread died. Every later write is refused with the
//!   reason until the server restarts; reads go on. Recovery at the next start replays the log.
//! - **Checkpoint failing** (yellow): the last automatic checkpoint failed. Writes still go on (the
//!   WAL holds every acknowledged write), the WAL grows, and the checkpoint is retried with back-off.
//! - **Background work** (yellow): a graph repair round is running.
//!
//! This module never touches files or the store.

use std::sync::Arc;

use parking_lot::Mutex;

/// The colour of a collection, as Qdrant reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Everything works and nothing is pending.
    Green,
    /// Working, with background work running or a checkpoint failing.
    Yellow,
    /// Writes are refused.
    Red,
}

impl Status {
    /// The lower-case name used on the wire and in metrics.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Green => "green",
            Self::Yellow => "yellow",
            Self::Red => "red",
        }
    }
}

/// A snapshot of a collection's health.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HealthReport {
    /// Why writes are refused, when they are.
    pub writes_refused: Option<Arc<str>>,
    /// The last checkpoint error, while checkpoints keep failing.
    pub checkpoint_failing: Option<Arc<str>>,
    /// Automatic checkpoints failed in a row (0 after a success).
    pub checkpoint_failures: u32,
    /// Whether a graph repair round is running.
    pub repairing: bool,
}

impl HealthReport {
    /// The colour this report amounts to.
    #[must_use]
    pub fn status(&self) -> Status {
        if self.writes_refused.is_some() {
            Status::Red
        } else if self.checkpoint_failing.is_some() || self.repairing {
            Status::Yellow
        } else {
            Status::Green
        }
    }
}

/// The shared health of one collection.
#[derive(Debug, Default)]
pub struct Health {
    report: Mutex<HealthReport>,
}

impl Health {
    /// A snapshot.
    #[must_use]
    pub fn report(&self) -> HealthReport {
        self.report.lock().clone()
    }

    /// Why writes are refused, if they are.
    #[must_use]
    pub fn writes_refused(&self) -> Option<Arc<str>> {
        self.report.lock().writes_refused.clone()
    }

    /// Refuses every later write with `reason`. The first reason stays: it names the root cause.
    pub fn refuse_writes(&self, reason: impl Into<Arc<str>>) {
        let mut report = self.report.lock();
        if report.writes_refused.is_none() {
            report.writes_refused = Some(reason.into());
        }
    }

    /// Records the outcome of an automatic checkpoint: the error and the failures in a row, or
    /// `None` after a success.
    pub fn set_checkpoint_failing(&self, error: Option<Arc<str>>, failures: u32) {
        let mut report = self.report.lock();
        report.checkpoint_failing = error;
        report.checkpoint_failures = failures;
    }

    /// Records whether a repair round runs.
    pub fn set_repairing(&self, repairing: bool) {
        self.report.lock().repairing = repairing;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_writes_outrank_everything_and_keep_the_first_reason() {
        let h = Health::default();
        assert_eq!(h.report().status(), Status::Green);
        h.set_repairing(true);
        assert_eq!(h.report().status(), Status::Yellow);
        h.set_repairing(false);
        h.set_checkpoint_failing(Some("disk full".into()), 1);
        assert_eq!(h.report().status(), Status::Yellow);
        h.refuse_writes("wal poisoned");
        h.refuse_writes("second");
        assert_eq!(h.report().status(), Status::Red);
        assert_eq!(h.writes_refused().as_deref(), Some("wal poisoned"));
        h.set_checkpoint_failing(None, 0);
        assert_eq!(h.report().status(), Status::Red);
    }
}
