use super::*;

fn convert(json: &str) -> Result<Predicate, ApiError> {
    let filter: WireFilter = serde_json::from_str(json).expect("test JSON");
    filter.to_predicate()
}

fn field(path: &str, condition: Cond) -> Predicate {
    Predicate::Field(FieldPath::parse(path).expect("valid path"), condition)
}

fn status_of(json: &str) -> u16 {
    convert(json).expect_err("refused").status().as_u16()
}

fn message(json: &str) -> String {
    format!("{:?}", convert(json).expect_err("refused"))
}

#[test]
fn clauses_conditions_and_nulls_convert() {
    assert_eq!(convert("{}").ok(), Some(Predicate::All));
    assert_eq!(
        convert(r#"{"must": null, "should": null, "must_not": null, "min_should": null}"#).ok(),
        Some(Predicate::All)
    );
    let red = field("color", Cond::Equals(Literal::String("red".into())));
    assert_eq!(
        convert(r#"{"must": [{"key": "color", "match": {"value": "red"}}]}"#).ok(),
        Some(Predicate::And(vec![red.clone()]))
    );
    // One condition stands for a list of one; nulls are absent fields (as clients send them).
    assert_eq!(
        convert(r#"{"must": {"key": "color", "match": {"value": "red"}, "range": null}}"#).ok(),
        Some(Predicate::And(vec![red.clone()]))
    );
    assert_eq!(
        convert(r#"{"must_not": [{"key": "color", "match": {"value": "red"}}], "should": []}"#)
            .ok(),
        Some(Predicate::And(vec![
            Predicate::Not(Box::new(Predicate::Or(vec![red.clone()]))),
            Predicate::Or(vec![]),
        ]))
    );
    assert_eq!(
        convert(r#"{"min_should": {"conditions": [{"has_id": [1, "936DA01F-9ABD-4D9D-80C7-02AF85C822A8"]}], "min_count": 1}}"#)
            .ok()
            .map(|p| p.node_count()),
        Some(2)
    );
    assert_eq!(
        convert(r#"{"must": [{"key": "n", "range": {"gt": 1, "gte": 1, "lt": 5, "lte": 4.5, "lt": null}}]}"#).ok(),
        Some(Predicate::And(vec![field(
            "n",
            Cond::NumberRange(Interval {
                lower: Some((1.0, false)),
                upper: Some((4.5, true)),
            })
        )]))
    );
    let at = parse_datetime("2024-05-01T00:00:00Z").expect("valid");
    assert_eq!(
        convert(r#"{"must": [{"key": "at", "range": {"gte": "2024-05-01T00:00:00Z"}}]}"#).ok(),
        Some(Predicate::And(vec![field(
            "at",
            Cond::DatetimeRange(Interval {
                lower: Some((at, true)),
                upper: None,
            })
        )]))
    );
    assert!(
        convert(
            r#"{"must": [{"nested": {"key": "items", "filter": {"must": [{"key": "n", "match": {"value": 2}}]}}},
                        {"is_empty": {"key": "a"}}, {"is_null": {"key": "b"}},
                        {"key": "c", "values_count": {"gte": 2}},
                        {"key": "d", "match": {"any": [1, 2]}}, {"key": "e", "match": {"except": ["x"]}},
                        {"should": [{"key": "f", "match": {"value": true}}]}]}"#
        )
        .is_ok()
    );
}

#[test]
fn wrong_shapes_and_value_types_are_400_naming_the_field() {
    for (json, names) in [
        (
            r#"{"must": [{"key": "p", "range": {"gte": "cheap"}}]}"#,
            "filter.must[0].range.gte",
        ),
        (
            r#"{"must": [{"key": "p", "range": {"gte": 1, "lt": "2024-01-01"}}]}"#,
            "filter.must[0].range",
        ),
        (
            r#"{"must": [{"key": "p", "match": {"value": {"a": 1}}}]}"#,
            "filter.must[0].match.value",
        ),
        (
            r#"{"must": [{"key": "p", "match": {"value": 1.5}}]}"#,
            "filter.must[0].match.value",
        ),
        (
            r#"{"must": [{"key": "p", "match": {"any": ["a", 1]}}]}"#,
            "filter.must[0].match.any",
        ),
        (
            r#"{"must": [{"key": "p", "values_count": {"gte": -1}}]}"#,
            "filter.must[0].values_count.gte",
        ),
        (r#"{"must": [{"key": "p"}]}"#, "filter.must[0]"),
        (
            r#"{"must": [{"key": "", "match": {"value": 1}}]}"#,
            "filter.must[0].key",
        ),
        (
            r#"{"must": [{"has_id": [-1]}]}"#,
            "filter.must[0].has_id[0]",
        ),
        (r#"{"must": [3]}"#, "filter.must[0]"),
        (r#"{"mustt": []}"#, "filter"),
        (
            r#"{"should": [{"nested": {"key": "a"}}]}"#,
            "filter.should[0].nested",
        ),
        (r#"{"min_should": {"conditions": []}}"#, "filter.min_should"),
    ] {
        let status = status_of(json);
        assert_eq!(status, 400, "{json}");
        let text = message(json);
        assert!(text.contains(names), "{json}: {text}");
    }
}

#[test]
fn unsupported_conditions_are_422_naming_the_feature() {
    for (json, feature) in [
        (
            r#"{"must": [{"key": "loc", "geo_radius": {"center": {"lat": 0, "lon": 0}, "radius": 1}}]}"#,
            "geo",
        ),
        (r#"{"must": [{"has_vector": "image"}]}"#, "has_vector"),
        (r#"{"must": [{"key": "t", "is_empty": true}]}"#, "is_empty"),
    ] {
        let status = status_of(json);
        assert_eq!(status, 422, "{json}");
        assert!(message(json).contains(feature), "{json}");
    }
}

fn nested_filters(levels: usize) -> String {
    let mut json = String::from("{}");
    for _ in 1..levels {
        json = format!(r#"{{"must": [{json}]}}"#);
    }
    json
}

#[test]
fn limits_hold_at_their_bound_and_refuse_one_past() {
    assert!(convert(&nested_filters(MAX_FILTER_DEPTH)).is_ok());
    assert_eq!(status_of(&nested_filters(MAX_FILTER_DEPTH + 1)), 400);

    let conditions = |n: usize| {
        let one = r#"{"key": "a", "match": {"value": 1}}"#;
        format!(r#"{{"should": [{}]}}"#, vec![one; n].join(","))
    };
    assert!(convert(&conditions(MAX_FILTER_CONDITIONS)).is_ok());
    assert_eq!(status_of(&conditions(MAX_FILTER_CONDITIONS + 1)), 400);

    let any = |n: usize| {
        let values: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        format!(
            r#"{{"must": [{{"key": "a", "match": {{"any": [{}]}}}}]}}"#,
            values.join(",")
        )
    };
    assert!(convert(&any(MAX_MATCH_VALUES)).is_ok());
    assert_eq!(status_of(&any(MAX_MATCH_VALUES + 1)), 422);
    let except = any(MAX_MATCH_VALUES + 1).replace("any", "except");
    assert_eq!(status_of(&except), 422);

    let has_id = |n: usize| {
        let ids: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        format!(r#"{{"must": [{{"has_id": [{}]}}]}}"#, ids.join(","))
    };
    assert!(convert(&has_id(MAX_HAS_ID)).is_ok());
    assert_eq!(status_of(&has_id(MAX_HAS_ID + 1)), 422);
}

#[test]
fn text_matches_convert_and_bad_text_is_refused() {
    use crate::query::{TextMatch, TextMatchKind};
    for (name, kind) in [
        ("text", TextMatchKind::All),
        ("text_any", TextMatchKind::Any),
        ("phrase", TextMatchKind::Phrase),
    ] {
        let json =
            format!(r#"{{"must": [{{"key": "body", "match": {{"{name}": "quick fox"}}}}]}}"#);
        assert_eq!(
            convert(&json).ok(),
            Some(Predicate::And(vec![field(
                "body",
                Cond::Text(TextMatch::new("quick fox", kind))
            )]))
        );
    }
    assert_eq!(
        status_of(r#"{"must": [{"key": "b", "match": {"text": "  "}}]}"#),
        422
    );
    assert_eq!(
        status_of(r#"{"must": [{"key": "b", "match": {"phrase": 5}}]}"#),
        400
    );
    let bound = crate::api::wire::bounds::MAX_TEXT_QUERY_BYTES;
    let at = format!(
        r#"{{"must": [{{"key": "b", "match": {{"text": "{}"}}}}]}}"#,
        "a".repeat(bound)
    );
    assert!(convert(&at).is_ok());
    let past = format!(
        r#"{{"must": [{{"key": "b", "match": {{"text": "{}"}}}}]}}"#,
        "a".repeat(bound + 1)
    );
    assert_eq!(status_of(&past), 422);
}
