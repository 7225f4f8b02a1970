//! Schema statements: `CREATE/DROP COLLECTION`, `CREATE/DROP INDEX`, `SHOW COLLECTIONS`,
//! `DESCRIBE`, through the same engine calls the REST routes make; and `EXPLAIN`.

use super::super::velesql::ErrorCode;
use super::super::velesql::ast::{CreateCollection, FieldRef, Ident, Setting, Statement};
use super::outcome::{Outcome, PlanNode};
use super::search::ExplainMode;
use super::{ExecError, Runner};
use crate::columns::index::IndexSchema;
use crate::columns::{FieldPath, Value, parse_datetime};
use crate::engine::manifest::{durability_name, metric_name};
use crate::engine::{AckAt, Collection, CollectionState};

/// Points read to infer an index type when `CREATE INDEX` gives none.
const INFER_SAMPLE: usize = 10_000;

impl Runner<'_, '_> {
    pub(super) fn create_collection(&self, c: &CreateCollection) -> Result<Outcome, ExecError> {
        let config = self.collection_config(&c.settings, &c.with, c.span)?;
        self.request
            .engine
            .create(&c.collection.name, config)
            .map_err(|e| self.engine_error(e, c.collection.span))?;
        Ok(Outcome::default())
    }

    pub(super) fn drop_collection(
        &self,
        collection: &Ident,
        if_exists: bool,
    ) -> Result<Outcome, ExecError> {
        let existed = self
            .request
            .engine
            .delete(&collection.name)
            .map_err(|e| self.engine_error(e, collection.span))?;
        if !existed && !if_exists {
            return Err(self.error(
                ErrorCode::NotFound,
                format!("collection `{}` does not exist", collection.name),
                collection.span,
            ));
        }
        Ok(Outcome::default())
    }

    pub(super) fn create_index(
        &self,
        collection: &Ident,
        field: &FieldRef,
        kind: Option<&Ident>,
        with: &[Setting],
    ) -> Result<Outcome, ExecError> {
        let c = self.collection(&collection.name, collection.span)?;
        let path = self.field_path(field)?;
        if kind.is_some_and(|k| k.name.eq_ignore_ascii_case("text")) {
            // Qdrant's defaults (word tokenizer, lowercase) for whatever `WITH` leaves out.
            let settings = self.text_index_settings(with)?;
            let ticket = c
                .create_text_index(path, settings, AckAt::Applied)
                .map_err(|e| self.engine_error(e, field.span))?;
            ticket
                .wait_blocking()
                .map_err(|e| self.engine_error(e, field.span))?;
            return Ok(Outcome::table(
                vec!["field".into(), "type".into()],
                vec![vec![Value::from(field.to_string()), Value::from("text")]],
            ));
        }
        if let Some(first) = with.first() {
            return Err(self.error(
                ErrorCode::InvalidSetting,
                "WITH (...) applies to text indexes only (TYPE text)",
                first.name.span,
            ));
        }
        let schema = match kind {
            Some(kind) => {
                IndexSchema::from_name(&kind.name.to_ascii_lowercase()).ok_or_else(|| {
                    self.error(
                        ErrorCode::InvalidSetting,
                        format!(
                            "unknown index type {}: keyword, integer, float, bool, datetime, uuid \
                         or text",
                            kind.name
                        ),
                        kind.span,
                    )
                })?
            }
            None => infer_schema(&c, &path).ok_or_else(|| {
                self.error(
                    ErrorCode::InvalidSetting,
                    format!(
                        "no point holds a value in {}: say which index with TYPE keyword, \
                         integer, float, bool, datetime or uuid",
                        path.as_str()
                    ),
                    field.span,
                )
            })?,
        };
        let ticket = c
            .create_field_index(path, schema, AckAt::Applied)
            .map_err(|e| self.engine_error(e, field.span))?;
        ticket
            .wait_blocking()
            .map_err(|e| self.engine_error(e, field.span))?;
        Ok(Outcome::table(
            vec!["field".into(), "type".into()],
            vec![vec![
                Value::from(field.to_string()),
                Value::from(schema.name()),
            ]],
        ))
    }

    pub(super) fn drop_index(
        &self,
        collection: &Ident,
        field: &FieldRef,
    ) -> Result<Outcome, ExecError> {
        let c = self.collection(&collection.name, collection.span)?;
        let path = self.field_path(field)?;
        if !c.payload_schema().iter().any(|i| i.path == path) {
            return Err(self.error(
                ErrorCode::NotFound,
                format!("{} has no index on {}", collection.name, path.as_str()),
                field.span,
            ));
        }
        let ticket = c
            .drop_field_index(path, AckAt::Applied)
            .map_err(|e| self.engine_error(e, field.span))?;
        ticket
            .wait_blocking()
            .map_err(|e| self.engine_error(e, field.span))?;
        Ok(Outcome::default())
    }

    pub(super) fn show_collections(&self) -> Outcome {
        let mut states = self.request.engine.states();
        states.sort_by(|a, b| a.0.cmp(&b.0));
        let rows = states
            .into_iter()
            .map(|(name, state)| match state {
                CollectionState::Ready(c) => {
                    vec![
                        Value::from(name),
                        Value::from(c.len()),
                        Value::from("ready"),
                    ]
                }
                CollectionState::Recovering => {
                    vec![Value::from(name), Value::Null, Value::from("recovering")]
                }
                CollectionState::Failed(why) => vec![
                    Value::from(name),
                    Value::Null,
                    Value::from(format!("failed: {why}")),
                ],
            })
            .collect();
        Outcome::table(vec!["name".into(), "points".into(), "status".into()], rows)
    }

    pub(super) fn describe(&self, collection: &Ident) -> Result<Outcome, ExecError> {
        let c = self.collection(&collection.name, collection.span)?;
        let config = c.config();
        let mut rows: Vec<Vec<Value>> = vec![
            vec!["name".into(), Value::from(c.name())],
            vec!["points".into(), Value::from(c.len())],
            vec![
                "durability".into(),
                Value::from(durability_name(config.durability)),
            ],
        ];
        if config.layout == crate::engine::VectorLayout::Named {
            rows.push(vec!["vectors".into(), Value::from(config.declared_names())]);
        }
        for v in &config.vectors {
            // The unnamed vector's rows keep their plain names; a named vector's are prefixed.
            let key = |what: &str| {
                if v.name.is_empty() {
                    what.to_owned()
                } else {
                    format!("{}.{what}", v.name)
                }
            };
            let p = &v.params;
            rows.extend([
                vec![key("dimension").into(), Value::from(p.dimension)],
                vec![key("metric").into(), Value::from(metric_name(p.metric))],
                vec![key("m").into(), Value::from(p.hnsw.m)],
                vec![
                    key("ef_construction").into(),
                    Value::from(p.hnsw.ef_construction),
                ],
                vec![
                    key("full_scan_threshold").into(),
                    Value::from(p.hnsw.full_scan_threshold),
                ],
                vec![
                    key("quantization").into(),
                    Value::from(match p.quantization.map(|q| q.method) {
                        None => "none",
                        Some(crate::vector::quantize::QuantizationMethod::Scalar { .. }) => "sq8",
                        Some(crate::vector::quantize::QuantizationMethod::Product { .. }) => "pq",
                    }),
                ],
            ]);
        }
        for index in c.payload_schema() {
            rows.push(vec![
                Value::from(format!("index {}", index.path.as_str())),
                Value::from(format!("{} ({} points)", index.schema.name(), index.points)),
            ]);
        }
        Ok(Outcome::table(
            vec!["property".into(), "value".into()],
            rows,
        ))
    }

    /// `EXPLAIN [ANALYZE]`: the plan of a `SELECT` (run with `ANALYZE`), or of a write's
    /// selection (writes are never run by `EXPLAIN`).
    pub(super) fn explain(
        &self,
        statement: &Statement,
        analyze: bool,
    ) -> Result<Outcome, ExecError> {
        let mode = if analyze {
            ExplainMode::Analyze
        } else {
            ExplainMode::Plan
        };
        let (kind, collection, filter) = match statement {
            Statement::Select(select) => return self.select(select, Some(mode)),
            Statement::Match(m) => return self.match_query(m, Some(mode)),
            Statement::Update(u) => ("update", &u.collection, u.filter.as_ref()),
            Statement::Delete(d) => ("delete", &d.collection, Some(&d.filter)),
            _ => {
                return Err(self.error(
                    ErrorCode::Unsupported,
                    "EXPLAIN applies to SELECT, MATCH, UPDATE and DELETE",
                    super::span_of(statement),
                ));
            }
        };
        if analyze {
            return Err(self.error(
                ErrorCode::Unsupported,
                "EXPLAIN ANALYZE would run the write: use EXPLAIN to see its plan",
                super::span_of(statement),
            ));
        }
        let c = self.collection(&collection.name, collection.span)?;
        let predicate = match filter {
            Some(f) => self.write_filter(f)?,
            None => super::super::Predicate::All,
        };
        let plan = PlanNode::new(kind)
            .with("collection", c.name())
            .child(self.filter_plan(&c, &predicate, filter));
        Ok(Outcome {
            plan: Some(plan),
            ..Outcome::default()
        })
    }
}

/// The index type the first values of `path` suggest: a string that reads as a datetime or a
/// UUID gets that index, other strings `keyword`; integers `integer`; other numbers `float`.
fn infer_schema(c: &Collection, path: &FieldPath) -> Option<IndexSchema> {
    c.read(|view| {
        for (_, _, payload) in view.points().take(INFER_SAMPLE) {
            let mut found = None;
            path.for_each_value(payload, &mut |v| {
                if found.is_some() {
                    return;
                }
                found = match v {
                    Value::String(s) if parse_datetime(s).is_some() => Some(IndexSchema::Datetime),
                    Value::String(s) if uuid::Uuid::parse_str(s).is_ok() => Some(IndexSchema::Uuid),
                    Value::String(_) => Some(IndexSchema::Keyword),
                    Value::Int(_) => Some(IndexSchema::Integer),
                    Value::UInt(_) | Value::Float(_) => Some(IndexSchema::Float),
                    Value::Bool(_) => Some(IndexSchema::Bool),
                    _ => None,
                };
            });
            if found.is_some() {
                return found;
            }
        }
        None
    })
}
