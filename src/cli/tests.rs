//! Unit tests of the command tree: it is valid, every command has an example, and every
//! example in the help parses (through the compatibility rewrite) as the words say.

use clap::{CommandFactory, Parser};

use super::*;

#[test]
fn tree_is_valid() {
    Cli::command().debug_assert();
}

#[test]
fn every_command_has_an_example() {
    for sub in Cli::command().get_subcommands() {
        let help = sub
            .get_after_help()
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert!(help.contains("$ pxa "), "{} has no example", sub.get_name());
    }
}

/// Splits an example like a shell would (quotes; stops at `&&`, `|`, `>`).
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                in_word = true;
            }
            (None, ' ') => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(word);
    }
    let end = out
        .iter()
        .position(|w| matches!(w.as_str(), "&&" | "|" | ">" | "||" | ";"))
        .unwrap_or(out.len());
    out.truncate(end);
    out
}

#[test]
fn every_example_parses() {
    fn check(cmd: &clap::Command) {
        for sub in cmd.get_subcommands() {
            let help = sub
                .get_after_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            for line in help.lines().filter_map(|l| l.trim().strip_prefix("$ ")) {
                // `echo … | pxa …`: the pxa part.
                let line = line.rsplit("| ").next().unwrap_or(line);
                let words = words(line).into_iter().map(Into::into);
                let args = crate::compat::normalize(words, &Cli::command());
                if let Err(e) = Cli::try_parse_from(&args) {
                    panic!("`{line}` does not parse: {e}");
                }
            }
            check(sub);
        }
    }
    check(&Cli::command());
}

fn parse(line: &str) -> Cli {
    let words = words(line).into_iter().map(Into::into);
    let args = crate::compat::normalize(words, &Cli::command());
    Cli::try_parse_from(&args).unwrap()
}

#[test]
fn single_dash_to_means_the_right_flag_per_command() {
    use crate::cli::Command;
    match parse("pxa stage -p demo -ver v1 -to production").command {
        Command::Stage(a) => assert_eq!(a.to, crate::api::Stage::Production),
        other => panic!("{other:?}"),
    }
    match parse("pxa transfer -p demo -ver v1 -to other").command {
        Command::Transfer(a) => assert_eq!(a.to_project, "other"),
        other => panic!("{other:?}"),
    }
    match parse("pxa models copy -p demo -ver m1 -to other -n m2").command {
        Command::Copy(a) => {
            assert_eq!(a.to_project.as_deref(), Some("other"));
            assert_eq!(a.name.as_deref(), Some("m2"));
        }
        other => panic!("{other:?}"),
    }
    match parse("pxa push --path-from /tmp/x -ver v1 -c").command {
        Command::Push(a) => assert!(a.clean && a.root.is_some()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn shell_words() {
    assert_eq!(
        words(r#"pxa a 'b c' --x='{"k": 1}' "d'e" && next"#),
        ["pxa", "a", "b c", r#"--x={"k": 1}"#, "d'e"]
    );
}

#[test]
fn format_names_are_the_flag_values() {
    use clap::ValueEnum;
    for format in crate::output::Format::value_variants() {
        let value = format.to_possible_value().unwrap();
        assert_eq!(format.as_str(), value.get_name());
    }
}
