//! Compiling the patterns of a `MATCH` (or of an `EXISTS (MATCH ...)`) and its `WHERE` into a
//! [`Pattern`]: one node variable per named or anonymous node, one step per relationship, and
//! each condition of the `WHERE` given to the one variable it names.
//!
//! Rules, each refused with a positioned error otherwise:
//! - `a.field` is a payload field of node `a`, `a.id` its point id, `a.vector NEAR $v` the vector
//!   search that ranks `a` (one per statement); `r.prop` is a property of the edge `r` binds,
//!   `r.id` its edge id.
//! - Each top-level `AND` term of the `WHERE` names one variable (`a.x > 1 OR a.y = 2` is one
//!   term); a term comparing two variables (`a.x = b.y`) is not supported. A bare
//!   `similarity() > x` applies to the variable `NEAR` ranks.
//! - `(a:Label)` is `a.labels = 'Label'` (the `labels` payload field holds it), `{k: v}` is
//!   `a.k = v`.
//! - A relationship variable binds one edge: it names a one-hop relationship, once.

use std::collections::HashMap;

use super::super::graph::MAX_DEPTH;
use super::super::pattern::{NodeVar, Pattern, Step, step_order};
use super::super::velesql::ast::{
    CompareOp, Containment, Expr, ExprKind, FieldRef, FieldStep, Literal, PathPattern,
    RelDirection, Span,
};
use super::super::velesql::{ErrorCode, LowerContext, NearQuery, SimilarityFloor, lower_where};
use super::super::{Predicate, velesql};
use super::{ExecError, Runner};
use crate::graph::Direction;

/// The payload field node labels are read from (see `graph/`'s module doc).
pub const LABELS_FIELD: &str = "labels";

/// What a name in a pattern binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Var {
    /// A node variable.
    Node(usize),
    /// The edge slot of a one-hop relationship.
    Edge(usize),
}

/// A compiled pattern with its names.
#[derive(Debug)]
pub(super) struct Compiled {
    pub pattern: Pattern,
    pub names: HashMap<String, Var>,
    /// The variable `NEAR` ranks, its query vector and the similarity floor, if any.
    pub near: Option<(usize, NearQuery, Option<SimilarityFloor>)>,
    /// The statement (or `EXISTS`), where errors found while matching point.
    pub span: Span,
}

/// The conditions gathered for one variable.
#[derive(Default)]
struct Terms {
    exprs: Vec<Expr>,
}

impl Runner<'_, '_> {
    /// Compiles `patterns` and `filter`; `span` is the statement's (for errors about the whole).
    pub(super) fn compile_pattern(
        &self,
        patterns: &[PathPattern],
        filter: Option<&Expr>,
        span: Span,
    ) -> Result<Compiled, ExecError> {
        let mut names: HashMap<String, Var> = HashMap::new();
        let mut nodes: Vec<(String, Terms)> = Vec::new();
        let mut edges: Vec<(String, Terms)> = Vec::new();
        let mut steps: Vec<Step> = Vec::new();
        for part in patterns {
            let mut left = self.node_var(&part.start, &mut names, &mut nodes)?;
            for (rel, node) in &part.steps {
                let right = self.node_var(node, &mut names, &mut nodes)?;
                let single = rel.min_hops == 1 && rel.max_hops == 1;
                let edge_slot = if single {
                    let slot = edges.len();
                    let name = match &rel.var {
                        Some(var) => {
                            if names.contains_key(&var.name) {
                                return Err(self.error(
                                    ErrorCode::InvalidCondition,
                                    format!(
                                        "`{}` is already a variable: a relationship variable names one relationship",
                                        var.name
                                    ),
                                    var.span,
                                ));
                            }
                            names.insert(var.name.clone(), Var::Edge(slot));
                            var.name.clone()
                        }
                        None => format!("#r{slot}"),
                    };
                    edges.push((name, Terms::default()));
                    Some(slot)
                } else {
                    if let Some(var) = &rel.var {
                        return Err(self.error(
                            ErrorCode::InvalidCondition,
                            "a relationship variable binds one edge: drop it from a relationship of several hops",
                            var.span,
                        ));
                    }
                    None
                };
                debug_assert!(rel.max_hops <= MAX_DEPTH, "the parser bounds hops");
                steps.push(Step {
                    left,
                    right,
                    direction: match rel.direction {
                        RelDirection::Right => Direction::Out,
                        RelDirection::Left => Direction::In,
                        RelDirection::Either => Direction::Both,
                    },
                    labels: (!rel.types.is_empty())
                        .then(|| rel.types.iter().map(|t| t.name.clone()).collect()),
                    edge_filter: None,
                    min_hops: rel.min_hops,
                    max_hops: rel.max_hops,
                    edge_slot,
                });
                left = right;
            }
        }
        let near_var = filter.map_or(Ok(None), |f| {
            self.split_where(f, &names, &mut nodes, &mut edges)
        })?;
        let ctx = self.lower_context();
        let mut near = None;
        let mut pattern_nodes = Vec::with_capacity(nodes.len());
        for (i, (name, terms)) in nodes.into_iter().enumerate() {
            let lowered = self.lower_terms(terms, &ctx)?;
            if let Some((query, floor)) = lowered.1 {
                debug_assert_eq!(near_var, Some(i), "NEAR was routed to its variable");
                near = Some((i, query, floor));
            } else if let Some(floor) = lowered.2 {
                return Err(self.no_score(floor.span));
            }
            pattern_nodes.push(NodeVar {
                name,
                predicate: lowered.0,
            });
        }
        let edge_slots = edges.len();
        for (slot, (_, terms)) in edges.into_iter().enumerate() {
            let (predicate, near, floor) = self.lower_terms(terms, &ctx)?;
            if let Some((query, _)) = near {
                return Err(self.error(
                    ErrorCode::InvalidCondition,
                    "NEAR searches a node's vector, not a relationship's",
                    query.span,
                ));
            }
            if let Some(floor) = floor {
                return Err(self.no_score(floor.span));
            }
            if predicate != Predicate::All
                && let Some(step) = steps.iter_mut().find(|s| s.edge_slot == Some(slot))
            {
                step.edge_filter = Some(predicate);
            }
        }
        let pattern = Pattern {
            nodes: pattern_nodes,
            edge_slots,
            steps,
        };
        if step_order(&pattern, 0).is_none() {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "the pattern's parts must share a variable: (a)-[]->(b), (b)-[]->(c)",
                span,
            ));
        }
        Ok(Compiled {
            pattern,
            names,
            near,
            span,
        })
    }

    /// The variable of node pattern `node`, created on first sight, with its labels and
    /// `{key: value}` conditions added.
    fn node_var(
        &self,
        node: &velesql::ast::NodePattern,
        names: &mut HashMap<String, Var>,
        nodes: &mut Vec<(String, Terms)>,
    ) -> Result<usize, ExecError> {
        let index = match &node.var {
            Some(var) => match names.get(&var.name) {
                Some(Var::Node(i)) => *i,
                Some(Var::Edge(_)) => {
                    return Err(self.error(
                        ErrorCode::InvalidCondition,
                        format!("`{}` names a relationship, not a node", var.name),
                        var.span,
                    ));
                }
                None => {
                    names.insert(var.name.clone(), Var::Node(nodes.len()));
                    nodes.push((var.name.clone(), Terms::default()));
                    nodes.len() - 1
                }
            },
            None => {
                nodes.push((format!("#n{}", nodes.len()), Terms::default()));
                nodes.len() - 1
            }
        };
        let terms = &mut nodes[index].1.exprs;
        for label in &node.labels {
            terms.push(equals(
                field(vec![FieldStep::Key(LABELS_FIELD.to_owned())], label.span),
                Expr::new(
                    ExprKind::Literal(Literal::String(label.name.clone())),
                    label.span,
                ),
                label.span,
            ));
        }
        for (key, value) in &node.props {
            terms.push(equals(
                field(vec![FieldStep::Key(key.name.clone())], key.span),
                value.clone(),
                key.span,
            ));
        }
        Ok(index)
    }

    /// Gives each top-level `AND` term of `filter` to the variable it names; returns the
    /// variable a `NEAR` ranks.
    fn split_where(
        &self,
        filter: &Expr,
        names: &HashMap<String, Var>,
        nodes: &mut [(String, Terms)],
        edges: &mut [(String, Terms)],
    ) -> Result<Option<usize>, ExecError> {
        let terms: Vec<&Expr> = match &filter.kind {
            ExprKind::And(items) => items.iter().collect(),
            _ => vec![filter],
        };
        let mut near_var = None;
        let mut floors = Vec::new();
        for term in terms {
            let mut term = term.clone();
            let mut named: Option<Var> = None;
            let mut two = None;
            self.rebind(&mut term, names, &mut |var, span| match named {
                Some(v) if v != var => two = Some(span),
                _ => named = Some(var),
            })?;
            if let Some(span) = two {
                return Err(self.error(
                    ErrorCode::Unsupported,
                    "a condition names one pattern variable: conditions across variables (a.x = b.y) are not supported",
                    span,
                ));
            }
            match named {
                Some(Var::Node(i)) => {
                    if matches!(term.kind, ExprKind::Near { .. }) {
                        if near_var.is_some_and(|v| v != i) {
                            return Err(self.error(
                                ErrorCode::InvalidCondition,
                                "a statement holds one NEAR search",
                                term.span,
                            ));
                        }
                        near_var = Some(i);
                    }
                    nodes[i].1.exprs.push(term);
                }
                Some(Var::Edge(slot)) => edges[slot].1.exprs.push(term),
                None if is_similarity_floor(&term) => floors.push(term),
                None => {
                    return Err(self.error(
                        ErrorCode::InvalidCondition,
                        "a condition of a MATCH names a pattern variable: write a.field, a.id or a.vector",
                        term.span,
                    ));
                }
            }
        }
        if !floors.is_empty() {
            let Some(i) = near_var else {
                return Err(self.no_score(floors[0].span));
            };
            nodes[i].1.exprs.extend(floors);
        }
        Ok(near_var)
    }

    /// Rewrites `a.x` to the field `x` of the variable, `a.id` to `id`, `a.vector` to `vector`,
    /// calling `seen` with each variable named; refuses names that are not variables.
    fn rebind(
        &self,
        e: &mut Expr,
        names: &HashMap<String, Var>,
        seen: &mut dyn FnMut(Var, Span),
    ) -> Result<(), ExecError> {
        match &mut e.kind {
            ExprKind::Field(f) => {
                let (var, kind) = self.var_field(f, names)?;
                seen(var, e.span);
                e.kind = kind;
                Ok(())
            }
            ExprKind::Id | ExprKind::Vector => Err(self.error(
                ErrorCode::InvalidCondition,
                "name the variable: a.id, a.vector",
                e.span,
            )),
            ExprKind::Exists(_) => Err(self.error(
                ErrorCode::InvalidCondition,
                "EXISTS (MATCH ...) is a condition of a SELECT's WHERE only",
                e.span,
            )),
            kind => {
                for child in children_mut(kind) {
                    self.rebind(child, names, seen)?;
                }
                Ok(())
            }
        }
    }

    /// The variable `f` starts with and what the rest of it names.
    pub(super) fn var_field(
        &self,
        f: &FieldRef,
        names: &HashMap<String, Var>,
    ) -> Result<(Var, ExprKind), ExecError> {
        let Some(FieldStep::Key(first)) = f.steps.first() else {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "name a pattern variable first: a.field",
                f.span,
            ));
        };
        let Some(&var) = names.get(first) else {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                format!("`{first}` is not a variable of the pattern"),
                f.span,
            ));
        };
        let rest = &f.steps[1..];
        let kind = match rest {
            [] => {
                return Err(self.error(
                    ErrorCode::InvalidCondition,
                    format!("name what of `{first}`: {first}.id or {first}.field"),
                    f.span,
                ));
            }
            [FieldStep::Key(k)] if k.eq_ignore_ascii_case("id") => ExprKind::Id,
            [FieldStep::Key(k)] if k.eq_ignore_ascii_case("vector") => ExprKind::Vector,
            _ => ExprKind::Field(FieldRef {
                steps: rest.to_vec(),
                span: f.span,
            }),
        };
        Ok((var, kind))
    }

    /// The predicate, the `NEAR` search and the similarity floor of one variable's terms.
    #[expect(
        clippy::type_complexity,
        reason = "a private triple, named at its one caller"
    )]
    fn lower_terms(
        &self,
        terms: Terms,
        ctx: &LowerContext<'_>,
    ) -> Result<
        (
            Predicate,
            Option<(NearQuery, Option<SimilarityFloor>)>,
            Option<SimilarityFloor>,
        ),
        ExecError,
    > {
        let mut exprs = terms.exprs;
        let expr = match exprs.len() {
            0 => return Ok((Predicate::All, None, None)),
            1 => exprs.remove(0),
            _ => {
                let span = exprs[0].span;
                Expr::new(ExprKind::And(exprs), span)
            }
        };
        let lowered = lower_where(&expr, ctx)?;
        let floor = lowered.min_similarity;
        Ok(match lowered.near {
            Some(near) => (lowered.predicate, Some((near, floor)), None),
            None => (lowered.predicate, None, floor),
        })
    }
}

fn field(steps: Vec<FieldStep>, span: Span) -> Expr {
    Expr::new(ExprKind::Field(FieldRef { steps, span }), span)
}

fn equals(left: Expr, right: Expr, span: Span) -> Expr {
    Expr::new(
        ExprKind::Compare {
            left: Box::new(left),
            op: CompareOp::Eq,
            right: Box::new(right),
        },
        span,
    )
}

fn is_similarity_floor(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Compare { left, right, .. } => [left, right]
            .iter()
            .any(|s| matches!(s.kind, ExprKind::Similarity(None) | ExprKind::Score)),
        _ => false,
    }
}

/// The sub-expressions of `kind` (none for leaves and `EXISTS`).
fn children_mut(kind: &mut ExprKind) -> Vec<&mut Expr> {
    match kind {
        ExprKind::Literal(_)
        | ExprKind::Param(_)
        | ExprKind::Interval(_)
        | ExprKind::Now
        | ExprKind::Id
        | ExprKind::Vector
        | ExprKind::Score
        | ExprKind::Field(_)
        | ExprKind::Exists(_)
        | ExprKind::Similarity(None) => Vec::new(),
        ExprKind::Array(items) | ExprKind::And(items) | ExprKind::Or(items) => {
            items.iter_mut().collect()
        }
        ExprKind::Similarity(Some(args)) => {
            let (a, b) = &mut **args;
            vec![a, b]
        }
        ExprKind::Aggregate { arg, .. } => arg.iter_mut().map(|a| &mut **a).collect(),
        ExprKind::Arithmetic { first, rest } => std::iter::once(&mut **first)
            .chain(rest.iter_mut().map(|(_, e)| e))
            .collect(),
        ExprKind::Compare { left, right, .. }
        | ExprKind::Near {
            target: left,
            query: right,
        }
        | ExprKind::TextMatch {
            expr: left,
            query: right,
        }
        | ExprKind::Like {
            expr: left,
            pattern: right,
            ..
        } => vec![&mut **left, &mut **right],
        ExprKind::InList { expr, list, .. } => std::iter::once(&mut **expr)
            .chain(list.iter_mut())
            .collect(),
        ExprKind::Between {
            expr, low, high, ..
        } => vec![&mut **expr, &mut **low, &mut **high],
        ExprKind::IsNull { expr, .. } | ExprKind::Not(expr) => vec![&mut **expr],
        ExprKind::Contains { expr, what } => {
            let mut out = vec![&mut **expr];
            match what {
                Containment::One(v) => out.push(&mut **v),
                Containment::Any(items) | Containment::All(items) => out.extend(items.iter_mut()),
            }
            out
        }
    }
}
