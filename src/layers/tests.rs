//! The layer check run over `src/`, and the checker tried on made-up files.

use super::*;

#[test]
fn every_layer_keeps_to_itself() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    assert!(files.len() > 40, "found only {} files", files.len());
    let mut found = Vec::new();
    for file in &files {
        let rel = file
            .strip_prefix(root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let source = std::fs::read_to_string(file).unwrap();
        found.extend(check(&rel, &source));
    }
    assert!(found.is_empty(), "layer violations:\n{}", found.join("\n"));
}

#[test]
fn a_crate_outside_its_layer_is_caught() {
    let found = check("src/pull/x.rs", "use reqwest::Client;\nfn f() {}\n");
    assert_eq!(found, ["src/pull/x.rs:1: `reqwest` outside [\"src/api/\"]"]);
    assert!(check("src/api/client.rs", "use reqwest::Client;").is_empty());
    let found = check(
        "src/commands/x.rs",
        "fn f() {\n    let b = indicatif::ProgressBar::new(1);\n}",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("src/commands/x.rs:2: `indicatif`"),
        "{found:?}"
    );
    let found = check("src/commands/completions.rs", "use clap_complete::Shell;");
    assert_eq!(found.len(), 1, "clap's family counts: {found:?}");
    assert!(check("src/cli/values.rs", "use clap::ValueEnum;").is_empty());
}

#[test]
fn printing_and_terminal_checks_belong_to_output() {
    let found = check(
        "src/commands/x.rs",
        "fn f() { println!(\"hi\"); eprintln!(\"{}\", 1); }",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    let found = check(
        "src/pull/x.rs",
        "fn f() { let _ = std::io::stderr().write_all(b\"x\"); }",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(check("src/api/x.rs", "use std::io::IsTerminal;").len(), 1);
    // A child process's streams are not ours: `.stdout(…)` is a method call.
    assert!(
        check(
            "src/commands/x.rs",
            "cmd.stdout(Stdio::null()).stderr(Stdio::null());"
        )
        .is_empty()
    );
    // `print` as a plain identifier is no macro.
    assert!(check("src/commands/x.rs", "fn print(x: u8) {}").is_empty());
    assert!(check("src/output/printer.rs", "fn f() { let _ = io::stdout(); }").is_empty());
}

#[test]
fn comments_strings_and_doc_text_do_not_count() {
    let source = r##"
//! Talks to reqwest? No: clap and indicatif only in comments.
/// `println!` is for output/ only.
/* block with reqwest /* nested clap */ still comment */
fn f() -> &'static str {
    let c = '"';
    let e = '\'';
    let s = "reqwest \" clap";
    let r = r#"indicatif "quoted" println!()"#;
    let b = b"clap";
    s
}
"##;
    let found = check("src/pull/x.rs", source);
    assert!(found.is_empty(), "{found:?}");
    // Code after the literals is still read.
    let found = check("src/pull/x.rs", &format!("{source}\nuse reqwest::Url;\n"));
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("src/pull/x.rs:14:"), "{found:?}");
}

#[test]
fn a_layer_importing_one_above_it_is_caught() {
    let found = check(
        "src/api/x.rs",
        "use crate::output::Printer;\nuse crate::{exit::Code, pull::plan};",
    );
    assert_eq!(
        found,
        [
            "src/api/x.rs:1: `crate::output` used in src/api/",
            "src/api/x.rs:2: `crate::pull` used in src/api/",
        ]
    );
    assert!(
        check(
            "src/api/x.rs",
            "use crate::{exit::Code, reference::{ProjectRef, X}};"
        )
        .is_empty()
    );
    assert!(check("src/commands/x.rs", "use crate::output::Printer;").is_empty());
    assert_eq!(
        check("src/output/x.rs", "fn f() { crate::commands::run(); }").len(),
        1
    );
}
