//! End-to-end: transfer, copy, push, --dry-run and interop with the official CLI.

use super::*;

#[test]
#[ignore = "needs the sandbox"]
fn transfer_moves_the_version_and_refuses_a_clash() {
    let sb = sandbox();
    let src = project(&sb, "tr-src");
    let dst = project(&sb, "tr-dst");
    src.ok(&["register", &src.target("v1"), "--description", "moving"]);
    src.ok(&["register", &src.target("v2")]);
    dst.ok(&[
        "register",
        &dst.target("v2"),
        "--description",
        "already here",
    ]);
    let uuid = src.version("artifact", "v1")["uuid"].clone();

    let out = src.ok(&["transfer", &src.target("v1"), "-to", dst.p(), "-o", "json"]);
    assert_eq!(src.status("artifact", "v1"), 404);
    let moved = dst.version("artifact", "v1");
    assert_eq!(moved["uuid"], uuid);
    assert_eq!(moved["description"], "moving");
    assert_eq!(json_out(&out), moved);

    let before = (src.version("artifact", "v2"), dst.version("artifact", "v2"));
    let (code, _, err) = src.pxa(&["transfer", &src.target("v2"), "--to-project", dst.p()]);
    assert_eq!(code, 5, "{err}");
    assert!(err.contains("already has"), "{err}");
    assert_eq!(
        (src.version("artifact", "v2"), dst.version("artifact", "v2")),
        before
    );

    let (code, _, err) = src.pxa(&[
        "transfer",
        &src.target("v2"),
        "--to-project",
        "w-no-such-project",
    ]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(src.status("artifact", "v2"), 200);
}

#[test]
#[ignore = "needs the sandbox"]
fn server_answers_an_empty_405_on_a_transfer_clash() {
    let sb = sandbox();
    let src = project(&sb, "tr405-src");
    let dst = project(&sb, "tr405-dst");
    src.ok(&["register", &src.target("v1")]);
    dst.ok(&["register", &dst.target("v1")]);
    let resp = sb
        .http()
        .post(src.url("artifact", &["v1", "transfer"]))
        .json(&json!({"project": dst.p()}))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 405);
    assert!(resp.text().unwrap().trim().is_empty());
    assert_eq!(src.status("artifact", "v1"), 200);
}

#[test]
#[ignore = "needs the sandbox"]
fn copy_takes_fields_and_lineage_but_not_the_stage_history() {
    let sb = sandbox();
    let pr = project(&sb, "cp");
    let other = project(&sb, "cp-dst");
    let run_uuid = pr.run_with_lineage();
    pr.ok(&[
        "register",
        &pr.target("v1"),
        "--description",
        "src",
        "--tags",
        "a,b",
        "--content",
        "{\"k\": 1}",
        "--readme",
        "rd",
        "--run-uid",
        &run_uuid,
        "--artifacts",
        "model",
    ]);
    pr.ok(&["stage", &pr.target("v1"), "--to", "production"]);

    let out = pr.ok(&["copy", &pr.target("v1"), "-o", "name"]);
    assert_eq!(out, "v1-copy\n");
    let (src, copy) = (
        pr.version("artifact", "v1"),
        pr.version("artifact", "v1-copy"),
    );
    for key in [
        "description",
        "tags",
        "content",
        "readme",
        "run",
        "artifacts",
    ] {
        assert_eq!(copy[key], src[key], "{key}");
    }
    assert_eq!(lineage_names(&copy), ["model"]);
    assert_ne!(copy["uuid"], src["uuid"]);
    assert_eq!(copy["stage"], "testing");
    assert_eq!(
        pr.stages("artifact", "v1-copy")["stage_conditions"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    // Flags override; an existing name needs --force.
    pr.ok(&[
        "copy",
        &pr.target("v1"),
        "-n",
        "v1-b",
        "--tags",
        "c",
        "--description",
        "own",
    ]);
    let b = pr.version("artifact", "v1-b");
    assert_eq!(
        (b["tags"].clone(), b["description"].clone()),
        (json!(["c"]), json!("own"))
    );
    let (code, _, err) = pr.pxa(&["copy", &pr.target("v1"), "-n", "v1-b"]);
    assert_eq!(code, 5, "{err}");

    // CE refuses a run of another project: a clear error, nothing created; --no-run works.
    let (code, _, err) = pr.pxa(&["copy", &pr.target("v1"), "--to-project", other.p()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the server failed") && err.contains("--no-run"),
        "{err}"
    );
    assert_eq!(other.status("artifact", "v1-copy"), 404);
    pr.ok(&[
        "copy",
        &pr.target("v1"),
        "--to-project",
        other.p(),
        "--no-run",
    ]);
    let there = other.version("artifact", "v1-copy");
    assert_eq!(there["content"], "{\"k\": 1}");
    assert!(there["run"].is_null(), "{there}");
}

#[test]
#[ignore = "needs the sandbox"]
fn push_registers_a_hand_written_pull_folder() {
    let sb = sandbox();
    let pr = project(&sb, "push");
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("artifacts").join("v9");
    std::fs::create_dir_all(&dir).unwrap();
    let file = json!({"uuid": "0123456789abcdef0123456789abcdef", "name": "v9",
        "description": "from disk", "tags": ["p", "q"], "owner": "default", "project": pr.p(),
        "artifacts": [], "meta_info": {}, "created_at": "2026-11-27T14:26:51.704367+00:00",
        "stage": "staging", "kind": "artifact", "content": "{\"old\": true}", "readme": "rm"});
    std::fs::write(dir.join("version.plx.json"), file.to_string()).unwrap();
    std::fs::write(dir.join("content.plx.json"), "{\"new\": true}").unwrap();

    let dir_arg = dir.to_str().unwrap();
    let out = pr.ok(&["push", dir_arg, "--dry-run"]);
    assert_eq!(json_out(&out)["method"], "POST");
    assert_eq!(pr.status("artifact", "v9"), 404);

    pr.ok(&["push", dir_arg]);
    let v = pr.version("artifact", "v9");
    assert_eq!(v["description"], "from disk");
    assert_eq!(v["tags"], json!(["p", "q"]));
    assert_eq!(v["content"], "{\"new\": true}", "content.plx.json wins");
    assert_eq!(v["readme"], "rm");
    assert_ne!(v["uuid"], "0123456789abcdef0123456789abcdef");
    // Surprise pinned: `stage` on create sets the stage without a stage condition.
    let stages = pr.stages("artifact", "v9");
    assert_eq!(stages["stage"], "staging");
    let types: Vec<&str> = stages["stage_conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["testing"]);

    let before = pr.version("artifact", "v9");
    let (code, _, err) = pr.pxa(&["push", dir_arg]);
    assert_eq!(code, 5, "{err}");
    assert_eq!(pr.version("artifact", "v9"), before);

    let root_arg = root.path().to_str().unwrap();
    let other = project(&sb, "push-dst");
    other.ok(&[
        "push",
        "--path",
        root_arg,
        "--version",
        "v9",
        "-p",
        other.p(),
        "--clean",
    ]);
    assert_eq!(other.version("artifact", "v9")["description"], "from disk");
    assert!(!dir.exists(), "--clean removed the folder after success");
}

#[test]
#[ignore = "needs the sandbox"]
fn push_reads_what_the_official_pull_wrote() {
    let sb = sandbox();
    let pr = project(&sb, "pull");
    let other = project(&sb, "pull-dst");
    let run_uuid = pr.run_with_lineage();
    pr.ok(&[
        "register",
        &pr.target("v1"),
        "--description",
        "d",
        "--tags",
        "a",
        "--content",
        "{\"z\": 1}",
        "--run-uid",
        &run_uuid,
        "--artifacts",
        "model,metrics",
    ]);
    let root = tempfile::tempdir().unwrap();
    let root_arg = root.path().to_str().unwrap();
    let out = sb
        .polyaxon()
        .args([
            "artifacts",
            "pull",
            "-p",
            pr.p(),
            "-ver",
            "v1",
            "--path",
            root_arg,
        ])
        .arg("--no-artifacts")
        .output()
        .unwrap();
    let dir = root.path().join("artifacts/v1");
    assert!(dir.join("version.plx.json").is_file(), "{out:?}");

    // Same project, new name: the run and lineage are linked again.
    pr.ok(&["push", dir.to_str().unwrap(), "--version", "v1-again"]);
    let (a, b) = (
        pr.version("artifact", "v1"),
        pr.version("artifact", "v1-again"),
    );
    for key in [
        "description",
        "tags",
        "content",
        "stage",
        "run",
        "artifacts",
    ] {
        assert_eq!(a[key], b[key], "{key}");
    }
    // Another project has not the run: its files would be uploaded, but this pull wrote none,
    // so the push is refused before anything is sent; --no-run pushes the rest.
    let (code, _, err) = other.pxa(&["push", "--path", root_arg, "-ver", "v1", "-p", other.p()]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("there is nothing to upload it from") && err.contains("--no-run"),
        "{err}"
    );
    assert_eq!(other.status("artifact", "v1"), 404);
    // --no-artifacts keeps the metadata-only push: CE cannot link another project's run
    // (its empty 405).
    let (code, _, err) = other.pxa(&[
        "push",
        "--path",
        root_arg,
        "-ver",
        "v1",
        "-p",
        other.p(),
        "--no-artifacts",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("the server failed") && err.contains("--no-run"),
        "{err}"
    );
    assert_eq!(other.status("artifact", "v1"), 404);
    other.ok(&[
        "push",
        "--path",
        root_arg,
        "-ver",
        "v1",
        "-p",
        other.p(),
        "--no-run",
    ]);
    let c = other.version("artifact", "v1");
    assert_eq!(
        (c["content"].clone(), c["run"].clone()),
        (a["content"].clone(), Value::Null)
    );
}

#[test]
#[ignore = "needs the sandbox"]
fn dry_run_changes_nothing_anywhere() {
    let sb = sandbox();
    let pr = project(&sb, "dry");
    let other = project(&sb, "dry-dst");
    pr.ok(&[
        "register",
        &pr.target("v1"),
        "--description",
        "d",
        "--tags",
        "a",
    ]);
    let snapshot = || (pr.version("artifact", "v1"), pr.stages("artifact", "v1"));
    let before = snapshot();
    let v1 = pr.target("v1");
    let runs: Vec<Vec<&str>> = vec![
        vec!["register", &v1, "--description", "x", "--force"],
        vec!["register", "-p", pr.p(), "--version", "v2"],
        vec!["update", &v1, "--tags", "z", "-n", "v1-renamed"],
        vec!["stage", &v1, "--to", "production"],
        vec!["delete", &v1],
        vec!["transfer", &v1, "--to-project", other.p()],
        vec!["copy", &v1],
    ];
    for args in runs {
        let mut full = args.clone();
        full.push("--dry-run");
        let out = pr.ok(&full);
        let printed = json_out(&out);
        assert!(
            printed["url"].as_str().unwrap().starts_with(&sb.host),
            "{args:?}: {out}"
        );
        assert_ne!(printed["method"], "GET", "{args:?}");
        assert_eq!(snapshot(), before, "{args:?} changed the server");
    }
    assert_eq!(pr.status("artifact", "v2"), 404);
    assert_eq!(pr.status("artifact", "v1-copy"), 404);
    assert_eq!(other.status("artifact", "v1"), 404);
}

#[test]
#[ignore = "needs the sandbox"]
fn the_official_cli_reads_what_pxa_writes_and_the_other_way_round() {
    let sb = sandbox();
    let pr = project(&sb, "interop");
    pr.ok(&[
        "register",
        &pr.target("px"),
        "--description",
        "by pxa",
        "--tags",
        "one,two",
    ]);
    pr.ok(&[
        "stage",
        &pr.target("px"),
        "--to",
        "staging",
        "--message",
        "pxa moved it",
    ]);
    let out = sb
        .polyaxon()
        .args(["artifacts", "get", "-p", pr.p(), "-ver", "px"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    for needle in ["by pxa", "one", "two", "staging"] {
        assert!(text.contains(needle), "{needle} missing from:\n{text}");
    }
    let out = sb
        .polyaxon()
        .args(["artifacts", "stages", "-p", pr.p(), "-ver", "px"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PxaStageUpdate") && text.contains("pxa moved it"),
        "{text}"
    );

    let out = sb
        .polyaxon()
        .args([
            "artifacts",
            "register",
            "-p",
            pr.p(),
            "-ver",
            "py",
            "--description",
            "by polyaxon",
        ])
        .args(["--tags", "a,b", "--content", "{\"k\": \"v\"}"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    pr.ok(&[
        "update",
        &pr.target("py"),
        "--add-tag",
        "c",
        "--readme",
        "hello",
    ]);
    pr.ok(&[
        "stage",
        &pr.target("py"),
        "--to",
        "production",
        "--if-stage",
        "testing",
    ]);
    let v = pr.version("artifact", "py");
    assert_eq!(v["tags"], json!(["a", "b", "c"]));
    assert_eq!(v["content"], "{\"k\": \"v\"}");
    assert_eq!(
        (v["readme"].clone(), v["stage"].clone()),
        (json!("hello"), json!("production"))
    );
}
