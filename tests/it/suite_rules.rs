//! Rules for this test suite itself, read from its sources: a test that needs the sandbox says
//! so with `#[ignore = "needs the sandbox"]`, and no other test is ignored. So a plain
//! `cargo test` reports every sandbox test as ignored (never as passed) and runs all the rest.

use std::path::{Path, PathBuf};

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn ignored_tests_are_exactly_the_sandbox_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/it");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let (mut tests, mut sandbox_tests) = (0, 0);
    for file in files.iter().filter(|f| !f.ends_with("suite_rules.rs")) {
        let text = std::fs::read_to_string(file).unwrap();
        let text = text.replace("#[tokio::test", "#[test]\n#[tokio::test");
        // Each test: its attributes and its function, up to the closing brace at column 0.
        for chunk in text.split("#[test]\n").skip(1) {
            let test = &chunk[..chunk.find("\n}\n").unwrap_or(chunk.len())];
            let name = test.split("fn ").nth(1).unwrap_or("?").split('(').next();
            let at = format!("{}: {}", file.display(), name.unwrap_or("?"));
            let ignored = test.contains("#[ignore");
            let needs_sandbox = test.contains("sandbox()");
            assert_eq!(
                ignored, needs_sandbox,
                "{at}: a test is ignored exactly when it calls sandbox()"
            );
            if ignored {
                assert!(
                    test.contains("#[ignore = \"needs the sandbox\"]"),
                    "{at}: the reason must be \"needs the sandbox\""
                );
                sandbox_tests += 1;
            }
            tests += 1;
        }
    }
    assert!(
        tests > 100 && sandbox_tests > 30,
        "{tests} tests, {sandbox_tests} sandbox tests: the scan is broken"
    );
}
