//! [`Splitter`]: cuts typed or piped text into statements. A statement ends at a `;` outside
//! strings, quoted names and comments, so lines accumulate until one does; the lexical rules are
//! VelesQL's (`'...'` with `''` escapes, `"..."` names, `--` and `/* */` comments, not nested).
//!
//! A `\` outside strings, quoted names and comments starts a backslash command that runs to
//! the end of the line, as in psql; VelesQL has no `\` token, so no statement loses one.
//!
//! The server parses each statement again; the shell only needs to know where one ends, and
//! whether a piece holds anything but blanks and comments (the grammar refuses an empty
//! statement).

/// Where the scanner is, at the end of the text seen so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LexState {
    /// Between tokens, or inside one that cannot hold a `;`.
    Normal,
    /// Inside `'...'`.
    String,
    /// Inside `"..."`.
    QuotedName,
    /// Inside `/* ... */`.
    BlockComment,
    /// Inside `-- ...`, which ends with the line.
    LineComment,
}

/// One complete statement, without its `;`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    /// From its first character that is not a blank or part of a comment.
    pub text: String,
    /// 1-based line of that character in the whole input.
    pub line: usize,
}

/// What a line completes, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Piece {
    /// A statement ended by a `;` on this line.
    Statement(Statement),
    /// A backslash command: from the `\` to the end of the line.
    Meta(String),
}

/// Accumulates text and hands out the statements it completes.
#[derive(Debug)]
pub struct Splitter {
    /// Text of the statement being read (from its first significant character), or empty.
    pending: String,
    /// Line of `pending`'s first character.
    pending_line: usize,
    state: LexState,
    /// In `String` or `QuotedName`, the closing quote was just seen: a second one escapes it.
    /// In `Normal`, a `-` or `/` was just seen and may open a comment.
    prev: Option<char>,
    /// Lines pushed so far.
    lines: usize,
}

impl Default for Splitter {
    fn default() -> Self {
        Self::new()
    }
}

impl Splitter {
    /// A splitter that has seen nothing.
    #[must_use]
    pub const fn new() -> Self {
        Self {
            pending: String::new(),
            pending_line: 0,
            state: LexState::Normal,
            prev: None,
            lines: 0,
        }
    }

    /// Adds one line (a newline is implied at its end) and returns the statements and the
    /// backslash command it completes. A statement still open before the command stays open.
    pub fn push_line(&mut self, line: &str) -> Vec<Piece> {
        self.lines += 1;
        let mut done = Vec::new();
        for (at, c) in line.char_indices() {
            if c == '\\' && self.state == LexState::Normal {
                self.prev = None;
                self.keep('\n');
                done.push(Piece::Meta(line[at..].trim_end().to_owned()));
                return done;
            }
            if let Some(statement) = self.push_char(c) {
                done.push(Piece::Statement(statement));
            }
        }
        if let Some(statement) = self.push_char('\n') {
            done.push(Piece::Statement(statement));
        }
        done
    }

    /// Lines pushed so far: the number of the last one.
    #[must_use]
    pub const fn lines_read(&self) -> usize {
        self.lines
    }

    /// True while part of a statement has been read but not its `;`.
    #[must_use]
    pub fn has_pending(&self) -> bool {
        !self.pending.is_empty()
    }

    /// What is open at the end of the text seen so far (for the continuation prompt).
    #[must_use]
    pub const fn state(&self) -> LexState {
        self.state
    }

    /// Forgets the statement being read (Ctrl-C at a continuation prompt).
    pub fn reset(&mut self) {
        self.pending.clear();
        self.state = LexState::Normal;
        self.prev = None;
    }

    /// The statement left without a `;` at the end of the input, if any: a script's last
    /// statement may omit it.
    pub fn finish(&mut self) -> Option<Statement> {
        let statement = self.take();
        self.reset();
        statement
    }

    fn push_char(&mut self, c: char) -> Option<Statement> {
        let prev = self.prev.take();
        match self.state {
            LexState::Normal => return self.normal_char(c, prev),
            LexState::String | LexState::QuotedName => {
                let quote = if self.state == LexState::String {
                    '\''
                } else {
                    '"'
                };
                self.pending.push(c);
                if prev == Some(quote) && c != quote {
                    // The quote before `c` closed the literal, `c` is a token of its own.
                    self.pending.pop();
                    self.state = LexState::Normal;
                    return self.normal_char(c, None);
                }
                if c == quote && prev != Some(quote) {
                    self.prev = Some(quote);
                }
            }
            LexState::BlockComment => {
                self.keep(c);
                if prev == Some('*') && c == '/' {
                    self.state = LexState::Normal;
                } else if c == '*' {
                    self.prev = Some('*');
                }
            }
            LexState::LineComment => {
                self.keep(c);
                if c == '\n' {
                    self.state = LexState::Normal;
                }
            }
        }
        None
    }

    fn normal_char(&mut self, c: char, prev: Option<char>) -> Option<Statement> {
        match (prev, c) {
            (Some('-'), '-') => {
                // The first `-` was taken as significant; it opened a comment instead.
                self.unkeep_last();
                self.keep('-');
                self.keep('-');
                self.state = LexState::LineComment;
                return None;
            }
            (Some('/'), '*') => {
                self.unkeep_last();
                self.keep('/');
                self.keep('*');
                self.state = LexState::BlockComment;
                return None;
            }
            _ => {}
        }
        match c {
            ';' => return self.take(),
            '\'' => self.state = LexState::String,
            '"' => self.state = LexState::QuotedName,
            '-' | '/' => self.prev = Some(c),
            _ => {}
        }
        if c.is_whitespace() {
            self.keep(c);
        } else {
            self.significant(c);
        }
        None
    }

    /// Keeps a blank or comment character: only inside a statement already started.
    fn keep(&mut self, c: char) {
        if self.has_pending() {
            self.pending.push(c);
        }
    }

    fn significant(&mut self, c: char) {
        if self.pending.is_empty() {
            self.pending_line = self.lines;
        }
        self.pending.push(c);
    }

    /// Takes back a `-` or `/` that turned out to open a comment: if it started the statement,
    /// the statement has not started yet.
    fn unkeep_last(&mut self) {
        self.pending.pop();
    }

    /// Hands out the pending statement, if it holds anything.
    fn take(&mut self) -> Option<Statement> {
        let text = self.pending.trim_end().to_owned();
        self.pending.clear();
        (!text.is_empty()).then_some(Statement {
            text,
            line: self.pending_line,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statements(pieces: Vec<Piece>) -> Vec<Statement> {
        pieces
            .into_iter()
            .filter_map(|p| match p {
                Piece::Statement(s) => Some(s),
                Piece::Meta(_) => None,
            })
            .collect()
    }

    fn split(text: &str) -> (Vec<Statement>, Option<Statement>) {
        let mut s = Splitter::new();
        let mut out = Vec::new();
        for line in text.split('\n') {
            out.extend(statements(s.push_line(line)));
        }
        let rest = s.finish();
        (out, rest)
    }

    fn texts(text: &str) -> Vec<String> {
        let (done, rest) = split(text);
        done.into_iter().chain(rest).map(|s| s.text).collect()
    }

    #[test]
    fn statements_end_at_semicolons() {
        assert_eq!(
            texts("SELECT * FROM a; SELECT * FROM b;"),
            ["SELECT * FROM a", "SELECT * FROM b"]
        );
    }

    #[test]
    fn semicolons_inside_strings_and_names_do_not_end_a_statement() {
        assert_eq!(
            texts("SELECT * FROM \"a;b\" WHERE t = 'x;y'; SHOW COLLECTIONS"),
            ["SELECT * FROM \"a;b\" WHERE t = 'x;y'", "SHOW COLLECTIONS"]
        );
    }

    #[test]
    fn doubled_quotes_escape_inside_strings() {
        assert_eq!(
            texts("SELECT * FROM c WHERE t = 'it''s; fine';"),
            ["SELECT * FROM c WHERE t = 'it''s; fine'"]
        );
        // An empty string, then a `;` that ends the statement.
        assert_eq!(texts("UPDATE c SET t = '';x"), ["UPDATE c SET t = ''", "x"]);
        // `''''` is one quote character; the statement goes on after it.
        assert_eq!(texts("a = '''';b"), ["a = ''''", "b"]);
    }

    #[test]
    fn comments_hide_semicolons() {
        assert_eq!(
            texts("SELECT * -- not the end;\nFROM c /* nor ; this */ LIMIT 1;"),
            ["SELECT * -- not the end;\nFROM c /* nor ; this */ LIMIT 1"]
        );
    }

    #[test]
    fn block_comments_end_at_the_first_close_and_do_not_nest() {
        assert_eq!(
            texts("/* a /* b */ SELECT 1; /**/ SELECT 2;"),
            ["SELECT 1", "SELECT 2"]
        );
        assert_eq!(texts("/* x **/ y;"), ["y"]);
    }

    #[test]
    fn leading_comments_and_blank_statements_are_dropped() {
        assert_eq!(
            texts("-- header\n\n/* note */ ;; SELECT 1;\n-- trailer\n"),
            ["SELECT 1"]
        );
        assert!(texts(" ; ;\n-- only a comment;\n").is_empty());
    }

    #[test]
    fn a_minus_or_slash_alone_is_part_of_the_statement() {
        assert_eq!(
            texts("SELECT * FROM c WHERE x > -1 AND y / 2 > 0;"),
            ["SELECT * FROM c WHERE x > -1 AND y / 2 > 0"]
        );
        assert_eq!(texts("-1;"), ["-1"]);
        assert_eq!(texts("a '-'-- c\n;"), ["a '-'-- c"]);
    }

    #[test]
    fn multi_line_statements_accumulate_and_report_their_first_line() {
        let mut s = Splitter::new();
        assert!(s.push_line("-- a script").is_empty());
        assert!(!s.has_pending());
        assert!(s.push_line("SELECT *").is_empty());
        assert!(s.has_pending());
        assert!(s.push_line("  FROM c").is_empty());
        let done = s.push_line("  LIMIT 2; SELECT");
        assert_eq!(
            done,
            [Piece::Statement(Statement {
                text: "SELECT *\n  FROM c\n  LIMIT 2".into(),
                line: 2
            })]
        );
        assert!(s.has_pending());
        assert_eq!(
            s.push_line("1;"),
            [Piece::Statement(Statement {
                text: "SELECT\n1".into(),
                line: 4
            })]
        );
        assert!(!s.has_pending());
    }

    #[test]
    fn open_quotes_and_comments_carry_over_lines() {
        let mut s = Splitter::new();
        assert!(
            s.push_line("INSERT INTO c (id, t) VALUES (1, 'a;")
                .is_empty()
        );
        assert_eq!(s.state(), LexState::String);
        assert!(s.push_line("b');").len() == 1);
        assert_eq!(s.state(), LexState::Normal);
        assert!(s.push_line("/* open;").is_empty());
        assert_eq!(s.state(), LexState::BlockComment);
        assert!(s.push_line("closed */").is_empty());
        assert_eq!(s.state(), LexState::Normal);
        assert!(!s.has_pending());
        assert!(s.push_line("SELECT \"a").is_empty());
        assert_eq!(s.state(), LexState::QuotedName);
    }

    #[test]
    fn the_last_statement_may_omit_its_semicolon() {
        let (done, rest) = split("SELECT 1;\nSELECT\n 2  \n");
        assert_eq!(done.len(), 1);
        assert_eq!(
            rest,
            Some(Statement {
                text: "SELECT\n 2".into(),
                line: 2
            })
        );
    }

    #[test]
    fn reset_drops_what_was_typed() {
        let mut s = Splitter::new();
        assert!(s.push_line("SELECT 'open").is_empty());
        s.reset();
        assert!(!s.has_pending());
        assert_eq!(s.state(), LexState::Normal);
        assert_eq!(
            texts_after(&mut s, "SHOW COLLECTIONS;"),
            ["SHOW COLLECTIONS"]
        );
    }

    fn texts_after(s: &mut Splitter, line: &str) -> Vec<String> {
        statements(s.push_line(line))
            .into_iter()
            .map(|st| st.text)
            .collect()
    }

    #[test]
    fn a_backslash_outside_quotes_starts_a_command_that_ends_the_line() {
        let mut s = Splitter::new();
        assert_eq!(
            s.push_line("SHOW COLLECTIONS; \\d docs  "),
            [
                Piece::Statement(Statement {
                    text: "SHOW COLLECTIONS".into(),
                    line: 1
                }),
                Piece::Meta("\\d docs".into())
            ]
        );
        // A statement open before the command stays open after it.
        assert_eq!(
            s.push_line("SELECT * \\timing"),
            [Piece::Meta("\\timing".into())]
        );
        assert_eq!(texts_after(&mut s, "FROM c;"), ["SELECT * \nFROM c"]);
    }

    #[test]
    fn a_backslash_inside_quotes_or_comments_is_text() {
        assert_eq!(
            texts("SELECT * FROM \"a\\b\" WHERE t = '\\d' /* \\q */ -- \\q\n;"),
            ["SELECT * FROM \"a\\b\" WHERE t = '\\d' /* \\q */ -- \\q"]
        );
    }

    #[test]
    fn non_ascii_text_is_kept_whole() {
        assert_eq!(
            texts("SELECT * FROM c WHERE t = 'naïve — 日本';"),
            ["SELECT * FROM c WHERE t = 'naïve — 日本'"]
        );
    }
}
