//! An API key held in memory: compared in constant time and never printed.

use std::fmt;

use subtle::ConstantTimeEq;

/// A key from the configuration. `Debug` shows only its length, so a settings dump or a panic
/// message cannot leak it.
#[derive(Clone)]
pub struct Secret(Box<[u8]>);

impl Secret {
    /// Wraps `key`.
    #[must_use]
    pub fn new(key: &str) -> Self {
        Self(key.as_bytes().into())
    }

    /// Whether `given` is this key. The comparison takes the same time whatever bytes differ
    /// (a length mismatch is answered at once, which reveals only the length).
    #[must_use]
    pub fn matches(&self, given: &[u8]) -> bool {
        self.0.ct_eq(given).into()
    }

    /// The key's bytes, to sign and check tokens with.
    #[must_use]
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({} bytes)", self.0.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_secret_matches_only_itself_and_never_prints() {
        let s = Secret::new("correct horse");
        assert!(s.matches(b"correct horse"));
        assert!(!s.matches(b"correct hors"));
        assert!(!s.matches(b"correct horsf"));
        assert!(!s.matches(b""));
        assert!(!format!("{s:?}").contains("horse"));
    }
}
