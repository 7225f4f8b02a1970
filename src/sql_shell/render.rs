//! Turns statement results into text as psql prints them: an aligned table with a centred
//! header, a separator and a `(N rows)` footer; a tag (`INSERT 3`) for writes; an indented tree
//! for `EXPLAIN`; and errors with their caret excerpt.
//!
//! Widths are display columns (`unicode-width`), so wide characters keep the table aligned.

use std::fmt::Write as _;

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use super::wire::{PlanNode, QueryError, StatementResult};

/// Text of one result, ending with a newline.
#[must_use]
pub fn statement(result: &StatementResult) -> String {
    let mut out = String::new();
    if let Some(plan) = &result.plan {
        plan_tree(&mut out, plan, 0);
    }
    if !result.columns.is_empty() {
        out.push_str(&table(&result.columns, &result.rows));
    } else if result.plan.is_none() {
        out.push_str(&tag(&result.statement));
        if let Some(n) = result.affected {
            let _ = write!(out, " {n}");
        }
        out.push('\n');
    }
    out
}

/// `create_collection` -> `CREATE COLLECTION`.
fn tag(kind: &str) -> String {
    if kind.is_empty() {
        return "OK".to_owned();
    }
    kind.replace('_', " ").to_uppercase()
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Align {
    Left,
    Right,
}

/// How one value shows in a cell: strings without quotes, null as nothing, numbers as written,
/// arrays and objects as compact JSON. Control characters are escaped so a cell is one line.
fn cell(value: &Value) -> (String, Align) {
    let (text, align) = match value {
        Value::Null => (String::new(), Align::Left),
        Value::String(s) => (s.clone(), Align::Left),
        Value::Number(n) => (n.to_string(), Align::Right),
        Value::Bool(b) => (b.to_string(), Align::Left),
        Value::Array(_) | Value::Object(_) => (value.to_string(), Align::Left),
    };
    if text.chars().any(char::is_control) {
        (text.escape_debug().to_string(), align)
    } else {
        (text, align)
    }
}

fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

fn pad(out: &mut String, text: &str, to: usize, align: Align) {
    let fill = to.saturating_sub(width(text));
    match align {
        Align::Left => {
            out.push_str(text);
            out.extend(std::iter::repeat_n(' ', fill));
        }
        Align::Right => {
            out.extend(std::iter::repeat_n(' ', fill));
            out.push_str(text);
        }
    }
}

/// An aligned table with its footer.
#[must_use]
pub fn table(columns: &[String], rows: &[Vec<Value>]) -> String {
    let cells: Vec<Vec<(String, Align)>> = rows
        .iter()
        .map(|row| {
            (0..columns.len())
                .map(|i| row.get(i).map_or((String::new(), Align::Left), cell))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(i, name)| {
            cells
                .iter()
                .map(|row| width(&row[i].0))
                .chain(std::iter::once(width(name)))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let mut line = String::new();
    for (i, name) in columns.iter().enumerate() {
        line.push_str(if i == 0 { " " } else { " | " });
        let spare = widths[i] - width(name);
        line.extend(std::iter::repeat_n(' ', spare / 2));
        line.push_str(name);
        line.extend(std::iter::repeat_n(' ', spare - spare / 2));
    }
    push_line(&mut out, &line);
    let rule: Vec<String> = widths.iter().map(|w| "-".repeat(w + 2)).collect();
    push_line(&mut out, &rule.join("+"));
    for row in &cells {
        line.clear();
        for (i, (text, align)) in row.iter().enumerate() {
            line.push_str(if i == 0 { " " } else { " | " });
            pad(&mut line, text, widths[i], *align);
        }
        push_line(&mut out, &line);
    }
    let n = rows.len();
    let _ = writeln!(out, "({n} {})", if n == 1 { "row" } else { "rows" });
    out
}

/// Pushes `line` without trailing blanks, and a newline.
fn push_line(out: &mut String, line: &str) {
    out.push_str(line.trim_end());
    out.push('\n');
}

/// A plan node per line, each child under its parent behind `->`.
fn plan_tree(out: &mut String, node: &PlanNode, depth: usize) {
    if depth > 0 {
        out.extend(std::iter::repeat_n(' ', 6 * (depth - 1)));
        out.push_str("  ->  ");
    }
    out.push_str(&node.node);
    match &node.detail {
        None | Some(Value::Null) => {}
        Some(Value::Object(fields)) if fields.is_empty() => {}
        Some(Value::Object(fields)) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{k}={}", cell(v).0))
                .collect();
            let _ = write!(out, "  ({})", parts.join(", "));
        }
        Some(other) => {
            let _ = write!(out, "  ({})", cell(other).0);
        }
    }
    out.push('\n');
    for child in &node.children {
        plan_tree(out, child, depth + 1);
    }
}

/// An error: `ERROR:  message (code)`, then the offending line behind `LINE n:` with the caret
/// under it. `first_line` is the line the statement starts on in its script (1 when typed), so
/// the line shown is the script's.
#[must_use]
pub fn error(err: &QueryError, first_line: usize) -> String {
    let mut out = format!("ERROR:  {}", err.message);
    if !err.code.is_empty() {
        let _ = write!(out, " ({})", err.code);
    }
    out.push('\n');
    if let Some(caret) = &err.caret {
        let line = err
            .line
            .map_or(first_line, |l| first_line + l.saturating_sub(1));
        let label = format!("LINE {line}: ");
        for (i, text) in caret.lines().enumerate() {
            if i == 0 {
                out.push_str(&label);
            } else {
                out.extend(std::iter::repeat_n(' ', width(&label)));
            }
            push_line(&mut out, text);
        }
    }
    out
}

/// `Time: 0.412 ms`, from the server's measure.
#[must_use]
pub fn timing(time_ms: f64) -> String {
    format!("Time: {time_ms:.3} ms\n")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn cols(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| (*s).to_owned()).collect()
    }

    fn rows(value: Value) -> Vec<Vec<Value>> {
        serde_json::from_value(value).unwrap_or_default()
    }

    #[test]
    fn tables_align_numbers_right_and_text_left_with_a_centred_header() {
        let text = table(
            &cols(&["id", "score", "pos"]),
            &rows(json!([[1, 0.93, "n"], [12, 0.5, "verb"]])),
        );
        assert_eq!(
            text,
            concat!(
                " id | score | pos\n",
                "----+-------+------\n",
                "  1 |  0.93 | n\n",
                " 12 |   0.5 | verb\n",
                "(2 rows)\n",
            )
        );
    }

    #[test]
    fn null_is_blank_strings_are_unquoted_and_structures_are_compact_json() {
        let text = table(
            &cols(&["a", "b", "c", "d"]),
            &rows(json!([[null, "x y", [0.1, 2], {"k": "v"}], [true, "", [], null]])),
        );
        assert_eq!(
            text,
            concat!(
                "  a   |  b  |    c    |     d\n",
                "------+-----+---------+-----------\n",
                "      | x y | [0.1,2] | {\"k\":\"v\"}\n",
                " true |     | []      |\n",
                "(2 rows)\n",
            )
        );
    }

    #[test]
    fn one_row_and_no_rows_say_so() {
        assert!(table(&cols(&["id"]), &rows(json!([[1]]))).ends_with("\n(1 row)\n"));
        assert_eq!(table(&cols(&["name"]), &[]), " name\n------\n(0 rows)\n");
    }

    #[test]
    fn wide_characters_count_two_columns() {
        let text = table(&cols(&["t", "n"]), &rows(json!([["日本", 1], ["ab", 22]])));
        assert_eq!(
            text,
            concat!(
                "  t   | n\n",
                "------+----\n",
                " 日本 |  1\n",
                " ab   | 22\n",
                "(2 rows)\n",
            )
        );
    }

    #[test]
    fn line_breaks_in_values_are_escaped_so_rows_stay_one_line() {
        let text = table(&cols(&["t"]), &rows(json!([["a\nb\tc"]])));
        assert!(text.contains(" a\\nb\\tc\n"), "{text}");
    }

    #[test]
    fn short_rows_are_padded_with_blanks() {
        let text = table(&cols(&["a", "b"]), &rows(json!([[1]])));
        assert_eq!(text, " a | b\n---+---\n 1 |\n(1 row)\n");
    }

    #[test]
    fn writes_and_schema_statements_print_a_tag() {
        let insert = StatementResult {
            statement: "insert".into(),
            affected: Some(3),
            ..StatementResult::default()
        };
        assert_eq!(statement(&insert), "INSERT 3\n");
        let create = StatementResult {
            statement: "create_collection".into(),
            ..StatementResult::default()
        };
        assert_eq!(statement(&create), "CREATE COLLECTION\n");
    }

    #[test]
    fn plans_print_as_an_indented_tree() -> Result<(), serde_json::Error> {
        let result: StatementResult = serde_json::from_value(json!({
            "statement": "explain",
            "columns": [], "rows": [],
            "plan": {"node": "Limit", "detail": {"limit": 10}, "children": [
                {"node": "HnswWalk", "detail": {"ef": 64, "filter": "pos = 'n'"}, "children": [
                    {"node": "Bitmap", "detail": {}, "children": []}
                ]},
                {"node": "Scan", "children": []}
            ]}
        }))?;
        assert_eq!(
            statement(&result),
            concat!(
                "Limit  (limit=10)\n",
                "  ->  HnswWalk  (ef=64, filter=pos = 'n')\n",
                "        ->  Bitmap\n",
                "  ->  Scan\n",
            )
        );
        Ok(())
    }

    #[test]
    fn errors_show_the_line_and_the_caret() {
        let err = QueryError {
            code: "syntax_error".into(),
            message: "expected FROM".into(),
            line: Some(2),
            caret: Some("  FORM c\n  ^".into()),
        };
        assert_eq!(
            error(&err, 10),
            "ERROR:  expected FROM (syntax_error)\nLINE 11:   FORM c\n           ^\n"
        );
        let plain = QueryError {
            code: "not_found".into(),
            message: "collection c does not exist".into(),
            ..QueryError::default()
        };
        assert_eq!(
            error(&plain, 1),
            "ERROR:  collection c does not exist (not_found)\n"
        );
    }

    #[test]
    fn timing_has_three_decimals() {
        assert_eq!(timing(0.41234), "Time: 0.412 ms\n");
    }
}
