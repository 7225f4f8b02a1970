//! `MATCH ... FROM c [WHERE ...] RETURN ...` and `EXISTS (MATCH ...)`: the pattern compiled
//! (`match_compile.rs`), its anchor chosen by estimated cost (`pattern::choose_anchor`), the
//! bindings expanded from it in one read view, then the rows: `RETURN` cells, `DISTINCT`,
//! `ORDER BY`, `LIMIT`.
//!
//! With a `NEAR` search, rows rank by the similarity of the variable it ranks (best first),
//! `LIMIT` (10 by default) keeps the best, and `ORDER BY` sorts the rows kept, as a `SELECT`
//! search does. Started from the vector search, the match asks for more nearest points (four
//! times as many each round) until it has `LIMIT` rows or the collection has no more; started
//! elsewhere, it scores every binding's point exactly. When the first round falls short and
//! another variable's filter has an index bound, the match is first expanded from that index to
//! the anchor points that complete a match, and the next rounds search only among those (a
//! filtered vector search): widening an unfiltered search until enough of its points happen to
//! match cost up to 90 times one search on the WordNet graph (`docs/benchmarks.md`, hybrid
//! query). Without `NEAR`, rows come in anchor order (ids ascending), then edge order, unless
//! `ORDER BY` says otherwise; more than `MAX_ROWS` without `LIMIT` is an error.

use std::cmp::Ordering;
use std::collections::{BTreeSet, HashSet};
use std::sync::Arc;

use super::super::pattern::{
    Access, Anchor, Binding, Expanded, MatchError, MatchLimits, choose_anchor, expand,
};
use super::super::velesql::ast::{
    Direction, ExistsMatch, Expr, ExprKind, MatchQuery, OrderKey, SelectItem, Span,
};
use super::super::velesql::{ErrorCode, ParseError};
use super::super::{Predicate, filtered_nearest, matching_slots};
use super::match_compile::{Compiled, Var};
use super::outcome::{Outcome, PlanNode};
use super::row_value::{compare_values, field_value, id_value};
use super::search::ExplainMode;
use super::{DEFAULT_SEARCH_LIMIT, ExecError, MAX_ROWS, Runner};
use crate::columns::{FieldPath, Value};
use crate::engine::{
    Collection, EngineError, NearestParams, PayloadSelector, PointId, Projection, ReadView,
    SearchRequest,
};
use crate::vector::quantize::QuantizedSearch;

/// What one cell of a row reads.
#[derive(Debug, Clone)]
enum Cell {
    NodeId(usize),
    NodeField(usize, FieldPath),
    EdgeId(usize),
    EdgeField(usize, FieldPath),
    Similarity,
}

/// A finished binding with its similarity (when a `NEAR` ranks it).
struct Scored {
    binding: Binding,
    score: Option<f32>,
}

/// What a match run measured, for `EXPLAIN ANALYZE`.
#[derive(Default)]
struct Measured {
    candidates: usize,
    expanded: Option<Expanded>,
    rounds: u32,
    /// The variable whose index narrowed the vector search to completing anchors, if one did.
    narrowed_by: Option<usize>,
}

impl Runner<'_, '_> {
    /// Runs (or explains) a `MATCH`.
    pub(super) fn match_query(
        &self,
        m: &MatchQuery,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        let collection = self.collection(&m.from.name, m.from.span)?;
        let compiled = self.compile_pattern(&m.patterns, m.filter.as_ref(), m.span)?;
        let mut names = Vec::with_capacity(m.returns.len());
        let mut cells = Vec::with_capacity(m.returns.len());
        for item in &m.returns {
            if let SelectItem::Expr { expr, alias } = item {
                cells.push(self.cell(expr, &compiled)?);
                names.push(
                    alias
                        .as_ref()
                        .map_or_else(|| expr.to_string(), |a| a.name.clone()),
                );
            }
        }
        let order = m
            .order_by
            .iter()
            .map(|k| Ok((self.cell(&k.expr, &compiled)?, direction(k, &compiled))))
            .collect::<Result<Vec<_>, ExecError>>()?;
        let limit = self.count_clause(m.limit.as_ref())?;
        if limit.is_some_and(|l| l > MAX_ROWS) {
            return Err(self.too_many_rows(m.limit.as_ref().map_or(m.span, |l| l.span), "LIMIT"));
        }
        let wanted = match (&compiled.near, limit) {
            (Some(_), l) => l.unwrap_or(DEFAULT_SEARCH_LIMIT),
            (None, Some(l)) => l,
            (None, None) => MAX_ROWS + 1,
        };
        if explain != Some(ExplainMode::Plan) {
            self.check_time(m.span)?;
        }
        let run = |view: &ReadView<'_>, query: Option<&[f32]>| {
            let near_k = compiled
                .near
                .as_ref()
                .map(|(var, _, _)| (*var, first_round(wanted) as u64));
            let anchor = choose_anchor(view, &compiled.pattern, near_k);
            if explain == Some(ExplainMode::Plan) {
                return Ok((Vec::new(), anchor, Measured::default()));
            }
            let (rows, measured) = self.match_rows(
                view, &compiled, &anchor, query, &cells, &order, m.distinct, wanted,
            )?;
            Ok((rows, anchor, measured))
        };
        let (rows, anchor, measured) = self.in_view(&collection, &compiled, run)?;
        if compiled.near.is_none() && limit.is_none() && rows.len() > MAX_ROWS {
            return Err(self.too_many_rows(m.span, "more rows match than a statement returns"));
        }
        let plan = explain.map(|mode| {
            self.match_plan(&collection, &compiled, &anchor, &measured, mode, rows.len())
        });
        let mut outcome = if explain == Some(ExplainMode::Plan) {
            Outcome::default()
        } else {
            Outcome::table(names, rows)
        };
        outcome.plan = plan;
        Ok(outcome)
    }

    /// Runs `work` in one read view of `collection`, with the prepared query vector when the
    /// pattern has a `NEAR` search.
    fn in_view<R>(
        &self,
        collection: &Arc<Collection>,
        compiled: &Compiled,
        work: impl FnOnce(&ReadView<'_>, Option<&[f32]>) -> Result<R, ExecError>,
    ) -> Result<R, ExecError> {
        let Some((_, near, _)) = &compiled.near else {
            return collection.read(|view| work(view, None));
        };
        if near.sparse.is_some() {
            return Err(self.error(
                ErrorCode::Unsupported,
                "a MATCH pattern searches dense vectors only: a sparse NEAR is a SELECT's",
                near.span,
            ));
        }
        let request = SearchRequest {
            vector: near.vector.clone(),
            using: near.using.clone(),
            limit: 1,
            offset: 0,
            score_threshold: None,
            projection: Projection {
                payload: PayloadSelector::None,
                with_vector: false,
                vector_names: None,
            },
            ef: None,
            exact: false,
            quantization: QuantizedSearch::default(),
        };
        let mut result = None;
        collection
            .search_planned(&request, |view, query, _, _| {
                result = Some(work(view, Some(query)));
                Vec::new()
            })
            .map_err(|e| match e {
                EngineError::InvalidVector { .. } => {
                    self.error(ErrorCode::InvalidValue, e.to_string(), near.span)
                }
                other => self.engine_error(other, near.span),
            })?;
        result.unwrap_or_else(|| {
            Err(ExecError::Engine(EngineError::ShuttingDown {
                name: collection.name().to_owned(),
            }))
        })
    }

    /// The rows of a match: bindings from the anchor, scored, ordered, made distinct and cut.
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of one statement, named"
    )]
    fn match_rows(
        &self,
        view: &ReadView<'_>,
        compiled: &Compiled,
        anchor: &Anchor,
        query: Option<&[f32]>,
        cells: &[Cell],
        order: &[(Cell, Direction)],
        distinct: bool,
        wanted: usize,
    ) -> Result<(Vec<Vec<Value>>, Measured), ExecError> {
        let pattern = &compiled.pattern;
        let limits = MatchLimits::default();
        let mut measured = Measured::default();
        let near = compiled.near.as_ref().zip(query);
        let better = view.metric().higher_is_better();
        let mut scored: Vec<Scored>;
        if let (Access::Vector, Some(((var, _, floor), query))) = (anchor.access, near) {
            // Rounds of more nearest points until enough rows or no more points.
            let mut k = first_round(wanted);
            let mut narrowed: Option<Predicate> = None;
            loop {
                measured.rounds += 1;
                let predicate = narrowed.as_ref().unwrap_or(&pattern.nodes[*var].predicate);
                let (hits, _) =
                    filtered_nearest(view, query, k, NearestParams::default(), Some(predicate));
                let ids: Vec<PointId> = hits.iter().filter_map(|h| view.id_at(h.slot)).collect();
                let expanded = expand(view, pattern, anchor.var, &ids, limits)
                    .map_err(|e| self.match_error(e, compiled.span))?;
                scored = expanded
                    .bindings
                    .iter()
                    .map(|b| Scored {
                        binding: b.clone(),
                        score: hits.get(b.origin).map(|h| h.score),
                    })
                    .collect();
                measured.candidates = ids.len();
                measured.expanded = Some(expanded);
                let rows = finish_count(view, cells, &scored, distinct, *floor);
                if rows >= wanted || hits.len() < k || k >= view.len() {
                    break;
                }
                if measured.narrowed_by.is_none()
                    && let Some((by, ids)) = self.completing_anchors(view, compiled, anchor)?
                {
                    // Every point of the next search completes a match: the same `k` suffices.
                    measured.narrowed_by = Some(by);
                    narrowed = Some(Predicate::And(vec![
                        pattern.nodes[*var].predicate.clone(),
                        Predicate::HasId(ids),
                    ]));
                    continue;
                }
                k = k.saturating_mul(4).min(view.len().max(1));
            }
        } else {
            let candidates = self.anchor_points(view, compiled, anchor);
            measured.rounds = 1;
            measured.candidates = candidates.len();
            let expanded = expand(view, pattern, anchor.var, &candidates, limits)
                .map_err(|e| self.match_error(e, compiled.span))?;
            scored = expanded
                .bindings
                .iter()
                .map(|b| Scored {
                    binding: b.clone(),
                    score: near.and_then(|((var, _, _), q)| {
                        let id = b.nodes.get(*var).copied().flatten()?;
                        let vector = view.vector(view.slot_of(id)?)?;
                        Some(view.metric().score(q, vector))
                    }),
                })
                .collect();
            measured.expanded = Some(expanded);
        }
        if let Some(((_, _, floor), _)) = near {
            scored.retain(|s| passes_floor(s.score, *floor, better));
            // Best first; ties keep their binding order.
            scored.sort_by(|a, b| {
                let (a, b) = (a.score.unwrap_or(f32::NAN), b.score.unwrap_or(f32::NAN));
                let o = a.total_cmp(&b);
                if better { o.reverse() } else { o }
            });
        } else if !order.is_empty() {
            sort_scored(view, &mut scored, order);
        }
        let mut rows = Vec::new();
        let mut kept = Vec::new();
        let mut seen = HashSet::new();
        for s in scored {
            if rows.len() >= wanted {
                break;
            }
            let row: Vec<Value> = cells.iter().map(|c| cell_value(view, c, &s)).collect();
            if distinct && !seen.insert(format!("{row:?}")) {
                continue;
            }
            rows.push(row);
            kept.push(s);
        }
        if near.is_some() && !order.is_empty() {
            let mut both: Vec<(Scored, Vec<Value>)> = kept.into_iter().zip(rows).collect();
            both.sort_by(|a, b| compare_by(view, order, &a.0, &b.0));
            rows = both.into_iter().map(|(_, r)| r).collect();
        }
        Ok((rows, measured))
    }

    /// The anchor points that complete some match, found by expanding the pattern from the
    /// other variable with the smallest index bound, with that variable; `None` when no other
    /// variable has one, or the expansion passes a bound of [`MatchLimits`] (the caller then
    /// widens its vector search instead).
    fn completing_anchors(
        &self,
        view: &ReadView<'_>,
        compiled: &Compiled,
        anchor: &Anchor,
    ) -> Result<Option<(usize, BTreeSet<PointId>)>, ExecError> {
        let Some((by, _)) = anchor
            .estimates
            .iter()
            .enumerate()
            .filter(|(i, (access, _))| *i != anchor.var && *access == Access::Index)
            .min_by_key(|(_, (_, estimate))| *estimate)
        else {
            return Ok(None);
        };
        let predicate = &compiled.pattern.nodes[by].predicate;
        let mut ids: Vec<PointId> = matching_slots(view, predicate)
            .iter()
            .filter_map(|slot| view.id_at(slot))
            .collect();
        ids.sort_unstable();
        match expand(view, &compiled.pattern, by, &ids, MatchLimits::default()) {
            Ok(expanded) => Ok(Some((
                by,
                expanded
                    .bindings
                    .iter()
                    .filter_map(|b| b.nodes.get(anchor.var).copied().flatten())
                    .collect(),
            ))),
            Err(MatchError::Deadline) => Err(self.match_error(MatchError::Deadline, compiled.span)),
            Err(_) => Ok(None),
        }
    }

    /// The anchor's points, without a vector search: from its index bitmap, or every point
    /// with an edge (every point when the variable has no relationship), ids ascending.
    fn anchor_points(
        &self,
        view: &ReadView<'_>,
        compiled: &Compiled,
        anchor: &Anchor,
    ) -> Vec<PointId> {
        let predicate = &compiled.pattern.nodes[anchor.var].predicate;
        let mut ids: Vec<PointId> = match anchor.access {
            Access::Index => matching_slots(view, predicate)
                .iter()
                .filter_map(|slot| view.id_at(slot))
                .collect(),
            _ if anchor.estimate == view.graph().node_count() as u64
                && anchor.estimate < view.len() as u64 =>
            {
                let graph = view.graph();
                (0..u32::try_from(graph.node_count()).unwrap_or(u32::MAX))
                    .filter_map(|n| graph.node(n))
                    .collect()
            }
            _ => view.ids_from(None).map(|(id, _)| id).collect(),
        };
        ids.sort_unstable();
        ids
    }

    fn match_error(&self, e: MatchError, span: Span) -> ExecError {
        let code = match e {
            MatchError::Deadline => ErrorCode::Timeout,
            MatchError::TooManyBindings { .. } | MatchError::TooManyVisited { .. } => {
                ErrorCode::TooManyRows
            }
            MatchError::Disconnected => ErrorCode::InvalidCondition,
        };
        ExecError::at(self.source, code, e.to_string(), span)
    }

    /// What `expr` (a `RETURN` item or `ORDER BY` key) reads.
    fn cell(&self, expr: &Expr, compiled: &Compiled) -> Result<Cell, ExecError> {
        match &expr.kind {
            ExprKind::Field(f) => {
                let (var, kind) = self.var_field(f, &compiled.names)?;
                let path = match &kind {
                    ExprKind::Field(rest) => Some(self.field_path(rest)?),
                    _ => None,
                };
                Ok(match (var, path, kind) {
                    (Var::Node(i), None, ExprKind::Id) => Cell::NodeId(i),
                    (Var::Edge(s), None, ExprKind::Id) => Cell::EdgeId(s),
                    (Var::Node(i), Some(p), _) => Cell::NodeField(i, p),
                    (Var::Edge(s), Some(p), _) => Cell::EdgeField(s, p),
                    _ => {
                        return Err(self.error(
                            ErrorCode::InvalidCondition,
                            "RETURN reads a.id, a.field, r.id, r.property or similarity()",
                            expr.span,
                        ));
                    }
                })
            }
            ExprKind::Similarity(None) | ExprKind::Score => {
                if compiled.near.is_none() {
                    return Err(self.no_score(expr.span));
                }
                Ok(Cell::Similarity)
            }
            _ => Err(self.error(
                ErrorCode::InvalidCondition,
                "RETURN reads a.id, a.field, r.id, r.property or similarity()",
                expr.span,
            )),
        }
    }

    /// `EXISTS (MATCH ...)` in a `SELECT` of `collection`: the ids of the points its first
    /// node binds in some match.
    pub(super) fn exists_predicate(
        &self,
        collection: &Arc<Collection>,
        exists: &ExistsMatch,
        span: Span,
    ) -> Result<Predicate, ParseError> {
        let as_parse = |e: ExecError| match e {
            ExecError::Statement(p) => p,
            ExecError::Engine(e) => {
                ParseError::new(self.source, ErrorCode::Engine, e.to_string(), span)
            }
        };
        let compiled = self
            .compile_pattern(&exists.patterns, exists.filter.as_deref(), span)
            .map_err(as_parse)?;
        if let Some((_, near, _)) = &compiled.near {
            return Err(ParseError::new(
                self.source,
                ErrorCode::InvalidCondition,
                "NEAR inside EXISTS is not supported: search in the SELECT's WHERE",
                near.span,
            ));
        }
        let ids = collection
            .read(|view| {
                let anchor = choose_anchor(view, &compiled.pattern, None);
                let candidates = self.anchor_points(view, &compiled, &anchor);
                let expanded = expand(
                    view,
                    &compiled.pattern,
                    anchor.var,
                    &candidates,
                    MatchLimits::default(),
                )
                .map_err(|e| self.match_error(e, compiled.span))?;
                Ok::<_, ExecError>(
                    expanded
                        .bindings
                        .iter()
                        .filter_map(|b| b.nodes.first().copied().flatten())
                        .collect::<BTreeSet<PointId>>(),
                )
            })
            .map_err(as_parse)?;
        Ok(Predicate::HasId(ids))
    }

    /// The plan of a match: the anchor and every variable's estimate, then the steps.
    fn match_plan(
        &self,
        collection: &Collection,
        compiled: &Compiled,
        anchor: &Anchor,
        measured: &Measured,
        mode: ExplainMode,
        rows: usize,
    ) -> PlanNode {
        let pattern = &compiled.pattern;
        let name = |i: usize| {
            pattern
                .nodes
                .get(i)
                .map_or("?", |n| n.name.as_str())
                .to_owned()
        };
        let mut node = PlanNode::new("match")
            .with("collection", collection.name())
            .with("anchor", name(anchor.var))
            .with("anchor_access", anchor.access.name())
            .with("anchor_estimate", anchor.estimate);
        if mode == ExplainMode::Analyze {
            node = node
                .with("rows", rows)
                .with("anchor_candidates", measured.candidates)
                .with("vector_rounds", u64::from(measured.rounds));
            if let Some(by) = measured.narrowed_by {
                node = node.with("narrowed_by", name(by));
            }
            if let Some(e) = &measured.expanded {
                node = node
                    .with("anchor_points", e.anchors)
                    .with("visited", e.visited);
            }
        }
        for (i, (access, estimate)) in anchor.estimates.iter().enumerate() {
            node = node.child(
                PlanNode::new("variable")
                    .with("name", name(i))
                    .with("access", access.name())
                    .with("estimate", *estimate)
                    .with("anchor", i == anchor.var),
            );
        }
        let order = super::super::pattern::step_order(pattern, anchor.var).unwrap_or_default();
        for (n, s) in order.iter().enumerate() {
            let Some(step) = pattern.steps.get(*s) else {
                continue;
            };
            let mut expand = PlanNode::new("expand")
                .with("left", name(step.left))
                .with("right", name(step.right))
                .with("direction", format!("{:?}", step.direction).to_lowercase())
                .with(
                    "labels",
                    step.labels
                        .as_ref()
                        .map_or_else(|| "*".to_owned(), |l| l.join("|")),
                )
                .with("min_hops", u64::from(step.min_hops))
                .with("max_hops", u64::from(step.max_hops));
            if let Some(count) = measured.expanded.as_ref().and_then(|e| e.steps.get(n)) {
                expand = expand.with("rows", count.rows);
            }
            node = node.child(expand);
        }
        node
    }
}

/// Nearest points asked for in the first round of a vector-anchored match.
fn first_round(wanted: usize) -> usize {
    wanted.saturating_mul(4).clamp(16, MAX_ROWS)
}

fn direction(k: &OrderKey, compiled: &Compiled) -> Direction {
    match (&k.expr.kind, compiled.near.is_some()) {
        (ExprKind::Similarity(None) | ExprKind::Score, true) => {
            k.direction.unwrap_or(Direction::Desc)
        }
        _ => k.direction.unwrap_or(Direction::Asc),
    }
}

fn passes_floor(
    score: Option<f32>,
    floor: Option<super::super::velesql::SimilarityFloor>,
    better: bool,
) -> bool {
    let Some(floor) = floor else {
        return true;
    };
    let Some(score) = score else {
        return false;
    };
    let o = score.total_cmp(&floor.min);
    let o = if better { o } else { o.reverse() };
    o == Ordering::Greater || (floor.inclusive && o == Ordering::Equal)
}

/// How many rows the bindings give (for deciding whether another vector round is needed).
fn finish_count(
    view: &ReadView<'_>,
    cells: &[Cell],
    scored: &[Scored],
    distinct: bool,
    floor: Option<super::super::velesql::SimilarityFloor>,
) -> usize {
    let better = view.metric().higher_is_better();
    let passing = scored
        .iter()
        .filter(|s| passes_floor(s.score, floor, better));
    if !distinct {
        return passing.count();
    }
    passing
        .map(|s| {
            format!(
                "{:?}",
                cells
                    .iter()
                    .map(|c| cell_value(view, c, s))
                    .collect::<Vec<_>>()
            )
        })
        .collect::<HashSet<_>>()
        .len()
}

fn cell_value(view: &ReadView<'_>, cell: &Cell, s: &Scored) -> Value {
    let b = &s.binding;
    let node = |i: usize| b.nodes.get(i).copied().flatten();
    let edge = |slot: usize| b.edges.get(slot).copied().flatten();
    match cell {
        Cell::NodeId(i) => node(*i).map_or(Value::Null, id_value),
        Cell::NodeField(i, path) => field_value(
            path,
            node(*i)
                .and_then(|id| view.slot_of(id))
                .and_then(|slot| view.payload(slot)),
        ),
        Cell::EdgeId(slot) => edge(*slot).map_or(Value::Null, Value::from),
        Cell::EdgeField(slot, path) => edge(*slot)
            .and_then(|id| view.graph().edge(id))
            .map_or(Value::Null, |e| field_value(path, Some(&e.properties()))),
        Cell::Similarity => s.score.map_or(Value::Null, |x| Value::Float(f64::from(x))),
    }
}

fn compare_by(
    view: &ReadView<'_>,
    order: &[(Cell, Direction)],
    a: &Scored,
    b: &Scored,
) -> Ordering {
    order
        .iter()
        .map(|(cell, d)| {
            let o = compare_values(&cell_value(view, cell, a), &cell_value(view, cell, b));
            match d {
                Direction::Asc => o,
                Direction::Desc => o.reverse(),
            }
        })
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

/// Sorts by `order`, computing each key once per binding.
fn sort_scored(view: &ReadView<'_>, scored: &mut Vec<Scored>, order: &[(Cell, Direction)]) {
    let mut keyed: Vec<(Vec<Value>, Scored)> = std::mem::take(scored)
        .into_iter()
        .map(|s| {
            (
                order.iter().map(|(c, _)| cell_value(view, c, &s)).collect(),
                s,
            )
        })
        .collect();
    keyed.sort_by(|(a, _), (b, _)| {
        a.iter()
            .zip(b)
            .zip(order)
            .map(|((x, y), (_, d))| {
                let o = compare_values(x, y);
                match d {
                    Direction::Asc => o,
                    Direction::Desc => o.reverse(),
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    *scored = keyed.into_iter().map(|(_, s)| s).collect();
}
