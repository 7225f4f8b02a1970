//! [`PayloadEdit`]: a change to part of a point's payload, as Qdrant's payload routes make them.
//!
//! Keys of `DeleteKeys` may be dotted paths (`a.b.c`) into nested objects, as in Qdrant; a key
//! that names nothing is ignored. Set and overwrite work on top-level keys.

use super::value::{Payload, Value};

/// A partial payload update.
#[derive(Debug, Clone, PartialEq)]
pub enum PayloadEdit {
    /// Sets these top-level keys, keeping the others (Qdrant's `set_payload`).
    Set(Payload),
    /// Replaces the whole payload (Qdrant's `overwrite_payload`).
    Overwrite(Payload),
    /// Removes these keys or dotted paths (Qdrant's `delete_payload`).
    DeleteKeys(Vec<String>),
    /// Removes every key (Qdrant's `clear_payload`).
    Clear,
}

impl PayloadEdit {
    /// Applies the edit to `payload`.
    pub fn apply(&self, payload: &mut Payload) {
        match self {
            Self::Set(keys) => {
                for (k, v) in keys {
                    payload.insert(k.clone(), v.clone());
                }
            }
            Self::Overwrite(new) => payload.clone_from(new),
            Self::DeleteKeys(keys) => {
                for key in keys {
                    remove_path(payload, key);
                }
            }
            Self::Clear => payload.clear(),
        }
    }
}

/// Removes the value at `path`: a top-level key when it exists as written (keys may contain
/// dots), otherwise a dotted path through nested objects.
fn remove_path(payload: &mut Payload, path: &str) {
    if payload.remove(path).is_some() {
        return;
    }
    let Some((head, rest)) = path.split_once('.') else {
        return;
    };
    if let Some(Value::Object(inner)) = payload.get_mut(head) {
        remove_path(inner, rest);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(pairs: &[(&str, Value)]) -> Payload {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .collect()
    }

    #[test]
    fn each_edit_changes_only_what_it_names() {
        let nested = Value::Object(payload(&[("x", Value::Int(1)), ("y", Value::Int(2))]));
        let base = payload(&[
            ("a", Value::Int(1)),
            ("n", nested),
            ("b.c", Value::Bool(true)),
        ]);

        let mut p = base.clone();
        PayloadEdit::Set(payload(&[("a", Value::Int(9)), ("z", Value::Null)])).apply(&mut p);
        assert_eq!(p.get("a"), Some(&Value::Int(9)));
        assert_eq!(p.get("z"), Some(&Value::Null));
        assert_eq!(p.len(), 4);

        let mut p = base.clone();
        PayloadEdit::Overwrite(payload(&[("only", Value::Int(1))])).apply(&mut p);
        assert_eq!(p, payload(&[("only", Value::Int(1))]));

        let mut p = base.clone();
        PayloadEdit::DeleteKeys(vec!["n.x".into(), "b.c".into(), "missing.path".into()])
            .apply(&mut p);
        assert_eq!(
            p,
            payload(&[
                ("a", Value::Int(1)),
                ("n", Value::Object(payload(&[("y", Value::Int(2))])))
            ])
        );

        let mut p = base;
        PayloadEdit::Clear.apply(&mut p);
        assert!(p.is_empty());
    }
}
