//! [`QueueBytes`]: the byte budget of a collection's write queue.
//!
//! The queue is bounded by count (`write_queue_capacity`), but one write can be as large as the
//! request body limit, so a count alone lets a few large upserts hold gigabytes while they wait.
//! A write takes its encoded size from this budget when it is queued and gives it back when the
//! writer takes it off the queue; a write that does not fit is refused at once
//! ([`crate::engine::EngineError::WriteQueueFull`]), never waits.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Bytes of encoded writes a queue may hold, and how many it holds now.
#[derive(Debug)]
pub struct QueueBytes {
    queued: AtomicUsize,
    budget: usize,
}

impl QueueBytes {
    /// A budget of `budget` bytes, nothing queued.
    #[must_use]
    pub fn new(budget: usize) -> Self {
        Self {
            queued: AtomicUsize::new(0),
            budget,
        }
    }

    /// Bytes held by queued writes now.
    #[cfg(test)]
    #[must_use]
    pub fn queued(&self) -> usize {
        self.queued.load(Ordering::Acquire)
    }

    /// The budget in bytes.
    #[must_use]
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// Takes `bytes` for a write about to be queued; `false` (nothing taken) when they do not
    /// fit. An empty queue admits any one write, so a budget smaller than a single write delays
    /// it behind others but never refuses it for good.
    pub fn take(&self, bytes: usize) -> bool {
        self.queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                let after = queued.saturating_add(bytes);
                (queued == 0 || after <= self.budget).then_some(after)
            })
            .is_ok()
    }

    /// Gives back what a write took, once the writer has taken it off the queue (or it was
    /// never queued).
    pub fn give_back(&self, bytes: usize) {
        // Never below zero: each give-back matches one successful take.
        let _ = self
            .queued
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |queued| {
                Some(queued.saturating_sub(bytes))
            });
    }
}

#[cfg(test)]
mod tests {
    use super::QueueBytes;

    #[test]
    fn takes_up_to_the_budget_and_one_write_into_an_empty_queue() {
        let q = QueueBytes::new(10);
        assert!(q.take(6));
        assert!(q.take(4));
        assert!(!q.take(1), "one byte past the budget was taken");
        q.give_back(6);
        assert!(q.take(6));
        q.give_back(6);
        q.give_back(4);
        assert!(
            q.take(25),
            "an empty queue refused a write larger than the budget"
        );
        assert!(!q.take(1));
    }
}
