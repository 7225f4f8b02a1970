//! [`TextQuery`]: a parsed full-text query: clauses of one term or a phrase, each should, must or
//! must not occur. The syntax is Lucene's simplest: `+term` must occur, `-term` must not,
//! `"several words"` is a phrase (its words adjacent and in order; `+"…"` and `-"…"` too), and any
//! other word should occur. Every word goes through the index's analyzer, so a stop word is no
//! clause and a stemmed word matches its inflections.

use super::analyzer::{Analyzer, Token};

/// Whether a clause must, should or must not occur.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occur {
    /// Scores when present; a document needs one such clause when it has no must clause.
    Should,
    /// Required (and scores).
    Must,
    /// Excluded.
    MustNot,
}

/// One clause: a single term, or a phrase of several with their relative positions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Clause {
    /// Must, should or must not.
    pub occur: Occur,
    /// The analysed terms in order, with positions relative to the first (a dropped stop word
    /// inside a phrase leaves its gap).
    pub terms: Vec<Token>,
}

impl Clause {
    /// Whether this clause needs its terms adjacent (more than one term).
    #[must_use]
    pub fn is_phrase(&self) -> bool {
        self.terms.len() > 1
    }
}

/// A full-text query.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextQuery {
    /// Its clauses.
    pub clauses: Vec<Clause>,
}

fn relative(mut tokens: Vec<Token>) -> Vec<Token> {
    if let Some(first) = tokens.first().map(|t| t.position) {
        for t in &mut tokens {
            t.position -= first;
        }
    }
    tokens
}

impl TextQuery {
    /// Parses the query syntax of the module doc.
    #[must_use]
    pub fn parse(analyzer: &Analyzer, text: &str) -> Self {
        let mut clauses = Vec::new();
        let mut rest = text;
        while !rest.is_empty() {
            let trimmed = rest.trim_start();
            if trimmed.is_empty() {
                break;
            }
            let (occur, body) = match trimmed.as_bytes()[0] {
                b'+' => (Occur::Must, &trimmed[1..]),
                b'-' => (Occur::MustNot, &trimmed[1..]),
                _ => (Occur::Should, trimmed),
            };
            if let Some(inner) = body.strip_prefix('"') {
                let (phrase, after) = inner.split_once('"').unwrap_or((inner, ""));
                let tokens = relative(analyzer.analyze(phrase));
                if !tokens.is_empty() {
                    clauses.push(Clause {
                        occur,
                        terms: tokens,
                    });
                }
                rest = after;
            } else {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                for token in analyzer.analyze(&body[..end]) {
                    clauses.push(Clause {
                        occur,
                        terms: vec![Token {
                            term: token.term,
                            position: 0,
                        }],
                    });
                }
                rest = &body[end..];
            }
        }
        Self { clauses }
    }

    /// Every term of `text` must occur (Qdrant's `match: {"text": …}`).
    #[must_use]
    pub fn all_of(analyzer: &Analyzer, text: &str) -> Self {
        Self {
            clauses: analyzer
                .analyze(text)
                .into_iter()
                .map(|t| Clause {
                    occur: Occur::Must,
                    terms: vec![Token {
                        term: t.term,
                        position: 0,
                    }],
                })
                .collect(),
        }
    }

    /// The terms of `text` must occur adjacent and in order (Qdrant's `match: {"phrase": …}`).
    #[must_use]
    pub fn phrase(analyzer: &Analyzer, text: &str) -> Self {
        let terms = relative(analyzer.analyze(text));
        Self {
            clauses: if terms.is_empty() {
                Vec::new()
            } else {
                vec![Clause {
                    occur: Occur::Must,
                    terms,
                }]
            },
        }
    }

    /// The distinct terms that score (in must and should clauses), in first-seen order.
    #[must_use]
    pub fn scoring_terms(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for clause in self.clauses.iter().filter(|c| c.occur != Occur::MustNot) {
            for t in &clause.terms {
                if !out.contains(&t.term.as_str()) {
                    out.push(&t.term);
                }
            }
        }
        out
    }

    /// Whether the query has no clause (empty text, or only stop words).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.clauses.is_empty()
    }

    /// Whether the query has a must clause.
    #[must_use]
    pub fn has_must(&self) -> bool {
        self.clauses.iter().any(|c| c.occur == Occur::Must)
    }

    /// Whether a document whose terms and positions `positions_of` reports satisfies the query
    /// (must clauses present, must-not clauses absent, and a should clause present when there
    /// is no must clause). Used without an index, on one payload.
    pub fn matches_document(&self, positions_of: &dyn Fn(&str) -> Vec<u32>) -> bool {
        if self.clauses.is_empty() {
            return false;
        }
        let present = |c: &Clause| clause_present(c, positions_of);
        let must = self.has_must();
        let mut any_should = false;
        for clause in &self.clauses {
            match clause.occur {
                Occur::Must if !present(clause) => return false,
                Occur::MustNot if present(clause) => return false,
                Occur::Should if !must && !any_should => any_should = present(clause),
                _ => {}
            }
        }
        must || any_should
    }
}

/// Whether `clause` occurs in a document: its single term is there, or its phrase's terms sit at
/// the right distances from one start.
pub fn clause_present(clause: &Clause, positions_of: &dyn Fn(&str) -> Vec<u32>) -> bool {
    let lists: Vec<Vec<u32>> = clause.terms.iter().map(|t| positions_of(&t.term)).collect();
    let Some(first) = lists.first() else {
        return false;
    };
    first.iter().any(|&start| {
        clause.terms.iter().zip(&lists).skip(1).all(|(t, list)| {
            start
                .checked_add(t.position)
                .is_some_and(|p| list.binary_search(&p).is_ok())
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::TextSettings;

    fn analyzer() -> Analyzer {
        Analyzer::new(
            &TextSettings {
                stopword_languages: vec!["english".into()],
                ..TextSettings::default()
            }
            .validate()
            .expect("valid"),
        )
    }

    #[test]
    fn syntax_gives_must_should_not_and_phrases() {
        let q = TextQuery::parse(&analyzer(), r#"+Cat dog -bird "the quick  fox" -"red car""#);
        let shape: Vec<(Occur, Vec<(&str, u32)>)> = q
            .clauses
            .iter()
            .map(|c| {
                (
                    c.occur,
                    c.terms
                        .iter()
                        .map(|t| (t.term.as_str(), t.position))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                (Occur::Must, vec![("cat", 0)]),
                (Occur::Should, vec![("dog", 0)]),
                (Occur::MustNot, vec![("bird", 0)]),
                (Occur::Should, vec![("quick", 0), ("fox", 1)]),
                (Occur::MustNot, vec![("red", 0), ("car", 1)]),
            ]
        );
        assert_eq!(q.scoring_terms(), ["cat", "dog", "quick", "fox"]);
    }

    #[test]
    fn stop_words_only_and_unclosed_quotes_are_handled() {
        assert!(TextQuery::parse(&analyzer(), "the and of").is_empty());
        let q = TextQuery::parse(&analyzer(), "\"quantum physics");
        assert_eq!(q.clauses.len(), 1);
        assert!(q.clauses[0].is_phrase());
        assert!(TextQuery::parse(&analyzer(), "+ - \"\"").is_empty());
    }

    #[test]
    fn phrase_presence_respects_gaps_left_by_stop_words() {
        let a = analyzer();
        let q = TextQuery::phrase(&a, "quick the fox");
        let doc = a.analyze("a quick the fox ran");
        let positions = |term: &str| -> Vec<u32> {
            doc.iter()
                .filter(|t| t.term == term)
                .map(|t| t.position)
                .collect()
        };
        assert!(q.matches_document(&positions));
        let doc2 = a.analyze("quick fox");
        let positions2 = |term: &str| -> Vec<u32> {
            doc2.iter()
                .filter(|t| t.term == term)
                .map(|t| t.position)
                .collect()
        };
        assert!(!q.matches_document(&positions2));
    }
}
