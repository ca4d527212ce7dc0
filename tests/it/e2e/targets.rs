//! End-to-end: several targets in one command (`pull`, `get`, `delete`, `stage`), `-` for a
//! list on stdin (the `pxa ls … -o name | pxa pull -p P -` pipe), and `PROJECT@STAGE`, against
//! the real sandbox. Every test works in projects of its own and checks the bytes on disk or
//! what the server holds afterwards.

use std::path::Path;
use std::process::Stdio;

use crate::support::files::sha;
use crate::support::project::{Proj, project};
use crate::support::{run, sandbox};
use serde_json::Value;

/// Publishes `name` in `pr` with one file of random bytes (`outputs/w.bin`); returns its bytes.
fn publish(pr: &Proj<'_>, name: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 ^ name.as_bytes()[0])
        .chain(name.bytes())
        .collect();
    let file = dir.path().join("w.bin");
    std::fs::write(&file, &bytes).unwrap();
    let path = file.to_str().unwrap();
    pr.ok(&[
        "upload",
        path,
        "-p",
        pr.p(),
        "--version",
        name,
        "-o",
        "name",
    ]);
    bytes
}

/// The pulled file of `version` under `root`, if it is there.
fn pulled(root: &Path, version: &str) -> Option<Vec<u8>> {
    std::fs::read(root.join("artifacts").join(version).join("outputs/w.bin")).ok()
}

fn stage_of(pr: &Proj<'_>, name: &str) -> String {
    pr.stages("artifact", name)["stage"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
#[ignore = "needs the sandbox"]
fn several_targets_are_pulled_in_one_command() {
    let sb = sandbox();
    let pr = project(&sb, "multi-pull");
    let a = publish(&pr, "a");
    let b = publish(&pr, "b");
    publish(&pr, "c");
    let root = tempfile::tempdir().unwrap();
    let path = root.path().to_str().unwrap();
    let out = pr.ok(&["pull", &pr.target("a"), &pr.target("b"), "--path", path]);
    assert_eq!(pulled(root.path(), "a").map(|x| sha(&x)), Some(sha(&a)));
    assert_eq!(pulled(root.path(), "b").map(|x| sha(&x)), Some(sha(&b)));
    assert_eq!(pulled(root.path(), "c"), None, "only the named versions");
    assert_eq!(out.lines().count(), 2, "one path a version: {out}");
}

#[test]
#[ignore = "needs the sandbox"]
fn the_names_ls_prints_pipe_into_pull() {
    let sb = sandbox();
    let pr = project(&sb, "pipe-pull");
    let a = publish(&pr, "a");
    publish(&pr, "b");
    let c = publish(&pr, "c");
    for v in ["a", "c"] {
        pr.ok(&["stage", &pr.target(v), "--to", "production"]);
    }
    let root = tempfile::tempdir().unwrap();
    let path = root.path().to_str().unwrap();
    // pxa ls -p P -q 'stage: production' -o name | pxa pull -p P - --path ROOT
    let mut ls = sb.pxa();
    ls.args(["ls", "-p", pr.p(), "-q", "stage: production", "-o", "name"]);
    let mut producer = ls.process().stdout(Stdio::piped()).spawn().unwrap();
    let mut pull = sb.pxa();
    pull.args([
        "pull",
        "-p",
        pr.p(),
        "-",
        "--path",
        path,
        "--progress",
        "none",
    ]);
    let consumer = pull
        .process()
        .stdin(producer.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(producer.wait().unwrap().success());
    let err = String::from_utf8_lossy(&consumer.stderr);
    assert!(consumer.status.success(), "{err}");
    assert_eq!(pulled(root.path(), "a").map(|x| sha(&x)), Some(sha(&a)));
    assert_eq!(pulled(root.path(), "c").map(|x| sha(&x)), Some(sha(&c)));
    assert_eq!(pulled(root.path(), "b"), None, "b is not in production");
}

#[test]
#[ignore = "needs the sandbox"]
fn a_missing_target_fails_alone_with_exit_10() {
    let sb = sandbox();
    let pr = project(&sb, "partial-pull");
    let a = publish(&pr, "a");
    let c = publish(&pr, "c");
    let root = tempfile::tempdir().unwrap();
    let path = root.path().to_str().unwrap();
    let (code, out, err) = pr.pxa(&["pull", "-p", pr.p(), "a", "nope", "c", "--path", path]);
    assert_eq!(code, 10, "{err}");
    assert!(err.contains("1 of 3 versions failed"), "{err}");
    assert!(err.contains("nope"), "{err}");
    let again = format!("pxa pull default/{}:nope", pr.p());
    assert!(err.contains(&again), "the hint names the failed one: {err}");
    assert_eq!(pulled(root.path(), "a").map(|x| sha(&x)), Some(sha(&a)));
    assert_eq!(pulled(root.path(), "c").map(|x| sha(&x)), Some(sha(&c)));
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(!root.path().join("artifacts/nope").exists());
}

#[test]
#[ignore = "needs the sandbox"]
fn get_delete_and_stage_take_several_targets() {
    let sb = sandbox();
    let pr = project(&sb, "multi-write");
    for v in ["v1", "v2", "v3", "v4"] {
        pr.ok(&["register", &pr.target(v)]);
    }
    // get: a JSON array of the server's objects, in the order given; a missing one → exit 10.
    let out = pr.ok(&["get", "-p", pr.p(), "v2", "v1", "-o", "json"]);
    let got: Value = serde_json::from_str(&out).unwrap();
    let server = [pr.version("artifact", "v2"), pr.version("artifact", "v1")];
    assert_eq!(got, Value::Array(server.to_vec()));
    let (code, out, err) = pr.pxa(&["get", "-p", pr.p(), "v1", "nope", "v3", "-o", "name"]);
    assert_eq!((code, out.as_str()), (10, "v1\nv3\n"), "{err}");
    // stage: each moved in order; --if-stage is checked per version.
    pr.ok(&["stage", "-p", pr.p(), "v1", "v2", "--to", "staging"]);
    let (code, out, err) = run(sb
        .pxa()
        .args([
            "stage",
            "-p",
            pr.p(),
            "-",
            "--to",
            "production",
            "--if-stage",
            "staging",
        ])
        .args(["-o", "name"])
        .write_stdin("v1\n\n  v3 \nv2\n"));
    assert_eq!((code, out.as_str()), (10, "v1\nv2\n"), "{err}");
    assert!(
        err.contains(":v3 is in stage `testing`, not `staging`"),
        "{err}"
    );
    let stages: Vec<String> = ["v1", "v2", "v3"]
        .iter()
        .map(|v| stage_of(&pr, v))
        .collect();
    assert_eq!(stages, ["production", "production", "testing"]);
    // delete: -y off a terminal; both gone, the others kept.
    let (code, _, err) = pr.pxa(&["delete", "-p", pr.p(), "v1", "v3"]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        pr.status("artifact", "v1"),
        200,
        "nothing deleted without -y"
    );
    let out = pr.ok(&["delete", "-p", pr.p(), "v1", "v3", "-y", "-o", "name"]);
    assert_eq!(out, "v1\nv3\n");
    let status: Vec<u16> = ["v1", "v2", "v3", "v4"]
        .iter()
        .map(|v| pr.status("artifact", v))
        .collect();
    assert_eq!(status, [404, 200, 404, 200]);
}

#[test]
#[ignore = "needs the sandbox"]
fn a_stage_selector_names_the_version_promoted_last_not_the_one_updated_last() {
    let sb = sandbox();
    let pr = project(&sb, "at-stage");
    for v in ["v1", "v2", "v3"] {
        pr.ok(&["register", &pr.target(v)]);
    }
    pr.ok(&["stage", &pr.target("v1"), "--to", "production"]);
    pr.ok(&["stage", &pr.target("v2"), "--to", "production"]);
    pr.ok(&[
        "update",
        &pr.target("v1"),
        "--description",
        "edited after v2's promotion",
    ]);
    let updated = |v: &str| {
        let text = pr.version("artifact", v)["updated_at"]
            .as_str()
            .unwrap()
            .to_string();
        chrono::DateTime::parse_from_rfc3339(&text).unwrap()
    };
    assert!(updated("v1") > updated("v2"), "v1 was changed last");
    let selector = format!("{}@production", pr.p());
    let (code, out, err) = pr.pxa(&["get", &selector, "-o", "name", "-v"]);
    assert_eq!((code, out.as_str()), (0, "v2\n"), "{err}");
    assert!(
        err.contains(&format!("{selector} → v2: entered production at "))
            && err.contains("newest of 2 versions in production"),
        "-v says how: {err}"
    );
    // The same selector with -p, with --version, and in another command.
    assert_eq!(
        pr.ok(&["get", "-p", pr.p(), "@production", "-o", "name"]),
        "v2\n"
    );
    assert_eq!(
        pr.ok(&[
            "get",
            "-p",
            pr.p(),
            "--version",
            "@production",
            "-o",
            "name"
        ]),
        "v2\n"
    );
    pr.ok(&["update", &selector, "--description", "via the selector"]);
    assert_eq!(
        pr.version("artifact", "v2")["description"],
        "via the selector"
    );
    // Entering again (--force writes the condition anew) makes v1 the last to enter.
    pr.ok(&["stage", &pr.target("v1"), "--to", "production", "--force"]);
    assert_eq!(pr.ok(&["get", &selector, "-o", "name"]), "v1\n");
    // No version in the stage: exit 3, and a hint.
    let (code, out, err) = pr.pxa(&["get", &format!("{}@staging", pr.p())]);
    assert_eq!(code, 3, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains(&format!(
            "no artifact version of default/{} is in stage staging",
            pr.p()
        )),
        "{err}"
    );
    assert!(err.contains("hint: "), "{err}");
}
