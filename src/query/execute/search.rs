//! `SELECT` returning points: a vector search (`WHERE vector NEAR ...`, through the planner the
//! JSON API uses), a BM25 text ranking (`WHERE field MATCH 'words'` without `NEAR`), or a
//! filtered scan in id order or `ORDER BY` fields; and its `EXPLAIN`.

use std::cmp::Ordering;
use std::sync::Arc;

use super::super::velesql::ast::{Direction, ExistsMatch, Expr, ExprKind, OrderKey, Select, Span};
use super::super::velesql::{
    ErrorCode, LowerContext, LoweredWhere, MAX_EXISTS, ParseError, constant, lower_where,
};
use super::super::{
    Explain, Predicate, check_types, deadline, filtered_nearest, fully_indexed, index_bound,
    matching_slots, multi_stage, rank_text,
};
use super::outcome::{Outcome, PlanNode};
use super::row_value::{compare_values, field_value};
use super::{DEFAULT_SEARCH_LIMIT, ExecError, MAX_ROWS, Runner};
use crate::columns::{FieldPath, Value};
use crate::engine::{
    Collection, EngineError, PayloadSelector, PointRecord, ScoredPoint, SearchRequest,
};
use crate::query::MAX_MMR_CHOSEN;
use crate::vector::quantize::QuantizedSearch;

/// Most points a scan with `ORDER BY` keeps while it reads the matching ones (`OFFSET` plus the
/// rows wanted): it holds only the best of them so far, each with its payload, so this bounds
/// its memory however many points match.
pub const MAX_SORTED_POINTS: usize = 100_000;

/// Whether a statement is explained, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExplainMode {
    /// The plan, without running the statement.
    Plan,
    /// The plan with what running the statement measured.
    Analyze,
}

/// One `ORDER BY` key of a point row.
pub(super) enum PointOrder {
    Score(Direction),
    Id(Direction),
    Field(FieldPath, Direction),
}

impl Runner<'_, '_> {
    /// Runs (or explains) a `SELECT`.
    pub(super) fn select(
        &self,
        s: &Select,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        let collection = self.collection(&s.from.name, s.from.span)?;
        let lowered = match &s.filter {
            Some(filter) => {
                // Each `EXISTS (MATCH ...)` runs its pattern over this collection once.
                let count = std::cell::Cell::new(0usize);
                let resolve = |m: &ExistsMatch, span: Span| {
                    count.set(count.get() + 1);
                    if count.get() > MAX_EXISTS {
                        return Err(ParseError::new(
                            self.source,
                            ErrorCode::ListTooLong,
                            format!("a statement holds at most {MAX_EXISTS} EXISTS (MATCH ...)"),
                            span,
                        ));
                    }
                    self.exists_predicate(&collection, m, span)
                };
                let ctx = LowerContext {
                    exists: Some(&resolve),
                    ..self.lower_context()
                };
                lower_where(filter, &ctx)?
            }
            None => LoweredWhere {
                predicate: Predicate::All,
                near: None,
                min_similarity: None,
                text: None,
                rest: Predicate::All,
            },
        };
        let grouped = !s.group_by.is_empty()
            || s.projection.iter().any(|item| match item {
                super::super::velesql::ast::SelectItem::Expr { expr, .. } => has_aggregate(expr),
                super::super::velesql::ast::SelectItem::Wildcard(_) => false,
            });
        if grouped {
            if let Some(near) = &lowered.near {
                return Err(self.error(
                    ErrorCode::Unsupported,
                    "aggregates over a vector search are not supported: aggregate over a filter",
                    near.span,
                ));
            }
            return self.aggregate_select(s, &collection, &lowered.predicate, explain);
        }
        let offset = self.count_clause(s.offset.as_ref())?.unwrap_or(0);
        let limit = self.count_clause(s.limit.as_ref())?;
        if let Some(fusion) = &s.fusion {
            return self.fusion_select(s, fusion, &collection, lowered, limit, offset, explain);
        }
        let sparse = lowered
            .near
            .as_ref()
            .is_some_and(|near| super::staged_select::searches_sparse(&collection, near));
        if sparse {
            self.sparse_select(s, &collection, lowered, limit, offset, explain)
        } else if lowered.near.is_some() {
            self.search_select(s, &collection, lowered, limit, offset, explain)
        } else if lowered.text.is_some() {
            if let Some(floor) = lowered.min_similarity {
                return Err(self.no_score(floor.span));
            }
            self.text_select(s, &collection, lowered, limit, offset, explain)
        } else {
            if let Some(floor) = lowered.min_similarity {
                return Err(self.no_score(floor.span));
            }
            self.scan_select(s, &collection, &lowered.predicate, limit, offset, explain)
        }
    }

    /// Refuses `WITH (...)` on a statement without a vector search, which it would not tune.
    /// Refuses a search `WITH (mmr)` asking for more than [`MAX_MMR_CHOSEN`] rows.
    pub(super) fn check_mmr_rows(&self, s: &Select, rows: usize) -> Result<(), ExecError> {
        if rows <= MAX_MMR_CHOSEN {
            return Ok(());
        }
        Err(self.error(
            ErrorCode::TooManyRows,
            format!(
                "a search WITH (mmr) returns at most {MAX_MMR_CHOSEN} rows (LIMIT + OFFSET): \
                 each row is compared with every candidate"
            ),
            s.limit.as_ref().map_or(s.span, |l| l.span),
        ))
    }

    pub(super) fn no_search_settings(&self, s: &Select) -> Result<(), ExecError> {
        match s.with.first() {
            Some(setting) => Err(self.error(
                ErrorCode::InvalidSetting,
                "WITH (...) tunes a vector search: this statement has none",
                setting.name.span,
            )),
            None => Ok(()),
        }
    }

    /// `LIMIT` or `OFFSET`: a non-negative integer constant.
    pub(super) fn count_clause(&self, e: Option<&Expr>) -> Result<Option<usize>, ExecError> {
        let Some(e) = e else {
            return Ok(None);
        };
        match constant(e, &self.lower_context())? {
            Value::Int(i) if i >= 0 => Ok(Some(usize::try_from(i).unwrap_or(usize::MAX))),
            Value::UInt(u) => Ok(Some(usize::try_from(u).unwrap_or(usize::MAX))),
            _ => Err(self.error(
                ErrorCode::TypeMismatch,
                "LIMIT and OFFSET are non-negative integers",
                e.span,
            )),
        }
    }

    pub(super) fn order_keys(
        &self,
        keys: &[OrderKey],
        search: bool,
    ) -> Result<Vec<PointOrder>, ExecError> {
        keys.iter()
            .map(|k| {
                let direction = k.direction.unwrap_or(Direction::Asc);
                match &k.expr.kind {
                    ExprKind::Score | ExprKind::Similarity(_) if search => {
                        Ok(PointOrder::Score(k.direction.unwrap_or(Direction::Desc)))
                    }
                    ExprKind::Score | ExprKind::Similarity(_) => Err(self.no_score(k.expr.span)),
                    ExprKind::Field(field) => {
                        Ok(PointOrder::Field(self.field_path(field)?, direction))
                    }
                    ExprKind::Id => Ok(PointOrder::Id(direction)),
                    _ => Err(self.error(
                        ErrorCode::InvalidCondition,
                        "ORDER BY takes id, payload fields, or score with a vector search",
                        k.expr.span,
                    )),
                }
            })
            .collect()
    }

    pub(super) fn too_many_rows(&self, span: Span, what: &str) -> ExecError {
        self.error(
            ErrorCode::TooManyRows,
            format!("{what}: a statement returns at most {MAX_ROWS} rows (use LIMIT and OFFSET)"),
            span,
        )
    }

    /// A type mismatch between the filter and a payload index, at the `WHERE` clause.
    pub(super) fn mismatch(&self, s: &Select, e: &super::super::TypeMismatch) -> ExecError {
        self.error(
            ErrorCode::TypeMismatch,
            e.to_string(),
            s.filter.as_ref().map_or(s.span, |f| f.span),
        )
    }

    fn search_select(
        &self,
        s: &Select,
        collection: &Arc<Collection>,
        lowered: LoweredWhere,
        limit: Option<usize>,
        offset: usize,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        let Some(near) = lowered.near else {
            return Ok(Outcome::default());
        };
        let settings = self.search_settings(&s.with)?;
        let columns = self.point_columns(&s.projection, true)?;
        let order = self.order_keys(&s.order_by, true)?;
        let limit = limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        if limit.saturating_add(offset) > MAX_ROWS {
            return Err(self.too_many_rows(
                s.limit.as_ref().map_or(s.span, |l| l.span),
                "LIMIT + OFFSET of a vector search",
            ));
        }
        if settings.mmr.is_some() {
            self.check_mmr_rows(s, limit.saturating_add(offset))?;
        }
        let mut projection = columns.engine_projection();
        if order.iter().any(|o| matches!(o, PointOrder::Field(..))) {
            projection.payload = PayloadSelector::All;
        }
        let mut quantization = QuantizedSearch::default();
        if let Some(rescore) = settings.rescore {
            quantization.rescore = rescore;
        }
        if let Some(oversampling) = settings.oversampling {
            quantization.oversampling = oversampling;
        }
        let request = SearchRequest {
            vector: near.vector,
            using: near.using.clone(),
            limit,
            offset,
            score_threshold: lowered.min_similarity.map(|f| f.min),
            projection,
            ef: settings.ef,
            exact: settings.exact,
            quantization,
        };
        let predicate = lowered.predicate;
        let mut node = PlanNode::new("vector_search")
            .with("collection", collection.name())
            .with("k", limit.saturating_add(offset))
            .with("offset", offset)
            .with("exact", settings.exact);
        if let Some(ef) = settings.ef {
            node = node.with("ef", ef);
        }
        if let Some(diversity) = settings.mmr {
            node = node.with("mmr", f64::from(diversity)).with(
                "mmr_candidates",
                settings
                    .mmr_candidates
                    .unwrap_or(limit + offset)
                    .max(limit + offset),
            );
        }
        if explain == Some(ExplainMode::Plan) {
            return Ok(self.plan_only(node, collection, &predicate, s));
        }
        self.check_time(s.span)?;
        let mut explained: Option<Explain> = None;
        let mut mismatch = None;
        let hits = collection
            .search_planned(&request, |view, query, k, params| {
                if let Err(e) = check_types(view, &predicate) {
                    mismatch = Some(e);
                    return Vec::new();
                }
                let Some(diversity) = settings.mmr else {
                    let (hits, explain) =
                        filtered_nearest(view, query, k, params, Some(&predicate));
                    explained = Some(explain);
                    return hits;
                };
                // MMR chooses the rows among more nearest candidates, then keeps their scores.
                let candidates = settings.mmr_candidates.unwrap_or(k).max(k);
                let (hits, explain) =
                    filtered_nearest(view, query, candidates, params, Some(&predicate));
                explained = Some(explain);
                multi_stage::diversify(view, &hits, diversity, k)
            })
            .map_err(|e| match e {
                EngineError::InvalidVector { .. } | EngineError::VectorName { .. } => {
                    self.error(ErrorCode::InvalidValue, e.to_string(), near.span)
                }
                other => self.engine_error(other, s.from.span),
            })?;
        if let Some(e) = mismatch {
            return Err(self.mismatch(s, &e));
        }
        let exclusive = lowered.min_similarity.filter(|f| !f.inclusive);
        let mut hits: Vec<_> = hits
            .into_iter()
            .filter(|h| exclusive.is_none_or(|f| h.score != f.min))
            .collect();
        sort_hits(&mut hits, &order);
        let rows: Vec<Vec<Value>> = hits
            .iter()
            .map(|h| columns.row(&h.record, Some(h.score)))
            .collect();
        let mut outcome = Outcome::table(columns.names, rows);
        if explain == Some(ExplainMode::Analyze) {
            let filter = self.filter_plan(collection, &predicate, s.filter.as_ref());
            outcome.plan = Some(analyzed(node, explained, outcome.rows.len()).child(filter));
        }
        Ok(outcome)
    }

    /// `SELECT ... WHERE field MATCH 'words' [AND filters]` without `NEAR`: the `k` best points
    /// by BM25 over the field's text index, among the points the whole filter allows (the
    /// `MATCH` itself included, so every word is present); `score` is the BM25 score.
    fn text_select(
        &self,
        s: &Select,
        collection: &Arc<Collection>,
        lowered: LoweredWhere,
        limit: Option<usize>,
        offset: usize,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        let Some(ranking) = lowered.text else {
            return Ok(Outcome::default());
        };
        self.no_search_settings(s)?;
        let columns = self.point_columns(&s.projection, true)?;
        let order = self.order_keys(&s.order_by, true)?;
        let limit = limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        let k = limit.saturating_add(offset);
        if k > MAX_ROWS {
            return Err(self.too_many_rows(
                s.limit.as_ref().map_or(s.span, |l| l.span),
                "LIMIT + OFFSET of a text search",
            ));
        }
        let node = PlanNode::new("text_search")
            .with("collection", collection.name())
            .with("field", ranking.field.as_str())
            .with("scoring", "bm25")
            .with("top_k", "maxscore")
            .with("k", k)
            .with("offset", offset);
        let predicate = lowered.predicate;
        if explain == Some(ExplainMode::Plan) {
            return Ok(self.plan_only(node, collection, &predicate, s));
        }
        self.check_time(s.span)?;
        let mut projection = columns.engine_projection();
        if order.iter().any(|o| matches!(o, PointOrder::Field(..))) {
            projection.payload = PayloadSelector::All;
        }
        let ranked = collection.read(|view| {
            check_types(view, &predicate).map_err(|e| self.mismatch(s, &e))?;
            let (hits, explained) =
                rank_text(view, &ranking.field, &ranking.text, Some(&predicate), k).map_err(
                    |e| self.error(ErrorCode::InvalidCondition, e.to_string(), ranking.span),
                )?;
            let hits: Vec<ScoredPoint> = hits
                .into_iter()
                .skip(offset)
                .filter_map(|h| {
                    Some(ScoredPoint {
                        record: view.record(h.slot, &projection)?,
                        score: h.score,
                    })
                })
                .collect();
            Ok::<_, ExecError>((hits, explained))
        });
        let (mut hits, explained) = ranked?;
        sort_hits(&mut hits, &order);
        let rows: Vec<Vec<Value>> = hits
            .iter()
            .map(|h| columns.row(&h.record, Some(h.score)))
            .collect();
        let mut outcome = Outcome::table(columns.names, rows);
        if explain == Some(ExplainMode::Analyze) {
            let filter = self.filter_plan(collection, &predicate, s.filter.as_ref());
            let mut node = node
                .with("rows", outcome.rows.len())
                .with("clauses", u64::from(explained.clauses))
                .with(
                    "index_conditions",
                    u64::from(explained.compile.index_conditions),
                )
                .with(
                    "scanned_conditions",
                    u64::from(explained.compile.scanned_conditions),
                )
                .with("payloads_read", explained.compile.payloads_read)
                .with("filter_micros", explained.filter_micros)
                .with("search_micros", explained.rank_micros);
            if let Some(allowed) = explained.allowed {
                node = node.with("candidates", allowed);
            }
            outcome.plan = Some(node.child(filter));
        }
        Ok(outcome)
    }

    fn scan_select(
        &self,
        s: &Select,
        collection: &Arc<Collection>,
        predicate: &Predicate,
        limit: Option<usize>,
        offset: usize,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        self.no_search_settings(s)?;
        let columns = self.point_columns(&s.projection, false)?;
        let order = self.order_keys(&s.order_by, false)?;
        if limit.is_some_and(|l| l > MAX_ROWS) {
            return Err(self.too_many_rows(s.limit.as_ref().map_or(s.span, |l| l.span), "LIMIT"));
        }
        let node = PlanNode::new("scan")
            .with("collection", collection.name())
            .with("order", if order.is_empty() { "id" } else { "fields" });
        if explain == Some(ExplainMode::Plan) {
            return Ok(self.plan_only(node, collection, predicate, s));
        }
        self.check_time(s.span)?;
        let mut projection = columns.engine_projection();
        if !order.is_empty() {
            projection.payload = PayloadSelector::All;
        }
        // One row past the cap tells a result that does not fit from one that just fits.
        let wanted = limit.unwrap_or(MAX_ROWS + 1);
        let keep = offset.saturating_add(wanted);
        if !order.is_empty() && keep > MAX_SORTED_POINTS {
            return Err(self.error(
                ErrorCode::TooManyRows,
                format!(
                    "ORDER BY keeps the best OFFSET + LIMIT points while it scans ({keep} here; \
                     at most {MAX_SORTED_POINTS}): page with a smaller OFFSET, or search with NEAR"
                ),
                s.offset.as_ref().map_or(s.span, |o| o.span),
            ));
        }
        let records: Result<Vec<PointRecord>, super::super::TypeMismatch> =
            collection.read(|view| {
                check_types(view, predicate)?;
                let slots = matching_slots(view, predicate);
                let mut records: Vec<PointRecord> = Vec::new();
                if order.is_empty() {
                    // Id order: the page straight from the id index.
                    records.extend(
                        view.ids_from(None)
                            .filter(|(_, slot)| slots.contains(*slot))
                            .skip(offset)
                            .take(wanted)
                            .filter_map(|(_, slot)| view.record(slot, &projection)),
                    );
                    return Ok(records);
                }
                // The best `keep` so far: sorted and cut whenever twice as many have gathered.
                for (n, slot) in slots.iter().enumerate() {
                    if deadline::stop_at(n as u64) {
                        break;
                    }
                    if let Some(record) = view.record(slot, &projection) {
                        records.push(record);
                    }
                    if records.len() >= keep.saturating_mul(2) {
                        records.sort_by(|a, b| compare_records(&order, a, b));
                        records.truncate(keep);
                    }
                }
                Ok(records)
            });
        let mut records = records.map_err(|e| self.mismatch(s, &e))?;
        self.check_time(s.span)?;
        if !order.is_empty() {
            records.sort_by(|a, b| compare_records(&order, a, b));
            records = records.into_iter().skip(offset).take(wanted).collect();
        }
        if limit.is_none() && records.len() > MAX_ROWS {
            return Err(self.too_many_rows(s.span, "more points match than a statement returns"));
        }
        let rows: Vec<Vec<Value>> = records.iter().map(|r| columns.row(r, None)).collect();
        let mut outcome = Outcome::table(columns.names, rows);
        if explain == Some(ExplainMode::Analyze) {
            let filter = self.filter_plan(collection, predicate, s.filter.as_ref());
            outcome.plan = Some(node.with("rows", outcome.rows.len()).child(filter));
        }
        Ok(outcome)
    }

    /// The answer of `EXPLAIN` without `ANALYZE`: `node` fed by the filter step, nothing run.
    pub(super) fn plan_only(
        &self,
        node: PlanNode,
        collection: &Collection,
        predicate: &Predicate,
        s: &Select,
    ) -> Outcome {
        let filter = self.filter_plan(collection, predicate, s.filter.as_ref());
        Outcome {
            plan: Some(node.child(filter)),
            ..Outcome::default()
        }
    }

    /// The filter step of a plan: the predicate, how far indexes answer it, and what they bound
    /// it to, from statistics only (nothing is read or computed).
    pub(super) fn filter_plan(
        &self,
        collection: &Collection,
        predicate: &Predicate,
        filter: Option<&Expr>,
    ) -> PlanNode {
        collection.read(|view| {
            let mut node = PlanNode::new("filter")
                .with(
                    "where",
                    filter.map_or_else(|| "TRUE".to_owned(), ToString::to_string),
                )
                .with("fully_indexed", fully_indexed(view, predicate))
                .with("live_points", view.len());
            if let Some(bound) = index_bound(view, predicate) {
                node = node.with("index_bound", bound);
            }
            node
        })
    }
}

/// Sorts search hits by the `ORDER BY` keys (stable: ties keep their rank).
pub(super) fn sort_hits(hits: &mut [ScoredPoint], order: &[PointOrder]) {
    if order.is_empty() {
        return;
    }
    hits.sort_by(|a, b| {
        order
            .iter()
            .map(|o| match o {
                PointOrder::Score(d) => directed(a.score.total_cmp(&b.score), *d),
                PointOrder::Id(d) => directed(a.record.id.cmp(&b.record.id), *d),
                PointOrder::Field(path, d) => directed(
                    compare_values(
                        &field_value(path, a.record.payload.as_ref()),
                        &field_value(path, b.record.payload.as_ref()),
                    ),
                    *d,
                ),
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
}

/// `plan` with what the planner measured.
fn analyzed(plan: PlanNode, explain: Option<Explain>, rows: usize) -> PlanNode {
    let mut plan = plan.with("rows", rows);
    if let Some(e) = explain {
        plan = plan
            .with("strategy", e.strategy.name())
            .with("ef_used", e.ef)
            .with("estimated_candidates", e.estimated_candidates)
            .with("fell_back", e.fell_back)
            .with("index_conditions", u64::from(e.index_conditions))
            .with("scanned_conditions", u64::from(e.scanned_conditions))
            .with("payloads_read", e.payloads_read)
            .with("distances", e.distances)
            .with("filter_micros", e.filter_micros)
            .with("search_micros", e.search_micros);
        if let Some(c) = e.candidates {
            plan = plan.with("candidates", c);
        }
    }
    plan
}

/// `o` in `direction`.
fn directed(o: Ordering, direction: Direction) -> Ordering {
    match direction {
        Direction::Asc => o,
        Direction::Desc => o.reverse(),
    }
}

/// Whether `e` holds an aggregate.
pub(super) fn has_aggregate(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Aggregate { .. } => true,
        ExprKind::Compare { left, right, .. } => has_aggregate(left) || has_aggregate(right),
        ExprKind::And(items) | ExprKind::Or(items) => items.iter().any(has_aggregate),
        ExprKind::Not(inner) => has_aggregate(inner),
        _ => false,
    }
}

/// How two scanned points compare under `order` (an `ORDER BY` without a score), the id
/// breaking ties so that pages never overlap.
fn compare_records(order: &[PointOrder], a: &PointRecord, b: &PointRecord) -> Ordering {
    order
        .iter()
        .map(|o| match o {
            PointOrder::Field(path, d) => directed(
                compare_values(
                    &field_value(path, a.payload.as_ref()),
                    &field_value(path, b.payload.as_ref()),
                ),
                *d,
            ),
            PointOrder::Id(d) => directed(a.id.cmp(&b.id), *d),
            PointOrder::Score(_) => Ordering::Equal,
        })
        .find(|o| o.is_ne())
        .unwrap_or_else(|| a.id.cmp(&b.id))
}
