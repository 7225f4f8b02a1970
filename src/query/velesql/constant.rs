//! [`constant`]: the payload [`Value`] a constant expression stands for (a literal, a bound
//! `$parameter`, a list, `NOW()` and `NOW() ± INTERVAL`), as `INSERT ... VALUES`, `UPDATE ... SET`,
//! `LIMIT` and `WITH (...)` use them. Datetimes become RFC 3339 strings (UTC, microseconds), the
//! form datetime indexes and filters read.

use super::ast::{ArithOp, Expr, ExprKind, FieldRef, FieldStep, Literal};
use super::error::{ErrorCode, ParseError};
use super::lower::LowerContext;
use crate::columns::{FieldPath, Value, parse_datetime};

/// The value `e` stands for.
///
/// # Errors
/// `unbound_parameter` for a `$name` the request does not bind, `type_mismatch` for anything
/// that is not a constant (a field, a condition, an object parameter...), `invalid_literal` for
/// a datetime out of range.
pub fn constant(e: &Expr, ctx: &LowerContext<'_>) -> Result<Value, ParseError> {
    let error = |code, message: &str| ParseError::new(ctx.source, code, message, e.span);
    match &e.kind {
        ExprKind::Literal(l) => Ok(match l {
            Literal::Null => Value::Null,
            Literal::Bool(b) => Value::Bool(*b),
            Literal::Int(i) => Value::Int(*i),
            Literal::UInt(u) => Value::UInt(*u),
            Literal::Float(x) => Value::Float(*x),
            Literal::String(s) => Value::String(s.clone()),
        }),
        ExprKind::Param(name) => ctx
            .params
            .get(name)
            .cloned()
            .map(Value::from)
            .ok_or_else(|| {
                ParseError::new(
                    ctx.source,
                    ErrorCode::UnboundParameter,
                    format!("the parameter ${name} is not bound: add it to the request's params"),
                    e.span,
                )
            }),
        ExprKind::Array(items) => items
            .iter()
            .map(|item| constant(item, ctx))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::Array),
        ExprKind::Now | ExprKind::Arithmetic { .. } => {
            let t = instant(e, ctx)?;
            format_instant(t)
                .map(Value::String)
                .ok_or_else(|| error(ErrorCode::InvalidLiteral, "this datetime is out of range"))
        }
        ExprKind::Interval(_) => Err(error(
            ErrorCode::TypeMismatch,
            "an INTERVAL is a length of time: add it to a datetime (NOW() - INTERVAL '7 days')",
        )),
        _ => Err(error(
            ErrorCode::TypeMismatch,
            "expected a value here: a literal, a list, a $parameter or NOW()",
        )),
    }
}

/// The instant (microseconds since the epoch) of `NOW()`, a datetime string, or either plus or
/// minus intervals.
fn instant(e: &Expr, ctx: &LowerContext<'_>) -> Result<i64, ParseError> {
    let error =
        |code, message: &str, at: &Expr| ParseError::new(ctx.source, code, message, at.span);
    match &e.kind {
        ExprKind::Now => Ok(ctx.now_micros),
        ExprKind::Arithmetic { first, rest } => {
            let mut t = instant(first, ctx)?;
            for (op, term) in rest {
                let ExprKind::Interval(interval) = &term.kind else {
                    return Err(error(
                        ErrorCode::TypeMismatch,
                        "only an INTERVAL can be added to or subtracted from a datetime",
                        term,
                    ));
                };
                t = match op {
                    ArithOp::Add => t.checked_add(interval.micros),
                    ArithOp::Sub => t.checked_sub(interval.micros),
                }
                .ok_or_else(|| {
                    error(
                        ErrorCode::InvalidLiteral,
                        "this datetime is out of range",
                        e,
                    )
                })?;
            }
            Ok(t)
        }
        _ => match constant(e, ctx)? {
            Value::String(s) => parse_datetime(&s).ok_or_else(|| {
                error(
                    ErrorCode::TypeMismatch,
                    "expected a datetime (RFC 3339) here",
                    e,
                )
            }),
            _ => Err(error(
                ErrorCode::TypeMismatch,
                "expected a datetime here",
                e,
            )),
        },
    }
}

/// The payload path a field reference names (keys holding `.`, `[` or `]` quoted).
///
/// # Errors
/// `invalid_literal` when the path is not a valid one (too long, too deep).
pub fn field_path(field: &FieldRef, source: &str) -> Result<FieldPath, ParseError> {
    let mut text = String::new();
    for (i, step) in field.steps.iter().enumerate() {
        match step {
            FieldStep::Key(key) => {
                if i > 0 {
                    text.push('.');
                }
                if key.contains(['.', '[', ']']) {
                    text.push('"');
                    text.push_str(key);
                    text.push('"');
                } else {
                    text.push_str(key);
                }
            }
            FieldStep::Each => text.push_str("[]"),
            FieldStep::Index(n) => {
                text.push('[');
                text.push_str(&n.to_string());
                text.push(']');
            }
        }
    }
    FieldPath::parse(&text).map_err(|why| {
        ParseError::new(
            source,
            ErrorCode::InvalidLiteral,
            why.to_string(),
            field.span,
        )
    })
}

/// `t` (microseconds since the epoch) as an RFC 3339 string in UTC.
#[must_use]
pub fn format_instant(t: i64) -> Option<String> {
    chrono::DateTime::from_timestamp_micros(t)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::velesql::ast::Statement;
    use crate::query::velesql::{ParamValue, Params, parse};

    fn values_of(text: &str, params: &Params) -> Result<Vec<Value>, ParseError> {
        let statements = parse(text)?;
        let Some(Statement::Insert(insert)) = statements.first() else {
            panic!("not an insert: {text}");
        };
        let ctx = LowerContext {
            exists: None,
            source: text,
            params,
            now_micros: 1_700_000_000_000_000,
        };
        insert.rows[0]
            .values
            .iter()
            .map(|v| constant(v, &ctx))
            .collect()
    }

    #[test]
    fn literals_params_lists_and_datetimes_become_values() {
        let mut params = Params::new();
        params.insert(
            "v".into(),
            ParamValue::List(vec![ParamValue::Float(0.5), ParamValue::Int(1)]),
        );
        let got = values_of(
            "INSERT INTO c (id, vector, a, b, c, d) VALUES (7, $v, 'x', NULL, [1, 2.5], NOW() - INTERVAL '1 day')",
            &params,
        )
        .expect("values");
        assert_eq!(got[0], Value::Int(7));
        assert_eq!(got[1], Value::Array(vec![Value::Float(0.5), Value::Int(1)]));
        assert_eq!(got[2], Value::String("x".into()));
        assert_eq!(got[3], Value::Null);
        assert_eq!(got[4], Value::Array(vec![Value::Int(1), Value::Float(2.5)]));
        assert_eq!(got[5], Value::String("2023-11-13T22:13:20Z".into()));
    }

    #[test]
    fn unbound_parameters_and_non_constants_are_refused_with_positions() {
        let e = values_of("INSERT INTO c (id, a) VALUES (1, $missing)", &Params::new())
            .expect_err("unbound");
        assert_eq!(e.code, ErrorCode::UnboundParameter);
        assert_eq!(e.column, 34);
        let e = values_of(
            "INSERT INTO c (id, a) VALUES (1, INTERVAL '1 day')",
            &Params::new(),
        )
        .expect_err("interval alone");
        assert_eq!(e.code, ErrorCode::TypeMismatch);
    }
}
