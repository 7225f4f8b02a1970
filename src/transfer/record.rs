//! [`Record`]: one point as the JSONL files of `plait import` and `plait export` hold it,
//! `{"id", "vector", "payload"}`, and the checks every record passes before it is sent.

use std::fmt;

use plait::api::wire::point_id::WirePointId;
use serde::de::{self, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// One point: id, dense vector, optional payload.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// An unsigned integer or a UUID.
    pub id: WirePointId,
    /// The dense vector: finite `f32` components, at least one.
    pub vector: Vector,
    /// The payload object; absent or `null` means none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<Map<String, Value>>,
}

/// A dense vector read from JSON: an array of numbers, each finite as an `f32`. Qdrant answers
/// with `{"": [...]}` for the unnamed vector of a collection made with named vectors; that form is
/// accepted too, any other name is refused (Plait has only the unnamed vector).
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Vector(pub Vec<f32>);

impl<'de> Deserialize<'de> for Vector {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(VectorVisitor)
    }
}

struct VectorVisitor;

impl<'de> Visitor<'de> for VectorVisitor {
    type Value = Vector;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of numbers")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vector, A::Error> {
        let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 16));
        while let Some(x) = seq.next_element::<f64>()? {
            #[expect(
                clippy::cast_possible_truncation,
                reason = "the range is checked right after: a value past f32 turns infinite"
            )]
            let narrow = x as f32;
            if !narrow.is_finite() {
                return Err(de::Error::custom(format!(
                    "vector component {} is {x}, outside the range of a 32-bit float",
                    out.len()
                )));
            }
            out.push(narrow);
        }
        if out.is_empty() {
            return Err(de::Error::custom("the vector is empty"));
        }
        Ok(Vector(out))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vector, A::Error> {
        let mut found = None;
        while let Some(name) = map.next_key::<String>()? {
            if !name.is_empty() {
                return Err(de::Error::custom(format!(
                    "named vector {name:?}: Plait holds only the unnamed vector"
                )));
            }
            found = Some(map.next_value::<Vector>()?);
        }
        found.ok_or_else(|| de::Error::custom("the vector object names no vector"))
    }
}

impl Record {
    /// Parses one JSONL line; the error names the field at fault.
    pub fn from_line(line: &str) -> Result<Self, String> {
        let mut de = serde_json::Deserializer::from_str(line);
        let record = serde_path_to_error::deserialize(&mut de).map_err(|e| describe(&e))?;
        de.end().map_err(|e| e.to_string())?;
        Ok(record)
    }
}

/// `path: message`, or the message alone at the top level.
pub fn describe(e: &serde_path_to_error::Error<serde_json::Error>) -> String {
    let path = e.path().to_string();
    if path == "." {
        e.inner().to_string()
    } else {
        format!("{path}: {}", e.inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(line: &str) -> String {
        match Record::from_line(line) {
            Ok(r) => format!("accepted {r:?}"),
            Err(e) => e,
        }
    }

    #[test]
    fn good_lines_parse_in_both_vector_forms() -> Result<(), String> {
        let r = Record::from_line(r#"{"id": 7, "vector": [1, 0.5], "payload": {"a": [1, "x"]}}"#)?;
        assert_eq!(r.vector.0, vec![1.0, 0.5]);
        let r = Record::from_line(
            r#"{"id": "5c56c793-69f3-4fbf-87e6-c4bf54c28c26", "vector": {"": [2]}}"#,
        )?;
        assert_eq!(r.vector.0, vec![2.0]);
        assert!(r.payload.is_none());
        Ok(())
    }

    #[test]
    fn bad_lines_say_what_is_wrong() {
        let cases = [
            (r#"{"id": -1, "vector": [1]}"#, "negative"),
            (r#"{"id": "nope", "vector": [1]}"#, "UUID"),
            (r#"{"id": 1}"#, "vector"),
            (r#"{"id": 1, "vector": []}"#, "empty"),
            (r#"{"id": 1, "vector": [1e39]}"#, "32-bit"),
            (r#"{"id": 1, "vector": [1, "x"]}"#, "vector"),
            (r#"{"id": 1, "vector": {"text": [1]}}"#, "named vector"),
            (r#"{"id": 1, "vector": [1], "payload": 3}"#, "payload"),
            (r#"{"id": 1, "vector": [1], "payloads": {}}"#, "payloads"),
            (r#"{"id": 1, "vector": [1]} trailing"#, "trailing"),
            (r#"{"id": 1, "vector": [1"#, "EOF"),
        ];
        for (line, needle) in cases {
            let text = refusal(line);
            assert!(text.contains(needle), "{line}: {text}");
        }
    }
}
