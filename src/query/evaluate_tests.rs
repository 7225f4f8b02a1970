use std::collections::BTreeSet;

use super::*;
use crate::columns::FieldPath;
use crate::query::Interval;

fn payload(json: &str) -> Payload {
    serde_json::from_str(json).expect("test payload")
}

fn field(path: &str, condition: Condition) -> Predicate {
    Predicate::Field(FieldPath::parse(path).expect("valid path"), condition)
}

fn s(text: &str) -> Literal {
    Literal::String(text.to_owned())
}

fn holds(p: &Predicate, json: &str) -> bool {
    p.matches(PointId::Num(1), &payload(json))
}

#[test]
fn match_value_compares_without_coercion_and_reaches_array_elements() {
    let red = field("color", Condition::Equals(s("red")));
    assert!(holds(&red, r#"{"color": "red"}"#));
    assert!(holds(&red, r#"{"color": ["blue", "red"]}"#));
    assert!(!holds(&red, r#"{"color": "blue"}"#));
    assert!(!holds(&red, r#"{"color": ["blue"]}"#));
    assert!(!holds(&red, r#"{"other": "red"}"#));
    assert!(!holds(&red, r#"{"color": null}"#));
    // An array inside an array is not flattened.
    assert!(!holds(&red, r#"{"color": [["red"]]}"#));
    let one = field("n", Condition::Equals(Literal::Int(1)));
    assert!(holds(&one, r#"{"n": 1}"#));
    assert!(!holds(&one, r#"{"n": 1.0}"#));
    assert!(!holds(&one, r#"{"n": "1"}"#));
    assert!(!holds(&one, r#"{"n": true}"#));
    let yes = field("b", Condition::Equals(Literal::Bool(true)));
    assert!(holds(&yes, r#"{"b": true}"#));
    assert!(!holds(&yes, r#"{"b": 1}"#));
    let nested = field("meta.author", Condition::Equals(s("ann")));
    assert!(holds(&nested, r#"{"meta": {"author": "ann"}}"#));
    assert!(!holds(&nested, r#"{"meta": [{"author": "ann"}]}"#));
    let each = field("meta[].author", Condition::Equals(s("ann")));
    assert!(holds(
        &each,
        r#"{"meta": [{"author": "bob"}, {"author": "ann"}]}"#
    ));
}

#[test]
fn match_any_holds_when_some_value_is_listed() {
    let any = field("k", Condition::AnyOf(vec![s("a"), s("b")]));
    assert!(holds(&any, r#"{"k": "a"}"#));
    assert!(holds(&any, r#"{"k": ["x", "b"]}"#));
    assert!(!holds(&any, r#"{"k": "c"}"#));
    assert!(!holds(&any, r"{}"));
    assert!(!holds(
        &field("k", Condition::AnyOf(vec![])),
        r#"{"k": "a"}"#
    ));
    let ints = field(
        "k",
        Condition::AnyOf(vec![Literal::Int(1), Literal::Int(2)]),
    );
    assert!(holds(&ints, r#"{"k": [5, 2]}"#));
    assert!(!holds(&ints, r#"{"k": 2.0}"#));
}

#[test]
fn match_except_needs_some_non_null_value_outside_the_list() {
    let except = field("k", Condition::NoneOf(vec![s("a"), s("b")]));
    assert!(holds(&except, r#"{"k": "c"}"#));
    assert!(!holds(&except, r#"{"k": "a"}"#));
    assert!(holds(&except, r#"{"k": ["a", "c"]}"#));
    assert!(!holds(&except, r#"{"k": ["a", "b"]}"#));
    // Missing, null and empty fields have no value outside the list.
    assert!(!holds(&except, r"{}"));
    assert!(!holds(&except, r#"{"k": null}"#));
    assert!(!holds(&except, r#"{"k": []}"#));
    // A value of another type is not in the list.
    assert!(holds(&except, r#"{"k": 3}"#));
    assert!(holds(&except, r#"{"k": true}"#));
    assert!(holds(&except, r#"{"k": {"a": 1}}"#));
    let ints = field("k", Condition::NoneOf(vec![Literal::Int(1)]));
    assert!(!holds(&ints, r#"{"k": 1}"#));
    assert!(holds(&ints, r#"{"k": 1.0}"#));
    assert!(holds(&ints, r#"{"k": "1"}"#));
}

#[test]
fn number_ranges_read_integers_and_floats_with_open_and_closed_ends() {
    let closed = field(
        "p",
        Condition::NumberRange(Interval {
            lower: Some((1.0, true)),
            upper: Some((2.5, true)),
        }),
    );
    for inside in [r#"{"p": 1}"#, r#"{"p": 2.5}"#, r#"{"p": [0, 2]}"#] {
        assert!(holds(&closed, inside), "{inside}");
    }
    for outside in [
        r#"{"p": 0.99}"#,
        r#"{"p": 3}"#,
        r#"{"p": "2"}"#,
        r#"{"p": null}"#,
        r"{}",
        r#"{"p": [0, 3]}"#,
    ] {
        assert!(!holds(&closed, outside), "{outside}");
    }
    let open = field(
        "p",
        Condition::NumberRange(Interval {
            lower: Some((1.0, false)),
            upper: Some((2.0, false)),
        }),
    );
    assert!(!holds(&open, r#"{"p": 1}"#));
    assert!(!holds(&open, r#"{"p": 2}"#));
    assert!(holds(&open, r#"{"p": 1.5}"#));
    let huge = field(
        "p",
        Condition::NumberRange(Interval {
            lower: Some((1e19, true)),
            upper: None,
        }),
    );
    assert!(holds(&huge, r#"{"p": 18446744073709551615}"#));
}

#[test]
fn datetime_ranges_parse_stored_strings() {
    let from = parse_datetime("2024-05-01T00:00:00Z").expect("valid");
    let to = parse_datetime("2024-06-01T00:00:00Z").expect("valid");
    let may = field(
        "at",
        Condition::DatetimeRange(Interval {
            lower: Some((from, true)),
            upper: Some((to, false)),
        }),
    );
    assert!(holds(&may, r#"{"at": "2024-05-10T12:00:00+02:00"}"#));
    assert!(holds(&may, r#"{"at": "2024-05-01"}"#));
    assert!(!holds(&may, r#"{"at": "2024-06-01T00:00:00Z"}"#));
    assert!(!holds(&may, r#"{"at": "not a date"}"#));
    assert!(!holds(&may, r#"{"at": 1714557600}"#));
    assert!(holds(
        &may,
        r#"{"at": ["2020-01-01", "2024-05-02T00:00:00Z"]}"#
    ));
}

#[test]
fn is_null_and_is_empty_follow_qdrant() {
    let null = field("k", Condition::IsNull);
    let empty = field("k", Condition::IsEmpty);
    let cases = [
        // (payload, is_null, is_empty)
        (r#"{"k": null}"#, true, true),
        (r"{}", false, true),
        (r#"{"k": []}"#, false, true),
        (r#"{"k": [null]}"#, false, false),
        (r#"{"k": 0}"#, false, false),
        (r#"{"k": ""}"#, false, false),
        (r#"{"k": {}}"#, false, false),
    ];
    for (json, is_null, is_empty) in cases {
        assert_eq!(holds(&null, json), is_null, "is_null {json}");
        assert_eq!(holds(&empty, json), is_empty, "is_empty {json}");
    }
    let deep_null = field("a[].b", Condition::IsNull);
    assert!(holds(&deep_null, r#"{"a": [{"b": 1}, {"b": null}]}"#));
    assert!(!holds(&deep_null, r#"{"a": [{"b": 1}, {"c": null}]}"#));
}

#[test]
fn values_count_counts_array_elements_and_missing_fields_as_zero() {
    let at_least_two = field(
        "k",
        Condition::ValuesCount(Interval {
            lower: Some((2, true)),
            upper: None,
        }),
    );
    assert!(holds(&at_least_two, r#"{"k": [1, 2]}"#));
    assert!(!holds(&at_least_two, r#"{"k": [1]}"#));
    assert!(!holds(&at_least_two, r#"{"k": "ab"}"#));
    let below_one = field(
        "k",
        Condition::ValuesCount(Interval {
            lower: None,
            upper: Some((1, false)),
        }),
    );
    assert!(holds(&below_one, r"{}"));
    assert!(holds(&below_one, r#"{"k": null}"#));
    assert!(holds(&below_one, r#"{"k": []}"#));
    assert!(!holds(&below_one, r#"{"k": 5}"#));
}

#[test]
fn has_id_and_connectives() {
    let ids: BTreeSet<PointId> = [PointId::Num(1), PointId::Num(3)].into();
    let has = Predicate::HasId(ids);
    assert!(has.matches(PointId::Num(3), &Payload::new()));
    assert!(!has.matches(PointId::Num(2), &Payload::new()));
    let a = field("a", Condition::Equals(Literal::Int(1)));
    let b = field("b", Condition::Equals(Literal::Int(1)));
    let c = field("c", Condition::Equals(Literal::Int(1)));
    let json = r#"{"a": 1, "b": 1, "c": 2}"#;
    assert!(holds(&Predicate::All, json));
    assert!(holds(&Predicate::And(vec![]), json));
    assert!(!holds(&Predicate::Or(vec![]), json));
    assert!(holds(&Predicate::And(vec![a.clone(), b.clone()]), json));
    assert!(!holds(&Predicate::And(vec![a.clone(), c.clone()]), json));
    assert!(holds(&Predicate::Or(vec![c.clone(), b.clone()]), json));
    assert!(!holds(&Predicate::Not(Box::new(a.clone())), json));
    let of = vec![a, b, c];
    for (min, expect) in [(0, true), (1, true), (2, true), (3, false)] {
        let p = Predicate::AtLeast {
            min,
            of: of.clone(),
        };
        assert_eq!(holds(&p, json), expect, "min_should {min}");
    }
}

#[test]
fn nested_conditions_hold_on_one_element() {
    let inner = Predicate::And(vec![
        field("name", Condition::Equals(s("x"))),
        field("n", Condition::Equals(Literal::Int(2))),
    ]);
    let nested = Predicate::Nested {
        path: FieldPath::parse("items").expect("valid"),
        inner: Box::new(inner.clone()),
    };
    assert!(holds(
        &nested,
        r#"{"items": [{"name": "y", "n": 2}, {"name": "x", "n": 2}]}"#
    ));
    // Both conditions hold, but on different elements.
    assert!(!holds(
        &nested,
        r#"{"items": [{"name": "x", "n": 1}, {"name": "y", "n": 2}]}"#
    ));
    // The flat form (paths through every element) would match that payload.
    let flat = Predicate::And(vec![
        field("items[].name", Condition::Equals(s("x"))),
        field("items[].n", Condition::Equals(Literal::Int(2))),
    ]);
    assert!(holds(
        &flat,
        r#"{"items": [{"name": "x", "n": 1}, {"name": "y", "n": 2}]}"#
    ));
    assert!(!holds(&nested, r#"{"items": {"name": "x", "n": 2}}"#));
    assert!(!holds(&nested, r#"{"items": [1, "x"]}"#));
    assert!(!holds(&nested, r"{}"));
    // A has_id inside a nested condition has no id to match.
    let with_id = Predicate::Nested {
        path: FieldPath::parse("items").expect("valid"),
        inner: Box::new(Predicate::HasId([PointId::Num(1)].into())),
    };
    assert!(!holds(&with_id, r#"{"items": [{}]}"#));
    // Nested inside nested.
    let deep = Predicate::Nested {
        path: FieldPath::parse("outer").expect("valid"),
        inner: Box::new(nested),
    };
    assert!(holds(
        &deep,
        r#"{"outer": [{"items": [{"name": "x", "n": 2}]}]}"#
    ));
}

#[test]
fn like_matches_string_values_and_array_elements_only() {
    let pattern = |p: &str, ci: bool| {
        field(
            "title",
            Condition::Like(crate::query::LikePattern::new(p, ci).expect("valid pattern")),
        )
    };
    let the = pattern("The %", false);
    assert!(holds(&the, r#"{"title": "The End"}"#));
    assert!(holds(&the, r#"{"title": ["x", "The End"]}"#));
    assert!(!holds(&the, r#"{"title": "the end"}"#));
    assert!(!holds(&the, r#"{"title": null}"#));
    assert!(!holds(&the, r#"{"other": "The End"}"#));
    assert!(holds(&pattern("the %", true), r#"{"title": "THE END"}"#));
    let digits = pattern("1%", false);
    assert!(
        !holds(&digits, r#"{"title": 12}"#),
        "numbers are not strings"
    );
    assert!(holds(&digits, r#"{"title": "12"}"#));
}
