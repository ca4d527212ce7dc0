//! The help of `pxa` and of every command, as snapshots: a changed text shows as a diff. The
//! commands are read from the help itself (each `Commands:` list, recursively), so a new
//! command gets a snapshot of its own, and the list of commands is a snapshot too.

use crate::support::pxa;

/// `pxa PATH… --help` at a fixed width (clap wraps to `COLUMNS` when not on a terminal).
fn help(path: &[String]) -> String {
    let (code, out, err) = pxa().args(path).arg("--help").env("COLUMNS", "100").run();
    assert_eq!(code, 0, "{path:?}: {err}");
    assert!(err.is_empty(), "{path:?}: {err}");
    out
}

/// The command names of a help text's `Commands:` list (clap's own `help` left out). A name is
/// indented by two spaces; a wrapped description, by more.
fn commands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn the_help_of_every_command_matches_its_snapshot() {
    let mut paths: Vec<Vec<String>> = vec![vec![]];
    let mut i = 0;
    while i < paths.len() {
        let path = paths[i].clone();
        let text = help(&path);
        let name = [&["pxa".to_string()][..], &path].concat().join("_");
        insta::assert_snapshot!(name, text);
        for command in commands(&text) {
            paths.push([path.clone(), vec![command]].concat());
        }
        i += 1;
    }
    let listed: Vec<String> = paths
        .iter()
        .map(|p| [&["pxa".to_string()][..], p].concat().join(" "))
        .collect();
    assert!(
        listed.len() > 15,
        "the command list was not found: {listed:?}"
    );
    insta::assert_snapshot!("commands", listed.join("\n"));
}
