//! A clap usage error as pxa reports it: one `error:` line and one `hint:` line, built from the
//! error's kind and context (`err.kind()`, `err.get(ContextKind::…)`), not from clap's
//! rendered English. The wording follows clap's own, so messages read the same as clap's.

use clap::error::{ContextKind, ContextValue, ErrorKind};

/// The `error:` message and the `hint:` (details, suggestions, or where to read more).
pub fn describe(err: &clap::Error) -> (String, Option<String>) {
    let (message, mut hint) = match what_happened(err) {
        Some(described) => described,
        None => (fallback(err), Vec::new()),
    };
    if let Some(better) = better_hint(err) {
        return (message, Some(better));
    }
    hint.extend(suggestions(err));
    if hint.is_empty() {
        hint.push("For more information, try '--help'.".to_string());
    }
    (message, Some(hint.join("; ")))
}

/// The message and its detail lines, for the kinds whose context says what happened.
fn what_happened(err: &clap::Error) -> Option<(String, Vec<String>)> {
    let described = match err.kind() {
        ErrorKind::ArgumentConflict => conflict(err)?,
        ErrorKind::InvalidSubcommand => alone(format!(
            "unrecognized subcommand '{}'",
            text(err, ContextKind::InvalidSubcommand)?
        )),
        ErrorKind::MissingRequiredArgument => (
            "the following required arguments were not provided:".to_string(),
            texts(err, ContextKind::InvalidArg)?,
        ),
        ErrorKind::MissingSubcommand => (
            format!(
                "'{}' requires a subcommand but one was not provided",
                text(err, ContextKind::InvalidSubcommand)?
            ),
            list("subcommands", err, ContextKind::ValidSubcommand),
        ),
        ErrorKind::UnknownArgument => alone(format!(
            "unexpected argument '{}' found",
            text(err, ContextKind::InvalidArg)?
        )),
        _ => return value_problem(err),
    };
    Some(described)
}

/// The kinds about one argument's values: missing, refused, too many or too few.
fn value_problem(err: &clap::Error) -> Option<(String, Vec<String>)> {
    let arg = text(err, ContextKind::InvalidArg)?;
    let value = || text(err, ContextKind::InvalidValue);
    let count = |kind| number(err, kind);
    let actual = || count(ContextKind::ActualNumValues);
    let described = match err.kind() {
        ErrorKind::NoEquals => alone(format!(
            "equal sign is needed when assigning values to '{arg}'"
        )),
        ErrorKind::InvalidValue => {
            let value = value()?;
            let message = if value.is_empty() {
                format!("a value is required for '{arg}' but none was supplied")
            } else {
                format!("invalid value '{value}' for '{arg}'")
            };
            (
                message,
                list("possible values", err, ContextKind::ValidValue),
            )
        }
        ErrorKind::TooManyValues => alone(format!(
            "unexpected value '{}' for '{arg}' found; no more were expected",
            value()?
        )),
        ErrorKind::TooFewValues => alone(format!(
            "{} values required by '{arg}'; only {}{}",
            count(ContextKind::MinValues)?,
            actual()?,
            provided(actual()?)
        )),
        ErrorKind::ValueValidation => {
            let mut message = format!("invalid value '{}' for '{arg}'", value()?);
            if let Some(source) = std::error::Error::source(err) {
                message.push_str(&format!(": {source}"));
            }
            alone(message)
        }
        ErrorKind::WrongNumberOfValues => alone(format!(
            "{} values required for '{arg}' but {}{}",
            count(ContextKind::ExpectedNumValues)?,
            actual()?,
            provided(actual()?)
        )),
        _ => return None,
    };
    Some(described)
}

/// `the argument 'A' cannot be used with 'B'` (or with several, listed as details).
fn conflict(err: &clap::Error) -> Option<(String, Vec<String>)> {
    let prior = err.get(ContextKind::PriorArg);
    let (mut message, prior) = match (text(err, ContextKind::InvalidArg), prior) {
        (Some(arg), Some(ContextValue::String(p))) if *p == arg => (
            format!("the argument '{arg}' cannot be used multiple times"),
            None,
        ),
        (Some(arg), prior) => (format!("the argument '{arg}' cannot be used with"), prior),
        (None, prior) => (
            format!(
                "the subcommand '{}' cannot be used with",
                text(err, ContextKind::InvalidSubcommand)?
            ),
            prior,
        ),
    };
    let details = match prior {
        Some(ContextValue::Strings(values)) => {
            message.push(':');
            values.clone()
        }
        Some(ContextValue::String(value)) => {
            message.push_str(&format!(" '{value}'"));
            Vec::new()
        }
        Some(_) => {
            message.push_str(" one or more of the other specified arguments");
            Vec::new()
        }
        None => Vec::new(),
    };
    Some((message, details))
}

/// What clap says about a kind without context.
fn fallback(err: &clap::Error) -> String {
    match (err.kind().as_str(), std::error::Error::source(err)) {
        (Some(text), _) => text.to_string(),
        (None, Some(source)) => source.to_string(),
        (None, None) => "invalid arguments".to_string(),
    }
}

/// Where clap's own suggestion would mislead: a registry named in the singular (`pxa model
/// ls`, for which clap offers `delete`), and an unknown flag without a similar one (clap
/// offers `-- --flag`, which passes it as a value).
fn better_hint(err: &clap::Error) -> Option<String> {
    match err.kind() {
        ErrorKind::InvalidSubcommand => {
            let word = text(err, ContextKind::InvalidSubcommand)?;
            let group = crate::compat::group_word(&word)?;
            Some(format!(
                "the registry's word is plural, as in the official CLI: `pxa {group} ...` (or \
                 --kind {word})"
            ))
        }
        ErrorKind::UnknownArgument if err.get(ContextKind::SuggestedArg).is_none() => Some(
            "--help lists the flags; a value that starts with `-` is given as --flag=VALUE"
                .to_string(),
        ),
        _ => None,
    }
}

/// "a similar value exists: 'x'", and clap's other tips.
fn suggestions(err: &clap::Error) -> Vec<String> {
    let mut out = Vec::new();
    for (kind, what) in [
        (ContextKind::SuggestedSubcommand, "subcommand"),
        (ContextKind::SuggestedArg, "argument"),
        (ContextKind::SuggestedValue, "value"),
    ] {
        let names = match err.get(kind) {
            Some(ContextValue::String(one)) => vec![one.clone()],
            Some(ContextValue::Strings(many)) => many.clone(),
            _ => continue,
        };
        let quoted: Vec<String> = names.iter().map(|n| format!("'{n}'")).collect();
        out.push(match quoted.len() {
            1 => format!("a similar {what} exists: {}", quoted[0]),
            _ => format!("some similar {what}s exist: {}", quoted.join(", ")),
        });
    }
    if let Some(ContextValue::StyledStrs(tips)) = err.get(ContextKind::Suggested) {
        out.extend(tips.iter().map(ToString::to_string));
    }
    out
}

fn alone(message: String) -> (String, Vec<String>) {
    (message, Vec::new())
}

/// `[name: a, b]` as one detail (values with spaces quoted), when the list is not empty.
fn list(name: &str, err: &clap::Error, kind: ContextKind) -> Vec<String> {
    match texts(err, kind) {
        Some(values) if !values.is_empty() => {
            let shown: Vec<String> = values.iter().map(|v| escape(v)).collect();
            vec![format!("{name}: {}", shown.join(", "))]
        }
        _ => Vec::new(),
    }
}

fn escape(value: &str) -> String {
    if value.is_empty() || value.contains(char::is_whitespace) {
        format!("{value:?}")
    } else {
        value.to_string()
    }
}

fn provided(n: isize) -> &'static str {
    if n > 1 {
        " were provided"
    } else {
        " was provided"
    }
}

fn text(err: &clap::Error, kind: ContextKind) -> Option<String> {
    match err.get(kind)? {
        ContextValue::String(s) => Some(s.clone()),
        _ => None,
    }
}

fn texts(err: &clap::Error, kind: ContextKind) -> Option<Vec<String>> {
    match err.get(kind)? {
        ContextValue::Strings(s) => Some(s.clone()),
        _ => None,
    }
}

fn number(err: &clap::Error, kind: ContextKind) -> Option<isize> {
    match err.get(kind)? {
        ContextValue::Number(n) => Some(*n),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, FromArgMatches};

    use super::*;
    use crate::cli::Cli;

    fn error(args: &[&str]) -> (String, Option<String>) {
        let args = crate::compat::normalize(args.iter().map(Into::into), &Cli::command());
        let err = Cli::command()
            .try_get_matches_from(args)
            .and_then(|m| Cli::from_arg_matches(&m))
            .unwrap_err();
        describe(&err)
    }

    #[test]
    fn invalid_values_list_the_possible_ones() {
        let (message, hint) = error(&["pxa", "-o", "tabel", "ls"]);
        assert_eq!(message, "invalid value 'tabel' for '--output <OUTPUT>'");
        assert_eq!(
            hint.as_deref(),
            Some(
                "possible values: auto, table, tsv, json, yaml, name; a similar value exists: 'table'"
            )
        );
    }

    #[test]
    fn unknown_words_say_what_is_wrong() {
        let (message, hint) = error(&["pxa", "lss"]);
        assert_eq!(message, "unrecognized subcommand 'lss'");
        assert_eq!(
            hint.as_deref(),
            Some("some similar subcommands exist: 'list', 'ls'")
        );
        let (message, hint) = error(&["pxa", "--offset", "x", "ls"]);
        assert_eq!(message, "unexpected argument '--offset' found");
        assert_eq!(hint.as_deref(), Some("a similar argument exists: '--host'"));
        let (message, hint) = error(&["pxa", "ls", "--nope"]);
        assert_eq!(message, "unexpected argument '--nope' found");
        assert!(hint.unwrap().starts_with("--help lists the flags"));
        let (message, hint) = error(&["pxa", "model", "ls"]);
        assert_eq!(message, "unrecognized subcommand 'model'");
        assert!(hint.unwrap().contains("`pxa models ...`"));
        let (message, hint) = error(&["pxa", "verify"]);
        assert_eq!(
            message,
            "the following required arguments were not provided:"
        );
        assert_eq!(hint.as_deref(), Some("<PATH>..."));
        let (message, hint) = error(&["pxa", "ls", "-l", "0"]);
        assert!(message.starts_with("invalid value '0' for '--limit <LIMIT>': 0 is not in 1.."));
        assert_eq!(hint.as_deref(), Some("For more information, try '--help'."));
    }
}
