//! Argument compatibility with the official CLI: its single-dash long flags and
//! `pxa artifacts|models|components <command>` spellings.

use std::ffi::OsString;

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
pub fn normalize<I: IntoIterator<Item = OsString>>(args: I) -> Vec<OsString> {
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
        previous_takes_value = takes_value(text);
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

/// Global flags that take a separate value before the subcommand.
fn takes_value(text: &str) -> bool {
    matches!(
        text,
        "--host" | "--token" | "--kind" | "-o" | "--output" | "--timeout" | "--ca-cert"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(args: &[&str]) -> Vec<String> {
        normalize(args.iter().map(OsString::from))
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
}
