//! Property tests: random syntax trees print to canonical text that parses back to the same
//! tree, and lowering whatever WHERE clause comes out never panics and places its errors inside
//! the text.

use proptest::collection::vec;
use proptest::prelude::*;

use super::ast::{
    AggregateFn, ArithOp, Assignment, Column, CompareOp, Containment, CreateCollection, Delete,
    Direction, Expr, ExprKind, FieldRef, FieldStep, Ident, Insert, Interval, Literal, OrderKey,
    Row, Select, SelectItem, Setting, Span, Statement, Update,
};
use super::{LowerContext, ParamValue, Params, lower_where, parse, parse_interval};

fn expr(kind: ExprKind) -> Expr {
    Expr::new(kind, Span::default())
}

/// A name: usually bare, sometimes one that must be quoted.
fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z_][a-zA-Z0-9_]{0,6}",
        1 => "[^\"\\x00]{1,8}",
        1 => prop::sample::select(vec!["order", "select", "id", "Vector", "score", "null", "x y"])
            .prop_map(str::to_owned),
    ]
}

fn ident() -> impl Strategy<Value = Ident> {
    name().prop_map(|name| Ident {
        name,
        span: Span::default(),
    })
}

fn field() -> impl Strategy<Value = FieldRef> {
    (
        name(),
        vec(
            prop_oneof![
                3 => name().prop_map(FieldStep::Key),
                1 => Just(FieldStep::Each),
                1 => (0usize..100).prop_map(FieldStep::Index),
            ],
            0..3,
        ),
    )
        .prop_map(|(first, rest)| {
            let mut steps = vec![FieldStep::Key(first)];
            steps.extend(rest);
            FieldRef {
                steps,
                span: Span::default(),
            }
        })
}

fn literal() -> impl Strategy<Value = Literal> {
    prop_oneof![
        Just(Literal::Null),
        any::<bool>().prop_map(Literal::Bool),
        any::<i64>().prop_map(Literal::Int),
        (i64::MAX.unsigned_abs() + 1..=u64::MAX).prop_map(Literal::UInt),
        any::<f64>()
            .prop_filter("finite", |x| x.is_finite())
            .prop_map(Literal::Float),
        "\\PC{0,12}".prop_map(Literal::String),
        "['x]{0,4}".prop_map(Literal::String),
    ]
}

fn interval() -> impl Strategy<Value = Interval> {
    (
        0u32..1000,
        prop::sample::select(vec!["days", "hour", "s", "weeks", "ms"]),
    )
        .prop_filter_map("valid", |(n, unit)| {
            parse_interval(&format!("{n} {unit}")).ok()
        })
}

fn leaf() -> impl Strategy<Value = Expr> {
    prop_oneof![
        4 => literal().prop_map(|l| expr(ExprKind::Literal(l))),
        2 => "[a-z_][a-z0-9_]{0,5}".prop_map(|p| expr(ExprKind::Param(p))),
        4 => field().prop_map(|f| expr(ExprKind::Field(f))),
        1 => interval().prop_map(|i| expr(ExprKind::Interval(i))),
        1 => Just(expr(ExprKind::Now)),
        1 => Just(expr(ExprKind::Id)),
        1 => Just(expr(ExprKind::Vector)),
        1 => Just(expr(ExprKind::Score)),
        1 => Just(expr(ExprKind::Similarity(None))),
    ]
}

fn compare_op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(vec![
        CompareOp::Eq,
        CompareOp::NotEq,
        CompareOp::Lt,
        CompareOp::LtEq,
        CompareOp::Gt,
        CompareOp::GtEq,
    ])
}

/// Any expression: values and conditions mixed at every depth, as the grammar allows.
fn any_expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 40, 4, |inner| {
        let b = move || inner.clone().prop_map(Box::new);
        let list = vec(b().prop_map(|e| *e), 1..4);
        prop_oneof![
            vec(b().prop_map(|e| *e), 0..4).prop_map(|items| expr(ExprKind::Array(items))),
            (b(), b()).prop_map(|(x, y)| expr(ExprKind::Similarity(Some(Box::new((*x, *y)))))),
            (
                prop::sample::select(vec![
                    AggregateFn::Count,
                    AggregateFn::Sum,
                    AggregateFn::Avg,
                    AggregateFn::Min,
                    AggregateFn::Max,
                ]),
                prop::option::of(b()),
                any::<bool>(),
            )
                .prop_map(|(func, arg, distinct)| {
                    let arg = if func == AggregateFn::Count {
                        arg
                    } else {
                        Some(arg.unwrap_or_else(|| Box::new(expr(ExprKind::Id))))
                    };
                    let distinct = distinct && arg.is_some();
                    expr(ExprKind::Aggregate {
                        func,
                        arg,
                        distinct,
                    })
                }),
            (
                b(),
                vec(
                    (
                        prop::sample::select(vec![ArithOp::Add, ArithOp::Sub]),
                        b().prop_map(|e| *e),
                    ),
                    1..3
                )
            )
                .prop_map(|(first, rest)| expr(ExprKind::Arithmetic { first, rest })),
            (b(), compare_op(), b()).prop_map(|(left, op, right)| expr(ExprKind::Compare {
                left,
                op,
                right
            })),
            (b(), list.clone(), any::<bool>()).prop_map(|(e, list, negated)| expr(
                ExprKind::InList {
                    expr: e,
                    list,
                    negated
                }
            )),
            (b(), b(), b(), any::<bool>()).prop_map(|(e, low, high, negated)| expr(
                ExprKind::Between {
                    expr: e,
                    low,
                    high,
                    negated
                }
            )),
            (b(), b(), any::<bool>(), any::<bool>()).prop_map(
                |(e, pattern, negated, case_insensitive)| expr(ExprKind::Like {
                    expr: e,
                    pattern,
                    negated,
                    case_insensitive
                })
            ),
            (b(), any::<bool>())
                .prop_map(|(e, negated)| expr(ExprKind::IsNull { expr: e, negated })),
            (
                b(),
                prop_oneof![
                    b().prop_map(Containment::One),
                    list.clone().prop_map(Containment::Any),
                    list.clone().prop_map(Containment::All),
                ]
            )
                .prop_map(|(e, what)| expr(ExprKind::Contains { expr: e, what })),
            (b(), b()).prop_map(|(target, query)| expr(ExprKind::Near { target, query })),
            vec(b().prop_map(|e| *e), 2..4).prop_map(|items| expr(ExprKind::And(items))),
            vec(b().prop_map(|e| *e), 2..4).prop_map(|items| expr(ExprKind::Or(items))),
            b().prop_map(|e| expr(ExprKind::Not(e))),
        ]
    })
}

fn count() -> impl Strategy<Value = Expr> {
    prop_oneof![
        (0i64..i64::MAX).prop_map(|n| expr(ExprKind::Literal(Literal::Int(n)))),
        "[a-z]{1,3}".prop_map(|p| expr(ExprKind::Param(p))),
    ]
}

fn settings(min: usize) -> impl Strategy<Value = Vec<Setting>> {
    vec(
        (ident(), any_expr()).prop_map(|(name, value)| Setting { name, value }),
        min..3,
    )
}

fn column() -> impl Strategy<Value = Column> {
    prop_oneof![
        Just(Column::Id(Span::default())),
        Just(Column::Vector(Span::default())),
        field().prop_map(Column::Field),
    ]
}

fn select() -> impl Strategy<Value = Select> {
    (
        vec(
            prop_oneof![
                1 => Just(SelectItem::Wildcard(Span::default())),
                4 => (any_expr(), prop::option::of(ident()))
                    .prop_map(|(expr, alias)| SelectItem::Expr { expr, alias }),
            ],
            1..3,
        ),
        ident(),
        prop::option::of(any_expr()),
        prop::option::of(settings(0)),
        vec(any_expr(), 0..2),
        prop::option::of(any_expr()),
        vec(
            (
                any_expr(),
                prop::option::of(prop::sample::select(vec![Direction::Asc, Direction::Desc])),
            )
                .prop_map(|(expr, direction)| OrderKey { expr, direction }),
            0..3,
        ),
        prop::option::of(count()),
        prop::option::of(count()),
        settings(0),
    )
        .prop_map(
            |(
                projection,
                from,
                filter,
                fusion,
                group_by,
                having,
                order_by,
                limit,
                offset,
                with,
            )| Select {
                projection,
                from,
                filter,
                fusion,
                group_by,
                having,
                order_by,
                limit,
                offset,
                with,
                span: Span::default(),
            },
        )
}

fn plain_statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        4 => select().prop_map(|s| Statement::Select(Box::new(s))),
        1 => (
            any::<bool>(),
            ident(),
            vec(column(), 1..4),
            vec(vec(any_expr(), 1..3), 1..3),
        )
            .prop_map(|(upsert, collection, columns, rows)| Statement::Insert(Insert {
                upsert,
                collection,
                columns,
                rows: rows
                    .into_iter()
                    .map(|values| Row {
                        values,
                        span: Span::default(),
                    })
                    .collect(),
                span: Span::default(),
            })),
        1 => (
            ident(),
            vec(
                (column(), any_expr()).prop_map(|(column, value)| Assignment { column, value }),
                1..3
            ),
            prop::option::of(any_expr()),
        )
            .prop_map(|(collection, assignments, filter)| Statement::Update(Update {
                collection,
                assignments,
                filter,
                span: Span::default(),
            })),
        1 => (ident(), any_expr()).prop_map(|(collection, filter)| Statement::Delete(Delete {
            collection,
            filter,
            span: Span::default(),
        })),
        1 => (ident(), settings(1), settings(0)).prop_map(|(collection, settings, with)| {
            Statement::CreateCollection(CreateCollection {
                collection,
                settings,
                with,
                span: Span::default(),
            })
        }),
        1 => (any::<bool>(), ident()).prop_map(|(if_exists, collection)| {
            Statement::DropCollection {
                if_exists,
                collection,
            }
        }),
        1 => (ident(), field(), prop::option::of(ident()), settings(0)).prop_map(
            |(collection, field, kind, with)| Statement::CreateIndex {
                collection,
                field,
                kind,
                with,
            }
        ),
        1 => (ident(), field())
            .prop_map(|(collection, field)| Statement::DropIndex { collection, field }),
        1 => Just(Statement::ShowCollections),
        1 => ident().prop_map(|collection| Statement::Describe { collection }),
    ]
}

fn statement() -> impl Strategy<Value = Statement> {
    prop_oneof![
        5 => plain_statement(),
        1 => (any::<bool>(), plain_statement()).prop_map(|(analyze, s)| Statement::Explain {
            analyze,
            statement: Box::new(s),
        }),
    ]
}

fn params() -> Params {
    Params::from([
        (
            "v".to_owned(),
            ParamValue::List(vec![ParamValue::Float(0.5), ParamValue::Int(2)]),
        ),
        ("a".to_owned(), ParamValue::Int(1)),
        ("b".to_owned(), ParamValue::String("2024-05-01".into())),
        ("c".to_owned(), ParamValue::Bool(true)),
        ("d".to_owned(), ParamValue::Null),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn printed_statements_parse_back_to_the_same_tree(statements in vec(statement(), 1..3)) {
        let text = statements
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        match parse(&text) {
            Ok(parsed) => {
                prop_assert_eq!(&parsed, &statements, "text: {}", text);
                let again = parsed.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ");
                prop_assert_eq!(again, text);
            }
            // Random trees may nest deeper or grow longer than the guards allow; those are
            // refused by a guard, never by the grammar.
            Err(e) => prop_assert!(
                matches!(e.code.as_str(), "nesting_too_deep" | "query_too_long" | "list_too_long"),
                "{} refused: {} ({})\n{}", text, e, e.code, e.caret()
            ),
        }
    }

    #[test]
    fn lowering_any_where_clause_never_panics_and_places_its_errors(filter in any_expr()) {
        let text = format!("SELECT * FROM c WHERE {filter}");
        let Ok(statements) = parse(&text) else {
            return Ok(());
        };
        let Some(Statement::Select(select)) = statements.first() else {
            return Err(TestCaseError::fail("not a select"));
        };
        let Some(filter) = &select.filter else {
            return Err(TestCaseError::fail("no filter"));
        };
        let params = params();
        let ctx = LowerContext { source: &text, params: &params, now_micros: 1_714_557_600_000_000, exists: None };
        if let Err(e) = lower_where(filter, &ctx) {
            prop_assert!(e.span.start <= text.len() && e.span.end <= text.len());
            prop_assert!(e.line >= 1 && e.column >= 1);
        }
    }
}

/// The round-trip property means something only if the guards accept most generated trees.
#[test]
fn generated_statements_are_mostly_within_the_guards() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    let mut runner = TestRunner::deterministic();
    let strategy = statement();
    let total = 500;
    let mut accepted = 0;
    for _ in 0..total {
        let tree = strategy.new_tree(&mut runner).expect("a tree");
        if parse(&tree.current().to_string()).is_ok() {
            accepted += 1;
        }
    }
    assert!(
        accepted * 10 >= total * 9,
        "only {accepted} of {total} accepted"
    );
}
