//! Backslash commands: a line starting with `\` while no statement is pending. They are the
//! shell's own; `\d` and `\d c` turn into the statements that answer them.

use plait::query::velesql::is_bare_name;
use serde_json::Value;

/// One backslash command.
#[derive(Debug, Clone, PartialEq)]
pub enum Meta {
    /// `\q`: leave.
    Quit,
    /// `\?`: list the commands.
    Help,
    /// `\d` (`None`): list collections; `\d c`: describe `c`.
    Describe(Option<String>),
    /// `\timing`: flip; `\timing on|off`: set.
    Timing(Option<bool>),
    /// `\set`: list the parameters; `\set name value`: bind `$name`.
    Set(Option<(String, Value)>),
    /// `\unset name`: unbind `$name`.
    Unset(String),
}

/// Why a backslash line is not a command.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetaError {
    /// No such command.
    #[error("invalid command \\{0}; try \\? for help")]
    Unknown(String),
    /// A command given the wrong arguments.
    #[error("\\{command}: {problem}")]
    Usage {
        /// The command.
        command: &'static str,
        /// What is wrong with its arguments.
        problem: &'static str,
    },
}

/// The help text of `\?`.
pub const HELP: &str = "\
Statements end with ; and may span lines. Backslash commands:
  \\d                 list collections (SHOW COLLECTIONS)
  \\d NAME            describe a collection (DESCRIBE NAME)
  \\timing [on|off]   show the server time of each statement
  \\set               list bound parameters
  \\set NAME VALUE    bind $NAME to VALUE (JSON: 3, [0.1, 0.2], \"text\"; other text is a string)
  \\unset NAME        unbind $NAME
  \\?                 this help
  \\q                 quit (so does Ctrl-D)
";

impl Meta {
    /// Parses a line that starts with `\`.
    pub fn parse(line: &str) -> Result<Self, MetaError> {
        let body = line.trim().trim_start_matches('\\');
        let (command, rest) = body
            .split_once(char::is_whitespace)
            .map_or((body, ""), |(c, r)| (c, r.trim()));
        let usage = |command, problem| Err(MetaError::Usage { command, problem });
        match command {
            "q" | "quit" if rest.is_empty() => Ok(Self::Quit),
            "q" | "quit" => usage("q", "takes no arguments"),
            "?" | "h" | "help" => Ok(Self::Help),
            "d" if rest.is_empty() => Ok(Self::Describe(None)),
            "d" => Ok(Self::Describe(Some(rest.to_owned()))),
            "timing" => match rest.to_ascii_lowercase().as_str() {
                "" => Ok(Self::Timing(None)),
                "on" => Ok(Self::Timing(Some(true))),
                "off" => Ok(Self::Timing(Some(false))),
                _ => usage("timing", "expects on or off"),
            },
            "set" if rest.is_empty() => Ok(Self::Set(None)),
            "set" => {
                let (name, value) = rest
                    .split_once(char::is_whitespace)
                    .map_or((rest, ""), |(n, v)| (n, v.trim()));
                let name = param_name(name).ok_or(MetaError::Usage {
                    command: "set",
                    problem: "a parameter name is a letter or _ then letters, digits or _",
                })?;
                if value.is_empty() {
                    return usage("set", "expects a value after the name");
                }
                let value =
                    serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_owned()));
                Ok(Self::Set(Some((name, value))))
            }
            "unset" => param_name(rest).map(Self::Unset).ok_or(MetaError::Usage {
                command: "unset",
                problem: "expects one parameter name",
            }),
            other => Err(MetaError::Unknown(other.to_owned())),
        }
    }
}

/// `name` or `$name`, as `$name` is written in a statement; `None` if it is not one.
fn param_name(text: &str) -> Option<String> {
    let name = text.strip_prefix('$').unwrap_or(text);
    let mut chars = name.chars();
    let first = chars.next()?;
    ((first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_'))
    .then(|| name.to_owned())
}

/// The statement `\d` or `\d name` stands for. A name that is not a bare name is quoted.
#[must_use]
pub fn describe_statement(collection: Option<&str>) -> String {
    match collection {
        None => "SHOW COLLECTIONS".to_owned(),
        Some(name) if is_bare_name(name) => format!("DESCRIBE {name}"),
        Some(name) => format!("DESCRIBE \"{name}\""),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn commands_parse() {
        assert_eq!(Meta::parse("\\q"), Ok(Meta::Quit));
        assert_eq!(Meta::parse("  \\?  "), Ok(Meta::Help));
        assert_eq!(Meta::parse("\\d"), Ok(Meta::Describe(None)));
        assert_eq!(
            Meta::parse("\\d  glosses "),
            Ok(Meta::Describe(Some("glosses".into())))
        );
        assert_eq!(Meta::parse("\\timing"), Ok(Meta::Timing(None)));
        assert_eq!(Meta::parse("\\timing ON"), Ok(Meta::Timing(Some(true))));
        assert_eq!(Meta::parse("\\timing off"), Ok(Meta::Timing(Some(false))));
    }

    #[test]
    fn set_takes_json_or_plain_text() {
        assert_eq!(
            Meta::parse("\\set v [0.1, 0.2]"),
            Ok(Meta::Set(Some(("v".into(), json!([0.1, 0.2])))))
        );
        assert_eq!(
            Meta::parse("\\set $n 3"),
            Ok(Meta::Set(Some(("n".into(), json!(3)))))
        );
        assert_eq!(
            Meta::parse("\\set pos n"),
            Ok(Meta::Set(Some(("pos".into(), json!("n")))))
        );
        assert_eq!(Meta::parse("\\set"), Ok(Meta::Set(None)));
        assert_eq!(Meta::parse("\\unset $v"), Ok(Meta::Unset("v".into())));
    }

    #[test]
    fn bad_commands_say_why() {
        assert_eq!(Meta::parse("\\x"), Err(MetaError::Unknown("x".into())));
        assert!(matches!(
            Meta::parse("\\timing maybe"),
            Err(MetaError::Usage {
                command: "timing",
                ..
            })
        ));
        assert!(matches!(
            Meta::parse("\\set 1x 2"),
            Err(MetaError::Usage { command: "set", .. })
        ));
        assert!(matches!(
            Meta::parse("\\set x"),
            Err(MetaError::Usage { command: "set", .. })
        ));
        assert!(matches!(
            Meta::parse("\\unset a b"),
            Err(MetaError::Usage {
                command: "unset",
                ..
            })
        ));
        assert!(matches!(
            Meta::parse("\\q now"),
            Err(MetaError::Usage { command: "q", .. })
        ));
    }

    #[test]
    fn describe_quotes_names_that_need_it() {
        assert_eq!(describe_statement(None), "SHOW COLLECTIONS");
        assert_eq!(describe_statement(Some("glosses")), "DESCRIBE glosses");
        assert_eq!(describe_statement(Some("my-docs")), "DESCRIBE \"my-docs\"");
        assert_eq!(describe_statement(Some("select")), "DESCRIBE \"select\"");
    }
}
