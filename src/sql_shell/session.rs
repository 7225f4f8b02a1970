//! [`Session`]: what the shell does with each line of input, typed or read from a script. It
//! splits statements, runs them one request each, prints results and errors, keeps the shell's
//! settings (`\timing`, bound parameters), and remembers the worst failure for the exit status.
//!
//! A script stops at its first failure, as the server stops a multi-statement request: later
//! statements often depend on earlier ones (an `INSERT` after a failed `CREATE COLLECTION`).
//! Typed input goes on after an error.

use std::io::Write;

use serde_json::{Map, Value};

use super::client::{ClientError, Execute};
use super::input::{LexState, Piece, Splitter, Statement};
use super::meta::{self, HELP, Meta};
use super::render;

/// The worst thing that happened, for the exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Failure {
    /// A statement or command was refused.
    Statement,
    /// The server could not be reached.
    Unreachable,
}

/// Whether to read more input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Go on.
    Continue,
    /// `\q`, or a script's first failure.
    Stop,
}

/// Where the input comes from, which decides how errors are located and whether one ends it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Typed at a prompt: errors are reported and the session goes on.
    Interactive,
    /// `-c` text: errors name the line, and the first ends the run.
    Command,
    /// A file or piped input, by name: errors name the file and line, and the first ends the run.
    Script(String),
}

/// One shell session.
pub struct Session<E, O, R> {
    client: E,
    out: O,
    err: R,
    source: Source,
    splitter: Splitter,
    timing: bool,
    params: Map<String, Value>,
    failure: Option<Failure>,
}

impl<E: Execute, O: Write, R: Write> Session<E, O, R> {
    /// A session running statements through `client`, printing results to `out` and errors to
    /// `err`.
    pub fn new(client: E, source: Source, out: O, err: R) -> Self {
        Self {
            client,
            out,
            err,
            source,
            splitter: Splitter::new(),
            timing: false,
            params: Map::new(),
            failure: None,
        }
    }

    /// The worst failure so far.
    pub const fn failure(&self) -> Option<Failure> {
        self.failure
    }

    /// The prompt for the next line: what is still open, as psql shows it.
    pub fn prompt(&self) -> &'static str {
        match self.splitter.state() {
            LexState::String => "plait'> ",
            LexState::QuotedName => "plait\"> ",
            LexState::BlockComment => "plait*> ",
            LexState::Normal | LexState::LineComment if self.splitter.has_pending() => "plait-> ",
            LexState::Normal | LexState::LineComment => "plait=> ",
        }
    }

    /// Drops a half-typed statement (Ctrl-C).
    pub fn interrupt(&mut self) {
        self.splitter.reset();
    }

    /// Handles one line of input.
    pub fn feed_line(&mut self, line: &str) -> Flow {
        for piece in self.splitter.push_line(line) {
            let flow = match piece {
                Piece::Statement(statement) => self.run(&statement),
                Piece::Meta(command) => self.meta(&command),
            };
            if flow == Flow::Stop {
                return Flow::Stop;
            }
        }
        Flow::Continue
    }

    /// Ends the input: runs a last statement left without its `;`.
    pub fn finish(&mut self) -> Flow {
        match self.splitter.finish() {
            Some(statement) => self.run(&statement),
            None => Flow::Continue,
        }
    }

    fn meta(&mut self, line: &str) -> Flow {
        let command = match Meta::parse(line) {
            Ok(command) => command,
            Err(e) => {
                let text = format!("ERROR:  {e}\n");
                return self.fail(Failure::Statement, self.splitter.lines_read(), &text);
            }
        };
        match command {
            Meta::Quit => return Flow::Stop,
            Meta::Help => self.print(HELP),
            Meta::Describe(name) => {
                let statement = Statement {
                    text: meta::describe_statement(name.as_deref()),
                    line: self.splitter.lines_read(),
                };
                return self.run(&statement);
            }
            Meta::Timing(setting) => {
                self.timing = setting.unwrap_or(!self.timing);
                let text = if self.timing {
                    "Timing is on.\n"
                } else {
                    "Timing is off.\n"
                };
                self.print(text);
            }
            Meta::Set(None) => {
                let mut text = String::new();
                for (name, value) in &self.params {
                    text.push_str(&format!("${name} = {value}\n"));
                }
                if text.is_empty() {
                    text.push_str("(no parameters bound)\n");
                }
                self.print(&text);
            }
            Meta::Set(Some((name, value))) => {
                self.params.insert(name, value);
            }
            Meta::Unset(name) => {
                self.params.remove(&name);
            }
        }
        Flow::Continue
    }

    fn run(&mut self, statement: &Statement) -> Flow {
        let result = match self.client.execute(&statement.text, &self.params) {
            Ok(result) => result,
            Err(e) => {
                let kind = if matches!(e, ClientError::Unreachable { .. }) {
                    Failure::Unreachable
                } else {
                    Failure::Statement
                };
                return self.fail(kind, statement.line, &format!("ERROR:  {e}\n"));
            }
        };
        if let Some(error) = &result.error {
            let text = render::error(error, self.error_base_line(statement));
            return self.fail(Failure::Statement, statement.line, &text);
        }
        for one in &result.statements {
            if let Some(error) = &one.error {
                let text = render::error(error, self.error_base_line(statement));
                return self.fail(Failure::Statement, statement.line, &text);
            }
            let mut text = render::statement(one);
            if self.timing
                && let Some(ms) = one.time_ms
            {
                text.push_str(&render::timing(ms));
            }
            self.print(&text);
        }
        Flow::Continue
    }

    /// The line a statement's error positions count from: the script's line for scripts, the
    /// statement's own first line when typed.
    const fn error_base_line(&self, statement: &Statement) -> usize {
        match self.source {
            Source::Interactive => 1,
            Source::Command | Source::Script(_) => statement.line,
        }
    }

    /// Reports a failure at `line`; a script stops there.
    fn fail(&mut self, kind: Failure, line: usize, text: &str) -> Flow {
        self.failure = self.failure.max(Some(kind));
        let located = match &self.source {
            Source::Interactive => text.to_owned(),
            Source::Command => format!("line {line}: {text}"),
            Source::Script(name) => format!("{name}:{line}: {text}"),
        };
        // Nowhere left to report to is no reason to stop running the input.
        let _ = self
            .err
            .write_all(located.as_bytes())
            .and_then(|()| self.err.flush());
        match self.source {
            Source::Interactive => Flow::Continue,
            Source::Command | Source::Script(_) => Flow::Stop,
        }
    }

    fn print(&mut self, text: &str) {
        // A closed stdout (`| head`) must not stop the statements still to run.
        let _ = self
            .out
            .write_all(text.as_bytes())
            .and_then(|()| self.out.flush());
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;

    use serde_json::json;

    use super::*;
    use crate::sql_shell::wire::QueryResult;

    /// Answers each statement from a script of canned answers and records what it was sent.
    struct Fake {
        sent: RefCell<Vec<(String, Map<String, Value>)>>,
        answers: RefCell<Vec<Result<Value, ()>>>,
    }

    impl Fake {
        fn new(answers: Vec<Result<Value, ()>>) -> Self {
            Self {
                sent: RefCell::new(Vec::new()),
                answers: RefCell::new(answers.into_iter().rev().collect()),
            }
        }
    }

    impl Execute for &Fake {
        fn execute(
            &self,
            query: &str,
            params: &Map<String, Value>,
        ) -> Result<QueryResult, ClientError> {
            self.sent
                .borrow_mut()
                .push((query.to_owned(), params.clone()));
            match self.answers.borrow_mut().pop() {
                Some(Ok(v)) => Ok(serde_json::from_value(v).unwrap_or_default()),
                Some(Err(())) | None => Err(ClientError::Unreachable {
                    url: "http://127.0.0.1:1/query".into(),
                    reason: "Connection refused".into(),
                }),
            }
        }
    }

    fn ok(kind: &str, affected: Option<u64>) -> Result<Value, ()> {
        Ok(
            json!({"statements": [{"statement": kind, "columns": [], "rows": [],
            "affected": affected, "plan": null, "time_ms": 0.25, "error": null}]}),
        )
    }

    fn failed(message: &str) -> Result<Value, ()> {
        Ok(json!({"statements": [{"statement": "select", "error": {
            "code": "not_found", "message": message}}]}))
    }

    struct Run {
        out: String,
        err: String,
        failure: Option<Failure>,
        sent: Vec<String>,
    }

    fn run(source: Source, input: &str, answers: Vec<Result<Value, ()>>) -> Run {
        let fake = Fake::new(answers);
        let mut out = Vec::new();
        let mut err = Vec::new();
        let failure = {
            let mut session = Session::new(&fake, source, &mut out, &mut err);
            let mut stopped = false;
            for line in input.lines() {
                if session.feed_line(line) == Flow::Stop {
                    stopped = true;
                    break;
                }
            }
            if !stopped {
                session.finish();
            }
            session.failure()
        };
        Run {
            out: String::from_utf8_lossy(&out).into_owned(),
            err: String::from_utf8_lossy(&err).into_owned(),
            failure,
            sent: fake.sent.take().into_iter().map(|(q, _)| q).collect(),
        }
    }

    #[test]
    fn each_statement_is_one_request_and_prints_its_result() {
        let r = run(
            Source::Command,
            "CREATE COLLECTION c (dimension = 2); INSERT INTO c (id, vector) VALUES (1, [1, 0])",
            vec![ok("create_collection", None), ok("insert", Some(1))],
        );
        assert_eq!(
            r.sent,
            [
                "CREATE COLLECTION c (dimension = 2)",
                "INSERT INTO c (id, vector) VALUES (1, [1, 0])"
            ]
        );
        assert_eq!(r.out, "CREATE COLLECTION\nINSERT 1\n");
        assert_eq!(r.err, "");
        assert_eq!(r.failure, None);
    }

    #[test]
    fn a_script_stops_at_its_first_error_and_names_the_line() {
        let r = run(
            Source::Script("load.sql".into()),
            "SHOW COLLECTIONS;\n\nSELECT *\n FROM missing;\nSHOW COLLECTIONS;\n",
            vec![
                ok("show_collections", None),
                failed("no collection missing"),
            ],
        );
        assert_eq!(r.sent.len(), 2);
        assert_eq!(
            r.err,
            "load.sql:3: ERROR:  no collection missing (not_found)\n"
        );
        assert_eq!(r.failure, Some(Failure::Statement));
    }

    #[test]
    fn typed_input_goes_on_after_an_error() {
        let r = run(
            Source::Interactive,
            "SELECT * FROM missing;\nSHOW COLLECTIONS;",
            vec![
                failed("no collection missing"),
                ok("show_collections", None),
            ],
        );
        assert_eq!(r.sent.len(), 2);
        assert_eq!(r.err, "ERROR:  no collection missing (not_found)\n");
        assert_eq!(r.out, "SHOW COLLECTIONS\n");
        assert_eq!(r.failure, Some(Failure::Statement));
    }

    #[test]
    fn syntax_errors_point_into_the_script() {
        let answer = Ok(json!({"statements": [], "error": {"code": "syntax_error",
            "message": "expected FROM", "line": 2, "column": 1, "caret": "FORM c\n^"}}));
        let r = run(
            Source::Script("q.sql".into()),
            "-- header\nSELECT *\nFORM c;",
            vec![answer],
        );
        assert_eq!(
            r.err,
            "q.sql:2: ERROR:  expected FROM (syntax_error)\nLINE 3: FORM c\n        ^\n"
        );
    }

    #[test]
    fn an_unreachable_server_is_the_worst_failure() {
        let r = run(Source::Command, "SHOW COLLECTIONS", vec![Err(())]);
        assert_eq!(r.failure, Some(Failure::Unreachable));
        assert!(r.err.contains("http://127.0.0.1:1/query"), "{}", r.err);
        assert!(r.err.contains("Connection refused"), "{}", r.err);
    }

    #[test]
    fn describe_commands_run_their_statements() {
        let r = run(
            Source::Interactive,
            "\\d\n\\d my-docs",
            vec![ok("show_collections", None), ok("describe", None)],
        );
        assert_eq!(r.sent, ["SHOW COLLECTIONS", "DESCRIBE \"my-docs\""]);
    }

    #[test]
    fn timing_adds_the_server_time() {
        let r = run(
            Source::Interactive,
            "\\timing\nSHOW COLLECTIONS;\n\\timing\nSHOW COLLECTIONS;",
            vec![ok("show_collections", None), ok("show_collections", None)],
        );
        assert_eq!(
            r.out,
            concat!(
                "Timing is on.\n",
                "SHOW COLLECTIONS\n",
                "Time: 0.250 ms\n",
                "Timing is off.\n",
                "SHOW COLLECTIONS\n",
            )
        );
    }

    #[test]
    fn quit_stops_reading() {
        let r = run(Source::Interactive, "\\q\nSHOW COLLECTIONS;", vec![]);
        assert!(r.sent.is_empty());
        assert_eq!(r.failure, None);
    }

    #[test]
    fn commands_may_follow_statements_on_a_line_and_quoted_backslashes_are_text() {
        let r = run(
            Source::Command,
            "SHOW COLLECTIONS; \\d c\nSELECT * FROM c WHERE t = '\\d';",
            vec![
                ok("show_collections", None),
                ok("describe", None),
                ok("select", None),
            ],
        );
        assert_eq!(
            r.sent,
            [
                "SHOW COLLECTIONS",
                "DESCRIBE c",
                "SELECT * FROM c WHERE t = '\\d'"
            ]
        );
    }

    #[test]
    fn unknown_commands_fail_a_script() {
        let r = run(
            Source::Script("s.sql".into()),
            "\\bogus\nSHOW COLLECTIONS;",
            vec![],
        );
        assert!(r.sent.is_empty());
        assert_eq!(
            r.err,
            "s.sql:1: ERROR:  invalid command \\bogus; try \\? for help\n"
        );
        assert_eq!(r.failure, Some(Failure::Statement));
    }

    #[test]
    fn bound_parameters_travel_with_every_statement() {
        let fake = Fake::new(vec![ok("select", None), ok("select", None)]);
        let mut out = Vec::new();
        let mut session = Session::new(&fake, Source::Interactive, &mut out, Vec::new());
        for line in [
            "\\set v [0.5, 1]",
            "\\set pos n",
            "SELECT * FROM c WHERE vector NEAR $v;",
            "\\unset v",
            "\\set",
            "SHOW COLLECTIONS;",
        ] {
            session.feed_line(line);
        }
        drop(session);
        let sent = fake.sent.take();
        assert_eq!(
            sent[0].1,
            json!({"v": [0.5, 1], "pos": "n"})
                .as_object()
                .cloned()
                .unwrap_or_default()
        );
        assert_eq!(
            sent[1].1,
            json!({"pos": "n"}).as_object().cloned().unwrap_or_default()
        );
        assert!(String::from_utf8_lossy(&out).contains("$pos = \"n\"\n"));
    }

    #[test]
    fn prompts_show_what_is_open() {
        let fake = Fake::new(vec![]);
        let mut session = Session::new(&fake, Source::Interactive, Vec::new(), Vec::new());
        assert_eq!(session.prompt(), "plait=> ");
        session.feed_line("SELECT *");
        assert_eq!(session.prompt(), "plait-> ");
        session.feed_line("FROM c WHERE t = 'open");
        assert_eq!(session.prompt(), "plait'> ");
        session.interrupt();
        assert_eq!(session.prompt(), "plait=> ");
        session.feed_line("/* note");
        assert_eq!(session.prompt(), "plait*> ");
    }
}
