//! The interactive loop: rustyline reads lines with editing and history, the [`Session`] does
//! the rest. History lives in `PLAIT_HISTORY` when set (empty turns it off), else in
//! `~/.plait_history`; with no home directory there is simply no history file.

use std::ffi::OsString;
use std::io::Write;
use std::path::PathBuf;

use rustyline::error::ReadlineError;
use rustyline::{Config, DefaultEditor};

use super::client::Execute;
use super::session::{Flow, Session};

/// Lines kept in the history file.
const HISTORY_LINES: usize = 1000;

/// Where history is kept, if anywhere.
fn history_path() -> Option<PathBuf> {
    history_path_from(std::env::var_os("PLAIT_HISTORY"), std::env::home_dir)
}

/// [`history_path`] given `PLAIT_HISTORY` and a way to find the home directory, asked only
/// when needed.
fn history_path_from(
    setting: Option<OsString>,
    home: impl FnOnce() -> Option<PathBuf>,
) -> Option<PathBuf> {
    match setting {
        Some(path) if path.is_empty() => None,
        Some(path) => Some(PathBuf::from(path)),
        None => home()
            .filter(|home| !home.as_os_str().is_empty())
            .map(|home| home.join(".plait_history")),
    }
}

/// Reads lines until `\q`, Ctrl-D or a terminal error.
pub fn run<E: Execute, O: Write, R: Write>(session: &mut Session<E, O, R>) -> anyhow::Result<()> {
    let config = Config::builder()
        .max_history_size(HISTORY_LINES)?
        .history_ignore_dups(true)?
        .build();
    let mut editor = DefaultEditor::with_config(config)?;
    let history = history_path();
    if let Some(path) = &history {
        // A first session has no file yet; an unreadable one only costs the old lines.
        let _ = editor.load_history(path);
    }
    loop {
        match editor.readline(session.prompt()) {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = editor.add_history_entry(line.as_str());
                }
                if session.feed_line(&line) == Flow::Stop {
                    break;
                }
            }
            // Ctrl-C drops the statement being typed, as in psql.
            Err(ReadlineError::Interrupted) => session.interrupt(),
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                save(&mut editor, history.as_ref());
                return Err(e.into());
            }
        }
    }
    save(&mut editor, history.as_ref());
    Ok(())
}

fn save(editor: &mut DefaultEditor, path: Option<&PathBuf>) {
    if let Some(path) = path
        && let Err(e) = editor.save_history(path)
    {
        eprintln!("could not save history to {}: {e}", path.display());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn history_goes_where_plait_history_says_else_home_else_nowhere() {
        let home = || Some(PathBuf::from("/home/u"));
        assert_eq!(
            history_path_from(Some("/tmp/h".into()), home),
            Some(PathBuf::from("/tmp/h"))
        );
        assert_eq!(history_path_from(Some(OsString::new()), home), None);
        assert_eq!(
            history_path_from(None, home),
            Some(PathBuf::from("/home/u/.plait_history"))
        );
        // No home directory at all: no history file, and no failure.
        assert_eq!(history_path_from(None, || None), None);
        assert_eq!(history_path_from(None, || Some(PathBuf::new())), None);
    }
}
