//! `SELECT`s answered by the multi-stage runner (`query::multi_stage`), as `points/query`
//! answers the same questions: a search of a named sparse vector (`name NEAR [[index, weight],
//! ...]`), and a fusion of the `NEAR` search with the `MATCH` ranking (`USING FUSION (strategy =
//! 'rrf', k = 60)`, `'dbsf'`, or `'weighted'` with `weights = [0.7, 0.3]`), each branch filtered
//! by the rest of the `WHERE` clause before it ranks; `WITH (mmr = d)` re-scores the fused
//! candidates by the dense vector and diversifies them.

use std::sync::Arc;

use super::super::velesql::ast::{Select, Setting, Span};
use super::super::velesql::{ErrorCode, LoweredWhere, NearQuery};
use super::super::{
    DEFAULT_RRF_K, Fusion, Mmr, MultiStageError, Predicate, Scoring, Stage, check_types,
    multi_stage,
};
use super::outcome::{Outcome, PlanNode};
use super::search::{ExplainMode, sort_hits};
use super::{DEFAULT_SEARCH_LIMIT, ExecError, MAX_ROWS, Runner};
use crate::columns::Value;
use crate::engine::{Collection, NearestParams, PayloadSelector, ScoredPoint};
use crate::query::MAX_MMR_CANDIDATES;
use crate::sparse::SparseVector;

/// Candidates each branch of a fusion passes up when `candidates` is not set: at least this
/// many, and at least the rows asked for.
const DEFAULT_FUSION_CANDIDATES: usize = 100;

/// Whether `near` searches a sparse vector: its query is sparse, or it names one.
pub(super) fn searches_sparse(collection: &Collection, near: &NearQuery) -> bool {
    near.sparse.is_some()
        || near
            .using
            .as_deref()
            .is_some_and(|n| collection.config().sparse_space_of(n).is_some())
}

impl Runner<'_, '_> {
    /// `SELECT ... WHERE name NEAR [[index, weight], ...] [AND filters]`: the exact top k of the
    /// named sparse vector by dot product, among the points the filter allows.
    pub(super) fn sparse_select(
        &self,
        s: &Select,
        collection: &Arc<Collection>,
        lowered: LoweredWhere,
        limit: Option<usize>,
        offset: usize,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        let Some(near) = &lowered.near else {
            return Ok(Outcome::default());
        };
        self.no_search_settings(s)?;
        let k = self.rows_wanted(s, limit, offset, "LIMIT + OFFSET of a sparse search")?;
        let (vector, using) = self.sparse_query(collection, near)?;
        let stage = Stage {
            prefetch: Vec::new(),
            scoring: Scoring::Sparse {
                vector,
                using: using.clone(),
            },
            filter: Some(lowered.predicate.clone()),
            limit: k,
            // `similarity() > x` keeps scores of at least the next float after x.
            score_threshold: lowered
                .min_similarity
                .map(|f| if f.inclusive { f.min } else { f.min.next_up() }),
            params: NearestParams::default(),
        };
        let node = PlanNode::new("sparse_search")
            .with("collection", collection.name())
            .with("vector", using)
            .with("scoring", "dot")
            .with("top_k", "maxscore")
            .with("k", k)
            .with("offset", offset);
        self.run_stage(
            s,
            collection,
            &lowered.predicate,
            &stage,
            node,
            offset,
            explain,
        )
    }

    /// `SELECT ... WHERE <vector> NEAR ... AND field MATCH 'words' [AND filters] USING FUSION
    /// (...)`: the vector search and the BM25 ranking, each among the points the other filters
    /// allow, fused.
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of one SELECT, as the other select kinds take them"
    )]
    pub(super) fn fusion_select(
        &self,
        s: &Select,
        settings: &[Setting],
        collection: &Arc<Collection>,
        lowered: LoweredWhere,
        limit: Option<usize>,
        offset: usize,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        let (Some(near), Some(text)) = (&lowered.near, &lowered.text) else {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "USING FUSION fuses a vector search with a text ranking: WHERE needs both \
                 `... NEAR ...` and `field MATCH 'words'` as top-level AND terms",
                s.span,
            ));
        };
        if let Some(floor) = lowered.min_similarity {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "a similarity threshold applies to one search, not to a fusion: leave it out",
                floor.span,
            ));
        }
        let k = self.rows_wanted(s, limit, offset, "LIMIT + OFFSET of a fused search")?;
        let mmr = self.fused_mmr(s, k)?;
        let (fusion, candidates, strategy) = self.fusion_settings(settings, k, s.span)?;
        let sparse = searches_sparse(collection, near);
        if let (true, Some(_)) = (sparse, mmr) {
            return Err(self.error(
                ErrorCode::InvalidSetting,
                "WITH (mmr) diversifies by a dense vector: a fusion with a sparse NEAR has none",
                s.with.first().map_or(s.span, |w| w.name.span),
            ));
        }
        let vector_branch = if sparse {
            let (vector, using) = self.sparse_query(collection, near)?;
            Scoring::Sparse { vector, using }
        } else {
            Scoring::Nearest {
                vector: near.vector.clone(),
                using: near.using.clone(),
                mmr: None,
            }
        };
        let branch = |scoring| Stage {
            prefetch: Vec::new(),
            scoring,
            filter: None,
            limit: candidates,
            score_threshold: None,
            params: NearestParams::default(),
        };
        let fused = Stage {
            prefetch: vec![
                branch(vector_branch),
                branch(Scoring::Text {
                    field: text.field.clone(),
                    query: text.text.clone(),
                }),
            ],
            scoring: Scoring::Fusion(fusion),
            filter: Some(lowered.rest.clone()),
            limit: mmr.map_or(k, |m| m.candidates_limit),
            score_threshold: None,
            params: NearestParams::default(),
        };
        // With MMR the fused list is the candidate set, re-scored by the dense vector and
        // diversified (Qdrant's `prefetch` fusion under a `nearest` query with `mmr`).
        let stage = match mmr {
            None => fused,
            Some(m) => Stage {
                prefetch: vec![fused],
                scoring: Scoring::Nearest {
                    vector: near.vector.clone(),
                    using: near.using.clone(),
                    mmr: Some(m),
                },
                filter: None,
                limit: k,
                score_threshold: None,
                params: NearestParams::default(),
            },
        };
        let fused_stage = stage
            .prefetch
            .first()
            .filter(|_| mmr.is_some())
            .unwrap_or(&stage);
        let mut node = PlanNode::new("fused_search")
            .with("collection", collection.name())
            .with("strategy", strategy)
            .with("candidates", candidates)
            .with("k", k)
            .with("offset", offset)
            .child(
                PlanNode::new(
                    if matches!(fused_stage.prefetch[0].scoring, Scoring::Sparse { .. }) {
                        "sparse_search"
                    } else {
                        "vector_search"
                    },
                )
                .with(
                    "vector",
                    near.using.clone().unwrap_or_else(|| "vector".into()),
                ),
            )
            .child(
                PlanNode::new("text_search")
                    .with("field", text.field.as_str())
                    .with("scoring", "bm25"),
            );
        if let Some(m) = mmr {
            node = node
                .with("mmr", f64::from(m.diversity))
                .with("mmr_candidates", m.candidates_limit);
        }
        self.run_stage(s, collection, &lowered.rest, &stage, node, offset, explain)
    }

    /// The MMR of a fused search's `WITH (mmr = d, mmr_candidates = n)`, the only settings it
    /// takes: `n` fused candidates (at least the `k` rows asked for; `k` by default) re-scored by
    /// the dense vector, `k` of them chosen.
    fn fused_mmr(&self, s: &Select, k: usize) -> Result<Option<Mmr>, ExecError> {
        let settings = self.search_settings(&s.with)?;
        if let Some(other) = s.with.iter().find(|w| {
            !matches!(
                w.name.name.to_ascii_lowercase().as_str(),
                "mmr" | "mmr_candidates"
            )
        }) {
            return Err(self.error(
                ErrorCode::InvalidSetting,
                "WITH (...) of a fused search takes mmr and mmr_candidates only",
                other.name.span,
            ));
        }
        let Some(diversity) = settings.mmr else {
            if let Some(first) = s.with.first() {
                return Err(self.error(
                    ErrorCode::InvalidSetting,
                    "mmr_candidates needs mmr",
                    first.name.span,
                ));
            }
            return Ok(None);
        };
        self.check_mmr_rows(s, k)?;
        Ok(Some(Mmr {
            diversity,
            candidates_limit: settings.mmr_candidates.unwrap_or(k).max(k),
        }))
    }

    /// `LIMIT + OFFSET`, checked against [`MAX_ROWS`].
    fn rows_wanted(
        &self,
        s: &Select,
        limit: Option<usize>,
        offset: usize,
        what: &str,
    ) -> Result<usize, ExecError> {
        let k = limit.unwrap_or(DEFAULT_SEARCH_LIMIT).saturating_add(offset);
        if k > MAX_ROWS {
            return Err(self.too_many_rows(s.limit.as_ref().map_or(s.span, |l| l.span), what));
        }
        Ok(k)
    }

    /// The checked sparse query vector of `near` and the sparse vector it searches.
    fn sparse_query(
        &self,
        collection: &Collection,
        near: &NearQuery,
    ) -> Result<(SparseVector, String), ExecError> {
        let Some(using) = near.using.clone() else {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "a sparse search names its sparse vector: write `name NEAR [[index, weight], ...]`",
                near.span,
            ));
        };
        if collection.config().sparse_space_of(&using).is_none() {
            return Err(self.error(
                ErrorCode::InvalidValue,
                format!(
                    "{using:?} is not a sparse vector of this collection (its vectors: {})",
                    collection.config().declared_names()
                ),
                near.span,
            ));
        }
        let Some(pairs) = &near.sparse else {
            return Err(self.error(
                ErrorCode::TypeMismatch,
                format!("{using:?} is a sparse vector: give the query as [[index, weight], ...]"),
                near.span,
            ));
        };
        let (indices, values) = pairs.iter().copied().unzip();
        let vector = SparseVector::new(indices, values)
            .map_err(|e| self.error(ErrorCode::InvalidValue, e.to_string(), near.span))?;
        Ok((vector, using))
    }

    /// `USING FUSION (strategy = 'rrf' | 'dbsf' | 'weighted', k = 60, weights = [0.7, 0.3],
    /// candidates = 200)`: the fusion, each branch's candidates, and the strategy's name.
    fn fusion_settings(
        &self,
        settings: &[Setting],
        rows: usize,
        statement: Span,
    ) -> Result<(Fusion, usize, &'static str), ExecError> {
        let mut strategy: Option<(&'static str, &Setting)> = None;
        let mut k: Option<u32> = None;
        let mut weights: Option<Vec<f32>> = None;
        let mut candidates = None;
        for s in settings {
            let value = super::super::velesql::constant(&s.value, &self.lower_context())?;
            let bad = |message: &str| self.error(ErrorCode::InvalidSetting, message, s.value.span);
            match s.name.name.to_ascii_lowercase().as_str() {
                "strategy" => {
                    let name = match &value {
                        Value::String(v) => match v.to_ascii_lowercase().as_str() {
                            "rrf" => "rrf",
                            "dbsf" => "dbsf",
                            "weighted" => "weighted",
                            _ => return Err(bad("strategy is 'rrf', 'dbsf' or 'weighted'")),
                        },
                        _ => return Err(bad("strategy is 'rrf', 'dbsf' or 'weighted'")),
                    };
                    strategy = Some((name, s));
                }
                "k" => match value {
                    Value::Int(i) if (1..=i64::from(u32::MAX)).contains(&i) => {
                        k = Some(u32::try_from(i).unwrap_or(u32::MAX));
                    }
                    _ => return Err(bad("k (the RRF constant) is a whole number of at least 1")),
                },
                "weights" => {
                    let Value::Array(items) = value else {
                        return Err(bad("weights is a list of two numbers: [vector, text]"));
                    };
                    #[expect(clippy::cast_possible_truncation, reason = "weights are f32")]
                    #[expect(clippy::cast_precision_loss, reason = "weights are f32")]
                    let list: Option<Vec<f32>> = items
                        .iter()
                        .map(|v| match v {
                            Value::Float(x) if x.is_finite() && *x >= 0.0 => Some(*x as f32),
                            Value::Int(i) if *i >= 0 => Some(*i as f32),
                            _ => None,
                        })
                        .collect();
                    match list {
                        Some(list) if list.len() == 2 => weights = Some(list),
                        _ => {
                            return Err(bad(
                                "weights is a list of two non-negative numbers: [vector, text]",
                            ));
                        }
                    }
                }
                "candidates" => match value {
                    Value::Int(i)
                        if i >= 1 && usize::try_from(i).is_ok_and(|n| n <= MAX_MMR_CANDIDATES) =>
                    {
                        candidates = usize::try_from(i).ok();
                    }
                    _ => {
                        return Err(bad(&format!(
                            "candidates (per branch) is a whole number from 1 to {MAX_MMR_CANDIDATES}"
                        )));
                    }
                },
                other => {
                    return Err(self.error(
                        ErrorCode::InvalidSetting,
                        format!(
                            "unknown fusion setting {other}: expected strategy, k, weights or \
                             candidates"
                        ),
                        s.name.span,
                    ));
                }
            }
        }
        let (name, fusion) = match strategy.map(|(n, s)| (n, Some(s))).unwrap_or(("rrf", None)) {
            ("rrf", _) => (
                "rrf",
                Fusion::Rrf {
                    k: k.unwrap_or(DEFAULT_RRF_K),
                    weights,
                },
            ),
            ("dbsf", at) | ("weighted", at) if k.is_some() => {
                return Err(self.error(
                    ErrorCode::InvalidSetting,
                    "k is the RRF constant: it applies to strategy = 'rrf' only",
                    at.map_or(statement, |s| s.value.span),
                ));
            }
            ("dbsf", at) => {
                if weights.is_some() {
                    return Err(self.error(
                        ErrorCode::InvalidSetting,
                        "strategy = 'dbsf' takes no weights",
                        at.map_or(statement, |s| s.value.span),
                    ));
                }
                ("dbsf", Fusion::Dbsf)
            }
            (_, at) => match weights {
                Some(weights) => ("weighted", Fusion::Weighted { weights }),
                None => {
                    return Err(self.error(
                        ErrorCode::InvalidSetting,
                        "strategy = 'weighted' needs weights = [vector, text]",
                        at.map_or(statement, |s| s.value.span),
                    ));
                }
            },
        };
        let candidates = candidates.unwrap_or(DEFAULT_FUSION_CANDIDATES.max(rows));
        Ok((fusion, candidates, name))
    }

    /// Runs `stage` on one view of `collection` and makes the `SELECT`'s rows of its hits
    /// (after skipping `offset`), sorted by `ORDER BY`; `filter` is what the plan reports.
    #[expect(
        clippy::too_many_arguments,
        reason = "the parts of one SELECT and its stage"
    )]
    fn run_stage(
        &self,
        s: &Select,
        collection: &Arc<Collection>,
        filter: &Predicate,
        stage: &Stage,
        node: PlanNode,
        offset: usize,
        explain: Option<ExplainMode>,
    ) -> Result<Outcome, ExecError> {
        let columns = self.point_columns(&s.projection, true)?;
        let order = self.order_keys(&s.order_by, true)?;
        if explain == Some(ExplainMode::Plan) {
            return Ok(self.plan_only(node, collection, filter, s));
        }
        self.check_time(s.span)?;
        let mut projection = columns.engine_projection();
        if !order.is_empty() {
            projection.payload = PayloadSelector::All;
        }
        let ranked = collection.read(|view| {
            check_types(view, filter).map_err(|e| self.mismatch(s, &e))?;
            let ranked = multi_stage::run(view, stage).map_err(|e| self.stage_error(s, &e))?;
            Ok::<_, ExecError>(
                ranked
                    .hits
                    .into_iter()
                    .skip(offset)
                    .filter_map(|h| {
                        Some(ScoredPoint {
                            record: view.record(h.slot, &projection)?,
                            score: h.score,
                        })
                    })
                    .collect::<Vec<_>>(),
            )
        });
        let mut hits = ranked?;
        sort_hits(&mut hits, &order);
        let rows: Vec<Vec<Value>> = hits
            .iter()
            .map(|h| columns.row(&h.record, Some(h.score)))
            .collect();
        let mut outcome = Outcome::table(columns.names, rows);
        if explain == Some(ExplainMode::Analyze) {
            let filter = self.filter_plan(collection, filter, s.filter.as_ref());
            outcome.plan = Some(node.with("rows", outcome.rows.len()).child(filter));
        }
        Ok(outcome)
    }

    fn stage_error(&self, s: &Select, e: &MultiStageError) -> ExecError {
        let span = s.filter.as_ref().map_or(s.span, |f| f.span);
        let code = match e {
            MultiStageError::Vector(_) | MultiStageError::VectorName(_) => ErrorCode::InvalidValue,
            MultiStageError::Type(_) => ErrorCode::TypeMismatch,
            MultiStageError::Fusion(_) => ErrorCode::InvalidSetting,
            MultiStageError::NothingToFuse | MultiStageError::Text(_) => {
                ErrorCode::InvalidCondition
            }
        };
        self.error(code, e.to_string(), span)
    }
}
