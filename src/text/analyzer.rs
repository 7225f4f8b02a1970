//! [`Analyzer`]: turns a string into the terms a text index stores and a query looks up, with
//! their positions, as [`TextSettings`] say: tokenize, fold to ASCII, lowercase, drop by length,
//! drop stop words, stem. The same analyzer serves indexing and querying, so a query term and an
//! indexed term meet only when both went through the same steps.

use std::collections::HashSet;

use unicode_segmentation::UnicodeSegmentation;

use super::settings::{TextSettings, Tokenizer, stemmer_of, stopwords_of};

/// One analysed term and its position among the tokens of its text. Positions count stop words
/// and dropped tokens too, so a phrase never matches across a removed word.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The term.
    pub term: String,
    /// Its position.
    pub position: u32,
}

/// A text analyzer built from validated settings.
pub struct Analyzer {
    tokenizer: Tokenizer,
    lowercase: bool,
    ascii_folding: bool,
    min_len: usize,
    max_len: usize,
    stopwords: HashSet<String>,
    stemmer: Option<rust_stemmers::Stemmer>,
}

impl std::fmt::Debug for Analyzer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Analyzer")
            .field("tokenizer", &self.tokenizer)
            .field("lowercase", &self.lowercase)
            .field("ascii_folding", &self.ascii_folding)
            .field("stopwords", &self.stopwords.len())
            .field("stemmer", &self.stemmer.is_some())
            .finish_non_exhaustive()
    }
}

impl Analyzer {
    /// The analyzer `settings` describe (already validated: an unknown language is ignored).
    #[must_use]
    pub fn new(settings: &TextSettings) -> Self {
        let mut stopwords = HashSet::new();
        // Stop words go through the same case and folding steps as the tokens they meet.
        let normalise = |w: &str| {
            let w = if settings.ascii_folding {
                deunicode::deunicode(w)
            } else {
                w.to_owned()
            };
            if settings.lowercase {
                w.to_lowercase()
            } else {
                w
            }
        };
        for lang in &settings.stopword_languages {
            stopwords.extend(stopwords_of(lang).iter().map(|w| normalise(w)));
        }
        stopwords.extend(settings.custom_stopwords.iter().map(|w| normalise(w)));
        Self {
            tokenizer: settings.tokenizer,
            lowercase: settings.lowercase,
            ascii_folding: settings.ascii_folding,
            min_len: settings.min_token_len.map_or(0, |n| n as usize),
            max_len: settings.max_token_len.map_or(usize::MAX, |n| n as usize),
            stopwords,
            stemmer: settings
                .stemmer
                .as_deref()
                .and_then(stemmer_of)
                .map(rust_stemmers::Stemmer::create),
        }
    }

    /// The terms of `text` with their positions, starting at position `first`. Returns the
    /// position after the last token (dropped ones included).
    pub fn analyze_into(&self, text: &str, first: u32, out: &mut Vec<Token>) -> u32 {
        let mut position = first;
        let mut emit = |raw: &str| {
            if let Some(term) = self.term(raw) {
                out.push(Token { term, position });
            }
            position = position.saturating_add(1);
        };
        match self.tokenizer {
            Tokenizer::Word => text.unicode_words().for_each(&mut emit),
            Tokenizer::Whitespace => text.split_whitespace().for_each(&mut emit),
        }
        position
    }

    /// The terms of `text` with their positions from 0.
    #[must_use]
    pub fn analyze(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.analyze_into(text, 0, &mut out);
        out
    }

    /// The term one raw token becomes, or `None` when it is dropped.
    fn term(&self, raw: &str) -> Option<String> {
        let mut t = if self.ascii_folding {
            deunicode::deunicode(raw)
        } else {
            raw.to_owned()
        };
        if self.lowercase {
            t = t.to_lowercase();
        }
        let chars = t.chars().count();
        if chars < self.min_len || chars > self.max_len || t.is_empty() {
            return None;
        }
        if self.stopwords.contains(&t) {
            return None;
        }
        if let Some(stemmer) = &self.stemmer {
            t = stemmer.stem(&t).into_owned();
        }
        Some(t)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn terms(settings: &TextSettings, text: &str) -> Vec<String> {
        Analyzer::new(settings)
            .analyze(text)
            .into_iter()
            .map(|t| t.term)
            .collect()
    }

    #[test]
    fn word_tokenizer_splits_on_unicode_word_boundaries_and_lowercases() {
        let s = TextSettings::default();
        assert_eq!(
            terms(&s, "Hello, World! It's Zoë's café."),
            ["hello", "world", "it's", "zoë's", "café"]
        );
    }

    #[test]
    fn whitespace_tokenizer_keeps_punctuation() {
        let s = TextSettings {
            tokenizer: Tokenizer::Whitespace,
            ..TextSettings::default()
        };
        assert_eq!(terms(&s, " Hello,  world! "), ["hello,", "world!"]);
    }

    #[test]
    fn lowercase_can_be_turned_off() {
        let s = TextSettings {
            lowercase: false,
            ..TextSettings::default()
        };
        assert_eq!(terms(&s, "Hello World"), ["Hello", "World"]);
    }

    #[test]
    fn ascii_folding_replaces_accented_letters() {
        let s = TextSettings {
            ascii_folding: true,
            ..TextSettings::default()
        };
        assert_eq!(
            terms(&s, "Crème Brûlée naïve"),
            ["creme", "brulee", "naive"]
        );
    }

    #[test]
    fn token_length_bounds_count_characters_not_bytes() {
        let s = TextSettings {
            min_token_len: Some(2),
            max_token_len: Some(4),
            ..TextSettings::default()
        };
        assert_eq!(terms(&s, "a ab abcd abcde éééé"), ["ab", "abcd", "éééé"]);
    }

    #[test]
    fn stop_words_are_dropped_but_keep_their_positions() {
        let s = TextSettings {
            stopword_languages: vec!["english".into()],
            custom_stopwords: vec!["Quick".into()],
            ..TextSettings::default()
        }
        .validate()
        .expect("valid");
        let tokens = Analyzer::new(&s).analyze("The quick brown fox");
        assert_eq!(
            tokens,
            [
                Token {
                    term: "brown".into(),
                    position: 2
                },
                Token {
                    term: "fox".into(),
                    position: 3
                },
            ]
        );
    }

    #[test]
    fn english_snowball_stemmer_reduces_inflections() {
        let s = TextSettings {
            stemmer: Some("english".into()),
            ..TextSettings::default()
        };
        assert_eq!(terms(&s, "running runs ran"), ["run", "run", "ran"]);
    }

    #[test]
    fn positions_continue_from_the_first_given() {
        let a = Analyzer::new(&TextSettings::default());
        let mut out = Vec::new();
        let next = a.analyze_into("one two", 10, &mut out);
        assert_eq!(next, 12);
        assert_eq!(out[1].position, 11);
    }
}
