//! End-to-end: the real `pxa` write commands against the real Polyaxon sandbox. Every test
//! writes in its own project and checks what the SERVER holds afterwards (read straight
//! from the API).

use std::time::{Duration, Instant};

use crate::support::project::{post, project};
use crate::support::{Sandbox, run, sandbox};
use serde_json::{Value, json};

fn json_out(out: &str) -> Value {
    serde_json::from_str(out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}"))
}

fn lineage_names(v: &Value) -> Vec<String> {
    v["meta_info"]["lineage"]
        .as_array()
        .map(|l| {
            l.iter()
                .map(|e| e["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
#[ignore = "needs the sandbox"]
fn register_sends_every_field_and_prints_the_version() {
    let sb = sandbox();
    let pr = project(&sb, "reg");
    let dir = tempfile::tempdir().unwrap();
    let readme = dir.path().join("README.md");
    std::fs::write(&readme, "# Model\nline two\n").unwrap();
    let readme_arg = format!("@{}", readme.display());
    let out = pr.ok(&[
        "register",
        &pr.target("v1"),
        "--description",
        "first cut",
        "--tags",
        " a, b,,a ",
        "--content",
        "{\"lr\": 0.01}",
        "--readme",
        &readme_arg,
        "-o",
        "json",
    ]);
    let server = pr.version("artifact", "v1");
    assert_eq!(json_out(&out), server, "prints the server's object");
    assert_eq!(server["description"], "first cut");
    assert_eq!(server["tags"], json!(["a", "b"]));
    assert_eq!(server["content"], "{\"lr\": 0.01}");
    // Surprise pinned: the server trims surrounding whitespace of text fields.
    assert_eq!(server["readme"], "# Model\nline two");
    assert_eq!(server["stage"], "testing");

    // A YAML list for tags, YAML content from stdin, -ver spelling, -o name.
    let (code, out, err) = run(sb
        .pxa()
        .args([
            "register",
            "-p",
            pr.p(),
            "-ver",
            "v2",
            "--tags",
            "[\"x\", \"y\"]",
        ])
        .args(["--content", "-", "-o", "name"])
        .write_stdin("framework: torch\nlayers: [1, 2]\n"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "v2\n");
    let v2 = pr.version("artifact", "v2");
    assert_eq!(v2["tags"], json!(["x", "y"]));
    assert_eq!(v2["content"], "framework: torch\nlayers: [1, 2]");
}

#[test]
#[ignore = "needs the sandbox"]
fn register_existing_without_force_exits_5_and_leaves_it_untouched() {
    let sb = sandbox();
    let pr = project(&sb, "dup");
    pr.ok(&[
        "register",
        &pr.target("v1"),
        "--description",
        "orig",
        "--tags",
        "t",
    ]);
    let before = (pr.version("artifact", "v1"), pr.stages("artifact", "v1"));
    let (code, out, err) = pr.pxa(&[
        "register",
        &pr.target("v1"),
        "--description",
        "changed",
        "--tags",
        "u",
    ]);
    assert_eq!(code, 5, "{err}");
    assert!(out.is_empty());
    assert!(
        err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    let after = (pr.version("artifact", "v1"), pr.stages("artifact", "v1"));
    assert_eq!(before, after);

    // --force PATCHes only what is given: tags and content stay.
    pr.ok(&[
        "register",
        &pr.target("v1"),
        "--content",
        "{\"k\": 1}",
        "--force",
    ]);
    pr.ok(&[
        "register",
        &pr.target("v1"),
        "--description",
        "forced",
        "--force",
    ]);
    let forced = pr.version("artifact", "v1");
    assert_eq!(forced["description"], "forced");
    assert_eq!(forced["tags"], json!(["t"]));
    assert_eq!(forced["content"], "{\"k\": 1}");
    assert_eq!(forced["uuid"], before.0["uuid"]);
}

#[test]
#[ignore = "needs the sandbox"]
fn register_from_a_run_links_the_named_lineage() {
    let sb = sandbox();
    let pr = project(&sb, "run");
    let run_uuid = pr.run_with_lineage();
    pr.ok(&[
        "--kind",
        "model",
        "register",
        &pr.target("m1"),
        "--run-uid",
        &run_uuid,
        "--artifacts",
        "model",
    ]);
    let m1 = pr.version("model", "m1");
    assert_eq!(m1["run"], run_uuid.as_str());
    assert_eq!(m1["artifacts"], json!(["model"]));
    assert_eq!(lineage_names(&m1), ["model"]);
    assert_eq!(m1["meta_info"]["run"]["name"], "trainer");

    // Without --artifacts: a warning, and the server links the run but no lineage.
    let (code, _, err) = pr.pxa(&["register", &pr.target("bare"), "--run-uid", &run_uuid]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("warning: --run-uid without --artifacts"),
        "{err}"
    );
    let bare = pr.version("artifact", "bare");
    assert_eq!(bare["run"], run_uuid.as_str());
    assert!(lineage_names(&bare).is_empty(), "{bare}");

    // --force re-links: --artifacts with the existing run replaces the set.
    pr.ok(&[
        "register",
        &pr.target("bare"),
        "--artifacts",
        "metrics,model",
        "--force",
    ]);
    let mut names = lineage_names(&pr.version("artifact", "bare"));
    names.sort();
    assert_eq!(names, ["metrics", "model"]);

    // An unknown lineage name is the server's 400: exit 2, nothing created.
    let (code, _, err) = pr.pxa(&[
        "register",
        &pr.target("bad"),
        "--run-uid",
        &run_uuid,
        "--artifacts",
        "nope",
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("could not be found"), "{err}");
    assert!(
        err.contains(&format!(
            "hint: list the run's lineage names with `pxa lineage {run_uuid} -p "
        )),
        "{err}"
    );
    assert_eq!(pr.status("artifact", "bad"), 404);
}

#[test]
#[ignore = "needs the sandbox"]
fn register_component_from_a_polyaxonfile() {
    let sb = sandbox();
    let pr = project(&sb, "comp");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("polyaxonfile.yaml");
    std::fs::write(
        &file,
        "version: 1.1\nkind: component\nname: hello\nrun:\n  kind: job\n  container:\n    image: busybox\n",
    )
    .unwrap();
    let file = file.to_str().unwrap();
    pr.ok(&[
        "components",
        "register",
        "-p",
        pr.p(),
        "-ver",
        "c1",
        "-f",
        file,
    ]);
    let c1 = pr.version("component", "c1");
    let content: Value = serde_json::from_str(c1["content"].as_str().unwrap()).unwrap();
    assert_eq!(content["kind"], "component");
    assert_eq!(content["run"]["container"]["image"], "busybox");
    let state = c1["state"].as_str().unwrap();
    assert_eq!(state.len(), 32, "the server hashes a valid component: {c1}");
}

#[test]
#[ignore = "needs the sandbox"]
fn update_changes_only_the_given_fields() {
    let sb = sandbox();
    let pr = project(&sb, "upd");
    pr.ok(&[
        "register",
        &pr.target("v1"),
        "--description",
        "d0",
        "--tags",
        "a,b,draft",
    ]);
    pr.ok(&["update", &pr.target("v1"), "--description", "d1"]);
    let v = pr.version("artifact", "v1");
    assert_eq!(
        (v["description"].clone(), v["tags"].clone()),
        (json!("d1"), json!(["a", "b", "draft"]))
    );
    pr.ok(&[
        "update",
        &pr.target("v1"),
        "--add-tag",
        "reviewed,a",
        "--remove-tag",
        "draft",
    ]);
    assert_eq!(
        pr.version("artifact", "v1")["tags"],
        json!(["a", "b", "reviewed"])
    );
    pr.ok(&["update", &pr.target("v1"), "--tags", "z"]);
    assert_eq!(pr.version("artifact", "v1")["tags"], json!(["z"]));
    pr.ok(&[
        "update",
        &pr.target("v1"),
        "--content",
        "{\"x\": 2}",
        "--readme",
        "r",
    ]);
    let v = pr.version("artifact", "v1");
    assert_eq!(
        (v["content"].clone(), v["readme"].clone()),
        (json!("{\"x\": 2}"), json!("r"))
    );
    assert_eq!(v["description"], "d1");
    // Surprise pinned: the server refuses an empty mapping; pxa refuses it before sending,
    // and `--content ''` clears the content.
    let resp = sb
        .http()
        .patch(pr.url("artifact", &["v1"]))
        .json(&json!({"content": "{}"}))
        .send()
        .unwrap();
    assert_eq!(resp.status().as_u16(), 400);
    assert!(resp.text().unwrap().contains("Cannot read config_value"));
    let (code, _, err) = pr.pxa(&["update", &pr.target("v1"), "--content", "{}"]);
    assert_eq!(code, 2, "{err}");
    pr.ok(&["update", &pr.target("v1"), "--content", "", "--readme", ""]);
    let cleared = pr.version("artifact", "v1");
    assert_eq!(
        (cleared["content"].clone(), cleared["readme"].clone()),
        (json!(""), json!(""))
    );

    let uuid = v["uuid"].clone();
    let out = pr.ok(&["update", &pr.target("v1"), "-n", "v1-final", "-o", "name"]);
    assert_eq!(out, "v1-final\n");
    assert_eq!(pr.status("artifact", "v1"), 404);
    assert_eq!(pr.version("artifact", "v1-final")["uuid"], uuid);

    // Renaming onto an existing name is the server's "already exists": exit 5, unchanged.
    pr.ok(&["register", &pr.target("taken")]);
    let before = pr.version("artifact", "v1-final");
    let (code, _, err) = pr.pxa(&["update", &pr.target("v1-final"), "-n", "taken"]);
    assert_eq!(code, 5, "{err}");
    assert_eq!(pr.version("artifact", "v1-final"), before);
    let (code, _, err) = pr.pxa(&["update", &pr.target("v1-final")]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("hint: pass at least one"), "{err}");
    let (code, _, err) = pr.pxa(&["update", &pr.target("gone"), "--description", "x"]);
    assert_eq!(code, 3, "{err}");
    assert_eq!(pr.version("artifact", "v1-final"), before);
}

mod moves;
mod stages;
