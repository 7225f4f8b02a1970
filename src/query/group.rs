//! Grouped search (Qdrant's `points/query/groups` and `points/search/groups`): the best hits of a
//! ranked [`Stage`] gathered by the value of one payload field, "the best chunks of the best
//! documents".
//!
//! A point belongs to the group of each string or integer value its field holds (each element of
//! an array, once); points without the field or with values of other types belong to none, and a
//! filter keeps them out of the ranking (Qdrant's "the key is not empty" condition). Groups come
//! in the order of their best hit; each holds its hits best first, at most `group_size`; at most
//! `limit` groups come back.
//!
//! The stage's filters apply before grouping. A ranking of `limit × group_size` candidates may
//! leave groups short (one document can own every top hit), so the stage runs again over
//! [`WIDENING`] times as many candidates until the best `limit` groups are full, the candidates
//! are exhausted (the stage returned fewer than asked), or [`MAX_GROUP_CANDIDATES`] were ranked:
//! at most a handful of rounds, each bounded. With an exact ranking the groups are then those a
//! brute-force grouping of every matching point gives.
//!
//! It owns the grouping and the widening; it never parses wire formats (that is `api/`) and
//! reads points only through the [`ReadView`] it is given.

use std::collections::HashMap;

use super::MAX_MMR_CHOSEN;
use super::multi_stage::{self, MultiStageError, Scoring, Stage};
use super::predicate::{Condition, Predicate};
use crate::columns::{FieldPath, Payload, Value};
use crate::engine::ReadView;
use crate::vector::ScoredSlot;

/// Most candidates one grouped search ranks in its widest round. A collection holding more
/// points than this, where the best groups are still not full among this many candidates,
/// answers with the groups found among them.
pub const MAX_GROUP_CANDIDATES: usize = 1 << 20;

/// How many times more candidates each round ranks than the one before.
pub const WIDENING: usize = 4;

/// What to group by and how much to return.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSpec {
    /// The payload field whose values name the groups.
    pub key: FieldPath,
    /// Most hits per group (at least 1).
    pub group_size: usize,
    /// Most groups (at least 1).
    pub limit: usize,
}

/// The value that names a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GroupId {
    /// A string value.
    String(String),
    /// An integer value that fits in `i64`.
    Int(i64),
    /// An integer value above `i64::MAX`.
    UInt(u64),
}

impl GroupId {
    /// The group a field value names: strings and integers do, other values do not.
    #[must_use]
    pub fn of(value: &Value) -> Option<Self> {
        match value {
            Value::String(s) => Some(Self::String(s.clone())),
            Value::Int(i) => Some(Self::Int(*i)),
            Value::UInt(u) => Some(Self::UInt(*u)),
            _ => None,
        }
    }
}

/// One group: its value and its hits, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    /// The value its points hold.
    pub id: GroupId,
    /// Its best hits, best first.
    pub hits: Vec<ScoredSlot>,
}

/// Runs `stage` over `view` and groups its hits by `spec.key`, widening the ranking until the
/// best `spec.limit` groups hold `spec.group_size` hits each or the candidates run out.
///
/// # Errors
/// As [`multi_stage::run`].
pub fn grouped_search(
    view: &ReadView<'_>,
    stage: &Stage,
    spec: &GroupSpec,
) -> Result<Vec<Group>, MultiStageError> {
    let mut stage = stage.clone();
    stage.filter = Some(holding_key(stage.filter.take(), &spec.key));
    let first = spec.limit.saturating_mul(spec.group_size).max(1);
    let cap = widest(&stage, view.len()).max(first);
    let mut k = first;
    loop {
        stage.limit = k;
        let ranked = multi_stage::run(view, &stage)?;
        let exhausted = ranked.hits.len() < k || k >= cap;
        let (groups, full) = group_hits(&ranked.hits, spec, |slot| view.payload(slot));
        if full || exhausted {
            return Ok(groups);
        }
        k = k.saturating_mul(WIDENING).min(cap);
    }
}

/// The most candidates a round of `stage` ranks over a view of `points` live points: no more than
/// exist, [`MAX_GROUP_CANDIDATES`], and for MMR (whose cost grows with the product of what it
/// chooses and what it chooses from) [`MAX_MMR_CHOSEN`].
fn widest(stage: &Stage, points: usize) -> usize {
    let cap = points.min(MAX_GROUP_CANDIDATES);
    match &stage.scoring {
        Scoring::Nearest { mmr: Some(_), .. } => cap.min(MAX_MMR_CHOSEN),
        _ => cap,
    }
}

/// `filter` and "the field `key` holds a value".
fn holding_key(filter: Option<Predicate>, key: &FieldPath) -> Predicate {
    let has_key = Predicate::Not(Box::new(Predicate::Field(key.clone(), Condition::IsEmpty)));
    match filter {
        None | Some(Predicate::All) => has_key,
        Some(Predicate::And(mut all)) => {
            all.push(has_key);
            Predicate::And(all)
        }
        Some(other) => Predicate::And(vec![other, has_key]),
    }
}

/// Groups `hits` (best first) by the values of `spec.key` in the payloads `payload_of` reads:
/// the first `spec.limit` groups to appear, each with its first `spec.group_size` hits, and
/// whether all `spec.limit` of them are full (then no later hit could change the answer).
pub fn group_hits<'a>(
    hits: &[ScoredSlot],
    spec: &GroupSpec,
    payload_of: impl Fn(u32) -> Option<&'a Payload>,
) -> (Vec<Group>, bool) {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<GroupId, usize> = HashMap::new();
    let mut full = 0;
    let mut ids: Vec<GroupId> = Vec::new();
    for hit in hits {
        let Some(payload) = payload_of(hit.slot) else {
            continue;
        };
        ids.clear();
        spec.key.for_each_value(payload, &mut |value| {
            if let Some(id) = GroupId::of(value)
                && !ids.contains(&id)
            {
                ids.push(id);
            }
        });
        for id in ids.drain(..) {
            let group = match index.get(&id) {
                Some(&i) => &mut groups[i],
                None if groups.len() < spec.limit => {
                    index.insert(id.clone(), groups.len());
                    groups.push(Group {
                        id,
                        hits: Vec::new(),
                    });
                    let last = groups.len() - 1;
                    &mut groups[last]
                }
                // Groups past the first `limit` are never returned.
                None => continue,
            };
            if group.hits.len() < spec.group_size {
                group.hits.push(*hit);
                if group.hits.len() == spec.group_size {
                    full += 1;
                }
            }
        }
        if full == spec.limit {
            return (groups, true);
        }
    }
    (groups, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(value: Option<Value>) -> Payload {
        value
            .map(|v| Payload::from([("doc".to_owned(), v)]))
            .unwrap_or_default()
    }

    fn spec(group_size: usize, limit: usize) -> GroupSpec {
        GroupSpec {
            key: FieldPath::parse("doc").unwrap_or_else(|e| panic!("{e}")),
            group_size,
            limit,
        }
    }

    fn hits(n: u32) -> Vec<ScoredSlot> {
        (0..n)
            .map(|slot| ScoredSlot {
                slot,
                score: 1.0 - f32::from(u16::try_from(slot).unwrap_or(0)) / 100.0,
            })
            .collect()
    }

    fn slots(g: &Group) -> Vec<u32> {
        g.hits.iter().map(|h| h.slot).collect()
    }

    #[test]
    fn groups_by_string_and_integer_values_in_order_of_their_best_hit() {
        let payloads = [
            payload(Some(Value::String("a".into()))),
            payload(Some(Value::Int(7))),
            payload(None),
            payload(Some(Value::Float(1.5))),
            payload(Some(Value::String("a".into()))),
            payload(Some(Value::Bool(true))),
            payload(Some(Value::Int(7))),
            payload(Some(Value::String("a".into()))),
        ];
        let (groups, full) = group_hits(&hits(8), &spec(2, 5), |s| payloads.get(s as usize));
        assert!(!full, "two groups cannot fill five");
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].id, GroupId::String("a".into()));
        assert_eq!(slots(&groups[0]), [0, 4]);
        assert_eq!(groups[1].id, GroupId::Int(7));
        assert_eq!(slots(&groups[1]), [1, 6]);
    }

    #[test]
    fn an_array_puts_a_point_in_each_of_its_groups_once() {
        let payloads = [
            payload(Some(Value::Array(vec![
                Value::String("x".into()),
                Value::Int(1),
                Value::String("x".into()),
                Value::Null,
            ]))),
            payload(Some(Value::String("x".into()))),
        ];
        let (groups, _) = group_hits(&hits(2), &spec(3, 10), |s| payloads.get(s as usize));
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].id, GroupId::String("x".into()));
        assert_eq!(slots(&groups[0]), [0, 1]);
        assert_eq!(groups[1].id, GroupId::Int(1));
        assert_eq!(slots(&groups[1]), [0]);
    }

    #[test]
    fn stops_once_the_best_groups_are_full_and_ignores_later_groups() {
        let payloads = [
            payload(Some(Value::String("a".into()))),
            payload(Some(Value::String("b".into()))),
            payload(Some(Value::String("c".into()))),
            payload(Some(Value::String("a".into()))),
            payload(Some(Value::String("b".into()))),
        ];
        let (groups, full) = group_hits(&hits(5), &spec(2, 2), |s| payloads.get(s as usize));
        assert!(full);
        assert_eq!(groups.len(), 2);
        assert_eq!(slots(&groups[0]), [0, 3]);
        assert_eq!(slots(&groups[1]), [1, 4]);
        // The best group short of hits keeps the answer open even when others are full.
        let (_, full) = group_hits(&hits(3), &spec(2, 2), |s| payloads.get(s as usize));
        assert!(!full);
    }

    #[test]
    fn the_key_condition_joins_the_filter() {
        let key = FieldPath::parse("doc").unwrap_or_else(|e| panic!("{e}"));
        let has = Predicate::Not(Box::new(Predicate::Field(key.clone(), Condition::IsEmpty)));
        assert_eq!(holding_key(None, &key), has);
        assert_eq!(holding_key(Some(Predicate::All), &key), has);
        let other = Predicate::Field(key.clone(), Condition::IsNull);
        assert_eq!(
            holding_key(Some(other.clone()), &key),
            Predicate::And(vec![other, has])
        );
    }
}
