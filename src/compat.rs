//! Argument compatibility with the official CLI: its single-dash long flags and
//! `pxa artifacts|models|components <command>` spellings, with the group's own (deprecated)
//! `-p`/`-ver` flags given before the command.

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

/// The group word of a registry named in the singular (`model` → `models`), if it is one.
pub fn group_word(kind: &str) -> Option<&'static str> {
    GROUPS.iter().find(|(_, k)| *k == kind).map(|(g, _)| *g)
}

/// The official CLI's group options (`polyaxon models -p P -ver V get`): each takes a value and
/// belongs to the command that follows. The first two are the version.
const GROUP_FLAGS: &[&str] = &["-ver", "--version", "-p", "--project"];

/// Commands that take no version: the group's `-ver` is dropped for them, as the official CLI
/// does for `ls`.
const NO_VERSION: &[&str] = &["ls", "list"];

/// Rewrites the official CLI's spellings so clap sees pxa's. Arguments after `--` are left alone.
/// `cmd` is pxa's command tree: its global flags that take a value say which word before the
/// command is a flag's value rather than the group word or the command.
pub fn normalize<I: IntoIterator<Item = OsString>>(args: I, cmd: &Command) -> Vec<OsString> {
    let valued = Valued::of(cmd);
    let mut args = args.into_iter();
    let mut out: Vec<OsString> = args.next().into_iter().collect();
    // Group options seen before the command, each with its value: placed after it.
    let mut moved: Vec<(bool, Vec<OsString>)> = Vec::new();
    let mut grouped = false;
    while let Some(arg) = args.next() {
        let Some(text) = arg.to_str() else {
            out.push(arg);
            continue;
        };
        if text == "--" {
            out.extend(moved.drain(..).flat_map(|(_, flag)| flag));
            out.push(arg);
            out.extend(args);
            return out;
        }
        if grouped && let Some((is_version, needs_value)) = group_flag(text) {
            let mut flag = vec![rewrite(text).map_or(arg.clone(), OsString::from)];
            if needs_value {
                flag.extend(args.next());
            }
            moved.push((is_version, flag));
            continue;
        }
        if text.starts_with('-') {
            let takes_next = valued.takes_next(text);
            out.push(rewrite(text).map_or(arg, OsString::from));
            if takes_next {
                out.extend(args.next());
            }
            continue;
        }
        if !grouped && let Some((_, kind)) = GROUPS.iter().find(|(g, _)| *g == text) {
            out.push("--kind".into());
            out.push((*kind).into());
            grouped = true;
            continue;
        }
        // The command: the group options follow it.
        let versionless = NO_VERSION.contains(&text);
        out.push(arg);
        for (is_version, flag) in moved.drain(..) {
            if !(is_version && versionless) {
                out.extend(flag);
            }
        }
        break;
    }
    out.extend(moved.into_iter().flat_map(|(_, flag)| flag));
    while let Some(arg) = args.next() {
        let literal = arg == "--";
        out.push(arg.to_str().and_then(rewrite).map_or(arg, OsString::from));
        if literal {
            out.extend(args);
            break;
        }
    }
    out
}

/// A group option (`-p demo`, `--project=demo`, `-pdemo`, `-ver m1`): whether it is the
/// version, and whether its value is the next argument.
fn group_flag(text: &str) -> Option<(bool, bool)> {
    for (i, flag) in GROUP_FLAGS.iter().enumerate() {
        if text == *flag {
            return Some((i < 2, true));
        }
        if text.strip_prefix(flag).is_some_and(|r| r.starts_with('=')) {
            return Some((i < 2, false));
        }
    }
    // A short option with its value attached, as click reads it.
    (text.starts_with("-p") && text.len() > 2).then_some((false, false))
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

/// pxa's global flags, read from its command tree: which take a value, which do not.
struct Valued {
    longs: Vec<String>,
    shorts: Vec<char>,
    switches: Vec<char>,
}

impl Valued {
    fn of(cmd: &Command) -> Self {
        let mut valued = Self {
            longs: Vec::new(),
            shorts: Vec::new(),
            switches: Vec::new(),
        };
        for arg in cmd.get_arguments().filter(|a| !a.is_positional()) {
            let shorts = arg
                .get_short()
                .into_iter()
                .chain(arg.get_all_short_aliases().into_iter().flatten());
            if !arg.get_action().takes_values() {
                valued.switches.extend(shorts);
                continue;
            }
            valued.shorts.extend(shorts);
            let longs = arg
                .get_long()
                .into_iter()
                .chain(arg.get_all_aliases().into_iter().flatten());
            valued.longs.extend(longs.map(str::to_string));
        }
        valued
    }

    /// Whether the flag `text` takes the next argument as its value: `--host`, `-o`, or a
    /// cluster of switches ending in one that takes a value (`-vo`); not `--host=URL`, `-ojson`.
    fn takes_next(&self, text: &str) -> bool {
        if let Some(long) = text.strip_prefix("--") {
            return self.longs.iter().any(|l| l == long);
        }
        let Some(cluster) = text.strip_prefix('-') else {
            return false;
        };
        for (i, c) in cluster.char_indices() {
            if self.shorts.contains(&c) {
                return i + c.len_utf8() == cluster.len();
            }
            if !self.switches.contains(&c) {
                return false;
            }
        }
        false
    }
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
        let valued = Valued::of(&Cli::command());
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
            "-vo",
        ] {
            assert!(valued.takes_next(flag), "{flag}");
        }
        for flag in ["--insecure", "-v", "--host=x", "-ojson", "-vojson", "-x"] {
            assert!(!valued.takes_next(flag), "{flag}");
        }
    }

    #[test]
    fn group_options_follow_the_command() {
        assert_eq!(
            norm(&[
                "pxa", "models", "-p", "demo", "-ver", "m1", "get", "-o", "json"
            ]),
            [
                "pxa",
                "--kind",
                "model",
                "get",
                "-p",
                "demo",
                "--version",
                "m1",
                "-o",
                "json"
            ]
        );
        assert_eq!(
            norm(&["pxa", "models", "--project=demo", "-ver", "m1", "ls"]),
            ["pxa", "--kind", "model", "ls", "--project=demo"]
        );
        // Not a group option without a group word: clap reports it as usual.
        assert_eq!(
            norm(&["pxa", "-p", "demo", "ls"]),
            ["pxa", "-p", "demo", "ls"]
        );
        assert_eq!(
            norm(&["pxa", "get", "x", "--", "-ver", "models"]),
            ["pxa", "get", "x", "--", "-ver", "models"]
        );
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
