//! The VelesQL syntax tree: what a statement says, before any collection, field or parameter is
//! looked up. Every node a later check can find wrong keeps the [`Span`] of its text.
//!
//! Two trees are equal when they say the same thing: spans never take part in equality, so a
//! statement printed (`Display`, canonical form) and parsed again equals the tree it came from.

/// Byte offsets `start..end` of a node in the query text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

impl Span {
    /// The span `start..end`.
    #[must_use]
    pub const fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// Positions are not part of what a statement means (see the module doc).
impl PartialEq for Span {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for Span {}

/// A name: a collection, an alias, a setting, an index type.
#[derive(Debug, Clone, PartialEq)]
pub struct Ident {
    /// The name as meant (quotes removed).
    pub name: String,
    /// Where it is written.
    pub span: Span,
}

/// A payload field path: `meta.author`, `"odd key".x`, `tags[]`, `items[2].price`.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldRef {
    /// The steps, outermost first (never empty).
    pub steps: Vec<FieldStep>,
    /// Where it is written.
    pub span: Span,
}

/// One step of a [`FieldRef`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldStep {
    /// Into the object member with this key.
    Key(String),
    /// Into every element of an array (`[]`).
    Each,
    /// Into one element of an array (`[2]`).
    Index(usize),
}

/// One statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Statement {
    /// `SELECT ...`.
    Select(Box<Select>),
    /// `MATCH patterns FROM c [WHERE ...] RETURN ...`.
    Match(Box<MatchQuery>),
    /// `INSERT INTO` / `UPSERT INTO ... VALUES ...`.
    Insert(Insert),
    /// `UPDATE c SET ... [WHERE ...]`.
    Update(Update),
    /// `DELETE FROM c WHERE ...`.
    Delete(Delete),
    /// `CREATE COLLECTION c (...) [WITH (...)]`.
    CreateCollection(CreateCollection),
    /// `DROP COLLECTION [IF EXISTS] c`.
    DropCollection {
        /// `IF EXISTS`: a missing collection is not an error.
        if_exists: bool,
        /// The collection.
        collection: Ident,
    },
    /// `CREATE INDEX ON c (field) [TYPE t] [WITH (...)]`.
    CreateIndex {
        /// The collection.
        collection: Ident,
        /// The indexed field.
        field: FieldRef,
        /// The index type (`keyword`, `integer`, ...), when given.
        kind: Option<Ident>,
        /// The index's settings (a text index's analyzer and BM25 parameters).
        with: Vec<Setting>,
    },
    /// `DROP INDEX ON c (field)`.
    DropIndex {
        /// The collection.
        collection: Ident,
        /// The indexed field.
        field: FieldRef,
    },
    /// `SHOW COLLECTIONS`.
    ShowCollections,
    /// `DESCRIBE c`.
    Describe {
        /// The collection.
        collection: Ident,
    },
    /// `EXPLAIN [ANALYZE] statement`.
    Explain {
        /// `ANALYZE`: run the statement and report what it did.
        analyze: bool,
        /// The statement explained (never itself an `EXPLAIN`).
        statement: Box<Statement>,
    },
}

/// `SELECT projection FROM collection ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Select {
    /// What each row holds.
    pub projection: Vec<SelectItem>,
    /// The collection.
    pub from: Ident,
    /// `WHERE`.
    pub filter: Option<Expr>,
    /// `USING FUSION [(name = value, ...)]`: fuse the `NEAR` search with the `MATCH` ranking.
    pub fusion: Option<Vec<Setting>>,
    /// `GROUP BY` keys (empty: no grouping).
    pub group_by: Vec<Expr>,
    /// `HAVING`.
    pub having: Option<Expr>,
    /// `ORDER BY` keys, first key first.
    pub order_by: Vec<OrderKey>,
    /// `LIMIT` (an integer literal or a parameter).
    pub limit: Option<Expr>,
    /// `OFFSET` (an integer literal or a parameter).
    pub offset: Option<Expr>,
    /// `WITH (name = value, ...)`: search settings.
    pub with: Vec<Setting>,
    /// The whole statement.
    pub span: Span,
}

/// `MATCH patterns FROM collection [WHERE ...] RETURN [DISTINCT] ... [ORDER BY ...] [LIMIT n]`.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchQuery {
    /// The pattern parts, joined by the variables they share.
    pub patterns: Vec<PathPattern>,
    /// The collection whose points and edges are matched.
    pub from: Ident,
    /// `WHERE`, over `var.field`, `var.id` and `var.vector NEAR ...`.
    pub filter: Option<Expr>,
    /// `RETURN DISTINCT`.
    pub distinct: bool,
    /// What each row holds (never empty).
    pub returns: Vec<SelectItem>,
    /// `ORDER BY` keys, first key first.
    pub order_by: Vec<OrderKey>,
    /// `LIMIT` (an integer literal or a parameter).
    pub limit: Option<Expr>,
    /// The whole statement.
    pub span: Span,
}

/// `EXISTS (MATCH patterns [WHERE ...])` inside a `SELECT`'s `WHERE`: its first node is the
/// selected point.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistsMatch {
    /// The pattern parts.
    pub patterns: Vec<PathPattern>,
    /// `WHERE`, over the pattern's variables.
    pub filter: Option<Box<Expr>>,
}

/// One pattern part: a node, then relationships each followed by a node.
#[derive(Debug, Clone, PartialEq)]
pub struct PathPattern {
    /// The first node.
    pub start: NodePattern,
    /// Each relationship and the node it leads to, in order.
    pub steps: Vec<(RelPattern, NodePattern)>,
    /// Where it is written.
    pub span: Span,
}

/// `(var:Label:Other {key: value, ...})`.
#[derive(Debug, Clone, PartialEq)]
pub struct NodePattern {
    /// The variable (`None`: anonymous).
    pub var: Option<Ident>,
    /// Labels the node carries, every one (in its `labels` payload field).
    pub labels: Vec<Ident>,
    /// Payload fields the node has with these values.
    pub props: Vec<(Ident, Expr)>,
    /// Where it is written.
    pub span: Span,
}

/// `-[var:REL|OTHER*min..max]->`, `<-[...]-` or `-[...]-`.
#[derive(Debug, Clone, PartialEq)]
pub struct RelPattern {
    /// The variable (`None`: anonymous).
    pub var: Option<Ident>,
    /// Edge labels it may follow, any of them (empty: any label).
    pub types: Vec<Ident>,
    /// Which way edges point.
    pub direction: RelDirection,
    /// Fewest hops.
    pub min_hops: u32,
    /// Most hops.
    pub max_hops: u32,
    /// Whether a `*` range was written (`*1..1` prints as written).
    pub ranged: bool,
    /// Where it is written.
    pub span: Span,
}

/// Which way a relationship's edges point, read left to right.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelDirection {
    /// `-[]->`: from the left node to the right one.
    Right,
    /// `<-[]-`: from the right node to the left one.
    Left,
    /// `-[]-`: either way.
    Either,
}

/// One item of a projection.
#[derive(Debug, Clone, PartialEq)]
pub enum SelectItem {
    /// `*`: every payload field.
    Wildcard(Span),
    /// A value, optionally named.
    Expr {
        /// The value.
        expr: Expr,
        /// `AS alias`.
        alias: Option<Ident>,
    },
}

/// One `ORDER BY` key.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderKey {
    /// What rows are ordered by.
    pub expr: Expr,
    /// `ASC` / `DESC` as written (`None`: the default for the key).
    pub direction: Option<Direction>,
}

/// A sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest first.
    Asc,
    /// Largest first.
    Desc,
}

/// `name = value` in a `WITH (...)` or collection definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Setting {
    /// The setting.
    pub name: Ident,
    /// Its value.
    pub value: Expr,
}

/// `INSERT INTO` / `UPSERT INTO c (columns) VALUES (row), ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Insert {
    /// `UPSERT` (replace existing points) rather than `INSERT`.
    pub upsert: bool,
    /// The collection.
    pub collection: Ident,
    /// The columns each row gives, in order.
    pub columns: Vec<Column>,
    /// The rows.
    pub rows: Vec<Row>,
    /// The whole statement.
    pub span: Span,
}

/// One row of `VALUES`.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// One value per column.
    pub values: Vec<Expr>,
    /// Where it is written.
    pub span: Span,
}

/// A column written by `INSERT` or `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
pub enum Column {
    /// The point id.
    Id(Span),
    /// The point's vector.
    Vector(Span),
    /// A payload field.
    Field(FieldRef),
}

/// `UPDATE c SET column = value, ... [WHERE ...]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    /// The collection.
    pub collection: Ident,
    /// What is set, in order.
    pub assignments: Vec<Assignment>,
    /// Which points (`None`: every point).
    pub filter: Option<Expr>,
    /// The whole statement.
    pub span: Span,
}

/// `column = value` in `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// What is set.
    pub column: Column,
    /// Its new value (`NULL` sets the field to null).
    pub value: Expr,
}

/// `DELETE FROM c WHERE ...`.
#[derive(Debug, Clone, PartialEq)]
pub struct Delete {
    /// The collection.
    pub collection: Ident,
    /// Which points (always present: the parser refuses a `DELETE` without `WHERE`).
    pub filter: Expr,
    /// The whole statement.
    pub span: Span,
}

/// `CREATE COLLECTION c (settings) [WITH (options)]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CreateCollection {
    /// The collection.
    pub collection: Ident,
    /// The vector definition (`dimension = 384, metric = 'cosine'`).
    pub settings: Vec<Setting>,
    /// Index and durability options.
    pub with: Vec<Setting>,
    /// The whole statement.
    pub span: Span,
}

/// An expression (a value or a condition) and where it is written.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// Where it is written.
    pub span: Span,
}

/// The kinds of expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ExprKind {
    /// A constant.
    Literal(Literal),
    /// `$name`, bound from the request.
    Param(String),
    /// `[a, b, ...]`: a vector or an array value.
    Array(Vec<Expr>),
    /// `INTERVAL '7 days'`.
    Interval(Interval),
    /// `NOW()`: the instant the statement runs.
    Now,
    /// The point id (`id`).
    Id,
    /// The point's vector (`vector`).
    Vector,
    /// The search score (`score`).
    Score,
    /// A payload field.
    Field(FieldRef),
    /// `similarity()` (the search score) or `similarity(vector, $v)`.
    Similarity(Option<Box<(Expr, Expr)>>),
    /// `COUNT(*)`, `SUM(x)`, `COUNT(DISTINCT x)`, ...
    Aggregate {
        /// The function.
        func: AggregateFn,
        /// Its argument (`None`: `*`).
        arg: Option<Box<Expr>>,
        /// `DISTINCT`.
        distinct: bool,
    },
    /// `first + a - b ...` (datetime arithmetic), kept flat so long chains stay shallow.
    Arithmetic {
        /// The first operand.
        first: Box<Expr>,
        /// Each further operator and operand, in order.
        rest: Vec<(ArithOp, Expr)>,
    },
    /// `left op right`.
    Compare {
        /// Left side.
        left: Box<Expr>,
        /// The comparison.
        op: CompareOp,
        /// Right side.
        right: Box<Expr>,
    },
    /// `expr [NOT] IN (list)`.
    InList {
        /// The value tested.
        expr: Box<Expr>,
        /// The candidates.
        list: Vec<Expr>,
        /// `NOT IN`.
        negated: bool,
    },
    /// `expr [NOT] BETWEEN low AND high` (both ends included).
    Between {
        /// The value tested.
        expr: Box<Expr>,
        /// Lower end.
        low: Box<Expr>,
        /// Upper end.
        high: Box<Expr>,
        /// `NOT BETWEEN`.
        negated: bool,
    },
    /// `expr [NOT] LIKE pattern` / `ILIKE` (case-insensitive).
    Like {
        /// The value tested.
        expr: Box<Expr>,
        /// The pattern (`%` any run, `_` one character).
        pattern: Box<Expr>,
        /// `NOT LIKE`.
        negated: bool,
        /// `ILIKE`.
        case_insensitive: bool,
    },
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// The value tested.
        expr: Box<Expr>,
        /// `IS NOT NULL`.
        negated: bool,
    },
    /// `expr CONTAINS v`, `CONTAINS ANY (...)`, `CONTAINS ALL (...)`.
    Contains {
        /// The array tested.
        expr: Box<Expr>,
        /// What it must contain.
        what: Containment,
    },
    /// `vector NEAR $v`: the vector search.
    Near {
        /// The vector searched (the `vector` column).
        target: Box<Expr>,
        /// The query vector.
        query: Box<Expr>,
    },
    /// `expr MATCH 'text'`: every word in the field's text; at the top level of a `WHERE`
    /// without `NEAR`, also the BM25 ranking.
    TextMatch {
        /// The field searched.
        expr: Box<Expr>,
        /// The query text.
        query: Box<Expr>,
    },
    /// `EXISTS (MATCH ...)`: the point has a match of the pattern.
    Exists(Box<ExistsMatch>),
    /// Every one holds.
    And(Vec<Expr>),
    /// At least one holds.
    Or(Vec<Expr>),
    /// It does not hold.
    Not(Box<Expr>),
}

/// A constant.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `NULL`.
    Null,
    /// `TRUE` / `FALSE`.
    Bool(bool),
    /// An integer that fits in `i64`.
    Int(i64),
    /// An integer above `i64::MAX` (a point id, say).
    UInt(u64),
    /// Any other number (always finite).
    Float(f64),
    /// `'text'`.
    String(String),
}

/// `INTERVAL '...'`: a fixed length of time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Interval {
    /// The text between the quotes, as written.
    pub text: String,
    /// Its length in microseconds.
    pub micros: i64,
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggregateFn {
    /// `COUNT`.
    Count,
    /// `SUM`.
    Sum,
    /// `AVG`.
    Avg,
    /// `MIN`.
    Min,
    /// `MAX`.
    Max,
}

/// `+` or `-`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArithOp {
    /// `+`.
    Add,
    /// `-`.
    Sub,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompareOp {
    /// `=`.
    Eq,
    /// `!=` or `<>`.
    NotEq,
    /// `<`.
    Lt,
    /// `<=`.
    LtEq,
    /// `>`.
    Gt,
    /// `>=`.
    GtEq,
}

/// What `CONTAINS` asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Containment {
    /// `CONTAINS v`.
    One(Box<Expr>),
    /// `CONTAINS ANY (...)`.
    Any(Vec<Expr>),
    /// `CONTAINS ALL (...)`.
    All(Vec<Expr>),
}

impl Expr {
    /// An expression of `kind` written at `span`.
    #[must_use]
    pub const fn new(kind: ExprKind, span: Span) -> Self {
        Self { kind, span }
    }
}
