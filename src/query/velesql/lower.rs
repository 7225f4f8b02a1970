//! [`lower_where`]: a `WHERE` clause to the [`Predicate`] every front end compiles to, plus the
//! vector search it asks for (`vector NEAR $v`) and the similarity floor
//! (`similarity(vector, $v) > 0.8`), which are not filters and come back apart.
//!
//! Parameters are resolved here from the request's [`Params`]; `NOW()` from the instant passed
//! in, so one statement sees one `now`. What each operator means:
//! - `=`, `IN`, `CONTAINS`, `CONTAINS ANY`: some value of the field (each element of an array)
//!   equals one of the values; types never coerce (`'1'` is not `1`).
//! - `!=`, `<>`, `NOT ...`: the negation of the same test, so a point without the field
//!   satisfies `a != 1` (two-valued logic, as Qdrant's `must_not`).
//! - `<`, `<=`, `>`, `>=`, `BETWEEN` (both ends included): numbers against numbers; a string
//!   that is a datetime, `NOW()` and `NOW() - INTERVAL '7 days'` against datetime strings.
//! - `IS NULL`: the field is missing, `null` or an empty array (Qdrant's `is_empty`).
//! - `CONTAINS ALL (...)`: every one of the values is among the field's values.
//! - `LIKE` / `ILIKE`: some string value matches the pattern.
//! - `id = ...`, `id IN (...)`: the point's id (an unsigned integer or a UUID string).

use std::collections::BTreeSet;

use super::ast::Span;
use super::ast::{
    ArithOp, CompareOp, Containment, ExistsMatch, Expr, ExprKind, FieldRef, FieldStep, Literal,
};
use super::error::{ErrorCode, ParseError};
use super::limits::MAX_LIST_ITEMS;
use super::params::{ParamValue, Params};
use crate::columns::{FieldPath, parse_datetime};
use crate::engine::PointId;
use crate::query::{
    Condition, Interval, LikePattern, Literal as Lit, Predicate, TextMatch, TextMatchKind,
};
use crate::text::MAX_QUERY_BYTES;

/// What a `WHERE` clause is lowered against.
#[derive(Clone, Copy)]
pub struct LowerContext<'a> {
    /// The query text (for error positions).
    pub source: &'a str,
    /// The request's parameters.
    pub params: &'a Params,
    /// The instant `NOW()` names, in microseconds since the Unix epoch (UTC).
    pub now_micros: i64,
    /// What `EXISTS (MATCH ...)` lowers to: the executor matches the pattern and answers the
    /// ids of the points it holds for. `None` where `EXISTS` has no meaning (it is refused).
    pub exists: Option<&'a ExistsResolver<'a>>,
}

/// Lowers one `EXISTS (MATCH ...)` written at a span to a predicate.
pub type ExistsResolver<'a> = dyn Fn(&ExistsMatch, Span) -> Result<Predicate, ParseError> + 'a;

impl std::fmt::Debug for LowerContext<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LowerContext")
            .field("params", self.params)
            .field("now_micros", &self.now_micros)
            .field("exists", &self.exists.is_some())
            .finish_non_exhaustive()
    }
}

/// A lowered `WHERE` clause.
#[derive(Debug, Clone, PartialEq)]
pub struct LoweredWhere {
    /// The filter (`Predicate::All` when the clause holds nothing but a search).
    pub predicate: Predicate,
    /// The vector search (`vector NEAR ...`), when asked for.
    pub near: Option<NearQuery>,
    /// The least similarity a result may have, when asked for.
    pub min_similarity: Option<SimilarityFloor>,
    /// The first top-level `field MATCH 'words'`: a statement without `NEAR` ranks by its BM25
    /// score (the `MATCH` stays in `predicate` as a filter too).
    pub text: Option<TextRanking>,
    /// `predicate` without the `MATCH` of `text`: what a fusion of the vector search and the
    /// text ranking filters each of them by.
    pub rest: Predicate,
}

/// A full-text ranking asked for by a top-level `MATCH`.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRanking {
    /// The text-indexed field.
    pub field: FieldPath,
    /// The words.
    pub text: String,
    /// Where the `MATCH` is written.
    pub span: Span,
}

/// The query vector of a search.
#[derive(Debug, Clone, PartialEq)]
pub struct NearQuery {
    /// The dense vector (empty for a sparse query).
    pub vector: Vec<f32>,
    /// A sparse query vector as `(index, weight)` pairs (`name NEAR [[17, 0.5], [4, 1.2]]`),
    /// checked by the executor against the sparse vector rules.
    pub sparse: Option<Vec<(u32, f32)>>,
    /// The named vector searched (`name NEAR ...`); `None` for `vector NEAR ...`, the unnamed
    /// or only dense vector.
    pub using: Option<String>,
    /// Where it is asked for (to report a dimension mismatch).
    pub span: Span,
}

/// `similarity(...) > x` (or `>= x`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SimilarityFloor {
    /// The threshold.
    pub min: f32,
    /// `>=` rather than `>`.
    pub inclusive: bool,
    /// Where it is written.
    pub span: Span,
}

/// Lowers `expr`, a `WHERE` clause.
///
/// # Errors
/// [`ParseError`] with the span of the offending part: `unbound_parameter`, `type_mismatch`,
/// `invalid_condition` (a search under `OR` or `NOT`, a comparison without a field, ...) or
/// `invalid_literal`.
pub fn lower_where(expr: &Expr, ctx: &LowerContext<'_>) -> Result<LoweredWhere, ParseError> {
    let lower = Lowering { ctx };
    let conjuncts: Vec<&Expr> = match &expr.kind {
        ExprKind::And(items) => items.iter().collect(),
        _ => vec![expr],
    };
    let mut near: Option<NearQuery> = None;
    let mut floors = Vec::new();
    let mut filters = Vec::new();
    let mut text: Option<TextRanking> = None;
    let mut text_at: Option<usize> = None;
    for item in conjuncts {
        match &item.kind {
            ExprKind::Near { target, query } => {
                let using = match &target.kind {
                    ExprKind::Vector => None,
                    ExprKind::Field(FieldRef { steps, .. }) => match steps.as_slice() {
                        [FieldStep::Key(name)] => Some(name.clone()),
                        _ => return Err(lower.near_target(target.span)),
                    },
                    _ => return Err(lower.near_target(target.span)),
                };
                if near.is_some() {
                    return Err(lower.error(
                        ErrorCode::InvalidCondition,
                        "a statement holds one NEAR search",
                        item.span,
                    ));
                }
                let (vector, sparse) = match (&using, lower.sparse_pairs(query)?) {
                    (Some(_), Some(pairs)) => (Vec::new(), Some(pairs)),
                    (None, Some(_)) => {
                        return Err(lower.error(
                            ErrorCode::InvalidCondition,
                            "a sparse query vector searches a named sparse vector: write \
                             `name NEAR [[index, weight], ...]`",
                            query.span,
                        ));
                    }
                    (_, None) => (lower.vector(query)?, None),
                };
                near = Some(NearQuery {
                    vector,
                    sparse,
                    using,
                    span: item.span,
                });
            }
            ExprKind::Compare { left, op, right } if lower.is_similarity(left, right) => {
                floors.push((item, left, *op, right));
            }
            ExprKind::TextMatch { .. } => {
                let filter = lower.predicate(item)?;
                if let (None, Predicate::Field(field, Condition::Text(m))) = (&text, &filter) {
                    text = Some(TextRanking {
                        field: field.clone(),
                        text: m.text.clone(),
                        span: item.span,
                    });
                    text_at = Some(filters.len());
                }
                filters.push(filter);
            }
            _ => filters.push(lower.predicate(item)?),
        }
    }
    let mut min_similarity = None;
    for (item, left, op, right) in floors {
        let (sim, op, bound) = if lower.is_similarity_side(left) {
            (left, op, right)
        } else {
            (right, flip(op), left)
        };
        let inclusive = match op {
            CompareOp::Gt => false,
            CompareOp::GtEq => true,
            _ => {
                return Err(lower.error(
                    ErrorCode::InvalidCondition,
                    "a similarity is bounded from below only: write similarity(...) > x or >= x",
                    item.span,
                ));
            }
        };
        let min = lower.float(bound)?;
        if let ExprKind::Similarity(Some(args)) = &sim.kind {
            if !matches!(args.0.kind, ExprKind::Vector) {
                return Err(lower.error(
                    ErrorCode::InvalidCondition,
                    "similarity(...) compares the point's vector: write similarity(vector, ...)",
                    args.0.span,
                ));
            }
            let vector = lower.vector(&args.1)?;
            match &near {
                Some(n) if n.vector != vector => {
                    return Err(lower.error(
                        ErrorCode::InvalidCondition,
                        "similarity(...) must use the same query vector as NEAR",
                        args.1.span,
                    ));
                }
                Some(_) => {}
                None => {
                    near = Some(NearQuery {
                        vector,
                        sparse: None,
                        using: None,
                        span: item.span,
                    });
                }
            }
        } else if near.is_none() {
            return Err(lower.error(
                ErrorCode::InvalidCondition,
                "similarity() and score need a search: add vector NEAR ... or write \
                 similarity(vector, ...)",
                sim.span,
            ));
        }
        if min_similarity.is_some() {
            return Err(lower.error(
                ErrorCode::InvalidCondition,
                "a statement holds one similarity threshold",
                item.span,
            ));
        }
        min_similarity = Some(SimilarityFloor {
            min,
            inclusive,
            span: item.span,
        });
    }
    let conjunction = |mut filters: Vec<Predicate>| match filters.len() {
        0 => Predicate::All,
        1 => filters.pop().unwrap_or(Predicate::All),
        _ => Predicate::And(filters),
    };
    let rest = conjunction(
        filters
            .iter()
            .enumerate()
            .filter(|(i, _)| Some(*i) != text_at)
            .map(|(_, f)| f.clone())
            .collect(),
    );
    Ok(LoweredWhere {
        predicate: conjunction(filters),
        near,
        min_similarity,
        text,
        rest,
    })
}

/// A resolved operand: a constant, an instant, or a list (from a parameter).
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    String(String),
    /// Microseconds since the Unix epoch (`NOW()`, datetime arithmetic).
    Instant(i64),
}

/// What a test is about.
enum Subject {
    Id,
    Field(FieldPath),
}

struct Lowering<'c, 'a> {
    ctx: &'c LowerContext<'a>,
}

const fn flip(op: CompareOp) -> CompareOp {
    match op {
        CompareOp::Lt => CompareOp::Gt,
        CompareOp::LtEq => CompareOp::GtEq,
        CompareOp::Gt => CompareOp::Lt,
        CompareOp::GtEq => CompareOp::LtEq,
        other => other,
    }
}

impl Lowering<'_, '_> {
    fn error(&self, code: ErrorCode, message: impl Into<String>, span: Span) -> ParseError {
        ParseError::new(self.ctx.source, code, message, span)
    }

    fn is_similarity_side(&self, e: &Expr) -> bool {
        matches!(e.kind, ExprKind::Similarity(_) | ExprKind::Score)
    }

    fn is_similarity(&self, left: &Expr, right: &Expr) -> bool {
        self.is_similarity_side(left) || self.is_similarity_side(right)
    }

    fn predicate(&self, e: &Expr) -> Result<Predicate, ParseError> {
        match &e.kind {
            ExprKind::And(items) => Ok(Predicate::And(self.predicates(items)?)),
            ExprKind::Or(items) => Ok(Predicate::Or(self.predicates(items)?)),
            ExprKind::Not(inner) => Ok(Predicate::Not(Box::new(self.predicate(inner)?))),
            ExprKind::Exists(exists) => match self.ctx.exists {
                Some(resolve) => resolve(exists, e.span),
                None => Err(self.error(
                    ErrorCode::InvalidCondition,
                    "EXISTS (MATCH ...) is a condition of a SELECT's WHERE only",
                    e.span,
                )),
            },
            ExprKind::Compare { left, op, right } => self.compare(e, left, *op, right),
            ExprKind::InList {
                expr,
                list,
                negated,
            } => {
                let p = self.any_of(expr, list)?;
                Ok(negate(p, *negated))
            }
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => {
                let path = self.field(expr, "BETWEEN")?;
                let (low, high) = (self.scalar(low)?, self.scalar(high)?);
                let condition = match (self.number(&low), self.number(&high)) {
                    (Some(lo), Some(hi)) => Condition::NumberRange(Interval {
                        lower: Some((lo, true)),
                        upper: Some((hi, true)),
                    }),
                    _ => {
                        let lo = self.instant(&low, e.span)?;
                        let hi = self.instant(&high, e.span)?;
                        Condition::DatetimeRange(Interval {
                            lower: Some((lo, true)),
                            upper: Some((hi, true)),
                        })
                    }
                };
                Ok(negate(Predicate::Field(path, condition), *negated))
            }
            ExprKind::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                let path = self.field(expr, "LIKE")?;
                let Scalar::String(text) = self.scalar(pattern)? else {
                    return Err(self.error(
                        ErrorCode::TypeMismatch,
                        "a LIKE pattern is a string",
                        pattern.span,
                    ));
                };
                let like = LikePattern::new(&text, *case_insensitive).map_err(|why| {
                    self.error(ErrorCode::InvalidLiteral, why.to_string(), pattern.span)
                })?;
                Ok(negate(
                    Predicate::Field(path, Condition::Like(like)),
                    *negated,
                ))
            }
            ExprKind::IsNull { expr, negated } => {
                let path = self.field(expr, "IS NULL")?;
                Ok(negate(Predicate::Field(path, Condition::IsEmpty), *negated))
            }
            ExprKind::Contains { expr, what } => match what {
                Containment::One(v) => {
                    let path = self.field(expr, "CONTAINS")?;
                    let v = self.scalar(v)?;
                    self.equals(path, &v, e.span)
                }
                Containment::Any(list) => self.any_of(expr, list),
                Containment::All(list) => {
                    let path = self.field(expr, "CONTAINS ALL")?;
                    let items = self.scalars(list)?;
                    Ok(Predicate::And(
                        items
                            .iter()
                            .map(|v| self.equals(path.clone(), v, e.span))
                            .collect::<Result<_, _>>()?,
                    ))
                }
            },
            ExprKind::Near { .. } => Err(self.error(
                ErrorCode::InvalidCondition,
                "NEAR must be a top-level AND term of WHERE, not under OR or NOT",
                e.span,
            )),
            ExprKind::TextMatch { expr, query } => {
                let path = self.field(expr, "MATCH")?;
                let Scalar::String(text) = self.scalar(query)? else {
                    return Err(self.error(
                        ErrorCode::TypeMismatch,
                        "MATCH searches for words: give a string",
                        query.span,
                    ));
                };
                if text.trim().is_empty() || text.len() > MAX_QUERY_BYTES {
                    return Err(self.error(
                        ErrorCode::InvalidLiteral,
                        format!("MATCH takes 1 to {MAX_QUERY_BYTES} bytes of words"),
                        query.span,
                    ));
                }
                Ok(Predicate::Field(
                    path,
                    Condition::Text(TextMatch::new(text, TextMatchKind::All)),
                ))
            }
            ExprKind::Literal(Literal::Bool(b)) => Ok(truth(*b)),
            ExprKind::Param(_) => match self.scalar(e)? {
                Scalar::Bool(b) => Ok(truth(b)),
                _ => Err(self.not_a_condition(e)),
            },
            ExprKind::Aggregate { .. } => Err(self.error(
                ErrorCode::InvalidCondition,
                "aggregates are tested in HAVING, not in WHERE",
                e.span,
            )),
            ExprKind::Similarity(_) | ExprKind::Score => Err(self.error(
                ErrorCode::InvalidCondition,
                "a similarity threshold must be a top-level AND term of WHERE, not under OR or \
                 NOT",
                e.span,
            )),
            _ => Err(self.not_a_condition(e)),
        }
    }

    fn not_a_condition(&self, e: &Expr) -> ParseError {
        self.error(
            ErrorCode::InvalidCondition,
            "expected a condition (such as a = 1), found a value",
            e.span,
        )
    }

    fn predicates(&self, items: &[Expr]) -> Result<Vec<Predicate>, ParseError> {
        items.iter().map(|i| self.predicate(i)).collect()
    }

    /// `subject = any of list` (IN and CONTAINS ANY).
    fn any_of(&self, expr: &Expr, list: &[Expr]) -> Result<Predicate, ParseError> {
        let items = self.scalars(list)?;
        match self.subject(expr, "IN")? {
            Subject::Id => {
                let ids = items
                    .iter()
                    .map(|v| self.point_id(v, expr.span))
                    .collect::<Result<BTreeSet<_>, _>>()?;
                Ok(Predicate::HasId(ids))
            }
            Subject::Field(path) => {
                let mut literals = Vec::new();
                let mut others = Vec::new();
                for v in &items {
                    match literal(v) {
                        Some(l) => literals.push(l),
                        None => others.push(self.equals(path.clone(), v, expr.span)?),
                    }
                }
                if others.is_empty() {
                    return Ok(Predicate::Field(path, Condition::AnyOf(literals)));
                }
                if !literals.is_empty() {
                    others.push(Predicate::Field(path, Condition::AnyOf(literals)));
                }
                Ok(Predicate::Or(others))
            }
        }
    }

    fn compare(
        &self,
        e: &Expr,
        left: &Expr,
        op: CompareOp,
        right: &Expr,
    ) -> Result<Predicate, ParseError> {
        let (subject, op, value) = if is_subject(left) {
            (left, op, right)
        } else if is_subject(right) {
            (right, flip(op), left)
        } else {
            return Err(self.error(
                ErrorCode::InvalidCondition,
                "a comparison needs a field (or id) on one side and a value on the other",
                e.span,
            ));
        };
        let v = self.scalar(value)?;
        match self.subject(subject, "a comparison")? {
            Subject::Id => {
                let ids = BTreeSet::from([self.point_id(&v, value.span)?]);
                match op {
                    CompareOp::Eq => Ok(Predicate::HasId(ids)),
                    CompareOp::NotEq => Ok(Predicate::Not(Box::new(Predicate::HasId(ids)))),
                    _ => Err(self.error(
                        ErrorCode::InvalidCondition,
                        "ids are compared with =, != and IN only",
                        e.span,
                    )),
                }
            }
            Subject::Field(path) => match op {
                CompareOp::Eq => self.equals(path, &v, value.span),
                CompareOp::NotEq => Ok(negate(self.equals(path, &v, value.span)?, true)),
                _ => {
                    let bound = |x| match op {
                        CompareOp::Lt => (None, Some((x, false))),
                        CompareOp::LtEq => (None, Some((x, true))),
                        CompareOp::Gt => (Some((x, false)), None),
                        _ => (Some((x, true)), None),
                    };
                    let condition = if let Some(x) = self.number(&v) {
                        let (lower, upper) = bound(x);
                        Condition::NumberRange(Interval { lower, upper })
                    } else {
                        let t = self.instant(&v, value.span)?;
                        let (lower, upper) = match op {
                            CompareOp::Lt => (None, Some((t, false))),
                            CompareOp::LtEq => (None, Some((t, true))),
                            CompareOp::Gt => (Some((t, false)), None),
                            _ => (Some((t, true)), None),
                        };
                        Condition::DatetimeRange(Interval { lower, upper })
                    };
                    Ok(Predicate::Field(path, condition))
                }
            },
        }
    }

    /// `path = v`.
    fn equals(&self, path: FieldPath, v: &Scalar, span: Span) -> Result<Predicate, ParseError> {
        if let Some(l) = literal(v) {
            return Ok(Predicate::Field(path, Condition::Equals(l)));
        }
        let condition = match v {
            Scalar::Float(x) => Condition::NumberRange(Interval {
                lower: Some((*x, true)),
                upper: Some((*x, true)),
            }),
            Scalar::Instant(t) => Condition::DatetimeRange(Interval {
                lower: Some((*t, true)),
                upper: Some((*t, true)),
            }),
            Scalar::Null => {
                return Err(self.error(
                    ErrorCode::TypeMismatch,
                    "nothing equals NULL: write IS NULL",
                    span,
                ));
            }
            _ => {
                return Err(self.error(
                    ErrorCode::TypeMismatch,
                    "integers above 9223372036854775807 can only name point ids",
                    span,
                ));
            }
        };
        Ok(Predicate::Field(path, condition))
    }

    fn subject(&self, e: &Expr, what: &str) -> Result<Subject, ParseError> {
        match &e.kind {
            ExprKind::Id => Ok(Subject::Id),
            ExprKind::Field(f) => Ok(Subject::Field(self.path(f)?)),
            _ => Err(self.error(
                ErrorCode::InvalidCondition,
                format!("{what} tests a field (or id): expected a field name here"),
                e.span,
            )),
        }
    }

    fn field(&self, e: &Expr, what: &str) -> Result<FieldPath, ParseError> {
        match self.subject(e, what)? {
            Subject::Field(p) => Ok(p),
            Subject::Id => Err(self.error(
                ErrorCode::InvalidCondition,
                format!("{what} tests a payload field, not the id"),
                e.span,
            )),
        }
    }

    fn path(&self, field: &FieldRef) -> Result<FieldPath, ParseError> {
        super::constant::field_path(field, self.ctx.source)
    }

    fn scalars(&self, list: &[Expr]) -> Result<Vec<Scalar>, ParseError> {
        let mut out = Vec::new();
        for item in list {
            // A list parameter stands for its items: `id IN ($ids)`.
            if let ExprKind::Param(name) = &item.kind
                && let ParamValue::List(values) = self.param(name, item.span)?
            {
                if out.len() + values.len() > MAX_LIST_ITEMS {
                    return Err(self.error(
                        ErrorCode::ListTooLong,
                        format!(
                            "${name} makes this list longer than {MAX_LIST_ITEMS} items \
                             (a list parameter counts its items)"
                        ),
                        item.span,
                    ));
                }
                for v in values {
                    out.push(self.param_scalar(v, item.span)?);
                }
                continue;
            }
            out.push(self.scalar(item)?);
        }
        Ok(out)
    }

    fn param<'p>(&'p self, name: &str, span: Span) -> Result<&'p ParamValue, ParseError> {
        self.ctx.params.get(name).ok_or_else(|| {
            self.error(
                ErrorCode::UnboundParameter,
                format!("parameter ${name} is not bound: the request's params have no \"{name}\""),
                span,
            )
        })
    }

    fn param_scalar(&self, v: &ParamValue, span: Span) -> Result<Scalar, ParseError> {
        Ok(match v {
            ParamValue::Null => Scalar::Null,
            ParamValue::Bool(b) => Scalar::Bool(*b),
            ParamValue::Int(i) => Scalar::Int(*i),
            ParamValue::UInt(u) => Scalar::UInt(*u),
            ParamValue::Float(x) => Scalar::Float(*x),
            ParamValue::String(s) => Scalar::String(s.clone()),
            ParamValue::List(_) => {
                return Err(self.error(
                    ErrorCode::TypeMismatch,
                    "this parameter is a list where a single value is expected",
                    span,
                ));
            }
        })
    }

    /// The constant `e` stands for.
    fn scalar(&self, e: &Expr) -> Result<Scalar, ParseError> {
        match &e.kind {
            ExprKind::Literal(l) => Ok(match l {
                Literal::Null => Scalar::Null,
                Literal::Bool(b) => Scalar::Bool(*b),
                Literal::Int(i) => Scalar::Int(*i),
                Literal::UInt(u) => Scalar::UInt(*u),
                Literal::Float(x) => Scalar::Float(*x),
                Literal::String(s) => Scalar::String(s.clone()),
            }),
            ExprKind::Param(name) => self.param_scalar(self.param(name, e.span)?, e.span),
            ExprKind::Now => Ok(Scalar::Instant(self.ctx.now_micros)),
            ExprKind::Arithmetic { first, rest } => {
                let start = self.scalar(first)?;
                let mut t = self.instant(&start, first.span)?;
                for (op, term) in rest {
                    let ExprKind::Interval(interval) = &term.kind else {
                        return Err(self.error(
                            ErrorCode::TypeMismatch,
                            "only an INTERVAL can be added to or subtracted from a datetime",
                            term.span,
                        ));
                    };
                    let next = match op {
                        ArithOp::Add => t.checked_add(interval.micros),
                        ArithOp::Sub => t.checked_sub(interval.micros),
                    };
                    t = next.ok_or_else(|| {
                        self.error(
                            ErrorCode::InvalidLiteral,
                            "this datetime is out of range",
                            e.span,
                        )
                    })?;
                }
                Ok(Scalar::Instant(t))
            }
            ExprKind::Interval(_) => Err(self.error(
                ErrorCode::TypeMismatch,
                "an INTERVAL is a length of time: add it to a datetime (NOW() - INTERVAL '7 days')",
                e.span,
            )),
            _ => Err(self.error(
                ErrorCode::TypeMismatch,
                "expected a constant, a $parameter or NOW() here",
                e.span,
            )),
        }
    }

    fn number(&self, v: &Scalar) -> Option<f64> {
        #[expect(
            clippy::cast_precision_loss,
            reason = "ranges compare as f64, as Qdrant's do"
        )]
        match v {
            Scalar::Int(i) => Some(*i as f64),
            Scalar::UInt(u) => Some(*u as f64),
            Scalar::Float(x) => Some(*x),
            _ => None,
        }
    }

    fn float(&self, e: &Expr) -> Result<f32, ParseError> {
        let v = self.scalar(e)?;
        #[expect(
            clippy::cast_possible_truncation,
            reason = "a similarity threshold is an f32 like the scores it bounds"
        )]
        self.number(&v).map(|x| x as f32).ok_or_else(|| {
            self.error(
                ErrorCode::TypeMismatch,
                "a similarity threshold is a number",
                e.span,
            )
        })
    }

    /// The instant `v` names: `NOW()`-based arithmetic or a datetime string.
    fn instant(&self, v: &Scalar, span: Span) -> Result<i64, ParseError> {
        match v {
            Scalar::Instant(t) => Ok(*t),
            Scalar::String(s) => parse_datetime(s).ok_or_else(|| {
                self.error(
                    ErrorCode::TypeMismatch,
                    format!(
                        "'{s}' is neither a number nor a datetime: <, <=, >, >= and BETWEEN \
                         compare numbers or datetimes"
                    ),
                    span,
                )
            }),
            _ => Err(self.error(
                ErrorCode::TypeMismatch,
                "<, <=, >, >= and BETWEEN compare numbers or datetimes",
                span,
            )),
        }
    }

    fn point_id(&self, v: &Scalar, span: Span) -> Result<PointId, ParseError> {
        let bad = || {
            self.error(
                ErrorCode::TypeMismatch,
                "a point id is an unsigned integer or a UUID string",
                span,
            )
        };
        match v {
            Scalar::Int(i) => u64::try_from(*i).map(PointId::Num).map_err(|_| bad()),
            Scalar::UInt(u) => Ok(PointId::Num(*u)),
            Scalar::String(s) => uuid::Uuid::parse_str(s)
                .map(PointId::Uuid)
                .map_err(|_| bad()),
            _ => Err(bad()),
        }
    }

    /// The query vector `e` stands for: a literal `[...]` or a list parameter of numbers.
    fn vector(&self, e: &Expr) -> Result<Vec<f32>, ParseError> {
        let vector: Vec<f32> = match &e.kind {
            ExprKind::Array(items) => items
                .iter()
                .map(|item| {
                    let v = self.scalar(item)?;
                    let x = self
                        .number(&v)
                        .ok_or_else(|| self.not_a_vector(item.span))?;
                    self.component(x, item.span)
                })
                .collect::<Result<_, _>>()?,
            ExprKind::Param(name) => match self.param(name, e.span)? {
                ParamValue::List(items) => items
                    .iter()
                    .map(|item| {
                        #[expect(
                            clippy::cast_precision_loss,
                            reason = "vector components are f32 anyway"
                        )]
                        let x = match item {
                            ParamValue::Float(x) => *x,
                            ParamValue::Int(i) => *i as f64,
                            ParamValue::UInt(u) => *u as f64,
                            _ => return Err(self.not_a_vector(e.span)),
                        };
                        self.component(x, e.span)
                    })
                    .collect::<Result<_, _>>()?,
                _ => return Err(self.not_a_vector(e.span)),
            },
            _ => return Err(self.not_a_vector(e.span)),
        };
        if vector.is_empty() {
            return Err(self.error(ErrorCode::TypeMismatch, "the vector is empty", e.span));
        }
        Ok(vector)
    }

    fn near_target(&self, span: Span) -> ParseError {
        self.error(
            ErrorCode::InvalidCondition,
            "NEAR searches a vector: write `vector NEAR ...` (the unnamed or only vector) or \
             `name NEAR ...` (a named dense or sparse vector)",
            span,
        )
    }

    /// A sparse query vector, when `e` is a list of `[index, weight]` pairs (inline or a
    /// parameter); `None` when it is anything else (a dense vector is read by `vector`).
    fn sparse_pairs(&self, e: &Expr) -> Result<Option<Vec<(u32, f32)>>, ParseError> {
        let bad = |span| {
            self.error(
                ErrorCode::TypeMismatch,
                "a sparse query vector is a list of [index, weight] pairs: a non-negative \
                 integer index and a finite weight",
                span,
            )
        };
        let index = |v: &Scalar, span| match v {
            Scalar::Int(i) => u32::try_from(*i).map_err(|_| bad(span)),
            Scalar::UInt(u) => u32::try_from(*u).map_err(|_| bad(span)),
            _ => Err(bad(span)),
        };
        match &e.kind {
            ExprKind::Array(items)
                if items
                    .first()
                    .is_some_and(|i| matches!(i.kind, ExprKind::Array(_))) =>
            {
                let mut pairs = Vec::with_capacity(items.len());
                for item in items {
                    let ExprKind::Array(pair) = &item.kind else {
                        return Err(bad(item.span));
                    };
                    let [i, w] = pair.as_slice() else {
                        return Err(bad(item.span));
                    };
                    let weight = self.number(&self.scalar(w)?).ok_or_else(|| bad(w.span))?;
                    pairs.push((
                        index(&self.scalar(i)?, i.span)?,
                        self.component(weight, w.span)?,
                    ));
                }
                Ok(Some(pairs))
            }
            ExprKind::Param(name) => match self.param(name, e.span)? {
                ParamValue::List(items)
                    if items
                        .first()
                        .is_some_and(|i| matches!(i, ParamValue::List(_))) =>
                {
                    let mut pairs = Vec::with_capacity(items.len());
                    for item in items {
                        let ParamValue::List(pair) = item else {
                            return Err(bad(e.span));
                        };
                        let [i, w] = pair.as_slice() else {
                            return Err(bad(e.span));
                        };
                        let (i, w) = match (i, w) {
                            (ParamValue::Int(i), w) => (u32::try_from(*i).ok(), w),
                            (ParamValue::UInt(u), w) => (u32::try_from(*u).ok(), w),
                            _ => (None, w),
                        };
                        #[expect(
                            clippy::cast_precision_loss,
                            reason = "sparse weights are f32 anyway"
                        )]
                        let w = match w {
                            ParamValue::Float(x) => Some(*x),
                            ParamValue::Int(i) => Some(*i as f64),
                            ParamValue::UInt(u) => Some(*u as f64),
                            _ => None,
                        };
                        let (Some(i), Some(w)) = (i, w) else {
                            return Err(bad(e.span));
                        };
                        pairs.push((i, self.component(w, e.span)?));
                    }
                    Ok(Some(pairs))
                }
                _ => Ok(None),
            },
            _ => Ok(None),
        }
    }

    /// One vector component, refused when it does not fit in `f32`.
    fn component(&self, x: f64, span: Span) -> Result<f32, ParseError> {
        #[expect(
            clippy::cast_possible_truncation,
            reason = "vectors are f32; an out-of-range value is refused below"
        )]
        let y = x as f32;
        if y.is_finite() {
            Ok(y)
        } else {
            Err(self.error(
                ErrorCode::TypeMismatch,
                "a vector component is out of the f32 range",
                span,
            ))
        }
    }

    fn not_a_vector(&self, span: Span) -> ParseError {
        self.error(
            ErrorCode::TypeMismatch,
            "expected a vector: a list of numbers like [0.1, 0.2] or a $parameter bound to one",
            span,
        )
    }
}

fn is_subject(e: &Expr) -> bool {
    matches!(e.kind, ExprKind::Id | ExprKind::Field(_))
}

/// The equality literal for `v`, when `Condition::Equals` can hold it.
fn literal(v: &Scalar) -> Option<Lit> {
    match v {
        Scalar::Bool(b) => Some(Lit::Bool(*b)),
        Scalar::Int(i) => Some(Lit::Int(*i)),
        Scalar::String(s) => Some(Lit::String(s.clone())),
        _ => None,
    }
}

fn negate(p: Predicate, negated: bool) -> Predicate {
    if negated {
        Predicate::Not(Box::new(p))
    } else {
        p
    }
}

const fn truth(b: bool) -> Predicate {
    if b {
        Predicate::All
    } else {
        Predicate::Or(Vec::new())
    }
}
