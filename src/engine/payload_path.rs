//! Dotted payload paths (`"meta.author.name"`), as Qdrant reads them in `with_payload`: each dot
//! steps into a nested object. A top-level key that itself contains a dot is matched whole
//! first, so payloads written with such keys keep working. Array steps (`"tags[]"`) are not
//! supported: a path through an array selects nothing.

use crate::columns::{Payload, Value};

/// The value at `path`, if every step is an object holding the next key.
#[must_use]
pub fn get<'a>(payload: &'a Payload, path: &str) -> Option<&'a Value> {
    if let Some(v) = payload.get(path) {
        return Some(v);
    }
    let (head, rest) = path.split_once('.')?;
    let mut cur = payload.get(head)?;
    for step in rest.split('.') {
        let Value::Object(map) = cur else {
            return None;
        };
        cur = map.get(step)?;
    }
    Some(cur)
}

/// Puts `value` at `path` in `out`, creating the objects on the way and keeping what they hold.
pub fn insert(out: &mut Payload, source: &Payload, path: &str, value: Value) {
    if source.contains_key(path) {
        out.insert(path.to_owned(), value);
        return;
    }
    let mut steps = path.split('.');
    let Some(first) = steps.next() else {
        return;
    };
    let steps: Vec<&str> = steps.collect();
    let Some((last, middle)) = steps.split_last() else {
        out.insert(first.to_owned(), value);
        return;
    };
    let mut cur = out
        .entry(first.to_owned())
        .or_insert_with(|| Value::Object(Payload::new()));
    for step in middle {
        let Value::Object(map) = cur else {
            return;
        };
        cur = map
            .entry((*step).to_owned())
            .or_insert_with(|| Value::Object(Payload::new()));
    }
    if let Value::Object(map) = cur {
        map.insert((*last).to_owned(), value);
    }
}

/// Removes the value at `path`, leaving the objects around it.
pub fn remove(payload: &mut Payload, path: &str) {
    if payload.remove(path).is_some() {
        return;
    }
    let Some((parents, last)) = path.rsplit_once('.') else {
        return;
    };
    let mut steps = parents.split('.');
    let Some(first) = steps.next() else {
        return;
    };
    let Some(mut cur) = payload.get_mut(first) else {
        return;
    };
    for step in steps {
        let Value::Object(map) = cur else {
            return;
        };
        let Some(next) = map.get_mut(step) else {
            return;
        };
        cur = next;
    }
    if let Value::Object(map) = cur {
        map.remove(last);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Payload {
        let mut inner = Payload::new();
        inner.insert("x".into(), Value::Int(1));
        inner.insert("y".into(), Value::Int(2));
        let mut p = Payload::new();
        p.insert("nested".into(), Value::Object(inner));
        p.insert("top".into(), Value::Bool(true));
        p.insert("a.b".into(), Value::Int(3));
        p
    }

    #[test]
    fn paths_step_into_objects_and_literal_dotted_keys_still_match() {
        let p = sample();
        assert_eq!(get(&p, "nested.x"), Some(&Value::Int(1)));
        assert_eq!(get(&p, "a.b"), Some(&Value::Int(3)));
        assert_eq!(get(&p, "top.x"), None);
        assert_eq!(get(&p, "nested.z"), None);
        let mut out = Payload::new();
        insert(&mut out, &p, "nested.x", Value::Int(1));
        insert(&mut out, &p, "nested.y", Value::Int(2));
        assert_eq!(out.get("nested"), p.get("nested"));
        let mut q = p.clone();
        remove(&mut q, "nested.x");
        remove(&mut q, "a.b");
        remove(&mut q, "missing.path");
        assert_eq!(get(&q, "nested.x"), None);
        assert_eq!(get(&q, "nested.y"), Some(&Value::Int(2)));
        assert!(!q.contains_key("a.b"));
    }
}
