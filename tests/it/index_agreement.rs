//! Payload indexes never change an answer: for random payloads (arrays, nulls, wrong types,
//! nested objects) and random predicates, the points a filter selects with every field indexed
//! are exactly those that evaluating the predicate on each payload selects, after upserts,
//! updates, payload edits and deletes, and again after a reopen that reads the index images.

use std::collections::BTreeSet;

use plait::columns::index::IndexSchema;
use plait::columns::{FieldPath, Payload, PayloadEdit, Value};
use plait::engine::{AckAt, Collection, Engine, EngineOptions, NewPoint, PointId, WriteTicket};
use plait::query::{
    Aggregate, Condition, FacetHit, Interval, Literal, Predicate, Scalar, aggregate, facet_counts,
    matching_ids,
};
use plait::storage::wal::Durability;
use proptest::prelude::*;

use crate::engine_faults::{config, reopen};

const FIELDS: [(&str, IndexSchema); 7] = [
    ("k", IndexSchema::Keyword),
    ("n", IndexSchema::Integer),
    ("f", IndexSchema::Float),
    ("b", IndexSchema::Bool),
    ("t", IndexSchema::Datetime),
    ("u", IndexSchema::Uuid),
    ("o.x", IndexSchema::Keyword),
];
const WORDS: [&str; 4] = ["red", "green", "blue", "Red"];
const UUIDS: [&str; 2] = [
    "67e55044-10b1-426f-9247-bb680e5fe0c8",
    "67E55044-10B1-426F-9247-BB680E5FE0C8",
];
const TIMES: [&str; 3] = [
    "2024-01-01T00:00:00Z",
    "2024-06-01",
    "2025-01-01T12:00:00+02:00",
];

fn value() -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(Value::Int),
        (-5i64..5).prop_map(|i| Value::Float(i as f64 / 2.0)),
        prop::sample::select(&WORDS[..]).prop_map(|w| Value::String(w.into())),
        prop::sample::select(&UUIDS[..]).prop_map(|w| Value::String(w.into())),
        prop::sample::select(&TIMES[..]).prop_map(|w| Value::String(w.into())),
    ];
    prop_oneof![
        4 => scalar.clone(),
        1 => prop::collection::vec(scalar, 0..3).prop_map(Value::Array),
    ]
}

fn payload() -> impl Strategy<Value = Payload> {
    (
        prop::collection::btree_map(
            prop::sample::select(&["k", "n", "f", "b", "t", "u"][..]),
            value(),
            0..6,
        ),
        prop::option::of(value()),
    )
        .prop_map(|(fields, nested)| {
            let mut p: Payload = fields.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            if let Some(x) = nested {
                let mut o = Payload::new();
                o.insert("x".into(), x);
                p.insert("o".into(), Value::Object(o));
            }
            p
        })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        prop::sample::select(&WORDS[..]).prop_map(|w| Literal::String(w.into())),
        prop::sample::select(&UUIDS[..]).prop_map(|w| Literal::String(w.into())),
        prop::sample::select(&TIMES[..]).prop_map(|w| Literal::String(w.into())),
        (-5i64..5).prop_map(Literal::Int),
        any::<bool>().prop_map(Literal::Bool),
    ]
}

fn end<T: std::fmt::Debug + Clone + 'static>(
    x: impl Strategy<Value = T>,
) -> impl Strategy<Value = Option<(T, bool)>> {
    prop::option::of((x, any::<bool>()))
}

fn leaf() -> impl Strategy<Value = Predicate> {
    let path =
        prop::sample::select(&FIELDS[..]).prop_map(|(f, _)| FieldPath::parse(f).expect("path"));
    let times: Vec<i64> = TIMES
        .iter()
        .filter_map(|t| plait::columns::parse_datetime(t))
        .collect();
    let condition = prop_oneof![
        literal().prop_map(Condition::Equals),
        prop::collection::vec(literal(), 0..3).prop_map(Condition::AnyOf),
        prop::collection::vec(literal(), 0..3).prop_map(Condition::NoneOf),
        (end(-6i64..6), end(-6i64..6)).prop_map(|(lo, hi)| Condition::NumberRange(Interval {
            lower: lo.map(|(x, inc)| (x as f64 / 2.0, inc)),
            upper: hi.map(|(x, inc)| (x as f64 / 2.0, inc)),
        })),
        (
            end(prop::sample::select(times.clone())),
            end(prop::sample::select(times))
        )
            .prop_map(|(lower, upper)| Condition::DatetimeRange(Interval { lower, upper })),
        Just(Condition::IsNull),
        Just(Condition::IsEmpty),
    ];
    prop_oneof![
        8 => (path, condition).prop_map(|(p, c)| Predicate::Field(p, c)),
        1 => prop::collection::btree_set((0u64..40).prop_map(PointId::Num), 0..5).prop_map(Predicate::HasId),
    ]
}

fn predicate() -> impl Strategy<Value = Predicate> {
    leaf().prop_recursive(3, 16, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Predicate::And),
            prop::collection::vec(inner.clone(), 0..3).prop_map(Predicate::Or),
            inner.clone().prop_map(|p| Predicate::Not(Box::new(p))),
            (0usize..3, prop::collection::vec(inner, 0..4))
                .prop_map(|(min, of)| Predicate::AtLeast { min, of }),
        ]
    })
}

fn wait(ticket: Result<WriteTicket, plait::engine::EngineError>) {
    ticket
        .and_then(WriteTicket::wait_blocking)
        .expect("write applied");
}

fn naive(c: &Collection, p: &Predicate) -> BTreeSet<PointId> {
    c.read(|view| {
        view.points()
            .filter(|(_, id, payload)| p.matches(*id, payload))
            .map(|(_, id, _)| id)
            .collect()
    })
}

fn planned(c: &Collection, p: &Predicate) -> BTreeSet<PointId> {
    c.read(|view| matching_ids(view, p).into_iter().collect())
}

/// Facet counts computed the naive way: every matching payload read, each distinct string,
/// integer or boolean of the field counted once per point; most points first, ties in value order.
fn naive_facet(c: &Collection, key: &str, p: &Predicate) -> Vec<FacetHit> {
    let path = FieldPath::parse(key).expect("path");
    let mut counts: std::collections::BTreeMap<Literal, u64> = std::collections::BTreeMap::new();
    c.read(|view| {
        for (_, id, payload) in view.points() {
            if !p.matches(id, payload) {
                continue;
            }
            let held: BTreeSet<Literal> = path
                .values(payload)
                .into_iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(Literal::String(s.clone())),
                    Value::Int(i) => Some(Literal::Int(*i)),
                    Value::Bool(b) => Some(Literal::Bool(*b)),
                    _ => None,
                })
                .collect();
            for l in held {
                *counts.entry(l).or_insert(0) += 1;
            }
        }
    });
    let mut hits: Vec<FacetHit> = counts
        .into_iter()
        .map(|(value, count)| FacetHit { value, count })
        .collect();
    hits.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
    hits
}

/// Facets of the indexed keyword, integer and bool fields (answered from postings) agree with
/// the naive count, under each predicate.
fn facets_agree(c: &Collection, predicates: &[Predicate]) -> Result<(), TestCaseError> {
    for key in ["k", "n", "b", "o.x", "f"] {
        let path = FieldPath::parse(key).expect("path");
        for p in predicates {
            let got = c.read(|view| facet_counts(view, &path, p, usize::MAX));
            prop_assert_eq!(got, naive_facet(c, key, p), "facet {} under {:?}", key, p);
        }
    }
    Ok(())
}

/// The distinct non-null scalars of `field` in `payload`, the naive way.
fn naive_scalars(field: &FieldPath, payload: &Payload) -> Vec<Scalar> {
    let mut out: Vec<Scalar> = field
        .values(payload)
        .into_iter()
        .filter_map(|v| match v {
            Value::Bool(b) => Some(Scalar::Bool(*b)),
            Value::Int(i) => Some(Scalar::Int(*i)),
            Value::UInt(u) => Some(Scalar::Float(*u as f64)),
            Value::Float(f) => Some(Scalar::Float(*f)),
            Value::String(s) => Some(Scalar::String(s.clone())),
            _ => None,
        })
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `GROUP BY group` with every aggregate of `field`, computed point by point in the test.
fn naive_groups(
    c: &Collection,
    p: &Predicate,
    group: &FieldPath,
    field: &FieldPath,
) -> Vec<(Vec<Scalar>, Vec<Scalar>)> {
    let mut groups: std::collections::BTreeMap<Scalar, Vec<Vec<Scalar>>> =
        std::collections::BTreeMap::new();
    c.read(|view| {
        for (_, id, payload) in view.points() {
            if !p.matches(id, payload) {
                continue;
            }
            let mut keys = naive_scalars(group, payload);
            if keys.is_empty() {
                keys.push(Scalar::Null);
            }
            for k in keys {
                groups
                    .entry(k)
                    .or_default()
                    .push(naive_scalars(field, payload));
            }
        }
    });
    groups
        .into_iter()
        .map(|(key, points)| {
            let values: Vec<&Scalar> = points.iter().flatten().collect();
            let ints: Vec<i64> = values
                .iter()
                .filter_map(|v| {
                    if let Scalar::Int(i) = v {
                        Some(*i)
                    } else {
                        None
                    }
                })
                .collect();
            let floats: Vec<f64> = values
                .iter()
                .filter_map(|v| {
                    if let Scalar::Float(f) = v {
                        Some(*f)
                    } else {
                        None
                    }
                })
                .collect();
            let n = ints.len() + floats.len();
            let total = ints.iter().map(|&i| i as f64).sum::<f64>() + floats.iter().sum::<f64>();
            let sum = if n == 0 {
                Scalar::Null
            } else if floats.is_empty() {
                Scalar::Int(ints.iter().sum())
            } else {
                Scalar::Float(total)
            };
            let avg = if n == 0 {
                Scalar::Null
            } else {
                Scalar::Float(total / n as f64)
            };
            let distinct: BTreeSet<&Scalar> = values.iter().copied().collect();
            (
                vec![key],
                vec![
                    Scalar::Int(points.len() as i64),
                    Scalar::Int(points.iter().filter(|v| !v.is_empty()).count() as i64),
                    Scalar::Int(distinct.len() as i64),
                    sum,
                    avg,
                    values.iter().min().map_or(Scalar::Null, |v| (*v).clone()),
                    values.iter().max().map_or(Scalar::Null, |v| (*v).clone()),
                ],
            )
        })
        .collect()
}

/// Grouped aggregates (groups and aggregates from postings where an index allows, from payloads
/// otherwise) equal the naive computation, for indexed and unindexed fields.
fn aggregates_agree(c: &Collection, predicates: &[Predicate]) -> Result<(), TestCaseError> {
    for (group, field) in [
        ("k", "n"),
        ("b", "k"),
        ("n", "f"),
        ("o.x", "b"),
        ("k", "missing"),
    ] {
        let (group, field) = (
            FieldPath::parse(group).expect("path"),
            FieldPath::parse(field).expect("path"),
        );
        let aggregates = [
            Aggregate::CountAll,
            Aggregate::Count(field.clone()),
            Aggregate::CountDistinct(field.clone()),
            Aggregate::Sum(field.clone()),
            Aggregate::Avg(field.clone()),
            Aggregate::Min(field.clone()),
            Aggregate::Max(field.clone()),
        ];
        for p in predicates {
            let (rows, _) =
                c.read(|view| aggregate(view, p, std::slice::from_ref(&group), &aggregates));
            let got: Vec<(Vec<Scalar>, Vec<Scalar>)> =
                rows.into_iter().map(|r| (r.key, r.values)).collect();
            let want = naive_groups(c, p, &group, &field);
            prop_assert_eq!(got.len(), want.len(), "groups of {} under {:?}", group, p);
            for (g, w) in got.iter().zip(&want) {
                prop_assert_eq!(&g.0, &w.0);
                for (a, b) in g.1.iter().zip(&w.1) {
                    let close = match (a, b) {
                        (Scalar::Float(x), Scalar::Float(y)) => {
                            (x - y).abs() <= 1e-9 * (1.0 + y.abs())
                        }
                        _ => a == b,
                    };
                    prop_assert!(
                        close,
                        "{} by {} under {:?}: {:?} vs {:?}",
                        field,
                        group,
                        p,
                        g,
                        w
                    );
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn indexed_answers_equal_evaluated_answers(
        payloads in prop::collection::vec(payload(), 1..40),
        edits in prop::collection::vec((0u64..40, payload()), 0..8),
        predicates in prop::collection::vec(predicate(), 6),
    ) {
        let dir = tempfile::tempdir().expect("temp dir");
        let opts = EngineOptions::new(dir.path().to_path_buf());
        let mut cfg = config();
        cfg.durability = Durability::None;
        {
            let engine = Engine::open(opts.clone()).expect("engine");
            let c = engine.create("c", cfg).expect("collection");
            // Half the fields indexed before the load, half after.
            for (field, schema) in &FIELDS[..3] {
                wait(c.create_field_index(FieldPath::parse(field).expect("path"), *schema, AckAt::Applied));
            }
            let points = payloads.iter().enumerate().map(|(i, p)| NewPoint {
                id: PointId::Num(i as u64),
                vector: vec![i as f32, 1.0, 0.0, 0.0].into(),
                payload: p.clone(),
            }).collect();
            wait(c.upsert(points, AckAt::Applied));
            for (field, schema) in &FIELDS[3..] {
                wait(c.create_field_index(FieldPath::parse(field).expect("path"), *schema, AckAt::Applied));
            }
            for p in &predicates {
                prop_assert_eq!(planned(&c, p), naive(&c, p), "{:?}", p);
            }
            // Updates, payload edits and deletes keep the indexes in step.
            for (i, (id, p)) in edits.iter().enumerate() {
                match i % 4 {
                    0 => wait(c.upsert(vec![NewPoint { id: PointId::Num(*id), vector: vec![1.0, 0.0, 0.0, 0.0].into(), payload: p.clone() }], AckAt::Applied)),
                    1 => wait(c.edit_payload(vec![PointId::Num(*id)], PayloadEdit::Set(p.clone()), AckAt::Applied)),
                    2 => wait(c.edit_payload(vec![PointId::Num(*id)], PayloadEdit::DeleteKeys(vec!["k".into(), "o.x".into()]), AckAt::Applied)),
                    _ => wait(c.delete(vec![PointId::Num(*id)], AckAt::Applied)),
                }
            }
            for p in &predicates {
                prop_assert_eq!(planned(&c, p), naive(&c, p), "{:?}", p);
            }
            facets_agree(&c, &predicates)?;
            aggregates_agree(&c, &predicates)?;
            engine.shutdown();
        }
        // Reopened from the checkpoint and its index images.
        let engine = reopen(opts).expect("reopen");
        engine.recover_all();
        let c = engine.collection("c").expect("collection");
        prop_assert_eq!(c.payload_schema().len(), FIELDS.len());
        for p in &predicates {
            prop_assert_eq!(planned(&c, p), naive(&c, p), "{:?}", p);
        }
        facets_agree(&c, &predicates)?;
        aggregates_agree(&c, &predicates)?;
        engine.shutdown();
    }
}

/// On clean data (no wrong-type values) groups and aggregates come from the postings, and still
/// equal the naive computation.
#[test]
fn grouped_aggregates_come_from_postings_when_indexes_cover_them() {
    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::open(EngineOptions::new(dir.path().to_path_buf())).expect("engine");
    let mut cfg = config();
    cfg.durability = Durability::None;
    let c = engine.create("c", cfg).expect("collection");
    for (field, schema) in [("k", IndexSchema::Keyword), ("n", IndexSchema::Integer)] {
        wait(c.create_field_index(
            FieldPath::parse(field).expect("path"),
            schema,
            AckAt::Applied,
        ));
    }
    let points = (0..300u64)
        .map(|i| {
            let mut payload = Payload::new();
            if i % 7 != 0 {
                payload.insert("k".into(), Value::String(WORDS[(i % 3) as usize].into()));
            }
            let n = Value::Int(i as i64 % 11 - 3);
            payload.insert(
                "n".into(),
                if i % 5 == 0 {
                    Value::Array(vec![n, Value::Int(40)])
                } else {
                    n
                },
            );
            NewPoint {
                id: PointId::Num(i),
                vector: vec![i as f32, 1.0, 0.0, 0.0].into(),
                payload,
            }
        })
        .collect();
    wait(c.upsert(points, AckAt::Applied));
    let (k, n) = (
        FieldPath::parse("k").expect("path"),
        FieldPath::parse("n").expect("path"),
    );
    let aggregates = [
        Aggregate::CountAll,
        Aggregate::Count(n.clone()),
        Aggregate::CountDistinct(n.clone()),
        Aggregate::Sum(n.clone()),
        Aggregate::Avg(n.clone()),
        Aggregate::Min(n.clone()),
        Aggregate::Max(n.clone()),
    ];
    let filter = Predicate::Field(
        n.clone(),
        Condition::NumberRange(Interval {
            lower: Some((-1.0, true)),
            upper: None,
        }),
    );
    for p in [Predicate::All, filter] {
        let (rows, stats) =
            c.read(|view| aggregate(view, &p, std::slice::from_ref(&k), &aggregates));
        assert!(stats.groups_from_index, "{stats:?}");
        assert_eq!(
            stats.aggregates_from_index as usize,
            6 * rows.len(),
            "{stats:?}"
        );
        assert_eq!(stats.payloads_read, 0);
        let want = naive_groups(&c, &p, &k, &n);
        assert_eq!(rows.len(), want.len());
        for (row, (key, values)) in rows.iter().zip(&want) {
            assert_eq!(&row.key, key);
            for (a, b) in row.values.iter().zip(values) {
                match (a, b) {
                    (Scalar::Float(x), Scalar::Float(y)) => {
                        assert!((x - y).abs() < 1e-9, "{row:?} vs {values:?}")
                    }
                    _ => assert_eq!(a, b, "{row:?} vs {values:?}"),
                }
            }
        }
    }
    engine.shutdown();
}

/// A deadline that passes stops payload evaluation and aggregation part-way, and the caller is
/// told instead of getting the partial answer.
#[test]
fn a_passed_deadline_stops_filter_evaluation_and_aggregation() {
    use plait::query::deadline::{Expired, within};
    use plait::query::matching_slots;
    use std::time::{Duration, Instant};

    let dir = tempfile::tempdir().expect("temp dir");
    let engine = Engine::open(EngineOptions::new(dir.path().to_path_buf())).expect("engine");
    let mut cfg = config();
    cfg.durability = Durability::None;
    let c = engine.create("c", cfg).expect("collection");
    let points = (0..5_000u64)
        .map(|i| {
            let mut payload = Payload::new();
            payload.insert("n".into(), Value::Int(i as i64 % 10));
            NewPoint {
                id: PointId::Num(i),
                vector: vec![i as f32, 1.0, 0.0, 0.0].into(),
                payload,
            }
        })
        .collect();
    wait(c.upsert(points, AckAt::Applied));
    let n = FieldPath::parse("n").expect("path");
    let p = Predicate::Field(n.clone(), Condition::Equals(Literal::Int(3)));
    c.read(|view| {
        let later = Instant::now() + Duration::from_secs(60);
        assert_eq!(within(later, || matching_slots(view, &p).len()), Ok(500));
        assert_eq!(
            within(Instant::now(), || matching_slots(view, &p).len()),
            Err(Expired)
        );
        let sum = [Aggregate::Sum(n.clone())];
        assert_eq!(
            within(Instant::now(), || aggregate(
                view,
                &Predicate::All,
                std::slice::from_ref(&n),
                &sum
            )
            .0
            .len()),
            Err(Expired)
        );
    });
    engine.shutdown();
}
