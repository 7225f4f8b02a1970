//! Traversals and shortest paths against straightforward references over the edge list: random
//! graphs (self-loops, parallel edges and cycles included) and random specs.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};

use proptest::prelude::*;

use super::Strategy as Walk;
use super::{
    Direction, Edge, EdgeFilter, EdgeRef, EdgeStore, GraphError, PathSpec, Stop, TraversalSpec,
    neighbors, shortest_path, traverse,
};
use crate::columns::{Payload, Value};

const LABELS: [&str; 3] = ["a", "b", "c"];

fn edge(source: u32, target: u32, label: &str, w: i64) -> Edge<u32> {
    let mut properties = Payload::new();
    properties.insert("w".into(), Value::Int(w));
    Edge {
        source,
        target,
        label: label.into(),
        properties,
    }
}

fn store_of(edges: &[(u32, u32, usize, i64)]) -> EdgeStore<u32> {
    let mut store = EdgeStore::default();
    for (i, &(s, t, l, w)) in edges.iter().enumerate() {
        store.insert(i as u64, edge(s, t, LABELS[l], w));
    }
    store
}

fn spec(from: u32) -> TraversalSpec<u32> {
    TraversalSpec {
        from,
        direction: Direction::Out,
        labels: None,
        min_depth: 0,
        max_depth: 32,
        limit: usize::MAX,
        paths: true,
        strategy: Walk::Bfs,
        max_visited: usize::MAX,
        deadline: None,
    }
}

/// Every (edge id, from, to) a step in `direction` may take, over the raw edge list.
fn steps(
    edges: &[(u32, u32, usize, i64)],
    direction: Direction,
    labels: Option<&[String]>,
    even_only: bool,
) -> Vec<(u64, u32, u32)> {
    let mut out = Vec::new();
    for (i, &(s, t, l, w)) in edges.iter().enumerate() {
        if labels.is_some_and(|ls| !ls.iter().any(|x| x == LABELS[l])) || (even_only && w % 2 != 0)
        {
            continue;
        }
        if matches!(direction, Direction::Out | Direction::Both) {
            out.push((i as u64, s, t));
        }
        if matches!(direction, Direction::In | Direction::Both) {
            out.push((i as u64, t, s));
        }
    }
    out
}

/// Distances from `from` by plain BFS over `steps`, entering only nodes `ok` accepts.
fn reference_bfs(
    steps: &[(u64, u32, u32)],
    from: u32,
    max_depth: u32,
    ok: &dyn Fn(u32) -> bool,
) -> BTreeMap<u32, u32> {
    let mut dist = BTreeMap::from([(from, 0)]);
    let mut queue = VecDeque::from([from]);
    while let Some(at) = queue.pop_front() {
        let d = dist[&at];
        if d >= max_depth {
            continue;
        }
        for &(_, a, b) in steps {
            if a == at && !dist.contains_key(&b) && ok(b) {
                dist.insert(b, d + 1);
                queue.push_back(b);
            }
        }
    }
    dist
}

fn graph() -> impl Strategy<Value = (u32, Vec<(u32, u32, usize, i64)>)> {
    (1u32..14).prop_flat_map(|n| {
        let edge = (0..n, 0..n, 0usize..3, 0i64..6);
        (Just(n), proptest::collection::vec(edge, 0..40))
    })
}

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![
        Just(Direction::Out),
        Just(Direction::In),
        Just(Direction::Both)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn bfs_returns_exactly_the_reference_nodes_at_their_distances(
        (n, edges) in graph(),
        from_seed in 0u32..64,
        dir in direction(),
        min_depth in 0u32..3,
        extra in 0u32..4,
        label_mask in 0usize..8,
        node_filter in any::<bool>(),
        edge_filter in any::<bool>(),
        limit in 1usize..20,
    ) {
        let from = from_seed % n;
        let store = store_of(&edges);
        let view = store.view();
        let labels: Option<Vec<String>> = (label_mask != 0).then(|| {
            LABELS.iter().enumerate().filter(|(i, _)| label_mask & (1 << i) != 0).map(|(_, l)| (*l).to_owned()).collect()
        });
        let max_depth = min_depth + extra;
        let node_ok = |x: u32| !node_filter || x % 3 != 1;
        let edge_ok = |e: EdgeRef<'_, u32>| matches!(e.properties().get("w"), Some(Value::Int(w)) if w % 2 == 0);
        let s = TraversalSpec { direction: dir, labels: labels.clone(), min_depth, max_depth, limit, ..spec(from) };
        let got = traverse(&view, &s, node_filter.then_some(&node_ok as &dyn Fn(u32) -> bool), edge_filter.then_some(&edge_ok as EdgeFilter<'_, u32>));
        let st = steps(&edges, dir, labels.as_deref(), edge_filter);
        let dist = reference_bfs(&st, from, max_depth, &node_ok);
        let expected: BTreeMap<u32, u32> = dist.into_iter()
            .filter(|&(node, d)| d >= min_depth && (node != from || node_ok(from)))
            .collect();
        prop_assert_eq!(got.visits.len(), expected.len().min(limit));
        prop_assert_eq!(got.stopped.is_some(), expected.len() >= limit);
        let mut seen = HashSet::new();
        for v in &got.visits {
            prop_assert!(seen.insert(v.node), "node {} returned twice", v.node);
            prop_assert_eq!(expected.get(&v.node), Some(&v.depth));
            let path = v.path.as_ref().ok_or_else(|| TestCaseError::fail("no path"))?;
            prop_assert_eq!(path.edges.len() as u32, v.depth);
            for (i, e) in path.edges.iter().enumerate() {
                prop_assert!(st.contains(&(*e, path.nodes[i], path.nodes[i + 1])), "bad step {e}");
            }
        }
        if limit >= expected.len() {
            let got_set: BTreeMap<u32, u32> = got.visits.iter().map(|v| (v.node, v.depth)).collect();
            prop_assert_eq!(got_set, expected);
        }
    }

    #[test]
    fn dfs_reaches_what_bfs_reaches_along_valid_simple_paths(
        (n, edges) in graph(),
        from_seed in 0u32..64,
        dir in direction(),
        max_depth in 1u32..5,
    ) {
        let from = from_seed % n;
        let store = store_of(&edges);
        let view = store.view();
        let s = TraversalSpec { direction: dir, max_depth, strategy: Walk::Dfs, ..spec(from) };
        let got = traverse(&view, &s, None, None);
        let st = steps(&edges, dir, None, false);
        let dist = reference_bfs(&st, from, max_depth, &|_| true);
        let mut seen = HashSet::new();
        for v in &got.visits {
            prop_assert!(seen.insert(v.node));
            prop_assert!(v.depth <= max_depth);
            prop_assert!(dist.get(&v.node).is_some_and(|&d| d <= v.depth));
            let path = v.path.as_ref().ok_or_else(|| TestCaseError::fail("no path"))?;
            let distinct: HashSet<u32> = path.nodes.iter().copied().collect();
            prop_assert_eq!(distinct.len(), path.nodes.len());
            for (i, e) in path.edges.iter().enumerate() {
                prop_assert!(st.contains(&(*e, path.nodes[i], path.nodes[i + 1])));
            }
        }
        // Without a depth bound that binds, depth-first reaches every reachable node.
        let unbounded = TraversalSpec { max_depth: 32, ..s };
        let all: BTreeMap<u32, u32> = reference_bfs(&st, from, 32, &|_| true);
        let got_all: HashSet<u32> = traverse(&view, &unbounded, None, None).visits.iter().map(|v| v.node).collect();
        prop_assert_eq!(got_all, all.keys().copied().collect::<HashSet<u32>>());
    }

    #[test]
    fn shortest_paths_match_the_references(
        (n, edges) in graph(),
        a in 0u32..64,
        b in 0u32..64,
        dir in direction(),
        weighted in any::<bool>(),
    ) {
        let (from, to) = (a % n, b % n);
        let store = store_of(&edges);
        let view = store.view();
        let p = PathSpec {
            from, to, direction: dir, labels: None,
            weight: weighted.then(|| "w".to_owned()),
            max_visited: usize::MAX, deadline: None,
        };
        let got = shortest_path(&view, &p, None).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let st = steps(&edges, dir, None, false);
        // Bellman-Ford over at most n rounds (weights are >= 0; hop counts when unweighted).
        let weight: HashMap<u64, f64> = edges.iter().enumerate().map(|(i, e)| (i as u64, if weighted { e.3 as f64 } else { 1.0 })).collect();
        let mut best: HashMap<u32, f64> = HashMap::from([(from, 0.0)]);
        for _ in 0..=n {
            for &(e, x, y) in &st {
                if let Some(&bx) = best.get(&x) {
                    let c = bx + weight[&e];
                    if best.get(&y).is_none_or(|&by| c < by) {
                        best.insert(y, c);
                    }
                }
            }
        }
        prop_assert_eq!(got.cost, best.get(&to).copied());
        if let Some(path) = &got.path {
            prop_assert_eq!(path.nodes.first(), Some(&from));
            prop_assert_eq!(path.nodes.last(), Some(&to));
            let mut total = 0.0;
            for (i, e) in path.edges.iter().enumerate() {
                prop_assert!(st.contains(&(*e, path.nodes[i], path.nodes[i + 1])));
                total += weight[e];
            }
            prop_assert_eq!(Some(total), got.cost);
        }
    }
}

#[test]
fn a_self_loop_is_traversed_once_and_cycles_end() {
    let store = store_of(&[(0, 0, 0, 1), (0, 1, 0, 1), (1, 2, 0, 1), (2, 0, 0, 1)]);
    let got = traverse(&store.view(), &spec(0), None, None);
    let nodes: Vec<(u32, u32)> = got.visits.iter().map(|v| (v.node, v.depth)).collect();
    assert_eq!(nodes, vec![(0, 0), (1, 1), (2, 2)]);
    assert_eq!(got.stopped, None);
    let around = neighbors(&store.view(), 0, Direction::Both, None, 10);
    let ids: Vec<u64> = around.iter().map(|(e, _)| e.id).collect();
    assert_eq!(
        ids,
        vec![0, 1, 0, 3],
        "out then in; the self-loop once per direction"
    );
}

#[test]
fn max_visited_stops_the_walk_and_says_so() {
    let chain: Vec<(u32, u32, usize, i64)> = (0..100).map(|i| (i, i + 1, 0, 1)).collect();
    let store = store_of(&chain);
    let s = TraversalSpec {
        max_visited: 10,
        ..spec(0)
    };
    let got = traverse(&store.view(), &s, None, None);
    assert_eq!(got.stopped, Some(Stop::MaxVisited));
    assert_eq!(got.visited, 10);
    let late = TraversalSpec {
        deadline: Some(std::time::Instant::now()),
        ..spec(0)
    };
    // More expansions than one clock check apart: a fan of 2000, each with a child.
    let fan: Vec<(u32, u32, usize, i64)> = (1..=2000)
        .flat_map(|i| [(0, i, 0, 1), (i, i + 2000, 0, 1)])
        .collect();
    let store = store_of(&fan);
    let got = traverse(&store.view(), &late, None, None);
    assert_eq!(got.stopped, Some(Stop::Deadline));
}

#[test]
fn deleting_a_node_removes_its_edges_both_ways() {
    let mut store = store_of(&[(0, 1, 0, 1), (1, 2, 0, 1), (2, 1, 1, 1), (1, 1, 2, 1)]);
    assert_eq!(store.remove_node(1), 4);
    assert!(store.is_empty());
    assert!(neighbors(&store.view(), 0, Direction::Both, None, 10).is_empty());
    assert_eq!(store.next_id(), 4, "ids are never handed out twice");
}

#[test]
fn a_negative_weight_is_refused_naming_the_edge() {
    let mut store = store_of(&[(0, 1, 0, 1)]);
    store.insert(7, edge(1, 2, "a", -3));
    let p = PathSpec {
        from: 0,
        to: 2,
        direction: Direction::Out,
        labels: None,
        weight: Some("w".into()),
        max_visited: usize::MAX,
        deadline: None,
    };
    assert!(matches!(
        shortest_path(&store.view(), &p, None),
        Err(GraphError::NegativeWeight { edge: 7, .. })
    ));
}

/// Resident bytes of this process (Linux), to measure growth when one test runs alone.
fn resident_bytes() -> usize {
    let pages = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<usize>().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Bytes per edge of the store and its read form, on a graph shaped like the WordNet one (100 000
/// edges over 65 000 nodes, one small property each): the store's own accounting and the
/// process's resident-set growth. Printed for docs/benchmarks.md; run it alone so no other test
/// moves the resident set:
/// `cargo test --lib graph::traverse_tests::memory_per_edge -- --nocapture --test-threads 1`.
#[test]
fn memory_per_edge() {
    let rss_before = resident_bytes();
    let mut store: EdgeStore<u64> = EdgeStore::default();
    let n = 65_000u64;
    for i in 0..100_000u64 {
        let mut properties = Payload::new();
        properties.insert("w".into(), Value::Int(1));
        let e = Edge {
            source: (i * 7919) % n,
            target: (i * 104_729 + 1) % n,
            label: LABELS[(i % 3) as usize].into(),
            properties,
        };
        store.insert(i, e);
    }
    let without_csr = store.heap_bytes();
    let rss_store = resident_bytes();
    let _ = store.view();
    let with_csr = store.heap_bytes();
    let rss_csr = resident_bytes();
    println!(
        "edges 100000: accounted {} bytes/edge without the read form, {} with it; resident set \
         growth {} bytes/edge without, {} with",
        without_csr / 100_000,
        with_csr / 100_000,
        rss_store.saturating_sub(rss_before) / 100_000,
        rss_csr.saturating_sub(rss_before) / 100_000,
    );
    assert!(with_csr > without_csr);
}
