//! Every example line of COMPATIBILITY.md, run with `pxa` in place of `polyaxon` against the
//! sandbox (and with the official CLI on projects of its own), then the server state checked.

use std::path::Path;

use crate::support::process::{bin, isolate};
use crate::support::project::{Proj, project};
use crate::support::{Sandbox, sandbox};

const COMPONENT: &str =
    "version: 1.1\nkind: component\nrun:\n  kind: job\n  container:\n    image: busybox\n";

/// The lines of the ```sh compat block.
fn examples() -> Vec<String> {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("COMPATIBILITY.md"))
            .unwrap();
    let block = doc
        .split("```sh compat\n")
        .nth(1)
        .expect("a ```sh compat block")
        .split("```")
        .next()
        .unwrap();
    let lines: Vec<String> = block
        .lines()
        .filter(|l| l.starts_with("polyaxon "))
        .map(str::to_string)
        .collect();
    assert!(lines.len() >= 25, "the block lists the examples");
    lines
}

struct Place<'a> {
    p: Proj<'a>,
    p2: Proj<'a>,
    run: String,
    dir: tempfile::TempDir,
}

fn place<'a>(sb: &'a Sandbox, tag: &str) -> Place<'a> {
    let p = project(sb, tag);
    let p2 = project(sb, &format!("{tag}2"));
    let run = p.run_with_lineage();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("component.yaml"), COMPONENT).unwrap();
    Place { p, p2, run, dir }
}

fn fill(line: &str, at: &Place) -> String {
    line.replace("{P2}", &at.p2.name)
        .replace("{P}", &at.p.name)
        .replace("{DIR}", at.dir.path().to_str().unwrap())
        .replace("{RUN}", &at.run)
}

/// Runs `line` through bash with `program` in place of `polyaxon`; returns (code, output).
fn sh(sb: &Sandbox, program: &Path, line: &str) -> (i32, String) {
    let command = format!("\"$PROGRAM\" {}", line.strip_prefix("polyaxon ").unwrap());
    let mut bash = std::process::Command::new("bash");
    let out = isolate(&mut bash, sb.home.path())
        .args(["-c", &command])
        .env("PROGRAM", program)
        .env("POLYAXON_HOST", &sb.host)
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
#[ignore = "needs the sandbox"]
fn every_official_example_runs_with_pxa() {
    let sb = sandbox();
    let pxa = bin();
    let at = place(&sb, "compat");
    for line in examples() {
        let line = fill(&line, &at);
        let (code, out) = sh(&sb, &pxa, &line);
        assert_eq!(code, 0, "pxa failed on: {line}\n{out}");
    }
    // What the server holds afterwards.
    let v1 = at.p.version("artifact", "v1");
    assert_eq!(v1["description"], "forced");
    assert_eq!(v1["tags"], serde_json::json!(["a", "b"]));
    let stages = at.p.stages("artifact", "v1");
    assert_eq!(stages["stage"], "production");
    let reasons: Vec<&str> = stages["stage_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["reason"].as_str())
        .collect();
    assert!(reasons.contains(&"GithubAction"), "{reasons:?}");
    for name in ["v1-copy", "v2-local", "v1"] {
        assert_eq!(
            at.p2.status("artifact", name),
            200,
            "{name} in {}",
            at.p2.name
        );
    }
    for gone in ["v2", "v2-renamed", "v2-local"] {
        assert_eq!(at.p.status("artifact", gone), 404, "{gone}");
    }
    assert_eq!(at.p.status("model", "m1"), 404);
    assert_eq!(
        at.p.version("component", "c1")["description"],
        "a component"
    );
    let pulled = at.dir.path().join("artifacts");
    assert!(pulled.join("v1/version.plx.json").is_file());
    assert!(!pulled.join("v2").exists(), "push -c removed the folder");
}

#[test]
#[ignore = "needs the sandbox"]
fn every_example_is_a_valid_official_command_line() {
    let sb = sandbox();
    let at = place(&sb, "official");
    for line in examples() {
        // The official `components` commands call cloud.polyaxon.com on CE (contract §10.3).
        if line.starts_with("polyaxon components ") {
            continue;
        }
        let line = fill(&line, &at);
        let (code, out) = sh(&sb, &sb.polyaxon, &line);
        assert_eq!(code, 0, "the official CLI failed on: {line}\n{out}");
    }
    assert_eq!(at.p2.status("artifact", "v1-copy"), 200);
}
