//! Which points of one read view satisfy a [`Predicate`]: as a slot bitmap, as ids, or as a page
//! in id order. Payload indexes answer what they can; payloads are read for the rest (see
//! [`super::compile`]).

use roaring::RoaringBitmap;

use super::Predicate;
use super::compile::{CompileStats, matching_in};
use crate::engine::{PointId, PointRecord, Projection, ReadView};

/// Every live slot whose point satisfies `predicate`.
#[must_use]
pub fn matching_slots(view: &ReadView<'_>, predicate: &Predicate) -> RoaringBitmap {
    let mut stats = CompileStats::default();
    matching_in(view, predicate, view.live(), &mut stats)
}

/// The ids of every live point that satisfies `predicate`, in slot order.
#[must_use]
pub fn matching_ids(view: &ReadView<'_>, predicate: &Predicate) -> Vec<PointId> {
    matching_slots(view, predicate)
        .iter()
        .filter_map(|slot| view.id_at(slot))
        .collect()
}

/// Up to `limit` points that satisfy `predicate`, in id order from `from` (inclusive), and the id
/// of the next one that does (where the next page starts), if any.
#[must_use]
pub fn scroll_matching(
    view: &ReadView<'_>,
    predicate: &Predicate,
    from: Option<PointId>,
    limit: usize,
    projection: &Projection,
) -> (Vec<PointRecord>, Option<PointId>) {
    let allowed = matching_slots(view, predicate);
    let mut hits = view
        .ids_from(from)
        .filter(|(_, slot)| allowed.contains(*slot));
    let page = hits
        .by_ref()
        .take(limit)
        .filter_map(|(_, slot)| view.record(slot, projection))
        .collect();
    (page, hits.next().map(|(id, _)| id))
}
