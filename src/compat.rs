//! Argument compatibility with the official CLI: its single-dash long flags and
//! `pxa artifacts|models|components <command>` spellings.

use std::ffi::OsString;

use clap::Command;

/// Single-dash long flags of the official CLI and their pxa spelling.
const SINGLE_DASH: &[(&str, &str)] =
    &[("-ver", "--version"), ("-to", "--to"), ("-off", "--offset")];

/// Group words of the official CLI and the `--kind` they select.
const GROUPS: &[(&str, &str)] = &[
    ("artifacts", "artifact"),
    ("models", "model"),
    ("components", "component"),
];

/// Rewrites the official CLI's spellings so clap sees pxa's. Arguments after `--` are left alone.
/// `cmd` is pxa's command tree: its global flags that take a value say which word before the
/// subcommand is a flag's value rather than the group word.
pub fn normalize<I: IntoIterator<Item = OsString>>(args: I, cmd: &Command) -> Vec<OsString> {
    let valued = flags_taking_values(cmd);
    let mut out = Vec::new();
    let mut rest_literal = false;
    let mut seen_positional = false;
    let mut previous_takes_value = false;
    for (i, arg) in args.into_iter().enumerate() {
        if i == 0 || rest_literal {
            out.push(arg);
            continue;
        }
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            rest_literal = true;
            out.push(arg);
            continue;
        }
        if !seen_positional && !previous_takes_value && !text.starts_with('-') {
            seen_positional = true;
            if let Some((_, kind)) = GROUPS.iter().find(|(g, _)| *g == text) {
                out.push("--kind".into());
                out.push((*kind).into());
                seen_positional = false;
                continue;
            }
        }
        previous_takes_value = valued.iter().any(|f| f == text);
        out.push(rewrite(text).map(OsString::from).unwrap_or(arg));
    }
    out
}

fn rewrite(text: &str) -> Option<String> {
    for (old, new) in SINGLE_DASH {
        if text == *old {
            return Some((*new).to_string());
        }
        if let Some(value) = text.strip_prefix(old).and_then(|r| r.strip_prefix('=')) {
            return Some(format!("{new}={value}"));
        }
    }
    None
}

/// Every spelling (`--long`, `-s`, aliases) of the top-level flags that take a value.
fn flags_taking_values(cmd: &Command) -> Vec<String> {
    let mut out = Vec::new();
    for arg in cmd.get_arguments() {
        if arg.is_positional() || !arg.get_action().takes_values() {
            continue;
        }
        let longs = arg
            .get_long()
            .into_iter()
            .chain(arg.get_all_aliases().into_iter().flatten());
        out.extend(longs.map(|l| format!("--{l}")));
        let shorts = arg
            .get_short()
            .into_iter()
            .chain(arg.get_all_short_aliases().into_iter().flatten());
        out.extend(shorts.map(|c| format!("-{c}")));
    }
    out
}

#[cfg(test)]
mod tests {
    use clap::{CommandFactory, Parser};

    use super::*;
    use crate::cli::{Cli, Command as Sub};
    use crate::output::Format;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from), &Cli::command())
            .into_iter()
            .map(|a| a.into_string().unwrap())
            .collect()
    }

    #[test]
    fn single_dash_flags() {
        assert_eq!(
            norm(&["pxa", "get", "-p", "demo", "-ver", "v1"]),
            ["pxa", "get", "-p", "demo", "--version", "v1"]
        );
        assert_eq!(
            norm(&["pxa", "stage", "-ver=v1", "-to", "staging"]),
            ["pxa", "stage", "--version=v1", "--to", "staging"]
        );
        assert_eq!(
            norm(&["pxa", "ls", "-off", "5"]),
            ["pxa", "ls", "--offset", "5"]
        );
        assert_eq!(
            norm(&["pxa", "get", "--", "-ver"]),
            ["pxa", "get", "--", "-ver"]
        );
    }

    #[test]
    fn group_words_become_kind() {
        assert_eq!(
            norm(&["pxa", "models", "get", "-ver", "m1"]),
            ["pxa", "--kind", "model", "get", "--version", "m1"]
        );
        assert_eq!(
            norm(&["pxa", "--host", "http://h", "artifacts", "ls"]),
            ["pxa", "--host", "http://h", "--kind", "artifact", "ls"]
        );
        // Only the first positional is a group word: a version named `models` stays.
        assert_eq!(norm(&["pxa", "get", "models"]), ["pxa", "get", "models"]);
    }

    #[test]
    fn every_global_flag_with_a_value_is_known() {
        let valued = flags_taking_values(&Cli::command());
        for flag in [
            "--host",
            "--token",
            "--kind",
            "-o",
            "--output",
            "--jq",
            "--timeout",
            "--ca-cert",
            "--color",
        ] {
            assert!(valued.iter().any(|f| f == flag), "{flag}: {valued:?}");
        }
        assert!(!valued.iter().any(|f| f == "--insecure" || f == "-v"));
    }

    #[test]
    fn a_value_before_the_group_word_is_not_taken_for_it() {
        let parse = |args: &[&str]| Cli::try_parse_from(norm(args)).unwrap();
        let cli = parse(&["pxa", "--color", "never", "models", "ls", "-p", "demo"]);
        assert_eq!(cli.global.kind, crate::api::Kind::Model);
        assert!(matches!(cli.command, Sub::Ls(_)));
        let cli = parse(&["pxa", "--jq", ".x", "models", "ls"]);
        assert_eq!(cli.global.jq.as_deref(), Some(".x"));
        assert_eq!(cli.global.kind, crate::api::Kind::Model);
        let cli = parse(&["pxa", "-o", "json", "models", "get", "-ver", "m1"]);
        assert_eq!(cli.global.output, Format::Json);
        assert_eq!(cli.global.kind, crate::api::Kind::Model);
        assert!(matches!(cli.command, Sub::Get(ref v) if v.version.as_deref() == Some("m1")));
    }
}
