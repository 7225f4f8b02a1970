//! Lowering `WHERE` clauses: the predicate each operator becomes, the search and threshold
//! taken apart, and the positioned refusals.

use std::collections::{BTreeMap, BTreeSet};

use super::ast::Statement;
use super::{
    ErrorCode, LowerContext, LoweredWhere, ParamValue, Params, ParseError, lower_where, parse,
};
use crate::columns::{FieldPath, Payload, Value};
use crate::engine::PointId;
use crate::query::{Condition, Interval, Literal, Predicate};

/// 2024-05-01T10:00:00Z.
const NOW: i64 = 1_714_557_600_000_000;
const DAY: i64 = 86_400_000_000;

fn params() -> Params {
    BTreeMap::from([
        (
            "v".to_owned(),
            ParamValue::List(vec![ParamValue::Float(0.5), ParamValue::Int(1)]),
        ),
        ("n".to_owned(), ParamValue::Int(7)),
        ("s".to_owned(), ParamValue::String("x".into())),
        (
            "ids".to_owned(),
            ParamValue::List(vec![ParamValue::Int(3), ParamValue::Int(4)]),
        ),
    ])
}

fn lower(condition: &str) -> Result<LoweredWhere, ParseError> {
    let text = format!("SELECT * FROM c WHERE {condition}");
    let statements = parse(&text)?;
    let Some(Statement::Select(select)) = statements.first() else {
        panic!("not a select");
    };
    let filter = select.filter.as_ref().expect("a WHERE clause");
    let params = params();
    lower_where(
        filter,
        &LowerContext {
            exists: None,
            source: &text,
            params: &params,
            now_micros: NOW,
        },
    )
}

fn predicate(condition: &str) -> Predicate {
    let lowered = lower(condition).unwrap_or_else(|e| panic!("{condition}: {e}"));
    assert!(lowered.near.is_none() && lowered.min_similarity.is_none());
    lowered.predicate
}

fn field(path: &str, c: Condition) -> Predicate {
    Predicate::Field(FieldPath::parse(path).expect("path"), c)
}

fn not(p: Predicate) -> Predicate {
    Predicate::Not(Box::new(p))
}

fn range(lower: Option<(f64, bool)>, upper: Option<(f64, bool)>) -> Condition {
    Condition::NumberRange(Interval { lower, upper })
}

/// The refusal's code and the text its span starts at (within the WHERE clause).
fn refused(condition: &str) -> (ErrorCode, String) {
    let e = lower(condition).expect_err(condition);
    let text = format!("SELECT * FROM c WHERE {condition}");
    (e.code, text[e.span.start..].to_owned())
}

#[test]
fn equality_and_membership_become_match_conditions() {
    let s = |t: &str| Literal::String(t.into());
    assert_eq!(
        predicate("pos = 'n'"),
        field("pos", Condition::Equals(s("n")))
    );
    assert_eq!(
        predicate("'n' = pos"),
        field("pos", Condition::Equals(s("n")))
    );
    assert_eq!(
        predicate("n = $n"),
        field("n", Condition::Equals(Literal::Int(7)))
    );
    assert_eq!(
        predicate("ok = TRUE"),
        field("ok", Condition::Equals(Literal::Bool(true)))
    );
    assert_eq!(
        predicate("a != 1"),
        not(field("a", Condition::Equals(Literal::Int(1))))
    );
    assert_eq!(
        predicate("a <> 1"),
        not(field("a", Condition::Equals(Literal::Int(1))))
    );
    assert_eq!(
        predicate("x = 1.5"),
        field("x", range(Some((1.5, true)), Some((1.5, true))))
    );
    assert_eq!(
        predicate("tag IN ('a', $s, 3)"),
        field(
            "tag",
            Condition::AnyOf(vec![s("a"), s("x"), Literal::Int(3)])
        )
    );
    assert_eq!(
        predicate("tag NOT IN ('a')"),
        not(field("tag", Condition::AnyOf(vec![s("a")])))
    );
    assert_eq!(
        predicate("tags CONTAINS 'a'"),
        field("tags", Condition::Equals(s("a")))
    );
    assert_eq!(
        predicate("tags CONTAINS ANY ('a', 'b')"),
        field("tags", Condition::AnyOf(vec![s("a"), s("b")]))
    );
    assert_eq!(
        predicate("tags CONTAINS ALL ('a', 'b')"),
        Predicate::And(vec![
            field("tags", Condition::Equals(s("a"))),
            field("tags", Condition::Equals(s("b"))),
        ])
    );
    assert_eq!(
        predicate("meta.\"odd.key\"[].x = 1"),
        field("meta.\"odd.key\"[].x", Condition::Equals(Literal::Int(1)))
    );
}

#[test]
fn ids_become_has_id_with_list_parameters_spread() {
    let ids = |xs: &[u64]| Predicate::HasId(xs.iter().map(|x| PointId::Num(*x)).collect());
    assert_eq!(predicate("id = 5"), ids(&[5]));
    assert_eq!(predicate("id IN (1, 2, $ids)"), ids(&[1, 2, 3, 4]));
    assert_eq!(predicate("id != 5"), not(ids(&[5])));
    let u = "67e55044-10b1-426f-9247-bb680e5fe0c8";
    assert_eq!(
        predicate(&format!("id = '{u}'")),
        Predicate::HasId(BTreeSet::from([PointId::Uuid(u.parse().expect("uuid"))]))
    );
    assert_eq!(predicate("id = 18446744073709551615"), ids(&[u64::MAX]));
    assert_eq!(refused("id IN (1, -2)").0, ErrorCode::TypeMismatch);
    assert_eq!(
        refused("id < 3"),
        (ErrorCode::InvalidCondition, "id < 3".into())
    );
}

#[test]
fn ranges_read_numbers_and_datetimes() {
    assert_eq!(
        predicate("n >= 2"),
        field("n", range(Some((2.0, true)), None))
    );
    assert_eq!(
        predicate("2 < n"),
        field("n", range(Some((2.0, false)), None))
    );
    assert_eq!(
        predicate("n <= 2.5"),
        field("n", range(None, Some((2.5, true))))
    );
    assert_eq!(
        predicate("n BETWEEN 1 AND 3"),
        field("n", range(Some((1.0, true)), Some((3.0, true))))
    );
    assert_eq!(
        predicate("n NOT BETWEEN 1 AND 3"),
        not(field("n", range(Some((1.0, true)), Some((3.0, true)))))
    );
    let dt = |lower, upper| field("at", Condition::DatetimeRange(Interval { lower, upper }));
    assert_eq!(
        predicate("at > '2024-05-01T10:00:00Z'"),
        dt(Some((NOW, false)), None)
    );
    assert_eq!(predicate("at < NOW()"), dt(None, Some((NOW, false))));
    assert_eq!(
        predicate("at >= NOW() - INTERVAL '7 days'"),
        dt(Some((NOW - 7 * DAY, true)), None)
    );
    assert_eq!(
        predicate("at BETWEEN NOW() - INTERVAL '1 day' AND NOW() + INTERVAL '2 hours'"),
        dt(Some((NOW - DAY, true)), Some((NOW + DAY / 12, true)))
    );
    assert_eq!(
        predicate("at BETWEEN '2024-05-01' AND NOW()"),
        dt(Some((NOW - 10 * 3_600_000_000, true)), Some((NOW, true)))
    );
    assert_eq!(
        refused("at > 'yesterday'"),
        (ErrorCode::TypeMismatch, "'yesterday'".into())
    );
    assert_eq!(refused("at > TRUE").0, ErrorCode::TypeMismatch);
    assert_eq!(
        refused("at > NOW() - 7"),
        (ErrorCode::TypeMismatch, "7".into())
    );
}

#[test]
fn null_like_and_connectives_lower_as_documented() {
    assert_eq!(predicate("a IS NULL"), field("a", Condition::IsEmpty));
    assert_eq!(
        predicate("a IS NOT NULL"),
        not(field("a", Condition::IsEmpty))
    );
    assert_eq!(
        predicate("(a = 1 OR NOT b = 2) AND c = 3"),
        Predicate::And(vec![
            Predicate::Or(vec![
                field("a", Condition::Equals(Literal::Int(1))),
                not(field("b", Condition::Equals(Literal::Int(2)))),
            ]),
            field("c", Condition::Equals(Literal::Int(3))),
        ])
    );
    assert_eq!(predicate("TRUE"), Predicate::All);
    assert_eq!(predicate("FALSE"), Predicate::Or(vec![]));
    let title = FieldPath::parse("title").expect("path");
    let payload =
        |t: &str| -> Payload { BTreeMap::from([("title".into(), Value::String(t.into()))]) };
    let id = PointId::Num(1);
    let like = predicate("title LIKE 'The %'");
    assert!(like.matches(id, &payload("The End")) && !like.matches(id, &payload("the end")));
    let ilike = predicate("title NOT ILIKE 'the\\_%'");
    assert!(ilike.matches(id, &payload("The End")) && !ilike.matches(id, &payload("THE_END")));
    assert!(matches!(like, Predicate::Field(ref p, Condition::Like(_)) if *p == title));
    assert_eq!(refused("title LIKE 'a\\'").0, ErrorCode::InvalidLiteral);
    assert_eq!(refused("title LIKE 3").0, ErrorCode::TypeMismatch);
}

#[test]
fn the_search_and_its_threshold_come_back_apart_from_the_filter() {
    let l = lower("vector NEAR $v AND pos = 'n' AND similarity(vector, $v) >= 0.8").expect("ok");
    assert_eq!(
        l.near.as_ref().map(|n| n.vector.clone()),
        Some(vec![0.5, 1.0])
    );
    let floor = l.min_similarity.expect("a floor");
    assert!((floor.min - 0.8).abs() < 1e-6 && floor.inclusive);
    assert_eq!(
        l.predicate,
        field("pos", Condition::Equals(Literal::String("n".into())))
    );

    let l = lower("vector NEAR [1, -2.5]").expect("ok");
    assert_eq!(l.near.map(|n| n.vector), Some(vec![1.0, -2.5]));
    assert_eq!(l.predicate, Predicate::All);

    let l = lower("similarity(vector, [1, 2]) > 0.5").expect("ok");
    assert_eq!(l.near.map(|n| n.vector), Some(vec![1.0, 2.0]));
    assert_eq!(l.min_similarity.map(|f| f.inclusive), Some(false));

    let l = lower("vector NEAR $v AND 0.5 < score").expect("ok");
    assert_eq!(l.min_similarity.map(|f| f.inclusive), Some(false));
}

#[test]
fn misplaced_searches_unbound_parameters_and_values_are_refused_at_their_place() {
    for (condition, code, at) in [
        (
            "a = 1 OR vector NEAR $v",
            ErrorCode::InvalidCondition,
            "vector NEAR",
        ),
        (
            "NOT vector NEAR $v",
            ErrorCode::InvalidCondition,
            "vector NEAR",
        ),
        (
            "vector NEAR $v AND vector NEAR $v",
            ErrorCode::InvalidCondition,
            "vector NEAR $v",
        ),
        (
            "meta.title NEAR $v",
            ErrorCode::InvalidCondition,
            "meta.title",
        ),
        (
            "vector NEAR [[1, 0.5]]",
            ErrorCode::InvalidCondition,
            "[[1, 0.5]]",
        ),
        ("words NEAR [[-1, 0.5]]", ErrorCode::TypeMismatch, "-1"),
        ("vector NEAR $n", ErrorCode::TypeMismatch, "$n"),
        ("vector NEAR ['a']", ErrorCode::TypeMismatch, "'a'"),
        ("vector NEAR [1e300]", ErrorCode::TypeMismatch, "1e300"),
        ("vector NEAR $nope", ErrorCode::UnboundParameter, "$nope"),
        ("a = $nope", ErrorCode::UnboundParameter, "$nope"),
        ("a = $v", ErrorCode::TypeMismatch, "$v"),
        (
            "similarity() > 0.5",
            ErrorCode::InvalidCondition,
            "similarity()",
        ),
        (
            "vector NEAR $v AND similarity(vector, [9]) > 0.5",
            ErrorCode::InvalidCondition,
            "[9]",
        ),
        (
            "similarity(vector, $v) < 0.5",
            ErrorCode::InvalidCondition,
            "similarity(vector",
        ),
        ("a = 1 OR score > 1", ErrorCode::InvalidCondition, "score"),
        ("a = NULL", ErrorCode::TypeMismatch, "NULL"),
        ("a = b", ErrorCode::TypeMismatch, "b"),
        ("1 = 1", ErrorCode::InvalidCondition, "1 = 1"),
        ("a", ErrorCode::InvalidCondition, "a"),
        ("COUNT(*) > 1", ErrorCode::InvalidCondition, "COUNT(*)"),
        ("a = INTERVAL '1 day'", ErrorCode::TypeMismatch, "INTERVAL"),
        (
            "a > 18446744073709551615 AND b = 18446744073709551615",
            ErrorCode::TypeMismatch,
            "18446744073709551615",
        ),
    ] {
        let (got, rest) = refused(condition);
        assert_eq!(got, code, "{condition}");
        assert!(
            rest.starts_with(at),
            "{condition}: error at {rest:?}, expected {at:?}"
        );
    }
}
