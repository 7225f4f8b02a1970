//! [`FieldPath`]: the address of a payload field, in Qdrant's key syntax.
//!
//! ```text
//! path    := step ("." step)*
//! step    := name ("[]" | "[" digits "]")*
//! name    := a run of characters other than '.', '[', ']' and '"'  |  '"' any but '"' '"'
//! ```
//!
//! `meta.author` steps into nested objects; `tags[]` steps into every element of an array;
//! `tags[0]` into one element; a quoted name (`"a.b"`) is a key that itself contains dots. The
//! values a path reaches are its *leaf values*; a leaf that is an array stands for each of its
//! elements when a filter or an index reads the field (a field holding `["a", "b"]` matches
//! `"a"`), as in Qdrant.

use std::fmt;

use super::{Payload, Value};

/// Longest path accepted, in bytes.
pub const MAX_PATH_BYTES: usize = 512;
/// Most steps in one path.
pub const MAX_PATH_STEPS: usize = 32;

/// A parsed payload path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath {
    text: String,
    steps: Vec<Step>,
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Step {
    /// Into the object member with this key.
    Key(String),
    /// Into every element of an array.
    Each,
    /// Into one element of an array.
    Index(usize),
}

/// Why a path is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldPathError {
    /// Nothing to address.
    #[error("a field path must not be empty")]
    Empty,
    /// Longer than [`MAX_PATH_BYTES`] or deeper than [`MAX_PATH_STEPS`].
    #[error("field path is too long (at most {MAX_PATH_BYTES} bytes and {MAX_PATH_STEPS} steps)")]
    TooLong,
    /// Not in the path syntax.
    #[error("field path {path:?} is not valid: {reason}")]
    Syntax {
        /// The path as sent.
        path: String,
        /// What is wrong.
        reason: &'static str,
    },
}

impl FieldPath {
    /// Parses `text`.
    ///
    /// # Errors
    /// [`FieldPathError`] when it is empty, too long or malformed.
    pub fn parse(text: &str) -> Result<Self, FieldPathError> {
        if text.is_empty() {
            return Err(FieldPathError::Empty);
        }
        if text.len() > MAX_PATH_BYTES {
            return Err(FieldPathError::TooLong);
        }
        let syntax = |reason| FieldPathError::Syntax {
            path: text.to_owned(),
            reason,
        };
        let mut steps = Vec::new();
        let mut rest = text;
        loop {
            let name;
            if let Some(quoted) = rest.strip_prefix('"') {
                let end = quoted.find('"').ok_or_else(|| syntax("unclosed quote"))?;
                name = &quoted[..end];
                rest = &quoted[end + 1..];
            } else {
                let end = rest.find(['.', '[', ']', '"']).unwrap_or(rest.len());
                name = &rest[..end];
                rest = &rest[end..];
            }
            if name.is_empty() {
                return Err(syntax("empty key"));
            }
            steps.push(Step::Key(name.to_owned()));
            while let Some(bracket) = rest.strip_prefix('[') {
                let end = bracket.find(']').ok_or_else(|| syntax("unclosed '['"))?;
                let inside = &bracket[..end];
                steps.push(if inside.is_empty() {
                    Step::Each
                } else {
                    Step::Index(
                        inside
                            .parse()
                            .map_err(|_| syntax("array index is not a number"))?,
                    )
                });
                rest = &bracket[end + 1..];
            }
            if steps.len() > MAX_PATH_STEPS {
                return Err(FieldPathError::TooLong);
            }
            match rest.strip_prefix('.') {
                Some(next) => rest = next,
                None if rest.is_empty() => break,
                None => return Err(syntax("unexpected character after a step")),
            }
        }
        Ok(Self {
            text: text.to_owned(),
            steps,
        })
    }

    /// The path as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Calls `visit` with every leaf value the path reaches in `payload` (an array at the end is
    /// one leaf; see [`FieldPath::for_each_value`] for its elements).
    pub fn for_each_leaf<'a>(&self, payload: &'a Payload, visit: &mut dyn FnMut(&'a Value)) {
        let Some((Step::Key(first), rest)) = self.steps.split_first() else {
            return;
        };
        if let Some(value) = payload.get(first) {
            walk(value, rest, visit);
        }
    }

    /// Calls `visit` with every value the field holds: each leaf, and each element of a leaf
    /// that is an array (one level, as Qdrant reads fields holding arrays).
    pub fn for_each_value<'a>(&self, payload: &'a Payload, visit: &mut dyn FnMut(&'a Value)) {
        self.for_each_leaf(payload, &mut |leaf| match leaf {
            Value::Array(items) => items.iter().for_each(&mut *visit),
            other => visit(other),
        });
    }

    /// Every value the field holds (see [`FieldPath::for_each_value`]).
    #[must_use]
    pub fn values<'a>(&self, payload: &'a Payload) -> Vec<&'a Value> {
        let mut out = Vec::new();
        self.for_each_value(payload, &mut |v| out.push(v));
        out
    }

    /// Every leaf the path reaches (see [`FieldPath::for_each_leaf`]).
    #[must_use]
    pub fn leaves<'a>(&self, payload: &'a Payload) -> Vec<&'a Value> {
        let mut out = Vec::new();
        self.for_each_leaf(payload, &mut |v| out.push(v));
        out
    }

    /// Calls `read` with the leaves the path reaches (see [`FieldPath::for_each_leaf`]), without
    /// allocating when the path has no `[]` step: such a path reaches at most one leaf. This is
    /// what evaluating a filter on every payload of a collection calls.
    pub fn with_leaves<'a, R>(
        &self,
        payload: &'a Payload,
        read: impl FnOnce(&[&'a Value]) -> R,
    ) -> R {
        if self.steps.iter().any(|s| matches!(s, Step::Each)) {
            return read(&self.leaves(payload));
        }
        let Some((Step::Key(first), rest)) = self.steps.split_first() else {
            return read(&[]);
        };
        let mut at = payload.get(first);
        for step in rest {
            at = match (step, at) {
                (Step::Key(key), Some(Value::Object(map))) => map.get(key),
                (Step::Index(i), Some(Value::Array(items))) => items.get(*i),
                _ => None,
            };
        }
        match at {
            Some(leaf) => read(&[leaf]),
            None => read(&[]),
        }
    }

    /// Whether the path starts with the steps of `prefix` (so that editing `prefix` may change
    /// what this path reads).
    #[must_use]
    pub fn starts_with(&self, prefix: &Self) -> bool {
        self.steps.starts_with(&prefix.steps)
    }
}

fn walk<'a>(value: &'a Value, steps: &[Step], visit: &mut dyn FnMut(&'a Value)) {
    let Some((step, rest)) = steps.split_first() else {
        visit(value);
        return;
    };
    match (step, value) {
        (Step::Key(key), Value::Object(map)) => {
            if let Some(next) = map.get(key) {
                walk(next, rest, visit);
            }
        }
        (Step::Each, Value::Array(items)) => {
            for item in items {
                walk(item, rest, visit);
            }
        }
        (Step::Index(i), Value::Array(items)) => {
            if let Some(item) = items.get(*i) {
                walk(item, rest, visit);
            }
        }
        _ => {}
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(json: &str) -> Payload {
        serde_json::from_str(json).expect("test payload")
    }

    fn values(path: &str, json: &str) -> Vec<Value> {
        let p = payload(json);
        FieldPath::parse(path)
            .expect("valid path")
            .values(&p)
            .into_iter()
            .cloned()
            .collect()
    }

    #[test]
    fn paths_reach_nested_objects_arrays_and_quoted_keys() {
        assert_eq!(
            values("meta.author", r#"{"meta": {"author": "ann"}}"#),
            [Value::String("ann".into())]
        );
        assert_eq!(
            values("tags", r#"{"tags": ["a", "b"]}"#),
            [Value::String("a".into()), Value::String("b".into())]
        );
        assert_eq!(
            values("c[].pop", r#"{"c": [{"pop": 1}, {"pop": 2}, {"x": 3}]}"#),
            [Value::Int(1), Value::Int(2)]
        );
        assert_eq!(
            values("c[1].pop", r#"{"c": [{"pop": 1}, {"pop": 2}]}"#),
            [Value::Int(2)]
        );
        assert_eq!(
            values(r#""a.b".c"#, r#"{"a.b": {"c": true}}"#),
            [Value::Bool(true)]
        );
        assert!(values("meta.author", r#"{"meta": [{"author": "ann"}]}"#).is_empty());
        assert!(values("missing", r#"{"x": 1}"#).is_empty());
        assert_eq!(values("n", r#"{"n": null}"#), [Value::Null]);
    }

    #[test]
    fn leaves_without_allocating_are_the_leaves() {
        let doc = payload(
            r#"{"a": {"b": [1, {"c": 2}], "n": null}, "c": [{"pop": 1}, {"pop": [2, 3]}],
                "t": "x", "e": []}"#,
        );
        for path in [
            "a",
            "a.b",
            "a.b[1].c",
            "a.b[0]",
            "a.b[7]",
            "a.n",
            "a.n.x",
            "c[].pop",
            "c[1].pop",
            "c.pop",
            "t",
            "t.x",
            "e",
            "missing",
            "a.missing.deeper",
        ] {
            let path = FieldPath::parse(path).expect("valid path");
            let expected = path.leaves(&doc);
            path.with_leaves(&doc, |leaves| {
                assert_eq!(leaves, expected.as_slice(), "{path}")
            });
        }
    }

    #[test]
    fn malformed_or_oversized_paths_are_refused() {
        for bad in [
            "", ".", "a.", ".a", "a..b", "a[", "a[x]", "a]b", "\"a", "a[]x",
        ] {
            assert!(FieldPath::parse(bad).is_err(), "{bad:?} accepted");
        }
        assert_eq!(
            FieldPath::parse(&"a".repeat(MAX_PATH_BYTES + 1)),
            Err(FieldPathError::TooLong)
        );
        let deep = vec!["a"; MAX_PATH_STEPS + 1].join(".");
        assert_eq!(FieldPath::parse(&deep), Err(FieldPathError::TooLong));
        assert!(FieldPath::parse(&vec!["a"; MAX_PATH_STEPS].join(".")).is_ok());
    }
}
