//! `MATCH` against a reference: small random graphs (labelled nodes, labelled edges with
//! self-loops and parallel edges) and random one- to three-hop patterns (node labels, edge
//! labels, every direction, one hop or a range) run through the whole executor, and the same
//! multiset of rows computed here by a straightforward walk over the edge list. Also the
//! expansion guards, one past each bound.

use std::collections::{BTreeSet, VecDeque};
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::super::pattern::{MatchError, MatchLimits, choose_anchor, expand};
use super::{Request, run};
use crate::columns::{Payload, Value};
use crate::engine::{
    AckAt, Collection, CollectionConfig, Durability, Engine, EngineOptions, NewPoint, PointId,
};
use crate::graph::Edge;
use crate::query::velesql::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dir {
    Right,
    Left,
    Either,
}

#[derive(Debug, Clone)]
struct Rel {
    dir: Dir,
    labels: Option<Vec<&'static str>>,
    /// `None`: one hop, one edge.
    range: Option<(u32, u32)>,
}

#[derive(Debug, Clone)]
struct Case {
    /// Each node's label (`None`: unlabelled).
    nodes: Vec<Option<&'static str>>,
    /// (source, target, label) by node index.
    edges: Vec<(usize, usize, &'static str)>,
    /// Node label filters, one more than `rels`.
    filters: Vec<Option<&'static str>>,
    rels: Vec<Rel>,
}

fn label() -> impl Strategy<Value = Option<&'static str>> {
    prop_oneof![Just(None), Just(Some("A")), Just(Some("B"))]
}

fn rel() -> impl Strategy<Value = Rel> {
    let dir = prop_oneof![Just(Dir::Right), Just(Dir::Left), Just(Dir::Either)];
    let labels = prop_oneof![
        Just(None),
        Just(Some(vec!["r"])),
        Just(Some(vec!["s"])),
        Just(Some(vec!["r", "s"])),
    ];
    let range = prop_oneof![
        Just(None),
        (0u32..=2, 0u32..=2).prop_map(|(min, extra)| Some((min, (min + extra).clamp(1, 3)))),
    ];
    (dir, labels, range).prop_map(|(dir, labels, range)| Rel { dir, labels, range })
}

fn case() -> impl Strategy<Value = Case> {
    (1usize..=8).prop_flat_map(|n| {
        let edge = (0..n, 0..n, prop_oneof![Just("r"), Just("s")]);
        (
            proptest::collection::vec(label(), n),
            proptest::collection::vec(edge, 0..=16),
            proptest::collection::vec(rel(), 1..=3),
        )
            .prop_flat_map(|(nodes, edges, rels)| {
                let k = rels.len() + 1;
                proptest::collection::vec(label(), k).prop_map(move |filters| Case {
                    nodes: nodes.clone(),
                    edges: edges.clone(),
                    filters,
                    rels: rels.clone(),
                })
            })
    })
}

/// The VelesQL text of the pattern.
fn query(case: &Case) -> String {
    let node = |i: usize| match case.filters[i] {
        Some(l) => format!("(n{i}:{l})"),
        None => format!("(n{i})"),
    };
    let mut text = format!("MATCH {}", node(0));
    for (i, r) in case.rels.iter().enumerate() {
        let labels = r
            .labels
            .as_ref()
            .map_or_else(String::new, |l| format!(":{}", l.join("|")));
        let range = r
            .range
            .map_or_else(String::new, |(min, max)| format!("*{min}..{max}"));
        let (open, close) = match r.dir {
            Dir::Right => ("-[", "]->"),
            Dir::Left => ("<-[", "]-"),
            Dir::Either => ("-[", "]-"),
        };
        text.push_str(&format!("{open}{labels}{range}{close}{}", node(i + 1)));
    }
    let ids: Vec<String> = (0..case.filters.len())
        .map(|i| format!("n{i}.id"))
        .collect();
    text.push_str(&format!(" FROM c RETURN {} LIMIT 10000", ids.join(", ")));
    text
}

/// The edges a step may take from `u`: (edge index, the node it leads to).
fn steps_from(case: &Case, r: &Rel, u: usize) -> Vec<(usize, usize)> {
    case.edges
        .iter()
        .enumerate()
        .filter(|(_, (_, _, l))| r.labels.as_ref().is_none_or(|ls| ls.contains(l)))
        .filter_map(|(e, &(src, dst, _))| match r.dir {
            Dir::Right => (src == u).then_some((e, dst)),
            Dir::Left => (dst == u).then_some((e, src)),
            Dir::Either if src == u => Some((e, dst)),
            Dir::Either => (dst == u).then_some((e, src)),
        })
        .collect()
}

/// Plain BFS distances from `from` (0 for itself).
fn distances(case: &Case, r: &Rel, from: usize) -> Vec<Option<u32>> {
    let mut dist = vec![None; case.nodes.len()];
    dist[from] = Some(0);
    let mut queue = VecDeque::from([from]);
    while let Some(u) = queue.pop_front() {
        let d = dist[u].unwrap_or(0);
        for (_, v) in steps_from(case, r, u) {
            if dist[v].is_none() {
                dist[v] = Some(d + 1);
                queue.push_back(v);
            }
        }
    }
    dist
}

/// The nodes a ranged step reaches from `u`: the shortest walk of at least one hop (1 + the
/// distance from a first neighbour) within the range, and `u` itself when the range starts at 0.
fn ranged(case: &Case, r: &Rel, u: usize, (min, max): (u32, u32)) -> BTreeSet<usize> {
    let mut best: Vec<Option<u32>> = vec![None; case.nodes.len()];
    for (_, w) in steps_from(case, r, u) {
        for (v, d) in distances(case, r, w).into_iter().enumerate() {
            if let Some(d) = d {
                best[v] = Some(best[v].map_or(d + 1, |b: u32| b.min(d + 1)));
            }
        }
    }
    let mut out: BTreeSet<usize> = best
        .iter()
        .enumerate()
        .filter(|(_, d)| d.is_some_and(|d| d >= min && d <= max))
        .map(|(v, _)| v)
        .collect();
    if min == 0 {
        out.insert(u);
    }
    out
}

/// Every row of the pattern, by the definition, as point ids.
fn reference(case: &Case) -> Vec<Vec<u64>> {
    let passes = |i: usize, v: usize| case.filters[i].is_none_or(|l| case.nodes[v] == Some(l));
    // (nodes bound so far, edges used by one-hop steps)
    let mut partial: Vec<(Vec<usize>, Vec<usize>)> = (0..case.nodes.len())
        .filter(|&v| passes(0, v))
        .map(|v| (vec![v], Vec::new()))
        .collect();
    for (i, r) in case.rels.iter().enumerate() {
        let mut next = Vec::new();
        for (nodes, used) in &partial {
            let u = nodes[i];
            // `*1..1` is one hop, written as a range: one edge, like no range at all.
            match r.range.filter(|&range| range != (1, 1)) {
                None => {
                    for (e, v) in steps_from(case, r, u) {
                        if passes(i + 1, v) && !used.contains(&e) {
                            let mut n = nodes.clone();
                            n.push(v);
                            let mut used = used.clone();
                            used.push(e);
                            next.push((n, used));
                        }
                    }
                }
                Some(range) => {
                    for v in ranged(case, r, u, range) {
                        if passes(i + 1, v) {
                            let mut n = nodes.clone();
                            n.push(v);
                            next.push((n, used.clone()));
                        }
                    }
                }
            }
        }
        partial = next;
    }
    let mut rows: Vec<Vec<u64>> = partial
        .into_iter()
        .map(|(nodes, _)| nodes.into_iter().map(|v| v as u64 + 1).collect())
        .collect();
    rows.sort();
    rows
}

/// An engine in `dir` holding the graph of `case` in collection `c`.
fn engine_with(case: &Case, dir: &std::path::Path) -> (Engine, std::sync::Arc<Collection>) {
    let engine = Engine::open(EngineOptions::new(dir.to_path_buf())).expect("engine");
    engine.recover_all();
    let mut config = CollectionConfig::euclid_for_tests(2);
    config.durability = Durability::None;
    let c = engine.create("c", config).expect("collection");
    let points = case
        .nodes
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut payload = Payload::new();
            if let Some(l) = l {
                payload.insert("labels".into(), Value::String((*l).into()));
            }
            NewPoint {
                id: PointId::Num(i as u64 + 1),
                vector: vec![i as f32, 0.0].into(),
                payload,
            }
        })
        .collect();
    c.upsert(points, AckAt::Applied)
        .expect("upsert")
        .wait_blocking()
        .expect("applied");
    if !case.edges.is_empty() {
        let edges = case
            .edges
            .iter()
            .map(|&(s, t, l)| {
                (
                    None,
                    Edge {
                        source: PointId::Num(s as u64 + 1),
                        target: PointId::Num(t as u64 + 1),
                        label: l.into(),
                        properties: Payload::new(),
                    },
                )
            })
            .collect();
        c.upsert_edges(edges, AckAt::Applied)
            .expect("edges")
            .wait_blocking()
            .expect("applied");
    }
    (engine, c)
}

fn rows_of(engine: &Engine, text: &str) -> Vec<Vec<u64>> {
    let params = Params::default();
    let request = Request {
        engine,
        text,
        params: &params,
        now_micros: 0,
        deadline: Instant::now() + Duration::from_secs(60),
        default_durability: Durability::None,
        cache: None,
        gate: None,
    };
    let results = run(&request).unwrap_or_else(|e| panic!("{text}: {e}"));
    let outcome = results
        .into_iter()
        .next()
        .map(|r| r.outcome)
        .unwrap_or_else(|| panic!("{text}: no result"))
        .unwrap_or_else(|e| panic!("{text}: {e}"));
    let mut rows: Vec<Vec<u64>> = outcome
        .rows
        .iter()
        .map(|r| {
            r.iter()
                .map(|v| match v {
                    Value::Int(i) => u64::try_from(*i).unwrap_or(u64::MAX),
                    Value::UInt(u) => *u,
                    other => panic!("{text}: not an id: {other:?}"),
                })
                .collect()
        })
        .collect();
    rows.sort();
    rows
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn random_patterns_match_what_a_reference_walk_finds(case in case()) {
        let dir = tempfile::tempdir().expect("dir");
        let (engine, _c) = engine_with(&case, dir.path());
        let text = query(&case);
        prop_assert_eq!(rows_of(&engine, &text), reference(&case), "{}", text);
        engine.shutdown();
    }
}

#[test]
fn expansion_stops_one_past_its_bounds() {
    // A star: node 1 points at 2..=11, each of which points back at 1.
    let case = Case {
        nodes: vec![None; 11],
        edges: (1..11).flat_map(|i| [(0, i, "r"), (i, 0, "r")]).collect(),
        filters: vec![None, None],
        rels: vec![Rel {
            dir: Dir::Right,
            labels: None,
            range: Some((1, 2)),
        }],
    };
    let dir = tempfile::tempdir().expect("dir");
    let (engine, c) = engine_with(&case, dir.path());
    let text = query(&case);
    let rows = rows_of(&engine, &text);
    assert_eq!(rows.len(), 11 + 10 * 11, "{rows:?}");
    let parsed = crate::query::velesql::parse(&text).expect("parses");
    let crate::query::velesql::ast::Statement::Match(m) = &parsed[0] else {
        panic!("a MATCH");
    };
    let params = Params::default();
    let request = Request {
        engine: &engine,
        text: &text,
        params: &params,
        now_micros: 0,
        deadline: Instant::now() + Duration::from_secs(60),
        default_durability: Durability::None,
        cache: None,
        gate: None,
    };
    let runner = super::Runner {
        request: &request,
        source: &text,
    };
    let compiled = runner
        .compile_pattern(&m.patterns, None, m.span)
        .expect("compiles");
    c.read(|view| {
        let anchor = choose_anchor(view, &compiled.pattern, None);
        let all: Vec<PointId> = (1..=11).map(PointId::Num).collect();
        let exact = MatchLimits {
            max_bindings: 121,
            max_visited: 11,
        };
        let found = expand(view, &compiled.pattern, anchor.var, &all, exact).expect("fits");
        assert_eq!(found.bindings.len(), 121);
        let fewer_rows = MatchLimits {
            max_bindings: 120,
            ..exact
        };
        assert_eq!(
            expand(view, &compiled.pattern, anchor.var, &all, fewer_rows),
            Err(MatchError::TooManyBindings { bound: 120 })
        );
        let fewer_visits = MatchLimits {
            max_visited: 10,
            ..exact
        };
        assert_eq!(
            expand(view, &compiled.pattern, anchor.var, &all, fewer_visits),
            Err(MatchError::TooManyVisited { bound: 10 })
        );
    });
    // A deadline that has passed stops the expansion.
    let late = crate::deadline::within(Instant::now(), || {
        c.read(|view| {
            let all: Vec<PointId> = (1..=11).cycle().take(5000).map(PointId::Num).collect();
            expand(
                view,
                &compiled.pattern,
                0,
                &all,
                MatchLimits {
                    max_bindings: usize::MAX,
                    max_visited: usize::MAX,
                },
            )
        })
    });
    assert!(
        matches!(late, Err(_) | Ok(Err(MatchError::Deadline))),
        "{late:?}"
    );
    engine.shutdown();
}
