//! The words that cannot be bare names. Each can follow a value or a name in the grammar, so a
//! name spelled like one would be ambiguous; such a name is written quoted (`"order"`).
//! `grammar.pest` spells the same list (its `reserved` rule); a test keeps the two in step.

/// The reserved words, lower case.
pub const RESERVED: &[&str] = &[
    "all", "and", "any", "as", "asc", "between", "by", "contains", "desc", "distinct", "false",
    "from", "group", "having", "ilike", "in", "interval", "is", "like", "limit", "match", "near",
    "not", "null", "offset", "on", "or", "order", "return", "select", "set", "true", "values",
    "where", "with",
];

/// Whether `word` is reserved (any case).
#[must_use]
pub fn is_reserved(word: &str) -> bool {
    RESERVED.iter().any(|r| r.eq_ignore_ascii_case(word))
}

/// Whether `word` can be written bare: a letter or `_`, then letters, digits and `_`, and not
/// reserved.
#[must_use]
pub fn is_bare_name(word: &str) -> bool {
    let mut chars = word.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !is_reserved(word)
}
