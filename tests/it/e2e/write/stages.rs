//! End-to-end: stage, wait and delete.

use super::*;

#[test]
#[ignore = "needs the sandbox"]
fn stage_writes_the_condition_and_if_stage_guards_it() {
    let sb = sandbox();
    let pr = project(&sb, "stg");
    pr.ok(&["register", &pr.target("v1")]);
    let out = pr.ok(&[
        "stage",
        "-p",
        pr.p(),
        "-ver",
        "v1",
        "-to",
        "staging",
        "--reason",
        "CiGate",
        "--message",
        "passed eval",
        "-o",
        "name",
    ]);
    assert_eq!(out, "v1\n");
    let stages = pr.stages("artifact", "v1");
    assert_eq!(stages["stage"], "staging");
    let last = stages["stage_conditions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["type"], "staging");
    assert_eq!(last["status"], true);
    assert_eq!(last["reason"], "CiGate");
    assert_eq!(last["message"], "passed eval");
    chrono::DateTime::parse_from_rfc3339(last["last_update_time"].as_str().unwrap()).unwrap();

    // --if-stage mismatch: exit 6, nothing changes.
    let before = pr.stages("artifact", "v1");
    let (code, _, err) = pr.pxa(&[
        "stage",
        &pr.target("v1"),
        "--to",
        "production",
        "--if-stage",
        "testing",
    ]);
    assert_eq!(code, 6, "{err}");
    assert!(err.contains("not `testing`"), "{err}");
    assert_eq!(pr.stages("artifact", "v1"), before);

    // Match: moves, with the default reason naming pxa.
    pr.ok(&[
        "stage",
        &pr.target("v1"),
        "--to",
        "production",
        "--if-stage",
        "staging",
    ]);
    let stages = pr.stages("artifact", "v1");
    assert_eq!(stages["stage"], "production");
    let last = stages["stage_conditions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["reason"], "PxaStageUpdate");
    assert!(last.get("message").is_none(), "absent, not null: {last}");
    assert_eq!(pr.version("artifact", "v1")["stage"], "production");

    let (code, _, err) = pr.pxa(&["stage", &pr.target("gone"), "--to", "staging"]);
    assert_eq!(code, 3, "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn server_replaces_a_repeated_condition_and_answers_the_stage_post_with_nulls() {
    let sb = sandbox();
    let pr = project(&sb, "rep");
    pr.ok(&["register", &pr.target("v1")]);
    pr.ok(&[
        "stage",
        &pr.target("v1"),
        "--to",
        "staging",
        "--message",
        "one",
    ]);
    pr.ok(&[
        "stage",
        &pr.target("v1"),
        "--to",
        "staging",
        "--message",
        "two",
        "--force",
    ]);
    let conditions = pr.stages("artifact", "v1")["stage_conditions"].clone();
    let conditions = conditions.as_array().unwrap();
    assert_eq!(
        conditions.len(),
        2,
        "same type+status replaces the last: {conditions:?}"
    );
    assert_eq!(conditions[1]["message"], "two");
    let answer = post(
        &sb,
        &["default", pr.p(), "versions", "artifact", "v1", "stages"],
        json!({"condition": {"type": "production", "status": true, "reason": "Direct"}}),
    );
    assert_eq!(answer, json!({"stage": null, "stage_conditions": null}));
    assert_eq!(pr.stages("artifact", "v1")["stage"], "production");
}

#[test]
#[ignore = "needs the sandbox"]
fn staging_to_the_current_stage_changes_nothing_unless_forced() {
    let sb = sandbox();
    let pr = project(&sb, "same");
    pr.ok(&["register", &pr.target("v1")]);
    pr.ok(&[
        "stage",
        &pr.target("v1"),
        "--to",
        "production",
        "--message",
        "first",
    ]);
    let before = pr.stages("artifact", "v1");
    std::thread::sleep(Duration::from_millis(1100));
    let (code, out, err) = pr.pxa(&[
        "stage",
        &pr.target("v1"),
        "--to",
        "production",
        "--message",
        "again",
        "-o",
        "name",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "v1\n");
    assert!(err.starts_with("already in production: "), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert_eq!(
        pr.stages("artifact", "v1"),
        before,
        "reason, message and time kept"
    );
    pr.ok(&[
        "stage",
        &pr.target("v1"),
        "--to",
        "production",
        "--message",
        "again",
        "--force",
    ]);
    let after = pr.stages("artifact", "v1");
    let last = after["stage_conditions"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["message"], "again");
    assert_ne!(after, before);
}

/// `pxa wait …` started in the background (assert_cmd cannot spawn).
fn spawn_wait(sb: &Sandbox, args: &[&str]) -> std::process::Child {
    sb.pxa()
        .args(args)
        .process()
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
#[ignore = "needs the sandbox"]
fn wait_returns_when_another_process_promotes_and_times_out_otherwise() {
    let sb = sandbox();
    let pr = project(&sb, "wait");
    pr.ok(&["register", &pr.target("v1")]);
    let target = pr.target("v1");
    let started = Instant::now();
    let child = spawn_wait(
        &sb,
        &[
            "wait",
            &target,
            "--for",
            "production",
            "--interval",
            "500ms",
            "--timeout",
            "60s",
            "-o",
            "name",
        ],
    );
    std::thread::sleep(Duration::from_secs(2));
    post(
        &sb,
        &["default", pr.p(), "versions", "artifact", "v1", "stages"],
        json!({"condition": {"type": "production", "status": true, "reason": "Elsewhere"}}),
    );
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert_eq!(stdout, "v1\n");
    assert!(
        stderr.contains(": testing") && stderr.contains(": production"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));

    let started = Instant::now();
    let (code, out, err) = pr.pxa(&[
        "wait",
        &target,
        "--for",
        "staging",
        "--timeout",
        "3s",
        "--interval",
        "1s",
    ]);
    assert_eq!(code, 7, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("did not reach `staging`") && err.contains("production"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(15));
    let (code, _, err) = pr.pxa(&[
        "wait",
        &pr.target("gone"),
        "--for",
        "staging",
        "--timeout",
        "5s",
    ]);
    assert_eq!(code, 3, "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn delete_with_yes_removes_it_and_a_missing_version_exits_3() {
    let sb = sandbox();
    let pr = project(&sb, "del");
    pr.ok(&["register", &pr.target("v1")]);
    let (code, _, err) = pr.pxa(&["delete", &pr.target("v1")]);
    assert_eq!(code, 2, "no TTY, no -y: {err}");
    assert_eq!(pr.status("artifact", "v1"), 200);
    let out = pr.ok(&["delete", &pr.target("v1"), "-y", "-o", "name"]);
    assert_eq!(out, "v1\n");
    assert_eq!(pr.status("artifact", "v1"), 404);
    let (code, _, err) = pr.pxa(&["delete", &pr.target("v1"), "-y"]);
    assert_eq!(code, 3, "{err}");
}

#[test]
#[ignore = "needs the sandbox"]
fn delete_asks_on_a_terminal() {
    let sb = sandbox();
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        panic!("`script` (util-linux) is needed to give pxa a terminal");
    }
    let pr = project(&sb, "tty");
    pr.ok(&["register", &pr.target("keep")]);
    pr.ok(&["register", &pr.target("drop")]);
    let bin = crate::support::process::bin();
    let ask = |version: &str, answer: &str| {
        let command = format!("{} delete {}", bin.display(), pr.target(version));
        let mut script = std::process::Command::new("script");
        let mut child = crate::support::process::isolate(&mut script, sb.home.path())
            .args(["-qec", &command, "/dev/null"])
            .env("POLYAXON_HOST", &sb.host)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(answer.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, shown) = ask("keep", "n\n");
    assert_eq!(code, Some(1), "{shown}");
    assert!(shown.contains("[y/N]"), "{shown}");
    assert_eq!(pr.status("artifact", "keep"), 200);
    let (code, shown) = ask("drop", "y\n");
    assert_eq!(code, Some(0), "{shown}");
    assert_eq!(pr.status("artifact", "drop"), 404);
}

/// The README's "Promote in CI" recipe, command for command.
#[test]
#[ignore = "needs the sandbox"]
fn promote_in_ci_recipe_from_the_readme() {
    let sb = sandbox();
    let pr = project(&sb, "ci");
    let run_uuid = pr.run_with_lineage();
    let out = pr.ok(&[
        "models",
        "register",
        "-p",
        pr.p(),
        "-ver",
        "cand-1",
        "--run-uid",
        &run_uuid,
        "--artifacts",
        "model",
        "--description",
        "commit abc123",
        "--tags",
        "ci,candidate",
        "-o",
        "name",
    ]);
    assert_eq!(out, "cand-1\n");
    pr.ok(&[
        "models",
        "stage",
        "-p",
        pr.p(),
        "-ver",
        "cand-1",
        "-to",
        "staging",
        "--message",
        "eval passed",
        "--if-stage",
        "testing",
    ]);
    let waiter = spawn_wait(
        &sb,
        &[
            "models",
            "wait",
            "-p",
            pr.p(),
            "-ver",
            "cand-1",
            "--for",
            "production",
            "--timeout",
            "2h",
            "--interval",
            "500ms",
            "-o",
            "name",
        ],
    );
    std::thread::sleep(Duration::from_secs(1));
    pr.ok(&[
        "models",
        "stage",
        "-p",
        pr.p(),
        "-ver",
        "cand-1",
        "-to",
        "production",
    ]);
    let done = waiter.wait_with_output().unwrap();
    assert_eq!(done.status.code(), Some(0), "{done:?}");
    assert_eq!(String::from_utf8_lossy(&done.stdout), "cand-1\n");
    let m = pr.version("model", "cand-1");
    assert_eq!(m["stage"], "production");
    assert_eq!(lineage_names(&m), ["model"]);
    assert_eq!(m["tags"], json!(["ci", "candidate"]));
    let types: Vec<String> = pr.stages("model", "cand-1")["stage_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(types, ["testing", "staging", "production"]);
}
