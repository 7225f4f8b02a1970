//! Collection names: what is allowed, so that a name is always a safe directory name.

/// Longest collection name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 128;

/// Why a collection name was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    /// Empty name.
    #[error("collection name must not be empty")]
    Empty,
    /// Too long.
    #[error("collection name is {len} bytes long; the limit is {MAX_NAME_LEN}")]
    TooLong {
        /// The length in bytes.
        len: usize,
    },
    /// A character outside the allowed set.
    #[error(
        "collection name may contain only ASCII letters, digits, '_' and '-', and must start with a letter or digit; found {found:?}"
    )]
    BadCharacter {
        /// The offending character.
        found: char,
    },
}

/// Checks a collection name: 1 to [`MAX_NAME_LEN`] bytes of `[A-Za-z0-9_-]`, not starting with
/// `-` or `_`. This rules out path separators, `..`, NUL, percent-encoding and Unicode look-alikes.
///
/// ```
/// use plait::engine::name::validate;
/// assert!(validate("wordnet-384").is_ok());
/// assert!(validate("../etc").is_err());
/// ```
///
/// # Errors
/// [`NameError`] naming the problem.
pub fn validate(name: &str) -> Result<(), NameError> {
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME_LEN {
        return Err(NameError::TooLong { len: name.len() });
    }
    for (i, c) in name.chars().enumerate() {
        let ok = c.is_ascii_alphanumeric() || (i > 0 && (c == '_' || c == '-'));
        if !ok {
            return Err(NameError::BadCharacter { found: c });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_plain_names_and_rejects_hostile_ones() {
        for good in ["a", "docs", "my-collection_2", "A1"] {
            assert_eq!(validate(good), Ok(()), "{good}");
        }
        let long = "a".repeat(MAX_NAME_LEN + 1);
        for bad in [
            "",
            "..",
            ".",
            "a/b",
            "a\\b",
            "a\0b",
            "%2e%2e",
            "-x",
            "_x",
            "аbc",
            long.as_str(),
            "a b",
        ] {
            assert!(validate(bad).is_err(), "{bad:?}");
        }
    }
}
