//! What the VelesQL front end costs for a typical statement of about 200 characters (a filtered
//! vector search with a datetime condition): `parse` (guards, grammar, tree) and `parse_lower`
//! (the same plus lowering its WHERE clause to a predicate, with a 384-dimension vector bound
//! as a parameter). Planning against a collection is not included: it needs the executor.
//!
//! `cargo bench --bench velesql_parse`

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use plait::query::velesql::ast::Statement;
use plait::query::velesql::{LowerContext, ParamValue, Params, lower_where, parse};

const STATEMENT: &str = "SELECT id, title, similarity() AS sim FROM glosses WHERE vector NEAR $v \
    AND pos = 'n' AND n_lemmas >= 2 AND lang IN ('en', 'fr') AND created > NOW() - INTERVAL \
    '7 days' ORDER BY sim DESC LIMIT 10";

fn bench(c: &mut Criterion) {
    assert!(
        (190..=230).contains(&STATEMENT.len()),
        "{}",
        STATEMENT.len()
    );
    let params = Params::from([(
        "v".to_owned(),
        ParamValue::List(
            (0..384u16)
                .map(|i| ParamValue::Float(f64::from(i) / 384.0))
                .collect(),
        ),
    )]);
    let mut group = c.benchmark_group("velesql");
    group.bench_function("parse", |b| {
        b.iter(|| parse(black_box(STATEMENT)).expect("parses"));
    });
    group.bench_function("parse_lower", |b| {
        b.iter(|| {
            let statements = parse(black_box(STATEMENT)).expect("parses");
            let Some(Statement::Select(select)) = statements.first() else {
                panic!("a select");
            };
            let filter = select.filter.as_ref().expect("a WHERE clause");
            let ctx = LowerContext {
                source: STATEMENT,
                params: &params,
                now_micros: 1_714_557_600_000_000,
                exists: None,
            };
            lower_where(filter, &ctx).expect("lowers")
        });
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
