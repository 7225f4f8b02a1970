//! [`LikePattern`]: SQL's `LIKE` / `ILIKE` patterns. `%` matches any run of characters (also
//! none), `_` exactly one character, and a backslash makes the next character literal (`\%`,
//! `\_`, `\\`), as in PostgreSQL. No index answers a pattern: it is always evaluated.

/// A compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikePattern {
    text: String,
    case_insensitive: bool,
    tokens: Vec<Token>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token {
    Char(char),
    One,
    Any,
}

/// A pattern ending in a lone backslash.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the LIKE pattern {0:?} ends with a lone backslash (write \\\\ for a backslash)")]
pub struct LikeError(pub String);

impl LikePattern {
    /// Compiles `pattern`; `case_insensitive` for `ILIKE`.
    ///
    /// # Errors
    /// [`LikeError`] when the pattern ends with an unescaped backslash.
    pub fn new(pattern: &str, case_insensitive: bool) -> Result<Self, LikeError> {
        let folded = if case_insensitive {
            pattern.to_lowercase()
        } else {
            pattern.to_owned()
        };
        let mut tokens = Vec::new();
        let mut chars = folded.chars();
        while let Some(c) = chars.next() {
            tokens.push(match c {
                '%' => {
                    // Consecutive `%` match what one does.
                    if tokens.last() == Some(&Token::Any) {
                        continue;
                    }
                    Token::Any
                }
                '_' => Token::One,
                '\\' => Token::Char(chars.next().ok_or_else(|| LikeError(pattern.to_owned()))?),
                c => Token::Char(c),
            });
        }
        Ok(Self {
            text: pattern.to_owned(),
            case_insensitive,
            tokens,
        })
    }

    /// The pattern as written.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether it is an `ILIKE` pattern.
    #[must_use]
    pub const fn is_case_insensitive(&self) -> bool {
        self.case_insensitive
    }

    /// Whether `text` matches the whole pattern.
    #[must_use]
    pub fn matches(&self, text: &str) -> bool {
        let text: Vec<char> = if self.case_insensitive {
            text.to_lowercase().chars().collect()
        } else {
            text.chars().collect()
        };
        let p = &self.tokens;
        let (mut ti, mut pi) = (0, 0);
        // The last `%` seen and the text position it is currently taken to end at: on a
        // mismatch it swallows one more character. O(text x pattern) at worst, never exponential.
        let mut backtrack: Option<(usize, usize)> = None;
        while ti < text.len() {
            match p.get(pi) {
                Some(Token::Any) => {
                    backtrack = Some((pi, ti));
                    pi += 1;
                    continue;
                }
                Some(Token::One) => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                Some(Token::Char(c)) if *c == text[ti] => {
                    pi += 1;
                    ti += 1;
                    continue;
                }
                _ => {}
            }
            match backtrack {
                Some((any, from)) => {
                    pi = any + 1;
                    ti = from + 1;
                    backtrack = Some((any, from + 1));
                }
                None => return false,
            }
        }
        p[pi..].iter().all(|t| *t == Token::Any)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn like(pattern: &str, text: &str) -> bool {
        LikePattern::new(pattern, false)
            .expect("valid")
            .matches(text)
    }

    #[test]
    fn percent_underscore_and_escapes_match_as_in_sql() {
        assert!(like("abc", "abc"));
        assert!(!like("abc", "abcd"));
        assert!(like("a%", "a"));
        assert!(like("a%", "abc"));
        assert!(!like("a%", "ba"));
        assert!(like("%b%", "abc"));
        assert!(like("%", ""));
        assert!(!like("_", ""));
        assert!(like("a_c", "abc"));
        assert!(like("a_c", "aéc"));
        assert!(!like("a_c", "ac"));
        assert!(like("%a%b%c", "xxaybzzc"));
        assert!(!like("%a%b%c", "xxaybzzcd"));
        assert!(like("100\\%", "100%"));
        assert!(!like("100\\%", "1000"));
        assert!(like("a\\_b", "a_b"));
        assert!(!like("a\\_b", "axb"));
        assert!(like("a\\\\b", "a\\b"));
        assert!(!like("ABC", "abc"));
        let ci = LikePattern::new("AbC%", true).expect("valid");
        assert!(ci.matches("abcdef") && ci.matches("ABC"));
    }

    #[test]
    fn a_trailing_backslash_is_refused_and_long_texts_stay_quadratic_at_worst() {
        assert!(LikePattern::new("abc\\", false).is_err());
        let text = "a".repeat(20_000);
        let p = LikePattern::new(&format!("{}b", "%a".repeat(50)), false).expect("valid");
        let start = std::time::Instant::now();
        assert!(!p.matches(&text));
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }
}
