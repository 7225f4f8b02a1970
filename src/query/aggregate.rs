//! Aggregates over the points that satisfy a predicate, grouped by payload fields or not:
//! `COUNT(*)`, `COUNT(field)`, `COUNT(DISTINCT field)`, `SUM`, `AVG`, `MIN`, `MAX`. VelesQL's
//! `GROUP BY` compiles to [`aggregate`].
//!
//! What a field contributes to a point: the distinct non-null scalars it holds (each element of
//! an array; objects are not scalars), as [`Scalar`]s. A point whose grouping field holds none
//! falls in the `NULL` group; one holding several values falls in a group for each, as facets
//! count it. `COUNT(field)` counts points holding at least one value; `SUM` and `AVG` add the
//! numbers (an integer `SUM` stays an integer unless a float is added or it overflows `i64`);
//! `MIN` and `MAX` order every scalar (booleans, then numbers, then strings).
//!
//! Grouping by one field with a keyword, integer or bool index is answered from its postings
//! (each group is a posting intersected with the matching set), and an aggregate over a field with
//! such an index from that index's postings (`SUM(n)` is the sum of `key · |posting ∩ group|`),
//! whenever no point in question holds a value of another type than the index's and the group is
//! not so small that reading its payloads costs less than visiting every posting. Everything else
//! reads payloads. Both ways give the same rows (checked by a property test).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use roaring::RoaringBitmap;

use super::deadline;
use super::predicate::Predicate;
use super::select::matching_slots;
use crate::columns::index::{FieldIndex, IndexKey, IndexSchema};
use crate::columns::{FieldPath, Payload, Value};
use crate::engine::ReadView;

/// Posting intersections that cost about one payload read.
const POSTINGS_PER_READ: u64 = 16;

/// One aggregate of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    /// `COUNT(*)`: points.
    CountAll,
    /// `COUNT(field)`: points holding at least one value.
    Count(FieldPath),
    /// `COUNT(DISTINCT field)`: distinct values.
    CountDistinct(FieldPath),
    /// `SUM(field)`: sum of the numbers.
    Sum(FieldPath),
    /// `AVG(field)`: mean of the numbers.
    Avg(FieldPath),
    /// `MIN(field)`: the least value.
    Min(FieldPath),
    /// `MAX(field)`: the greatest value.
    Max(FieldPath),
}

impl Aggregate {
    fn field(&self) -> Option<&FieldPath> {
        match self {
            Self::CountAll => None,
            Self::Count(f)
            | Self::CountDistinct(f)
            | Self::Sum(f)
            | Self::Avg(f)
            | Self::Min(f)
            | Self::Max(f) => Some(f),
        }
    }
}

/// A scalar value: a group key or an aggregate's result. Ordered `NULL` < booleans < numbers
/// (by value; an integer before an equal float) < strings.
#[derive(Debug, Clone)]
pub enum Scalar {
    /// No value.
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float (an integer above `i64::MAX` is one too).
    Float(f64),
    /// A string.
    String(String),
}

impl Scalar {
    fn rank(&self) -> u8 {
        match self {
            Self::Null => 0,
            Self::Bool(_) => 1,
            Self::Int(_) | Self::Float(_) => 2,
            Self::String(_) => 3,
        }
    }

    /// The scalar a payload value is, if it is one (not `null`, an array or an object).
    #[expect(
        clippy::cast_precision_loss,
        reason = "integers above i64::MAX aggregate as floats"
    )]
    fn of(value: &Value) -> Option<Self> {
        match value {
            Value::Bool(b) => Some(Self::Bool(*b)),
            Value::Int(i) => Some(Self::Int(*i)),
            Value::UInt(u) => Some(Self::Float(*u as f64)),
            Value::Float(f) => Some(Self::Float(*f)),
            Value::String(s) => Some(Self::String(s.clone())),
            Value::Null | Value::Array(_) | Value::Object(_) => None,
        }
    }

    fn of_key(key: &IndexKey) -> Option<Self> {
        match key {
            IndexKey::Bool(b) => Some(Self::Bool(*b)),
            IndexKey::Int(i) => Some(Self::Int(*i)),
            IndexKey::Text(s) => Some(Self::String(s.clone())),
            IndexKey::Float(_) | IndexKey::Uuid(_) => None,
        }
    }
}

impl PartialEq for Scalar {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl Eq for Scalar {}
impl PartialOrd for Scalar {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scalar {
    #[expect(
        clippy::cast_precision_loss,
        reason = "numbers compare as f64, ties by kind"
    )]
    fn cmp(&self, other: &Self) -> Ordering {
        match (self, other) {
            (Self::Bool(a), Self::Bool(b)) => a.cmp(b),
            (Self::Int(a), Self::Int(b)) => a.cmp(b),
            (Self::Float(a), Self::Float(b)) => a.total_cmp(b),
            (Self::Int(a), Self::Float(b)) => (*a as f64).total_cmp(b).then(Ordering::Less),
            (Self::Float(a), Self::Int(b)) => a.total_cmp(&(*b as f64)).then(Ordering::Greater),
            (Self::String(a), Self::String(b)) => a.cmp(b),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// One output row: the group's key (one scalar per grouping field) and one value per aggregate.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupRow {
    /// The grouping fields' values (empty without grouping).
    pub key: Vec<Scalar>,
    /// The aggregates, in the order asked.
    pub values: Vec<Scalar>,
}

/// How the rows were computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AggregateStats {
    /// Groups came from an index's postings.
    pub groups_from_index: bool,
    /// Aggregates answered from index postings (per group).
    pub aggregates_from_index: u32,
    /// Payloads read (a payload read for several aggregates counts once per aggregate pass).
    pub payloads_read: u64,
}

/// The rows of `aggregates` over the points satisfying `predicate`, one per group of
/// `group_by`'s values in key order (one row, even over no point, without grouping).
#[must_use]
pub fn aggregate(
    view: &ReadView<'_>,
    predicate: &Predicate,
    group_by: &[FieldPath],
    aggregates: &[Aggregate],
) -> (Vec<GroupRow>, AggregateStats) {
    let matching = matching_slots(view, predicate);
    let mut stats = AggregateStats::default();
    let groups = match group_by {
        [] => BTreeMap::from([(Vec::new(), matching)]),
        [field] => match groups_from_index(view, field, &matching) {
            Some(groups) => {
                stats.groups_from_index = true;
                groups
            }
            None => groups_from_payloads(view, group_by, &matching, &mut stats),
        },
        _ => groups_from_payloads(view, group_by, &matching, &mut stats),
    };
    let rows = groups
        .into_iter()
        .map(|(key, slots)| GroupRow {
            values: aggregates
                .iter()
                .map(|a| value_of(view, a, &slots, &mut stats))
                .collect(),
            key,
        })
        .collect();
    (rows, stats)
}

/// Groups from the postings of `field`'s index, when it has a usable one.
fn groups_from_index(
    view: &ReadView<'_>,
    field: &FieldPath,
    matching: &RoaringBitmap,
) -> Option<BTreeMap<Vec<Scalar>, RoaringBitmap>> {
    let index = usable_index(view, field, matching)?;
    let mut groups = BTreeMap::new();
    for (key, posting) in index.postings() {
        let slots = posting & matching;
        if !slots.is_empty() {
            groups.insert(vec![Scalar::of_key(key)?], slots);
        }
    }
    let nulls = matching - index.indexed_slots();
    if !nulls.is_empty() {
        groups.insert(vec![Scalar::Null], nulls);
    }
    Some(groups)
}

/// The index of `field` if its postings say everything about the field in `slots`: a keyword,
/// integer or bool index, and no slot there holding a value of another type.
fn usable_index<'v>(
    view: &ReadView<'v>,
    field: &FieldPath,
    slots: &RoaringBitmap,
) -> Option<&'v FieldIndex> {
    view.field_index(field).filter(|index| {
        matches!(
            index.schema(),
            IndexSchema::Keyword | IndexSchema::Integer | IndexSchema::Bool
        ) && index.wrong_type_slots().is_disjoint(slots)
    })
}

/// Groups by reading each matching payload (a point joins a group per combination of values).
fn groups_from_payloads(
    view: &ReadView<'_>,
    group_by: &[FieldPath],
    matching: &RoaringBitmap,
    stats: &mut AggregateStats,
) -> BTreeMap<Vec<Scalar>, RoaringBitmap> {
    let mut groups: BTreeMap<Vec<Scalar>, RoaringBitmap> = BTreeMap::new();
    stats.payloads_read += matching.len();
    for (n, slot) in matching.iter().enumerate() {
        if deadline::stop_at(n as u64) {
            break;
        }
        let Some(payload) = view.payload(slot) else {
            continue;
        };
        let mut keys: Vec<Vec<Scalar>> = vec![Vec::new()];
        for field in group_by {
            let mut values: Vec<Scalar> = scalars(field, payload).into_iter().collect();
            if values.is_empty() {
                values.push(Scalar::Null);
            }
            keys = keys
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |v| {
                        let mut key = prefix.clone();
                        key.push(v.clone());
                        key
                    })
                })
                .collect();
        }
        for key in keys {
            groups.entry(key).or_default().insert(slot);
        }
    }
    groups
}

/// The distinct scalars `field` holds in `payload`.
fn scalars(field: &FieldPath, payload: &Payload) -> BTreeSet<Scalar> {
    let mut out = BTreeSet::new();
    field.for_each_value(payload, &mut |v| {
        if let Some(s) = Scalar::of(v) {
            out.insert(s);
        }
    });
    out
}

/// What one aggregate accumulates over a group.
#[derive(Default)]
struct Accumulator {
    points_with_values: u64,
    /// Distinct values seen (payload path) ...
    distinct: BTreeSet<Scalar>,
    /// ... or counted (index path, where each posting is one value).
    distinct_count: u64,
    int_sum: i128,
    float_sum: f64,
    any_float: bool,
    numbers: u64,
    min: Option<Scalar>,
    max: Option<Scalar>,
}

impl Accumulator {
    /// Adds `n` points holding the value `v`.
    #[expect(clippy::cast_precision_loss, reason = "a float sum")]
    fn add(&mut self, v: &Scalar, n: u64) {
        match v {
            Scalar::Int(i) => {
                self.int_sum += i128::from(*i) * i128::from(n);
                self.numbers += n;
            }
            Scalar::Float(f) => {
                self.float_sum += f * n as f64;
                self.any_float = true;
                self.numbers += n;
            }
            _ => {}
        }
        if self.min.as_ref().is_none_or(|m| v < m) {
            self.min = Some(v.clone());
        }
        if self.max.as_ref().is_none_or(|m| v > m) {
            self.max = Some(v.clone());
        }
    }

    #[expect(clippy::cast_precision_loss, reason = "a float sum or mean")]
    fn finish(self, aggregate: &Aggregate) -> Scalar {
        let count = |n: u64| Scalar::Int(i64::try_from(n).unwrap_or(i64::MAX));
        let total = || self.int_sum as f64 + self.float_sum;
        match aggregate {
            // Counted by the caller from the group's size.
            Aggregate::CountAll => Scalar::Null,
            Aggregate::Count(_) => count(self.points_with_values),
            Aggregate::CountDistinct(_) => count(self.distinct_count),
            Aggregate::Sum(_) if self.numbers == 0 => Scalar::Null,
            Aggregate::Sum(_) => match (self.any_float, i64::try_from(self.int_sum)) {
                (false, Ok(sum)) => Scalar::Int(sum),
                _ => Scalar::Float(total()),
            },
            Aggregate::Avg(_) if self.numbers == 0 => Scalar::Null,
            Aggregate::Avg(_) => Scalar::Float(total() / self.numbers as f64),
            Aggregate::Min(_) => self.min.unwrap_or(Scalar::Null),
            Aggregate::Max(_) => self.max.unwrap_or(Scalar::Null),
        }
    }
}

/// One aggregate over the group `slots`.
fn value_of(
    view: &ReadView<'_>,
    aggregate: &Aggregate,
    slots: &RoaringBitmap,
    stats: &mut AggregateStats,
) -> Scalar {
    let Some(field) = aggregate.field() else {
        return Scalar::Int(i64::try_from(slots.len()).unwrap_or(i64::MAX));
    };
    let mut acc = Accumulator::default();
    // Postings cost one intersection per distinct value, payloads one read per point: a small
    // group of a field with many values is cheaper read (a read costs about as much as
    // `POSTINGS_PER_READ` intersections).
    let cheap = |index: &FieldIndex| {
        index.distinct_values() as u64 <= slots.len().saturating_mul(POSTINGS_PER_READ)
    };
    if let Some(index) = usable_index(view, field, slots).filter(|i| cheap(i)) {
        stats.aggregates_from_index += 1;
        acc.points_with_values = index.indexed_slots().intersection_len(slots);
        for (i, (key, posting)) in index.postings().enumerate() {
            if deadline::stop_at(i as u64) {
                break;
            }
            let n = posting.intersection_len(slots);
            let Some(value) = Scalar::of_key(key).filter(|_| n > 0) else {
                continue;
            };
            acc.distinct_count += 1;
            acc.add(&value, n);
        }
        return acc.finish(aggregate);
    }
    stats.payloads_read += slots.len();
    let distinct = matches!(aggregate, Aggregate::CountDistinct(_));
    for (n, slot) in slots.iter().enumerate() {
        if deadline::stop_at(n as u64) {
            break;
        }
        let Some(payload) = view.payload(slot) else {
            continue;
        };
        let values = scalars(field, payload);
        if !values.is_empty() {
            acc.points_with_values += 1;
        }
        for v in values {
            acc.add(&v, 1);
            if distinct {
                acc.distinct.insert(v);
            }
        }
    }
    acc.distinct_count = acc.distinct.len() as u64;
    acc.finish(aggregate)
}
