//! Compiling a [`Predicate`] to the bitmap of the slots that satisfy it, within a domain (a set
//! of live slots), from one read view: payload field indexes answer the conditions they can,
//! payloads are evaluated for the rest, and only over the slots still in question.
//!
//! The answer is always exact; indexes only make it cheaper. A field index answers `match`
//! (`value`, `any`) and ranges of its own type; the slots whose field holds values of another
//! type (counted by the index, usually none) are evaluated, so a wrong-type value still matches
//! exactly as it would without the index. Inside `and`, the children indexes answer go first
//! and narrow the domain the others are evaluated over.

use std::ops::Bound;

use roaring::RoaringBitmap;

use super::deadline;
use super::predicate::{Condition, Interval, Literal, Predicate};
use crate::columns::index::{FieldIndex, Float, IndexKey, IndexSchema};
use crate::engine::ReadView;

/// Work done while compiling, for `explain`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CompileStats {
    /// Conditions answered from an index.
    pub index_conditions: u32,
    /// Conditions answered by reading payloads.
    pub scanned_conditions: u32,
    /// Payloads read (a point read for several conditions counts each time).
    pub payloads_read: u64,
}

/// The slots of `domain` (live slots) whose points satisfy `predicate`.
#[must_use]
pub fn matching_in(
    view: &ReadView<'_>,
    predicate: &Predicate,
    domain: &RoaringBitmap,
    stats: &mut CompileStats,
) -> RoaringBitmap {
    if domain.is_empty() {
        return RoaringBitmap::new();
    }
    match predicate {
        Predicate::All => domain.clone(),
        Predicate::HasId(ids) => {
            stats.index_conditions += 1;
            ids.iter()
                .filter_map(|id| view.slot_of(*id))
                .filter(|slot| domain.contains(*slot))
                .collect()
        }
        Predicate::And(items) => {
            let mut order: Vec<&Predicate> = items.iter().collect();
            order.sort_by_key(|p| !fully_indexed(view, p));
            let mut current = domain.clone();
            for item in order {
                current = matching_in(view, item, &current, stats);
                if current.is_empty() {
                    break;
                }
            }
            current
        }
        Predicate::Or(items) => {
            let mut found = RoaringBitmap::new();
            let mut rest = domain.clone();
            for item in items {
                let hits = matching_in(view, item, &rest, stats);
                rest -= &hits;
                found |= hits;
                if rest.is_empty() {
                    break;
                }
            }
            found
        }
        Predicate::Not(inner) => domain - matching_in(view, inner, domain, stats),
        Predicate::AtLeast { min, of } => at_least(view, *min, of, domain, stats),
        Predicate::Field(path, Condition::Text(text)) if view.text_index(path).is_some() => {
            stats.index_conditions += 1;
            view.text_index(path)
                .map(|index| text.index_answer(index) & domain)
                .unwrap_or_default()
        }
        Predicate::Field(path, condition) => {
            match view
                .field_index(path)
                .and_then(|index| index_answer(index, condition))
            {
                Some(answer) => {
                    stats.index_conditions += 1;
                    let mut hits = answer.exact & domain;
                    let unsure = answer.verify & domain;
                    hits |= evaluate(view, predicate, &unsure, stats);
                    hits
                }
                None => {
                    stats.scanned_conditions += 1;
                    evaluate(view, predicate, domain, stats)
                }
            }
        }
        Predicate::Nested { .. } => {
            stats.scanned_conditions += 1;
            evaluate(view, predicate, domain, stats)
        }
    }
}

/// Whether indexes answer `predicate` without reading payloads (beyond wrong-type values).
#[must_use]
pub fn fully_indexed(view: &ReadView<'_>, predicate: &Predicate) -> bool {
    match predicate {
        Predicate::All | Predicate::HasId(_) => true,
        Predicate::And(items) | Predicate::Or(items) | Predicate::AtLeast { of: items, .. } => {
            items.iter().all(|p| fully_indexed(view, p))
        }
        Predicate::Not(inner) => fully_indexed(view, inner),
        Predicate::Field(path, Condition::Text(_)) => view.text_index(path).is_some(),
        Predicate::Field(path, condition) => view
            .field_index(path)
            .is_some_and(|index| answerable(index.schema(), condition)),
        Predicate::Nested { .. } => false,
    }
}

/// The slots of `domain` satisfying at least `min` of `of`.
fn at_least(
    view: &ReadView<'_>,
    min: usize,
    of: &[Predicate],
    domain: &RoaringBitmap,
    stats: &mut CompileStats,
) -> RoaringBitmap {
    if min == 0 {
        return domain.clone();
    }
    // counts[i]: slots satisfying at least i + 1 of the children seen so far.
    let mut counts: Vec<RoaringBitmap> = vec![RoaringBitmap::new(); min];
    for item in of {
        let hits = matching_in(view, item, domain, stats);
        for i in (0..min).rev() {
            let reached = if i == 0 {
                hits.clone()
            } else {
                &counts[i - 1] & &hits
            };
            counts[i] |= reached;
        }
    }
    counts.pop().unwrap_or_default()
}

/// The slots of `domain` whose payloads satisfy `predicate`.
fn evaluate(
    view: &ReadView<'_>,
    predicate: &Predicate,
    domain: &RoaringBitmap,
    stats: &mut CompileStats,
) -> RoaringBitmap {
    stats.payloads_read += domain.len();
    domain
        .iter()
        .enumerate()
        .take_while(|(n, _)| !deadline::stop_at(*n as u64))
        .map(|(_, slot)| slot)
        .filter(|&slot| match (view.id_at(slot), view.payload(slot)) {
            (Some(id), Some(payload)) => predicate.matches(id, payload),
            _ => false,
        })
        .collect()
}

/// What an index says about one condition: slots that satisfy it for sure, and slots that must
/// be checked against their payload.
struct IndexAnswer {
    exact: RoaringBitmap,
    verify: RoaringBitmap,
}

/// Whether an index of `schema` answers `condition` (see [`index_answer`]).
fn answerable(schema: IndexSchema, condition: &Condition) -> bool {
    match condition {
        Condition::Equals(_) | Condition::AnyOf(_) => true,
        Condition::NumberRange(_) => matches!(schema, IndexSchema::Integer | IndexSchema::Float),
        Condition::DatetimeRange(_) => schema == IndexSchema::Datetime,
        _ => false,
    }
}

/// The index's answer to `condition`, or `None` when it cannot help.
fn index_answer(index: &FieldIndex, condition: &Condition) -> Option<IndexAnswer> {
    let schema = index.schema();
    if !answerable(schema, condition) {
        return None;
    }
    // Values of another type than the index's are not in it; their slots are checked.
    let mut verify = index.wrong_type_slots().clone();
    let exact = match condition {
        Condition::Equals(literal) => {
            let (exact, unsure) = lookup(index, std::slice::from_ref(literal));
            verify |= unsure;
            exact
        }
        Condition::AnyOf(literals) => {
            let (exact, unsure) = lookup(index, literals);
            verify |= unsure;
            exact
        }
        Condition::NumberRange(_) | Condition::DatetimeRange(_) => {
            match key_range(schema, condition) {
                Some((lo, hi)) => index.range(bound_ref(&lo), bound_ref(&hi)),
                None => RoaringBitmap::new(),
            }
        }
        _ => return None,
    };
    Some(IndexAnswer { exact, verify })
}

/// About how many slots satisfy `condition` by the index's statistics alone (posting sizes and
/// the histogram; no bitmap is read or built), counting wrong-type slots as possible matches;
/// `None` when the index does not answer the condition.
#[must_use]
pub fn index_estimate(index: &FieldIndex, condition: &Condition) -> Option<u64> {
    let schema = index.schema();
    if !answerable(schema, condition) {
        return None;
    }
    let keys = |literals: &[Literal]| -> u64 {
        literals
            .iter()
            .filter_map(|l| literal_key(schema, l))
            .map(|k| index.count_equal(&k))
            .sum()
    };
    let found = match condition {
        Condition::Equals(literal) => keys(std::slice::from_ref(literal)),
        Condition::AnyOf(literals) => keys(literals),
        Condition::NumberRange(_) | Condition::DatetimeRange(_) => {
            match key_range(schema, condition) {
                Some((lo, hi)) => index.estimate_range(bound_ref(&lo), bound_ref(&hi)),
                None => 0,
            }
        }
        _ => return None,
    };
    Some(found + index.wrong_type_points())
}

/// The key a literal is indexed under in an index of `schema` (folding spellings the index
/// folds), if it can be there at all.
fn literal_key(schema: IndexSchema, literal: &Literal) -> Option<IndexKey> {
    match (schema, literal) {
        (IndexSchema::Keyword, Literal::String(s)) => Some(IndexKey::Text(s.clone())),
        (IndexSchema::Integer, Literal::Int(i)) => Some(IndexKey::Int(*i)),
        (IndexSchema::Bool, Literal::Bool(b)) => Some(IndexKey::Bool(*b)),
        (IndexSchema::Uuid, Literal::String(s)) => uuid::Uuid::parse_str(s)
            .ok()
            .map(|u| IndexKey::Uuid(u.as_u128())),
        #[expect(
            clippy::cast_precision_loss,
            reason = "the float index keys every number as f64; candidates are verified"
        )]
        (IndexSchema::Float, Literal::Int(i)) => Some(IndexKey::Float(Float::new(*i as f64))),
        (IndexSchema::Datetime, Literal::String(s)) => {
            crate::columns::parse_datetime(s).map(IndexKey::Int)
        }
        _ => None,
    }
}

/// The index keys a range condition covers, as bounds; `None` when it covers none.
fn key_range(
    schema: IndexSchema,
    condition: &Condition,
) -> Option<(Bound<IndexKey>, Bound<IndexKey>)> {
    match (condition, schema) {
        (Condition::NumberRange(range), IndexSchema::Integer) => integer_bounds(range),
        (Condition::NumberRange(range), _) => {
            let lo = range
                .lower
                .map_or(Bound::Unbounded, |(x, inc)| float_bound(x, inc));
            let hi = range
                .upper
                .map_or(Bound::Unbounded, |(x, inc)| float_bound(x, inc));
            Some((lo, hi))
        }
        (Condition::DatetimeRange(range), _) => {
            let to_key = |(t, inc): (i64, bool)| {
                if inc {
                    Bound::Included(IndexKey::Int(t))
                } else {
                    Bound::Excluded(IndexKey::Int(t))
                }
            };
            Some((
                range.lower.map_or(Bound::Unbounded, to_key),
                range.upper.map_or(Bound::Unbounded, to_key),
            ))
        }
        _ => None,
    }
}

/// Slots holding one of `literals` for sure, and slots to check (keys an index folds together
/// that evaluation tells apart: UUID spellings, integers stored as floats).
fn lookup(index: &FieldIndex, literals: &[Literal]) -> (RoaringBitmap, RoaringBitmap) {
    let mut exact = RoaringBitmap::new();
    let mut unsure = RoaringBitmap::new();
    for literal in literals {
        let Some(key) = literal_key(index.schema(), literal) else {
            // Any other literal can only equal a value of another type than the index's: those
            // slots are in the wrong-type set, which is always checked.
            continue;
        };
        // Keyword, integer and bool keys are the literal itself; the others fold spellings
        // (UUID forms, integers stored as floats, datetime offsets) that evaluation tells apart.
        let folded = !matches!(
            index.schema(),
            IndexSchema::Keyword | IndexSchema::Integer | IndexSchema::Bool
        );
        if folded {
            unsure |= index.equal(&key);
        } else {
            exact |= index.equal(&key);
        }
    }
    (exact, unsure)
}

fn bound_ref(b: &Bound<IndexKey>) -> Bound<&IndexKey> {
    match b {
        Bound::Included(k) => Bound::Included(k),
        Bound::Excluded(k) => Bound::Excluded(k),
        Bound::Unbounded => Bound::Unbounded,
    }
}

fn float_bound(x: f64, inclusive: bool) -> Bound<IndexKey> {
    let key = IndexKey::Float(Float::new(x));
    if inclusive {
        Bound::Included(key)
    } else {
        Bound::Excluded(key)
    }
}

/// The integer keys inside a real interval, as inclusive bounds; `None` when it holds none.
#[expect(
    clippy::cast_possible_truncation,
    clippy::cast_precision_loss,
    reason = "bounds are clamped to the i64 range before the cast"
)]
fn integer_bounds(range: &Interval<f64>) -> Option<(Bound<IndexKey>, Bound<IndexKey>)> {
    const MAX: f64 = i64::MAX as f64;
    const MIN: f64 = i64::MIN as f64;
    let lo = match range.lower {
        None => Bound::Unbounded,
        Some((x, inclusive)) => {
            let first = if inclusive { x.ceil() } else { x.floor() + 1.0 };
            if first > MAX {
                return None;
            }
            if first <= MIN {
                Bound::Unbounded
            } else {
                Bound::Included(IndexKey::Int(first as i64))
            }
        }
    };
    let hi = match range.upper {
        None => Bound::Unbounded,
        Some((x, inclusive)) => {
            let last = if inclusive { x.floor() } else { x.ceil() - 1.0 };
            if last < MIN {
                return None;
            }
            if last >= MAX {
                Bound::Unbounded
            } else {
                Bound::Included(IndexKey::Int(last as i64))
            }
        }
    };
    Some((lo, hi))
}
