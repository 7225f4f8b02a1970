//! `plait sql` driven as a person drives it: `-c` and `-f` scripts and piped input with their
//! exit statuses, an unreachable server, and an interactive session typed through a
//! pseudo-terminal, all against a real server.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use rexpect::process::WaitStatus;
use rexpect::session::PtySession;

use super::server::{TestResult, TestServer};

/// `plait sql --url URL ARGS...`, with no settings inherited from the environment.
fn shell(url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_plait"));
    command
        .arg("sql")
        .arg("--url")
        .arg(url)
        .args(args)
        .env_remove("PLAIT_URL")
        .env("PLAIT_HISTORY", "");
    command
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn started() -> Result<(tempfile::TempDir, TestServer), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let server = TestServer::start_in(dir.path(), &[])?;
    server.wait_ready()?;
    Ok((dir, server))
}

const SETUP: &str = "CREATE COLLECTION docs (dimension = 2, metric = 'cosine'); \
    INSERT INTO docs (id, vector, pos, gloss, rank) VALUES \
    (1, [1, 0], 'n', 'a dog', 30), (2, [0, 1], 'verb', 'to run', 20), (3, [1, 1], 'n', NULL, 10)";

fn ids(server: &TestServer) -> Result<Vec<u64>, Box<dyn std::error::Error>> {
    let mut ids: Vec<u64> = server
        .all_points("docs")?
        .iter()
        .filter_map(|p| p["id"].as_u64())
        .collect();
    ids.sort_unstable();
    Ok(ids)
}

#[test]
fn command_runs_every_statement_prints_tables_and_exits_zero() -> TestResult {
    let (_dir, server) = started()?;
    let out = shell(
        &server.base,
        &[
            "-c",
            &format!("{SETUP}; SELECT id, pos, gloss FROM docs ORDER BY rank DESC; \\d"),
        ],
    )
    .output()?;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stderr), "");
    assert!(
        stdout.starts_with("CREATE COLLECTION\nINSERT 3\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains(concat!(
            " id | pos  | gloss\n",
            "----+------+--------\n",
            "  1 | n    | a dog\n",
            "  2 | verb | to run\n",
            "  3 | n    |\n",
            "(3 rows)\n",
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(" docs |      3 |"),
        "\\d lists docs: {stdout}"
    );
    Ok(())
}

#[test]
fn command_stops_at_the_first_failure_names_its_line_and_exits_one() -> TestResult {
    let (_dir, server) = started()?;
    let out = shell(
        &server.base,
        &[
            "-c",
            "CREATE COLLECTION docs (dimension = 2);\n\
             SELECT * FORM docs;\n\
             INSERT INTO docs (id, vector) VALUES (1, [1, 0])",
        ],
    )
    .output()?;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("line 2: ERROR:  "), "{stderr}");
    assert!(
        stderr.contains("(syntax_error)\nLINE 2: SELECT * FORM docs\n"),
        "{stderr}"
    );
    assert!(
        stderr.contains("\n                 ^"),
        "caret under FORM: {stderr}"
    );
    assert_eq!(text(&out.stdout), "CREATE COLLECTION\n");
    assert!(
        ids(&server)?.is_empty(),
        "the statement after the failure ran"
    );
    Ok(())
}

#[test]
fn a_file_script_runs_multi_line_statements_and_reports_the_failing_line() -> TestResult {
    let (dir, server) = started()?;
    let script = dir.path().join("load.sql");
    std::fs::write(
        &script,
        format!(
            "-- create and fill; a ; in a comment or a 'string;' ends nothing\n\
             {SETUP};\n\
             UPDATE docs\n   SET gloss = 'it''s; fine'\n WHERE id = 3;\n\
             /* the next one fails */\n\
             SELECT * FROM nowhere;\n\
             DELETE FROM docs WHERE id = 1;\n"
        ),
    )?;
    let path = script.display().to_string();
    let out = shell(&server.base, &["-f", &path]).output()?;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(
        stderr.starts_with(&format!("{path}:7: ERROR:  ")),
        "{stderr}"
    );
    assert!(stderr.contains("(not_found)"), "{stderr}");
    assert_eq!(text(&out.stdout), "CREATE COLLECTION\nINSERT 3\nUPDATE 1\n");
    assert_eq!(ids(&server)?, [1, 2, 3], "the DELETE after the failure ran");

    let check = shell(&server.base, &["-c", "SELECT gloss FROM docs WHERE id = 3"]).output()?;
    assert!(check.status.success(), "{check:?}");
    assert!(text(&check.stdout).contains(" it's; fine\n"), "{check:?}");

    // A script that succeeds exits zero.
    std::fs::write(&script, "DELETE FROM docs WHERE id = 1\n")?;
    let out = shell(&server.base, &["-f", &path]).output()?;
    assert!(out.status.success(), "{out:?}");
    assert_eq!(text(&out.stdout), "DELETE 1\n");
    Ok(())
}

fn piped(url: &str, args: &[&str], input: &str) -> Result<Output, Box<dyn std::error::Error>> {
    let mut child = shell(url, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .ok_or("no stdin")?
        .write_all(input.as_bytes())?;
    Ok(child.wait_with_output()?)
}

#[test]
fn piped_input_runs_without_prompts() -> TestResult {
    let (_dir, server) = started()?;
    let input = format!("{SETUP};\n\\timing on\nSELECT COUNT(*) AS n\n  FROM docs;\n");
    let out = piped(&server.base, &[], &input)?;
    assert!(out.status.success(), "{out:?}");
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("plait=>"), "{stdout}");
    assert!(
        stdout.contains("Timing is on.\n n\n---\n 3\n(1 row)\nTime: "),
        "{stdout}"
    );

    // `-f -` reads the same way, and names standard input in errors.
    let out = piped(
        &server.base,
        &["-f", "-"],
        "SHOW COLLECTIONS;\nSELECT * FROM nowhere;\nSHOW COLLECTIONS;\n",
    )?;
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(
        text(&out.stderr).starts_with("<stdin>:2: ERROR:  "),
        "{out:?}"
    );
    assert_eq!(text(&out.stdout).matches("(1 row)").count(), 1, "{out:?}");
    Ok(())
}

#[test]
fn an_unreachable_server_exits_two_and_names_the_url() -> TestResult {
    // A port just released: nothing listens on it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let url = format!("http://127.0.0.1:{port}");
    let out = shell(&url, &["-c", "SHOW COLLECTIONS"]).output()?;
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = text(&out.stderr);
    assert!(stderr.contains(&format!("{url}/query")), "{stderr}");
    assert!(stderr.to_lowercase().contains("refused"), "{stderr}");

    // Interactive sessions check the server before the first prompt.
    let mut pty = rexpect::session::spawn_command(shell(&url, &[]), Some(20_000))?;
    pty.exp_string(&format!("cannot reach the Plait server at {url}/"))?;
    assert_eq!(exit_code(&pty)?, Some(2));
    Ok(())
}

fn exit_code(pty: &PtySession) -> Result<Option<i32>, Box<dyn std::error::Error>> {
    Ok(match pty.process().wait()? {
        WaitStatus::Exited(_, code) => Some(code),
        _ => None,
    })
}

#[test]
fn an_interactive_session_through_a_terminal() -> TestResult {
    let (dir, server) = started()?;
    let history = dir.path().join("history");
    let mut command = shell(&server.base, &[]);
    command.env("PLAIT_HISTORY", &history).env("TERM", "xterm");
    let mut pty = rexpect::session::spawn_command(command, Some(20_000))?;
    pty.exp_string("Type \\? for help")?;
    pty.exp_string("plait=> ")?;

    pty.send_line("CREATE COLLECTION docs (dimension = 2);")?;
    pty.exp_string("CREATE COLLECTION\r\n")?;
    pty.exp_string("plait=> ")?;

    // A statement over three lines, the prompt saying it goes on.
    pty.send_line("INSERT INTO docs (id, vector, pos, rank)")?;
    pty.exp_string("plait-> ")?;
    pty.send_line("  VALUES (1, [1, 0], 'n', 2),")?;
    pty.exp_string("plait-> ")?;
    pty.send_line("  (22, [0, 1], 'verb', 1);")?;
    pty.exp_string("INSERT 2\r\n")?;

    pty.send_line("\\d")?;
    pty.exp_string(" name | points | ")?;
    pty.exp_string(" docs |      2 | ")?;
    pty.exp_string("(1 row)")?;

    pty.send_line("\\timing")?;
    pty.exp_string("Timing is on.")?;
    pty.send_line("SELECT id, pos FROM docs ORDER BY rank;")?;
    pty.exp_string(concat!(
        " id | pos\r\n",
        "----+------\r\n",
        " 22 | verb\r\n",
        "  1 | n\r\n",
        "(2 rows)\r\n",
        "Time: ",
    ))?;

    // An error shows its caret, and the session goes on.
    pty.send_line("SELECT * FORM docs;")?;
    pty.exp_string("(syntax_error)\r\nLINE 1: SELECT * FORM docs\r\n")?;
    pty.exp_string("plait=> ")?;

    // Ctrl-C drops a half-typed statement, here one with a string still open.
    pty.send_line("SELECT * FROM docs WHERE pos = 'n")?;
    pty.exp_string("plait'> ")?;
    pty.send_control('c')?;
    pty.exp_string("plait=> ")?;
    pty.send_line("SHOW COLLECTIONS;")?;
    pty.exp_string(" docs |      2 | ")?;

    pty.send_line("\\q")?;
    pty.exp_eof()?;
    assert_eq!(exit_code(&pty)?, Some(0));

    let saved = std::fs::read_to_string(&history)?;
    assert!(saved.contains("  (22, [0, 1], 'verb', 1);"), "{saved}");
    assert!(saved.contains("\\timing"), "{saved}");
    Ok(())
}
