//! `plait sql`: a VelesQL shell over HTTP. It owns the client side of `POST /query`: reading
//! statements (typed with line editing and history, from `-c`, from a file or a pipe), sending
//! each to the server, and printing results as psql does. Part of the `plait` binary, not the
//! library: it talks to a server only through HTTP.
//!
//! - [`input`] cuts text into statements at `;` outside quotes and comments.
//! - [`meta`] parses the backslash commands (`\d`, `\timing`, `\set`, `\q`, `\?`).
//! - [`session`] runs lines: statements, commands, results, errors, the exit status.
//! - [`client`] and [`wire`] speak HTTP and read the answer; [`render`] prints it.
//! - [`repl`] is the interactive loop (rustyline).

mod client;
mod input;
mod meta;
mod render;
mod repl;
mod session;
mod wire;

use std::fs::File;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use crate::cli_http::ServerAccess;
use client::HttpClient;
use session::{Failure, Flow, Session, Source};

/// Arguments of `plait sql`.
#[derive(Debug, Args)]
#[command(after_help = "\
Statements end with ; and may span lines; \\? lists the backslash commands.
Exit status: 0 when every statement succeeded, 1 when one failed (a script stops at the first),
2 when the server could not be reached.")]
pub struct SqlArgs {
    /// The server's URL (http:// or https://).
    #[arg(long, env = "PLAIT_URL", default_value = "http://127.0.0.1:8080")]
    url: String,
    #[command(flatten)]
    access: ServerAccess,
    /// Run these statements, then exit.
    #[arg(short = 'c', long = "command", conflicts_with = "file")]
    command: Option<String>,
    /// Run the statements of this file, then exit (`-` reads standard input).
    #[arg(short = 'f', long = "file")]
    file: Option<PathBuf>,
}

/// Runs the shell; the process exit status.
pub fn run(args: SqlArgs) -> anyhow::Result<i32> {
    let client = HttpClient::with_access(&args.url, &args.access)?;
    let out = std::io::stdout();
    let err = std::io::stderr();
    let failure = match (args.command, args.file) {
        (Some(text), _) => {
            let mut session = Session::new(client, Source::Command, out, err);
            run_lines(&mut session, text.lines().map(|l| Ok(l.to_owned())))?;
            session.failure()
        }
        (None, Some(path)) if path.as_os_str() == "-" => run_stdin(client, out, err)?,
        (None, Some(path)) => {
            let file =
                File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
            let source = Source::Script(path.display().to_string());
            let mut session = Session::new(client, source, out, err);
            let lines = BufReader::new(file).lines();
            run_lines(&mut session, lines)
                .with_context(|| format!("cannot read {}", path.display()))?;
            session.failure()
        }
        (None, None) if std::io::stdin().is_terminal() => interactive(client, &args.url, out, err)?,
        (None, None) => run_stdin(client, out, err)?,
    };
    Ok(match failure {
        None => 0,
        Some(Failure::Statement) => 1,
        Some(Failure::Unreachable) => 2,
    })
}

/// Piped input: a script without prompts.
fn run_stdin<O: Write, R: Write>(
    client: HttpClient,
    out: O,
    err: R,
) -> anyhow::Result<Option<Failure>> {
    let mut session = Session::new(client, Source::Script("<stdin>".to_owned()), out, err);
    run_lines(&mut session, std::io::stdin().lock().lines())
        .context("cannot read standard input")?;
    Ok(session.failure())
}

fn run_lines<E, O, R>(
    session: &mut Session<E, O, R>,
    lines: impl Iterator<Item = std::io::Result<String>>,
) -> std::io::Result<()>
where
    E: client::Execute,
    O: Write,
    R: Write,
{
    for line in lines {
        if session.feed_line(&line?) == Flow::Stop {
            return Ok(());
        }
    }
    session.finish();
    Ok(())
}

fn interactive<O: Write, R: Write>(
    client: HttpClient,
    url: &str,
    mut out: O,
    mut err: R,
) -> anyhow::Result<Option<Failure>> {
    // Checked first, as psql connects first: a wrong URL is better found before typing.
    let version = match client.server_version() {
        Ok(version) => version,
        Err(e) => {
            writeln!(err, "{e}")?;
            return Ok(Some(Failure::Unreachable));
        }
    };
    writeln!(
        out,
        "plait sql {}, server {version} at {url}\nType \\? for help, \\q to quit.",
        env!("CARGO_PKG_VERSION")
    )?;
    let mut session = Session::new(client, Source::Interactive, out, err);
    repl::run(&mut session)?;
    // A typed session's errors were seen as they happened; leaving is not a failure.
    Ok(match session.failure() {
        Some(Failure::Unreachable) => Some(Failure::Unreachable),
        Some(Failure::Statement) | None => None,
    })
}
