//! Qdrant's JSON filter language on the wire, converted to the query layer's [`Predicate`].
//!
//! A `filter` field holds a [`WireFilter`]: the JSON as sent, checked and converted by
//! [`WireFilter::to_predicate`] so that every error names the part of the filter it concerns
//! (`filter.must[1].range.gte: ...`). The types below it ([`Filter`], [`Condition`], ...) describe
//! the accepted shape in the OpenAPI document.
//!
//! Statuses: a filter of the wrong shape or with a value of the wrong type is 400 (as Qdrant's
//! format errors); a filter deeper than [`MAX_FILTER_DEPTH`] or with more than
//! [`MAX_FILTER_CONDITIONS`] conditions is 400 (JSON nested past serde_json's recursion limit is
//! refused by the parser first, also 400, so a nesting bomb never reaches a recursive function);
//! a list longer than its bound is 422, and so is an empty text match or one longer than
//! `bounds::MAX_TEXT_QUERY_BYTES`; a Qdrant condition Plait does not implement (geo,
//! `has_vector`) is 422 naming it. `match: {"text" | "text_any" | "phrase"}` are full-text
//! conditions (see `query::TextMatch`). `null` anywhere stands for an absent field, as Qdrant's
//! clients send it.

use std::collections::BTreeSet;

use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value as Json};
use utoipa::ToSchema;

use super::WirePointId;
use super::bounds::check_len;
use crate::api::error::ApiError;
use crate::columns::{FieldPath, parse_datetime};
use crate::engine::PointId;
use crate::query::{Condition as Cond, Interval, Literal, Predicate, TextMatch, TextMatchKind};

/// Deepest nesting of filters (a filter inside a condition, or a `nested` condition's filter).
pub const MAX_FILTER_DEPTH: usize = 16;
/// Most conditions in one filter, counted over every level.
pub const MAX_FILTER_CONDITIONS: usize = 1_024;
/// Most values in one `match.any` or `match.except` list.
pub const MAX_MATCH_VALUES: usize = 10_000;
/// Most ids in one `has_id` list.
pub const MAX_HAS_ID: usize = 100_000;

/// A filter as sent, converted with [`WireFilter::to_predicate`] (see the module doc).
#[derive(Debug, Clone)]
pub struct WireFilter(Json);

impl<'de> Deserialize<'de> for WireFilter {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Json::deserialize(d).map(Self)
    }
}

impl WireFilter {
    /// The predicate this filter stands for.
    ///
    /// # Errors
    /// 400 for a malformed filter or one past the size bounds, 422 for a list past its bound or
    /// an unsupported condition (see the module doc).
    pub fn to_predicate(&self) -> Result<Predicate, ApiError> {
        Converter { conditions: 0 }.filter(&self.0, "filter", 0)
    }
}

/// The predicate of an optional filter: `None` when absent or when it holds for every point.
///
/// # Errors
/// As [`WireFilter::to_predicate`].
pub fn optional_predicate(filter: Option<&WireFilter>) -> Result<Option<Predicate>, ApiError> {
    Ok(filter
        .map(WireFilter::to_predicate)
        .transpose()?
        .filter(|p| *p != Predicate::All))
}

/// Which points a write applies to: listed ids, or every point a filter matches.
#[derive(Debug)]
pub enum Selection {
    /// These ids (missing ones are skipped).
    Ids(Vec<PointId>),
    /// Every point matching this.
    Filter(Predicate),
}

/// The selection of a write body with `points` and `filter` fields: exactly one of them.
///
/// # Errors
/// 422 when both or neither are given, for too many ids; the filter's own errors.
pub fn selection(
    points: Option<Vec<WirePointId>>,
    filter: Option<&WireFilter>,
    max_ids: usize,
) -> Result<Selection, ApiError> {
    match (points, filter) {
        (Some(ids), None) => {
            check_len("points", ids.len(), max_ids)?;
            Ok(Selection::Ids(ids.into_iter().map(|id| id.0).collect()))
        }
        (None, Some(filter)) => Ok(Selection::Filter(filter.to_predicate()?)),
        (Some(_), Some(_)) => Err(ApiError::unprocessable(
            "give either `points` (a list of ids) or `filter`, not both",
        )),
        (None, None) => Err(ApiError::unprocessable(
            "`points` (a list of ids) or `filter` is required",
        )),
    }
}

struct Converter {
    conditions: usize,
}

fn bad(path: &str, message: impl std::fmt::Display) -> ApiError {
    ApiError::format(format!("{path}: {message}"))
}

fn too_big(message: String) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, message)
}

fn kind(v: &Json) -> &'static str {
    match v {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(n) if n.is_f64() => "a float",
        Json::Number(_) => "an integer",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// The members of an object that are not `null`, refusing any key outside `known`.
fn members<'a>(
    v: &'a Json,
    path: &str,
    what: &str,
    known: &[&str],
) -> Result<Vec<(&'a str, &'a Json)>, ApiError> {
    let Json::Object(map) = v else {
        return Err(bad(path, format!("expected {what}, got {}", kind(v))));
    };
    present(map)
        .map(|(k, v)| {
            if known.contains(&k) {
                Ok((k, v))
            } else {
                Err(bad(
                    path,
                    format!("unknown field `{k}` in {what}, expected one of {known:?}"),
                ))
            }
        })
        .collect()
}

fn present(map: &Map<String, Json>) -> impl Iterator<Item = (&str, &Json)> {
    map.iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| (k.as_str(), v))
}

fn field_path(v: &Json, path: &str) -> Result<FieldPath, ApiError> {
    let Json::String(text) = v else {
        return Err(bad(
            path,
            format!("expected a payload key (a string), got {}", kind(v)),
        ));
    };
    FieldPath::parse(text).map_err(|e| bad(path, e))
}

fn list(v: &Json) -> &[Json] {
    match v {
        Json::Array(items) => items,
        one => std::slice::from_ref(one),
    }
}

impl Converter {
    fn filter(&mut self, v: &Json, path: &str, depth: usize) -> Result<Predicate, ApiError> {
        if depth >= MAX_FILTER_DEPTH {
            return Err(too_big(format!(
                "{path}: filters are nested deeper than {MAX_FILTER_DEPTH} levels"
            )));
        }
        let mut parts = Vec::new();
        for (key, value) in members(
            v,
            path,
            "a filter",
            &["must", "should", "must_not", "min_should"],
        )? {
            let here = format!("{path}.{key}");
            match key {
                "must" => parts.push(Predicate::And(self.conditions(value, &here, depth)?)),
                "should" => parts.push(Predicate::Or(self.conditions(value, &here, depth)?)),
                "must_not" => parts.push(Predicate::Not(Box::new(Predicate::Or(
                    self.conditions(value, &here, depth)?,
                )))),
                _ => parts.push(self.min_should(value, &here, depth)?),
            }
        }
        Ok(match parts.len() {
            0 => Predicate::All,
            1 => parts.pop().unwrap_or(Predicate::All),
            _ => Predicate::And(parts),
        })
    }

    /// A list of conditions, or one condition standing for a list of one (Qdrant accepts both).
    fn conditions(
        &mut self,
        v: &Json,
        path: &str,
        depth: usize,
    ) -> Result<Vec<Predicate>, ApiError> {
        let items = list(v);
        let single = !v.is_array();
        items
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let here = if single {
                    path.to_owned()
                } else {
                    format!("{path}[{i}]")
                };
                self.condition(c, &here, depth)
            })
            .collect()
    }

    fn min_should(&mut self, v: &Json, path: &str, depth: usize) -> Result<Predicate, ApiError> {
        let fields = members(v, path, "a min_should", &["conditions", "min_count"])?;
        let mut of = None;
        let mut min = None;
        for (key, value) in fields {
            let here = format!("{path}.{key}");
            if key == "conditions" {
                of = Some(self.conditions(value, &here, depth)?);
            } else {
                min = Some(
                    value
                        .as_u64()
                        .and_then(|n| usize::try_from(n).ok())
                        .ok_or_else(|| {
                            bad(
                                &here,
                                format!("expected a non-negative integer, got {}", kind(value)),
                            )
                        })?,
                );
            }
        }
        let of = of.ok_or_else(|| bad(path, "missing field `conditions`"))?;
        let min = min.ok_or_else(|| bad(path, "missing field `min_count`"))?;
        Ok(Predicate::AtLeast { min, of })
    }

    fn condition(&mut self, v: &Json, path: &str, depth: usize) -> Result<Predicate, ApiError> {
        self.conditions += 1;
        if self.conditions > MAX_FILTER_CONDITIONS {
            return Err(too_big(format!(
                "{path}: a filter holds at most {MAX_FILTER_CONDITIONS} conditions"
            )));
        }
        let Json::Object(map) = v else {
            return Err(bad(
                path,
                format!("expected a condition (an object), got {}", kind(v)),
            ));
        };
        let has = |k: &str| map.get(k).is_some_and(|v| !v.is_null());
        if has("key") {
            return self.field(v, path);
        }
        if has("has_vector") {
            return Err(ApiError::unsupported(
                &format!("{path}.has_vector"),
                "named vectors (so no `has_vector` condition)",
            ));
        }
        if has("is_empty") || has("is_null") {
            let which = if has("is_empty") {
                "is_empty"
            } else {
                "is_null"
            };
            let fields = members(v, path, "an is_empty or is_null condition", &[which])?;
            let here = format!("{path}.{which}");
            let inner = fields.first().map_or(&Json::Null, |(_, v)| *v);
            let key = members(inner, &here, "{\"key\": ...}", &["key"])?;
            let (_, key) = key
                .first()
                .ok_or_else(|| bad(&here, "missing field `key`"))?;
            let key = field_path(key, &format!("{here}.key"))?;
            let condition = if which == "is_empty" {
                Cond::IsEmpty
            } else {
                Cond::IsNull
            };
            return Ok(Predicate::Field(key, condition));
        }
        if has("has_id") {
            let fields = members(v, path, "a has_id condition", &["has_id"])?;
            let here = format!("{path}.has_id");
            let ids = fields.first().map_or(&Json::Null, |(_, v)| *v);
            let Json::Array(ids) = ids else {
                return Err(bad(
                    &here,
                    format!("expected a list of point ids, got {}", kind(ids)),
                ));
            };
            check_len(&here, ids.len(), MAX_HAS_ID)?;
            let ids = ids
                .iter()
                .enumerate()
                .map(|(i, id)| {
                    WirePointId::deserialize(id)
                        .map(|id| id.0)
                        .map_err(|e| bad(&format!("{here}[{i}]"), e))
                })
                .collect::<Result<BTreeSet<_>, _>>()?;
            return Ok(Predicate::HasId(ids));
        }
        if has("nested") {
            let fields = members(v, path, "a nested condition", &["nested"])?;
            let here = format!("{path}.nested");
            let inner = fields.first().map_or(&Json::Null, |(_, v)| *v);
            let mut key = None;
            let mut filter = None;
            for (k, value) in members(
                inner,
                &here,
                "{\"key\": ..., \"filter\": ...}",
                &["key", "filter"],
            )? {
                let at = format!("{here}.{k}");
                if k == "key" {
                    key = Some(field_path(value, &at)?);
                } else {
                    filter = Some(self.filter(value, &at, depth + 1)?);
                }
            }
            let path_key = key.ok_or_else(|| bad(&here, "missing field `key`"))?;
            let inner = filter.ok_or_else(|| bad(&here, "missing field `filter`"))?;
            return Ok(Predicate::Nested {
                path: path_key,
                inner: Box::new(inner),
            });
        }
        // Anything else is a filter inside the filter (an empty object is the empty filter).
        self.filter(v, path, depth + 1)
    }

    fn field(&mut self, v: &Json, path: &str) -> Result<Predicate, ApiError> {
        let fields = members(
            v,
            path,
            "a field condition",
            &[
                "key",
                "match",
                "range",
                "values_count",
                "geo_radius",
                "geo_bounding_box",
                "geo_polygon",
                "is_empty",
                "is_null",
            ],
        )?;
        let mut key = None;
        let mut conditions = Vec::new();
        for (name, value) in fields {
            let here = format!("{path}.{name}");
            match name {
                "key" => key = Some(field_path(value, &here)?),
                "match" => conditions.push(match_condition(value, &here)?),
                "range" => conditions.push(range(value, &here)?),
                "values_count" => conditions.push(Cond::ValuesCount(values_count(value, &here)?)),
                "geo_radius" | "geo_bounding_box" | "geo_polygon" => {
                    return Err(ApiError::unsupported(&here, "geo filters"));
                }
                _ => {
                    return Err(ApiError::unsupported(
                        &here,
                        "`is_empty`/`is_null` inside a field condition; use the \
                         `{\"is_empty\": {\"key\": ...}}` or `{\"is_null\": {\"key\": ...}}` \
                         condition",
                    ));
                }
            }
        }
        let key = key.ok_or_else(|| bad(path, "missing field `key`"))?;
        match conditions.len() {
            1 => Ok(Predicate::Field(key, conditions.remove(0))),
            0 => Err(bad(
                path,
                "a field condition needs one of `match`, `range` or `values_count`",
            )),
            _ => Err(bad(
                path,
                "give one of `match`, `range` or `values_count` per field condition",
            )),
        }
    }
}

fn literal(v: &Json, path: &str) -> Result<Literal, ApiError> {
    match v {
        Json::String(s) => Ok(Literal::String(s.clone())),
        Json::Bool(b) => Ok(Literal::Bool(*b)),
        Json::Number(n) => n.as_i64().map(Literal::Int).ok_or_else(|| {
            bad(
                path,
                format!("{n} is not a 64-bit integer; `match` compares strings, integers and booleans (use `range` for other numbers)"),
            )
        }),
        other => Err(bad(
            path,
            format!(
                "expected a string, an integer or a boolean, got {}",
                kind(other)
            ),
        )),
    }
}

fn match_condition(v: &Json, path: &str) -> Result<Cond, ApiError> {
    let fields = members(
        v,
        path,
        "a match",
        &["value", "any", "except", "text", "text_any", "phrase"],
    )?;
    let [(name, value)] = fields.as_slice() else {
        return Err(bad(
            path,
            "a match needs exactly one of `value`, `any` or `except`",
        ));
    };
    let here = format!("{path}.{name}");
    match *name {
        "value" => Ok(Cond::Equals(literal(value, &here)?)),
        "any" => Ok(Cond::AnyOf(literal_list(value, &here)?)),
        "except" => Ok(Cond::NoneOf(literal_list(value, &here)?)),
        kind => {
            let Json::String(text) = value else {
                return Err(bad(&here, "expected a string"));
            };
            super::bounds::check_text_query(&here, text)?;
            let kind = match kind {
                "text" => TextMatchKind::All,
                "text_any" => TextMatchKind::Any,
                _ => TextMatchKind::Phrase,
            };
            Ok(Cond::Text(TextMatch::new(text.clone(), kind)))
        }
    }
}

/// A list of strings or of integers (Qdrant's `any`/`except` take one type per list).
fn literal_list(v: &Json, path: &str) -> Result<Vec<Literal>, ApiError> {
    let Json::Array(items) = v else {
        return Err(bad(
            path,
            format!("expected a list of strings or of integers, got {}", kind(v)),
        ));
    };
    check_len(path, items.len(), MAX_MATCH_VALUES)?;
    let literals = items
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Json::String(_) | Json::Number(_) => literal(item, &format!("{path}[{i}]")),
            other => Err(bad(
                &format!("{path}[{i}]"),
                format!("expected a string or an integer, got {}", kind(other)),
            )),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let strings = literals
        .iter()
        .filter(|l| matches!(l, Literal::String(_)))
        .count();
    if strings != 0 && strings != literals.len() {
        return Err(bad(
            path,
            "a list holds either strings or integers, not both",
        ));
    }
    Ok(literals)
}

/// Qdrant's `range`: numbers, or RFC 3339 datetimes when the bounds are strings.
fn range(v: &Json, path: &str) -> Result<Cond, ApiError> {
    let bounds = members(v, path, "a range", &["lt", "gt", "gte", "lte"])?;
    let strings = bounds.iter().filter(|(_, b)| b.is_string()).count();
    if strings == 0 {
        let mut numbers = Vec::with_capacity(bounds.len());
        for (name, bound) in &bounds {
            let n = bound.as_f64().ok_or_else(|| {
                bad(
                    &format!("{path}.{name}"),
                    format!(
                        "expected a number (or an RFC 3339 datetime string), got {}",
                        kind(bound)
                    ),
                )
            })?;
            numbers.push((*name, n));
        }
        return Ok(Cond::NumberRange(interval(&numbers)));
    }
    if strings != bounds.len() {
        return Err(bad(
            path,
            "range bounds are either all numbers or all datetime strings",
        ));
    }
    let mut instants = Vec::with_capacity(bounds.len());
    for (name, bound) in &bounds {
        let text = bound.as_str().unwrap_or_default();
        let t = parse_datetime(text).ok_or_else(|| {
            bad(
                &format!("{path}.{name}"),
                format!("{text:?} is not a number or an RFC 3339 datetime"),
            )
        })?;
        instants.push((*name, t));
    }
    Ok(Cond::DatetimeRange(interval(&instants)))
}

fn values_count(v: &Json, path: &str) -> Result<Interval<u64>, ApiError> {
    let bounds = members(v, path, "a values_count", &["lt", "gt", "gte", "lte"])?;
    let mut counts = Vec::with_capacity(bounds.len());
    for (name, bound) in bounds {
        let n = bound.as_u64().ok_or_else(|| {
            bad(
                &format!("{path}.{name}"),
                format!("expected a non-negative integer, got {}", kind(bound)),
            )
        })?;
        counts.push((name, n));
    }
    Ok(interval(&counts))
}

/// The interval of Qdrant's `gt`/`gte`/`lt`/`lte` bounds; when both ends of one side are given,
/// both must hold, so the tighter one is kept.
fn interval<T: PartialOrd + Copy>(bounds: &[(&str, T)]) -> Interval<T> {
    let mut out = Interval {
        lower: None,
        upper: None,
    };
    for &(name, x) in bounds {
        match name {
            "gt" | "gte" => {
                let candidate = (x, name == "gte");
                out.lower = Some(match out.lower {
                    Some(old) if old.0 > x || (old.0 == x && !old.1) => old,
                    _ => candidate,
                });
            }
            _ => {
                let candidate = (x, name == "lte");
                out.upper = Some(match out.upper {
                    Some(old) if old.0 < x || (old.0 == x && !old.1) => old,
                    _ => candidate,
                });
            }
        }
    }
    out
}

// ---- The accepted shapes, for the OpenAPI document (see the module doc). ----

/// A filter: every `must` condition holds, at least one `should` condition holds (when given),
/// no `must_not` condition holds, and at least `min_should.min_count` of its conditions hold.
/// Each list may also be given as one condition. Nested at most 16 deep, 1024 conditions in all.
#[derive(Debug, Serialize, ToSchema)]
pub struct Filter {
    /// Every one of these holds.
    pub must: Option<Vec<Condition>>,
    /// At least one of these holds (an empty list: none does).
    pub should: Option<Vec<Condition>>,
    /// None of these holds.
    pub must_not: Option<Vec<Condition>>,
    /// At least `min_count` of `conditions` hold.
    pub min_should: Option<MinShould>,
}

/// At least `min_count` of `conditions` hold.
#[derive(Debug, Serialize, ToSchema)]
pub struct MinShould {
    /// The candidates.
    pub conditions: Vec<Condition>,
    /// How many must hold.
    pub min_count: u64,
}

/// One condition.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Condition {
    /// A condition on one payload field.
    Field(FieldCondition),
    /// The field is missing, `null` or `[]`.
    IsEmpty(IsEmptyCondition),
    /// The field is `null`.
    IsNull(IsNullCondition),
    /// The point's id is one of these.
    HasId(HasIdCondition),
    /// Some element of an array of objects satisfies a filter.
    Nested(NestedCondition),
    /// A filter inside the filter.
    #[schema(no_recursion)]
    Filter(Filter),
}

/// A condition on the values of the field at `key` (dotted paths, `a[]` and `a[0]` reach nested
/// values; an array's elements each count). Exactly one of `match`, `range`, `values_count`.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldCondition {
    /// The payload key.
    pub key: String,
    /// Equality: `{"value": v}`, `{"any": [...]}` or `{"except": [...]}`.
    #[serde(rename = "match")]
    pub r#match: Option<Match>,
    /// Numbers (or RFC 3339 datetimes when the bounds are strings) inside a range.
    pub range: Option<Range>,
    /// The number of values inside a range.
    pub values_count: Option<ValuesCount>,
}

/// A `match`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum Match {
    /// Some value equals this.
    Value(MatchValue),
    /// Some value is one of these.
    Any(MatchAny),
    /// Some value is not `null` and none of these.
    Except(MatchExcept),
    /// The field's text holds every word.
    Text(MatchText),
    /// The field's text holds at least one word.
    TextAny(MatchTextAny),
    /// The field's text holds the words adjacent and in order.
    Phrase(MatchPhrase),
}

/// `{"text": "words"}`: every word (after the field's text analyzer, or the default one
/// without a text index) is in the field's text. 1 to 4096 bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchText {
    /// The words.
    #[schema(min_length = 1, max_length = 4096)]
    pub text: String,
}

/// `{"text_any": "words"}`: at least one word is in the field's text. 1 to 4096 bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchTextAny {
    /// The words.
    #[schema(min_length = 1, max_length = 4096)]
    pub text_any: String,
}

/// `{"phrase": "words"}`: the words are in the field's text, adjacent and in order (never across
/// two elements of an array). 1 to 4096 bytes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchPhrase {
    /// The words.
    #[schema(min_length = 1, max_length = 4096)]
    pub phrase: String,
}

/// `{"value": v}`: a string, an integer or a boolean.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchValue {
    /// The value.
    pub value: MatchLiteral,
}

/// A value compared for equality.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum MatchLiteral {
    /// A string.
    String(String),
    /// An integer.
    Integer(i64),
    /// A boolean.
    Bool(bool),
}

/// `{"any": [...]}`: strings or integers, at most 10000.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchAny {
    /// The values.
    #[schema(max_items = 10_000)]
    pub any: Vec<MatchLiteral>,
}

/// `{"except": [...]}`: strings or integers, at most 10000.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatchExcept {
    /// The values.
    #[schema(max_items = 10_000)]
    pub except: Vec<MatchLiteral>,
}

/// Range bounds: all numbers, or all RFC 3339 datetime strings.
#[derive(Debug, Serialize, ToSchema)]
pub struct Range {
    /// Below this.
    pub lt: Option<RangeBound>,
    /// Above this.
    pub gt: Option<RangeBound>,
    /// At least this.
    pub gte: Option<RangeBound>,
    /// At most this.
    pub lte: Option<RangeBound>,
}

/// A number or an RFC 3339 datetime.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum RangeBound {
    /// A number.
    Number(f64),
    /// A datetime.
    Datetime(String),
}

/// Bounds on the number of values (array length; 1 for a scalar, 0 for `null` or missing).
#[derive(Debug, Serialize, ToSchema)]
pub struct ValuesCount {
    /// Fewer than this.
    pub lt: Option<u64>,
    /// More than this.
    pub gt: Option<u64>,
    /// At least this.
    pub gte: Option<u64>,
    /// At most this.
    pub lte: Option<u64>,
}

/// `{"key": ...}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct PayloadField {
    /// The payload key.
    pub key: String,
}

/// `{"is_empty": {"key": ...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IsEmptyCondition {
    /// The field.
    pub is_empty: PayloadField,
}

/// `{"is_null": {"key": ...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct IsNullCondition {
    /// The field.
    pub is_null: PayloadField,
}

/// `{"has_id": [...]}`: at most 100000 ids.
#[derive(Debug, Serialize, ToSchema)]
pub struct HasIdCondition {
    /// The ids.
    #[schema(max_items = 100_000)]
    pub has_id: Vec<WirePointId>,
}

/// `{"nested": {"key": ..., "filter": ...}}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct NestedCondition {
    /// The array and the filter one element must satisfy.
    pub nested: Nested,
}

/// An array of objects and a filter on one element (its paths relative to the element).
#[derive(Debug, Serialize, ToSchema)]
pub struct Nested {
    /// The array's key.
    pub key: String,
    /// The filter one element satisfies.
    #[schema(no_recursion)]
    pub filter: Filter,
}

#[cfg(test)]
#[path = "filter_tests.rs"]
mod tests;
