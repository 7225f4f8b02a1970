//! Expiry (TTL): a collection may name a top-level payload key whose datetime is when each point
//! expires (`ttl_field`, fixed at creation). The collection indexes that key as a datetime when it
//! is created, writes are refused when the key holds anything but a datetime, and the writer
//! deletes expired points through the WAL (ordinary delete records, so the deletion is durable,
//! replayed after a crash and archived, and the points' edges go with them).
//!
//! The writer finds what has expired from the datetime index (`due`) and sleeps until the earliest
//! expiry still ahead (`next`), so a point is deleted within the writer's wake-up latency of its
//! expiry (behind any group commit already running), counted in `plait_ttl_expired_points_total`.

use std::ops::Bound;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use roaring::RoaringBitmap;

use super::MAX_BATCH_POINTS;
use super::point_store::PointStore;
use crate::columns::index::IndexKey;
use crate::columns::{FieldPath, Payload, Value, parse_datetime};
use crate::engine::EngineError;
use crate::engine::point::PointId;

/// A collection's expiry setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ttl {
    /// The top-level payload key.
    pub key: String,
    /// The same key as an index path.
    pub path: FieldPath,
}

impl Ttl {
    /// The setting for payload key `key`.
    ///
    /// # Errors
    /// [`EngineError::InvalidSetting`] unless `key` is a plain top-level key (no `.` or `[`).
    pub fn new(key: &str) -> Result<Self, EngineError> {
        let invalid = |reason: &str| EngineError::InvalidSetting {
            setting: "ttl_field",
            reason: reason.to_owned(),
        };
        if key.is_empty() || key.len() > 256 {
            return Err(invalid("must be 1 to 256 bytes"));
        }
        if key.contains(['.', '[', ']', '"']) {
            return Err(invalid(
                "must be a top-level payload key (no '.', '[', ']' or '\"')",
            ));
        }
        let path = FieldPath::parse(key).map_err(|e| invalid(&e.to_string()))?;
        Ok(Self {
            key: key.to_owned(),
            path,
        })
    }

    /// Refuses a point whose expiry key holds anything but a datetime string.
    ///
    /// # Errors
    /// [`EngineError::InvalidExpiry`] naming the point and the key.
    pub fn check(&self, id: impl std::fmt::Display, payload: &Payload) -> Result<(), EngineError> {
        match payload.get(&self.key) {
            None => Ok(()),
            Some(Value::String(s)) if parse_datetime(s).is_some() => Ok(()),
            Some(other) => Err(EngineError::InvalidExpiry {
                id: id.to_string(),
                field: self.key.clone(),
                got: format!("{other:?}"),
            }),
        }
    }

    /// Sets the expiry key of `payload` to `seconds` from now (RFC 3339, UTC, microseconds).
    pub fn expire_in(&self, payload: &mut Payload, seconds: u64) {
        let at = chrono::Utc::now()
            + chrono::Duration::seconds(i64::try_from(seconds).unwrap_or(i64::MAX / 1_000_000));
        payload.insert(
            self.key.clone(),
            Value::String(at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true)),
        );
    }

    /// The live points expired now (at most [`MAX_BATCH_POINTS`], oldest expiry first is not
    /// promised).
    #[must_use]
    pub fn due(&self, store: &PointStore) -> Vec<PointId> {
        let Some(index) = store.field_indexes().get(&self.path) else {
            return Vec::new();
        };
        let now = IndexKey::Int(now_micros());
        index
            .range(Bound::Unbounded, Bound::Included(&now))
            .iter()
            .filter_map(|slot| store.id_at(slot))
            .take(MAX_BATCH_POINTS)
            .collect()
    }

    /// The live points whose expiry has passed: reads hide them at once, before the writer has
    /// deleted them (see [`super::ReadView`]). Empty in the common case, where the writer keeps
    /// up, so a read pays one range probe of the datetime index.
    #[must_use]
    pub fn expired(&self, store: &PointStore) -> RoaringBitmap {
        let Some(index) = store.field_indexes().get(&self.path) else {
            return RoaringBitmap::new();
        };
        let now = IndexKey::Int(now_micros());
        let mut expired = index.range(Bound::Unbounded, Bound::Included(&now));
        expired &= store.live_bitmap();
        expired
    }

    /// When the earliest expiry still ahead falls, if any point has one. Only instants after
    /// now: what is already due is [`Ttl::due`]'s, and a deadline in the past would make the
    /// writer spin.
    #[must_use]
    pub fn next(&self, store: &PointStore) -> Option<Instant> {
        let index = store.field_indexes().get(&self.path)?;
        let now = now_micros();
        let (key, _) = index
            .postings_in(Bound::Excluded(&IndexKey::Int(now)), Bound::Unbounded)
            .find(|(_, slots)| !slots.is_empty())?;
        let IndexKey::Int(at) = key else {
            return None;
        };
        let ahead = u64::try_from(at.saturating_sub(now)).unwrap_or(0);
        Some(Instant::now() + Duration::from_micros(ahead))
    }
}

fn now_micros() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
