//! [`NormalForm`]: a statement text with its layout taken out, the key under which the plan cache
//! keeps parsed statements, and the map that moves a position in one spelling of a statement to
//! the same place in another.
//!
//! The grammar treats every run of whitespace and every comment (which the pre-scan blanks to
//! spaces) as one separator, so two texts that differ only in their separators parse to the same
//! syntax tree, but for its byte spans. The normal form keeps every other byte as written: the
//! words between separators (with `'strings'` and `"names"` whole, separators inside them
//! included) joined by one space, trailing `;` dropped. Keywords keep their case: folding it would
//! also fold a name spelled like a keyword that is not reserved (`Count`), which the grammar keeps.
//!
//! Equal normal forms therefore mean equal statements, and their words are the same bytes in the
//! same order: [`NormalForm::relocate`] maps a span of one text onto the other word by word.

use std::ops::Range;

use super::ast::Span;

/// The layout-free form of a statement text, and where its words are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NormalForm {
    /// The words, each separated by one space.
    pub key: String,
    /// Byte range of each word in the text.
    words: Vec<Range<usize>>,
}

impl NormalForm {
    /// The normal form of `text`, or `None` when a string, name or comment is left open (the
    /// parser then reports it; such a text is never cached).
    #[must_use]
    pub fn of(text: &str) -> Option<Self> {
        let bytes = text.as_bytes();
        let mut words: Vec<Range<usize>> = Vec::new();
        let mut start: Option<usize> = None;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            let separator_len = match b {
                b' ' | b'\t' | b'\r' | b'\n' => 1,
                b'-' if bytes.get(i + 1) == Some(&b'-') => bytes[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .unwrap_or(bytes.len() - i),
                b'/' if bytes.get(i + 1) == Some(&b'*') => text[i + 2..].find("*/")? + 4,
                _ => 0,
            };
            if separator_len > 0 {
                if let Some(s) = start.take() {
                    words.push(s..i);
                }
                i += separator_len;
                continue;
            }
            start.get_or_insert(i);
            i = match b {
                b'\'' | b'"' => closing_quote(bytes, i)? + 1,
                _ => i + 1,
            };
        }
        if let Some(s) = start {
            words.push(s..bytes.len());
        }
        // Trailing `;` end the last statement and change nothing.
        while let Some(last) = words.last_mut() {
            let trimmed = text[last.clone()].trim_end_matches(';').len();
            last.end = last.start + trimmed;
            if last.start == last.end {
                words.pop();
            } else {
                break;
            }
        }
        let mut key = String::with_capacity(text.len());
        for (n, w) in words.iter().enumerate() {
            if n > 0 {
                key.push(' ');
            }
            key.push_str(&text[w.clone()]);
        }
        Some(Self { key, words })
    }

    /// `span`, a span of the text `self` was made from, as a span of the text `other` was made
    /// from (both with the same key): each end keeps its offset within its word; an end between
    /// words goes to the end of the word before it.
    #[must_use]
    pub fn relocate(&self, span: Span, other: &Self) -> Span {
        Span::new(
            self.relocate_offset(span.start, other),
            self.relocate_offset(span.end, other),
        )
    }

    fn relocate_offset(&self, offset: usize, other: &Self) -> usize {
        // The last word starting at or before `offset`.
        let n = self.words.partition_point(|w| w.start <= offset);
        let Some(n) = n.checked_sub(1) else {
            return other.words.first().map_or(0, |w| w.start);
        };
        let (Some(from), Some(to)) = (self.words.get(n), other.words.get(n)) else {
            return 0;
        };
        to.start + (offset.min(from.end) - from.start)
    }
}

/// The index of the quote closing the one at `open` (a doubled quote inside is an escaped one).
fn closing_quote(bytes: &[u8], open: usize) -> Option<usize> {
    let quote = bytes[open];
    let mut i = open + 1;
    loop {
        i += bytes.get(i..)?.iter().position(|&c| c == quote)?;
        if bytes.get(i + 1) == Some(&quote) {
            i += 2;
        } else {
            return Some(i);
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn key(text: &str) -> String {
        NormalForm::of(text).map(|n| n.key).unwrap_or_default()
    }

    #[test]
    fn layout_and_comments_are_taken_out_and_everything_else_kept() {
        let plain = "SELECT id FROM c WHERE a = 'x  y' LIMIT 3";
        assert_eq!(key(plain), plain);
        for variant in [
            "SELECT id FROM c WHERE a = 'x  y' LIMIT 3;",
            "  SELECT id\n  FROM c -- a comment\n WHERE a = 'x  y'\tLIMIT 3 ;;",
            "SELECT/* c */id FROM c WHERE a = 'x  y' LIMIT 3",
        ] {
            assert_eq!(key(variant), plain, "{variant:?}");
        }
        // Case, the layout inside strings and names, and separators between touching words
        // are kept: the grammar may read them differently.
        for different in [
            "select id FROM c WHERE a = 'x  y' LIMIT 3",
            "SELECT id FROM c WHERE a = 'x y' LIMIT 3",
            "SELECT id FROM c WHERE a='x  y' LIMIT 3",
            "SELECT \"id\" FROM c WHERE a = 'x  y' LIMIT 3",
        ] {
            assert_ne!(key(different), plain, "{different:?}");
        }
        assert_eq!(
            key("SELECT 'it''s -- no comment'"),
            "SELECT 'it''s -- no comment'"
        );
        assert_eq!(
            key("SELECT \"a \"\" b\" FROM c"),
            "SELECT \"a \"\" b\" FROM c"
        );
    }

    #[test]
    fn an_open_string_name_or_comment_has_no_normal_form() {
        for open in ["SELECT 'abc", "SELECT \"abc", "SELECT 1 /* never closed"] {
            assert_eq!(NormalForm::of(open), None, "{open:?}");
        }
        assert!(NormalForm::of("SELECT 1 -- to the end").is_some());
    }

    #[test]
    fn spans_move_word_by_word() {
        let first = "SELECT  nope FROM c";
        let second = "\n  SELECT nope\n   FROM c -- x";
        let (a, b) = (
            NormalForm::of(first).unwrap_or_else(|| unreachable!()),
            NormalForm::of(second).unwrap_or_else(|| unreachable!()),
        );
        assert_eq!(a.key, b.key);
        let nope = Span::new(8, 12);
        assert_eq!(&first[8..12], "nope");
        let moved = a.relocate(nope, &b);
        assert_eq!(&second[moved.start..moved.end], "nope");
        // The whole statement, from its first byte to the end of its last word.
        let whole = a.relocate(Span::new(0, first.len()), &b);
        assert_eq!(&second[whole.start..whole.end], "SELECT nope\n   FROM c");
        // Inside a word, the offset within the word is kept.
        let part = a.relocate(Span::new(9, 11), &b);
        assert_eq!(&second[part.start..part.end], "op");
    }

    proptest! {
        /// Any layout of the same words has the same key, and every word's span moves onto the
        /// same word.
        #[test]
        fn relayout_keeps_the_key_and_moves_spans_onto_the_same_words(
            words in prop::collection::vec("[a-z]{1,5}|'[a -]{0,4}'|[(),=<>*]", 1..12),
            gaps in prop::collection::vec(prop_oneof![
                Just(" "), Just("  "), Just("\n"), Just(" -- c\n"), Just("/* x */"), Just("\t "),
            ], 12),
        ) {
            let plain = words.join(" ");
            let mut spaced = String::from(gaps[0]);
            let mut spans = Vec::new();
            for (w, gap) in words.iter().zip(gaps.iter().cycle().skip(1)) {
                spans.push(spaced.len()..spaced.len() + w.len());
                spaced.push_str(w);
                spaced.push_str(gap);
            }
            let a = NormalForm::of(&plain).unwrap_or_else(|| unreachable!());
            let b = NormalForm::of(&spaced).unwrap_or_else(|| unreachable!());
            prop_assert_eq!(&a.key, &b.key);
            let mut at = 0;
            for (w, in_b) in words.iter().zip(spans) {
                let moved = a.relocate(Span::new(at, at + w.len()), &b);
                prop_assert_eq!(moved.start..moved.end, in_b);
                at += w.len() + 1;
            }
        }
    }
}
