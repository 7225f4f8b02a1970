//! Building the syntax tree from pest's pairs. The grammar has already accepted the text, so
//! what is checked here is what a grammar cannot say well: literal values (integer range, finite
//! numbers, intervals), list lengths, a `DELETE` without `WHERE`, the reserved `MATCH`.
//!
//! The pairs nest as deep as the query, which the pre-scan has bounded, so recursion is safe.

use pest::iterators::Pair;

use super::ast::{
    AggregateFn, ArithOp, Assignment, Column, CompareOp, Containment, CreateCollection, Delete,
    Direction, ExistsMatch, Expr, ExprKind, FieldRef, FieldStep, Ident, Insert, Literal,
    MatchQuery, NodePattern, OrderKey, PathPattern, RelDirection, RelPattern, Row, Select,
    SelectItem, Setting, Span, Statement, Update,
};
use super::error::{ErrorCode, ParseError};
use super::interval::parse_interval;
use super::limits::{
    MAX_LIST_ITEMS, MAX_PATTERN_LABELS, MAX_PATTERN_PARTS, MAX_PATTERN_RELATIONSHIPS,
};
use super::parse::Rule;
use crate::engine::collection::MAX_LABEL_BYTES;
use crate::query::graph::MAX_DEPTH;

type Result<T> = std::result::Result<T, ParseError>;

/// Builds trees over one query text (for error positions).
pub(super) struct Builder<'t> {
    text: &'t str,
}

fn span_of(pair: &Pair<'_, Rule>) -> Span {
    let s = pair.as_span();
    Span::new(s.start(), s.end())
}

/// The children of `pair` that carry meaning: keyword tokens are dropped (where a keyword
/// matters, the caller looks for it before filtering).
fn parts<'i>(pair: Pair<'i, Rule>) -> impl Iterator<Item = Pair<'i, Rule>> {
    pair.into_inner().filter(|p| !is_keyword(p.as_rule()))
}

fn has(pair: &Pair<'_, Rule>, rule: Rule) -> bool {
    pair.clone().into_inner().any(|p| p.as_rule() == rule)
}

fn is_keyword(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::lparen
            | Rule::rparen
            | Rule::rbracket
            | Rule::equals
            | Rule::ALL
            | Rule::ANALYZE
            | Rule::AND
            | Rule::ANY_
            | Rule::AS
            | Rule::ASC
            | Rule::BETWEEN
            | Rule::BY
            | Rule::COLLECTION
            | Rule::COLLECTIONS
            | Rule::CONTAINS
            | Rule::CREATE
            | Rule::DELETE
            | Rule::DESC
            | Rule::DESCRIBE
            | Rule::DISTINCT
            | Rule::DROP_
            | Rule::EXISTS
            | Rule::EXPLAIN
            | Rule::FROM
            | Rule::FUSION
            | Rule::GROUP
            | Rule::HAVING
            | Rule::IF
            | Rule::ILIKE
            | Rule::IN
            | Rule::INDEX
            | Rule::INSERT
            | Rule::INTERVAL
            | Rule::INTO
            | Rule::IS
            | Rule::LIKE
            | Rule::LIMIT
            | Rule::MATCH
            | Rule::NEAR
            | Rule::NOT
            | Rule::NOW
            | Rule::OFFSET
            | Rule::ON
            | Rule::OR
            | Rule::ORDER
            | Rule::RETURN
            | Rule::SELECT
            | Rule::SET
            | Rule::SHOW
            | Rule::SIMILARITY
            | Rule::TYPE
            | Rule::UPDATE
            | Rule::UPSERT
            | Rule::USING
            | Rule::VALUES
            | Rule::WHERE
            | Rule::WITH
    )
}

impl<'t> Builder<'t> {
    pub(super) const fn new(text: &'t str) -> Self {
        Self { text }
    }

    fn error(&self, code: ErrorCode, message: impl Into<String>, span: Span) -> ParseError {
        ParseError::new(self.text, code, message, span)
    }

    /// A list of at most [`MAX_LIST_ITEMS`] built items.
    fn list<T>(
        &self,
        pairs: impl Iterator<Item = Pair<'t, Rule>>,
        mut build: impl FnMut(&Self, Pair<'t, Rule>) -> Result<T>,
    ) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for pair in pairs {
            if out.len() == MAX_LIST_ITEMS {
                return Err(self.error(
                    ErrorCode::ListTooLong,
                    format!("a list holds at most {MAX_LIST_ITEMS} items"),
                    span_of(&pair),
                ));
            }
            out.push(build(self, pair)?);
        }
        Ok(out)
    }

    pub(super) fn statement(&self, pair: Pair<'t, Rule>) -> Result<Statement> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::explain => {
                let analyze = has(&pair, Rule::ANALYZE);
                let inner = parts(pair)
                    .next()
                    .ok_or_else(|| self.missing("a statement", span))?;
                Ok(Statement::Explain {
                    analyze,
                    statement: Box::new(self.statement(inner)?),
                })
            }
            Rule::select => self.select(pair).map(|s| Statement::Select(Box::new(s))),
            Rule::match_query => self
                .match_query(pair)
                .map(|m| Statement::Match(Box::new(m))),
            Rule::insert => self.insert(pair).map(Statement::Insert),
            Rule::update => self.update(pair).map(Statement::Update),
            Rule::delete => self.delete(pair).map(Statement::Delete),
            Rule::create_collection => {
                let mut collection = None;
                let mut settings = Vec::new();
                let mut with = Vec::new();
                for p in parts(pair) {
                    match p.as_rule() {
                        Rule::name => collection = Some(self.name(&p)),
                        Rule::settings => settings = self.settings(p)?,
                        Rule::with_clause => with = self.with_clause(p)?,
                        _ => {}
                    }
                }
                Ok(Statement::CreateCollection(CreateCollection {
                    collection: collection.ok_or_else(|| self.missing("a name", span))?,
                    settings,
                    with,
                    span,
                }))
            }
            Rule::drop_collection => {
                let if_exists = has(&pair, Rule::if_exists);
                let collection = self.first_name(pair, span)?;
                Ok(Statement::DropCollection {
                    if_exists,
                    collection,
                })
            }
            Rule::create_index | Rule::drop_index => {
                let create = pair.as_rule() == Rule::create_index;
                let mut names = Vec::new();
                let mut field = None;
                let mut with = Vec::new();
                for p in parts(pair) {
                    match p.as_rule() {
                        Rule::name => names.push(self.name(&p)),
                        Rule::field => field = Some(self.field(p)?),
                        Rule::with_clause => with = self.with_clause(p)?,
                        _ => {}
                    }
                }
                let mut names = names.into_iter();
                let collection = names.next().ok_or_else(|| self.missing("a name", span))?;
                let field = field.ok_or_else(|| self.missing("a field", span))?;
                Ok(if create {
                    Statement::CreateIndex {
                        collection,
                        field,
                        kind: names.next(),
                        with,
                    }
                } else {
                    Statement::DropIndex { collection, field }
                })
            }
            Rule::show_collections => Ok(Statement::ShowCollections),
            Rule::describe => Ok(Statement::Describe {
                collection: self.first_name(pair, span)?,
            }),
            other => Err(self.unexpected(other, span)),
        }
    }

    /// An internal inconsistency between the grammar and this builder, reported as a syntax
    /// error rather than a panic.
    fn missing(&self, what: &str, span: Span) -> ParseError {
        self.error(ErrorCode::Syntax, format!("expected {what}"), span)
    }

    fn unexpected(&self, rule: Rule, span: Span) -> ParseError {
        self.error(
            ErrorCode::Syntax,
            format!("unexpected {rule:?} in this position"),
            span,
        )
    }

    fn first_name(&self, pair: Pair<'t, Rule>, span: Span) -> Result<Ident> {
        parts(pair)
            .find(|p| p.as_rule() == Rule::name)
            .map(|p| self.name(&p))
            .ok_or_else(|| self.missing("a name", span))
    }

    fn select(&self, pair: Pair<'t, Rule>) -> Result<Select> {
        let span = span_of(&pair);
        let mut select = Select {
            projection: Vec::new(),
            from: Ident {
                name: String::new(),
                span,
            },
            filter: None,
            fusion: None,
            group_by: Vec::new(),
            having: None,
            order_by: Vec::new(),
            limit: None,
            offset: None,
            with: Vec::new(),
            span,
        };
        for p in parts(pair) {
            match p.as_rule() {
                Rule::projection => {
                    select.projection = self.list(p.into_inner(), Self::select_item)?;
                }
                Rule::name => select.from = self.name(&p),
                Rule::where_clause => select.filter = Some(self.clause(p)?),
                Rule::fusion_clause => {
                    select.fusion = Some(match parts(p).next() {
                        Some(settings) => self.settings(settings)?,
                        None => Vec::new(),
                    });
                }
                Rule::group_by => select.group_by = self.list(parts(p), Self::value)?,
                Rule::having => select.having = Some(self.clause(p)?),
                Rule::order_by => select.order_by = self.list(parts(p), Self::order_key)?,
                Rule::limit_clause => select.limit = Some(self.count(p)?),
                Rule::offset_clause => select.offset = Some(self.count(p)?),
                Rule::with_clause => select.with = self.with_clause(p)?,
                _ => {}
            }
        }
        Ok(select)
    }

    fn select_item(&self, pair: Pair<'t, Rule>) -> Result<SelectItem> {
        let span = span_of(&pair);
        let mut inner = parts(pair);
        let first = inner.next().ok_or_else(|| self.missing("a value", span))?;
        if first.as_rule() == Rule::star {
            return Ok(SelectItem::Wildcard(span_of(&first)));
        }
        Ok(SelectItem::Expr {
            expr: self.value(first)?,
            alias: inner.next().map(|p| self.name(&p)),
        })
    }

    fn order_key(&self, pair: Pair<'t, Rule>) -> Result<OrderKey> {
        let span = span_of(&pair);
        let direction = if has(&pair, Rule::DESC) {
            Some(Direction::Desc)
        } else if has(&pair, Rule::ASC) {
            Some(Direction::Asc)
        } else {
            None
        };
        let value = parts(pair)
            .next()
            .ok_or_else(|| self.missing("a value", span))?;
        Ok(OrderKey {
            expr: self.value(value)?,
            direction,
        })
    }

    /// `LIMIT n` / `OFFSET n`: an integer or a parameter.
    fn count(&self, pair: Pair<'t, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let p = parts(pair)
            .next()
            .ok_or_else(|| self.missing("a number", span))?;
        self.term(p)
    }

    /// The condition of a `WHERE` or `HAVING` clause.
    fn clause(&self, pair: Pair<'t, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let p = parts(pair)
            .next()
            .ok_or_else(|| self.missing("a condition", span))?;
        self.condition(p)
    }

    fn with_clause(&self, pair: Pair<'t, Rule>) -> Result<Vec<Setting>> {
        let span = span_of(&pair);
        let p = parts(pair)
            .next()
            .ok_or_else(|| self.missing("settings", span))?;
        self.settings(p)
    }

    fn settings(&self, pair: Pair<'t, Rule>) -> Result<Vec<Setting>> {
        self.list(parts(pair), |b, setting| {
            let span = span_of(&setting);
            let mut inner = parts(setting);
            let name = inner.next().ok_or_else(|| b.missing("a name", span))?;
            let value = inner.next().ok_or_else(|| b.missing("a value", span))?;
            Ok(Setting {
                name: b.name(&name),
                value: b.value(value)?,
            })
        })
    }

    fn insert(&self, pair: Pair<'t, Rule>) -> Result<Insert> {
        let span = span_of(&pair);
        let upsert = has(&pair, Rule::UPSERT);
        let mut collection = None;
        let mut columns = Vec::new();
        let mut rows = Vec::new();
        let inner: Vec<_> = parts(pair).collect();
        let (cols, rest): (Vec<_>, Vec<_>) =
            inner.into_iter().partition(|p| p.as_rule() == Rule::column);
        for p in rest {
            match p.as_rule() {
                Rule::name => collection = Some(self.name(&p)),
                Rule::row => rows.push(p),
                _ => {}
            }
        }
        columns.extend(self.list(cols.into_iter(), Self::column)?);
        let rows = self.list(rows.into_iter(), |b, row| {
            let span = span_of(&row);
            Ok(Row {
                values: b.list(parts(row), Self::value)?,
                span,
            })
        })?;
        Ok(Insert {
            upsert,
            collection: collection.ok_or_else(|| self.missing("a name", span))?,
            columns,
            rows,
            span,
        })
    }

    fn column(&self, pair: Pair<'t, Rule>) -> Result<Column> {
        let span = span_of(&pair);
        let p = pair
            .into_inner()
            .next()
            .ok_or_else(|| self.missing("a column", span))?;
        Ok(match p.as_rule() {
            Rule::id_column => Column::Id(span),
            Rule::vector_column => Column::Vector(span),
            _ => Column::Field(self.field(p)?),
        })
    }

    fn update(&self, pair: Pair<'t, Rule>) -> Result<Update> {
        let span = span_of(&pair);
        let mut collection = None;
        let mut assignments = Vec::new();
        let mut filter = None;
        let mut pending = Vec::new();
        for p in parts(pair) {
            match p.as_rule() {
                Rule::name => collection = Some(self.name(&p)),
                Rule::assignment => pending.push(p),
                Rule::where_clause => filter = Some(self.clause(p)?),
                _ => {}
            }
        }
        assignments.extend(self.list(pending.into_iter(), |b, a| {
            let span = span_of(&a);
            let mut inner = parts(a);
            let column = inner.next().ok_or_else(|| b.missing("a column", span))?;
            let value = inner.next().ok_or_else(|| b.missing("a value", span))?;
            Ok(Assignment {
                column: b.column(column)?,
                value: b.value(value)?,
            })
        })?);
        Ok(Update {
            collection: collection.ok_or_else(|| self.missing("a name", span))?,
            assignments,
            filter,
            span,
        })
    }

    fn delete(&self, pair: Pair<'t, Rule>) -> Result<Delete> {
        let span = span_of(&pair);
        let mut collection = None;
        let mut filter = None;
        for p in parts(pair) {
            match p.as_rule() {
                Rule::name => collection = Some(self.name(&p)),
                Rule::where_clause => filter = Some(self.clause(p)?),
                _ => {}
            }
        }
        let filter = filter.ok_or_else(|| {
            self.error(
                ErrorCode::WhereRequired,
                "DELETE needs a WHERE clause (write WHERE TRUE to delete every point)",
                Span::new(span.end, span.end),
            )
        })?;
        Ok(Delete {
            collection: collection.ok_or_else(|| self.missing("a name", span))?,
            filter,
            span,
        })
    }

    // ---- MATCH -----------------------------------------------------------------------------

    fn match_query(&self, pair: Pair<'t, Rule>) -> Result<MatchQuery> {
        let span = span_of(&pair);
        let mut query = MatchQuery {
            patterns: Vec::new(),
            from: Ident {
                name: String::new(),
                span,
            },
            filter: None,
            distinct: false,
            returns: Vec::new(),
            order_by: Vec::new(),
            limit: None,
            span,
        };
        for p in parts(pair) {
            match p.as_rule() {
                Rule::patterns => query.patterns = self.patterns(p)?,
                Rule::name => query.from = self.name(&p),
                Rule::where_clause => query.filter = Some(self.clause(p)?),
                Rule::return_clause => {
                    query.distinct = has(&p, Rule::DISTINCT);
                    query.returns = self.list(parts(p), |b, item| {
                        let span = span_of(&item);
                        let mut inner = parts(item);
                        let value = inner.next().ok_or_else(|| b.missing("a value", span))?;
                        Ok(SelectItem::Expr {
                            expr: b.value(value)?,
                            alias: inner.next().map(|n| b.name(&n)),
                        })
                    })?;
                }
                Rule::order_by => query.order_by = self.list(parts(p), Self::order_key)?,
                Rule::limit_clause => query.limit = Some(self.count(p)?),
                _ => {}
            }
        }
        Ok(query)
    }

    /// `EXISTS (MATCH ...)`. Not inlined: `term` recurses with the query's nesting, and this
    /// arm's locals would grow every one of its frames (see guard_tests).
    #[inline(never)]
    fn exists_match(&self, pair: Pair<'t, Rule>) -> Result<ExistsMatch> {
        let mut patterns = Vec::new();
        let mut filter = None;
        for p in parts(pair) {
            match p.as_rule() {
                Rule::patterns => patterns = self.patterns(p)?,
                Rule::where_clause => filter = Some(Box::new(self.clause(p)?)),
                _ => {}
            }
        }
        Ok(ExistsMatch { patterns, filter })
    }

    /// The comma-separated pattern parts of a `MATCH`, bounded in parts and relationships.
    fn patterns(&self, pair: Pair<'t, Rule>) -> Result<Vec<PathPattern>> {
        let mut out: Vec<PathPattern> = Vec::new();
        let mut relationships = 0usize;
        for part in pair.into_inner() {
            let span = span_of(&part);
            if out.len() == MAX_PATTERN_PARTS {
                return Err(self.error(
                    ErrorCode::ListTooLong,
                    format!("a MATCH holds at most {MAX_PATTERN_PARTS} pattern parts"),
                    span,
                ));
            }
            let mut nodes = Vec::new();
            let mut rels = Vec::new();
            for p in part.into_inner() {
                match p.as_rule() {
                    Rule::node_pattern => nodes.push(self.node_pattern(p)?),
                    Rule::relationship => {
                        if relationships == MAX_PATTERN_RELATIONSHIPS {
                            return Err(self.error(
                                ErrorCode::ListTooLong,
                                format!(
                                    "a MATCH holds at most {MAX_PATTERN_RELATIONSHIPS} \
                                     relationships"
                                ),
                                span_of(&p),
                            ));
                        }
                        relationships += 1;
                        rels.push(self.relationship(p)?);
                    }
                    other => return Err(self.unexpected(other, span_of(&p))),
                }
            }
            let mut nodes = nodes.into_iter();
            let start = nodes.next().ok_or_else(|| self.missing("a node", span))?;
            if rels.len() != nodes.len() {
                return Err(self.missing("a node after each relationship", span));
            }
            out.push(PathPattern {
                start,
                steps: rels.into_iter().zip(nodes).collect(),
                span,
            });
        }
        Ok(out)
    }

    fn node_pattern(&self, pair: Pair<'t, Rule>) -> Result<NodePattern> {
        let span = span_of(&pair);
        let mut node = NodePattern {
            var: None,
            labels: Vec::new(),
            props: Vec::new(),
            span,
        };
        for p in parts(pair) {
            match p.as_rule() {
                Rule::name => node.var = Some(self.name(&p)),
                Rule::node_labels => node.labels = self.labels(p)?,
                Rule::node_props => {
                    node.props = self.list(p.into_inner(), |b, prop| {
                        let span = span_of(&prop);
                        let mut inner = prop.into_inner();
                        let (Some(key), Some(value)) = (inner.next(), inner.next()) else {
                            return Err(b.missing("a key and a value", span));
                        };
                        Ok((b.name(&key), b.value(value)?))
                    })?;
                }
                _ => {}
            }
        }
        Ok(node)
    }

    /// Node labels or relationship labels: at most [`MAX_PATTERN_LABELS`], each 1 to
    /// [`MAX_LABEL_BYTES`] bytes (the bound edge labels have when written).
    fn labels(&self, pair: Pair<'t, Rule>) -> Result<Vec<Ident>> {
        let mut out = Vec::new();
        for p in pair
            .into_inner()
            .filter(|p| p.as_rule() == Rule::label_name)
        {
            let label = self.name(&p);
            if out.len() == MAX_PATTERN_LABELS {
                return Err(self.error(
                    ErrorCode::ListTooLong,
                    format!("a pattern names at most {MAX_PATTERN_LABELS} labels per node or relationship"),
                    label.span,
                ));
            }
            if label.name.is_empty() || label.name.len() > MAX_LABEL_BYTES {
                return Err(self.error(
                    ErrorCode::InvalidLiteral,
                    format!("a label is 1 to {MAX_LABEL_BYTES} bytes long"),
                    label.span,
                ));
            }
            out.push(label);
        }
        Ok(out)
    }

    fn relationship(&self, pair: Pair<'t, Rule>) -> Result<RelPattern> {
        let span = span_of(&pair);
        let mut rel = RelPattern {
            var: None,
            types: Vec::new(),
            direction: RelDirection::Either,
            min_hops: 1,
            max_hops: 1,
            ranged: false,
            span,
        };
        let mut left = false;
        let mut right = false;
        for p in parts(pair) {
            match p.as_rule() {
                Rule::rel_start => left = p.as_str() == "<-",
                Rule::rel_end => right = p.as_str() == "->",
                Rule::name => rel.var = Some(self.name(&p)),
                Rule::rel_types => rel.types = self.labels(p)?,
                Rule::rel_range => {
                    rel.ranged = true;
                    (rel.min_hops, rel.max_hops) = self.hop_range(p)?;
                }
                _ => {}
            }
        }
        rel.direction = match (left, right) {
            (false, true) => RelDirection::Right,
            (true, false) => RelDirection::Left,
            (false, false) => RelDirection::Either,
            (true, true) => {
                return Err(self.error(
                    ErrorCode::Syntax,
                    "a relationship points one way: write -[...]-> or <-[...]-, or -[...]- for either",
                    span,
                ));
            }
        };
        Ok(rel)
    }

    /// `*`, `*n`, `*a..b`, `*..b`, `*a..`: the fewest and most hops, at most [`MAX_DEPTH`].
    fn hop_range(&self, pair: Pair<'t, Rule>) -> Result<(u32, u32)> {
        let span = span_of(&pair);
        let mut low = None;
        let mut high = None;
        let mut dots = false;
        for p in pair.into_inner() {
            match p.as_rule() {
                Rule::hop_dots => dots = true,
                Rule::hop_count => {
                    let n: u32 = p.as_str().parse().unwrap_or(u32::MAX);
                    if dots {
                        high = Some(n);
                    } else {
                        low = Some(n);
                    }
                }
                _ => {}
            }
        }
        let (min, max) = match (low, dots, high) {
            (Some(n), false, _) => (n, n),
            (low, _, high) => (low.unwrap_or(1), high.unwrap_or(MAX_DEPTH)),
        };
        if max > MAX_DEPTH {
            return Err(self.error(
                ErrorCode::InvalidLiteral,
                format!("a relationship spans at most {MAX_DEPTH} hops"),
                span,
            ));
        }
        if min > max {
            return Err(self.error(
                ErrorCode::InvalidLiteral,
                format!("this range is empty: {min} hops at least, {max} at most"),
                span,
            ));
        }
        Ok((min, max))
    }

    // ---- Names -----------------------------------------------------------------------------

    fn name(&self, pair: &Pair<'t, Rule>) -> Ident {
        let text = pair.as_str();
        let name = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        Ident {
            name: name.to_owned(),
            span: span_of(pair),
        }
    }

    fn field(&self, pair: Pair<'t, Rule>) -> Result<FieldRef> {
        let span = span_of(&pair);
        let mut steps = Vec::new();
        for step in pair.into_inner() {
            for part in step.into_inner() {
                match part.as_rule() {
                    Rule::name => steps.push(FieldStep::Key(self.name(&part).name)),
                    Rule::index_suffix => match part.into_inner().next() {
                        None => steps.push(FieldStep::Each),
                        Some(n) => {
                            let index = n.as_str().parse().map_err(|_| {
                                self.error(
                                    ErrorCode::InvalidLiteral,
                                    "this array index is too large",
                                    span_of(&n),
                                )
                            })?;
                            steps.push(FieldStep::Index(index));
                        }
                    },
                    other => return Err(self.unexpected(other, span_of(&part))),
                }
            }
        }
        Ok(FieldRef { steps, span })
    }

    // ---- Conditions --------------------------------------------------------------------------

    pub(super) fn condition(&self, pair: Pair<'t, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        match pair.as_rule() {
            Rule::condition | Rule::conjunction => {
                let or = pair.as_rule() == Rule::condition;
                let mut items = parts(pair)
                    .map(|p| self.condition(p))
                    .collect::<Result<Vec<_>>>()?;
                if items.len() == 1 {
                    return items.pop().ok_or_else(|| self.missing("a condition", span));
                }
                let kind = if or {
                    ExprKind::Or(items)
                } else {
                    ExprKind::And(items)
                };
                Ok(Expr::new(kind, span))
            }
            Rule::negation => {
                let negated = has(&pair, Rule::NOT);
                let inner = parts(pair)
                    .next()
                    .ok_or_else(|| self.missing("a condition", span))?;
                let inner = self.condition(inner)?;
                Ok(if negated {
                    Expr::new(ExprKind::Not(Box::new(inner)), span)
                } else {
                    inner
                })
            }
            Rule::predicate => self.predicate(pair),
            other => Err(self.unexpected(other, span)),
        }
    }

    fn predicate(&self, pair: Pair<'t, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let left = inner.next().ok_or_else(|| self.missing("a value", span))?;
        let left = Box::new(self.value(left)?);
        let Some(test) = inner.next() else {
            return Ok(*left);
        };
        let test_span = span_of(&test);
        let negated = has(&test, Rule::NOT);
        let kind = match test.as_rule() {
            Rule::comparison => {
                let mut parts = test.into_inner();
                let op = parts.next().map(|p| compare_op(p.as_str()));
                let right = parts.next();
                match (op, right) {
                    (Some(op), Some(right)) => ExprKind::Compare {
                        left,
                        op,
                        right: Box::new(self.value(right)?),
                    },
                    _ => return Err(self.missing("a comparison", test_span)),
                }
            }
            Rule::is_null => ExprKind::IsNull {
                expr: left,
                negated,
            },
            Rule::in_list => ExprKind::InList {
                expr: left,
                list: self.list_of(test, test_span)?,
                negated,
            },
            Rule::between => {
                let mut ends = parts(test);
                let (Some(low), Some(high)) = (ends.next(), ends.next()) else {
                    return Err(self.missing("two values", test_span));
                };
                ExprKind::Between {
                    expr: left,
                    low: Box::new(self.value(low)?),
                    high: Box::new(self.value(high)?),
                    negated,
                }
            }
            Rule::like => {
                let case_insensitive = has(&test, Rule::ILIKE);
                let pattern = parts(test)
                    .next()
                    .ok_or_else(|| self.missing("a pattern", test_span))?;
                ExprKind::Like {
                    expr: left,
                    pattern: Box::new(self.value(pattern)?),
                    negated,
                    case_insensitive,
                }
            }
            Rule::contains => {
                let any = has(&test, Rule::ANY_);
                let all = has(&test, Rule::ALL);
                let what = if any || all {
                    let list = self.list_of(test, test_span)?;
                    if any {
                        Containment::Any(list)
                    } else {
                        Containment::All(list)
                    }
                } else {
                    let v = parts(test)
                        .next()
                        .ok_or_else(|| self.missing("a value", test_span))?;
                    Containment::One(Box::new(self.value(v)?))
                };
                ExprKind::Contains { expr: left, what }
            }
            // One arm for both: this function recurses with the condition's nesting, and a
            // second arm of the same shape would grow its frame (see guard_tests).
            rule @ (Rule::near | Rule::text_match) => {
                let near = rule == Rule::near;
                let v = parts(test).next().ok_or_else(|| {
                    self.missing(if near { "a vector" } else { "the words" }, test_span)
                })?;
                let query = Box::new(self.value(v)?);
                if near {
                    ExprKind::Near {
                        target: left,
                        query,
                    }
                } else {
                    ExprKind::TextMatch { expr: left, query }
                }
            }
            other => return Err(self.unexpected(other, test_span)),
        };
        Ok(Expr::new(kind, span))
    }

    /// The items of the `list` child of `pair`.
    fn list_of(&self, pair: Pair<'t, Rule>, span: Span) -> Result<Vec<Expr>> {
        let list = parts(pair)
            .find(|p| p.as_rule() == Rule::list)
            .ok_or_else(|| self.missing("a list", span))?;
        self.list(list.into_inner(), Self::value)
    }

    // ---- Values ------------------------------------------------------------------------------

    pub(super) fn value(&self, pair: Pair<'t, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let mut inner = pair.into_inner();
        let first = inner.next().ok_or_else(|| self.missing("a value", span))?;
        let first = self.term(first)?;
        let mut rest = Vec::new();
        while let (Some(op), Some(term)) = (inner.next(), inner.next()) {
            let op = if op.as_str() == "+" {
                ArithOp::Add
            } else {
                ArithOp::Sub
            };
            if rest.len() + 1 == MAX_LIST_ITEMS {
                return Err(self.error(
                    ErrorCode::ListTooLong,
                    format!("a sum holds at most {MAX_LIST_ITEMS} terms"),
                    span_of(&term),
                ));
            }
            rest.push((op, self.term(term)?));
        }
        if rest.is_empty() {
            return Ok(first);
        }
        Ok(Expr::new(
            ExprKind::Arithmetic {
                first: Box::new(first),
                rest,
            },
            span,
        ))
    }

    fn term(&self, pair: Pair<'t, Rule>) -> Result<Expr> {
        let span = span_of(&pair);
        let kind = match pair.as_rule() {
            Rule::number | Rule::integer => ExprKind::Literal(self.number(&pair)?),
            Rule::string => ExprKind::Literal(Literal::String(unquote(pair.as_str()))),
            Rule::TRUE => ExprKind::Literal(Literal::Bool(true)),
            Rule::FALSE => ExprKind::Literal(Literal::Bool(false)),
            Rule::NULL => ExprKind::Literal(Literal::Null),
            Rule::param => ExprKind::Param(pair.as_str()[1..].to_owned()),
            Rule::array => ExprKind::Array(self.list(parts(pair), Self::value)?),
            Rule::interval => {
                let text = parts(pair)
                    .next()
                    .ok_or_else(|| self.missing("a string", span))?;
                let text_span = span_of(&text);
                let text = unquote(text.as_str());
                let interval = parse_interval(&text).map_err(|why| {
                    self.error(ErrorCode::InvalidLiteral, why.to_string(), text_span)
                })?;
                ExprKind::Interval(interval)
            }
            Rule::now => ExprKind::Now,
            Rule::exists_match => ExprKind::Exists(Box::new(self.exists_match(pair)?)),
            Rule::similarity => {
                let mut args = parts(pair);
                match (args.next(), args.next()) {
                    (Some(a), Some(b)) => {
                        ExprKind::Similarity(Some(Box::new((self.value(a)?, self.value(b)?))))
                    }
                    _ => ExprKind::Similarity(None),
                }
            }
            Rule::aggregate => {
                let distinct = has(&pair, Rule::DISTINCT);
                let mut inner = parts(pair);
                let func = inner
                    .next()
                    .and_then(|f| f.into_inner().next())
                    .map(|f| match f.as_rule() {
                        Rule::SUM => AggregateFn::Sum,
                        Rule::AVG => AggregateFn::Avg,
                        Rule::MIN => AggregateFn::Min,
                        Rule::MAX => AggregateFn::Max,
                        _ => AggregateFn::Count,
                    })
                    .ok_or_else(|| self.missing("a function", span))?;
                let arg = inner.next().ok_or_else(|| self.missing("a value", span))?;
                let arg = if arg.as_rule() == Rule::star {
                    if func != AggregateFn::Count {
                        return Err(self.error(
                            ErrorCode::Syntax,
                            "only COUNT takes *; the other aggregates take a field",
                            span_of(&arg),
                        ));
                    }
                    None
                } else {
                    Some(Box::new(self.value(arg)?))
                };
                ExprKind::Aggregate {
                    func,
                    arg,
                    distinct,
                }
            }
            Rule::parenthesized => {
                let inner = pair
                    .into_inner()
                    .next()
                    .ok_or_else(|| self.missing("a condition", span))?;
                return self.condition(inner);
            }
            Rule::id_column => ExprKind::Id,
            Rule::vector_column => ExprKind::Vector,
            Rule::score_column => ExprKind::Score,
            Rule::field => ExprKind::Field(self.field(pair)?),
            other => return Err(self.unexpected(other, span)),
        };
        Ok(Expr::new(kind, span))
    }

    fn number(&self, pair: &Pair<'t, Rule>) -> Result<Literal> {
        let text = pair.as_str();
        let bad = |what: &str| self.error(ErrorCode::InvalidLiteral, what, span_of(pair));
        if text.contains(['.', 'e', 'E']) {
            let x: f64 = text.parse().map_err(|_| bad("this number is not valid"))?;
            if !x.is_finite() {
                return Err(bad("this number is too large"));
            }
            return Ok(Literal::Float(x));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Literal::Int(i));
        }
        text.parse::<u64>()
            .map(Literal::UInt)
            .map_err(|_| bad("this integer is out of range (64 bits)"))
    }
}

fn compare_op(text: &str) -> CompareOp {
    match text {
        "=" => CompareOp::Eq,
        "<" => CompareOp::Lt,
        "<=" => CompareOp::LtEq,
        ">" => CompareOp::Gt,
        ">=" => CompareOp::GtEq,
        _ => CompareOp::NotEq,
    }
}

/// The text of a `'...'` literal: quotes removed, `''` read as `'`.
fn unquote(text: &str) -> String {
    text.get(1..text.len().saturating_sub(1))
        .unwrap_or_default()
        .replace("''", "'")
}
