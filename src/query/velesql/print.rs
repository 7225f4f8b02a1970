//! The canonical text of a statement (`Display`): keywords in capitals, one space between tokens,
//! names quoted only where they must be, parentheses only where precedence needs them. Parsing
//! the canonical text gives back the same tree, so it serves as the normalized form of a
//! statement (in the conformance file, and as a cache key).

use std::fmt::{self, Display, Formatter, Write as _};

use super::ast::{
    AggregateFn, ArithOp, Column, CompareOp, Containment, Direction, Expr, ExprKind, FieldRef,
    FieldStep, Ident, Literal, SelectItem, Setting, Statement,
};
use super::keywords::is_bare_name;

impl Display for Statement {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Select(s) => {
                f.write_str("SELECT ")?;
                list(f, &s.projection)?;
                write!(f, " FROM {}", s.from)?;
                if let Some(filter) = &s.filter {
                    write!(f, " WHERE {filter}")?;
                }
                if let Some(fusion) = &s.fusion {
                    f.write_str(" USING FUSION")?;
                    if !fusion.is_empty() {
                        f.write_char(' ')?;
                        settings(f, fusion)?;
                    }
                }
                if !s.group_by.is_empty() {
                    f.write_str(" GROUP BY ")?;
                    values(f, &s.group_by)?;
                }
                if let Some(having) = &s.having {
                    write!(f, " HAVING {having}")?;
                }
                if !s.order_by.is_empty() {
                    f.write_str(" ORDER BY ")?;
                    for (i, key) in s.order_by.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        operand(f, &key.expr, VALUE)?;
                        match key.direction {
                            Some(Direction::Asc) => f.write_str(" ASC")?,
                            Some(Direction::Desc) => f.write_str(" DESC")?,
                            None => {}
                        }
                    }
                }
                if let Some(limit) = &s.limit {
                    write!(f, " LIMIT {limit}")?;
                }
                if let Some(offset) = &s.offset {
                    write!(f, " OFFSET {offset}")?;
                }
                with(f, &s.with)
            }
            Self::Match(m) => write!(f, "{m}"),
            Self::Insert(i) => {
                let verb = if i.upsert { "UPSERT" } else { "INSERT" };
                write!(f, "{verb} INTO {} (", i.collection)?;
                list(f, &i.columns)?;
                f.write_str(") VALUES ")?;
                for (n, row) in i.rows.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    f.write_char('(')?;
                    values(f, &row.values)?;
                    f.write_char(')')?;
                }
                Ok(())
            }
            Self::Update(u) => {
                write!(f, "UPDATE {} SET ", u.collection)?;
                for (n, a) in u.assignments.iter().enumerate() {
                    if n > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{} = ", a.column)?;
                    operand(f, &a.value, VALUE)?;
                }
                if let Some(filter) = &u.filter {
                    write!(f, " WHERE {filter}")?;
                }
                Ok(())
            }
            Self::Delete(d) => write!(f, "DELETE FROM {} WHERE {}", d.collection, d.filter),
            Self::CreateCollection(c) => {
                write!(f, "CREATE COLLECTION {} ", c.collection)?;
                settings(f, &c.settings)?;
                with(f, &c.with)
            }
            Self::DropCollection {
                if_exists,
                collection,
            } => {
                let if_exists = if *if_exists { "IF EXISTS " } else { "" };
                write!(f, "DROP COLLECTION {if_exists}{collection}")
            }
            Self::CreateIndex {
                collection,
                field,
                kind,
                with: settings,
            } => {
                write!(f, "CREATE INDEX ON {collection} ({field})")?;
                if let Some(kind) = kind {
                    write!(f, " TYPE {kind}")?;
                }
                with(f, settings)
            }
            Self::DropIndex { collection, field } => {
                write!(f, "DROP INDEX ON {collection} ({field})")
            }
            Self::ShowCollections => f.write_str("SHOW COLLECTIONS"),
            Self::Describe { collection } => write!(f, "DESCRIBE {collection}"),
            Self::Explain { analyze, statement } => {
                let analyze = if *analyze { "ANALYZE " } else { "" };
                write!(f, "EXPLAIN {analyze}{statement}")
            }
        }
    }
}

pub(super) fn list<T: Display>(f: &mut Formatter<'_>, items: &[T]) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{item}")?;
    }
    Ok(())
}

/// Values where the grammar takes a value, not a condition: a condition there is parenthesized.
fn values(f: &mut Formatter<'_>, items: &[Expr]) -> fmt::Result {
    operands(f, items, VALUE)
}

fn settings(f: &mut Formatter<'_>, items: &[Setting]) -> fmt::Result {
    f.write_char('(')?;
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        write!(f, "{} = ", s.name)?;
        operand(f, &s.value, VALUE)?;
    }
    f.write_char(')')
}

fn with(f: &mut Formatter<'_>, items: &[Setting]) -> fmt::Result {
    if items.is_empty() {
        return Ok(());
    }
    f.write_str(" WITH ")?;
    settings(f, items)
}

impl Display for SelectItem {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Wildcard(_) => f.write_char('*'),
            Self::Expr { expr, alias } => {
                operand(f, expr, VALUE)?;
                match alias {
                    Some(alias) => write!(f, " AS {alias}"),
                    None => Ok(()),
                }
            }
        }
    }
}

impl Display for Column {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Id(_) => f.write_str("id"),
            Self::Vector(_) => f.write_str("vector"),
            Self::Field(field) => write!(f, "{field}"),
        }
    }
}

impl Display for Ident {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        name(f, &self.name)
    }
}

fn name(f: &mut Formatter<'_>, name: &str) -> fmt::Result {
    if is_bare_name(name) {
        f.write_str(name)
    } else {
        write!(f, "\"{name}\"")
    }
}

impl Display for FieldRef {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            match step {
                FieldStep::Key(key) => {
                    if i > 0 {
                        f.write_char('.')?;
                    }
                    // A bare `id`, `vector` or `score` names the point's own column.
                    let pseudo = ["id", "vector", "score"]
                        .iter()
                        .any(|p| p.eq_ignore_ascii_case(key));
                    if i == 0 && pseudo {
                        write!(f, "\"{key}\"")?;
                    } else {
                        name(f, key)?;
                    }
                }
                FieldStep::Each => f.write_str("[]")?,
                FieldStep::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Self::Null => f.write_str("NULL"),
            Self::Bool(true) => f.write_str("TRUE"),
            Self::Bool(false) => f.write_str("FALSE"),
            Self::Int(i) => write!(f, "{i}"),
            Self::UInt(u) => write!(f, "{u}"),
            // `{:?}` keeps a `.0` or an exponent, so the text reads back as a float.
            Self::Float(x) => write!(f, "{x:?}"),
            Self::String(s) => quoted(f, s),
        }
    }
}

fn quoted(f: &mut Formatter<'_>, s: &str) -> fmt::Result {
    write!(f, "'{}'", s.replace('\'', "''"))
}

/// How tightly an expression binds: an operand binding less tightly than its place requires is
/// printed in parentheses.
fn precedence(kind: &ExprKind) -> u8 {
    match kind {
        ExprKind::Or(_) => 1,
        ExprKind::And(_) => 2,
        ExprKind::Not(_) => 3,
        ExprKind::Compare { .. }
        | ExprKind::InList { .. }
        | ExprKind::Between { .. }
        | ExprKind::Like { .. }
        | ExprKind::IsNull { .. }
        | ExprKind::Contains { .. }
        | ExprKind::Near { .. }
        | ExprKind::TextMatch { .. } => 4,
        ExprKind::Arithmetic { .. } => 5,
        _ => 6,
    }
}

/// An operand of a test (`x` in `x = 1`) or of arithmetic must bind at least this tightly.
pub(super) const VALUE: u8 = 5;
const ATOM: u8 = 6;

pub(super) fn operand(f: &mut Formatter<'_>, expr: &Expr, min: u8) -> fmt::Result {
    if precedence(&expr.kind) < min {
        write!(f, "({expr})")
    } else {
        write!(f, "{expr}")
    }
}

fn operands(f: &mut Formatter<'_>, items: &[Expr], min: u8) -> fmt::Result {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            f.write_str(", ")?;
        }
        operand(f, item, min)?;
    }
    Ok(())
}

impl Display for Expr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ExprKind::Literal(l) => write!(f, "{l}"),
            ExprKind::Param(p) => write!(f, "${p}"),
            ExprKind::Array(items) => {
                f.write_char('[')?;
                operands(f, items, VALUE)?;
                f.write_char(']')
            }
            ExprKind::Interval(i) => {
                f.write_str("INTERVAL ")?;
                quoted(f, &i.text)
            }
            ExprKind::Now => f.write_str("NOW()"),
            ExprKind::Exists(exists) => write!(f, "{exists}"),
            ExprKind::Id => f.write_str("id"),
            ExprKind::Vector => f.write_str("vector"),
            ExprKind::Score => f.write_str("score"),
            ExprKind::Field(field) => write!(f, "{field}"),
            ExprKind::Similarity(None) => f.write_str("similarity()"),
            ExprKind::Similarity(Some(args)) => {
                f.write_str("similarity(")?;
                operand(f, &args.0, VALUE)?;
                f.write_str(", ")?;
                operand(f, &args.1, VALUE)?;
                f.write_char(')')
            }
            ExprKind::Aggregate {
                func,
                arg,
                distinct,
            } => {
                let name = match func {
                    AggregateFn::Count => "COUNT",
                    AggregateFn::Sum => "SUM",
                    AggregateFn::Avg => "AVG",
                    AggregateFn::Min => "MIN",
                    AggregateFn::Max => "MAX",
                };
                write!(f, "{name}(")?;
                if *distinct {
                    f.write_str("DISTINCT ")?;
                }
                match arg {
                    Some(arg) => operand(f, arg, VALUE)?,
                    None => f.write_char('*')?,
                }
                f.write_char(')')
            }
            ExprKind::Arithmetic { first, rest } => {
                operand(f, first, ATOM)?;
                for (op, term) in rest {
                    f.write_str(match op {
                        ArithOp::Add => " + ",
                        ArithOp::Sub => " - ",
                    })?;
                    operand(f, term, ATOM)?;
                }
                Ok(())
            }
            ExprKind::Compare { left, op, right } => {
                operand(f, left, VALUE)?;
                let op = match op {
                    CompareOp::Eq => " = ",
                    CompareOp::NotEq => " != ",
                    CompareOp::Lt => " < ",
                    CompareOp::LtEq => " <= ",
                    CompareOp::Gt => " > ",
                    CompareOp::GtEq => " >= ",
                };
                f.write_str(op)?;
                operand(f, right, VALUE)
            }
            ExprKind::InList {
                expr,
                list,
                negated,
            } => {
                operand(f, expr, VALUE)?;
                f.write_str(if *negated { " NOT IN (" } else { " IN (" })?;
                operands(f, list, VALUE)?;
                f.write_char(')')
            }
            ExprKind::Between {
                expr,
                low,
                high,
                negated,
            } => {
                operand(f, expr, VALUE)?;
                f.write_str(if *negated {
                    " NOT BETWEEN "
                } else {
                    " BETWEEN "
                })?;
                operand(f, low, VALUE)?;
                f.write_str(" AND ")?;
                operand(f, high, VALUE)
            }
            ExprKind::Like {
                expr,
                pattern,
                negated,
                case_insensitive,
            } => {
                operand(f, expr, VALUE)?;
                if *negated {
                    f.write_str(" NOT")?;
                }
                f.write_str(if *case_insensitive {
                    " ILIKE "
                } else {
                    " LIKE "
                })?;
                operand(f, pattern, VALUE)
            }
            ExprKind::IsNull { expr, negated } => {
                operand(f, expr, VALUE)?;
                f.write_str(if *negated { " IS NOT NULL" } else { " IS NULL" })
            }
            ExprKind::Contains { expr, what } => {
                operand(f, expr, VALUE)?;
                match what {
                    Containment::One(v) => {
                        f.write_str(" CONTAINS ")?;
                        operand(f, v, VALUE)
                    }
                    Containment::Any(list) | Containment::All(list) => {
                        let all = matches!(what, Containment::All(_));
                        f.write_str(if all {
                            " CONTAINS ALL ("
                        } else {
                            " CONTAINS ANY ("
                        })?;
                        operands(f, list, VALUE)?;
                        f.write_char(')')
                    }
                }
            }
            ExprKind::Near { target, query } => {
                operand(f, target, VALUE)?;
                f.write_str(" NEAR ")?;
                operand(f, query, VALUE)
            }
            ExprKind::TextMatch { expr, query } => {
                operand(f, expr, VALUE)?;
                f.write_str(" MATCH ")?;
                operand(f, query, VALUE)
            }
            ExprKind::And(items) | ExprKind::Or(items) => {
                let (sep, min) = match &self.kind {
                    ExprKind::And(_) => (" AND ", 3),
                    _ => (" OR ", 2),
                };
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        f.write_str(sep)?;
                    }
                    operand(f, item, min)?;
                }
                Ok(())
            }
            ExprKind::Not(inner) => {
                f.write_str("NOT ")?;
                operand(f, inner, 3)
            }
        }
    }
}
